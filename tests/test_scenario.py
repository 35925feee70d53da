"""Scenario files: units, validation with every problem listed, running, claims, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from hashtide.cli.main import app
from hashtide.errors import ScenarioError
from hashtide.scenario import load_scenario, parse_quantity, parse_scenario, run_scenario
from hashtide.scenario.units import UnitParseError
from scenario_data import minimal_scenario

REPO = Path(__file__).resolve().parents[1]
STATE = REPO / "scenarios" / "us-state-reserve.yaml"
runner = CliRunner()


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        # Independent derivation: SI prefixes and the conversions written out.
        ("5 GW", "power", 5e9),
        ("3500 W", "power", 3500.0),
        ("200 TH/s", "hashrate", 2e14),
        ("1.1 ZH/s", "hashrate", 1.1e21),
        ("17.5 J/TH", "efficiency", 17.5),
        ("0.04 USD/kWh", "price_energy", 0.04),
        ("40 USD/MWh", "price_energy", 0.04),
        ("500000 USD/MW", "money_per_power", 0.5),
        ("90 %", "fraction", 0.9),
        (0.9, "fraction", 0.9),
        ("20 %/year", "rate", 0.2),
        ("2 years", "duration", 2 * 365.25 * 86_400),  # Julian years, as units.SECONDS_PER_YEAR
        ("2000000 sat", "btc", 0.02),
        ("85000 USD/BTC", "btc_price", 85_000.0),
        ("500 h/year", "hours_per_year", 500.0),
        ("14 Mt", "mass", 1.4e10),
    ],
)
def test_parse_quantity(text: str | float, kind: str, expected: float) -> None:
    assert parse_quantity(text, kind) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("text", "kind", "match"),
    [
        ("5 GWh", "power", "is a quantity of energy; expected W"),
        ("5", "power", "has no unit"),
        (5, "hashrate", "has no unit"),
        ("five GW", "power", "not a quantity"),
    ],
)
def test_parse_quantity_errors(text: str | int, kind: str, match: str) -> None:
    with pytest.raises(UnitParseError, match=match):
        parse_quantity(text, kind)


def _minimal(**overrides: object) -> dict[str, object]:
    return minimal_scenario(**overrides)


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    bad = _minimal(start="2026/06/01")
    bad["network"] = {"response": "elasticity", "growth": "10 %/year", "elasticty": 1}
    actor = dict(bad["actor"])  # type: ignore[call-overload]
    actor["capcity"] = "5 GW"
    actor["sites"] = [
        {"name": "a", "fuel": "coal", "share": "60 %", "power_price": "0.05 USD/kWh", "pue": 0.9},
        {"name": "b", "fuel": "hydro", "share": "40 %", "power_price": "5 GW"},
    ]
    bad["actor"] = actor
    bad["variants"] = [{"name": "x", "facility_power": "-5 GW"}]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert "6 problem(s)" in message
    for expected in (
        "start: '2026/06/01' is not a date; write it as YYYY-MM-DD",
        "network.elasticty: unknown key 'elasticty'; did you mean 'elasticity'?",
        "actor.capcity: unknown key 'capcity'",
        "actor.sites[0].pue: 0.9 must be between 1 and 3",
        "actor.sites[1].power_price: '5 GW' is a quantity of power; expected USD/kWh",
        "variants[0].facility_power: '-5 GW' must be > 0 W",
    ):
        assert expected in message


def test_yaml_errors_and_shapes(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("scenario: x\nstart: [2026\n")
    with pytest.raises(ScenarioError, match="not valid YAML at line"):
        load_scenario(path)
    with pytest.raises(ScenarioError, match="a mapping of keys"):
        parse_scenario(["not", "a", "mapping"])
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "missing.yaml")
    # yaml.safe_load: a Python-object tag is refused, never executed.
    path.write_text("scenario: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(ScenarioError, match="not valid YAML"):
        load_scenario(path)


def test_shares_must_add_up() -> None:
    data = _minimal()
    data["actor"]["sites"][0]["share"] = "90 %"  # type: ignore[index]
    with pytest.raises(ScenarioError, match=r"shares add up to 90\.0%"):
        parse_scenario(data)


def test_claims_name_known_variants() -> None:
    data = _minimal(claims=[{"text": "x", "variant": "1 GW", "quantity": "machines", "stated": 1}])
    with pytest.raises(ScenarioError, match="'1 GW' is not one of"):
        parse_scenario(data)


def test_one_site_run_matches_hand_derivation() -> None:
    # Independent derivation. 350 MW at PUE 1.0 of S21 (3,500 W, 200 TH/s): 100,000 machines,
    # 20 EH/s. With the rest fixed at 1,000 EH/s (no growth, no response) and no curtailment,
    # the miner holds 20/1020 = 1.961 % of the network. After the first retarget blocks come at
    # 144 a day; the scenario starts inside a period set for ~995 EH/s, so the first ~2 weeks
    # run ~2.5 % fast: ≈ 52,596 × 1.001 blocks in the year × 1.961 % × 3.125 BTC ≈ 3,226 BTC.
    spec = parse_scenario(_minimal())
    result = run_scenario(spec)
    [variant] = result.variants
    assert variant.machines == 100_000
    assert variant.installed_hashrate_hs == pytest.approx(2e19)
    assert variant.network_share_frac.median == pytest.approx(20 / 1020, rel=1e-3)
    assert variant.btc_per_year.median == pytest.approx(3_226, rel=0.03)
    # Energy: 350 MW all year (8,766 h) = 3.068 TWh; CO2 at hydro's 24 g/kWh = 73.6 kt.
    assert variant.energy_kwh_per_year.median == pytest.approx(350e3 * 8_766, rel=1e-6)
    assert variant.co2_kg_per_year.median == pytest.approx(350e3 * 8_766 * 0.024, rel=1e-6)
    # Cost per BTC: capex 100,000 × 2,699 USD × (1 year / 5-year life) + energy 3.068 TWh ×
    # 0.01 USD/kWh, divided by the BTC mined.
    cost = 100_000 * 2_699 / 5 + 350e3 * 8_766 * 0.01
    assert variant.cost_usd_per_btc.median == pytest.approx(
        cost / variant.btc_per_year.median, rel=0.02
    )


def test_same_seed_same_result_and_curtailment() -> None:
    spec = parse_scenario(_minimal())
    first = run_scenario(spec, n_paths=10, seed=3)
    second = run_scenario(spec, n_paths=10, seed=3)
    assert first.summary_json() == second.summary_json()
    # Power dearer than any hashprice: the site never runs, mines nothing, uses no energy.
    dear = _minimal()
    dear["actor"]["sites"][0].update(power_price="1 USD/kWh", curtail=True)  # type: ignore[index]
    [variant] = run_scenario(parse_scenario(dear), n_paths=10).variants
    assert variant.btc_per_year.median == 0
    assert variant.energy_kwh_per_year.median == 0


def test_state_reserve_claims_are_false_with_correct_figures() -> None:
    # Issue #4: the article's hashrate and BTC/year claims are false. Independent derivation of
    # the machine count: floor(5 GW × share / (PUE × 3,500 W)) per site — 30 % coal, 25 % hydro,
    # 5 % backup, 25 % nuclear at PUE 1.1 and 15 % flare gas at PUE 1.05.
    # One year and 3 paths keep it fast: the claims are off by far more than the noise.
    spec = load_scenario(STATE).model_copy(update={"horizon": 31_557_600.0})
    result = run_scenario(spec, n_paths=3)
    shares = [(0.30, 1.1), (0.25, 1.1), (0.05, 1.1), (0.15, 1.05), (0.25, 1.1)]
    machines = sum(int(5e9 * share / (pue * 3_500)) for share, pue in shares)
    five = result.variants[0]
    assert sum(s.machines for s in five.sites) == machines
    # The military backup generators (0.25 USD/kWh, 5 %) never pay: an S21 at PUE 1.1 costs
    # 17.5 J/TH × 1.1 × 24 h × 0.25 USD/kWh = 115.5 USD/PH/day to run, several times any
    # hashprice of 2026-30. Shown idle, and left out of the variant's machines and EH/s.
    [backup] = [s for s in five.sites if s.fuel == "oil"]
    assert backup.idle
    assert five.machines == machines - int(5e9 * 0.05 / (1.1 * 3_500))
    assert five.installed_hashrate_hs == pytest.approx(five.machines * 2e14)
    checks = {(c.variant, c.quantity): c for c in result.claims}
    assert checks[("5 GW", "machines")].computed == machines
    assert not checks[("5 GW", "hashrate")].holds
    assert checks[("5 GW", "hashrate")].computed / 33e18 > 7  # 1.31 M × 200 TH/s ≫ 33 EH/s
    assert not checks[("5 GW", "btc_per_year")].holds
    assert not checks[("20 GW", "btc_per_year")].holds
    assert checks[("20 GW", "btc_per_year")].computed > 10 * 1_800


def test_cli_validate_and_run(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(STATE)])
    assert result.exit_code == 0, result.output
    assert "5 GW, 10 GW, 20 GW" in result.output
    out = tmp_path / "out"
    path = tmp_path / "one.yaml"
    path.write_text(yaml.safe_dump(_minimal()))
    result = runner.invoke(app, ["run", str(path), "--paths", "5", "--json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    [variant] = data["variants"]
    assert set(variant) >= {
        "name",
        "machines",
        "hashrate_hs",
        "mean_hashrate_hs",
        "network_share_frac",
        "btc_per_year",
        "cost_usd_per_btc",
        "energy_kwh_per_year",
        "co2_kg_per_year",
    }
    assert set(variant["btc_per_year"]) == {"p5", "median", "p95"}
    assert data["claims"] == []


def test_cli_bad_scenario_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(_minimal(horizon="-1 year")))
    out = tmp_path / "out"
    for command in (["validate", str(path)], ["run", str(path), "--out", str(out)]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, result.output
        assert "horizon: '-1 year' must be > 0" in result.output
    assert not out.exists()


def test_price_series_file_drives_curtailment(tmp_path: Path) -> None:
    # Independent derivation: the price collapses to 1 USD half a year in; a curtailing site then
    # switches off at the next retarget period, so it mines about half of what it mines when the
    # price holds (within one 2-week period of 26: ±4 %).
    (tmp_path / "prices.csv").write_text("date,price_usd\n2026-06-01,80000\n2026-12-01,1\n")
    data = _minimal(btc_price={"model": "series", "file": "prices.csv"})
    data["actor"]["sites"][0]["curtail"] = True  # type: ignore[index]
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    collapsing = run_scenario(load_scenario(path), n_paths=10).variants[0]
    steady = run_scenario(parse_scenario(_minimal()), n_paths=10).variants[0]
    ratio = collapsing.btc_per_year.median / steady.btc_per_year.median
    assert ratio == pytest.approx(183 / 365, abs=0.04)


def test_price_series_must_cover_the_start(tmp_path: Path) -> None:
    # The days before a series' first date took the shipped history held flat (world market:
    # 88,728 USD, the price of 2026-01-02, instead of the series) or its first price (the
    # simple rules), silently.
    (tmp_path / "prices.csv").write_text("date,price_usd\n2030-07-01,70000\n")
    data = _minimal(btc_price={"model": "series", "file": "prices.csv"})
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError, match="the series begins on 2030-07-01, after the start"):
        load_scenario(path)


def test_bad_price_file_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "prices.csv").write_text("date,price_usd\n2026-06-01,80000\n2026-07-01,lots\n")
    data = _minimal(btc_price={"model": "series", "file": "prices.csv"})
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError, match="line 3: price_usd 'lots' is not a number"):
        load_scenario(path)


def test_price_file_with_more_fields_than_its_header_names_the_line(tmp_path: Path) -> None:
    # '2026-07-01,70,000' (a thousands separator) was read as 70 USD, the '000' dropped. The
    # blank line 3 counts: line numbers are the file's.
    (tmp_path / "prices.csv").write_text(
        "date,price_usd\n2026-06-01,80000\n\n2026-07-01,70,000\n2026-08-01,lots\n"
    )
    data = _minimal(btc_price={"model": "series", "file": "prices.csv"})
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError, match="2 problem") as info:
        load_scenario(path)
    assert "line 4: 1 field(s) more than the header's ('000')" in str(info.value)
    assert "line 5: price_usd 'lots' is not a number" in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # A comma-decimal spreadsheet's export, a header alone, an empty file: each was
        # "needs a header with columns date,price_usd", even for the file that had it.
        ("date;price_usd\n2026-06-01;80000\n", "(it has 'date;price_usd'); save it with commas"),
        ("date,price_usd\n", "no prices after the header"),
        ("", "needs a header with columns date,price_usd (it is empty)"),
    ],
)
def test_price_file_header_problems_say_what_was_found(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "prices.csv").write_text(text)
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(_minimal(btc_price={"model": "series", "file": "prices.csv"})))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert message in str(info.value)


def test_a_variant_must_hold_one_machine() -> None:
    # Antminer S21: 3,500 W (catalog), PUE 1.0, one site: 3,500 W holds one machine, 3,499 W
    # none. With none the run printed an IRR of -99 %/year, a payback of 0 years and nan USD/BTC.
    assert parse_scenario(_minimal(variants=[{"name": "one", "facility_power": "3500 W"}]))
    with pytest.raises(
        ScenarioError,
        match=r"variants\[0\].facility_power: 3,499 W holds no Antminer S21 \(3,500 W each",
    ):
        parse_scenario(_minimal(variants=[{"name": "none", "facility_power": "3499 W"}]))


def test_grid_intensity_from_ember() -> None:
    # Published: Ember/OWID grid intensity of Kazakhstan, 2024: 802 g/kWh (SOURCES.md example).
    data = _minimal()
    data["actor"]["sites"][0]["grid"] = {"region": "Kazakhstan", "year": 2024}  # type: ignore[index]
    [variant] = run_scenario(parse_scenario(data), n_paths=5).variants
    energy = variant.energy_kwh_per_year.median
    assert variant.co2_kg_per_year.median / energy == pytest.approx(0.802, abs=0.0005)


def test_json_is_strict_when_nothing_is_mined(tmp_path: Path) -> None:
    # Power dearer than any hashprice: nothing is mined, so the cost per BTC is undefined; the
    # --json output must still be strict JSON (null, not NaN).
    dear = _minimal()
    dear["actor"]["sites"][0].update(power_price="1 USD/kWh", curtail=True)  # type: ignore[index]
    path = tmp_path / "dear.yaml"
    path.write_text(yaml.safe_dump(dear))
    result = runner.invoke(app, ["run", str(path), "--paths", "3", "--json", "--no-report"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output, parse_constant=lambda name: pytest.fail(name))
    assert data["variants"][0]["cost_usd_per_btc"] is None
    assert data["variants"][0]["btc_per_year"]["median"] == 0


def test_sensitivity_one_input_at_a_time() -> None:
    from hashtide.scenario.sensitivity import run_sensitivity

    spec = parse_scenario(_minimal())
    base = run_scenario(spec, n_paths=3, seed=1).variants[0]
    table = run_sensitivity(spec, base=base, n_paths=3, seed=1)
    # A fixed rest of the world with a constant price: drift and fees apply; the world-market
    # inputs (regions, entry) and the response-model swap do not.
    assert list(table["input"].unique()) == ["BTC price drift", "fees"]
    fees = table[table["input"] == "fees"].set_index("side")
    # Independent derivation: no curtailment and the same blocks, so BTC scales with the reward
    # per block: (3.125 + 0.1) / (3.125 + 0) BTC.
    ratio = fees.loc["high", "btc_per_year"] / fees.loc["low", "btc_per_year"]
    assert ratio == pytest.approx(3.225 / 3.125, rel=1e-6)
    assert (table["base_btc_per_year"] == base.btc_per_year.median).all()


def test_json_has_response_and_yearly_bands(tmp_path: Path) -> None:
    path = tmp_path / "one.yaml"
    data = _minimal(horizon="2 years")
    path.write_text(yaml.safe_dump(data))
    result = runner.invoke(app, ["run", str(path), "--paths", "3", "--json", "--no-report"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["network_response"] == "fixed"
    [variant] = out["variants"]
    assert variant["network_response"] == "fixed"
    assert [y["year"] for y in variant["yearly"]] == [1, 2]
    first = variant["yearly"][0]
    assert set(first) == {"year", "from", "hashprice_usd_per_ph_day", "share_frac", "btc"}
    assert set(first["btc"]) == {"p5", "median", "p95"}
    # 20 EH/s against a fixed 1,000 EH/s rest (see test_one_site_run_matches_hand_derivation).
    assert first["share_frac"]["median"] == pytest.approx(20 / 1020, rel=2e-3)
    total = sum(y["btc"]["median"] for y in variant["yearly"])
    assert total == pytest.approx(2 * variant["btc_per_year"]["median"], rel=0.01)


def test_world_market_runs_a_future_site_with_a_ramp() -> None:
    # The default rest of the world: the world market, rebuilt at the newest history period.
    data = _minimal(horizon="1 year")
    del data["network"]
    data["actor"]["machines_per_month"] = 50_000  # type: ignore[index]
    # The power stated on the actor, not on the variant: the variant reports it all the same.
    data["actor"]["facility_power"] = "350 MW"  # type: ignore[index]
    data["variants"] = [{"name": "350 MW"}]
    spec = parse_scenario(data)
    assert spec.network.response == "market"
    result = run_scenario(spec, n_paths=2, seed=1)
    [variant] = result.variants
    assert result.network_response == variant.network_response == "market"
    assert variant.facility_power_w == 350e6
    # 100,000 machines at 50,000 a month: all delivered after two months (independent
    # arithmetic), so the share path starts at zero and the yearly share is below the peak.
    share = variant.series["share_frac_median"]
    assert share.iloc[0] == 0.0
    assert variant.peak_share_frac > variant.yearly[0].share_frac.median > 0
    assert any(row[0] == "deployment" and "50,000" in row[1] for row in result.assumptions)
    assert any("median path" in row[0] for row in result.assumptions)


def test_old_state_program_format_says_what_to_change() -> None:
    data = _minimal()
    data["network"] = {"hashrate": "from-chain", "growth": "15 %/year", "response_elasticity": 1}
    with pytest.raises(ScenarioError, match="response: elasticity, elasticity: 1"):
        parse_scenario(data, source="old.yaml")
    data["network"] = {"growth": "15 %/year"}  # market is the default: simple options refused
    with pytest.raises(ScenarioError, match="growth belong to response: elasticity or fixed"):
        parse_scenario(data)


def test_failing_claims_say_why() -> None:
    # Seed 002's own arithmetic: 1.66 M machines × 200 TH/s = 332 EH/s, so "33 EH/s" is a
    # factor-10 slip; 450 BTC = 144 blocks × 3.125 BTC, the network's daily issuance after the
    # 2024 halving; 1,800 = 4 × 450 (the daily figure scaled with power).
    spec = load_scenario(STATE).model_copy(update={"horizon": 31_557_600.0})
    result = run_scenario(spec, n_paths=2)
    reasons = {(c.variant, c.quantity): c.reason for c in result.claims}
    assert reasons[("5 GW", "hashrate")].startswith("a factor-10 slip of 332 EH/s")
    assert reasons[("5 GW", "btc_per_year")].startswith(
        "450 BTC is the whole network's daily issuance (144 blocks × 3.125 BTC)"
    )
    assert reasons[("20 GW", "btc_per_year")].startswith("1,800 BTC is 4 × the network's daily")
    # 5 GW / 1.66 M = 3,012 W a machine (the seed's "about 3 kW"), no cooling; the S21 draws
    # 3,500 W (Bitmain) and the file's sites a PUE of 1.05–1.1 (hand arithmetic).
    machines = reasons[("5 GW", "machines")]
    assert machines.startswith("5 GW ÷ 1,660,000 machines is 3,012 W a machine")
    assert "Antminer S21 draws 3,500 W" in machines


def test_sensitivity_tornado_in_report_and_json(tmp_path: Path) -> None:
    path = tmp_path / "one.yaml"
    path.write_text(yaml.safe_dump(_minimal(horizon="1 year")))
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["run", str(path), "--paths", "2", "--sensitivity", "--sensitivity-paths", "2",
         "--json", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    inputs = {(row["input"], row["side"]) for row in data["sensitivity"]}
    assert inputs == {("BTC price drift", "low"), ("BTC price drift", "high"),
                      ("fees", "low"), ("fees", "high")}  # fmt: skip
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="chart-sensitivity"' in html
    assert "one uncertain input at a time" in html


def test_sensitivity_is_on_by_default_on_the_median_price_path(tmp_path: Path) -> None:
    path = tmp_path / "one.yaml"
    data = _minimal(horizon="1 year")
    data["btc_price"] = {"model": "gbm", "start": "60000 USD", "growth": "0 %/year",
                         "volatility": "50 %/year"}  # fmt: skip
    path.write_text(yaml.safe_dump(data))
    result = runner.invoke(app, ["run", str(path), "--paths", "2", "--json", "--no-report"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["sensitivity"]
    assert {row["paths"] for row in rows} == {1}
    drift = {row["side"]: row["btc_per_year"] for row in rows if row["input"] == "BTC price drift"}
    # A fixed rest and no curtailment: the price moves no BTC (the site always runs).
    assert drift["low"] == pytest.approx(drift["high"], rel=1e-9)
    skipped = runner.invoke(
        app, ["run", str(path), "--paths", "2", "--json", "--no-report", "--no-sensitivity"]
    )
    assert skipped.exit_code == 0, skipped.output
    assert "sensitivity" not in json.loads(skipped.output)


def test_median_price_path_of_a_gbm() -> None:
    from hashtide.scenario.sensitivity import median_price_spec

    data = _minimal()
    data["btc_price"] = {"model": "gbm", "start": "60000 USD", "growth": "10 %/year",
                         "volatility": "60 %/year"}  # fmt: skip
    spec = median_price_spec(parse_scenario(data))
    # exp(ln 1.1 − 0.6²/2) − 1 = 1.1 × e^−0.18 − 1 = −8.12 % (hand arithmetic).
    assert spec.btc_price.model == "growth"
    assert spec.btc_price.growth == pytest.approx(-0.0812, abs=5e-5)


def test_a_delivery_ramp_needs_the_world_market() -> None:
    # _minimal runs on response: fixed, whose runner deploys every machine at the start: a ramp
    # there would be silently ignored, so it is refused with the key named.
    data = _minimal()
    data["actor"]["machines_per_month"] = 50_000  # type: ignore[index]
    with pytest.raises(ScenarioError, match=r"actor\.machines_per_month: .* world market only"):
        parse_scenario(data)


def test_periods_past_the_horizon_on_every_path_raise_no_warning(tmp_path: Path) -> None:
    # Found by the dashboard (#13): single-site-miner under the elasticity rule at 20 paths has
    # retarget periods that fall past the horizon on every path; taking their median share warned
    # "All-NaN slice encountered" (a RuntimeWarning, an error in this suite).
    root = Path(__file__).resolve().parents[1]
    text = (root / "scenarios" / "single-site-miner.yaml").read_text(encoding="utf-8")
    assert "response: market" in text
    path = tmp_path / "single-site-miner.yaml"
    path.write_text(text.replace("response: market", "response: elasticity", 1), encoding="utf-8")
    result = run_scenario(load_scenario(path), n_paths=20, seed=11)
    # 6 MW of S21 XP Hyd against a ~1 ZH/s network: a share far below 1 %, never zero
    assert 0 < result.variants[0].peak_share_frac < 0.01


def test_run_prints_and_returns_npv_irr_and_payback(tmp_path: Path) -> None:
    """Should a miner buy these machines? `run` answers on the console and in --json."""
    path = tmp_path / "one.yaml"
    path.write_text(yaml.safe_dump(minimal_scenario(paths=4)))
    args = ["run", str(path), "--no-report", "--no-sensitivity"]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    [variant] = json.loads(result.output)["variants"]
    # Independent derivation: 100,000 machines at 2,699 USD; one year of 350 MW at 0.01 USD/kWh
    # (8,766 h) costs 30.681 M USD; the BTC sell at the constant 80,000 USD; the default
    # discount rate is 8 %/year. NPV and IRR rise with the BTC mined, so their medians are
    # those of the median path's BTC (the 1e-6 allows the float sums).
    capex = 100_000 * 2_699
    net = variant["btc_per_year"]["median"] * 80_000 - 350e3 * 8_766 * 0.01
    assert variant["capex_usd"] == pytest.approx(capex, rel=1e-12)
    assert variant["npv_usd"]["median"] == pytest.approx(-capex + net / 1.08, rel=1e-6)
    assert variant["irr_frac"]["median"] == pytest.approx(net / capex - 1, rel=1e-6)
    assert variant["payback_years"] == {"p5": None, "median": None, "p95": None}  # never
    table = runner.invoke(app, args)
    assert table.exit_code == 0, table.output
    assert "Should the actor buy these machines?" in table.output
    assert "NPV at 8.0%/year" in table.output
    row = next(line for line in table.output.splitlines() if "269.9" in line)
    npv = f"{variant['npv_usd']['median'] / 1e6:.2f}"  # 4 significant digits, in M USD
    assert npv in row
    assert "never" in row
