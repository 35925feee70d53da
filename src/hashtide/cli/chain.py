"""``hashtide chain …``: the real chain history, its retargets replayed, shown and charted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hashtide.cli._common import (
    EXAMPLES,
    EXIT_FAILURE,
    HelpCommand,
    HelpGroup,
    console,
    err_console,
    guarded,
    plain,
)
from hashtide.errors import InvalidInputError

# Everything else is imported inside the commands: 'hashtide --help' must not load the stack.
if TYPE_CHECKING:
    import pandas as pd

    from hashtide.chain.verify import RetargetCheck

chain_app = typer.Typer(
    help=(
        "Bitcoin's real chain history, one row per 2016-block retarget period.\n\n"
        "The history ships with hashtide (built from public checkpoint files and Bitcoin Core "
        "block statistics; no network needed). 'chain verify' and 'chain show' take "
        "--headers FILE to build it instead from a raw 80-byte block-headers file, e.g. "
        "Electrum's 'blockchain_headers'."
    ),
    no_args_is_help=True,
    cls=HelpGroup,
)

HeadersOption = Annotated[
    Path | None,
    typer.Option(
        "--headers",
        help="Build the history from this file of raw 80-byte block headers (from genesis) "
        "instead of the shipped table. Every header's proof of work, link and bits are checked.",
        exists=True,
        dir_okay=False,
        readable=True,
    ),
]


def _load(headers: Path | None) -> tuple[pd.DataFrame, str]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from hashtide.chain.history import epochs, provenance

    if headers is None:
        meta = provenance()
        return epochs(), f"shipped history (built {meta['built_on']})"
    from hashtide.chain.headers import epochs_from_headers

    with Progress(
        TextColumn("reading headers"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task("headers", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        table = epochs_from_headers(headers, progress=progress)
    return table, f"headers file {headers}"


def _date(value: object) -> str:
    import pandas as pd

    return "—" if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")  # type: ignore[call-overload, arg-type]


def _ranges(heights: list[int], step: int = 2016) -> str:
    """``[a, a+step, …, b, d]`` → ``"a … b, d"``."""
    parts: list[str] = []
    start = prev = None
    for height in [*heights, None]:
        if height is not None and prev is not None and height == prev + step:
            prev = height
            continue
        if start is not None and prev is not None:
            parts.append(f"{start:,}" if start == prev else f"{start:,} … {prev:,}")
        start = prev = height
    return ", ".join(parts)


def _exact_row(check: RetargetCheck, table: pd.DataFrame) -> list[str]:
    rows = table.set_index("epoch")
    old = rows.loc[check.epoch]
    new = rows.loc[check.epoch + 1]
    change = (new["difficulty"] / old["difficulty"] - 1) * 100
    return [
        f"{check.height:,}",
        _date(new["first_block_time"])[:10],
        f"0x{check.old_bits:08x}",
        f"{check.span_min_s:,}",
        f"0x{check.computed_bits or 0:08x}",
        f"0x{check.expected_bits:08x}",
        f"{change:+.2f} %",
        "[green]ok[/]" if check.ok else "[bold red]FAIL[/]",
    ]


@chain_app.command(cls=HelpCommand, epilog=EXAMPLES["chain verify"])
@guarded
def verify(
    headers: HeadersOption = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="List every check, not only exact replays and failures.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Replay every difficulty retarget with Bitcoin Core's rule and report what matches.

    Where both block times of a period are known, the next bits are recomputed exactly
    (CalculateNextWorkRequired) and must match to the bit. Elsewhere the bits transition pins
    the measured span to a few seconds, and the next period's first block must follow about one
    block interval later. Exits 1 if any check fails.
    """
    from rich.table import Table

    from hashtide.chain.verify import verify_retargets

    table, label = _load(headers)
    report = verify_retargets(table)
    if as_json:
        out = {
            "source": label,
            "exact": {"checked": report.count("exact"), "ok": report.count("exact", ok=True)},
            "span": {"checked": report.count("span"), "ok": report.count("span", ok=True)},
            "unchecked": report.count("unchecked"),
            "failures": [
                {"epoch": c.epoch, "height": c.height, "kind": c.kind, "detail": c.detail}
                for c in report.failures
            ],
        }
        typer.echo(json.dumps(out, indent=2))
        if not report.ok:
            raise typer.Exit(EXIT_FAILURE)
        return
    newest = int(table["start_height"].iloc[-1])
    console.print(
        f"Replayed {len(report.checks)} retargets of the {plain(label)}: heights 0 … {newest:,} "
        f"(newest period starts at {newest:,})."
    )
    grid = Table(title="Retargets replayed exactly (both block times known)")
    for name in ("height", "date", "old bits", "span \\[s]", "computed", "chain", "change", ""):
        grid.add_column(name, justify="right")
    for check in report.checks:
        if check.kind == "exact":
            grid.add_row(*_exact_row(check, table))
    console.print(grid)
    for check in report.checks:
        if check.kind == "span" and (show_all or not check.ok):
            mark = "[green]ok[/]  " if check.ok else "[bold red]FAIL[/]"
            console.print(
                f"{mark} period {check.epoch} → height {check.height:,}: {plain(check.detail)}",
                highlight=False,
            )
    unchecked = _ranges([c.height for c in report.checks if c.kind == "unchecked"])
    console.print(
        f"exact (both block times known):  {report.count('exact', ok=True)} of "
        f"{report.count('exact')} reproduce the next bits to the bit\n"
        f"span  (first-block times only):  {report.count('span', ok=True)} of "
        f"{report.count('span')} consistent with a one-block gap before the next period\n"
        f"unchecked (a first-block time unknown): {report.count('unchecked')}"
        + (f" (new periods at heights {unchecked})" if unchecked else ""),
        highlight=False,
    )
    if report.failures:
        names = ", ".join(f"{c.epoch} (height {c.height:,})" for c in report.failures)
        console.print(f"[bold red]{len(report.failures)} failed:[/] {names}")
        raise typer.Exit(EXIT_FAILURE)
    if not report.checks:
        count = headers.stat().st_size // 80 if headers is not None else len(table)
        console.print(
            f"Nothing was checked: the {plain(label)} holds {count:,} header(s), all in the first "
            "period; the first retarget is at height 2,016 (a file of 2,017 headers has one).",
            highlight=False,
        )
        return
    console.print("[green]All checked retargets agree with Bitcoin Core's rule.[/]")


