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

Around that loop, :func:`advance_day` does the rest of the day in the same compiled call (the
programmes, the bans' flows, the deliveries, rule 2's orders, the records, the state after
the day) and :func:`hashprice_day` the day's hashprice and rule 1's average; :func:`take_step`
commits a projected day. These follow the numpy code they replaced operation by operation,
with no floating-point freedoms and sums in numpy's pairwise order: their results are the
numpy code's to the bit (the logarithms and the programmes' Φ stay numpy's and scipy's, called
between them).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit
from scipy.special import ndtr as scipy_ndtr

from hashtide.protocol import MAINNET
from hashtide.protocol.hashrate import HASHES_PER_DIFFICULTY
from hashtide.units import HS_PER_THS, SAT_PER_BTC, SECONDS_PER_DAY

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


def _block_sum(x: FloatArray, lo: int, n: int) -> float:
    """numpy's pairwise sum of ``x[lo : lo + n]`` for ``n <= 128``: one block, 8 accumulators."""
    if n < 8:
        res = -0.0
        for i in range(n):
            res += x[lo + i]
        return res
    r0, r1, r2, r3 = x[lo], x[lo + 1], x[lo + 2], x[lo + 3]
    r4, r5, r6, r7 = x[lo + 4], x[lo + 5], x[lo + 6], x[lo + 7]
    whole = n - n % 8
    i = 8
    while i < whole:
        r0 += x[lo + i]
        r1 += x[lo + i + 1]
        r2 += x[lo + i + 2]
        r3 += x[lo + i + 3]
        r4 += x[lo + i + 4]
        r5 += x[lo + i + 5]
        r6 += x[lo + i + 6]
        r7 += x[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += x[lo + i]
        i += 1
    return res  # type: ignore[no-any-return]


_block_sum_jit = njit(cache=True, inline="always")(_block_sum)


def _pairwise_sum(x: FloatArray, lo: int, n: int) -> float:
    """numpy's sum of ``x[lo : lo + n]`` to the bit: its pairwise summation (blocks of at most
    128 by :func:`_block_sum`; above, the two halves, the first a multiple of 8, added), which
    ``ndarray.sum`` runs over a contiguous last axis (tests/test_world_step.py compares them).

    The halving is evaluated with an explicit stack (a cached numba function must not call
    itself).
    """
    if n <= 128:
        return _block_sum_jit(x, lo, n)
    # Frames (lo, n, children done); values of finished subtrees, in order.
    frame_lo = np.empty(64, dtype=np.int64)
    frame_n = np.empty(64, dtype=np.int64)
    frame_done = np.zeros(64, dtype=np.int64)
    values = np.empty(64)
    top, n_values = 0, 0
    frame_lo[0], frame_n[0], frame_done[0] = lo, n, 0
    while top >= 0:
        size = frame_n[top]
        if size <= 128:
            values[n_values] = _block_sum_jit(x, frame_lo[top], size)
            n_values += 1
            top -= 1
            continue
        half = size // 2
        half -= half % 8
        if frame_done[top] == 0:
            frame_done[top] = 1
            frame_lo[top + 1], frame_n[top + 1], frame_done[top + 1] = frame_lo[top], half, 0
            top += 1
        elif frame_done[top] == 1:
            frame_done[top] = 2
            frame_lo[top + 1] = frame_lo[top] + half
            frame_n[top + 1], frame_done[top + 1] = size - half, 0
            top += 1
        else:
            values[n_values - 2] = values[n_values - 2] + values[n_values - 1]
            n_values -= 1
            top -= 1
    return values[0]  # type: ignore[no-any-return]


_pairwise_sum_jit = njit(cache=True)(_pairwise_sum)


def _row_sum(x: FloatArray) -> float:
    """``x.sum()`` of a contiguous 1-d array, as numpy adds it (from 0.0)."""
    return 0.0 + _pairwise_sum_jit(x, 0, x.size)


_row_sum_jit = njit(cache=True, inline="always")(_row_sum)


def _np_min(a: float, b: float) -> float:
    """``np.minimum`` of two floats (NaN if either is)."""
    return a if (a < b or a != a) else b


def _np_max(a: float, b: float) -> float:
    """``np.maximum`` of two floats (NaN if either is)."""
    return a if (a > b or a != a) else b


_np_min_jit = njit(cache=True, inline="always")(_np_min)
_np_max_jit = njit(cache=True, inline="always")(_np_max)


def _advance_day(
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
    g_rows: npt.NDArray[np.int64],
    g_cols: npt.NDArray[np.int64],
    on_g: FloatArray,
    program_add: FloatArray,
    ban_t1: npt.NDArray[np.int64],
    ban_t2: npt.NDArray[np.int64],
    ban_rate: FloatArray,
    ban_relocate: FloatArray,
    ban_covert: FloatArray,
    removal: FloatArray,
    covert_back: FloatArray,
    pair_start: npt.NDArray[np.int64],
    pair_region: npt.NDArray[np.int64],
    pair_store: npt.NDArray[np.int64],
    dest_start: npt.NDArray[np.int64],
    dest_region: npt.NDArray[np.int64],
    dest_frac: FloatArray,
    deliveries: FloatArray,
    deliveries_from: int,
    n_store: int,
    order_share: FloatArray,
    new_vintage: npt.NDArray[np.int64],
    new_eff_daily: FloatArray,
    pace: FloatArray,
    margin: FloatArray,
    kappa: float,
    supply_cap_per_day: float,
    lag_days: int,
    difficulty: FloatArray,
    seconds_per_day: float,
    hashes_per_difficulty: float,
    ema: FloatArray,
    subsidy: FloatArray,
    hashprice: FloatArray,
    old_ema: FloatArray,
    old_subsidy: FloatArray,
    old_height: FloatArray,
    old_day: npt.NDArray[np.int64],
    record: bool,
    paths: npt.NDArray[np.int64],
    running_hs: FloatArray,
    power_w: FloatArray,
    hashprice_rec: FloatArray,
    expected_rec: FloatArray,
    transit_rec: FloatArray,
    covert_rec: FloatArray,
    window: FloatArray,
    running: FloatArray,
    power: FloatArray,
    program: FloatArray,
    orders: FloatArray,
    moving: FloatArray,
    hidden: FloatArray,
    new_ema: FloatArray,
    new_subsidy: FloatArray,
    new_height: FloatArray,
    new_day: npt.NDArray[np.int64],
) -> None:
    n_rows, n_compartments = cap.shape[0], cap.shape[1]
    width = hi - lo
    n_programs = g_rows.size
    n_bans = ban_t1.size
    leaving_w = np.empty(n_rows)
    # The regions' cohorts of every row (rules 1 and 3): the window after the day, the
    # hashrate running and the power drawn per region, the watts leaving.
    _step_regions_jit(
        cap,
        lo,
        hi,
        n_regions,
        d,
        mask,
        log_ema,
        log_cost,
        log_price,
        spread,
        avail,
        pue,
        eff,
        dead_from,
        scrap_days,
        table,
        window,
        running,
        power,
        leaving_w,
    )
    for p in range(n_rows):
        day = d[p]
        advancing = mask[p]
        # The programs' machines (one cell each): rule 1 (``on_g``), and the day's net flow.
        for g in range(n_programs):
            held = cap[p, g_rows[g], g_cols[g]]
            hashing = held * on_g[p, g] * avail[g_rows[g], day]
            running[p, n_regions + g] = hashing
            power[p, n_regions + g] = hashing * eff[g_cols[g]] / 1e12 * pue[n_regions + g]
            program[p, g] = _np_max_jit(held + program_add[g, day], 0.0) if advancing else held
        if advancing:
            # The bans' flows: the day's share of the banned regions' machines stopped (to
            # transit and covert), the two transit stages, arrivals, covert machines back.
            for b in range(n_bans):
                t1, t2 = ban_t1[b], ban_t2[b]
                share = removal[b, day]
                back = covert_back[b, day]
                rate = ban_rate[b]
                for j in range(width):
                    for i in range(pair_start[b], pair_start[b + 1]):
                        region, store = pair_region[i], pair_store[i]
                        removed = window[p, region, j] * share
                        window[p, region, j] -= removed
                        window[p, t1, j] += removed * ban_relocate[b]
                        window[p, store, j] += removed * ban_covert[b]
                    flow1 = window[p, t1, j] * rate
                    flow2 = window[p, t2, j] * rate
                    window[p, t1, j] -= flow1
                    window[p, t2, j] += flow1 - flow2
                    for i in range(dest_start[b], dest_start[b + 1]):
                        window[p, dest_region[i], j] += flow2 * dest_frac[i]
                    for i in range(pair_start[b], pair_start[b + 1]):
                        region, store = pair_region[i], pair_store[i]
                        moved = window[p, store, j] * back
                        window[p, store, j] -= moved
                        window[p, region, j] += moved
            # The day's deliveries to the regions.
            j = new_vintage[day] - lo
            for r in range(order_share.shape[0]):
                window[p, r, j] += deliveries[p, day - deliveries_from] * order_share[r, day]
        # Machines on their way and in hiding (the bans' compartments).
        total_moving = 0.0
        for b in range(n_bans):
            total_moving += _row_sum_jit(window[p, ban_t1[b]]) + _row_sum_jit(window[p, ban_t2[b]])
        total_hidden = 0.0
        for b in range(n_bans):
            for i in range(pair_start[b], pair_start[b + 1]):
                total_hidden += _row_sum_jit(window[p, pair_store[i]])
        moving[p] = total_moving
        hidden[p] = total_hidden
        # Rule 2's orders, due ``lag_days`` later; rule 3's replacements by power.
        total = _row_sum_jit(running[p])
        leaving = leaving_w[p] / new_eff_daily[day]
        supply = pace[day] + leaving
        orders[p] = _np_min_jit(
            kappa * total * margin[p], _np_min_jit(supply_cap_per_day * total, supply)
        )
        if advancing:
            arrival = day + lag_days
            if arrival < n_store:
                deliveries[p, arrival - deliveries_from] = orders[p]
            blocks = total * seconds_per_day / (difficulty[p] * hashes_per_difficulty)
            new_ema[p] = ema[p]
            new_subsidy[p] = subsidy[p]
            new_height[p] = old_height[p] + blocks
            new_day[p] = day + 1
            for k in range(n_compartments):
                for j in range(width):
                    cap[p, k, lo + j] = window[p, k, j]
            for g in range(n_programs):
                cap[p, g_rows[g], g_cols[g]] = program[p, g]
            if record:
                path = paths[p]
                for a in range(running.shape[1]):
                    running_hs[path, day, a] = running[p, a]
                    power_w[path, day, a] = power[p, a]
                hashprice_rec[path, day] = hashprice[p]
                expected_rec[path, day] = ema[p]
                if n_bans > 0:
                    transit_rec[path, day] = moving[p]
                    covert_rec[path, day] = hidden[p]
        else:
            new_ema[p] = old_ema[p]
            new_subsidy[p] = old_subsidy[p]
            new_height[p] = old_height[p]
            new_day[p] = old_day[p]


_advance_day_jit = njit(cache=True, nogil=True)(_advance_day)


@dataclass(frozen=True, kw_only=True)
class DayTables:
    """A run's fixed arrays for :func:`advance_day` (see ``WorldMarket._day_tables``).

    Per actor and vintage / day as in :func:`step_regions`; the programs' cells
    (``g_rows``, ``g_cols``) and net daily flows (``program_add``, (G, days)); per ban its two
    transit compartments, daily rate between stages, shares relocated and covert, daily
    removal and covert-return shares ((B, days)), its (region, covert store) pairs
    (``pair_*``, ban ``b``'s at ``pair_start[b] : pair_start[b + 1]``) and destinations
    (``dest_*``, likewise); rule 2's order shares (regions, days), new vintage, new machines'
    efficiency and supply pace per day, κ, the supply cap per day and the delivery lag.
    """

    n_regions: int
    log_cost: FloatArray
    log_price: FloatArray
    spread: FloatArray
    avail: FloatArray
    pue: FloatArray
    eff: FloatArray
    dead_from: npt.NDArray[np.int64]
    scrap_days: float
    g_rows: npt.NDArray[np.int64]
    g_cols: npt.NDArray[np.int64]
    program_add: FloatArray
    ban_t1: npt.NDArray[np.int64]
    ban_t2: npt.NDArray[np.int64]
    ban_rate: FloatArray
    ban_relocate: FloatArray
    ban_covert: FloatArray
    removal: FloatArray
    covert_back: FloatArray
    pair_start: npt.NDArray[np.int64]
    pair_region: npt.NDArray[np.int64]
    pair_store: npt.NDArray[np.int64]
    dest_start: npt.NDArray[np.int64]
    dest_region: npt.NDArray[np.int64]
    dest_frac: FloatArray
    order_share: FloatArray
    new_vintage: npt.NDArray[np.int64]
    new_eff_daily: FloatArray
    pace: FloatArray
    kappa: float
    supply_cap_per_day: float
    lag_days: int


@dataclass(frozen=True, kw_only=True)
class DayRecords:
    """The daily records :func:`advance_day` writes, per path and day (and actor)."""

    running_hs: FloatArray
    power_w: FloatArray
    hashprice: FloatArray
    expected_hashprice: FloatArray
    transit_hs: FloatArray
    covert_waiting_hs: FloatArray


@dataclass(frozen=True, kw_only=True)
class Day:
    """One day of every row (:func:`advance_day`)."""

    running: FloatArray  # (rows, actors) [H/s]
    power: FloatArray  # (rows, actors) [W]
    window: FloatArray  # (rows, K, hi − lo): the cohorts after the day
    program: FloatArray  # (rows, G): the programs' machines after the day [H/s]
    orders: FloatArray  # (rows,) [H/s], due lag_days later
    moving: FloatArray  # (rows,) machines in transit [H/s]
    hidden: FloatArray  # (rows,) covert machines waiting [H/s]
    ema: FloatArray  # the state after the day: (rows,) each
    subsidy_sat: FloatArray
    height: FloatArray
    day: npt.NDArray[np.int64]


def _c(array: npt.NDArray[Any], dtype: Any = np.float64) -> npt.NDArray[Any]:
    return np.ascontiguousarray(array, dtype=dtype)


def advance_day(
    cap: FloatArray,
    window: tuple[int, int],
    d: npt.NDArray[np.int64],
    mask: npt.NDArray[np.bool_],
    *,
    log_ema: FloatArray,
    on_g: FloatArray,
    margin: FloatArray,
    ema: FloatArray,
    subsidy: FloatArray,
    hashprice: FloatArray,
    difficulty: FloatArray,
    old_ema: FloatArray,
    old_subsidy: FloatArray,
    old_height: FloatArray,
    old_day: npt.NDArray[np.int64],
    deliveries: FloatArray,
    tables: DayTables,
    records: DayRecords | None,
    paths: npt.NDArray[np.int64],
    deliveries_from: int = 0,
    n_store: int | None = None,
) -> Day:
    """One day of the world market for every row, each on its own day ``d[p]``.

    The regions' cohorts as :func:`step_regions`; the programs' machines running
    (``held · on_g · availability``) and their net flow; each ban's flows (the day's removals
    to transit and covert, the transit stages, arrivals, covert returns); the day's
    deliveries (the day's vintage on sale, to each region by its share of orders); rule 2's orders
    ``min(κ · total · margin, min(cap · total, pace + leaving / new efficiency))``, written to
    ``deliveries`` ``lag_days`` on; the blocks the day's hashrate finds at ``difficulty``.
    The rows in ``mask`` advance: ``cap`` and ``deliveries`` are written in place, the state
    after the day returned (the others keep theirs) and, with ``records``, the day's running
    hashrate and power per actor, hashprice, its average (``ema``), machines in transit and
    covert written at ``[paths[p], d[p]]``. ``deliveries`` may hold only the days from
    ``deliveries_from`` on (column ``day − deliveries_from``) of an order book of ``n_store``
    days (default all of it): orders due from ``n_store`` on are dropped. ``log_ema``,
    ``on_g`` (rule 1 of the programs, (rows, G)) and ``margin`` (the new machines', rule 2)
    come from numpy and scipy: their logarithms and Φ stay those of the numpy step, so the
    results are its to the bit (sums in numpy's order, :func:`_pairwise_sum`; no
    floating-point freedoms outside :func:`step_regions`).
    """
    lo, hi = window
    t = tables
    n_rows, n_compartments = cap.shape[0], cap.shape[1]
    n_actors = t.n_regions + t.g_rows.size
    if not (cap.flags.c_contiguous and deliveries.flags.c_contiguous):
        raise ValueError("cap and deliveries must be C-contiguous (they are written in place)")
    # The row arrays are passed as they are (numpy's results: contiguous, of their dtypes; an
    # array of another layout gets its own compiled version, with the same arithmetic).
    out = Day(
        running=np.empty((n_rows, n_actors)),
        power=np.empty((n_rows, n_actors)),
        window=np.empty((n_rows, n_compartments, hi - lo)),
        program=np.empty((n_rows, t.g_rows.size)),
        orders=np.empty(n_rows),
        moving=np.empty(n_rows),
        hidden=np.empty(n_rows),
        ema=np.empty(n_rows),
        subsidy_sat=np.empty(n_rows),
        height=np.empty(n_rows),
        day=np.empty(n_rows, dtype=np.int64),
    )
    none3, none2 = np.empty((0, 0, 0)), np.empty((0, 0))
    kernel: Any = _advance_day_jit
    kernel(
        cap,
        lo,
        hi,
        t.n_regions,
        d,
        mask,
        log_ema,
        t.log_cost,
        t.log_price,
        t.spread,
        t.avail,
        t.pue,
        t.eff,
        t.dead_from,
        t.scrap_days,
        ndtr_table(),
        t.g_rows,
        t.g_cols,
        on_g,
        t.program_add,
        t.ban_t1,
        t.ban_t2,
        t.ban_rate,
        t.ban_relocate,
        t.ban_covert,
        t.removal,
        t.covert_back,
        t.pair_start,
        t.pair_region,
        t.pair_store,
        t.dest_start,
        t.dest_region,
        t.dest_frac,
        deliveries,
        int(deliveries_from),
        int(deliveries.shape[1] if n_store is None else n_store),
        t.order_share,
        t.new_vintage,
        t.new_eff_daily,
        t.pace,
        margin,
        t.kappa,
        t.supply_cap_per_day,
        t.lag_days,
        difficulty,
        float(SECONDS_PER_DAY),
        float(HASHES_PER_DIFFICULTY),
        ema,
        subsidy,
        hashprice,
        old_ema,
        old_subsidy,
        old_height,
        old_day,
        records is not None,
        paths,
        none3 if records is None else records.running_hs,
        none3 if records is None else records.power_w,
        none2 if records is None else records.hashprice,
        none2 if records is None else records.expected_hashprice,
        none2 if records is None else records.transit_hs,
        none2 if records is None else records.covert_waiting_hs,
        out.window,
        out.running,
        out.power,
        out.program,
        out.orders,
        out.moving,
        out.hidden,
        out.ema,
        out.subsidy_sat,
        out.height,
        out.day,
    )
    return out


def _take_step(
    rows: npt.NDArray[np.int64],
    at: npt.NDArray[np.int64],
    last: npt.NDArray[np.bool_],
    day: npt.NDArray[np.int64],
    running: FloatArray,
    power: FloatArray,
    hashprice: FloatArray,
    expected: FloatArray,
    transit: FloatArray,
    covert: FloatArray,
    bans: bool,
    orders: FloatArray,
    arrival: npt.NDArray[np.int64],
    window: FloatArray,
    lo: int,
    program: FloatArray,
    ema: FloatArray,
    subsidy: FloatArray,
    height: FloatArray,
    g_rows: npt.NDArray[np.int64],
    g_cols: npt.NDArray[np.int64],
    running_hs: FloatArray,
    power_w: FloatArray,
    hashprice_rec: FloatArray,
    expected_rec: FloatArray,
    transit_rec: FloatArray,
    covert_rec: FloatArray,
    cap: FloatArray,
    deliveries: FloatArray,
    st_ema: FloatArray,
    st_subsidy: FloatArray,
    st_height: FloatArray,
    st_day: npt.NDArray[np.int64],
) -> None:
    n_store = deliveries.shape[1]
    width = window.shape[2]
    for i in range(rows.size):
        p, s = rows[i], at[i]
        d = day[s]
        for a in range(running.shape[1]):
            running_hs[p, d, a] = running[s, a]
            power_w[p, d, a] = power[s, a]
        hashprice_rec[p, d] = hashprice[s]
        expected_rec[p, d] = expected[s]
        if bans:
            transit_rec[p, d] = transit[s]
            covert_rec[p, d] = covert[s]
        if arrival[s] < n_store:
            deliveries[p, arrival[s]] = orders[s]
        if last[i]:
            # Outside the step's window and the programs' cells every cohort is empty.
            for k in range(cap.shape[1]):
                for v in range(cap.shape[2]):
                    cap[p, k, v] = 0.0
                for j in range(width):
                    cap[p, k, lo + j] = window[s, k, j]
            for g in range(g_rows.size):
                cap[p, g_rows[g], g_cols[g]] = program[s, g]
            st_ema[p] = ema[s]
            st_subsidy[p] = subsidy[s]
            st_height[p] = height[s]
            st_day[p] = d + 1


_take_step_jit = njit(cache=True, nogil=True)(_take_step)


def take_step(
    rows: npt.NDArray[np.int64],
    at: npt.NDArray[np.int64],
    last: npt.NDArray[np.bool_],
    step: Any,
    *,
    g_rows: npt.NDArray[np.int64],
    g_cols: npt.NDArray[np.int64],
    bans: bool,
    records: DayRecords,
    cap: FloatArray,
    deliveries: FloatArray,
    ema: FloatArray,
    subsidy_sat: FloatArray,
    height: FloatArray,
    day: npt.NDArray[np.int64],
) -> None:
    """Commit a projected day (``step``, a ``world._Step``) for ``rows`` (paths), in place.

    Row ``rows[i]`` is the step's row ``at[i]``: its records are written at its day, its
    orders to ``deliveries``; where ``last[i]``, the state after the step becomes the path's
    (``cap`` outside the step's window and the programs' cells emptied).
    """
    for array in (cap, deliveries, ema, subsidy_sat, height, day):
        if not array.flags.c_contiguous:
            raise ValueError("the state must be C-contiguous (it is written in place)")
    kernel: Any = _take_step_jit
    kernel(
        _c(rows, np.int64),
        _c(at, np.int64),
        _c(last, np.bool_),
        step.day,
        step.running,
        step.power,
        step.hashprice,
        step.expected_hashprice,
        step.transit,
        step.covert,
        bans,
        step.orders,
        step.arrival,
        step.cap,
        step.lo,
        step.program_cap,
        step.ema,
        step.subsidy_sat,
        step.height,
        g_rows,
        g_cols,
        records.running_hs,
        records.power_w,
        records.hashprice,
        records.expected_hashprice,
        records.transit_hs,
        records.covert_waiting_hs,
        cap,
        deliveries,
        ema,
        subsidy_sat,
        height,
        day,
    )


def _first_held(cap: FloatArray, hi: int) -> int:
    lo = 0
    while lo < hi - 1:
        for p in range(cap.shape[0]):
            for k in range(cap.shape[1]):
                if cap[p, k, lo] != 0.0:  # NaN counts as held, as in ``ndarray.any``
                    return lo
        lo += 1
    return lo


_first_held_jit = njit(cache=True, nogil=True)(_first_held)


def first_held(cap: FloatArray, hi: int) -> int:
    """The first vintage below ``hi - 1`` that some row and compartment of ``cap`` (rows, K, V)
    holds, else ``hi - 1``: ``while lo < hi - 1 and not cap[:, :, lo].any(): lo += 1``."""
    kernel: Any = _first_held_jit
    return int(kernel(cap, int(hi)))


def _hashprice_day(
    d: npt.NDArray[np.int64],
    paths: npt.NDArray[np.int64],
    btc: FloatArray,
    fees_per_block: FloatArray,
    old_difficulty: FloatArray,
    old_height: FloatArray,
    old_subsidy: FloatArray,
    old_ema: FloatArray,
    alpha: float,
    halving_interval: float,
    hs_day_per_ths: float,
    hashes_per_difficulty: float,
    sat_per_btc: float,
    difficulty: FloatArray,
    subsidy: FloatArray,
    hashprice: FloatArray,
    ema: FloatArray,
) -> None:
    shared = btc.shape[0] == 1
    for p in range(d.size):
        day = d[p]
        diff = old_difficulty[p]
        if not np.isfinite(diff):
            diff = 1.0
        difficulty[p] = diff
        # Core's GetBlockSubsidy at the (fractional) height (history.subsidy_sat_at_height).
        halvings = np.floor(old_height[p] / halving_interval)
        sat = np.floor(50e8 / 2.0**halvings if halvings < 64 else 0.0)
        subsidy[p] = sat
        fee = fees_per_block[day]
        price = btc[0 if shared else paths[p], day]
        # behaviour.hashprice_usd_per_th_day, then rule 1's average (world._reward_factor).
        blocks_per_day = hs_day_per_ths / (diff * hashes_per_difficulty)
        hp = blocks_per_day * (sat / sat_per_btc + fee) * price
        hashprice[p] = hp
        before = old_subsidy[p]
        if sat == before:
            known = 1.0
        else:
            known = (sat / sat_per_btc + fee) / _np_max_jit(before / sat_per_btc + fee, 1e-300)
        e = old_ema[p]
        ema[p] = e * known + alpha * (hp - e * known)


_hashprice_day_jit = njit(cache=True, nogil=True)(_hashprice_day)


def hashprice_day(
    d: npt.NDArray[np.int64],
    paths: npt.NDArray[np.int64],
    *,
    btc: FloatArray,
    fees_per_block: FloatArray,
    difficulty: FloatArray,
    height: FloatArray,
    subsidy_sat: FloatArray,
    ema: FloatArray,
    alpha: float,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Each row's hashprice on its day and rule 1's average after it, as ``_advance`` had them.

    With ``difficulty`` 1 where not finite, ``subsidy = subsidy_sat_at_height(height)``,
    ``hp = hashprice_usd_per_th_day(difficulty, btc[paths, d], subsidy, fees[d])``, the
    halving's restatement ``known = _reward_factor(subsidy, subsidy_sat, fees[d])`` and
    ``ema · known + α (hp − ema · known)``, operation by operation in numpy's order (the same
    numbers; ``btc`` (1 or paths, days)). Returns difficulty, subsidy, hashprice, average.
    """
    out = (np.empty(d.size), np.empty(d.size), np.empty(d.size), np.empty(d.size))
    kernel: Any = _hashprice_day_jit
    kernel(
        d,
        paths,
        btc,
        fees_per_block,
        difficulty,
        height,
        subsidy_sat,
        ema,
        float(alpha),
        float(MAINNET.subsidy_halving_interval),
        float(HS_PER_THS * SECONDS_PER_DAY),
        float(HASHES_PER_DIFFICULTY),
        float(SAT_PER_BTC),
        *out,
    )
    return out
