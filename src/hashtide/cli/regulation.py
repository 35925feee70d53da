"""``hashtide detect`` and ``hashtide classify``: the regulator's toolkit from the command line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from hashtide.cli._common import console, guarded, plain, progress_bar

# Everything else is imported inside the commands: 'hashtide --help' must not load the stack.

MeterFile = Annotated[
    Path,
    typer.Argument(
        help="A meter CSV: a header row, then one reading per line (columns timestamp and "
        "power_kw unless told otherwise), hourly or finer, at least 7 days.",
        exists=True,
        dir_okay=False,
        readable=True,
    ),
]
FacilitiesFile = Annotated[
    Path,
    typer.Argument(
        help="A facilities file (YAML): declared activity, hardware, network evidence, floor "
        "area, location and optionally a meter series per facility.",
        exists=True,
        dir_okay=False,
        readable=True,
    ),
]
OutOption = Annotated[
    Path | None,
    typer.Option(
        help="Folder for the HTML report and the JSON result (default: out/<command>-<file "
        "name>). Files are written only after the command succeeds.",
        file_okay=False,
    ),
]
NoReport = Annotated[bool, typer.Option("--no-report", help="Write no files; print only.")]
AsJson = Annotated[
    bool, typer.Option("--json", help="Print the result as JSON (for scripts) instead.")
]


def _write_outputs(target: Path, writers: dict[str, Callable[[Path], object]]) -> list[Path]:
    """Write each file into ``target`` all at once (see ``hashtide.report._io.write_folder``)."""
    from hashtide.report._io import write_folder

    def fill(folder: Path) -> None:
        for name, write in writers.items():
            write(folder / name)

    return write_folder(target, fill)


def _json_writer(data: object) -> Callable[[Path], Path]:
    from hashtide.report._io import write_atomically

    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def write_text(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    def write(path: Path) -> Path:
        write_atomically(path, write_text)
        return path

    return write


def _logit(value: float | None) -> str:
    if value is None:
        return "[dim]—[/]"
    colour = "red" if value > 0 else "green"
    return f"[{colour}]{value:+.2f}[/]"


@guarded
def detect(
    meter: MeterFile,
    timestamp_column: Annotated[
        str, typer.Option(help="Name of the timestamp column (ISO 8601; UTC offsets honoured).")
    ] = "timestamp",
    power_column: Annotated[
        str, typer.Option(help="Name of the reading column; its unit from its suffix or --unit.")
    ] = "power_kw",
    unit: Annotated[
        str | None,
        typer.Option(
            help="Unit of the readings: W, kW, MW (mean power over the interval) or Wh, kWh, "
            "MWh (energy in the interval). Default: the column name's suffix (power_kw)."
        ),
    ] = None,
    timezone: Annotated[
        str,
        typer.Option(
            help="Time zone of timestamps written without a UTC offset, and of the local clock "
            "(night, weekend), e.g. Europe/London, Asia/Shanghai."
        ),
    ] = "UTC",
    allow_gaps: Annotated[
        bool,
        typer.Option(
            "--allow-gaps", help="Treat gaps and empty readings as missing (never interpolated)."
        ),
    ] = False,
    price_column: Annotated[
        str | None, typer.Option(help="Column of the site's power price [USD/kWh], if any.")
    ] = None,
    temperature_column: Annotated[
        str | None, typer.Option(help="Column of outdoor temperature [°C], if any.")
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Flag when P(fleet) reaches this instead of the model's threshold (lower: more "
            "fleets found and more false alarms; docs/regulation.md has the trade-off).",
        ),
    ] = None,
    out: OutOption = None,
    no_report: NoReport = False,
    as_json: AsJson = False,
) -> None:
    """Look for hidden PoW mining in a metered load series, and say why.

    Prints the verdict, the evidence (each item a physical property of the load, with how it
    moved the odds), and how many machines of which class would explain the load that was
    switched on. Writes report.html (with an interactive chart; opens offline) and detection.json
    to --out. With --json prints {"mining_probability", "estimated_machines", "evidence",
    "flagged", "pattern", "estimated_kw", …}: flagged means P(fleet) reached the threshold (a
    block was switched on: inspect); mining_probability = P(fleet) × P(ASIC | fleet), low when
    the block looks like GPU compute.
    Malformed input — bad timestamps, gaps, negative load, unknown units — exits 2 with every
    problem listed.
    """
    from rich.panel import Panel
    from rich.table import Table

    from hashtide.regulation import detector as _detector
    from hashtide.regulation.meter import read_meter_csv
    from hashtide.report._io import check_output_folder, safe_folder_name

    target = out if out is not None else Path("out") / safe_folder_name(f"detect-{meter.stem}")
    if not no_report:
        check_output_folder(target)
    series = read_meter_csv(
        meter,
        timestamp_column=timestamp_column,
        power_column=power_column,
        unit=unit,
        timezone=timezone,
        allow_gaps=allow_gaps,
        price_column=price_column,
        temperature_column=temperature_column,
    )
    result = _detector.detect(series, threshold=threshold)
    written: list[Path] = []
    if not no_report:
        from hashtide.regulation.report import write_detect_report

        written = _write_outputs(
            target,
            {
                "report.html": lambda p: write_detect_report(result, series, p),
                "detection.json": _json_writer(result.as_json()),
            },
        )
    if as_json:
        typer.echo(json.dumps(result.as_json(), indent=2, ensure_ascii=False))
        return
    style = "bold red" if result.flagged else "bold green"
    console.print(Panel(plain(result.verdict), title=plain(str(meter)), style=style))
    summary = Table(show_header=False, box=None)
    summary.add_row("mining probability", f"{100 * result.mining_probability:.1f} %")
    summary.add_row(
        "  = P(fleet) × P(ASIC | fleet)",
        f"{100 * result.fleet_probability:.1f} % × {100 * result.asic_probability:.1f} %",
    )
    summary.add_row(
        "flagged (P(fleet) ≥ threshold)",
        f"{'yes' if result.flagged else 'no'} (threshold {100 * result.threshold:.1f} %)",
    )
    summary.add_row("pattern, hidden load", f"{result.pattern}, {result.estimated_kw:,.1f} kW")
    summary.add_row(
        "series",
        f"{result.series['duration_days']:.1f} days, every {series.interval_s // 60} min, "
        f"{series.missing} missing, mean {result.series['mean_kw']:,.1f} kW",
    )
    console.print(summary)
    evidence = Table(title="Evidence (log-odds towards mining: fleet stage, ASIC stage)")
    evidence.add_column("evidence", overflow="fold")
    evidence.add_column("fleet", justify="right", no_wrap=True)
    evidence.add_column("ASIC", justify="right", no_wrap=True)
    for item in result.evidence:
        evidence.add_row(plain(item.sentence), _logit(item.fleet_logit), _logit(item.asic_logit))
    console.print(evidence)
    if result.machines:
        machines = Table(
            title=f"Machines that would draw the {result.estimated_power_kw:,.1f} kW step"
        )
        for name in ("catalog model", "W each", "machines", "range ±5 %", "TH/s"):
            machines.add_column(name, justify="left" if name == "catalog model" else "right")
        for m in result.machines:
            machines.add_row(
                plain(m.model),
                f"{m.power_w:,.0f}",
                str(m.n_machines),
                f"{m.n_low}–{m.n_high}" if m.fits else "none",
                f"{m.hashrate_total_ths:,.0f}",
            )
        console.print(machines)
    if written:
        console.print(
            f"report: {plain(target / 'report.html')}  (and detection.json in {plain(target)})",
            highlight=False,
        )


@guarded
def classify(
    facilities: FacilitiesFile,
    rules: Annotated[
        str,
        typer.Option(
            "--rules",
            help="The rule pack: a shipped one by name (china-ndrc-2021-1283, "
            "china-sichuan-tariff, china-inner-mongolia-tariff, positive-list-example) or a YAML "
            "file. Checked completely before use, every quote against its stored source text.",
        ),
    ],
    explain: Annotated[
        str | None,
        typer.Option(
            "--explain",
            metavar="FACILITY",
            help="Classify this facility only and print its chain: its evidence, each rule that "
            "fired with the clauses it cites, the decision, the tariff, the industry check, and "
            "why the other rules did not fire.",
        ),
    ] = None,
    brief: Annotated[
        bool, typer.Option("--brief", help="Print the decisions table only, not the audit trail.")
    ] = False,
    out: OutOption = None,
    no_report: NoReport = False,
    as_json: AsJson = False,
) -> None:
    """Classify facilities under a rule pack: category, track, tariff, industry check, audit trail.

    Each facility's evidence — declared activity and registered industry code, project stage,
    hardware matched against the ASIC catalog, the detector's output on its meter (or a declared
    meter pattern), network evidence (pool endpoints, Stratum, peer-to-peer networks), tokens,
    consumption — is tested against the pack's rules. The first firing rule that sets a category
    decides it, the first that sets a track decides the track; every rule that fired is printed
    with the clauses it cites (a short quote, checked against the stored text, and how that text
    was verified) and the tests that made it fire. Writes report.html and decisions.json to
    --out. A pack with an unknown field, operator, value, list, source, clause or a quote its
    source does not contain exits 2 with every problem listed.
    """
    from rich.table import Table

    from hashtide.errors import InvalidInputError
    from hashtide.regulation import facilities as _facilities
    from hashtide.regulation import rules as _rules
    from hashtide.regulation._validation import did_you_mean
    from hashtide.report._io import check_output_folder, safe_folder_name

    pack = _rules.load_pack(rules)
    target = (
        out
        if out is not None
        else Path("out") / safe_folder_name(f"classify-{facilities.stem}-{pack.name}")
    )
    if not no_report:
        check_output_folder(target)
    specs, base = _facilities.load_facilities(facilities)
    if explain is not None:
        if explain not in {s.id for s in specs}:
            raise InvalidInputError(
                f"--explain: no facility {explain!r} in {facilities}"
                f"{did_you_mean(explain, tuple(s.id for s in specs))}"
            )
        specs = [s for s in specs if s.id == explain]  # only that one is classified
    decisions = []
    with progress_bar(disable=as_json) as bar:
        task = bar.add_task("classifying", total=len(specs))
        for spec in specs:
            bar.update(task, description=f"classifying {plain(spec.id)}")
            decisions.append(_rules.classify(_facilities.evidence_of(spec, base), pack))
            bar.advance(task)
    payload = {
        "pack": pack.name,
        "pack_file": pack.path,
        "jurisdiction": pack.spec.jurisdiction,
        "as_of": pack.spec.as_of,
        "facilities_file": str(facilities),
        "decisions": [d.as_dict() for d in decisions],
    }
    written: list[Path] = []
    if not no_report:
        from hashtide.regulation.report import write_classify_report

        written = _write_outputs(
            target,
            {
                "report.html": lambda p: write_classify_report(pack, decisions, str(facilities), p),
                "decisions.json": _json_writer(payload),
            },
        )
    if as_json:
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    if explain is not None:
        for line in decisions[0].explain():
            console.print(plain(line), highlight=False, soft_wrap=True)
        return
    title = f"{pack.spec.title} — {len(decisions)} facilities ({pack.spec.jurisdiction})"
    table = Table(title=plain(title))
    for name in ("facility", "category", "track", "decided by", "tariff CNY/yr", "findings"):
        table.add_column(
            name, overflow="fold", justify="right" if name == "tariff CNY/yr" else "left"
        )
    for d in decisions:
        colour = _TRACK_COLOUR.get(d.track, "yellow")
        cost = d.tariff.cost_cny_per_year if d.tariff is not None else None
        table.add_row(
            plain(d.facility_id),
            plain(d.category),
            f"[{colour}]{plain(d.track)}[/]",
            plain(d.decided_by if d.decided_by == d.track_by else f"{d.decided_by} / {d.track_by}"),
            "—"
            if cost is None
            else f"{cost:,.0f}" + (" if confirmed" if d.tariff.conditional else ""),
            plain(", ".join(f"{f.kind} ({f.channel})" for f in d.findings)),
        )
    console.print(table)
    context = [f"{d.facility_id} ({', '.join(d.context_flags)})" for d in decisions if d.context]
    if context:
        console.print(
            plain(
                "context, not part of the decision (rules citing texts known only from reports; "
                f"--explain shows them): {'; '.join(context)}"
            ),
            highlight=False,
        )
    unverified = [d.facility_id for d in decisions if not d.verified]
    if unverified:
        console.print(
            plain(
                "not verified against a stored copy of the text (secondary, reported or unverified "
                f"sources; the audit lines say which): {', '.join(unverified)}"
            ),
            highlight=False,
        )
    if not brief:
        for d in decisions:
            console.print()
            for line in d.audit_trail():
                console.print(plain(line), highlight=False, soft_wrap=True)
    if written:
        console.print(
            f"\nreport: {plain(target / 'report.html')}  (and decisions.json in {plain(target)})",
            highlight=False,
        )


_TRACK_COLOUR = {
    "prohibited": "red",
    "phase_out": "red",
    "verify_further": "yellow",
    "compliant": "green",
    "register_and_file": "cyan",
    "financial_supervision": "magenta",
}
