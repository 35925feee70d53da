"""The world-fleet model: behaviour rules, events, fleet reconstruction."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hashtide import economics
from hashtide.errors import InvalidInputError
from hashtide.hardware import get_model
from hashtide.market import (
    BehaviourParams,
    PowerCut,
    PowerPriceShock,
    RegionalBan,
    StateProgram,
    build_fleet,
    chain_history,
    electricity_cost_usd_per_th_day,
    fit_entry,
    hashprice_usd_per_th_day,
    new_machine_efficiency_j_per_th,
    new_machine_margin,
    reconstruct,
    running_frac,
)
from hashtide.market.events import check_events
from hashtide.market.regions import region_keys

# --- rule 1: run or switch off ----------------------------------------------------------------


def test_running_frac_is_half_at_the_median_break_even() -> None:
    # Independent derivation: a lognormal's median is exp(mu), so half of the miners pay less
    # than the break-even price p* = hashprice / (e · PUE · 24 h) when p* equals the median.
    # 100 J/TH, PUE 1.1, 0.05 USD/kWh: cost 100 × 1.1 × 0.024 × 0.05 = 0.132 USD/TH/day.
    assert float(running_frac(0.132, 100.0, 0.05, spread=0.6, pue=1.1)) == pytest.approx(0.5)
    # One spread above the median price: Φ(1) = 0.841344746 (standard normal table).
    hashprice = 0.132 * np.exp(0.6)
    value = float(running_frac(hashprice, 100.0, 0.05, spread=0.6, pue=1.1))
    assert value == pytest.approx(0.841344746, rel=1e-8)


@given(
    hashprice=st.floats(1e-4, 10.0),
    factor=st.floats(1.01, 10.0),
    efficiency=st.floats(5.0, 500.0),
    price=st.floats(0.005, 0.3),
)
def test_running_frac_rises_with_hashprice_and_falls_with_cost(
    hashprice: float, factor: float, efficiency: float, price: float
) -> None:
    base = float(running_frac(hashprice, efficiency, price, spread=0.6, pue=1.1))
    assert float(running_frac(hashprice * factor, efficiency, price, spread=0.6, pue=1.1)) >= base
    assert float(running_frac(hashprice, efficiency, price * factor, spread=0.6, pue=1.1)) <= base
    assert 0.0 <= base <= 1.0


def test_cost_and_hashprice_agree_with_economics() -> None:
    # Independent implementation: hashtide.economics (the S21 example of its docstring).
    cost = float(electricity_cost_usd_per_th_day(17.5, 0.05, 1.1))
    assert cost == pytest.approx(economics.power_cost_usd_per_th_day(17.5, 0.05, pue=1.1))
    ours = float(hashprice_usd_per_th_day(100e12, 100_000.0, subsidy_sat=312_500_000,
                                          fees_btc_per_block=0.1))  # fmt: skip
    theirs = economics.hashprice_usd_per_th_day(
        100e12, 100_000.0, subsidy_sat=312_500_000, fees_sat_per_block=10_000_000
    )
    assert ours == pytest.approx(theirs, rel=1e-12)


def test_new_machine_margin() -> None:
    # Independent arithmetic: revenue e² times the electricity bill → margin 2; below → 0.
    cost = float(electricity_cost_usd_per_th_day(20.0, 0.05, 1.1))
    assert float(new_machine_margin(cost * np.e**2, 20.0, 0.05, 1.1)) == pytest.approx(2.0)
    assert float(new_machine_margin(cost * 0.5, 20.0, 0.05, 1.1)) == 0.0


# --- rule 2: entry ------------------------------------------------------------------------------


def test_fit_entry_is_the_ratio_estimator() -> None:
    # Independent derivation: κ = Σ A / Σ H·m = (3 + 5) / (10·0.2 + 20·0.1) = 8 / 4 = 2.
    fit = fit_entry([0.0, 86_400.0], [3.0, 5.0], [10.0, 20.0], [0.2, 0.1])
    assert fit.kappa_per_day == pytest.approx(2.0)
    assert fit_entry([0.0], [3.0], [10.0], [0.0]).kappa_per_day == 0.0
    with pytest.raises(InvalidInputError, match="equally long"):
        fit_entry([0.0], [1.0, 2.0], [1.0], [1.0])


def test_behaviour_params_bad_input() -> None:
    with pytest.raises(InvalidInputError, match=r"scrap_days=-1") as info:
        BehaviourParams(scrap_days=-1, lag_days=2.5)  # type: ignore[arg-type]
    assert "lag_days=2.5 must be an integer >= 1" in str(info.value)


# --- hardware on sale -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # Bitmain S7 (Sep 2015), 4,000 Mhash/J → 250 J/TH: Bitcoin Wiki table (CC BY 3.0).
        (dt.date(2016, 3, 1), 250.0),
        # Catalog releases June 2020 … May 2021: M30S+ 34, M30S++ 31, A1246 38 J/TH (shipped
        # catalog, F2Pool figures): median 34. The S19 Pro (May 2020) has left the window.
        (dt.date(2021, 5, 2), 34.0),
        (dt.date(2021, 4, 30), 32.5),  # with the S19 Pro (29.5): median of four
    ],
)
def test_new_machine_efficiency(day: dt.date, expected: float) -> None:
    time_s = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC).timestamp()
    assert float(new_machine_efficiency_j_per_th(time_s)) == pytest.approx(expected, rel=1e-3)


# --- the fleet --------------------------------------------------------------------------------


def _period_start(height: int) -> float:
    history = chain_history()
    return float(history.start_s[history.row_of_height(height)])


def test_fleet_matches_the_chain_at_its_date() -> None:
    start = _period_start(681_408)  # 2021-05-01 20:27 UTC
    fleet = build_fleet(start)
    history = chain_history()
    # The previous period (679,392 … 681,407) implies D · 2^32 · 2016 / duration.
    previous = history.row_of_height(679_392)
    assert fleet.running_hs == pytest.approx(float(history.hashrate_hs[previous]), rel=1e-12)
    assert float(fleet.running_by_region_hs().sum()) == pytest.approx(fleet.running_hs, rel=1e-9)
    shares = fleet.running_by_region_hs() / fleet.running_hs
    # Each region runs its share of April 2021's map (China 46 %, US 16.8 %: JBS 2021-10-13).
    china = sum(s for k, s in zip(fleet.region_keys, shares, strict=True) if k.startswith("china"))
    assert china == pytest.approx(0.46, abs=1e-6)
    assert not fleet.notes
    assert np.all(fleet.capacity_hs >= 0)


def test_reconstruction_tracks_the_chain_and_keeps_to_the_lifetime() -> None:
    until = _period_start(681_408)
    params = BehaviourParams()
    recon = reconstruct(until, params=params)
    # By construction the fleet's running hashrate meets the chain's each week; the surviving
    # vintages are younger than the lifetime (5 years, CBECI).
    assert recon.week_s[-1] < until
    assert np.all(recon.vintage_capacity_hs > 0)
    age_years = (until - recon.vintage_deployed_s) / (365.25 * 86_400)
    assert age_years.max() < params.lifetime_years + 0.02


def test_a_known_power_cut_idles_machines_in_the_reconstruction() -> None:
    # April 2021's Xinjiang blackout (16 April, 7 days, 53 % of the coal provinces' machines
    # available: the china-2021-ban scenario's event, CoinDesk 2021-04-16). Period 679,392
    # (about 17 April - 1 May) ran at 147 EH/s against 169 EH/s before and 179 EH/s after.
    blackout = PowerCut(
        name="Xinjiang's safety blackout",
        regions=("china_coal",),
        start=dt.date(2021, 4, 16),
        days=7.0,
        available_frac=0.53,
    )
    until = dt.datetime(2021, 5, 14, tzinfo=dt.UTC).timestamp()  # period 681,408 complete
    plain = reconstruct(until)
    idled = reconstruct(until, events=(blackout,))
    history = chain_history()
    dip = history.row_of_height(679_392)
    weeks = history.index_at(plain.week_s) == dip
    # Without the event the dip is read as machines gone: the recovery re-buys them.
    assert plain.running_hs[weeks] == pytest.approx(history.hashrate_hs[dip], rel=1e-12)
    # With it the period's hashrate is divided by the share the cut left running over the
    # period (hourly; independent bound: 7 of the period's ~14 days at 1 - 0.438 × 0.47 =
    # 0.79 of the network gives 0.90, the period's length and the map's share move it a little).
    factor = history.hashrate_hs[dip] / idled.running_hs[weeks]
    assert np.all((factor > 0.85) & (factor < 0.95))
    # The machines bought in the week the chain recovered: fewer than half as many (regression
    # snapshot: 26.0 -> 10.9 EH/s).
    assert idled.added_hs[-1] < 0.5 * plain.added_hs[-1]
    # A cut that began after the fleet's date is not known then: nothing changes.
    later = PowerCut(
        name="later", regions=("china_coal",), start=dt.date(2021, 6, 1), days=7.0,
        available_frac=0.5,
    )  # fmt: skip
    np.testing.assert_array_equal(reconstruct(until, events=(later,)).added_hs, plain.added_hs)


def test_fleet_power_2024_against_ccaf() -> None:
    # Published: CCAF (2025) put Bitcoin's 2024 electricity use at 138 TWh (REFERENCES.md §8).
    # Four fleets (Jan, Apr, Jul, Oct 2024) at their facility power, averaged over the year.
    # Tolerance 15 %: the catalog lacks the 2023-24 S19k Pro/S21 releases, so new machines
    # look a little more efficient than they were.
    powers = []
    for height in (824_544, 838_656, 850_752, 864_864):
        fleet = build_fleet(_period_start(height))
        powers.append(fleet.power_w())
    twh = np.mean(powers) * 8766 / 1e12
    assert twh == pytest.approx(138.0, rel=0.15)
    # Regression snapshot (deterministic; catalog and chain history as shipped): 130.114 TWh.
    assert twh == pytest.approx(130.113_944_66, rel=1e-8)


def test_build_fleet_bad_input() -> None:
    with pytest.raises(InvalidInputError, match=r"from 2012-03-12 on .* 2012-01-20 is earlier"):
        build_fleet(dt.datetime(2012, 1, 20, tzinfo=dt.UTC).timestamp())
    with pytest.raises(InvalidInputError, match="shares name"):
        build_fleet(_period_start(681_408), shares={"other": 1.0})


def test_the_scenario_schema_knows_the_first_market_start() -> None:
    # The file schema spells the first start out (reading a file must not load the market).
    from hashtide.scenario.world_schema import EARLIEST_MARKET_START

    first_s = dt.datetime.combine(EARLIEST_MARKET_START, dt.time(), tzinfo=dt.UTC).timestamp()
    assert reconstruct(first_s).vintage_deployed_s.size > 0
    with pytest.raises(InvalidInputError, match=f"only from {EARLIEST_MARKET_START} on"):
        reconstruct(first_s - 1.0)


# --- events -------------------------------------------------------------------------------------


def test_ban_shares_must_add_up() -> None:
    with pytest.raises(InvalidInputError, match="they must add up to 1") as info:
        RegionalBan(
            name="b",
            regions=("china_coal",),
            start=dt.date(2021, 6, 9),
            stop_frac=0.5,
            relocate_frac=0.3,
            relocate_to={"united_states": 0.9, "china_coal": 0.1},
        )
    message = str(info.value)
    assert "relocate_to shares add up to 1" not in message  # 0.9 + 0.1 = 1
    assert "relocate_to names banned regions ['china_coal']" in message
    with pytest.raises(InvalidInputError, match="covert_resume 2021-06-01 is before start"):
        RegionalBan(name="b", regions=("iran",), start=dt.date(2021, 6, 9), stop_frac=0.5,
                    covert_frac=0.5, covert_resume=dt.date(2021, 6, 1))  # fmt: skip


def test_events_name_known_regions() -> None:
    events = (
        PowerCut(name="cut", regions=("irann",), start=dt.date(2021, 5, 26), days=10),
        PowerCut(name="cut", regions=("iran",), start=dt.date(2021, 5, 26), days=10),
    )
    with pytest.raises(InvalidInputError, match=r"unknown regions \['irann'\]") as info:
        check_events(events, region_keys())
    assert "repeated: ['cut']" in str(info.value)


def test_power_price_shock_ramps() -> None:
    shock = PowerPriceShock(name="s", regions=("kazakhstan",), start=dt.date(2022, 1, 1),
                            factor=3.0, ramp_days=10, end=dt.date(2022, 3, 1))  # fmt: skip
    start = dt.datetime(2022, 1, 1, tzinfo=dt.UTC).timestamp()
    # Independent arithmetic: half-way through a 10-day ramp from 1 to 3 is 2.
    assert shock.factor_at(start - 1) == 1.0
    assert shock.factor_at(start + 5 * 86_400) == pytest.approx(2.0)
    assert shock.factor_at(start + 30 * 86_400) == 3.0
    assert shock.factor_at(dt.datetime(2022, 3, 1, tzinfo=dt.UTC).timestamp()) == 1.0
    with pytest.raises(InvalidInputError, match="end 2021-12-01 must be after start"):
        PowerPriceShock(name="s", regions=("iran",), start=dt.date(2022, 1, 1), factor=2.0,
                        end=dt.date(2021, 12, 1))  # fmt: skip


def test_state_program_machines() -> None:
    # Published: REFERENCES.md §5 table, 5 GW at PUE 1.1 of S21 (3,500 W, 200 TH/s):
    # 1.30 M machines, 259.7 EH/s.
    program = StateProgram(name="p", start=dt.date(2026, 6, 1), facility_power_w=5e9,
                           machine=get_model("Antminer S21"), pue=1.1)  # fmt: skip
    assert program.machines == 1_298_701
    assert program.hashrate_hs == pytest.approx(259.74e18, rel=1e-4)
    with pytest.raises(InvalidInputError, match="facility_power_w=0 must be"):
        StateProgram(name="p", start=dt.date(2026, 6, 1), facility_power_w=0,
                     machine=get_model("Antminer S21"))  # fmt: skip


def test_a_cut_that_stops_every_machine_for_a_whole_period_is_refused() -> None:
    # The reconstruction divides each period's hashrate by the share the cuts left running; a
    # cut with nothing available in every region over a whole retarget period makes it 0
    # (an infinite fleet): refused, naming the cut.
    from hashtide.market.regions import DEFAULT_REGIONS

    dark = PowerCut(
        name="world blackout",
        regions=tuple(r.key for r in DEFAULT_REGIONS),
        start=dt.date(2021, 4, 1),
        days=40.0,
        available_frac=0.0,
    )
    until = dt.datetime(2021, 5, 14, tzinfo=dt.UTC).timestamp()
    with pytest.raises(InvalidInputError, match="world blackout"):
        reconstruct(until, events=(dark,))
    # The same cut in one region only leaves the rest running: a finite fleet.
    local = dataclasses.replace(dark, regions=("china_coal",))
    assert np.isfinite(reconstruct(until, events=(local,)).running_hs).all()
