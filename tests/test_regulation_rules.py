"""Rule packs and facilities: checks at load, decisions, tariffs, industry check, audit trail."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from hashtide.errors import InvalidInputError
from hashtide.regulation import (
    CATEGORIES,
    SHIPPED_PACKS,
    TRACKS,
    classify,
    classify_file,
    evidence_of,
    example_path,
    load_facilities,
    load_pack,
    parse_pack,
)
from hashtide.regulation.conditions import endpoint_matches, glob_match
from hashtide.regulation.facilities import FacilitySpec

LAW = {
    "id": "law",
    "title": "The Law",
    "verification": "official_copy",
    "clauses": [
        {"id": "1", "excerpt": "Mining machines are banned. Existing ones leave by a deadline."},
        {"id": "2", "excerpt": "Leads from the network are to be verified."},
        {"id": "3", "excerpt": "AI compute is welcome."},
    ],
}
POOLS = {"id": "pools", "title": "Pool list", "verification": "unverified"}
PACK: dict[str, Any] = {
    "pack": "test-pack",
    "title": "a pack for tests",
    "jurisdiction": "XX",
    "as_of": "2026-12-01",
    "sources": [LAW, POOLS],
    "lists": {
        "pools": {"source": "pools", "entries": [{"value": "antpool.com"}, {"value": "10.0.0.0/8"}]}
    },
    "conditions": {"asics": {"field": "hardware.asic_count", "op": ">=", "value": 1}},
    "tracks": {"pow_mining": "prohibited", "ai_compute": "compliant", "office": "compliant"},
    "default": {"category": "office"},
    "rules": [
        {
            "id": "machines",
            "description": "ASICs found",
            "when": {"ref": "asics"},
            "then": {"category": "pow_mining", "flags": ["asic"]},
            "cite": {"source": "law", "clause": "1", "quote": "Mining machines are banned."},
        },
        {
            "id": "pools",
            "description": "pool traffic without machines: verify",
            "when": {
                "all": [
                    {"field": "network.pool_endpoints", "op": "matches_any", "list": "pools"},
                    {"not": {"ref": "asics"}},
                ]
            },
            "then": {"track": "verify_further", "flags": ["network"]},
            "cite": {"source": "law", "clause": "2", "quote": "Leads from the network"},
        },
        {
            "id": "ai",
            "description": "declared AI",
            "when": {
                "any": [
                    {"field": "declared_activity", "op": "in", "value": ["ai_training"]},
                    {"field": "hardware.gpu_count", "op": ">=", "value": 1},
                ]
            },
            "then": {"category": "ai_compute"},
            "cite": {"source": "law", "clause": "3", "quote": "AI compute is welcome."},
        },
    ],
}
SOURCES = Path(str(example_path("facilities.yaml"))).parent / "sources"
PACKS = Path(str(example_path("facilities.yaml"))).parent / "packs"


@pytest.fixture(scope="module")
def shipped_evidence() -> list[Any]:
    """The example facilities' evidence (the detector runs on their meters once per module)."""
    specs, base = load_facilities(example_path("facilities.yaml"))
    return [evidence_of(spec, base) for spec in specs]


def _decide(evidence: list[Any], pack_name: str) -> dict[str, Any]:
    pack = load_pack(pack_name)
    return {e.facility_id: classify(e, pack) for e in evidence}


def _evidence(**spec: Any) -> Any:
    return evidence_of(FacilitySpec.model_validate({"id": "f", **spec}))


def _problems(pack: dict[str, Any]) -> str:
    with pytest.raises(InvalidInputError) as info:
        parse_pack(pack, source="pack.yaml")
    return str(info.value)


# --- citations pinned to the stored text -------------------------------------------------------


