"""Reading a scenario file: safe YAML, every problem reported at once with its key path."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

from hashtide._validation import decode_text, read_yaml, validate
from hashtide.errors import ScenarioError
from hashtide.scenario.schema import ScenarioSpec

#: Largest BTC price file read [bytes] (a daily series since 2009 is about 150 kB).
MAX_PRICE_FILE_BYTES = 20_000_000


def _read_price_file(data: dict[str, Any], base: Path, source: str) -> None:
    """Replace ``btc_price.file`` by the ``points`` it holds (CSV: date, price_usd)."""
    price = data.get("btc_price")
    if not isinstance(price, dict) or not isinstance(price.get("file"), str):
        return
    path = base / price["file"]
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_PRICE_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(
            f"{source}: btc_price.file: cannot read {path} ({exc.strerror})"
        ) from None
    if len(raw) > MAX_PRICE_FILE_BYTES:
        raise ScenarioError(
            f"{source}: btc_price.file {path} is larger than {MAX_PRICE_FILE_BYTES:,} bytes"
        )
    text = decode_text(raw, path, "price file", ScenarioError)
    reader = csv.DictReader(io.StringIO(text))
    try:
        rows = [(reader.line_num, row) for row in reader]  # the file's lines, blank ones too
    except csv.Error as exc:
        raise ScenarioError(f"{source}: btc_price.file {path}: not a CSV file ({exc})") from None
    if not rows and {"date", "price_usd"} <= set(reader.fieldnames or ()):
        raise ScenarioError(
            f"{source}: btc_price.file {path}: no prices after the header; give one date,price_usd "
            "per line"
        )
    if not rows or not {"date", "price_usd"} <= set(rows[0][1]):
        found = ",".join(reader.fieldnames or ())
        separated = ";" in found or "\t" in found
        raise ScenarioError(
            f"{source}: btc_price.file {path}: needs a header with columns date,price_usd"
            + (f" (it has {found[:80]!r})" if found else " (it is empty)")
            + (
                "; save it with commas between columns and '.' as the decimal mark"
                if separated
                else ""
            )
        )
    problems = []
    points = []
    for line, row in rows:
        extra = row.get(None)
        if extra:
            # '2026-07-01,70,000' read 70 USD and dropped '000'.
            problems.append(
                f"  - {path} line {line}: {len(extra)} field(s) more than the header's "
                f"({', '.join(map(repr, extra[:3]))}); write numbers without a thousands "
                "separator (70000), or quote them"
            )
            continue
        cell = row.get("price_usd")
        try:
            value = float(cell) if cell is not None and len(cell) <= 40 else None
        except ValueError:
            value = None
        if value is None or not math.isfinite(value):
            what = "a number" if value is None else "a finite number"
            problems.append(f"  - {path} line {line}: price_usd {cell!r} is not {what}")
            continue
        points.append({"date": row["date"], "price": f"{value} USD"})
    if problems:
        raise ScenarioError(f"{source}: {len(problems)} problem(s):\n" + "\n".join(problems))
    price["points"] = points


def old_format_hints(data: dict[str, Any]) -> list[str]:
    """What to change in a file written for hashtide's older formats (empty if none).

    Before one format, state programs and single sites had ``network.response_elasticity``
    (the elasticity rule, then the only rest of the world) and market scenarios (``hashtide
    replay``) had ``counterfactual``, top-level ``regions``/``behaviour`` and no ``btc_price``.
    """
    hints = []
    network = data.get("network")
    if isinstance(network, dict) and "response_elasticity" in network:
        value = network["response_elasticity"]
        hints.append(
            f"network.response_elasticity ({value!r}) is the old format's rule for the rest of "
            "the world. The rest of the world is now the world market by default (remove "
            "network.hashrate, growth and response_elasticity); to keep the old rule write "
            f"network: {{response: elasticity, elasticity: {value}, hashrate: …, growth: …}} "
            "(or response: fixed for ε = 0)"
        )
    if "counterfactual" in data:
        hints.append(
            "counterfactual: is the old market-scenario format; write the runs as variants: "
            "variants: [{name: with the events}, {name: counterfactual, events: []}]"
        )
    for key in ("regions", "behaviour"):
        if key in data:
            hints.append(f"{key}: moved under network: (network: {{{key}: …}})")
    if "btc_price" not in data and "end" in data and "actor" not in data:
        hints.append(
            "btc_price: is now required; a replay of history writes btc_price: {model: "
            "historical} and fees: historical"
        )
    events = data.get("events")
    if isinstance(events, list) and any(
        isinstance(e, dict) and e.get("kind") == "state_program" for e in events
    ):
        hints.append(
            "events of kind state_program are now the actor: write actor: {name, miner, "
            "machines_per_month, sites: [...]} with variants for its facility power"
        )
    return hints


def parse_scenario(
    data: Any, *, source: str = "<scenario>", base: Path | None = None
) -> ScenarioSpec:
    """Validate already-loaded scenario data (e.g. a dict); raise listing every problem.

    ``base`` is the folder relative file names (``btc_price.file``) are read from (default: the
    current folder).
    """
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: a scenario is a mapping of keys to values at the top level")
    hints = old_format_hints(data)
    if hints:
        raise ScenarioError(
            f"{source}: written for an older hashtide scenario format; change:\n"
            + "\n".join(f"  - {h}" for h in hints)
            + "\n(docs/scenarios.md describes the format)"
        )
    _read_price_file(data, base if base is not None else Path.cwd(), source)
    return validate(ScenarioSpec, data, source, "a scenario", ScenarioError)


def load_scenario(path: str | Path) -> ScenarioSpec:
    """Read and validate a YAML scenario file (loaded with ``yaml.safe_load``).

    Raises
    ------
    ScenarioError
        If the file is missing, is not valid YAML, or breaks any rule of the schema — with
        every problem listed, each with its key path, the bad value and what was expected.
    """
    path = Path(path)
    data = read_yaml(path, "scenario file", ScenarioError)
    return parse_scenario(data, source=str(path), base=path.parent)
