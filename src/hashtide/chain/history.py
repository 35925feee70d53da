"""The shipped chain history: Bitcoin mainnet's retarget periods from genesis."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pandas as pd

from hashtide.chain.table import make_epoch_table
from hashtide.errors import DataError

_TABLE = "chain_epochs.csv"
_META = "chain_epochs.meta.json"
_STORED_COLUMNS = (
    "epoch",
    "start_height",
    "bits",
    "first_block_time_s",
    "last_block_time_s",
    "first_block_hash",
    "last_block_hash",
    "first_block_time_source",
    "last_block_time_source",
)


def _optional_int(value: str) -> int | None:
    return int(value) if value else None


def epochs() -> pd.DataFrame:
    """Every Bitcoin mainnet retarget period the shipped data reaches, oldest first.

    Returns
    -------
    pandas.DataFrame
        One row per 2016-block period, columns as in
        :data:`hashtide.chain.EPOCH_COLUMNS`: ``start_height``, ``bits``, ``difficulty``,
        ``first_block_time`` / ``last_block_time`` (tz-aware UTC; ``NaT`` where no source holds
        the block), ``span_s``, ``duration_s``, ``hashrate_hs`` and provenance columns.

    Notes
    -----
    Built by ``scripts/build_chain_history.py`` from Electrum's and bitcoinj's checkpoint files
    and Bitcoin Core ``getblockstats`` windows; ``provenance()`` lists the sources with their
    commits and licences. Bits are known for every period; first-block times for most; last-block
    times only where a ``getblockstats`` window covers the period's end. Nothing is estimated.

    Examples
    --------
    >>> table = epochs()
    >>> row = table.set_index("start_height").loc[689_472]
    >>> f"{row.difficulty:,.0f}"
    '14,363,025,673,660'
    """
    try:
        text = resources.files("hashtide.data").joinpath(_TABLE).read_text(encoding="utf-8")
    except OSError as exc:  # pragma: no cover - only a broken install gets here
        raise DataError(f"the shipped chain history {_TABLE} cannot be read: {exc}") from exc
    lines = text.splitlines()
    header = tuple(lines[0].split(","))
    if header != _STORED_COLUMNS:
        raise DataError(f"{_TABLE}: columns {header} != expected {_STORED_COLUMNS}")
    fields = [line.split(",") for line in lines[1:] if line]
    columns = {name: [row[i] for row in fields] for i, name in enumerate(_STORED_COLUMNS)}
    return make_epoch_table(
        start_height=[int(v) for v in columns["start_height"]],
        bits=[int(v, 16) for v in columns["bits"]],
        first_block_time_s=[_optional_int(v) for v in columns["first_block_time_s"]],
        last_block_time_s=[_optional_int(v) for v in columns["last_block_time_s"]],
        first_block_hash=[v or None for v in columns["first_block_hash"]],
        last_block_hash=[v or None for v in columns["last_block_hash"]],
        first_block_time_source=columns["first_block_time_source"],
        last_block_time_source=columns["last_block_time_source"],
    )


_TIPS = "chain_tips_daily.csv"
_TIPS_COLUMNS = ("day", "tip_height", "tip_time_s", "source")


def daily_tips() -> pd.DataFrame:
    """The chain tip at 00:00 UTC of each day the shipped block-level data covers.

    Returns
    -------
    pandas.DataFrame
        ``day`` (tz-aware UTC midnight), ``tip_height`` (the highest block whose header time is
        before that midnight), ``tip_time_s`` (its header time [s]; NaN where only counted) and
        ``source``: ``blockstats`` (exact, from Bitcoin Core ``getblockstats``) or
        ``daily_counts`` (a running count of blocks per UTC day, anchored to the retarget
        periods that began before the day; within ±5 blocks of the exact tips).

    Notes
    -----
    Built by ``scripts/build_chain_tips.py``; sources and licences in
    ``chain_tips_daily.meta.json``.

    Examples
    --------
    >>> tips = daily_tips().set_index("day")
    >>> int(tips.loc["2021-05-02", "tip_height"])  # getblockstats: block 681434 at 23:57 UTC
    681434
    """
    try:
        text = resources.files("hashtide.data").joinpath(_TIPS).read_text(encoding="utf-8")
    except OSError as exc:  # pragma: no cover - only a broken install gets here
        raise DataError(f"the shipped chain tips {_TIPS} cannot be read: {exc}") from exc
    lines = text.splitlines()
    header = tuple(lines[0].split(","))
    if header != _TIPS_COLUMNS:
        raise DataError(f"{_TIPS}: columns {header} != expected {_TIPS_COLUMNS}")
    fields = [line.split(",") for line in lines[1:] if line]
    return pd.DataFrame(
        {
            "day": pd.to_datetime([row[0] for row in fields], utc=True),
            "tip_height": [int(row[1]) for row in fields],
            "tip_time_s": [float(row[2]) if row[2] else float("nan") for row in fields],
            "source": [row[3] for row in fields],
        }
    )


def provenance() -> dict[str, Any]:
    """Where the shipped chain history comes from: sources, commits, licences, build date."""
    text = resources.files("hashtide.data").joinpath(_META).read_text(encoding="utf-8")
    meta: dict[str, Any] = json.loads(text)
    return meta
