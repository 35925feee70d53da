"""Page 3, Hidden mining: screen meters, look at one, classify facilities under a rule pack."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import dash
from dash import Input, Output, State, dcc, html
from dash.dash_table.DataTable import DataTable

from hashtide.dashboard import uploads
from hashtide.dashboard.components import chart, note, problem, section
from hashtide.errors import HashtideError

if TYPE_CHECKING:
    from hashtide.dashboard.app import Context

EXAMPLE = "example"


def _meters_folder(ctx: Context, token: str) -> Path:
    from hashtide.regulation import example_path

    return example_path("meters") if token == EXAMPLE else uploads.folder_of(ctx.work_dir, token)


def layout(ctx: Context) -> html.Div:
    """The page's components."""
    from hashtide.regulation import SHIPPED_PACKS

    screen_part = section(
        "Screen meters",
        html.P(
            "Upload meter CSVs (timestamp,power_kw, hourly or finer, at least 7 days; one file "
            f"per meter, ≤ {uploads.MAX_METER_UPLOAD_BYTES // 1_000_000} MB each) or use the "
            "shipped examples. They are read and checked as 'hashtide screen' reads them; "
            "then ranked by mining probability. Select a row for its evidence and its load.",
        ),
        html.Div(
            [
                dcc.Upload(
                    id="hidden-upload",
                    children=html.Div(["Drop meter CSVs here, or ", html.A("choose files")]),
                    multiple=True,
                    accept=".csv",
                    className="upload",
                ),
                html.Button("Use the shipped example meters", id="hidden-example"),
                html.Label("Time zone of the meters", htmlFor="hidden-timezone"),
                dcc.Input(id="hidden-timezone", type="text", value="Europe/London", debounce=True),
            ],
            className="row-controls",
        ),
        dcc.Store(id="hidden-meters"),
        dcc.Loading(html.Div(id="hidden-status")),
        DataTable(
            id="hidden-ranked",
            columns=[
                {"name": n, "id": k}
                for k, n in (
                    ("rank", "#"),
                    ("meter_id", "meter"),
                    ("probability", "mining prob."),
                    ("flagged", "flagged"),
                    ("pattern", "pattern"),
                    ("estimated_kw", "est. kW"),
                    ("why", "strongest evidence"),
                )
            ],
            data=[],
            row_selectable="single",
            selected_rows=[],
            style_cell={
                "fontFamily": "inherit",
                "fontSize": "13px",
                "whiteSpace": "normal",
                "textAlign": "left",
            },
        ),
        dcc.Loading(html.Div(id="hidden-detail")),
    )
    classify_part = section(
        "Classify facilities under a rule pack",
        html.P(
            "A facilities file (YAML: declared activity, hardware, network evidence, meter) is "
            "checked and classified as 'hashtide classify' does; every decision comes with "
            "its audit trail: the evidence, the rules that fired and the clauses they cite."
        ),
        html.Div(
            [
                dcc.Upload(
                    id="hidden-facilities-upload",
                    children=html.Div(
                        ["Drop a facilities file (YAML) here, or ", html.A("choose")]
                    ),
                    accept=".yaml,.yml",
                    className="upload",
                ),
                html.Div(id="hidden-facilities-status"),
                dcc.Store(id="hidden-facilities", data={"path": EXAMPLE, "name": "the example"}),
                html.Label("Rule pack", htmlFor="hidden-pack"),
                dcc.Dropdown(
                    id="hidden-pack",
                    options=list(SHIPPED_PACKS),
                    value=SHIPPED_PACKS[0],
                    clearable=False,
                ),
                html.Button("Classify", id="hidden-classify", className="primary"),
            ],
            className="row-controls",
        ),
        dcc.Loading(html.Div(id="hidden-decisions")),
    )
    return html.Div(
        [
            html.H2("Hidden mining"),
            html.P(
                "Can a regulator find mining in metered load and tell it from AI compute? The "
                "screen ranks meters; the detector marks the block that was switched on; rule "
                "packs classify facilities with the clause behind each decision.",
                className="lead",
            ),
            screen_part,
            classify_part,
        ]
    )


