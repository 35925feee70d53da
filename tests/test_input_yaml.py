"""Malformed YAML inputs and quantities: each class from issue #15 is refused by name.

Every input here is hand-made; the expected message fragments are what the loader must say
(file, key path, line), not values computed by the code under test.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml

from hashtide._validation import MAX_YAML_BYTES, MAX_YAML_DEPTH, parse_yaml, read_yaml
from hashtide.errors import InvalidInputError, ScenarioError
from hashtide.scenario import load_scenario, parse_quantity
from hashtide.scenario.units import UnitParseError

ROOT = Path(__file__).resolve().parents[1]
RESERVE = ROOT / "tests" / "data" / "us-state-reserve-elasticity.yaml"
SINGLE = ROOT / "scenarios" / "single-site-miner.yaml"
CHINA = ROOT / "scenarios" / "china-2021-ban.yaml"


def _edited(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    """``source`` with its first ``old`` replaced by ``new``, written to ``tmp_path``."""
    text = source.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / source.name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, fragment: str) -> int:
    """The 1-based line of ``fragment`` in ``path`` (found independently of the loader)."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if fragment in line:
            return number
    raise AssertionError(fragment)


# --- A. the YAML reader ----------------------------------------------------------------------


def test_undecodable_byte_names_file_line_and_offset(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"scenario: x\ndescription: caf\xe9\n")
    # independent: 'scenario: x\n' is 12 bytes, 'description: caf' 16 more -> offset 28
    with pytest.raises(ScenarioError, match=r"latin1\.yaml.*byte 0xe9 at line 2, column 17 "
                       r"\(byte offset 28\)"):  # fmt: skip
        load_scenario(path)


def test_duplicate_keys_name_both_lines(tmp_path: Path) -> None:
    path = _edited(tmp_path, SINGLE, "paths:", "seed: 1\npaths:")
    first, second = sorted(
        n for n, ln in enumerate(path.read_text().splitlines(), 1) if ln.startswith("seed:")
    )
    with pytest.raises(ScenarioError, match=f"duplicate key 'seed' at lines {first} and {second}"):
        load_scenario(path)


def test_nesting_and_size_are_bounded(tmp_path: Path) -> None:
    # issue #15: 5,000 nested '[' gave a RecursionError
    with pytest.raises(ScenarioError, match=f"nested deeper than {MAX_YAML_DEPTH} levels"):
        parse_yaml("a: " + "[" * 5000 + "]" * 5000, "deep.yaml", ScenarioError)
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# " + b"x" * MAX_YAML_BYTES + b"\n")
    with pytest.raises(InvalidInputError, match="larger than 1,000,000 bytes"):
        read_yaml(big, "rule pack", InvalidInputError)
    # aliases expanding exponentially ("billion laughs") are counted, not expanded
    laughs = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
    for name, prev in zip("bcdefg", "abcdef", strict=True):
        laughs += f"{name}: &{name} [{', '.join(['*' + prev] * 10)}]\n"
    started = time.perf_counter()
    with pytest.raises(ScenarioError, match="too many values"):
        parse_yaml(laughs, "laughs.yaml", ScenarioError)
    assert time.perf_counter() - started < 30  # a hang guard, not a speed target


def test_huge_integer_literal_is_refused() -> None:
    with pytest.raises(ScenarioError, match=r"line 1, column 8: the integer .* too many digits"):
        parse_yaml("paths: " + "9" * 5000, "x.yaml", ScenarioError)


def test_impossible_unquoted_date_names_key_and_line(tmp_path: Path) -> None:
    # issue #15: unquoted 'start: 2026-13-01' was 'internal error: ValueError: month must be…'
    path = _edited(tmp_path, SINGLE, "start: ", "start: 2026-13-01\n#")
    line = _line_of(path, "start: 2026-13-01")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert "start: '2026-13-01' is not a date (month must be in 1..12)" in message
    assert f"(line {line})" in message


def test_empty_value_is_a_required_value(tmp_path: Path) -> None:
    # issue #15: 'horizon:' left empty was AttributeError: 'NoneType' object has no attribute…
    path = _edited(tmp_path, RESERVE, "horizon: 4 years", "horizon:")
    line = _line_of(path, "horizon:")
    # horizon is optional beside end: left empty, the span is missing (one clean message).
    del line
    with pytest.raises(ScenarioError, match=r"give the span as horizon \(e\.g\. 4 years\) or end"):
        load_scenario(path)


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", ".NaN"])
def test_non_finite_yaml_numbers_are_refused(tmp_path: Path, value: str) -> None:
    path = _edited(tmp_path, RESERVE, "elasticity: 1\n", f"elasticity: {value}\n")
    with pytest.raises(ScenarioError, match=r"network\.elasticity: .* not a finite"):
        load_scenario(path)


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        ("paths: 1000", "paths: true", "paths: True Input should be a valid integer"),
        ("paths: 1000", "paths: 1000.0", "paths: 1000.0 Input should be a valid integer"),
        ("seed: 2026", "seed: -1", "seed: -1 must be >= 0"),
        ("elasticity: 1\n", "elasticity: true\n", "valid number"),
        ("elasticity: 1\n", "elasticity: 'nan'\n", "valid number"),
    ],
)
def test_numbers_are_strict(tmp_path: Path, old: str, new: str, match: str) -> None:
    path = _edited(tmp_path, RESERVE, old, new)
    with pytest.raises(ScenarioError, match=match):
        load_scenario(path)


