"""Rule packs: declarative rules from evidence to an industry category and a regulatory track.

A rule pack (YAML) says what it models — its **jurisdiction** and the date its texts were
checked (**as_of**) — and holds its **sources** (ids of stored excerpt files,
:mod:`hashtide.regulation.sources`, or inline ones), named **lists** (e.g. pool endpoints),
named **conditions**, a default **track** per category, ordered **rules**, an **industry code
table** (GB/T 4754-2017 codes and the categories each covers) and **tariffs** (differential
power prices). Every rule **cites** at least one clause with a short quote, and the quote must
be part of that clause's stored excerpt: a rule without a citation, a citation of a clause with
no stored excerpt, or a quote the excerpt does not contain is an error at load, like an unknown
field, an operator that does not fit a field's type or an undefined list — every problem at once,
with its key path. A pack may ``extends:`` another (a provincial pack on the national one): it
inherits everything, its own rules are tried first and its tariffs are added.

Classification (:func:`classify`) evaluates every rule against a facility's evidence. The first
firing rule that sets a **category** decides it, and the first firing rule that sets a **track**
decides the track (so a lead that asks for verification can sit above the category rules);
otherwise the pack's track for the category applies. Nothing sets a category: the pack's
default. The flags of all firing rules are collected. Then the **tariff** that applies to the
category where the facility is (the most specific region wins) is costed on the consumption the
text names (the mining machines', or the whole account's), and the **industry check** compares
the registered code with what the declaration, the evidence and the meter show
(:mod:`hashtide.regulation.industry`). The :class:`Decision` keeps the audit trail: each rule
that fired with the clauses it cites and the tests that made it fire (never a failed one), each
rule that did not fire with the tests that failed, the tariff and the findings.

Condition syntax: :mod:`hashtide.regulation.conditions`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hashtide.errors import InvalidInputError
from hashtide.regulation._validation import did_you_mean, read_yaml, validate
from hashtide.regulation.conditions import (
    ConditionTrace,
    Node,
    endpoint_matches,
    evaluate,
    parse,
    short,
)
from hashtide.regulation.facilities import FacilityEvidence
from hashtide.regulation.sources import Citation, Source, check_citation, is_file, load_source

Category = Literal[
    "pow_mining",
    "gpu_mining",
    "storage_mining",
    "pos_validator",
    "token_edge_node",
    "ai_compute",
    "data_storage",
    "general_data_centre",
    "office",
]
Track = Literal[
    "prohibited",
    "phase_out",
    "verify_further",
    "compliant",
    "register_and_file",
    "financial_supervision",
]
#: Industry categories (light mining — GPU, storage, validators, token edge nodes — apart from
#: ASIC PoW mining) and regulatory tracks.
CATEGORIES: Final[tuple[str, ...]] = get_args(Category)
TRACKS: Final[tuple[str, ...]] = get_args(Track)
#: Packs shipped with hashtide, by name (``--rules NAME``).
SHIPPED_PACKS: Final = (
    "china-ndrc-2021-1283",
    "china-sichuan-tariff",
    "china-inner-mongolia-tariff",
    "positive-list-example",
)
_MAX_EXTENDS: Final = 4
_ID: Final = r"^[a-z0-9][a-z0-9_.-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ListEntry(_Strict):
    """One entry of a named list, with where it comes from."""

    value: str = Field(min_length=1, max_length=300)
    note: str | None = None
    source: str | None = None


class NamedList(_Strict):
    """A named list of values (e.g. known pool endpoints) rules can match against."""

    description: str | None = None
    source: str
    entries: list[ListEntry] = Field(min_length=1, max_length=10_000)

    @property
    def values(self) -> tuple[str, ...]:
        """The entries' values."""
        return tuple(e.value for e in self.entries)


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


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, dict) else value


class Rule(_Strict):
    """One rule: a condition on evidence, an outcome, and the clauses it cites."""

    id: str = Field(pattern=_ID, max_length=80)
    description: str = Field(min_length=1)
    when: Any
    then: Outcome
    cite: list[Citation] = Field(min_length=1)

    _cites = field_validator("cite", mode="before")(_one_or_many)


