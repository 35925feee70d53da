"""The per-epoch table of chain history: its columns and how derived columns are computed.

One function, :func:`make_epoch_table`, turns what a source knows about each retarget period
(start height, bits, first and last block times, hashes) into the table every loader returns,
so the shipped history and a table built from a headers file have exactly the same shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd

from hashtide.errors import DataError
from hashtide.protocol.compact import difficulty
from hashtide.protocol.hashrate import HASHES_PER_DIFFICULTY
from hashtide.protocol.params import MAINNET, ChainParams

#: Column name → meaning [unit]. The order is the table's column order.
EPOCH_COLUMNS: Final[dict[str, str]] = {
    "epoch": "retarget period index k (start_height = 2016 k)",
    "start_height": "height of the period's first block",
    "end_height": "height of the period's last block (start_height + 2015)",
    "bits": "compact target of the period (nBits, as an integer)",
    "difficulty": "difficulty of the period, as Core's getblockheader prints it [-]",
    "first_block_time": "header time of the period's first block [UTC]",
    "last_block_time": "header time of the period's last block [UTC]",
    "span_s": "last_block_time - first_block_time: the retarget's measured span, 2015 block "
    "intervals [s]",
    "duration_s": "next period's first_block_time - this period's first_block_time: 2016 block "
    "intervals [s]",
    "hashrate_hs": "implied mean network hashrate: difficulty * 2**32 * 2016 / duration_s [H/s]",
    "first_block_hash": "hash of the period's first block (hex, big-endian display order)",
    "last_block_hash": "hash of the period's last block",
    "first_block_time_source": "where first_block_time comes from",
    "last_block_time_source": "where last_block_time comes from",
}


def _to_utc(times_s: Sequence[int | None]) -> pd.Series:
    values = pd.array([pd.NA if t is None else t for t in times_s], dtype="Int64")
    return pd.Series(pd.to_datetime(values, unit="s", utc=True), dtype="datetime64[ns, UTC]")


def make_epoch_table(
    *,
    start_height: Sequence[int],
    bits: Sequence[int],
    first_block_time_s: Sequence[int | None],
    last_block_time_s: Sequence[int | None],
    first_block_hash: Sequence[str | None],
    last_block_hash: Sequence[str | None],
    first_block_time_source: Sequence[str],
    last_block_time_source: Sequence[str],
    params: ChainParams = MAINNET,
) -> pd.DataFrame:
    """Build the epoch table from per-period facts; derived columns are computed here only.

    All sequences have one entry per consecutive retarget period, oldest first. ``None`` marks
    an unknown value; it stays missing (``NaT``/``NaN``/``None``) and so do the values derived
    from it. Raises :class:`~hashtide.errors.DataError` if the periods are not consecutive.
    """
    n = len(start_height)
    lengths = {
        len(bits),
        len(first_block_time_s),
        len(last_block_time_s),
        len(first_block_hash),
        len(last_block_hash),
        len(first_block_time_source),
        len(last_block_time_source),
    }
    if lengths != {n}:
        raise DataError(f"epoch columns have different lengths: {sorted(lengths | {n})}")
    interval = params.difficulty_adjustment_interval
    heights = np.asarray(start_height, dtype=np.int64)
    if n and (heights[0] % interval or np.any(np.diff(heights) != interval)):
        raise DataError(
            f"start heights must be consecutive multiples of {interval}; got {heights[:3]}…"
        )
    first = _to_utc(first_block_time_s)
    last = _to_utc(last_block_time_s)
    first_s = np.array([np.nan if t is None else float(t) for t in first_block_time_s])
    last_s = np.array([np.nan if t is None else float(t) for t in last_block_time_s])
    next_first_s = np.append(first_s[1:], np.nan)
    duration_s = next_first_s - first_s
    diff = np.array([difficulty(int(b)) for b in bits], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        hashrate_hs = np.where(
            duration_s > 0, diff * HASHES_PER_DIFFICULTY * interval / duration_s, np.nan
        )
    table = pd.DataFrame(
        {
            "epoch": heights // interval,
            "start_height": heights,
            "end_height": heights + interval - 1,
            "bits": np.asarray(bits, dtype=np.int64),
            "difficulty": diff,
            "first_block_time": first,
            "last_block_time": last,
            "span_s": last_s - first_s,
            "duration_s": duration_s,
            "hashrate_hs": hashrate_hs,
            "first_block_hash": pd.Series(list(first_block_hash), dtype=object),
            "last_block_hash": pd.Series(list(last_block_hash), dtype=object),
            "first_block_time_source": pd.Series(list(first_block_time_source), dtype=object),
            "last_block_time_source": pd.Series(list(last_block_time_source), dtype=object),
        }
    )
    return table[list(EPOCH_COLUMNS)]
