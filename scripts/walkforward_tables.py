"""Markdown tables of a walk-forward, for README.md and docs/market.md.

Reads the JSON of ``hashtide backtest … --horizon 8 --json`` and prints the per-era table, the
2016–2025 target's figures and the per-window table, in the layout the docs use::

    hashtide backtest --from 2013-06-01 --to 2025-12-01 --every 1month --horizon 8 \\
        --scenario scenarios/china-2021-ban.yaml --candidates 2 --json > walk.json
    python scripts/walkforward_tables.py walk.json [--compare older.json] [--errors]

``--compare`` adds, for each window whose win or loss changed, the older walk's score (a list
under the tables); ``--errors`` prints instead, per window, the signed error of the model and of
the trend in each scored period against the chain's difficulty (where a window loses: too low
or too high, early or late). Nothing is fitted here: counts, medians and ratios of the JSON's
figures and the shipped chain history.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
from pathlib import Path
from typing import Any


def _pct(value: float) -> str:
    return f"{value:.2f} %"


def era_table(data: dict[str, Any]) -> str:
    """The per-era table (the JSON's ``eras``)."""
    lines = [
        "| era | windows | model beats both naive | median MdAPE model | unchanged | trend | "
        "price-trend | model beats price-trend |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for e in data["eras"]:
        lines.append(
            f"| {e['era']} | {e['windows']} | {e['model_wins']} ({e['wins_frac']:.0%}) | "
            f"{_pct(e['median_model_mdape_pct'])} | {_pct(e['median_unchanged_mdape_pct'])} | "
            f"{_pct(e['median_trend_mdape_pct'])} | {_pct(e['median_price_trend_mdape_pct'])} | "
            f"{e['beats_price_trend']} |"
        )
    return "\n".join(lines)


def target_line(data: dict[str, Any]) -> str:
    """The 2016–2025 figures (the JSON's ``summary``)."""
    s = data["summary"]
    return (
        f"2016–2025: the model beats both naive baselines in {s['model_wins']} of "
        f"{s['windows']} monthly windows ({s['wins_frac']:.0%}; target ≥ 75 %), the unchanged "
        f"difficulty in {s['beats_unchanged']}, the trend in {s['beats_trend']}, the "
        f"price-trend in {s['beats_price_trend']}; median MdAPE model "
        f"{_pct(s['median_model_mdape_pct'])}, unchanged {_pct(s['median_unchanged_mdape_pct'])}, "
        f"trend {_pct(s['median_trend_mdape_pct'])}, price-trend "
        f"{_pct(s['median_price_trend_mdape_pct'])}; median below both naive baselines' in "
        f"every era of 2016–2025: {'yes' if s['model_median_below_both_in_every_era'] else 'no'}"
    )


def window_table(data: dict[str, Any]) -> str:
    """Every window (the JSON's ``windows``)."""
    lines = [
        "| from | height | constants | model | unchanged | trend | price-trend | beats both |",
        "|---|---:|---|---:|---:|---:|---:|:---:|",
    ]
    for w in data["windows"]:
        constants = w["constants"] + ("" if w["constants_fitted"] else " (prior)")
        lines.append(
            f"| {w['start']} | {w['start_height']:,} | {constants} | "
            f"{_pct(w['model_mdape_pct'])} | {_pct(w['unchanged_mdape_pct'])} | "
            f"{_pct(w['trend_mdape_pct'])} | {_pct(w['price_trend_mdape_pct'])} | "
            f"{'yes' if w['model_wins'] else 'no'} |"
        )
    return "\n".join(lines)


def changes(data: dict[str, Any], older: dict[str, Any]) -> str:
    """Windows whose win or loss differs from ``older``'s, with both scores."""
    before = {w["start"]: w for w in older["windows"]}
    out = []
    for w in data["windows"]:
        o = before.get(w["start"])
        if o is None or o["model_wins"] == w["model_wins"]:
            continue
        out.append(
            f"{w['start']}: {_pct(o['model_mdape_pct'])} → {_pct(w['model_mdape_pct'])} "
            f"({'won' if w['model_wins'] else 'lost'})"
        )
    model = [w["model_mdape_pct"] for w in data["windows"]]
    return "\n".join([*out, f"all windows: median {_pct(statistics.median(model))}"])


def signed_errors(data: dict[str, Any]) -> str:
    """Per window: growth per period (chain, model, trend) and the model's signed errors."""
    import numpy as np

    from hashtide.market.backtest import TREND_PERIODS, baseline_trend
    from hashtide.market.history import chain_history

    history = chain_history()
    lines = ["from win model trend | growth/period chain model trend [%] | model error [%]"]
    for w in data["windows"]:
        k = history.row_of_height(w["start_height"])
        simulated = np.asarray(w["simulated_difficulty"], dtype=float)
        n = simulated.size
        actual = history.difficulty[k + 1 : k + 1 + n]
        start = float(history.difficulty[k])
        trend = baseline_trend(start, float(history.difficulty[k - TREND_PERIODS]), n)
        growth = [100.0 * math.log(x[-1] / start) / n for x in (actual, simulated, trend)]
        errors = " ".join(f"{100.0 * e:+4.0f}" for e in simulated / actual - 1.0)
        lines.append(
            f"{w['start']} {'W' if w['model_wins'] else '.'} {w['model_mdape_pct']:6.2f} "
            f"{w['trend_mdape_pct']:6.2f} | {growth[0]:5.1f} {growth[1]:5.1f} {growth[2]:5.1f} "
            f"| {errors}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("walk", type=Path, help="JSON of hashtide backtest --horizon … --json")
    parser.add_argument("--compare", type=Path, help="an older walk's JSON")
    parser.add_argument("--errors", action="store_true", help="signed errors per window")
    args = parser.parse_args()
    data = json.loads(args.walk.read_text(encoding="utf-8"))
    if args.errors:
        print(signed_errors(data))
        return
    print(era_table(data))
    print()
    print(target_line(data))
    print()
    print(window_table(data))
    if args.compare is not None:
        print()
        print(changes(data, json.loads(args.compare.read_text(encoding="utf-8"))))


if __name__ == "__main__":
    main()
