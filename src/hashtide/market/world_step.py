"""The world market's daily step over the regions' cohorts, as one compiled loop.

:meth:`hashtide.market.world.WorldMarket._advance` spends most of a run's time on the regions'
cohorts (paths × regions × the vintages that hold machines, ≈ 170 cells per path and day):
rule 1's running share, the hashrate and power that run, rule 3's scrapping and retirement,
and the watts that leave. In numpy that was a dozen passes over those cells, each writing a
temporary array; here it is one pass, compiled with numba (``cache=True``: compiled once per
machine, kept in ``__pycache__``), that reads each cell once and writes its new value.

The arithmetic is the numpy code's, operation by operation; sums over vintages run in another
order and :func:`ndtr` is ``erf``/``erfc`` of the C library instead of scipy's, so numbers move
in the last bits only (tests/test_world_step.py compares both with the numpy expressions and
scipy; the regression snapshot in tests/test_world_chunks.py holds). Rows are independent:
a row's results do not depend on the other rows (chunks of paths stay bit-identical).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

FloatArray = npt.NDArray[np.float64]

_SQRT1_2 = math.sqrt(0.5)
#: At and above this argument the standard normal CDF is 1.0 in double precision
#: (½ erfc(8.5/√2) ≈ 9.5e-18 is below half an ulp of 1), at and below its negative
#: counterpart ``_NDTR_ZERO`` it underflows to 0.0: both returned without calling erfc.
_NDTR_ONE = 8.5
_NDTR_ZERO = -39.0


def _ndtr(x: float) -> float:
    """Standard normal CDF Φ(x), as scipy's ``ndtr`` computes it (cephes ``ndtr``).

    ``½ + ½ erf(x/√2)`` near 0, ``½ erfc(|x|/√2)`` (or 1 less it) beyond: the C library's
    ``erf``/``erfc``, which differ from cephes' in the last bit or two.
    """
    if x >= _NDTR_ONE:
        return 1.0
    if x <= _NDTR_ZERO:
        return 0.0
    a = x * _SQRT1_2
    z = abs(a)
    if z < _SQRT1_2:
        return 0.5 + 0.5 * math.erf(a)
    y = 0.5 * math.erfc(z)
    return 1.0 - y if a > 0.0 else y


_ndtr_jit = njit(cache=True, inline="always")(_ndtr)


def _step_regions(
    cap: FloatArray,
    lo: int,
    hi: int,
    n_regions: int,
    d: npt.NDArray[np.int64],
    mask: npt.NDArray[np.bool_],
    log_ema: FloatArray,
    log_cost: FloatArray,
    log_price: FloatArray,
    spread: FloatArray,
    avail: FloatArray,
    pue: FloatArray,
    eff: FloatArray,
    dead_from: npt.NDArray[np.int64],
    scrap_days: float,
    out: FloatArray,
    running: FloatArray,
    power: FloatArray,
    leaving_w: FloatArray,
) -> None:
    n_rows, n_compartments = cap.shape[0], cap.shape[1]
    width = hi - lo
    for p in range(n_rows):
        day = d[p]
        log_hashprice = log_ema[p]
        before = 0.0
        after = 0.0
        for r in range(n_regions):
            log_price_r = log_price[r, day]
            spread_r = spread[r]
            avail_r = avail[r, day]
            hashing_sum = 0.0
            watts = 0.0
            for j in range(width):
                v = lo + j
                held = cap[p, r, v]
                on = _ndtr_jit((log_hashprice - (log_cost[r, v] + log_price_r)) / spread_r)
                hashing = held * on * avail_r
                hashing_sum += hashing
                watts += hashing * eff[v]
                before += held * eff[v]
                if day >= dead_from[v]:
                    new = 0.0
                else:
                    kept = (1.0 - on) / scrap_days
                    new = held * (1.0 - kept)
                after += new * eff[v]
                out[p, r, j] = new if mask[p] else held
            running[p, r] = hashing_sum
            power[p, r] = watts / 1e12 * pue[r]
        leaving_w[p] = before - after
        for k in range(n_regions, n_compartments):
            for j in range(width):
                v = lo + j
                held = cap[p, k, v]
                out[p, k, j] = 0.0 if (mask[p] and day >= dead_from[v]) else held


_step_regions_jit = njit(cache=True, nogil=True)(_step_regions)


def step_regions(
    cap: FloatArray,
    window: tuple[int, int],
    n_regions: int,
    d: npt.NDArray[np.int64],
    mask: npt.NDArray[np.bool_],
    log_ema: FloatArray,
    *,
    log_cost: FloatArray,
    log_price: FloatArray,
    spread: FloatArray,
    avail: FloatArray,
    pue: FloatArray,
    eff: FloatArray,
    dead_from: npt.NDArray[np.int64],
    scrap_days: float,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """One day of every row's regional cohorts: rules 1 and 3 in one pass.

    Parameters
    ----------
    cap : ndarray, shape (rows, K, V)
        Installed hashrate per row, compartment (the regions first) and vintage [H/s].
    window : (lo, hi)
        The vintages stepped (every other one is empty and stays so).
    n_regions : int
        Compartments ``0 … n_regions − 1`` are regions; the rest (transit, covert) only hold
        and retire machines.
    d, mask : ndarray, shape (rows,)
        Each row's day, and whether it advances (the others keep their machines).
    log_ema : ndarray, shape (rows,)
        ln of rule 1's expected hashprice [ln USD/(TH/s)/day].
    log_cost, log_price, spread, avail, pue : ndarray
        Per actor and vintage (``log_cost``), per actor and day (``log_price``, ``avail``) or
        per actor: rule 1's cost at 1 USD/kWh, ln power price, price spread, availability, PUE.
    eff : ndarray, shape (V,)
        Efficiency of each vintage [J/TH].
    dead_from : ndarray, shape (V,)
        First day each vintage is past its lifetime.
    scrap_days : float
        Rule 3's mean days before a switched-off machine is scrapped.

    Returns
    -------
    cap : ndarray, shape (rows, K, hi − lo)
        The window after the day (advancing rows; the others as they were).
    running, power : ndarray, shape (rows, n_regions)
        Hashrate running [H/s] and power drawn (× PUE) [W] per region on the day.
    leaving_w : ndarray, shape (rows,)
        Watts per 1e12 (H/s × J/TH) of the regions' machines scrapped or retired that day.

    Notes
    -----
    Per cell, with ``on = Φ((ln ema − (ln cost + ln price)) / spread)`` (rule 1):
    hashing = cap · on · availability; the new cap is 0 past the vintage's lifetime, else
    cap · (1 − (1 − on) / scrap_days) (rule 3).
    """
    lo, hi = window
    n_rows, n_compartments = cap.shape[0], cap.shape[1]
    out = np.empty((n_rows, n_compartments, hi - lo))
    running = np.empty((n_rows, n_regions))
    power = np.empty((n_rows, n_regions))
    leaving_w = np.empty(n_rows)
    kernel: Any = _step_regions_jit
    kernel(
        np.ascontiguousarray(cap),
        lo,
        hi,
        n_regions,
        np.ascontiguousarray(d, dtype=np.int64),
        np.ascontiguousarray(mask, dtype=np.bool_),
        np.ascontiguousarray(log_ema, dtype=np.float64),
        np.ascontiguousarray(log_cost),
        np.ascontiguousarray(log_price),
        np.ascontiguousarray(spread),
        np.ascontiguousarray(avail),
        np.ascontiguousarray(pue),
        np.ascontiguousarray(eff),
        np.ascontiguousarray(dead_from, dtype=np.int64),
        float(scrap_days),
        out,
        running,
        power,
        leaving_w,
    )
    return out, running, power, leaving_w


def ndtr(x: FloatArray) -> FloatArray:
    """:func:`_ndtr` on every element (for tests and comparisons)."""
    flat = np.ascontiguousarray(x, dtype=np.float64).ravel()
    result = np.empty_like(flat)
    kernel: Any = _ndtr_array_jit
    kernel(flat, result)
    return result.reshape(np.shape(x))


def _ndtr_array(x: FloatArray, out: FloatArray) -> None:
    for i in range(x.size):
        out[i] = _ndtr_jit(x[i])


_ndtr_array_jit = njit(cache=True)(_ndtr_array)
