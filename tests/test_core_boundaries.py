"""Boundary cases of the core formulas: the places where a `<` for a `<=` or a dropped term hides.

Written against the survivors of ``scripts/mutation.py`` (issue #15 item 11): each test says
which mistake it catches and where its expected value comes from.
"""

from __future__ import annotations

import math

import pytest

from hashtide.economics import (
    break_even_btc_price_usd,
    irr,
    npv_usd,
    payback_years,
)
from hashtide.errors import InvalidInputError
from hashtide.protocol import (
    DIFFICULTY_1_TARGET,
    MAINNET,
    REGTEST,
    ChainParams,
    bits_to_target,
    decode_compact,
    difficulty,
    expected_hashes_per_block,
    target_to_bits,
    target_to_difficulty,
)
from hashtide.security import (
    confirmations_needed,
    double_spend_probability,
    hhi,
    majority_attack_cost,
    selfish_mining_profitable,
    selfish_mining_revenue,
    selfish_mining_threshold,
)

# --- payback -------------------------------------------------------------------------------


def test_payback_when_the_cumulative_flow_ends_exactly_at_zero() -> None:
    # Independent derivation: −100 then +100 reaches a cumulative 0 at t = 1 exactly: paid back
    # at 1 year (a `> 0` test instead of `>= 0` would say "never").
    assert payback_years([-100.0, 100.0], [0.0, 1.0]) == 1.0
    # −100, +60, +40: cumulative −100, −40, 0 → 2 years.
    assert payback_years([-100.0, 60.0, 40.0], [0.0, 1.0, 2.0]) == 2.0


def test_payback_when_nothing_is_invested() -> None:
    # Independent derivation: a first flow of 0 is already "paid back" at its own time; the
    # flows after it do not matter (even if the total ends at 0 again).
    assert payback_years([0.0], [0.0]) == 0.0
    assert payback_years([0.0, 5.0, -5.0], [0.0, 1.0, 2.0]) == 0.0
    assert payback_years([0.0, 5.0], [0.5, 1.5]) == 0.5
    assert payback_years([10.0, -5.0], [0.0, 1.0]) == 0.0


def test_payback_interpolates_inside_the_period_it_turns() -> None:
    # Independent derivation: cumulative −100, −70 (t=2), +50 (t=4): zero at 2 + 70/120 · 2.
    assert payback_years([-100.0, 30.0, 120.0], [0.0, 2.0, 4.0]) == pytest.approx(
        2 + 70 / 120 * 2, rel=1e-12
    )


# --- NPV, IRR, break-even with uneven times --------------------------------------------------


def test_npv_with_uneven_times() -> None:
    # Independent derivation: −1000 + 600/1.1**0.5 + 600/1.1**2 at 10 %.
    expected = -1000 + 600 / 1.1**0.5 + 600 / 1.21
    assert npv_usd([-1000.0, 600.0, 600.0], [0.0, 0.5, 2.0], discount_rate=0.10) == pytest.approx(
        expected, rel=1e-12
    )


def test_irr_of_a_two_flow_investment() -> None:
    # Independent derivation: −100 now, +121 in 2 years → (1 + r)² = 1.21 → r = 10 %.
    assert irr([-100.0, 121.0], [0.0, 2.0]) == pytest.approx(0.10, abs=1e-9)
    # A root exactly at 0 %: −100, +50, +50 → r = 0.
    assert irr([-100.0, 50.0, 50.0], [0.0, 1.0, 2.0]) == pytest.approx(0.0, abs=1e-9)


def test_irr_search_range_and_several_roots() -> None:
    # Independent derivation: flows 1, −4.7, 5.5 at t = 0, 1, 2 are (2.2x − 1)(2.5x − 1) in
    # x = 1/(1 + r): roots r = 1.2 and r = 1.5; the lowest is returned.
    assert irr([1.0, -4.7, 5.5], [0.0, 1.0, 2.0]) == pytest.approx(1.2, abs=1e-9)
    # −2 then +4 a year later: r = 100 %, a rate the search grid holds exactly.
    assert irr([-2.0, 4.0], [0.0, 1.0]) == pytest.approx(1.0, abs=1e-12)
    # −1 then +151: r = 15,000 %, outside the documented range (−99 %, 10,000 %): None.
    assert irr([-1.0, 151.0], [0.0, 1.0]) is None
    assert irr([-1.0, 91.0], [0.0, 1.0]) == pytest.approx(90.0, rel=1e-9)


