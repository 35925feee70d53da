"""``hashtide validate`` and ``hashtide run``: scenario files from the command line."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hashtide.cli._common import console, err_console, guarded
from hashtide.report.formatting import format_count, format_percent, format_usd
from hashtide.report.scenario_report import format_claim_value
from hashtide.report.security_section import format_probability
from hashtide.scenario import ScenarioResult, load_scenario, run_scenario
from hashtide.security import assess_scenario
from hashtide.units import HS_PER_EHS

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
    spec = load_scenario(file)
    variants = ", ".join(v.name for v in spec.variants) or "base"
    console.print(
        f"[green]ok[/]: {file} — scenario {spec.scenario!r}, start {spec.start}, "
        f"sites: {len(spec.actor.sites)}, variants: {variants}, claims: {len(spec.claims)}",
        highlight=False,
        soft_wrap=True,
    )


def _summary_table(result: ScenarioResult) -> Table:
    table = Table(
        title=f"{result.scenario}: {result.actor}, {result.horizon_years:g} years from "
        f"{_date(result.start_time_s)}, {result.n_paths:,} paths (medians; share of the network "
        "after the rest reacts)"
    )
    for name in (
        "variant",
        "machines",
        "EH/s",
        "mean EH/s",
        "share",
        "BTC/yr",
        "5–95 %",
        "USD/BTC",
        "TWh/yr",
        "Mt CO2/yr",
    ):
        table.add_column(name, justify="left" if name == "variant" else "right", no_wrap=True)
    for v in result.variants:
        table.add_row(
            v.name,
            format_count(v.machines),
            f"{v.installed_hashrate_hs / HS_PER_EHS:,.1f}",
            f"{v.mean_hashrate_hs.median / HS_PER_EHS:,.1f}",
            format_percent(v.network_share_frac.median),
            f"{v.btc_per_year.median:,.0f}",
            f"{v.btc_per_year.p5:,.0f}–{v.btc_per_year.p95:,.0f}",
            f"{v.cost_usd_per_btc.median:,.0f}",
            f"{v.energy_kwh_per_year.median / 1e9:,.1f}",
            f"{v.co2_kg_per_year.median / 1e9:,.2f}",
        )
    return table


def _date(time_s: float) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(time_s, tz=dt.UTC).strftime("%Y-%m-%d")


def _claims_table(result: ScenarioResult) -> Table:
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
                f"[bold red]✘ false[/] (×{c.computed / c.stated:,.1f})" if c.stated else "[red]✘[/]"
            )
        )
        table.add_row(
            c.claim,
            c.variant,
            format_claim_value(c, c.stated),
            format_claim_value(c, c.computed),
            verdict,
        )
    return table


def _security_table(result: ScenarioResult) -> Table:
    """The security figures of each variant's actor at its peak share (``hashtide.security``)."""
    items = assess_scenario(result)
    table = Table(
        title=f"Security at the {result.actor}'s peak share (median path; see the report)",
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
            s.variant,
            format_percent(s.peak_share_frac),
            f"{s.peak_time:%Y-%m-%d}",
            "the actor" if s.largest_actor == s.actor else s.largest_actor,
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
    seed: Annotated[int | None, typer.Option(help="Random seed (default: the scenario's).")] = None,
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
    spec = load_scenario(file)
    target = out if out is not None else Path("out") / spec.scenario
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("epochs"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=as_json,
    ) as bar:
        task = bar.add_task("simulating", total=None)

        def progress(variant: int, variants: int, done: int, expected: int) -> None:
            name = spec.variants[variant].name if spec.variants else "base"
            bar.update(
                task,
                description=f"variant {variant + 1}/{variants} ({name})",
                completed=min(done, expected),
                total=expected,
            )

        result = run_scenario(
            spec, n_paths=paths, seed=seed, progress=progress, max_memory_bytes=max_memory * 1e9
        )
    written: list[Path] = []
    if not no_report:
        written = _write_outputs(result, target)
    if as_json:
        typer.echo(json.dumps(result.summary_json(), indent=2, allow_nan=False))
        return
    console.print(_summary_table(result))
    if result.claims:
        console.print(_claims_table(result))
    if result.variants:
        console.print(_security_table(result))
    if written:
        console.print(
            f"report: {target / 'report.html'}  (and {len(written) - 1} more files in {target})",
            highlight=False,
        )


def _write_outputs(result: ScenarioResult, target: Path) -> list[Path]:
    """Write the report and tables to a scratch folder, then move them into ``target``."""
    from hashtide.report.scenario_report import write_report, write_tables

    target.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".hashtide-", dir=target))
    try:
        files = [write_report(result, scratch / "report.html"), *write_tables(result, scratch)]
        moved = []
        for path in files:
            final = target / path.name
            path.replace(final)
            moved.append(final)
        return moved
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