class IndustryCode(_Strict):
    """One registered industry code: its name and the categories its business covers."""

    name: str = Field(min_length=1)
    categories: list[Category] = Field(min_length=1)
    cite: Citation


class IndustryTable(_Strict):
    """GB/T 4754-2017 codes → categories, and what a mismatch means under the pack's law."""

    standard: str
    codes: dict[str, IndustryCode] = Field(min_length=1)
    mismatch_cite: list[Citation] = Field(min_length=1)

    _cites = field_validator("mismatch_cite", mode="before")(_one_or_many)


class Tariff(_Strict):
    """A differential power price for some categories, in some regions, on some consumption."""

    id: str = Field(pattern=_ID)
    description: str = Field(min_length=1)
    categories: list[Category] = Field(min_length=1)
    regions: list[str] | None = None
    surcharge_cny_per_kwh: float = Field(gt=0, le=100, allow_inf_nan=False)
    applies_to: Literal["mining_consumption", "whole_account"]
    cite: list[Citation] = Field(min_length=1)

    _cites = field_validator("cite", mode="before")(_one_or_many)


class PackSpec(_Strict):
    """A rule pack as written in its YAML file (after ``extends`` is resolved)."""

    pack: str = Field(pattern=_ID, max_length=80)
    title: str
    jurisdiction: str = Field(min_length=1)
    as_of: str
    version: str | None = None
    description: str | None = None
    disclaimer: str | None = None
    extends: str | None = None
    sources: list[Any] = Field(min_length=1, max_length=200)
    lists: dict[str, NamedList] = Field(default_factory=dict)
    conditions: dict[str, Any] = Field(default_factory=dict)
    tracks: dict[Category, Track]
    default: DefaultOutcome
    rules: list[Rule] = Field(min_length=1, max_length=2000)
    industry_codes: IndustryTable | None = None
    tariffs: list[Tariff] = Field(default_factory=list)

    @field_validator("as_of", mode="before")
    @classmethod
    def _a_real_day(cls, value: Any) -> str:
        """``as_of`` as ``YYYY-MM-DD``: a YAML date (unquoted) or a string of a day that exists."""
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value.isoformat()
        text = value.strip() if isinstance(value, str) else None
        try:
            if text is None or len(text) != 10:
                raise ValueError("not YYYY-MM-DD")
            return dt.date.fromisoformat(text).isoformat()
        except ValueError as exc:
            reason = f" ({exc})" if text is not None and len(text) == 10 else ""
            shown = repr(value) if text is not None else str(value)
            raise ValueError(
                f"{shown} is not a date{reason}; write the day the texts were checked as "
                "YYYY-MM-DD, e.g. 2026-12-02"
            ) from None


# --- packs --------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RulePack:
    """A checked rule pack: the spec, its sources with their excerpts, parsed conditions."""

    spec: PackSpec
    sources: Mapping[str, Source]
    conditions: Mapping[str, Node]
    path: str

    @property
    def name(self) -> str:
        """The pack's name (``pack:``)."""
        return self.spec.pack

    def source(self, source_id: str) -> Source:
        """The source with this id."""
        return self.sources[source_id]

    def citation(self, cite: Citation) -> dict[str, Any]:
        """A citation with its source's details (for the audit trail and JSON)."""
        from hashtide.regulation.sources import describe_citation

        src = self.sources[cite.source]
        clause = src.clause(cite.clause)
        return {
            "source": src.id,
            "document": src.label(),
            "title": src.title,
            "clause": cite.clause,
            "heading": clause.heading if clause else None,
            "quote": cite.quote,
            "url": src.url,
            "date": src.date,
            "status": src.status,
            "verification": src.verification,
            "verified": src.verified and (clause is None or clause.numbering_verified),
            "text": describe_citation(cite, src),
        }


