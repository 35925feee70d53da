"""``hashtide validate`` and ``hashtide run``: scenario files from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hashtide.cli._common import Seed, console, err_console, guarded, plain, progress_bar

# Everything else is imported inside the commands: 'hashtide --help' must not load the stack.
if TYPE_CHECKING:
    from rich.progress import Progress, TaskID
    from rich.table import Table

    from hashtide.scenario import ScenarioResult, ScenarioSpec

ScenarioFile = Annotated[
    Path,
    typer.Argument(
        help="A scenario file (YAML), e.g. scenarios/us-state-reserve.yaml.",
        exists=True,
        dir_okay=False,
        readable=True,
    ),
]


@guarded
def validate(file: ScenarioFile) -> None:
    """Check a scenario file and list every problem at once; run nothing.

    Quantities need units (5 GW, 200 TH/s, 0.04 USD/kWh, 17.5 J/TH, 20 %/year); dates are
    YYYY-MM-DD; unknown keys are errors with a "did you mean". Exits 2 if anything is wrong.
    """
    from hashtide.scenario.load import load_scenario

    spec = load_scenario(file)
    variants = ", ".join(v.name for v in spec.variants) or "base"
    sites = len(spec.actor.sites) if spec.actor is not None else 0
    console.print(
        f"[green]ok[/]: {plain(file)} — scenario {plain(repr(spec.scenario))}, start {spec.start}, "
        f"rest of the world: {spec.network.response}, sites: {sites}, events: "
        f"{len(spec.events)}, variants: {plain(variants)}, claims: {len(spec.claims)}",
        highlight=False,
        soft_wrap=True,
    )


def _summary_table(result: ScenarioResult) -> Table:
    from rich.table import Table

    from hashtide.report.summary import variant_summary

    columns, rows = variant_summary(result)
    table = Table(
        title=f"{plain(result.scenario)}: {plain(result.actor)}, {result.horizon_years:g} years "
        f"from {_date(result.start_time_s)}, {result.n_paths:,} paths (medians; share of the "
        "network after the rest reacts)"
    )
    for name in columns:
        table.add_column(name, justify="left" if name == "variant" else "right", no_wrap=True)
    for row in rows:
        table.add_row(*(plain(cell) for cell in row))
    return table


def _investment_table(result: ScenarioResult) -> Table:
    """Per variant: capex, NPV, IRR, payback and break-even price (medians, 5–95 % bands)."""
    import math

    from rich.table import Table

    from hashtide.report.formatting import format_number, pick_unit

    rate = next((value for name, value, _ in result.assumptions if name == "discount rate"), "")
    variants = result.variants
    unit, size = pick_unit(
        "usd", [x for v in variants for x in (v.capex_usd, v.npv_usd.p5, v.npv_usd.p95)]
    )

    def usd(value: float) -> str:
        return format_number(value / size)

    def irr(frac: float) -> str:
        return "none" if math.isnan(frac) else format_number(100 * frac, 3)

    def years(value: float) -> str:
        # Paths that never pay back have +inf (accounting.band keeps it; NaN: no figure).
        return "never" if not math.isfinite(value) else format_number(value, 3)

    table = Table(
        title="Should the actor buy these machines? Cash flows over "
        f"{result.horizon_years:g} years (medians, 5–95 % across paths"
        + (f"; NPV at {plain(rate)}" if rate else "")
        + ")",
        caption="IRR: the discount rate at which the NPV is zero ('none': no rate does); "
        "payback: years until the cumulative net cash turns positive ('never': not within the "
        "horizon); break-even: the BTC price at which the NPV is zero.",
    )
    for name in ("variant", f"capex {unit}", f"NPV {unit}", "5–95 %", "IRR %/yr", "5–95 %",
                 "payback yr", "break-even USD/BTC"):  # fmt: skip
        table.add_column(name, justify="left" if name == "variant" else "right", no_wrap=True)
    for v in variants:
        table.add_row(
            plain(v.name),
            usd(v.capex_usd),
            usd(v.npv_usd.median),
            f"{usd(v.npv_usd.p5)} to {usd(v.npv_usd.p95)}",
            irr(v.irr_frac.median),
            f"{irr(v.irr_frac.p5)} to {irr(v.irr_frac.p95)}",
            years(v.payback_years.median),
            format_number(v.break_even_btc_price_usd.median),
        )
    return table


def _date(time_s: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(time_s, tz=dt.UTC).strftime("%Y-%m-%d")


def _claims_table(result: ScenarioResult) -> Table:
    from rich.table import Table

    from hashtide.report.scenario_report import format_claim_value

    table = Table(title="Claims check: the published figure beside hashtide's, same inputs")
    for name in ("claim", "variant", "stated", "computed", "holds"):
        table.add_column(
            name, justify="right" if name in ("stated", "computed") else "left", overflow="fold"
        )
    for c in result.claims:
        verdict = (
            "[green]✔ holds[/]"
            if c.holds
            else (
                f"[bold red]✘ false[/] (×{c.computed / c.stated:,.1f})"
                + (f": {c.reason}" if c.reason else "")
                if c.stated
                else "[red]✘[/]"
            )
        )
        table.add_row(
            plain(c.claim),
            plain(c.variant),
            plain(format_claim_value(c, c.stated)),
            plain(format_claim_value(c, c.computed)),
            verdict,
        )
    return table


def _security_table(result: ScenarioResult) -> Table:
    """The security figures of each variant's actor at its peak share (``hashtide.security``)."""
    from rich.table import Table

    from hashtide.report.formatting import format_percent, format_usd
    from hashtide.report.security_section import format_probability
    from hashtide.security import assess_scenario

    items = assess_scenario(result)
    table = Table(
        title=f"Security at the {plain(result.actor)}'s peak share (median path; see the report)",
        caption="largest: the largest actor at the peak; HHI in points, a lower bound (the rest "
        "split into pools as in the report); N. c.: Nakamoto coefficient; P(z=6): exact "
        "double-spend probability after 6 confirmations; z@0.1%: confirmations for a 0.1 % "
        "risk; selfish: whether selfish mining pays; *: already a majority with its own "
        "machines, so energy and forgone rewards only",
    )
    for name in ("variant", "peak", "on", "largest", "HHI", "N. c.", "P(z=6)", "z@0.1%",
                 "selfish γ=0/½", "51 %, 1 week"):  # fmt: skip
        left = name in ("variant", "on", "largest")
        table.add_column(name, justify="left" if left else "right", no_wrap=True)
    for s in items:
        z6 = next((r.exact for r in s.double_spend if r.z == 6), float("nan"))
        table.add_row(
            plain(s.variant),
            format_percent(s.peak_share_frac),
            f"{s.peak_time:%Y-%m-%d}",
            "the actor" if s.largest_actor == s.actor else plain(s.largest_actor),
            f"{round(s.hhi * 10_000):,}",
            str(s.nakamoto_coefficient),
            format_probability(z6),
            "none" if s.confirmations_needed is None else f"{s.confirmations_needed:,}",
            "/".join("yes" if c.profitable else "no" for c in s.selfish),
            format_usd(s.attack.total_usd) + ("*" if s.attack.already_majority else ""),
        )
    return table


