"""Block headers: parse them, check proof of work and links, and load a file of raw headers.

A headers file is plain concatenated 80-byte serialized headers at consecutive heights, oldest
first: Electrum's ``blockchain_headers`` file, or the bytes Bitcoin Core's ``getblockheader
<hash> false`` prints as hex. :func:`read_headers` checks every header; :func:`epochs_from_headers`
turns them into the epoch table the shipped history has (:func:`hashtide.chain.epochs`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashtide.chain.table import make_epoch_table
from hashtide.errors import HeadersError, InvalidInputError
from hashtide.protocol.compact import decode_compact
from hashtide.protocol.params import MAINNET, ChainParams
from hashtide.protocol.retarget import next_bits

#: Size of one serialized block header [bytes].
HEADER_SIZE: Final = 80
#: Headers checked between two calls of a ``progress`` callback.
PROGRESS_EVERY: Final = 10_000

#: A headers file's path, or its contents as ``bytes``.
HeadersSource = str | os.PathLike[str] | bytes
#: ``progress(done_headers, total_headers)``.
ProgressCallback = Callable[[int, int], None]

# version (int32), prev hash and merkle root (32 bytes each, wire order), time, bits, nonce
_HEADER: Final = struct.Struct("<i32s32sIII")
_TIME_BITS: Final = struct.Struct("<II")  # at byte 68: 32-bit words 17 and 18 of a header
_ZERO_HASH: Final = bytes(32)


def _wire_hash(name: str, value: object) -> bytes:
    """Wire-order bytes of a display-order hex hash, or an error naming the argument."""
    raw = b""
    if isinstance(value, str) and len(value) == 64:
        with contextlib.suppress(ValueError):
            raw = bytes.fromhex(value)
    if len(raw) != 32:
        raise InvalidInputError(f"{name}={value!r} must be a hash of 64 hex digits")
    return raw[::-1]


def _check_int(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInputError(f"{name}={value!r} must be an integer in [{low}, {high}]")


@dataclass(frozen=True, kw_only=True)
class BlockHeader:
    """One block header; hashes are hex in display (big-endian) order, as explorers show them.

    Parameters
    ----------
    version : int
        Block version, signed 32-bit (Core's ``nVersion``).
    prev_hash, merkle_root : str
        Hash of the previous block and merkle root of the transactions, 64 hex digits each.
    time_s : int
        Header time [s since 1970-01-01 UTC], unsigned 32-bit.
    bits, nonce : int
        Compact target (nBits) and nonce, unsigned 32-bit.

    Examples
    --------
    >>> genesis = BlockHeader(version=1, prev_hash="00" * 32, time_s=1231006505,
    ...     merkle_root="4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b",
    ...     bits=0x1D00FFFF, nonce=2083236893)
    >>> genesis.hash
    '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f'
    >>> BlockHeader.parse(genesis.serialize()) == genesis
    True
    """

    version: int
    prev_hash: str
    merkle_root: str
    time_s: int
    bits: int
    nonce: int

    def __post_init__(self) -> None:
        for name in ("prev_hash", "merkle_root"):  # store lower case
            object.__setattr__(self, name, _wire_hash(name, getattr(self, name))[::-1].hex())
        _check_int("version", self.version, -(2**31), 2**31 - 1)
        for name in ("time_s", "bits", "nonce"):
            _check_int(name, getattr(self, name), 0, 2**32 - 1)

    @classmethod
    def parse(cls, data: bytes) -> BlockHeader:
        """Read a header from its 80 serialized bytes (little-endian fields, wire-order hashes)."""
        if len(data) != HEADER_SIZE:
            raise InvalidInputError(f"a block header is {HEADER_SIZE} bytes; got {len(data)}")
        version, prev, merkle, time_s, bits, nonce = _HEADER.unpack(data)
        prev_hash, merkle_root = prev[::-1].hex(), merkle[::-1].hex()
        return cls(
            version=version,
            prev_hash=prev_hash,
            merkle_root=merkle_root,
            time_s=time_s,
            bits=bits,
            nonce=nonce,
        )

    def serialize(self) -> bytes:
        """The 80 bytes of the header, as on the wire and in a headers file."""
        prev, merkle = bytes.fromhex(self.prev_hash)[::-1], bytes.fromhex(self.merkle_root)[::-1]
        return _HEADER.pack(self.version, prev, merkle, self.time_s, self.bits, self.nonce)

    @property
    def hash(self) -> str:
        """Block hash: double SHA-256 of the serialized header, hex in display order."""
        return hashlib.sha256(hashlib.sha256(self.serialize()).digest()).digest()[::-1].hex()


def _derive_target(bits: int, params: ChainParams) -> int | None:
    """Core's ``DeriveTarget``: the target of ``bits``, or None when consensus rejects it."""
    value, negative, overflow = decode_compact(bits)
    return None if negative or overflow or not 0 < value <= params.pow_limit else value


def _pow_problem(hash_int: int, bits: int, params: ChainParams) -> str | None:
    """Why ``hash_int`` fails proof of work under ``bits``, or None when it passes."""
    value, negative, overflow = decode_compact(bits)
    if negative or overflow or value == 0:
        what = "negative" if negative else "overflowing 256 bits" if overflow else "zero"
        return f"bits 0x{bits:08x} encode a {what} target"
    if value > params.pow_limit:
        return (
            f"bits 0x{bits:08x} encode target 0x{value:064x}, above the pow_limit "
            f"0x{params.pow_limit:064x} of {params.name!r}"
        )
    if hash_int > value:
        return f"hash {hash_int:064x} is above the target {value:064x} of bits 0x{bits:08x}"
    return None


def check_proof_of_work(block_hash: str | int, bits: int, *, params: ChainParams = MAINNET) -> bool:
    """Whether a block hash meets the target its compact ``bits`` encode.

    Parameters
    ----------
    block_hash : str or int
        64 hex digits in display order, or the 256-bit integer they read as.
    bits : int
        Compact target (nBits), unsigned 32-bit.
    params : ChainParams
        Supplies ``pow_limit``, the largest target allowed.

    Raises
    ------
    InvalidInputError
        If ``bits`` is not an unsigned 32-bit integer or ``block_hash`` not a 256-bit hash.

    Notes
    -----
    Bitcoin Core ``CheckProofOfWork`` and ``DeriveTarget``, ``src/pow.cpp``: False if the target
    is negative, zero, overflows 256 bits or exceeds ``powLimit``, or if the hash is above it.

    Examples
    --------
    >>> check_proof_of_work(
    ...     "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f", 0x1D00FFFF
    ... )
    True
    """
    if isinstance(block_hash, str):
        hash_int = int.from_bytes(_wire_hash("block_hash", block_hash), "little")
    else:
        _check_int("block_hash", block_hash, 0, 2**256 - 1)
        hash_int = block_hash
    return _pow_problem(hash_int, bits, params) is None


@dataclass(frozen=True, kw_only=True)
class HeaderChain:
    """Block headers at consecutive heights, kept as raw bytes (112 MB per million headers).

    :func:`read_headers` builds and checks it; building one directly checks only the sizes.

    Parameters
    ----------
    start_height : int
        Height of the first header.
    raw : bytes
        The headers, 80 bytes each, as in the file.
    digests : bytes
        Each header's double SHA-256, 32 bytes each, in wire (little-endian) order.
    params : ChainParams
        The chain the headers were checked against.
    source : str
        Name of the file read (``"<bytes>"`` when read from memory).
    """

    start_height: int
    raw: bytes = field(repr=False)
    digests: bytes = field(repr=False)
    params: ChainParams = MAINNET
    source: str = ""

    def __post_init__(self) -> None:
        _check_int("start_height", self.start_height, 0, 2**63 - 1)
        count, rest = divmod(len(self.raw), HEADER_SIZE)
        if rest or len(self.digests) != 32 * count:
            raise InvalidInputError(
                f"raw ({len(self.raw)} bytes) must hold whole {HEADER_SIZE}-byte headers and "
                f"digests ({len(self.digests)} bytes) 32 bytes for each"
            )

    def __len__(self) -> int:
        return len(self.raw) // HEADER_SIZE

    @property
    def end_height(self) -> int:
        """Height of the last header."""
        return self.start_height + len(self) - 1

    @property
    def time_s(self) -> npt.NDArray[np.int64]:
        """Header times [s since 1970-01-01 UTC], one per header."""
        return np.frombuffer(self.raw, dtype="<u4").reshape(-1, 20)[:, 17].astype(np.int64)

    @property
    def bits(self) -> npt.NDArray[np.int64]:
        """Compact targets (nBits), one per header."""
        return np.frombuffer(self.raw, dtype="<u4").reshape(-1, 20)[:, 18].astype(np.int64)

    def header(self, height: int) -> BlockHeader:
        """The header at ``height``."""
        _check_int("height", height, self.start_height, self.end_height)
        offset = HEADER_SIZE * (height - self.start_height)
        return BlockHeader.parse(self.raw[offset : offset + HEADER_SIZE])

    def block_hash(self, height: int) -> str:
        """Hash of the block at ``height``, hex in display order."""
        _check_int("height", height, self.start_height, self.end_height)
        offset = 32 * (height - self.start_height)
        return self.digests[offset : offset + 32][::-1].hex()


def _load(source: HeadersSource) -> tuple[str, str, bytes]:
    """(path for messages, file name, contents) of a path, or of bytes."""
    if isinstance(source, bytes | bytearray | memoryview):
        return "<bytes>", "<bytes>", bytes(source)
    path = Path(source)
    try:
        return str(path), path.name, path.read_bytes()
    except OSError as exc:
        raise HeadersError(f"{path}: cannot read the headers file: {exc.strerror}") from exc


def _problem(label: str, height: int, message: str) -> HeadersError:
    return HeadersError(f"{label}: header at height {height}: {message}", height=height)


def _check_chain(
    raw: bytes,
    label: str,
    params: ChainParams,
    start_height: int,
    first_prev: bytes | None,
    progress: ProgressCallback | None,
    /,
) -> bytes:
    """Check every header of ``raw`` (see :func:`read_headers`); return their digests."""
    count, interval = len(raw) // HEADER_SIZE, params.difficulty_adjustment_interval
    retargeting = not params.pow_no_retargeting
    sha256, time_bits, from_bytes = hashlib.sha256, _TIME_BITS.unpack_from, int.from_bytes
    view, targets, chunks = memoryview(raw), dict[int, int | None](), list[bytes]()
    prev_digest, prev_bits, prev_time = first_prev, 0, 0
    period_first_time: int | None = None  # time of the current period's first block, if held
    for chunk_start in range(0, count, PROGRESS_EVERY):
        chunk_end = min(count, chunk_start + PROGRESS_EVERY)
        digests = [
            sha256(sha256(view[o : o + HEADER_SIZE]).digest()).digest()
            for o in range(chunk_start * HEADER_SIZE, chunk_end * HEADER_SIZE, HEADER_SIZE)
        ]
        for i, digest in enumerate(digests, start=chunk_start):
            offset, height = i * HEADER_SIZE, start_height + i
            if prev_digest is not None and raw[offset + 4 : offset + 36] != prev_digest:
                found = raw[offset + 4 : offset + 36][::-1].hex()
                want = (
                    "all zeros (the genesis block has no parent)"
                    if height == 0
                    else f"{prev_digest[::-1].hex()}, "
                    + (
                        f"the hash of the header at height {height - 1}"
                        if i
                        else "the prev_hash passed"
                    )
                )
                raise _problem(label, height, f"prev_hash {found}, expected {want}")
            time_s, bits = time_bits(raw, offset + 68)
            retarget = height % interval == 0
            if i and bits != prev_bits and not (retarget and retargeting):
                rule = "bits change only at a retarget" if retargeting else "no retargeting"
                message = f"bits 0x{bits:08x}, expected 0x{prev_bits:08x} as at height"
                raise _problem(label, height, f"{message} {height - 1} ({rule} in {params.name!r})")
            if i and retarget and retargeting and period_first_time is not None:
                expected = next_bits(prev_bits, period_first_time, prev_time, params=params)
                if bits != expected:
                    raise _problem(
                        label,
                        height,
                        f"bits 0x{bits:08x}, expected 0x{expected:08x} from the retarget (bits "
                        f"0x{prev_bits:08x}, span {prev_time - period_first_time} s from block "
                        f"time {period_first_time} at height {height - interval} to {prev_time} "
                        f"at height {height - 1})",
                    )
            if retarget:
                period_first_time = time_s
            if bits not in targets:
                targets[bits] = _derive_target(bits, params)
            target = targets[bits]
            if target is None or from_bytes(digest, "little") > target:
                problem = _pow_problem(from_bytes(digest, "little"), bits, params)
                raise _problem(label, height, f"proof of work fails: {problem}")
            prev_digest, prev_bits, prev_time = digest, bits, time_s
        chunks.append(b"".join(digests))
        if progress is not None:
            progress(chunk_end, count)
    return b"".join(chunks)


def read_headers(
    source: HeadersSource,
    *,
    params: ChainParams = MAINNET,
    start_height: int = 0,
    prev_hash: str | None = None,
    progress: ProgressCallback | None = None,
) -> HeaderChain:
    """Read a file of raw 80-byte block headers, checking each against the consensus rules.

    Parameters
    ----------
    source : str, os.PathLike or bytes
        Path of the headers file, or its contents.
    params : ChainParams
        Consensus parameters: proof-of-work limit, retarget interval and timespan.
    start_height : int
        Height of the file's first header.
    prev_hash : str, optional
        Hash (display order) of the block before the first header; when given the first link is
        checked too. At ``start_height=0`` the genesis block's all-zero prev hash is required.
    progress : callable, optional
        ``progress(done_headers, total_headers)``, called after every :data:`PROGRESS_EVERY`
        headers and at the end.

    Returns
    -------
    HeaderChain
        The checked headers.

    Raises
    ------
    HeadersError
        At the lowest offending header, ``.height`` set, the message naming file, height, what
        was found and what was expected: the file is empty or truncated (not a multiple of 80
        bytes); a prev hash is not the hash of the header before; bits break the retarget rule;
        proof of work fails.

    Notes
    -----
    The checks of Bitcoin Core's ``src/pow.cpp``:

    * link: the header at ``h`` names the hash of the header at ``h - 1`` as its prev hash;
    * bits (``GetNextWorkRequired``): those of the header before, except at a retarget height
      (``h % interval == 0``), where they are ``next_bits(bits, time[h - interval],
      time[h - 1])``; with ``params.pow_no_retargeting`` they never change;
    * proof of work (:func:`check_proof_of_work`).

    A file starting at ``start_height > 0`` leaves the first header's bits unchecked and, unless
    it starts at a period's first block, its first retarget too: that needs the time of a block
    before the file. Never checked: header times against the median of the 11 before them or the
    clock, version rules, testnet's minimum-difficulty blocks, and whether the chain has the most
    work.
    """
    _check_int("start_height", start_height, 0, 2**63 - 1)
    first_prev = None if prev_hash is None else _wire_hash("prev_hash", prev_hash)
    if start_height == 0:
        if first_prev not in (None, _ZERO_HASH):
            raise InvalidInputError(
                f"prev_hash={prev_hash!r} with start_height=0: the genesis block's prev hash is "
                "all zeros; pass the height of the file's first header as start_height"
            )
        first_prev = _ZERO_HASH
    label, name, raw = _load(source)
    count, rest = divmod(len(raw), HEADER_SIZE)
    if not raw:
        raise HeadersError(
            f"{label}: the headers file is empty (0 bytes); expected {HEADER_SIZE}-byte headers "
            f"from height {start_height}",
            height=start_height,
        )
    if rest:
        raise HeadersError(
            f"{label}: truncated: {len(raw)} bytes is not a whole number of {HEADER_SIZE}-byte "
            f"headers; the header at height {start_height + count} has only {rest} of its "
            f"{HEADER_SIZE} bytes",
            height=start_height + count,
        )
    digests = _check_chain(raw, label, params, start_height, first_prev, progress)
    return HeaderChain(
        start_height=start_height, raw=raw, digests=digests, params=params, source=name
    )


def epochs_from_headers(
    source: HeadersSource,
    *,
    params: ChainParams = MAINNET,
    start_height: int = 0,
    prev_hash: str | None = None,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """The epoch table (as :func:`hashtide.chain.epochs` returns) of a checked headers file.

    Parameters are those of :func:`read_headers`, which checks the headers first.

    Returns
    -------
    pandas.DataFrame
        One row per retarget period the file touches, columns as in
        :data:`hashtide.chain.EPOCH_COLUMNS`. First and last block times and hashes are filled
        where the file holds the block, missing (``NaT``, ``None``) where it does not; their
        sources read ``"headers:<file name>"`` or ``""``. A period only partly in the file takes
        its bits from the headers the file holds.

    Raises
    ------
    HeadersError
        As :func:`read_headers`: no table comes from headers that fail a check.

    Examples
    --------
    >>> from hashtide.protocol import REGTEST
    >>> header = BlockHeader(version=1, prev_hash="00" * 32, merkle_root="11" * 32,
    ...     time_s=1_700_000_000, bits=0x207FFFFF, nonce=0)
    >>> row = epochs_from_headers(header.serialize(), params=REGTEST).iloc[0]
    >>> int(row.start_height), str(row.first_block_time), row.first_block_time_source
    (0, '2023-11-14 22:13:20+00:00', 'headers:<bytes>')
    """
    chain = read_headers(
        source, params=params, start_height=start_height, prev_hash=prev_hash, progress=progress
    )
    interval = params.difficulty_adjustment_interval
    first, last = chain.start_height, chain.end_height
    times, bits, label = chain.time_s, chain.bits, f"headers:{chain.source}"
    starts = list(range(first // interval * interval, last + 1, interval))
    ends = [start + interval - 1 for start in starts]
    first_times, last_times = (
        [int(times[h - first]) if first <= h <= last else None for h in heights]
        for heights in (starts, ends)
    )
    return make_epoch_table(
        start_height=starts,
        bits=[int(bits[max(start - first, 0)]) for start in starts],
        first_block_time_s=first_times,
        last_block_time_s=last_times,
        first_block_hash=[chain.block_hash(h) if first <= h <= last else None for h in starts],
        last_block_hash=[chain.block_hash(h) if first <= h <= last else None for h in ends],
        first_block_time_source=[label if t is not None else "" for t in first_times],
        last_block_time_source=[label if t is not None else "" for t in last_times],
        params=params,
    )
