"""Mining economics against hand-worked examples and published hashprice figures."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hashtide.economics import (
    break_even_btc_price_usd,
    break_even_power_price_usd_per_kwh,
    expected_blocks_per_day,
    hashprice_usd_per_th_day,
    irr,
    npv_usd,
    payback_years,
    power_cost_usd_per_th_day,
)
from hashtide.errors import InvalidInputError


def test_hashprice_hand_worked() -> None:
    # Independent derivation, by hand: at D = 1e14 one block takes 1e14 · 4,294,967,296 =
    # 4.294967296e23 hashes; 1 TH/s does 8.64e16 hashes a day → 2.0116568e-7 blocks/day;
    # × 3.125 BTC = 6.2864274e-7 BTC × 100,000 USD = 0.062864274 USD/TH/day.
    value = hashprice_usd_per_th_day(1e14, 100_000.0, subsidy_sat=312_500_000)
    assert value == pytest.approx(0.062864274, rel=1e-6)
    with_fees = hashprice_usd_per_th_day(
        1e14, 100_000.0, subsidy_sat=312_500_000, fees_sat_per_block=12_500_000
    )
    assert with_fees == pytest.approx(0.062864274 * 3.25 / 3.125, rel=1e-6)


def test_hashprice_record_low_november_2025() -> None:
    # Published: Hashrate Index hashprice fell below ~35 USD/PH/day on 21 Nov 2025 (REFERENCES.md
    # §6, via dailycrypto.network). Inputs: difficulty 152,271,405,447,597 (the chain's, also in
    # mempool.space's daily series), BTC close 85,090.69 USD (Yahoo, 2025-11-21), subsidy 3.125
    # BTC, fees ≈ 0.02 BTC/block. The day's price range 80,660-87,381 USD alone spans
    # 33.3-36.1 USD/PH/day, hence the tolerance.
    per_ph = 1_000 * hashprice_usd_per_th_day(
        152_271_405_447_597.0, 85_090.69, subsidy_sat=312_500_000, fees_sat_per_block=2_000_000
    )
    assert per_ph == pytest.approx(35.0, abs=1.5)


def test_expected_blocks_per_day_for_the_whole_network() -> None:
    # Independent derivation: a miner holding exactly the hashrate that difficulty targets
    # (H = D · 2^32 / 600 s) finds 144 blocks a day.
    difficulty = 1.2e14
    assert expected_blocks_per_day(difficulty * 2**32 / 600, difficulty) == pytest.approx(144.0)


def test_power_cost_and_break_even_hand_worked() -> None:
    # Independent derivation: S21, 17.5 J/TH → 17.5 W per TH/s; × PUE 1.1 = 19.25 W
    # = 0.462 kWh/day; × 0.05 USD/kWh = 0.0231 USD/TH/day.
    assert power_cost_usd_per_th_day(17.5, 0.05, pue=1.1) == pytest.approx(0.0231, rel=1e-12)
    # Break-even power price for a hashprice of 0.0462 USD/TH/day: 0.0462 / 0.462 = 0.10 USD/kWh.
    assert break_even_power_price_usd_per_kwh(0.0462, 17.5, pue=1.1) == pytest.approx(0.10)


def test_functions_broadcast_over_arrays() -> None:
    difficulties = np.array([1e14, 2e14])
    values = hashprice_usd_per_th_day(difficulties, 100_000.0, subsidy_sat=312_500_000)
    assert values.shape == (2,)
    assert values[0] == pytest.approx(2 * values[1])


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: hashprice_usd_per_th_day(-1.0, 1.0, subsidy_sat=1), "difficulty=-1.0"),
        (lambda: hashprice_usd_per_th_day(1.0, float("nan"), subsidy_sat=1), "btc_price_usd"),
        (lambda: power_cost_usd_per_th_day(0.0, 0.05), "efficiency_j_per_th=0.0"),
        (lambda: power_cost_usd_per_th_day(17.5, 0.05, pue=0.0), "pue=0.0"),
    ],
)
def test_bad_parameters_are_named(call: object, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        call()  # type: ignore[operator]


def test_npv_irr_payback_hand_worked() -> None:
    # Independent derivation: −1,000 now, +600 at 1 and 2 years. NPV at 10 %:
    # −1000 + 545.4545 + 495.8678 = 41.3223. IRR solves 600/(1+r) + 600/(1+r)^2 = 1000:
    # with x = 1/(1+r), 600x² + 600x − 1000 = 0 → x = 0.884805 → r = 0.130662.
    flows, times = [-1_000.0, 600.0, 600.0], [0.0, 1.0, 2.0]
    assert npv_usd(flows, times, discount_rate=0.10) == pytest.approx(41.322314, rel=1e-7)
    rate = irr(flows, times)
    assert rate is not None
    assert rate == pytest.approx(0.1306623863, rel=1e-8)
    # Payback: −1000 + 600 = −400 after 1 year; 400/600 of the second year → 1.6667 years.
    assert payback_years(flows, times) == pytest.approx(1 + 400 / 600)


def test_irr_and_payback_undefined() -> None:
    assert irr([-100.0, -10.0], [0.0, 1.0]) is None
    assert payback_years([-100.0, 10.0, 10.0], [0.0, 1.0, 2.0]) is None


def test_break_even_btc_price_hand_worked() -> None:
    # Independent derivation: costs 1,000 then 500, BTC 0.01 then 0.02, no discounting:
    # 1,500 USD / 0.03 BTC = 50,000 USD/BTC. At 10 %: (1000 + 500/1.1) / (0.01 + 0.02/1.1).
    assert break_even_btc_price_usd([1_000.0, 500.0], [0.01, 0.02], [0.0, 1.0]) == 50_000.0
    expected = (1_000 + 500 / 1.1) / (0.01 + 0.02 / 1.1)
    assert break_even_btc_price_usd(
        [1_000.0, 500.0], [0.01, 0.02], [0.0, 1.0], discount_rate=0.1
    ) == pytest.approx(expected)
    with pytest.raises(InvalidInputError, match="no BTC is mined"):
        break_even_btc_price_usd([1.0], [0.0], [0.0])


def test_cash_flow_shapes_are_checked() -> None:
    with pytest.raises(InvalidInputError, match="same length"):
        npv_usd([1.0, 2.0], [0.0], discount_rate=0.1)
    with pytest.raises(InvalidInputError, match="non-decreasing"):
        npv_usd([1.0, 2.0], [1.0, 0.0], discount_rate=0.1)


@given(
    st.floats(min_value=0.001, max_value=0.5),
    st.floats(min_value=0.001, max_value=0.5),
    st.floats(min_value=5.0, max_value=100.0),
)
def test_cost_rises_with_power_price(low: float, high: float, efficiency: float) -> None:
    # Property (STYLE.md): cost rises with power price.
    lo, hi = sorted((low, high))
    assert power_cost_usd_per_th_day(efficiency, lo) <= power_cost_usd_per_th_day(efficiency, hi)


@given(st.floats(min_value=0.0, max_value=1.0), st.floats(min_value=0.01, max_value=0.5))
def test_npv_falls_with_discount_rate(rate_a: float, spread: float) -> None:
    # Property: for an investment (outflow first, inflows later) NPV falls as the rate rises.
    flows, times = [-1_000.0, 400.0, 400.0, 400.0], [0.0, 1.0, 2.0, 3.0]
    assert npv_usd(flows, times, discount_rate=rate_a) > npv_usd(
        flows, times, discount_rate=rate_a + spread
    )
