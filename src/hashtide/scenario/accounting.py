"""Turning simulated paths into a variant's figures: bands, yearly figures, cash flows.

Shared by every response model (:mod:`hashtide.scenario.world` for the world market,
:mod:`hashtide.scenario.run` for the elasticity and fixed rules), so every answer is counted
the same way.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashtide.economics import irr_paths, npv_usd_paths, payback_years_paths
from hashtide.scenario.results import Band, YearResult
from hashtide.units import SECONDS_PER_YEAR

FloatArray = npt.NDArray[np.float64]
_Q = (5, 50, 95)


def band(values: npt.ArrayLike) -> Band:
    """5th percentile, median, 95th percentile and mean across paths (NaN ignored).

    Values may be ``+inf`` ("never", e.g. payback): they rank as the largest, and quantiles are
    sample values then, since interpolating towards infinity means nothing.
    """
    finite = np.asarray(values, dtype=float)
    if not np.any(np.isfinite(finite) | np.isposinf(finite)):
        # e.g. cost per BTC when nothing is mined (a payback that never comes on every path
        # is +inf, below)
        return Band(p5=math.nan, median=math.nan, p95=math.nan, mean=math.nan)
    if np.any(np.isposinf(finite)):
        big = np.finfo(float).max
        quantiles = np.nanpercentile(np.where(np.isposinf(finite), big, finite), _Q, method="lower")
        p5, p50, p95 = (math.inf if q >= big else float(q) for q in quantiles)
    else:
        p5, p50, p95 = (float(q) for q in np.nanpercentile(finite, _Q))
    return Band(p5=p5, median=p50, p95=p95, mean=float(np.nanmean(finite)))


def n_years(years: float) -> int:
    """Whole or partial years in a horizon of ``years``."""
    return max(1, math.ceil(years - 1e-9))


def year_index(time_s: FloatArray, start_s: float, years: float) -> npt.NDArray[np.int64]:
    """Which horizon year (0, 1, …) each time falls in."""
    index = ((np.asarray(time_s, dtype=float) - start_s) // SECONDS_PER_YEAR).astype(np.int64)
    return np.clip(index, 0, n_years(years) - 1)


def by_year(values: FloatArray, index: npt.NDArray[np.int64], count: int) -> FloatArray:
    """Sum of ``values`` (P, T) per year given each column's (or cell's) year index -> (P, Y)."""
    index = np.broadcast_to(index, values.shape)
    return np.stack(
        [np.sum(np.where(index == y, values, 0.0), axis=1) for y in range(count)], axis=1
    )


def yearly_results(
    start_s: float,
    years: float,
    *,
    hashprice_usd_per_th_day: FloatArray,
    share_frac: FloatArray,
    btc: FloatArray,
) -> tuple[YearResult, ...]:
    """One :class:`YearResult` per horizon year from per-path yearly arrays (P, Y)."""
    out = []
    start = dt.datetime.fromtimestamp(start_s, tz=dt.UTC).date()
    for y in range(n_years(years)):
        begins = dt.datetime.fromtimestamp(start_s + y * SECONDS_PER_YEAR, tz=dt.UTC).date()
        out.append(
            YearResult(
                year=y + 1,
                starts=begins if y else start,
                hashprice_usd_per_ph_day=band(hashprice_usd_per_th_day[:, y] * 1000.0),
                share_frac=band(share_frac[:, y]),
                btc=band(btc[:, y]),
            )
        )
    return tuple(out)


@dataclass(frozen=True, kw_only=True)
class Finance:
    """The investment figures of a variant (per path) and its median cash-flow table."""

    npv_usd: FloatArray
    irr_frac: FloatArray
    payback_years: FloatArray
    break_even_usd: FloatArray
    cash_flow: pd.DataFrame


def finance(
    *,
    revenue_usd: FloatArray,
    energy_usd: FloatArray,
    btc: FloatArray,
    capex_usd: float,
    opex_usd_per_year: float,
    years: float,
    discount_rate: float,
) -> Finance:
    """Yearly cash flows (capex at time 0, then revenue − energy − opex each year) per path.

    ``revenue_usd``, ``energy_usd`` and ``btc`` are per path and horizon year, shape (P, Y).
    """
    count = revenue_usd.shape[1]
    year_length = np.minimum(1.0, years - np.arange(count))
    opex = opex_usd_per_year * year_length
    flows = np.column_stack(
        [-np.full(revenue_usd.shape[0], capex_usd), revenue_usd - energy_usd - opex]
    )
    times = np.concatenate([[0.0], np.arange(1, count + 1, dtype=float)])
    npv = npv_usd_paths(flows, times, discount_rate=discount_rate)
    irrs = irr_paths(flows, times)
    paybacks = payback_years_paths(flows, times)
    discount = (1.0 + discount_rate) ** -times[1:]
    mined = (btc * discount).sum(axis=1)
    costs = capex_usd + ((energy_usd + opex) * discount).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        break_even = np.where(mined > 0, costs / mined, np.nan)
    table = pd.DataFrame(
        {
            "year": np.arange(1, count + 1),
            "revenue_usd": np.median(revenue_usd, axis=0),
            "energy_cost_usd": np.median(energy_usd, axis=0),
            "opex_usd": opex,
            "capex_usd": np.where(np.arange(count) == 0, capex_usd, 0.0),
        }
    )
    table["net_usd"] = (
        table["revenue_usd"] - table["energy_cost_usd"] - table["opex_usd"] - table["capex_usd"]
    )
    table["cumulative_net_usd"] = table["net_usd"].cumsum()
    return Finance(
        npv_usd=npv,
        irr_frac=irrs,
        payback_years=paybacks,
        break_even_usd=break_even,
        cash_flow=table,
    )
