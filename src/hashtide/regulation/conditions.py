"""Rule conditions: parsed and checked at load, evaluated with an audit trace.

Syntax: ``{field: F, op: OP, value: V}`` or ``{field: F, op: matches_any, list: NAME}``, combined
with ``{all: [...]}``, ``{any: [...]}`` and ``{not: ...}``, and ``{ref: NAME}`` for a condition
the pack names under ``conditions:`` (defined before it is used, so no cycles). Operators by field
type (:data:`OPS`):

* number, int: ``==  !=  <  <=  >  >=``, ``between`` ``[low, high]``
* str, enum: ``==  !=``, ``in`` / ``not_in`` a list, ``glob`` a wildcard pattern (``*`` any run,
  ``?`` one character, case-insensitive)
* bool: ``==``, ``!=`` (``true`` or ``false``)
* list: ``contains`` a value, ``contains_any`` values or a ``list``, ``matches_any`` a pack
  list (for ``network.pool_endpoints``: the host or any of its parent domains is on the list,
  or the address is in a listed network), ``empty``, ``not_empty``
* any field: ``known``, ``unknown`` (no value given; every other operator is false on an
  unknown value, and the trace says so)

Regular expressions are not accepted: a pattern such as ``^(a+)+$`` takes exponential time on a
short input. ``glob`` is matched in at most (pattern length × text length) steps, patterns are
at most :data:`MAX_PATTERN_CHARS` long and texts longer than :data:`MAX_TEXT_CHARS` are not
tested (the trace says so).

Evaluation (:func:`evaluate`) returns whether the condition holds, the leaf tests that **made**
it hold (for ``any``, only the alternatives that held; for ``not``, the inner tests that failed,
shown negated) and the leaf tests that failed (why a rule did not fire).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final, Literal, Protocol

from hashtide.regulation._validation import did_you_mean
from hashtide.regulation.facilities import FIELDS, FacilityEvidence, check_field

#: Operators allowed for each field type (``known``/``unknown`` apply to every type).
OPS: Final[dict[str, tuple[str, ...]]] = {
    "number": ("==", "!=", "<", "<=", ">", ">=", "between"),
    "int": ("==", "!=", "<", "<=", ">", ">=", "between"),
    "str": ("==", "!=", "in", "not_in", "glob"),
    "enum": ("==", "!=", "in", "not_in", "glob"),
    "bool": ("==", "!="),
    "list": ("contains", "contains_any", "matches_any", "empty", "not_empty"),
}
_ANY_OPS: Final = ("known", "unknown")
_NO_VALUE: Final = ("known", "unknown", "empty", "not_empty", "matches_any")
#: Longest ``glob`` pattern [characters].
MAX_PATTERN_CHARS: Final = 200
#: Longest text a ``glob`` is tested on [characters].
MAX_TEXT_CHARS: Final = 10_000


class _ListLike(Protocol):
    @property
    def values(self) -> tuple[str, ...]: ...


@dataclass(frozen=True, kw_only=True)
class Condition:
    """A leaf condition: ``field op value`` (or ``field matches_any list``)."""

    field: str
    op: str
    value: Any = None
    list_name: str | None = None


@dataclass(frozen=True, kw_only=True)
class Group:
    """``all`` / ``any`` of several conditions, or ``not`` of one."""

    kind: Literal["all", "any", "not"]
    items: tuple[Node, ...]


Node = Condition | Group


def parse(
    node: Any,
    path: str,
    lists: Mapping[str, Any],
    named: Mapping[str, Node],
    problems: list[str],
) -> Node:
    """Parse and check a condition tree; problems are appended with their key paths."""
    if not isinstance(node, dict):
        problems.append(
            f"{path}: a condition is a mapping ({{field, op, value}}, all/any/not, ref)"
        )
        return Group(kind="all", items=())
    if "ref" in node:
        extra = sorted(set(node) - {"ref"})
        if extra:
            problems.append(f"{path}: 'ref' cannot be combined with {extra}")
        name = node["ref"]
        if not isinstance(name, str) or name not in named:
            names = tuple(named) or ("(no conditions defined before this one)",)
            problems.append(
                f"{path}.ref: {name!r} is not a condition defined under conditions (above it)"
                + did_you_mean(str(name), names)
            )
            return Group(kind="all", items=())
        return named[name]
    groups = [k for k in ("all", "any", "not") if k in node]
    if groups:
        kind = groups[0]
        extra = sorted(set(node) - {kind})
        if extra:
            problems.append(f"{path}: {kind!r} cannot be combined with {extra}")
        body = node[kind]
        if kind == "not":
            return Group(kind="not", items=(parse(body, f"{path}.not", lists, named, problems),))
        if not isinstance(body, list) or not body:
            problems.append(f"{path}.{kind}: must be a non-empty list of conditions")
            return Group(kind="all", items=())
        items = tuple(
            parse(b, f"{path}.{kind}[{i}]", lists, named, problems) for i, b in enumerate(body)
        )
        return Group(kind=kind, items=items)  # type: ignore[arg-type]
    allowed = {"field", "op", "value", "list"}
    for key in sorted(set(node) - allowed, key=str):
        hint = did_you_mean(str(key), ("field", "op", "value", "list", "all", "any", "not", "ref"))
        problems.append(f"{path}: unknown key {key!r}{hint}")
    name = node.get("field")
    op = node.get("op")
    if not isinstance(name, str):
        problems.append(f"{path}.field: required (an evidence field, e.g. hardware.asic_count)")
        return Condition(field="", op="known")
    message = check_field(name)
    if message:
        problems.append(f"{path}.field: {message}")
        return Condition(field=name, op="known")
    spec = FIELDS[name]
    allowed_ops = (*OPS[spec.type], *_ANY_OPS)
    if op == "matches":
        problems.append(
            f"{path}.op: 'matches' (regular expressions) is not supported — a pattern such as "
            "'^(a+)+$' can take exponential time; use 'glob' (* any run, ? one character) or 'in'"
        )
        return Condition(field=name, op="known")
    if not isinstance(op, str) or op not in allowed_ops:
        problems.append(
            f"{path}.op: {op!r} does not apply to {name} ({spec.type}); use one of "
            f"{', '.join(allowed_ops)}"
        )
        return Condition(field=name, op="known")
    value = node.get("value")
    list_name = node.get("list")
    if op in _NO_VALUE and "value" in node:
        problems.append(f"{path}.value: {op!r} takes no value")
    if op == "matches_any" or (op == "contains_any" and list_name is not None):
        if not isinstance(list_name, str) or list_name not in lists:
            names = tuple(lists) or ("(the pack defines no lists)",)
            problems.append(
                f"{path}.list: {list_name!r} is not a list of this pack"
                + did_you_mean(str(list_name), names)
            )
    elif list_name is not None:
        problems.append(f"{path}.list: only matches_any and contains_any take a list")
    if op not in _NO_VALUE and not (op == "contains_any" and list_name is not None):
        if "value" not in node:
            problems.append(f"{path}.value: required for {op!r}")
        else:
            _check_value(name, spec.type, spec.values, op, value, f"{path}.value", problems)
    return Condition(field=name, op=op, value=value, list_name=list_name)


def _check_value(
    name: str,
    kind: str,
    values: tuple[str, ...],
    op: str,
    value: Any,
    path: str,
    problems: list[str],
) -> None:
    def is_number(v: Any) -> bool:
        return (
            isinstance(v, int | float)
            and not isinstance(v, bool)
            and v == v
            and abs(v) != float("inf")
        )

    if op in ("in", "not_in", "contains_any"):
        if not isinstance(value, list) or not value:
            problems.append(f"{path}: {op!r} needs a non-empty list, got {value!r}")
            return
        items = value
    elif op == "between":
        if not (isinstance(value, list) and len(value) == 2 and all(map(is_number, value))):
            problems.append(f"{path}: 'between' needs [low, high] finite numbers, got {value!r}")
        elif value[0] > value[1]:
            problems.append(f"{path}: 'between' needs low <= high, got {value!r}")
        return
    elif op == "glob":
        if not isinstance(value, str) or not value:
            problems.append(f"{path}: 'glob' needs a non-empty text pattern, got {value!r}")
        elif len(value) > MAX_PATTERN_CHARS:
            problems.append(
                f"{path}: 'glob' pattern of {len(value)} characters; at most {MAX_PATTERN_CHARS}"
            )
        return
    else:
        items = [value]
    for item in items:
        if kind in ("number", "int") and not is_number(item):
            problems.append(f"{path}: {name} is a finite number; {item!r} is not")
        elif kind == "bool" and not isinstance(item, bool):
            problems.append(f"{path}: {name} is true or false; {item!r} is neither")
        elif kind in ("str", "enum", "list") and not isinstance(item, str):
            problems.append(f"{path}: {name} holds text; {item!r} is not text")
        elif kind == "enum" and item not in values:
            problems.append(
                f"{path}: {item!r} is not a value of {name}{did_you_mean(item, values)}"
            )


def glob_match(pattern: str, text: str) -> bool:
    """Whether ``text`` matches the wildcard ``pattern`` (``*`` any run, ``?`` one character).

    Case-insensitive; at most ``len(pattern) × len(text)`` steps (greedy with one backtrack
    point: the last ``*``), so no input can make it slow.

    Examples
    --------
    >>> glob_match("*pool*", "F2Pool Ltd"), glob_match("a?c", "abd"), glob_match("*", "")
    (True, False, True)
    >>> glob_match("^(a+)+$", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!")  # literal characters here
    False
    """
    p, t = pattern.casefold(), text.casefold()
    i = j = 0
    star = -1
    mark = 0
    while j < len(t):
        if i < len(p) and (p[i] == "?" or p[i] == t[j]):
            i += 1
            j += 1
        elif i < len(p) and p[i] == "*":
            star, mark = i, j
            i += 1
        elif star >= 0:
            i = star + 1
            mark += 1
            j = mark
        else:
            return False
    while i < len(p) and p[i] == "*":
        i += 1
    return i == len(p)


# --- evaluation ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ConditionTrace:
    """One leaf condition as evaluated: what was tested, on which value, and the result."""

    field: str
    op: str
    expected: Any
    actual: Any
    origin: str | None
    matched: bool
    detail: str = ""
    negated: bool = False

    def text(self) -> str:
        """``✔ hardware.asic_count = 40: >= 1 [hardware inventory …]``."""
        held = self.matched != self.negated
        mark = "✔" if held else "✘"
        shown = "unknown" if self.actual is None else short(self.actual)
        if self.expected is None:
            expected = ""
        elif isinstance(self.expected, str) and self.expected.startswith("list "):
            expected = f" {self.expected}"
        else:
            expected = f" {short(self.expected)}"
        where = f" [{self.origin}]" if self.origin else ""
        extra = f" — {self.detail}" if self.detail else ""
        test = f"{self.field} = {shown}: {self.op}{expected}{extra}"
        return f"{mark} not ({test}){where}" if self.negated else f"{mark} {test}{where}"


def short(value: Any) -> str:
    """A value as the audit trail shows it (floats to 4 significant digits, long lists cut)."""
    if isinstance(value, float):
        return f"{value:,.4g}"
    if isinstance(value, list) and len(value) > 4:
        return repr(value[:4])[:-1] + f", … {len(value) - 4} more]"
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "…"


def _endpoint_host(endpoint: str) -> str:
    text = endpoint.strip().casefold()
    text = text.split("://", 1)[-1].split("/", 1)[0]
    if text.startswith("["):  # [IPv6]:port
        return text[1:].split("]", 1)[0]
    if text.count(":") == 1:
        text = text.split(":", 1)[0]
    return text.split("@")[-1]


def endpoint_matches(endpoint: str, pattern: str) -> bool:
    """Whether an observed endpoint's host is ``pattern``, a sub-domain of it, or in its network."""
    host = _endpoint_host(endpoint)
    pattern = pattern.strip().casefold()
    try:
        network = ipaddress.ip_network(pattern, strict=False)
    except ValueError:
        return host == pattern or host.endswith("." + pattern)
    try:
        return ipaddress.ip_address(host) in network
    except ValueError:
        return False


def _leaf(
    cond: Condition, evidence: FacilityEvidence, lists: Mapping[str, _ListLike]
) -> ConditionTrace:
    actual = evidence.values.get(cond.field)
    origin = evidence.origin.get(cond.field)
    op, value = cond.op, cond.value
    expected: Any = value if cond.list_name is None else f"list {cond.list_name}"

    def trace(matched: bool, detail: str = "") -> ConditionTrace:
        return ConditionTrace(
            field=cond.field,
            op=op,
            expected=expected,
            actual=actual,
            origin=origin,
            matched=matched,
            detail=detail,
        )

    if op == "known":
        return trace(actual is not None)
    if op == "unknown":
        return trace(actual is None)
    if actual is None:
        return trace(False, "no value: the condition cannot hold")
    if op in ("==", "!="):
        same = actual == value
        return trace(same if op == "==" else not same)
    if op in ("<", "<=", ">", ">="):
        result = {
            "<": actual < value,
            "<=": actual <= value,
            ">": actual > value,
            ">=": actual >= value,
        }
        return trace(bool(result[op]))
    if op == "between":
        return trace(bool(value[0] <= actual <= value[1]))
    if op in ("in", "not_in"):
        inside = actual in value
        return trace(inside if op == "in" else not inside)
    if op == "glob":
        text = str(actual)
        if len(text) > MAX_TEXT_CHARS:
            return trace(False, f"text longer than {MAX_TEXT_CHARS:,} characters: not tested")
        return trace(glob_match(str(value), text))
    if op == "contains":
        return trace(any(str(a).casefold() == str(value).casefold() for a in actual))
    if op == "empty":
        return trace(len(actual) == 0)
    if op == "not_empty":
        return trace(len(actual) > 0)
    wanted = lists[cond.list_name].values if cond.list_name is not None else value
    hits = []
    for item in actual:
        for pattern in wanted:
            if op == "matches_any" and cond.field == "network.pool_endpoints":
                ok = endpoint_matches(str(item), str(pattern))
            else:
                ok = str(item).casefold() == str(pattern).casefold()
            if ok:
                hits.append(f"{item} ~ {pattern}")
                break
    return trace(bool(hits), "; ".join(hits))


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """A condition evaluated: whether it held, the tests that made it hold, those that failed."""

    held: bool
    support: tuple[ConditionTrace, ...]
    failed: tuple[ConditionTrace, ...]


def evaluate(node: Node, evidence: FacilityEvidence, lists: Mapping[str, _ListLike]) -> Outcome:
    """Evaluate a condition tree on one facility's evidence (see the module notes)."""
    if isinstance(node, Condition):
        t = _leaf(node, evidence, lists)
        return Outcome(
            held=t.matched, support=(t,) if t.matched else (), failed=() if t.matched else (t,)
        )
    parts = [evaluate(item, evidence, lists) for item in node.items]
    failed = tuple(t for p in parts for t in p.failed)
    if node.kind == "all":
        held = all(p.held for p in parts)
        support = tuple(t for p in parts for t in p.support) if held else ()
        return Outcome(held=held, support=support, failed=failed)
    if node.kind == "any":
        held = any(p.held for p in parts)
        support = tuple(t for p in parts if p.held for t in p.support)
        return Outcome(held=held, support=support, failed=() if held else failed)
    inner = parts[0]
    if inner.held:
        return Outcome(
            held=False, support=(), failed=tuple(replace(t, negated=True) for t in inner.support)
        )
    return Outcome(
        held=True, support=tuple(replace(t, negated=True) for t in inner.failed), failed=()
    )
