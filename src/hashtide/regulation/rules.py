"""Rule packs: declarative rules from evidence to an industry category and a regulatory track.

A rule pack (YAML) holds its **sources** (the laws, notices or proposals its rules come from),
named **lists** (e.g. known mining-pool endpoints, each entry with its source), a default
**track** per category, and ordered **rules**. A rule has a condition on evidence fields
(:data:`~hashtide.regulation.facilities.FIELDS`), an outcome (category, track, flags) and the
source it cites. Packs are checked completely at load (:func:`load_pack`): unknown keys and
fields with a "did you mean", operators that do not fit a field's type, enum values that do not
exist, undefined lists and sources — every problem at once, with its key path.

Classification (:func:`classify`) evaluates every rule against a facility's evidence. The
**first** firing rule that sets a category decides it (so order rules from specific to general);
its track, or the pack's track for that category, is the track; the flags of **all** firing
rules are collected. Nothing fires: the pack's default. The :class:`Decision` keeps the audit
trail — every rule that fired, each of its conditions with the value it was tested on and where
that value came from — and the ids of the rules that did not fire.

Condition syntax
----------------
``{field: F, op: OP, value: V}`` or ``{field: F, op: matches_any, list: NAME}``, combined with
``{all: [...]}``, ``{any: [...]}`` and ``{not: ...}``. Operators by field type (:data:`OPS`):

* number, int: ``==  !=  <  <=  >  >=``, ``between`` ``[low, high]``
* str, enum: ``==  !=``, ``in`` / ``not_in`` a list, ``matches`` a regular expression
* bool: ``==``, ``!=`` (``true`` or ``false``)
* list: ``contains`` a value, ``contains_any`` values or a ``list``, ``matches_any`` a pack
  list (for ``network.pool_endpoints``: the host or any of its parent domains is on the list,
  or the address is in a listed network), ``empty``, ``not_empty``
* any field: ``known``, ``unknown`` (no value given; every other operator is false on an
  unknown value, and the audit trail says so)
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from hashtide.errors import InvalidInputError
from hashtide.regulation._validation import did_you_mean, read_yaml, validate
from hashtide.regulation.facilities import FIELDS, FacilityEvidence, check_field

Category = Literal[
    "pow_mining", "pos_validator", "ai_compute", "data_storage", "general_data_centre", "office"
]
Track = Literal["permitted", "register_and_file", "financial_supervision", "prohibited"]
#: Industry categories and regulatory tracks, as the issue defines them.
CATEGORIES: Final[tuple[str, ...]] = get_args(Category)
TRACKS: Final[tuple[str, ...]] = get_args(Track)
#: Operators allowed for each field type (``known``/``unknown`` apply to every type).
OPS: Final[dict[str, tuple[str, ...]]] = {
    "number": ("==", "!=", "<", "<=", ">", ">=", "between"),
    "int": ("==", "!=", "<", "<=", ">", ">=", "between"),
    "str": ("==", "!=", "in", "not_in", "matches"),
    "enum": ("==", "!=", "in", "not_in"),
    "bool": ("==", "!="),
    "list": ("contains", "contains_any", "matches_any", "empty", "not_empty"),
}
_ANY_OPS: Final = ("known", "unknown")
_NO_VALUE: Final = ("known", "unknown", "empty", "not_empty", "matches_any")
#: Packs shipped with hashtide, by name (``--rules NAME``).
SHIPPED_PACKS: Final = ("positive-list-example", "china-ndrc-2021-1283")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """A law, notice, proposal or document a rule cites."""

    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    publisher: str | None = None
    date: str | None = None
    url: str | None = None
    note: str | None = None


class ListEntry(_Strict):
    """One entry of a named list, with where it comes from."""

    value: str = Field(min_length=1)
    note: str | None = None
    source: str | None = None


class NamedList(_Strict):
    """A named list of values (e.g. known pool endpoints) rules can match against."""

    description: str | None = None
    source: str
    entries: list[ListEntry] = Field(min_length=1)


class Outcome(_Strict):
    """What a firing rule concludes (any of the three)."""

    category: Category | None = None
    track: Track | None = None
    flags: list[str] = Field(default_factory=list)


class DefaultOutcome(_Strict):
    """The conclusion when no rule sets a category."""

    category: Category
    track: Track | None = None
    note: str | None = None


class Rule(_Strict):
    """One rule: a condition on evidence, an outcome, and the source it cites."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    description: str = Field(min_length=1)
    when: Any
    then: Outcome
    source: str
    cite: str | None = None


