"""The shipped ASIC catalog: SHA-256 miner models from 2016 on, each figure with its source."""

from __future__ import annotations

import csv
import difflib
import functools
import io
import json
import re
from importlib import resources
from typing import TYPE_CHECKING, Any

from hashtide.errors import DataError, InvalidInputError
from hashtide.hardware.model import MinerModel

if TYPE_CHECKING:
    import pandas as pd

_TABLE = "asic_catalog.csv"
_META = "asic_catalog.meta.json"

#: Columns of :func:`catalog`, in order (also the columns of the shipped CSV).
CATALOG_COLUMNS = (
    "model",
    "manufacturer",
    "hashrate_ths",
    "power_w",
    "efficiency_j_per_th",
    "release",
    "cooling",
    "price_usd",
    "price_date",
    "price_kind",
    "price_source",
    "release_source",
    "source",
    "source_date",
)
_NUMERIC = ("hashrate_ths", "power_w", "efficiency_j_per_th", "price_usd")
#: The shipped efficiency is rounded to 0.001 J/TH; it must match power / hashrate to that.
_EFFICIENCY_ROUNDING = 0.0005 + 1e-9

# Words get_model ignores at the start of a name, and spellings it treats as the same.
_PREFIX_WORDS = frozenset(
    {
        "bitmain",
        "antminer",
        "microbt",
        "whatsminer",
        "canaan",
        "ebang",
        "ebit",
        "strongu",
        "bitdeer",
    }
)
_SYNONYMS = {"avalonminer": "avalon", "hydro": "hyd", "immersion": "imm"}


def lookup_key(name: str) -> str:
    """The form of a model name :func:`get_model` compares.

    Case, how words are separated (spaces, ``-``, ``_``, an abbreviation's ``.``), a leading
    maker or product-line word (Bitmain, Antminer, MicroBT, Whatsminer, Canaan, Ebang, Ebit,
    StrongU, Bitdeer) and the spellings Hydro/Hyd, Immersion/Imm, AvalonMiner/Avalon do not
    matter. Where words break does:
    ``S21XP`` is not ``S21 XP`` (a name that runs words together, or splits one, is not taken
    for another model silently; :func:`get_model` suggests the model instead).

    Examples
    --------
    >>> lookup_key("Bitmain Antminer S21 XP Hydro") == lookup_key("s21-xp hyd")
    True
    >>> lookup_key("Antminer S21XP") == lookup_key("Antminer S21 XP")
    False
    """
    # A dot ends an abbreviation ("Imm.") unless a digit follows ("E9.2").
    words = re.sub(r"[\s_\-]+|\.(?!\d)", " ", name.casefold()).split()
    words = [_SYNONYMS.get(word, word) for word in words]
    while len(words) > 1 and words[0] in _PREFIX_WORDS:
        words.pop(0)
    key = " ".join(words)
    return re.sub(r"^avalon (\d)", r"avalon a\1", key)


def _optional(value: str) -> str | None:
    return value or None


@functools.cache
def _models() -> tuple[MinerModel, ...]:
    try:
        text = resources.files("hashtide.data").joinpath(_TABLE).read_text(encoding="utf-8")
    except OSError as exc:  # pragma: no cover - only a broken install gets here
        raise DataError(f"the shipped ASIC catalog {_TABLE} cannot be read: {exc}") from exc
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != CATALOG_COLUMNS:
        raise DataError(f"{_TABLE}: columns {reader.fieldnames} != expected {CATALOG_COLUMNS}")
    models = []
    for line, row in enumerate(reader, start=2):
        try:
            model = MinerModel(
                model=row["model"],
                manufacturer=_optional(row["manufacturer"]),
                hashrate_ths=float(row["hashrate_ths"]),
                power_w=float(row["power_w"]),
                release=_optional(row["release"]),
                cooling=_optional(row["cooling"]),  # type: ignore[arg-type]
                price_usd=float(row["price_usd"]) if row["price_usd"] else None,
                price_date=_optional(row["price_date"]),
                price_kind=_optional(row["price_kind"]),
                price_source=_optional(row["price_source"]),
                release_source=_optional(row["release_source"]),
                source=_optional(row["source"]),
                source_date=_optional(row["source_date"]),
            )
        except (InvalidInputError, ValueError) as exc:
            raise DataError(f"{_TABLE} line {line}: {exc}") from exc
        stored = float(row["efficiency_j_per_th"])
        if abs(stored - model.efficiency_j_per_th) > _EFFICIENCY_ROUNDING:
            raise DataError(
                f"{_TABLE} line {line}: efficiency_j_per_th {stored} != power_w / hashrate_ths "
                f"= {model.efficiency_j_per_th:.4f}"
            )
        models.append(model)
    return tuple(models)


@functools.cache
def _index() -> dict[str, MinerModel]:
    index: dict[str, MinerModel] = {}
    for model in _models():
        key = lookup_key(model.model)
        if key in index:
            raise DataError(f"{_TABLE}: {index[key].model!r} and {model.model!r} look alike")
        index[key] = model
    return index


