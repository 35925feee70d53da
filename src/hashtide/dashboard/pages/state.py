"""Page 1, State program: pick or upload a scenario, move its levers, run, read the report."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dash
from dash import ALL, Input, Output, State, dcc, html

from hashtide.dashboard import uploads
from hashtide.dashboard.components import background_run, note, problem, variant_progress
from hashtide.dashboard.levers import (
    RESPONSES,
    Levers,
    apply_levers,
    read_scenario_data,
    scenario_levers,
    shipped_scenarios,
)
from hashtide.errors import HashtideError

if TYPE_CHECKING:
    from hashtide.dashboard.app import Context


def _default_scenario(files: list[Path]) -> str | None:
    for path in files:
        if path.stem == "us-state-reserve":
            return str(path)
    return str(files[0]) if files else None


def layout(ctx: Context) -> html.Div:
    """The page's components (levers are filled in once a scenario is chosen)."""
    files = shipped_scenarios(ctx.scenarios_dir)
    chooser: list[Any] = [
        html.Label("Scenario", htmlFor="state-scenario"),
        dcc.Dropdown(
            id="state-scenario",
            options=[{"label": p.stem, "value": str(p)} for p in files],
            value=_default_scenario(files),
            clearable=False,
            placeholder="a shipped scenario"
            if files
            else f"no scenario files in {ctx.scenarios_dir}; upload one",
        ),
        dcc.Upload(
            id="state-upload",
            children=html.Div(
                [
                    "or drop your own scenario file here (YAML, ≤ "
                    f"{uploads.MAX_YAML_UPLOAD_BYTES // 1_000_000} MB), or ",
                    html.A("choose one"),
                ]
            ),
            accept=".yaml,.yml",
            className="upload",
        ),
        html.Div(id="state-upload-status"),
        dcc.Store(id="state-source"),
    ]
    controls = [
        html.Div(id="state-levers", className="levers-panel"),
        html.Div(
            [
                html.Button("Run", id="state-run", className="primary"),
                html.Button("Cancel", id="state-cancel", disabled=True),
            ],
            className="buttons",
        ),
        html.Progress(id="state-progress", value="0", max="1"),
        html.Div(id="state-progress-text", className="muted"),
    ]
    return html.Div(
        [
            html.H2("State program"),
            html.P(
                "A state or an operator mines on its own energy: choose a scenario, change its "
                "levers and run it through the same model as 'hashtide run'. The summary, the "
                "published claims checked, the report's charts and the security figures appear "
                "below; the HTML report and the tables can be downloaded.",
                className="lead",
            ),
            html.Div(
                [
                    html.Aside([*chooser, *controls], className="sidebar"),
                    html.Div(
                        html.P("Press Run to compute.", className="muted"),
                        id="state-results",
                        className="results",
                    ),
                ],
                className="columns",
            ),
        ]
    )


def _number_input(id_: Any, value: float | int | None, *, step: float | str = "any") -> Any:
    return dcc.Input(id=id_, type="number", value=value, step=step, debounce=True)


def _levers_panel(path: Path) -> list[Any]:
    from hashtide.hardware.catalog import catalog
    from hashtide.scenario import load_scenario

    spec = load_scenario(path)
    start = scenario_levers(spec)
    panel: list[Any] = [html.H4("Levers")]
    if start["has_actor"]:
        panel.append(html.Label("Facility power per variant [GW]"))
        for i, v in enumerate(start["variants"]):
            panel.append(
                html.Div(
                    [
                        html.Span(v["name"], className="lever-name"),
                        _number_input({"type": "state-gw", "index": i}, v["gw"]),
                    ],
                    className="lever-row",
                )
            )
        # Only models with a listed price: the machine price follows the chosen model.
        table = catalog()
        priced = table[table["price_usd"].notna()].sort_values("efficiency_j_per_th")
        models = [
            {
                "label": f"{row.model} — {row.efficiency_j_per_th:.1f} J/TH, "
                f"{row.price_usd:,.0f} USD",
                "value": row.model,
            }
            for row in priced.itertuples()
        ]
        panel += [
            html.Label("Miner (ASIC catalog)", htmlFor="state-miner"),
            dcc.Dropdown(
                id="state-miner",
                options=models,
                value=start["miner"],
                placeholder="the file's own miner",
                clearable=False,
            ),
            html.Label("Power price per site [USD/kWh]"),
        ]
        for i, s in enumerate(start["sites"]):
            panel.append(
                html.Div(
                    [
                        html.Span(s["name"], className="lever-name"),
                        _number_input({"type": "state-price", "index": i}, round(s["price"], 6)),
                    ],
                    className="lever-row",
                )
            )
    else:
        panel += [
            html.P("This scenario has no actor: only the market levers apply."),
            dcc.Dropdown(id="state-miner", options=[], value=None, style={"display": "none"}),
        ]
    history = start["price_is_history"]
    panel += [
        html.Label("BTC price drift [%/year]", htmlFor="state-growth"),
        dcc.Input(
            id="state-growth",
            type="number",
            value=round(100 * start["growth"], 6),
            disabled=history,
            debounce=True,
        ),
        html.Label("BTC price volatility [%/year]", htmlFor="state-volatility"),
        dcc.Input(
            id="state-volatility",
            type="number",
            value=round(100 * start["volatility"], 6),
            min=0,
            disabled=history,
            debounce=True,
        ),
        html.Label("Rest of the world (response model)"),
        dcc.RadioItems(id="state-response", options=list(RESPONSES), value=start["response"]),
        html.Label("Monte Carlo paths", htmlFor="state-paths"),
        dcc.Input(
            id="state-paths", type="number", value=start["paths"], min=1, step=1, debounce=True
        ),
    ]
    if history:
        panel.append(html.P("The BTC price is history here: drift and volatility are fixed."))
    return panel