class PackSpec(_Strict):
    """A rule pack as written in its YAML file."""

    pack: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    title: str
    jurisdiction: str | None = None
    version: str | None = None
    description: str | None = None
    disclaimer: str | None = None
    sources: list[Source] = Field(min_length=1)
    lists: dict[str, NamedList] = Field(default_factory=dict)
    tracks: dict[Category, Track]
    default: DefaultOutcome
    rules: list[Rule] = Field(min_length=1)


# --- conditions ---------------------------------------------------------------------------------


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


def _parse(node: Any, path: str, lists: Mapping[str, NamedList], problems: list[str]) -> Node:
    """Parse and check a condition tree; problems are appended with their key paths."""
    if not isinstance(node, dict):
        problems.append(f"{path}: a condition is a mapping ({{field, op, value}} or all/any/not)")
        return Group(kind="all", items=())
    groups = [k for k in ("all", "any", "not") if k in node]
    if groups:
        kind = groups[0]
        extra = sorted(set(node) - {kind})
        if extra:
            problems.append(f"{path}: {kind!r} cannot be combined with {extra}")
        body = node[kind]
        if kind == "not":
            return Group(kind="not", items=(_parse(body, f"{path}.not", lists, problems),))
        if not isinstance(body, list) or not body:
            problems.append(f"{path}.{kind}: must be a non-empty list of conditions")
            return Group(kind="all", items=())
        items = tuple(_parse(b, f"{path}.{kind}[{i}]", lists, problems) for i, b in enumerate(body))
        return Group(kind=kind, items=items)  # type: ignore[arg-type]
    allowed = {"field", "op", "value", "list"}
    for key in sorted(set(node) - allowed):
        hint = did_you_mean(str(key), ("field", "op", "value", "list", "all", "any", "not"))
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
        if list_name not in lists:
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
        return isinstance(v, int | float) and not isinstance(v, bool)

    if op in ("in", "not_in", "contains_any"):
        if not isinstance(value, list) or not value:
            problems.append(f"{path}: {op!r} needs a non-empty list, got {value!r}")
            return
        items = value
    elif op == "between":
        if not (isinstance(value, list) and len(value) == 2 and all(map(is_number, value))):
            problems.append(f"{path}: 'between' needs [low, high] numbers, got {value!r}")
        elif value[0] > value[1]:
            problems.append(f"{path}: 'between' needs low <= high, got {value!r}")
        return
    elif op == "matches":
        try:
            re.compile(str(value))
        except re.error as exc:
            problems.append(f"{path}: {value!r} is not a regular expression ({exc})")
        return
    else:
        items = [value]
    for item in items:
        if kind in ("number", "int") and not is_number(item):
            problems.append(f"{path}: {name} is a number; {item!r} is not")
        elif kind == "bool" and not isinstance(item, bool):
            problems.append(f"{path}: {name} is true or false; {item!r} is neither")
        elif kind in ("str", "enum", "list") and not isinstance(item, str):
            problems.append(f"{path}: {name} holds text; {item!r} is not text")
        elif kind == "enum" and item not in values:
            problems.append(
                f"{path}: {item!r} is not a value of {name}{did_you_mean(item, values)}"
            )


