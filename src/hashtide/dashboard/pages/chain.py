"""Page 4, Chain: difficulty and hashrate history, halvings, every retarget replayed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import dash
from dash import Input, Output, dcc, html

from hashtide.dashboard.components import chart, problem, section, table
from hashtide.errors import HashtideError

if TYPE_CHECKING:
    from hashtide.dashboard.app import Context


def layout(ctx: Context) -> html.Div:
    """The page's components."""
    return html.Div(
        [
            html.H2("Chain"),
            html.P(
                "The shipped history of every 2016-block period from genesis: difficulty, the "
                "hashrate it implies, the halvings, and every difficulty retarget replayed with "
                "Bitcoin Core's rule ('hashtide chain verify').",
                className="lead",
            ),
            html.Label("From", htmlFor="chain-since"),
            dcc.Input(id="chain-since", type="text", value="2009-01-01", debounce=True),
            dcc.Loading(html.Div(id="chain-body")),
        ]
    )


def _body(since: str) -> list[Any]:
    import pandas as pd

    from hashtide.chain.history import epochs, provenance
    from hashtide.chain.verify import verify_retargets
    from hashtide.report.chain_plot import halving_times, history_figure, with_gaps

    full = epochs()
    try:
        start = pd.Timestamp(since, tz="UTC")
    except ValueError:
        raise HashtideError(f"from: {since!r} is not a date (YYYY-MM-DD)") from None
    shown = full[full["first_block_time"].isna() | (full["first_block_time"] >= start)]
    shown = shown[shown["start_height"] >= int(shown["start_height"].iloc[0])]
    if shown.empty:
        raise HashtideError(f"from: no period starts after {since}")
    figure = history_figure(with_gaps(shown), halving_times(shown))
    report = verify_retargets(full)
    exact = [c for c in report.checks if c.kind == "exact"]
    rows = []
    for c in exact:
        when = full.loc[full["start_height"] == c.height, "first_block_time"]
        rows.append(
            [
                f"{c.height:,}",
                "" if when.empty or pd.isna(when.iloc[0]) else f"{when.iloc[0]:%Y-%m-%d}",
                f"0x{c.old_bits:08x}",
                f"0x{c.computed_bits:08x}" if c.computed_bits is not None else "",
                f"0x{c.expected_bits:08x}",
                "ok" if c.ok else "FAIL",
            ]
        )
    built = provenance().get("built_on", "unknown")
    counts = html.Ul(
        [
            html.Li(
                f"exact (both block times known): {report.count('exact', ok=True)} of "
                f"{report.count('exact')} reproduce the next bits to the bit"
            ),
            html.Li(
                f"span (first-block times only): {report.count('span', ok=True)} of "
                f"{report.count('span')} consistent with a one-block gap before the next period"
            ),
            html.Li(f"unchecked (a first-block time unknown): {report.count('unchecked')}"),
            html.Li(
                html.Strong(
                    "All checked retargets agree with Bitcoin Core's rule."
                    if report.ok
                    else f"{len(report.failures)} checks failed."
                )
            ),
        ],
        id="chain-verify",
    )
    return [
        chart(
            "chain",
            "Difficulty and implied hashrate",
            figure,
            f"Shipped history (built {built}), {len(shown):,} periods from heights "
            f"{int(shown['start_height'].iloc[0]):,} to {int(shown['start_height'].iloc[-1]):,}; "
            "log axes; dashed lines: halvings.",
        ),
        section(f"Retargets replayed ({len(report.checks):,})", counts),
        section(
            "Exact replays",
            table(["height", "date", "old bits", "computed", "chain", ""], rows),
        ),
    ]


def register(app: dash.Dash, ctx: Context) -> None:
    """The page's callbacks."""

    @app.callback(Output("chain-body", "children"), Input("chain-since", "value"))
    def body(since: str | None) -> Any:
        try:
            return _body(since or "2009-01-01")
        except HashtideError as exc:
            return problem(str(exc), title="Cannot show this")
