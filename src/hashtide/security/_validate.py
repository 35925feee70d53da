"""Argument checks shared by the security modules: each names the argument and its value."""

from __future__ import annotations

import math
import numbers

from hashtide.errors import InvalidInputError


def real(name: str, value: object) -> float:
    """``value`` as a finite float, or an error naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidInputError(f"{name}={value!r} must be a real number")
    number = float(value)
    if not math.isfinite(number):
        raise InvalidInputError(f"{name}={value!r} must be a finite number")
    return number


def fraction(
    name: str, value: object, *, upper: float = 1.0, upper_open: bool = False, what: str = ""
) -> float:
    """A share in ``[0, upper]`` (or ``[0, upper)``), e.g. ``q`` or ``alpha``."""
    number = real(name, value)
    bracket = ")" if upper_open else "]"
    too_high = number >= upper if upper_open else number > upper
    if number < 0 or too_high:
        explain = f" ({what})" if what else ""
        raise InvalidInputError(
            f"{name}={value!r} must be in [0, {upper:g}{bracket}{explain}; shares are fractions "
            "(0.3 for 30 %), not percent"
        )
    return number


def count(name: str, value: object, *, minimum: int = 0) -> int:
    """A whole number ``>= minimum`` (``bool`` and non-integral floats are refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidInputError(f"{name}={value!r} must be an integer >= {minimum}")
    number = int(value)
    if number < minimum:
        raise InvalidInputError(f"{name}={value!r} must be an integer >= {minimum}")
    return number


def positive(name: str, value: object, *, allow_zero: bool = False, unit: str = "") -> float:
    """A finite number ``> 0`` (or ``>= 0``)."""
    number = real(name, value)
    if number < 0 or (number == 0 and not allow_zero):
        sign = ">= 0" if allow_zero else "> 0"
        suffix = f" [{unit}]" if unit else ""
        raise InvalidInputError(f"{name}={value!r} must be {sign}{suffix}")
    return number
