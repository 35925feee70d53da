"""Consensus rules against Bitcoin Core's own test vectors and published totals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hashtide.errors import InvalidInputError
from hashtide.protocol import (
    MAINNET,
    ChainParams,
    bits_to_target,
    block_subsidy_sat,
    cumulative_subsidy_sat,
    decode_compact,
    difficulty,
    difficulty_to_hashrate_hs,
    hashrate_hs_to_difficulty,
    next_bits,
    target_to_bits,
    total_issuance_sat,
)

# --- compact encoding -------------------------------------------------------------------------
# Published: Bitcoin Core src/test/arith_uint256_tests.cpp, test case "bignum_SetCompact".
# (bits, value SetCompact gives, fNegative, fOverflow, GetCompact of the value or None)
SET_COMPACT_VECTORS = [
    (0x00000000, 0, False, False, 0),
    (0x00123456, 0, False, False, 0),
    (0x01003456, 0, False, False, 0),
    (0x02000056, 0, False, False, 0),
    (0x03000000, 0, False, False, 0),
    (0x04000000, 0, False, False, 0),
    (0x00923456, 0, False, False, 0),
    (0x01803456, 0, False, False, 0),
    (0x02800056, 0, False, False, 0),
    (0x03800000, 0, False, False, 0),
    (0x04800000, 0, False, False, 0),
    (0x01123456, 0x12, False, False, 0x01120000),
    (0x01FEDCBA, 0x7E, True, False, None),
    (0x02123456, 0x1234, False, False, 0x02123400),
    (0x03123456, 0x123456, False, False, 0x03123456),
    (0x04123456, 0x12345600, False, False, 0x04123456),
    (0x04923456, 0x12345600, True, False, None),
    (0x05009234, 0x92340000, False, False, 0x05009234),
    (0x20123456, 0x123456 << 232, False, False, 0x20123456),
]


@pytest.mark.parametrize(("bits", "value", "negative", "overflow", "compact"), SET_COMPACT_VECTORS)
def test_set_compact_matches_core(
    bits: int, value: int, negative: bool, overflow: bool, compact: int | None
) -> None:
    decoded = decode_compact(bits)
    assert decoded.value == value
    assert decoded.negative is negative
    assert decoded.overflow is overflow
    if compact is not None:
        assert target_to_bits(decoded.value) == compact


def test_get_compact_never_sets_sign_bit() -> None:
    # Published: arith_uint256_tests.cpp, "num = 0x80; GetCompact() == 0x02008000".
    assert target_to_bits(0x80) == 0x02008000


def test_overflow_and_negative_bits_are_rejected() -> None:
    # Published: arith_uint256_tests.cpp, SetCompact(0xff123456) sets fOverflow.
    assert decode_compact(0xFF123456).overflow
    with pytest.raises(InvalidInputError, match="overflows 256 bits"):
        bits_to_target(0xFF123456)
    with pytest.raises(InvalidInputError, match="negative target"):
        bits_to_target(0x04923456)


@pytest.mark.parametrize("bad", [-1, 2**32, 1.5, True, "0x1d00ffff"])
def test_bits_outside_uint32_are_rejected(bad: object) -> None:
    with pytest.raises(InvalidInputError, match="unsigned 32-bit"):
        decode_compact(bad)  # type: ignore[arg-type]


def test_pow_limit_round_trip() -> None:
    # Independent derivation: powLimit 0x00000000ffff…ff truncates to mantissa 0x00ffff, size 29.
    assert target_to_bits(MAINNET.pow_limit) == 0x1D00FFFF
    assert bits_to_target(0x1D00FFFF) == 0xFFFF << 208


@given(st.integers(min_value=1, max_value=2**256 - 1))
def test_compact_round_trip_loses_only_low_bits(target: int) -> None:
    # Property: GetCompact keeps the top 2-3 significant bytes; re-encoding is idempotent and
    # the decoded value never exceeds the original (truncation, not rounding).
    bits = target_to_bits(target)
    decoded = bits_to_target(bits)
    assert decoded <= target
    assert target_to_bits(decoded) == bits
    assert target - decoded < 2 ** max(0, target.bit_length() - 15)


# --- difficulty -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("bits", "expected"),
    [
        # Published: REFERENCES.md §3, the 2021-07-03 retarget "from 19,932,791,027,262 to
        # 14,363,025,673,659" (CoinDesk); bits from the chain (Electrum checkpoints).
        (0x170E1EF9, 19_932_791_027_262.74),
        (0x171398CE, 14_363_025_673_659.96),
        # Published: Bitcoin Core GetDifficulty of the genesis bits is 1.
        (0x1D00FFFF, 1.0),
    ],
)
def test_difficulty_of_real_bits(bits: int, expected: float) -> None:
    assert difficulty(bits) == pytest.approx(expected, rel=1e-15)


def test_difficulty_at_941472_matches_report() -> None:
    # Published: REFERENCES.md §6 — "−7.76 % to 133.79 T at block 941,472". Bits 0x17021a91 are
    # the chain's for that period (Electrum checkpoint entry 466 = period 467). The report rounds
    # to 0.01 T.
    assert difficulty(0x17021A91) / 1e12 == pytest.approx(133.79, abs=0.005)


def test_hashrate_conversion_round_trip() -> None:
    # Published: REFERENCES.md §1.6 — H = D·2^32/600. At D = 1: 4,294,967,296/600 = 7,158,278.83.
    assert difficulty_to_hashrate_hs(1.0) == pytest.approx(7_158_278.826_666_667, rel=1e-12)
    assert hashrate_hs_to_difficulty(difficulty_to_hashrate_hs(123.0)) == pytest.approx(123.0)
    with pytest.raises(InvalidInputError, match="must be > 0"):
        difficulty_to_hashrate_hs(-1.0)


# --- retarget -------------------------------------------------------------------------------------
# Published: Bitcoin Core src/test/pow_tests.cpp (REFERENCES.md §1.4):
# (name, first block time, last block time, bits, expected next bits)
POW_TESTS = [
    ("get_next_work", 1261130161, 1262152739, 0x1D00FFFF, 0x1D00D86A),
    ("get_next_work_pow_limit", 1231006505, 1233061996, 0x1D00FFFF, 0x1D00FFFF),
    ("get_next_work_lower_limit_actual", 1279008237, 1279297671, 0x1C05A3F4, 0x1C0168FD),
    ("get_next_work_upper_limit_actual", 1263163443, 1269211443, 0x1C387F6F, 0x1D00E1FD),
]


@pytest.mark.parametrize(("name", "first", "last", "bits", "expected"), POW_TESTS)
def test_core_pow_vectors(name: str, first: int, last: int, bits: int, expected: int) -> None:
    assert next_bits(bits, first, last) == expected, name


def test_2021_07_03_retarget_reproduced() -> None:
    # Published: REFERENCES.md §3 — difficulty fell 27.94 % at height 689,472 (CoinDesk,
    # 2021-07-03). Block times of heights 687,456 and 689,471 from Bitcoin Core getblockstats
    # (shared/data/raw/chain/btc_blockstats_partial.csv.gz).
    new = next_bits(0x170E1EF9, 1623614836, 1625293501)
    assert new == 0x171398CE
    assert difficulty(new) / difficulty(0x170E1EF9) - 1 == pytest.approx(-0.2794, abs=5e-5)


def test_clamps_are_inclusive_at_exactly_a_quarter_and_four_times() -> None:
    # Independent derivation: a span of exactly T/4 (302,400 s) divides the target by 4; any
    # shorter span gives the same; likewise 4T multiplies by 4 (below powLimit).
    bits = 0x1C387F6F
    t = MAINNET.pow_target_timespan_s
    assert next_bits(bits, 0, t // 4) == next_bits(bits, 0, 1) == next_bits(bits, 100, 0)
    assert next_bits(bits, 0, 4 * t) == next_bits(bits, 0, 40 * t)
    assert bits_to_target(next_bits(bits, 0, t)) == bits_to_target(bits)


def test_no_retargeting_keeps_bits() -> None:
    params = ChainParams(name="flat", pow_limit=2**255 - 1, pow_no_retargeting=True)
    assert next_bits(0x207FFFFF, 0, 1, params=params) == 0x207FFFFF


def test_non_integer_times_are_rejected() -> None:
    with pytest.raises(InvalidInputError, match="first_block_time_s"):
        next_bits(0x1D00FFFF, 1.5, 2)  # type: ignore[arg-type]


# --- subsidy --------------------------------------------------------------------------------------
def test_total_issuance_is_published_cap() -> None:
    # Published: 20,999,999.9769 BTC = 2,099,999,997,690,000 sat (Bitcoin Wiki, "Controlled
    # supply"; issue #2 of this project).
    assert total_issuance_sat() == 2_099_999_997_690_000


@pytest.mark.parametrize(
    ("height", "expected_sat"),
    [
        # Published: REFERENCES.md §2 — 50 BTC at genesis, 25 at 210,000, 6.25 → 3.125 at 840,000.
        (0, 5_000_000_000),
        (209_999, 5_000_000_000),
        (210_000, 2_500_000_000),
        (839_999, 625_000_000),
        (840_000, 312_500_000),
        # Independent derivation: 50 BTC >> 32 = 1 sat; >> 33 = 0 (era 33 starts 6,930,000).
        (32 * 210_000, 1),
        (33 * 210_000, 0),
        (64 * 210_000, 0),
        (10**12, 0),
    ],
)
def test_block_subsidy(height: int, expected_sat: int) -> None:
    assert block_subsidy_sat(height) == expected_sat


def test_cumulative_subsidy_by_independent_sum() -> None:
    # Independent derivation: 210,000 × 50 BTC in era 0 plus 10 blocks × 25 BTC.
    assert cumulative_subsidy_sat(210_010) == 210_000 * 5_000_000_000 + 10 * 2_500_000_000
    assert cumulative_subsidy_sat(0) == 0


@given(st.integers(min_value=0, max_value=15_000_000))
def test_issuance_never_exceeds_cap(height: int) -> None:
    assert cumulative_subsidy_sat(height) <= 2_099_999_997_690_000


def test_negative_height_is_rejected() -> None:
    with pytest.raises(InvalidInputError, match="height=-1"):
        block_subsidy_sat(-1)


def test_params_reject_pow_limit_that_would_overflow_core() -> None:
    # Bitcoin Core's sanity_check_chainparams (src/test/pow_tests.cpp): a retargeting chain needs
    # powLimit < (2**256 - 1) / (4 · nPowTargetTimespan), else its 256-bit retarget wraps.
    with pytest.raises(InvalidInputError, match="too large for retargeting"):
        ChainParams(name="wraps", pow_limit=2**255 - 1)
    ChainParams(name="flat", pow_limit=2**255 - 1, pow_no_retargeting=True)  # regtest-like: fine
