"""Quantities written the way people write them: ``5 GW``, ``200 TH/s``, ``0.04 USD/kWh``.

Scenario files give quantities as text with units; they are parsed and converted once, at load,
with pint. pint knows no hashes, so hashtide defines a ``hash`` dimension (pint's ``H`` is the
henry, so ``TH/s`` and ``J/TH`` are rewritten to ``Thash/s`` and ``J/Thash`` first), plus
``USD`` and ``BTC`` (and ``sat`` = 1e-8 BTC) as their own dimensions.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, Final

import pint

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

_HASH_PREFIXED = re.compile(r"(?<![A-Za-z])([kMGTPEZ]?)H(?=/s\b|\b)")


@cache
def registry() -> pint.UnitRegistry[float]:
    """The unit registry scenario files are parsed with (built once, then reused)."""
    units: pint.UnitRegistry[float] = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    units.define("hash = [hash]")
    units.define("USD = [currency] = usd = dollar")
    units.define("BTC = [bitcoin] = btc = bitcoin")
    units.define("sat = 1e-8 BTC = satoshi = sats")
    units.define("Mt = 1e9 kg = megatonne")
    units.define("kt = 1e6 kg = kilotonne")
    return units


class UnitParseError(ValueError):
    """A quantity's text could not be read or has the wrong kind of unit."""


def parse_quantity(text: str | int | float, kind: str) -> float:
    """Read ``text`` as a quantity of ``kind`` and return its value in hashtide's unit.

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
        The value in ``UNITS[kind]`` (W, H/s, J/TH, USD/kWh …).

    Raises
    ------
    UnitParseError
        With a message saying what was expected, e.g. ``'5 GWh' is energy, expected power: W
        (e.g. 5 GW, 3500 W)``.

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
    if isinstance(text, bool):
        raise UnitParseError(f"{text!r} is not a quantity; expected {DISPLAY[kind]}")
    if isinstance(text, int | float):
        if kind == "fraction":
            return float(text)
        raise UnitParseError(f"{text!r} has no unit; expected {DISPLAY[kind]}")
    units = registry()
    cleaned = _HASH_PREFIXED.sub(lambda m: f"{m.group(1)}hash", text.strip())
    cleaned = cleaned.replace("%", " percent ").replace("h/year", "hour/year")
    try:
        quantity: Any = units.Quantity(cleaned)
    except (pint.errors.PintError, AttributeError, TypeError, ValueError, SyntaxError) as exc:
        raise UnitParseError(
            f"{text!r} is not a quantity with a unit; expected {DISPLAY[kind]}"
        ) from exc
    if kind != "fraction" and str(quantity.units) == "dimensionless":
        raise UnitParseError(f"{text!r} has no unit; expected {DISPLAY[kind]}")
    try:
        value = float(quantity.to(target).magnitude)
    except pint.errors.DimensionalityError as exc:
        raise UnitParseError(f"{text!r} is {_kind_of(quantity)}; expected {DISPLAY[kind]}") from exc
    return value


def _kind_of(quantity: Any) -> str:
    """Name the kind of a quantity for an error message (``an energy``, ``a power`` …)."""
    units = registry()
    for kind, unit in UNITS.items():
        if kind != "fraction" and quantity.dimensionality == units.Quantity(1, unit).dimensionality:
            return f"a quantity of {kind.replace('_', ' ')}"
    return f"in units of {quantity.units:~}"
