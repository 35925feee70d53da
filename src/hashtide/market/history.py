"""The real network's past, as the market model reads it: difficulty, hashrate and hashprice.

Built on :func:`hashtide.chain.epochs` (every retarget period's bits; first-block times,
estimated from the retargets where the shipped table has none, with
:func:`hashtide.chain.estimate_first_block_time_s`) and the shipped price and fee series.
Nothing here looks past the times it is asked about, except :func:`chain_history` itself, which
holds the whole table: callers select what they may use.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hashtide.chain import epochs, estimate_first_block_time_s
from hashtide.errors import InvalidInputError
from hashtide.market.behaviour import hashprice_usd_per_th_day
from hashtide.market.data import DailySeries, btc_fees_per_block, btc_price_usd
from hashtide.protocol import MAINNET
from hashtide.protocol.hashrate import HASHES_PER_DIFFICULTY

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Fees are averaged over this many days before use: single days are noisy (a few blocks with
#: huge fees), and miners look at recent revenue.
FEE_AVERAGE_DAYS = 7


@dataclass(frozen=True, kw_only=True, eq=False)
class ChainHistory:
    """Per retarget period: start height, bits, difficulty, start time, duration, hashrate.

    ``start_s`` is the first block's header time [s since 1970 UTC], known or estimated
    (``start_known`` says which); ``duration_s`` runs to the next period's first block and
    ``hashrate_hs = D · 2**32 · 2016 / duration`` is the mean network hashrate the period
    implies (NaN for the newest period).
    """

    epoch: IntArray
    start_height: IntArray
    bits: IntArray
    difficulty: FloatArray
    start_s: FloatArray
    start_known: npt.NDArray[np.bool_]
    duration_s: FloatArray
    hashrate_hs: FloatArray

    def index_at(self, time_s: npt.ArrayLike) -> IntArray:
        """Index of the period in force at each time (the newest that began by then)."""
        index = np.searchsorted(self.start_s, np.asarray(time_s, dtype=float), side="right") - 1
        if np.any(index < 0):
            raise InvalidInputError("a time before the genesis block")
        result: IntArray = index.astype(np.int64)
        return result

    def difficulty_at(self, time_s: npt.ArrayLike) -> FloatArray:
        """Difficulty in force at each time."""
        result: FloatArray = self.difficulty[self.index_at(time_s)]
        return result

    def hashrate_at(self, time_s: npt.ArrayLike) -> FloatArray:
        """Mean hashrate of the period each time falls in [H/s] (NaN in the newest)."""
        result: FloatArray = self.hashrate_hs[self.index_at(time_s)]
        return result

    def height_at(self, time_s: npt.ArrayLike) -> FloatArray:
        """Approximate chain height at each time (linear within a period)."""
        k = self.index_at(time_s)
        frac = (np.asarray(time_s, dtype=float) - self.start_s[k]) / self.duration_s[k]
        frac = np.clip(np.nan_to_num(frac, nan=0.0), 0.0, 1.0)
        result: FloatArray = self.start_height[k] + frac * 2016.0
        return result

    def row_of_height(self, height: int) -> int:
        """Index of the period starting at ``height``."""
        index = int(np.searchsorted(self.start_height, height))
        if index >= self.start_height.size or self.start_height[index] != height:
            raise InvalidInputError(f"no retarget period starts at height {height}")
        return index


@functools.cache
def chain_history() -> ChainHistory:
    """The shipped chain history with every period's start time (estimated where unknown)."""
    table = epochs()
    starts = np.array(
        [estimate_first_block_time_s(table, int(k))[0] for k in table["epoch"]], dtype=float
    )
    known = table["first_block_time"].notna().to_numpy()
    duration = np.append(np.diff(starts), np.nan)
    difficulty = table["difficulty"].to_numpy(dtype=float)
    interval = MAINNET.difficulty_adjustment_interval
    with np.errstate(invalid="ignore", divide="ignore"):
        hashrate = difficulty * HASHES_PER_DIFFICULTY * interval / duration
    for array in (starts, known, duration, difficulty, hashrate):
        array.setflags(write=False)
    return ChainHistory(
        epoch=table["epoch"].to_numpy(dtype=np.int64),
        start_height=table["start_height"].to_numpy(dtype=np.int64),
        bits=table["bits"].to_numpy(dtype=np.int64),
        difficulty=difficulty,
        start_s=starts,
        start_known=known,
        duration_s=duration,
        hashrate_hs=hashrate,
    )


def subsidy_sat_at_height(height: npt.ArrayLike) -> FloatArray:
    """Block subsidy at (possibly fractional) heights [sat] (Core's ``GetBlockSubsidy``)."""
    halvings = np.floor(np.asarray(height, dtype=float) / MAINNET.subsidy_halving_interval)
    result: FloatArray = np.where(halvings < 64, 50e8 / 2.0**halvings, 0.0)
    return np.floor(result)


@dataclass(frozen=True, kw_only=True, eq=False)
class MarketInputs:
    """The exogenous series a market run reads: BTC price and fees per block, per day."""

    price_usd: DailySeries
    fees_btc_per_block: DailySeries

    @classmethod
    def shipped(cls) -> MarketInputs:
        """The shipped historical series (CoinGecko price, on-chain fees)."""
        return cls(price_usd=btc_price_usd(), fees_btc_per_block=btc_fees_per_block())

    def hashprice(
        self, time_s: npt.ArrayLike, difficulty: npt.ArrayLike, height: npt.ArrayLike
    ) -> FloatArray:
        """Hashprice at each time [USD/(TH/s)/day] for the given difficulty and height."""
        return hashprice_usd_per_th_day(
            difficulty,
            self.price_usd.at(time_s),
            subsidy_sat=subsidy_sat_at_height(height),
            fees_btc_per_block=self.fees_btc_per_block.trailing_mean(time_s, FEE_AVERAGE_DAYS),
        )


def historical_hashprice(time_s: npt.ArrayLike, inputs: MarketInputs | None = None) -> FloatArray:
    """The hashprice the real network paid at each time [USD/(TH/s)/day].

    Examples
    --------
    The 2021 average, against Hashrate Index's published 314.61 USD/PH/day (REFERENCES §3):

    >>> import pandas as pd
    >>> days = pd.date_range("2021-01-01", "2021-12-31", freq="D", tz="UTC")
    >>> values = historical_hashprice((days - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(seconds=1))
    >>> round(float(values.mean()) * 1000)  # USD/PH/day
    316
    """
    history = chain_history()
    inputs = MarketInputs.shipped() if inputs is None else inputs
    times = np.asarray(time_s, dtype=float)
    return inputs.hashprice(times, history.difficulty_at(times), history.height_at(times))
