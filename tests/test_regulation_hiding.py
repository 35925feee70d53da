"""The economics of hiding: independent arithmetic, the detectability table, invariants."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hashtide.errors import InvalidInputError
from hashtide.regulation import (
    Market,
    break_even_tariff_usd_per_kwh,
    detectability_curve,
    detection_probability,
    hiding_economics,
)
from hashtide.regulation.hiding import detectability_provenance

MARKET = Market(difficulty=125e12, btc_price_usd=100_000.0)
CURVE = pd.DataFrame(
    {
        "share_frac": [0.05, 0.2, 0.5],
        "mining_recall": [0.1, 0.7, 1.0],
        "mining_throughout_recall": [0.02, 0.02, 0.02],
    }
)


def test_one_s9_hand_computed() -> None:
    # Independent derivation: 13 TH/s × 86,400 s / (125e12 × 2^32) blocks/day × 3.125 BTC ×
    # 100,000 USD = 6.538 USD/day; × 365.25/12 = 199.0 USD/month. Power: 1.3 kW × 24 h × 0.15 USD
    # = 4.68 USD/day = 142.4 USD/month (catalog: S9 13 TH/s, 1,300 W).
    btc_per_day = 13e12 * 86_400 / (125e12 * 2**32) * 3.125
    revenue = btc_per_day * 100_000 * 365.25 / 12
    cost = 1.3 * 24 * 0.15 * 365.25 / 12
    row = hiding_economics(
        building_mean_kw=13.0,
        tariff_usd_per_kwh=0.15,
        market=MARKET,
        model="Antminer S9",
        n_machines=[1],
        curve=CURVE,
    ).iloc[0]
    assert row.revenue_usd_per_month == pytest.approx(revenue, rel=1e-12)
    assert row.power_cost_usd_per_month == pytest.approx(cost, rel=1e-12)
    assert row.btc_per_month == pytest.approx(btc_per_day * 365.25 / 12, rel=1e-12)
    assert row.share_frac == pytest.approx(0.1)
    assert bool(row.worth_hiding_paying) is (revenue > cost)
    # Linear interpolation in the curve between 0.05 (0.1) and 0.2 (0.7): at 0.1, 0.3.
    assert row.detection_probability == pytest.approx(0.3)


def test_break_even_tariff() -> None:
    # S19j Pro: 29.5 J/TH (3,068 W / 104 TH/s) = 0.708 kWh per TH/s per day.
    hashprice = 1e12 * 86_400 / (125e12 * 2**32) * 3.125 * 100_000
    assert break_even_tariff_usd_per_kwh(MARKET) == pytest.approx(
        hashprice / (3068 / 104 * 24 / 1000), rel=1e-12
    )


def test_detection_probability_ends_and_throughout() -> None:
    assert detection_probability(0.01, curve=CURVE) == 0.1
    assert detection_probability(2.0, curve=CURVE) == 1.0
    assert detection_probability(0.3, throughout=True, curve=CURVE) == 0.02


def test_shipped_curve() -> None:
    curve = detectability_curve()
    assert list(curve.columns[:3]) == ["share_frac", "mining_recall", "mining_throughout_recall"]
    assert curve["mining_recall"].is_monotonic_increasing
    meta = detectability_provenance()
    assert meta["held_out_buildings"]
    assert meta["built_by"] == "scripts/evaluate_detector.py"


@given(
    low=st.floats(0.0, 0.5),
    extra=st.floats(0.001, 0.5),
    n=st.integers(1, 200),
)
def test_margin_falls_as_tariff_rises(low: float, extra: float, n: int) -> None:
    cheap, dear = (
        hiding_economics(
            building_mean_kw=100.0,
            tariff_usd_per_kwh=t,
            market=MARKET,
            n_machines=[n],
            curve=CURVE,
        ).iloc[0]
        for t in (low, low + extra)
    )
    assert dear.margin_paying_usd_per_month < cheap.margin_paying_usd_per_month
    assert dear.margin_free_power_usd_per_month == cheap.margin_free_power_usd_per_month


def test_bad_input() -> None:
    with pytest.raises(InvalidInputError, match="building_mean_kw"):
        hiding_economics(building_mean_kw=0, tariff_usd_per_kwh=0.1, market=MARKET, curve=CURVE)
    with pytest.raises(InvalidInputError, match="n_machines"):
        hiding_economics(
            building_mean_kw=10, tariff_usd_per_kwh=0.1, market=MARKET, n_machines=[0], curve=CURVE
        )
    with pytest.raises(InvalidInputError, match="btc_price_usd"):
        Market(difficulty=1e12, btc_price_usd=math.nan)
