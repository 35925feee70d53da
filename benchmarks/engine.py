"""Benchmark of the simulation engine: blocks simulated per second, time and peak memory.

Run from a checkout with hashtide installed::

    python benchmarks/engine.py             # full run, about two minutes
    python benchmarks/engine.py --quick     # one repeat each, smaller peer run (smoke test)

Workload ("20 years from today's difficulty"): the newest retarget period of the shipped chain
history (height 953,568, bits 0x170240c3), started at 2026-06-01T00:00:00Z, 20 years, 10 actors
whose hashrates grow at 5 … 32 %/year on monthly knots (piecewise linear), one switched off by an
event after 5 years, 0.02 BTC fees per block. Speeds are block-equivalents per second: blocks
found, summed over paths, divided by wall-clock seconds. Each figure is the median of several
runs. The engine's figures are for 1,000 and 10,000 paths; the block-by-block reference mode and
a naive pure-Python loop run the same workload on one path for two years (their speed per block
does not depend on the horizon). Peak memory is the peak resident set size of a fresh process
that runs one 10,000-path simulation (interpreter and imports included).

The peer comparison runs blocksimpy (a SimPy-based blockchain simulator from PyPI) and the
engine on the same workload, 100,000 blocks and 10 miners of constant hashrate, one path each.

The last line is machine-readable::

    fast_blocks_per_s=<x> reference_blocks_per_s=<y> naive_blocks_per_s=<z> \
seconds_10000_paths=<t> peak_mb=<m>
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import io
import math
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from hashtide import chain
from hashtide.engine import (
    Actor,
    Event,
    Horizon,
    SimulationInputs,
    SimulationResult,
    StartPoint,
    Trajectory,
    block_by_block,
    monte_carlo,
    work_per_block_hashes,
)
from hashtide.protocol import block_subsidy_sat, next_bits
from hashtide.units import SECONDS_PER_YEAR

START_TIME_S = 1_780_272_000.0  # 2026-06-01T00:00:00Z
YEARS = 20
N_ACTORS = 10
FEE_SAT = 2_000_000


def newest_period() -> tuple[int, int]:
    """Start height and bits of the newest period in the shipped history."""
    table = chain.epochs()
    row = table.iloc[-1]
    return int(row["start_height"]), int(row["bits"])


def workload(years: float = YEARS) -> SimulationInputs:
    """The benchmark workload (see the module docstring)."""
    height, bits = newest_period()
    network_hs = float(work_per_block_hashes([bits])[0]) / 600.0
    knots = START_TIME_S + np.arange(0, YEARS * 12 + 1) * SECONDS_PER_YEAR / 12
    actors = []
    for i in range(N_ACTORS):
        growth = 0.05 + 0.03 * i
        values = [
            network_hs / N_ACTORS * (1 + growth) ** ((t - START_TIME_S) / SECONDS_PER_YEAR)
            for t in knots
        ]
        actors.append(
            Actor(name=f"actor{i}", hashrate=Trajectory(times_s=knots, hashrate_hs=values))
        )
    return SimulationInputs(
        start=StartPoint(height=height, time_s=START_TIME_S, bits=bits),
        actors=tuple(actors),
        events=(Event(time_s=START_TIME_S + 5 * SECONDS_PER_YEAR, actor="actor3"),),
        fees=FEE_SAT,
        horizon=Horizon(end_time_s=START_TIME_S + years * SECONDS_PER_YEAR),
    )


def naive_loop(inputs: SimulationInputs, seed: int) -> int:
    """What one might write first: one block at a time with the ``random`` module.

    The hashrate is read at the previous block and held until the next (an approximation the
    engine does not make); retarget and subsidy use hashtide's scalar consensus functions.
    Returns the number of blocks simulated.
    """
    rand = random.Random(seed)
    params = inputs.params
    trajectories = [actor.hashrate for actor in inputs.actors if actor.hashrate is not None]
    knots = [list(t.times_s) for t in trajectories]
    values = [list(t.hashrate_hs) for t in trajectories]
    off = {event.actor: event.time_s for event in inputs.events}
    names = [actor.name for actor in inputs.actors]
    end_time = inputs.horizon.end_time_s or math.inf

    def rate(i: int, t: float) -> float:
        if names[i] in off and t >= off[names[i]]:
            return 0.0
        k = bisect.bisect_right(knots[i], t) - 1
        if k >= len(knots[i]) - 1:
            return values[i][-1]
        frac = (t - knots[i][k]) / (knots[i][k + 1] - knots[i][k])
        return values[i][k] + (values[i][k + 1] - values[i][k]) * frac

    t, height, bits = inputs.start.time_s, inputs.start.height, inputs.start.bits
    first_time = 0
    rewards = [0] * len(names)
    blocks = 0
    while True:
        hashrates = [rate(i, t) for i in range(len(names))]
        work = 2**256 / ((bits & 0x7FFFFF) * 256 ** ((bits >> 24) - 3) + 1)
        t += rand.expovariate(sum(hashrates) / work)
        if t > end_time:
            return blocks
        winner = rand.choices(range(len(names)), weights=hashrates)[0]
        rewards[winner] += block_subsidy_sat(height) + FEE_SAT
        if height % 2016 == 0:
            first_time = int(t)
        if height % 2016 == 2015:
            bits = next_bits(bits, first_time, int(t), params=params)
        height += 1
        blocks += 1


def timed(run: Callable[[], int], repeats: int) -> tuple[float, int]:
    """Median wall-clock seconds of ``repeats`` runs, and the blocks one run simulated."""
    seconds = []
    blocks = 0
    for _ in range(repeats):
        begin = time.perf_counter()
        blocks = run()
        seconds.append(time.perf_counter() - begin)
    return statistics.median(seconds), blocks


def peak_mb_of_child(n_paths: int) -> float:
    """Peak RSS [MB] of a fresh interpreter running one ``n_paths`` simulation.

    Read from ``VmHWM`` in ``/proc/self/status`` (the high-water mark of the child's own address
    space); ``getrusage`` would report the parent's peak, which Linux carries across ``exec``.
    """
    code = (
        f"import sys, numpy as np; sys.path.insert(0, {str(Path(__file__).parent)!r});"
        "import engine as b;"
        f"b.monte_carlo(b.workload(), n_paths={n_paths}, rng=np.random.default_rng(0));"
        "print([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    return int(out.split()[-1]) / 1024  # VmHWM is in kB


def blocksimpy_run(n_blocks: int, seed: int) -> float | None:
    """Seconds blocksimpy takes for ``n_blocks`` blocks with 10 miners (None if absent)."""
    try:
        import simpy
        from blocksimpy.config.config_loader import load_config
        from blocksimpy.consensus import Miner
        from blocksimpy.core.node import Node
        from blocksimpy.simulation.coordinator import SimulationCoordinator
    except ImportError:
        return None
    config = load_config("btc")
    config["mining"]["miners"] = N_ACTORS
    config["network"]["nodes"] = 2  # the smallest network blocksimpy accepts
    config["network"]["neighbors"] = 1
    config["transactions"]["wallets"] = 0
    config["simulation"]["blocks"] = n_blocks
    config["simulation"]["print_interval"] = 10 * n_blocks
    random.seed(seed)  # blocksimpy draws from the global ``random`` module
    begin = time.perf_counter()
    env = simpy.Environment()
    coordinator = SimulationCoordinator(config)
    env.coordinator = coordinator  # type: ignore[attr-defined]
    nodes = [Node(env, i) for i in range(2)]
    nodes[0].neighbors, nodes[1].neighbors = [nodes[1]], [nodes[0]]
    miners = [Miner(i, config["mining"]["hashrate"]) for i in range(N_ACTORS)]
    with contextlib.redirect_stdout(io.StringIO()):
        env.run(until=env.process(coordinator.coord(env, nodes, miners)))
    return time.perf_counter() - begin


def peer_workload(n_blocks: int) -> SimulationInputs:
    """The peer comparison's workload in hashtide: 10 equal constant miners, ``n_blocks``."""
    height, bits = newest_period()
    each = float(work_per_block_hashes([bits])[0]) / 600.0 / N_ACTORS
    return SimulationInputs(
        start=StartPoint(height=height, time_s=START_TIME_S, bits=bits),
        actors=tuple(
            Actor(name=f"miner{i}", hashrate=Trajectory.constant(each)) for i in range(N_ACTORS)
        ),
        horizon=Horizon(end_height=height + n_blocks),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repeat each, 10,000-block peer")
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else 3
    peer_blocks = 10_000 if args.quick else 100_000

    inputs = workload()
    short = workload(years=2)
    results: dict[str, SimulationResult] = {}

    def fast(n_paths: int) -> Callable[[], int]:
        def run() -> int:
            results.clear()  # free the previous run's result before the next one allocates
            results[str(n_paths)] = monte_carlo(
                inputs, n_paths=n_paths, rng=np.random.default_rng(n_paths)
            )
            return results[str(n_paths)].blocks_simulated

        return run

    print(
        f"workload: {YEARS} years from height {inputs.start.height} "
        f"(bits 0x{inputs.start.bits:08x}), {N_ACTORS} actors, time-varying hashrate"
    )
    s1k, b1k = timed(fast(1_000), max(repeats, 3) if not args.quick else 1)
    print(f"fast engine, 1,000 paths:  {s1k:7.2f} s  {b1k / s1k:,.0f} blocks/s")
    s10k, b10k = timed(fast(10_000), repeats)
    print(
        f"fast engine, 10,000 paths: {s10k:7.2f} s  {b10k / s10k:,.0f} blocks/s "
        f"({results['10000'].n_epochs} epochs)"
    )
    del results["10000"]
    s_ref, b_ref = timed(
        lambda: block_by_block(short, n_paths=1, rng=np.random.default_rng(1)).blocks_simulated,
        repeats,
    )
    print(
        f"reference (block by block), 1 path × 2 years: {s_ref:7.2f} s  "
        f"{b_ref / s_ref:,.0f} blocks/s"
    )
    s_naive, b_naive = timed(lambda: naive_loop(short, seed=1), repeats)
    print(
        f"naive pure-Python loop, 1 path × 2 years:     {s_naive:7.2f} s  "
        f"{b_naive / s_naive:,.0f} blocks/s"
    )
    fast_rate, ref_rate, naive_rate = b10k / s10k, b_ref / s_ref, b_naive / s_naive
    print(
        f"fast / reference = {fast_rate / ref_rate:,.0f}×   fast / naive = "
        f"{fast_rate / naive_rate:,.0f}×"
    )
    peak = peak_mb_of_child(10_000)
    print(f"peak memory, one 10,000-path run in a fresh process: {peak:,.0f} MB")

    peer = peer_workload(peer_blocks)
    s_ours, _ = timed(
        lambda: monte_carlo(peer, n_paths=1, rng=np.random.default_rng(2)).blocks_simulated,
        max(repeats, 3),
    )
    peer_seconds = [blocksimpy_run(peer_blocks, seed) for seed in range(repeats)]
    if peer_seconds[0] is None:
        print("blocksimpy not installed: pip install blocksimpy to compare with it")
    else:
        s_peer = statistics.median(s for s in peer_seconds if s is not None)
        print(
            f"peer, {peer_blocks:,} blocks × 10 miners, one path: blocksimpy {s_peer:.2f} s "
            f"({peer_blocks / s_peer:,.0f} blocks/s), hashtide {s_ours:.4f} s "
            f"({peer_blocks / s_ours:,.0f} blocks/s): hashtide is {s_peer / s_ours:,.0f}× faster"
        )
    print(
        f"fast_blocks_per_s={fast_rate:.4g} reference_blocks_per_s={ref_rate:.4g} "
        f"naive_blocks_per_s={naive_rate:.4g} seconds_10000_paths={s10k:.3f} peak_mb={peak:.0f}"
    )


if __name__ == "__main__":
    main()
