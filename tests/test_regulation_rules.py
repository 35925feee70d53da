"""Rule packs and facilities: validation at load, classification order, audit trail."""

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
from hashtide.regulation.facilities import FacilitySpec
from hashtide.regulation.rules import _endpoint_matches

PACK: dict[str, Any] = {
    "pack": "test-pack",
    "title": "a pack for tests",
    "sources": [{"id": "law", "title": "The Law"}, {"id": "pools", "title": "Pool list"}],
    "lists": {
        "pools": {"source": "pools", "entries": [{"value": "antpool.com"}, {"value": "10.0.0.0/8"}]}
    },
    "tracks": {"pow_mining": "prohibited", "ai_compute": "permitted", "office": "permitted"},
    "default": {"category": "office"},
    "rules": [
        {
            "id": "machines",
            "description": "ASICs found",
            "when": {"field": "hardware.asic_count", "op": ">=", "value": 1},
            "then": {"category": "pow_mining", "flags": ["asic"]},
            "source": "law",
        },
        {
            "id": "pools",
            "description": "pool traffic",
            "when": {"field": "network.pool_endpoints", "op": "matches_any", "list": "pools"},
            "then": {"flags": ["network"]},
            "source": "pools",
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
            "source": "law",
        },
    ],
}


def _evidence(**spec: Any) -> Any:
    return evidence_of(FacilitySpec.model_validate({"id": "f", **spec}))


def test_shipped_packs_load_and_cite_sources() -> None:
    for name in SHIPPED_PACKS:
        pack = load_pack(name)
        ids = {s.id for s in pack.spec.sources}
        assert all(rule.source in ids for rule in pack.spec.rules)
        assert set(pack.spec.tracks) <= set(CATEGORIES)
        assert set(pack.spec.tracks.values()) <= set(TRACKS)
    china = load_pack("china-ndrc-2021-1283")
    assert any("1283" in s.title for s in china.spec.sources)


def test_first_category_rule_decides_and_flags_accumulate() -> None:
    pack = parse_pack(PACK)
    evidence = _evidence(
        declared_activity="ai_training",
        hardware=[{"model": "Antminer S19j Pro", "count": 2}],
        network={"pool_endpoints": ["stratum+tcp://ss.antpool.com:3333"]},
    )
    decision = classify(evidence, pack)
    assert (decision.category, decision.track, decision.decided_by) == (
        "pow_mining",
        "prohibited",
        "machines",
    )
    assert decision.flags == ("asic", "network")
    assert [r.rule_id for r in decision.fired] == ["machines", "pools", "ai"]
    trail = "\n".join(decision.audit_trail())
    assert "hardware.asic_count = 2: >= 1" in trail
    assert "ss.antpool.com:3333 ~ antpool.com" in trail
    assert "[hardware inventory matched against the ASIC catalog]" in trail


def test_default_when_nothing_fires_and_unknown_values() -> None:
    decision = classify(_evidence(declared_activity="office"), parse_pack(PACK))
    assert (decision.category, decision.track, decision.decided_by) == (
        "office",
        "permitted",
        "default",
    )
    assert decision.not_fired == ("machines", "pools", "ai")


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
    assert _endpoint_matches(endpoint, pattern) is matches


def _problems(pack: dict[str, Any]) -> str:
    with pytest.raises(InvalidInputError) as info:
        parse_pack(pack, source="pack.yaml")
    return str(info.value)


def test_unknown_field_gets_a_suggestion() -> None:
    pack = copy.deepcopy(PACK)
    pack["rules"][0]["when"]["field"] = "hardware.asic_cnt"
    assert (
        "rules[0].when.field: unknown field 'hardware.asic_cnt'; did you mean "
        "'hardware.asic_count'?" in _problems(pack)
    )


def test_every_pack_problem_is_listed_at_once() -> None:
    pack = copy.deepcopy(PACK)
    pack["rules"][0]["when"] = {"field": "declared_activity", "op": ">", "value": 3}
    pack["rules"][1]["list"] = "pool"
    pack["rules"][1]["when"]["list"] = "pool"
    pack["rules"][2]["when"]["any"][0]["value"] = ["ai_trainning"]
    pack["rules"][2]["source"] = "lawz"
    pack["rules"].append(copy.deepcopy(pack["rules"][2]))
    pack["colour"] = "blue"
    text = _problems(pack)
    assert "unknown key 'colour'" in text
    assert "rules[1].list: unknown key 'list'" in text
    # The pydantic layer reports structure first; fix it and the semantic layer speaks.
    del pack["colour"]
    del pack["rules"][1]["list"]
    text = _problems(pack)
    assert "rules[0].when.op: '>' does not apply to declared_activity (enum)" in text
    assert "rules[1].when.list: 'pool' is not a list of this pack; did you mean 'pools'?" in text
    assert "'ai_trainning' is not a value of declared_activity; did you mean 'ai_training'?" in text
    assert "rules[2].source: 'lawz' is not a source of this pack; did you mean 'law'?" in text
    assert "rules[3].id: 'ai' is used by an earlier rule" in text
    assert text.count("\n  - ") == 7  # rules[3] repeats the two problems of rules[2]


