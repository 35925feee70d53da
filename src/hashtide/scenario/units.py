"""Quantities written the way people write them: ``5 GW``, ``200 TH/s``, ``0.04 USD/kWh``.

Scenario files give quantities as text with units; they are parsed and converted once, at load,
with pint. The text is split by a strict tokenizer (a finite number, then unit names joined by
``/``, ``*`` or a space) and only single unit names are handed to pint, so nothing a file says is
ever evaluated. pint knows no hashes, so hashtide defines a ``hash`` dimension (pint's ``H`` is
the henry, so ``TH/s`` and ``J/TH`` are read as ``Thash/s`` and ``J/Thash``), plus ``USD`` and
``BTC`` (and ``sat`` = 1e-8 BTC) as their own dimensions.
"""

from __future__ import annotations

import logging
import math
import re
from functools import cache
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import pint
else:  # without its dask integration, which costs 0.5 s at import (see hashtide._pint)
    from hashtide._pint import pint

#: hashtide's base unit for each kind of quantity a scenario may hold: values are converted to
#: these and stored in fields whose names carry the unit.
UNITS: Final[dict[str, str]] = {
    "power": "W",
    "energy": "kWh",
    "hashrate": "hash/s",
    "efficiency": "J/Thash",
    "price_energy": "USD/kWh",
    "money": "USD",
    "money_per_power": "USD/W",
    "btc": "BTC",
    "btc_price": "USD/BTC",
    "duration": "s",
    "rate": "1/year",
    "fraction": "dimensionless",
    "hours_per_year": "hour/year",
    "intensity": "g/kWh",
    "mass": "kg",
}

#: How a unit is written in messages (what users type).
DISPLAY: Final[dict[str, str]] = {
    "power": "W (e.g. 5 GW, 3500 W)",
    "energy": "kWh (e.g. 10 TWh)",
    "hashrate": "H/s (e.g. 200 TH/s, 600 EH/s)",
    "efficiency": "J/TH (e.g. 17.5 J/TH)",
    "price_energy": "USD/kWh (e.g. 0.04 USD/kWh)",
    "money": "USD (e.g. 2699 USD)",
    "money_per_power": "USD/W (e.g. 500000 USD/MW)",
    "btc": "BTC (e.g. 0.02 BTC, 2000000 sat)",
    "btc_price": "USD/BTC (e.g. 85000 USD/BTC)",
    "duration": "a time (e.g. 5 years, 90 days)",
    "rate": "a rate per year (e.g. 20 %/year)",
    "fraction": "a fraction (e.g. 0.9 or 90 %)",
    "hours_per_year": "hours per year (e.g. 500 h/year)",
    "intensity": "gCO2/kWh (e.g. 490 g/kWh)",
    "mass": "kg (e.g. 20 Mt, 5000 kg)",
}


@cache
def registry() -> pint.UnitRegistry[float]:
    """The unit registry scenario files are parsed with (built once, then reused)."""
    units: pint.UnitRegistry[float] = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    units.define("hash = [hash]")
    units.define("USD = [currency] = usd = dollar")
    units.define("BTC = [bitcoin] = btc = bitcoin")
    units.define("sat = 1e-8 BTC = satoshi = sats")
    units.define("Mt = 1e9 kg = megatonne")
    # pint's own "kt" is the knot; here it is the kilotonne. Redefining it makes pint log a
    # warning into the user's logging (a notebook shows it), so it is silenced for this line.
    pint_log = logging.getLogger("pint.util")
    level = pint_log.level
    pint_log.setLevel(logging.ERROR)
    try:
        units.define("kt = 1e6 kg = kilotonne")
    finally:
        pint_log.setLevel(level)
    return units


class UnitParseError(ValueError):
    """A quantity's text could not be read or has the wrong kind of unit."""


#: Longest quantity text read (``"0.045 USD/kWh"`` is 13 characters).
MAX_QUANTITY_CHARS: Final = 80

_NUMBER = re.compile(
    r"[+-]?(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d{1,3})?",
    re.ASCII,  # "５ GW" (a full-width digit) is not a number here
)
_NAME = re.compile(r"[A-Za-z]{1,24}|%")
_EXPONENT = re.compile(r"\^([+-]?[1-9])")
#: A hash-rate unit in any case: ``H``, ``TH``, ``th``, ``Thash``, ``hashes`` (``m`` is mega:
#: there are no milli-hashes).
_HASH = re.compile(r"([kmgtpez]?)(h|hash|hashes)", re.IGNORECASE)
_HASH_KINDS = ("hashrate", "efficiency")
_NOT_FINITE = re.compile(r"[+-]?(inf|infinity|nan)\b", re.IGNORECASE)
_ARITHMETIC = re.compile(r"\d\s*(\*\*|\^|[*+/-]\s*[\d(])|\(")


def _show(text: object) -> str:
    """``repr(text)``, cut to 40 characters for messages."""
    shown = repr(text)
    return shown if len(shown) <= 40 else shown[:37] + "…"


def _unit_name(name: str, kind: str) -> str:
    """The registry's name for one unit ``name`` written in a quantity of ``kind``."""
    if name == "%":
        return "percent"
    match = _HASH.fullmatch(name)
    # "h" alone is the hour (500 h/year) except where a hash rate is expected; "TH", "Th",
    # "kh" … are hash units everywhere (a tera-hour means nothing here)
    if match and (name != "h" or kind in _HASH_KINDS):
        prefix = match.group(1).lower()
        return ("k" if prefix == "k" else prefix.upper()) + "hash"
    if name == "S" and kind == "hashrate":  # "TH/S": a second, not a siemens
        return "s"
    return name


