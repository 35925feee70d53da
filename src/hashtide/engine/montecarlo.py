"""Monte Carlo of block production, epoch by epoch, exact in distribution."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hashtide.engine.epochs import Counts, FloatArray, run_epochs
from hashtide.engine.inputs import MarketModel, SimulationInputs
from hashtide.engine.results import ResultKind, SimulationResult
from hashtide.errors import InvalidInputError

#: Default cap on epochs, so a horizon that is never reached raises instead of running for ever.
DEFAULT_MAX_EPOCHS = 100_000


def rng_provenance(rng: np.random.Generator) -> dict[str, Any]:
    """What reproduces ``rng``'s stream: bit generator, state, and seed entropy when known."""
    bit_generator = rng.bit_generator
    info: dict[str, Any] = {
        "bit_generator": type(bit_generator).__name__,
        "state": copy.deepcopy(bit_generator.state),
    }
    seed_seq = getattr(bit_generator, "seed_seq", None)
    if isinstance(seed_seq, np.random.SeedSequence):
        info["seed_entropy"] = seed_seq.entropy
        info["spawn_key"] = tuple(seed_seq.spawn_key)
    return info


class RandomDraws:
    """Draws every random quantity of an epoch from one ``numpy.random.Generator``."""

    kind: ResultKind = "monte_carlo"
    count_dtype = np.int64
    reward_dtype = np.int64

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng

    def work(self, blocks: int, size: int) -> FloatArray:
        """Gamma(blocks, 1) per path (an exponential for one block) [blocks of work]."""
        if blocks == 1:
            return self._rng.standard_exponential(size)
        return self._rng.standard_gamma(float(blocks), size)

    def split(self, n: Counts, frac: FloatArray) -> Counts:
        """Binomial(n, frac) per path."""
        result: NDArray[np.int64] = self._rng.binomial(n, frac).astype(np.int64, copy=False)
        return result

    def multinomial(self, n: Counts, shares: FloatArray) -> Counts:
        """Multinomial(n, shares) per path, shape (P, A)."""
        result: NDArray[np.int64] = self._rng.multinomial(n, shares).astype(np.int64, copy=False)
        return result

    def one_block(
        self,
        weights: FloatArray,
        found: NDArray[np.bool_],
        reward_sat: NDArray[np.int64],
        counts: Counts,
        rewards: Counts,
    ) -> None:
        """Give one block per found path to actor ``i`` with probability ∝ ``weights[i]``.

        ``weights`` is actor-major (A, P); ``counts`` and ``rewards`` are (P, A).

        The uniform draw is compared with strict inequality against the cumulative weights, so
        an actor with zero weight is never chosen.
        """
        n_actors = weights.shape[0]
        cumulative = np.empty_like(weights)
        cumulative[0] = weights[0]
        for i in range(1, n_actors):  # a sequential cumulative sum: same rounding everywhere
            np.add(cumulative[i - 1], weights[i], out=cumulative[i])
        u = self._uniform(weights.shape[1]) * cumulative[-1]
        choice = np.minimum((cumulative <= u).sum(axis=0), n_actors - 1)
        rows = np.flatnonzero(found)
        counts[rows, choice[rows]] += 1
        rewards[rows, choice[rows]] += reward_sat[rows]

    def _uniform(self, size: int) -> FloatArray:
        result: FloatArray = self._rng.random(size)
        return result

    def provenance(self) -> dict[str, Any]:
        """Bit generator, its state before the run, and the seed entropy when known."""
        return rng_provenance(self._rng)


