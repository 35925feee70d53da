"""Where a world-market run spends its CPU: a profile of one variant of us-state-reserve.

Run from a checkout with hashtide installed::

    python benchmarks/world_profile.py                 # 500 paths of the first variant
    python benchmarks/world_profile.py --paths 200 --top 25

One variant (the first, 5 GW, 4 years) of scenarios/us-state-reserve.yaml runs through
``hashtide.scenario.world_run.run_world`` under cProfile with a CPU-time clock
(``time.process_time``, less sensitive than wall-clock time to other processes on a shared
machine), after a 20-path warm-up run that loads the imports, the chain history and the
fleet; no sensitivity reruns. It prints the functions with the most CPU of their own, then the
parts a speed change aims at, as CPU seconds and shares of the run: the market's daily step
(``WorldMarket._advance``, of which the compiled day, ``world_step._advance_day`` — the
regions' cohorts, programmes, bans, deliveries, orders and records — and rule 1 for the
programmes, ``_running_frac_log``; before session 5 the compiled part was the cohorts' loop
alone, ``world_step._step_regions``, which this reports when present), the rest of
the market's epoch call, the engine around it, and the per-path accounting
(``path_figures``). Profiling adds its own overhead (a few per cent here: the step is few,
large numpy calls); compare runs of the same script, not with benchmarks/run.py.

The last line is machine-readable::

    paths=<n> cpu_s=<t> step_s=<t> loop_s=<t> rule1_s=<t> market_s=<t> engine_s=<t> \
accounting_s=<t>
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time
from pathlib import Path

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "us-state-reserve.yaml"


def _cumulative(stats: pstats.Stats, suffix: str) -> float:
    """CPU seconds spent in (and under) the functions whose ``file:line(name)`` ends so."""
    total = 0.0
    for (filename, _, name), row in stats.stats.items():  # type: ignore[attr-defined]
        if f"{Path(filename).name}({name})".endswith(suffix):
            total += row[3]
    return total


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=500)
    parser.add_argument("--top", type=int, default=15, help="functions listed by own CPU")
    args = parser.parse_args(argv)
    from hashtide.scenario import load_scenario
    from hashtide.scenario.world_run import run_world

    spec = load_scenario(SCENARIO)
    spec = spec.model_copy(update={"variants": spec.variants[:1], "claims": []})
    run_world(spec, n_paths=20, seed=1)  # warm-up: imports, chain history, fleet
    print(f"load average before (1, 5, 15 min): {os.getloadavg()} on {os.cpu_count()} cores")
    profile = cProfile.Profile(time.process_time)
    begin = time.process_time()
    profile.enable()
    run_world(spec, n_paths=args.paths, seed=2026)
    profile.disable()
    cpu = time.process_time() - begin
    stats = pstats.Stats(profile)
    stats.sort_stats("tottime").print_stats(args.top)
    step = _cumulative(stats, "world.py(_advance)")
    loop = _cumulative(stats, "world_step.py(_advance_day)") or _cumulative(
        stats, "world_step.py(_step_regions)"
    )
    rule1 = _cumulative(stats, "world.py(_running_frac_log)")
    called = _cumulative(stats, "world.py(__call__)")  # by the engine, once per epoch
    finish = _cumulative(stats, "world.py(finish)")  # after the engine: the last days
    market = called + finish
    engine = _cumulative(stats, "montecarlo.py(monte_carlo)")
    accounting = _cumulative(stats, "world.py(path_figures)")
    print(f"{args.paths} paths of one variant: {cpu:.2f} s CPU (load {os.getloadavg()[0]:.2f})")
    for label, value in (
        ("daily step (WorldMarket._advance)", step),
        ("  of which the compiled day (numba)", loop),
        ("  of which rule 1 for the programmes (ndtr)", rule1),
        ("market, rest (commit, knots)", market - step),
        ("engine around the market", engine - called),
        ("accounting (path_figures)", accounting),
        ("other (prepare, fleet check, results)", cpu - engine - finish - accounting),
    ):
        print(f"  {label:<45} {value:6.2f} s  {value / cpu:5.1%}")
    print(
        f"paths={args.paths} cpu_s={cpu:.2f} step_s={step:.2f} loop_s={loop:.2f} "
        f"rule1_s={rule1:.2f} "
        f"market_s={market:.2f} engine_s={engine:.2f} accounting_s={accounting:.2f}"
    )


if __name__ == "__main__":
    main()
