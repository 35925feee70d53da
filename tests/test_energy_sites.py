"""Availability profiles, sites and equivalences."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hashtide.energy import (
    Constant,
    Declining,
    LimitedHours,
    Monthly,
    OffPeak,
    Site,
    coal_tce,
    mean_availability_frac,
    passenger_cars,
)
from hashtide.errors import InvalidInputError
from hashtide.units import SECONDS_PER_YEAR

T2026 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp()  # a Thursday
WEEK_S = 7 * 86_400.0


def test_off_peak_week_average() -> None:
    # Independent derivation: nights 22:00-06:00 are 8 of 24 h on 5 weekdays, plus 2 whole
    # weekend days: (5 · 8 + 2 · 24) / 168 = 88/168 = 0.5238 over any whole week.
    profile = OffPeak(night_start_h=22, night_end_h=6, weekends=True, utc_offset_h=-5)
    assert mean_availability_frac(profile, T2026, T2026 + 4 * WEEK_S, step_s=60) == pytest.approx(
        88 / 168, abs=1e-9
    )


def test_off_peak_local_time() -> None:
    # 2026-01-05 is a Monday. 03:00 UTC = 22:00 US Eastern (UTC-5) on Sunday → off-peak;
    # 17:00 UTC Monday = 12:00 local → peak.
    monday = dt.datetime(2026, 1, 5, tzinfo=dt.UTC).timestamp()
    profile = OffPeak(utc_offset_h=-5, peak_frac=0.1)
    values = profile.availability_frac(np.array([monday + 3 * 3600, monday + 17 * 3600]))
    assert values.tolist() == [1.0, 0.1]


def test_monthly_wet_season() -> None:
    # Sichuan-like hydro: wet season June-October at full output, else a fifth (a scenario
    # assumption, here only the month indexing is under test).
    fracs = (0.2,) * 5 + (1.0,) * 5 + (0.2,) * 2
    profile = Monthly(fracs=fracs)
    june = dt.datetime(2026, 6, 15, tzinfo=dt.UTC).timestamp()
    december = dt.datetime(2026, 12, 31, 23, tzinfo=dt.UTC).timestamp()
    assert profile.availability_frac(np.array([june, december])).tolist() == [1.0, 0.2]
    # Independent derivation: the year mean is (5 months · 1.0 + 7 · 0.2) weighted by days:
    # June-October have 30+31+31+30+31 = 153 days → (153 + 0.2 · 212) / 365 = 0.5353.
    mean = mean_availability_frac(profile, T2026, T2026 + 365 * 86_400.0)
    assert mean == pytest.approx((153 + 0.2 * 212) / 365, abs=1e-9)


def test_declining_flare_gas() -> None:
    # Independent derivation: one flat year then −20 %/yr: at 3 years, 0.8² = 0.64.
    profile = Declining(start_s=T2026, plateau_years=1, decline_frac_per_year=0.2)
    values = profile.availability_frac(
        np.array([T2026 - 1, T2026 + 0.5 * SECONDS_PER_YEAR, T2026 + 3 * SECONDS_PER_YEAR])
    )
    assert values == pytest.approx([0.0, 1.0, 0.64])


def test_limited_hours_is_a_mean_share() -> None:
    # 500 h of a 365.25-day year (8,766 h).
    assert LimitedHours(hours_per_year=500).availability_frac(np.zeros(2)) == pytest.approx(
        500 / 8_766
    )


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Constant(frac=1.5), "frac=1.5 must be a fraction"),
        (lambda: Monthly(fracs=(1.0,) * 11), "give 12"),
        (lambda: OffPeak(night_start_h=25), "night_start_h=25"),
        (lambda: Declining(start_s=0, decline_frac_per_year=1.0), "decline_frac_per_year"),
        (lambda: LimitedHours(hours_per_year=9_000), "hours_per_year=9000"),
    ],
)
def test_bad_profiles(make: object, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        make()  # type: ignore[operator]


def test_site_defaults_and_carbon() -> None:
    # Published: IPCC AR5 lifecycle median for gas, 490 g/kWh. A flare-gas site whose gas would
    # be burnt anyway (a scenario assumption) has its combustion counterfactual subtracted.
    site = Site(
        name="flare gas",
        fuel="gas",
        capacity_w=1e9,
        price_usd_per_kwh=0.02,
        counterfactual_g_per_kwh=400.0,
        retrofit_capex_usd_per_w=0.5,
    )
    assert site.carbon_intensity_g_per_kwh == 490.0
    assert site.net_intensity_g_per_kwh == 90.0
    assert site.it_capacity_w == pytest.approx(1e9 / 1.1)
    assert site.capex_usd == pytest.approx(5e8)


def test_site_lists_every_problem() -> None:
    with pytest.raises(InvalidInputError, match=r"capacity_w=-5.*pue=0.9"):
        Site(name="bad", fuel="coal", capacity_w=-5.0, price_usd_per_kwh=0.05, pue=0.9)
    with pytest.raises(InvalidInputError, match="did you mean 'coal'"):
        Site(name="typo", fuel="cole", capacity_w=1.0, price_usd_per_kwh=0.05)


def test_seed_claim_8_gw_is_60000_t_coal_a_day() -> None:
    # Published claim (seed 000, HKCNews 2021-06-21): "about 8 GW used for mining, equal to
    # burning 60,000 t of coal". Independent check: 8 GW × 24 h = 192 GWh; at China's 2020
    # coal-plant rate (305.5 gce/kWh, CEC) → 58,656 t of standard coal — i.e. the claim holds as
    # a per-day figure (within 3 %).
    assert coal_tce(8e6 * 24) == pytest.approx(60_000, rel=0.03)


def test_cars_equivalence() -> None:
    # Published: US EPA, 4.6 t CO2 per typical passenger vehicle per year.
    assert passenger_cars(4.6e9) == pytest.approx(1e6)


@given(st.floats(min_value=0, max_value=1), st.floats(min_value=0, max_value=1))
def test_profiles_stay_in_unit_interval(frac: float, peak: float) -> None:
    times = T2026 + np.linspace(0, 2 * SECONDS_PER_YEAR, 500)
    for profile in (
        Constant(frac=frac),
        OffPeak(peak_frac=peak),
        Declining(start_s=T2026, start_frac=frac, decline_frac_per_year=0.5),
    ):
        values = profile.availability_frac(times)
        assert np.all((values >= 0) & (values <= 1))
