"""Compare two finished runs side by side: headline, summary, claims, share of the network."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import dash
from dash import Input, Output, dcc, html

from hashtide.dashboard.components import problem, section
from hashtide.dashboard.runs import list_runs, load_result, read_info
from hashtide.errors import HashtideError

if TYPE_CHECKING:
    from hashtide.dashboard.app import Context


def layout(ctx: Context) -> html.Div:
    """The page's components: two run menus and two columns."""
    options = [{"label": i.title, "value": i.run_id} for i in list_runs(ctx.runs_dir)]
    pick = [o["value"] for o in options[:2]]
    menus = [
        dcc.Dropdown(
            id=f"compare-{side}",
            options=options,
            value=pick[n] if n < len(pick) else None,
            placeholder="a finished run",
        )
        for n, side in enumerate(("left", "right"))
    ]
    return html.Div(
        [
            html.H2("Compare runs"),
            html.P(
                "Two runs of this session side by side (runs appear here when they finish on "
                "the State program or Bans page)."
                if options
                else "No finished run yet: run a scenario on the State program or Bans page first.",
                className="lead",
            ),
            html.Div(
                [html.Div(menus[0], className="half"), html.Div(menus[1], className="half")],
                className="columns",
            ),
            html.Div(
                [
                    html.Div(id="compare-left-body", className="half"),
                    html.Div(id="compare-right-body", className="half"),
                ],
                className="columns",
            ),
        ]
    )


def _column(ctx: Context, run_id: str | None, side: str) -> Any:
    from hashtide.dashboard.components import chart, downloads
    from hashtide.dashboard.pages._render import claims_table, headline, summary_table

    if not run_id:
        return None
    try:
        result = load_result(ctx.runs_dir, run_id)
        info = read_info(ctx.runs_dir, run_id)
    except HashtideError as exc:
        return problem(str(exc), title="Cannot show this run")
    out: list[Any] = [html.H3(headline(result)), html.P(info.label, className="muted"),
                      downloads(info)]  # fmt: skip
    if result.variants:
        from hashtide.report.scenario_report import report_figures

        out.append(section("Summary", summary_table(result)))
        key, title, figure, caption = report_figures(result)[0]
        out.append(chart(f"{side}-{key}", title, figure, caption))
    if result.claims:
        out.append(section("Claims", claims_table(result)))
    if result.replay is not None:
        from hashtide.market.report import _scores, replay_figures

        out.append(html.Ul([html.Li(s) for s in _scores(result.replay)]))
        key, title, figure, caption = replay_figures(result.replay)[0]
        out.append(chart(f"{side}-{key}", title, figure, caption))
    return out


def register(app: dash.Dash, ctx: Context) -> None:
    """The page's callbacks."""

    @app.callback(Output("compare-left-body", "children"), Input("compare-left", "value"))
    def left(run_id: str | None) -> Any:
        return _column(ctx, run_id, "left")

    @app.callback(Output("compare-right-body", "children"), Input("compare-right", "value"))
    def right(run_id: str | None) -> Any:
        return _column(ctx, run_id, "right")
