"""The texts rule packs cite: short excerpts of laws, notices and documents, with where they are.

Each source is a small YAML file (shipped ones in ``hashtide/data/regulation/sources/``): its
title, number, publisher, dates, address, **status** (in force, repealed, superseded, reported
superseded, a proposal, an assumption…), **verification** (what its excerpts were checked
against) and its **clauses**, each with an id as the text numbers it (``（八）``, ``一``) and a
one-sentence excerpt as published. A rule cites ``{source, clause, quote}``; the quote must be
part of the clause's excerpt (:func:`check_citation`), so every rule traces to stored text.

Verification levels, strongest first (:data:`VERIFICATION`):

* ``official_copy`` — checked against a stored capture of the issuing authority's page;
* ``document_copy`` — checked against the document itself, which is not a law (an article,
  hashtide's own stated assumptions);
* ``reprint`` — checked against full-text reprints that agree word for word (official page not
  stored);
* ``secondary`` — the sentence is quoted elsewhere (another notice, news); wording or clause
  numbering may differ from the original;
* ``reported`` — known from news reports of its content;
* ``unverified`` — stated in hashtide's references, no copy seen.

The first three count as **verified** (:data:`VERIFIED`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Final, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from hashtide.errors import InvalidInputError
from hashtide.regulation._validation import did_you_mean, read_yaml, validate

Verification = Literal[
    "official_copy", "document_copy", "reprint", "secondary", "reported", "unverified"
]
Status = Literal[
    "in_force",
    "repealed",
    "superseded",
    "reported_superseded",
    "expired",
    "proposal",
    "assumption",
    "reference",
]
#: Verification levels, strongest first.
VERIFICATION: Final[tuple[str, ...]] = get_args(Verification)
#: Levels at which a quote counts as verified against the text.
VERIFIED: Final = ("official_copy", "document_copy", "reprint")
#: Longest quote a rule may carry [characters] (a sentence, not a page).
MAX_QUOTE_CHARS: Final = 200


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Clause(_Strict):
    """One clause of a source: its id as the text numbers it, and a short excerpt."""

    id: str = Field(min_length=1, max_length=40)
    heading: str | None = Field(default=None, max_length=200)
    excerpt: str = Field(min_length=1, max_length=400)
    numbering_verified: bool = True


class Source(_Strict):
    """A law, notice, standard, proposal or list, with its stored excerpts."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=80)
    title: str = Field(min_length=1, max_length=300)
    number: str | None = None
    short: str | None = Field(default=None, max_length=60)
    publisher: str | None = None
    date: str | None = None
    published: str | None = None
    effective: str | None = None
    in_force_until: str | None = None
    url: str | None = Field(default=None, pattern=r"^https?://[^\s\"'<>]+$", max_length=500)
    status: Status = "in_force"
    superseded_by: str | None = None
    verification: Verification
    checked_against: str | None = None
    retrieved: str | None = None
    note: str | None = None
    clauses: list[Clause] = Field(default_factory=list)

    def clause(self, clause_id: str) -> Clause | None:
        """The clause with this id, or ``None``."""
        return next((c for c in self.clauses if c.id == clause_id), None)

    @property
    def verified(self) -> bool:
        """Whether quotes from this source count as verified (:data:`VERIFIED`)."""
        return self.verification in VERIFIED

    def label(self) -> str:
        """The short name, the number (``发改运行〔2021〕1283号``) or the title."""
        return self.short or self.number or self.title


class Citation(_Strict):
    """What a rule cites: a clause of a source and a short quote from it."""

    source: str = Field(min_length=1)
    clause: str = Field(min_length=1)
    quote: str = Field(min_length=1, max_length=MAX_QUOTE_CHARS)


def shipped_sources() -> tuple[str, ...]:
    """Ids of the sources shipped with hashtide."""
    root = resources.files("hashtide.data").joinpath("regulation/sources")
    return tuple(sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".yaml")))


def source_path(name: str) -> Path:
    """The file of a shipped source."""
    root = resources.files("hashtide.data").joinpath("regulation/sources")
    return Path(str(root.joinpath(f"{name}.yaml")))


def is_file(path: Path) -> bool:
    """``path.is_file()``, false for names the system refuses (too long, a NUL byte)."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def load_source(name_or_path: str | Path, *, relative_to: Path | None = None) -> Source:
    """Read and check one source file: a shipped one by id, or a YAML path.

    Examples
    --------
    >>> s = load_source("ndrc-1283")
    >>> s.number, s.verification, s.clause("（十三）").heading
    ('发改运行〔2021〕1283号', 'official_copy', '实行差别电价')
    """
    text = str(name_or_path)
    known = shipped_sources()
    if text in known:
        return _shipped(text)
    else:
        path = Path(name_or_path)
        if relative_to is not None and not path.is_absolute():
            path = relative_to / path
        if not is_file(path):
            hint = did_you_mean(text, known)
            raise InvalidInputError(
                f"no source {text!r}: not a file, and not a shipped source{hint}"
            )
    return _read(path)


@functools.lru_cache(maxsize=64)
def _shipped(name: str) -> Source:
    """A shipped source (package data does not change while running: read once)."""
    return _read(source_path(name))


def _read(path: Path) -> Source:
    source = validate(Source, read_yaml(path, "source file"), str(path), "a source file")
    seen: set[str] = set()
    for i, clause in enumerate(source.clauses):
        if clause.id in seen:
            raise InvalidInputError(f"{path}: clauses[{i}].id: {clause.id!r} is used twice")
        seen.add(clause.id)
    return source


def check_citation(cite: Citation, sources: Mapping[str, Source], path: str) -> list[str]:
    """Problems with one citation: unknown source, unknown clause, quote not in the excerpt."""
    source = sources.get(cite.source)
    if source is None:
        return [
            f"{path}.source: {cite.source!r} is not a source of this pack"
            f"{did_you_mean(cite.source, tuple(sources))}"
        ]
    clause = source.clause(cite.clause)
    if clause is None:
        ids = tuple(c.id for c in source.clauses) or ("(no stored excerpts)",)
        return [
            f"{path}.clause: {cite.clause!r} has no stored excerpt in source {source.id!r}"
            f"{did_you_mean(cite.clause, ids)}"
        ]
    if cite.quote not in clause.excerpt:
        return [
            f"{path}.quote: {cite.quote!r} is not in the stored excerpt of {source.id} "
            f"{cite.clause} ({clause.excerpt!r})"
        ]
    return []


def describe_citation(cite: Citation, source: Source) -> str:
    """``发改运行〔2021〕1283号 （八）: “…” [official copy]`` for audit lines."""
    clause = source.clause(cite.clause)
    level = source.verification.replace("_", " ")
    if clause is not None and not clause.numbering_verified:
        level += "; clause number unverified"
    status = "" if source.status == "in_force" else f"; {source.status.replace('_', ' ')}"
    return f"{source.label()} {cite.clause}: “{cite.quote}” [{level}{status}]"
