"""Small building blocks every page uses: messages, tables, charts, download links."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from dash import Input, Output, dcc, html

from hashtide.dashboard.runs import RunInfo


def problem(message: str, *, title: str = "Nothing was run") -> html.Div:
    """A red box with ``message`` (hashtide's own error text, one problem a line)."""
    return html.Div(
        [html.Strong(title), html.Pre(message, className="problem-text")],
        className="problem",
        role="alert",
    )


def note(message: str) -> html.Div:
    """A green box with a short message."""
    return html.Div(message, className="note", role="status")


def table(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], *, right: Sequence[str] = ()
) -> html.Table:
    """A plain table; ``right``: the columns aligned right (numbers)."""
    head = html.Thead(html.Tr([html.Th(c, className="num" if c in right else "") for c in columns]))
    body = html.Tbody(
        [
            html.Tr(
                [
                    html.Td(cell, className="num" if col in right else "")
                    for col, cell in zip(columns, row, strict=True)
                ]
            )
            for row in rows
        ]
    )
    return html.Table([head, body], className="data")


def chart(key: str, title: str, figure: Any, caption: str) -> html.Figure:
    """One chart of a report (a plotly figure) with its caption."""
    return html.Figure(
        [
            dcc.Graph(
                id=f"graph-{key}",
                figure=figure,
                config={"displaylogo": False, "responsive": True},
            ),
            html.Figcaption(caption),
        ],
        className="chart",
        title=title,
    )


def downloads(info: RunInfo) -> html.Div:
    """Links to every file of a stored run (served by the dashboard's download route)."""
    links = [
        html.A(
            name,
            href=f"/download/{info.run_id}/{name}",
            download=name,
            className="download",
            id=f"download-{name.replace('.', '-')}",
        )
        for name in info.files
    ]
    return html.Div(
        [html.Span("Download: "), *links, html.Span(f" (run {info.run_id})", className="muted")],
        className="downloads",
    )


def section(title: str, *children: Any, id: str | None = None) -> html.Section:
    """A titled section of a page."""
    if id is None:
        return html.Section([html.H3(title), *children], className="section")
    return html.Section([html.H3(title), *children], className="section", id=id)


#: How often (seconds) a background run sends its progress to the page at most.
PROGRESS_EVERY_S = 0.25


def background_run(prefix: str) -> dict[str, Any]:
    """The ``app.callback`` options of a page's long run: in the background, with a progress bar
    (``{prefix}-progress``, ``{prefix}-progress-text``), its run button disabled while it runs and
    its cancel button (``{prefix}-run``, ``{prefix}-cancel``) enabled."""
    return {
        "background": True,
        "interval": 200,
        "progress": [
            Output(f"{prefix}-progress", "value"),
            Output(f"{prefix}-progress", "max"),
            Output(f"{prefix}-progress-text", "children"),
        ],
        "running": [
            (Output(f"{prefix}-run", "disabled"), True, False),
            (Output(f"{prefix}-cancel", "disabled"), False, True),
        ],
        "cancel": [Input(f"{prefix}-cancel", "n_clicks")],
        "prevent_initial_call": True,
    }


def variant_progress(set_progress: Callable[[tuple[str, str, str]], None]) -> Callable[..., None]:
    """A ``progress(variant, variants, done, expected)`` callback for ``run_scenario`` that moves
    the page's bar across all variants, at most every :data:`PROGRESS_EVERY_S` seconds."""
    last = [0.0]

    def progress(variant: int, variants: int, done: int, expected: int) -> None:
        now = time.monotonic()
        if now - last[0] < PROGRESS_EVERY_S:
            return
        last[0] = now
        step = min(done, expected)
        set_progress(
            (
                str(variant * expected + step),
                str(max(variants * expected, 1)),
                f"variant {variant + 1} of {variants}: {step} of {expected} steps",
            )
        )

    return progress
