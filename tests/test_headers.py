"""Loading raw 80-byte block headers: real mainnet headers, chains the tests mine, every failure."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hashtide.chain import EPOCH_COLUMNS, epochs
from hashtide.chain.headers import (
    HEADER_SIZE,
    BlockHeader,
    check_proof_of_work,
    epochs_from_headers,
    read_headers,
)
from hashtide.errors import HeadersError, InvalidInputError
from hashtide.protocol import MAINNET, ChainParams

# --- real mainnet headers ---------------------------------------------------------------------
# Published. Genesis: Bitcoin Core src/kernel/chainparams.cpp, CreateGenesisBlock(1231006505,
# 2083236893, 0x1d00ffff, 1, 50 * COIN) with hashMerkleRoot 4a5e1e4b…a33b and hashGenesisBlock
# 000000000019d668…e26f; the serialized header is the one on https://en.bitcoin.it/wiki/Genesis_block.
# Blocks 1 and 2: fields as every block explorer shows them; their hashes and times (and the
# genesis hash) match Bitcoin Core getblockstats, ../shared/data/raw/chain/
# btc_blockstats_partial.csv.gz, heights 0-2, which fixes every field (the hash commits to them).
GENESIS_HASH = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"
BLOCK1_HASH = "00000000839a8e6886ab5951d76f411475428afc90947ee320161bbf18eb6048"
BLOCK2_HASH = "000000006a625f06636b8bb6ac7b960a8d03705d1ace08b1a19da3fdcc99ddbd"
GENESIS_HEX = (
    "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27a"
    "c72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c"
)
BLOCK1_HEX = (
    "010000006fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000982051fd1e4ba744bb"
    "be680e1fee14677ba1a3c3540bf7b1cdb606e857233e0e61bc6649ffff001d01e36299"
)
BLOCK2_HEX = (
    "010000004860eb18bf1b1620e37e9490fc8a427514416fd75159ab86688e9a8300000000d5fdcc541e25de1c7a"
    "5addedf24858b8bb665c9f36ef744ee42c316022c90f9bb0bc6649ffff001d08d2bd61"
)
REAL_3 = bytes.fromhex(GENESIS_HEX + BLOCK1_HEX + BLOCK2_HEX)

# Published. Header of block 689,472 (the 2021-07-03 retarget, bits 0x171398ce): bitcoinj
# org.bitcoin.production.checkpoints.txt (commit 13e137e, in ../shared/data/raw/chain/
# bitcoinj_checkpoints_mainnet.txt). Hashes of blocks 689,471 and 689,472: Bitcoin Core
# getblockstats (btc_blockstats_partial.csv.gz), a source independent of the header.
H689472_HEX = (
    "0420d1297c65a9842c11702870b6fd4fc29c7a0e431dab16c8cb090000000000000000002d035269665426c996"
    "44d1cf3cdde1caac14de3c0737b0c29b3868eb164f0178de04e060ce9813172f3f2398"
)
H689471_HASH = "00000000000000000009cbc816ab1d430e7a9cc24ffdb6702870112c84a9657c"
H689472_HASH = "000000000000000000124347f70edac39e58d972c79086d860929baf07e455aa"


def test_genesis_fields_serialize_hash_and_pass_pow() -> None:
    genesis = BlockHeader(
        version=1,
        prev_hash="00" * 32,
        merkle_root="4A5E1E4BAAB89F3A32518A88C31BC87F618F76673E2CC77AB2127B7AFDEDA33B",
        time_s=1231006505,
        bits=0x1D00FFFF,
        nonce=2083236893,
    )
    assert genesis.merkle_root.startswith("4a5e1e4b")  # stored lower case
    assert genesis.serialize().hex() == GENESIS_HEX
    assert genesis.hash == GENESIS_HASH
    assert check_proof_of_work(genesis.hash, genesis.bits)
    assert check_proof_of_work(int(genesis.hash, 16), genesis.bits)


def test_real_headers_parse_to_their_published_fields() -> None:
    block1 = BlockHeader.parse(bytes.fromhex(BLOCK1_HEX))
    assert block1 == BlockHeader(
        version=1,
        prev_hash=GENESIS_HASH,
        merkle_root="0e3e2357e806b6cdb1f70b54c3a3a17b6714ee1f0e68bebb44a74b1efd512098",
        time_s=1231469665,
        bits=0x1D00FFFF,
        nonce=2573394689,
    )
    assert block1.hash == BLOCK1_HASH
    block2 = BlockHeader.parse(bytes.fromhex(BLOCK2_HEX))
    assert (block2.prev_hash, block2.time_s, block2.hash) == (BLOCK1_HASH, 1231469744, BLOCK2_HASH)


def test_genesis_and_blocks_1_2_load(tmp_path: Path) -> None:
    path = tmp_path / "blockchain_headers"
    path.write_bytes(REAL_3)
    chain = read_headers(path)
    assert (len(chain), chain.start_height, chain.end_height) == (3, 0, 2)
    assert [chain.block_hash(h) for h in range(3)] == [GENESIS_HASH, BLOCK1_HASH, BLOCK2_HASH]
    assert chain.header(1) == BlockHeader.parse(bytes.fromhex(BLOCK1_HEX))
    assert chain.time_s.tolist() == [1231006505, 1231469665, 1231469744]  # getblockstats times
    assert chain.bits.tolist() == [0x1D00FFFF] * 3

    table = epochs_from_headers(path)
    assert list(table.columns) == list(EPOCH_COLUMNS)  # the shipped history's shape
    pd.testing.assert_series_equal(table.dtypes, epochs().dtypes)
    assert len(table) == 1
    row = table.iloc[0]
    assert (row.epoch, row.start_height, row.end_height, row.bits) == (0, 0, 2015, 0x1D00FFFF)
    assert row.first_block_time == pd.Timestamp(1231006505, unit="s", tz="UTC")
    assert pd.isna(row.last_block_time)  # block 2015 is not in the file
    assert np.isnan(row.span_s)
    assert (row.first_block_hash, row.last_block_hash) == (GENESIS_HASH, None)
    assert (row.first_block_time_source, row.last_block_time_source) == (
        "headers:blockchain_headers",
        "",
    )


def test_file_starting_after_genesis_checks_the_given_link() -> None:
    tail = bytes.fromhex(BLOCK1_HEX + BLOCK2_HEX)
    assert len(read_headers(tail, start_height=1)) == 2  # first link unchecked
    assert read_headers(tail, start_height=1, prev_hash=GENESIS_HASH).block_hash(2) == BLOCK2_HASH
    with pytest.raises(
        HeadersError,
        match=rf"height 1: prev_hash {GENESIS_HASH}, expected 0+\w+, the prev_hash passed",
    ) as e:
        read_headers(tail, start_height=1, prev_hash=BLOCK1_HASH)
    assert e.value.height == 1


def test_proof_of_work_at_real_2021_difficulty() -> None:
    header = BlockHeader.parse(bytes.fromhex(H689472_HEX))
    assert (header.hash, header.prev_hash, header.bits) == (H689472_HASH, H689471_HASH, 0x171398CE)
    assert check_proof_of_work(header.hash, header.bits)
    chain = read_headers(bytes.fromhex(H689472_HEX), start_height=689_472, prev_hash=H689471_HASH)
    assert chain.block_hash(689_472) == H689472_HASH

    # Independent derivation: target of 0x171398ce = 0x1398ce · 256**(0x17 − 3). Another nonce
    # gives a hash above it (with probability 1 − 2**-75).
    target = 0x1398CE * 256 ** (0x17 - 3)
    assert int(header.hash, 16) <= target
    other = BlockHeader.parse(bytes.fromhex(H689472_HEX)[:76] + struct.pack("<I", header.nonce + 1))
    assert int(other.hash, 16) > target
    assert not check_proof_of_work(other.hash, other.bits)
    with pytest.raises(HeadersError, match="height 689472: proof of work fails: hash") as e:
        read_headers(other.serialize(), start_height=689_472)
    assert e.value.height == 689_472


# Published rule, Bitcoin Core src/pow.cpp DeriveTarget/CheckProofOfWork: reject negative, zero,
# overflowing and above-powLimit targets; accept hash <= target. Bits from Core's
# arith_uint256_tests.cpp bignum_SetCompact (0x04923456 negative, 0xff123456 overflow, 0x01003456
# zero); 0x1d010000 = 0x010000 · 256**26 = 2**224 is one above mainnet's powLimit 2**224 − 1.
@pytest.mark.parametrize(
    ("block_hash", "bits", "ok"),
    [
        (0xFFFF << 208, 0x1D00FFFF, True),  # hash equal to the target passes
        ((0xFFFF << 208) + 1, 0x1D00FFFF, False),  # one above fails
        (0, 0x04923456, False),  # negative target
        (0, 0xFF123456, False),  # overflow
        (0, 0x01003456, False),  # zero target
        (0, 0x1D010000, False),  # above powLimit
        (0, 0x1C7FFFFF, True),
    ],
)
def test_check_proof_of_work_follows_core(block_hash: int, bits: int, ok: bool) -> None:
    assert check_proof_of_work(block_hash, bits, params=MAINNET) is ok


# --- chains the tests mine --------------------------------------------------------------------
# 8-block retarget periods (T = 8 s, 1 s spacing). pow_limit 2**250 − 1 keeps targets near 2**247,
# so a header takes a few hundred hashes to mine, and meets Core's own sanity rule for a
# retargeting chain, pow_limit < (2**256 − 1) / (4 T) (src/test/pow_tests.cpp,
# sanity_check_chainparams), under which Core's 256-bit retarget product never wraps.
EASY = ChainParams(
    name="easy", pow_limit=2**250 - 1, pow_target_timespan_s=8, pow_target_spacing_s=1
)
PERIOD = 8
FIRST_TIME_S = 1_700_000_000

# (bits of the period, its span = last − first block time [s]). Independent derivation by hand
# of each next period's bits: target · clamp(span, 8 // 4, 8 · 4) // 8, capped at 2**250 − 1, in
# compact form (Core's GetCompact: a mantissa with bit 0x800000 set moves one byte down).
# Targets: 0x20008000 = 0x8000·256**29 = 2**247, 0x1f400000 = 0x400000·256**28 = 2**246,
# 0x20010000 = 2**248, 0x1f600000 = 3·2**245, 0x20018000 = 3·2**247,
# 0x2003ffff = (2**18 − 1)·256**29, the compact of 2**250 − 1.
PLAN: list[tuple[int, int | None]] = [
    (0x20008000, 8),  # span = T: unchanged
    (0x20008000, 4),  # T/2: target halves, difficulty doubles → 2**246
    (0x1F400000, 80),  # 10 T, clamped to 4 T: ×4 → 2**248, difficulty falls
    (0x20010000, 1),  # below T/4, clamped to T/4: ÷4 → 2**246
    (0x1F400000, 12),  # 3T/2 → 3·2**245
    (0x1F600000, 100),  # clamped to ×4 → 3·2**247
    (0x20018000, 32),  # exactly 4 T, no clamp: 3·2**249 > pow_limit → 2**250 − 1
    (0x2003FFFF, None),  # last period, 3 headers in the file
]
TAIL = 3


def _sha256d(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def _target(bits: int) -> int:
    """Target of positive, non-overflowing bits with exponent >= 3 (all the tests mine)."""
    return (bits & 0x7FFFFF) << (8 * ((bits >> 24) - 3))


def _header(prev: bytes, time_s: int, bits: int, nonce: int, height: int) -> bytes:
    merkle = hashlib.sha256(height.to_bytes(8, "little")).digest()  # any 32 bytes
    return struct.pack("<i32s32sIII", 0x20000000, prev, merkle, time_s % 2**32, bits, nonce)


def _mine(schedule: Sequence[tuple[int, int]], *, fail_at: int | None = None) -> bytes:
    """Headers at heights 0… with these (time_s, bits), linked, each meeting its target.

    The header at ``fail_at`` is given a nonce whose hash is above its target instead.
    """
    out, prev = bytearray(), bytes(32)
    for height, (time_s, bits) in enumerate(schedule):
        for nonce in range(2**32):
            header = _header(prev, time_s, bits, nonce, height)
            digest = _sha256d(header)
            if (int.from_bytes(digest, "little") <= _target(bits)) != (height == fail_at):
                break
        out += header
        prev = digest
    return bytes(out)


def _plan_schedule(plan: Sequence[tuple[int, int | None]], tail: int) -> list[tuple[int, int]]:
    """(time_s, bits) per height: block j of a period at first + round(span · j / 7) [s]; the
    next period's first block 1 s after the last."""
    schedule, first = [], FIRST_TIME_S
    for bits, span in plan:
        if span is None:
            schedule += [(first + j, bits) for j in range(tail)]
            break
        schedule += [(first + (2 * span * j + 7) // 14, bits) for j in range(PERIOD)]
        first += span + 1
    return schedule


def _median_time_past_ok(schedule: Sequence[tuple[int, int]]) -> bool:
    """Core's ContextualCheckBlockHeader: each time above the median of the 11 before it."""
    times = [t for t, _ in schedule]
    return all(
        times[h] > sorted(times[max(0, h - 11) : h])[min(h, 11) // 2] for h in range(1, len(times))
    )


@pytest.fixture(scope="module")
def planned() -> bytes:
    return _mine(_plan_schedule(PLAN, TAIL))


def test_test_chains_are_valid_for_core() -> None:
    assert EASY.difficulty_adjustment_interval == PERIOD
    assert EASY.pow_limit < (2**256 - 1) // (4 * EASY.pow_target_timespan_s)
    assert _median_time_past_ok(_plan_schedule(PLAN, TAIL))


def test_mined_chain_reproduces_the_hand_derived_table(planned: bytes, tmp_path: Path) -> None:
    path = tmp_path / "mined.bin"
    path.write_bytes(planned)
    table = epochs_from_headers(path, params=EASY)
    count = PERIOD * (len(PLAN) - 1) + TAIL
    digests = [_sha256d(planned[o : o + HEADER_SIZE]) for o in range(0, len(planned), HEADER_SIZE)]
    hashes = [d[::-1].hex() for d in digests]  # independent: the tests' own double SHA-256

    # Expected, from the construction in _plan_schedule: period k starts at FIRST_TIME_S plus
    # the earlier (span + 1 s); its last block is span later.
    firsts, lasts, spans, durations = [], [], [], []
    first = FIRST_TIME_S
    for _bits, span in PLAN:
        firsts.append(first)
        lasts.append(None if span is None else first + span)
        spans.append(np.nan if span is None else float(span))
        durations.append(np.nan if span is None else float(span + 1))
        first += (span or 0) + 1

    assert table["start_height"].tolist() == [PERIOD * k for k in range(len(PLAN))]
    assert table["bits"].tolist() == [bits for bits, _ in PLAN]
    assert table["first_block_time"].tolist() == [
        pd.Timestamp(t, unit="s", tz="UTC") for t in firsts
    ]
    assert table["last_block_time"].iloc[:-1].tolist() == [
        pd.Timestamp(t, unit="s", tz="UTC") for t in lasts[:-1]
    ]
    assert pd.isna(table["last_block_time"].iloc[-1])
    np.testing.assert_array_equal(table["span_s"], spans)  # whole seconds: exact
    np.testing.assert_array_equal(table["duration_s"], durations)
    assert table["first_block_hash"].tolist() == hashes[::PERIOD]
    assert table["last_block_hash"].tolist() == [*hashes[PERIOD - 1 :: PERIOD], None]
    assert set(table["first_block_time_source"]) == {"headers:mined.bin"}
    assert table["last_block_time_source"].tolist() == ["headers:mined.bin"] * 7 + [""]
    assert len(read_headers(path, params=EASY)) == count


def test_file_starting_mid_period_skips_only_the_first_retarget() -> None:
    # Period 1 has the wrong bits (0x1f400000 = 2**246; a span of T keeps 0x20008000), period 2
    # follows from them: 2**246 · 4 // 8 = 2**245 = 0x200000·256**28 → 0x1f200000 by hand.
    schedule = _plan_schedule([(0x20008000, 8), (0x1F400000, 4), (0x1F200000, None)], 4)
    raw = _mine(schedule)
    with pytest.raises(HeadersError, match=r"height 8: bits 0x1f400000, expected 0x20008000") as e:
        read_headers(raw, params=EASY)
    assert e.value.height == 8

    # From height 5 the retarget at 8 needs block 0's time, which the file lacks: unchecked.
    tail = raw[5 * HEADER_SIZE :]
    table = epochs_from_headers(tail, params=EASY, start_height=5)
    assert table["start_height"].tolist() == [0, 8, 16]
    assert table["bits"].tolist() == [0x20008000, 0x1F400000, 0x1F200000]
    assert pd.isna(table["first_block_time"].iloc[0])
    assert table["first_block_time_source"].tolist() == ["", "headers:<bytes>", "headers:<bytes>"]
    assert table["last_block_time"].iloc[0] == pd.Timestamp(FIRST_TIME_S + 8, unit="s", tz="UTC")

    # …but the retarget at 16 is checked: one mantissa unit off fails.
    bad = _mine([*schedule[:16], *((t, 0x1F200001) for t, _ in schedule[16:])])
    with pytest.raises(HeadersError, match=r"height 16: bits 0x1f200001, expected 0x1f200000 from"):
        read_headers(bad[5 * HEADER_SIZE :], params=EASY, start_height=5)


def test_retarget_with_wrong_bits_is_named(planned: bytes) -> None:
    # Period 2 mined at 0x1f400001 instead of the hand-derived 0x1f400000 (2**247 · 4 // 8).
    schedule = _plan_schedule(PLAN[:3], TAIL)
    schedule[16:] = [(t, 0x1F400001) for t, _ in schedule[16:]]
    with pytest.raises(
        HeadersError,
        match=r"height 16: bits 0x1f400001, expected 0x1f400000 from the retarget \(bits "
        r"0x20008000, span 4 s from block time 1700000009 at height 8 to 1700000013 at height 15\)",
    ) as e:
        read_headers(_mine(schedule), params=EASY)
    assert e.value.height == 16


def test_bits_changing_inside_a_period_are_named() -> None:
    schedule = _plan_schedule(PLAN[:1], TAIL)
    schedule[3] = (schedule[3][0], 0x1F400000)  # harder, and its proof of work is valid
    with pytest.raises(
        HeadersError, match=r"height 3: bits 0x1f400000, expected 0x20008000 as at height 2"
    ) as e:
        read_headers(_mine(schedule), params=EASY)
    assert e.value.height == 3


def test_without_retargeting_bits_never_change() -> None:
    flat = ChainParams(
        name="flat",
        pow_limit=2**250 - 1,
        pow_target_timespan_s=8,
        pow_target_spacing_s=1,
        pow_no_retargeting=True,
    )
    # Spans that would retarget under EASY; with no retargeting the bits stay.
    schedule = [(t, 0x20008000) for t, _ in _plan_schedule(PLAN[:3], TAIL)]
    assert len(read_headers(_mine(schedule), params=flat)) == len(schedule)
    schedule[16:] = [(t, 0x1F400000) for t, _ in schedule[16:]]  # what EASY's retarget gives
    with pytest.raises(
        HeadersError, match=r"height 16: .*as at height 15 \(no retargeting in 'flat'\)"
    ) as e:
        read_headers(_mine(schedule), params=flat)
    assert e.value.height == 16


def test_broken_link_is_named(planned: bytes) -> None:
    raw = bytearray(planned)
    offset = 11 * HEADER_SIZE
    raw[offset + 4 : offset + 36] = bytes(range(32))
    expected = _sha256d(planned[10 * HEADER_SIZE : 11 * HEADER_SIZE])[::-1].hex()
    with pytest.raises(
        HeadersError,
        match=rf"<bytes>: header at height 11: prev_hash {bytes(range(32))[::-1].hex()}, "
        rf"expected {expected}, the hash of the header at height 10",
    ) as e:
        read_headers(bytes(raw), params=EASY)
    assert e.value.height == 11


def test_genesis_must_have_no_parent() -> None:
    with pytest.raises(
        HeadersError, match=r"height 0: prev_hash 0+19d668.*expected all zeros"
    ) as e:
        read_headers(bytes.fromhex(BLOCK1_HEX))
    assert e.value.height == 0


def test_bad_proof_of_work_is_named() -> None:
    genesis = bytes.fromhex(GENESIS_HEX)
    altered = genesis[:76] + struct.pack("<I", 2083236893 + 1)  # nonce + 1
    assert int(_sha256d(altered)[::-1].hex(), 16) > 0xFFFF << 208  # independent: above target
    with pytest.raises(
        HeadersError, match=r"height 0: proof of work fails: hash \w+ is above"
    ) as e:
        read_headers(altered)
    assert e.value.height == 0

    schedule = _plan_schedule(PLAN[:2], TAIL)
    with pytest.raises(HeadersError, match=r"height 5: proof of work fails") as e:
        read_headers(_mine(schedule, fail_at=5), params=EASY)
    assert e.value.height == 5


@pytest.mark.parametrize(
    ("bits", "problem"),
    [
        (0x04923456, "negative"),  # Core arith_uint256_tests: fNegative
        (0xFF123456, "overflowing 256 bits"),  # Core arith_uint256_tests: fOverflow
        (0x20000000, "zero"),  # zero mantissa
        (0x20040000, "above the pow_limit"),  # 0x040000 · 256**29 = 2**250 > 2**250 − 1
    ],
)
def test_unusable_bits_are_named(bits: int, problem: str) -> None:
    header = _header(bytes(32), FIRST_TIME_S, bits, 0, 0)
    with pytest.raises(
        HeadersError, match=rf"height 0: proof of work fails: bits 0x{bits:08x} encode .*{problem}"
    ) as e:
        read_headers(header + header, params=EASY)
    assert e.value.height == 0


@pytest.mark.parametrize(("start_height", "height"), [(0, 3), (100, 103)])
def test_truncated_file_names_the_height_and_size(start_height: int, height: int) -> None:
    raw = REAL_3 + bytes(17)  # 80·3 + 17 bytes
    with pytest.raises(
        HeadersError, match=rf"truncated: 257 bytes .* height {height} has only 17 of its 80 bytes"
    ) as e:
        read_headers(raw, start_height=start_height)
    assert e.value.height == height


def test_empty_file_is_an_error_not_an_empty_table(tmp_path: Path) -> None:
    path = tmp_path / "empty.bin"
    path.write_bytes(b"")
    with pytest.raises(HeadersError, match=r"empty.bin: the headers file is empty") as e:
        epochs_from_headers(path, start_height=2016)
    assert e.value.height == 2016


def test_missing_file_and_bad_arguments() -> None:
    with pytest.raises(HeadersError, match="cannot read the headers file"):
        read_headers(Path("/nonexistent/blockchain_headers"))
    with pytest.raises(InvalidInputError, match="prev_hash='xyz' must be a hash of 64 hex digits"):
        read_headers(REAL_3, start_height=1, prev_hash="xyz")
    with pytest.raises(InvalidInputError, match="genesis block's prev hash is all zeros"):
        read_headers(REAL_3, prev_hash=GENESIS_HASH)
    with pytest.raises(InvalidInputError, match="a block header is 80 bytes; got 79"):
        BlockHeader.parse(REAL_3[:79])
    with pytest.raises(InvalidInputError, match="nonce=4294967296 must be an integer"):
        BlockHeader(
            version=1, prev_hash="00" * 32, merkle_root="00" * 32, time_s=0, bits=0, nonce=2**32
        )
    with pytest.raises(InvalidInputError, match="height=3 must be an integer in \\[0, 2\\]"):
        read_headers(REAL_3).block_hash(3)


def test_progress_is_reported_every_10000_headers() -> None:
    # pow_limit 2**256 − 1 and bits 0x2100ffff (target 0xffff · 256**30): nearly every nonce
    # passes, so 25,000 headers are quick to build.
    trivial = ChainParams(name="trivial", pow_limit=2**256 - 1, pow_no_retargeting=True)
    raw = _mine([(FIRST_TIME_S + 600 * h, 0x2100FFFF) for h in range(25_000)])
    calls: list[tuple[int, int]] = []
    chain = read_headers(
        raw, params=trivial, progress=lambda done, total: calls.append((done, total))
    )
    assert calls == [(10_000, 25_000), (20_000, 25_000), (25_000, 25_000)]
    assert len(chain) == 25_000


# --- properties -------------------------------------------------------------------------------
HASHES = st.binary(min_size=32, max_size=32).map(bytes.hex)
HEADERS = st.builds(
    BlockHeader,
    version=st.integers(-(2**31), 2**31 - 1),
    prev_hash=HASHES,
    merkle_root=HASHES,
    time_s=st.integers(0, 2**32 - 1),
    bits=st.integers(0, 2**32 - 1),
    nonce=st.integers(0, 2**32 - 1),
)


@given(HEADERS)
def test_serialize_parse_round_trips_any_header(header: BlockHeader) -> None:
    data = header.serialize()
    assert len(data) == HEADER_SIZE
    assert BlockHeader.parse(data) == header


@given(st.binary(min_size=HEADER_SIZE, max_size=HEADER_SIZE))
def test_parse_serialize_round_trips_any_80_bytes(data: bytes) -> None:
    header = BlockHeader.parse(data)
    assert header.serialize() == data
    assert header.hash == _sha256d(data)[::-1].hex()  # independent: hashlib on the raw bytes
