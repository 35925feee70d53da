"""Reading YAML files checked by pydantic models: every problem at once, with its key path.

Shared by scenario files, market scenarios, facility files and rule packs: an unknown key gets a
"did you mean", a missing key says so, every message starts with the key path as the file spells
it (aliases, not Python names; no discriminated-union tags), and YAML syntax errors name the
line. Always loaded with ``yaml.safe_load``.
"""

from __future__ import annotations

import difflib
import types
import typing
from pathlib import Path
from typing import Any, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from hashtide.errors import HashtideError

M = TypeVar("M", bound=BaseModel)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation may hold (through Optional, list, dict, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _models_in(get_args(annotation)[0])
    if origin in (list, tuple, dict, Union, types.UnionType):
        return [m for arg in get_args(annotation) for m in _models_in(arg)]
    return []


def _tag(model: type[BaseModel]) -> str | None:
    """The value of a ``kind: Literal[...]`` discriminator, if the model has one."""
    field = model.model_fields.get("kind")
    args = get_args(field.annotation) if field is not None else ()
    return str(args[0]) if len(args) == 1 else None


def _field(model: type[BaseModel], key: str) -> Any:
    """The field a file key names (by alias or by name)."""
    for name, field in model.model_fields.items():
        if key in (name, field.alias):
            return field
    return None


def field_names(model: type[BaseModel]) -> list[str]:
    """The keys a file may use for ``model`` (aliases where they exist)."""
    return [field.alias or name for name, field in model.model_fields.items()]


def _walk(
    root: type[BaseModel], loc: tuple[int | str, ...]
) -> tuple[list[type[BaseModel]], list[int | str]]:
    """Models holding the last element of ``loc``, and ``loc`` without union tags."""
    candidates: list[type[BaseModel]] = [root]
    path: list[int | str] = []
    for part in loc[:-1]:
        if isinstance(part, int):
            path.append(part)
            continue
        tagged = [m for m in candidates if _tag(m) == part]
        if tagged:  # a discriminated union names its chosen member in the location
            candidates = tagged
            continue
        nxt = [
            m
            for model in candidates
            if (field := _field(model, part)) is not None
            for m in _models_in(field.annotation)
        ]
        path.append(part)
        if nxt:
            candidates = nxt
    if loc:
        last = loc[-1]
        if not (isinstance(last, str) and any(_tag(m) == last for m in candidates)):
            path.append(last)
    return candidates, path


def key_path(loc: tuple[int | str, ...] | list[int | str]) -> str:
    """``("rules", 2, "when")`` → ``rules[2].when``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def did_you_mean(value: str, choices: list[str] | tuple[str, ...]) -> str:
    """``"; did you mean 'x'?"`` for the closest choice, or the list of choices."""
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else f" (expected one of: {', '.join(choices)})"


def describe(root: type[BaseModel], error: Any) -> str:
    """One pydantic error as ``path: message``, with a "did you mean" for unknown keys."""
    loc = tuple(
        p
        for p in error["loc"]
        if not (isinstance(p, str) and (p.startswith("function-") or p == "[key]"))
    )
    candidates, path = _walk(root, loc)
    where = key_path(path)
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        fields = field_names(candidates[0]) if candidates else []
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


def validate(
    root: type[M],
    data: Any,
    source: str,
    what: str,
    error: type[HashtideError],
) -> M:
    """``root.model_validate(data)``, or ``error`` listing every problem with its key path."""
    if not isinstance(data, dict):
        raise error(f"{source}: {what} is a mapping of keys to values at the top level")
    try:
        return root.model_validate(data)
    except ValidationError as exc:
        problems = [describe(root, e) for e in exc.errors()]
        lines = "\n".join(f"  - {p}" for p in problems)
        raise error(f"{source}: {len(problems)} problem(s):\n{lines}") from None


def read_yaml(path: str | Path, what: str, error: type[HashtideError]) -> Any:
    """Safe-load a YAML file; unreadable files and syntax errors name the file and the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} ({exc.strerror})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(f"{path}: not valid YAML{where}: {problem}") from None
