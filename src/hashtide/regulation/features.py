"""Load-profile features with a physical meaning, computed from a metered series.

Every feature answers a question an inspector would ask of a meter, and each has the same value
whatever the site's size (ratios, shares and counts, not kW):

* **shape** — how flat is the load (``load_factor``, ``floor_ratio``), does it sleep at night
  (``night_day_ratio``) and at weekends (``weekend_ratio``), how much of its variation is the
  daily and the weekly rhythm of people (``daily_periodicity``, ``weekly_periodicity``);
* **a switch-on step** — did the site's *floor* (the lowest load of each day, which is what runs
  24/7) rise at one moment and stay up (``step_share``, ``step_t``, ``step_persistence``), was the
  rise the same at every hour of the day, as a block of always-on machines adds
  (``step_profile_spread``, ``step_mean_ratio``), did it happen within an hour, as someone
  switching machines on does, rather than over days (``step_sharpness``);
* **level changes** — how often the floor jumps up or down (``level_shifts``,
  ``down_step_share``): a GPU cluster whose jobs start and stop does, a mining fleet does not;
* **responses** (when the series carries them) — does the load fall when power is expensive
  (``price_response_kw_per_usd_per_kwh``) or change with outdoor temperature;
* **sub-hourly variability** (for 15-min or finer data) — AI training swings within minutes,
  ASICs hold their draw to about a percent.

A mining fleet draws the same power at every hour of every day: it cannot be told from a freezer
farm by its shape alone. What gives it away on a meter is the moment it arrives — the floor
rises by a block of kilowatts, uniformly across the day, within an hour, and stays there. That
is why the step features carry most of the detector's weight, and why a fleet already running
before the series starts is much harder to see (``docs/regulation.md`` has the figures).
"""

from __future__ import annotations

import bisect
import math
import warnings
from dataclasses import asdict, dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from hashtide.hardware import catalog
from hashtide.regulation.meter import MeterSeries
from hashtide.units import SECONDS_PER_HOUR

FloatArray = npt.NDArray[np.float64]

#: A day's floor is this quantile of its hourly loads: the load that runs around the clock,
#: robust to one missing or zero reading.
FLOOR_QUANTILE: Final = 0.10
#: A day counts if at least this many of its hours have readings.
MIN_HOURS_PER_DAY: Final = 18
#: Shortest segment on either side of a step [days].
MIN_SEGMENT_DAYS: Final = 3
#: Noise floor of the step statistic, as a share of the mean load: metering resolution and
#: rounding (upstream rounds to 0.1 kWh) make a perfectly flat series look infinitely certain.
_NOISE_FLOOR_SHARE: Final = 0.005
#: Local hours counted as night and as the working day on weekdays.
NIGHT_HOURS: Final = (1, 2, 3, 4, 5)
DAY_HOURS: Final = (10, 11, 12, 13, 14, 15, 16)
#: The step is placed within this many days of the split that detects it [days].
_PLACE_DAYS: Final = 7
_T_CAP: Final = 50.0
_CHI2_CAP: Final = 100.0


@dataclass(frozen=True, kw_only=True)
class LoadFeatures:
    """The load-profile features of one metered series (see the module notes).

    Shares and ratios are fractions (0–1 unless stated); ``step_*`` are 0 (and
    ``step_profile_spread`` is 5, its cap) when the floor never rises.
    """

    days: int
    interval_s: int
    mean_kw: float
    peak_kw: float
    floor_kw: float
    load_factor: float
    floor_ratio: float
    night_day_ratio: float
    weekend_ratio: float
    daily_periodicity: float
    weekly_periodicity: float
    residual_cv: float
    step_kw: float
    step_share: float
    step_t: float
    step_persistence: float
    step_profile_spread: float
    step_mean_ratio: float
    step_peak_ratio: float
    step_sharpness: float
    step_jump_share: float
    step_jump_t: float
    step_floor_scatter_ratio: float
    step_uniformity_chi2: float
    step_variance_ratio: float
    step_time: str | None
    step_day: int
    level_shifts: int
    down_step_share: float
    subhourly_cv: float | None = None
    max_ramp_share: float | None = None
    price_response_kw_per_usd_per_kwh: float | None = None
    price_response_share: float | None = None
    temperature_response_kw_per_c: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """Every feature by name (JSON-ready; ``nan`` stays ``nan``)."""
        return asdict(self)