def _tokens(text: str) -> tuple[str, list[tuple[str, str, int]]] | None:
    """``text`` split into its number and its unit factors ``(operator, name, exponent)``.

    The grammar: a number (digits, a decimal point, an exponent ``e±NNN``; no arithmetic), then
    unit names (letters or ``%``), each with an optional ``^N`` (one digit), joined by ``/``,
    ``*``, ``·`` or a space. ``None`` if ``text`` does not follow it.
    """
    number = _NUMBER.match(text)
    if number is None:
        return None
    position = number.end()
    factors: list[tuple[str, str, int]] = []
    while position < len(text):
        start = position
        while position < len(text) and text[position].isspace():
            position += 1
        operator = "*"
        if position < len(text) and text[position] in "/*·":
            operator = "/" if text[position] == "/" else "*"
            position += 1
            while position < len(text) and text[position].isspace():
                position += 1
        elif factors and position == start:
            return None  # two names with nothing between them: "%%", "GW%"
        name = _NAME.match(text, position)
        if name is None:
            return None
        position = name.end()
        exponent = _EXPONENT.match(text, position)
        power = 1
        if exponent is not None:
            power = int(exponent.group(1))
            position = exponent.end()
        factors.append((operator, name.group(), power))
    return number.group(), factors


def parse_quantity(text: str | int | float, kind: str) -> float:
    """Read ``text`` as a quantity of ``kind`` and return its value in hashtide's unit.

    The text is parsed, never evaluated: a finite number (``5``, ``0.04``, ``1.5e3``; no
    arithmetic such as ``9**9``), then units from the registry joined by ``/``, ``*`` or a
    space. Hash rates take any case (``TH/s``, ``Th/s``, ``th/s``); ``h`` is the hour except in
    a hash rate or an efficiency.

    Parameters
    ----------
    text : str or number
        E.g. ``"5 GW"``, ``"200 TH/s"``, ``"17.5 J/TH"``, ``"90 %"``. A bare number is accepted
        only for ``fraction`` (0.9) — anything else needs its unit written out.
    kind : str
        A key of :data:`UNITS`.

    Returns
    -------
    float
        The value in ``UNITS[kind]`` (W, H/s, J/TH, USD/kWh …), always finite.

    Raises
    ------
    UnitParseError
        With a message saying what was expected, e.g. ``'5 GWh' is a quantity of energy;
        expected W (e.g. 5 GW, 3500 W)``.

    Examples
    --------
    >>> parse_quantity("5 GW", "power")
    5000000000.0
    >>> parse_quantity("200 TH/s", "hashrate")
    200000000000000.0
    >>> parse_quantity("20 %/year", "rate")
    0.2
    """
    target = UNITS[kind]
    expected = DISPLAY[kind]
    if text is None:
        raise UnitParseError(f"a value is required; expected {expected}")
    if isinstance(text, bool) or not isinstance(text, str | int | float):
        raise UnitParseError(f"{_show(text)} is not a quantity; expected {expected}")
    if isinstance(text, int | float):
        if kind != "fraction":
            raise UnitParseError(f"{_show(text)} has no unit; expected {expected}")
        try:
            value = float(text)
        except OverflowError:
            value = math.inf
        if not math.isfinite(value):
            raise UnitParseError(f"{_show(text)} is not a finite number; expected {expected}")
        return value
    cleaned = text.strip()
    if len(cleaned) > MAX_QUANTITY_CHARS:
        raise UnitParseError(
            f"{text[:20]!r}… is {len(cleaned)} characters long; a quantity has at most "
            f"{MAX_QUANTITY_CHARS} (expected {expected})"
        )
    tokens = _tokens(cleaned)
    if tokens is None:
        if _NOT_FINITE.match(cleaned):
            raise UnitParseError(f"{_show(text)} is not a finite number; expected {expected}")
        if _ARITHMETIC.search(cleaned):
            raise UnitParseError(
                f"{_show(text)}: arithmetic is not read; write the number itself (e.g. 1.5e9)"
            )
        raise UnitParseError(
            f"{_show(text)} is not a quantity (a number, then its unit); expected {expected}"
        )
    number, factors = tokens
    magnitude = float(number)
    if not math.isfinite(magnitude):
        raise UnitParseError(f"{text!r}: the number is too large")
    units = registry()
    unit: Any = units.dimensionless
    for operator, name, power in factors:
        try:
            one = units.Unit(_unit_name(name, kind))
        except (pint.errors.PintError, AttributeError, TypeError, ValueError, SyntaxError):
            raise UnitParseError(f"{text!r}: unknown unit {name!r}; expected {expected}") from None
        unit = unit / one**power if operator == "/" else unit * one**power
    if kind != "fraction" and unit.dimensionless and not factors:
        raise UnitParseError(f"{_show(text)} has no unit; expected {expected}")
    quantity: Any = units.Quantity(magnitude, unit)
    try:
        value = float(quantity.to(target).magnitude)
    except pint.errors.DimensionalityError:
        raise UnitParseError(f"{text!r} is {_kind_of(quantity)}; expected {expected}") from None
    except OverflowError:
        value = math.inf
    if not math.isfinite(value):
        raise UnitParseError(f"{text!r} is too large to be a quantity of {kind.replace('_', ' ')}")
    return value


def _kind_of(quantity: Any) -> str:
    """Name the kind of a quantity for an error message (``an energy``, ``a power`` …)."""
    units = registry()
    for kind, unit in UNITS.items():
        if kind != "fraction" and quantity.dimensionality == units.Quantity(1, unit).dimensionality:
            return f"a quantity of {kind.replace('_', ' ')}"
    return f"in units of {quantity.units:~}"
