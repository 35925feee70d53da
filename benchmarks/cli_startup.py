"""Start-up time of the ``hashtide`` command: ``--help`` and ``validate`` (target: < 0.5 s each).

Each command runs in a fresh process (the console script of the running interpreter's
environment), the way a user types it; the wall-clock time of the whole process is measured.
Prints the median (and range) of ``--runs`` runs per command, then a machine-readable line.

Usage: ``python benchmarks/cli_startup.py [--runs 5]``
"""

from __future__ import annotations

import argparse
import json
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


def time_command(argv: list[str], runs: int) -> list[float]:
    """Wall-clock seconds of ``runs`` runs of ``argv`` (each must exit 0)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, cwd=REPO, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    base = hashtide_command()
    time_command([*base, "--version"], 1)  # warm the file cache and the bytecode
    results = {}
    for name, extra in COMMANDS.items():
        times = time_command([*base, *extra], args.runs)
        results[name] = statistics.median(times)
        print(
            f"hashtide {name:<9} median {results[name]:.3f} s over {args.runs} runs "
            f"(min {min(times):.3f}, max {max(times):.3f})"
        )
    print(json.dumps({"median_s": results, "runs": args.runs}))


if __name__ == "__main__":
    main()