def test_break_even_price_discounts_costs_and_btc_alike() -> None:
    # Independent derivation: costs 1000 (t=0) and 500 (t=1), BTC 0.01 and 0.02, at 10 %:
    # (1000 + 500/1.1) / (0.01 + 0.02/1.1) = (1100 + 500) / (0.011 + 0.02) = 1600 / 0.031.
    assert break_even_btc_price_usd(
        [1_000.0, 500.0], [0.01, 0.02], [0.0, 1.0], discount_rate=0.10
    ) == pytest.approx(1600 / 0.031, rel=1e-12)
    with pytest.raises(InvalidInputError, match="btc_mined must be >= 0"):
        break_even_btc_price_usd([1.0, 1.0], [1.0, -0.5], [0.0, 1.0])


# --- double spends -------------------------------------------------------------------------


def test_confirmations_at_risk_one_and_zero() -> None:
    # Independent derivation: with 0 confirmations the attacker has already "caught up"
    # (P = 1, not < 1), with one the probability is below 1 for any q < 1/2: risk 1 → 1.
    assert confirmations_needed(0.10, 1.0) == 1
    assert confirmations_needed(0.45, 1.0, method="nakamoto") == 1
    assert double_spend_probability(0.10, 0) == 1.0
    # Risk 0 is impossible to reach (P > 0 for every finite z when q > 0): refused.
    with pytest.raises(InvalidInputError, match=r"risk=0\.0 must be in \(0, 1\]"):
        confirmations_needed(0.10, 0.0)
    with pytest.raises(InvalidInputError, match="risk"):
        confirmations_needed(0.10, 1.0000001)


def test_confirmations_with_no_attacker() -> None:
    # Independent derivation: q = 0 cannot mine a block, so one confirmation makes P = 0.
    assert double_spend_probability(0.0, 1) == 0.0
    assert confirmations_needed(0.0, 1e-9) == 1


# --- selfish mining ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gamma", "threshold"),
    [
        # Published: Eyal & Sirer (2014), §4.3: 1/3 for γ = 0, 1/4 for γ = 1/2, 0 for γ = 1.
        (0.0, 1 / 3),
        (0.5, 0.25),
        (1.0, 0.0),
    ],
)
def test_selfish_mining_is_not_profitable_at_exactly_the_threshold(
    gamma: float, threshold: float
) -> None:
    assert selfish_mining_threshold(gamma) == pytest.approx(threshold, abs=1e-15)
    at = selfish_mining_threshold(gamma)
    # At the threshold R(α, γ) = α exactly (the inequality of Observation 1 is strict).
    assert not selfish_mining_profitable(at, gamma)
    assert selfish_mining_profitable(at + 1e-6, gamma) or at + 1e-6 >= 0.5


def test_selfish_revenue_at_the_threshold_equals_the_share() -> None:
    # Independent derivation from Eyal & Sirer eq. (8) at α = 1/3, γ = 0:
    # numerator α(1−α)²(4α) − α³ = (1/3)(4/9)(4/3) − 1/27 = 13/81;
    # denominator 1 − α(1 + (2 − α)α) = 1 − (1/3)(14/9) = 13/27 → R = 1/3.
    assert selfish_mining_revenue(1 / 3, 0.0) == pytest.approx(1 / 3, rel=1e-12)
    # α = 1/4, γ = 1/2: α(1−α)²(4α + γ(1−2α)) − α³ = (1/4)(9/16)(1 + 1/4) − 1/64 = 41/256;
    # denominator 1 − (1/4)(1 + (7/4)(1/4)) = 1 − 23/64 = 41/64 → R = 1/4.
    assert selfish_mining_revenue(0.25, 0.5) == pytest.approx(0.25, rel=1e-12)


def test_selfish_mining_never_profitable_for_no_share() -> None:
    # With γ = 1 the threshold is 0, but a miner with no hashrate earns nothing either way.
    assert not selfish_mining_profitable(0.0, 1.0)


# --- compact encoding ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bits", "overflow"),
    [
        # Independent derivation: value = mantissa << 8·(size − 3) must fit 256 bits.
        (0x20123456, False),  # 0x123456 (21 bits) << 232 → 253 bits
        (0x2100FFFF, False),  # 0xffff (16 bits) << 240 → 256 bits: fits
        (0x21010000, True),  # 0x010000 (17 bits) << 240 → 257 bits
        (0x21123456, True),  # 21 bits << 240 → 261 bits
        (0x220000FF, False),  # 8 bits << 248 → 256 bits
        (0x22000100, True),  # 9 bits << 248 → 257 bits
        (0x23000001, True),  # size 35: 1 << 256
        (0x22000000, False),  # a zero mantissa never overflows
    ],
)
def test_compact_overflow_boundaries(bits: int, overflow: bool) -> None:
    assert decode_compact(bits).overflow is overflow
    if not overflow:
        assert bits_to_target(bits) < 2**256


