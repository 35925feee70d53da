"""The vectorised retarget and target arithmetic against the scalar Core port, bit for bit."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hashtide.engine import difficulty_array, next_bits_array, work_per_block_hashes
from hashtide.errors import InvalidInputError
from hashtide.protocol import (
    MAINNET,
    REGTEST,
    ChainParams,
    bits_to_target,
    difficulty,
    next_bits,
    target_to_bits,
)

# Consensus parameters to exercise: mainnet, a short test chain, a high powLimit, a timespan
# that is not a multiple of 256 and a tiny powLimit that makes the cap bite often.
PARAMS = [
    MAINNET,
    ChainParams(name="short", pow_limit=2**224 - 1, pow_target_timespan_s=20 * 600),
    ChainParams(name="high", pow_limit=2**230 - 1),
    ChainParams(name="odd", pow_limit=2**224 - 1, pow_target_timespan_s=7 * 13 * 600),
    ChainParams(name="tiny", pow_limit=bits_to_target(0x1B0404CB)),
]

normalised_bits = st.integers(min_value=2**16, max_value=2**255 - 1).map(target_to_bits)
any_bits = st.integers(min_value=0, max_value=0xFFFF_FFFF)
times = st.integers(min_value=0, max_value=2**32)
spans = st.integers(min_value=-(10**7), max_value=10**8)


def _scalar_or_error(bits: int, first: int, last: int, params: ChainParams) -> int | None:
    try:
        return next_bits(bits, first, last, params=params)
    except InvalidInputError:
        return None


@settings(max_examples=400, deadline=None)
@given(
    data=st.lists(st.tuples(normalised_bits, times, spans), min_size=1, max_size=40),
    params=st.sampled_from(PARAMS),
)
def test_next_bits_array_equals_core_port(
    data: list[tuple[int, int, int]], params: ChainParams
) -> None:
    # Independent derivation: protocol.next_bits, the scalar port pinned to Core's pow_tests.cpp.
    valid = [(b, f, f + s) for b, f, s in data if bits_to_target(b) <= params.pow_limit]
    if not valid:
        return
    bits, first, last = (np.array(column, dtype=np.int64) for column in zip(*valid, strict=True))
    got = next_bits_array(bits, first, last, params=params)
    expected = [next_bits(b, f, t, params=params) for b, f, t in valid]
    assert got.tolist() == expected


@settings(max_examples=300, deadline=None)
@given(bits=any_bits, first=times, span=spans, params=st.sampled_from(PARAMS))
def test_next_bits_array_on_arbitrary_bits(
    bits: int, first: int, span: int, params: ChainParams
) -> None:
    # Non-normalised, zero, negative and overflowing encodings: same answer or same error.
    expected = _scalar_or_error(bits, first, first + span, params)
    if expected is None:
        with pytest.raises(InvalidInputError):
            next_bits_array([bits], [first], [first + span], params=params)
    else:
        assert next_bits_array([bits], [first], [first + span], params=params).tolist() == [
            expected
        ]


@pytest.mark.parametrize(
    ("bits", "span_s", "expected"),
    [
        # Published: Bitcoin Core src/test/pow_tests.cpp — get_next_work, get_next_work_pow_limit,
        # get_next_work_lower_limit_actual, get_next_work_upper_limit_actual.
        (0x1D00FFFF, 1262152739 - 1261130161, 0x1D00D86A),
        (0x1D00FFFF, 1233061996 - 1231006505, 0x1D00FFFF),
        (0x1C05A3F4, 1279297671 - 1279008237, 0x1C0168FD),
        (0x1C387F6F, 1269211443 - 1263163443, 0x1D00E1FD),
    ],
)
def test_core_vectors(bits: int, span_s: int, expected: int) -> None:
    assert next_bits_array([bits], [0], [span_s]).tolist() == [expected]


def test_clamps_and_cap_in_one_array() -> None:
    # Independent derivation: Core clamps the span to [T/4, 4T] = [302,400 s, 4,838,400 s]; a
    # span of 1 s therefore equals 302,400 s, and 10**9 s equals 4T. At difficulty 1 any longer
    # span is capped at powLimit.
    bits = np.array([0x1D00FFFF, 0x1D00FFFF, 0x17034219, 0x17034219, 0x17034219])
    spans = np.array([5_000_000, 100, 1, 302_400, 10**9])
    got = next_bits_array(bits, np.zeros(5, dtype=np.int64), spans)
    assert got[0] == 0x1D00FFFF  # capped at powLimit
    assert got[1] == next_bits(0x1D00FFFF, 0, 302_400)
    assert got[2] == got[3] == next_bits(0x17034219, 0, 302_400)
    assert got[4] == next_bits(0x17034219, 0, 4 * 1_209_600)


def test_regtest_never_retargets() -> None:
    assert next_bits_array([0x207FFFFF], [0], [5], params=REGTEST).tolist() == [0x207FFFFF]


def test_rejects_float_times() -> None:
    with pytest.raises(InvalidInputError, match="integer array"):
        next_bits_array([0x1D00FFFF], [0.5], [1.5])


@settings(max_examples=300, deadline=None)
@given(target=st.integers(min_value=2**16, max_value=2**224 - 1))
def test_difficulty_array_equals_core_port(target: int) -> None:
    bits = target_to_bits(target)
    assert difficulty_array([bits])[0] == difficulty(bits)


@settings(max_examples=300, deadline=None)
@given(target=st.integers(min_value=2**16, max_value=2**255 - 1))
def test_work_per_block_is_get_block_proof(target: int) -> None:
    # Independent derivation: the exact rational 2**256 / (target + 1), Core's GetBlockProof
    # before its integer division; float rounding allows 2 ulp.
    bits = target_to_bits(target)
    exact = Fraction(2**256, bits_to_target(bits) + 1)
    got = Fraction(float(work_per_block_hashes([bits])[0]))
    assert abs(got - exact) / exact < 4.5e-16


def test_work_per_block_at_difficulty_one() -> None:
    # Independent derivation: 2**256 / (0xffff * 2**208 + 1) = 2**48 / 65535 (to 1e-62) =
    # 4,295,032,833.000015 hashes; the "difficulty × 2**32" convention gives 4,294,967,296.
    assert work_per_block_hashes([0x1D00FFFF])[0] == pytest.approx(4_295_032_833.000015, rel=1e-15)


def test_work_per_block_rejects_tiny_targets() -> None:
    with pytest.raises(InvalidInputError, match="2\\*\\*16"):
        work_per_block_hashes([0x0200FFFF])
