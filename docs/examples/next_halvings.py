"""When will the next two halvings happen? 10 years of the real network, 10,000 paths.

Starts from the newest retarget period in hashtide's shipped chain history, assumes the network
hashrate grows at a constant rate (``--growth``, default 20 %/year) from the level the newest
difficulty implies, and prints the expected path's date and the Monte Carlo's 90 % band for the
halvings at heights 1,050,000 and 1,260,000.

Usage: ``python docs/examples/next_halvings.py [--growth 0.2] [--paths 10000] [--seed 2026]``
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from hashtide import chain, engine
from hashtide.units import SECONDS_PER_YEAR


def estimated_start_s(table: pd.DataFrame) -> tuple[float, str]:
    """Time of the last block before the newest period [s], and how it was obtained.

    The shipped history has no block times for the newest periods. Each retarget, though, pins
    its period's measured span (first to last block) to within seconds: ``span_interval_s``
    gives the spans for which Core's rule turns one period's bits into the next's. Walking
    forward from the newest period whose first-block time is known, the last block of the
    period before the newest is at ``t_known + Σ spans + (periods - 1) × 600 s`` — the one
    block interval between consecutive periods is not measured by any retarget; we count it as
    its mean, 600 s.
    """
    known = table.index[table["first_block_time"].notna()][-1]
    time_s = table.loc[known, "first_block_time"].timestamp()
    rows = table.loc[known:]
    for (_, old), (_, new) in zip(rows.iloc[:-1].iterrows(), rows.iloc[1:].iterrows(), strict=True):
        interval = chain.span_interval_s(int(old["bits"]), int(new["bits"]))
        if interval is None or None in interval:
            raise ValueError(f"period {old['epoch']}: span not pinned by the retarget")
        low, high = interval
        time_s += (low + high) / 2
    gaps = len(rows) - 2  # block intervals between the periods walked over
    time_s += gaps * 600.0
    how = (
        f"period {int(table.loc[known, 'epoch'])}'s first block "
        f"({table.loc[known, 'first_block_time']:%Y-%m-%d %H:%M} UTC) + {len(rows) - 1} spans "
        f"pinned by their retargets + {gaps} × 600 s"
    )
    return time_s, how


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--growth", type=float, default=0.20, help="hashrate growth per year")
    parser.add_argument("--paths", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    table = chain.epochs()
    newest = table.iloc[-1]
    start_s, how = estimated_start_s(table)
    bits = int(newest["bits"])
    # The hashrate that finds a block every 600 s at the newest difficulty [H/s].
    hashrate_hs = float(engine.work_per_block_hashes([bits])[0]) / 600.0
    end_s = start_s + 10 * SECONDS_PER_YEAR
    inputs = engine.SimulationInputs(
        start=engine.StartPoint(height=int(newest["start_height"]), time_s=start_s, bits=bits),
        actors=(
            engine.Actor(
                name="network",
                hashrate=engine.Trajectory.exponential(
                    start_time_s=start_s,
                    end_time_s=end_s,
                    hashrate_hs=hashrate_hs,
                    growth_per_year_frac=args.growth,
                ),
            ),
        ),
        horizon=engine.Horizon(end_time_s=end_s),
    )
    expected = engine.expected_path(inputs)
    result = engine.monte_carlo(inputs, n_paths=args.paths, rng=np.random.default_rng(args.seed))

    print(
        f"start: height {inputs.start.height:,}, bits 0x{bits:08x}, "
        f"{engine.format_time_s(start_s)} (estimated: {how})"
    )
    print(
        f"hashrate: {hashrate_hs / 1e18:,.0f} EH/s, growing {args.growth:.0%}/year; "
        f"{args.paths:,} paths, seed {args.seed}, 10 years"
    )
    bands = result.halving_summary(quantiles=(0.05, 0.5, 0.95))
    for k, height in enumerate(result.halving_heights[:2]):  # the next two halvings
        row = bands.loc[height]
        expected_at = pd.Timestamp(float(expected.halving_time_s[0, k]), unit="s", tz="UTC")
        print(
            f"halving at {height:,}: median {row['q0.5']:%Y-%m-%d %H:%M}, 90 % band "
            f"{row['q0.05']:%Y-%m-%d %H:%M} … {row['q0.95']:%Y-%m-%d %H:%M} UTC "
            f"(expected path {expected_at:%Y-%m-%d %H:%M}; reached on "
            f"{row['reached_frac']:.0%} of paths)"
        )


if __name__ == "__main__":
    main()
