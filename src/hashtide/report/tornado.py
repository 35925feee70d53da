"""The tornado chart of a one-at-a-time sensitivity table, shared by every report that has one.

A sensitivity table has one row per input and side (``input``, ``side`` = ``low``/``high``,
``label``) with each output and its base value (``KEY`` and ``base_KEY``). Each panel shows one
output's change against the base, in percent (``relative``) or in the output's own units.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd


def tornado_figure(
    frame: pd.DataFrame,
    panels: Sequence[tuple[str, str, bool]],
    *,
    colours: tuple[str, str],
    hover_value: str,
    x_title: str | None = None,
) -> Any:
    """Low and high bars per input, one panel per ``(key, title, relative)`` output.

    ``colours`` are the low and high sides'; ``hover_value`` is the plotly format of the change
    in the hover text (e.g. ``"%{x:+.1f} %"``); ``x_title`` titles every panel's x axis.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(
        rows=1, cols=len(panels), shared_yaxes=True, subplot_titles=[p[1] for p in panels]
    )
    inputs = list(dict.fromkeys(frame["input"]))
    for col, (key, _, relative) in enumerate(panels, start=1):
        for side, colour in zip(("low", "high"), colours, strict=True):
            part = frame[frame["side"] == side].set_index("input").reindex(inputs)
            if relative:
                change = (part[key] / part[f"base_{key}"] - 1.0) * 100.0
            else:
                change = part[key] - part[f"base_{key}"]
            fig.add_trace(
                go.Bar(
                    x=change,
                    y=inputs,
                    orientation="h",
                    name=side,
                    marker_color=colour,
                    showlegend=col == 1,
                    customdata=part["label"],
                    hovertemplate=f"%{{y}}: %{{customdata}}<br>{hover_value}<extra></extra>",
                ),
                row=1,
                col=col,
            )
        if x_title is not None:
            fig.update_xaxes(title_text=x_title, row=1, col=col)
    fig.update_layout(barmode="overlay")
    return fig
