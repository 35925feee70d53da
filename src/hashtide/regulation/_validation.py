"""Reading YAML files checked by pydantic models: every problem at once, with its key path.

The same conventions as scenario files (``hashtide.scenario.load``): an unknown key gets a "did
you mean", a missing key says so, every message starts with the key path.
"""

from __future__ import annotations

import difflib
import types
import typing
from pathlib import Path
from typing import Any, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from hashtide.errors import InvalidInputError

M = TypeVar("M", bound=BaseModel)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _models_in(get_args(annotation)[0])
    if origin in (list, tuple, dict, Union, types.UnionType):
        return [m for arg in get_args(annotation) for m in _models_in(arg)]
    return []


def _model_at(root: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    candidates: list[type[BaseModel]] = [root]
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        nxt: list[type[BaseModel]] = []
        for model in candidates:
            field = model.model_fields.get(part)
            if field is not None:
                nxt.extend(_models_in(field.annotation))
        if not nxt:  # a dict key (e.g. a list name) or a union member's tag
            continue
        candidates = nxt
    return candidates[0] if candidates else None


def key_path(loc: tuple[int | str, ...]) -> str:
    """``("rules", 2, "when")`` → ``rules[2].when``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def describe(root: type[BaseModel], error: Any) -> str:
    """One pydantic error as ``path: message`` with a "did you mean" for unknown keys."""
    loc = tuple(
        p
        for p in error["loc"]
        if not (isinstance(p, str) and (p.startswith("function-") or "[" in p))
    )
    where = key_path(loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        model = _model_at(root, loc)
        fields = list(model.model_fields) if model is not None else []
        close = difflib.get_close_matches(key, fields, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else f" (allowed: {', '.join(fields)})"
        return f"{where}: unknown key {key!r}{hint}"
    if kind == "missing":
        return f"{where}: required, but missing"
    message = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    shown = f" {value!r}" if not isinstance(value, dict | list) and value is not None else ""
    if shown and repr(value).strip("'") in message:
        return f"{where}: {message}"
    return f"{where}:{shown} {message}" if shown else f"{where}: {message}"


def validate(root: type[M], data: Any, source: str, what: str) -> M:
    """``root.model_validate(data)``, or :class:`InvalidInputError` listing every problem."""
    if not isinstance(data, dict):
        raise InvalidInputError(f"{source}: {what} is a mapping of keys to values at the top level")
    try:
        return root.model_validate(data)
    except ValidationError as exc:
        problems = [describe(root, e) for e in exc.errors()]
        lines = "\n".join(f"  - {p}" for p in problems)
        raise InvalidInputError(f"{source}: {len(problems)} problem(s):\n{lines}") from None


def read_yaml(path: str | Path, what: str) -> Any:
    """Safe-load a YAML file; unreadable files and syntax errors name the file and the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError(f"{path}: cannot read the {what} ({exc.strerror})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise InvalidInputError(f"{path}: not valid YAML{where}: {problem}") from None


def did_you_mean(value: str, choices: list[str] | tuple[str, ...]) -> str:
    """``"; did you mean 'x'?"`` for the closest choice, or the list of choices."""
    close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else f" (expected one of: {', '.join(choices)})"