def catalog() -> pd.DataFrame:
    """Every ASIC model in the shipped catalog, oldest release first.

    Returns
    -------
    pandas.DataFrame
        One row per model (a fresh copy on each call), columns :data:`CATALOG_COLUMNS`:
        ``model``, ``manufacturer``, ``hashrate_ths`` [TH/s], ``power_w`` [W],
        ``efficiency_j_per_th`` [J/TH] (= power / hashrate), ``release`` (``YYYY-MM``),
        ``cooling`` (air / hydro / immersion), ``price_usd`` [USD], ``price_date``
        (``YYYY-MM``), ``price_kind``, and where each figure comes from: ``price_source``,
        ``release_source``, ``source`` (raw file, line, name as written there) and
        ``source_date``. Missing values are NaN.

    Notes
    -----
    Built by ``scripts/build_hardware_catalog.py`` from F2Pool's device table (March 2020),
    the BTCBESS model list, two 2025 retail listings (asicmarketplace.com, asicminervalue.com)
    and the Bitcoin Wiki comparison table, cross-checked against CCAF's CBECI hardware list.
    :func:`catalog_provenance` gives the sources, the rules that chose between them and every
    disagreement found. Prices are retail listings (2025) or undated Bitcoin Wiki prices,
    never launch prices.

    Examples
    --------
    >>> table = catalog()
    >>> s21 = table.set_index("model").loc["Antminer S21"]
    >>> float(s21.hashrate_ths), float(s21.power_w), float(s21.efficiency_j_per_th)
    (200.0, 3500.0, 17.5)
    """
    import pandas as pd

    models = _models()
    columns: dict[str, list[Any]] = {name: [] for name in CATALOG_COLUMNS}
    for model in models:
        for name in CATALOG_COLUMNS:
            columns[name].append(getattr(model, name))
    table = pd.DataFrame(columns)
    for name in _NUMERIC:
        table[name] = table[name].astype("float64")
    return table


def get_model(name: str) -> MinerModel:
    """The catalog model called ``name``, forgiving about how it is written.

    Parameters
    ----------
    name : str
        A model name as the catalog writes it (``hashtide catalog`` lists them): case, the
        separators between words (space, ``-``, ``_``), a leading "Bitmain", "Antminer",
        "MicroBT", "Whatsminer", "Canaan" (etc.) and Hydro/Hyd, Immersion/Imm do not matter;
        where words break does (see :func:`lookup_key`).

    Returns
    -------
    MinerModel

    Raises
    ------
    InvalidInputError
        If no catalog model has that name; the message suggests the closest names (first the
        model whose name differs only in where words break, e.g. ``S21XP`` → ``S21 XP``).

    Examples
    --------
    >>> get_model("bitmain antminer s21").model
    'Antminer S21'
    >>> get_model("S21 XP Hydro").hashrate_ths
    473.0
    >>> get_model("S21XP")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hashtide.errors.InvalidInputError: unknown ASIC model 'S21XP'; did you mean 'Antminer S21 XP'...
    >>> get_model("M66S")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    hashtide.errors.InvalidInputError: unknown ASIC model 'M66S'; did you mean 'Whatsminer M66'...
    """
    if not isinstance(name, str):
        raise InvalidInputError(f"model name must be a string, got {name!r}")
    index = _index()
    key = lookup_key(name)
    if key in index:
        return index[key]
    compact = key.replace(" ", "")
    same_letters = [k for k in index if k.replace(" ", "") == compact]
    close = same_letters + [
        k for k in difflib.get_close_matches(key, index, n=3, cutoff=0.5) if k not in same_letters
    ]
    close = close[:3]
    names = [repr(index[k].model) for k in close]
    if len(names) > 1:
        hint = f"; did you mean {', '.join(names[:-1])} or {names[-1]}?"
    elif names:
        hint = f"; did you mean {names[0]}?"
    else:
        hint = "; no model has a similar name"
    raise InvalidInputError(
        f"unknown ASIC model {name!r}{hint} ('hashtide catalog' lists all {len(index)} models)"
    )


def catalog_provenance() -> dict[str, Any]:
    """Where the shipped catalog comes from.

    Returns
    -------
    dict
        The build's meta file: ``sources`` (file, origin, commit, date, licence), ``rules``
        (scope, source priority, duplicates, release, price, cooling, agreement tolerance),
        ``name_normalisation`` (the hand-typed name map), ``disagreements`` between sources,
        ``rows_dropped``, ``variants_not_shipped``, ``prices_not_attached``, ``out_of_scope``,
        the CBECI cross-check (``cbeci_matched_models``, ``cbeci_only_not_shipped``) and
        ``listing_notes``.

    Examples
    --------
    >>> meta = catalog_provenance()
    >>> meta["rows"] == len(catalog())
    True
    """
    text = resources.files("hashtide.data").joinpath(_META).read_text(encoding="utf-8")
    meta: dict[str, Any] = json.loads(text)
    return meta


def search_models(text: str) -> list[MinerModel]:
    """The catalog models whose name or maker holds every word of ``text``, oldest first.

    Case and the separators of :func:`lookup_key` do not matter; an empty ``text`` gives every
    model.

    Raises
    ------
    InvalidInputError
        If no model matches; the message suggests close names.

    Examples
    --------
    >>> [m.model for m in search_models("xp imm")]
    ['Antminer S21 XP Imm']
    >>> len(search_models("s21 xp hyd"))  # S21 XP Hyd, S21e XP Hyd, S21e XP Hyd 3U, S21 XP+ Hyd
    4
    """
    words = lookup_key(text).split() if text.strip() else []
    found = [
        m
        for m in _models()
        if all(
            word in f"{lookup_key(m.model)} {(m.manufacturer or '').casefold()}" for word in words
        )
    ]
    if not found:
        index = _index()
        close = difflib.get_close_matches(lookup_key(text), index, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(index[k].model) for k in close)}?" if close else ""
        raise InvalidInputError(
            f"no catalog model matches {text!r}{hint} (hashtide catalog lists all {len(index)})"
        )
    return found