@guarded
def run(
    file: ScenarioFile,
    paths: Annotated[
        int | None,
        typer.Option(min=1, max=1_000_000, help="Monte Carlo paths (default: the scenario's)."),
    ] = None,
    seed: Seed = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Folder for the HTML report and CSV/JSON results "
            "(default: out/<scenario name>). Files are written only after the run succeeds.",
            file_okay=False,
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the summary as JSON (for scripts) instead.")
    ] = False,
    no_report: Annotated[
        bool, typer.Option("--no-report", help="Write no files; print only.")
    ] = False,
    sensitivity: Annotated[
        bool,
        typer.Option(
            "--sensitivity/--no-sensitivity",
            help="Rerun the last variant with each uncertain input at a low and a high value "
            "(BTC price drift and volatility, the rest's power prices and entry, response "
            "model, fees): a tornado chart in the report and 'sensitivity' in --json. On by "
            "default for a scenario with an actor; --no-sensitivity skips it.",
        ),
    ] = True,
    sensitivity_paths: Annotated[
        int,
        typer.Option(
            min=1,
            max=100_000,
            help="Paths of each sensitivity rerun: 1 (default) runs one path on the price "
            "model's median path; more runs a Monte Carlo of the file's price model.",
        ),
    ] = 1,
    max_memory: Annotated[
        float,
        typer.Option(
            "--max-memory",
            min=0.1,
            help="Refuse a run estimated to need more memory than this [GB] (the estimate is "
            "shown); paths run in chunks, so memory grows slowly with --paths.",
        ),
    ] = 2.0,
) -> None:
    """Run a scenario: every variant through the exact Monte Carlo, then report.

    Prints a summary per variant — machines, installed and mean hashrate, share of the network
    after the rest of the world reacts, BTC per year with a 5–95 % band, cost per BTC, energy
    and CO2 — the claims check, and the security figures at the actor's peak share. Writes
    report.html (interactive charts, works offline) and CSV/JSON tables to --out.
    """

    from hashtide.report._io import check_output_folder, safe_folder_name
    from hashtide.scenario import load_scenario, run_scenario

    spec = load_scenario(file)
    target = out if out is not None else Path("out") / safe_folder_name(spec.scenario)
    if not no_report:
        check_output_folder(target)
    if not as_json:
        from hashtide.scenario.resources import estimate_run

        estimate = estimate_run(spec, paths or spec.paths, max_memory_bytes=max_memory * 1e9)
        console.print(f"estimate: {estimate.describe()}", highlight=False)
    with progress_bar(unit="steps", elapsed=True, disable=as_json) as bar:
        task = bar.add_task("simulating", total=None)

        def progress(variant: int, variants: int, done: int, expected: int) -> None:
            name = spec.variants[variant].name if spec.variants else "base"
            bar.update(
                task,
                description=f"variant {variant + 1}/{variants} ({plain(name)})",
                completed=min(done, expected),
                total=expected,
            )

        result = run_scenario(
            spec, n_paths=paths, seed=seed, progress=progress, max_memory_bytes=max_memory * 1e9
        )
        if sensitivity and result.variants:
            result = _with_sensitivity(result, spec, sensitivity_paths, seed, bar, task)
        elif sensitivity and result.replay is not None:
            result = _with_replay_sensitivity(result, spec, seed, bar, task)
    written: list[Path] = []
    if not no_report:
        written = _write_outputs(result, target)
    if spec.score is not None and result.replay is None:  # else dropped without a word
        why = (
            f"the span {spec.start} … {spec.end_date} reaches past the shipped chain history"
            if spec.network.response == "market"
            else "only the world market (network.response: market) is scored against the chain"
        )
        err_console.print(f"note: score: not scored — {why}", highlight=False, soft_wrap=True)
    if as_json:
        typer.echo(json.dumps(result.summary_json(), indent=2, allow_nan=False))
        return
    from hashtide.scenario.results import RESPONSE_TEXT

    console.print(
        f"rest of the world: {RESPONSE_TEXT.get(result.network_response, result.network_response)}",
        highlight=False,
    )
    if result.variants:
        console.print(_summary_table(result))
        console.print(_investment_table(result))
        console.print(_yearly_table(result))
    if result.claims:
        console.print(_claims_table(result))
    if result.variants:
        console.print(_security_table(result))
    if result.sensitivity is not None:
        console.print(_sensitivity_table(result))
    if result.replay is not None:
        from hashtide.cli.market import print_replay

        print_replay(result.replay)
    if written:
        console.print(
            f"report: {plain(target / 'report.html')}  "
            f"(and {len(written) - 1} more files in {plain(target)})",
            highlight=False,
        )


