"""The expected path: the epoch loop with every random quantity replaced by its mean."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from hashtide.engine.epochs import Counts, FloatArray, run_epochs
from hashtide.engine.inputs import MarketModel, SimulationInputs
from hashtide.engine.montecarlo import DEFAULT_MAX_EPOCHS
from hashtide.engine.results import ResultKind, SimulationResult


class MeanDraws:
    """Means instead of draws: Gamma(j) → j, Binomial(n, f) → n f, Multinomial → n p."""

    kind: ResultKind = "expected"
    count_dtype = np.float64
    reward_dtype = np.float64

    def work(self, blocks: int, size: int) -> FloatArray:
        """Mean work to find ``blocks`` blocks: ``blocks`` [blocks of work]."""
        return np.full(size, float(blocks))

    def split(self, n: Counts, frac: FloatArray) -> Counts:
        """Mean of Binomial(n, frac)."""
        return n * frac

    def multinomial(self, n: Counts, shares: FloatArray) -> Counts:
        """Mean of Multinomial(n, shares)."""
        return n[:, None] * shares

    def one_block(
        self,
        weights: FloatArray,
        found: NDArray[np.bool_],
        reward_sat: NDArray[np.int64],
        counts: Counts,
        rewards: Counts,
    ) -> None:
        """Expected one-hot: each actor gets its share of the block (where ``found``)."""
        given = (weights / weights.sum(axis=0)).T * found[:, None]
        counts += given
        rewards += given * reward_sat[:, None]

    def provenance(self) -> dict[str, Any] | None:
        """No randomness."""
        return None


def expected_path(
    inputs: SimulationInputs,
    *,
    market: MarketModel | None = None,
    max_epochs: int = DEFAULT_MAX_EPOCHS,
) -> SimulationResult:
    """The deterministic path: each epoch ends when ``∫H dt`` reaches its expected work.

    Parameters
    ----------
    inputs : SimulationInputs
    market : callable, optional
        As in :func:`monte_carlo` (called with one path).
    max_epochs : int
        Raise rather than run more epochs.

    Returns
    -------
    SimulationResult
        One path; ``blocks`` and ``reward_sat`` are expected (fractional) values.

    Notes
    -----
    The same loop as :func:`monte_carlo` with each random quantity replaced by its mean given
    the earlier ones: block ``j`` of an epoch arrives when ``∫_{t_0}^{t} H dt = j · w``
    (``w = 2**256 / (target + 1)`` hashes, Core's ``GetBlockProof``), so the epoch ends at
    ``∫H dt = n · w`` (``n = 2016``) and the retarget measures from block 1 to block ``n``
    (2015 intervals) exactly as Core does; blocks between marks are attributed by
    ``∫H_i dt / ∫H dt``, mark blocks by the instantaneous share. For a constant hashrate the
    epoch duration and block counts are the Monte Carlo means exactly; otherwise the expected
    path differs from the Monte Carlo mean by Jensen terms of relative order ``1/n`` per
    nonlinear step (the retarget's ``1/span``, a time-varying ``W^{-1}``).

    Examples
    --------
    >>> from hashtide.engine import Actor, Horizon, SimulationInputs, StartPoint, Trajectory
    >>> from hashtide.protocol import REGTEST
    >>> inputs = SimulationInputs(
    ...     start=StartPoint(height=0, time_s=0.0, bits=0x1D00FFFF),
    ...     actors=(Actor(name="a", hashrate=Trajectory.constant(1e7)),),
    ...     horizon=Horizon(end_height=2016),
    ... )
    >>> result = expected_path(inputs)
    >>> round(float(result.end_time_s[0, 0]) / 2016, 3)  # s per block: 2**256/(target+1)/1e7
    429.503
    """
    return run_epochs(inputs, n_paths=1, draws=MeanDraws(), market=market, max_epochs=max_epochs)