def _levers(
    gws: list[float | None],
    miner: str | None,
    prices: list[float | None],
    growth_pct: float | None,
    volatility_pct: float | None,
    response: str | None,
    paths: int | None,
    start: dict[str, Any],
) -> Levers:
    """The page's inputs as :class:`Levers`; untouched market inputs keep the file's model."""
    growth = None if growth_pct is None else growth_pct / 100
    volatility = None if volatility_pct is None else volatility_pct / 100
    same = (
        growth is not None
        and volatility is not None
        and math.isclose(growth, start["growth"], abs_tol=1e-9)
        and math.isclose(volatility, start["volatility"], abs_tol=1e-9)
    )
    if start["price_is_history"] or same:
        growth = volatility = None
    return Levers(
        facility_power_gw=gws,
        miner=miner,
        power_price_usd_per_kwh=prices,
        btc_growth_frac_per_year=growth,
        btc_volatility_frac_per_year=volatility,
        response=response,
        paths=int(paths) if paths is not None else None,
    )


def run_from_page(
    path: Path,
    source_name: str,
    levers: Levers,
    runs_dir: Path,
    progress: Any = None,
    *,
    kind: str = "state",
) -> tuple[Any, Any]:
    """Validate the scenario with its levers, run it, store it: ``(result, RunInfo)``.

    Raises what :func:`hashtide.scenario.parse_scenario` and ``run_scenario`` raise.
    """
    from hashtide.dashboard.runs import new_run_id, save_run
    from hashtide.scenario import parse_scenario, run_scenario

    data = apply_levers(read_scenario_data(path), levers)
    spec = parse_scenario(data, source=source_name, base=path.parent)
    result = run_scenario(spec, progress=progress)
    label = ", ".join(
        part
        for part in (
            "/".join(f"{gw:g}" for gw in (levers.facility_power_gw or []) if gw is not None)
            + (" GW" if levers.facility_power_gw else ""),
            levers.miner or "",
            spec.network.response,
        )
        if part
    )
    info = save_run(runs_dir, new_run_id(), result, kind=kind, label=label)
    return result, info


def register(app: dash.Dash, ctx: Context) -> None:
    """The page's callbacks."""

    @app.callback(
        Output("state-source", "data"),
        Output("state-upload-status", "children"),
        Output("state-scenario", "value"),
        Input("state-scenario", "value"),
        Input("state-upload", "contents"),
        State("state-upload", "filename"),
    )
    def choose(value: str | None, contents: str | None, filename: str | None) -> Any:
        from hashtide.scenario import load_scenario

        if dash.ctx.triggered_id == "state-upload" and contents and filename:
            path: Path | None = None
            try:
                path = uploads.save_one(
                    ctx.work_dir,
                    contents,
                    filename,
                    suffixes=(".yaml", ".yml"),
                    limit_bytes=uploads.MAX_YAML_UPLOAD_BYTES,
                )
                load_scenario(path)
            except HashtideError as exc:
                message = str(exc).replace(str(ctx.work_dir), "…")
                if path is not None:  # the loader names the saved copy: name the upload
                    message = message.replace(str(path).replace(str(ctx.work_dir), "…"), filename)
                return None, problem(message, title=f"{filename} was not accepted"), None
            ok = note(f"{filename}: valid, ready to run")
            return {"path": str(path), "name": filename}, ok, None
        if value is None:
            return dash.no_update, dash.no_update, dash.no_update
        return {"path": value, "name": value}, None, dash.no_update

    @app.callback(Output("state-levers", "children"), Input("state-source", "data"))
    def levers_panel(source: dict[str, str] | None) -> Any:
        if not source:
            return html.P("Choose or upload a scenario.", className="muted")
        try:
            return _levers_panel(Path(source["path"]))
        except HashtideError as exc:
            return problem(str(exc), title="This scenario cannot be read")

    @app.callback(
        Output("state-results", "children"),
        Input("state-run", "n_clicks"),
        State("state-source", "data"),
        State({"type": "state-gw", "index": ALL}, "value"),
        State("state-miner", "value"),
        State({"type": "state-price", "index": ALL}, "value"),
        State("state-growth", "value"),
        State("state-volatility", "value"),
        State("state-response", "value"),
        State("state-paths", "value"),
        **background_run("state"),
    )
    def run(
        set_progress: Any,
        n_clicks: int | None,
        source: dict[str, str] | None,
        gws: list[float | None],
        miner: str | None,
        prices: list[float | None],
        growth: float | None,
        volatility: float | None,
        response: str | None,
        paths: int | None,
    ) -> Any:
        from hashtide.scenario import load_scenario

        if not source:
            return problem("Choose or upload a scenario first.")
        path = Path(source["path"])
        progress = variant_progress(set_progress)

        set_progress(("0", "1", "starting…"))
        try:
            start = scenario_levers(load_scenario(path))
            levers = _levers(gws, miner, prices, growth, volatility, response, paths, start)
            t0 = time.perf_counter()
            result, info = run_from_page(path, source["name"], levers, ctx.runs_dir, progress)
            took = time.perf_counter() - t0
        except HashtideError as exc:
            set_progress(("0", "1", ""))
            return problem(str(exc).replace(str(ctx.work_dir), "…"))
        from hashtide.dashboard.pages._render import render_result

        set_progress(("1", "1", f"done in {took:,.1f} s"))
        return render_result(result, info)