def _resolve_sources(spec: PackSpec, problems: list[str], base: Path) -> dict[str, Source]:
    from pydantic import ValidationError

    from hashtide._validation import describe

    out: dict[str, Source] = {}
    for i, entry in enumerate(spec.sources):
        if isinstance(entry, dict):
            try:
                src = Source.model_validate(entry)
            except ValidationError as exc:
                problems.extend(f"sources[{i}].{describe(Source, e)}" for e in exc.errors())
                continue
        elif isinstance(entry, str):
            try:
                src = load_source(entry, relative_to=base)
            except InvalidInputError as exc:
                problems.append(f"sources[{i}]: {exc}")
                continue
        else:
            problems.append(
                f"sources[{i}]: {entry!r} is neither a source id (text) nor a source (a mapping)"
            )
            continue
        if src.id in out:
            problems.append(f"sources[{i}].id: {src.id!r} is used twice")
        out[src.id] = src
    for src in out.values():
        if src.superseded_by and src.superseded_by not in out:
            problems.append(
                f"sources: {src.id!r} is superseded by {src.superseded_by!r}, which the pack "
                "does not list (list it, so readers see the current text)"
            )
    return out


def _check_cites(
    cites: Sequence[Citation], sources: Mapping[str, Source], path: str, problems: list[str]
) -> None:
    for j, cite in enumerate(cites):
        problems.extend(check_citation(cite, sources, f"{path}[{j}]"))


def parse_pack(data: Any, *, source: str = "<pack>") -> RulePack:
    """Check already-loaded pack data (e.g. a dict); raise listing every problem."""
    data = _with_base(data, source, depth=0)
    spec = validate(PackSpec, data, source, "a rule pack")
    problems: list[str] = []
    sources = _resolve_sources(spec, problems, Path(source).parent)
    source_ids = tuple(sources)
    for name, named in spec.lists.items():
        if named.source not in sources:
            problems.append(
                f"lists.{name}.source: {named.source!r} is not a source of this pack"
                f"{did_you_mean(named.source, source_ids)}"
            )
        for j, entry in enumerate(named.entries):
            if entry.source is not None and entry.source not in sources:
                problems.append(
                    f"lists.{name}.entries[{j}].source: {entry.source!r} is not a source of "
                    f"this pack{did_you_mean(entry.source, source_ids)}"
                )
    named_nodes: dict[str, Node] = {}
    for name, body in spec.conditions.items():
        named_nodes[name] = parse(body, f"conditions.{name}", spec.lists, named_nodes, problems)
    conditions: dict[str, Node] = {}
    seen: set[str] = set()
    for i, rule in enumerate(spec.rules):
        path = f"rules[{i}]"
        if rule.id in seen:
            problems.append(f"{path}.id: {rule.id!r} is used by an earlier rule")
        seen.add(rule.id)
        _check_cites(rule.cite, sources, f"{path}.cite", problems)
        if not (rule.then.category or rule.then.track or rule.then.flags):
            problems.append(f"{path}.then: sets nothing (give a category, a track or flags)")
        category = rule.then.category
        if category and category not in spec.tracks and not rule.then.track:
            problems.append(
                f"{path}.then: category {rule.then.category!r} has no track here and none "
                "in the pack's tracks"
            )
        conditions[rule.id] = parse(rule.when, f"{path}.when", spec.lists, named_nodes, problems)
    if spec.default.track is None and spec.default.category not in spec.tracks:
        problems.append(f"default: category {spec.default.category!r} has no track")
    table = spec.industry_codes
    if table is not None:
        if table.standard not in sources:
            problems.append(f"industry_codes.standard: {table.standard!r} is not a source")
        for code, row in table.codes.items():
            if not (code.isdigit() and len(code) == 4):
                problems.append(f"industry_codes.codes.{code}: a code is 4 digits (e.g. '6450')")
            _check_cites([row.cite], sources, f"industry_codes.codes.{code}.cite", problems)
        _check_cites(table.mismatch_cite, sources, "industry_codes.mismatch_cite", problems)
    for i, tariff in enumerate(spec.tariffs):
        _check_cites(tariff.cite, sources, f"tariffs[{i}].cite", problems)
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise InvalidInputError(f"{source}: {len(problems)} problem(s):\n{lines}")
    return RulePack(spec=spec, sources=sources, conditions=conditions, path=source)


