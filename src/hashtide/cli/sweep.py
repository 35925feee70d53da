"""``hashtide sweep``: a grid of scenario variants on Dask, kept in the results store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from hashtide.cli._common import EXIT_FAILURE, console, err_console, guarded, progress_bar

StoreOption = Annotated[
    Path,
    typer.Option(
        "--store",
        help="The results store (a DuckDB file; created if missing).",
        dir_okay=False,
    ),
]


@guarded
def sweep(
    file: Annotated[
        Path,
        typer.Argument(
            help="A scenario file (YAML), e.g. scenarios/us-state-reserve.yaml.",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
    grid: Annotated[
        list[str],
        typer.Option(
            "--grid",
            help="KEY=V1,V2,…: a dotted key into the scenario file and its values (see the "
            "examples below). Repeat for more axes: every combination runs.",
        ),
    ],
    paths: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=1_000_000,
            help="Monte Carlo paths per run (default: the file's); refused with --grid paths=….",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(min=0, help="Seed (default: the file's); refused with --grid seed=…."),
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, max=256, help="Worker processes of the local Dask cluster.")
    ] = 2,
    scheduler: Annotated[
        str | None,
        typer.Option(
            help="Address of an existing Dask scheduler (tcp://host:8786) instead of a local "
            "cluster; 'synchronous' runs here, one point after another, without Dask.",
        ),
    ] = None,
    store: StoreOption = Path("hashtide-results.duckdb"),
    report: Annotated[
        Path | None,
        typer.Option(
            help="Also write the sweep report here, a .html file (BTC/year, USD/BTC, peak "
            "share across the grid; self-contained); the path is checked before any run.",
            dir_okay=False,
        ),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print {store, runs: [{params, status, summary}]} as JSON."),
    ] = False,
) -> None:
    """Run a scenario over a grid of parameters, in parallel, resumably.

    Every grid point is validated first; points already in the store (same scenario content,
    seed, paths and hashtide version) are not run again. Results are written to the store one
    run at a time, in a transaction each: interrupt a sweep and rerun it to finish it.
    """
    from rich.table import Table

    from hashtide.errors import InvalidInputError
    from hashtide.results import ResultsStore, SweepOutcome, parse_grid, plan_sweep, run_sweep
    from hashtide.results.report import write_sweep_report
    from hashtide.scenario.schema import MAX_SEED

    if report is not None:
        from hashtide.report._io import check_output_file

        if report.suffix.lower() != ".html":
            raise InvalidInputError(
                f"--report {str(report)!r}: the sweep report is one HTML file; give a .html name"
            )
        check_output_file(report, option="--report")
    axes = [parse_grid(option) for option in grid]
    if seed is not None and seed > MAX_SEED:  # else every point ran, then none was stored
        raise InvalidInputError(
            f"--seed {seed}: at most {MAX_SEED} (2**63 - 1; the results store keeps 64-bit seeds)"
        )
    points = plan_sweep(file, axes, paths=paths, seed=seed)
    with (
        ResultsStore(store) as results,
        progress_bar(unit="runs", elapsed=True, disable=as_json) as bar,
    ):
        task = bar.add_task(f"sweep of {len(points)} runs", total=len(points))

        def advance(outcome: SweepOutcome) -> None:
            bar.advance(task)

        outcomes = run_sweep(
            points, results, workers=workers, scheduler=scheduler, on_outcome=advance
        )
    finished = [(o.point.params, o.summary) for o in outcomes if o.summary is not None]
    if report is not None and finished:
        write_sweep_report(finished, report, title=f"Sweep of {file.name}")
    failed = [o for o in outcomes if o.status == "failed"]
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "store": str(store),
                    "runs": [
                        {
                            "params": o.point.params,
                            "status": o.status,
                            "summary": o.summary,
                            **({"error": o.error} if o.error else {}),
                        }
                        for o in outcomes
                    ],
                },
                indent=2,
                allow_nan=False,
            )
        )
    else:
        table = Table(title=f"sweep of {file} ({len(points)} runs; medians)")
        for name in (
            *(a.key for a in axes),
            "status",
            "run",
            "variant",
            "BTC/yr",
            "USD/BTC",
            "peak",
        ):
            table.add_column(
                name, justify="right" if name in ("BTC/yr", "USD/BTC", "peak") else "left"
            )
        for o in outcomes:
            values = [str(o.point.params[a.key]) for a in axes]
            for v in (o.summary or {}).get("variants", [{}]):
                table.add_row(
                    *values,
                    o.status,
                    o.point.run_id,
                    str(v.get("name", "–")),
                    _number(v.get("btc_per_year", {}).get("median")),
                    _number(v.get("cost_usd_per_btc")),
                    _percent(v.get("peak_share_frac")),
                )
        console.print(table)
        done = sum(o.status == "done" for o in outcomes)
        cached = sum(o.status == "cached" for o in outcomes)
        console.print(
            f"{done} run(s) done, {cached} from the store, {len(failed)} failed; store: {store}"
            + (f"; report: {report}" if report is not None and finished else ""),
            highlight=False,
        )
    for o in failed:
        err_console.print(
            f"[bold red]failed:[/] {o.point.params}: {o.error}", highlight=False, markup=True
        )
    if failed:
        raise typer.Exit(EXIT_FAILURE)


def _number(value: object) -> str:
    return "–" if not isinstance(value, int | float) else f"{value:,.0f}"


def _percent(value: object) -> str:
    return "–" if not isinstance(value, int | float) else f"{value:.1%}"
