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

    from hashtide.market.behaviour import BehaviourParams
    from hashtide.market.events import Event
    from hashtide.market.regions import Region
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
    """Replay a scenario of the past (e.g. the 2021 China ban): a shortcut for 'hashtide run'.

    The same scenario format and the same world market as 'hashtide run': from the real state
    at the start, with the historical BTC price and fees, once with the scenario's events and
    once without them (the variant with 'events: \\[]'); scores the simulated difficulty against
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
    if spec.network.response != "market":
        raise ScenarioError(
            f"{file}: replay scores the world market against the chain; network.response "
            f"{spec.network.response!r} has no replay (run it with: hashtide run)"
        )
    from hashtide.scenario.world_run import is_scorable

    if not is_scorable(spec):  # checked before the run, not after it
        raise ScenarioError(
            f"{file}: the span {spec.start} … {spec.end_date} reaches past the shipped chain "
            "history, so it cannot be scored; run it with: hashtide run"
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

    from hashtide.report.formatting import format_quantity

    spec = result.spec
    table = Table(title=f"{plain(spec.scenario)}: difficulty per retarget period")
    for name in ("height", "first block", "chain", "simulated", "counterfactual", "error"):
        table.add_column(name, justify="right")
    for r in _records(result.epochs):
        table.add_row(
            f"{int(r['start_height']):,}",
            f"{r['start_time']:%Y-%m-%d}",
            format_quantity(r["actual_difficulty"], "si"),
            format_quantity(r["simulated_difficulty"], "si"),
            "–"
            if math.isnan(r["counterfactual_difficulty"])
            else format_quantity(r["counterfactual_difficulty"], "si"),
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


def _months(text: str) -> int:
    """``--every``: "1month", "3months", "2mo" or a bare number of months."""
    import re

    match = re.fullmatch(r"\s*(\d+)\s*(months?|mo|m)?\s*", text)
    if match is None or int(match.group(1)) < 1 or int(match.group(1)) > 24:
        raise InvalidInputError(
            f"--every {text!r}: give months between windows, 1–24, e.g. 1month or 3months"
        )
    return int(match.group(1))


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
            help="Walk-forward: a backtest of this many periods from the first day of every "
            "--every months from --from to --to, the four structural constants fitted on "
            "earlier windows only; table per window and per era, and a chart.",
        ),
    ] = None,
    every: Annotated[
        str | None,
        typer.Option(
            help="Walk-forward: months between windows (1month, 3months; default 1month)."
        ),
    ] = None,
    chart: Annotated[
        Path | None,
        typer.Option(
            help="Walk-forward: write the chart here (.html, or .png with the plot extra; "
            "default walkforward.html), checked before the walk. Refused without --horizon.",
            dir_okay=False,
        ),
    ] = None,
    cache_dir: Annotated[
        Path | None,
        typer.Option(
            help="Walk-forward: keep window scores here (default ~/.cache/hashtide); a "
            "changed model or input is never served from it."
        ),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Walk-forward: compute every window afresh.")
    ] = False,
    candidates: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=9,
            help="Walk-forward: fit the constants among the first N of the nine candidates "
            "(1: the prior only; 2: prior or 60-day lag, the quick walk; default 9).",
        ),
    ] = None,
    paths: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=100_000,
            help="Use the Monte Carlo median of this many paths "
            "instead of the engine's expected path (single backtest only).",
        ),
    ] = None,
    seed: Annotated[int, typer.Option(min=0, help="Random seed for --paths.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Score the model's difficulty path against the chain, next to the baselines.

    From the real state at --from, with the real price path (and the --scenario's events), the
    model runs to --to; each period's simulated difficulty is compared with the chain's, and the
    median absolute percentage error (MdAPE) with that of "difficulty unchanged", of the
    trailing 3-period trend and of the trend adjusted by the revenue per block (price-trend).
    Everything the model fits uses data before --from only. With --horizon: the walk-forward.
    """
    from rich.table import Table

    from hashtide.market.backtest import run_backtest
    from hashtide.market.regions import DEFAULT_REGIONS
    from hashtide.report.formatting import format_quantity
    from hashtide.scenario import load_scenario
    from hashtide.scenario.world import events_of, params_of, regions_of

    first = _date(start, "--from")
    last = _date(end, "--to")
    if last <= first:
        raise InvalidInputError(f"--to {last} must be after --from {first}")
    months = _months(every if every is not None else "1month")
    walk_only = [
        name
        for name, given in (
            ("--every", every is not None),
            ("--chart", chart is not None),
            ("--cache-dir", cache_dir is not None),
            ("--no-cache", no_cache),
            ("--candidates", candidates is not None),
        )
        if given
    ]
    if horizon is None and walk_only:
        raise InvalidInputError(
            f"{', '.join(walk_only)}: walk-forward only — give --horizon too (a single "
            "backtest has no windows, chart or window cache)"
        )
    if horizon is not None:
        chart = _check_chart(chart if chart is not None else Path("walkforward.html"))
    events: tuple[Event, ...] = ()
    regions: tuple[Region, ...] = DEFAULT_REGIONS
    params = None
    if scenario is not None:
        spec = load_scenario(scenario)
        events = events_of(spec.events)
        regions, params = regions_of(spec.network), params_of(spec.network)
    if horizon is not None and chart is not None:
        if paths is not None:
            raise InvalidInputError(
                "--paths applies to a single backtest; the walk-forward scores the engine's "
                "expected path (leave out --paths or --horizon)"
            )
        _walk_forward(
            first,
            last,
            horizon=horizon,
            months=months,
            events=events,
            regions=regions,
            params=params,
            chart=chart,
            cache_dir=None if no_cache else cache_dir,
            use_cache=not no_cache,
            as_json=as_json,
            n_candidates=candidates,
        )
        return
    mode: Literal["expected", "monte_carlo"] = "monte_carlo" if paths is not None else "expected"
    result = run_backtest(
        first,
        last,
        events=events,
        regions=regions,
        params=params,
        mode=mode,
        n_paths=paths or 1,
        seed=seed,
    )
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2))
        return
    table = Table(title=f"Backtest from {plain(first)} (height {result.start_height:,}), {mode}")
    for name in ("height", "first block", "chain", "model", "unchanged", "trend", "price-trend"):
        table.add_column(name, justify="right")
    for r in _records(result.epochs):
        table.add_row(
            f"{int(r['start_height']):,}",
            f"{r['start_time']:%Y-%m-%d}",
            format_quantity(r["actual_difficulty"], "si"),
            f"{r['model_error_pct']:+.1f} %",
            f"{r['unchanged_error_pct']:+.1f} %",
            f"{r['trend_error_pct']:+.1f} %",
            f"{r['price_trend_error_pct']:+.1f} %",
        )
    console.print(table)
    console.print(
        f"MdAPE: model {result.model_mdape_pct:.2f} %, unchanged "
        f"{result.unchanged_mdape_pct:.2f} %, trend {result.trend_mdape_pct:.2f} %, "
        f"price-trend {result.price_trend_mdape_pct:.2f} %"
        + (" — the model beats both naive baselines" if result.model_wins else ""),
        highlight=False,
    )


