"""Selfish mining: Eyal & Sirer's closed forms, and the block-race simulation with the retarget.

Sources of the expected numbers:

* **published** — Eyal & Sirer, "Majority is not enough: Bitcoin mining is vulnerable",
  Financial Cryptography 2014 (https://doi.org/10.1007/978-3-662-45472-5_28; arXiv:1311.0243),
  §4.3, Observation 1: selfish mining pays above (1 − γ)/(3 − 2γ), "1/3 for γ = 0 and 1/4 for
  γ = 1/2" (quoted in ../shared/REFERENCES.md §7).
* **independent derivation** — the revenue from the stationary distribution of the strategy's
  state machine (states 0, 0', 1, 2, …, truncated far away), built from the strategy's
  description in §3 and solved numerically with a linear solver — not the closed form retyped.
  REFERENCES.md's "computed" values R(0.3, ½) = 0.3269 and R(0.4, 0) = 0.4837 are checked
  against it too.
* The simulation is checked statistically against those, with stated power (below).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import sparse
from scipy.sparse import linalg as sparse_linalg

from hashtide.errors import InvalidInputError
from hashtide.protocol import MAINNET, ChainParams
from hashtide.security import (
    SelfishMiningRun,
    selfish_mining_payback,
    selfish_mining_profitable,
    selfish_mining_revenue,
    selfish_mining_threshold,
    simulate_selfish_mining,
)


def markov_revenue(alpha: float, gamma: float, lead_cap: int = 400) -> tuple[float, float]:
    """(revenue share, chain blocks per block found) from the state machine's stationary law.

    States: 0 (no private block), 0' (a tie: one block on each branch), and the selfish lead
    n = 1, 2, …, lead_cap. Each transition is one block found; the blocks that end in the chain
    are credited as the races they close are decided (Eyal & Sirer §3–4):

    * 0:  selfish finds one → lead 1; honest finds one → 0, honest +1.
    * 0': selfish → 0, selfish +2; honest on the selfish block (γ) → 0, selfish +1 and honest +1;
      honest on its own (1 − γ) → 0, honest +2.
    * 1:  selfish → lead 2; honest → 0' (it publishes its block).
    * 2:  selfish → lead 3; honest → 0, selfish +2 (it publishes both and wins).
    * n > 2: selfish → n + 1; honest → n − 1, selfish +1 (that block is now safe).
    """
    a, g = alpha, gamma
    b = 1.0 - a
    n_states = lead_cap + 2  # 0, 0', leads 1 … lead_cap
    zero, tie = 0, 1

    def lead(n: int) -> int:
        return 1 + min(n, lead_cap)

    moves: list[tuple[int, int, float, float, float]] = [  # (from, to, prob, selfish, honest)
        (zero, lead(1), a, 0, 0),
        (zero, zero, b, 0, 1),
        (tie, zero, a, 2, 0),
        (tie, zero, b * g, 1, 1),
        (tie, zero, b * (1 - g), 0, 2),
        (lead(1), lead(2), a, 0, 0),
        (lead(1), tie, b, 0, 0),
        (lead(2), lead(3), a, 0, 0),
        (lead(2), zero, b, 2, 0),
    ]
    for n in range(3, lead_cap + 1):
        moves += [(lead(n), lead(n + 1), a, 0, 0), (lead(n), lead(n - 1), b, 1, 0)]
    matrix = np.zeros((n_states, n_states))
    for origin, to, prob, _, _ in moves:
        matrix[origin, to] += prob
    # Stationary law: π (P − I) = 0 with Σ π = 1 (replace one equation by the normalisation).
    system = (matrix - np.eye(n_states)).T
    system[-1, :] = 1.0
    rhs = np.zeros(n_states)
    rhs[-1] = 1.0
    pi = sparse_linalg.spsolve(sparse.csc_matrix(system), rhs)
    selfish = sum(pi[o] * prob * s for o, _, prob, s, _ in moves)
    honest = sum(pi[o] * prob * h for o, _, prob, _, h in moves)
    return selfish / (selfish + honest), selfish + honest


# --- closed forms -------------------------------------------------------------------------------


@pytest.mark.parametrize(("gamma", "threshold"), [(0.0, 1 / 3), (0.5, 1 / 4), (1.0, 0.0)])
def test_eyal_sirer_thresholds(gamma: float, threshold: float) -> None:
    # Published: Eyal & Sirer (2014), §4.3, Observation 1 (1/3 at γ = 0, 1/4 at γ = 1/2; 0 at 1).
    assert selfish_mining_threshold(gamma) == pytest.approx(threshold, abs=1e-15)


@pytest.mark.parametrize("alpha", [0.01, 0.1, 0.2, 0.25, 1 / 3, 0.35, 0.4, 0.45])
@pytest.mark.parametrize("gamma", [0.0, 0.25, 0.5, 0.75, 1.0])
def test_revenue_equals_the_state_machines_stationary_law(alpha: float, gamma: float) -> None:
    revenue, _ = markov_revenue(alpha, gamma)
    # Truncating the lead at 400 drops mass below (0.45/0.55)^400 ≈ 1e-35; the (sparse LU)
    # solve is exact to ~1e-13.
    assert selfish_mining_revenue(alpha, gamma) == pytest.approx(revenue, rel=1e-10)


def test_reference_values() -> None:
    # REFERENCES.md §7 (computed there) against the independent Markov-chain derivation.
    assert markov_revenue(0.3, 0.5)[0] == pytest.approx(0.3269, abs=5e-5)
    assert markov_revenue(0.4, 0.0)[0] == pytest.approx(0.4837, abs=5e-5)
    assert round(selfish_mining_revenue(0.3, 0.5), 4) == 0.3269
    assert round(selfish_mining_revenue(0.4, 0.0), 4) == 0.4837


@given(st.floats(min_value=0.0, max_value=0.4999), st.floats(min_value=0.0, max_value=1.0))
def test_it_pays_exactly_above_the_threshold(alpha: float, gamma: float) -> None:
    threshold = selfish_mining_threshold(gamma)
    revenue = selfish_mining_revenue(alpha, gamma)
    if abs(alpha - threshold) > 1e-9 and alpha > 1e-9:
        assert (revenue > alpha) == (alpha > threshold)
        assert selfish_mining_profitable(alpha, gamma) == (alpha > threshold)
    assert 0.0 <= revenue <= 1.0


@pytest.mark.parametrize("gamma", [0.0, 0.3, 0.5, 0.9])
def test_revenue_at_the_threshold_is_the_share(gamma: float) -> None:
    threshold = selfish_mining_threshold(gamma)
    assert selfish_mining_revenue(threshold, gamma) == pytest.approx(threshold, rel=1e-12)


def test_revenue_boundaries() -> None:
    assert selfish_mining_revenue(0.0, 0.5) == 0.0
    assert selfish_mining_revenue(0.5, 0.0) == 1.0  # the formula's own limit, by hand: 1/8 / 1/8
    assert selfish_mining_revenue(0.7, 0.0) == 1.0  # a majority's private chain wins for good
    assert not selfish_mining_profitable(0.0, 1.0)  # nothing to gain with nothing


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: selfish_mining_revenue(1.0, 0.5), r"alpha=1\.0 must be in \[0, 1\)"),
        (lambda: selfish_mining_revenue(-0.2, 0.5), r"alpha=-0\.2 must be in \[0, 1\)"),
        (lambda: selfish_mining_revenue(0.3, 1.5), r"gamma=1\.5 must be in \[0, 1\]"),
        (lambda: selfish_mining_threshold(-0.1), r"gamma=-0\.1 must be in \[0, 1\]"),
        (lambda: selfish_mining_threshold(None), r"gamma=None must be a real number"),  # type: ignore[arg-type]
    ],
)
def test_bad_parameters(call: object, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        call()  # type: ignore[operator]


# --- the simulation -----------------------------------------------------------------------------

# (alpha, gamma): two above the threshold at γ = ½ and 0, one at γ = 1, one below (it loses).
CASES = [(1 / 3, 0.5), (0.4, 0.0), (0.25, 1.0), (0.2, 0.0)]
PATHS, PERIODS = 50, 3
_runs: dict[tuple[float, float], SelfishMiningRun] = {}


def mainnet_run(alpha: float, gamma: float) -> SelfishMiningRun:
    """50 independent paths of 3 mainnet periods (6,048 chain blocks each), cached per case."""
    key = (alpha, gamma)
    if key not in _runs:
        seed = 20_140_311 + CASES.index(key)
        _runs[key] = simulate_selfish_mining(
            alpha, gamma, n_periods=PERIODS, n_paths=PATHS, rng=np.random.default_rng(seed)
        )
    return _runs[key]


def z_score(values: np.ndarray, expected: float) -> float:
    """How many standard errors the mean of independent per-path values is from ``expected``."""
    return float((values.mean() - expected) / (values.std(ddof=1) / np.sqrt(values.size)))


# Four cases × three statistics, each two-sided at |z| < 3.5 (p = 4.7e-4): a correct simulator
# fails with probability < 12 × 4.7e-4 ≈ 0.6 % (Bonferroni). Power, from the standard errors
# measured at these seeds (50 paths × 6,048 chain blocks): the block share's is 0.0010–0.0021, so
# an error of 0.01 in the share (the tie parameter γ applied to the wrong branch moves R(1/3, ½)
# by 0.05) shifts z by 4.7 to 9.6 — power ≥ 0.88, and > 0.99 for an error of 0.015; the revenue
# ratio's is 0.004–0.007, so a 4 % error in the attacker's revenue rate shifts z by ≥ 5.7 —
# power > 0.99 (≥ 0.79 for 3 %).
Z_LIMIT = 3.5


@pytest.mark.parametrize(("alpha", "gamma"), CASES)
def test_simulated_share_matches_eyal_sirer(alpha: float, gamma: float) -> None:
    run = mainnet_run(alpha, gamma)
    share = run.selfish_blocks.sum(axis=1) / (run.selfish_blocks + run.honest_blocks).sum(axis=1)
    expected = selfish_mining_revenue(alpha, gamma)
    assert abs(z_score(share, expected)) < Z_LIMIT, (share.mean(), expected)


def test_the_comparison_detects_a_wrong_gamma() -> None:
    # The same runs held against the revenue at the wrong γ are rejected by far: R(1/3, 0)
    # = 1/3 versus the simulated ≈ 0.385 (γ = ½).
    run = mainnet_run(1 / 3, 0.5)
    share = run.selfish_blocks.sum(axis=1) / (run.selfish_blocks + run.honest_blocks).sum(axis=1)
    assert abs(z_score(share, selfish_mining_revenue(1 / 3, 0.0))) > 5 * Z_LIMIT


@pytest.mark.parametrize(("alpha", "gamma"), CASES)
def test_it_pays_only_after_the_retarget(alpha: float, gamma: float) -> None:
    run = mainnet_run(alpha, gamma)
    revenue, chain_per_found = markov_revenue(alpha, gamma)
    ratio = run.revenue_ratio
    # Before the first retarget blocks come at the start difficulty, but only a fraction
    # `chain_per_found` of them stay in the chain: the attacker earns R · chain_per_found blocks
    # per block-time, against α when honest (independent derivation: the Markov chain above).
    before = revenue * chain_per_found / alpha
    assert abs(z_score(ratio[:, 0], before)) < Z_LIMIT, (ratio[:, 0].mean(), before)
    assert before <= 1.0 + 1e-12  # never more than honest mining before the retarget
    # After it the chain is back to one block per ~600 s (2016/2015 slower: the off-by-one,
    # 0.05 %, far below the standard error) and the attacker earns R of them: R/α of honest.
    after = ratio[:, 1:].mean(axis=1)
    assert abs(z_score(after, revenue / alpha * 2015 / 2016)) < Z_LIMIT, (after.mean(), revenue)
    assert (after.mean() > 1.0) == selfish_mining_profitable(alpha, gamma)


def test_run_accounting_and_retarget() -> None:
    run = mainnet_run(0.4, 0.0)
    interval = MAINNET.difficulty_adjustment_interval
    assert np.all(run.selfish_blocks + run.honest_blocks == interval)
    assert np.all(run.duration_s > 0)
    assert np.all(run.bits[:, 0] == run.start_bits)
    # Orphans slow the first period, so the retarget lowers the difficulty (raises the target).
    frame = run.periods_frame()
    assert frame.loc[1, "difficulty_factor"] < 0.8  # ≈ chain_per_found ≈ 0.71 (Markov chain)
    assert frame.loc[0, "duration_days"] > 14 * 1.3
    assert 0.0 < frame.loc[1, "orphaned_frac"] < 0.5
    # With γ = 0 the selfish miner loses every tie, so some of its blocks are orphaned too.
    assert run.orphaned_selfish.sum() > 0
    assert run.orphaned_honest.sum() > run.orphaned_selfish.sum()


def test_same_seed_same_run_and_payback() -> None:
    params = ChainParams(name="short", pow_limit=2**224 - 1, pow_target_timespan_s=144 * 600)
    first = simulate_selfish_mining(0.4, 0.5, n_periods=6, n_paths=8, params=params,
                                    rng=np.random.default_rng(3))  # fmt: skip
    second = simulate_selfish_mining(0.4, 0.5, n_periods=6, n_paths=8, params=params,
                                     rng=np.random.default_rng(3))  # fmt: skip
    np.testing.assert_array_equal(first.duration_s, second.duration_s)
    np.testing.assert_array_equal(first.selfish_blocks, second.selfish_blocks)
    payback = selfish_mining_payback(first)
    assert payback.first_period_ratio < 1 < payback.later_ratio
    # It is behind at the first retarget, so it catches up only afterwards.
    assert payback.first_retarget_s < payback.payback_s < first.duration_s.sum(axis=1).mean()
    # Below the threshold it never catches up.
    losing = simulate_selfish_mining(0.2, 0.0, n_periods=4, n_paths=4, params=params,
                                     rng=np.random.default_rng(4))  # fmt: skip
    assert np.isnan(selfish_mining_payback(losing).payback_s)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"alpha": 0.5}, r"alpha=0\.5 must be in \[0, 0\.5\)"),
        ({"gamma": 2.0}, r"gamma=2\.0 must be in \[0, 1\]"),
        ({"n_periods": 0}, r"n_periods=0 must be an integer >= 1"),
        ({"rng": 42}, r"rng=42 must be a numpy\.random\.Generator"),
        ({"start_bits": 0x1D010000}, r"start_bits=0x1d010000 must encode a target in"),
        ({"hashrate_hs": -1.0}, r"hashrate_hs=-1\.0 must be > 0"),
    ],
)
def test_simulation_rejects_bad_input(kwargs: dict[str, object], match: str) -> None:
    args: dict[str, object] = {"alpha": 0.3, "gamma": 0.5, "n_periods": 1,
                               "rng": np.random.default_rng(0)}  # fmt: skip
    args.update(kwargs)
    with pytest.raises(InvalidInputError, match=match):
        simulate_selfish_mining(**args)  # type: ignore[arg-type]
