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
    try:
        rows = list(csv.DictReader(io.StringIO(text)))
    except csv.Error as exc:
        raise ScenarioError(f"{source}: btc_price.file {path}: not a CSV file ({exc})") from None
    if not rows or not {"date", "price_usd"} <= set(rows[0]):
        raise ScenarioError(
            f"{source}: btc_price.file {path}: needs a header with columns date,price_usd"
        )
    problems = []
    points = []
    for line, row in enumerate(rows, start=2):
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


def parse_scenario(
    data: Any, *, source: str = "<scenario>", base: Path | None = None
) -> ScenarioSpec:
    """Validate already-loaded scenario data (e.g. a dict); raise listing every problem.

    ``base`` is the folder relative file names (``btc_price.file``) are read from (default: the
    current folder).
    """
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: a scenario is a mapping of keys to values at the top level")
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