def _with_base(data: Any, source: str, *, depth: int) -> Any:
    """``data`` merged onto the pack it ``extends`` (its own rules first, tariffs added)."""
    if not isinstance(data, dict) or not data.get("extends"):
        return data
    base_name = data["extends"]
    if depth >= _MAX_EXTENDS:
        raise InvalidInputError(f"{source}: extends: more than {_MAX_EXTENDS} levels (a cycle?)")
    if not isinstance(base_name, str):
        raise InvalidInputError(f"{source}: extends: {base_name!r} is not a pack name")
    base_path = pack_path(base_name, relative_to=Path(source).parent)
    base = _with_base(read_yaml(base_path, "rule pack"), str(base_path), depth=depth + 1)
    if not isinstance(base, dict):
        raise InvalidInputError(f"{base_path}: a rule pack is a mapping of keys to values")
    merged = {k: v for k, v in base.items() if k != "extends"}
    for key, value in data.items():
        if key == "sources":
            known = [s if isinstance(s, str) else s.get("id") for s in base.get("sources", [])]
            extra = [
                s for s in value or [] if (s if isinstance(s, str) else s.get("id")) not in known
            ]
            merged[key] = [*base.get("sources", []), *extra]
        elif key in ("lists", "conditions", "tracks") and isinstance(value, dict):
            merged[key] = {**base.get(key, {}), **value}
        elif key == "rules" and isinstance(value, list):
            merged[key] = [*value, *base.get("rules", [])]
        elif key == "tariffs" and isinstance(value, list):
            merged[key] = [*base.get("tariffs", []), *value]
        else:
            merged[key] = value
    return merged


