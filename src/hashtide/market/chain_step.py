"""A hashrate step read from the chain: how much hashrate left when a region cut power.

The shipped daily chain tips (:func:`hashtide.chain.history.daily_tips`, the exact rows from
Bitcoin Core ``getblockstats``, MIT: for instance 22 April – 9 September 2021) give the blocks of
every UTC day: the tip at the next midnight minus the tip at this one. Over a window of days the
network's mean hashrate is
``Σ blocks × D × 2^32 / window`` (``D`` the difficulty in force, from the chain history); the step
between a window before and one after an event is the hashrate that stopped. Block counts are
Poisson, so each window's hashrate carries a relative standard error of ``1/√N`` (``N`` blocks);
the 90 % interval of the step is ``step ± 1.645 √(σ_before² + σ_after²)``.

Multiplied by the watts per TH/s of the machines that stopped (their efficiency times PUE) the
step is the power that went off the grid; :func:`hashrate_step` gives the step, the caller the
watts (for the China replay, the rebuilt fleet's in the region on the day).
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hashtide.errors import InvalidInputError
from hashtide.market.history import chain_history
from hashtide.protocol.hashrate import HASHES_PER_DIFFICULTY
from hashtide.units import SECONDS_PER_DAY

#: Two-sided 90 % quantile of the normal distribution.
_Z90 = 1.6448536269514722


@functools.cache
def daily_blocks() -> pd.DataFrame:
    """Blocks per UTC day (by header time) where the shipped tips are exact, with the difficulty.

    Columns ``day`` (date), ``first_height``, ``blocks``, ``difficulty`` (of the retarget
    period holding the day's first block); a day is listed when its midnight and the next one
    both have an exact tip (``source == "blockstats"``).
    """
    from hashtide.chain.history import daily_tips

    tips = daily_tips()
    exact = tips[tips["source"] == "blockstats"]
    day = exact["day"].dt.date.to_numpy()
    height = exact["tip_height"].to_numpy()
    follows = np.array([(b - a).days == 1 for a, b in itertools.pairwise(day)])
    table = pd.DataFrame(
        {
            "day": day[:-1][follows],
            "first_height": height[:-1][follows] + 1,
            "blocks": (height[1:] - height[:-1])[follows],
        }
    )
    history = chain_history()
    row = np.searchsorted(history.start_height, table["first_height"].to_numpy(), side="right") - 1
    table["difficulty"] = history.difficulty[row]
    return table


@dataclass(frozen=True, kw_only=True)
class HashrateStep:
    """The network's mean hashrate over a window before and one after an event, and the step.

    Attributes
    ----------
    before, after : tuple of date
        First and last day of each window (inclusive).
    blocks_before, blocks_after : int
        Blocks found in each window.
    hashrate_before_hs, hashrate_after_hs : float
        Mean hashrate over each window [H/s].
    step_hs, step_low_hs, step_high_hs : float
        The hashrate that left, with its 90 % interval (block-count noise only) [H/s].
    """

    before: tuple[dt.date, dt.date]
    after: tuple[dt.date, dt.date]
    blocks_before: int
    blocks_after: int
    hashrate_before_hs: float
    hashrate_after_hs: float
    step_hs: float
    step_low_hs: float
    step_high_hs: float

    @property
    def share_frac(self) -> tuple[float, float, float]:
        """The step as a share of the hashrate before: (low, central, high)."""
        h = self.hashrate_before_hs
        return self.step_low_hs / h, self.step_hs / h, self.step_high_hs / h


def _window(table: pd.DataFrame, first: dt.date, last: dt.date) -> tuple[int, float, float]:
    part = table[(table["day"] >= first) & (table["day"] <= last)]
    days = (last - first).days + 1
    if last < first or len(part) != days:
        raise InvalidInputError(
            f"window {first} … {last}: the shipped exact daily tips (getblockstats) do not "
            "cover every day of it (they cover e.g. 2021-04-22 … 2021-09-09)"
        )
    blocks = int(part["blocks"].sum())
    hashes = float((part["blocks"] * part["difficulty"]).sum()) * HASHES_PER_DIFFICULTY
    hashrate = hashes / (days * SECONDS_PER_DAY)
    return blocks, hashrate, hashrate / math.sqrt(blocks)


def hashrate_step(before: tuple[dt.date, dt.date], after: tuple[dt.date, dt.date]) -> HashrateStep:
    """The hashrate step between two windows of days of the shipped 2021 block counts.

    Examples
    --------
    Sichuan's order to cut power to its mines took effect on 18–20 June 2021:

    >>> step = hashrate_step((dt.date(2021, 6, 14), dt.date(2021, 6, 17)),
    ...                      (dt.date(2021, 6, 20), dt.date(2021, 6, 25)))
    >>> step.blocks_before, step.blocks_after  # blocks of 14–17 and 20–25 June
    (519, 617)
    >>> round(step.step_hs / 1e18, 1)  # EH/s
    26.7
    """
    table = daily_blocks()
    n_before, h_before, s_before = _window(table, *before)
    n_after, h_after, s_after = _window(table, *after)
    step = h_before - h_after
    spread = _Z90 * math.hypot(s_before, s_after)
    return HashrateStep(
        before=before,
        after=after,
        blocks_before=n_before,
        blocks_after=n_after,
        hashrate_before_hs=h_before,
        hashrate_after_hs=h_after,
        step_hs=step,
        step_low_hs=max(step - spread, 0.0),
        step_high_hs=step + spread,
    )
