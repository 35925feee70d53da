"""Block subsidy and issuance (Bitcoin Core ``GetBlockSubsidy``, ``src/validation.cpp``)."""

from __future__ import annotations

from hashtide._checks import integer
from hashtide.protocol.params import MAINNET, ChainParams

#: After this many halvings the right shift would be undefined in C++; Core returns 0.
_MAX_HALVINGS = 64


def _check_height(height: int) -> int:
    return integer("height", height, minimum=0)


def block_subsidy_sat(height: int, *, params: ChainParams = MAINNET) -> int:
    """New coins a block at ``height`` may create [sat].

    Notes
    -----
    ``halvings = height // 210000``; zero from 64 halvings on; else ``50 BTC >> halvings``.

    Examples
    --------
    >>> block_subsidy_sat(840_000)
    312500000
    """
    height = _check_height(height)
    halvings = height // params.subsidy_halving_interval
    if halvings >= _MAX_HALVINGS:
        return 0
    return params.initial_subsidy_sat >> halvings


def halving_height(index: int, *, params: ChainParams = MAINNET) -> int:
    """Height of the first block of halving ``index`` (1 → 210,000; 4 → 840,000)."""
    index = integer("index", index, minimum=1)
    return index * params.subsidy_halving_interval


def cumulative_subsidy_sat(end_height: int, *, params: ChainParams = MAINNET) -> int:
    """Subsidy created by blocks ``0 … end_height - 1`` [sat] (the genesis output included).

    Summed era by era, so it is exact and fast for any height.
    """
    end_height = integer("end_height", end_height, minimum=0)
    interval = params.subsidy_halving_interval
    total = 0
    era = 0
    while era * interval < end_height and era < _MAX_HALVINGS:
        blocks = min(end_height, (era + 1) * interval) - era * interval
        total += blocks * (params.initial_subsidy_sat >> era)
        era += 1
    return total


def total_issuance_sat(*, params: ChainParams = MAINNET) -> int:
    """Every satoshi the subsidy schedule will ever create (2,099,999,997,690,000 on mainnet)."""
    return cumulative_subsidy_sat(_MAX_HALVINGS * params.subsidy_halving_interval, params=params)
