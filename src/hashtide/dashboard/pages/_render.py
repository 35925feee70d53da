"""A scenario result on a page: the report's tables and charts, from the report's own builders."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dash import html

from hashtide.dashboard.components import chart, downloads, section, table
from hashtide.dashboard.runs import RunInfo
from hashtide.scenario.results import ScenarioResult


def _date(time_s: float) -> str:
    return dt.datetime.fromtimestamp(time_s, tz=dt.UTC).strftime("%Y-%m-%d")


def headline(result: ScenarioResult) -> str:
    """``us-state-reserve: US state program, 4 years from 2026-06-01, 100 paths``."""
    from hashtide.units import SECONDS_PER_YEAR

    who = f": {result.actor}" if result.actor else ""
    years = result.horizon_years
    start = _date(result.start_time_s)
    if abs(years - round(years)) < 1e-6:
        span = f"{round(years)} years from {start}"
    else:
        span = f"{start} to {_date(result.start_time_s + years * SECONDS_PER_YEAR)}"
    return f"{result.scenario}{who}, {span}, {result.n_paths:,} paths, seed {result.seed}"


def summary_table(result: ScenarioResult) -> html.Table:
    """Per variant: machines, hashrate, share, BTC/yr with its band, cost, energy, CO2e."""
    from hashtide.report.summary import variant_summary

    columns, rows = variant_summary(result)
    return table(columns, rows, right=columns[1:])


def claims_table(result: ScenarioResult) -> html.Table:
    """The published claims beside hashtide's figures, with the report's explanation."""
    from hashtide.report.scenario_report import claim_explanation, format_claim_value

    columns = ["claim", "variant", "stated", "computed", "holds", "why"]
    rows = [
        [
            c.claim,
            c.variant,
            format_claim_value(c, c.stated),
            format_claim_value(c, c.computed),
            html.Span("✔ holds", className="ok") if c.holds else html.Span("✘", className="bad"),
            claim_explanation(c),
        ]
        for c in result.claims
    ]
    return table(columns, rows, right=("stated", "computed"))


def security_table(result: ScenarioResult) -> html.Table:
    """Each variant's actor at its peak share (:func:`hashtide.security.assess_scenario`)."""
    from hashtide.report.formatting import format_percent, format_usd
    from hashtide.report.security_section import format_probability
    from hashtide.security import assess_scenario

    columns = ["variant", "peak share", "on", "HHI", "Nakamoto c.", "P(z=6)", "z @ 0.1 %",
               "selfish pays γ=0/½", "51 % for a week"]  # fmt: skip
    rows = []
    for s in assess_scenario(result):
        z6 = next((r.exact for r in s.double_spend if r.z == 6), float("nan"))
        rows.append(
            [
                s.variant,
                format_percent(s.peak_share_frac),
                f"{s.peak_time:%Y-%m-%d}",
                f"{round(s.hhi * 10_000):,}",
                str(s.nakamoto_coefficient),
                format_probability(z6),
                "none" if s.confirmations_needed is None else f"{s.confirmations_needed:,}",
                "/".join("yes" if c.profitable else "no" for c in s.selfish),
                format_usd(s.attack.total_usd) + (" *" if s.attack.already_majority else ""),
            ]
        )
    return table(columns, rows, right=columns[1:])


def charts(result: ScenarioResult, *, prefix: str = "") -> list[Any]:
    """The report's charts (share, BTC mined, cash flow, energy and CO2e, sensitivity)."""
    from hashtide.report.scenario_report import report_figures

    return [
        chart(f"{prefix}{key}", title, figure, caption)
        for key, title, figure, caption in report_figures(result)
    ]


def replay_section(result: ScenarioResult) -> list[Any]:
    """The replay's scores and charts (simulated vs actual difficulty, counterfactual …)."""
    from hashtide.market.report import _scores, replay_figures

    replay = result.replay
    if replay is None:
        return []
    return [
        section(
            "Replay against the chain",
            html.Ul([html.Li(line) for line in _scores(replay)], id="replay-scores"),
            *(
                chart(key, title, fig, caption)
                for key, title, fig, caption in replay_figures(replay)
            ),
        )
    ]


def render_result(result: ScenarioResult, info: RunInfo) -> list[Any]:
    """Everything a finished run shows: headline, downloads, tables, charts."""
    from hashtide.scenario.results import RESPONSE_TEXT

    out: list[Any] = [
        html.H3(headline(result), id="run-headline"),
        html.P(
            "Rest of the world: "
            + RESPONSE_TEXT.get(result.network_response, result.network_response),
            className="muted",
        ),
        downloads(info),
    ]
    if result.variants:
        out.append(section("Summary (medians across paths)", summary_table(result)))
    if result.claims:
        held = sum(c.holds for c in result.claims)
        out.append(
            section(
                f"Claims check: {held} of {len(result.claims)} hold",
                claims_table(result),
                id="claims",
            )
        )
    if result.variants:
        out.append(section("Charts", *charts(result), id="charts"))
        out.append(
            section(
                "Security at the actor's peak share (median path)",
                security_table(result),
                html.P(
                    "HHI in points (a lower bound); P(z=6): double-spend success after 6 "
                    "confirmations; *: already a majority with its own machines. See the HTML "
                    "report for the sentences behind each figure.",
                    className="muted",
                ),
            )
        )
    out.extend(replay_section(result))
    return out