@pytest.mark.parametrize(
    ("bits", "negative"),
    [
        # Published: Bitcoin Core src/test/arith_uint256_tests.cpp (SetCompact cases): the sign
        # bit 0x00800000 makes a non-zero mantissa negative; on a zero mantissa it is ignored.
        (0x04923456, True),
        (0x01FEDCBA, True),
        (0x04800000, False),
        (0x01803456, False),  # size 1: the word shifts to 0 before the test
        (0x00800000, False),
    ],
)
def test_compact_sign_bit(bits: int, negative: bool) -> None:
    assert decode_compact(bits).negative is negative


def test_get_compact_moves_a_sign_bit_mantissa_up_one_byte() -> None:
    # Published: arith_uint256_tests.cpp "num = 0x80 → GetCompact() == 0x02008000"; likewise
    # 0x800000 (mantissa exactly the sign bit) → 0x04008000, and 0x7fffff fits as 0x037fffff.
    assert target_to_bits(0x800000) == 0x04008000
    assert target_to_bits(0x7FFFFF) == 0x037FFFFF
    assert target_to_bits(0) == 0
    assert math.isclose(bits_to_target(0x04008000), 0x800000)


def test_target_range_of_get_compact() -> None:
    assert target_to_bits(2**256 - 1) == 0x2100FFFF  # 32 bytes, top three 0x00ffff… shifted
    with pytest.raises(InvalidInputError, match=r"must be an integer in \[0, 2\*\*256\)"):
        target_to_bits(2**256)


# --- difficulty ----------------------------------------------------------------------------


def test_difficulty_one_and_its_neighbours() -> None:
    # Published: Core's GetDifficulty is 0xffff / mantissa × 256^(29 − size); 0x1d00ffff → 1.
    # Independent derivation: size 30 → 1/256; size 28 → 256; mantissa 0x7fff8 → 0xffff / 0x7fff8.
    assert target_to_difficulty(0xFFFF << 208) == 1.0
    assert bits_to_target(0x1D00FFFF) == DIFFICULTY_1_TARGET
    assert difficulty(0x1E00FFFF) == 1 / 256
    assert difficulty(0x1C00FFFF) == 256.0
    assert difficulty(0x1D07FFF8) == 0xFFFF / 0x7FFF8
    with pytest.raises(InvalidInputError, match="zero mantissa"):
        difficulty(0x1D000000)
    with pytest.raises(InvalidInputError, match="target=0 must be"):
        target_to_difficulty(0)


def test_work_of_the_largest_and_smallest_targets() -> None:
    # Published: Core's GetBlockProof is ~target / (target + 1) + 1 = 2**256 // (target + 1);
    # target 0 (impossible to meet) is 2**256 hashes, 2**256 − 1 is one hash.
    assert expected_hashes_per_block(0) == 2**256
    assert expected_hashes_per_block(2**256 - 1) == 1
    assert expected_hashes_per_block(0xFFFF << 208) == 2**256 // ((0xFFFF << 208) + 1)
    with pytest.raises(InvalidInputError, match="target=-1 must be"):
        expected_hashes_per_block(-1)


# --- chain parameters ----------------------------------------------------------------------


def test_mainnet_parameters() -> None:
    # Published: Core src/kernel/chainparams.cpp (main): nPowTargetTimespan = 14 * 24 * 60 * 60,
    # nPowTargetSpacing = 10 * 60, nSubsidyHalvingInterval = 210000, powLimit 00000000ffff…ff.
    assert MAINNET.pow_target_timespan_s == 1_209_600
    assert MAINNET.pow_target_spacing_s == 600
    assert MAINNET.difficulty_adjustment_interval == 2016
    assert MAINNET.subsidy_halving_interval == 210_000
    assert MAINNET.initial_subsidy_sat == 5_000_000_000
    assert MAINNET.pow_limit == 2**224 - 1
    assert REGTEST.pow_no_retargeting