def _day_matrix(series: MeterSeries) -> tuple[FloatArray, npt.NDArray[np.int64], Any]:
    """Hourly loads as a (days × 24) matrix on the local clock, weekday of each row, first day."""
    local = series.local_time
    dates = local.normalize().tz_localize(None)
    first = dates[0]
    day = ((dates - first).days).to_numpy()
    hour = local.hour.to_numpy()
    n_days = int(day[-1]) + 1
    matrix = np.full((n_days, 24), np.nan)
    order = np.arange(series.n)[::-1]  # on a repeated hour (DST) the first reading wins
    matrix[day[order], hour[order]] = series.power_kw[order]
    weekday = np.array([(first + np.timedelta64(d, "D")).weekday() for d in range(n_days)])
    return matrix, weekday, first


def _mad_sigma(values: FloatArray) -> float:
    values = values[np.isfinite(values)]
    if values.size == 0:
        return 0.0
    return float(1.4826 * np.median(np.abs(values - np.median(values))))


def _fast_median(x: FloatArray) -> float:
    """Median of a finite 1-D array (``np.median`` without its overhead)."""
    n = x.size
    half = n // 2
    if n % 2:
        return float(np.partition(x, half)[half])
    part = np.partition(x, (half - 1, half))
    return 0.5 * float(part[half - 1] + part[half])