def _screen(folder: Path, timezone: str) -> list[dict[str, Any]]:
    from hashtide.regulation import load_meters, screen

    results = screen(load_meters(folder, timezone=timezone))
    rows = []
    for rank, r in enumerate(results, start=1):
        strongest = max(r.evidence, key=lambda e: e.fleet_logit or 0.0)
        rows.append(
            {
                "rank": rank,
                "meter_id": r.meter_id,
                "probability": f"{100 * r.mining_probability:.1f} %",
                "flagged": "yes" if r.flagged else "no",
                "pattern": r.pattern,
                "estimated_kw": f"{r.estimated_kw:,.1f}" if r.estimated_kw else "—",
                "why": strongest.sentence
                if (strongest.fleet_logit or 0.0) > 0
                else "no evidence moved the odds towards mining",
                "evidence": [[e.sentence, e.fleet_logit, e.asic_logit] for e in r.evidence],
            }
        )
    return rows


def _logit(value: float | None) -> str:
    return "—" if value is None else f"{value:+.2f}"


def _detail(folder: Path, row: dict[str, Any], timezone: str) -> list[Any]:
    from hashtide.regulation import detect, read_meter_csv
    from hashtide.regulation.report import load_figure

    meter_id = str(row["meter_id"])
    series = read_meter_csv(folder / f"{meter_id}.csv", timezone=timezone)
    detection = detect(series)
    evidence = html.Table(
        [
            html.Thead(html.Tr([html.Th("evidence"), html.Th("fleet"), html.Th("ASIC")])),
            html.Tbody(
                [
                    html.Tr(
                        [
                            html.Td(s),
                            html.Td(_logit(f), className="num"),
                            html.Td(_logit(a), className="num"),
                        ]
                    )
                    for s, f, a in row["evidence"]
                ]
            ),
        ],
        className="data",
    )
    return [
        html.H4(f"{meter_id}: {row['probability']} mining probability (screen)"),
        html.P(f"Detector on this meter alone: {detection.verdict}", id="hidden-verdict"),
        chart(
            "meter",
            f"Load of {meter_id}",
            load_figure(series, detection),
            "Hourly load, its daily floor (10 % quantile) and the block the detector found "
            "switched on (dashed red line, with its size).",
        ),
        html.H4("Evidence (log-odds towards mining)"),
        evidence,
    ]


