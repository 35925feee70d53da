"""Benchmark of a scenario run on the world market: wall and CPU seconds of ``run_scenario``.

Run from a checkout with hashtide installed::

    python benchmarks/scenario.py             # the shipped us-state-reserve, 100 paths, 3 runs
    python benchmarks/scenario.py --quick     # one run of 10 paths (smoke test)

Workload: ``scenarios/us-state-reserve.yaml`` as shipped (three variants, 5/10/20 GW, four
years from 2026-06-01 on the world market rebuilt at the newest history date), at the given
paths. Each figure is the median of the runs. The last line is machine-readable::

    paths=<n> median_wall_s=<w> median_cpu_s=<c>
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from hashtide.scenario import load_scenario, run_scenario

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "us-state-reserve.yaml"


def main() -> None:
    """Time the runs and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run of 10 paths")
    parser.add_argument("--paths", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    paths, repeats = (10, 1) if args.quick else (args.paths, args.repeats)
    spec = load_scenario(SCENARIO)
    walls, cpus = [], []
    for i in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        run_scenario(spec, n_paths=paths)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        print(f"run {i + 1}/{repeats}: {walls[-1]:.1f} s wall, {cpus[-1]:.1f} s CPU", flush=True)
    print(
        f"paths={paths} median_wall_s={statistics.median(walls):.1f} "
        f"median_cpu_s={statistics.median(cpus):.1f}"
    )


if __name__ == "__main__":
    main()
