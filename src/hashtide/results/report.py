"""The sweep report: BTC per year, cost per BTC and peak share across the grid (plotly HTML).

One self-contained HTML file (plotly's JavaScript inlined: it opens offline). With two grid
keys and one variant each figure is a heatmap over the grid; otherwise lines along the first
key, one per variant and combination of the other keys.
"""

from __future__ import annotations

import html
import itertools
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hashtide.errors import InvalidInputError

#: (summary key, title, unit label, scale) of each chart.
METRICS = (
    ("btc_per_year", "BTC mined per year (median)", "BTC/year", 1.0),
    ("cost_usd_per_btc", "Cost per BTC mined (median)", "USD/BTC", 1.0),
    ("peak_share_frac", "Peak share of the network hashrate (median path)", "%", 100.0),
)


def _value(variant: dict[str, Any], key: str) -> float | None:
    value = variant.get(key)
    if isinstance(value, dict):
        value = value.get("median")
    return None if value is None else float(value)


def sweep_rows(runs: Sequence[tuple[dict[str, Any], dict[str, Any]]]) -> list[dict[str, Any]]:
    """One row per run and variant: the grid parameters, the variant and the three figures.

    ``runs`` holds ``(params, summary)`` pairs (a sweep's outcomes or the store's runs).
    """
    rows = []
    for params, summary in runs:
        for variant in summary.get("variants", []):
            row: dict[str, Any] = {"params": params, "variant": variant["name"]}
            for key, *_ in METRICS:
                row[key] = _value(variant, key)
            rows.append(row)
    return rows


def _label(value: Any) -> str:
    return str(value)


def write_sweep_report(
    runs: Sequence[tuple[dict[str, Any], dict[str, Any]]], path: str | Path, *, title: str
) -> Path:
    """Write the sweep report to ``path`` (atomically: a scratch file renamed at the end)."""
    try:
        import plotly.graph_objects as go
    except ImportError:  # pragma: no cover - plotly is a core dependency
        raise InvalidInputError("the sweep report needs plotly: pip install plotly") from None
    rows = sweep_rows(runs)
    if not rows:
        raise InvalidInputError("the sweep has no finished runs to report")
    keys = list(rows[0]["params"])
    variants = list(dict.fromkeys(r["variant"] for r in rows))
    figures = []
    for metric, name, unit, scale in METRICS:
        fig = go.Figure()
        if len(keys) == 2 and len(variants) == 1:
            xs = list(dict.fromkeys(_label(r["params"][keys[0]]) for r in rows))
            ys = list(dict.fromkeys(_label(r["params"][keys[1]]) for r in rows))
            grid: list[list[float | None]] = [[None] * len(xs) for _ in ys]
            for r in rows:
                value = r[metric]
                grid[ys.index(_label(r["params"][keys[1]]))][
                    xs.index(_label(r["params"][keys[0]]))
                ] = None if value is None else value * scale
            fig.add_trace(
                go.Heatmap(x=xs, y=ys, z=grid, colorbar={"title": unit}, texttemplate="%{z:,.3~g}")
            )
            fig.update_xaxes(title=keys[0], type="category")
            fig.update_yaxes(title=keys[1], type="category")
        else:
            others = keys[1:]
            combos = list(
                dict.fromkeys(
                    (r["variant"], *(_label(r["params"][k]) for k in others)) for r in rows
                )
            )
            for combo in combos:
                line = [
                    r
                    for r in rows
                    if (r["variant"], *(_label(r["params"][k]) for k in others)) == combo
                ]
                label = ", ".join(
                    itertools.chain(
                        [f"variant {combo[0]}"],
                        (f"{k}={v}" for k, v in zip(others, combo[1:], strict=True)),
                    )
                )
                fig.add_trace(
                    go.Scatter(
                        x=[_label(r["params"][keys[0]]) for r in line],
                        y=[None if r[metric] is None else r[metric] * scale for r in line],
                        mode="lines+markers",
                        name=label,
                    )
                )
            fig.update_xaxes(title=keys[0], type="category")
            fig.update_yaxes(title=unit)
        fig.update_layout(title=name, template="plotly_white", height=460)
        figures.append(fig)
    parts = [
        fig.to_html(full_html=False, include_plotlyjs=(i == 0)) for i, fig in enumerate(figures)
    ]
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto}</style>"
        f"</head><body><h1>{html.escape(title)}</h1>"
        f"<p>{len(runs)} runs over {html.escape(', '.join(keys))}; medians across Monte Carlo "
        "paths. Cost per BTC spreads the hardware over its lifetime (see the run reports).</p>"
        + "".join(parts)
        + "</body></html>"
    )
    target = Path(path)
    if target.is_dir():
        raise InvalidInputError(f"--report {target}: is a folder; give a file name (.html)")
    if not target.parent.exists():
        raise InvalidInputError(f"--report {target}: folder {target.parent} does not exist")
    fd, scratch = tempfile.mkstemp(prefix=".sweep-", suffix=".html", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(page)
        Path(scratch).chmod(0o644)  # mkstemp makes it private; a report is for sharing
        Path(scratch).replace(target)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise
    return target
