"""Long horizons: a program's machines retire by delivery day; the supply pace's long run."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from hashtide.errors import InvalidInputError
from hashtide.hardware import get_model
from hashtide.market.behaviour import BehaviourParams, EntryFit, supply_pace
from hashtide.market.events import StateProgram
from hashtide.market.world import _program_flows, fit_entry_for
from hashtide.scenario import load_scenario
from hashtide.scenario.world import shared_fleet
from hashtide.units import SECONDS_PER_DAY


def test_a_program_retires_by_delivery_day() -> None:
    """Delivered linearly over 100 days, retired over the same 100 days one lifetime later."""
    program = StateProgram(
        name="p",
        start=dt.date(2026, 6, 1),
        facility_power_w=1e9,
        machine=get_model("Antminer S21"),
        ramp_days=100.0,
        lifetime_days=300.0,
    )
    start = program.start_s
    days = start - 10 * SECONDS_PER_DAY + SECONDS_PER_DAY * np.arange(500, dtype=float)
    flows = _program_flows((program,), days, default_life_s=1e12)
    installed = np.cumsum(flows[0]) / program.hashrate_hs
    # Independent arithmetic: the share in service on day t is min(1, t/100) − min(1, (t−300)/100)
    # with t the days since the start, both clipped at 0.
    t = (days - start) / SECONDS_PER_DAY
    expected = np.clip(t / 100, 0, 1) - np.clip((t - 300) / 100, 0, 1)
    np.testing.assert_allclose(installed, expected, atol=1e-12)
    # Half retired 350 days after the start (the old rule retired everything on day 300).
    assert installed[np.flatnonzero(t == 350)[0]] == pytest.approx(0.5)
    with pytest.raises(InvalidInputError, match=r"lifetime_days=0\.0 must be"):
        StateProgram(
            name="p",
            start=dt.date(2026, 6, 1),
            facility_power_w=1e9,
            machine=get_model("Antminer S21"),
            lifetime_days=0.0,
        )


def test_supply_pace_moves_to_the_long_run_after_a_supply_window() -> None:
    fit = EntryFit(
        kappa_per_day=0.0,
        first_day_s=0.0,
        last_day_s=0.0,
        additions_hs=0.0,
        predictor_hs=0.0,
        net_growth_hs_per_day=4.0,
        long_run_growth_hs_per_day=1.0,
    )
    # A boom's pace holds for one supply window, then falls linearly to the long run.
    assert supply_pace(fit, [0.0, 100.0, 100.0 + 50.0, 200.0, 900.0], 100.0).tolist() == [
        4.0,
        4.0,
        2.5,
        1.0,
        1.0,
    ]


def test_a_2026_start_gets_a_long_run_supply_pace() -> None:
    """From June 2026 the last half-year's net growth is 0 (the network shrank), the two years'
    is not: the rest of the world can grow again after the first year."""
    spec = load_scenario("scenarios/us-state-reserve.yaml")
    fleet, begin_s = shared_fleet(spec)
    params = BehaviourParams()
    fit = fit_entry_for(fleet, begin_s, params)
    recon = fleet.reconstruction
    # Independent arithmetic on the reconstruction: 4-week means at both ends of each window.
    last = recon.running_hs[-4:].mean()

    def growth(days: int) -> float:
        k = np.flatnonzero(recon.week_s <= begin_s - days * SECONDS_PER_DAY)[-1]
        return max(0.0, float(last - recon.running_hs[k - 3 : k + 1].mean()) / days)

    assert fit.net_growth_hs_per_day == pytest.approx(growth(params.supply_days), abs=1.0)
    assert fit.net_growth_hs_per_day == 0.0
    assert fit.long_run_growth_hs_per_day == pytest.approx(growth(params.fit_days), rel=1e-9)
    # Regression snapshot (shipped chain history to May 2026): about 0.51 EH/s a day, ~19 %/year
    # of the network.
    assert fit.long_run_growth_hs_per_day == pytest.approx(0.512e18, rel=0.01)
