"""Availability profiles: the fraction of a site's capacity that mining may use at each moment.

A profile maps times (``time_s``: seconds since 1970-01-01 UTC, float or numpy array) to a
fraction in [0, 1]. Each kind models one energy situation named in the state-program analysis
(seed 002, §2.1): a retired plant that runs flat out, hydro with wet and dry seasons, nuclear
surplus at night and at weekends, flare gas that declines as a field depletes, and backup
generators limited to a number of hours a year.

Profiles are frozen dataclasses with a vectorised ``availability_frac(time_s)`` and a
``mean_frac(start_s, end_s)`` computed on an hourly grid, so the engine can integrate them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from hashtide.errors import InvalidInputError
from hashtide.units import SECONDS_PER_DAY, SECONDS_PER_HOUR, SECONDS_PER_YEAR

FloatArray = npt.NDArray[np.float64]

#: 1970-01-01 was a Thursday: day index 0 → weekday 3 (Monday = 0).
_EPOCH_WEEKDAY = 3
_HOURS_PER_YEAR = 8_766.0  # 365.25 days, as units.SECONDS_PER_YEAR


def _fraction(name: str, value: float) -> None:
    if isinstance(value, bool) or not (isinstance(value, int | float) and 0.0 <= value <= 1.0):
        raise InvalidInputError(f"{name}={value!r} must be a fraction in [0, 1]")


@runtime_checkable
class AvailabilityProfile(Protocol):
    """Anything with a vectorised availability function of time."""

    def availability_frac(self, time_s: FloatArray) -> FloatArray:
        """Available share of capacity at each time [0–1]."""
        ...


def mean_availability_frac(
    profile: AvailabilityProfile, start_s: float, end_s: float, *, step_s: float = SECONDS_PER_HOUR
) -> float:
    """Time-average of a profile over [start_s, end_s), sampled every ``step_s`` (midpoints)."""
    if not end_s > start_s:
        raise InvalidInputError(f"end_s={end_s!r} must be after start_s={start_s!r}")
    n = max(1, int(np.ceil((end_s - start_s) / step_s)))
    edges = np.linspace(start_s, end_s, n + 1)
    mids = 0.5 * (edges[:-1] + edges[1:])
    return float(np.mean(profile.availability_frac(mids)))


@dataclass(frozen=True, kw_only=True)
class Constant:
    """The same share all the time, e.g. a restarted coal plant at its capacity factor.

    Examples
    --------
    >>> float(Constant(frac=0.9).availability_frac(np.array([0.0]))[0])
    0.9
    """

    frac: float = 1.0

    def __post_init__(self) -> None:
        _fraction("frac", self.frac)

    def availability_frac(self, time_s: FloatArray) -> FloatArray:
        return np.full(np.shape(time_s), self.frac, dtype=float)


@dataclass(frozen=True, kw_only=True)
class Monthly:
    """A share per calendar month (UTC), e.g. hydro: high in the wet season, low in the dry.

    ``fracs`` holds 12 values, January first.
    """

    fracs: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.fracs) != 12:
            raise InvalidInputError(f"fracs has {len(self.fracs)} values; give 12, January first")
        for i, value in enumerate(self.fracs):
            _fraction(f"fracs[{i}]", value)

    def availability_frac(self, time_s: FloatArray) -> FloatArray:
        months = np.asarray(time_s, dtype="datetime64[s]").astype("datetime64[M]")
        index = (months.astype(np.int64) % 12).astype(np.int64)
        return np.asarray(self.fracs, dtype=float)[index]


@dataclass(frozen=True, kw_only=True)
class OffPeak:
    """Surplus at night and at weekends, e.g. a nuclear plant whose output exceeds demand.

    Parameters
    ----------
    night_start_h, night_end_h : float
        Local hours of the nightly off-peak window (22 → 6 wraps past midnight).
    weekends : bool
        Whether all of Saturday and Sunday are off-peak.
    utc_offset_h : float
        Local time = UTC + offset [h], fixed (no daylight saving), e.g. −5 for US Eastern.
    peak_frac : float
        Share available outside off-peak hours (0 = none).
    """

    night_start_h: float = 22.0
    night_end_h: float = 6.0
    weekends: bool = True
    utc_offset_h: float = 0.0
    peak_frac: float = 0.0

    def __post_init__(self) -> None:
        for name in ("night_start_h", "night_end_h"):
            value = getattr(self, name)
            if not 0.0 <= value <= 24.0:
                raise InvalidInputError(f"{name}={value!r} must be an hour in [0, 24]")
        if not -14.0 <= self.utc_offset_h <= 14.0:
            raise InvalidInputError(f"utc_offset_h={self.utc_offset_h!r} must be in [-14, 14]")
        _fraction("peak_frac", self.peak_frac)

    def availability_frac(self, time_s: FloatArray) -> FloatArray:
        local = np.asarray(time_s, dtype=float) + self.utc_offset_h * SECONDS_PER_HOUR
        day = np.floor(local / SECONDS_PER_DAY)
        hour = (local - day * SECONDS_PER_DAY) / SECONDS_PER_HOUR
        start, end = self.night_start_h, self.night_end_h
        night = (hour >= start) | (hour < end) if start > end else (hour >= start) & (hour < end)
        off_peak = night
        if self.weekends:
            weekday = (day.astype(np.int64) + _EPOCH_WEEKDAY) % 7
            off_peak = off_peak | (weekday >= 5)
        return np.where(off_peak, 1.0, self.peak_frac)


@dataclass(frozen=True, kw_only=True)
class Declining:
    """Flat for a plateau, then declining exponentially, e.g. associated gas of an oil field.

    ``frac(t) = start_frac`` until ``start_s + plateau_years``, then
    ``start_frac · (1 − decline_frac_per_year) ** years_since_plateau``.
    """

    start_s: float
    start_frac: float = 1.0
    plateau_years: float = 0.0
    decline_frac_per_year: float = 0.0

    def __post_init__(self) -> None:
        _fraction("start_frac", self.start_frac)
        if not 0.0 <= self.decline_frac_per_year < 1.0:
            raise InvalidInputError(
                f"decline_frac_per_year={self.decline_frac_per_year!r} must be in [0, 1)"
            )
        if self.plateau_years < 0:
            raise InvalidInputError(f"plateau_years={self.plateau_years!r} must be >= 0")

    def availability_frac(self, time_s: FloatArray) -> FloatArray:
        years = (np.asarray(time_s, dtype=float) - self.start_s) / SECONDS_PER_YEAR
        declining = np.clip(years - self.plateau_years, 0.0, None)
        value = self.start_frac * (1.0 - self.decline_frac_per_year) ** declining
        return np.where(years < 0, 0.0, value)


@dataclass(frozen=True, kw_only=True)
class LimitedHours:
    """At most ``hours_per_year`` of full output, e.g. military backup generators.

    Modelled as their average share, ``hours_per_year / 8,766`` (a 365.25-day year): the
    engine integrates hashrate over an epoch, so only the mean matters there. Which hours are
    used (the dearest grid hours, say) changes revenue by the hashprice of those hours, which is
    constant within an epoch.
    """

    hours_per_year: float

    def __post_init__(self) -> None:
        if not 0.0 <= self.hours_per_year <= _HOURS_PER_YEAR:
            raise InvalidInputError(
                f"hours_per_year={self.hours_per_year!r} must be in [0, {_HOURS_PER_YEAR:,.0f}]"
            )

    def availability_frac(self, time_s: FloatArray) -> FloatArray:
        return np.full(np.shape(time_s), self.hours_per_year / _HOURS_PER_YEAR, dtype=float)
