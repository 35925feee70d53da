"""Hashrate trajectories as exact piecewise-linear functions of time, and their work integrals.

Every actor's hashrate is put on one grid of knots; on each piece ``[T_k, T_{k+1})`` it is
``a + b (t - T_k)``. The cumulative work ``W(t) = ∫ H dt`` is then piecewise quadratic and is
inverted in closed form, vectorised over paths. Values may be shared by all paths (the common
exogenous case, stored with a leading axis of length 1) or differ per path (a market model).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hashtide.engine.inputs import (
    Actor,
    Event,
    FleetHashrate,
    Interpolation,
    Trajectory,
    format_time_s,
)
from hashtide.errors import InvalidInputError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def _on_grid(
    times_s: FloatArray, values: FloatArray, mode: Interpolation, grid: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Start values and slopes on each piece of ``grid`` (a superset of ``times_s``).

    ``values`` has the knots on its last axis; the result has ``grid`` there.
    """
    last = times_s.size - 1
    k = np.searchsorted(times_s, grid, side="right") - 1
    inside = (k >= 0) & (k < last) & (mode == "linear")
    k_left = np.clip(k, 0, last)
    if mode == "step" or last == 0:
        return values[..., k_left], np.zeros(values.shape[:-1] + grid.shape)
    k_right = np.clip(k + 1, 0, last)
    width = np.where(inside, times_s[k_right] - times_s[k_left], 1.0)
    slope = np.where(inside, (values[..., k_right] - values[..., k_left]) / width, 0.0)
    start = values[..., k_left] + slope * np.where(inside, grid - times_s[k_left], 0.0)
    return start, slope


def _event_factors(
    names: Sequence[str], events: Sequence[Event], grid: FloatArray
) -> FloatArray | None:
    """Product of each actor's event factors in force on each piece, shape (A, K)."""
    if not events:
        return None
    factors = np.ones((len(names), grid.size))
    row = {name: i for i, name in enumerate(names)}
    for event in events:
        factors[row[event.actor], grid >= event.time_s] *= event.hashrate_factor
    return factors