def _since_start(table: pd.DataFrame, since: str, *, built_on: str | None = None) -> int:
    """Index of the first period that starts on or after ``since``.

    Periods whose first-block time no source holds are kept when they follow the last known
    period before ``since``. ``built_on`` (the shipped history's build date) bounds them: a
    ``since`` after it matches nothing, instead of listing periods that surely started before.
    """
    import numpy as np
    import pandas as pd

    try:
        when = pd.Timestamp(since)
    except (ValueError, TypeError) as exc:
        raise InvalidInputError(
            f"--since {since!r} is not a date; write it like 2021-05-01 (UTC)"
        ) from exc
    when = when.tz_localize("UTC") if when.tzinfo is None else when.tz_convert("UTC")
    known = table["first_block_time"].notna().to_numpy()
    earlier = known & (table["first_block_time"] < when).to_numpy()
    start = int(np.flatnonzero(earlier)[-1]) + 1 if earlier.any() else 0
    newest = int(table["start_height"].iloc[-1])
    if built_on is not None and when > pd.Timestamp(built_on, tz="UTC") + pd.Timedelta(days=1):
        start = len(table)
    if start >= len(table):
        known_times = table.loc[known, "first_block_time"]
        latest = (
            "" if known_times.empty else f"; the newest known start is {known_times.max():%Y-%m-%d}"
        )
        built = f", in a history built on {built_on}" if built_on is not None else ""
        raise InvalidInputError(
            f"--since {since}: no period starts on or after it — the newest period starts at "
            f"height {newest:,}{built}{latest}"
        )
    return start


@chain_app.command(cls=HelpCommand, epilog=EXAMPLES["chain show"])
@guarded
def show(
    since: Annotated[
        str | None,
        typer.Option(help="Only periods that start on or after this date (UTC), e.g. 2021-05-01."),
    ] = None,
    last: Annotated[
        int | None,
        typer.Option(min=1, help="Only the newest N periods (default: 12, or all with --since)."),
    ] = None,
    plot: Annotated[
        Path | None,
        typer.Option(
            help="Also write a chart of difficulty and implied hashrate (log axis, halvings "
            "marked) to this file: .html (interactive, works offline) or .png (needs the "
            "plot extra: pip install 'hashtide\\[plot]').",
            dir_okay=False,
        ),
    ] = None,
    csv: Annotated[
        bool, typer.Option("--csv", help="Print the table as CSV (all columns).")
    ] = False,
    headers: HeadersOption = None,
) -> None:
    """Show the chain history: difficulty, block times, implied hashrate per period.

    Times are header times of each period's first block (UTC); '—' marks a value no source
    holds (it is never estimated). Hashrate is implied by difficulty and the period's duration.
    """
    import pandas as pd
    from rich.table import Table

    from hashtide.chain.history import provenance
    from hashtide.report._io import check_output_file
    from hashtide.report.formatting import format_hashrate, format_quantity
    from hashtide.units import SECONDS_PER_DAY

    if plot is not None:
        check_output_file(plot, option="--plot")
    table, label = _load(headers)
    table = table.assign(change_pct=table["difficulty"].pct_change() * 100)
    if since is not None:
        built_on = provenance()["built_on"] if headers is None else None
        table = table.iloc[_since_start(table, since, built_on=built_on) :]
    if last is not None or since is None:
        table = table.iloc[-(last or 12) :]
    if table.empty:
        raise InvalidInputError(f"no periods start on or after --since {since}")
    if plot is not None:
        from hashtide.report.chain_plot import plot_history

        plot_history(table, plot)
    if csv:
        typer.echo(
            table.drop(columns="change_pct").to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%SZ"),
            nl=False,
        )
        if plot is not None:
            err_console.print(f"chart written to {plain(plot)}", highlight=False)
        return
    grid = Table(title=f"Bitcoin retarget periods — {plain(label)}")
    for name, justify in (
        ("period", "right"),
        ("start height", "right"),
        ("first block (UTC)", "left"),
        ("difficulty", "right"),
        ("change", "right"),
        ("duration", "right"),
        ("hashrate", "right"),
    ):
        grid.add_column(name, justify=justify)  # type: ignore[arg-type]
    for _, row in table.iterrows():
        pct = row["change_pct"]
        grid.add_row(
            str(row["epoch"]),
            f"{row['start_height']:,}",
            _date(row["first_block_time"]),
            format_quantity(float(row["difficulty"]), "si"),
            "" if pd.isna(pct) else f"{pct:+.2f} %",
            "—" if pd.isna(row["duration_s"]) else f"{row['duration_s'] / SECONDS_PER_DAY:.2f} d",
            "—" if pd.isna(row["hashrate_hs"]) else format_hashrate(float(row["hashrate_hs"])),
        )
    console.print(grid)
    if plot is not None:
        console.print(f"chart written to {plain(plot)}", highlight=False)
