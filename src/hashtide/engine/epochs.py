"""The epoch loop shared by the expected path and the Monte Carlo.

One pass per retarget period, vectorised over paths. Within an epoch the random quantities are
drawn through a :class:`Draws` object: the Monte Carlo draws them, the expected path replaces
each by its mean. The derivation of why this is exact is in ``docs/engine.md`` and in the Notes
of :func:`hashtide.engine.monte_carlo`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from hashtide.engine.inputs import (
    EpochState,
    FeeSchedule,
    MarketModel,
    SimulationInputs,
    format_time_s,
)
from hashtide.engine.results import ResultKind, SimulationResult
from hashtide.engine.retarget import difficulty_array, next_bits_array, work_per_block_hashes
from hashtide.engine.schedule import Schedule, market_schedule, static_schedule
from hashtide.errors import InvalidInputError
from hashtide.protocol import block_subsidy_sat

FloatArray = NDArray[np.float64]
#: Block counts: int64 when drawn, float64 (expected values) on the expected path.
Counts = NDArray[Any]


class Draws(Protocol):
    """The random quantities of one epoch, for all paths at once."""

    @property
    def kind(self) -> ResultKind:
        """Which engine the draws make: "monte_carlo" or "expected"."""
        ...

    @property
    def count_dtype(self) -> type[np.generic]:
        """dtype of block counts."""
        ...

    @property
    def reward_dtype(self) -> type[np.generic]:
        """dtype of rewards [sat]."""
        ...

    def work(self, blocks: int, size: int) -> FloatArray:
        """Work to find ``blocks`` more blocks [in blocks]: Gamma(blocks, 1) per path."""
        ...

    def split(self, n: Counts, frac: FloatArray) -> Counts:
        """How many of ``n`` uniform positions fall below ``frac``: Binomial(n, frac)."""
        ...

    def multinomial(self, n: Counts, shares: FloatArray) -> Counts:
        """``n`` blocks split among actors with probabilities ``shares`` (P, A)."""
        ...

    def one_block(
        self,
        weights: FloatArray,
        found: NDArray[np.bool_],
        reward_sat: NDArray[np.int64],
        counts: Counts,
        rewards: Counts,
    ) -> None:
        """Give one block (where ``found``) to an actor drawn with probability ∝ ``weights`` (A, P).

        Adds to ``counts`` and ``rewards`` (P, A) in place.
        """
        ...

    def provenance(self) -> dict[str, Any] | None:
        """Seed and state of the random stream, for the result."""
        ...


def versions() -> dict[str, str]:
    """Versions that determine the numbers: hashtide and numpy."""
    try:
        own = version("hashtide")
    except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
        from hashtide import __version__ as own
    return {"hashtide": own, "numpy": np.__version__}


def _fee_arrays(fees: int | FeeSchedule) -> tuple[FloatArray, NDArray[np.int64]]:
    if isinstance(fees, FeeSchedule):
        return fees.times_s, np.array(fees.fee_sat, dtype=np.int64)
    return np.array([-np.inf]), np.array([fees], dtype=np.int64)


class _Buffer:
    """Per-epoch rows of shape (P, …), grown by half when full; read back as (P, E, …)."""

    def __init__(self, shape: tuple[int, ...], dtype: Any, fill: Any, capacity: int) -> None:
        # Zero-filled pages are mapped lazily, so an over-estimated capacity costs no memory.
        self._data = (
            np.zeros((capacity, *shape), dtype=dtype)
            if fill == 0
            else np.full((capacity, *shape), fill, dtype=dtype)
        )
        self._fill = fill
        self.size = 0

    def append(self, row: NDArray[Any]) -> None:
        if self.size == self._data.shape[0]:
            extra = np.full(
                (max(1, self._data.shape[0] // 2), *self._data.shape[1:]),
                self._fill,
                dtype=self._data.dtype,
            )  # rare: only when a time horizon needs more epochs than estimated
            self._data = np.concatenate([self._data, extra])
        self._data[self.size] = row
        self.size += 1

    def paths_first(self) -> NDArray[Any]:
        return np.swapaxes(self._data[: self.size], 0, 1)


@dataclass
class _Paths:
    """Mutable per-path state between epochs (internal)."""

    time_s: FloatArray
    bits: NDArray[np.int64]
    active: NDArray[np.bool_]
    blocks: Counts
    reward_sat: Counts
    previous_hashrate_hs: FloatArray


def _epoch_capacity(inputs: SimulationInputs) -> int:
    interval = inputs.params.difficulty_adjustment_interval
    horizon = inputs.horizon
    if horizon.end_height is not None:
        first = inputs.start.height - inputs.start.height % interval
        return max(1, math.ceil((horizon.end_height - first) / interval))
    end_time_s = horizon.end_time_s if horizon.end_time_s is not None else 0.0
    nominal = inputs.params.pow_target_timespan_s
    return max(4, math.ceil(1.25 * (end_time_s - inputs.start.time_s) / nominal) + 2)


def _unreachable_error(
    inputs: SimulationInputs, schedule: Schedule, path: int, epoch: int, height: int, mark: int
) -> InvalidInputError:
    variant = 0 if schedule.n_variants == 1 else path
    zero_from = float(schedule.zero_from_s[variant])
    names = ", ".join(repr(name) for name in inputs.actor_names)
    return InvalidInputError(
        f"the network hashrate is 0 H/s from {format_time_s(zero_from)} on (every actor: "
        f"{names}), so the block at height {height + mark - 1} (epoch {epoch}, path {path}) can "
        "never be found; give an actor hashrate after that time or end the horizon before it"
    )


def _state(
    paths: _Paths, epoch: int, height: int, n_blocks: int, names: tuple[str, ...]
) -> EpochState:
    def frozen(array: NDArray[Any]) -> NDArray[Any]:
        copy = array.copy()
        copy.setflags(write=False)
        return copy

    return EpochState(
        epoch=epoch,
        start_height=height,
        n_blocks=n_blocks,
        time_s=frozen(paths.time_s),
        bits=frozen(paths.bits),
        difficulty=frozen(difficulty_array(paths.bits)),
        active=frozen(paths.active),
        blocks=frozen(paths.blocks),
        reward_sat=frozen(paths.reward_sat),
        previous_hashrate_hs=frozen(paths.previous_hashrate_hs),
        actor_names=names,
    )


def _shares(work: FloatArray) -> FloatArray:
    """Each actor's share of the work done on a stretch, (A, P) in, (P, A) out.

    Uniform where no work was done (then no block falls on the stretch either).
    """
    work = np.maximum(work, 0.0)
    total = work.sum(axis=0)
    safe = np.where(total > 0, total, 1.0)
    shares = np.where(total > 0, work / safe, 1.0 / work.shape[0])
    return np.ascontiguousarray(shares.T)


def run_epochs(
    inputs: SimulationInputs,
    *,
    n_paths: int,
    draws: Draws,
    market: MarketModel | None,
    max_epochs: int,
) -> SimulationResult:
    """Simulate ``n_paths`` paths epoch by epoch (see :func:`hashtide.engine.monte_carlo`)."""
    params = inputs.params
    interval = params.difficulty_adjustment_interval
    names = inputs.actor_names
    start, horizon = inputs.start, inputs.horizon
    end_time = math.inf if horizon.end_time_s is None else horizon.end_time_s
    end_height = horizon.end_height
    n_actors = len(names)
    fee_times, fee_values = _fee_arrays(inputs.fees)
    fee_breaks = fee_times[1:]

    def fee_at(time_s: FloatArray) -> NDArray[np.int64]:
        index = np.searchsorted(fee_times, time_s, side="right") - 1
        return fee_values[np.maximum(index, 0)]

    static = (
        None
        if market is not None
        else static_schedule(inputs.actors, inputs.events, from_time_s=start.time_s)
    )
    shape = (n_paths,)
    paths = _Paths(
        time_s=np.full(shape, start.time_s),
        bits=np.full(shape, start.bits, dtype=np.int64),
        active=np.ones(shape, dtype=bool),
        blocks=np.zeros((n_paths, n_actors), dtype=draws.count_dtype),
        reward_sat=np.zeros((n_paths, n_actors), dtype=draws.reward_dtype),
        previous_hashrate_hs=np.full(shape, np.nan),
    )
    capacity = _epoch_capacity(inputs)
    block_dtype = np.int32 if draws.kind != "expected" else np.float64
    rows = {
        "start_time_s": _Buffer(shape, np.float64, np.nan, capacity),
        "end_time_s": _Buffer(shape, np.float64, np.nan, capacity),
        "complete": _Buffer(shape, np.bool_, False, capacity),
        "bits": _Buffer(shape, np.int64, 0, capacity),
        "span_s": _Buffer(shape, np.float64, np.nan, capacity),
        "hashrate_hs": _Buffer(shape, np.float64, np.nan, capacity),
        "blocks": _Buffer((n_paths, n_actors), block_dtype, 0, capacity),
        "reward_sat": _Buffer((n_paths, n_actors), draws.reward_dtype, 0, capacity),
    }
    epoch_heights: list[int] = []
    epoch_sizes: list[int] = []
    halving_times: dict[int, FloatArray] = {}
    rng_before = draws.provenance()

    height = start.height
    epoch = 0
    while paths.active.any() and (end_height is None or height < end_height):
        if epoch >= max_epochs:
            raise InvalidInputError(
                f"the horizon was not reached after max_epochs={max_epochs} epochs (height "
                f"{height}); raise max_epochs or check the hashrates"
            )
        n_blocks = interval - height % interval
        if end_height is not None:
            n_blocks = min(n_blocks, end_height - height)
        if static is not None:
            schedule = static
        else:
            if market is None:  # pragma: no cover - static is built exactly when market is None
                raise InvalidInputError("a market model is required")
            fleet = market(_state(paths, epoch, height, n_blocks, names))
            schedule = market_schedule(
                fleet,
                names,
                inputs.events,
                from_time_s=float(paths.time_s.min()),
                n_paths=n_paths,
                epoch=epoch,
            )
        active = paths.active
        t0 = paths.time_s
        work_per_block = work_per_block_hashes(paths.bits)
        w0 = schedule.total_work_at(t0)

        # Marks: block indices (1-based in the epoch) whose exact time matters — the first
        # block (retarget span), each halving block and the last block.
        halvings = [
            h
            for h in range(
                height + (-height) % params.subsidy_halving_interval,
                height + n_blocks,
                params.subsidy_halving_interval,
            )
            if h > 0
        ]
        marks = sorted({1, n_blocks, *[h - height + 1 for h in halvings]})
        position: list[FloatArray] = []
        cumulative = np.zeros(n_paths)
        previous = 0
        for mark in marks:
            cumulative = cumulative + draws.work(mark - previous, n_paths)
            position.append(cumulative)
            previous = mark
        times: list[FloatArray] = []
        pieces: list[NDArray[np.int64]] = []
        found: list[NDArray[np.bool_]] = []
        for mark, pos in zip(marks, position, strict=True):
            t, piece = schedule.time_at_work(w0 + pos * work_per_block)
            stuck = active & np.isinf(t)
            if stuck.any():
                path = int(np.flatnonzero(stuck)[0])
                variant = 0 if schedule.n_variants == 1 else path
                if schedule.zero_from_s[variant] < end_time:
                    raise _unreachable_error(inputs, schedule, path, epoch, height, mark)
            clamped = np.minimum(t, end_time)
            if np.isinf(t).any():
                piece = schedule.piece_of(clamped)
            times.append(clamped)
            pieces.append(piece)
            found.append(active & (t <= end_time))

        counts = np.zeros((n_paths, n_actors), dtype=draws.count_dtype)
        rewards = np.zeros((n_paths, n_actors), dtype=draws.reward_dtype)

        def attribute(
            given: Counts,
            reward_sat: NDArray[np.int64],
            counts: Counts = counts,
            rewards: Counts = rewards,
        ) -> None:
            counts += given
            rewards += given * reward_sat[:, None]

        # Mark blocks go to an actor with the instantaneous shares at their time.
        actor_work: list[FloatArray] = []
        for mark, t, piece, hit in zip(marks, times, pieces, found, strict=True):
            rates, work_done = schedule.rates_and_work(t, piece)
            actor_work.append(work_done)
            subsidy = block_subsidy_sat(height + mark - 1, params=params)
            draws.one_block(rates, hit, subsidy + fee_at(t), counts, rewards)

        # Blocks between two marks are uniform in work between them: split them at fee changes
        # and at the horizon, then attribute each piece by the actors' work on it.
        for k in range(len(marks) - 1):
            inside = marks[k + 1] - marks[k] - 1
            if inside == 0:
                continue
            subsidy = block_subsidy_sat(height + marks[k], params=params)
            left_u, right_u = position[k], position[k + 1]
            left_t, right_t = times[k], times[k + 1]
            left_c = actor_work[k]
            remaining: Counts = np.where(found[k], inside, 0).astype(draws.count_dtype)
            live = remaining > 0
            if not live.any():
                continue
            low, high = float(left_t[live].min()), float(right_t[live].max())
            cuts = [float(c) for c in fee_breaks if low < c < high and c < end_time]
            horizon_cut = bool(np.any(live & ~found[k + 1]))
            if horizon_cut:
                cuts.append(end_time)
            for cut in cuts:
                cut_work = (schedule.total_work_at(np.full(n_paths, cut)) - w0) / work_per_block
                room = right_u - left_u
                frac = np.clip((cut_work - left_u) / np.where(room > 0, room, 1.0), 0.0, 1.0)
                part = draws.split(remaining, frac)
                cut_t = np.clip(cut, left_t, right_t)
                cut_c = schedule.actor_work_at(cut_t)
                attribute(
                    draws.multinomial(part, _shares(cut_c - left_c)), subsidy + fee_at(left_t)
                )
                remaining = remaining - part
                left_u = np.clip(cut_work, left_u, right_u)
                left_t, left_c = cut_t, cut_c
            if not horizon_cut:
                shares = _shares(actor_work[k + 1] - left_c)
                attribute(draws.multinomial(remaining, shares), subsidy + fee_at(left_t))

        # Record the epoch.
        complete = found[-1]
        t_last = times[-1]
        end = np.where(complete, t_last, np.where(active, end_time, np.nan))
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_rate = np.where(
                active & (end > t0),
                (schedule.total_work_at(np.where(active, end, t0)) - w0) / (end - t0),
                np.nan,
            )
        span = np.full(shape, np.nan)
        new_bits = paths.bits
        if (height + n_blocks) % interval == 0 and complete.any():
            if height % interval == 0:
                first_header = np.floor(times[0]).astype(np.int64)
            else:  # only the first epoch can start inside a period; validated in the inputs
                first_header = np.full(shape, start.epoch_first_block_time_s or 0, dtype=np.int64)
            last_header = np.floor(np.where(complete, t_last, t0)).astype(np.int64)
            span = np.where(complete, (last_header - first_header).astype(np.float64), np.nan)
            new_bits = paths.bits.copy()
            new_bits[complete] = next_bits_array(
                paths.bits[complete],
                first_header[complete],
                last_header[complete],
                params=params,
            )
        for h in halvings:
            index = marks.index(h - height + 1)
            halving_times[h] = np.where(found[index], times[index], np.nan)
        rows["start_time_s"].append(np.where(active, t0, np.nan))
        rows["end_time_s"].append(end)
        rows["complete"].append(complete)
        rows["bits"].append(np.where(active, paths.bits, 0))
        rows["span_s"].append(span)
        rows["hashrate_hs"].append(mean_rate)
        rows["blocks"].append(counts)
        rows["reward_sat"].append(rewards)
        epoch_heights.append(height)
        epoch_sizes.append(n_blocks)

        paths.blocks = paths.blocks + counts
        paths.reward_sat = paths.reward_sat + rewards
        paths.previous_hashrate_hs = np.where(active, mean_rate, paths.previous_hashrate_hs)
        paths.time_s = np.where(complete, t_last, t0)
        paths.bits = new_bits
        paths.active = complete & (t_last < end_time)
        height += n_blocks
        epoch += 1

    halving_heights = np.array(sorted(halving_times), dtype=np.int64)
    return SimulationResult(
        kind=draws.kind,
        inputs=inputs,
        rng=rng_before,
        versions=versions(),
        epoch_start_height=np.array(epoch_heights, dtype=np.int64),
        epoch_n_blocks=np.array(epoch_sizes, dtype=np.int64),
        start_time_s=rows["start_time_s"].paths_first(),
        end_time_s=rows["end_time_s"].paths_first(),
        complete=rows["complete"].paths_first(),
        bits=rows["bits"].paths_first(),
        span_s=rows["span_s"].paths_first(),
        hashrate_hs=rows["hashrate_hs"].paths_first(),
        blocks=rows["blocks"].paths_first(),
        reward_sat=rows["reward_sat"].paths_first(),
        halving_heights=halving_heights,
        halving_time_s=(
            np.stack([halving_times[h] for h in halving_heights], axis=1)
            if halving_times
            else np.empty((n_paths, 0))
        ),
    )
