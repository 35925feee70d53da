"""Start-up time of the ``hashtide`` command: ``--help`` and ``validate`` (target: < 0.5 s each).

Each command runs in a fresh process (the console script of the running interpreter's
environment), the way a user types it. Measured: the wall-clock time of the whole process and
its CPU time (user + system; on a busy shared machine the wall-clock time mostly measures the
others' load, the CPU time far less). Prints medians (and the wall-clock range) of ``--runs``
runs per command, then a machine-readable line.

Usage: ``python benchmarks/cli_startup.py [--runs 5]``
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COMMANDS = {
    "--help": ["--help"],
    "validate": ["validate", "scenarios/us-state-reserve.yaml"],
}


def hashtide_command() -> list[str]:
    """The ``hashtide`` script beside this interpreter, or ``python -c`` calling its entry point."""
    script = Path(sys.executable).with_name("hashtide")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from hashtide.cli.main import main; main()"]


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_command(argv: list[str], runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of ``runs`` runs of ``argv`` (each must exit 0)."""
    walls, cpus = [], []
    for _ in range(runs):
        cpu, start = _cpu_s(), time.perf_counter()
        subprocess.run(argv, cwd=REPO, check=True, capture_output=True)
        walls.append(time.perf_counter() - start)
        cpus.append(_cpu_s() - cpu)
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    base = hashtide_command()
    time_command([*base, "--version"], 1)  # warm the file cache and the bytecode
    wall, cpu = {}, {}
    for name, extra in COMMANDS.items():
        walls, cpus = time_command([*base, *extra], args.runs)
        wall[name], cpu[name] = statistics.median(walls), statistics.median(cpus)
        print(
            f"hashtide {name:<9} median {wall[name]:.3f} s wall-clock (min {min(walls):.3f}, "
            f"max {max(walls):.3f}), {cpu[name]:.3f} s CPU, over {args.runs} runs"
        )
    print(json.dumps({"median_wall_s": wall, "median_cpu_s": cpu, "runs": args.runs}))


if __name__ == "__main__":
    main()