class StreamDraws(RandomDraws):
    """Draws from one generator per block of consecutive paths (:func:`path_streams`).

    Block ``b`` holds paths ``[start_b, start_b + size_b)`` and draws only from its own
    generator, and only where a draw is random: a binomial with ``n = 0`` or ``frac`` 0 or 1,
    a multinomial of 0 blocks, take no random number. A block's paths therefore get the same
    numbers whichever other blocks are simulated with them: run paths in chunks of whole
    blocks and the result is the same as in one run.
    """

    def __init__(self, streams: Sequence[tuple[int, np.random.Generator]]) -> None:
        if not streams:
            raise InvalidInputError("path_streams needs at least one block of paths")
        super().__init__(streams[0][1])
        self._streams = tuple(streams)
        sizes = np.array([size for size, _ in streams], dtype=np.int64)
        self._bounds = np.concatenate([[0], np.cumsum(sizes)])

    @property
    def n_paths(self) -> int:
        """Paths the blocks cover."""
        return int(self._bounds[-1])

    def _blocks(self) -> list[tuple[slice, np.random.Generator]]:
        return [
            (slice(int(a), int(b)), rng)
            for a, b, (_, rng) in zip(
                self._bounds[:-1], self._bounds[1:], self._streams, strict=True
            )
        ]

    def work(self, blocks: int, size: int) -> FloatArray:
        """Gamma(blocks, 1) per path, each block from its generator."""
        if size != self.n_paths:
            raise InvalidInputError(f"work for {size} paths; the streams cover {self.n_paths}")
        parts = [
            rng.standard_exponential(part.stop - part.start)
            if blocks == 1
            else rng.standard_gamma(float(blocks), part.stop - part.start)
            for part, rng in self._blocks()
        ]
        return np.concatenate(parts)

    def split(self, n: Counts, frac: FloatArray) -> Counts:
        """Binomial(n, frac) per path; certain outcomes drawn from no generator."""
        n = np.asarray(n, dtype=np.int64)
        out: NDArray[np.int64] = np.where(frac >= 1.0, n, 0).astype(np.int64)
        random = (n > 0) & (frac > 0.0) & (frac < 1.0)
        for part, rng in self._blocks():
            rows = np.flatnonzero(random[part]) + part.start
            if rows.size:
                out[rows] = rng.binomial(n[rows], frac[rows])
        return out

    def multinomial(self, n: Counts, shares: FloatArray) -> Counts:
        """Multinomial(n, shares) per path, shape (P, A); 0 blocks drawn from no generator."""
        n = np.asarray(n, dtype=np.int64)
        out = np.zeros(shares.shape, dtype=np.int64)
        for part, rng in self._blocks():
            rows = np.flatnonzero(n[part] > 0) + part.start
            if rows.size:
                out[rows] = rng.multinomial(n[rows], shares[rows])
        return out

    def _uniform(self, size: int) -> FloatArray:
        return np.concatenate([rng.random(part.stop - part.start) for part, rng in self._blocks()])

    def provenance(self) -> dict[str, Any]:
        """The first block's generator, and every block's size and seed."""
        info = rng_provenance(self._streams[0][1])
        info["blocks"] = [
            {"paths": size, **{k: v for k, v in rng_provenance(rng).items() if k != "state"}}
            for size, rng in self._streams
        ]
        return info


