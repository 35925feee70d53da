"""Chart of a walk-forward backtest: MdAPE per window for the model and the baselines, by era."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from hashtide.errors import HashtideError, InvalidInputError
from hashtide.market.walkforward import ERAS, WalkForwardResult
from hashtide.report._io import write_atomically

_SUFFIXES = (".png", ".html")
#: (column, label, colour) of each line.
_SERIES = (
    ("model_mdape_pct", "model", "#1f4e79"),
    ("unchanged_mdape_pct", "unchanged", "#9e9e9e"),
    ("trend_mdape_pct", "trend", "#d9822b"),
    ("price_trend_mdape_pct", "price-trend", "#6a9f58"),
)


def _title(result: WalkForwardResult) -> str:
    summary = result.summary()
    wins = summary.get("model_wins", 0)
    n = summary.get("windows", 0)
    return (
        f"Walk-forward backtest, {result.horizon}-period horizon: the model beats both naive "
        f"baselines in {wins} of {n} windows 2016–2025"
    )


def _html(result: WalkForwardResult, path: Path) -> None:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    frame = result.windows
    eras = result.eras()
    eras = eras[eras["era"] != "all"]
    fig: Any = make_subplots(
        rows=2,
        cols=1,
        row_heights=[0.65, 0.35],
        vertical_spacing=0.12,
        subplot_titles=("MdAPE per monthly window", "Median MdAPE per era"),
    )
    x = pd.to_datetime(frame["start"])
    for column, label, colour in _SERIES:
        fig.add_trace(
            go.Scatter(
                x=x,
                y=frame[column],
                name=label,
                mode="lines+markers" if label == "model" else "lines",
                line={"color": colour, "width": 2 if label == "model" else 1},
                marker={"size": 5},
                legendgroup=label,
                hovertemplate=f"{label} %{{y:.1f}} %<extra></extra>",
            ),
            row=1,
            col=1,
        )
    losses = frame[~frame["model_wins"]]
    fig.add_trace(
        go.Scatter(
            x=pd.to_datetime(losses["start"]),
            y=losses["model_mdape_pct"],
            name="model does not beat both",
            mode="markers",
            marker={"color": "#c0392b", "size": 8, "symbol": "x"},
            hoverinfo="skip",
        ),
        row=1,
        col=1,
    )
    for column, label, colour in _SERIES:
        fig.add_trace(
            go.Bar(
                x=eras["era"],
                y=eras[f"median_{column}"],
                name=label,
                marker_color=colour,
                legendgroup=label,
                showlegend=False,
                hovertemplate=f"{label} %{{y:.1f}} %<extra></extra>",
            ),
            row=2,
            col=1,
        )
    for _, era in eras.iterrows():
        fig.add_annotation(
            x=era["era"],
            y=0,
            yref="y2",
            text=f"{era['model_wins']}/{era['windows']} wins",
            showarrow=False,
            yshift=-28,
            font={"size": 10},
        )
    fig.update_yaxes(type="log", title_text="MdAPE [%]", row=1, col=1)
    fig.update_yaxes(title_text="median MdAPE [%]", row=2, col=1)
    for _, first, _ in ERAS[1:]:
        fig.add_vline(x=pd.Timestamp(f"{first}-01-01").timestamp() * 1000, line_dash="dot",
                      line_color="grey", row=1, col=1)  # fmt: skip
    fig.update_layout(title=_title(result), template="plotly_white", barmode="group", height=720)
    fig.write_html(path, include_plotlyjs=True, full_html=True)


def _png(result: WalkForwardResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    frame = result.windows
    eras = result.eras()
    eras = eras[eras["era"] != "all"]
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(11, 7.5), dpi=110, gridspec_kw={"height_ratios": [2, 1]}
    )
    x = pd.to_datetime(frame["start"])
    for column, label, colour in _SERIES:
        top.plot(x, frame[column], color=colour, lw=2 if label == "model" else 1, label=label,
                 marker="." if label == "model" else None)  # fmt: skip
    losses = frame[~frame["model_wins"]]
    top.plot(pd.to_datetime(losses["start"]), losses["model_mdape_pct"], "x", color="#c0392b",
             label="model does not beat both")  # fmt: skip
    top.set_yscale("log")
    top.set_ylabel("MdAPE [%]")
    top.legend(fontsize=8, ncol=5, loc="upper right")
    top.grid(alpha=0.3)
    top.set_title(_title(result), fontsize=10)
    width = 0.2
    positions = np.arange(len(eras))
    for i, (column, label, colour) in enumerate(_SERIES):
        bottom.bar(positions + (i - 1.5) * width,
                   eras[f"median_{column}"],
                   width, color=colour, label=label)  # fmt: skip
    bottom.set_xticks(
        positions,
        [f"{e}\n{w}/{n} wins" for e, w, n in zip(eras["era"], eras["model_wins"],
                                                  eras["windows"], strict=True)],
    )  # fmt: skip
    bottom.set_ylabel("median MdAPE [%]")
    bottom.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)


def plot_walk_forward(result: WalkForwardResult, path: str | Path) -> Path:
    """Write the walk-forward chart to ``path``: ``.html`` (plotly, offline) or ``.png``.

    PNG needs the ``plot`` extra (``pip install 'hashtide[plot]'``). Written atomically.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _SUFFIXES:
        raise InvalidInputError(
            f"chart file {str(path)!r}: unknown type {suffix or '(none)'!r}; use .html or .png"
        )
    if result.windows.empty:
        raise InvalidInputError("nothing to plot: the walk-forward has no window")
    writer = _png if suffix == ".png" else _html
    try:
        write_atomically(path, lambda tmp: writer(result, tmp))
    except ImportError as exc:
        hint = (
            "PNG charts need the 'plot' extra: pip install 'hashtide[plot]' (or write .html)"
            if suffix == ".png"
            else "reinstall hashtide: pip install --force-reinstall hashtide"
        )
        raise HashtideError(f"{exc.name or 'a plotting library'} is missing; {hint}") from exc
    return path
