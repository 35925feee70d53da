"""Argument checks for the library's public functions: one rule for numbers everywhere.

* A real number is a finite ``int``/``float``/numpy number; ``bool`` is not a number.
* An integer is an ``int`` or a numpy integer (returned as a Python ``int``, so exact integer
  arithmetic stays exact); ``bool`` and integral floats (``1.0``) are not integers.
* A sequence of numbers is non-empty, one-dimensional and finite.

Each check names the argument and its value in an :class:`~hashtide.errors.InvalidInputError`.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
import numpy.typing as npt

from hashtide.errors import InvalidInputError

FloatArray = npt.NDArray[np.float64]


def integer(name: str, value: object, *, minimum: int | None = None, what: str = "") -> int:
    """``value`` as a Python ``int`` (``int`` or numpy integer, not ``bool``), ``>= minimum``."""
    bound = f" >= {minimum}" if minimum is not None else ""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise InvalidInputError(f"{name}={value!r} must be {what or 'an integer'}{bound}")
    number = int(value)
    if minimum is not None and number < minimum:
        raise InvalidInputError(f"{name}={value!r} must be {what or 'an integer'}{bound}")
    return number


def real(name: str, value: object) -> float:
    """``value`` as a finite ``float`` (``bool``, text, ``None``, NaN and infinities refused)."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise InvalidInputError(f"{name}={value!r} must be a real number")
    number = float(value)
    if not math.isfinite(number):
        raise InvalidInputError(f"{name}={value!r} must be a finite number")
    return number


def reals(name: str, value: Any, *, empty: bool = True, finite: bool = True) -> FloatArray:
    """A number or array of numbers as a float array: finite, not ``bool``, not text.

    ``empty=False`` also refuses an empty array; ``finite=False`` leaves NaN and infinities to
    the caller's own check.
    """
    if isinstance(value, bool | np.bool_ | str | bytes) or value is None:
        raise InvalidInputError(f"{name}={value!r} must be a number or an array of numbers")
    try:
        raw = np.asarray(value)
        if raw.dtype.kind not in "iuf":
            raise TypeError(raw.dtype)
        array = raw.astype(float)
    except (TypeError, ValueError):
        raise InvalidInputError(
            f"{name}={_short(value)} must be a number or an array of numbers"
        ) from None
    if not empty and array.size == 0:
        raise InvalidInputError(f"{name} is empty; give at least one value")
    if finite and not np.all(np.isfinite(array)):
        raise InvalidInputError(f"{name}={_short(value)} must be finite (no NaN or inf)")
    return array


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"
