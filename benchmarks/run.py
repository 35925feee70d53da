"""Benchmark of a world-market scenario run against the engine alone: time ratio and peak memory.

Run from a checkout with hashtide installed::

    python benchmarks/run.py                    # 10,000 paths, 3 pairs, then 100,000 once
    python benchmarks/run.py --paths 200 --repeats 3 --no-large   # what fits a shared machine

Each pair runs, in fresh processes one after the other, (1) the engine benchmark's workload
(benchmarks/engine.py: 20 years, 10 actors, ``monte_carlo`` with ``--paths`` paths) and (2)
``hashtide run scenarios/us-state-reserve.yaml --paths N --no-report`` — on the world market
(``network.response: market``, checked below): 3 variants × 4 years, every region's fleet by
vintage stepped day by day, paths in chunks. Running them in pairs exposes both to the same
load on a shared machine; the ratio of each pair is taken, and the median over pairs reported,
for wall-clock time and for CPU time (user + system of the child, less sensitive to other
processes). Peak memory is ``VmHWM`` of the child (interpreter and imports included). Both
grow about linearly with the paths (the run's fixed part — imports, rebuilding the fleet — is
printed apart from its per-path part), so the ratio at 10,000 paths is also extrapolated from
a smaller ``--paths``. Then one ``--large`` run (100,000 paths by default) shows that a large
run completes in bounded memory. The machine's load average (``uptime``) is printed before and
after: on a shared machine, wall-clock figures are only as good as it was quiet.

The last line is machine-readable::

    engine_s=<t> run_s=<t> ratio_wall=<r> ratio_cpu=<r> run_peak_mb=<m> large_s=<t> \
large_peak_mb=<m> run_cpu_ms_per_path=<t> engine_cpu_ms_per_path=<t>
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
    parser.add_argument(
        "--small", type=int, default=20, help="paths of a run that measures the fixed part"
    )
    args = parser.parse_args(argv)
    from hashtide.scenario import load_scenario

    response = load_scenario(SCENARIO).network.response
    if response != "market":
        raise SystemExit(f"{SCENARIO.name} runs on {response!r}, not the world market")
    print(f"load average before (1, 5, 15 min): {load()} on {os.cpu_count()} cores")
    print(f"scenario: {SCENARIO.name} on the world market (network.response: {response})")
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
        f"{args.paths:,} paths, medians of {args.repeats}: engine {engine_s:.1f} s wall, "
        f"{statistics.median(engine_cpu or [nan]):.1f} s CPU; hashtide run {run_s:.1f} s wall, "
        f"{statistics.median(run_cpu or [nan]):.1f} s CPU; run / engine = {ratio_wall:.2f} "
        f"(wall), {ratio_cpu:.2f} (CPU); run peak memory {peak:,.0f} MB "
        "(targets: ratio <= 2, peak < 2,000 MB)"
    )
    # The fixed part (imports, fleet rebuilt once per run) measured on a small run; per path
    # the rest. The engine benchmark's fixed part is small (imports only).
    _, small_run_cpu, _ = child(run_code(args.small))
    _, small_engine_cpu, _ = child(engine_code(args.small))
    span = max(args.paths - args.small, 1)
    run_ms = (statistics.median(run_cpu) - small_run_cpu) / span * 1e3
    engine_ms = (statistics.median(engine_cpu) - small_engine_cpu) / span * 1e3
    extrapolated = (small_run_cpu + run_ms * (10_000 - args.small) / 1e3) / (
        small_engine_cpu + engine_ms * (10_000 - args.small) / 1e3
    )
    print(
        f"per path (CPU): run {run_ms:.1f} ms, engine {engine_ms:.2f} ms; fixed part: run "
        f"{small_run_cpu:.1f} s, engine {small_engine_cpu:.1f} s ({args.small} paths); "
        f"extrapolated to 10,000 paths: run {small_run_cpu + run_ms * 9.98:.0f} s CPU, "
        f"run / engine {extrapolated:.1f} (CPU)"
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
        f"large_s={large_wall:.1f} large_peak_mb={large_peak:.0f} "
        f"run_cpu_ms_per_path={run_ms:.2f} engine_cpu_ms_per_path={engine_ms:.3f}"
    )


if __name__ == "__main__":
    main()
