"""After a halving, does the rest of the world mine at a loss? (issue #10's target, measured)

Runs a variant of ``scenarios/us-state-reserve.yaml`` on the world market (Monte Carlo, the
scenario's BTC price model) to ``--months`` after the halving at ``--height`` and compares, per
path and day, the hashprice with the running cost of the rest of the world's marginal machine —
the hashprice expectation rule 1 decides on (``WorldMarket.expected_hashprice``: a machine runs
while its electricity per TH and day is below it, so the dearest machine that runs costs that).

Prints, over the days after the halving: the lowest and the median of the daily median (across
paths) of hashprice ÷ marginal running cost, and per path the longest stretch below ``--loss``
(median and 95th percentile across paths). Nothing is fitted here.

Usage::

    python scripts/halving_margin.py [--variant "20 GW"] [--paths 30] [--seed 2026]
        [--height 1050000] [--months 6] [--loss 0.9]
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import numpy as np

from hashtide.market.data import day_start_s
from hashtide.scenario import load_scenario
from hashtide.scenario.build import miner_of, sites_of
from hashtide.scenario.world import run_variant, shared_fleet
from hashtide.units import SECONDS_PER_DAY

REPO = Path(__file__).resolve().parents[1]


def longest_run(flags: np.ndarray) -> int:
    """Longest stretch of consecutive true values."""
    best = current = 0
    for flag in flags:
        current = current + 1 if flag else 0
        best = max(best, current)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(REPO / "scenarios/us-state-reserve.yaml"))
    parser.add_argument("--variant", default="20 GW")
    parser.add_argument("--paths", type=int, default=30)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--height", type=int, default=1_050_000)
    parser.add_argument("--halving", default="2028-04-10", help="about when (sets the horizon)")
    parser.add_argument("--months", type=float, default=6.0)
    parser.add_argument("--loss", type=float, default=0.9)
    args = parser.parse_args()

    spec = load_scenario(args.scenario)
    about = dt.date.fromisoformat(args.halving)
    end = about + dt.timedelta(days=round(args.months * 30.44) + 14)
    spec = spec.model_copy(update={"horizon": (end - spec.start).days * SECONDS_PER_DAY})
    variant = next(v for v in spec.variant_list() if v.name == args.variant)
    if spec.actor is None:
        raise SystemExit(f"{args.scenario}: no actor (a state program) to run")
    fleet, _ = shared_fleet(spec)
    model, _ = miner_of(spec.actor)
    sites = sites_of(spec.actor, spec.facility_power_w(variant), day_start_s(spec.start))
    run = run_variant(
        spec, variant, fleet=fleet, model=model, sites=sites, n_paths=args.paths, seed=args.seed
    )
    market, sim = run.market, run.sim
    ratios = np.full((args.paths, market.day_s.size), np.nan)
    runs = []
    span = args.months * 30.44 * SECONDS_PER_DAY
    for p in range(args.paths):
        heights = sim.epoch_start_height
        epoch = int(np.flatnonzero(heights >= args.height)[0]) - 1
        start, stop = sim.start_time_s[p, epoch], sim.end_time_s[p, epoch]
        halving_s = start + (args.height - heights[epoch]) / 2016 * (stop - start)
        after = (market.day_s > halving_s + SECONDS_PER_DAY) & (market.day_s <= halving_s + span)
        after &= np.isfinite(market.hashprice[p])
        ratio = market.hashprice[p, after] / market.expected_hashprice[p, after]
        ratios[p, after] = ratio
        runs.append(longest_run(ratio < args.loss))
    with np.errstate(all="ignore"):
        daily = np.nanmedian(ratios, axis=0)
    days = np.isfinite(daily) & (np.isfinite(ratios).sum(axis=0) >= args.paths // 2)
    low = int(np.flatnonzero(days)[np.argmin(daily[days])])
    when = dt.datetime.fromtimestamp(market.day_s[low], tz=dt.UTC).date()
    print(
        f"{spec.scenario} {args.variant}, {args.paths} paths, seed {args.seed}, "
        f"{args.months:g} months after height {args.height:,}:"
    )
    print(
        f"  daily median of hashprice / marginal running cost: lowest {daily[low]:.3f}x "
        f"({when}), median {np.median(daily[days]):.3f}x"
    )
    print(
        f"  longest stretch below {args.loss:g}x per path: median "
        f"{np.median(runs):.0f} days, p95 {np.percentile(runs, 95):.0f} days"
    )
    # The daily medians by day after the halving (weekly), to see where the dips are.
    first = int(np.flatnonzero(days)[0])
    for k in range(first, first + int(args.months * 30.44), 7):
        if k < daily.size and np.isfinite(daily[k]):
            week = dt.datetime.fromtimestamp(market.day_s[k], tz=dt.UTC).date()
            chunk = daily[k : k + 7]
            print(f"  {week}: min {np.nanmin(chunk):.3f} max {np.nanmax(chunk):.3f}")


if __name__ == "__main__":
    main()
