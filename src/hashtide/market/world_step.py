"""The world market's daily step over the regions' cohorts, as one compiled loop.

:meth:`hashtide.market.world.WorldMarket._advance` spends most of a run's time on the regions'
cohorts (paths × regions × the vintages that hold machines, ≈ 170 cells per path and day):
rule 1's running share, the hashrate and power that run, rule 3's scrapping and retirement,
and the watts that leave. In numpy that was a dozen passes over those cells, each writing a
temporary array; here it is one pass, compiled with numba (``cache=True``: compiled once per
machine, kept in ``__pycache__``), that reads each cell once and writes its new value.

The arithmetic is the numpy code's, operation by operation, with three differences that
move numbers in the last bits only: sums over vintages run in another order; the loop may fuse
a multiply and an add and divide by a spread as a product with its reciprocal (``_FASTMATH``);
Φ (rule 1's normal CDF, scipy's ``ndtr`` before) comes from a table of Taylor polynomials
(:func:`ndtr_table`, a few ns a cell against ≈ 10 for ``erf``/``erfc``). tests/test_world_step.py
compares the loop with the numpy expressions and Φ with scipy; the regression snapshot in
tests/test_world_chunks.py holds. Rows are independent: a row's results do not depend on the
other rows (chunks of paths stay bit-identical).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit
from scipy.special import ndtr as scipy_ndtr

FloatArray = npt.NDArray[np.float64]

_SQRT1_2 = math.sqrt(0.5)
#: At and above this argument the standard normal CDF is 1.0 in double precision
#: (½ erfc(8.5/√2) ≈ 9.5e-18 is below half an ulp of 1), at and below its negative
#: counterpart ``_NDTR_ZERO`` it underflows to 0.0: both returned as such.
_NDTR_ONE = 8.5
_NDTR_ZERO = -39.0
#: Φ on [_TABLE_LOW, _NDTR_ONE) from a Taylor polynomial of degree _TABLE_DEGREE about the
#: middle of each of _TABLE_PER_UNIT intervals per unit (|x − centre| ≤ 1/64).
_TABLE_LOW = -3.0
_TABLE_PER_UNIT = 32.0
_TABLE_DEGREE = 7

#: Floating-point freedoms of the compiled loops: fused multiply-adds ("contract") and a
#: division by a loop-invariant as a product with its reciprocal ("arcp"). Both move results by
#: rounding only and are the same for every row (no reassociation, no NaN/inf assumptions).
_FASTMATH = {"contract", "arcp"}


@functools.cache
def ndtr_table() -> FloatArray:
    """Taylor coefficients of Φ about the centre ``c`` of each table interval, (n, 10).

    Φ(c + u) = Σₖ aₖ uᵏ with a₀ = Φ(c) (scipy's ``ndtr``) and, from Φ' = φ and
    φ⁽ᵐ⁾(c) = (−1)ᵐ Heₘ(c) φ(c) (probabilists' Hermite polynomials, He₀ = 1, He₁ = c,
    Heₘ₊₁ = c Heₘ − m Heₘ₋₁), aₖ = (−1)ᵏ⁻¹ Heₖ₋₁(c) φ(c) / k!. With |u| ≤ 1/64 the first
    term left out is below 1.3e-18 (1.2e-16 of Φ(c)) on the table's range: the polynomial is Φ
    to rounding (within 2.3e-16 of scipy's ``ndtr``, 3.5e-15 relative at x = −3;
    tests/test_world_step.py).
    """
    n = round((_NDTR_ONE - _TABLE_LOW) * _TABLE_PER_UNIT)
    centre = _TABLE_LOW + (np.arange(n) + 0.5) / _TABLE_PER_UNIT
    density = np.exp(-0.5 * centre * centre) / math.sqrt(2.0 * math.pi)
    hermite = [np.ones(n), centre.copy()]
    for m in range(1, _TABLE_DEGREE):
        hermite.append(centre * hermite[m] - m * hermite[m - 1])
    table = np.empty((n, _TABLE_DEGREE + 1))
    table[:, 0] = scipy_ndtr(centre)
    for k in range(1, _TABLE_DEGREE + 1):
        table[:, k] = (-1.0) ** (k - 1) * hermite[k - 1] * density / math.factorial(k)
    return table


def _ndtr(x: float, table: FloatArray) -> float:
    """Standard normal CDF Φ(x) to rounding: :func:`ndtr_table`'s polynomials, else erfc.

    Below the table (x < −3, a few in a thousand of rule 1's cells) ``½ erfc(−x/√2)`` of the C
    library, which keeps Φ's relative accuracy in the lower tail.
    """
    if x >= _NDTR_ONE:
        return 1.0
    if x < _TABLE_LOW:
        if x <= _NDTR_ZERO:
            return 0.0
        return 0.5 * math.erfc(-x * _SQRT1_2)
    i = int((x - _TABLE_LOW) * _TABLE_PER_UNIT)
    u = x - (_TABLE_LOW + (i + 0.5) / _TABLE_PER_UNIT)
    # Horner's scheme, _TABLE_DEGREE = 7.
    y = table[i, 7]
    y = y * u + table[i, 6]
    y = y * u + table[i, 5]
    y = y * u + table[i, 4]
    y = y * u + table[i, 3]
    y = y * u + table[i, 2]
    y = y * u + table[i, 1]
    return y * u + table[i, 0]  # type: ignore[no-any-return]


_ndtr_jit = njit(cache=True, inline="always", fastmath=_FASTMATH)(_ndtr)


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
    table: FloatArray,
    out: FloatArray,
    running: FloatArray,
    power: FloatArray,
    leaving_w: FloatArray,
) -> None:
    n_rows, n_compartments = cap.shape[0], cap.shape[1]
    width = hi - lo
    for p in range(n_rows):
        day = d[p]
        advancing = mask[p]
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
                on = _ndtr_jit((log_hashprice - (log_cost[r, v] + log_price_r)) / spread_r, table)
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
                out[p, r, j] = new if advancing else held
            running[p, r] = hashing_sum
            power[p, r] = watts / 1e12 * pue[r]
        leaving_w[p] = before - after
        for k in range(n_regions, n_compartments):
            for j in range(width):
                v = lo + j
                held = cap[p, k, v]
                out[p, k, j] = 0.0 if (advancing and day >= dead_from[v]) else held


_step_regions_jit = njit(cache=True, nogil=True, fastmath=_FASTMATH)(_step_regions)


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
        ndtr_table(),
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
    kernel(flat, ndtr_table(), result)
    return result.reshape(np.shape(x))


def _ndtr_array(x: FloatArray, table: FloatArray, out: FloatArray) -> None:
    for i in range(x.size):
        out[i] = _ndtr_jit(x[i], table)


_ndtr_array_jit = njit(cache=True)(_ndtr_array)


def _add_deliveries(
    cap: FloatArray,
    lo: int,
    d: npt.NDArray[np.int64],
    mask: npt.NDArray[np.bool_],
    deliveries: FloatArray,
    share: FloatArray,
    vintage: npt.NDArray[np.int64],
) -> None:
    for p in range(cap.shape[0]):
        if mask[p]:
            day = d[p]
            j = vintage[day] - lo
            for r in range(share.shape[0]):
                cap[p, r, j] += deliveries[p, day] * share[r, day]


_add_deliveries_jit = njit(cache=True, nogil=True)(_add_deliveries)


def add_deliveries(
    cap: FloatArray,
    lo: int,
    d: npt.NDArray[np.int64],
    mask: npt.NDArray[np.bool_],
    *,
    deliveries: FloatArray,
    share: FloatArray,
    vintage: npt.NDArray[np.int64],
) -> None:
    """Add each advancing row's deliveries of its day to its regions, in place.

    ``cap[p, r, vintage[d[p]] − lo] += deliveries[p, d[p]] · share[r, d[p]]`` for the rows in
    ``mask`` (``cap`` is the window starting at vintage ``lo``, shape (rows, K, width);
    ``share`` (regions, days) each region's share of the day's orders).
    """
    if not cap.flags.c_contiguous:
        raise ValueError("cap must be C-contiguous (it is written in place)")
    kernel: Any = _add_deliveries_jit
    kernel(
        cap,
        lo,
        np.ascontiguousarray(d, dtype=np.int64),
        np.ascontiguousarray(mask, dtype=np.bool_),
        np.ascontiguousarray(deliveries),
        np.ascontiguousarray(share),
        np.ascontiguousarray(vintage, dtype=np.int64),
    )


def _take_steps(projected: FloatArray, step: npt.NDArray[np.int64], out: FloatArray) -> None:
    for p in range(out.shape[0]):
        for a in range(out.shape[1]):
            for c in range(out.shape[2]):
                out[p, a, c] = projected[p, a, step[p, c]]


_take_steps_jit = njit(cache=True, nogil=True)(_take_steps)


def take_steps(projected: FloatArray, step: npt.NDArray[np.int64]) -> FloatArray:
    """``out[p, a, c] = projected[p, a, step[p, c]]`` (``np.take_along_axis`` on axis 2)."""
    out = np.empty((projected.shape[0], projected.shape[1], step.shape[1]))
    kernel: Any = _take_steps_jit
    kernel(np.ascontiguousarray(projected), np.ascontiguousarray(step, dtype=np.int64), out)
    return out
