"""``hashtide dashboard``: the browser dashboard (needs the ``dashboard`` extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hashtide.cli._common import console, guarded, plain

# Dash and the model are imported inside the command: 'hashtide --help' must stay fast.


@guarded
def dashboard(
    host: Annotated[
        str,
        typer.Option(
            help="Address to listen on. The default serves this machine only; another address "
            "exposes the dashboard (and its uploads and runs) to the network.",
        ),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65_535, help="Port to listen on.")] = 8050,
    scenarios: Annotated[
        Path,
        typer.Option(
            help="Folder of the scenario files the pages offer (the repository's scenarios/).",
            file_okay=False,
        ),
    ] = Path("scenarios"),
    work_dir: Annotated[
        Path | None,
        typer.Option(
            help="Folder for finished runs and uploads, kept after exit (default: a temporary "
            "folder, removed at exit).",
            file_okay=False,
        ),
    ] = None,
) -> None:
    """Open the three questions in the browser: state programs, bans, hidden mining, the chain.

    Four pages — State program (levers, run with progress and cancel, the report's charts and
    claims), Bans and replays, Hidden mining (screen meters, classify facilities) and Chain —
    and a comparison of two runs, with the HTML report and tables to download. Uploads are
    checked as the CLI checks files. Stop with Ctrl+C.
    """
    try:
        import dash  # noqa: F401
        import diskcache  # noqa: F401
    except ImportError as exc:
        from hashtide.errors import HashtideError

        raise HashtideError(
            f"the dashboard needs {exc.name}: pip install 'hashtide[dashboard]'"
        ) from exc
    from hashtide.dashboard.app import serve

    if not scenarios.is_dir():
        console.print(
            f"note: no folder {plain(scenarios)}: the pages offer no shipped scenario; upload "
            "one, or pass --scenarios DIR",
            highlight=False,
        )
    console.print(f"hashtide dashboard on http://{plain(host)}:{port}/  (Ctrl+C stops it)")
    serve(host=host, port=port, scenarios_dir=scenarios, work_dir=work_dir)
