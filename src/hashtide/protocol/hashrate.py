"""Conversions between difficulty and the network hashrate it implies."""

from __future__ import annotations

from typing import Final

from hashtide._checks import integer, real
from hashtide.errors import InvalidInputError

#: Expected hashes to find one block at difficulty 1 (≈ 2**32; exactly 2**256/(0xffff·2**208+1)
#: ≈ 2**32 · 65536/65535 — the convention, used by pools and Core's ``getnetworkhashps`` callers,
#: is 2**32).
HASHES_PER_DIFFICULTY: Final = 2**32

_DEFAULT_SPACING_S: Final = 600.0


def difficulty_to_hashrate_hs(
    difficulty: float, block_interval_s: float = _DEFAULT_SPACING_S
) -> float:
    """Hashrate [H/s] that finds blocks every ``block_interval_s`` on average at ``difficulty``.

    Notes
    -----
    ``H = D · 2**32 / block_interval_s`` (REFERENCES §1.6).

    Examples
    --------
    >>> f"{difficulty_to_hashrate_hs(1.0):,.2f} H/s"
    '7,158,278.83 H/s'
    """
    difficulty = real("difficulty", difficulty)
    block_interval_s = real("block_interval_s", block_interval_s)
    if not difficulty > 0 or not block_interval_s > 0:
        raise InvalidInputError(
            f"difficulty={difficulty!r} and block_interval_s={block_interval_s!r} must be > 0"
        )
    return difficulty * HASHES_PER_DIFFICULTY / block_interval_s


def hashrate_hs_to_difficulty(
    hashrate_hs: float, block_interval_s: float = _DEFAULT_SPACING_S
) -> float:
    """Difficulty at which ``hashrate_hs`` finds blocks every ``block_interval_s`` on average."""
    hashrate_hs = real("hashrate_hs", hashrate_hs)
    block_interval_s = real("block_interval_s", block_interval_s)
    if not hashrate_hs > 0 or not block_interval_s > 0:
        raise InvalidInputError(
            f"hashrate_hs={hashrate_hs!r} and block_interval_s={block_interval_s!r} must be > 0"
        )
    return hashrate_hs * block_interval_s / HASHES_PER_DIFFICULTY


def expected_hashes_per_block(target: int) -> int:
    """Exact expected hashes per block at ``target``: ``2**256 // (target + 1)``.

    This is Bitcoin Core's ``GetBlockProof`` (``src/chain.cpp``), the work a block adds.
    """
    target = integer("target", target, minimum=0)
    return 2**256 // (target + 1)
