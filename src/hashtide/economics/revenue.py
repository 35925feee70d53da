"""Mining revenue: hashprice, expected blocks and BTC for a share of the network.

Every function is a pure function of floats or numpy arrays (broadcasting), so the same code
serves a single rig, a fleet, and a Monte Carlo path set.
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import numpy.typing as npt

from hashtide._checks import reals
from hashtide.errors import InvalidInputError
from hashtide.protocol.hashrate import HASHES_PER_DIFFICULTY
from hashtide.units import HS_PER_THS, J_PER_KWH, SAT_PER_BTC, SECONDS_PER_DAY

#: A float, or a numpy array of floats (functions broadcast).
Num: TypeAlias = float | npt.NDArray[np.float64]


def _positive(name: str, value: object) -> None:
    array = reals(name, value)
    if not np.all(np.isfinite(array)) or np.any(array <= 0):
        raise InvalidInputError(f"{name}={value!r} must be finite and > 0")


def _non_negative(name: str, value: object) -> None:
    array = reals(name, value)
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise InvalidInputError(f"{name}={value!r} must be finite and >= 0")


def expected_blocks_per_day(hashrate_hs: Num, difficulty: Num) -> Num:
    """Blocks a miner with ``hashrate_hs`` finds per day on average at ``difficulty``.

    Notes
    -----
    Each block takes ``D · 2**32`` hashes on average (REFERENCES §1.6), so
    ``blocks/day = H · 86,400 s / (D · 2**32)``. Independent of the rest of the network: the
    network's hashrate only sets how fast difficulty changes.
    """
    _non_negative("hashrate_hs", hashrate_hs)
    _positive("difficulty", difficulty)
    return hashrate_hs * SECONDS_PER_DAY / (difficulty * HASHES_PER_DIFFICULTY)


def hashprice_usd_per_th_day(
    difficulty: Num,
    btc_price_usd: Num,
    *,
    subsidy_sat: Num,
    fees_sat_per_block: Num = 0.0,
) -> Num:
    """Expected revenue of 1 TH/s for one day [USD/(TH/s)/day], subsidy plus fees.

    Parameters
    ----------
    difficulty : float or array
        Network difficulty.
    btc_price_usd : float or array
        BTC price [USD/BTC].
    subsidy_sat : float or array
        Block subsidy [sat] (3.125 BTC = 312,500,000 sat since height 840,000).
    fees_sat_per_block : float or array
        Mean transaction fees per block [sat].

    Notes
    -----
    ``hashprice = 1e12 · 86,400 / (D · 2**32) · (subsidy + fees) / 1e8 · price``. This is the
    expected value a pool paying full-pay-per-share (FPPS) would pay before its fee: the
    definition Hashrate Index uses ("hashprice = FPPS − pool fee", REFERENCES §8); multiply by
    1,000 for USD/PH/day.

    Examples
    --------
    Difficulty 100 T, 100,000 USD/BTC, 3.125 BTC subsidy, no fees:

    >>> round(hashprice_usd_per_th_day(100e12, 100_000.0, subsidy_sat=312_500_000), 4)
    0.0629
    """
    _non_negative("btc_price_usd", btc_price_usd)
    _non_negative("subsidy_sat", subsidy_sat)
    _non_negative("fees_sat_per_block", fees_sat_per_block)
    blocks = expected_blocks_per_day(HS_PER_THS, difficulty)
    reward_btc = (subsidy_sat + fees_sat_per_block) / SAT_PER_BTC
    return blocks * reward_btc * btc_price_usd


def power_cost_usd_per_th_day(
    efficiency_j_per_th: Num, price_usd_per_kwh: Num, *, pue: Num = 1.0
) -> Num:
    """Electricity cost of running 1 TH/s for one day [USD/(TH/s)/day].

    Notes
    -----
    1 TH/s at ``e`` J/TH draws ``e`` W; with facility overhead ``PUE`` the site draws
    ``e · PUE`` W, i.e. ``e · PUE · 86,400 / 3.6e6`` kWh per day.

    Examples
    --------
    An S21 (17.5 J/TH) on 0.05 USD/kWh power with PUE 1.1:

    >>> round(power_cost_usd_per_th_day(17.5, 0.05, pue=1.1), 5)
    0.0231
    """
    _positive("efficiency_j_per_th", efficiency_j_per_th)
    _non_negative("price_usd_per_kwh", price_usd_per_kwh)
    _positive("pue", pue)
    return efficiency_j_per_th * pue * SECONDS_PER_DAY / J_PER_KWH * price_usd_per_kwh


def break_even_power_price_usd_per_kwh(
    hashprice_usd_per_th_day_: Num, efficiency_j_per_th: Num, *, pue: Num = 1.0
) -> Num:
    """Power price at which a machine's revenue just pays its electricity [USD/kWh].

    A site whose marginal power cost is above this should switch off (economic curtailment).
    """
    _non_negative("hashprice_usd_per_th_day", hashprice_usd_per_th_day_)
    _positive("efficiency_j_per_th", efficiency_j_per_th)
    _positive("pue", pue)
    kwh_per_th_day = efficiency_j_per_th * pue * SECONDS_PER_DAY / J_PER_KWH
    return hashprice_usd_per_th_day_ / kwh_per_th_day
