"""Benchmark of sweeps on Dask: speed-up from 1 to 2 local workers, and Dask's overhead per task.

Run from a checkout with hashtide installed::

    python benchmarks/sweep.py                 # 8 runs of 40 paths, 1 and 2 workers, 3 repeats
    python benchmarks/sweep.py --repeats 1 --paths 10     # a smoke test

The sweep: scenarios/us-state-reserve.yaml over ``variants.0.facility_power`` = 1, 2, … 8 GW
(8 runs, each all 3 variants on the world market), ``--paths`` paths per run, into a fresh
results store each time
(nothing cached). For each worker count a local Dask cluster of processes (one thread each) is
started first — its start-up is timed apart — then the sweep alone is timed. Overhead per task
is the sweep's wall-clock time beyond the ideal (the runs' own compute times, measured inside
the workers, divided among the workers), per run, as a share of a run's mean time. Figures are
medians of ``--repeats``. The machine's load average is printed: with other processes on the
cores, 2 workers cannot reach 2× and the figures are noisy.

The last line is machine-readable::

    one_worker_s=<t> two_workers_s=<t> speedup=<x> overhead_frac=<f> startup_s=<t>
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import tempfile
import time
from pathlib import Path

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "us-state-reserve.yaml"


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def one_sweep(workers: int, paths: int) -> tuple[float, float, list[float]]:
    """Start-up seconds, sweep seconds and the runs' own durations, on ``workers`` workers."""
    from distributed import Client, LocalCluster

    from hashtide.results import ResultsStore, parse_grid, plan_sweep, run_sweep

    axis = parse_grid("variants.0.facility_power=" + ",".join(f"{g} GW" for g in range(1, 9)))
    points = plan_sweep(SCENARIO, [axis], paths=paths)
    begin = time.perf_counter()
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(
            lambda: __import__("hashtide.scenario")
        )  # imports, as a worker's first task would
        startup = time.perf_counter() - begin
        with (
            tempfile.TemporaryDirectory() as folder,
            ResultsStore(Path(folder) / "b.duckdb") as store,
        ):
            begin = time.perf_counter()
            outcomes = run_sweep(points, store, client=client)
            seconds = time.perf_counter() - begin
    durations = [o.duration_s for o in outcomes if o.duration_s is not None]
    if len(durations) != len(points):
        raise SystemExit(f"some runs failed: {[o.error for o in outcomes if o.error]}")
    return startup, seconds, durations


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"load average before (1, 5, 15 min): {load()} on {os.cpu_count()} cores")
    times: dict[int, list[float]] = {1: [], 2: []}
    overheads: list[float] = []
    startups: list[float] = []
    for repeat in range(args.repeats):
        for workers in (1, 2):
            startup, seconds, durations = one_sweep(workers, args.paths)
            ideal = sum(durations) / workers
            overhead = (seconds - ideal) / len(durations) / statistics.mean(durations)
            times[workers].append(seconds)
            startups.append(startup)
            if workers == 1:
                overheads.append(overhead)
            print(
                f"repeat {repeat + 1}, {workers} worker(s): sweep {seconds:6.1f} s, runs' own time "
                f"{sum(durations):6.1f} s, overhead {overhead:+.1%} per run, cluster start-up "
                f"{startup:4.1f} s   (load {load()})"
            )
    one = statistics.median(times[1])
    two = statistics.median(times[2])
    overhead = statistics.median(overheads)
    print(
        f"8 runs × {args.paths} paths, medians of {args.repeats}: 1 worker {one:.1f} s, "
        f"2 workers {two:.1f} s, speed-up {one / two:.2f}× (target >= 1.6); Dask overhead per "
        f"task {overhead:.1%} on 1 worker (target < 5 %); cluster start-up "
        f"{statistics.median(startups):.1f} s (not in the sweep times)"
    )
    print(f"load average after: {load()}")
    print(
        f"one_worker_s={one:.2f} two_workers_s={two:.2f} speedup={one / two:.3f} "
        f"overhead_frac={overhead:.4f} startup_s={statistics.median(startups):.2f}"
    )


if __name__ == "__main__":
    main()
