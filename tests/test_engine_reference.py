"""The block-by-block reference mode on its own: exact invariants and a fast statistical check.

The slow distributional comparison with the fast engine lives in test_engine_statistics.py; this
file keeps the reference simulator covered by fast tests (issue #15 item 11: mutants of
engine/reference.py survived everything but the minute-long statistics).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from hashtide.engine import (
    Actor,
    Horizon,
    SimulationInputs,
    StartPoint,
    Trajectory,
    block_by_block,
)
from hashtide.protocol import ChainParams, next_bits

#: 20-block periods of 600 s, halvings every 30 blocks: three periods hold a halving.
SHORT = ChainParams(
    name="short", pow_limit=2**224 - 1, pow_target_timespan_s=20 * 600, subsidy_halving_interval=30
)
#: Independent derivation: 2**256 / (0xffff · 2**208 + 1) hashes per block at bits 0x1d00ffff.
W1 = 2**256 / (0xFFFF * 2**208 + 1)
H = W1 / 600.0  # 600 s per block at difficulty 1
FEE_SAT = 25_000_000
PATHS = 200


@pytest.fixture(scope="module")
def run():  # type: ignore[no-untyped-def]
    inputs = SimulationInputs(
        start=StartPoint(height=0, time_s=0.0, bits=0x1D00FFFF),
        actors=(
            Actor(name="big", hashrate=Trajectory.constant(0.75 * H)),
            Actor(name="small", hashrate=Trajectory.constant(0.25 * H)),
        ),
        horizon=Horizon(end_height=60),
        fees=FEE_SAT,
        params=SHORT,
    )
    return block_by_block(inputs, n_paths=PATHS, rng=np.random.default_rng(5))


def test_periods_blocks_and_rewards_are_exact(run) -> None:  # type: ignore[no-untyped-def]
    assert run.epoch_start_height.tolist() == [0, 20, 40]
    assert run.epoch_n_blocks.tolist() == [20, 20, 20]
    assert run.halving_heights.tolist() == [30]
    assert bool(run.complete.all())
    assert (run.blocks.sum(axis=2) == 20).all()
    # Independent derivation: subsidy 50 BTC below height 30, 25 BTC from it, plus the fee:
    # period 0: 20 × (50e8 + fee); period 1: 10 × 50e8 + 10 × 25e8 + 20 × fee; period 2:
    # 20 × (25e8 + fee).
    expected = [
        20 * (5_000_000_000 + FEE_SAT),
        10 * 5_000_000_000 + 10 * 2_500_000_000 + 20 * FEE_SAT,
        20 * (2_500_000_000 + FEE_SAT),
    ]
    assert (run.reward_sat.sum(axis=2) == np.array(expected)).all()
    # The halving happens at the time of block 30, inside period 1.
    halving = run.halving_time_s[:, 0]
    assert (run.start_time_s[:, 1] < halving).all()
    assert (halving <= run.end_time_s[:, 1]).all()


def test_retargets_follow_the_scalar_rule(run) -> None:  # type: ignore[no-untyped-def]
    # Each period's bits are protocol.next_bits of the previous period's span (19 intervals).
    assert (run.bits[:, 0] == 0x1D00FFFF).all()
    for path in range(10):
        for epoch in (1, 2):
            previous = int(run.bits[path, epoch - 1])
            span = int(run.span_s[path, epoch - 1])
            assert run.bits[path, epoch] == next_bits(previous, 0, span, params=SHORT)
    # The span runs from the first to the last block: shorter than the period's duration.
    duration = run.end_time_s[:, 0] - run.start_time_s[:, 0]
    assert (run.span_s[:, 0] <= duration).all()
    assert (run.span_s[:, 0] > 0).all()


def test_block_times_and_shares_statistically(run) -> None:  # type: ignore[no-untyped-def]
    # Period 0 at difficulty 1 with H: 20 exponential gaps of mean 600 s → mean 12,000 s,
    # standard deviation 600·√20 = 2,683 s per path, standard error 2,683/√200 = 190 s. Fixed
    # seed; the tolerance is 5 standard errors.
    duration = run.end_time_s[:, 0] - run.start_time_s[:, 0]
    assert duration.mean() == pytest.approx(12_000.0, abs=5 * 600 * math.sqrt(20 / PATHS))
    # 3/4 of the hashrate finds 3/4 of the 12,000 blocks: standard error √(3/16/12,000) = 0.004.
    share = run.blocks[:, :, 0].sum() / run.blocks.sum()
    assert share == pytest.approx(0.75, abs=5 * math.sqrt(0.75 * 0.25 / (PATHS * 60)))
    # The mean hashrate of each period is the work done over its duration: H, constant.
    assert run.hashrate_hs == pytest.approx(np.full(run.hashrate_hs.shape, H), rel=1e-9)


def test_thinning_follows_a_falling_hashrate() -> None:
    # Hashrate falling linearly from 2H to H over 12,000 s, then H. Blocks are a Poisson process
    # with mean Λ(t) = ∫H/W1 = (2t − t²/24,000)/600 up to 12,000 s (30 blocks there), then
    # +(t − 12,000)/600. Independent derivation of the mean time of the 20th block:
    # E[D] = ∫ P(Poisson(Λ(t)) ≤ 19) dt = 7,144.8 s (numerical integral, 0.1 s steps).
    # Blocks kept at the peak rate without thinning would come in 6,000 s on average.
    t = np.linspace(0.0, 60_000.0, 600_001)
    lam = np.where(t <= 12_000, (2 * t - t * t / 24_000) / 600, 30 + (t - 12_000) / 600)
    expected = float(np.trapezoid(stats.poisson.cdf(19, lam), t))
    assert expected == pytest.approx(7_144.8, abs=0.1)
    inputs = SimulationInputs(
        start=StartPoint(height=0, time_s=0.0, bits=0x1D00FFFF),
        actors=(
            Actor(
                name="falling",
                hashrate=Trajectory(times_s=[0, 12_000, 1e7], hashrate_hs=[2 * H, H, H]),
            ),
        ),
        horizon=Horizon(end_height=20),
        params=SHORT,
    )
    paths = 200
    run = block_by_block(inputs, n_paths=paths, rng=np.random.default_rng(3))
    duration = run.end_time_s[:, 0] - run.start_time_s[:, 0]
    # Fixed seed; 4 standard errors (the sample's: ≈ 140 s).
    error = duration.std() / math.sqrt(paths)
    assert duration.mean() == pytest.approx(expected, abs=4 * error)
