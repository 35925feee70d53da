"""Selfish mining block by block, with Bitcoin's real retarget: when does it start to pay?

Eyal & Sirer's revenue (:func:`~hashtide.security.selfish_mining_revenue`) is a share of the
blocks in the chain. A miner is paid per unit of *time*, though, and until the difficulty adjusts
to the orphaned blocks the chain grows more slowly than one block per 600 s — so a selfish miner
earns *less* per day than an honest one during the first retarget period, whatever its share, and
gains only afterwards (Grunspan & Pérez-Marco 2018). :func:`simulate_selfish_mining` races the
two branches block by block, retargets with :func:`hashtide.protocol.next_bits` on each branch's
own ancestry (orphaned blocks never count towards a period's 2016), and reports per retarget
period of the final chain the attacker's blocks, the period's duration and its bits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashtide.errors import InvalidInputError
from hashtide.protocol import (
    MAINNET,
    ChainParams,
    bits_to_target,
    expected_hashes_per_block,
    next_bits,
)
from hashtide.security import _validate

__all__ = [
    "DEFAULT_START_BITS",
    "SelfishMiningRun",
    "SelfishPayback",
    "selfish_mining_payback",
    "simulate_selfish_mining",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Bits in force at height 840,672 (April 2024), a realistic difficulty to start from. Any bits
#: below ``pow_limit`` will do: the difficulty must be free to fall when blocks are orphaned.
DEFAULT_START_BITS: Final = 0x17034219

_CHUNK: Final = 1 << 14  # random numbers drawn at a time


@dataclass(frozen=True, kw_only=True)
class SelfishMiningRun:
    """What :func:`simulate_selfish_mining` returns: per path and retarget period of the chain.

    Attributes
    ----------
    alpha, gamma : float
        The selfish miner's hashrate share and its tie-race parameter.
    params : ChainParams
        The consensus parameters simulated (period length, target spacing).
    hashrate_hs : float
        The network's total hashrate [H/s], constant.
    start_bits : int
        Bits of the first period.
    honest_blocks_per_s : float
        What the attacker would earn by mining honestly at the start difficulty [blocks/s]:
        ``alpha · hashrate_hs / work(start_bits)`` (``alpha / 600`` with the default hashrate).
    bits : numpy.ndarray of int64, shape (paths, periods)
        Bits in force in each period of the final chain.
    duration_s : numpy.ndarray, shape (paths, periods)
        Time from the previous period's last block (or the start) to the period's last block [s].
    selfish_blocks, honest_blocks : numpy.ndarray of int64, shape (paths, periods)
        Blocks of each kind of miner in the period (they add up to the period length).
    orphaned_selfish, orphaned_honest : numpy.ndarray of int64, shape (paths, periods)
        Blocks of each kind that lost a race, by the period of their height.
    """

    alpha: float
    gamma: float
    params: ChainParams
    hashrate_hs: float
    start_bits: int
    honest_blocks_per_s: float
    bits: IntArray
    duration_s: FloatArray
    selfish_blocks: IntArray
    honest_blocks: IntArray
    orphaned_selfish: IntArray
    orphaned_honest: IntArray
    rng_state: dict[str, object] = field(default_factory=dict, repr=False)

    @property
    def revenue_share_frac(self) -> FloatArray:
        """The attacker's share of each period's blocks [0–1], per path and period."""
        total = self.selfish_blocks + self.honest_blocks
        return np.asarray(self.selfish_blocks / total, dtype=float)

    @property
    def revenue_ratio(self) -> FloatArray:
        """The attacker's blocks per second in each period over honest mining's.

        Below 1 selfish mining earns less than honest mining would have in that period.
        """
        rate = self.selfish_blocks / self.duration_s
        return np.asarray(rate / self.honest_blocks_per_s, dtype=float)

    @property
    def cumulative_ratio(self) -> FloatArray:
        """Blocks earned since the start over what honest mining would have earned by then.

        Evaluated at the end of each period; it crosses 1 when selfish mining has paid back its
        losses of the first period(s).
        """
        blocks = np.cumsum(self.selfish_blocks, axis=1)
        elapsed = np.cumsum(self.duration_s, axis=1)
        return np.asarray(blocks / (self.honest_blocks_per_s * elapsed), dtype=float)

    def periods_frame(self) -> pd.DataFrame:
        """One row per retarget period: means across paths.

        Columns: ``period``, ``duration_days``, ``difficulty_factor`` (difficulty over the start
        difficulty), ``revenue_share_frac``, ``revenue_ratio``, ``cumulative_ratio``,
        ``orphaned_frac`` (orphaned blocks over all blocks found in the period).
        """
        start_work = _work(self.start_bits)
        factor = np.vectorize(lambda b: _work(int(b)) / start_work)(self.bits)
        orphans = self.orphaned_selfish + self.orphaned_honest
        found = self.selfish_blocks + self.honest_blocks + orphans
        return pd.DataFrame(
            {
                "period": np.arange(self.bits.shape[1]),
                "duration_days": self.duration_s.mean(axis=0) / 86_400.0,
                "difficulty_factor": factor.mean(axis=0),
                "revenue_share_frac": self.revenue_share_frac.mean(axis=0),
                "revenue_ratio": self.revenue_ratio.mean(axis=0),
                "cumulative_ratio": self.cumulative_ratio.mean(axis=0),
                "orphaned_frac": (orphans / found).mean(axis=0),
            }
        )


def _work(bits: int) -> float:
    return float(expected_hashes_per_block(bits_to_target(bits)))


class _Path:
    """One path's chain: the agreed prefix, the selfish private branch, the public branch."""

    def __init__(self, params: ChainParams, start_bits: int, n_blocks: int) -> None:
        self.params = params
        self.interval = params.difficulty_adjustment_interval
        self.n_blocks = n_blocks
        self.times: list[float] = []  # mining times of the agreed chain's blocks [s]
        self.selfish: list[bool] = []
        self.period_bits: list[int] = [start_bits]
        self.orphaned_selfish: list[int] = []  # heights
        self.orphaned_honest: list[int] = []

    def _extend(self, times: list[float], selfish: list[bool]) -> None:
        for t, s in zip(times, selfish, strict=True):
            self.times.append(t)
            self.selfish.append(s)
            height = len(self.times) - 1
            if (height + 1) % self.interval == 0:  # last block of a period: retarget
                first = self.times[height + 1 - self.interval]
                self.period_bits.append(
                    next_bits(self.period_bits[-1], int(first), int(t), params=self.params)
                )

    def bits_for(self, height: int, branch: list[float]) -> int:
        """Bits a block at ``height`` on ``branch`` (blocks after the agreed chain) must meet."""
        period = height // self.interval
        known = len(self.period_bits) - 1
        if period <= known:
            return self.period_bits[period]
        # The branch crosses a retarget the agreed chain has not reached: retarget on its own
        # ancestry (the agreed chain, then the branch).
        base = len(self.times)
        bits = self.period_bits[known]
        for k in range(known, period):
            first_h, last_h = k * self.interval, (k + 1) * self.interval - 1
            first = self.times[first_h] if first_h < base else branch[first_h - base]
            last = self.times[last_h] if last_h < base else branch[last_h - base]
            bits = next_bits(bits, int(first), int(last), params=self.params)
        return bits

    def run(self, alpha: float, gamma: float, hashrate_hs: float, rng: np.random.Generator) -> None:
        work: dict[int, float] = {}

        def rate(bits: int, share: float) -> float:
            w = work.get(bits)
            if w is None:
                w = work[bits] = _work(bits)
            return share * hashrate_hs / w

        private: list[float] = []  # the selfish miner's branch after the agreed chain
        public: list[float] = []  # the honest miners' branch after the agreed chain
        now = 0.0
        waits = rng.standard_exponential(_CHUNK)
        picks = rng.random(_CHUNK)
        i = 0
        while len(self.times) < self.n_blocks:
            if i == _CHUNK:
                waits = rng.standard_exponential(_CHUNK)
                picks = rng.random(_CHUNK)
                i = 0
            base = len(self.times)
            # (1, 1) is reached only by a tie: an honest block levelling a lead of 1.
            tie = len(private) == 1 and len(public) == 1
            r_selfish = rate(self.bits_for(base + len(private), private), alpha)
            honest_share = 1.0 - alpha
            if tie:
                r_on_selfish = rate(self.bits_for(base + 1, private), honest_share * gamma)
                r_on_honest = rate(self.bits_for(base + 1, public), honest_share * (1 - gamma))
            else:
                r_on_selfish = 0.0
                r_on_honest = rate(self.bits_for(base + len(public), public), honest_share)
            total = r_selfish + r_on_selfish + r_on_honest
            now += waits[i] / total
            u = picks[i] * total
            i += 1
            if u < r_selfish:  # the selfish miner finds a block on its private branch
                lead_before = len(private) - len(public)
                private.append(now)
                if lead_before == 0 and len(private) == 2:  # it wins the tie: publish all
                    self._resolve(private, [True, True], orphans=public, orphans_selfish=False)
                    private, public = [], []
                continue
            if tie:  # an honest block decides the tie
                if u < r_selfish + r_on_selfish:  # on the selfish block: both are kept
                    self._resolve([*private, now], [True, False], orphans=public,
                                  orphans_selfish=False)  # fmt: skip
                else:
                    self._resolve([*public, now], [False, False], orphans=private,
                                  orphans_selfish=True)  # fmt: skip
                private, public = [], []
                continue
            lead_before = len(private) - len(public)
            public.append(now)
            if lead_before == 0:  # nothing withheld: the honest block is simply accepted
                self._resolve(public, [False], orphans=[], orphans_selfish=False)
                private, public = [], []
            elif lead_before == 2:  # publish everything: the private branch is longer, it wins
                self._resolve(private, [True] * len(private), orphans=public,
                              orphans_selfish=False)  # fmt: skip
                private, public = [], []
            # lead_before == 1: it publishes its one withheld block and a tie race starts;
            # lead_before > 2: it publishes the next withheld block and the race goes on.

    def _resolve(
        self, winner: list[float], kinds: list[bool], *, orphans: list[float], orphans_selfish: bool
    ) -> None:
        base = len(self.times)
        heights = range(base, base + len(orphans))
        (self.orphaned_selfish if orphans_selfish else self.orphaned_honest).extend(heights)
        self._extend(winner, kinds)


