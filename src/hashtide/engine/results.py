"""The result of a simulation: per-epoch series per path, per-path totals, summaries, pandas."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from hashtide.engine.inputs import SimulationInputs
from hashtide.engine.retarget import difficulty_array
from hashtide.units import SAT_PER_BTC

#: Which engine produced a result.
ResultKind: TypeAlias = Literal["expected", "monte_carlo", "block_by_block"]

_DEFAULT_QUANTILES = (0.05, 0.5, 0.95)


def _utc(times_s: NDArray[np.float64]) -> pd.DatetimeIndex:
    """Seconds since 1970 → tz-aware UTC timestamps (NaT for NaN), to the microsecond."""
    micros = np.round(np.asarray(times_s, dtype=np.float64) * 1e6)
    return pd.to_datetime(micros, unit="us", utc=True)


@dataclass(frozen=True, kw_only=True, eq=False)
class SimulationResult:
    """Epoch-by-epoch outcome of every simulated path.

    Axes: ``P`` paths, ``E`` epochs (retarget periods; the first and last may be partial), ``A``
    actors (in :attr:`actor_names` order), ``H`` halvings reached. Arrays are read-only.

    Attributes
    ----------
    kind : {"expected", "monte_carlo", "block_by_block"}
        The engine that produced it. An expected path has one path and fractional (expected)
        block counts and rewards.
    inputs : SimulationInputs
        What was simulated.
    rng : dict or None
        Provenance of the random stream: bit generator name, its state before the run and, when
        known, the seed entropy and spawn key (``None`` for the expected path).
    versions : dict
        ``hashtide`` and ``numpy`` versions (numpy's distributions may change between versions).
    epoch_start_height : ndarray of int64, shape (E,)
        Height of each epoch's first simulated block.
    epoch_n_blocks : ndarray of int64, shape (E,)
        Blocks each epoch holds when complete (2016, less at a partial start or height horizon).
    start_time_s, end_time_s : ndarray, shape (P, E)
        When the epoch began (the previous block's time, or the start) and ended (its last
        block's time, or the horizon if that came first) [s since 1970 UTC]; NaN after a path
        passed a time horizon.
    complete : ndarray of bool, shape (P, E)
        The epoch's last block was found within the horizon.
    bits : ndarray of int64, shape (P, E)
        Compact target in force (0 after a path passed the horizon).
    span_s : ndarray, shape (P, E)
        Retarget span the epoch measured: last minus first block header time, 2015 intervals
        [s] (NaN where no retarget followed).
    hashrate_hs : ndarray, shape (P, E)
        Mean network hashrate over the epoch, ``∫H dt / (end - start)`` [H/s].
    blocks : ndarray, shape (P, E, A)
        Blocks found by each actor (int32, or float64 for an expected path).
    reward_sat : ndarray, shape (P, E, A)
        Subsidy plus fees earned by each actor [sat] (int64, or float64 for an expected path).
    halving_heights : ndarray of int64, shape (H,)
        Halving heights inside the simulated range.
    halving_time_s : ndarray, shape (P, H)
        Time of each halving block [s since 1970 UTC]; NaN if a path did not reach it.
    """

    kind: ResultKind
    inputs: SimulationInputs
    rng: dict[str, Any] | None
    versions: dict[str, str]
    epoch_start_height: NDArray[np.int64]
    epoch_n_blocks: NDArray[np.int64]
    start_time_s: NDArray[np.float64]
    end_time_s: NDArray[np.float64]
    complete: NDArray[np.bool_]
    bits: NDArray[np.int64]
    span_s: NDArray[np.float64]
    hashrate_hs: NDArray[np.float64]
    blocks: NDArray[Any]
    reward_sat: NDArray[Any]
    halving_heights: NDArray[np.int64]
    halving_time_s: NDArray[np.float64]
    _cache: dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        for name in (
            "epoch_start_height",
            "epoch_n_blocks",
            "start_time_s",
            "end_time_s",
            "complete",
            "bits",
            "span_s",
            "hashrate_hs",
            "blocks",
            "reward_sat",
            "halving_heights",
            "halving_time_s",
        ):
            getattr(self, name).setflags(write=False)

    @property
    def actor_names(self) -> tuple[str, ...]:
        """Actor names, the order of the last axis of :attr:`blocks` and :attr:`reward_sat`."""
        return self.inputs.actor_names

    @property
    def n_paths(self) -> int:
        """Number of paths (P)."""
        return int(self.start_time_s.shape[0])

    @property
    def n_epochs(self) -> int:
        """Number of epochs (E)."""
        return int(self.start_time_s.shape[1])

    @property
    def difficulty(self) -> NDArray[np.float64]:
        """Difficulty in force, shape (P, E) (NaN after the horizon)."""
        if "difficulty" not in self._cache:
            bits = self.bits
            valid = bits > 0
            values = np.full(bits.shape, np.nan)
            values[valid] = difficulty_array(bits[valid])
            self._cache["difficulty"] = values
        result: NDArray[np.float64] = self._cache["difficulty"]
        return result

    @property
    def total_blocks(self) -> NDArray[Any]:
        """Blocks per path and actor over the whole run, shape (P, A)."""
        dtype = np.float64 if self.kind == "expected" else np.int64
        total: NDArray[Any] = self.blocks.sum(axis=1, dtype=dtype)
        return total

    @property
    def total_reward_sat(self) -> NDArray[Any]:
        """Subsidy plus fees per path and actor over the whole run [sat], shape (P, A)."""
        total: NDArray[Any] = self.reward_sat.sum(axis=1)
        return total

    @property
    def blocks_simulated(self) -> int:
        """Blocks found over all paths (block-equivalents of the work the engine did)."""
        return round(float(self.blocks.sum(dtype=np.float64)))

    def _paths(self, paths: Sequence[int] | None) -> NDArray[np.int64]:
        if paths is None:
            return np.arange(self.n_paths)
        return np.asarray(paths, dtype=np.int64)

    def epochs_frame(self, paths: Sequence[int] | None = None) -> pd.DataFrame:
        """One row per path and epoch: heights, times (UTC), bits, difficulty, hashrate, blocks.

        Columns: ``path``, ``epoch``, ``start_height``, ``n_blocks`` (found),
        ``start_time``, ``end_time``, ``complete``, ``bits``, ``difficulty``, ``span_s``,
        ``hashrate_hs``. Rows after a path passed a time horizon are left out.
        """
        chosen = self._paths(paths)
        n_epochs = self.n_epochs
        path_index = np.repeat(chosen, n_epochs)
        epoch_index = np.tile(np.arange(n_epochs), chosen.size)
        start = self.start_time_s[chosen].ravel()
        frame = pd.DataFrame(
            {
                "path": path_index,
                "epoch": epoch_index,
                "start_height": self.epoch_start_height[epoch_index],
                "n_blocks": self.blocks[chosen].sum(axis=2).ravel(),
                "start_time": _utc(start),
                "end_time": _utc(self.end_time_s[chosen].ravel()),
                "complete": self.complete[chosen].ravel(),
                "bits": self.bits[chosen].ravel(),
                "difficulty": self.difficulty[chosen].ravel(),
                "span_s": self.span_s[chosen].ravel(),
                "hashrate_hs": self.hashrate_hs[chosen].ravel(),
            }
        )
        return frame[~np.isnan(start)].reset_index(drop=True)

    def actor_epochs_frame(self, paths: Sequence[int] | None = None) -> pd.DataFrame:
        """One row per path, epoch and actor: ``blocks`` and ``reward_sat``."""
        chosen = self._paths(paths)
        n_epochs, n_actors = self.n_epochs, len(self.actor_names)
        keep = ~np.isnan(self.start_time_s[chosen]).ravel()
        frame = pd.DataFrame(
            {
                "path": np.repeat(chosen, n_epochs * n_actors),
                "epoch": np.tile(np.repeat(np.arange(n_epochs), n_actors), chosen.size),
                "actor": pd.Categorical(
                    np.tile(np.array(self.actor_names, dtype=object), chosen.size * n_epochs),
                    categories=list(self.actor_names),
                ),
                "blocks": self.blocks[chosen].ravel(),
                "reward_sat": self.reward_sat[chosen].ravel(),
            }
        )
        return frame[np.repeat(keep, n_actors)].reset_index(drop=True)

    def totals_frame(self) -> pd.DataFrame:
        """One row per path and actor: ``blocks``, ``reward_sat`` and ``reward_btc`` totals."""
        n_actors = len(self.actor_names)
        reward = self.total_reward_sat
        return pd.DataFrame(
            {
                "path": np.repeat(np.arange(self.n_paths), n_actors),
                "actor": pd.Categorical(
                    np.tile(np.array(self.actor_names, dtype=object), self.n_paths),
                    categories=list(self.actor_names),
                ),
                "blocks": self.total_blocks.ravel(),
                "reward_sat": reward.ravel(),
                "reward_btc": reward.ravel() / SAT_PER_BTC,
            }
        )

    def summary(self, quantiles: Sequence[float] = _DEFAULT_QUANTILES) -> pd.DataFrame:
        """Mean and quantiles across paths of each actor's total blocks and reward.

        Returns a frame indexed by (``actor``, ``quantity``) with quantities ``blocks`` and
        ``reward_btc``, and columns ``mean`` and one per quantile (``q0.05`` …).
        """
        rows = []
        for quantity, values in (
            ("blocks", self.total_blocks.astype(np.float64)),
            ("reward_btc", self.total_reward_sat.astype(np.float64) / SAT_PER_BTC),
        ):
            levels = np.quantile(values, list(quantiles), axis=0)
            for i, name in enumerate(self.actor_names):
                row: dict[str, Any] = {"actor": name, "quantity": quantity}
                row["mean"] = float(values[:, i].mean())
                for q, level in zip(quantiles, levels[:, i], strict=True):
                    row[f"q{q:g}"] = float(level)
                rows.append(row)
        return pd.DataFrame(rows).set_index(["actor", "quantity"])

    def halving_summary(self, quantiles: Sequence[float] = _DEFAULT_QUANTILES) -> pd.DataFrame:
        """When each halving in range happens: quantiles across paths (UTC timestamps).

        Indexed by ``height``; columns ``reached_frac`` (share of paths that reached it within
        the horizon) and one per quantile (``q0.05`` …) over the paths that did.
        """
        rows = []
        for k, height in enumerate(self.halving_heights):
            times = self.halving_time_s[:, k]
            reached = times[~np.isnan(times)]
            row: dict[str, Any] = {
                "height": int(height),
                "reached_frac": reached.size / max(times.size, 1),
            }
            levels = (
                np.quantile(reached, list(quantiles))
                if reached.size
                else np.full(len(quantiles), np.nan)
            )
            for q, level in zip(quantiles, _utc(levels), strict=True):
                row[f"q{q:g}"] = level
            rows.append(row)
        columns = ["height", "reached_frac", *[f"q{q:g}" for q in quantiles]]
        return pd.DataFrame(rows, columns=columns).set_index("height")
