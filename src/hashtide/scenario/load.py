"""Reading a scenario file: safe YAML, every problem reported at once with its key path."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from hashtide._validation import read_yaml, validate
from hashtide.errors import ScenarioError
from hashtide.scenario.schema import ScenarioSpec


def _read_price_file(data: dict[str, Any], base: Path, source: str) -> None:
    """Replace ``btc_price.file`` by the ``points`` it holds (CSV: date, price_usd)."""
    price = data.get("btc_price")
    if not isinstance(price, dict) or not isinstance(price.get("file"), str):
        return
    path = base / price["file"]
    try:
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    except OSError as exc:
        raise ScenarioError(
            f"{source}: btc_price.file: cannot read {path} ({exc.strerror})"
        ) from None
    if not rows or not {"date", "price_usd"} <= set(rows[0]):
        raise ScenarioError(
            f"{source}: btc_price.file {path}: needs a header with columns date,price_usd"
        )
    problems = []
    points = []
    for line, row in enumerate(rows, start=2):
        try:
            value = float(row["price_usd"])
        except (TypeError, ValueError):
            problems.append(
                f"  - {path} line {line}: price_usd {row['price_usd']!r} is not a number"
            )
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