def simulate_selfish_mining(
    alpha: float,
    gamma: float,
    *,
    n_periods: int,
    rng: np.random.Generator,
    n_paths: int = 1,
    params: ChainParams = MAINNET,
    start_bits: int = DEFAULT_START_BITS,
    hashrate_hs: float | None = None,
) -> SelfishMiningRun:
    """Simulate Eyal & Sirer's selfish-mining strategy block by block over retarget periods.

    Parameters
    ----------
    alpha : float
        The selfish miner's share of the hashrate, in [0, 1/2).
    gamma : float
        Fraction of the honest hashrate that mines on the selfish block in a tie race, [0, 1].
    n_periods : int
        Retarget periods of the final chain to simulate (>= 1).
    rng : numpy.random.Generator
        The source of randomness (pass ``numpy.random.default_rng(seed)``).
    n_paths : int
        Independent paths.
    params : ChainParams
        Consensus parameters: ``MAINNET`` (2016-block periods), or a custom ``ChainParams`` with
        a short ``pow_target_timespan_s`` for quick experiments.
    start_bits : int
        Bits of the first period; must be below ``params.pow_limit`` so the difficulty can fall.
    hashrate_hs : float, optional
        Total hashrate [H/s]; by default the one that finds a block every
        ``pow_target_spacing_s`` at ``start_bits`` — the honest network in equilibrium.

    Returns
    -------
    SelfishMiningRun
        Per path and period: bits, duration, blocks and orphans of each kind.

    Notes
    -----
    Blocks arrive as a Poisson process: each miner finds the next block on the branch it mines
    at rate ``share · hashrate / work(bits)``, with ``work = 2**256 / (target + 1)`` (Core's
    ``GetBlockProof``) and the bits that branch's own ancestry gives at that height. The selfish
    miner follows Algorithm 1 of Eyal & Sirer (2014): it withholds its blocks; when an honest
    block cuts its lead from 1 to 0 it publishes its block and a tie race starts, in which a
    fraction ``gamma`` of the honest hashrate mines on the selfish block; from a lead of 2 it
    publishes everything and wins; from a larger lead it publishes one block per honest block.
    A block's header time is the time it was *mined* (floored to a second); a period's span is
    measured on the final chain, so withheld blocks carry their early timestamps. Propagation
    delay (other than in ties), timestamp rules and fees are not modelled.

    Before the first retarget the chain grows more slowly than the target spacing (orphaned
    blocks are wasted work), so the attacker's blocks per second are *below* honest mining's,
    whatever its share: every one of its chain blocks is a block it found, and some it found
    are orphaned (none only when it wins every tie, ``gamma = 1``). After the retarget
    the difficulty has fallen by the orphan rate and it earns its Eyal–Sirer share
    ``R(alpha, gamma)`` of about one block per ``pow_target_spacing_s`` — more than honest
    mining's ``alpha`` when ``alpha`` is above the threshold (Grunspan & Pérez-Marco 2018).

    References
    ----------
    I. Eyal, E. G. Sirer, "Majority is not enough: Bitcoin mining is vulnerable", Financial
    Cryptography 2014, https://doi.org/10.1007/978-3-662-45472-5_28.
    C. Grunspan, R. Pérez-Marco, "On profitability of selfish mining", 2018,
    https://arxiv.org/abs/1805.08281.

    Examples
    --------
    >>> import numpy as np
    >>> from hashtide.protocol import ChainParams
    >>> short = ChainParams(name="short", pow_limit=2**224 - 1, pow_target_timespan_s=144 * 600)
    >>> run = simulate_selfish_mining(0.4, 0.5, n_periods=4, n_paths=20, params=short,
    ...                               rng=np.random.default_rng(1))
    >>> ratio = run.periods_frame()["revenue_ratio"]
    >>> bool(ratio[0] < 1 < ratio[3])  # loses before the first retarget, gains after
    True
    """
    a = _validate.fraction(
        "alpha",
        alpha,
        upper=0.5,
        upper_open=True,
        what="from 1/2 on the private chain outgrows the public one for good",
    )
    g = _validate.fraction("gamma", gamma, what="the fraction of honest miners that side with it")
    periods = _validate.count("n_periods", n_periods, minimum=1)
    paths = _validate.count("n_paths", n_paths, minimum=1)
    if not isinstance(rng, np.random.Generator):
        raise InvalidInputError(
            f"rng={rng!r} must be a numpy.random.Generator (numpy.random.default_rng(seed))"
        )
    if not isinstance(params, ChainParams):
        raise InvalidInputError(f"params={params!r} must be a hashtide.protocol.ChainParams")
    target = bits_to_target(start_bits)
    if not 0 < target < params.pow_limit:
        raise InvalidInputError(
            f"start_bits={start_bits:#x} must encode a target in (0, pow_limit) so that the "
            "difficulty can fall when blocks are orphaned"
        )
    start_work = _work(start_bits)
    if hashrate_hs is None:
        network_hs = start_work / params.pow_target_spacing_s
    else:
        network_hs = _validate.positive("hashrate_hs", hashrate_hs, unit="H/s")
    interval = params.difficulty_adjustment_interval
    state = dict(rng.bit_generator.state)
    shape = (paths, periods)
    bits = np.zeros(shape, dtype=np.int64)
    duration = np.zeros(shape)
    selfish_blocks = np.zeros(shape, dtype=np.int64)
    orphaned = {True: np.zeros(shape, dtype=np.int64), False: np.zeros(shape, dtype=np.int64)}
    for p in range(paths):
        path = _Path(params, start_bits, periods * interval)
        path.run(a, g, network_hs, rng)
        times = np.asarray(path.times[: periods * interval]).reshape(periods, interval)
        ends = times[:, -1]
        duration[p] = np.diff(np.concatenate([[0.0], ends]))
        selfish_blocks[p] = (
            np.asarray(path.selfish[: periods * interval]).reshape(periods, interval).sum(axis=1)
        )
        bits[p] = path.period_bits[:periods]
        for kind, heights in ((True, path.orphaned_selfish), (False, path.orphaned_honest)):
            counts = np.bincount(np.asarray(heights, dtype=np.int64) // interval, minlength=periods)
            orphaned[kind][p] = counts[:periods]
    return SelfishMiningRun(
        alpha=a,
        gamma=g,
        params=params,
        hashrate_hs=network_hs,
        start_bits=start_bits,
        honest_blocks_per_s=a * network_hs / start_work,
        bits=bits,
        duration_s=duration,
        selfish_blocks=selfish_blocks,
        honest_blocks=interval - selfish_blocks,
        orphaned_selfish=orphaned[True],
        orphaned_honest=orphaned[False],
        rng_state=state,
    )


@dataclass(frozen=True, kw_only=True)
class SelfishPayback:
    """When selfish mining starts to pay, from a simulation (means across paths).

    Attributes
    ----------
    alpha, gamma : float
        The selfish miner's share and tie-race parameter.
    first_retarget_s : float
        Time to the first retarget [s] (2016 blocks of the chain, slowed by orphans).
    first_period_ratio : float
        Its blocks per second in the first period over honest mining's (below 1: a loss).
    later_ratio : float
        The same after the first retarget, over the remaining periods.
    payback_s : float
        When its blocks since the start overtake what honest mining would have earned [s]
        (linear within a period); ``nan`` if not within the simulated periods or never.
    """

    alpha: float
    gamma: float
    first_retarget_s: float
    first_period_ratio: float
    later_ratio: float
    payback_s: float


def selfish_mining_payback(run: SelfishMiningRun) -> SelfishPayback:
    """Summarise a :class:`SelfishMiningRun`: the first period's loss, the later gain, payback.

    Examples
    --------
    >>> import numpy as np
    >>> run = simulate_selfish_mining(0.4, 0.5, n_periods=4, n_paths=5,
    ...                               rng=np.random.default_rng(7))
    >>> payback = selfish_mining_payback(run)
    >>> bool(payback.first_period_ratio < 1 < payback.later_ratio)
    True
    >>> bool(payback.first_retarget_s < payback.payback_s < 4 * 14 * 86_400)
    True
    """
    elapsed_s = np.cumsum(run.duration_s, axis=1)
    earned = np.cumsum(run.selfish_blocks, axis=1)
    # Blocks ahead of honest mining at the end of each period (negative: behind).
    surplus = (earned - run.honest_blocks_per_s * elapsed_s).mean(axis=0)
    ends_s = elapsed_s.mean(axis=0)
    payback = float("nan")
    if surplus[0] >= 0:
        payback = 0.0  # never behind at a period's end, on average
    else:
        for k in range(1, surplus.size):
            if surplus[k] >= 0:
                fraction = -surplus[k - 1] / (surplus[k] - surplus[k - 1])
                payback = float(ends_s[k - 1] + fraction * (ends_s[k] - ends_s[k - 1]))
                break
    ratio = run.revenue_ratio.mean(axis=0)
    later = float(ratio[1:].mean()) if ratio.size > 1 else float("nan")
    return SelfishPayback(
        alpha=run.alpha,
        gamma=run.gamma,
        first_retarget_s=float(run.duration_s[:, 0].mean()),
        first_period_ratio=float(ratio[0]),
        later_ratio=later,
        payback_s=payback,
    )