def path_streams(
    seed: np.random.SeedSequence, n_paths: int, *, block_paths: int, first_path: int = 0
) -> list[tuple[int, np.random.Generator]]:
    """Generators for paths ``[first_path, first_path + n_paths)`` in blocks of ``block_paths``.

    Path ``p`` belongs to block ``p // block_paths``, whose generator is seeded by
    ``SeedSequence(seed.entropy, spawn_key=seed.spawn_key + (block,))`` — it depends on the
    block's index only, not on which other paths run with it. ``first_path`` must start a block.

    Examples
    --------
    >>> streams = path_streams(np.random.SeedSequence(1), 10, block_paths=4)
    >>> [size for size, _ in streams]
    [4, 4, 2]
    """
    if block_paths < 1 or first_path % block_paths:
        raise InvalidInputError(
            f"first_path={first_path} must be a multiple of block_paths={block_paths} >= 1"
        )
    out = []
    for start in range(first_path, first_path + n_paths, block_paths):
        size = min(block_paths, first_path + n_paths - start)
        child = np.random.SeedSequence(
            seed.entropy, spawn_key=(*seed.spawn_key, start // block_paths)
        )
        out.append((size, np.random.default_rng(child)))
    return out


def monte_carlo(
    inputs: SimulationInputs,
    *,
    n_paths: int,
    rng: np.random.Generator | Sequence[tuple[int, np.random.Generator]],
    market: MarketModel | None = None,
    max_epochs: int = DEFAULT_MAX_EPOCHS,
) -> SimulationResult:
    """Simulate block production on ``n_paths`` independent paths, epoch by epoch.

    Parameters
    ----------
    inputs : SimulationInputs
        Start point, actors, events, fees, horizon and consensus parameters.
    n_paths : int
        Number of paths (>= 1).
    rng : numpy.random.Generator or list of (paths, Generator)
        The only source of randomness; the same generator state gives the same result. A list
        (:func:`path_streams`) gives each block of paths its own generator
        (:class:`StreamDraws`), so paths run in chunks of whole blocks give the same result as
        one run.
    market : callable, optional
        Called with an :class:`~hashtide.engine.EpochState` at the start of every epoch; returns
        a :class:`~hashtide.engine.FleetHashrate` used from then on (instead of the actors'
        trajectories). It must treat paths independently.
    max_epochs : int
        Raise :class:`~hashtide.errors.InvalidInputError` rather than run more epochs.

    Returns
    -------
    SimulationResult

    Notes
    -----
    Each hash meets the target with probability ``(target + 1) / 2**256``, so blocks arrive
    as a Poisson process in cumulative work ``W(t) = ∫H dt`` with one block per
    ``w = 2**256 / (target + 1)`` hashes on average (Core's ``GetBlockProof``). Measured in units
    of ``w``, the work from the epoch's start to its ``j``-th block is ``S_j ~ Gamma(j, 1)``
    with independent increments, so the engine draws ``S`` only at *marks*: the first block
    (``S_1 ~ Exp(1)``, which starts the retarget span), each halving block and the last block
    (``S_n``). Block times are ``t_j = W^{-1}(W(t_0) + S_j w)``, exact for piecewise-linear
    hashrates. Given the marks, the blocks between two marks are i.i.d. uniform in work
    between them (order statistics of a Poisson process), so

    * the number of them before a time ``τ`` (a fee change, the horizon) is
      ``Binomial(m, (S(τ) - S_a) / (S_b - S_a))``;
    * each goes to actor ``i`` with probability ``∫H_i dt / ∫H dt`` over its stretch, i.e. one
      multinomial per stretch;
    * a mark block itself goes to ``i`` with the instantaneous share ``H_i(t_j) / H(t_j)``.

    The retarget then uses the floored header times of the first and last block (2015
    intervals) through :func:`hashtide.engine.next_bits_array`, bit-identical to Core's
    ``CalculateNextWorkRequired``. Nothing is approximated: the joint distribution of block
    times at the marks, block counts and winners equals that of a block-by-block simulation
    (tested against :func:`hashtide.engine.block_by_block`). Header times are the floor of the
    continuous arrival time; Core's median-time-past and future-time rules are not modelled.

    References
    ----------
    Ross, *Introduction to Probability Models*, 12th ed., §5.3.5 (given ``N(t) = n``, Poisson
    arrival times are uniform order statistics) and §5.4.1 (non-homogeneous Poisson processes).
    Bitcoin Core ``src/pow.cpp`` and ``src/chain.cpp`` (``GetBlockProof``).

    Examples
    --------
    >>> import numpy as np
    >>> from hashtide.engine import Actor, Horizon, SimulationInputs, StartPoint, Trajectory
    >>> inputs = SimulationInputs(
    ...     start=StartPoint(height=840_672, time_s=1.7136e9, bits=0x17034219),
    ...     actors=(Actor(name="all", hashrate=Trajectory.constant(6e20)),),
    ...     horizon=Horizon(end_height=840_672 + 4 * 2016),
    ... )
    >>> result = monte_carlo(inputs, n_paths=100, rng=np.random.default_rng(1))
    >>> result.blocks.shape
    (100, 4, 1)
    >>> int(result.total_blocks.sum())
    806400
    """
    if isinstance(n_paths, bool) or not isinstance(n_paths, int) or n_paths < 1:
        raise InvalidInputError(f"n_paths={n_paths!r} must be an integer >= 1")
    draws: RandomDraws
    if isinstance(rng, np.random.Generator):
        draws = RandomDraws(rng)
    elif isinstance(rng, list | tuple) and all(isinstance(g, np.random.Generator) for _, g in rng):
        draws = StreamDraws(rng)
        if draws.n_paths != n_paths:
            raise InvalidInputError(
                f"the path streams cover {draws.n_paths} paths; n_paths is {n_paths}"
            )
    else:
        raise InvalidInputError(
            f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got "
            f"{type(rng).__name__}"
        )
    return run_epochs(inputs, n_paths=n_paths, draws=draws, market=market, max_epochs=max_epochs)
