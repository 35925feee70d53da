"""The difficulty retarget, as Bitcoin Core computes it (``src/pow.cpp``)."""

from __future__ import annotations

from hashtide._checks import integer
from hashtide.protocol.compact import bits_to_target, target_to_bits
from hashtide.protocol.params import MAINNET, ChainParams


def clamp_timespan_s(actual_timespan_s: int, *, params: ChainParams = MAINNET) -> int:
    """Limit a measured retarget span to [T/4, 4T], T = ``pow_target_timespan_s``.

    Core's ``CalculateNextWorkRequired``: ``T/4`` is integer division (302,400 s on mainnet).
    """
    actual_timespan_s = integer("actual_timespan_s", actual_timespan_s)
    lower = params.pow_target_timespan_s // 4
    upper = params.pow_target_timespan_s * 4
    return min(max(actual_timespan_s, lower), upper)


def next_bits(
    last_bits: int,
    first_block_time_s: int,
    last_block_time_s: int,
    *,
    params: ChainParams = MAINNET,
) -> int:
    """Compact target of the next retarget period.

    Parameters
    ----------
    last_bits : int
        Compact target of the period that just ended.
    first_block_time_s : int
        Header time [s since 1970, UTC] of the period's first block (height ``h - 2015`` for a
        period ending at height ``h``).
    last_block_time_s : int
        Header time [s] of the period's last block (height ``h``).

    Returns
    -------
    int
        The compact target of blocks ``h + 1`` … ``h + 2016``.

    Notes
    -----
    Core's ``CalculateNextWorkRequired``::

        span = clamp(last_time - first_time, T/4, 4T)
        target = min(old_target * span / T, powLimit)      (integer division)
        bits = GetCompact(target)

    The span covers 2015 block intervals, not 2016 (the "off-by-one" of the original client).
    Python integers are exact, so the product never wraps; Core's 256-bit product would only wrap
    if ``old_target * 4T >= 2**256``, which cannot happen under mainnet's ``powLimit`` (2**224).
    With ``params.pow_no_retargeting`` the bits are returned unchanged (Core's regtest).

    References
    ----------
    Bitcoin Core, ``src/pow.cpp``, ``CalculateNextWorkRequired``;
    https://github.com/bitcoin/bitcoin/blob/master/src/pow.cpp

    Examples
    --------
    Bitcoin Core's ``pow_tests.cpp`` vector ``get_next_work``:

    >>> hex(next_bits(0x1D00FFFF, 1261130161, 1262152739))
    '0x1d00d86a'
    """
    seconds = "an integer number of seconds"
    first_block_time_s = integer("first_block_time_s", first_block_time_s, what=seconds)
    last_block_time_s = integer("last_block_time_s", last_block_time_s, what=seconds)
    if params.pow_no_retargeting:
        bits_to_target(last_bits)  # validates
        return last_bits
    span_s = clamp_timespan_s(last_block_time_s - first_block_time_s, params=params)
    target = bits_to_target(last_bits) * span_s // params.pow_target_timespan_s
    return target_to_bits(min(target, params.pow_limit))


def is_retarget_height(height: int, *, params: ChainParams = MAINNET) -> bool:
    """Whether block ``height`` starts a new retarget period (``height % 2016 == 0``)."""
    height = integer("height", height, minimum=0)
    return height % params.difficulty_adjustment_interval == 0