def test_value_types_are_checked() -> None:
    pack = copy.deepcopy(PACK)
    pack["rules"][0]["when"] = {"field": "hardware.asic_count", "op": ">=", "value": "one"}
    assert "hardware.asic_count is a number; 'one' is not" in _problems(pack)
    pack["rules"][0]["when"] = {"field": "power.density_w_per_m2", "op": "between", "value": [5]}
    assert "'between' needs [low, high] numbers" in _problems(pack)
    pack["rules"][0]["when"] = {"field": "operator", "op": "matches", "value": "("}
    assert "is not a regular expression" in _problems(pack)
    pack["rules"][0]["when"] = {"field": "operator", "op": "known", "value": 1}
    assert "'known' takes no value" in _problems(pack)


def test_missing_track_for_a_category() -> None:
    pack = copy.deepcopy(PACK)
    pack["rules"][0]["then"] = {"category": "data_storage"}
    assert "category 'data_storage' has no track" in _problems(pack)


def test_unknown_pack_name_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="no rule pack 'china'"):
        load_pack("china")
    bad = tmp_path / "bad.yaml"
    bad.write_text("pack: [unclosed\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="not valid YAML at line"):
        load_pack(bad)
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(PACK), encoding="utf-8")
    assert load_pack(good).name == "test-pack"


def test_facility_hardware_is_matched_against_the_catalog(tmp_path: Path) -> None:
    evidence = _evidence(
        hardware=[
            {"model": "bitmain antminer s19j pro", "count": 10},
            {"model": "DGX H100", "kind": "gpu_server", "count": 2, "power_w": 10200},
        ],
        floor_area_m2=100,
    )
    # Catalog: S19j Pro 104 TH/s and 3,068 W per machine.
    assert evidence.values["hardware.asic_count"] == 10
    assert evidence.values["hardware.asic_models"] == ["Antminer S19j Pro"]
    assert evidence.values["hardware.asic_power_kw"] == pytest.approx(30.68)
    assert evidence.values["hardware.asic_hashrate_ths"] == pytest.approx(1040.0)
    assert evidence.values["hardware.total_power_kw"] == pytest.approx(30.68 + 20.4)
    # No meter, no declared IT load: the site load is the inventory's nameplate total.
    assert evidence.values["power.density_w_per_m2"] == pytest.approx(1e3 * 51.08 / 100)


def _facilities(tmp_path: Path, facilities: list[dict[str, Any]]) -> Path:
    path = tmp_path / "facilities.yaml"
    path.write_text(yaml.safe_dump({"facilities": facilities}), encoding="utf-8")
    return path


def test_facility_problems_are_listed(tmp_path: Path) -> None:
    path = _facilities(
        tmp_path,
        [
            {"id": "a", "hardware": [{"model": "Antminer S19 Pro+", "count": 3}]},
            {"id": "b", "hardware": [{"model": "H100 box", "kind": "gpu_server", "count": 1}]},
            {"id": "a", "declared_activty": "office"},
        ],
    )
    with pytest.raises(InvalidInputError) as info:
        load_facilities(path)
    text = str(info.value)
    assert "'Antminer S19 Pro+' is not an ASIC in the catalog (did you mean" in text
    assert "power_w is required" in text
    assert "unknown key 'declared_activty'; did you mean 'declared_activity'?" in text


def test_missing_meter_file(tmp_path: Path) -> None:
    path = _facilities(tmp_path, [{"id": "a", "meter": "meters/none.csv"}])
    with pytest.raises(
        InvalidInputError, match=r"facilities\[0\].meter.file: 'meters/none.csv' not found"
    ):
        load_facilities(path)


def test_shipped_facilities_under_both_packs() -> None:
    expected = {
        # Regression snapshot of the example file, checked by hand against each pack's rules.
        "china-ndrc-2021-1283": {
            "sh-office-12f": ("pow_mining", "prohibited"),
            "sh-ai-lab": ("ai_compute", "register_and_file"),
            "cd-cloud-park": ("pow_mining", "prohibited"),
            "hz-storage-node": ("data_storage", "register_and_file"),
            "bj-validator": ("pos_validator", "financial_supervision"),
            "nm-mine": ("pow_mining", "prohibited"),
            "sz-office": ("office", "permitted"),
            "campus-lab": ("office", "permitted"),
        },
        "positive-list-example": {
            "sh-office-12f": ("pow_mining", "prohibited"),
            "sh-ai-lab": ("ai_compute", "permitted"),
            "cd-cloud-park": ("pow_mining", "prohibited"),
            "hz-storage-node": ("data_storage", "register_and_file"),
            "bj-validator": ("pos_validator", "financial_supervision"),
            "nm-mine": ("pow_mining", "register_and_file"),
            "sz-office": ("office", "permitted"),
            "campus-lab": ("office", "permitted"),
        },
    }
    for pack, table in expected.items():
        _, decisions = classify_file(example_path("facilities.yaml"), pack)
        assert {d.facility_id: (d.category, d.track) for d in decisions} == table
    _, decisions = classify_file(example_path("facilities.yaml"), "china-ndrc-2021-1283")
    flags = {d.facility_id: d.flags for d in decisions}
    assert "disguised-as-data-centre" in flags["cd-cloud-park"]
    assert "differential-tariff-2-cny-per-kwh" in flags["cd-cloud-park"]
    assert "differential-tariff-1-cny-per-kwh" in flags["nm-mine"]
    assert flags["campus-lab"] == ("inspect-abnormal-consumption",)  # a meter alone never decides
    as_dict = decisions[0].as_dict()
    assert as_dict["evidence"]["detector.flagged"]["origin"].startswith("detector run on")