def _raw_pack(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((PACKS / f"{name}.yaml").read_text(encoding="utf-8"))
    return data


def _cites_of(data: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    """Every citation in a pack file, read as YAML (not through the loader under test)."""

    def many(value: Any) -> list[dict[str, str]]:
        return [value] if isinstance(value, dict) else list(value)

    out = [(f"rule {r['id']}", c) for r in data["rules"] for c in many(r["cite"])]
    out += [(f"tariff {t['id']}", c) for t in data.get("tariffs", []) for c in many(t["cite"])]
    table = data.get("industry_codes")
    if table:
        out += [(f"code {k}", v["cite"]) for k, v in table["codes"].items()]
        out += [("mismatch", c) for c in many(table["mismatch_cite"])]
    return out


@pytest.mark.parametrize("name", SHIPPED_PACKS)
def test_every_quote_is_in_the_stored_excerpt_of_its_clause(name: str) -> None:
    data = _raw_pack(name)
    assert data["jurisdiction"]
    assert data["as_of"] == "2026-12-02"
    cites = _cites_of(data)
    assert cites
    for where, cite in cites:
        stored = yaml.safe_load((SOURCES / f"{cite['source']}.yaml").read_text(encoding="utf-8"))
        clauses = {c["id"]: c["excerpt"] for c in stored["clauses"]}
        assert cite["clause"] in clauses, f"{name} {where}: no stored clause {cite['clause']}"
        assert cite["quote"] in clauses[cite["clause"]], f"{name} {where}: quote not in excerpt"


# Published: the official page of 1283号 (https://www.ndrc.gov.cn/xxgk/zcfb/tz/202109/
# t20210924_1297474.html, capture fetched 2026-06-01) numbers its clauses （一）–（二十）; the
# headings below are that page's. The 2021 pack's "三（一）/（二）/（三）" are （三）/（四）/（五）.
HEADINGS_1283 = {
    "（三）": "梳理排查存量项目",
    "（四）": "梳理排查在建新增项目",
    "（五）": "加强异常用电监测分析",
    "（八）": "严禁以数据中心名义开展虚拟货币“挖矿”活动",
    "（九）": "加强数据中心类企业信用监管",
    "（十三）": "实行差别电价",
    "（十七）": "按照《产业结构调整指导目录》规定限期淘汰",
}


def test_1283_clause_numbers_and_the_national_floor() -> None:
    stored = yaml.safe_load((SOURCES / "ndrc-1283.yaml").read_text(encoding="utf-8"))
    clauses = {c["id"]: c for c in stored["clauses"]}
    for clause_id, heading in HEADINGS_1283.items():
        assert clauses[clause_id]["heading"] == heading
    assert "每千瓦时0.30元" in clauses["（十三）"]["excerpt"]  # published: （十三）
    assert stored["verification"] == "official_copy"
    digits = ["一", "二", "三", "四", "五", "六", "七", "八", "九"]
    numbered = {f"（{n}）" for n in [*digits, "十"]} | {f"（十{n}）" for n in digits}
    numbered |= {"（二十）", "一", "二", "三", "四", "五", "六", "（十九）举报"}
    for name in SHIPPED_PACKS:
        for where, cite in _cites_of(_raw_pack(name)):
            if cite["source"] == "ndrc-1283":
                assert cite["clause"] in numbered, f"{name} {where}: {cite['clause']}"


def test_superseded_and_unverified_sources_are_marked() -> None:
    pack = load_pack("china-ndrc-2021-1283")
    assert pack.source("ndrc-catalogue-2019-amend-2021").status == "repealed"
    assert pack.source("ndrc-catalogue-2019-amend-2021").superseded_by == "ndrc-catalogue-2024"
    assert pack.source("pbc-237").status == "reported_superseded"
    assert pack.source("pbc-2026").verification == "reported"
    assert pack.source("pbc-237").verification == "reprint"
    # No rule cites an unverified or repealed text.
    for rule in pack.spec.rules:
        for cite in rule.cite:
            assert pack.source(cite.source).verification != "unverified"
            assert pack.source(cite.source).status != "repealed"


def test_a_rule_without_a_citation_or_with_a_wrong_one_is_rejected() -> None:
    pack = copy.deepcopy(PACK)
    del pack["rules"][0]["cite"]
    assert "rules[0].cite: required, but missing" in _problems(pack)
    pack = copy.deepcopy(PACK)
    pack["rules"][0]["cite"] = []
    assert "rules[0].cite" in _problems(pack)
    pack = copy.deepcopy(PACK)
    pack["rules"][0]["cite"]["clause"] = "9"
    assert "rules[0].cite[0].clause: '9' has no stored excerpt in source 'law'" in _problems(pack)
    pack = copy.deepcopy(PACK)
    pack["rules"][0]["cite"]["quote"] = "Mining machines are allowed."
    assert "rules[0].cite[0].quote: 'Mining machines are allowed.' is not in" in _problems(pack)
    pack = copy.deepcopy(PACK)
    pack["rules"][0]["cite"]["source"] = "lawz"
    assert "'lawz' is not a source of this pack; did you mean 'law'?" in _problems(pack)
    pack = copy.deepcopy(PACK)
    pack["sources"][0] = {**LAW, "status": "superseded", "superseded_by": "law-2026"}
    assert "superseded by 'law-2026', which the pack does not list" in _problems(pack)
    pack = copy.deepcopy(PACK)
    pack["sources"][0] = {**LAW, "url": "javascript:alert(1)"}  # the report links it
    assert "sources[0].url" in _problems(pack)
    pack = copy.deepcopy(PACK)
    del pack["as_of"]
    assert "as_of: required, but missing" in _problems(pack)


# --- conditions and the audit trail ------------------------------------------------------------


def test_first_category_and_first_track_decide_and_fired_rules_show_only_what_held() -> None:
    pack = parse_pack(PACK)
    evidence = _evidence(
        declared_activity="ai_training",
        network={"pool_endpoints": ["stratum+tcp://ss.antpool.com:3333"]},
    )
    decision = classify(evidence, pack)
    # No machines: the pool lead sets the track, the declaration sets the category.
    assert (decision.category, decision.track) == ("ai_compute", "verify_further")
    assert (decision.decided_by, decision.track_by) == ("ai", "pools")
    trail = "\n".join(decision.audit_trail())
    assert "✘" not in trail  # a fired rule lists only the tests that held
    assert "ss.antpool.com:3333 ~ antpool.com" in trail
    assert "✔ not (hardware.asic_count = unknown" in trail
    assert "hardware.gpu_count" not in trail  # the 'any' alternative that did not hold
    assert "cites The Law 3: “AI compute is welcome.” [official copy]" in trail
    failed = {n.rule_id: [t.text() for t in n.failed] for n in decision.not_fired}
    assert failed == {
        "machines": ["✘ hardware.asic_count = unknown: >= 1 — no value: the condition cannot hold"]
    }
    with_machines = classify(
        _evidence(
            declared_activity="ai_training",
            hardware=[{"model": "Antminer S19j Pro", "count": 2}],
            network={"pool_endpoints": ["10.2.3.4:3333"]},
        ),
        pack,
    )
    # Machines conclude: the network rule no longer asks for verification.
    assert (with_machines.category, with_machines.track) == ("pow_mining", "prohibited")
    assert with_machines.flags == ("asic",)


def test_regular_expressions_are_refused_and_glob_is_linear() -> None:
    pack = copy.deepcopy(PACK)
    pack["rules"][0]["when"] = {"field": "operator", "op": "matches", "value": "^(a+)+$"}
    assert "'matches' (regular expressions) is not supported" in _problems(pack)
    pack["rules"][0]["when"] = {"field": "operator", "op": "glob", "value": "x" * 201}
    assert "at most 200" in _problems(pack)
    # The classic catastrophic inputs: a glob walks them in at most len(p) × len(t) steps.
    assert glob_match("*a*a*a*a*a*a*b", "a" * 5000) is False
    assert glob_match("^(a+)+$", "a" * 40 + "!") is False
    assert glob_match("*pool*", "Example F2POOL Ltd") is True
    assert glob_match("ex?mple*", "example co") is True
    assert glob_match("", "") is True
    assert glob_match("", "a") is False
    pack["rules"][0]["when"] = {"field": "operator", "op": "glob", "value": "*mining*"}
    decision = classify(_evidence(operator="Big Mining Co"), parse_pack(pack))
    assert decision.category == "pow_mining"


@pytest.mark.parametrize(
    ("endpoint", "pattern", "matches"),
    [
        ("stratum+tcp://ss.antpool.com:3333", "antpool.com", True),
        ("SS.AntPool.com", "antpool.com", True),
        ("notantpool.com:3333", "antpool.com", False),
        ("10.2.3.4:3333", "10.0.0.0/8", True),
        ("11.2.3.4:3333", "10.0.0.0/8", False),
        ("[2001:db8::1]:3333", "2001:db8::/32", True),
        ("user@btc.f2pool.com:1314", "f2pool.com", True),
    ],
)
def test_endpoint_matching(endpoint: str, pattern: str, matches: bool) -> None:
    assert endpoint_matches(endpoint, pattern) is matches


def test_pack_problems_are_listed_at_once() -> None:
    pack = copy.deepcopy(PACK)
    pack["rules"][0]["when"] = {"field": "declared_activity", "op": ">", "value": 3}
    pack["rules"][1]["when"] = {
        "field": "network.pool_endpoints",
        "op": "matches_any",
        "list": "pool",
    }
    pack["rules"][2]["when"]["any"][0]["value"] = ["ai_trainning"]
    pack["rules"].append(copy.deepcopy(pack["rules"][2]))
    pack["rules"][3]["when"] = {"ref": "asic"}
    text = _problems(pack)
    assert "rules[0].when.op: '>' does not apply to declared_activity (enum)" in text
    assert "rules[1].when.list: 'pool' is not a list of this pack; did you mean 'pools'?" in text
    assert "'ai_trainning' is not a value of declared_activity; did you mean 'ai_training'?" in text
    assert "rules[3].id: 'ai' is used by an earlier rule" in text
    assert "rules[3].when.ref: 'asic' is not a condition defined under conditions" in text
    assert text.count("\n  - ") == 5


@pytest.mark.parametrize(
    ("as_of", "problem"),
    [
        ("2026-13-02", "'2026-13-02' is not a date (month must be in 1..12)"),  # was accepted
        ("2026-02-30", "'2026-02-30' is not a date (day is out of range for month)"),
        ("Dec 2026", "'Dec 2026' is not a date; write the day the texts were checked"),
    ],
)
def test_as_of_is_a_day_that_exists(as_of: str, problem: str) -> None:
    pack = copy.deepcopy(PACK)
    pack["as_of"] = as_of
    assert problem in _problems(pack)


def test_as_of_may_be_an_unquoted_yaml_date() -> None:
    # `as_of: 2026-12-02` (a YAML date) was refused with "Input should be a valid string".
    pack = yaml.safe_load(yaml.safe_dump(PACK).replace("as_of: '2026-12-01'", "as_of: 2026-12-01"))
    assert not isinstance(pack["as_of"], str)
    assert parse_pack(pack, source="pack.yaml").spec.as_of == "2026-12-01"


def test_unknown_pack_name_bad_yaml_and_extends(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="no rule pack 'china'"):
        load_pack("china")
    bad = tmp_path / "bad.yaml"
    bad.write_text("pack: [unclosed\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="not valid YAML at line"):
        load_pack(bad)
    child = tmp_path / "child.yaml"
    child.write_text(
        yaml.safe_dump(
            {
                "pack": "child",
                "extends": "china-ndrc-2021-1283",
                "title": "a province",
                "jurisdiction": "CN-XX",
                "as_of": "2026-12-02",
                "tariffs": [
                    {
                        "id": "xx",
                        "description": "a provincial surcharge",
                        "categories": ["pow_mining"],
                        "regions": ["Xx"],
                        "surcharge_cny_per_kwh": 0.5,
                        "applies_to": "whole_account",
                        "cite": {
                            "source": "ndrc-1283",
                            "clause": "（十三）",
                            "quote": "地方可根据实际情况进一步提高加价标准",
                        },
                    }
                ],
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    pack = load_pack(child)
    assert [t.id for t in pack.spec.tariffs] == ["national-floor", "xx"]
    assert len(pack.spec.rules) == len(load_pack("china-ndrc-2021-1283").spec.rules)
    loop = tmp_path / "loop.yaml"
    loop.write_text("extends: loop.yaml\npack: loop\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="more than 4 levels"):
        load_pack(loop)


# --- facilities, light mining, tariffs, industry codes -----------------------------------------


def test_facility_fields_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "facilities.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "facilities": [
                    {"id": "a", "hardware": [{"model": "Antminer S19 Pro+", "count": 3}]},
                    {"id": "b", "registration": {"industry_code": "64-50"}},
                    {"id": "c", "meter_evidence": {"pattern": "spiky", "source": "x"}},
                    {"id": "d", "energy": {"account_kwh_per_year": -1}},
                    {"id": "a", "declared_activty": "office"},
                ]
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(InvalidInputError) as info:
        load_facilities(path)
    text = str(info.value)
    assert "'Antminer S19 Pro+' is not an ASIC in the catalog (did you mean" in text
    assert "facilities[1].registration.industry_code" in text
    assert "facilities[2].meter_evidence.pattern" in text
    assert "facilities[3].energy.account_kwh_per_year" in text
    assert "unknown key 'declared_activty'; did you mean 'declared_activity'?" in text


def test_a_missing_meter_file_is_listed_with_the_other_problems(tmp_path: Path) -> None:
    # It was looked for only once the rest of the file was valid: fix the catalog name, rerun,
    # and only then learn that the meter file is missing.
    path = tmp_path / "facilities.yaml"
    facilities = [
        {"id": "a", "hardware": [{"model": "Antminer S99", "count": 2}], "meter": "nope.csv"},
        {"id": "b", "meter": {"file": "gone.csv", "timezone": "UTC"}},
    ]
    path.write_text(yaml.safe_dump({"facilities": facilities}), encoding="utf-8")
    with pytest.raises(InvalidInputError) as info:
        load_facilities(path)
    text = str(info.value)
    assert "3 problem(s)" in text
    assert "'Antminer S99' is not an ASIC in the catalog" in text
    assert "facilities[0].meter.file: 'nope.csv' not found" in text
    assert "facilities[1].meter.file: 'gone.csv' not found" in text


def test_light_mining_is_told_apart_from_ai_and_storage() -> None:
    pack = load_pack("china-ndrc-2021-1283")
    gpu_rig = _evidence(
        declared_activity="ai_inference",
        hardware=[{"model": "RTX 3080", "kind": "consumer_gpu", "count": 8, "power_w": 230}],
        network={"pool_endpoints": ["stratum+tcp://rvn.2miners.com:6060"]},
    )
    training = _evidence(
        declared_activity="ai_training",
        hardware=[{"model": "DGX H100", "kind": "gpu_server", "count": 2, "power_w": 10200}],
        meter_evidence={"pattern": "ai_training_jobs", "source": "screen"},
    )
    filecoin = _evidence(
        declared_activity="data_storage",
        hardware=[{"model": "storage box", "kind": "storage", "count": 4, "power_w": 900}],
        network={"p2p_networks": ["Filecoin"]},
    )
    storage = _evidence(
        declared_activity="data_storage",
        hardware=[{"model": "storage box", "kind": "storage", "count": 4, "power_w": 900}],
    )
    validator = _evidence(tokens={"stakes_tokens": True})
    got = {
        name: (d.category, d.track)
        for name, d in (
            ("gpu_rig", classify(gpu_rig, pack)),
            ("training", classify(training, pack)),
            ("filecoin", classify(filecoin, pack)),
            ("storage", classify(storage, pack)),
            ("validator", classify(validator, pack)),
        )
    }
    # Hand-checked against the pack: light mining is not "dedicated machines" on its face → verify.
    assert got == {
        "gpu_rig": ("gpu_mining", "verify_further"),
        "training": ("ai_compute", "compliant"),
        "filecoin": ("storage_mining", "verify_further"),
        "storage": ("data_storage", "compliant"),
        "validator": ("pos_validator", "verify_further"),
    }


def test_new_and_existing_projects_take_different_tracks() -> None:
    pack = load_pack("china-ndrc-2021-1283")
    machines = [{"model": "Antminer S21", "count": 10}]
    planned = classify(_evidence(hardware=machines, project={"stage": "planned"}), pack)
    existing = classify(_evidence(hardware=machines, project={"stage": "existing"}), pack)
    unknown = classify(_evidence(hardware=machines), pack)
    assert (planned.track, planned.decided_by) == ("prohibited", "mining-new-project")
    assert "no-grid-connection" in planned.flags
    assert "phase-out" not in planned.flags
    assert planned.tariff is None  # a new project may not be connected (（十）)
    assert (existing.track, existing.decided_by) == ("phase_out", "mining-existing-project")
    assert unknown.track == "phase_out"  # machines found running are an existing project


def test_tariffs_and_their_yearly_cost(shipped_evidence: list[Any]) -> None:
    decisions = {
        name: _decide(shipped_evidence, name)
        for name in ("china-ndrc-2021-1283", "china-sichuan-tariff", "china-inner-mongolia-tariff")
    }
    national = decisions["china-ndrc-2021-1283"]["cd-cloud-park"].tariff
    # Independent: 300 S21 × 3,500 W (catalog) × 8,760 h = 9,198,000 kWh; × 0.30 CNY/kWh.
    assert national.energy_kwh_per_year == pytest.approx(9_198_000)
    assert national.cost_cny_per_year == pytest.approx(2_759_400)
    sichuan = decisions["china-sichuan-tariff"]["cd-cloud-park"].tariff
    # 186号: 2 CNY/kWh on the account's whole consumption, 9,500,000 kWh declared.
    assert (sichuan.tariff_id, sichuan.applies_to) == ("sichuan-186", "whole_account")
    assert sichuan.cost_cny_per_year == pytest.approx(19_000_000)
    assert sichuan.replaces == ("national-floor",)
    mongolia = decisions["china-inner-mongolia-tariff"]["nm-mine"].tariff
    # 500 S19j Pro × 3,068 W × 8,760 h = 13,437,840 kWh, capped at the account's 13,000,000.
    assert mongolia.energy_kwh_per_year == pytest.approx(13_000_000)
    assert mongolia.cost_cny_per_year == pytest.approx(13_000_000)
    # The Sichuan surcharge does not reach a mine in Inner Mongolia.
    assert decisions["china-sichuan-tariff"]["nm-mine"].tariff.tariff_id == "national-floor"


@pytest.mark.parametrize("pack_name", ["china-ndrc-2021-1283", "positive-list-example"])
def test_registered_data_service_with_a_mining_meter_is_a_mismatch(pack_name: str) -> None:
    pack = load_pack(pack_name)
    site = _evidence(
        declared_activity="general_data_centre",
        registration={"industry_code": "I6450"},
        meter_evidence={"pattern": "always_on", "source": "hashtide screen"},
    )
    decision = classify(site, pack)
    meter = [f for f in decision.findings if f.channel == "meter"]
    assert len(meter) == 1
    assert meter[0].kind == "industry-mismatch"
    assert meter[0].strength == "lead"
    assert "registered 6450 互联网数据服务" in meter[0].text
    assert any("finding industry-mismatch (meter, lead)" in x for x in decision.audit_trail())
    office = _evidence(
        declared_activity="general_data_centre",
        registration={"industry_code": "6450"},
        meter_evidence={"pattern": "office_diurnal", "source": "inspection"},
    )
    assert [f.channel for f in classify(office, pack).findings] == ["meter"]  # office ≠ 6450
    clean = _evidence(
        declared_activity="general_data_centre", registration={"industry_code": "6450"}
    )
    assert classify(clean, pack).findings == ()
    unknown = _evidence(registration={"industry_code": "0111"})
    assert [f.kind for f in classify(unknown, pack).findings] == ["industry-code-unknown"]


def test_shipped_facilities_under_every_pack(shipped_evidence: list[Any]) -> None:
    # Regression snapshot of the example file, checked by hand against each pack's rules.
    national = {
        "sh-office-12f": ("pow_mining", "prohibited"),
        "sh-data-services-3f": ("general_data_centre", "verify_further"),
        "sh-ai-lab": ("ai_compute", "verify_further"),
        "cd-cloud-park": ("pow_mining", "prohibited"),
        "gz-render-farm": ("gpu_mining", "verify_further"),
        "hz-storage-node": ("storage_mining", "verify_further"),
        "bj-validator": ("pos_validator", "verify_further"),
        "wh-university-room": ("pow_mining", "prohibited"),
        "nm-mine": ("pow_mining", "phase_out"),
        "nm-new-site": ("pow_mining", "prohibited"),
        "sz-office": ("office", "compliant"),
        "campus-lab": ("office", "verify_further"),
    }
    expected = {
        "china-ndrc-2021-1283": national,
        "china-sichuan-tariff": national,
        "china-inner-mongolia-tariff": national,
        "positive-list-example": {
            **national,
            "sh-data-services-3f": ("general_data_centre", "compliant"),
            "sh-ai-lab": ("ai_compute", "compliant"),
            "gz-render-farm": ("gpu_mining", "register_and_file"),
            "hz-storage-node": ("storage_mining", "register_and_file"),
            "bj-validator": ("pos_validator", "financial_supervision"),
            "nm-mine": ("pow_mining", "register_and_file"),
            "nm-new-site": ("pow_mining", "register_and_file"),
            "campus-lab": ("office", "compliant"),
        },
    }
    for name, table in expected.items():
        pack = load_pack(name)
        assert set(pack.spec.tracks) <= set(CATEGORIES)
        assert set(pack.spec.tracks.values()) <= set(TRACKS)
        got = _decide(shipped_evidence, name)
        assert {k: (d.category, d.track) for k, d in got.items()} == table
    _, decisions = classify_file(example_path("facilities.yaml"), "china-ndrc-2021-1283")
    by_id = {d.facility_id: d for d in decisions}
    assert "mining-in-data-centre" in by_id["cd-cloud-park"].flags
    # The Nov 2021 statement on state-owned machine rooms is known from news reports only (no
    # official copy stored): its rule fires, but as context beside the decision, not in it.
    wh = by_id["wh-university-room"]
    assert "state-owned-unit-priority" not in wh.flags
    assert wh.context_flags == ("state-owned-unit-priority",)
    assert [r.rule_id for r in wh.context] == ["state-owned-machine-room"]
    assert any(x.startswith("  context, not part of the decision") for x in wh.audit_trail())
    assert wh.as_dict()["context_flags"] == ["state-owned-unit-priority"]
    assert "site-lessor-reportable" in by_id["sh-data-services-3f"].flags
    # Every decision under every shipped pack rests on verified clauses only (#16's Done-when).
    for name in SHIPPED_PACKS:
        assert all(d.verified for d in _decide(shipped_evidence, name).values()), name
    assert any("this pack models CN texts" in x for x in by_id["campus-lab"].audit_trail())
    as_dict = by_id["sh-office-12f"].as_dict()
    assert as_dict["evidence"]["detector.flagged"]["origin"].startswith("detector run on")
    assert as_dict["fired"][0]["cites"][0]["clause"] == "（八）"


def test_mutated_packs_end_in_a_decision_or_a_clean_error() -> None:
    """Random damage to the shipped pack: a checked pack or InvalidInputError, never a crash."""
    import random

    base = _raw_pack("china-ndrc-2021-1283")
    junk: list[Any] = [None, 1, -1, 1e308, "", "x" * 300, [], {}, [1], True, "^(a+)+$"]
    junk += [{"ref": "nope"}, {"not": None}, {"field": "operator", "op": "matches", "value": "("}]

    def paths(obj: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        out = [path]
        if isinstance(obj, dict):
            out += [p for k, v in obj.items() for p in paths(v, (*path, k))]
        elif isinstance(obj, list):
            out += [p for i, v in enumerate(obj) for p in paths(v, (*path, i))]
        return out

    every = [p for p in paths(base) if p]
    rng = random.Random(7)  # fixed seed: the same 40 mutations every run
    evidence = _evidence(hardware=[{"model": "Antminer S9", "count": 1}])
    outcomes = {"ok": 0, "refused": 0}
    for _ in range(40):
        data = copy.deepcopy(base)
        for path in rng.sample(every, 2):
            holder = data
            for key in path[:-1]:
                holder = holder[key] if isinstance(holder, dict | list) else None
            if isinstance(holder, dict) or (isinstance(holder, list) and path[-1] < len(holder)):
                holder[path[-1]] = rng.choice(junk)
        try:
            classify(evidence, parse_pack(data, source="mutated.yaml"))
            outcomes["ok"] += 1
        except InvalidInputError:
            outcomes["refused"] += 1
    assert outcomes["refused"] > 0


def test_a_flag_resting_on_a_reported_text_is_context_not_decision() -> None:
    """A flags-only rule citing a reported text fires beside the decision; a category rule
    citing one leaves the decision marked unverified (both from the pack's structure)."""
    pack = copy.deepcopy(PACK)
    reported = {
        "id": "news",
        "title": "A statement known from news reports",
        "verification": "reported",
        "clauses": [{"id": "a", "excerpt": "State-owned rooms come first."}],
    }
    pack["sources"].append(reported)
    cite = {"source": "news", "clause": "a", "quote": "State-owned rooms come first."}
    pack["rules"].append(
        {
            "id": "state-owned",
            "description": "state-owned room",
            "when": {"ref": "asics"},
            "then": {"flags": ["priority"]},
            "cite": cite,
        }
    )
    decision = classify(
        _evidence(hardware=[{"model": "Antminer S19j Pro", "count": 2}]),
        parse_pack(pack, source="pack.yaml"),
    )
    assert (decision.category, decision.verified) == ("pow_mining", True)
    assert "priority" not in decision.flags
    assert decision.context_flags == ("priority",)
    trail = decision.audit_trail()
    assert not any(line.startswith("  rule state-owned") for line in trail)
    assert any("context, not part of the decision" in line for line in trail)
    # The same text deciding a category: the decision rests on it and is not verified.
    pack["rules"][-1]["then"] = {"category": "pow_mining"}
    pack["rules"].insert(0, pack["rules"].pop())
    decision = classify(
        _evidence(hardware=[{"model": "Antminer S19j Pro", "count": 2}]),
        parse_pack(pack, source="pack.yaml"),
    )
    assert (decision.decided_by, decision.verified, decision.context) == ("state-owned", False, ())


def test_a_meter_file_name_the_system_refuses_is_not_found(tmp_path: Path) -> None:
    # Found by the property tests (#15): a 300-character file name made Path.is_file() raise
    # "OSError: File name too long" out of load_facilities.
    path = tmp_path / "facilities.yaml"
    name = "m" * 300 + ".csv"
    path.write_text(f"facilities:\n  - id: a\n    meter: {{file: {name}}}\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"facilities\[0\]\.meter\.file: .* not found"):
        load_facilities(path)