def pack_path(name_or_path: str | Path, *, relative_to: Path | None = None) -> Path:
    """The file of a shipped pack (by name, :data:`SHIPPED_PACKS`) or the path given."""
    text = str(name_or_path)
    if text in SHIPPED_PACKS:
        root = resources.files("hashtide.data").joinpath("regulation/packs")
        return Path(str(root.joinpath(f"{text}.yaml")))
    path = Path(name_or_path)
    if relative_to is not None and not path.is_absolute():
        path = relative_to / path
    if not is_file(path) and path.suffix == "" and "/" not in text:
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
    >>> pack.spec.jurisdiction, pack.spec.as_of, len(pack.spec.rules) > 5
    ('CN', '2026-12-02', True)
    """
    path = pack_path(name_or_path)
    return parse_pack(read_yaml(path, "rule pack"), source=str(path))


# --- decisions ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class FiredRule:
    """A rule that fired, with the clauses it cites and the tests that made it fire."""

    rule_id: str
    description: str
    category: str | None
    track: str | None
    flags: tuple[str, ...]
    cites: tuple[Mapping[str, Any], ...]
    conditions: tuple[ConditionTrace, ...]

    @property
    def context(self) -> bool:
        """Whether this is context, not part of the decision.

        A rule that only sets flags and cites a text not verified against a stored copy (a
        statement known from news reports) is shown beside the decision, never in it: its flags
        go to :attr:`Decision.context_flags`, and the decision stays verified.
        """
        return (
            self.category is None
            and self.track is None
            and not all(c["verified"] for c in self.cites)
        )


@dataclass(frozen=True, kw_only=True)
class NotFired:
    """A rule that did not fire, and the tests that failed."""

    rule_id: str
    failed: tuple[ConditionTrace, ...]


@dataclass(frozen=True, kw_only=True)
class Decision:
    """The classification of one facility under one pack, with its audit trail."""

    facility_id: str
    pack: str
    as_of: str
    category: str
    track: str
    decided_by: str
    track_by: str
    flags: tuple[str, ...]
    fired: tuple[FiredRule, ...]
    not_fired: tuple[NotFired, ...]
    evidence: Mapping[str, Any]
    origin: Mapping[str, str]
    tariff: Any = None
    findings: tuple[Any, ...] = ()
    notes: tuple[str, ...] = ()
    detection: Any = field(default=None, compare=False)

    @property
    def context(self) -> tuple[FiredRule, ...]:
        """Rules that fired as context only (:attr:`FiredRule.context`)."""
        return tuple(r for r in self.fired if r.context)

    @property
    def context_flags(self) -> tuple[str, ...]:
        """Flags set by context rules (not part of the decision)."""
        out: list[str] = []
        for rule in self.context:
            out.extend(f for f in rule.flags if f not in out and f not in self.flags)
        return tuple(out)

    @property
    def verified(self) -> bool:
        """Whether every clause the decision rests on is verified against stored text."""
        cites = [c for r in self.fired if not r.context for c in r.cites]
        if self.tariff is not None:
            cites.extend(self.tariff.cites)
        cites.extend(c for f in self.findings for c in f.cites)
        return all(c["verified"] for c in cites)

    def audit_trail(self) -> list[str]:
        """The decision in sentences: rules that fired, the clauses they cite, on which evidence."""
        by = "the default" if self.decided_by == "default" else self.decided_by
        track_by = (
            "" if self.track_by in (self.decided_by, "category") else f"; track by {self.track_by}"
        )
        lines = [f"{self.facility_id}: {self.category} → {self.track} (decided by {by}{track_by})"]
        for rule in self.fired:
            if rule.context:
                continue
            outcome = ", ".join(
                x for x in (rule.category or "", rule.track or "", " ".join(rule.flags)) if x
            )
            lines.append(f"  rule {rule.rule_id} fired ⇒ {outcome} — {rule.description}")
            lines.extend(f"    cites {c['text']}" for c in rule.cites)
            lines.extend(f"    {c.text()}" for c in rule.conditions)
        if self.tariff is not None:
            lines.extend(f"  {line}" for line in self.tariff.lines())
        for finding in self.findings:
            lines.extend(f"  {line}" for line in finding.lines())
        if self.flags:
            lines.append(f"  flags: {', '.join(self.flags)}")
        for rule in self.context:
            lines.append(
                f"  context, not part of the decision (cites a text not verified against a stored "
                f"copy): rule {rule.rule_id} ⇒ {' '.join(rule.flags)} — {rule.description}"
            )
            lines.extend(f"    cites {c['text']}" for c in rule.cites)
            lines.extend(f"    {c.text()}" for c in rule.conditions)
        lines.extend(f"  note: {n}" for n in self.notes)
        return lines

    def explain(self) -> list[str]:
        """The chain evidence → rule → clause → decision, and why other rules did not fire."""
        lines = [
            f"{self.facility_id} under {self.pack} (texts as of {self.as_of})",
            "evidence:",
        ]
        for name, value in self.evidence.items():
            if value is not None:
                lines.append(f"  {name} = {short(value)}  [{self.origin.get(name, '')}]")
        lines.append("rules that fired (evidence → rule → clause):")
        if not self.fired:
            lines.append("  none")
        lines.extend(self.audit_trail()[1:])
        lines.append(
            f"decision: {self.category} → {self.track} "
            f"(category by {self.decided_by}, track by {self.track_by})"
            + ("" if self.verified else " — rests in part on clauses not verified against text")
        )
        lines.append("rules that did not fire (the tests that failed):")
        for nf in self.not_fired:
            failed = "; ".join(t.text() for t in nf.failed[:3]) or "—"
            more = f" (+{len(nf.failed) - 3} more)" if len(nf.failed) > 3 else ""
            lines.append(f"  {nf.rule_id}: {failed}{more}")
        return lines

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (the evidence with its origins, every fired rule's citations)."""
        from hashtide.regulation.evidence import jsonable

        def trace(t: ConditionTrace) -> dict[str, Any]:
            return {**t.__dict__, "text": t.text()}

        out: dict[str, Any] = jsonable(
            {
                "facility": self.facility_id,
                "pack": self.pack,
                "as_of": self.as_of,
                "category": self.category,
                "track": self.track,
                "decided_by": self.decided_by,
                "track_by": self.track_by,
                "verified": self.verified,
                "flags": list(self.flags),
                "context_flags": list(self.context_flags),
                "fired": [
                    {
                        "rule": r.rule_id,
                        "description": r.description,
                        "category": r.category,
                        "track": r.track,
                        "flags": list(r.flags),
                        "cites": [dict(c) for c in r.cites],
                        "conditions": [trace(c) for c in r.conditions],
                        "context": r.context,
                    }
                    for r in self.fired
                ],
                "not_fired": [
                    {"rule": n.rule_id, "failed": [trace(t) for t in n.failed]}
                    for n in self.not_fired
                ],
                "tariff": None if self.tariff is None else self.tariff.as_dict(),
                "findings": [f.as_dict() for f in self.findings],
                "notes": list(self.notes),
                "evidence": {
                    k: {"value": v, "origin": self.origin.get(k)}
                    for k, v in self.evidence.items()
                    if v is not None
                },
            }
        )
        return out


