"""A compact regression snapshot of two small world-market runs (not a test module).

``python tests/world_snapshot.py`` rewrites ``tests/data/world_run_snapshot.json`` from the
current code; ``tests/test_world_chunks.py`` compares a fresh run with it. Regenerate only when
the model is meant to change (and say so in the commit), never to make a speed change pass.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from hashtide.market.data import day_start_s
from hashtide.market.run import MarketRun
from hashtide.scenario import load_scenario
from hashtide.scenario.build import miner_of, sites_of
from hashtide.scenario.world import run_variant, shared_fleet

ROOT = Path(__file__).resolve().parent.parent
PATH = Path(__file__).resolve().parent / "data" / "world_run_snapshot.json"
N_PATHS = 6


def _figures(run: MarketRun) -> dict[str, Any]:
    sim, market = run.sim, run.market
    with np.errstate(all="ignore"):
        return {
            "end_time_s": np.nanmax(sim.end_time_s, axis=1).tolist(),
            "bits_last": [int(b[b > 0][-1]) for b in sim.bits],
            "blocks": sim.blocks.sum(axis=1).tolist(),
            "running_hs_day_sum": np.nansum(market.running_hs, axis=1).tolist(),
            "power_w_day_sum": np.nansum(market.power_w, axis=1).tolist(),
            "hashprice_mean": np.nanmean(market.hashprice, axis=1).tolist(),
            "transit_hs_max": market.transit_hs.max(axis=1).tolist(),
            "covert_hs_max": market.covert_waiting_hs.max(axis=1).tolist(),
        }


def snapshot(n_paths: int = N_PATHS, **chunking: int) -> dict[str, Any]:
    """The figures of 20 GW of us-state-reserve (9 months) and of the 2021 ban (5 months)."""
    out: dict[str, Any] = {}
    reserve = load_scenario(ROOT / "scenarios" / "us-state-reserve.yaml")
    reserve = reserve.model_copy(update={"horizon": 0.75 * 365.25 * 86_400.0})
    ban = load_scenario(ROOT / "scenarios" / "china-2021-ban.yaml")
    ban = ban.model_copy(update={"end": None, "horizon": 150 * 86_400.0, "score": None})
    for key, spec, index, seed in (("reserve_20gw", reserve, 2, 5), ("ban_2021", ban, 0, 3)):
        fleet, _ = shared_fleet(spec)
        variant = spec.variant_list()[index]
        model = sites = None
        if spec.actor is not None:
            model, _ = miner_of(spec.actor)
            sites = sites_of(spec.actor, spec.facility_power_w(variant), day_start_s(spec.start))
        run = run_variant(
            spec,
            variant,
            fleet=fleet,
            model=model,
            sites=sites or [],
            n_paths=n_paths,
            seed=seed,
            **chunking,
        )
        out[key] = _figures(run)
    return out


if __name__ == "__main__":
    PATH.write_text(json.dumps(snapshot(), indent=1) + "\n")
    print(f"wrote {PATH}")
