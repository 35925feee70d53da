"""Estimating block times the shipped history does not hold, from what the chain does record."""

from __future__ import annotations

import pandas as pd

from hashtide.chain.verify import span_interval_s
from hashtide.errors import DataError, InvalidInputError
from hashtide.protocol.params import MAINNET, ChainParams


def estimate_first_block_time_s(
    table: pd.DataFrame, epoch: int, *, params: ChainParams = MAINNET
) -> tuple[float, str]:
    """Time of period ``epoch``'s first block [s since 1970 UTC], known or estimated.

    Returns the time and a sentence saying how it was obtained.

    Notes
    -----
    When the table has the time, it is returned as is. Otherwise, from the newest earlier
    period whose first-block time is known, each retarget pins its period's measured span (first
    to last block) to within seconds (:func:`span_interval_s`); between the last block of one
    period and the first of the next lies one block interval no retarget measures, counted at its
    mean, ``pow_target_spacing_s``. So
    ``t = t_known + Σ (span midpoints) + (periods walked) × spacing``; with nine unmeasured
    intervals the estimate is good to about ±30 min (one standard deviation).
    """
    rows = table.set_index("epoch")
    bits = {int(k): int(v) for k, v in zip(table["epoch"], table["bits"], strict=True)}
    if epoch not in rows.index:
        raise InvalidInputError(f"epoch {epoch} is not in the table")
    own = rows["first_block_time"].loc[epoch]
    if not pd.isna(own):
        return float(pd.Timestamp(own).timestamp()), "known"
    known = rows.loc[: epoch - 1, "first_block_time"].dropna()
    if known.empty:
        raise DataError(f"no period before {epoch} has a known first-block time")
    base = int(known.index[-1])
    time_s = float(pd.Timestamp(known.iloc[-1]).timestamp())
    for k in range(base, epoch):
        interval = span_interval_s(bits[k], bits[k + 1], params=params)
        low, high = interval if interval is not None else (None, None)
        if low is None or high is None:
            raise DataError(f"period {k}'s span is not pinned by its retarget; cannot estimate")
        time_s += (low + high) / 2 + params.pow_target_spacing_s
    walked = epoch - base
    how = (
        f"estimated from period {base}'s first block "
        f"({pd.Timestamp(known.iloc[-1]):%Y-%m-%d %H:%M} UTC) + {walked} spans pinned by their "
        f"retargets + {walked} × {params.pow_target_spacing_s} s"
    )
    return time_s, how
