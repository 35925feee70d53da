"""Benchmark of a scenario run against the engine alone: time ratio and peak memory.

Run from a checkout with hashtide installed::

    python benchmarks/run.py                    # 10,000 paths, 3 pairs, then 100,000 once
    python benchmarks/run.py --paths 2000 --repeats 1 --no-large   # a smoke test

Each pair runs, in fresh processes one after the other, (1) the engine benchmark's workload
(benchmarks/engine.py: 20 years, 10 actors, ``monte_carlo`` with ``--paths`` paths) and (2)
``hashtide run scenarios/us-state-reserve.yaml --paths N --no-report`` (3 variants × 4 years,
5 sites and the market's feedback every epoch). Running them in pairs exposes both to the same
load on a shared machine; the ratio of each pair is taken, and the median over pairs reported,
for wall-clock time and for CPU time (user + system of the child, less sensitive to other
processes). Peak memory is ``VmHWM`` of the child (interpreter and imports included). Then one
``--large`` run (100,000 paths by default) shows that a large run completes in bounded memory
(its paths run in chunks of 1,000). The machine's load average (``uptime``) is printed before
and after: on a shared machine, wall-clock figures are only as good as it was quiet.

The last line is machine-readable::

    engine_s=<t> run_s=<t> ratio_wall=<r> ratio_cpu=<r> run_peak_mb=<m> large_s=<t> \
large_peak_mb=<m>
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCENARIO = HERE.parent / "scenarios" / "us-state-reserve.yaml"
_PEAK = (
    "print('VmHWM', [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]"
    ".split()[1], file=sys.stderr)"
)


def child(code: str) -> tuple[float, float, float]:
    """Run ``code`` in a fresh interpreter: wall seconds, CPU seconds, peak RSS [MB]."""
    begin = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", f"import sys\ntry:\n{code}\nfinally:\n    {_PEAK}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - begin
    err = process.stderr.read() if process.stderr else ""
    if status != 0:
        raise SystemExit(f"child failed ({status}):\n{err}")
    peak_kb = next(int(line.split()[1]) for line in err.splitlines() if line.startswith("VmHWM"))
    return wall, usage.ru_utime + usage.ru_stime, peak_kb / 1024


def engine_code(n_paths: int) -> str:
    return (
        f"    sys.path.insert(0, {str(HERE)!r})\n"
        "    import numpy as np, engine as b\n"
        f"    b.monte_carlo(b.workload(), n_paths={n_paths}, rng=np.random.default_rng(1))"
    )


def run_code(n_paths: int) -> str:
    args = ["run", str(SCENARIO), "--paths", str(n_paths), "--no-report", "--json"]
    return f"    from hashtide.cli.main import app\n    app({args!r}, standalone_mode=False)"


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3, help="pairs (engine, run)")
    parser.add_argument("--large", type=int, default=100_000, help="paths of the large run")
    parser.add_argument("--no-large", action="store_true", help="skip the large run")
    args = parser.parse_args(argv)
    print(f"load average before (1, 5, 15 min): {load()} on {os.cpu_count()} cores")
    engine_wall, engine_cpu, run_wall, run_cpu, run_peak = [], [], [], [], []
    for i in range(args.repeats):
        e_wall, e_cpu, e_peak = child(engine_code(args.paths))
        r_wall, r_cpu, r_peak = child(run_code(args.paths))
        engine_wall.append(e_wall)
        engine_cpu.append(e_cpu)
        run_wall.append(r_wall)
        run_cpu.append(r_cpu)
        run_peak.append(r_peak)
        print(
            f"pair {i + 1}: engine {e_wall:6.1f} s wall {e_cpu:6.1f} s CPU {e_peak:5.0f} MB | "
            f"run {r_wall:6.1f} s wall {r_cpu:6.1f} s CPU {r_peak:5.0f} MB | "
            f"ratio {r_wall / e_wall:4.2f} wall {r_cpu / e_cpu:4.2f} CPU   (load {load()})"
        )
    nan = float("nan")
    ratio_wall = statistics.median(
        [r / e for r, e in zip(run_wall, engine_wall, strict=True)] or [nan]
    )
    ratio_cpu = statistics.median(
        [r / e for r, e in zip(run_cpu, engine_cpu, strict=True)] or [nan]
    )
    engine_s = statistics.median(engine_wall or [nan])
    run_s = statistics.median(run_wall or [nan])
    peak = max(run_peak or [nan])
    print(
        f"{args.paths:,} paths, medians of {args.repeats}: engine {engine_s:.1f} s, "
        f"hashtide run {run_s:.1f} s; run / engine = {ratio_wall:.2f} "
        f"(wall), {ratio_cpu:.2f} (CPU); run peak memory {peak:,.0f} MB "
        "(targets: ratio <= 2, peak < 2,000 MB)"
    )
    large_wall = large_peak = float("nan")
    if not args.no_large:
        large_wall, large_cpu, large_peak = child(run_code(args.large))
        print(
            f"large run, {args.large:,} paths: {large_wall:.1f} s wall, {large_cpu:.1f} s CPU, "
            f"peak {large_peak:,.0f} MB"
        )
    print(f"load average after: {load()}")
    print(
        f"engine_s={engine_s:.2f} run_s={run_s:.2f} "
        f"ratio_wall={ratio_wall:.3f} ratio_cpu={ratio_cpu:.3f} run_peak_mb={peak:.0f} "
        f"large_s={large_wall:.1f} large_peak_mb={large_peak:.0f}"
    )


if __name__ == "__main__":
    main()
