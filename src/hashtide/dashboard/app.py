"""The dashboard application: one layout, four pages and the comparison, the download route.

:func:`create_app` builds the Dash app; :func:`serve` runs it (``hashtide dashboard``). Pages
live in their own modules and register their callbacks on the app; long runs are background
callbacks (a separate process per run, through ``diskcache``), with a progress bar and a
cancel button.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dash
from dash import Input, Output, dcc, html

from hashtide import __version__
from hashtide.dashboard import runs, uploads
from hashtide.errors import HashtideError

#: The pages: path, menu label, module.
PAGES = (
    ("/", "State program", "state"),
    ("/bans", "Bans and replays", "bans"),
    ("/hidden", "Hidden mining", "hidden"),
    ("/chain", "Chain", "chain"),
    ("/compare", "Compare runs", "compare"),
)


@dataclass(frozen=True, kw_only=True)
class Context:
    """What every page needs: where scenarios are and where runs and uploads go."""

    scenarios_dir: Path
    work_dir: Path

    @property
    def runs_dir(self) -> Path:
        """Folder of the finished runs (:mod:`hashtide.dashboard.runs`)."""
        return self.work_dir / "runs"


def _shell() -> html.Div:
    nav = html.Nav(
        [
            html.Span("hashtide", className="brand"),
            *(
                dcc.Link(label, href=path, id=f"nav-{module}", className="nav-link")
                for path, label, module in PAGES
            ),
            html.Span(f"v{__version__}", className="muted"),
        ],
        className="nav",
    )
    return html.Div(
        [
            dcc.Location(id="url"),
            nav,
            html.Main(id="page", className="page"),
            html.Footer(
                "hashtide: Bitcoin mining under energy and policy constraints, with numbers "
                "anyone can check. Every figure here comes from the same functions as the "
                "command line and its HTML reports.",
                className="muted footer",
            ),
        ]
    )


def create_app(*, scenarios_dir: Path, work_dir: Path) -> dash.Dash:
    """The dashboard as a Dash app (not started).

    Parameters
    ----------
    scenarios_dir : Path
        Folder of the scenario files offered on the State program and Bans pages.
    work_dir : Path
        Folder for finished runs, uploads and the background runs' cache (created).
    """
    import diskcache
    from flask import abort, send_file

    from hashtide.dashboard.pages import bans, chain, compare, hidden, state

    work_dir.mkdir(parents=True, exist_ok=True)
    ctx = Context(scenarios_dir=scenarios_dir, work_dir=work_dir)
    cache = diskcache.Cache(str(work_dir / "cache"))
    manager = dash.DiskcacheManager(cache)  # type: ignore[no-untyped-call]
    app = dash.Dash(
        __name__,
        title="hashtide dashboard",
        suppress_callback_exceptions=True,
        background_callback_manager=manager,
        assets_folder=str(Path(__file__).parent / "assets"),
        update_title="",
    )
    app.server.config["MAX_CONTENT_LENGTH"] = uploads.MAX_REQUEST_BYTES
    app.layout = _shell()
    modules = {"state": state, "bans": bans, "hidden": hidden, "chain": chain, "compare": compare}
    for module in modules.values():
        module.register(app, ctx)

    @app.callback(Output("page", "children"), Input("url", "pathname"))
    def route(pathname: str | None) -> Any:
        for path, _, name in PAGES:
            if pathname == path:
                return modules[name].layout(ctx)
        return html.Div([html.H2("Not found"), dcc.Link("Back to the first page", href="/")])

    def download(run_id: str, name: str) -> Any:
        if name not in runs.DOWNLOADS:
            abort(404)
        try:
            if name.endswith(".html"):
                path = runs.report_file(ctx.runs_dir, run_id, name)
            else:
                path = runs.run_folder(ctx.runs_dir, run_id) / name
        except HashtideError:
            abort(404)
        if not path.is_file():
            abort(404)
        return send_file(path.resolve(), as_attachment=True, download_name=name)

    app.server.add_url_rule("/download/<run_id>/<name>", view_func=download)

    return app


def warm_up() -> None:
    """Import what the pages and runs use, once, before the first request (and before runs
    fork), so that the first page and each run start without paying for imports."""
    import hashtide.chain.history
    import hashtide.chain.verify
    import hashtide.hardware.catalog
    import hashtide.market.report
    import hashtide.regulation.detector
    import hashtide.regulation.report
    import hashtide.regulation.rules
    import hashtide.regulation.screening
    import hashtide.report.chain_plot
    import hashtide.report.scenario_report
    import hashtide.scenario.run
    import hashtide.scenario.world_run
    import hashtide.security  # noqa: F401


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 8050,
    scenarios_dir: Path = Path("scenarios"),
    work_dir: Path | None = None,
) -> None:
    """Run the dashboard until interrupted (Werkzeug's threaded server; local use)."""
    own = work_dir is None
    folder = Path(tempfile.mkdtemp(prefix="hashtide-dashboard-")) if work_dir is None else work_dir
    try:
        warm_up()
        app = create_app(scenarios_dir=scenarios_dir, work_dir=folder)
        app.run(host=host, port=port, debug=False)
    finally:
        if own:
            shutil.rmtree(folder, ignore_errors=True)
