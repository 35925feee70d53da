"""Page 2, Bans and replays: the 2021 replay and its counterfactual; edit the bans and rerun."""

from __future__ import annotations

import copy
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dash
from dash import Input, Output, State, dcc, html
from dash.dash_table.DataTable import DataTable

from hashtide.dashboard.components import background_run, problem, variant_progress
from hashtide.dashboard.levers import read_scenario_data, shipped_scenarios
from hashtide.errors import HashtideError, InvalidInputError

if TYPE_CHECKING:
    from hashtide.dashboard.app import Context

#: The ban parameters the page edits, as written in the scenario file (text with units).
BAN_KEYS = (
    ("start", "start"),
    ("ramp", "ramp"),
    ("stop", "stop"),
    ("relocate", "relocate"),
    ("covert", "covert"),
    ("relocate_delay", "relocate delay"),
    ("covert_resume", "covert resumes"),
    ("covert_ramp", "covert ramp"),
)
#: Paths a replay runs with unless changed (the file's 200 take minutes on a small machine).
DEFAULT_PATHS = 20


def _replay_files(ctx: Context) -> list[Path]:
    out = []
    for path in shipped_scenarios(ctx.scenarios_dir):
        try:
            data = read_scenario_data(path)
        except HashtideError:
            continue
        if any(isinstance(e, dict) and e.get("kind") == "ban" for e in data.get("events") or []):
            out.append(path)
    return out


def ban_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per ``kind: ban`` event: its index in ``events``, name and parameters as text.

    Examples
    --------
    >>> ban_rows({"events": [{"kind": "power_cut"}, {"kind": "ban", "name": "x", "stop": "15 %"}]})
    [{'event': 1, 'name': 'x', 'start': '', 'ramp': '', 'stop': '15 %', 'relocate': '', \
'covert': '', 'relocate_delay': '', 'covert_resume': '', 'covert_ramp': ''}]
    """
    rows = []
    for index, event in enumerate(data.get("events") or []):
        if isinstance(event, dict) and event.get("kind") == "ban":
            row: dict[str, Any] = {"event": index, "name": str(event.get("name", ""))}
            for key, _ in BAN_KEYS:
                value = event.get(key)
                row[key] = "" if value is None else str(value)
            rows.append(row)
    return rows


def apply_ban_rows(data: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A copy of ``data`` with each row's parameters written into its ban (blank: removed).

    Examples
    --------
    >>> data = {"events": [{"kind": "ban", "name": "x", "stop": "15 %", "ramp": "7 days"}]}
    >>> apply_ban_rows(data, [{"event": 0, "stop": "20 %", "ramp": ""}])["events"][0]
    {'kind': 'ban', 'name': 'x', 'stop': '20 %'}
    """
    out = copy.deepcopy(data)
    events = out.get("events") or []
    for row in rows:
        index = row.get("event")
        if not isinstance(index, int) or not 0 <= index < len(events):
            raise InvalidInputError(f"the table names an event {index!r} the file does not have")
        event = events[index]
        for key, _ in BAN_KEYS:
            if key not in row:
                continue
            text = str(row[key] if row[key] is not None else "").strip()
            if text:
                event[key] = text
            else:
                event.pop(key, None)
    return out


