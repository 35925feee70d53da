"""``hashtide dashboard``: the browser dashboard (needs the ``dashboard`` extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hashtide.cli._common import console, guarded, plain

# Dash and the model are imported inside the command: 'hashtide --help' must stay fast.


def check_address(host: str, port: int) -> None:
    """Refuse, before the app is built, an address this machine cannot listen on.

    ``--host not..a..host`` was an internal error (``UnicodeError`` from the name lookup), a
    busy port an exit 1 after the app was built. The probe sets ``SO_REUSEADDR`` as the
    server does, so only a program listening there makes the port busy.
    """
    import errno
    import socket

    from hashtide.errors import InvalidInputError

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InvalidInputError(
            f"--host {host!r} is not an address or a name this machine can resolve ({reason}); "
            "e.g. 127.0.0.1 (this machine only) or 0.0.0.0 (every interface)"
        ) from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise InvalidInputError(
                    f"--port {port}: another program is listening on {host}:{port}; stop it, "
                    "or choose another --port"
                ) from None
            raise InvalidInputError(
                f"--host {host!r}: cannot listen there ({exc.strerror or exc}); e.g. 127.0.0.1"
            ) from None


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

    if work_dir is not None:  # '/proc/x' was an internal error once the server started
        from hashtide.report._io import check_output_folder

        check_output_folder(work_dir, option="--work-dir")
    check_address(host, port)
    if not scenarios.is_dir():
        console.print(
            f"note: no folder {plain(scenarios)}: the pages offer no shipped scenario; upload "
            "one, or pass --scenarios DIR",
            highlight=False,
        )
    console.print(f"hashtide dashboard on http://{plain(host)}:{port}/  (Ctrl+C stops it)")
    serve(host=host, port=port, scenarios_dir=scenarios, work_dir=work_dir)