def _with_sensitivity(
    result: ScenarioResult,
    spec: ScenarioSpec,
    n_paths: int,
    seed: int | None,
    bar: Progress,
    task: TaskID,
) -> ScenarioResult:
    """The one-at-a-time reruns (hashtide.scenario.sensitivity) attached to ``result``."""
    import dataclasses

    from hashtide.scenario.sensitivity import run_sensitivity

    def progress(done: int, total: int, label: str) -> None:
        bar.update(task, description=f"sensitivity: {label}", completed=done, total=total)

    table = run_sensitivity(spec, n_paths=n_paths, seed=seed, progress=progress)
    return dataclasses.replace(result, sensitivity=table)


def _with_replay_sensitivity(
    result: ScenarioResult, spec: ScenarioSpec, seed: int | None, bar: Progress, task: TaskID
) -> ScenarioResult:
    """A replay's one-at-a-time reruns on the expected path, attached to its replay."""
    import dataclasses

    from hashtide.scenario.sensitivity import run_replay_sensitivity

    def progress(done: int, total: int, label: str) -> None:
        bar.update(task, description=f"sensitivity: {label}", completed=done, total=total)

    table = run_replay_sensitivity(spec, seed=seed, progress=progress)
    if result.replay is None:  # pragma: no cover - the caller checks
        return result
    replay = dataclasses.replace(result.replay, sensitivity=table)
    return dataclasses.replace(result, replay=replay)


