"""Reading YAML files checked by pydantic models: every problem at once, with its key path.

Shared by scenario files, market scenarios, facility files and rule packs: an unknown key gets a
"did you mean", a missing key says so, every message starts with the key path as the file spells
it (aliases, not Python names; no discriminated-union tags), and YAML syntax errors name the
line. Always loaded with ``yaml.safe_load``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
import types
import typing
from pathlib import Path
from typing import Any, Final, TypeVar, Union, get_args, get_origin

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
        if _union_member(part, candidates):
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
        if not (
            isinstance(last, str)
            and (any(_tag(m) == last for m in candidates) or _union_member(last, candidates))
        ):
            path.append(last)
    return candidates, path


_TYPE_TAG = re.compile(r"(str|int|float|bool|none|date|datetime|[a-z-]+\[.*\])")


def _union_member(part: str, candidates: list[type[BaseModel]]) -> bool:
    """Whether ``part`` names a member of a plain union (``str``, ``MinerSpec``), not a key."""
    if any(_field(m, part) is not None for m in candidates):
        return False
    return part in {m.__name__ for m in candidates} or _TYPE_TAG.fullmatch(part) is not None


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


#: Error types of a value given to the wrong member of a union.
_WRONG_MEMBER = frozenset({"model_type", "dict_type", "model_attributes_type", "string_type"})


def _short(value: Any) -> str:
    """``value`` for a message: dates as written, other values as ``repr``, cut to 60 chars."""
    text = str(value) if isinstance(value, dt.date) else repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _clean_loc(loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """``loc`` without validator-function and ``[key]`` entries."""
    return tuple(
        p for p in loc if not (isinstance(p, str) and (p.startswith("function-") or p == "[key]"))
    )


def describe(root: type[BaseModel], error: Any, data: Any = None) -> str:
    """One pydantic error as ``path: message (line N)``, with a "did you mean" for unknown keys.

    The line is known when ``data`` was read by :func:`read_yaml` (or :func:`parse_yaml`).
    """
    loc = _clean_loc(error["loc"])
    candidates, path = _walk(root, loc)
    where = key_path(path)
    line = line_of(data, path)
    return _text(candidates, where, loc, error) + (f" (line {line})" if line is not None else "")


#: pydantic's numeric bounds (``Field(gt=0)`` …), said as the project's own checks say them.
_BOUNDS: Final = {
    "greater_than": (">", "gt"),
    "greater_than_equal": (">=", "ge"),
    "less_than": ("<", "lt"),
    "less_than_equal": ("<=", "le"),
}


def _text(candidates: list[type[BaseModel]], where: str, loc: tuple[Any, ...], error: Any) -> str:
    """The message of one pydantic error, after its key path ``where``."""
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
    if kind in _BOUNDS and isinstance(error.get("ctx"), dict):
        sign, key = _BOUNDS[kind]
        limit = error["ctx"].get(key)
        if isinstance(limit, int):  # exactly (a seed's bound is 2**63 - 1)
            message = f"must be {sign} {limit}"
        elif isinstance(limit, float):
            message = f"must be {sign} {limit:g}"
    value = error.get("input")
    if "input" in error and value is None and "none" not in kind:
        return f"{where}: a value is required (the key is there but empty)"
    shown = f" {_short(value)}" if not isinstance(value, dict | list) and value is not None else ""
    if kind in ("literal_error", "union_tag_invalid"):
        return f"{where}:{shown} — {message}"
    if shown and shown.strip(" '") in message:
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
        errors = exc.errors()
        paths = [tuple(_walk(root, _clean_loc(e["loc"]))[1]) for e in errors]
        # a value of one union member (``miner: S21`` a name, not a custom machine) also fails
        # the others: keep only the messages about the member it was meant for
        kept = [
            e
            for e, path in zip(errors, paths, strict=True)
            if not (
                e["type"] in _WRONG_MEMBER
                and sum(other[: len(path)] == path for other in paths) > 1
            )
        ]
        problems = list(dict.fromkeys(describe(root, e, data) for e in kept or errors))
        lines = "\n".join(f"  - {p}" for p in problems)
        raise error(f"{source}: {len(problems)} problem(s):\n{lines}") from None


# --- reading YAML: bounded, strict, with the line of every key -------------------------------

#: Largest YAML input file read [bytes]; scenario files, rule packs and facility files are a few kB.
MAX_YAML_BYTES: Final = 1_000_000
#: Deepest nesting of mappings and lists a YAML input may have.
MAX_YAML_DEPTH: Final = 40
#: Most values (mapping entries, list items, scalars) a YAML input may hold, aliases expanded.
MAX_YAML_NODES: Final = 200_000


class YamlMapping(dict[Any, Any]):
    """A mapping read from YAML that remembers the line of each key (``key_lines``)."""

    key_lines: dict[Any, int]


class YamlSequence(list[Any]):
    """A list read from YAML that remembers the line of each item (``item_lines``)."""

    item_lines: list[int]


class _ValueProblem(yaml.constructor.ConstructorError):
    """Valid YAML holding a value hashtide refuses (a repeated key, ``.nan`` …)."""


def _node_error(node: yaml.Node, problem: str) -> _ValueProblem:
    return _ValueProblem(None, None, problem, node.start_mark)


class _Loader(yaml.SafeLoader):
    """``yaml.SafeLoader`` with a depth limit, no duplicate keys, no non-finite numbers, no
    impossible dates, and line numbers kept for error messages."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise _ValueProblem(None, None, f"nested deeper than {MAX_YAML_DEPTH} levels", mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_yaml_map_with_lines(self, node: yaml.MappingNode) -> Any:
        data = YamlMapping()
        data.key_lines = {}
        yield data
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=False)
            line = key_node.start_mark.line + 1
            try:
                first = seen.get(key)
            except TypeError:
                raise _node_error(key_node, "a key must be text or a number") from None
            if first is not None:
                raise _node_error(
                    key_node, f"duplicate key {key!r} at lines {first} and {line}; keep one"
                )
            seen[key] = line
        data.update(self.construct_mapping(node))
        data.key_lines = {key: seen.get(key, node.start_mark.line + 1) for key in data}

    def construct_yaml_seq_with_lines(self, node: yaml.SequenceNode) -> Any:
        data = YamlSequence()
        data.item_lines = [child.start_mark.line + 1 for child in node.value]
        yield data
        data.extend(self.construct_sequence(node))

    def construct_bounded_int(self, node: yaml.ScalarNode) -> int | str:
        digits = str(node.value).lstrip("+-").replace("_", "")
        if ":" in digits or (len(digits) > 1 and digits[0] == "0" and digits.isdigit()):
            # YAML 1.1 reads -6:00 as base 60 (-360) and 010 as octal (8): keep the text, so the
            # schema names the key instead of taking a number nobody meant
            return str(node.value)
        try:
            return int(self.construct_yaml_int(node))
        except ValueError:
            raise _node_error(node, f"the integer {node.value[:20]}… has too many digits") from None

    def construct_plain_float(self, node: yaml.ScalarNode) -> float | str:
        if ":" in str(node.value):
            return str(node.value)  # YAML 1.1 base 60 (1:30.5 → 5430.5): keep the text
        return float(self.construct_yaml_float(node))

    def construct_date_or_text(self, node: yaml.ScalarNode) -> Any:
        try:
            return self.construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            # an impossible date such as 2026-13-01 stays text: the schema names it with its key
            return str(node.value)


