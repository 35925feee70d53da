"""World-market runs: the speed work changes no result; chunks of paths change nothing."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from world_snapshot import PATH, snapshot


def _close(new: Any, old: Any, where: str) -> None:
    if isinstance(old, dict):
        assert set(new) == set(old), where
        for key in old:
            _close(new[key], old[key], f"{where}.{key}")
    elif "bits" in where or "blocks" in where:
        assert new == old, where
    else:
        # Summed in another order, floats may differ in the last bits only.
        np.testing.assert_allclose(np.asarray(new), np.asarray(old), rtol=1e-9, err_msg=where)


def test_world_runs_match_their_regression_snapshot() -> None:
    # Regression snapshot (tests/world_snapshot.py). Taken before the world runner was made
    # fast; the speed changes left it bit-identical; rewritten once when runs moved to one
    # random stream per block of paths (SEED_BLOCK_PATHS), which changes which numbers a
    # seed draws. A speed change that moves any figure fails here.
    _close(snapshot(), json.loads(PATH.read_text()), "snapshot")


def _ban_run(**chunking: int) -> Any:
    from hashtide.scenario import load_scenario
    from hashtide.scenario.world import run_variant, shared_fleet

    spec = load_scenario(Path(__file__).resolve().parent.parent / "scenarios/china-2021-ban.yaml")
    spec = spec.model_copy(update={"end": None, "horizon": 75 * 86_400.0, "score": None})
    fleet, _ = shared_fleet(spec)
    return run_variant(
        spec, spec.variant_list()[0], fleet=fleet, model=None, sites=[], n_paths=8, seed=4,
        **chunking,
    )  # fmt: skip


def test_chunks_of_paths_give_identical_arrays() -> None:
    # Each path has its own random streams (block_paths=1), so running the 8 paths one by
    # one, 7 + 1, or all at once must give exactly the same numbers (a ban: every
    # compartment of the market is used).
    runs = [_ban_run(block_paths=1, chunk_paths=c) for c in (1, 7, 8)]
    for run in runs[1:]:
        for name in ("end_time_s", "start_time_s", "bits", "blocks", "reward_sat", "span_s"):
            np.testing.assert_array_equal(getattr(run.sim, name), getattr(runs[0].sim, name))
        for name in ("running_hs", "power_w", "hashprice", "transit_hs", "btc_price_usd"):
            np.testing.assert_array_equal(getattr(run.market, name), getattr(runs[0].market, name))
    # Not a constant run: the paths differ from each other.
    assert np.unique(runs[0].sim.end_time_s[:, 2]).size == 8


def test_path_streams_refuse_a_chunk_that_splits_a_block() -> None:
    from hashtide.engine import path_streams
    from hashtide.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="multiple of block_paths"):
        path_streams(np.random.SeedSequence(1), 10, block_paths=4, first_path=6)


def test_a_scenario_result_does_not_depend_on_the_chunk_size() -> None:
    # The whole accounting (bands, NPV/IRR, yearly table, chart series, peak share) from
    # per-path figures joined across chunks: the same summary from 1 or 3 chunks.
    from hashtide.scenario import load_scenario
    from hashtide.scenario.world_run import run_world

    spec = load_scenario(Path(__file__).resolve().parent.parent / "scenarios/us-state-reserve.yaml")
    spec = spec.model_copy(
        update={"horizon": 0.3 * 365.25 * 86_400.0, "variants": spec.variants[:1], "claims": []}
    )
    one, three = (run_world(spec, n_paths=6, seed=8, chunk_paths=c, block_paths=2) for c in (6, 2))
    assert one.summary_json() == three.summary_json()
    assert one.variants[0].series.equals(three.variants[0].series)
    assert one.variants[0].btc_per_year.p5 < one.variants[0].btc_per_year.p95  # paths differ


@pytest.mark.parametrize("rows", [7, 700])
def test_median_over_paths_is_the_median_of_the_joined_figures(rows: int) -> None:
    # Independent derivation: np.nanmedian of the stacked array (what variant_result took
    # before the daily share was kept in parts); both of numpy's branches (fewer and more than
    # 600 values per day). Exactly equal: each day's median depends on its values only.
    from hashtide.scenario.world import join_figures, median_over_paths

    rng = np.random.default_rng(11)
    parts = [rng.uniform(size=(rows, 150)) for _ in range(3)]
    for part in parts:
        part[rng.uniform(size=part.shape) < 0.1] = np.nan
    expected = np.nanmedian(np.concatenate(parts, axis=0), axis=0)
    np.testing.assert_array_equal(median_over_paths(parts), expected)
    chunks = [{"daily_share_frac": p, "x": p[:, 0]} for p in parts]
    joined = join_figures(chunks)
    # The joined daily share is kept in single precision; its median is taken in double.
    single = [p.astype(np.float32) for p in parts]
    np.testing.assert_array_equal(
        joined["median_daily_share_frac"],
        np.nanmedian(np.concatenate(single, axis=0).astype(np.float64), axis=0),
    )
    np.testing.assert_allclose(joined["median_daily_share_frac"], expected, rtol=1e-7)
    np.testing.assert_array_equal(joined["x"], np.concatenate([p[:, 0] for p in parts]))
    assert all(not c for c in chunks)  # the chunks' parts were let go


@pytest.mark.parametrize("per_month", [200_000, None])
def test_the_accounts_in_service_share_is_the_markets(per_month: int | None) -> None:
    # The accounting's share of the actor's machines in service (scenario.world._installed_frac,
    # the denominator of each site's running share) and the market's deliveries less
    # retirements (market.world._program_flows, what the world mines with) are computed apart;
    # they must be the same curve, over the ramp and the retirements one lifetime later.
    from hashtide.market.world import _program_flows
    from hashtide.scenario import load_scenario
    from hashtide.scenario.build import miner_of, sites_of
    from hashtide.scenario.world import _installed_frac, day_start_s, programs_of

    spec = load_scenario(Path(__file__).resolve().parent.parent / "scenarios/us-state-reserve.yaml")
    spec = spec.model_copy(
        update={"actor": spec.actor.model_copy(update={"machines_per_month": per_month})}
    )
    model, _ = miner_of(spec.actor)
    start_s = day_start_s(spec.start)
    sites = sites_of(spec.actor, spec.facility_power_w(spec.variants[0]), start_s)
    programs = programs_of(spec, sites, model, start_s)
    days = start_s + np.arange(-3, 7 * 366) * 86_400.0
    flows = _program_flows(programs, days, spec.actor.lifetime)
    installed = sum(p.hashrate_hs for p in programs)
    in_service = np.cumsum(flows.sum(axis=0)) / installed
    inside = days >= start_s
    np.testing.assert_allclose(
        _installed_frac(days[inside], start_s, spec, sites, model), in_service[inside], atol=1e-9
    )
    assert in_service[inside].max() == pytest.approx(1.0)
    assert in_service[-1] == pytest.approx(0.0, abs=1e-9)  # all retired within 7 years


def test_figure_rows_refuse_too_many_or_too_few_paths() -> None:
    from hashtide.scenario.world import FigureRows

    rows = FigureRows(3)
    rows.add({"x": np.ones(2), "daily_share_frac": np.full((2, 4), 0.25)})
    with pytest.raises(ValueError, match="figures of 2 of 3 paths"):
        rows.figures()
    with pytest.raises(ValueError, match="4 rows added to figures of 3 paths"):
        rows.add({"x": np.ones(2)})
    rows.add({"x": np.zeros(1), "daily_share_frac": np.full((1, 4), 0.5)})
    figures = rows.figures()
    np.testing.assert_array_equal(figures["x"], [1.0, 1.0, 0.0])
    np.testing.assert_array_equal(figures["median_daily_share_frac"], [0.25] * 4)