def _sensitivity_table(result: ScenarioResult) -> Table:
    """Each input's low and high value beside the base (one variant, fewer paths)."""
    import math

    from rich.table import Table

    from hashtide.report.formatting import MISSING, format_percent

    def usd(value: float) -> str:
        return f"{value:,.0f}" if math.isfinite(value) else MISSING  # nothing mined: no cost

    frame = result.sensitivity
    table = Table(title="Sensitivity, one input at a time (medians; base = the file's inputs)")
    for name in ("input", "value", "BTC/yr", "USD/BTC", "peak share"):
        table.add_column(name, justify="left" if name in ("input", "value") else "right")
    if frame is None or frame.empty:
        return table
    first = frame.iloc[0]
    table.add_row(
        f"base ({plain(first['variant'])})",
        "as the file states",
        f"{first['base_btc_per_year']:,.0f}",
        usd(first["base_cost_usd_per_btc"]),
        format_percent(first["base_peak_share_frac"]),
    )
    for row in frame.to_dict(orient="records"):
        table.add_row(
            str(row["input"]),
            str(row["label"]),
            f"{row['btc_per_year']:,.0f}",
            usd(row["cost_usd_per_btc"]),
            format_percent(row["peak_share_frac"]),
        )
    return table


def _yearly_table(result: ScenarioResult) -> Table:
    """Per variant and horizon year: hashprice, the actor's share and BTC (medians, 5–95 %)."""
    from rich.table import Table

    from hashtide.report.formatting import format_percent

    table = Table(
        title="Year by year (medians, 5–95 % across paths): hashprice, the actor's share, BTC"
    )
    for name in ("variant", "year", "from", "USD/PH/day", "share", "BTC", "5–95 %"):
        table.add_column(name, justify="left" if name in ("variant", "from") else "right")
    for v in result.variants:
        for y in v.yearly:
            table.add_row(
                plain(v.name),
                str(y.year),
                y.starts.isoformat(),
                f"{y.hashprice_usd_per_ph_day.median:,.1f}",
                format_percent(y.share_frac.median),
                f"{y.btc.median:,.0f}",
                f"{y.btc.p5:,.0f}–{y.btc.p95:,.0f}",
            )
    return table


def _write_outputs(result: ScenarioResult, target: Path) -> list[Path]:
    """Write the report and tables into ``target`` all at once (see ``write_folder``)."""
    from hashtide.market.report import write_replay_report, write_replay_tables
    from hashtide.report._io import write_folder
    from hashtide.report.scenario_report import write_report, write_tables

    def fill(folder: Path) -> None:
        if result.variants:
            write_report(result, folder / "report.html")
            write_tables(result, folder)
        if result.replay is not None:
            name = "replay.html" if result.variants else "report.html"
            write_replay_report(result.replay, folder / name)
            write_replay_tables(result.replay, folder)

    return write_folder(target, fill)