def classify(evidence: FacilityEvidence, pack: RulePack) -> Decision:
    """Classify one facility's evidence under ``pack`` (see the module notes)."""
    from hashtide.regulation.industry import applicable_tariff, industry_findings

    spec = pack.spec
    fired: list[FiredRule] = []
    not_fired: list[NotFired] = []
    category: str | None = None
    track: str | None = None
    decided_by = track_by = "default"
    flags: list[str] = []
    for rule in spec.rules:
        result = evaluate(pack.conditions[rule.id], evidence, spec.lists)
        if not result.held:
            not_fired.append(NotFired(rule_id=rule.id, failed=result.failed))
            continue
        fired_rule = FiredRule(
            rule_id=rule.id,
            description=rule.description,
            category=rule.then.category,
            track=rule.then.track,
            flags=tuple(rule.then.flags),
            cites=tuple(pack.citation(c) for c in rule.cite),
            conditions=result.support,
        )
        fired.append(fired_rule)
        if not fired_rule.context:
            flags.extend(f for f in rule.then.flags if f not in flags)
        if category is None and rule.then.category is not None:
            category, decided_by = rule.then.category, rule.id
        if track is None and rule.then.track is not None:
            track, track_by = rule.then.track, rule.id
    if category is None:
        category = spec.default.category
        if track is None and spec.default.track is not None:
            track, track_by = spec.default.track, "default"
    if track is None:
        track, track_by = spec.tracks[category], "category"  # type: ignore[index]
    tariff = applicable_tariff(evidence, category, track, pack)
    findings = industry_findings(evidence, category, track, decided_by, pack)
    notes = []
    country = evidence.values.get("location.country")
    jurisdiction = spec.jurisdiction[:2]
    if isinstance(country, str) and jurisdiction.isupper() and country != jurisdiction:
        notes.append(
            f"the facility is in {country}; this pack models {spec.jurisdiction} texts, so the "
            "decision illustrates them and binds no one there"
        )
    return Decision(
        facility_id=evidence.facility_id,
        pack=spec.pack,
        as_of=spec.as_of,
        category=category,
        track=track,
        decided_by=decided_by,
        track_by=track_by,
        flags=tuple(flags),
        fired=tuple(fired),
        not_fired=tuple(not_fired),
        evidence=dict(evidence.values),
        origin=dict(evidence.origin),
        tariff=tariff,
        findings=tuple(findings),
        notes=tuple(notes),
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
    >>> [(d.facility_id, d.category) for d in decisions[:2]]
    [('sh-office-12f', 'pow_mining'), ('sh-data-services-3f', 'general_data_centre')]
    """
    from hashtide.regulation.facilities import evidence_of, load_facilities

    rule_pack = pack if isinstance(pack, RulePack) else load_pack(pack)
    specs, base = load_facilities(facilities)
    return rule_pack, [classify(evidence_of(spec, base), rule_pack) for spec in specs]


def pack_summary(pack: RulePack) -> Sequence[Mapping[str, Any]]:
    """One row per rule: id, outcome, and the clauses it cites (for tables)."""
    return [
        {
            "rule": r.id,
            "category": r.then.category or "",
            "track": r.then.track
            or (pack.spec.tracks.get(r.then.category, "") if r.then.category else ""),
            "flags": ", ".join(r.then.flags),
            "cites": "; ".join(pack.citation(c)["text"] for c in r.cite),
        }
        for r in pack.spec.rules
    ]


__all__ = [
    "CATEGORIES",
    "SHIPPED_PACKS",
    "TRACKS",
    "Decision",
    "FiredRule",
    "NotFired",
    "RulePack",
    "classify",
    "classify_file",
    "endpoint_matches",
    "load_pack",
    "pack_path",
    "pack_summary",
    "parse_pack",
]
