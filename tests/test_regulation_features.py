"""Load-profile features on series whose answer is known by construction."""

from __future__ import annotations

import numpy as np
import pytest

from hashtide.hardware import catalog
from hashtide.regulation import compute_features, meter_from_array
from hashtide.regulation.features import smallest_asic_kw

DAYS = 28
HOURS = np.arange(DAYS * 24)
# 2024-03-04 is a Monday; hour h of the series is local hour h % 24 (UTC clock).
START = "2024-03-04"


def _office(base: float = 40.0, peak: float = 100.0) -> np.ndarray:
    """Base load at all hours, plus ``peak`` on weekdays 09–17 (independent construction)."""
    day = HOURS // 24
    hour = HOURS % 24
    weekday = (day % 7) < 5
    return base + peak * (weekday & (hour >= 9) & (hour < 17))


def test_step_of_a_constant_block_is_found_exactly() -> None:
    # By construction: +30 kW from day 14, 09:00 (a Monday), at every hour.
    load = _office() + np.where(HOURS >= 14 * 24 + 9, 30.0, 0.0)
    f = compute_features(meter_from_array(load, start=START))
    assert f.step_day == 14
    assert f.step_time == "2024-03-18"
    assert f.step_kw == pytest.approx(30.0, abs=1e-9)
    # The floor before is 40 kW; the mean before is (40·168 + 100·40)/168 = 63.81 kW.
    assert f.step_share == pytest.approx(30.0 / (40 + 100 * 40 / 168), rel=1e-9)
    assert f.step_persistence == 1.0
    assert f.step_sharpness == pytest.approx(1.0, abs=1e-9)  # switched on within the hour
    assert f.step_floor_scatter_ratio == pytest.approx(1.0)  # no added scatter
    assert f.level_shifts == 1  # the switch-on is the one day-to-day jump of the floor


@pytest.mark.parametrize("day", [4, 14, 22, 25])
@pytest.mark.parametrize("hour", [0, 9, 21])
def test_a_step_is_placed_on_the_day_it_happens(day: int, hour: int) -> None:
    # By construction: +30 kW from `day` at `hour`, also 3 days before the end of the series
    # (issue #15: a late switch-on used to be placed one or two days early, because the medians
    # ignore the few days on the wrong side of a split and the t statistic favours early splits).
    rng = np.random.default_rng(day * 24 + hour)
    hours = HOURS
    load = _office() + rng.normal(0, 1.0, HOURS.size) + np.where(hours >= day * 24 + hour, 30, 0)
    f = compute_features(meter_from_array(load, start=START))
    assert f.step_day == day
    assert f.step_kw == pytest.approx(30.0, abs=1.5)  # the floor's noise is 1 kW per hour


def test_a_constant_block_is_uniform_and_a_daytime_one_is_not() -> None:
    rng = np.random.default_rng(5)
    noise = rng.normal(0, 2.0, HOURS.size)
    flat = _office() + noise + np.where(HOURS >= 14 * 24, 30.0, 0.0)
    daytime = (
        _office()
        + noise
        + np.where(HOURS >= 14 * 24, 10.0 + 40.0 * (HOURS % 24 >= 9) * (HOURS % 24 < 17), 0.0)
    )
    f_flat = compute_features(meter_from_array(flat, start=START))
    f_day = compute_features(meter_from_array(daytime, start=START))
    # χ²/ν ≈ 1 when the same block is added to every hour (noise only); ≫ 1 when it is not.
    assert f_flat.step_uniformity_chi2 < 3
    assert f_day.step_uniformity_chi2 > 30
    # Independent derivation: a constant block raises mean and peak as much as the floor.
    assert f_flat.step_mean_ratio == pytest.approx(1.0, abs=0.2)
    assert f_day.step_mean_ratio > 1.5


def test_a_gradual_rise_is_not_sharp() -> None:
    ramp = np.clip((HOURS - 10 * 24) / (8 * 24), 0, 1) * 30.0  # 30 kW over 8 days
    f = compute_features(meter_from_array(_office() + ramp, start=START))
    assert f.step_sharpness < 0.3


def test_no_step_in_a_steady_building() -> None:
    rng = np.random.default_rng(1)
    load = _office() + rng.normal(0, 1.0, HOURS.size)
    f = compute_features(meter_from_array(load, start=START))
    assert f.step_share < 0.05 or f.step_day == 0


def test_a_rise_smaller_than_any_asic_is_not_a_step() -> None:
    # The smallest catalog machine, less 5 %: a 0.5 kW rise cannot be one machine.
    assert smallest_asic_kw() == pytest.approx(catalog()["power_w"].min() * 0.95 / 1e3)
    load = 2.0 + np.where(HOURS >= 14 * 24, 0.5, 0.0)
    f = compute_features(meter_from_array(load, start=START))
    assert f.step_day == 0
    assert f.step_kw == 0.0


def test_shape_features_of_a_known_office() -> None:
    f = compute_features(meter_from_array(_office(), start=START))
    # By construction: floor 40, weekday day-hours 140; 4 weekend days of 28.
    assert f.floor_kw == pytest.approx(40.0)
    assert f.night_day_ratio == pytest.approx(40 / 140)
    weekday_mean = 40 + 100 * 8 / 24
    assert f.weekend_ratio == pytest.approx(40 / weekday_mean)
    assert f.load_factor == pytest.approx(f.mean_kw / 140)
    assert f.daily_periodicity + f.weekly_periodicity == pytest.approx(1.0)  # no noise


def test_price_response_sign() -> None:
    rng = np.random.default_rng(2)
    price = 0.1 + 0.05 * rng.random(HOURS.size)
    dear = price > np.quantile(price, 0.9)
    load = 50 + np.where(dear, 0.0, 20.0)  # a curtailing miner: off when power is dear
    meter = meter_from_array(load, start=START, exogenous={"price_usd_per_kwh": price})
    f = compute_features(meter)
    assert f.price_response_share is not None
    assert f.price_response_share < -0.2
    assert f.price_response_kw_per_usd_per_kwh is not None
    assert f.price_response_kw_per_usd_per_kwh < 0


def test_subhourly_variability_only_for_subhourly_data() -> None:
    hourly = compute_features(meter_from_array(_office(), start=START))
    assert hourly.subhourly_cv is None
    quarter = np.repeat(_office(), 4).astype(float)
    quarter[1::4] += 8.0  # a swing inside every hour
    f = compute_features(meter_from_array(quarter, start=START, interval_s=900))
    assert f.subhourly_cv is not None
    assert f.subhourly_cv > 0.01
    assert f.interval_s == 900