# --- packs --------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RulePack:
    """A checked rule pack: the spec and each rule's parsed condition."""

    spec: PackSpec
    conditions: Mapping[str, Node]
    path: str

    @property
    def name(self) -> str:
        """The pack's name (``pack:``)."""
        return self.spec.pack

    def source(self, source_id: str) -> Source:
        """The source with this id."""
        return next(s for s in self.spec.sources if s.id == source_id)


def parse_pack(data: Any, *, source: str = "<pack>") -> RulePack:
    """Check already-loaded pack data (e.g. a dict); raise listing every problem."""
    spec = validate(PackSpec, data, source, "a rule pack")
    problems: list[str] = []
    source_ids = [s.id for s in spec.sources]
    for i, s in enumerate(spec.sources):
        if source_ids.count(s.id) > 1 and source_ids.index(s.id) == i:
            problems.append(f"sources[{i}].id: {s.id!r} is used twice")
    for name, named in spec.lists.items():
        if named.source not in source_ids:
            problems.append(
                f"lists.{name}.source: {named.source!r} is not a source of this pack"
                f"{did_you_mean(named.source, tuple(source_ids))}"
            )
        for j, entry in enumerate(named.entries):
            if entry.source is not None and entry.source not in source_ids:
                problems.append(
                    f"lists.{name}.entries[{j}].source: {entry.source!r} is not a source of "
                    f"this pack{did_you_mean(entry.source, tuple(source_ids))}"
                )
    conditions: dict[str, Node] = {}
    seen: set[str] = set()
    for i, rule in enumerate(spec.rules):
        path = f"rules[{i}]"
        if rule.id in seen:
            problems.append(f"{path}.id: {rule.id!r} is used by an earlier rule")
        seen.add(rule.id)
        if rule.source not in source_ids:
            problems.append(
                f"{path}.source: {rule.source!r} is not a source of this pack"
                f"{did_you_mean(rule.source, tuple(source_ids))}"
            )
        if not (rule.then.category or rule.then.track or rule.then.flags):
            problems.append(f"{path}.then: sets nothing (give a category, a track or flags)")
        if rule.then.category and not rule.then.track and rule.then.category not in spec.tracks:
            problems.append(
                f"{path}.then: category {rule.then.category!r} has no track here and none in "
                "the pack's tracks"
            )
        conditions[rule.id] = _parse(rule.when, f"{path}.when", spec.lists, problems)
    if spec.default.track is None and spec.default.category not in spec.tracks:
        problems.append(f"default: category {spec.default.category!r} has no track")
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise InvalidInputError(f"{source}: {len(problems)} problem(s):\n{lines}")
    return RulePack(spec=spec, conditions=conditions, path=source)


def pack_path(name_or_path: str | Path) -> Path:
    """The file of a shipped pack (by name, :data:`SHIPPED_PACKS`) or the path given."""
    text = str(name_or_path)
    if text in SHIPPED_PACKS:
        root = resources.files("hashtide.data").joinpath("regulation/packs")
        return Path(str(root.joinpath(f"{text}.yaml")))
    path = Path(name_or_path)
    if not path.exists() and path.suffix == "" and "/" not in text:
        raise InvalidInputError(
            f"no rule pack {text!r}: not a file, and not a shipped pack"
            f"{did_you_mean(text, SHIPPED_PACKS)}"
        )
    return path


def load_pack(name_or_path: str | Path) -> RulePack:
    """Read and check a rule pack: a shipped one by name, or a YAML file.

    Examples
    --------
    >>> pack = load_pack("china-ndrc-2021-1283")
    >>> pack.spec.jurisdiction, len(pack.spec.rules) > 3
    ('CN', True)
    """
    path = pack_path(name_or_path)
    return parse_pack(read_yaml(path, "rule pack"), source=str(path))


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

    def text(self) -> str:
        """``hardware.asic_count = 40 >= 1 ✔ (hardware inventory …)``."""
        mark = "✔" if self.matched else "✘"
        shown = "unknown" if self.actual is None else _short(self.actual)
        if self.expected is None:
            expected = ""
        elif isinstance(self.expected, str) and self.expected.startswith("list "):
            expected = f" {self.expected}"
        else:
            expected = f" {_short(self.expected)}"
        where = f" [{self.origin}]" if self.origin else ""
        extra = f" — {self.detail}" if self.detail else ""
        return f"{mark} {self.field} = {shown}: {self.op}{expected}{extra}{where}"


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}"
    if isinstance(value, list) and len(value) > 4:
        return repr(value[:4])[:-1] + f", … {len(value) - 4} more]"
    return repr(value)


