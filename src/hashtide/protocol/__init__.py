"""Consensus rules in exact integers, matching Bitcoin Core bit for bit.

Compact targets (``bits_to_target``, ``target_to_bits``, ``difficulty``), the retarget
(``next_bits``), the subsidy schedule (``block_subsidy_sat``) and difficulty ↔ hashrate.
"""

from hashtide.protocol.compact import (
    DIFFICULTY_1_TARGET,
    DecodedCompact,
    bits_to_target,
    decode_compact,
    difficulty,
    target_to_bits,
    target_to_difficulty,
)
from hashtide.protocol.hashrate import (
    HASHES_PER_DIFFICULTY,
    difficulty_to_hashrate_hs,
    expected_hashes_per_block,
    hashrate_hs_to_difficulty,
)
from hashtide.protocol.params import MAINNET, REGTEST, ChainParams
from hashtide.protocol.retarget import clamp_timespan_s, is_retarget_height, next_bits
from hashtide.protocol.subsidy import (
    block_subsidy_sat,
    cumulative_subsidy_sat,
    halving_height,
    total_issuance_sat,
)

__all__ = [
    "DIFFICULTY_1_TARGET",
    "HASHES_PER_DIFFICULTY",
    "MAINNET",
    "REGTEST",
    "ChainParams",
    "DecodedCompact",
    "bits_to_target",
    "block_subsidy_sat",
    "clamp_timespan_s",
    "cumulative_subsidy_sat",
    "decode_compact",
    "difficulty",
    "difficulty_to_hashrate_hs",
    "expected_hashes_per_block",
    "halving_height",
    "hashrate_hs_to_difficulty",
    "is_retarget_height",
    "next_bits",
    "target_to_bits",
    "target_to_difficulty",
    "total_issuance_sat",
]
