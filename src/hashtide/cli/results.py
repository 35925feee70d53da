"""``hashtide results``: list, show, query and export the runs in the results store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from hashtide.cli._common import console, guarded
from hashtide.cli.sweep import StoreOption

results_app = typer.Typer(
    help="The results store (a DuckDB file of every run a sweep made): list, show, query, export.",
    no_args_is_help=True,
)


def _table(names: list[str], rows: list[tuple[Any, ...]], title: str | None = None) -> Any:
    from rich.table import Table

    table = Table(title=title)
    for name in names:
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*(_cell(v) for v in row))
    return table


def _cell(value: Any) -> str:
    from rich.markup import escape

    if isinstance(value, float):
        return f"{value:,.6g}"
    return escape(str(value))


@results_app.command("list")
@guarded
def list_runs(
    store: StoreOption = Path("hashtide-results.duckdb"),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON rows.")] = False,
) -> None:
    """One line per stored run: id, scenario, seed, paths, version, grid parameters."""
    from hashtide.results import ResultsStore

    with ResultsStore(store, read_only=True) as results:
        names, rows = results.runs()
    if as_json:
        typer.echo(json.dumps([dict(zip(names, r, strict=True)) for r in rows], default=str))
        return
    console.print(_table(names, rows, title=f"{len(rows)} run(s) in {store}"))


@results_app.command("show")
@guarded
def show(
    run: Annotated[
        str, typer.Argument(help="A run id from 'hashtide results list' (or a prefix).")
    ],
    store: StoreOption = Path("hashtide-results.duckdb"),
    as_json: Annotated[bool, typer.Option("--json", help="Print everything as JSON.")] = False,
) -> None:
    """A run's key, parameters, figures per variant and yearly cash flows."""
    from hashtide.results import ResultsStore

    with ResultsStore(store, read_only=True) as results:
        record = results.get(run)
    if as_json:
        typer.echo(json.dumps(record, default=str, indent=2))
        return
    console.print(
        f"run {record['run_id']}: scenario {record['scenario']!r}, seed {record['seed']}, "
        f"{record['paths']:,} paths, hashtide {record['version']}, "
        f"params {json.dumps(record['params'])}\nscenario hash {record['scenario_hash']}",
        highlight=False,
        markup=False,
    )
    variants = record["variants"]
    if variants:
        names = list(variants[0])
        console.print(_table(names, [tuple(v.values()) for v in variants], "variants (medians)"))
    yearly = record["yearly"]
    if yearly:
        names = list(yearly[0])
        console.print(_table(names, [tuple(y.values()) for y in yearly], "yearly cash flows"))


@results_app.command("query")
@guarded
def query(
    sql: Annotated[str, typer.Argument(help="SQL over the tables runs, variants and yearly.")],
    store: StoreOption = Path("hashtide-results.duckdb"),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON rows.")] = False,
) -> None:
    """Run SQL (DuckDB) on the store, read-only: e.g. SELECT variant, avg(btc_per_year_median)
    FROM variants GROUP BY variant."""
    from hashtide.results import ResultsStore

    with ResultsStore(store, read_only=True) as results:
        names, rows = results.query(sql)
    if as_json:
        typer.echo(json.dumps([dict(zip(names, r, strict=True)) for r in rows], default=str))
        return
    console.print(_table(names, rows))


@results_app.command("export")
@guarded
def export(
    parquet: Annotated[
        Path,
        typer.Option("--parquet", help="Folder for runs/variants/yearly.parquet.", file_okay=False),
    ],
    store: StoreOption = Path("hashtide-results.duckdb"),
) -> None:
    """Write the store's tables as Parquet files (one per table)."""
    from hashtide.results import ResultsStore

    with ResultsStore(store, read_only=True) as results:
        files = results.export_parquet(parquet)
    console.print("wrote " + ", ".join(str(f) for f in files), highlight=False, markup=False)
