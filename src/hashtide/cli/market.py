"""``hashtide replay`` and ``hashtide backtest``: the world market against history."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from hashtide.cli._common import Seed, console, err_console, guarded, plain
from hashtide.errors import InvalidInputError

# Everything else is imported inside the commands: 'hashtide --help' must not load the stack.
if TYPE_CHECKING:
    import pandas as pd

    from hashtide.market.events import Event
    from hashtide.market.replay import ReplayResult

ScenarioFile = Annotated[
    Path,
    typer.Argument(
        help="A scenario file (YAML) of the past, e.g. scenarios/china-2021-ban.yaml.",
        exists=True,
        dir_okay=False,
        readable=True,
    ),
]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = frame.to_dict(orient="records")  # type: ignore[assignment]
    return rows


def _date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInputError(
            f"{option} {text!r} is not a date; write it as YYYY-MM-DD, e.g. 2021-05-02"
        ) from None


@guarded
def replay(
    file: ScenarioFile,
    paths: Annotated[
        int | None,
        typer.Option(min=1, max=100_000, help="Monte Carlo paths (default: the scenario's)."),
    ] = None,
    seed: Seed = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Folder for report.html and the CSV/JSON tables (default: out/<scenario>).",
            file_okay=False,
        ),
    ] = None,
    no_counterfactual: Annotated[
        bool,
        typer.Option(
            "--no-counterfactual", help="Skip the variants that apply no event (counterfactual)."
        ),
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the scores and claims as JSON instead.")
    ] = False,
    no_report: Annotated[bool, typer.Option("--no-report", help="Write no files.")] = False,
) -> None:
    """Replay a scenario of the past (e.g. the 2021 China ban): a shortcut for ``run``.

    The same scenario format and the same world market as ``hashtide run``: from the real state
    at the start, with the historical BTC price and fees, once with the scenario's events and
    once without them (the variant with ``events: []``); scores the simulated difficulty against
    the chain, checks the claims and writes an HTML report with every assumption and its source.
    """
    from hashtide.errors import ScenarioError
    from hashtide.market.report import summary_json, write_replay_report, write_replay_tables
    from hashtide.report._io import check_output_folder, safe_folder_name, write_folder
    from hashtide.scenario import load_scenario, run_scenario

    spec = load_scenario(file)
    if spec.score is None and spec.actor is not None:
        raise ScenarioError(
            f"{file}: replay scores a scenario of the past against the chain; this one has no "
            "score section (run it with: hashtide run)"
        )
    if no_counterfactual and spec.variants:
        kept = [v for v in spec.variants if not (spec.events and v.events == [])]
        spec = spec.model_copy(update={"variants": kept or spec.variants[:1]})
    target = out if out is not None else Path("out") / safe_folder_name(spec.scenario)
    if not no_report:
        check_output_folder(target)

    def progress(variant: int, variants: int, done: int, total: int) -> None:
        if not as_json:
            err_console.print(f"[{done + 1}/{total}] running", highlight=False, markup=False)

    result = run_scenario(spec, n_paths=paths, seed=seed, progress=progress)
    replay_result = result.replay
    if replay_result is None:
        raise ScenarioError(
            f"{file}: the span {spec.start} … {spec.end_date} reaches past the shipped chain "
            "history, so it cannot be scored; run it with: hashtide run"
        )
    written: list[Path] = []
    if not no_report:

        def fill(folder: Path) -> None:
            write_replay_report(replay_result, folder / "report.html")
            write_replay_tables(replay_result, folder)

        written = write_folder(target, fill)
    if as_json:
        typer.echo(json.dumps(summary_json(replay_result), indent=2, default=str))
        return
    print_replay(replay_result)
    if written:
        console.print(f"report: {plain(target / 'report.html')}", highlight=False)


def print_replay(result: ReplayResult) -> None:
    """The replay's table of difficulty per period, its scores and its claims."""
    from rich.table import Table

    spec = result.spec
    table = Table(title=f"{plain(spec.scenario)}: difficulty per retarget period (T)")
    for name in ("height", "first block", "chain", "simulated", "counterfactual", "error"):
        table.add_column(name, justify="right")
    for r in _records(result.epochs):
        table.add_row(
            f"{int(r['start_height']):,}",
            f"{r['start_time']:%Y-%m-%d}",
            f"{r['actual_difficulty'] / 1e12:.2f}",
            f"{r['simulated_difficulty'] / 1e12:.2f}",
            "–"
            if math.isnan(r["counterfactual_difficulty"])
            else f"{r['counterfactual_difficulty'] / 1e12:.2f}",
            f"{r['error_pct']:+.1f} %" + ("" if r["scored"] else " (not scored)"),
        )
    console.print(table)
    if result.mdape_pct is not None:
        console.print(
            f"median absolute error over the scored periods: {result.mdape_pct:.1f} % (Monte "
            f"Carlo median), {result.expected_mdape_pct:.1f} % (expected path); largest drop: "
            f"chain at {result.drop_height_actual:,}, simulation at "
            f"{result.drop_height_simulated:,}",
            highlight=False,
        )
    for claim in result.claims:
        verdict = "[green]holds[/]" if claim.holds else "[bold red]does not hold[/]"
        console.print(
            f"claim: {plain(claim.text)} — {verdict}\n  {plain(claim.explanation)}",
            highlight=False,
        )
    from hashtide.market.carbon_check import carbon_comparison

    comparison = carbon_comparison(result)
    if comparison is not None:
        console.print("carbon against the published record:", highlight=False)
        for line in comparison.findings():
            console.print(f"  {plain(line)}", highlight=False)


