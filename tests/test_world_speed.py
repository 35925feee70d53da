"""The world market's fast daily step computes what the plain rules say.

The step (``WorldMarket._advance``) steps only the vintages some compartment holds, keeps the
programs' machines apart and takes rule 1's logarithms once per cohort and day. These tests pin
each shortcut to the plain definition it replaces; ``tests/test_world_chunks.py`` checks that a
whole run still matches its regression snapshot.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hashtide.hardware import MinerModel
from hashtide.market.behaviour import electricity_cost_usd_per_th_day, running_frac
from hashtide.market.data import day_start_s
from hashtide.market.events import StateProgram
from hashtide.market.world import WorldMarket, _installed_frac, _running_frac_log
from hashtide.units import SECONDS_PER_DAY

ROOT = Path(__file__).resolve().parent.parent


def test_rule_one_from_logarithms_is_running_frac() -> None:
    # Independent derivation: running_frac (market.behaviour, the rule as documented) on the
    # same inputs; the two differ by rounding only (ln(a / b) against ln a − ln b).
    rng = np.random.default_rng(7)
    hashprice = rng.uniform(0.005, 0.2, size=(50, 1, 1))
    efficiency = rng.uniform(12.0, 120.0, size=(1, 1, 9))
    price = rng.uniform(0.01, 0.15, size=(1, 6, 1))
    spread = rng.uniform(0.2, 0.9, size=(1, 6, 1))
    pue = rng.uniform(1.02, 1.4, size=(1, 6, 1))
    expected = running_frac(hashprice, efficiency, price, spread=spread, pue=pue)
    log_cost = np.log(electricity_cost_usd_per_th_day(efficiency, 1.0, pue))
    got = _running_frac_log(np.log(hashprice), log_cost, np.log(price), spread)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    # Both tails and the middle are covered (not all saturated at 0 or 1).
    assert expected.min() < 1e-3
    assert expected.max() > 0.999
    assert ((expected > 0.05) & (expected < 0.95)).mean() > 0.3


@pytest.mark.parametrize("ramp_days", [0.0, 45.5])
def test_installed_frac_on_all_days_is_the_programs_own(ramp_days: float) -> None:
    # Independent derivation: StateProgram.installed_frac_at, day by day.
    model = MinerModel(model="test", hashrate_ths=200, power_w=3500)
    program = StateProgram(
        name="p",
        start=dt.date(2026, 6, 1),
        facility_power_w=1e9,
        machine=model,
        ramp_days=ramp_days,
    )
    days = program.start_s + SECONDS_PER_DAY * np.arange(-10.0, 80.0, 0.5)
    expected = [program.installed_frac_at(float(t)) for t in days]
    np.testing.assert_array_equal(_installed_frac(program, days), expected)


def test_the_vintage_window_holds_every_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    # A ban run (transit and covert compartments used) and a program run: on every step,
    # every compartment of every row is empty outside the window and the programs' cells,
    # so stepping the window alone is stepping everything.
    from hashtide.scenario import load_scenario
    from hashtide.scenario.build import miner_of, sites_of
    from hashtide.scenario.world import run_variant, shared_fleet

    checked = {"steps": 0, "cells": 0}
    window = WorldMarket._window

    def checked_window(self: WorldMarket, cap: Any, d: Any) -> tuple[int, int]:
        lo, hi = window(self, cap, d)
        outside = cap.copy()
        outside[:, :, lo:hi] = 0.0
        g_rows, g_cols = self._program_cells()
        outside[:, g_rows, g_cols] = 0.0
        assert not outside.any(), (lo, hi)
        checked["steps"] += 1
        checked["cells"] += int((cap[:, :, lo:hi] > 0).sum())
        return lo, hi

    monkeypatch.setattr(WorldMarket, "_window", checked_window)
    ban = load_scenario(ROOT / "scenarios/china-2021-ban.yaml")
    ban = ban.model_copy(update={"end": None, "horizon": 60 * 86_400.0, "score": None})
    fleet, _ = shared_fleet(ban)
    run = run_variant(ban, ban.variant_list()[0], fleet=fleet, model=None, sites=[], n_paths=3,
                      seed=2)  # fmt: skip
    assert run.market.transit_hs.max() > 0  # the ban moved machines
    reserve = load_scenario(ROOT / "scenarios/us-state-reserve.yaml")
    reserve = reserve.model_copy(update={"horizon": 120 * 86_400.0})
    fleet, _ = shared_fleet(reserve)
    variant = reserve.variant_list()[0]
    assert reserve.actor is not None
    model, _ = miner_of(reserve.actor)
    sites = sites_of(reserve.actor, reserve.facility_power_w(variant), day_start_s(reserve.start))
    run = run_variant(reserve, variant, fleet=fleet, model=model, sites=sites, n_paths=3, seed=2)
    assert np.nanmax(run.market.running_hs[:, :, -1]) > 0  # a program ran
    assert checked["steps"] > 100
    assert checked["cells"] > 0