def register(app: dash.Dash, ctx: Context) -> None:
    """The page's callbacks."""

    @app.callback(
        Output("hidden-meters", "data"),
        Output("hidden-status", "children"),
        Output("hidden-ranked", "data"),
        Output("hidden-ranked", "selected_rows"),
        Input("hidden-upload", "contents"),
        Input("hidden-example", "n_clicks"),
        State("hidden-upload", "filename"),
        State("hidden-timezone", "value"),
        prevent_initial_call=True,
    )
    def screen_meters(
        contents: list[str] | None,
        example: int | None,
        filenames: list[str] | None,
        timezone: str | None,
    ) -> Any:
        timezone = timezone or "UTC"
        try:
            if dash.ctx.triggered_id == "hidden-upload":
                if not contents or not filenames:
                    return dash.no_update, None, [], []
                token, folder = uploads.save_meters(ctx.work_dir, contents, filenames)
                label = f"{len(filenames)} uploaded meter(s)"
            else:
                token, folder, label = EXAMPLE, _meters_folder(ctx, EXAMPLE), "the example meters"
            rows = _screen(folder, timezone)
        except HashtideError as exc:
            message = str(exc).replace(str(ctx.work_dir), "…")
            return None, problem(message, title="The meters were not accepted"), [], []
        flagged = sum(r["flagged"] == "yes" for r in rows)
        status = note(f"Screened {label}: {len(rows)} meters, {flagged} flagged.")
        return {"token": token, "timezone": timezone}, status, rows, []

    @app.callback(
        Output("hidden-detail", "children"),
        Input("hidden-ranked", "selected_rows"),
        State("hidden-ranked", "data"),
        State("hidden-meters", "data"),
        prevent_initial_call=True,
    )
    def detail(selected: list[int] | None, rows: list[dict[str, Any]], meters: Any) -> Any:
        if not selected or not rows or not meters:
            return None
        try:
            folder = _meters_folder(ctx, meters["token"])
            return _detail(folder, rows[selected[0]], meters["timezone"])
        except HashtideError as exc:
            return problem(str(exc).replace(str(ctx.work_dir), "…"), title="Cannot show it")

    @app.callback(
        Output("hidden-facilities", "data"),
        Output("hidden-facilities-status", "children"),
        Input("hidden-facilities-upload", "contents"),
        State("hidden-facilities-upload", "filename"),
        prevent_initial_call=True,
    )
    def facilities_upload(contents: str | None, filename: str | None) -> Any:
        from hashtide.regulation.facilities import load_facilities

        if not contents or not filename:
            return dash.no_update, None
        try:
            path = uploads.save_one(
                ctx.work_dir,
                contents,
                filename,
                suffixes=(".yaml", ".yml"),
                limit_bytes=uploads.MAX_YAML_UPLOAD_BYTES,
            )
            specs, _ = load_facilities(path)
        except HashtideError as exc:
            message = str(exc).replace(str(ctx.work_dir), "…")
            return (
                {"path": None, "name": filename},
                problem(message, title=f"{filename} was not accepted"),
            )
        return {"path": str(path), "name": filename}, note(
            f"{filename}: {len(specs)} facilities, ready to classify"
        )

    @app.callback(
        Output("hidden-decisions", "children"),
        Input("hidden-classify", "n_clicks"),
        State("hidden-facilities", "data"),
        State("hidden-pack", "value"),
        prevent_initial_call=True,
    )
    def classify(n_clicks: int | None, facilities: dict[str, Any] | None, pack_name: str) -> Any:
        from hashtide.regulation import classify as classify_one
        from hashtide.regulation import example_path, load_pack
        from hashtide.regulation.facilities import evidence_of, load_facilities

        if not facilities or not facilities.get("path"):
            return problem(
                "Upload a valid facilities file first (or reload the page for the example)."
            )
        try:
            path = (
                example_path("facilities.yaml")
                if facilities["path"] == EXAMPLE
                else Path(facilities["path"])
            )
            pack = load_pack(pack_name)
            specs, base = load_facilities(path)
            decisions = [classify_one(evidence_of(s, base), pack) for s in specs]
        except HashtideError as exc:
            return problem(str(exc).replace(str(ctx.work_dir), "…"))
        rows = [
            html.Tr(
                [
                    html.Td(d.facility_id),
                    html.Td(d.category),
                    html.Td(d.track, className=f"track-{d.track.replace(' ', '-')}"),
                    html.Td(d.decided_by),
                    html.Td("yes" if d.verified else "no"),
                ]
            )
            for d in decisions
        ]
        trails = [
            html.Details(
                [
                    html.Summary(f"{d.facility_id}: {d.category} → {d.track}"),
                    html.Pre("\n".join(d.explain()), className="audit"),
                ]
            )
            for d in decisions
        ]
        return [
            html.P(
                f"{pack.spec.title} ({pack.spec.jurisdiction}, texts as of {pack.spec.as_of}): "
                f"{len(decisions)} facilities from {facilities['name']}.",
                id="hidden-pack-title",
            ),
            html.Table(
                [
                    html.Thead(
                        html.Tr(
                            [
                                html.Th(c)
                                for c in (
                                    "facility",
                                    "category",
                                    "track",
                                    "decided by",
                                    "clauses verified",
                                )
                            ]
                        )
                    ),
                    html.Tbody(rows),
                ],
                className="data",
                id="hidden-decisions-table",
            ),
            html.H4("Audit trails (open one)"),
            *trails,
        ]