@guarded
def backtest(
    start: Annotated[
        str, typer.Option("--from", help="Start date, YYYY-MM-DD: the model starts there.")
    ],
    end: Annotated[
        str,
        typer.Option(
            "--to", help="End date: scores the periods starting before it (or the last window)."
        ),
    ],
    scenario: Annotated[
        Path | None,
        typer.Option(
            help="A scenario file whose events and world-market assumptions apply "
            "(e.g. scenarios/china-2021-ban.yaml).",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    horizon: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=100,
            help="Rolling windows: a backtest of this many periods starting every --every "
            "months from --from to --to, with the table of scores.",
        ),
    ] = None,
    every: Annotated[int, typer.Option(min=1, max=24, help="Months between windows.")] = 3,
    paths: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=100_000,
            help="Use the Monte Carlo median of this many paths "
            "instead of the engine's expected path.",
        ),
    ] = None,
    seed: Annotated[int, typer.Option(min=0, help="Random seed for --paths (>= 0).")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Score the model's difficulty path against the chain, next to two naive baselines.

    From the real state at --from, with the real price path (and the --scenario's events), the
    model runs to --to; each period's simulated difficulty is compared with the chain's, and the
    median absolute percentage error with that of "difficulty unchanged" and of the trailing
    3-period trend. Everything the model fits uses data before --from only. With --horizon,
    windows start every --every months and each is scored over --horizon periods.
    """
    from rich.table import Table

    from hashtide.market.backtest import (
        backtest_windows,
        run_backtest,
        summarize_windows,
        window_starts,
    )
    from hashtide.market.regions import DEFAULT_REGIONS, Region
    from hashtide.scenario import load_scenario
    from hashtide.scenario.world import events_of, params_of, regions_of

    first = _date(start, "--from")
    last = _date(end, "--to")
    if last <= first:
        raise InvalidInputError(f"--to {last} must be after --from {first}")
    events: tuple[Event, ...] = ()
    regions: tuple[Region, ...] = DEFAULT_REGIONS
    params = None
    if scenario is not None:
        spec = load_scenario(scenario)
        events = events_of(spec.events)
        regions, params = regions_of(spec.network), params_of(spec.network)
    mode: Literal["expected", "monte_carlo"] = "monte_carlo" if paths is not None else "expected"
    n_paths = paths or 1
    if horizon is None:
        result = run_backtest(
            first,
            last,
            events=events,
            regions=regions,
            params=params,
            mode=mode,
            n_paths=n_paths,
            seed=seed,
        )
        if as_json:
            typer.echo(json.dumps(result.to_json(), indent=2))
            return
        table = Table(
            title=f"Backtest from {plain(first)} (height {result.start_height:,}), {mode}"
        )
        for name in ("height", "first block", "chain", "model", "unchanged", "trend"):
            table.add_column(name, justify="right")
        for r in _records(result.epochs):
            table.add_row(
                f"{int(r['start_height']):,}",
                f"{r['start_time']:%Y-%m-%d}",
                f"{r['actual_difficulty'] / 1e12:,.3f} T",
                f"{r['model_error_pct']:+.1f} %",
                f"{r['unchanged_error_pct']:+.1f} %",
                f"{r['trend_error_pct']:+.1f} %",
            )
        console.print(table)
        console.print(
            f"MdAPE: model {result.model_mdape_pct:.2f} %, unchanged "
            f"{result.unchanged_mdape_pct:.2f} %, trend {result.trend_mdape_pct:.2f} %"
            + (" — the model beats both" if result.model_wins else ""),
            highlight=False,
        )
        return
    starts = window_starts(first, last, every_months=every)

    def progress(done: int, total: int) -> None:
        if not as_json and done < total:
            err_console.print(f"window {done + 1}/{total}: {plain(starts[done])}", highlight=False)

    frame = backtest_windows(
        starts,
        horizon=horizon,
        events=events,
        regions=regions,
        params=params,
        mode=mode,
        n_paths=n_paths,
        seed=seed,
        progress=progress,
    )
    summary = summarize_windows(frame)
    if as_json:
        rows = frame.assign(start=frame["start"].astype(str)).to_dict(orient="records")
        typer.echo(json.dumps({"windows": rows, "summary": summary}, indent=2, default=str))
        return
    table = Table(title=f"Backtests, {horizon}-period horizon, every {every} months ({mode})")
    for name in ("from", "height", "model", "unchanged", "trend", "model wins"):
        table.add_column(name, justify="right")
    for r in _records(frame):
        table.add_row(
            str(r["start"]),
            f"{int(r['start_height']):,}",
            f"{r['model_mdape_pct']:.2f} %",
            f"{r['unchanged_mdape_pct']:.2f} %",
            f"{r['trend_mdape_pct']:.2f} %",
            "yes" if r["model_wins"] else "no",
        )
    console.print(table)
    console.print(
        f"{summary['model_wins']} of {summary['windows']} windows: the model beats both "
        f"baselines (beats unchanged in {summary['beats_unchanged']}, the trend in "
        f"{summary['beats_trend']}); median MdAPE model {summary['median_model_mdape_pct']:.2f} "
        f"%, unchanged {summary['median_unchanged_mdape_pct']:.2f} %, trend "
        f"{summary['median_trend_mdape_pct']:.2f} %",
        highlight=False,
    )