def edits_label(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> str:
    """What the table changed, for the run's name: ``Sichuan and Yunnan: stop 30 %``.

    Examples
    --------
    >>> edits_label([{"event": 1, "name": "x", "stop": "15 %"}],
    ...             [{"event": 1, "name": "x", "stop": "30 %"}])
    'x: stop 30 %'
    >>> edits_label([{"event": 1, "name": "x", "stop": "15 %"}], [])
    "the file's bans"
    """
    old = {row["event"]: row for row in before}
    parts = []
    for row in after:
        was = old.get(row.get("event"), {})
        changed = [
            f"{label} {row.get(key) or '(none)'}"
            for key, label in BAN_KEYS
            if str(row.get(key) or "").strip() != str(was.get(key) or "").strip()
        ]
        if changed:
            parts.append(f"{row.get('name', '')}: {', '.join(changed)}")
    return "; ".join(parts) or "the file's bans"


def layout(ctx: Context) -> html.Div:
    """The page's components."""
    files = _replay_files(ctx)
    default = next((str(p) for p in files if p.stem == "china-2021-ban"), None)
    if default is None and files:
        default = str(files[0])
    columns: list[Any] = [{"name": "name", "id": "name", "editable": False}]
    columns += [{"name": label, "id": key} for key, label in BAN_KEYS]
    return html.Div(
        [
            html.H2("Bans and replays"),
            html.P(
                "A ban replayed on the calibrated world market from the real state before it, "
                "with the real BTC price and fees, scored against the chain's difficulty, beside "
                "its counterfactual (the same history without the events). Edit the bans' "
                "parameters — shares that stop, relocate and go covert, ramps and delays, as "
                "written in the scenario file (36 %, 60 days, 2021-07-01) — and rerun.",
                className="lead",
            ),
            html.Div(
                [
                    html.Aside(
                        [
                            html.Label("Scenario", htmlFor="bans-scenario"),
                            dcc.Dropdown(
                                id="bans-scenario",
                                options=[{"label": p.stem, "value": str(p)} for p in files],
                                value=default,
                                clearable=False,
                                placeholder=f"no scenario with a ban in {ctx.scenarios_dir}",
                            ),
                            html.Label("Monte Carlo paths", htmlFor="bans-paths"),
                            dcc.Input(
                                id="bans-paths", type="number", value=DEFAULT_PATHS, min=1, step=1
                            ),
                            html.Div(
                                [
                                    html.Button("Run", id="bans-run", className="primary"),
                                    html.Button("Cancel", id="bans-cancel", disabled=True),
                                ],
                                className="buttons",
                            ),
                            html.Progress(id="bans-progress", value="0", max="1"),
                            html.Div(id="bans-progress-text", className="muted"),
                        ],
                        className="sidebar",
                    ),
                    html.Div(
                        [
                            html.H4("The bans (edit a cell, then Run)"),
                            DataTable(
                                id="bans-table",
                                columns=columns,
                                editable=True,
                                style_table={"overflowX": "auto"},
                                style_cell={"fontFamily": "inherit", "fontSize": "13px"},
                            ),
                            html.Div(
                                html.P("Press Run to replay.", className="muted"),
                                id="bans-results",
                            ),
                        ],
                        className="results",
                    ),
                ],
                className="columns",
            ),
        ]
    )


def register(app: dash.Dash, ctx: Context) -> None:
    """The page's callbacks."""

    @app.callback(Output("bans-table", "data"), Input("bans-scenario", "value"))
    def fill(value: str | None) -> Any:
        if not value:
            return []
        try:
            return ban_rows(read_scenario_data(Path(value)))
        except HashtideError:
            return []

    @app.callback(
        Output("bans-results", "children"),
        Input("bans-run", "n_clicks"),
        State("bans-scenario", "value"),
        State("bans-table", "data"),
        State("bans-paths", "value"),
        **background_run("bans"),
    )
    def run(
        set_progress: Any,
        n_clicks: int | None,
        value: str | None,
        rows: list[dict[str, Any]] | None,
        paths: int | None,
    ) -> Any:
        from hashtide.dashboard.pages._render import render_result
        from hashtide.dashboard.runs import new_run_id, save_run
        from hashtide.scenario import parse_scenario, run_scenario

        if not value:
            return problem("Choose a scenario first.")
        path = Path(value)

        progress = variant_progress(set_progress)
        set_progress(("0", "1", "starting…"))
        try:
            original = read_scenario_data(path)
            data = apply_ban_rows(original, rows or [])
            label = edits_label(ban_rows(original), rows or [])
            if paths is not None:
                data["paths"] = int(paths)
            spec = parse_scenario(data, source=path.name, base=path.parent)
            t0 = time.perf_counter()
            result = run_scenario(spec, progress=progress)
            took = time.perf_counter() - t0
            info = save_run(ctx.runs_dir, new_run_id(), result, kind="replay", label=label)
        except HashtideError as exc:
            set_progress(("0", "1", ""))
            return problem(str(exc))
        set_progress(("1", "1", f"done in {took:,.1f} s"))
        return render_result(result, info)
