"""Fleets of ASIC machines: vintages with a count, a deployment date, a lifetime and derating.

Time convention: the vectorised methods take ``time_s``, seconds since 1970-01-01 00:00 UTC as
a float or an array of floats (the convention of ``*_time_s`` columns across hashtide).
User-facing dates (``Vintage.deployed``) are tz-aware datetimes; :func:`utc_seconds` converts
tz-aware datetimes to ``time_s``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from numbers import Integral
from typing import Any, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashtide.errors import InvalidInputError
from hashtide.hardware.catalog import get_model
from hashtide.hardware.model import MinerModel, _is_real
from hashtide.units import HS_PER_THS, SECONDS_PER_YEAR

#: Default service life of a machine [years]. CBECI counts a machine in its estimates from its
#: release until five years later (``relativedelta(years=5)`` in ``_get_equipment_list``,
#: ``api/components/energy_consumption/energy_consumption_service.py``, CambridgeAltFin/
#: ccaf_cbeci_api, commit 1109430677567f3b89404fb76736e83013a8ab8a).
DEFAULT_LIFETIME_YEARS = 5.0

FloatArray = npt.NDArray[np.float64]
#: An array (or sequence) of times, seconds since 1970-01-01 UTC.
TimesS = npt.NDArray[Any] | Sequence[float]

_TIME_HINT = (
    "must be seconds since 1970-01-01 UTC (a float or an array of floats); "
    "convert tz-aware datetimes with hashtide.hardware.utc_seconds()"
)


@overload
def utc_seconds(when: dt.datetime) -> float: ...


@overload
def utc_seconds(
    when: Sequence[dt.datetime] | pd.DatetimeIndex | pd.Series[pd.Timestamp],
) -> FloatArray: ...


def utc_seconds(
    when: dt.datetime | Sequence[dt.datetime] | pd.DatetimeIndex | pd.Series[pd.Timestamp],
) -> float | FloatArray:
    """Seconds since 1970-01-01 00:00 UTC of tz-aware datetimes.

    Parameters
    ----------
    when : datetime, sequence of datetimes, pandas.DatetimeIndex or Series
        Tz-aware times (any zone). Naive times are refused: their zone is unknown.

    Returns
    -------
    float or numpy.ndarray
        ``time_s`` [s], a float for one datetime, else a float64 array.

    Examples
    --------
    >>> utc_seconds(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    1704067200.0
    """
    if isinstance(when, dt.datetime):
        if when.utcoffset() is None:
            raise InvalidInputError(f"when={when!r} must be tz-aware (e.g. tzinfo=UTC)")
        return when.timestamp()
    try:
        index = pd.DatetimeIndex(
            when if isinstance(when, pd.Series | pd.DatetimeIndex) else list(when)
        )
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"when={when!r} must be tz-aware datetimes: {exc}") from exc
    if index.tz is None:
        raise InvalidInputError("when holds naive datetimes; they must be tz-aware (UTC)")
    seconds = (index - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(1, unit="s")
    return np.asarray(seconds, dtype=np.float64)


def _times(time_s: object) -> tuple[FloatArray, bool]:
    """``time_s`` as a float64 array, and whether it was a scalar."""
    if isinstance(time_s, dt.date | np.datetime64):
        raise InvalidInputError(f"time_s={time_s!r} {_TIME_HINT}")
    array = np.asarray(time_s)
    if array.dtype.kind not in "iuf":
        raise InvalidInputError(f"time_s of dtype {array.dtype} {_TIME_HINT}")
    values = array.astype(np.float64)
    if not np.isfinite(values).all():
        raise InvalidInputError(f"time_s holds NaN or infinite values; it {_TIME_HINT}")
    return values, values.ndim == 0


def _result(values: FloatArray, scalar: bool) -> float | FloatArray:
    return float(values) if scalar else values


def _fraction(value: float) -> Fraction:
    """The decimal value as written (``1.1`` is 11/10, not the nearest binary float)."""
    return Fraction(repr(float(value)))


@dataclass(frozen=True, kw_only=True)
class Vintage:
    """A batch of identical machines deployed together.

    Parameters
    ----------
    model : MinerModel
        The machine, e.g. ``get_model("Antminer S21")``.
    count : int
        Number of machines [machines], >= 0.
    deployed : datetime
        When they start hashing; tz-aware (stored in UTC).
    lifetime_years : float
        Service life [years] of 365.25 days; they stop at ``deployed + lifetime_years``.
        Default :data:`DEFAULT_LIFETIME_YEARS` (5, as CBECI assumes).
    derate_frac : float
        Fraction of nameplate hashrate lost per year of age [1/year], 0 … 1. Default 0 (no
        published fleet-wide figure; set it from your own data).
    availability_frac : float
        Mean fraction of time the machines run (uptime), 0 … 1. Default 1.

    Notes
    -----
    With age :math:`a = (t - t_0)/\\text{year}`, for :math:`t_0 \\le t < t_0 + L`:

    .. math::

        H(t) = n\\,h\\,u\\,\\max(0, 1 - d\\,a), \\qquad P(t) = n\\,p\\,u,

    and both are 0 outside that interval (before deployment, after retirement). Derating is
    linear and lowers hashrate only: a worn machine is taken to draw its nameplate power, so
    its J/TH rises with age. Availability scales hashrate and power alike.

    Examples
    --------
    >>> import datetime as dt
    >>> from hashtide.hardware import get_model, utc_seconds
    >>> batch = Vintage(
    ...     model=get_model("Antminer S21"),
    ...     count=1000,
    ...     deployed=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    ...     derate_frac=0.1,
    ... )
    >>> t = utc_seconds(dt.datetime(2024, 1, 1, tzinfo=dt.UTC)) + 2 * 365.25 * 86_400
    >>> round(batch.hashrate_hs(t) / 1e15, 6)  # PH/s: 1000 × 200 TH/s × (1 − 0.1 × 2 years)
    160.0
    >>> batch.power_w(t)
    3500000.0
    >>> batch.power_w(t + 3 * 365.25 * 86_400)  # retired after 5 years
    0.0
    """

    model: MinerModel
    count: int
    deployed: dt.datetime
    lifetime_years: float = DEFAULT_LIFETIME_YEARS
    derate_frac: float = 0.0
    availability_frac: float = 1.0

    def __post_init__(self) -> None:
        problems = []
        model: object = self.model  # checked at run time whatever the annotations say
        count: object = self.count
        if not isinstance(model, MinerModel):
            problems.append(
                f"model={model!r} must be a MinerModel "
                "(hashtide.hardware.get_model(name) or MinerModel(...))"
            )
        if isinstance(count, bool) or not isinstance(count, Integral) or int(count) < 0:
            problems.append(f"count={count!r} must be an integer >= 0 [machines]")
        if not isinstance(self.deployed, dt.datetime) or self.deployed.utcoffset() is None:
            problems.append(
                f"deployed={self.deployed!r} must be a tz-aware datetime, "
                "e.g. datetime(2024, 1, 1, tzinfo=UTC)"
            )
        value = self.lifetime_years
        if not _is_real(value) or not math.isfinite(value) or value <= 0:
            problems.append(f"lifetime_years={value!r} must be a finite number > 0 [years]")
        for name, unit in (("derate_frac", "1/year"), ("availability_frac", "fraction")):
            value = getattr(self, name)
            if not _is_real(value) or not 0 <= value <= 1:
                problems.append(f"{name}={value!r} must be between 0 and 1 [{unit}]")
        if problems:
            raise InvalidInputError("invalid Vintage:\n  " + "\n  ".join(problems))
        object.__setattr__(self, "count", int(self.count))
        object.__setattr__(self, "deployed", self.deployed.astimezone(dt.UTC))
        for name in ("lifetime_years", "derate_frac", "availability_frac"):
            object.__setattr__(self, name, float(getattr(self, name)))

    @property
    def deployed_s(self) -> float:
        """Deployment time [s since 1970-01-01 UTC]."""
        return self.deployed.timestamp()

    @property
    def retired_s(self) -> float:
        """Retirement time [s since 1970-01-01 UTC]: deployment + lifetime."""
        return self.deployed_s + self.lifetime_years * SECONDS_PER_YEAR

    def _running(self, time_s: FloatArray) -> npt.NDArray[np.bool_]:
        return (time_s >= self.deployed_s) & (time_s < self.retired_s)

    def _hashrate_hs(self, time_s: FloatArray) -> FloatArray:
        age_years = (time_s - self.deployed_s) / SECONDS_PER_YEAR
        remaining = np.clip(1.0 - self.derate_frac * age_years, 0.0, 1.0)
        per_machine_hs = self.model.hashrate_hs * self.availability_frac
        return np.where(self._running(time_s), self.count * per_machine_hs * remaining, 0.0)

    def _power_w(self, time_s: FloatArray) -> FloatArray:
        per_machine_w = self.model.power_w * self.availability_frac
        return np.where(self._running(time_s), self.count * per_machine_w, 0.0)

    @overload
    def hashrate_hs(self, time_s: float) -> float: ...
    @overload
    def hashrate_hs(self, time_s: TimesS) -> FloatArray: ...
    def hashrate_hs(self, time_s: float | TimesS) -> float | FloatArray:
        """Mean hashrate of the batch [H/s] at ``time_s`` [s since 1970-01-01 UTC]."""
        values, scalar = _times(time_s)
        return _result(self._hashrate_hs(values), scalar)

    @overload
    def power_w(self, time_s: float) -> float: ...
    @overload
    def power_w(self, time_s: TimesS) -> FloatArray: ...
    def power_w(self, time_s: float | TimesS) -> float | FloatArray:
        """Mean power the batch draws [W] at ``time_s`` [s since 1970-01-01 UTC]."""
        values, scalar = _times(time_s)
        return _result(self._power_w(values), scalar)


@dataclass(frozen=True, kw_only=True)
class Fleet:
    """Machines of several vintages, summed.

    Parameters
    ----------
    vintages : tuple of Vintage
        The batches (a list is accepted and stored as a tuple).

    Notes
    -----
    Hashrate and power are sums over vintages; the fleet efficiency is their ratio,
    :math:`\\sum_i P_i / \\sum_i H_i` [J/TH] (a hashrate-weighted mean of the vintages' J/TH).
    Power is the machines' own (IT) power; the facility draws ``power_w × PUE``.

    Examples
    --------
    >>> import datetime as dt
    >>> from hashtide.hardware import get_model
    >>> start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    >>> fleet = Fleet(vintages=(
    ...     Vintage(model=get_model("S21"), count=1, deployed=start),
    ...     Vintage(model=get_model("S19 Pro"), count=1, deployed=start),
    ... ))
    >>> round(fleet.efficiency_j_per_th(start.timestamp()), 4)  # (3500 + 3250) W / 310 TH/s
    21.7742
    """

    vintages: tuple[Vintage, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.vintages, list | tuple):
            raise InvalidInputError(
                f"invalid Fleet:\n  vintages={self.vintages!r} must be a tuple of Vintage"
            )
        problems = [
            f"vintages[{i}]={vintage!r} must be a Vintage"
            for i, vintage in enumerate(self.vintages)
            if not isinstance(vintage, Vintage)
        ]
        if problems:
            raise InvalidInputError("invalid Fleet:\n  " + "\n  ".join(problems))
        object.__setattr__(self, "vintages", tuple(self.vintages))

    @classmethod
    def from_power(
        cls,
        model: MinerModel | str,
        *,
        power_w: float,
        deployed: dt.datetime,
        pue: float = 1.0,
        lifetime_years: float = DEFAULT_LIFETIME_YEARS,
        derate_frac: float = 0.0,
        availability_frac: float = 1.0,
    ) -> Fleet:
        """The one-vintage fleet whose facility power (IT power × PUE) fits ``power_w``.

        Parameters
        ----------
        model : MinerModel or str
            The machine, or its catalog name.
        power_w : float
            Facility power budget [W], e.g. ``5e9`` for 5 GW.
        deployed : datetime
            Deployment time, tz-aware.
        pue : float
            Power usage effectiveness, facility power / IT power, >= 1 [-].
        lifetime_years, derate_frac, availability_frac
            As in :class:`Vintage`.

        Returns
        -------
        Fleet

        Notes
        -----
        Machine count :math:`n = \\lfloor P_\\text{facility} / (\\text{PUE} \\cdot p) \\rfloor`:
        rounded down, because a fraction of a machine beyond the budget cannot be powered.
        The quotient is computed exactly from the decimal values as written, so
        ``11550 W / (1.1 × 3500 W)`` is 3 machines, not 2. The budget is for nameplate power:
        availability lowers the mean draw, not the number of machines.

        Examples
        --------
        >>> import datetime as dt
        >>> start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        >>> fleet = Fleet.from_power("Antminer S21", power_w=5e9, pue=1.0, deployed=start)
        >>> fleet.count
        1428571
        >>> round(fleet.hashrate_hs(start.timestamp()) / 1e18, 1)  # EH/s
        285.7
        """
        if isinstance(model, str):
            model = get_model(model)
        problems = []
        candidate: object = model  # checked at run time whatever the annotations say
        if not isinstance(candidate, MinerModel):
            problems.append(f"model={candidate!r} must be a MinerModel or a catalog model name")
        if not _is_real(power_w) or not math.isfinite(power_w) or power_w <= 0:
            problems.append(f"power_w={power_w!r} must be a finite number > 0 [W]")
        if not _is_real(pue) or not math.isfinite(pue) or pue < 1:
            problems.append(f"pue={pue!r} must be a finite number >= 1 [-]")
        if problems:
            raise InvalidInputError("invalid Fleet.from_power:\n  " + "\n  ".join(problems))
        per_machine = _fraction(pue) * _fraction(model.power_w)
        count = math.floor(_fraction(power_w) / per_machine)
        if count == 0:
            raise InvalidInputError(
                f"power_w={power_w!r} W at pue={pue!r} does not power one {model.model} "
                f"({model.power_w:g} W × PUE = {float(per_machine):g} W); "
                "is the unit right? (5 GW is 5e9 W)"
            )
        vintage = Vintage(
            model=model,
            count=count,
            deployed=deployed,
            lifetime_years=lifetime_years,
            derate_frac=derate_frac,
            availability_frac=availability_frac,
        )
        return cls(vintages=(vintage,))

    @property
    def count(self) -> int:
        """Machines in all vintages [machines] (running or not)."""
        return sum(vintage.count for vintage in self.vintages)

    def _sum(self, name: str, time_s: FloatArray) -> FloatArray:
        total = np.zeros_like(time_s)
        for vintage in self.vintages:
            total = total + getattr(vintage, name)(time_s)
        return total

    @overload
    def hashrate_hs(self, time_s: float) -> float: ...
    @overload
    def hashrate_hs(self, time_s: TimesS) -> FloatArray: ...
    def hashrate_hs(self, time_s: float | TimesS) -> float | FloatArray:
        """Fleet hashrate [H/s] at ``time_s`` [s since 1970-01-01 UTC]."""
        values, scalar = _times(time_s)
        return _result(self._sum("_hashrate_hs", values), scalar)

    @overload
    def power_w(self, time_s: float) -> float: ...
    @overload
    def power_w(self, time_s: TimesS) -> FloatArray: ...
    def power_w(self, time_s: float | TimesS) -> float | FloatArray:
        """Fleet (IT) power [W] at ``time_s`` [s since 1970-01-01 UTC]."""
        values, scalar = _times(time_s)
        return _result(self._sum("_power_w", values), scalar)

    @overload
    def efficiency_j_per_th(self, time_s: float) -> float: ...
    @overload
    def efficiency_j_per_th(self, time_s: TimesS) -> FloatArray: ...
    def efficiency_j_per_th(self, time_s: float | TimesS) -> float | FloatArray:
        """Fleet-average efficiency [J/TH] at ``time_s``: total power / total hashrate.

        NaN where nothing runs; infinite where machines draw power but derating has taken all
        their hashrate.
        """
        values, scalar = _times(time_s)
        hashrate_ths = self._sum("_hashrate_hs", values) / HS_PER_THS
        power_w = self._sum("_power_w", values)
        with np.errstate(divide="ignore", invalid="ignore"):
            efficiency = power_w / hashrate_ths
        return _result(np.asarray(efficiency, dtype=np.float64), scalar)