def _check_chart(chart: Path) -> Path:
    """``--chart``, checked before the walk: its type, its folder, matplotlib for a PNG."""
    from hashtide.report._io import check_output_file

    suffix = chart.suffix.lower()
    if suffix not in (".html", ".png"):
        raise InvalidInputError(f"--chart {str(chart)!r}: use a .html or .png file")
    check_output_file(chart, option="--chart")
    if suffix == ".png":
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise InvalidInputError(
                f"--chart {str(chart)!r}: PNG charts need matplotlib, the plot extra: "
                "pip install 'hashtide[plot]' (or give a .html file)"
            ) from None
    return chart


def _walk_forward(
    first: dt.date,
    last: dt.date,
    *,
    horizon: int,
    months: int,
    events: tuple[Event, ...],
    regions: tuple[Region, ...],
    params: BehaviourParams | None,
    chart: Path,
    cache_dir: Path | None,
    use_cache: bool,
    as_json: bool,
    n_candidates: int | None,
) -> None:
    from rich.table import Table

    from hashtide.cli._common import progress_bar
    from hashtide.market.walkforward import (
        CANDIDATES,
        default_cache_dir,
        monthly_starts,
        walk_forward,
    )
    from hashtide.report.walkforward_plot import plot_walk_forward

    starts = monthly_starts(first, last, months)
    if not starts:
        raise InvalidInputError(f"no month starts between --from {first} and --to {last}")
    with progress_bar(unit="backtests", elapsed=True, disable=as_json) as bar:
        task = bar.add_task("walk-forward", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = walk_forward(
            starts,
            horizon=horizon,
            events=events,
            regions=regions,
            params=params,
            progress=progress,
            cache_dir=(cache_dir or default_cache_dir()) if use_cache else None,
            candidates=CANDIDATES if n_candidates is None else CANDIDATES[:n_candidates],
        )
    written = plot_walk_forward(result, chart)
    if as_json:
        data = result.to_json()
        data["chart"] = str(written)
        # strict JSON: a window with nothing to calibrate on has no loss (null, not NaN)
        typer.echo(json.dumps(_no_nan(data), indent=2, default=str, allow_nan=False))
        return
    table = Table(title=f"Walk-forward, {horizon}-period horizon, every {months} month(s)")
    for name in ("from", "height", "constants", "model", "unchanged", "trend", "price-trend",
                 "beats both"):  # fmt: skip
        table.add_column(name, justify="right")
    for r in _records(result.windows):
        table.add_row(
            str(r["start"]),
            f"{int(r['start_height']):,}",
            str(r["constants"]) + ("" if r["constants_fitted"] else " (prior)"),
            f"{r['model_mdape_pct']:.2f} %",
            f"{r['unchanged_mdape_pct']:.2f} %",
            f"{r['trend_mdape_pct']:.2f} %",
            f"{r['price_trend_mdape_pct']:.2f} %",
            "yes" if r["model_wins"] else "no",
        )
    console.print(table)
    eras = Table(title="Per era: median MdAPE, and windows where the model beats both naive")
    for name in ("era", "windows", "beats both", "model", "unchanged", "trend", "price-trend"):
        eras.add_column(name, justify="right")
    for r in _records(result.eras()):
        eras.add_row(
            str(r["era"]),
            str(r["windows"]),
            f"{r['model_wins']} ({r['wins_frac']:.0%})",
            f"{r['median_model_mdape_pct']:.2f} %",
            f"{r['median_unchanged_mdape_pct']:.2f} %",
            f"{r['median_trend_mdape_pct']:.2f} %",
            f"{r['median_price_trend_mdape_pct']:.2f} %",
        )
    console.print(eras)
    summary = result.summary()
    if summary.get("windows"):
        console.print(
            f"2016–2025: the model beats both naive baselines in {summary['model_wins']} of "
            f"{summary['windows']} windows ({summary['wins_frac']:.0%}; target 75 %), the "
            f"price-trend in {summary['beats_price_trend']}; its median MdAPE is "
            + ("below" if summary["model_median_below_both_in_every_era"] else "not below")
            + " both naive baselines' in every era.",
            highlight=False,
        )
    console.print(f"chart: {plain(written)}", highlight=False)


def _no_nan(value: Any) -> Any:
    """``value`` with every non-finite float replaced by ``None`` (for strict JSON)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_no_nan(v) for v in value]
    return value
