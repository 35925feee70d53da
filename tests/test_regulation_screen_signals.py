"""Year-scale signals of the population screen, on loads built by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hashtide.regulation import meter_from_array
from hashtide.regulation.features import _daily, _day_matrix
from hashtide.regulation.screen_signals import (
    AUTUMN_DAYS,
    DAY_HOURS,
    SPRING_DAYS,
    clock_consistency,
    common_day_of_year,
    flatness,
    lasting_steps,
    night_block,
    night_levels,
    night_offs,
    pulses,
)

DAYS = 26 * 7
HOURS = pd.date_range("2024-01-01", periods=DAYS * 24, freq="h", tz="UTC")  # a Monday


def _matrix(load: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    matrix, weekday, _ = _day_matrix(meter_from_array(load, start=HOURS[0]))
    return matrix, weekday


def _office(rng: np.random.Generator) -> np.ndarray:
    hour = HOURS.hour.to_numpy()
    workday = HOURS.day_of_week.to_numpy() < 5
    return 100.0 + 60.0 * ((hour >= 8) & (hour < 18) & workday) + rng.normal(0, 2, HOURS.size)


def test_a_night_block_jumps_by_its_size_every_day() -> None:
    # By construction: 25 kW from 00:00 to 07:00 every night on an office with 2 kW noise. The
    # jump at 00:00 is 25 kW on every day; the mean is 100 + 60·10/24·5/7 + 25·7/24.
    rng = np.random.default_rng(3)
    load = _office(rng) + 25.0 * (HOURS.hour.to_numpy() < 7)
    mean = float(load.mean())
    out = clock_consistency(*_matrix(load), mean)
    assert out["dclock_share"] == pytest.approx(25.0 / mean, rel=0.05)
    assert out["dclock_cons"] > 0.95
    plain = _office(rng)
    assert clock_consistency(*_matrix(plain), float(plain.mean()))["dclock_share"] < 0.05


def test_nights_switched_off_are_dips_of_the_block() -> None:
    # By construction: a 30 kW block off all night on every 5th day; the office alone has
    # night-to-night scatter of 2 kW / sqrt(6) ≈ 0.8 kW, far below 4σ of 30 kW.
    rng = np.random.default_rng(5)
    day = np.arange(HOURS.size) // 24
    load = _office(rng) + 30.0 * (day % 5 != 2)
    mean = float(load.mean())
    out = night_levels(_matrix(load)[0], mean)
    assert out["night_dip_frac"] == pytest.approx(np.mean(np.arange(DAYS) % 5 == 2), abs=0.02)
    assert out["night_dip_share"] == pytest.approx(30.0 / mean, rel=0.05)
    assert night_levels(_matrix(_office(rng))[0], mean)["night_dip_frac"] < 0.01


def test_a_block_switched_on_is_a_uniform_night_step() -> None:
    # By construction: 40 kW switched on at 03:00 on day 90 adds 40 kW by night and by day.
    rng = np.random.default_rng(8)
    load = _office(rng)
    on = np.arange(HOURS.size) >= 90 * 24 + 3
    stepped = load + 40.0 * on
    out = night_levels(_matrix(stepped)[0], float(stepped.mean()))
    assert out["nstep_share"] == pytest.approx(40.0 / stepped.mean(), rel=0.05)
    assert out["nstep_t"] > 10
    # The same rise in the daytime hours only is a building's change, not a block.
    daytime = load + 40.0 * on * (HOURS.hour.to_numpy() >= 8)
    assert night_levels(_matrix(daytime)[0], float(daytime.mean()))["nstep_t"] < 5


def test_flatness_of_a_load_with_a_block() -> None:
    # By construction: a load alternating 50 and 150 kW by the hour has a 1 % quantile of 50
    # and a mean of 100; a 100 kW block raises the ratio to 150/200.
    load = np.where(np.arange(HOURS.size) % 2 == 0, 50.0, 150.0)
    matrix = _matrix(load)[0]
    assert flatness(matrix, _daily(matrix, 0.10), 100.0)["min_ratio"] == pytest.approx(0.5)
    matrix = _matrix(load + 100.0)[0]
    out = flatness(matrix, _daily(matrix, 0.10), 200.0)
    assert out["min_ratio"] == pytest.approx(0.75)
    assert out["month_floor_ratio"] == pytest.approx(1.0)


def test_a_night_block_is_many_scatters_above_the_night_to_night_jump() -> None:
    # By construction: 25 kW from 00:00 to 07:00 every night on an office whose hourly noise is
    # 2 kW: the jump into 00:00 is 25 kW with a scatter of 2·√2 ≈ 2.8 kW (snr ≈ 9), the same
    # in every month and on every weekday. The office alone has no repeated positive jump at a
    # quiet hour (its median jumps are 0: snr near 0).
    rng = np.random.default_rng(3)
    load = _office(rng) + 25.0 * (HOURS.hour.to_numpy() < 7)
    mean = float(load.mean())
    matrix, weekday = _matrix(load)
    out = night_block(matrix, weekday, mean)
    assert out["nblock_hour"] == 0
    assert out["nblock_share"] == pytest.approx(25.0 / mean, rel=0.05)
    assert out["nblock_snr"] == pytest.approx(25.0 / (2.0 * np.sqrt(2)), rel=0.15)
    assert out["nblock_month_cons"] > 0.9
    assert out["nblock_week_cons"] > 0.9
    # It goes off at 07:00, 7 hours later: on weekends the office does not rise then, so the
    # drop is 25 kW with the same scatter.
    assert out["nblock_off_snr"] == pytest.approx(25.0 / (2.0 * np.sqrt(2)), rel=0.15)
    assert out["nblock_box"] == pytest.approx(min(out["nblock_snr"], out["nblock_off_snr"]))
    plain = _office(rng)
    assert night_block(*_matrix(plain), float(plain.mean()))["nblock_box"] < 1.0
    # Plant switched on at 05:00 that runs until 20:00 (15 hours: no night window) jumps as
    # much every morning but is no night block.
    hour = HOURS.hour.to_numpy()
    early = _office(rng) + 25.0 * ((hour >= 5) & (hour < 20))
    out = night_block(*_matrix(early), float(early.mean()))
    assert out["nblock_box"] < 1.0


def test_a_fleet_switched_off_makes_square_pulses_of_one_height() -> None:
    # By construction: a 30 kW block off from 18:00 for 10 hours on about 1 day a week drawn
    # at random (a regular weekly schedule would be the building's own: the baseline is the
    # same weekday's days around; at 1 day in 7, most of the 6 days it is the median of are
    # on) on an office with 2 kW noise: every pulse is 30 kW down and 30 kW back up, so the
    # most repeated height is 30 kW and nearly every pulse has it, about once a week.
    rng = np.random.default_rng(11)
    days = np.flatnonzero(rng.random(DAYS) < 1 / 7)
    off = np.zeros(HOURS.size, dtype=bool)
    for day in days:
        off[day * 24 + 18 : day * 24 + 28] = True
    load = _office(rng) + 30.0 * ~off
    mean = float(load.mean())
    out = pulses(_matrix(load)[0], mean)
    assert out["pulse_share"] == pytest.approx(30.0 / mean, rel=0.1)
    assert out["pulse_mode_rate"] == pytest.approx(7 * days.size / DAYS, rel=0.25)
    assert out["pulse_cons"] > 0.8
    # The nights covered (00:00–04:00 after each such evening) are pulled down by 30 kW over
    # 4 of the 6 night hours: 20 kW on the night level.
    nights = night_offs(_matrix(load)[0], mean)
    assert nights["noff_frac"] == pytest.approx(days.size / DAYS, abs=0.08)
    assert nights["noff_share"] == pytest.approx(20.0 / mean, rel=0.1)
    plain = _office(rng)
    assert pulses(_matrix(plain)[0], float(plain.mean()))["pulse_mode_rate"] < 0.3
    assert night_offs(_matrix(plain)[0], float(plain.mean()))["noff_frac"] < 0.03


YEAR = pd.date_range("2023-01-01", periods=365 * 24, freq="h", tz="UTC")


def _year_office(rng: np.random.Generator) -> np.ndarray:
    hour = YEAR.hour.to_numpy()
    workday = YEAR.day_of_week.to_numpy() < 5
    return 100.0 + 60.0 * ((hour >= 8) & (hour < 18) & workday) + rng.normal(0, 2, YEAR.size)


def _lasting(load: np.ndarray) -> dict[str, float]:
    matrix, _, first = _day_matrix(meter_from_array(load, start=YEAR[0]))
    daytime = np.nanmean(matrix[:, list(DAY_HOURS)], axis=1)
    doy = common_day_of_year(first + pd.to_timedelta(np.arange(matrix.shape[0]), unit="D"))
    return lasting_steps(_daily(matrix, 0.10), daytime, doy, float(load.mean()))


def test_a_block_switched_on_for_good_is_a_lasting_step() -> None:
    # By construction: 40 kW on at 03:00 on day 150 and on to the end of the year; the floor
    # (10 % quantile of a day) rises by 40 kW at every hour, and its day-to-day scatter is
    # that of 2 kW hourly noise's 10 % quantile, well under 1 kW, so t > 40.
    rng = np.random.default_rng(11)
    load = _year_office(rng) + 40.0 * (np.arange(YEAR.size) >= 150 * 24 + 3)
    out = _lasting(load)
    assert out["lstep_share"] == pytest.approx(40.0 / load.mean(), rel=0.05)
    assert out["lstep_t"] > 40
    assert out["season_box"] == 0.0  # no fall in spring
    plain = _year_office(rng)
    assert _lasting(plain)["lstep_share"] < 0.02


def test_a_step_that_ends_or_misses_the_day_is_not_lasting() -> None:
    # By construction: the same 40 kW block for eight weeks only (a term, a hot spell), and
    # one on for good at night alone (00:00–06:00; the daytime level does not move): neither
    # is the lasting all-hours block of a fleet.
    rng = np.random.default_rng(12)
    index = np.arange(YEAR.size)
    term = _year_office(rng) + 40.0 * ((index >= 150 * 24) & (index < 206 * 24))
    assert _lasting(term)["lstep_share"] < 0.05
    night = _year_office(rng) + 40.0 * ((index >= 150 * 24) & (YEAR.hour.to_numpy() < 6))
    assert _lasting(night)["lstep_share"] < 0.05


def test_a_winter_block_falls_in_spring_and_rises_in_autumn() -> None:
    # By construction: 30 kW from 1 January to 31 March (day of year 90) and again from 1
    # November (day 305); the heating-like alternative is a smooth swing of the same size
    # (a cosine over the year), which is never sharp within three days.
    rng = np.random.default_rng(13)
    doy = YEAR.day_of_year.to_numpy()
    block = _year_office(rng) + 30.0 * ((doy <= 90) | (doy >= 305))
    out = _lasting(block)
    assert out["season_share"] == pytest.approx(30.0 / block.mean(), rel=0.05)
    assert out["season_box"] > 30
    smooth = _year_office(rng) + 15.0 * (1 + np.cos(2 * np.pi * (doy - 15) / 365))
    assert _lasting(smooth)["season_box"] == 0.0


def test_the_seasons_windows_are_the_same_calendar_days_in_a_leap_year() -> None:
    # By the calendar: SPRING_DAYS and AUTUMN_DAYS are 1 February – 31 May and 1 September –
    # 31 December of a common year (2023); in the leap year 2024 the same dates get the same
    # numbers (29 February shares 1 March's 60), so a winter block is judged alike.
    edges = ["02-01", "05-31", "09-01", "12-31"]
    expected = [SPRING_DAYS[0], SPRING_DAYS[1], AUTUMN_DAYS[0], 365]
    for year in (2023, 2024):
        dates = pd.DatetimeIndex([f"{year}-{d}" for d in edges])
        assert common_day_of_year(dates).tolist() == expected, year
    leap = pd.DatetimeIndex(["2024-02-28", "2024-02-29", "2024-03-01"])
    assert common_day_of_year(leap).tolist() == [59, 60, 60]


def test_an_eight_week_history_gets_shorter_windows() -> None:
    # By construction: 8 weeks (56 days < 12 weeks) with 40 kW switched on for good on day 30;
    # windows of 56 // 3 = 18 days fit on both sides, so the step is found at its size. Four-
    # week windows would need 63 days and find nothing.
    rng = np.random.default_rng(14)
    load = _year_office(rng)[: 56 * 24] + 40.0 * (np.arange(56 * 24) >= 30 * 24 + 3)
    out = _lasting(load)
    assert out["lstep_share"] == pytest.approx(40.0 / load.mean(), rel=0.05)
    assert out["lstep_t"] > 20
