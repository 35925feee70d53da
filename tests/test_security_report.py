"""The security assessment of a scenario result, its report section and terminal table.

The result below is synthetic: its figures are typed in, so every expected value is derived by
hand from them (the derivation is next to it), or is a published figure named as such.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rich.console import Console
from typer.testing import CliRunner

from hashtide.cli.main import app
from hashtide.cli.scenario import _security_table
from hashtide.report.scenario_report import write_report
from hashtide.report.security_section import security_context
from hashtide.scenario.results import Band, ScenarioResult, SiteResult, VariantResult
from hashtide.security import assess_variant

REPO = Path(__file__).resolve().parents[1]
START_S = 1_780_272_000.0  # 2026-06-01 00:00 UTC (20,605 days × 86,400 s)
TIMES = pd.DatetimeIndex(
    pd.to_datetime(START_S + np.array([0.0, 180.0, 360.0]) * 86_400, unit="s", utc=True),
    name="time",
)


def band(value: float) -> Band:
    return Band(p5=value, median=value, p95=value, mean=value)


def site(name: str, energy_kwh: float, price: float) -> SiteResult:
    return SiteResult(name=name, fuel="coal", facility_power_w=1e9, machines=1,
                      installed_hashrate_hs=1.0, mean_hashrate_hs=1.0, running_frac=1.0,
                      energy_kwh_per_year=energy_kwh, co2_kg_per_year=0.0,
                      net_co2_kg_per_year=0.0, btc_per_year=0.0, power_cost_usd_per_kwh=price,
                      intensity_g_per_kwh=0.0)  # fmt: skip


def variant(name: str, machines: int, shares: list[float], p95: list[float]) -> VariantResult:
    series = pd.DataFrame(
        {
            "share_frac_median": shares,
            "share_frac_p95": p95,
            "network_hashrate_hs_median": [1.4e21, 1.5e21, 1.2e21],
        },
        index=TIMES,
    )
    return VariantResult(
        name=name,
        facility_power_w=machines * 3_500.0 * 1.1,  # PUE 1.1
        machines=machines,
        installed_hashrate_hs=machines * 200e12,
        mean_hashrate_hs=band(0.0),
        network_share_frac=band(float(np.mean(shares))),
        network_hashrate_hs=band(1.4e21),
        btc_per_year=band(0.0),
        cost_usd_per_btc=band(0.0),
        energy_kwh_per_year=band(4e9),
        co2_kg_per_year=band(0.0),
        capex_usd=0.0,
        revenue_usd_per_year=band(0.0),
        npv_usd=band(0.0),
        break_even_btc_price_usd=band(0.0),
        irr_frac=band(0.0),
        payback_years=band(float("inf")),
        # Energy-weighted power price: (3e9 × 0.04 + 1e9 × 0.02) / 4e9 = 0.035 USD/kWh.
        sites=(site("coal <a>", 3e9, 0.04), site("hydro", 1e9, 0.02)),
        series=series,
        cash_flow=pd.DataFrame({"year": [1]}),
    )


def make_result() -> ScenarioResult:
    return ScenarioResult(
        scenario="security test",
        description="",
        actor="State & Co",
        start_time_s=START_S,
        horizon_years=1.0,
        n_paths=10,
        seed=7,
        start_height=1_000_000,  # subsidy 3.125 BTC until 1,050,000
        start_difficulty=1.4e14,
        start_network_hashrate_hs=1e21,
        btc_price_usd=70_000.0,
        machine_model="Antminer S21",
        machine_hashrate_hs=200e12,
        machine_power_w=3_500.0,
        machine_price_usd=2_699.0,
        fees_btc_per_block=0.025,
        assumptions=(),
        variants=(
            variant("small", 1_000_000, [0.10, 0.12, 0.08], [0.11, 0.13, 0.09]),
            variant("big", 5_000_000, [0.40, 0.45, 0.30], [0.44, 0.52, 0.33]),
        ),
    )


@pytest.fixture(scope="module")
def result() -> ScenarioResult:
    return make_result()


def test_assessment_of_the_big_variant_by_hand(result: ScenarioResult) -> None:
    big = result.variants[1]
    s = assess_variant(result, big, rng=np.random.default_rng(1), selfish_periods=4)
    # The median share peaks at 45 % on the second grid time (day 180); the 95th percentile at 52 %.
    assert s.peak_share_frac == 0.45
    assert s.peak_time == TIMES[1]
    assert s.peak_share_p95_frac == 0.52
    assert dict(s.crossings) == {0.25: TIMES[0], 1 / 3: TIMES[0], 0.5: None}
    # At the peak: state 45 %, Foundry 0.55 × 28.72 % = 15.80 %, AntPool 0.55 × 21.42 % = 11.78 %;
    # 45 + 15.8 > 50 → coefficient 2; HHI = 0.45² + 0.158² + 0.1178² (mempool.space, published).
    foundry, antpool = 46_076 / 160_432, 34_365 / 160_432
    assert s.largest_actor == "State & Co"
    assert s.nakamoto_coefficient == 2
    assert s.hhi == pytest.approx(0.45**2 + (0.55 * foundry) ** 2 + (0.55 * antpool) ** 2)
    assert s.baseline_nakamoto_coefficient == 2  # the two pools alone: 50.14 % > 50 %
    # Double spend, exact, z = 1: 2q = 0.9 (Rosenfeld's sum has one term, by hand); z = 6 against
    # Rosenfeld's sum in exact rationals (tests/test_security_double_spend.py derives it).
    one, six = s.double_spend
    assert (one.z, six.z) == (1, 6)
    assert one.exact == pytest.approx(0.9, rel=1e-12)
    q, p = Fraction(45, 100), Fraction(55, 100)
    rosenfeld = 1 - sum(math.comb(m + 5, m) * (p**6 * q**m - p**m * q**6) for m in range(7))
    assert six.exact == pytest.approx(float(rosenfeld), rel=1e-11)
    assert s.confirmations_needed is not None
    assert s.confirmations_needed > 300
    # Selfish mining: 45 % is above both thresholds (1/3 at γ = 0, 1/4 at γ = ½; Eyal & Sirer).
    assert [c.profitable for c in s.selfish] == [True, True]
    assert s.selfish_payback is not None
    assert s.selfish_payback.gamma == 0.0
    assert s.selfish_payback.first_period_ratio < 1 < s.selfish_payback.later_ratio
    # Attack: rest = 1.5e21 × 0.55 = 8.25e20 H/s; 51 % needs 0.51/0.49 × 8.25e20 = 8.587e20 H/s,
    # less than its 5 M × 200 TH/s = 1e21 → no machines; 1e21 / (1e21 + 8.25e20) = 54.79 %.
    a = s.attack
    assert a.rest_hashrate_hs == pytest.approx(8.25e20)
    assert a.already_majority
    assert a.additional_machines == 0
    assert a.hardware_usd == 0
    assert s.installed_share_frac == pytest.approx(1 / 1.825)
    assert s.power_price_usd_per_kwh == pytest.approx(0.035)
    assert s.pue == pytest.approx(1.1)
    # Energy: 8.587e20 H/s × 17.5e-12 J/H × 1.1 × 604,800 s / 3.6e6 J/kWh, × 0.035 USD/kWh.
    kwh = 0.51 / 0.49 * 8.25e20 * 17.5e-12 * 1.1 * 604_800 / 3.6e6
    assert a.energy_usd == pytest.approx(kwh * 0.035)
    # Day 180 ≈ height 1,000,000 + 25,920 < 1,050,000: 3.125 + 0.025 fees = 3.15 BTC per block;
    # 0.51 × 1,008 blocks × 3.15 × 70,000 USD.
    assert s.reward_btc_per_block == pytest.approx(3.15)
    assert a.opportunity_usd == pytest.approx(0.51 * 1_008 * 3.15 * 70_000)


def test_assessment_of_the_small_variant(result: ScenarioResult) -> None:
    s = assess_variant(result, result.variants[0])
    # At 12 %: Foundry 0.88 × 28.72 % = 25.3 % is the largest; 12 + 25.3 < 50, + AntPool 18.85 %
    # = 56.1 % → 3.
    assert s.largest_actor == "Foundry USA"
    assert s.nakamoto_coefficient == 3
    assert dict(s.crossings) == {0.25: None, 1 / 3: None, 0.5: None}
    assert [c.profitable for c in s.selfish] == [False, False]
    assert s.selfish_payback is None  # no rng given, and it would not pay anyway
    # Needs 0.51/0.49 × 1.5e21 × 0.88 H/s minus its 2e20: (1.37388e21 − 2e20) / 200e12 machines.
    assert s.attack.additional_machines == int(np.ceil((0.51 / 0.49 * 1.32e21 - 2e20) / 200e12))


def test_report_has_the_security_section(result: ScenarioResult, tmp_path: Path) -> None:
    html = write_report(result, tmp_path / "r.html").read_text(encoding="utf-8")
    assert '<section id="security">' in html
    assert '<a href="#security">Security</a>' in html
    assert 'href="#chart-share-figure"' in html  # the share chart with the 25/33/50 % lines
    assert html.index('id="summary"') < html.index('id="security"') < html.index('id="charts"')
    section = html[html.index('<section id="security">') : html.index('<section id="charts">')]
    assert "State &amp; Co" in section
    assert "State & Co" not in section
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section))
    # The sentences, with the hand-derived figures of test_assessment_of_the_big_variant_by_hand.
    assert "45 % at its peak (2026-11-28)" in text  # 180 days after 2026-06-01
    assert (
        "is above 25 % from the start, is above 33 % from the start and never reaches 50 %" in text
    )
    assert "At times 5 % of paths reach 52 % or more: a majority." in text
    assert "Nakamoto coefficient 2" in text
    assert "after 1 confirmation with probability 90 %" in text
    assert "Selfish mining pays at 45 %" in text
    assert "only once the difficulty has adjusted" in text
    assert "it would already hold 54.8 %, so no machine needs to be bought" in text
    assert "it never reaches 25 %" in text  # the small variant
    assert "Selfish mining does not pay at 12 %" in text
    assert "Foundry USA 28.7 %, AntPool 21.4 %" in text  # the stated pool assumption


def test_security_context_is_deterministic(result: ScenarioResult) -> None:
    first, second = security_context(result), security_context(result)
    assert first["sentences"] == second["sentences"]


def test_terminal_table(result: ScenarioResult) -> None:
    console = Console(width=120, record=True)
    console.print(_security_table(result))
    text = console.export_text()
    assert "Security at the State & Co's peak share" in text
    assert "45 %" in text
    assert "Foundry USA" in text
    assert "yes/yes" in text
    assert "no/no" in text


def test_cli_run_prints_the_security_table(tmp_path: Path) -> None:
    scenario = REPO / "scenarios" / "single-site-miner.yaml"
    run = CliRunner().invoke(app, ["run", str(scenario), "--paths", "5", "--no-report"])
    assert run.exit_code == 0, run.output
    assert "Security at the" in run.output
