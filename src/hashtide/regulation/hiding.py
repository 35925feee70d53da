"""The economics of hiding: what a fleet hidden in an office earns, costs, and risks.

For a building of a given mean load on a commercial tariff, :func:`hiding_economics` tabulates
fleets of several sizes: their share of the building's load, hashrate, bitcoin and revenue per
month (hashprice from :mod:`hashtide.economics`), the power bill at the tariff, the margin when
the miner pays for the power and when it does not (power included in the rent, or taken), the
payback of the machines, and the chance the detector flags the fleet — read from the
detectability curve measured on real buildings (:func:`detectability_curve`).

Whoever pays the bill decides the answer: at commercial tariffs of tens of cents per kWh an ASIC
costs more in power than it mines, so hiding pays only when somebody else pays for the power —
which is the regulator's real question about "light mining".
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from io import StringIO
from typing import Any, Final

import numpy as np
import pandas as pd

from hashtide.economics import hashprice_usd_per_th_day, power_cost_usd_per_th_day
from hashtide.errors import InvalidInputError
from hashtide.hardware import get_model
from hashtide.units import SECONDS_PER_DAY, SECONDS_PER_YEAR

#: Days in a month: a Julian year over 12.
DAYS_PER_MONTH: Final = SECONDS_PER_YEAR / SECONDS_PER_DAY / 12
_CURVE: Final = "regulation/detectability.csv"
_CURVE_META: Final = "regulation/detectability.meta.json"


@dataclass(frozen=True, kw_only=True)
class Market:
    """The mining market the fleet sees: difficulty, BTC price, block subsidy and fees.

    Parameters
    ----------
    difficulty : float
        Network difficulty.
    btc_price_usd : float
        BTC price [USD/BTC].
    subsidy_sat : int
        Block subsidy [sat] (312,500,000 from height 840,000 to 1,049,999).
    fees_sat_per_block : float
        Mean fees per block [sat].
    """

    difficulty: float
    btc_price_usd: float
    subsidy_sat: int = 312_500_000
    fees_sat_per_block: float = 0.0

    def __post_init__(self) -> None:
        for name in ("difficulty", "btc_price_usd"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise InvalidInputError(f"{name}={value!r} must be a finite number > 0")
        if self.fees_sat_per_block < 0 or self.subsidy_sat < 0:
            raise InvalidInputError("subsidy_sat and fees_sat_per_block must be >= 0")

    @property
    def hashprice_usd_per_th_day(self) -> float:
        """Expected revenue of 1 TH/s for a day [USD]."""
        return float(
            hashprice_usd_per_th_day(
                self.difficulty,
                self.btc_price_usd,
                subsidy_sat=self.subsidy_sat,
                fees_sat_per_block=self.fees_sat_per_block,
            )
        )


def detectability_curve() -> pd.DataFrame:
    """Recall of the shipped detector by hidden-fleet share, measured on held-out buildings.

    Columns: ``share_frac`` (fleet nameplate power / building mean load), ``mining_recall``
    (fleet switched on inside the 8-week series), ``mining_throughout_recall`` (fleet running
    before the series starts), and the numbers of cases. Written by
    ``scripts/evaluate_detector.py``; :func:`detectability_provenance` says how.
    """
    text = resources.files("hashtide.data").joinpath(_CURVE).read_text(encoding="utf-8")
    return pd.read_csv(StringIO(text))


def detectability_provenance() -> dict[str, Any]:
    """The meta file of :func:`detectability_curve` (buildings, threshold, script, date)."""
    text = resources.files("hashtide.data").joinpath(_CURVE_META).read_text(encoding="utf-8")
    meta: dict[str, Any] = json.loads(text)
    return meta


def detection_probability(
    share_frac: float, *, throughout: bool = False, curve: pd.DataFrame | None = None
) -> float:
    """Recall at ``share_frac``, interpolated linearly in the detectability curve.

    Shares beyond the curve take its end values.

    Examples
    --------
    >>> curve = pd.DataFrame({"share_frac": [0.1, 0.2], "mining_recall": [0.4, 0.8],
    ...                       "mining_throughout_recall": [0.0, 0.0]})
    >>> detection_probability(0.15, curve=curve)
    0.6
    """
    table = detectability_curve() if curve is None else curve
    column = "mining_throughout_recall" if throughout else "mining_recall"
    x = table["share_frac"].to_numpy(dtype=float)
    y = table[column].to_numpy(dtype=float)
    order = np.argsort(x)
    return round(float(np.interp(share_frac, x[order], y[order])), 12)


def hiding_economics(
    *,
    building_mean_kw: float,
    tariff_usd_per_kwh: float,
    market: Market,
    model: str = "Antminer S19j Pro",
    n_machines: Sequence[int] = (1, 2, 5, 10, 20, 50, 100),
    pue: float = 1.0,
    curve: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """What fleets of ``n_machines`` × ``model`` hidden in a building earn, cost and risk.

    Parameters
    ----------
    building_mean_kw : float
        The building's own mean load [kW] (the share is the fleet's nameplate power over it).
    tariff_usd_per_kwh : float
        The building's marginal power price [USD/kWh].
    market : Market
        Difficulty, BTC price, subsidy, fees.
    model : str
        A catalog ASIC.
    n_machines : sequence of int
        Fleet sizes to tabulate.
    pue : float
        Power drawn per unit of machine power, counting the extra cooling the building's
        air-conditioning spends on the fleet's heat (1.0: none counted).
    curve : pandas.DataFrame, optional
        Detectability curve (default: the shipped one).

    Returns
    -------
    pandas.DataFrame
        One row per fleet size: ``n_machines``, ``power_kw``, ``share_frac``, ``hashrate_ths``,
        ``btc_per_month``, ``revenue_usd_per_month``, ``power_cost_usd_per_month``,
        ``margin_paying_usd_per_month`` (the miner pays the tariff),
        ``margin_free_power_usd_per_month`` (someone else pays: the building's loss),
        ``machines_usd`` (catalog retail price × n, NaN if none), ``payback_months_free_power``,
        ``worth_hiding_paying`` / ``worth_hiding_free_power`` (margin > 0),
        ``detection_probability`` (switched on during an 8-week meter history) and
        ``detection_probability_throughout`` (running before the history starts).

    Notes
    -----
    Revenue per machine and day = hashrate [TH/s] × hashprice (:func:`~hashtide.economics.
    hashprice_usd_per_th_day`); power cost = efficiency × PUE × 24 h × tariff
    (:func:`~hashtide.economics.power_cost_usd_per_th_day`). A month is 365.25/12 days. The fleet
    runs all the time at nameplate; difficulty and price are held fixed.

    Examples
    --------
    A 200 kW office paying 0.20 USD/kWh; difficulty 125 T, 100,000 USD/BTC:

    >>> market = Market(difficulty=125e12, btc_price_usd=100_000)
    >>> table = hiding_economics(building_mean_kw=200, tariff_usd_per_kwh=0.20, market=market,
    ...                          n_machines=[13])
    >>> row = table.iloc[0]
    >>> round(float(row.share_frac), 3)  # 13 × 3,068 W / 200 kW
    0.199
    >>> round(float(row.revenue_usd_per_month))  # 1,352 TH/s × 0.050291 USD/TH/day × 30.44 d
    2070
    >>> round(float(row.power_cost_usd_per_month))  # 39.884 kW × 24 h × 0.20 USD/kWh × 30.44 d
    5827
    >>> bool(row.worth_hiding_paying), bool(row.worth_hiding_free_power)
    (False, True)
    """
    if not (math.isfinite(building_mean_kw) and building_mean_kw > 0):
        raise InvalidInputError(f"building_mean_kw={building_mean_kw!r} must be > 0")
    if not (math.isfinite(tariff_usd_per_kwh) and tariff_usd_per_kwh >= 0):
        raise InvalidInputError(f"tariff_usd_per_kwh={tariff_usd_per_kwh!r} must be >= 0")
    if any(not isinstance(n, int) or n < 1 for n in n_machines):
        raise InvalidInputError(f"n_machines={list(n_machines)!r} must be whole numbers >= 1")
    asic = get_model(model)
    hashprice = market.hashprice_usd_per_th_day
    cost_per_th_day = float(
        power_cost_usd_per_th_day(asic.efficiency_j_per_th, tariff_usd_per_kwh, pue=pue)
    )
    btc_per_th_day = hashprice / market.btc_price_usd
    table = curve if curve is not None else detectability_curve()
    rows = []
    for n in n_machines:
        hashrate = n * asic.hashrate_ths
        power_kw = n * asic.power_w / 1e3
        share = power_kw / building_mean_kw
        revenue = hashrate * hashprice * DAYS_PER_MONTH
        cost = hashrate * cost_per_th_day * DAYS_PER_MONTH
        machines_usd = n * asic.price_usd if asic.price_usd is not None else math.nan
        rows.append(
            {
                "n_machines": n,
                "model": asic.model,
                "power_kw": power_kw,
                "share_frac": share,
                "hashrate_ths": hashrate,
                "btc_per_month": hashrate * btc_per_th_day * DAYS_PER_MONTH,
                "revenue_usd_per_month": revenue,
                "power_cost_usd_per_month": cost,
                "margin_paying_usd_per_month": revenue - cost,
                "margin_free_power_usd_per_month": revenue,
                "machines_usd": machines_usd,
                "payback_months_free_power": machines_usd / revenue if revenue > 0 else math.inf,
                "worth_hiding_paying": revenue > cost,
                "worth_hiding_free_power": revenue > 0,
                "detection_probability": detection_probability(share, curve=table),
                "detection_probability_throughout": detection_probability(
                    share, throughout=True, curve=table
                ),
            }
        )
    return pd.DataFrame(rows)


def break_even_tariff_usd_per_kwh(market: Market, model: str = "Antminer S19j Pro") -> float:
    """The tariff at which ``model`` just pays its power [USD/kWh] (PUE 1).

    Examples
    --------
    >>> market = Market(difficulty=125e12, btc_price_usd=100_000)
    >>> round(break_even_tariff_usd_per_kwh(market), 4)  # 0.050291 USD/TH/day / 0.708 kWh/TH/day
    0.071
    """
    asic = get_model(model)
    kwh_per_th_day = asic.efficiency_j_per_th * SECONDS_PER_DAY / 3.6e6
    return market.hashprice_usd_per_th_day / kwh_per_th_day