def _sorted_median(ordered: list[float]) -> float:
    n = len(ordered)
    return ordered[n // 2] if n % 2 else 0.5 * (ordered[n // 2 - 1] + ordered[n // 2])


def _split_stats(
    floors: FloatArray, k: int, scale_floor: float
) -> tuple[float, float, float, float] | None:
    """Size, t statistic, noise and L1 cost of splitting ``floors`` before day ``k``."""
    valid = np.isfinite(floors)
    before = floors[:k][valid[:k]]
    after = floors[k:][valid[k:]]
    if before.size < MIN_SEGMENT_DAYS or after.size < MIN_SEGMENT_DAYS:
        return None
    b, a = float(np.median(before)), float(np.median(after))
    residuals = np.concatenate([before - b, after - a])
    noise = max(_mad_sigma(residuals), scale_floor)
    t = abs(a - b) / (noise * math.sqrt(1 / before.size + 1 / after.size))
    return a - b, t, noise, float(np.sum(np.abs(residuals)))


def _best_step(
    floors: FloatArray, scale_floor: float, sign: float
) -> tuple[int, float, float, float]:
    """Day index, size, t statistic and noise of the best step of ``sign`` in ``floors``.

    The step is *detected* at the split with the largest ``t`` and then *placed* at the split
    within :data:`_PLACE_DAYS` of it with the smallest sum of absolute deviations about the two
    segment medians. Medians ignore a few days on the wrong side of the true split, so ``t``
    alone prefers a split a day or two early (its longer after-segment shrinks the standard
    error) — most visibly for a step near the end of the series; the L1 cost does not.
    """
    n = floors.size
    best = (0, 0.0, 0.0, scale_floor)
    position = np.flatnonzero(np.isfinite(floors))
    values = floors[position]
    m = values.size
    # Medians of every prefix and suffix of the finite floors, kept sorted as they grow.
    prefix, suffix = [math.nan] * (m + 1), [math.nan] * (m + 1)
    ordered: list[float] = []
    for i, v in enumerate(values, start=1):
        bisect.insort(ordered, float(v))
        prefix[i] = _sorted_median(ordered)
    ordered = []
    for i, v in enumerate(values[::-1], start=1):
        bisect.insort(ordered, float(v))
        suffix[i] = _sorted_median(ordered)
    for k in range(MIN_SEGMENT_DAYS, n - MIN_SEGMENT_DAYS + 1):
        nb = int(np.searchsorted(position, k))
        na = m - nb
        if nb < MIN_SEGMENT_DAYS or na < MIN_SEGMENT_DAYS:
            continue
        b, a = prefix[nb], suffix[na]
        if (a - b) * sign <= 0:
            continue
        residuals = values - np.where(position < k, b, a)
        spread = _fast_median(np.abs(residuals - _fast_median(residuals)))
        noise = max(1.4826 * spread, scale_floor)
        t = abs(a - b) / (noise * math.sqrt(1 / nb + 1 / na))
        if t > best[2]:
            best = (k, a - b, t, noise)
    k0 = best[0]
    if k0 == 0:
        return best
    placed, cost = best, math.inf
    for k in sorted(range(k0 - _PLACE_DAYS, k0 + _PLACE_DAYS + 1), key=lambda j: abs(j - k0)):
        stats = _split_stats(floors, k, scale_floor) if 0 < k < n else None
        if stats is None or stats[0] * sign <= 0:
            continue
        if not math.isfinite(cost) or stats[3] < cost * (1 - 1e-9):
            placed, cost = (k, stats[0], stats[1], stats[2]), stats[3]
    return placed


def _jumps(hourly: FloatArray, weekday: npt.NDArray[np.int64]) -> FloatArray:
    """``J(t)`` for every hour: the 3-h jump net of the same hours on the nearest days of the
    same kind (working day or weekend) before and after.

    ``J(t) = [x̄(t, t+3) − x̄(t−3, t)] − ½{[x̄(t−a, t−a+3) − x̄(t−a−3, t−a)] + [x̄(t+b, t+b+3) −
    x̄(t+b−3, t+b)]}`` with ``a``, ``b`` whole days to the nearest day of the same kind (near
    either end of the series, only the one that exists): the daily pattern at that hour cancels
    (and Monday morning is compared with Friday's, not Sunday's), a switch-on does not.
    NaN where the hours are not all there.
    """
    n = hourly.size
    kernel = np.ones(3) / 3
    means = np.full(n, np.nan)
    means[: n - 2] = np.convolve(hourly, kernel, mode="valid")  # means[u] = x̄(u, u+3)
    days = n // 24
    weekend = np.repeat(weekday[:days] >= 5, 24)
    out = np.full(n, np.nan)
    if days < 3:
        return out
    kind = np.zeros(n, dtype=bool)
    kind[: days * 24] = weekend
    t = np.arange(n)
    before = np.full(n, -1)
    after = np.full(n, -1)
    for lag in range(1, 8):  # nearest day of the same kind, up to a week away
        shift = lag * 24
        idx = t - shift
        ok = (idx >= 3) & (before < 0) & (kind[np.clip(idx, 0, n - 1)] == kind)
        before[ok] = idx[ok]
        idx = t + shift
        ok = (idx < n - 3) & (after < 0) & (kind[np.clip(idx, 0, n - 1)] == kind)
        after[ok] = idx[ok]
    valid = (t >= 3) & (t < n - 3) & ((before >= 0) | (after >= 0))

    def jump(u: npt.NDArray[np.int64]) -> FloatArray:
        return np.asarray(means[u] - means[u - 3], dtype=float)

    v = t[valid]
    # Near either end of the series only one neighbouring day exists: it alone is the reference.
    ref_before = np.where(before[v] >= 0, jump(np.maximum(before[v], 3)), np.nan)
    ref_after = np.where(after[v] >= 0, jump(np.maximum(after[v], 3)), np.nan)
    out[v] = jump(v) - np.nanmean(np.vstack([ref_before, ref_after]), axis=0)
    return out


def _column_var(x: FloatArray) -> FloatArray:
    """Sample variance of each column over its finite values (NaN with fewer than two)."""
    finite = np.isfinite(x)
    n = finite.sum(axis=0)
    filled = np.where(finite, x, 0.0)
    mean = filled.sum(axis=0) / np.maximum(n, 1)
    squares = np.where(finite, (x - mean) ** 2, 0.0).sum(axis=0)
    return np.where(n >= 2, squares / np.maximum(n - 1, 1), np.nan)


def _uniformity_chi2(
    matrix: FloatArray, weekday: npt.NDArray[np.int64], pre: list[int], post: list[int]
) -> float:
    """Is the rise the same at every hour? Mean squared z-score of the hourly rises about their
    average, in 48 cells (working day or weekend × local hour).

    ``Δ_c = mean_after(x_c) − mean_before(x_c)``, ``se_c² = var_after/n_after +
    var_before/n_before``, ``χ²/ν = Σ ((Δ_c − Δ̄)/se_c)² / (cells − 1)`` with ``Δ̄`` the
    inverse-variance mean. About 1 when a constant block was added (as always-on machines do);
    large when the rise follows the day (people, user demand) or differs between hours.
    """
    weekend = weekday >= 5
    deltas, variances = [], []
    for is_weekend in (False, True):
        before = [d for d in pre if weekend[d] == is_weekend]
        after = [d for d in post if weekend[d] == is_weekend]
        if len(before) < 2 or len(after) < 2:
            continue
        b, a = matrix[before], matrix[after]
        nb, na = np.isfinite(b).sum(axis=0), np.isfinite(a).sum(axis=0)
        ok = (nb >= 2) & (na >= 2)
        delta = np.nanmean(a, axis=0) - np.nanmean(b, axis=0)
        var = _column_var(a) / np.maximum(na, 1) + _column_var(b) / np.maximum(nb, 1)
        deltas.append(delta[ok])
        variances.append(var[ok])
    if not deltas:
        return _CHI2_CAP
    delta, var = np.concatenate(deltas), np.concatenate(variances)
    var = np.maximum(var, 1e-12 + (1e-3 * np.nanmean(np.abs(matrix))) ** 2)
    if delta.size < 3:
        return _CHI2_CAP
    weights = 1 / var
    centre = float(np.sum(weights * delta) / np.sum(weights))
    chi2 = float(np.sum((delta - centre) ** 2 * weights) / (delta.size - 1))
    return min(chi2, _CHI2_CAP)


def _variance_ratio(
    matrix: FloatArray, weekday: npt.NDArray[np.int64], pre: list[int], post: list[int]
) -> float:
    """Scatter of the hourly load about its (working day/weekend × hour) means, after the step
    over before (a ratio of standard deviations, capped at 10).

    Always-on machines add a constant: the scatter stays as it was (≈ 1). Jobs that start and
    stop, or demand that comes and goes, add their own scatter (> 1).
    """
    weekend = weekday >= 5

    def scatter(days: list[int]) -> float:
        residuals = []
        for is_weekend in (False, True):
            rows = matrix[[d for d in days if weekend[d] == is_weekend]]
            if rows.shape[0] >= 2:
                residuals.append((rows - np.nanmean(rows, axis=0)).ravel())
        values = np.concatenate(residuals) if residuals else np.array([])
        values = values[np.isfinite(values)]
        return float(np.std(values)) if values.size > 2 else math.nan

    before, after = scatter(pre), scatter(post)
    if not (math.isfinite(before) and math.isfinite(after)):
        return 1.0
    floor = 1e-3 * float(np.nanmean(np.abs(matrix)))
    return float(min(max(after, floor) / max(before, floor), 10.0))


def _profile_r2(values: FloatArray, groups: npt.NDArray[np.int64]) -> float:
    """Share of the variance of ``values`` explained by their group means."""
    ok = np.isfinite(values)
    values, groups = values[ok], groups[ok]
    total = float(np.var(values))
    if total <= 0:
        return 0.0
    sums = np.bincount(groups, weights=values)
    counts = np.bincount(groups)
    means = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
    return float(1 - np.var(values - means[groups]) / total)


def smallest_asic_kw() -> float:
    """Draw of the smallest machine in the ASIC catalog, less the ±5 % tolerance [kW].

    A rise of the floor smaller than this cannot be even one ASIC switched on.
    """
    return float(catalog()["power_w"].min()) * (1 - 0.05) / 1e3


def compute_features(series: MeterSeries, *, min_step_kw: float | None = None) -> LoadFeatures:
    """The load-profile features of ``series`` (see :class:`LoadFeatures` and the module notes).

    ``min_step_kw`` is the smallest rise of the floor that counts as a step [kW] (default:
    :func:`smallest_asic_kw`, one machine of the smallest catalog model).

    Sub-hourly series are averaged to hours first (their own variability is measured before);
    hours with a missing reading are left out of every statistic.

    Notes
    -----
    The switch-on step is searched on the daily floors ``f_d`` (the 10 % quantile of each local
    day's hourly loads): for every split day ``k`` with at least 3 days either side,
    ``s_k = median(f_k…) − median(…f_k-1)`` and ``t_k = s_k / (σ √(1/n_before + 1/n_after))``
    with ``σ`` the robust (MAD) scatter of the floors about their segment medians, at least
    0.5 % of the mean load. The step is the split with the largest ``t``. This is the
    two-sample location test of a single change point (Hinkley, "Inference about the
    change-point in a sequence of random variables", Biometrika 57, 1970,
    https://doi.org/10.1093/biomet/57.1.1), made robust with medians.

    Examples
    --------
    A site at 100 kW to which 30 kW of always-on machines are added on day 14 of 28:

    >>> import numpy as np
    >>> from hashtide.regulation import meter_from_array
    >>> hours = np.arange(28 * 24)
    >>> load = 100 + 20 * np.sin(2 * np.pi * hours / 24) + np.where(hours >= 14 * 24 + 9, 30, 0)
    >>> f = compute_features(meter_from_array(load, start="2024-03-04"))
    >>> f.step_day, round(f.step_kw, 1), round(f.step_share, 2), round(f.step_sharpness, 2)
    (14, 30.0, 0.3, 1.0)
    """
    min_step = smallest_asic_kw() if min_step_kw is None else min_step_kw
    with warnings.catch_warnings():
        # Missing readings make numpy warn about all-NaN slices; every statistic here handles
        # NaN explicitly (an incomplete day has no floor, a missing hour is left out).
        warnings.simplefilter("ignore", RuntimeWarning)
        subhourly = _subhourly(series)
        hourly_series = series.hourly()
        matrix, weekday, first_day = _day_matrix(hourly_series)
        shape = _shape(matrix, weekday)
        step = _step(matrix, weekday, first_day, shape["mean_kw"], min_step)
        responses = _responses(hourly_series, shape["mean_kw"])
    values: dict[str, Any] = {**shape, **step, **subhourly, **responses}
    return LoadFeatures(interval_s=series.interval_s, **values)


def _daily(matrix: FloatArray, quantile: float | None) -> FloatArray:
    """A quantile (or, for ``None``, the mean) of each day's hours; NaN for incomplete days."""
    complete = np.isfinite(matrix).sum(axis=1) >= MIN_HOURS_PER_DAY
    filled = np.where(complete[:, None], matrix, 0.0)  # avoids all-NaN rows
    if quantile is None:
        values = np.nanmean(filled, axis=1)
    else:  # np.quantile on the complete rows: much faster than nanquantile on them all
        whole = np.isfinite(filled).all(axis=1)
        values = np.full(filled.shape[0], np.nan)
        if whole.any():
            values[whole] = np.quantile(filled[whole], quantile, axis=1)
        if (~whole).any():
            values[~whole] = np.nanquantile(filled[~whole], quantile, axis=1)
    return np.where(complete, values, np.nan)


def _subhourly(series: MeterSeries) -> dict[str, float | None]:
    """Variability inside the hour (only for sub-hourly series)."""
    if series.interval_s >= SECONDS_PER_HOUR:
        return {"subhourly_cv": None, "max_ramp_share": None}
    per_hour = SECONDS_PER_HOUR // series.interval_s
    usable = series.n // per_hour * per_hour
    block = series.power_kw[:usable].reshape(-1, per_hour)
    mean = float(np.nanmean(series.power_kw))
    if not mean > 0:
        return {"subhourly_cv": 0.0, "max_ramp_share": 0.0}
    ramps = np.abs(np.diff(series.power_kw))
    return {
        "subhourly_cv": float(np.nanmean(np.nanstd(block, axis=1)) / mean),
        "max_ramp_share": float(np.nanquantile(ramps, 0.999) / mean),
    }


def _shape(matrix: FloatArray, weekday: npt.NDArray[np.int64]) -> dict[str, Any]:
    hourly = matrix.ravel()
    n_days = matrix.shape[0]
    mean_kw = float(np.nanmean(hourly))
    peak_kw = float(np.nanquantile(hourly, 0.99))
    scale = mean_kw if mean_kw > 0 else 1.0
    floors = _daily(matrix, FLOOR_QUANTILE)
    working = weekday < 5
    night = matrix[working][:, list(NIGHT_HOURS)]
    daytime = matrix[working][:, list(DAY_HOURS)]
    night_day = (
        float(np.nanmean(night) / np.nanmean(daytime)) if np.isfinite(daytime).any() else 1.0
    )
    if math.isnan(night_day):  # 0/0, a meter of zeros: was NaN, and so P(fleet) ("nan %")
        night_day = 1.0
    weekend_mean = np.nanmean(matrix[~working]) if np.isfinite(matrix[~working]).any() else np.nan
    workday_mean = np.nanmean(matrix[working]) if np.isfinite(matrix[working]).any() else np.nan
    hour_of_day = np.tile(np.arange(24), n_days).astype(np.int64)
    hour_of_week = (np.repeat(weekday, 24) * 24 + hour_of_day).astype(np.int64)
    daily_r2 = _profile_r2(hourly, hour_of_day)
    ok = np.isfinite(hourly)
    sums = np.bincount(hour_of_week[ok], weights=hourly[ok], minlength=168)
    counts = np.bincount(hour_of_week[ok], minlength=168)
    profile = np.divide(sums, counts, out=np.zeros(168), where=counts > 0)
    has_floor = bool(np.isfinite(floors).any())
    return {
        "days": n_days,
        "mean_kw": mean_kw,
        "peak_kw": peak_kw,
        "floor_kw": float(np.nanmedian(floors)) if has_floor else math.nan,
        "load_factor": mean_kw / peak_kw if peak_kw > 0 else 1.0,
        "floor_ratio": float(np.nanmedian(floors) / scale) if has_floor else 1.0,
        "night_day_ratio": night_day,
        "weekend_ratio": float(weekend_mean / workday_mean) if workday_mean > 0 else 1.0,
        "daily_periodicity": daily_r2,
        "weekly_periodicity": max(_profile_r2(hourly, hour_of_week) - daily_r2, 0.0),
        "residual_cv": float(np.nanstd(hourly - profile[hour_of_week]) / scale),
    }


def _step(
    matrix: FloatArray,
    weekday: npt.NDArray[np.int64],
    first_day: Any,
    mean_kw: float,
    min_step: float,
) -> dict[str, Any]:
    """The switch-on step of the daily floor and what the added load looks like."""
    scale = mean_kw if mean_kw > 0 else 1.0
    noise_floor = _NOISE_FLOOR_SHARE * scale
    floors = _daily(matrix, FLOOR_QUANTILE)
    k, step_kw, t, _ = _best_step(floors, noise_floor, +1.0)
    if step_kw < min_step:  # smaller than one machine of any catalog model: not a fleet
        k, step_kw, t = 0, 0.0, 0.0
    hourly = matrix.ravel()
    jumps = _jumps(hourly, weekday) if k > 0 else np.full(hourly.size, np.nan)
    if k > 0:
        k = _switch_day(jumps, k)
    kd, down_kw, _, _ = _best_step(floors, noise_floor, -1.0)
    day_jumps = np.diff(floors)
    jump_noise = max(_mad_sigma(day_jumps), noise_floor)
    big = np.abs(day_jumps[np.isfinite(day_jumps)]) > max(4 * jump_noise, 0.05 * scale)
    common = {
        "level_shifts": int(np.sum(big)),
        "down_step_share": float(max(-down_kw / float(np.nanmean(matrix[:kd])), 0.0))
        if kd > 0
        else 0.0,
        "step_day": int(k),
        "step_kw": float(step_kw),
        "step_t": float(min(t, _T_CAP)),
    }
    if k == 0:
        return common | {
            "step_share": 0.0,
            "step_persistence": 0.0,
            "step_profile_spread": 5.0,
            "step_mean_ratio": 0.0,
            "step_peak_ratio": 0.0,
            "step_sharpness": 0.0,
            "step_jump_share": 0.0,
            "step_jump_t": 0.0,
            "step_floor_scatter_ratio": 1.0,
            "step_uniformity_chi2": _CHI2_CAP,
            "step_variance_ratio": 1.0,
            "step_time": None,
        }
    n_days = matrix.shape[0]
    half = float(np.nanmedian(floors[:k])) + step_kw / 2
    settled_after, settled_before = floors[k + 1 :], floors[: k - 1]  # not the days it happens
    persistence = 0.5 * (
        _share_true(settled_after > half, settled_after)
        + _share_true(settled_before < half, settled_before)
    )
    mean_before = float(np.nanmean(matrix[:k]))
    pre = [d for d in range(n_days) if d < k - 1]
    post = [d for d in range(n_days) if d > k]
    delta = np.nanmedian(matrix[post], axis=0) - np.nanmedian(matrix[pre], axis=0)
    day_means = _daily(matrix, None)
    peaks = _daily(matrix, 0.9)

    def ratio(daily: FloatArray) -> float:
        rise = np.nanmedian(daily[k:]) - np.nanmedian(daily[:k])
        return float(np.clip(rise / step_kw, -3.0, 5.0))

    near = jumps[max(k * 24 - 24, 0) : k * 24 + 48]
    jump = float(np.nanmax(near)) if np.isfinite(near).any() else 0.0
    after_floors, before_floors = floors[k + 1 :], floors[: k - 1]
    scatter_after = _mad_sigma(after_floors - np.nanmedian(after_floors))
    scatter_before = _mad_sigma(before_floors - np.nanmedian(before_floors))
    return common | {
        "step_share": step_kw / mean_before if mean_before > 0 else 0.0,
        "step_persistence": persistence,
        "step_profile_spread": float(np.clip(np.nanstd(delta) / step_kw, 0.0, 5.0)),
        "step_mean_ratio": ratio(day_means),
        "step_peak_ratio": ratio(peaks),
        "step_sharpness": float(np.clip(jump / step_kw, -1.0, 3.0)),
        "step_jump_share": float(jump / scale),
        "step_jump_t": float(min(jump / max(_mad_sigma(jumps), noise_floor), _T_CAP)),
        "step_floor_scatter_ratio": float(
            min(max(scatter_after, noise_floor) / max(scatter_before, noise_floor), 10.0)
        ),
        "step_uniformity_chi2": _uniformity_chi2(matrix, weekday, pre, post),
        "step_variance_ratio": _variance_ratio(matrix, weekday, pre, post),
        "step_time": str((first_day + np.timedelta64(k, "D")).date()),
    }


def _switch_day(jumps: FloatArray, split: int) -> int:
    """The day the switch-on happened, given the first day of the new floor (``split``).

    A block switched on during day ``d`` leaves that day's floor low (its early hours are
    before), so the floors split at ``d + 1``; switched on at midnight, at ``d``. The largest
    hourly jump (:func:`_jumps`) over days ``split − 1`` and ``split`` says which.
    """
    begin = max(split - 1, 1) * 24
    window = jumps[begin : (split + 1) * 24]
    if not np.isfinite(window).any():
        return split
    return int((begin + int(np.nanargmax(window))) // 24)


def _share_true(test: npt.NDArray[np.bool_], values: FloatArray) -> float:
    """Share of the finite ``values`` for which ``test`` holds (0 if there are none)."""
    finite = np.isfinite(values)
    return float(test[finite].mean()) if finite.any() else 0.0


def _responses(hourly: MeterSeries, mean_kw: float) -> dict[str, float | None]:
    scale = mean_kw if mean_kw > 0 else 1.0
    out: dict[str, float | None] = {
        "price_response_kw_per_usd_per_kwh": None,
        "price_response_share": None,
        "temperature_response_kw_per_c": None,
    }
    price = hourly.exogenous.get("price_usd_per_kwh")
    if price is not None and np.isfinite(price).sum() > 48:
        slope, share = _price_response(hourly.power_kw, price, scale)
        out["price_response_kw_per_usd_per_kwh"] = slope
        out["price_response_share"] = share
    temperature = hourly.exogenous.get("temperature_c")
    if temperature is not None and np.isfinite(temperature).sum() > 48:
        out["temperature_response_kw_per_c"] = _temperature_response(hourly.power_kw, temperature)
    return out


def _deseasonalised(values: FloatArray, period: int = 168) -> FloatArray:
    slot = np.arange(values.size) % period
    ok = np.isfinite(values)
    sums = np.bincount(slot[ok], weights=values[ok], minlength=period)
    counts = np.bincount(slot[ok], minlength=period)
    profile = np.divide(sums, counts, out=np.zeros(period), where=counts > 0)
    return values - profile[slot]


def _price_response(power: FloatArray, price: FloatArray, scale: float) -> tuple[float, float]:
    """Slope of load on price after removing both weekly profiles [kW per USD/kWh], and the load
    change for the top-decile price hours as a share of the mean load.

    A price-elastic miner switches off when power is dear: a negative slope and share. An
    office's load follows people, and its tariff's peak hours are the same every week, so the
    weekly profiles are removed first; what is left responds only to unscheduled price moves.
    """
    x = _deseasonalised(power)
    p = _deseasonalised(price)
    ok = np.isfinite(x) & np.isfinite(p)
    if ok.sum() < 48 or np.var(p[ok]) <= 0:
        return 0.0, 0.0
    slope = float(np.cov(p[ok], x[ok])[0, 1] / np.var(p[ok]))
    top = price[ok] >= np.quantile(price[ok], 0.9)
    share = float((np.mean(x[ok][top]) - np.mean(x[ok][~top])) / scale) if top.any() else 0.0
    return slope, share


def _temperature_response(power: FloatArray, temperature: FloatArray) -> float:
    """Slope of daily mean load on daily mean temperature [kW/°C]."""
    days = power.size // 24
    load = np.nanmean(power[: days * 24].reshape(days, 24), axis=1)
    temp = np.nanmean(temperature[: days * 24].reshape(days, 24), axis=1)
    ok = np.isfinite(load) & np.isfinite(temp)
    if ok.sum() < 5 or np.var(temp[ok]) <= 0:
        return 0.0
    return float(np.cov(temp[ok], load[ok])[0, 1] / np.var(temp[ok]))