@dataclass(frozen=True, kw_only=True)
class FiredRule:
    """A rule that fired, with its source and the conditions that made it fire."""

    rule_id: str
    description: str
    category: str | None
    track: str | None
    flags: tuple[str, ...]
    source: Mapping[str, Any]
    cite: str | None
    conditions: tuple[ConditionTrace, ...]


@dataclass(frozen=True, kw_only=True)
class Decision:
    """The classification of one facility under one pack, with its audit trail."""

    facility_id: str
    pack: str
    category: str
    track: str
    decided_by: str
    flags: tuple[str, ...]
    fired: tuple[FiredRule, ...]
    not_fired: tuple[str, ...]
    evidence: Mapping[str, Any]
    origin: Mapping[str, str]
    detection: Any = field(default=None, compare=False)

    def audit_trail(self) -> list[str]:
        """The decision in sentences: which rules fired, on which evidence."""
        lines = [
            f"{self.facility_id}: {self.category} → {self.track} "
            f"(decided by {'the default' if self.decided_by == 'default' else self.decided_by})"
        ]
        for rule in self.fired:
            cite = f", {rule.cite}" if rule.cite else ""
            lines.append(
                f"  rule {rule.rule_id} fired — {rule.description} [{rule.source['title']}{cite}]"
            )
            lines.extend(f"    {c.text()}" for c in rule.conditions)
        if self.flags:
            lines.append(f"  flags: {', '.join(self.flags)}")
        return lines

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (the evidence with its origins, every fired rule's conditions)."""
        from hashtide.regulation.evidence import jsonable

        out: dict[str, Any] = jsonable(
            {
                "facility": self.facility_id,
                "pack": self.pack,
                "category": self.category,
                "track": self.track,
                "decided_by": self.decided_by,
                "flags": list(self.flags),
                "fired": [
                    {
                        "rule": r.rule_id,
                        "description": r.description,
                        "category": r.category,
                        "track": r.track,
                        "flags": list(r.flags),
                        "source": dict(r.source),
                        "cite": r.cite,
                        "conditions": [c.__dict__ for c in r.conditions],
                    }
                    for r in self.fired
                ],
                "not_fired": list(self.not_fired),
                "evidence": {
                    k: {"value": v, "origin": self.origin.get(k)}
                    for k, v in self.evidence.items()
                    if v is not None
                },
            }
        )
        return out


def _endpoint_host(endpoint: str) -> str:
    text = endpoint.strip().casefold()
    text = text.split("://", 1)[-1].split("/", 1)[0]
    if text.startswith("["):  # [IPv6]:port
        return text[1:].split("]", 1)[0]
    if text.count(":") == 1:
        text = text.split(":", 1)[0]
    return text.split("@")[-1]


def _endpoint_matches(endpoint: str, pattern: str) -> bool:
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
    cond: Condition, evidence: FacilityEvidence, lists: Mapping[str, NamedList]
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
    if op == "matches":
        return trace(re.search(str(value), str(actual)) is not None)
    if op == "contains":
        return trace(any(str(a).casefold() == str(value).casefold() for a in actual))
    if op == "empty":
        return trace(len(actual) == 0)
    if op == "not_empty":
        return trace(len(actual) > 0)
    wanted = (
        [e.value for e in lists[cond.list_name].entries] if cond.list_name is not None else value
    )
    hits = []
    for item in actual:
        for pattern in wanted:
            if op == "matches_any" and cond.field == "network.pool_endpoints":
                ok = _endpoint_matches(str(item), str(pattern))
            else:
                ok = str(item).casefold() == str(pattern).casefold()
            if ok:
                hits.append(f"{item} ~ {pattern}")
                break
    return trace(bool(hits), "; ".join(hits))


def _evaluate(
    node: Node, evidence: FacilityEvidence, lists: Mapping[str, NamedList]
) -> tuple[bool, list[ConditionTrace]]:
    if isinstance(node, Condition):
        result = _leaf(node, evidence, lists)
        return result.matched, [result]
    outcomes = [_evaluate(item, evidence, lists) for item in node.items]
    traces = [t for _, ts in outcomes for t in ts]
    if node.kind == "all":
        return all(ok for ok, _ in outcomes), traces
    if node.kind == "any":
        return any(ok for ok, _ in outcomes), traces
    return not outcomes[0][0], traces


def classify(evidence: FacilityEvidence, pack: RulePack) -> Decision:
    """Classify one facility's evidence under ``pack`` (see the module notes)."""
    spec = pack.spec
    fired: list[FiredRule] = []
    not_fired: list[str] = []
    category = track = None
    decided_by = "default"
    flags: list[str] = []
    for rule in spec.rules:
        ok, traces = _evaluate(pack.conditions[rule.id], evidence, spec.lists)
        if not ok:
            not_fired.append(rule.id)
            continue
        src = pack.source(rule.source)
        fired.append(
            FiredRule(
                rule_id=rule.id,
                description=rule.description,
                category=rule.then.category,
                track=rule.then.track,
                flags=tuple(rule.then.flags),
                source=src.model_dump(exclude_none=True),
                cite=rule.cite,
                conditions=tuple(traces),
            )
        )
        flags.extend(f for f in rule.then.flags if f not in flags)
        if category is None and rule.then.category is not None:
            category = rule.then.category
            track = rule.then.track or spec.tracks[category]
            decided_by = rule.id
    if category is None:
        category = spec.default.category
        track = spec.default.track or spec.tracks[category]
    return Decision(
        facility_id=evidence.facility_id,
        pack=spec.pack,
        category=category,
        track=str(track),
        decided_by=decided_by,
        flags=tuple(flags),
        fired=tuple(fired),
        not_fired=tuple(not_fired),
        evidence=dict(evidence.values),
        origin=dict(evidence.origin),
        detection=evidence.detection,
    )


def classify_file(
    facilities: str | Path, pack: str | Path | RulePack
) -> tuple[RulePack, list[Decision]]:
    """Load a facilities file and a pack, and classify every facility.

    Examples
    --------
    >>> from hashtide.regulation import example_path
    >>> pack, decisions = classify_file(example_path("facilities.yaml"), "china-ndrc-2021-1283")
    >>> [(d.facility_id, d.category, d.track) for d in decisions[:3]]  # doctest: +ELLIPSIS
    [('sh-office-12f', 'pow_mining', 'prohibited'), ('sh-ai-lab', 'ai_compute', ...), ...]
    """
    from hashtide.regulation.facilities import evidence_of, load_facilities

    rule_pack = pack if isinstance(pack, RulePack) else load_pack(pack)
    specs, base = load_facilities(facilities)
    return rule_pack, [classify(evidence_of(spec, base), rule_pack) for spec in specs]


def pack_summary(pack: RulePack) -> Sequence[Mapping[str, Any]]:
    """One row per rule: id, outcome, source title and citation (for tables)."""
    return [
        {
            "rule": r.id,
            "category": r.then.category or "",
            "track": r.then.track
            or (pack.spec.tracks.get(r.then.category, "") if r.then.category else ""),
            "flags": ", ".join(r.then.flags),
            "source": pack.source(r.source).title,
            "cite": r.cite or "",
        }
        for r in pack.spec.rules
    ]