@dataclass(frozen=True, eq=False)
class Schedule:
    """Piecewise-linear hashrates of all actors and their exact work integrals.

    Attributes
    ----------
    knots : ndarray, shape (K,)
        Piece start times [s]; the last piece runs to +inf with slope 0.
    start, slope : ndarray, shape (V, A, K)
        ``H_i(t) = start + slope (t - knot)`` on each piece [H/s], [H/s²]; V is 1 (shared by all
        paths) or the number of paths. Actor-major, so that per-path results come out as
        contiguous (A, P) rows.
    work : ndarray, shape (V, A, K)
        ``∫_{knots[0]}^{knots[k]} H_i dt`` [hashes].
    total_start, total_slope, total_work : ndarray, shape (V, K)
        The same for the network (sum over actors).
    zero_from_s : ndarray, shape (V,)
        Time from which the network hashrate is 0 for ever (+inf if never).
    scale : ndarray, shape (P, A), optional
        Per-path factors of a shared shape (V = 1 for ``start``, ``slope``, ``work``; the
        totals then have a row per path): path ``p``'s actor ``a`` is ``scale[p, a]`` times the
        shape. See :meth:`scaled`.
    """

    knots: FloatArray
    start: FloatArray
    slope: FloatArray
    work: FloatArray
    total_start: FloatArray
    total_slope: FloatArray
    total_work: FloatArray
    zero_from_s: FloatArray
    scale: FloatArray | None = None

    @classmethod
    def from_pieces(cls, knots: FloatArray, start: FloatArray, slope: FloatArray) -> Schedule:
        """Build from piece start values and slopes, shape (V, A, K)."""
        start = np.ascontiguousarray(start)
        slope = np.array(slope)
        slope[..., -1] = 0.0
        width = np.diff(knots)
        work = np.zeros_like(start)
        np.cumsum(
            start[..., :-1] * width + 0.5 * slope[..., :-1] * width**2, axis=-1, out=work[..., 1:]
        )
        total_start = start.sum(axis=1)
        total_slope = slope.sum(axis=1)
        total_work = np.zeros_like(total_start)
        np.cumsum(
            total_start[:, :-1] * width + 0.5 * total_slope[:, :-1] * width**2,
            axis=1,
            out=total_work[:, 1:],
        )
        # The network is off for ever from the first knot after which every piece is zero.
        off = (total_start == 0) & (total_slope == 0)
        tail = np.flip(np.logical_and.accumulate(np.flip(off, axis=1), axis=1), axis=1)
        first_off = np.where(tail.any(axis=1), tail.argmax(axis=1), knots.size)
        zero_from = np.where(
            first_off < knots.size, knots[np.minimum(first_off, knots.size - 1)], np.inf
        )
        return cls(knots, start, slope, work, total_start, total_slope, total_work, zero_from)

    @classmethod
    def from_steps(cls, knots: FloatArray, start: FloatArray) -> Schedule:
        """Build from constant pieces, shape (V, A, K): :meth:`from_pieces` with no slopes.

        The slopes are stored as zeros shared by every path (a leading axis of length 1), so
        the common case of a market model's daily steps costs one cumulative sum per epoch.
        """
        start = np.ascontiguousarray(start, dtype=np.float64)
        width = np.ascontiguousarray(np.diff(knots), dtype=np.float64)
        work = np.empty_like(start)
        total_start = np.empty((start.shape[0], start.shape[2]))
        total_work = np.empty_like(total_start)
        _step_works_kernel()(start, width, work, total_start, total_work)
        zero_from = _zero_from(knots, total_start == 0)
        slope = np.zeros((1, *start.shape[1:]))
        total_slope = np.zeros((1, knots.size))
        return cls(knots, start, slope, work, total_start, total_slope, total_work, zero_from)

    def scaled(self, scale: FloatArray) -> Schedule:
        """This (shared, V = 1) schedule with path ``p``'s actor ``a`` scaled by ``scale[p, a]``.

        Work integrals are linear in the hashrates, so nothing is computed per path and knot:
        per-actor values are scaled when read, and the network's totals are formed only on the
        pieces that are read (``total_*`` are left empty).
        """
        if self.start.shape[0] != 1 or self.scale is not None:
            raise InvalidInputError("only a schedule shared by all paths can be scaled")
        scale = np.ascontiguousarray(scale, dtype=np.float64)
        # The network is off for ever on a path from the first knot after the last one where
        # an actor it runs (scale > 0) has a nonzero start or slope (hashrates are >= 0).
        on = (self.start[0] != 0) | (self.slope[0] != 0)  # (A, K)
        last_on = np.where(on.any(axis=1), self.knots.size - 1 - np.argmax(on[:, ::-1], axis=1), -1)
        path_last = np.max(np.where(scale > 0, last_on[None, :], -1), axis=1)
        first_off = path_last + 1
        zero_from = np.where(
            first_off < self.knots.size,
            self.knots[np.minimum(first_off, self.knots.size - 1)],
            np.inf,
        )
        empty = np.zeros((scale.shape[0], 0))
        return Schedule(
            self.knots,
            self.start,
            self.slope,
            self.work,
            empty,
            empty,
            empty,
            zero_from,
            scale,
        )

    @property
    def n_variants(self) -> int:
        """1 when all paths share the values, else the number of paths."""
        return int(self.zero_from_s.shape[0])

    def _take(self, array: FloatArray, piece: IntArray) -> FloatArray:
        """Piece ``piece[p]`` of ``array`` for path ``p`` (knots on the last axis).

        (V, K) gives (P,); (V, A, K) gives (A, P).
        """
        if array.shape[0] == 1:
            taken = np.take(array[0], piece, axis=-1)
            if self.scale is not None and array.ndim == 3:
                return taken * self.scale.T
            return taken
        rows = np.arange(piece.size)
        if array.ndim == 2:
            return array[rows, piece]
        return array[rows, :, piece].T

    def piece_of(self, time_s: FloatArray) -> IntArray:
        """Index of the piece containing each time (the first piece for earlier times)."""
        piece = np.searchsorted(self.knots, time_s, side="right") - 1
        return np.clip(piece, 0, self.knots.size - 1)

    def total_work_at(self, time_s: FloatArray) -> FloatArray:
        """Network work done from ``knots[0]`` to each time [hashes]."""
        piece = self.piece_of(time_s)
        s = time_s - self.knots[piece]
        return (
            self._total("work", piece)
            + self._total("start", piece) * s
            + 0.5 * self._total("slope", piece) * s * s
        )

    def actor_work_at(self, time_s: FloatArray, piece: IntArray | None = None) -> FloatArray:
        """Each actor's work from ``knots[0]`` to each time [hashes], shape (A, P).

        ``piece`` (from :meth:`time_at_work`) saves the search when already known.
        """
        if piece is None:
            piece = self.piece_of(time_s)
        s = time_s - self.knots[piece]
        start = self._take(self.start, piece)
        half_slope = 0.5 * self._take(self.slope, piece)
        return self._take(self.work, piece) + s * (start + half_slope * s)

    def _total(self, which: str, piece: IntArray) -> FloatArray:
        """The network's ``start``, ``slope`` or ``work`` on piece ``piece[p]`` of each path."""
        if self.scale is None:
            return self._take(getattr(self, f"total_{which}"), piece)
        rows = getattr(self, which)[0]  # (A, K), shared
        taken = np.take(rows, piece, axis=-1) * self.scale.T  # (A, P)
        total: FloatArray = taken.sum(axis=0)
        return total

    def _search_work(self, work: FloatArray) -> IntArray:
        """Piece k with ``total_work[k] < work <= total_work[k+1]`` (clipped to [0, K-1])."""
        if self.scale is not None:  # a binary search per path on totals formed as needed
            size = self.knots.size
            low = np.zeros(work.size, dtype=np.int64)
            high = np.full(work.size, size, dtype=np.int64)
            while np.any(low < high):
                middle = (low + high) // 2
                below = self._total("work", np.minimum(middle, size - 1)) < work
                active = low < high
                low = np.where(active & below, middle + 1, low)
                high = np.where(active & ~below, middle, high)
            return np.clip(low - 1, 0, size - 1)
        cumulative = self.total_work
        if cumulative.shape[0] == 1:
            index = np.searchsorted(cumulative[0], work, side="left")
        else:  # a binary search per row
            size = cumulative.shape[1]
            low = np.zeros(work.size, dtype=np.int64)
            high = np.full(work.size, size, dtype=np.int64)
            rows = np.arange(work.size)
            while np.any(low < high):
                middle = (low + high) // 2
                below = cumulative[rows, np.minimum(middle, size - 1)] < work
                active = low < high
                low = np.where(active & below, middle + 1, low)
                high = np.where(active & ~below, middle, high)
            index = low
        return np.clip(index - 1, 0, self.knots.size - 1)

    def time_at_work(self, work: FloatArray) -> tuple[FloatArray, IntArray]:
        """Earliest time at which the network work reaches ``work`` (+inf if never).

        Returns the times [s] and the piece each lies in.

        Notes
        -----
        On piece k, ``W(t) = W_k + a s + b s²/2`` with ``s = t - T_k``; the root of
        ``W(t) = w`` is ``s = 2Δ / (a + sqrt(a² + 2 b Δ))``, ``Δ = w - W_k`` — the form that
        loses no precision when ``b`` is small (Press et al., *Numerical Recipes*, 3rd ed.,
        §5.6, eq. 5.6.4).
        """
        piece = self._search_work(work)
        delta = np.maximum(work - self._total("work", piece), 0.0)
        a = self._total("start", piece)
        b = self._total("slope", piece)
        denominator = a + np.sqrt(np.maximum(a * a + 2.0 * b * delta, 0.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            s = np.where(
                denominator > 0, 2.0 * delta / denominator, np.where(delta > 0, np.inf, 0.0)
            )
        last = self.knots.size - 1
        width = np.where(
            piece < last, self.knots[np.minimum(piece + 1, last)] - self.knots[piece], np.inf
        )
        s = np.minimum(s, width)
        return self.knots[piece] + s, piece

    def rates_and_work(self, time_s: FloatArray, piece: IntArray) -> tuple[FloatArray, FloatArray]:
        """Each actor's hashrate [H/s] and cumulative work [hashes] at each time, (A, P) each.

        ``piece`` is the piece each time lies in (from :meth:`time_at_work`). Where the network
        hashrate is 0 at that instant (only at the very edge of a piece, through rounding), the
        rates returned are the actors' work over the piece instead, so that they still give the
        right proportions.
        """
        s = time_s - self.knots[piece]
        start = self._take(self.start, piece)
        slope = self._take(self.slope, piece)
        rates = np.maximum(start + slope * s, 0.0)
        work = self._take(self.work, piece) + s * (start + 0.5 * slope * s)
        bad = ~(rates.sum(axis=0) > 0)
        if bad.any():
            last = self.knots.size - 1
            following = np.minimum(piece + 1, last)
            over_piece = self._take(self.work, following) - self._take(self.work, piece)
            usable = (piece < last) & (over_piece.sum(axis=0) > 0)
            fallback = np.where(usable, over_piece, 1.0)
            rates = np.where(bad, fallback, rates)
        return rates, work


def _step_works(
    start: FloatArray,
    width: FloatArray,
    work: FloatArray,
    total_start: FloatArray,
    total_work: FloatArray,
) -> None:
    """The work integrals of constant pieces (:meth:`Schedule.from_steps`), in one pass.

    ``work[..., 0] = 0``, ``work[..., 1:] = cumsum(start[..., :-1] · width)``;
    ``total_start = start.sum(axis=1)``, ``total_work`` likewise from it: numpy's expressions
    with numpy's order of additions (a running sum; over actors from the first), so the same
    numbers to the bit without their temporaries (tests/test_engine_schedule_steps.py).
    """
    n_variants, n_actors, n_knots = start.shape
    for v in range(n_variants):
        for a in range(n_actors):
            work[v, a, 0] = 0.0
            if n_knots > 1:
                acc = start[v, a, 0] * width[0]
                work[v, a, 1] = acc
                for k in range(1, n_knots - 1):
                    acc = acc + start[v, a, k] * width[k]
                    work[v, a, k + 1] = acc
        for k in range(n_knots):
            total = start[v, 0, k] if n_actors > 0 else 0.0
            for a in range(1, n_actors):
                total += start[v, a, k]
            total_start[v, k] = total
        total_work[v, 0] = 0.0
        if n_knots > 1:
            acc = total_start[v, 0] * width[0]
            total_work[v, 1] = acc
            for k in range(1, n_knots - 1):
                acc = acc + total_start[v, k] * width[k]
                total_work[v, k + 1] = acc


@functools.cache
def _step_works_kernel() -> Any:
    """:func:`_step_works` compiled with numba (imported on first use: the engine alone, as
    a command's start-up, does not pay numba's import)."""
    from numba import njit

    return njit(cache=True, nogil=True)(_step_works)


def _zero_from(knots: FloatArray, off: NDArray[np.bool_]) -> FloatArray:
    """Per row of ``off`` (V, K): the knot from which every piece is off (+inf if none)."""
    tail = np.flip(np.logical_and.accumulate(np.flip(off, axis=1), axis=1), axis=1)
    first_off = np.where(tail.any(axis=1), tail.argmax(axis=1), knots.size)
    return np.where(first_off < knots.size, knots[np.minimum(first_off, knots.size - 1)], np.inf)


def _grid(*parts: FloatArray | Sequence[float]) -> FloatArray:
    return np.unique(np.concatenate([np.asarray(part, dtype=np.float64) for part in parts]))


def static_schedule(
    actors: Sequence[Actor], events: Sequence[Event], *, from_time_s: float
) -> Schedule:
    """The schedule of actors with fixed trajectories, shared by every path."""
    trajectories: list[Trajectory] = []
    for actor in actors:
        if actor.hashrate is None:
            raise InvalidInputError(
                f"actor {actor.name!r} has no hashrate trajectory; give one, or a market model"
            )
        trajectories.append(actor.hashrate)
    grid = _grid(
        [from_time_s],
        [event.time_s for event in events],
        *[trajectory.times_s for trajectory in trajectories],
    )
    grid = grid[grid >= from_time_s]
    pieces = [_on_grid(t.times_s, t.hashrate_hs, t.interpolation, grid) for t in trajectories]
    start = np.stack([piece[0] for piece in pieces])[None]
    slope = np.stack([piece[1] for piece in pieces])[None]
    factors = _event_factors([actor.name for actor in actors], events, grid)
    if factors is not None:
        start = start * factors[None]
        slope = slope * factors[None]
    return Schedule.from_pieces(grid, start, slope)


def market_schedule(
    fleet: FleetHashrate,
    names: Sequence[str],
    events: Sequence[Event],
    *,
    from_time_s: float,
    n_paths: int,
    epoch: int,
) -> Schedule:
    """The schedule a market model returned for one epoch, checked and put on a grid."""
    values = fleet.hashrate_hs
    scale = fleet.path_scale
    if scale is not None and scale.shape != (n_paths, len(names)):
        raise InvalidInputError(
            f"market model returned path_scale of shape {scale.shape} in epoch {epoch}; "
            f"expected ({n_paths}, {len(names)})"
        )
    if scale is not None and not (np.all(np.isfinite(scale)) and np.all(scale >= 0)):
        raise InvalidInputError(
            f"market model, epoch {epoch}: path_scale must be finite numbers >= 0"
        )
    if values.shape[-2] != len(names) or (values.ndim == 3 and values.shape[0] != n_paths):
        raise InvalidInputError(
            f"market model returned hashrate_hs of shape {values.shape} in epoch {epoch}; "
            f"expected ({len(names)}, K) or ({n_paths}, {len(names)}, K)"
        )
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        index = np.unravel_index(int(np.flatnonzero(bad)[0]), values.shape)
        path = f", path {index[0]}" if values.ndim == 3 else ""
        raise InvalidInputError(
            f"market model, epoch {epoch}{path}: actor {names[int(index[-2])]!r} has "
            f"hashrate_hs = {float(values[index])!r} at "
            f"{format_time_s(fleet.times_s[index[-1]])}; must be a finite number >= 0 [H/s]"
        )
    variants = values if values.ndim == 3 else values[None]
    if fleet.interpolation == "step":
        shared = _step_schedule(fleet.times_s, variants, names, events, from_time_s)
        return shared if scale is None else shared.scaled(scale)
    grid = _grid([from_time_s], [event.time_s for event in events], fleet.times_s)
    grid = grid[grid >= from_time_s]
    start, slope = _on_grid(fleet.times_s, variants, fleet.interpolation, grid)
    factors = _event_factors(names, events, grid)
    if factors is not None:
        start = start * factors[None]
        slope = slope * factors[None]
    shared = Schedule.from_pieces(grid, start, slope)
    return shared if scale is None else shared.scaled(scale)


def _step_schedule(
    times_s: FloatArray,
    values: FloatArray,
    names: Sequence[str],
    events: Sequence[Event],
    from_time_s: float,
) -> Schedule:
    """The schedule of step values (V, A, K) from ``from_time_s`` on, without slopes.

    The pieces are the knots from ``from_time_s`` on (and the events' times); when no event
    falls in between, the values on them are a slice of ``values`` (no gather).
    """
    grid = _grid([from_time_s], [event.time_s for event in events], times_s)
    grid = grid[grid >= from_time_s]
    k = np.searchsorted(times_s, grid, side="right") - 1
    k = np.clip(k, 0, times_s.size - 1)
    if k.size > 1 and k[-1] - k[0] == k.size - 1 and np.all(np.diff(k) == 1):
        start = values[..., int(k[0]) : int(k[-1]) + 1]
    else:
        start = values[..., k]
    factors = _event_factors(names, events, grid)
    if factors is not None:
        start = start * factors[None]
    return Schedule.from_steps(grid, start)
