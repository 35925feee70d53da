"""Year-scale signals of the population screen, computed from a meter's (days × 24) matrix.

Each function takes the hourly loads on the local clock as a (days × 24) matrix
(:func:`~hashtide.regulation.features._day_matrix`) and returns plain numbers, as shares of the
meter's mean load where they are sizes:

* :func:`clock_consistency` — a block switched at the same clock hour every day or every week
  (a night tariff, weekends) makes the same jump at that hour again and again;
* :func:`night_levels` — nights (00:00–06:00) and evenings (18:00–24:00) whose level drops below
  the same nights of the weeks around (a fleet curtailed, GPU rigs between stints), how much the
  night level scatters, and the sharpest lasting step of the night level (a fleet switched on);
* :func:`flatness` — how much of the load never goes away: the 1 % quantile over the mean, the
  spread of the daily floor and the lowest month's floor over the highest's (a block running
  all along raises them all; the screen compares them with peers).
"""

from __future__ import annotations

import warnings
from typing import Final

import numpy as np
import numpy.typing as npt

from hashtide.regulation.features import _mad_sigma

FloatArray = npt.NDArray[np.float64]

#: Local hours in which a jump at a fixed clock hour counts (buildings change slowly then).
QUIET_HOURS: Final = (22, 23, 0, 1, 2, 3, 4, 5)
#: Local hours of the night level and of the evening level.
NIGHT_HOURS: Final = (0, 1, 2, 3, 4, 5)
EVENING_HOURS: Final = (18, 19, 20, 21, 22, 23)
#: Local hours of the daytime level (the step of a block is the same by day and by night).
DAY_HOURS: Final = (10, 11, 12, 13, 14, 15)
#: Days on each side of a candidate step of the night level.
STEP_DAYS: Final = 21


def _consistency(jumps: FloatArray) -> tuple[float, float]:
    """Median jump and the share of jumps within ±50 % of it (0 when there are too few)."""
    jumps = jumps[np.isfinite(jumps)]
    if jumps.size < 20:
        return 0.0, 0.0
    centre = float(np.median(jumps))
    if centre == 0:
        return 0.0, 0.0
    return centre, float(np.mean(np.abs(jumps - centre) <= 0.5 * abs(centre)))


def clock_consistency(
    matrix: FloatArray, weekday: npt.NDArray[np.int64], mean_kw: float
) -> dict[str, float]:
    """The quiet hour whose jump is largest and most repeated, daily and weekly.

    ``dclock_share``: the largest median jump (hour ``h`` − hour ``h−1``, over days) at a quiet
    hour, over the mean; ``dclock_cons``: the share of days whose jump at that hour is within
    ±50 % of the median. ``wclock_share`` and ``wclock_cons``: the same over weeks, for each
    quiet hour of the week (the hour maximising share × consistency). A block switched on at
    00:00 every night makes the same jump on every day: consistency near 1.
    """
    scale = mean_kw if mean_kw > 0 else 1.0
    n_days = matrix.shape[0]
    jumps = np.diff(matrix.ravel(), prepend=np.nan).reshape(n_days, 24)
    out = {"dclock_share": 0.0, "dclock_cons": 0.0, "wclock_share": 0.0, "wclock_cons": 0.0}
    for hour in QUIET_HOURS:
        centre, cons = _consistency(jumps[:, hour])
        if abs(centre) / scale > out["dclock_share"]:
            out["dclock_share"], out["dclock_cons"] = abs(centre) / scale, cons
    best = 0.0
    for day in range(7):
        rows = jumps[weekday == day]
        for hour in QUIET_HOURS:
            centre, cons = _consistency(rows[:, hour])
            share = abs(centre) / scale
            if share * cons > best:
                best = share * cons
                out["wclock_share"], out["wclock_cons"] = share, cons
    return out


def _level_dips(level: FloatArray, scale: float) -> tuple[float, float, float, float]:
    """Share of days below the same days around them, their median drop [share of the mean],
    that drop over the scatter, and the scatter [share of the mean].

    The reference of day ``k`` is the median of days ``k ± 7, 14, 21`` and ``k ± 1, 2``; a dip
    is a drop of more than ``max(4σ, 3 % of the mean)``, σ the robust scatter of the drops.
    """
    n = level.size
    offsets = (-21, -14, -7, 7, 14, 21, -2, -1, 1, 2)
    padded = np.concatenate([np.full(21, np.nan), level, np.full(21, np.nan)])
    near = np.column_stack([padded[21 + d : 21 + d + n] for d in offsets])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ref = np.nanmedian(near, axis=1)
    ref = np.where(np.isfinite(near).sum(axis=1) >= 4, ref, np.nan)
    d = level - ref
    ok = np.isfinite(d)
    if ok.sum() < 14:
        return 0.0, 0.0, 0.0, 0.0
    sigma = max(_mad_sigma(d[ok]), 0.003 * scale)
    dip = ok & (d < -max(4 * sigma, 0.03 * scale))
    if not dip.any():
        return 0.0, 0.0, 0.0, sigma / scale
    drop = float(np.median(-d[dip]))
    return float(dip.sum() / ok.sum()), drop / scale, drop / sigma, sigma / scale


