"""Numbers written for people: ``285.7 EH/s``, ``5 GW``, ``43.8 TWh``, ``1.2 B USD``, ``26.3 %``.

Pure functions shared by the HTML report and the command line's tables. Each takes a value in
hashtide's unit (the one in the parameter's name: ``hashrate_hs``, ``power_w``, ``energy_kwh``,
``co2_kg``, ``usd``, ``share_frac``) and returns text with a unit a reader knows. Values are
rounded to a number of significant digits (4 by default), trailing zeros are dropped, thousands
are separated with commas, a minus is ``-``, and a missing value (``nan``) reads ``n/a``.

For a table whose column shares one unit, :func:`pick_unit` chooses the unit from the column's
values and :func:`format_number` writes each cell; the unit goes in the header.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Final

from hashtide.errors import InvalidInputError
from hashtide.units import HS_PER_EHS, HS_PER_PHS, HS_PER_THS, HS_PER_ZHS

#: Display units of each kind of quantity, smallest first: ``(label, size of one label unit in
#: hashtide's unit)``. The sizes are SI prefixes of hashtide's unit (``kWh`` for energy, ``kg`` for
#: CO2).
UNITS: Final[dict[str, tuple[tuple[str, float], ...]]] = {
    "hashrate": (
        ("H/s", 1.0),
        ("kH/s", 1e3),
        ("MH/s", 1e6),
        ("GH/s", 1e9),
        ("TH/s", HS_PER_THS),
        ("PH/s", HS_PER_PHS),
        ("EH/s", HS_PER_EHS),
        ("ZH/s", HS_PER_ZHS),
    ),
    "power": (("W", 1.0), ("kW", 1e3), ("MW", 1e6), ("GW", 1e9), ("TW", 1e12)),
    "energy": (("kWh", 1.0), ("MWh", 1e3), ("GWh", 1e6), ("TWh", 1e9), ("PWh", 1e12)),
    "co2": (
        ("kg CO2e", 1.0),
        ("t CO2e", 1e3),
        ("kt CO2e", 1e6),
        ("Mt CO2e", 1e9),
        ("Gt CO2e", 1e12),
    ),
    # Money below a million is written in full ("97,500 USD"), as people write it.
    "usd": (("USD", 1.0), ("M USD", 1e6), ("B USD", 1e9), ("T USD", 1e12)),
    "count": (("", 1.0), ("M", 1e6), ("B", 1e9)),
    # Plain SI suffixes, e.g. a difficulty of "113.8 T".
    "si": (
        ("", 1.0),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ),
}

#: The largest unit chosen automatically, by kind: the mining press writes hashrates in EH/s
#: (the network passed 1,000 EH/s in 2025 and is still quoted as such); ``unit="ZH/s"`` forces it.
AUTO_LARGEST: Final[dict[str, str]] = {"hashrate": "EH/s"}

MISSING: Final = "n/a"


def format_number(value: float, digits: int = 4) -> str:
    """Write ``value`` with ``digits`` significant digits, thousands separated, zeros dropped.

    Digits left of the decimal point are never rounded away (``1,234,567`` stays whole).

    Examples
    --------
    >>> format_number(285.714)
    '285.7'
    >>> format_number(33.0)
    '33'
    >>> format_number(1_234_567.8)
    '1,234,568'
    >>> format_number(0.012345, digits=2)
    '0.012'
    >>> format_number(-8.657, digits=2)
    '-8.7'
    >>> format_number(float("nan"))
    'n/a'
    """
    if math.isnan(value):
        return MISSING
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(digits - 1 - magnitude, 0)
    text = f"{round(value, decimals):,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def pick_unit(kind: str, values: float | Iterable[float]) -> tuple[str, float]:
    """The display unit for ``values`` of ``kind``: the largest unit not above the largest value.

    Parameters
    ----------
    kind : str
        A key of :data:`UNITS`: ``hashrate``, ``power``, ``energy``, ``co2``, ``usd``, ``count``,
        ``si``.
    values : float or iterable of float
        In hashtide's unit for ``kind``; ``nan`` and infinities are ignored.

    Returns
    -------
    (str, float)
        The unit's label and its size in hashtide's unit: divide a value by it to display it.
        Units above :data:`AUTO_LARGEST` are never chosen.

    Examples
    --------
    >>> pick_unit("power", [5e9, 10e9, 20e9])
    ('GW', 1000000000.0)
    >>> pick_unit("usd", [-2.5e8, 1e7])
    ('M USD', 1000000.0)
    >>> pick_unit("energy", [float("nan")])
    ('kWh', 1.0)
    >>> pick_unit("hashrate", [1.046e21])  # EH/s at most (AUTO_LARGEST)
    ('EH/s', 1e+18)
    """
    table = _units(kind)
    items = [values] if isinstance(values, int | float) else list(values)
    finite = [abs(float(v)) for v in items if math.isfinite(float(v))]
    largest = max(finite, default=0.0)
    chosen = table[0]
    for label, size in table:
        # A hair below the size still counts (999.99996 TH/s rounds to 1,000 TH/s, i.e. 1 PH/s).
        if largest >= size * (1 - 1e-9):
            chosen = (label, size)
        if label == AUTO_LARGEST.get(kind):
            break
    return chosen


def _units(kind: str) -> tuple[tuple[str, float], ...]:
    try:
        return UNITS[kind]
    except KeyError:
        raise InvalidInputError(
            f"kind={kind!r} has no display units; expected one of {sorted(UNITS)}"
        ) from None


def _size_of(kind: str, unit: str) -> float:
    for label, size in _units(kind):
        if label == unit:
            return size
    labels = [label for label, _ in _units(kind)]
    raise InvalidInputError(f"unit={unit!r} is not a {kind} unit; expected one of {labels}")


def format_quantity(value: float, kind: str, *, unit: str | None = None, digits: int = 4) -> str:
    """Write ``value`` (in hashtide's unit for ``kind``) in a readable unit, e.g. ``5 GW``.

    Parameters
    ----------
    value : float
        In hashtide's unit: H/s, W, kWh, kg CO2, USD, or a plain count.
    kind : str
        A key of :data:`UNITS`.
    unit : str, optional
        Force this display unit (a label of ``UNITS[kind]``, e.g. ``"EH/s"``); by default the
        largest unit not above ``value``.
    digits : int
        Significant digits.

    Examples
    --------
    >>> format_quantity(5e9, "power")
    '5 GW'
    >>> format_quantity(200e12, "hashrate", unit="EH/s")
    '0.0002 EH/s'
    >>> format_quantity(1.14e14, "si")
    '114 T'
    """
    if math.isnan(value):
        return MISSING
    label, size = (unit, _size_of(kind, unit)) if unit is not None else pick_unit(kind, value)
    number = format_number(value / size, digits)
    return f"{number} {label}" if label else number


def format_hashrate(hashrate_hs: float, *, unit: str | None = None, digits: int = 4) -> str:
    """A hashrate [H/s] in TH/s, PH/s, EH/s …

    Examples
    --------
    >>> format_hashrate(5e9 / 17.5 * 1e12)  # 5 GW of machines at 17.5 J/TH
    '285.7 EH/s'
    >>> format_hashrate(200e12)  # one Antminer S21
    '200 TH/s'
    >>> format_hashrate(33e18, unit="PH/s")
    '33,000 PH/s'
    """
    return format_quantity(hashrate_hs, "hashrate", unit=unit, digits=digits)


def format_power(power_w: float, *, unit: str | None = None, digits: int = 4) -> str:
    """A power [W] in kW, MW, GW …

    Examples
    --------
    >>> format_power(5e9)
    '5 GW'
    >>> format_power(3_500.0)  # one Antminer S21
    '3.5 kW'
    >>> format_power(750e6, unit="GW")
    '0.75 GW'
    """
    return format_quantity(power_w, "power", unit=unit, digits=digits)


def format_energy(energy_kwh: float, *, unit: str | None = None, digits: int = 4) -> str:
    """An energy [kWh] in MWh, GWh, TWh …

    Examples
    --------
    >>> format_energy(43.83e9)  # 5 GW for a year of 8,766 h
    '43.83 TWh'
    >>> format_energy(3.5 * 24)  # one Antminer S21 for a day
    '84 kWh'
    """
    return format_quantity(energy_kwh, "energy", unit=unit, digits=digits)


def format_co2(co2_kg: float, *, unit: str | None = None, digits: int = 4) -> str:
    """A mass of CO2 [kg] in t, kt, Mt, Gt of CO2.

    Examples
    --------
    >>> format_co2(43.83e9 * 0.95)  # 43.83 TWh at 950 g/kWh
    '41.64 Mt CO2e'
    >>> format_co2(850.0)
    '850 kg CO2e'
    """
    return format_quantity(co2_kg, "co2", unit=unit, digits=digits)


def format_usd(usd: float, *, unit: str | None = None, digits: int = 4) -> str:
    """An amount of money [USD]: in full below a million, then with ``M``, ``B``, ``T``.

    Examples
    --------
    >>> format_usd(97_500)
    '97,500 USD'
    >>> format_usd(4.4998e9)  # 1,667,000 machines at 2,699 USD
    '4.5 B USD'
    >>> format_usd(-350e6)
    '-350 M USD'
    """
    return format_quantity(usd, "usd", unit=unit, digits=digits)


def format_count(count: float, *, digits: int = 4) -> str:
    """A number of things: in full below a million, then with ``M`` or ``B``.

    Examples
    --------
    >>> format_count(1_666_667)
    '1.667 M'
    >>> format_count(12_500)
    '12,500'
    """
    return format_quantity(count, "count", digits=digits)


def format_btc(btc: float, *, digits: int = 4) -> str:
    """An amount of bitcoin [BTC].

    Examples
    --------
    >>> format_btc(1234.56)
    '1,235 BTC'
    >>> format_btc(3.125)  # the block subsidy since April 2024
    '3.125 BTC'
    """
    return f"{format_number(btc, digits)} BTC" if not math.isnan(btc) else MISSING


def format_percent(share_frac: float, *, digits: int = 3) -> str:
    """A fraction (0–1) as a percentage.

    Examples
    --------
    >>> format_percent(0.28571)
    '28.6 %'
    >>> format_percent(0.5)
    '50 %'
    >>> format_percent(0.000123)
    '0.0123 %'
    """
    return f"{format_number(share_frac * 100, digits)} %" if not math.isnan(share_frac) else MISSING


def format_range(low: str, high: str) -> str:
    """Two formatted bounds joined by an en dash (units written once, at the end).

    Examples
    --------
    >>> format_range("1,100 BTC", "1,380 BTC")
    '1,100–1,380 BTC'
    >>> format_range("900 PH/s", "1.2 EH/s")
    '900 PH/s–1.2 EH/s'
    >>> format_range("n/a", "n/a")
    'n/a'
    """
    if low == high == MISSING:
        return MISSING
    low_number, _, low_unit = low.partition(" ")
    high_number, _, high_unit = high.partition(" ")
    if low_unit and low_unit == high_unit:
        return f"{low_number}–{high_number} {high_unit}"
    return f"{low}–{high}"


def format_factor(stated: float, computed: float) -> str:
    """How far ``stated`` is from ``computed``, in words.

    Examples
    --------
    >>> format_factor(33e18, 285.7e18)  # "5 GW = 33 EH/s" against 5 GW / 17.5 J/TH
    'off by a factor of 8.7 (the claim is too low)'
    >>> format_factor(1800.0, 180.0)
    'off by a factor of 10 (the claim is too high)'
    >>> format_factor(100.0, 112.0)
    'the computed figure is 12 % higher'
    >>> format_factor(0.0, 5.0)
    'the claim is 0, the computed figure is not'
    """
    if math.isnan(stated) or math.isnan(computed):
        return "one of the figures is missing"
    if stated == computed:
        return "the figures are equal"
    if stated == 0:
        return "the claim is 0, the computed figure is not"
    if computed == 0:
        return "the computed figure is 0, the claim is not"
    ratio = computed / stated
    if ratio < 0:
        return "the figures have opposite signs"
    if ratio >= 2 or ratio <= 0.5:
        factor = max(ratio, 1 / ratio)
        side = "low" if ratio > 1 else "high"
        return f"off by a factor of {format_number(factor, 2)} (the claim is too {side})"
    word = "higher" if ratio > 1 else "lower"
    return f"the computed figure is {format_percent(abs(ratio - 1), digits=2)} {word}"