_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_yaml_map_with_lines)
_Loader.add_constructor("tag:yaml.org,2002:seq", _Loader.construct_yaml_seq_with_lines)
_Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_bounded_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _Loader.construct_plain_float)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_date_or_text)


def _count_nodes(root: yaml.Node) -> int:
    """Values in the document with aliases expanded (each node's size computed once)."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        if done or not children:
            sizes[id(node)] = 1 + sum(sizes.get(id(c), 0) for c in children)
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def decode_text(raw: bytes, path: Path, what: str, error: type[HashtideError]) -> str:
    """``raw`` as UTF-8 text, or ``error`` naming the first undecodable byte's line and offset."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise error(
            f"{path}: the {what} is not UTF-8 text: byte 0x{raw[exc.start]:02x} at line {line}, "
            f"column {column} (byte offset {exc.start}); save it as UTF-8"
        ) from None


def parse_yaml(text: str, source: str, error: type[HashtideError]) -> Any:
    """Safe-load YAML ``text``: bounded nesting and size, no duplicate keys, finite numbers.

    Mappings and lists come back as :class:`YamlMapping` / :class:`YamlSequence`, which remember
    the line of each key and item, so :func:`validate` can name the line of every problem.
    """
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            count = _count_nodes(node)
            if count > MAX_YAML_NODES:
                raise error(
                    f"{source}: too many values ({count:,} with aliases expanded; "
                    f"at most {MAX_YAML_NODES:,})"
                )
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        char = (
            exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        )
        raise error(
            f"{source}: not valid YAML at line {line}: the character U+{char:04X} is not allowed"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = "; ".join(
            str(p) for p in (getattr(exc, "context", None), getattr(exc, "problem", None)) if p
        ) or str(exc)
        if isinstance(exc, _ValueProblem) and mark:
            raise error(f"{source}: {where}: {problem}") from None
        raise error(
            f"{source}: not valid YAML{' at ' + where if mark else ''}: {problem}"
        ) from None
    except RecursionError:  # a guard: the depth limit above should make this unreachable
        raise error(f"{source}: nested too deeply") from None
    problems = [
        f"{key_path(path)}: {value!r} is not a finite number (line {line})"
        for path, line, value in _non_finite(data)
    ]
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise error(f"{source}: {len(problems)} problem(s):\n{lines}")
    return data


def _non_finite(data: Any) -> list[tuple[list[int | str], int | None, float]]:
    """Every NaN or infinite number in ``data``, with its key path and line."""
    found: list[tuple[list[int | str], int | None, float]] = []
    stack: list[tuple[Any, list[int | str], int | None]] = [(data, [], None)]
    while stack:
        value, path, line = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            found.append((path, line, value))
        elif isinstance(value, YamlMapping):
            stack.extend(
                (v, [*path, k if isinstance(k, int) else str(k)], value.key_lines.get(k))
                for k, v in value.items()
            )
        elif isinstance(value, YamlSequence):
            stack.extend((v, [*path, i], value.item_lines[i]) for i, v in enumerate(value))
    return sorted(found, key=lambda item: item[1] or 0)


def read_yaml(path: str | Path, what: str, error: type[HashtideError]) -> Any:
    """Safe-load a YAML file with :func:`parse_yaml`; every problem names the file and line.

    Raises ``error`` if the file cannot be read, is larger than :data:`MAX_YAML_BYTES`, is not
    UTF-8, is not valid YAML, repeats a key, nests deeper than :data:`MAX_YAML_DEPTH` or holds a
    non-finite number (``.nan``, ``.inf``).
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_YAML_BYTES + 1)
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} ({exc.strerror})") from None
    if len(raw) > MAX_YAML_BYTES:
        raise error(f"{path}: the {what} is larger than {MAX_YAML_BYTES:,} bytes")
    return parse_yaml(decode_text(raw, path, what, error), str(path), error)


def line_of(data: Any, path: list[int | str] | tuple[int | str, ...]) -> int | None:
    """The line of the deepest key or item of ``path`` in ``data`` read by :func:`read_yaml`."""
    line = None
    node = data
    for part in path:
        if isinstance(node, YamlMapping) and not isinstance(part, int) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, YamlSequence) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line
