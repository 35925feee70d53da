"""``hashtide catalog``: the shipped ASIC catalog, searchable, with each figure's source."""

from __future__ import annotations

import json
import math
import re
from typing import Annotated

import typer

from hashtide.cli._common import console, guarded, plain

# Everything else is imported inside the command: 'hashtide --help' must not load the stack.


def _source(text: str | None) -> str:
    """``asic/x.csv line 16: Bitmain Antminer S21 XP`` → ``x.csv:16`` (--json has it all)."""
    return "—" if not text else re.sub(r"^(?:asic/)?(.*?) line (\d+): .*$", r"\1:\2", text)


def _number(value: float | None, spec: str) -> str:
    return "—" if value is None or not math.isfinite(value) else format(value, spec)


@guarded
def catalog(
    search: Annotated[
        str | None,
        typer.Argument(
            help="Only models whose name or maker holds every word of this, e.g. 's21', "
            "'whatsminer m6', 'hydro'. Case does not matter."
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print every column as JSON (for scripts) instead.")
    ] = False,
) -> None:
    """List the machines of the shipped ASIC catalog: what a scenario's 'miner:' can name.

    One row per model, oldest release first: hashrate [TH/s], power [W], efficiency [J/TH],
    release month, listed price [USD] and where the figures come from. A scenario or
    facilities file must name a model as written here (case, spaces around words, and a
    leading maker such as 'Bitmain' or 'Antminer' do not matter); a near miss gets "did you
    mean". --json gives every column, with the sources of the price and the release date.
    """
    from rich.table import Table

    from hashtide.hardware.catalog import CATALOG_COLUMNS, search_models

    models = search_models(search or "")
    if as_json:
        rows = [
            {
                name: (
                    None
                    if isinstance(value := getattr(m, name), float) and not math.isfinite(value)
                    else value
                )
                for name in CATALOG_COLUMNS
            }
            for m in models
        ]
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    title = "ASIC catalog" + (f" — models matching {search!r}" if search else "")
    table = Table(
        title=plain(title),
        caption="source: the raw file and line each figure was read from (--json has the price's "
        "and release date's too; hashtide.hardware.catalog_provenance() describes the files)",
    )
    for name in ("model", "TH/s", "W", "J/TH", "release", "price USD", "source"):
        right = name in ("TH/s", "W", "J/TH", "price USD")
        table.add_column(
            name,
            justify="right" if right else "left",
            no_wrap=name != "source",
            overflow="fold",
        )
    for m in models:
        table.add_row(
            plain(m.model),
            _number(m.hashrate_ths, ",.1f"),
            _number(m.power_w, ",.0f"),
            _number(m.efficiency_j_per_th, ".2f"),
            plain(m.release or "—"),
            _number(m.price_usd, ",.0f"),
            plain(_source(m.source)),
        )
    console.print(table)
    console.print(f"{len(models)} models", highlight=False)
