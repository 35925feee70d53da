"""The money and energy figures of a real scenario run, checked against independent formulas.

One small scenario (one site, one Monte Carlo path, constant price, no fees, no curtailment)
is run through :func:`hashtide.scenario.run_scenario`. With one path every band's median *is* the
path's value and the cash-flow table holds that path's yearly flows, so NPV, IRR, payback, the
break-even price and the cost per BTC can be recomputed here by plain arithmetic from the
yearly table — which catches a wrong discount year, a missing PUE, an uncapped capex or opex on
the wrong base. The machine count, capex, energy and CO2 are derived by hand from the inputs.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from hashtide.scenario import load_scenario, parse_quantity, run_scenario
from hashtide.scenario.results import ScenarioResult

SECONDS_PER_YEAR = 365.25 * 86_400  # Julian year, as the scenario's "year" unit
PRICE_USD = 100_000.0
RATE = 0.08


def _scenario() -> dict[str, object]:
    return {
        "scenario": "figures",
        "start": "2026-06-01",
        "horizon": "1.5 years",  # a partial last year
        "paths": 1,
        "seed": 11,
        "network": {"hashrate": "1000 EH/s", "growth": "0 %/year", "response_elasticity": 0},
        "btc_price": {"model": "constant", "start": f"{PRICE_USD:.0f} USD"},
        "fees": "0 BTC",
        "actor": {
            "name": "miner",
            "miner": {
                "name": "test rig",
                "hashrate": "200 TH/s",
                "power": "3500 W",
                "price": "2700 USD",
            },
            "lifetime": "1 year",  # shorter than the horizon: capex is charged once, not 1.5×
            "opex": "5 %/year",
            "discount_rate": "8 %/year",
            "sites": [
                {
                    "name": "plant",
                    "fuel": "gas",
                    "share": "100 %",
                    "power_price": "0.01 USD/kWh",
                    "pue": 1.2,
                    "intensity": "400 g/kWh",
                    "retrofit": "0.05 USD/W",
                    "curtail": False,
                }
            ],
        },
        "variants": [{"name": "350 MW", "facility_power": "350 MW"}],
        "claims": [
            # 83,333 machines (below); stated 87,600 ± 5 % of the stated value: 4,380 ≥ 4,267
            # holds (5 % of the computed value, 4,166.65, would not).
            {
                "text": "about 87,600 machines",
                "variant": "350 MW",
                "quantity": "machines",
                "stated": 87_600,
                "tolerance": 0.05,
            },
            # stated 166,666 ± 50 %: |83,333 − 166,666| = 83,333 = 0.5 × 166,666 exactly: holds.
            {
                "text": "twice as many",
                "variant": "350 MW",
                "quantity": "machines",
                "stated": 166_666,
                "tolerance": 0.5,
            },
            # No tolerance given: the default ±5 % (docs/scenarios.md); 1,667 ≤ 4,250 holds.
            {
                "text": "85,000 machines",
                "variant": "350 MW",
                "quantity": "machines",
                "stated": "85,000",
            },
            # stated 82,000 ± 1 %: 1,333 > 820: does not hold.
            {
                "text": "82,000 machines",
                "variant": "350 MW",
                "quantity": "machines",
                "stated": 82_000,
                "tolerance": 0.01,
            },
        ],
    }


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> ScenarioResult:
    path = Path(tmp_path_factory.mktemp("figures")) / "figures.yaml"
    path.write_text(yaml.safe_dump(_scenario()), encoding="utf-8")
    calls: list[tuple[int, int, int, int]] = []
    result = run_scenario(load_scenario(path), progress=lambda *a: calls.append(a))
    PROGRESS.extend(calls)
    return result


#: The progress(variant, variants, epochs_done, epochs_expected) calls of the run.
PROGRESS: list[tuple[int, int, int, int]] = []


# Independent derivation of the fleet: 350 MW / (PUE 1.2 × 3,500 W) = 83,333.3 → 83,333 machines.
MACHINES = 83_333
IT_POWER_W = MACHINES * 3_500.0  # 291,665,500 W
HARDWARE_CAPEX_USD = MACHINES * 2_700.0  # 224,999,100 USD
SITE_CAPEX_USD = 0.05 * 350e6  # retrofit 0.05 USD/W × 350 MW = 17.5 M USD
CAPEX_USD = HARDWARE_CAPEX_USD + SITE_CAPEX_USD
# IT power × PUE × 8,766 h/year, in kWh: machines never stop (availability 1, no curtailment).
ENERGY_KWH_PER_YEAR = IT_POWER_W * 1.2 * SECONDS_PER_YEAR / 3.6e6
OPEX_USD_PER_YEAR = 0.05 * HARDWARE_CAPEX_USD  # opex is a share of the hardware capex only


def test_fleet_capex_energy_and_co2(result: ScenarioResult) -> None:
    (variant,) = result.variants
    assert variant.machines == MACHINES
    assert variant.capex_usd == pytest.approx(CAPEX_USD, rel=1e-12)
    assert variant.energy_kwh_per_year.median == pytest.approx(ENERGY_KWH_PER_YEAR, rel=1e-9)
    (site,) = variant.sites
    assert site.energy_kwh_per_year == pytest.approx(ENERGY_KWH_PER_YEAR, rel=1e-9)
    # 400 g/kWh → kg: ÷ 1000.
    assert site.co2_kg_per_year == pytest.approx(ENERGY_KWH_PER_YEAR * 0.4, rel=1e-9)
    assert variant.co2_kg_per_year.median == pytest.approx(ENERGY_KWH_PER_YEAR * 0.4, rel=1e-9)
    assert site.running_frac == pytest.approx(1.0, abs=1e-12)


def test_cash_flow_table(result: ScenarioResult) -> None:
    (variant,) = result.variants
    table = variant.cash_flow
    assert list(table["year"]) == [1, 2]
    assert list(table["capex_usd"]) == pytest.approx([CAPEX_USD, 0.0], rel=1e-12)
    # The second year is half a year: half the opex.
    assert list(table["opex_usd"]) == pytest.approx(
        [OPEX_USD_PER_YEAR, 0.5 * OPEX_USD_PER_YEAR], rel=1e-12
    )
    # Energy cost: 0.01 USD/kWh of the energy of the 1.5 years. Each epoch's cost goes to the
    # year of its midpoint, so the split between years may be off by an epoch (≈ 14 days).
    energy = list(table["energy_cost_usd"])
    assert sum(energy) == pytest.approx(0.01 * ENERGY_KWH_PER_YEAR * 1.5, rel=1e-9)
    assert energy[0] == pytest.approx(0.01 * ENERGY_KWH_PER_YEAR, rel=14 / 365.25)


def _yearly(result: ScenarioResult) -> tuple[list[float], list[float], list[float]]:
    table = result.variants[0].cash_flow
    revenue = [float(v) for v in table["revenue_usd"]]
    energy = [float(v) for v in table["energy_cost_usd"]]
    opex = [float(v) for v in table["opex_usd"]]
    return revenue, energy, opex


def test_npv_irr_payback_break_even_of_the_run(result: ScenarioResult) -> None:
    (variant,) = result.variants
    revenue, energy, opex = _yearly(result)
    net = [r - e - o for r, e, o in zip(revenue, energy, opex, strict=True)]
    flows = [-CAPEX_USD, *net]  # at t = 0, 1, 2 years
    # NPV = Σ CF_t / 1.08^t.
    npv = sum(cf / (1 + RATE) ** t for t, cf in enumerate(flows))
    assert variant.npv_usd.median == pytest.approx(npv, rel=1e-9)
    # IRR: the rate where that sum is zero.
    rate = variant.irr_frac.median
    assert math.isfinite(rate)
    assert sum(cf / (1 + rate) ** t for t, cf in enumerate(flows)) == pytest.approx(
        0.0, abs=1e-6 * CAPEX_USD
    )
    # Payback: the cumulative net turns positive in year 2; linear within it.
    cumulative_1 = flows[0] + flows[1]
    assert cumulative_1 < 0 < cumulative_1 + flows[2], "the scenario should pay back in year 2"
    assert variant.payback_years.median == pytest.approx(1 + -cumulative_1 / flows[2], rel=1e-9)
    # Break-even price: capex (t = 0) plus discounted yearly costs over the discounted BTC mined
    # (BTC of year t = revenue / constant price); the yearly flows are discounted by t, not t − 1.
    costs_pv = CAPEX_USD + sum(
        (e + o) / (1 + RATE) ** t
        for t, (e, o) in enumerate(zip(energy, opex, strict=True), start=1)
    )
    btc_pv = sum(r / PRICE_USD / (1 + RATE) ** t for t, r in enumerate(revenue, start=1))
    assert variant.break_even_btc_price_usd.median == pytest.approx(costs_pv / btc_pv, rel=1e-9)


def test_cost_per_btc_charges_capex_once_when_the_horizon_outlives_the_machines(
    result: ScenarioResult,
) -> None:
    (variant,) = result.variants
    revenue, energy, _ = _yearly(result)
    btc = sum(revenue) / PRICE_USD
    assert variant.btc_per_year.median == pytest.approx(btc / 1.5, rel=1e-9)
    assert variant.revenue_usd_per_year.median == pytest.approx(sum(revenue) / 1.5, rel=1e-9)
    # horizon 1.5 years > lifetime 1 year: capex × min(1, 1.5 / 1) = capex, plus 1.5 years of
    # opex and the energy.
    cost = CAPEX_USD + sum(energy) + 1.5 * OPEX_USD_PER_YEAR
    assert variant.cost_usd_per_btc.median == pytest.approx(cost / btc, rel=1e-9)


def test_claims_take_their_tolerance_on_the_stated_value(result: ScenarioResult) -> None:
    holds = {c.claim: c.holds for c in result.claims}
    assert holds == {
        "about 87,600 machines": True,
        "twice as many": True,
        "85,000 machines": True,
        "82,000 machines": False,
    }
    assert [c.stated for c in result.claims] == [87_600.0, 166_666.0, 85_000.0, 82_000.0]
    assert [c.tolerance_frac for c in result.claims] == [0.05, 0.5, 0.05, 0.01]
    assert all(c.computed == MACHINES for c in result.claims)


@pytest.mark.parametrize(
    ("text", "kg"),
    [
        # Independent derivation: SI tonnes — 1 t = 1e3 kg, 1 kt = 1e6 kg, 1 Mt = 1e9 kg.
        ("1 t", 1e3),
        ("14 kt", 1.4e7),
        ("2.5 Mt", 2.5e9),
        ("1 Gt", 1e12),
    ],
)
def test_mass_units(text: str, kg: float) -> None:
    assert parse_quantity(text, "mass") == pytest.approx(kg, rel=1e-12)


def test_hashrate_and_network_share(result: ScenarioResult) -> None:
    (variant,) = result.variants
    # Independent derivation: 83,333 × 200 TH/s = 16.6666 EH/s, always on; the rest of the
    # world stays at 1,000 EH/s (no growth, elasticity 0): share = 16.6666 / 1,016.6666.
    installed_hs = MACHINES * 200e12
    assert variant.installed_hashrate_hs == pytest.approx(installed_hs, rel=1e-12)
    assert variant.mean_hashrate_hs.median == pytest.approx(installed_hs, rel=1e-9)
    assert variant.network_share_frac.median == pytest.approx(
        installed_hs / (installed_hs + 1e21), rel=1e-6
    )
    assert variant.network_hashrate_hs.median == pytest.approx(installed_hs + 1e21, rel=1e-6)


def test_progress_reports_epochs(result: ScenarioResult) -> None:
    # Independent derivation: 1.5 years from a period that began up to 14 days before the start
    # is 40–41 periods of ≈ 14 days (2,016 blocks of 600 s); progress counts them one by one.
    assert PROGRESS, "progress was never called"
    assert {(v, n) for v, n, _, _ in PROGRESS} == {(0, 1)}
    done = [d for _, _, d, _ in PROGRESS]
    assert done == list(range(1, len(done) + 1))
    expected = PROGRESS[-1][3]
    assert 40 <= expected <= 42
    assert expected - 3 <= done[-1] <= expected + 3
