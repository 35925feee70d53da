"""What a simulation starts from and what drives it: start point, actors, events, fees, horizon.

Plain, frozen, keyword-only dataclasses. Times are seconds since 1970-01-01 UTC (``*_time_s``,
floats; block header times derived from them are integers), hashrates are H/s, amounts are
satoshis (Python ints). Every check runs at construction and names the offending actor, time and
value.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hashtide.errors import InvalidInputError
from hashtide.protocol import MAINNET, ChainParams, bits_to_target
from hashtide.units import SECONDS_PER_DAY, SECONDS_PER_YEAR

#: How a trajectory runs between its knots: held (``"step"``) or interpolated (``"linear"``).
Interpolation: TypeAlias = Literal["step", "linear"]
_INTERPOLATIONS = ("step", "linear")


def format_time_s(time_s: float) -> str:
    """Render seconds since 1970 as ISO-8601 UTC (``2031-05-01T00:00:00Z``) for messages."""
    if not math.isfinite(time_s):
        return repr(time_s)
    try:
        moment = datetime.fromtimestamp(time_s, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return f"{time_s!r} s"
    text = moment.isoformat(timespec="seconds" if time_s == int(time_s) else "milliseconds")
    return text.replace("+00:00", "Z")


def to_time_s(moment: datetime | float | int) -> float:
    """Seconds since 1970-01-01 UTC of a tz-aware datetime (numbers pass through as floats).

    Raises
    ------
    InvalidInputError
        For a naive datetime (its time zone would be a guess).
    """
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            raise InvalidInputError(f"moment={moment!r} is naive; give a tz-aware (UTC) time")
        return moment.timestamp()
    return float(moment)


def _float_array(name: str, values: ArrayLike, ndim: int) -> NDArray[np.float64]:
    try:
        array = np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{name} must be numbers: {exc}") from exc
    if array.ndim != ndim:
        raise InvalidInputError(f"{name} must be {ndim}-dimensional, got shape {array.shape}")
    array.setflags(write=False)
    return array


def _check_times(name: str, times_s: NDArray[np.float64]) -> None:
    if times_s.size == 0:
        raise InvalidInputError(f"{name} must hold at least one time")
    bad = np.flatnonzero(~np.isfinite(times_s))
    if bad.size:
        raise InvalidInputError(f"{name}[{bad[0]}] = {times_s[bad[0]]!r} must be a finite time [s]")
    steps = np.flatnonzero(np.diff(times_s) <= 0)
    if steps.size:
        k = int(steps[0])
        raise InvalidInputError(
            f"{name} must increase strictly: {name}[{k + 1}] = {format_time_s(times_s[k + 1])} "
            f"is not after {name}[{k}] = {format_time_s(times_s[k])}"
        )


def check_hashrates(values: NDArray[np.float64], times_s: NDArray[np.float64], *, who: str) -> None:
    """Raise if any hashrate is NaN, infinite or negative, naming ``who``, the time and value.

    ``values`` has the knots on its last axis; ``who`` describes the owner (``actor 'a'``).
    """
    bad = ~np.isfinite(values) | (values < 0)
    if not bad.any():
        return
    index = np.unravel_index(int(np.flatnonzero(bad)[0]), values.shape)
    knot = int(index[-1])
    raise InvalidInputError(
        f"{who}: hashrate_hs = {float(values[index])!r} at {format_time_s(times_s[knot])} "
        f"(knot {knot}) must be a finite number >= 0 [H/s]"
    )


@dataclass(frozen=True, kw_only=True, eq=False)
class Trajectory:
    """A hashrate that varies in time: values at knots, held or interpolated between them.

    Parameters
    ----------
    times_s : array_like of float
        Knot times [s since 1970 UTC], strictly increasing, at least one.
    hashrate_hs : array_like of float
        Hashrate at each knot [H/s]; checked (finite, >= 0) when an :class:`Actor` uses it, so
        that the error can name the actor.
    interpolation : {"linear", "step"}
        ``"linear"``: straight lines between knots; ``"step"``: each value holds until the next
        knot. Before the first knot the first value holds, after the last knot the last value.

    Notes
    -----
    The engine integrates these exactly: on a linear piece the work ``∫H dt`` is quadratic in
    time and is inverted in closed form, so a piecewise-linear trajectory is simulated without
    discretisation error. Smooth curves (e.g. exponential growth) are sampled onto knots, see
    :meth:`exponential`.
    """

    times_s: NDArray[np.float64]
    hashrate_hs: NDArray[np.float64]
    interpolation: Interpolation = "linear"

    def __post_init__(self) -> None:
        times = _float_array("times_s", self.times_s, 1)
        values = _float_array("hashrate_hs", self.hashrate_hs, 1)
        _check_times("times_s", times)
        if values.shape != times.shape:
            raise InvalidInputError(
                f"hashrate_hs has {values.size} values for {times.size} times_s; "
                "give one value per knot"
            )
        if self.interpolation not in _INTERPOLATIONS:
            raise InvalidInputError(
                f"interpolation={self.interpolation!r} must be one of {_INTERPOLATIONS}"
            )
        object.__setattr__(self, "times_s", times)
        object.__setattr__(self, "hashrate_hs", values)

    @classmethod
    def constant(cls, hashrate_hs: float) -> Trajectory:
        """A hashrate that never changes [H/s]."""
        return cls(times_s=np.zeros(1), hashrate_hs=np.full(1, hashrate_hs), interpolation="step")

    @classmethod
    def exponential(
        cls,
        *,
        start_time_s: float,
        end_time_s: float,
        hashrate_hs: float,
        growth_per_year_frac: float,
        step_s: float = 7 * SECONDS_PER_DAY,
    ) -> Trajectory:
        """Constant relative growth, sampled on a regular grid and interpolated linearly.

        Parameters
        ----------
        start_time_s, end_time_s : float
            First and last knot [s since 1970 UTC]; the last value holds afterwards.
        hashrate_hs : float
            Hashrate at ``start_time_s`` [H/s].
        growth_per_year_frac : float
            Relative growth per Julian year (0.2 = +20 %/year; negative for decline, > -1).
        step_s : float
            Knot spacing [s] (default one week).

        Notes
        -----
        ``H(t) = H0 (1 + g)^((t - t0) / 1 yr)``. Linear interpolation between knots ``Δ`` apart
        overstates it by at most ``(ln(1 + g) Δ / 1 yr)^2 / 8`` relative (4e-6 for g = 0.3
        and weekly knots); the engine then simulates the piecewise-linear curve exactly.
        """
        if not end_time_s > start_time_s:
            raise InvalidInputError(
                f"end_time_s={format_time_s(end_time_s)} must be after "
                f"start_time_s={format_time_s(start_time_s)}"
            )
        if not (math.isfinite(growth_per_year_frac) and growth_per_year_frac > -1):
            raise InvalidInputError(f"growth_per_year_frac={growth_per_year_frac!r} must be > -1")
        if not step_s > 0:
            raise InvalidInputError(f"step_s={step_s!r} must be > 0 [s]")
        count = max(1, math.ceil((end_time_s - start_time_s) / step_s))
        times = np.linspace(start_time_s, end_time_s, count + 1)
        years = (times - start_time_s) / SECONDS_PER_YEAR
        # Python's float power (C pow) rather than numpy's, whose SIMD variants may differ in
        # the last bit between CPUs: the knots, and so the results, are then the same everywhere.
        values = [hashrate_hs * (1.0 + growth_per_year_frac) ** float(y) for y in years]
        return cls(times_s=times, hashrate_hs=np.array(values), interpolation="linear")

    def hashrate_at(self, time_s: float) -> float:
        """Hashrate at one moment [H/s] (the value just after ``time_s`` at a step).

        A plain scalar evaluation, used by the block-by-block reference mode.
        """
        times = self.times_s
        values = self.hashrate_hs
        k = int(np.searchsorted(times, time_s, side="right")) - 1
        if k < 0:
            return float(values[0])
        if k >= times.size - 1 or self.interpolation == "step":
            return float(values[k])
        frac = (time_s - times[k]) / (times[k + 1] - times[k])
        return float(values[k] + (values[k + 1] - values[k]) * frac)


@dataclass(frozen=True, kw_only=True, eq=False)
class Actor:
    """A miner, pool, fleet cohort or region: a name and its hashrate over time.

    Parameters
    ----------
    name : str
        Unique, non-empty.
    hashrate : Trajectory or None
        ``H_i(t)`` [H/s]. May be None only when a market model sets every epoch's hashrate.
    """

    name: str
    hashrate: Trajectory | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise InvalidInputError(f"name={self.name!r} must be a non-empty string")
        if self.hashrate is not None:
            if not isinstance(self.hashrate, Trajectory):
                raise InvalidInputError(
                    f"actor {self.name!r}: hashrate must be a Trajectory, "
                    f"got {type(self.hashrate).__name__}"
                )
            check_hashrates(
                self.hashrate.hashrate_hs, self.hashrate.times_s, who=f"actor {self.name!r}"
            )


@dataclass(frozen=True, kw_only=True)
class Event:
    """From ``time_s`` on, multiply an actor's hashrate by ``hashrate_factor``.

    ``hashrate_factor=0`` switches the actor off (a ban, a power cut); events on one actor
    compose by multiplication. They apply on top of a market model's hashrates too.
    """

    time_s: float
    actor: str
    hashrate_factor: float = 0.0

    def __post_init__(self) -> None:
        if not math.isfinite(self.time_s):
            raise InvalidInputError(f"event on {self.actor!r}: time_s={self.time_s!r} not finite")
        if not (math.isfinite(self.hashrate_factor) and self.hashrate_factor >= 0):
            raise InvalidInputError(
                f"event on {self.actor!r} at {format_time_s(self.time_s)}: "
                f"hashrate_factor={self.hashrate_factor!r} must be a finite number >= 0"
            )


@dataclass(frozen=True, kw_only=True, eq=False)
class FeeSchedule:
    """Transaction fees per block as a step function of time [sat].

    Parameters
    ----------
    times_s : array_like of float
        Times from which each value applies [s since 1970 UTC], strictly increasing; the first
        value also applies before the first time.
    fee_sat : sequence of int
        Fees collected by each block found in that stretch [sat].
    """

    times_s: NDArray[np.float64]
    fee_sat: tuple[int, ...]

    def __post_init__(self) -> None:
        times = _float_array("times_s", self.times_s, 1)
        _check_times("times_s", times)
        fees = tuple(self.fee_sat)
        if len(fees) != times.size:
            raise InvalidInputError(f"fee_sat has {len(fees)} values for {times.size} times_s")
        for k, fee in enumerate(fees):
            if isinstance(fee, bool) or not isinstance(fee, int | np.integer) or fee < 0:
                raise InvalidInputError(
                    f"fee_sat[{k}] = {fee!r} at {format_time_s(times[k])} must be an integer "
                    ">= 0 [sat]"
                )
        object.__setattr__(self, "times_s", times)
        object.__setattr__(self, "fee_sat", tuple(int(f) for f in fees))

    def fee_at(self, time_s: float) -> int:
        """Fee of a block found at ``time_s`` [sat]."""
        k = int(np.searchsorted(self.times_s, time_s, side="right")) - 1
        return self.fee_sat[max(k, 0)]


@dataclass(frozen=True, kw_only=True)
class StartPoint:
    """Where the simulated chain starts.

    Parameters
    ----------
    height : int
        Height of the first block to simulate.
    time_s : float
        The moment the simulation starts [s since 1970 UTC], e.g. the time of block
        ``height - 1``. Block arrivals are memoryless, so any moment at which block ``height``
        has not been found yet is a valid start.
    bits : int
        Compact target in force for block ``height``.
    epoch_first_block_time_s : int or None
        Header time [s] of the first block of the retarget period containing ``height``;
        required when ``height`` is not a multiple of the retarget interval (the next retarget
        measures from that block).
    """

    height: int
    time_s: float
    bits: int
    epoch_first_block_time_s: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.height, bool) or not isinstance(self.height, int) or self.height < 0:
            raise InvalidInputError(f"start height={self.height!r} must be an integer >= 0")
        if not math.isfinite(self.time_s):
            raise InvalidInputError(f"start time_s={self.time_s!r} must be finite")
        if bits_to_target(self.bits) < 2**16:
            raise InvalidInputError(f"start bits=0x{self.bits:08x}: target must be >= 2**16")
        first = self.epoch_first_block_time_s
        if first is not None and (isinstance(first, bool) or not isinstance(first, int)):
            raise InvalidInputError(f"epoch_first_block_time_s={first!r} must be an integer [s]")


@dataclass(frozen=True, kw_only=True)
class Horizon:
    """When the simulation stops: a time or a height (exactly one).

    Parameters
    ----------
    end_time_s : float or None
        Blocks found at or before this moment are simulated [s since 1970 UTC].
    end_height : int or None
        First height *not* simulated: blocks ``start.height … end_height - 1`` are.
    """

    end_time_s: float | None = None
    end_height: int | None = None

    def __post_init__(self) -> None:
        if (self.end_time_s is None) == (self.end_height is None):
            raise InvalidInputError("give exactly one of end_time_s and end_height")
        if self.end_time_s is not None and not math.isfinite(self.end_time_s):
            raise InvalidInputError(f"end_time_s={self.end_time_s!r} must be finite")
        height = self.end_height
        if height is not None and (isinstance(height, bool) or not isinstance(height, int)):
            raise InvalidInputError(f"end_height={height!r} must be an integer")


#: Fees per block: a constant [sat] or a schedule in time.
Fees: TypeAlias = int | FeeSchedule


@dataclass(frozen=True, kw_only=True, eq=False)
class SimulationInputs:
    """Everything the engine needs besides the random generator (and an optional market model).

    Parameters
    ----------
    start : StartPoint
    actors : sequence of Actor
        At least one; names unique.
    horizon : Horizon
    fees : int or FeeSchedule
        Fees per block [sat] (default 0).
    events : sequence of Event
        Hashrate changes at given times (switching an actor off, a ban).
    params : ChainParams
        Consensus parameters (``MAINNET``).
    """

    start: StartPoint
    actors: tuple[Actor, ...]
    horizon: Horizon
    fees: Fees = 0
    events: tuple[Event, ...] = field(default_factory=tuple)
    params: ChainParams = MAINNET

    def __post_init__(self) -> None:
        actors = tuple(self.actors)
        events = tuple(self.events)
        object.__setattr__(self, "actors", actors)
        object.__setattr__(self, "events", events)
        if not actors:
            raise InvalidInputError("actors must hold at least one Actor")
        names = [actor.name for actor in actors]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise InvalidInputError(f"actor names must be unique; repeated: {duplicates}")
        for event in events:
            if event.actor not in names:
                raise InvalidInputError(
                    f"event at {format_time_s(event.time_s)} names actor {event.actor!r}, "
                    f"which is not one of {names}"
                )
        fees = self.fees
        if not isinstance(fees, FeeSchedule) and (
            isinstance(fees, bool) or not isinstance(fees, int) or fees < 0
        ):
            raise InvalidInputError(f"fees={fees!r} must be an integer >= 0 [sat] or a FeeSchedule")
        start, horizon, params = self.start, self.horizon, self.params
        target = bits_to_target(start.bits)
        if target > params.pow_limit:
            raise InvalidInputError(
                f"start bits=0x{start.bits:08x} is easier than powLimit of {params.name!r}"
            )
        interval = params.difficulty_adjustment_interval
        if start.height % interval and start.epoch_first_block_time_s is None:
            raise InvalidInputError(
                f"start height {start.height} is inside a retarget period (it starts at "
                f"{start.height - start.height % interval}); give epoch_first_block_time_s, the "
                "header time of that period's first block"
            )
        if horizon.end_time_s is not None and not horizon.end_time_s > start.time_s:
            raise InvalidInputError(
                f"horizon end_time_s {format_time_s(horizon.end_time_s)} is not after the start "
                f"time {format_time_s(start.time_s)}"
            )
        if horizon.end_height is not None and not horizon.end_height > start.height:
            raise InvalidInputError(
                f"horizon end_height {horizon.end_height} is not after the start height "
                f"{start.height}"
            )

    @property
    def actor_names(self) -> tuple[str, ...]:
        """Actor names, in the order of every per-actor axis of the results."""
        return tuple(actor.name for actor in self.actors)


@dataclass(frozen=True, kw_only=True, eq=False)
class FleetHashrate:
    """Every actor's hashrate on one time grid: what a market model returns each epoch.

    Parameters
    ----------
    times_s : array_like of float, shape (K,)
        Knot times [s since 1970 UTC], strictly increasing.
    hashrate_hs : array_like of float, shape (A, K) or (P, A, K)
        Hashrate of each actor (in :attr:`SimulationInputs.actors` order) at each knot [H/s];
        with a leading path axis the values differ per path (P = number of paths), otherwise
        all paths share them (the fast common case).
    interpolation : {"linear", "step"}
        As in :class:`Trajectory`; values hold before the first and after the last knot.
    path_scale : array_like of float, shape (P, A), optional
        With ``hashrate_hs`` of shape (A, K): path ``p``'s actor ``a`` runs at
        ``path_scale[p, a] · hashrate_hs[a, k]``. A market whose paths differ only by a factor
        per actor (the machines running, a response factor) says so this way, and the engine
        then integrates the shared shape once instead of every path's values.
    """

    times_s: NDArray[np.float64]
    hashrate_hs: NDArray[np.float64]
    interpolation: Interpolation = "linear"
    path_scale: NDArray[np.float64] | None = None

    def path_values(self, path: int) -> NDArray[np.float64]:
        """Hashrates (A, K) of path ``path`` [H/s]."""
        if self.path_scale is not None:
            return self.hashrate_hs * self.path_scale[path][:, None]  # type: ignore[no-any-return]
        return self.hashrate_hs[path] if self.hashrate_hs.ndim == 3 else self.hashrate_hs

    def __post_init__(self) -> None:
        times = _float_array("times_s", self.times_s, 1)
        _check_times("times_s", times)
        values = np.array(self.hashrate_hs, dtype=np.float64)
        if values.ndim not in (2, 3) or values.shape[-1] != times.size:
            raise InvalidInputError(
                f"hashrate_hs has shape {values.shape}; expected (actors, {times.size}) or "
                f"(paths, actors, {times.size})"
            )
        if self.interpolation not in _INTERPOLATIONS:
            raise InvalidInputError(
                f"interpolation={self.interpolation!r} must be one of {_INTERPOLATIONS}"
            )
        values.setflags(write=False)
        object.__setattr__(self, "times_s", times)
        object.__setattr__(self, "hashrate_hs", values)
        if self.path_scale is not None:
            scale = np.array(self.path_scale, dtype=np.float64)
            if values.ndim != 2 or scale.ndim != 2 or scale.shape[1] != values.shape[0]:
                raise InvalidInputError(
                    f"path_scale has shape {scale.shape} with hashrate_hs of shape "
                    f"{values.shape}; expected (paths, {values.shape[0]}) with (actors, knots)"
                )
            scale.setflags(write=False)
            object.__setattr__(self, "path_scale", scale)

    @classmethod
    def from_actors(cls, actors: Sequence[Trajectory]) -> FleetHashrate:
        """Put several trajectories on the union of their knots (exactly, linear or step).

        Those with more than one knot must share one interpolation mode.
        """
        modes = {t.interpolation for t in actors if t.times_s.size > 1}
        if len(modes) > 1:
            raise InvalidInputError(f"trajectories mix interpolation modes {sorted(modes)}")
        mode: Interpolation = modes.pop() if modes else "step"
        grid = np.unique(np.concatenate([trajectory.times_s for trajectory in actors]))
        rows = [
            [trajectory.hashrate_at(float(t)) for t in grid]
            if mode == "step"
            else np.interp(grid, trajectory.times_s, trajectory.hashrate_hs)
            for trajectory in actors
        ]
        return cls(times_s=grid, hashrate_hs=np.array(rows, dtype=np.float64), interpolation=mode)


@dataclass(frozen=True, kw_only=True, eq=False)
class EpochState:
    """The state of every path when an epoch begins: what a market model sees.

    Arrays have one row per path (``P``); per-actor arrays have a second axis in
    :attr:`actor_names` order.

    Attributes
    ----------
    epoch : int
        Index of the epoch within this simulation (0 = the one containing the start).
    start_height : int
        Height of the epoch's first simulated block (the same on every path).
    n_blocks : int
        Blocks in this epoch (2016 except at the start or a height horizon).
    time_s : ndarray, shape (P,)
        When the epoch begins on each path [s since 1970 UTC].
    bits : ndarray of int64, shape (P,)
        Compact target in force.
    difficulty : ndarray, shape (P,)
    active : ndarray of bool, shape (P,)
        False for paths already past a time horizon.
    blocks : ndarray, shape (P, A)
        Blocks each actor has found so far in this simulation.
    reward_sat : ndarray, shape (P, A)
        Subsidy plus fees each actor has earned so far [sat].
    previous_hashrate_hs : ndarray, shape (P,)
        Mean network hashrate over the previous epoch [H/s] (NaN in the first).
    actor_names : tuple of str
    """

    epoch: int
    start_height: int
    n_blocks: int
    time_s: NDArray[np.float64]
    bits: NDArray[np.int64]
    difficulty: NDArray[np.float64]
    active: NDArray[np.bool_]
    blocks: NDArray[np.float64] | NDArray[np.int64]
    reward_sat: NDArray[np.float64] | NDArray[np.int64]
    previous_hashrate_hs: NDArray[np.float64]
    actor_names: tuple[str, ...]

    @property
    def n_paths(self) -> int:
        """Number of paths (P)."""
        return int(self.time_s.size)


#: A market model: called at the start of every epoch, returns the hashrates for it. It must treat
#: paths independently: row ``p`` of its output may depend only on row ``p`` of the state (so take
#: knot times from fixed dates, not from ``state.time_s.min()``). The engine cannot check this.
MarketModel: TypeAlias = Callable[[EpochState], FleetHashrate]
