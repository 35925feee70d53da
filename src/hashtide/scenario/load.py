"""Reading a scenario file: safe YAML, every problem reported at once with its key path."""

from __future__ import annotations

import csv
import difflib
import io
import types
import typing
from pathlib import Path
from typing import Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from hashtide.errors import ScenarioError
from hashtide.scenario.schema import ScenarioSpec


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation may hold (through Optional, list, Annotated, unions)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _models_in(get_args(annotation)[0])
    if origin in (list, tuple, Union, types.UnionType):
        return [m for arg in get_args(annotation) for m in _models_in(arg)]
    return []


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model whose fields the last element of ``loc`` is looked up in."""
    candidates: list[type[BaseModel]] = [ScenarioSpec]
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        tagged = [m for m in candidates if _tag(m) == part]
        if tagged:  # a discriminated union names the chosen member in the location
            candidates = tagged
            continue
        nxt: list[type[BaseModel]] = []
        for model in candidates:
            field = model.model_fields.get(part)
            if field is not None:
                nxt.extend(_models_in(field.annotation))
        candidates = nxt
        if not candidates:
            return None
    return candidates[0] if candidates else None


def _tag(model: type[BaseModel]) -> str | None:
    field = model.model_fields.get("kind")
    if field is None:
        return None
    args = get_args(field.annotation)
    return str(args[0]) if args else None


def _is_tag_at(prefix: tuple[int | str, ...], part: int | str) -> bool:
    if not isinstance(part, str) or not prefix:
        return False
    parent = _model_at((*prefix, part, "_"))
    return parent is not None and _tag(parent) == part


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _describe(error: Any) -> str:
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    model = _model_at(loc)
    if model is not None and loc and _tag(model) == loc[-1]:
        loc = loc[:-1]
    # A discriminated union puts the chosen tag in the location; the file has no such key.
    where = _path(tuple(p for i, p in enumerate(loc) if not _is_tag_at(loc[:i], p)))
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        fields = list(_model_at(loc).model_fields) if _model_at(loc) else []  # type: ignore[union-attr]
        close = difflib.get_close_matches(key, fields, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else f" (allowed: {', '.join(fields)})"
        return f"{where}: unknown key {key!r}{hint}"
    if kind == "missing":
        return f"{where}: required, but missing"
    message = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    shown = f" {value!r}" if not isinstance(value, dict | list) and value is not None else ""
    if kind in ("literal_error", "union_tag_invalid"):
        return f"{where}:{shown} — {message}"
    if shown and repr(value).strip("'") in message:
        return f"{where}: {message}"
    return f"{where}:{shown} {message}" if shown else f"{where}: {message}"


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
    try:
        return ScenarioSpec.model_validate(data)
    except ValidationError as exc:
        problems = [_describe(error) for error in exc.errors()]
        lines = "\n".join(f"  - {p}" for p in problems)
        raise ScenarioError(f"{source}: {len(problems)} problem(s):\n{lines}") from None


def load_scenario(path: str | Path) -> ScenarioSpec:
    """Read and validate a YAML scenario file (loaded with ``yaml.safe_load``).

    Raises
    ------
    ScenarioError
        If the file is missing, is not valid YAML, or breaks any rule of the schema — with
        every problem listed, each with its key path, the bad value and what was expected.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the scenario file ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(f"{path}: not valid YAML{where}: {problem}") from None
    return parse_scenario(data, source=str(path), base=path.parent)