def night_levels(matrix: FloatArray, mean_kw: float) -> dict[str, float]:
    """Dips of the night and evening levels, their scatter, and the night level's best step.

    ``night_dip_frac``, ``night_dip_share``, ``night_dip_sig``, ``night_sig`` (and ``eve_…``)
    as :func:`_level_dips` returns them. ``nstep_t``: the largest rise of the median night level
    over :data:`STEP_DAYS` days from a day against the days before, over the robust scatter of
    night-to-night changes, among rises that look like a block switched on
    (:func:`_night_step`); ``nstep_share`` its size over the mean. ``ndown_t``,
    ``ndown_share``: the same for a block switched off (heat reuse ends in spring).
    """
    scale = mean_kw if mean_kw > 0 else 1.0
    out: dict[str, float] = {}
    with np.errstate(all="ignore"):
        night = np.nanmean(matrix[:, list(NIGHT_HOURS)], axis=1)
        evening = np.nanmean(matrix[:, list(EVENING_HOURS)], axis=1)
    for name, level in (("night", night), ("eve", evening)):
        frac, share, sig, scatter = _level_dips(level, scale)
        out.update(
            {
                f"{name}_dip_frac": frac,
                f"{name}_dip_share": share,
                f"{name}_dip_sig": sig,
                f"{name}_sig": scatter,
            }
        )
    with np.errstate(all="ignore"):
        daytime = np.nanmean(matrix[:, list(DAY_HOURS)], axis=1)
    for sign, name in ((1.0, "nstep"), (-1.0, "ndown")):
        t, share = _night_step(sign * night, sign * daytime, scale)
        out[f"{name}_t"], out[f"{name}_share"] = t, share
    return out


def _night_step(night: FloatArray, daytime: FloatArray, scale: float) -> tuple[float, float]:
    """The largest rise of the night level that looks like a block switched on (see
    :func:`night_levels`): over the robust scatter of night-to-night changes, and over the mean.

    A rise counts when it is made for the most part (60–140 %) within two nights (a block
    switched on at 03:00 raises half of that night's hours, the rest the next night) and
    the daytime level rose by 0.5–2 times as much (a block adds the same by day and by night;
    a building's own changes seldom do).
    """
    n = night.size
    changes = np.diff(night)
    finite = changes[np.isfinite(changes)]
    made = np.full(n, np.nan)
    made[2:] = night[2:] - night[:-2]
    if n < 2 * STEP_DAYS + 1 or finite.size < 2 * STEP_DAYS:
        return 0.0, 0.0
    sigma = max(_mad_sigma(finite), 0.003 * scale)
    k = np.arange(STEP_DAYS, n - STEP_DAYS)
    step = _medians(night)[k] - _medians(night)[k - STEP_DAYS]
    day_step = _medians(daytime)[k] - _medians(daytime)[k - STEP_DAYS]
    with np.errstate(all="ignore"):
        sharp = made[k] / step
        ok = (step > 0) & (sharp >= 0.6) & (sharp <= 1.4)
        ok &= (day_step >= 0.5 * step) & (day_step <= 2.0 * step)
    if not ok.any():
        return 0.0, 0.0
    best = float(np.max(step[ok]))
    return best / sigma, best / scale


def _medians(level: FloatArray) -> FloatArray:
    """Median of each run of :data:`STEP_DAYS` days, by first day (NaN with fewer than 10
    readings)."""
    runs = np.lib.stride_tricks.sliding_window_view(level, STEP_DAYS)
    counts = np.isfinite(runs).sum(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out = np.nanmedian(runs, axis=1)
    return np.where(counts >= 10, out, np.nan)


def flatness(matrix: FloatArray, floors: FloatArray, mean_kw: float) -> dict[str, float]:
    """``min_ratio`` (1 % quantile / mean), ``floor_cv`` (scatter of the daily floor / its mean)
    and ``month_floor_ratio`` (the lowest of twelve stretches' median floors over the highest)."""
    scale = mean_kw if mean_kw > 0 else 1.0
    values = matrix[np.isfinite(matrix)]
    ok = floors[np.isfinite(floors)]
    if values.size == 0 or ok.size < 12:
        return {"min_ratio": 1.0, "floor_cv": 0.0, "month_floor_ratio": 1.0}
    months = np.array([float(np.median(part)) for part in np.array_split(ok, 12)])
    return {
        "min_ratio": float(np.quantile(values, 0.01)) / scale,
        "floor_cv": float(np.std(ok) / np.mean(ok)) if np.mean(ok) > 0 else 0.0,
        "month_floor_ratio": float(months.min() / months.max()) if months.max() > 0 else 1.0,
    }