def test_yaml_1_1_base_60_and_octal_literals_stay_text() -> None:
    # YAML 1.1 (PyYAML) reads -6:00 as -360, 1:30.5 as 5430.5 and 010 as 8; nobody writing a
    # scenario means those, so they stay text for the schema to refuse by key (hand-made inputs).
    data = parse_yaml(
        "a: -6:00\nb: 1:30.5\nc: 010\nd: 10\ne: 0\nf: 1_000\n", "x.yaml", ScenarioError
    )
    assert dict(data) == {"a": "-6:00", "b": "1:30.5", "c": "010", "d": 10, "e": 0, "f": 1000}


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        ("elasticity: 1\n", "elasticity: 1:30\n", r"network\.elasticity: '1:30'"),
        ("paths: 1000", "paths: 010", r"paths: '010' Input should be a valid integer"),
    ],
)
def test_base_60_and_octal_values_are_refused_by_key(
    tmp_path: Path, old: str, new: str, match: str
) -> None:
    path = _edited(tmp_path, RESERVE, old, new)
    with pytest.raises(ScenarioError, match=match):
        load_scenario(path)


def test_market_scenario_shares_the_reader(tmp_path: Path) -> None:
    path = _edited(tmp_path, CHINA, "start: ", "start: 2021-02-30\n#")
    with pytest.raises(ScenarioError, match=r"start: '2021-02-30' is not a date \(day is out"):
        load_scenario(path)


# --- B. quantities are parsed, never evaluated -----------------------------------------------


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("9**9**9 W", "arithmetic is not read"),  # issue #15: validate hung (pint evaluated it)
        ("10**400 MW", "arithmetic is not read"),  # issue #15: OverflowError
        ("2*3 GW", "arithmetic is not read"),
        ("1e999 W", "the number is too large"),
        ("1e300 EW", "too large to be a quantity of power"),
        ("inf W", "not a finite number"),
        ("nan W", "not a finite number"),
        ("5 GW GW", "in units of"),
        ("5 zorks", "unknown unit 'zorks'"),
        ("5 GW/", "is not a quantity"),
        ("5 TH/s", "is a quantity of hashrate; expected W"),
        ("5 GW" + " W" * 40, "at most 80"),
    ],
)
def test_quantity_errors(text: str, match: str) -> None:
    started = time.perf_counter()
    with pytest.raises(UnitParseError, match=match):
        parse_quantity(text, "power")
    assert time.perf_counter() - started < 5  # a hang guard, not a speed target


def test_percent_twice_is_refused() -> None:
    # issue #15: "100 %%" was silently accepted
    with pytest.raises(UnitParseError, match="is not a quantity"):
        parse_quantity("100 %%", "fraction")


@pytest.mark.parametrize("text", ["5 TH/s", "5 Th/s", "5 th/s", "5 TH/S", "5 Thash/s", "5e12 H/s"])
def test_hash_rate_units_in_any_case(text: str) -> None:
    # issue #15: '5 Th/s' was 'a quantity of hours per year'; 5 TH = 5e12 hashes (SI tera)
    assert parse_quantity(text, "hashrate") == 5e12


def test_hour_stays_an_hour_outside_hash_rates() -> None:
    assert parse_quantity("500 h/year", "hours_per_year") == 500.0
    assert parse_quantity("17.5 J/Th", "efficiency") == 17.5
    with pytest.raises(UnitParseError, match="is a quantity of hashrate; expected hours"):
        parse_quantity("5 Th/year", "hours_per_year")


# --- C. dates within the span hashtide can speak about ---------------------------------------


@pytest.mark.parametrize(
    ("start", "match"),
    [
        ("2008-12-31", "2008-12-31 is outside the dates allowed here: 2009-01-04 to 2100-12-31"),
        ("2009-01-03", "2009-01-03 is outside the dates allowed here: 2009-01-04"),
        ("2200-01-01", "2200-01-01 is outside the dates allowed here: 2009-01-04 to 2100-12-31"),
    ],
)
def test_start_outside_the_allowed_span(tmp_path: Path, start: str, match: str) -> None:
    path = _edited(tmp_path, SINGLE, "start: ", f"start: {start}\n#")
    with pytest.raises(ScenarioError, match=match):
        load_scenario(path)


