"""``hashtide screen``: rank many meters by the probability that they hide mining."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from hashtide.cli._common import console, err_console, guarded, plain, progress_bar


@guarded
def screen(
    source: Annotated[
        Path,
        typer.Argument(
            metavar="INPUT",
            help="A folder of meter CSVs (timestamp,power_kw; meter id = file name) or one long "
            "CSV (meter_id,timestamp,power_kw).",
            exists=True,
        ),
    ],
    meta: Annotated[
        Path | None,
        typer.Option(
            "--meta",
            help="CSV of metadata per meter: meter_id and any of category (office, residential, "
            "lab, …: the peers each meter is compared with), floor_area_m2, "
            "registered_business, tariff.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    timezone: Annotated[
        str,
        typer.Option(
            help="Time zone of timestamps without a UTC offset, and of the local clock (night, "
            "weekend), e.g. Europe/London."
        ),
    ] = "UTC",
    allow_gaps: Annotated[
        bool,
        typer.Option("--allow-gaps", help="Treat gaps and empty readings as missing."),
    ] = False,
    timestamp_column: Annotated[
        str,
        typer.Option(
            help="Name of the timestamp column in every meter (ISO 8601; UTC offsets honoured)."
        ),
    ] = "timestamp",
    power_column: Annotated[
        str,
        typer.Option(
            help="Name of the reading column in every meter; its unit from its suffix (power_w, "
            "power_kw, energy_kwh, …) or --unit."
        ),
    ] = "power_kw",
    unit: Annotated[
        str | None,
        typer.Option(
            help="Unit of every meter's readings: W, kW, MW (mean power over the interval) or "
            "Wh, kWh, MWh (energy in the interval). Default: the column name's suffix."
        ),
    ] = None,
    top: Annotated[int | None, typer.Option(min=1, help="Print only the first N meters.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the result as JSON (for scripts) instead.")
    ] = False,
) -> None:
    """Screen many meters for hidden mining: highest mining probability first, with evidence.

    Each meter is scored in six channels: change inside its history (a block switched on, grown
    in batches), a block at fixed clock hours (nights, weekends), a block on and off every
    night (a night tariff), square pulses down of one height (curtailed), dips (switched off on
    some days), and its level and shape against its peers (meters of the same category with
    --meta, else all meters). Its score is the strongest channel; mining_probability is the share of
    clean training site-years scoring lower (a screening score, not the chance that the site
    mines), and 'flagged' means it reached the threshold (set for 1 false alarm per 100
    site-years). With --json prints {"meters": [{"meter_id", "flagged", "mining_probability",
    "pattern", "estimated_kw", "evidence"}, …]}. Bad input in any meter exits 2, listing every
    problem under the meter's name.
    """
    from rich.markup import escape
    from rich.table import Table

    from hashtide.regulation.population import load_meters, read_meta
    from hashtide.regulation.screening import screen as run_screen

    info = read_meta(meta) if meta is not None else None
    meters = load_meters(
        source,
        timezone=timezone,
        allow_gaps=allow_gaps,
        timestamp_column=timestamp_column,
        power_column=power_column,
        unit=unit,
    )
    if info is not None:
        unknown = sorted(set(info) - set(meters))
        if unknown and len(unknown) == len(info):
            from hashtide.errors import InvalidInputError

            raise InvalidInputError(
                f"{meta}: none of its meter_id values is a meter of {source} "
                f"(e.g. {unknown[0]!r}; meters: {', '.join(list(meters)[:5])})"
            )
        if unknown:
            # A meta file may describe more meters than are screened; but a misspelt id would
            # leave its meter without a category (and its peers) silently: say which.
            import difflib

            close = difflib.get_close_matches(unknown[0], list(meters), n=1, cutoff=0.6)
            hint = f" ({unknown[0]!r}: did you mean {close[0]!r}?)" if close else ""
            more = f" and {len(unknown) - 3} more" if len(unknown) > 3 else ""
            err_console.print(
                f"note: {plain(meta)}: {len(unknown)} meter_id value(s) are not meters of "
                f"{plain(source)}, so what they say is not used: "
                f"{plain(', '.join(repr(m) for m in unknown[:3]) + more + hint)}",
                highlight=False,
                soft_wrap=True,
            )
    with progress_bar(disable=as_json or len(meters) < 2) as bar:
        task = bar.add_task("screening meters", total=len(meters))
        results = run_screen(
            meters, meta=info, progress=lambda done: bar.update(task, completed=done)
        )
    shown = results[:top] if top else results
    if as_json:
        payload = {"meters": [r.as_json() for r in shown]}
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    flagged = sum(r.flagged for r in results)
    table = Table(
        title=escape(
            f"{len(results)} meters screened, {flagged} flagged (mining probability ≥ "
            f"{100 * results[0].threshold:.1f} %)"
        )
    )
    for name in ("meter", "category", "mining prob.", "flagged", "pattern", "est. kW", "why"):
        table.add_column(name, overflow="fold")
    for r in shown:
        strongest = max(r.evidence, key=lambda e: e.fleet_logit or 0.0)
        why = (
            strongest.sentence
            if (strongest.fleet_logit or 0.0) > 0
            else "no channel scores above a typical clean site-year"
        )
        table.add_row(
            escape(r.meter_id),
            escape(r.category or "—"),
            f"{100 * r.mining_probability:.1f} %",
            "[bold red]yes[/]" if r.flagged else "no",
            r.pattern,
            f"{r.estimated_kw:,.1f}" if r.estimated_kw else "—",
            escape(why),
        )
    console.print(table)
