"""``hashtide results``: list, show, query and export the runs in the results store."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from hashtide.cli._common import EXAMPLES, HelpCommand, HelpGroup, console, guarded

#: The store the results commands read: unlike 'hashtide sweep --store' it must exist.
StoreOption = Annotated[
    Path,
    typer.Option(
        "--store",
        help="The results store to read: a DuckDB file written by 'hashtide sweep' (it must "
        "exist; it is opened read-only).",
        dir_okay=False,
    ),
]

results_app = typer.Typer(
    help="The results store (a DuckDB file of every run a sweep made): list, show, query, export.",
    no_args_is_help=True,
    cls=HelpGroup,
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


@results_app.command("list", cls=HelpCommand, epilog=EXAMPLES["results list"])
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
        typer.echo(_json_rows(names, rows))
        return
    console.print(_table(names, rows, title=f"{len(rows)} run(s) in {store}"))


@results_app.command("show", cls=HelpCommand, epilog=EXAMPLES["results show"])
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
        console.print(_variants_table(variants))
    yearly = record["yearly"]
    if yearly:
        console.print(_yearly_table(yearly))


def _number(value: Any) -> float:
    """A stored figure as a float (``None`` → NaN)."""
    return math.nan if value is None else float(value)


def _years(value: Any) -> str:
    from hashtide.report.formatting import MISSING, format_number

    # The store writes a payback of +inf (never within the horizon) as null.
    years = math.inf if value is None else float(value)
    if math.isinf(years):
        return "never (within the horizon)"
    return MISSING if math.isnan(years) else f"{format_number(years, 3)} years"


def _irr(value: Any) -> str:
    from hashtide.report.formatting import format_percent

    frac = _number(value)
    return "none (no rate zeroes the NPV)" if math.isnan(frac) else f"{format_percent(frac)}/year"


def _variant_fields() -> dict[str, tuple[str, Any]]:
    """How ``results show`` writes each column of the ``variants`` table: a label, a formatter."""
    from hashtide.report.formatting import (
        format_btc,
        format_co2,
        format_count,
        format_energy,
        format_hashrate,
        format_percent,
        format_usd,
    )

    return {
        "machines": ("machines", lambda v: format_count(_number(v))),
        "installed_hashrate_hs": ("installed hashrate", lambda v: format_hashrate(_number(v))),
        "network_share_frac": ("share of the network", lambda v: format_percent(_number(v))),
        "peak_share_frac": ("peak share", lambda v: format_percent(_number(v))),
        "btc_per_year_p5": ("BTC per year, 5 %", lambda v: format_btc(_number(v))),
        "btc_per_year_median": ("BTC per year, median", lambda v: format_btc(_number(v))),
        "btc_per_year_p95": ("BTC per year, 95 %", lambda v: format_btc(_number(v))),
        "cost_usd_per_btc": ("cost per BTC", lambda v: format_usd(_number(v))),
        "energy_kwh_per_year": ("energy per year", lambda v: format_energy(_number(v))),
        "co2_kg_per_year": ("CO2e per year", lambda v: format_co2(_number(v))),
        "npv_usd": ("NPV (net present value)", lambda v: format_usd(_number(v))),
        "irr_frac": ("IRR (internal rate of return)", _irr),
        "payback_years": ("payback", _years),
    }


def _variants_table(variants: list[dict[str, Any]]) -> Any:
    """One row per figure, one column per variant: the figure's name, then its values."""
    from rich.table import Table

    table = Table(title="figures per variant (medians across paths unless marked)")
    table.add_column("figure")
    table.add_column("column", style="dim")
    for v in variants:
        table.add_column(escape(str(v.get("variant", ""))), justify="right")
    names = [n for n in variants[0] if n != "variant"]
    fields = _variant_fields()
    for name in names:
        label, write = fields.get(name, (name, _cell))
        table.add_row(label, name, *(write(v.get(name)) for v in variants))
    return table


def _yearly_table(yearly: list[dict[str, Any]]) -> Any:
    """The yearly cash flows (medians across paths) in one money unit for the whole table."""
    from rich.table import Table

    from hashtide.report.formatting import format_number, pick_unit

    money = [n for n in yearly[0] if n.endswith("_usd")]
    unit, size = pick_unit("usd", [_number(y[n]) for y in yearly for n in money])
    table = Table(title=f"yearly cash flows (medians across paths) [{unit}]")
    table.add_column("variant")
    table.add_column("year", justify="right")
    others = [n for n in yearly[0] if n not in ("variant", "year") and n not in money]
    for name in [*money, *others]:
        label = name.removesuffix("_usd").replace("_", " ")
        table.add_column(label, justify="right")
    for y in yearly:
        table.add_row(
            escape(str(y.get("variant", ""))),
            str(y.get("year", "")),
            *(format_number(_number(y[n]) / size) for n in money),
            *(_cell(y[n]) for n in others),
        )
    return table


@results_app.command("query", cls=HelpCommand, epilog=EXAMPLES["results query"])
@guarded
def query(
    sql: Annotated[str, typer.Argument(help="SQL over the tables runs, variants and yearly.")],
    store: StoreOption = Path("hashtide-results.duckdb"),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON rows.")] = False,
) -> None:
    """Run SQL (DuckDB) on the store, read-only.

    The tables are runs, variants and yearly, with the units in the column names
    (docs/sweeps.md lists them).
    """
    from hashtide.results import ResultsStore

    with ResultsStore(store, read_only=True) as results:
        names, rows = results.query(sql)
    if as_json:
        typer.echo(_json_rows(names, rows))
        return
    console.print(_table(names, rows))


def _json_rows(names: list[str], rows: list[tuple[Any, ...]]) -> str:
    """Rows as a JSON list of objects: NaN and ±inf as null (json.dumps writes ``NaN`` and
    ``Infinity``, which JSON has not and strict readers refuse), other types as text."""

    def value(v: Any) -> Any:
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, list | tuple):
            return [value(item) for item in v]
        if isinstance(v, dict):
            return {str(k): value(item) for k, item in v.items()}
        return v

    records = [{n: value(v) for n, v in zip(names, r, strict=True)} for r in rows]
    return json.dumps(records, default=str, allow_nan=False)


@results_app.command("export", cls=HelpCommand, epilog=EXAMPLES["results export"])
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