@pytest.mark.parametrize(
    ("start", "response", "ok"),
    [
        # The world market rebuilds its fleet from 2012-01-02 and needs ten weeks of the chain:
        # 2012-01-02 + 70 days = 2012-03-12 (independent arithmetic). Before, validate said ok
        # and run failed with "a fleet can be rebuilt only from 2012-03 on", naming no key.
        ("2010-07-01", "market", False),
        ("2012-03-11", "market", False),
        ("2012-03-12", "market", True),
        ("2010-07-01", "elasticity", True),  # the simple rest of the world needs no fleet
    ],
)
def test_world_market_start_is_checked_at_load(
    tmp_path: Path, start: str, response: str, ok: bool
) -> None:
    path = _edited(tmp_path, SINGLE, "start: 2026-07-01", f"start: {start}")
    path.write_text(
        path.read_text(encoding="utf-8").replace("response: market", f"response: {response}"),
        encoding="utf-8",
    )
    if ok:
        assert load_scenario(path).start.isoformat() == start
    else:
        with pytest.raises(ScenarioError, match=f"start {start} is before 2012-03-12, the first"):
            load_scenario(path)


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        # The shipped series: price 2013-04-28 … 2026-01-02, fees 2016-01-01 … 2026-01-30
        # (their .meta.json). Past them the series used to be held flat, silently.
        (
            "end: 2022-02-01",
            "end: 2027-02-01",
            r"btc_price: historical: the shipped series ends "
            r"on 2026-01-02, before the run's last day 2027-02-01",
        ),
        ("end: 2022-02-01", "end: 2026-01-20", "btc_price: historical: the shipped series ends"),
        (
            "start: 2021-05-02",
            "start: 2013-03-01",
            r"btc_price: historical: the shipped series "
            r"begins on 2013-04-28, after the start 2013-03-01",
        ),
    ],
)
def test_historical_series_must_cover_the_run(
    tmp_path: Path, old: str, new: str, match: str
) -> None:
    path = _edited(tmp_path, CHINA, old, new)
    text = path.read_text(encoding="utf-8")
    # Without the score, events and claims (dated 2021, refused first in a run of 2013).
    path.write_text(text.split("\nscore:")[0] + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=match):
        load_scenario(path)


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        # Each was accepted: a window scoring no epoch (the replay printed no score at all) or a
        # drop "expected (from the chain)" at a height where no retarget happens.
        ("  from: 2021-06-01", "  from: 2022-03-01", "to 2022-01-31 is before from 2022-03-01"),
        ("  to: 2022-01-31", "  to: 2021-01-31", "to 2021-01-31 is before from 2021-06-01"),
        ("expect_drop_at: 689472", "expect_drop_at: 689473", "689,473 is not a retarget height"),
        ("expect_drop_at: 689472", "expect_drop_at: 0", "0 is not a retarget height"),
    ],
)
def test_score_window_and_drop_height_are_checked(
    tmp_path: Path, old: str, new: str, match: str
) -> None:
    path = _edited(tmp_path, CHINA, old, new)
    with pytest.raises(ScenarioError, match=match):
        load_scenario(path)


def test_events_that_cannot_act_are_refused(tmp_path: Path) -> None:
    # A price shock ending before it starts passed validate and failed in the run ("invalid
    # PowerPriceShock"); an event after the run's last day was accepted and changed nothing.
    shock = {"kind": "power_price", "name": "shock", "regions": ["other"], "factor": 2}
    data = yaml.safe_load(CHINA.read_text(encoding="utf-8"))
    data["events"].append({**shock, "start": "2021-08-01", "end": "2021-07-01"})
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"events\[8\]: end 2021-07-01 must be after start"):
        load_scenario(path)
    data["events"][-1] = {**shock, "start": "2023-01-01"}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"events\[8\] \('shock'\) starts on 2023-01-01, after"):
        load_scenario(path)