def test_chain_parameter_checks() -> None:
    with pytest.raises(InvalidInputError, match="must be > 0"):
        ChainParams(name="x", pow_limit=2**224 - 1, pow_target_spacing_s=0)
    with pytest.raises(InvalidInputError, match="must be > 0"):
        ChainParams(name="x", pow_limit=2**224 - 1, pow_target_timespan_s=0)
    with pytest.raises(InvalidInputError, match="whole number"):
        ChainParams(name="x", pow_limit=2**224 - 1, pow_target_spacing_s=11)
    # Core's sanity check: powLimit < (2**256 − 1) / (4 × timespan) unless no retargeting.
    limit = (2**256 - 1) // (4 * 1_209_600)
    assert ChainParams(name="x", pow_limit=limit - 1).pow_limit == limit - 1
    with pytest.raises(InvalidInputError, match="too large for retargeting"):
        ChainParams(name="x", pow_limit=limit)
    assert ChainParams(name="x", pow_limit=limit, pow_no_retargeting=True).pow_no_retargeting
    with pytest.raises(InvalidInputError, match="subsidy_halving_interval"):
        ChainParams(name="x", pow_limit=2**224 - 1, subsidy_halving_interval=0)


# --- attack cost and concentration ---------------------------------------------------------


def test_majority_attack_cost_hand_worked() -> None:
    # Independent derivation: 51 % against 1,000 EH/s needs 0.51/0.49 × 1e21 H/s; machines of
    # 200 TH/s and 3,500 W at PUE 1.2 draw 1.2 × 3,500/200e12 W per H/s; for one day:
    # required × 3,500/200e12 × 1.2 × 86,400 / 3.6e6 kWh.
    required = 0.51 / 0.49 * 1e21
    cost = majority_attack_cost(
        rest_hashrate_hs=1e21,
        machine_hashrate_hs=200e12,
        machine_power_w=3500.0,
        machine_price_usd=2000.0,
        power_price_usd_per_kwh=0.05,
        btc_price_usd=100_000.0,
        reward_btc_per_block=3.125,
        own_hashrate_hs=1e20,
        pue=1.2,
        hold_duration_s=86_400.0,
        target_share_frac=0.51,
    )
    assert cost.required_hashrate_hs == pytest.approx(required, rel=1e-12)
    assert cost.additional_hashrate_hs == pytest.approx(required - 1e20, rel=1e-12)
    assert cost.additional_machines == math.ceil((required - 1e20) / 200e12)
    assert cost.energy_kwh == pytest.approx(required * 3500 / 200e12 * 1.2 * 24 / 1000, rel=1e-12)
    assert cost.energy_usd == pytest.approx(cost.energy_kwh * 0.05, rel=1e-12)
    # Blocks forgone: the 51 % share of 144 blocks a day, at 3.125 BTC and 100,000 USD.
    assert cost.blocks_forgone == pytest.approx(0.51 * 144, rel=1e-12)
    assert cost.opportunity_usd == pytest.approx(0.51 * 144 * 3.125 * 100_000, rel=1e-12)
    assert not cost.already_majority
    with pytest.raises(InvalidInputError, match="must be in \\(0, 1\\)"):
        majority_attack_cost(
            rest_hashrate_hs=1e21,
            machine_hashrate_hs=200e12,
            machine_power_w=3500.0,
            machine_price_usd=2000.0,
            power_price_usd_per_kwh=0.05,
            btc_price_usd=100_000.0,
            reward_btc_per_block=3.125,
            target_share_frac=0.0,
        )


def test_shares_must_be_fractions() -> None:
    with pytest.raises(InvalidInputError, match=r"contains 1\.5; every share must be a fraction"):
        hhi([1.5])
    with pytest.raises(InvalidInputError, match=r"add up to 1\.2"):
        hhi([0.6, 0.6])
    assert float(hhi([1.0])) == 1.0  # one actor holding everything


# --- bands across paths ------------------------------------------------------------------------


def test_a_band_of_paths_that_never_pay_back_is_never_not_missing() -> None:
    # payback_years_paths gives +inf for "never"; when every path says never, the band must say
    # never too (it was NaN, "no figure", like a cost per BTC when nothing is mined).
    import math

    from hashtide.scenario.accounting import band

    never = band([math.inf, math.inf, math.inf])
    assert (never.p5, never.median, never.p95, never.mean) == (math.inf,) * 4
    some = band([1.0, 2.0, math.inf, math.inf, math.inf])
    assert (some.p5, some.median, some.p95) == (1.0, math.inf, math.inf)
    missing = band([math.nan, math.nan])
    assert all(math.isnan(x) for x in (missing.p5, missing.median, missing.p95, missing.mean))
