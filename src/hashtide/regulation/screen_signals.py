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
  all along raises them all; the screen compares them with peers);
* :func:`night_block` — a block switched on at the same quiet hour every night, by the same
  amount in every month and on every weekday (a night-tariff fleet);
* :func:`pulses` and :func:`night_offs` — a block switched off for hours and back on, by the
  same height every time, and nights pulled down below the same weekday's nights around
  (a fleet curtailed at price peaks).
* :func:`lasting_steps` — the daily floor's sharp rise that lasts to the end of the history
  (a fleet switched on, or grown), and a sharp fall in spring matched by a rise in autumn (a
  fleet run in winter for its heat).
"""

from __future__ import annotations

import warnings
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashtide.regulation.features import _mad_sigma

FloatArray = npt.NDArray[np.float64]

#: Local hours in which a jump at a fixed clock hour counts (buildings change slowly then).
QUIET_HOURS: Final = (22, 23, 0, 1, 2, 3, 4, 5)
#: Local hours of the night level and of the evening level.
NIGHT_HOURS: Final = (0, 1, 2, 3, 4, 5)
EVENING_HOURS: Final = (18, 19, 20, 21, 22, 23)
#: Local hours of the daytime level (the step of a block is the same by day and by night).
DAY_HOURS: Final = (10, 11, 12, 13, 14, 15)
#: Longest cheap night window [h]: a night tariff's block goes off within this many hours
#: (UK Economy 7 and 10: 7 and 10 h; Chinese valley periods: about 8 h).
NIGHT_WINDOW_H: Final = 10
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


def night_block(
    matrix: FloatArray, weekday: npt.NDArray[np.int64], mean_kw: float
) -> dict[str, float]:
    """A block switched on at the same quiet hour every night and off again 3–10 hours later
    (a night tariff's cheap window), by the same amount all year.

    For each hour ``a`` of :data:`QUIET_HOURS`, the jumps into it day after day (hour ``a`` −
    hour ``a−1``): ``nblock_snr`` is their median over their robust scatter (a block of
    machines adds the same jump every night; a building's own night changes scatter). The
    block must also go: ``nblock_off_snr`` is the largest such ratio of the *drop* into an
    hour 3–:data:`NIGHT_WINDOW_H` hours later, over all days or over weekends or working days
    alone (in an office the morning's rise hides the drop on working days), among drops of
    0.6–1.6 times the rise. ``nblock_box`` is the smaller of the two — a block switched on and
    off by a clock; a building whose plant starts early and runs all day has none — and the
    hour ``a`` with the largest is reported: ``nblock_share`` its median jump over the mean,
    ``nblock_month_cons`` the lowest of twelve stretches' median jumps over the whole median
    (a fleet jumps as much in July as in January; heating schedules do not) and
    ``nblock_week_cons`` the same over the seven weekdays (a fleet runs at weekends too).
    """
    scale = mean_kw if mean_kw > 0 else 1.0
    n_days = matrix.shape[0]
    flat = np.diff(matrix.ravel(), prepend=np.nan)
    jumps = flat.reshape(n_days, 24)
    out = {
        "nblock_snr": 0.0,
        "nblock_off_snr": 0.0,
        "nblock_box": 0.0,
        "nblock_share": 0.0,
        "nblock_month_cons": 0.0,
        "nblock_week_cons": 0.0,
        "nblock_hour": -1.0,
    }
    rows = np.arange(n_days)
    for hour in QUIET_HOURS:
        column = jumps[:, hour]
        ok = np.isfinite(column)
        if ok.sum() < 60:
            continue
        centre = float(np.median(column[ok]))
        if centre <= 0:
            continue
        sigma = max(_mad_sigma(column[ok]), 0.003 * scale)
        snr = centre / sigma
        off = 0.0
        for later in range(3, NIGHT_WINDOW_H + 1):
            index = rows * 24 + hour + later
            inside = index < flat.size
            drops = -flat[index[inside]]
            day_of = weekday[(index[inside]) // 24]
            for subset in (np.ones(drops.size, dtype=bool), day_of >= 5, day_of < 5):
                part = drops[subset & np.isfinite(drops)]
                if part.size < 30:
                    continue
                size = float(np.median(part))
                if 0.6 * centre <= size <= 1.6 * centre:
                    off = max(off, size / max(_mad_sigma(part), 0.003 * scale))
        box = min(snr, off)
        if box < out["nblock_box"] or (box == out["nblock_box"] and snr <= out["nblock_snr"]):
            continue
        months = [
            float(np.median(part[np.isfinite(part)]))
            for part in np.array_split(column, 12)
            if np.isfinite(part).sum() >= 5
        ]
        days = [
            float(np.median(column[ok & (weekday == k)]))
            for k in range(7)
            if (ok & (weekday == k)).sum() >= 5
        ]
        out = {
            "nblock_snr": snr,
            "nblock_off_snr": off,
            "nblock_box": box,
            "nblock_share": centre / scale,
            "nblock_month_cons": float(np.clip(min(months) / centre, -1.0, 1.5)) if months else 0.0,
            "nblock_week_cons": float(np.clip(min(days) / centre, -1.0, 1.5)) if days else 0.0,
            "nblock_hour": float(hour),
        }
    return out


def pulses(matrix: FloatArray, mean_kw: float) -> dict[str, float]:
    """Square pulses down: a block switched off for hours and back on, by the same height.

    The load less a baseline (each hour's median over the same weekday 1–3 weeks before and
    after) is what the building did differently that day. A fleet switched off and on (price
    peaks, curtailment) makes a drop and a rise of the same height within 2–26 hours, the
    level between them down by that height — and every such pulse has the same height, that
    of the machines. ``pulse_rate`` is such pulses per week, ``pulse_share`` their median
    height over the mean: the most repeated height, that of the pulse with most others within
    ±10 % of it; ``pulse_mode_rate`` those pulses per week and ``pulse_cons`` their share of
    all pulses. Edges are changes over two hours (a switch inside an hour splits between two
    readings).
    """
    scale = mean_kw if mean_kw > 0 else 1.0
    n_days = matrix.shape[0]
    none = {"pulse_rate": 0.0, "pulse_share": 0.0, "pulse_cons": 0.0, "pulse_mode_rate": 0.0}
    if n_days < 56:
        return none
    offsets = (-21, -14, -7, 7, 14, 21)
    pad = np.full((21, 24), np.nan)
    padded = np.vstack([pad, matrix, pad])
    near = np.stack([padded[21 + o : 21 + o + n_days] for o in offsets])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        base = np.nanmedian(near, axis=0)
    base = np.where(np.isfinite(near).sum(axis=0) >= 4, base, np.nan)
    r = (matrix - base).ravel()
    return _pulse_heights(r, n_days, scale) or none


def _pulse_heights(r: FloatArray, n_days: int, scale: float) -> dict[str, float] | None:
    """The pulses of :func:`pulses` in the residual load ``r`` (hourly); ``None`` if none."""
    edge = np.full(r.size, np.nan)
    edge[2:] = r[2:] - r[:-2]
    finite = edge[np.isfinite(edge)]
    if finite.size < 24 * 28:
        return None
    theta = max(4 * _mad_sigma(finite), 0.03 * scale)
    e = np.where(np.isfinite(edge), edge, 0.0)
    # local extrema: the middle of a change made over two hours
    down = np.flatnonzero((e < -theta) & (e <= np.roll(e, 1)) & (e <= np.roll(e, -1)))
    up = np.flatnonzero((e > theta) & (e >= np.roll(e, 1)) & (e >= np.roll(e, -1)))
    heights: list[float] = []
    last_end = -1
    for t0 in down:
        if t0 <= last_end or t0 < 4:
            continue
        h = -e[t0]
        cands = up[(up > t0 + 1) & (up <= t0 + 27)]
        for t1 in cands:
            rise = e[t1]
            if not 0.7 * h <= rise <= h / 0.7:
                continue
            before = r[t0 - 4 : t0 - 1]
            inside = r[t0 : t1 - 1]
            if inside.size == 0 or not np.isfinite(before).any() or not np.isfinite(inside).any():
                continue
            level = float(np.nanmedian(before) - np.nanmedian(inside))
            size = 0.5 * (h + rise)
            if 0.6 * size <= level <= 1.4 * size:
                heights.append(size)
                last_end = t1
                break
    if not heights:
        return None
    sizes = np.array(heights)
    # the most repeated height: the pulse with the most others within ±10 % of it
    alike = (np.abs(sizes[:, None] - sizes[None, :]) <= 0.1 * sizes[:, None]).sum(axis=1)
    mode = int(np.argmax(alike))
    return {
        "pulse_rate": 7.0 * sizes.size / n_days,
        "pulse_share": float(sizes[mode]) / scale,
        "pulse_cons": float(alike[mode] / sizes.size),
        "pulse_mode_rate": 7.0 * float(alike[mode]) / n_days,
    }


def night_offs(matrix: FloatArray, mean_kw: float) -> dict[str, float]:
    """Nights on which a block was off: the night level (00:00–06:00) against the same
    weekday's nights 1–3 weeks before and after.

    ``noff_frac``: the share of nights more than 2.5 robust scatters below their reference,
    less the share more than 2.5 above (a building's nights wander both ways; a fleet switched
    off only pulls nights down); ``noff_share``: the most repeated size of those drops over
    the mean (the drop with most others within ±15 % of it: machines switched off drop the
    night by the same amount every time); ``noff_cons``: the share of drops that size;
    ``noff_sig``: the scatter over the mean.
    """
    scale = mean_kw if mean_kw > 0 else 1.0
    none = {"noff_frac": 0.0, "noff_share": 0.0, "noff_cons": 0.0, "noff_sig": 0.0}
    n = matrix.shape[0]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        level = np.nanmean(matrix[:, list(NIGHT_HOURS)], axis=1)
        padded = np.concatenate([np.full(21, np.nan), level, np.full(21, np.nan)])
        near = np.column_stack([padded[21 + o : 21 + o + n] for o in (-21, -14, -7, 7, 14, 21)])
        ref = np.nanmedian(near, axis=1)
    ref = np.where(np.isfinite(near).sum(axis=1) >= 4, ref, np.nan)
    d = level - ref
    ok = np.isfinite(d)
    if ok.sum() < 56:
        return none
    sigma = max(_mad_sigma(d[ok]), 0.003 * scale)
    low = ok & (d < -2.5 * sigma)
    high = ok & (d > 2.5 * sigma)
    out = {
        "noff_frac": float((low.sum() - high.sum()) / ok.sum()),
        "noff_share": 0.0,
        "noff_cons": 0.0,
        "noff_sig": sigma / scale,
    }
    if low.sum() >= 3:
        sizes = -d[low]
        alike = (np.abs(sizes[:, None] - sizes[None, :]) <= 0.15 * sizes[:, None]).sum(axis=1)
        mode = int(np.argmax(alike))
        out["noff_share"] = float(sizes[mode]) / scale
        out["noff_cons"] = float(alike[mode] / sizes.size)
    return out


#: Days on each side of a lasting step of the daily floor (four weeks: the weekly rhythm of
#: the floor cancels in their medians).
LASTING_DAYS: Final = 28
#: Shortest window of a lasting step, for histories shorter than 12 weeks [days].
MIN_LASTING_DAYS: Final = 14
#: Days of the running median the floor's own scatter is measured around.
_TREND_DAYS: Final = 15
#: Days of year in which a winter block may end (spring) and begin (autumn): 1 February – 31
#: May and 1 September – 31 December (the heating season of Europe and northern China), as days
#: of a common year (the screen counts a leap year's days from 1 March one less).
SPRING_DAYS: Final = (32, 151)
AUTUMN_DAYS: Final = (244, 366)


def common_day_of_year(dates: pd.DatetimeIndex) -> npt.NDArray[np.int64]:
    """Day of a common year (1–365) of each date: in a leap year 29 February and 1 March are
    both day 60 and the days after count one less, so :data:`SPRING_DAYS` and
    :data:`AUTUMN_DAYS` name the same calendar days every year.

    >>> common_day_of_year(pd.DatetimeIndex(["2020-05-31", "2020-09-01", "2019-05-31"])).tolist()
    [151, 244, 151]
    """
    leap_shift = np.asarray(dates.is_leap_year & (dates.month > 2), dtype=np.int64)
    out: npt.NDArray[np.int64] = dates.day_of_year.to_numpy(np.int64) - leap_shift
    return out


def _window_medians(level: FloatArray, days: int) -> tuple[FloatArray, FloatArray]:
    """Median of the ``days`` days before day ``k`` and of the ``days`` from day ``k + 1`` on
    (the day of the switch left out), NaN with fewer than half of them read; the window after
    may be cut by the end of the series down to half its length."""
    n = level.size
    before = np.full(n, np.nan)
    after = np.full(n, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for k in range(days, n):
            part = level[k - days : k]
            if np.isfinite(part).sum() >= days // 2:
                before[k] = np.nanmedian(part)
            part = level[k + 1 : k + 1 + days]
            if np.isfinite(part).sum() >= days // 2:
                after[k] = np.nanmedian(part)
    return before, after


def lasting_steps(
    floors: FloatArray, daytime: FloatArray, day_of_year: npt.NDArray[np.int64], mean_kw: float
) -> dict[str, float]:
    """Steps of the daily floor that a block switched on or off makes, against its own scatter.

    For each day ``k`` the step ``L`` is the median floor of the :data:`LASTING_DAYS` days after
    it less that of the days before (a third of the history, at least
    :data:`MIN_LASTING_DAYS`, when it is shorter than 12 weeks); it counts when it is **sharp**
    (the three days after less the three days before make 60–160 % of it: machines are
    switched within hours, a building's load drifts with the weather) and **matched by day**
    (the daytime level, 10:00–16:00, moved by 0.5–2 times as much: a block adds the same at
    every hour). Its t-value is ``L`` over the robust scatter of the floor around its
    :data:`_TREND_DAYS`-day running median (the building's own day-to-day wander, its seasons
    taken out).

    * ``lstep_t``, ``lstep_share``: the largest rise that also **lasts** — every later four-week
      median of the floor stays above the level before by at least half of it (a fleet stays;
      a term, a hot spell or a refurbishment ends) — over the scatter and over the mean;
    * ``season_box``, ``season_share``: a block on in winter — the smaller t-value of the
      largest sharp fall in spring (:data:`SPRING_DAYS`) and the largest sharp rise in autumn
      (:data:`AUTUMN_DAYS`), and the rise over the mean (0 without both, or when the fall is
      not 0.6–1.6 times the rise).
    """
    scale = mean_kw if mean_kw > 0 else 1.0
    none = {"lstep_t": 0.0, "lstep_share": 0.0, "season_box": 0.0, "season_share": 0.0}
    n = floors.size
    # a history shorter than 12 weeks (the shipped 8-week examples) gets windows of a third
    # of it, down to two weeks; a site-year's are four weeks
    days = min(LASTING_DAYS, max(n // 3, MIN_LASTING_DAYS))
    if n < 2 * days + 7 or np.isfinite(floors).sum() < 2 * days:
        return none
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        runs = np.lib.stride_tricks.sliding_window_view(floors, _TREND_DAYS)
        trend = np.nanmedian(runs, axis=1)
    half = _TREND_DAYS // 2
    sigma = max(_mad_sigma(floors[half : half + trend.size] - trend), 0.003 * scale)
    before, after = _window_medians(floors, days)
    day_before, day_after = _window_medians(daytime, days)
    step = after - before
    day_step = day_after - day_before
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        near_after = np.full(n, np.nan)
        near_before = np.full(n, np.nan)
        for k in range(3, n - 3):
            near_after[k] = np.nanmedian(floors[k + 1 : k + 4])
            near_before[k] = np.nanmedian(floors[k - 3 : k])
    sharp = near_after - near_before
    with np.errstate(invalid="ignore"):
        size = np.abs(step)
        ok = np.isfinite(step) & np.isfinite(sharp) & np.isfinite(day_step) & (size > 0)
        ok &= (sharp * np.sign(step) >= 0.6 * size) & (sharp * np.sign(step) <= 1.6 * size)
        ok &= (day_step * np.sign(step) >= 0.5 * size) & (day_step * np.sign(step) <= 2.0 * size)
    out = dict(none)
    rises = np.flatnonzero(ok & (step > 0))
    lasting: list[int] = []
    for day in rises:
        later = after[day + 1 :: 7]
        later = later[np.isfinite(later)]
        if later.size and float(later.min()) - before[day] < 0.5 * step[day]:
            continue
        lasting.append(int(day))
    if lasting:
        best = max(lasting, key=lambda k: float(step[k]))
        out["lstep_t"] = float(step[best] / sigma)
        out["lstep_share"] = float(step[best] / scale)
    spring = ok & (step < 0) & (day_of_year >= SPRING_DAYS[0]) & (day_of_year <= SPRING_DAYS[1])
    autumn = ok & (step > 0) & (day_of_year >= AUTUMN_DAYS[0]) & (day_of_year <= AUTUMN_DAYS[1])
    if spring.any() and autumn.any():
        fall = float(np.max(-step[spring]))
        rise = float(np.max(step[autumn]))
        if 0.6 * rise <= fall <= 1.6 * rise:
            out["season_box"] = min(fall, rise) / sigma
            out["season_share"] = rise / scale
    return out