@pytest.mark.parametrize(
    ("event", "changes", "problem"),
    [
        # Each passed validate and failed only in the run ("invalid PowerCut", "invalid
        # RegionalBan"): the market model's own checks of hashtide.market.events.
        (0, {"duration": "0 days"}, "events[0].duration: must be > 0 days"),
        (1, {"relocate_delay": "0 days"}, "events[1]: relocate_delay must be > 0 days"),
        (1, {"covert_resume": "2021-01-01"}, "covert_resume 2021-01-01 is before start 2021-06-09"),
    ],
)
def test_event_checks_of_the_market_model_run_at_load(
    tmp_path: Path, event: int, changes: dict[str, str], problem: str
) -> None:
    data = yaml.safe_load(CHINA.read_text(encoding="utf-8"))
    data["events"][event].update(changes)
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert problem in str(info.value)


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        # 0 was replaced by the default without a word (`value or default`): 14-day smoothing.
        ("switch_smoothing", "0 days", "network.behaviour.switch_smoothing: must be > 0 days"),
        ("lifetime", "0 days", "network.behaviour.lifetime: must be > 0 days"),
        # Rounded to 0 whole days, then refused by the run ("lag_days=0 must be …").
        ("lag", "0.5 days", "network.behaviour.lag: '0.5 days' must be at least 1 day"),
        ("supply_cap", "0 %", "network.behaviour.supply_cap: must be > 0 %"),
    ],
)
def test_behaviour_overrides_the_model_cannot_take_are_refused(
    tmp_path: Path, key: str, value: str, problem: str
) -> None:
    data = yaml.safe_load(CHINA.read_text(encoding="utf-8"))
    data["network"]["behaviour"] = {key: value}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert problem in str(info.value)


def test_a_behaviour_override_is_used_as_given() -> None:
    from hashtide.scenario.world import params_of

    spec = load_scenario(CHINA)
    network = spec.network.model_copy(
        update={"behaviour": spec.network.behaviour.model_copy(update={"switch_smoothing": 0.25})}
    )
    assert params_of(network).switch_smoothing_days == 0.25


def test_score_window_outside_the_run_is_refused(tmp_path: Path) -> None:
    path = _edited(tmp_path, CHINA, "  from: 2021-06-01", "  from: 2023-06-01")
    text = path.read_text(encoding="utf-8").replace("  to: 2022-01-31", "  to: 2023-09-01")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"lies outside the run \(2021-05-02 to 2022-02-01\)"):
        load_scenario(path)


def test_historical_fees_must_cover_the_run(tmp_path: Path) -> None:
    path = _edited(tmp_path, CHINA, "end: 2022-02-01", "end: 2026-01-02")
    text = path.read_text(encoding="utf-8").replace("fees: historical", "fees: 0.02 BTC")
    path.write_text(text, encoding="utf-8")
    assert load_scenario(path).end_date.isoformat() == "2026-01-02"  # the price's last day
    text = text.replace("model: historical", "model: constant\n  start: 88000 USD")
    path.write_text(text.replace("fees: 0.02 BTC", "fees: historical"), encoding="utf-8")
    assert load_scenario(path).fees == "historical"  # fees run to 2026-01-30
    path.write_text(
        text.replace("fees: 0.02 BTC", "fees: historical").replace(
            "end: 2026-01-02", "end: 2026-02-01"
        ),
        encoding="utf-8",
    )
    with pytest.raises(
        ScenarioError, match="fees: historical: the shipped series ends on 2026-01-30"
    ):
        load_scenario(path)


def test_kilotonne_is_defined_without_a_pint_warning(caplog: pytest.LogCaptureFixture) -> None:
    # pint's 'kt' is the knot; hashtide redefines it as the kilotonne without logging a warning
    from hashtide.scenario.units import registry

    registry.cache_clear()
    with caplog.at_level("WARNING"):
        assert parse_quantity("1 kt", "mass") == 1e6  # 1 kt = 1e6 kg by definition
    assert not [r for r in caplog.records if "Redefining" in r.getMessage()]


def test_the_validate_example_in_the_docs_is_what_validate_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # docs/scenarios.md, "What validate refuses": its text block, from the file it names.
    import re

    from typer.testing import CliRunner

    from hashtide.cli.main import app

    doc = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    section = doc.split("### What `validate` refuses")[1]
    shown = re.search(r"```text\n(.*?)```", section, re.S)
    assert shown is not None
    text = (ROOT / "scenarios" / "us-state-reserve.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^start: .*$", "start: 2200-01-01", text)
    text = re.sub(r"(?m)^fees: .*$", "fees: inf BTC", text)
    text = re.sub(r"(?m)^  miner: .*$", "  miner: Antminer S99", text)
    (tmp_path / "x.yaml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["validate", "x.yaml"])
    assert result.exit_code == 2
    assert result.output == shown.group(1)


def test_pydantic_bounds_read_like_the_projects_own_checks(tmp_path: Path) -> None:
    # A second new-user review: facilities' numeric fields said pydantic's "Input should be
    # greater than 0"; the scenario's own checks say "must be > 0".
    import yaml

    from hashtide.errors import HashtideError
    from hashtide.regulation import example_path
    from hashtide.regulation.facilities import load_facilities

    data = yaml.safe_load(example_path("facilities.yaml").read_text())
    data["facilities"][0]["floor_area_m2"] = -5
    path = tmp_path / "facilities.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(HashtideError, match=r"floor_area_m2: -5 must be > 0 \(line \d+\)"):
        load_facilities(path)
