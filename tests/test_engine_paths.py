"""Expected path and Monte Carlo: closed forms, conservation laws, reproducibility, outputs."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from hashtide.engine import (
    Actor,
    EpochState,
    FeeSchedule,
    FleetHashrate,
    Horizon,
    SimulationInputs,
    StartPoint,
    Trajectory,
    expected_path,
    monte_carlo,
)
from hashtide.errors import InvalidInputError
from hashtide.protocol import ChainParams, cumulative_subsidy_sat, next_bits

# Mainnet, from the period starting at 1,048,320 (= 520 × 2016), which holds the halving at
# 1,050,000 as its block 1,681. bits 0x17034219 (period 417 of the real chain).
BITS = 0x17034219
#: Independent derivation: 2**256 / (target + 1) for BITS, with the exact integer target
#: 312072983117630369221114618645075196904111619969122304 (protocol.bits_to_target).
WORK_PER_BLOCK = 2**256 / (312072983117630369221114618645075196904111619969122304 + 1)
T0 = 1_900_000_000.0
START = StartPoint(height=1_048_320, time_s=T0, bits=BITS)
SHORT = ChainParams(
    name="short", pow_limit=2**224 - 1, pow_target_timespan_s=20 * 600, subsidy_halving_interval=50
)


def _constant(seconds_per_block: float, shares: tuple[float, ...]) -> tuple[Actor, ...]:
    total = WORK_PER_BLOCK / seconds_per_block
    return tuple(
        Actor(name=f"a{i}", hashrate=Trajectory.constant(share * total))
        for i, share in enumerate(shares)
    )


def test_expected_path_constant_hashrate() -> None:
    # Independent derivation: at H = w / 612.3 s, block j of a period arrives j × 612.3 s after
    # its start; the retarget span is floor(2016 × 612.3) − floor(612.3) = 1,233,784 s (T0 is a
    # whole second); block 1,050,000 (the 5th halving) is block 1,681 of the first period.
    inputs = SimulationInputs(
        start=START,
        actors=_constant(612.3, (0.5, 0.3, 0.2)),
        horizon=Horizon(end_height=START.height + 2 * 2016),
        fees=1_000_000,
    )
    result = expected_path(inputs)
    assert result.n_paths == 1
    assert result.n_epochs == 2
    assert result.end_time_s[0, 0] == pytest.approx(T0 + 2016 * 612.3, abs=1e-5)
    assert result.span_s[0, 0] == 1_233_784
    assert result.bits[0, 1] == next_bits(BITS, 0, 1_233_784)
    assert result.halving_heights.tolist() == [1_050_000]
    assert result.halving_time_s[0, 0] == pytest.approx(T0 + 1681 * 612.3, abs=1e-5)
    np.testing.assert_allclose(result.blocks[0, 0], [1008.0, 604.8, 403.2], rtol=1e-12)
    # Rewards: 1,680 blocks at 3.125 BTC and 336 at 1.5625 BTC (Core's GetBlockSubsidy at
    # 1,048,320–1,049,999 and from 1,050,000), plus 1,000,000 sat each, shared 50/30/20.
    period_reward = 1680 * 312_500_000 + 336 * 156_250_000 + 2016 * 1_000_000
    np.testing.assert_allclose(
        result.reward_sat[0, 0], np.array([0.5, 0.3, 0.2]) * period_reward, rtol=1e-12
    )
    # Second period: the span exceeded two weeks, so the target grew by 1,233,784 / 1,209,600
    # (up to GetCompact's truncation, < 2e-5) and blocks come faster by the same factor.
    duration = result.end_time_s[0, 1] - result.start_time_s[0, 1]
    assert duration / (2016 * 612.3) == pytest.approx(1_209_600 / 1_233_784, rel=2e-5)


def test_expected_path_linear_ramp_closed_form() -> None:
    # Independent derivation: H(t) = H0 + b (t − T0) gives W(s) = H0 s + b s² / 2, so the
    # period ends at s = (sqrt(H0² + 2 b n w) − H0) / b for n w = 2016 w hashes.
    h0, slope = WORK_PER_BLOCK / 600.0, WORK_PER_BLOCK / 600.0 / 2_000_000.0
    ramp = Trajectory(times_s=[T0, T0 + 5e6], hashrate_hs=[h0, h0 + slope * 5e6])
    inputs = SimulationInputs(
        start=START,
        actors=(Actor(name="x", hashrate=ramp),),
        horizon=Horizon(end_height=START.height + 2016),
    )
    s = (math.sqrt(h0 * h0 + 2 * slope * 2016 * WORK_PER_BLOCK) - h0) / slope
    result = expected_path(inputs)
    assert result.end_time_s[0, 0] - T0 == pytest.approx(s, rel=1e-12)
    assert result.hashrate_hs[0, 0] == pytest.approx(2016 * WORK_PER_BLOCK / s, rel=1e-12)


def test_mid_period_start_uses_the_given_first_block_time() -> None:
    # Start at block 13 of a 20-block period whose first block was at −7,800 s; at 600 s per
    # block the period ends at 7 × 600 s, so the span is 4,200 + 7,800 = 12,000 s = T exactly.
    inputs = SimulationInputs(
        start=StartPoint(height=13, time_s=0.0, bits=0x1D00FFFF, epoch_first_block_time_s=-7_800),
        actors=(Actor(name="a", hashrate=Trajectory.constant(4_295_032_833.000015 / 600)),),
        horizon=Horizon(end_height=40),
        params=SHORT,
    )
    result = expected_path(inputs)
    assert result.epoch_start_height.tolist() == [13, 20]
    assert result.epoch_n_blocks.tolist() == [7, 20]
    assert result.span_s[0, 0] == 12_000
    assert result.bits[0, 1] == 0x1D00FFFF


def _short_inputs(**changes: object) -> SimulationInputs:
    fields: dict[str, object] = {
        "start": StartPoint(height=0, time_s=0.0, bits=0x1D00FFFF),
        "actors": (
            Actor(name="a", hashrate=Trajectory(times_s=[0, 40_000], hashrate_hs=[4e6, 1e7])),
            Actor(name="b", hashrate=Trajectory.constant(3e6)),
        ),
        "horizon": Horizon(end_height=130),
        "params": SHORT,
        "fees": 12_345,
    }
    fields.update(changes)
    return SimulationInputs(**fields)  # type: ignore[arg-type]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1), n_paths=st.integers(1, 40))
def test_monte_carlo_conservation_laws(seed: int, n_paths: int) -> None:
    result = monte_carlo(_short_inputs(), n_paths=n_paths, rng=np.random.default_rng(seed))
    blocks = result.blocks.sum(axis=2)
    # Every block of every period is found by exactly one actor (height horizon).
    assert (blocks == result.epoch_n_blocks).all()
    # Independent derivation: issuance from protocol.cumulative_subsidy_sat plus the fee per
    # block; no satoshi is lost or created by the attribution.
    issued = cumulative_subsidy_sat(130, params=SHORT) + 130 * 12_345
    assert (result.total_reward_sat.sum(axis=1) == issued).all()
    # Periods follow each other; each retarget is Core's for the measured span.
    np.testing.assert_array_equal(result.start_time_s[:, 1:], result.end_time_s[:, :-1])
    for p in range(min(n_paths, 5)):
        for e in range(result.n_epochs - 1):
            span = int(result.span_s[p, e])
            assert result.bits[p, e + 1] == next_bits(int(result.bits[p, e]), 0, span, params=SHORT)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**63))
def test_same_seed_same_result(seed: int) -> None:
    one = monte_carlo(_short_inputs(), n_paths=7, rng=np.random.default_rng(seed))
    two = monte_carlo(_short_inputs(), n_paths=7, rng=np.random.default_rng(seed))
    for name in ("end_time_s", "bits", "blocks", "reward_sat", "halving_time_s"):
        np.testing.assert_array_equal(getattr(one, name), getattr(two, name))
    assert one.rng is not None
    assert one.rng["seed_entropy"] == seed
    assert one.versions["numpy"] == np.__version__


def test_regression_snapshot() -> None:
    # Regression snapshot (not a validation): numbers of this exact run with numpy 2.x's PCG64
    # and distributions. A change means the stream, the algorithm or a platform's floating
    # point differs; check which before updating.
    result = monte_carlo(_short_inputs(), n_paths=3, rng=np.random.default_rng(20_260_101))
    assert result.total_blocks.tolist() == SNAPSHOT_BLOCKS
    assert [hex(b) for b in result.bits[:, -1]] == SNAPSHOT_BITS
    np.testing.assert_allclose(result.end_time_s[:, -1], SNAPSHOT_END_S, rtol=1e-12)


SNAPSHOT_BLOCKS = [[93, 37], [94, 36], [88, 42]]
SNAPSHOT_BITS = ["0x1d008e05", "0x1d00a837", "0x1d0099e8"]
SNAPSHOT_END_S = [72523.06541452673, 84023.59227330574, 74366.59164778312]


def test_expected_path_is_the_monte_carlo_mean_for_constant_hashrate() -> None:
    # For constant hashrate the period duration is linear in the Gamma(2016) work, so the
    # expected path's duration and block shares are the exact Monte Carlo means. 4,000 paths:
    # SE of the mean duration 0.035 % (2.2 % / sqrt(4000)); we require |z| < 4.
    inputs = SimulationInputs(
        start=START,
        actors=_constant(600.0, (0.6, 0.4)),
        horizon=Horizon(end_height=START.height + 2016),
    )
    expected = expected_path(inputs)
    result = monte_carlo(inputs, n_paths=4_000, rng=np.random.default_rng(7))
    duration = result.end_time_s[:, 0] - T0
    z = (duration.mean() - (expected.end_time_s[0, 0] - T0)) / stats.sem(duration)
    assert abs(z) < 4
    blocks = result.blocks[:, 0, 0].astype(float)
    assert abs((blocks.mean() - expected.blocks[0, 0, 0]) / stats.sem(blocks)) < 4


def test_monte_carlo_mean_on_a_ramp_matches_the_exact_expectation() -> None:
    # Independent derivation: on H(t) = H0 + b (t − T0) the period ends at
    # s(G) = (sqrt(H0² + 2 b G w) − H0) / b with G ~ Gamma(2016); E[s(G)] by quadrature.
    # The expected path uses s(E[G]) instead; s is concave, so by Jensen it is longer, by 57 s
    # here (same quadrature) = 0.56 SE of the 20,000-path mean: the tolerance is for the MC.
    h0, slope = WORK_PER_BLOCK / 600.0, WORK_PER_BLOCK / 600.0 / 1_000_000.0
    ramp = Trajectory(times_s=[T0, T0 + 1e7], hashrate_hs=[h0, h0 + slope * 1e7])
    inputs = SimulationInputs(
        start=START,
        actors=(Actor(name="x", hashrate=ramp),),
        horizon=Horizon(end_height=START.height + 2016),
    )

    def end(g: float) -> float:
        return (math.sqrt(h0 * h0 + 2 * slope * g * WORK_PER_BLOCK) - h0) / slope

    gamma = stats.gamma(2016)
    exact, _ = integrate.quad(lambda g: end(g) * gamma.pdf(g), 1700, 2350, epsabs=1e-6)
    result = monte_carlo(inputs, n_paths=20_000, rng=np.random.default_rng(8))
    duration = result.end_time_s[:, 0] - T0
    assert abs((duration.mean() - exact) / stats.sem(duration)) < 4
    assert expected_path(inputs).end_time_s[0, 0] - T0 == pytest.approx(end(2016.0), rel=1e-12)


def test_time_horizon_cuts_the_last_period() -> None:
    inputs = _short_inputs(horizon=Horizon(end_time_s=50_000.0))
    result = monte_carlo(inputs, n_paths=200, rng=np.random.default_rng(3))
    last_complete = result.complete.sum(axis=1)
    # Every path stops at the horizon: no block after it, the cut period marked incomplete.
    assert np.nanmax(result.end_time_s) == 50_000.0
    for p in range(result.n_paths):
        k = last_complete[p]
        assert not result.complete[p, k]
        assert result.end_time_s[p, k] == 50_000.0
        assert result.blocks[p, k].sum() < result.epoch_n_blocks[k]
        assert np.isnan(result.start_time_s[p, k + 1 :]).all()


def test_fee_schedule_rewards() -> None:
    # Fees change at 1e4 s and 2e4 s; the total fee income equals Σ fee(t_block) over blocks,
    # which with a height horizon is between 130 × min and 130 × max fee.
    fees = FeeSchedule(times_s=[0.0, 1e4, 2e4], fee_sat=(100, 10_000, 1))
    inputs = _short_inputs(fees=fees)
    result = monte_carlo(inputs, n_paths=50, rng=np.random.default_rng(4))
    fee_income = result.total_reward_sat.sum(axis=1) - cumulative_subsidy_sat(130, params=SHORT)
    assert (fee_income >= 130 * 1).all()
    assert (fee_income <= 130 * 10_000).all()
    assert len(set(fee_income.tolist())) > 1


def test_frames_and_summaries() -> None:
    result = monte_carlo(_short_inputs(), n_paths=20, rng=np.random.default_rng(5))
    frame = result.epochs_frame()
    assert len(frame) == 20 * result.n_epochs
    assert str(frame["start_time"].dtype) == "datetime64[us, UTC]"
    assert list(frame.columns[:4]) == ["path", "epoch", "start_height", "n_blocks"]
    assert (frame["n_blocks"] == np.tile(result.epoch_n_blocks, 20)).all()
    actors = result.actor_epochs_frame(paths=[0, 1])
    assert len(actors) == 2 * result.n_epochs * 2
    assert list(actors["actor"].cat.categories) == ["a", "b"]
    totals = result.totals_frame()
    assert totals.groupby("path")["blocks"].sum().eq(130).all()
    summary = result.summary(quantiles=(0.1, 0.9))
    assert list(summary.columns) == ["mean", "q0.1", "q0.9"]
    assert summary.loc[("a", "blocks"), "mean"] + summary.loc[("b", "blocks"), "mean"] == 130
    halvings = result.halving_summary()
    assert halvings.index.tolist() == [50, 100]
    assert (halvings["reached_frac"] == 1.0).all()
    assert isinstance(halvings.loc[50, "q0.5"], pd.Timestamp)
    assert result.difficulty.shape == (20, result.n_epochs)


def test_market_model_sees_the_state_and_sets_the_hashrate() -> None:
    seen: list[EpochState] = []

    def market(state: EpochState) -> FleetHashrate:
        seen.append(state)
        # Each path's network follows its difficulty: 2**32 × D / 600 s, split 70/30.
        total = state.difficulty * 2**32 / 600.0
        values = np.stack([0.7 * total, 0.3 * total], axis=1)[:, :, None]
        return FleetHashrate(times_s=[0.0], hashrate_hs=values, interpolation="step")

    inputs = _short_inputs(actors=(Actor(name="a"), Actor(name="b")))
    result = monte_carlo(inputs, n_paths=30, rng=np.random.default_rng(6), market=market)
    assert [state.start_height for state in seen] == result.epoch_start_height.tolist()
    for e, state in enumerate(seen):
        np.testing.assert_array_equal(state.time_s, result.start_time_s[:, e])
        np.testing.assert_array_equal(state.bits, result.bits[:, e])
        np.testing.assert_array_equal(state.blocks, result.blocks[:, :e].sum(axis=1))
        assert state.n_paths == 30
    # Over 6.5 periods of 20 blocks, the 70 % actor finds about 91 of 130 blocks.
    assert result.total_blocks[:, 0].mean() == pytest.approx(91, abs=4)


def test_market_model_output_is_checked() -> None:
    def broken(state: EpochState) -> FleetHashrate:
        values = np.full((state.n_paths, 2, 2), 1e6)
        values[3, 1, 1] = np.nan
        return FleetHashrate(times_s=[0.0, 1e4], hashrate_hs=values)

    inputs = _short_inputs(actors=(Actor(name="a"), Actor(name="b")))
    with pytest.raises(
        InvalidInputError,
        match=r"market model, epoch 0, path 3: actor 'b' has hashrate_hs = nan at 1970-01-01T02:46",
    ):
        monte_carlo(inputs, n_paths=5, rng=np.random.default_rng(0), market=broken)


def test_shared_market_output_equals_static_trajectories() -> None:
    # A market model returning the actors' own trajectories (no path axis) must reproduce the
    # static run: same draws, same blocks; times agree to rounding (different knot origins).
    static = _short_inputs()
    trajectories = [actor.hashrate for actor in static.actors if actor.hashrate is not None]
    fleet = FleetHashrate.from_actors(trajectories)
    market_inputs = replace(static, actors=(Actor(name="a"), Actor(name="b")))
    one = monte_carlo(static, n_paths=50, rng=np.random.default_rng(9))
    two = monte_carlo(
        market_inputs, n_paths=50, rng=np.random.default_rng(9), market=lambda s: fleet
    )
    np.testing.assert_array_equal(one.blocks, two.blocks)
    np.testing.assert_allclose(one.end_time_s, two.end_time_s, rtol=1e-12)


def test_max_epochs_guard() -> None:
    with pytest.raises(InvalidInputError, match="max_epochs=2"):
        monte_carlo(_short_inputs(), n_paths=2, rng=np.random.default_rng(0), max_epochs=2)
