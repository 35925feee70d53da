"""Walk-forward validation: monthly backtests, every constant fitted on data before each window.

:func:`walk_forward` runs :func:`hashtide.market.backtest.run_backtest` from a series of start
dates (monthly by default). Besides the entry scale κ and the supply pace, which every backtest
fits before its start, the market model has four *structural constants* that used to be chosen
once, on the whole quarterly table (:class:`StructuralConstants`: the hashprice smoothing, the
order-to-hashing lag, the supply window and the spread of miners' power prices). Here they are
fitted per window, on the past only (an expanding window):

1. every candidate set of constants in :data:`CANDIDATES` is scored on every window (the same
   code and fitting rule as a single backtest; each score uses data before its own start only);
2. for a window starting at ``t``, the *calibration windows* are the earlier windows whose
   scores were fully known by ``t`` — the chain had reached their last scored period, and the
   simulation had read no input dated after ``t`` (:attr:`WindowScore.known_by_s`);
3. the window's constants are the candidate with the lowest calibration loss, the median over
   those windows of ``ln(model MdAPE / min(unchanged MdAPE, trend MdAPE))`` (negative: the
   model beat both naive baselines); with fewer than ``min_calibration`` calibration windows
   the prior set (:data:`PRIOR_CONSTANTS`, the defaults) is used and the window is marked.

The score matrix (candidate × window) is computed once and shared by every window's selection,
so the fitted constants cost one backtest per candidate and window. Scoring uses the engine's
expected path (one deterministic path per backtest), not the Monte Carlo median.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hashtide.errors import InvalidInputError
from hashtide.market.backtest import BacktestResult, _last_input_day_s, run_backtest
from hashtide.market.behaviour import BehaviourParams
from hashtide.market.events import Event, date_s
from hashtide.market.fleet import WorldFleet
from hashtide.market.history import MarketInputs, chain_history
from hashtide.market.regions import DEFAULT_REGIONS, Region
from hashtide.market.run import start_fleet, start_period
from hashtide.market.world import PROJECTION_DAYS
from hashtide.units import SECONDS_PER_DAY

#: The eras of the per-era table: (label, first year, last year).
ERAS: tuple[tuple[str, int, int], ...] = (
    ("2012–15", 2012, 2015),
    ("2016–19", 2016, 2019),
    ("2020–22", 2020, 2022),
    ("2023–26", 2023, 2026),
)
#: The first monthly window the shipped data allows: the price series starts on 28 April 2013
#: (CoinGecko); no price series with terms that allow shipping covers 2012.
FIRST_WINDOW = dt.date(2013, 6, 1)
#: Fewest calibration windows before a window's constants are fitted rather than the prior.
MIN_CALIBRATION_WINDOWS = 6


@dataclass(frozen=True, kw_only=True)
class StructuralConstants:
    """The four constants of the market model the walk-forward fits per window.

    Parameters
    ----------
    switch_smoothing_days : float
        Time constant of the hashprice average miners decide on [days].
    lag_days : int
        Days from an order to the machine hashing.
    supply_days : int
        Window before the start whose net growth sets the delivery pace [days].
    power_price_spread : float
        Standard deviation of ln power price around each region's median [-] (all regions).
    """

    switch_smoothing_days: float
    lag_days: int
    supply_days: int
    power_price_spread: float

    @property
    def label(self) -> str:
        """Short text: ``"14d/90d/180d/σ0.6"``."""
        return (
            f"{self.switch_smoothing_days:g}d/{self.lag_days}d/{self.supply_days}d/"
            f"σ{self.power_price_spread:g}"
        )

    def apply(
        self, params: BehaviourParams | None, regions: Sequence[Region]
    ) -> tuple[BehaviourParams, tuple[Region, ...]]:
        """``params`` and ``regions`` with these four constants set."""
        base = BehaviourParams() if params is None else params
        new_params = replace(
            base,
            switch_smoothing_days=self.switch_smoothing_days,
            lag_days=self.lag_days,
            supply_days=self.supply_days,
        )
        new_regions = tuple(replace(r, power_price_spread=self.power_price_spread) for r in regions)
        return new_params, new_regions

    def as_dict(self) -> dict[str, float]:
        """The constants by name."""
        return {item.name: getattr(self, item.name) for item in fields(self)}


#: The defaults (behaviour.BehaviourParams, regions.Region): the prior, used in windows with too
#: little history to fit on. They were chosen once on the 2016–2025 quarterly table, so windows
#: that use them (only the first months of 2013–2014) are marked in the results.
PRIOR_CONSTANTS = StructuralConstants(
    switch_smoothing_days=14.0, lag_days=90, supply_days=180, power_price_spread=0.6
)
#: The candidates: the prior and each constant moved one step down and up (one at a time).
#: The 60-day lag comes first: on the development windows (2013–2019) it was the only one
#: ever chosen besides the prior, so ``candidates=CANDIDATES[:2]`` is the quick walk.
CANDIDATES: tuple[StructuralConstants, ...] = (
    PRIOR_CONSTANTS,
    replace(PRIOR_CONSTANTS, lag_days=60),
    replace(PRIOR_CONSTANTS, lag_days=120),
    replace(PRIOR_CONSTANTS, switch_smoothing_days=7.0),
    replace(PRIOR_CONSTANTS, switch_smoothing_days=28.0),
    replace(PRIOR_CONSTANTS, supply_days=90),
    replace(PRIOR_CONSTANTS, supply_days=365),
    replace(PRIOR_CONSTANTS, power_price_spread=0.4),
    replace(PRIOR_CONSTANTS, power_price_spread=0.9),
)


@dataclass(frozen=True, kw_only=True)
class WindowScore:
    """One candidate's backtest of one window.

    Attributes
    ----------
    start : datetime.date
    start_s : float
        First block of the window's start period [s].
    start_height : int
    simulated_difficulty : tuple of float
        The model's difficulty of each scored period.
    model_mdape_pct, unchanged_mdape_pct, trend_mdape_pct, price_trend_mdape_pct : float
    known_by_s : float
        When the score was fully known: the chain had started the last scored period, and the
        simulation had read no input after it (its last scored period's simulated start plus
        the market's projection window) [s].
    """

    start: dt.date
    start_s: float
    start_height: int
    simulated_difficulty: tuple[float, ...]
    model_mdape_pct: float
    unchanged_mdape_pct: float
    trend_mdape_pct: float
    price_trend_mdape_pct: float
    known_by_s: float

    @property
    def loss(self) -> float:
        """``ln(model / min(unchanged, trend))``: negative when the model beats both."""
        best = min(self.unchanged_mdape_pct, self.trend_mdape_pct)
        return math.log(max(self.model_mdape_pct, 1e-9) / max(best, 1e-9))


def _score(result: BacktestResult, horizon: int) -> WindowScore:
    history = chain_history()
    k = history.row_of_height(result.start_height)
    simulated_end = float(np.nanmax(result.simulated_start_s)) if horizon else 0.0
    known_by = max(
        float(history.start_s[k + horizon]),
        simulated_end + PROJECTION_DAYS * SECONDS_PER_DAY,
        # the price-trend baseline's revenue ahead (nominal periods from the start)
        float(history.start_s[k]) + horizon * 2016 * 600.0,
    )
    return WindowScore(
        start=result.start,
        start_s=float(history.start_s[k]),
        start_height=result.start_height,
        simulated_difficulty=tuple(float(x) for x in result.epochs["simulated_difficulty"]),
        model_mdape_pct=result.model_mdape_pct,
        unchanged_mdape_pct=result.unchanged_mdape_pct,
        trend_mdape_pct=result.trend_mdape_pct,
        price_trend_mdape_pct=result.price_trend_mdape_pct,
        known_by_s=known_by,
    )


class ScoreCache:
    """Window scores on disk, so a second walk-forward over the same windows is instant.

    One JSON file per *fingerprint*: a hash of every file of the installed hashtide package
    (code and shipped data) and of the run's setup (horizon, events, regions, parameters), so
    a changed model or input never reuses an old score. Written atomically.

    Parameters
    ----------
    directory : path
        Where the files live (created when first written).
    setup : str
        Text describing the run's setup (part of the fingerprint).
    """

    def __init__(self, directory: str | Path, setup: str) -> None:
        self.directory = Path(directory)
        self.fingerprint = hashlib.sha256(
            (_package_fingerprint() + "\n" + setup).encode()
        ).hexdigest()[:24]
        self.path = self.directory / f"walkforward-{self.fingerprint}.json"
        self._scores: dict[str, dict[str, Any]] = {}
        if self.path.exists():
            try:
                self._scores = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self._scores = {}  # a damaged cache is recomputed, not trusted

    @staticmethod
    def _key(constants: StructuralConstants, start: dt.date) -> str:
        return f"{constants.label}|{start.isoformat()}"

    def get(self, constants: StructuralConstants, start: dt.date) -> WindowScore | None:
        """The stored score, if any."""
        item = self._scores.get(self._key(constants, start))
        if item is None:
            return None
        values = dict(item)
        values["start"] = dt.date.fromisoformat(values["start"])
        values["simulated_difficulty"] = tuple(values["simulated_difficulty"])
        return WindowScore(**values)

    def put(self, constants: StructuralConstants, score: WindowScore) -> None:
        """Store a score (in memory; :meth:`save` writes the file)."""
        values = asdict(score)
        values["start"] = score.start.isoformat()
        values["simulated_difficulty"] = list(score.simulated_difficulty)
        self._scores[self._key(constants, score.start)] = values

    def save(self) -> None:
        """Write the file atomically."""
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(self._scores), encoding="utf-8")
        tmp.replace(self.path)


def _package_fingerprint() -> str:
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix not in (".pyc",) and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/hashtide`` (or ``~/.cache/hashtide``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hashtide"


def window_fits(start: dt.date, horizon: int) -> bool:
    """Whether a window from ``start`` over ``horizon`` periods lies inside the shipped data."""
    history = chain_history()
    k = start_period(history, date_s(start))
    return k + horizon < history.difficulty.size and (
        history.start_s[k + horizon] <= _last_input_day_s()
    )


def score_windows(
    starts: Sequence[dt.date],
    candidates: Sequence[StructuralConstants],
    *,
    horizon: int = 8,
    events: Sequence[Event] = (),
    regions: Sequence[Region] = DEFAULT_REGIONS,
    params: BehaviourParams | None = None,
    inputs: MarketInputs | None = None,
    progress: Callable[[int, int], None] | None = None,
    cache: ScoreCache | None = None,
) -> dict[StructuralConstants, list[WindowScore]]:
    """Backtest every candidate on every window (expected path); the score matrix.

    Windows that run past the data are skipped (for every candidate). Candidates that share the
    fleet's constants (smoothing, spread) share one fleet per window.
    """
    usable = [s for s in starts if window_fits(s, horizon)]
    out: dict[StructuralConstants, list[WindowScore]] = {c: [] for c in candidates}
    total = len(usable) * len(candidates)
    done = 0
    for start in usable:
        fleets: dict[tuple[float, float], WorldFleet] = {}
        for constants in candidates:
            if progress is not None:
                progress(done, total)
            stored = cache.get(constants, start) if cache is not None else None
            if stored is not None:
                out[constants].append(stored)
                done += 1
                continue
            cand_params, cand_regions = constants.apply(params, regions)
            key = (constants.switch_smoothing_days, constants.power_price_spread)
            if key not in fleets:
                fleets[key] = start_fleet(
                    date_s(start),
                    events=events,
                    regions=cand_regions,
                    params=cand_params,
                    inputs=inputs,
                )[0]
            result = run_backtest(
                start,
                epochs=horizon,
                events=events,
                regions=cand_regions,
                params=cand_params,
                fleet=fleets[key],
                inputs=inputs,
            )
            score = _score(result, horizon)
            out[constants].append(score)
            done += 1
            if cache is not None:
                cache.put(constants, score)
                if done % 50 == 0:
                    cache.save()
    if cache is not None:
        cache.save()
    if progress is not None:
        progress(total, total)
    return out


def select_constants(
    scores: dict[StructuralConstants, list[WindowScore]],
    before_s: float,
    *,
    min_calibration: int = MIN_CALIBRATION_WINDOWS,
) -> tuple[StructuralConstants, int, float]:
    """The candidate with the lowest median loss on the windows fully known by ``before_s``.

    Returns ``(constants, calibration windows, median loss)``; the first candidate (the prior)
    and NaN when fewer than ``min_calibration`` windows are known. Ties go to the earlier
    candidate.
    """
    candidates = list(scores)
    if not candidates:
        raise InvalidInputError("no candidate constants to select from")
    n_windows = len(scores[candidates[0]])
    known = [
        w for w in range(n_windows) if max(scores[c][w].known_by_s for c in candidates) <= before_s
    ]
    if len(known) < min_calibration:
        return candidates[0], len(known), math.nan
    losses = [float(np.median([scores[c][w].loss for w in known])) for c in candidates]
    best = int(np.argmin(losses))
    return candidates[best], len(known), losses[best]


def era_of(day: dt.date) -> str:
    """The era label of a window start (:data:`ERAS`)."""
    for label, first, last in ERAS:
        if first <= day.year <= last:
            return label
    raise InvalidInputError(f"{day} is in no era of {[e[0] for e in ERAS]}")


@dataclass(frozen=True, kw_only=True, eq=False)
class WalkForwardResult:
    """The walk-forward: one row per window, with the constants fitted before it.

    Attributes
    ----------
    windows : pandas.DataFrame
        ``start``, ``start_height``, ``era``, ``constants`` (label), the four constants,
        ``calibration_windows``, ``constants_fitted`` (False: the prior was used),
        ``model_mdape_pct``, ``unchanged_mdape_pct``, ``trend_mdape_pct``,
        ``price_trend_mdape_pct``, ``beats_unchanged``, ``beats_trend``, ``model_wins`` (beats
        both naive baselines), ``beats_price_trend``.
    horizon : int
    candidates : tuple of StructuralConstants
    """

    windows: pd.DataFrame
    horizon: int
    candidates: tuple[StructuralConstants, ...]

    def eras(self) -> pd.DataFrame:
        """Per era: windows, wins (model beats both naive), their share, median MdAPEs."""
        rows = []
        frame = self.windows
        for label, _, _ in ERAS:
            part = frame[frame["era"] == label]
            if part.empty:
                continue
            rows.append(_summary_row(label, part))
        if len(frame):
            rows.append(_summary_row("all", frame))
        return pd.DataFrame(rows)

    def summary(self, first_year: int = 2016, last_year: int = 2025) -> dict[str, Any]:
        """The target's figures for windows starting in ``first_year … last_year``.

        ``model_median_below_both_in_every_era`` looks at the eras that lie inside those years
        (2016–19, 2020–22, 2023–26 for the default), not at 2012–15.
        """
        years = self.windows["start"].map(lambda d: d.year)
        part = self.windows[(years >= first_year) & (years <= last_year)]
        row = _summary_row(f"{first_year}–{last_year}", part) if len(part) else {}
        inside = {label for label, low, high in ERAS if low >= first_year and low <= last_year}
        eras = self.eras()
        era_rows = eras[eras["era"].isin(inside)]
        row["model_median_below_both_in_every_era"] = bool(
            len(era_rows)
            and (
                (era_rows["median_model_mdape_pct"] < era_rows["median_unchanged_mdape_pct"])
                & (era_rows["median_model_mdape_pct"] < era_rows["median_trend_mdape_pct"])
            ).all()
        )
        return row

    def to_json(self) -> dict[str, Any]:
        """``{"windows": [...], "eras": [...], "summary": {...}, "horizon", "candidates"}``."""
        windows = self.windows.assign(start=self.windows["start"].astype(str))
        return {
            "horizon": self.horizon,
            "candidates": [c.as_dict() for c in self.candidates],
            "windows": _records(windows),
            "eras": _records(self.eras()),
            "summary": self.summary(),
        }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict(orient="records"):
        out.append({str(k): (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()})
    return out


def _summary_row(label: str, part: pd.DataFrame) -> dict[str, Any]:
    n = len(part)
    return {
        "era": label,
        "windows": n,
        "model_wins": int(part["model_wins"].sum()),
        "wins_frac": float(part["model_wins"].mean()) if n else math.nan,
        "beats_unchanged": int(part["beats_unchanged"].sum()),
        "beats_trend": int(part["beats_trend"].sum()),
        "beats_price_trend": int(part["beats_price_trend"].sum()),
        "median_model_mdape_pct": float(part["model_mdape_pct"].median()),
        "median_unchanged_mdape_pct": float(part["unchanged_mdape_pct"].median()),
        "median_trend_mdape_pct": float(part["trend_mdape_pct"].median()),
        "median_price_trend_mdape_pct": float(part["price_trend_mdape_pct"].median()),
    }


def monthly_starts(first: dt.date, last: dt.date, every_months: int = 1) -> list[dt.date]:
    """First days of the months from ``first``'s month to ``last``, ``every_months`` apart."""
    if every_months < 1:
        raise InvalidInputError(f"every_months={every_months!r} must be >= 1")
    out = []
    year, month = first.year, first.month
    while (day := dt.date(year, month, 1)) <= last:
        if day >= first:
            out.append(day)
        month += every_months
        year += (month - 1) // 12
        month = (month - 1) % 12 + 1
    return out


def walk_forward(
    starts: Sequence[dt.date],
    *,
    horizon: int = 8,
    events: Sequence[Event] = (),
    regions: Sequence[Region] = DEFAULT_REGIONS,
    params: BehaviourParams | None = None,
    candidates: Sequence[StructuralConstants] = CANDIDATES,
    calibration_starts: Sequence[dt.date] | None = None,
    min_calibration: int = MIN_CALIBRATION_WINDOWS,
    inputs: MarketInputs | None = None,
    progress: Callable[[int, int], None] | None = None,
    cache_dir: str | Path | None = None,
) -> WalkForwardResult:
    """Walk-forward backtests from ``starts``, each with constants fitted on earlier windows.

    Parameters
    ----------
    starts : sequence of datetime.date
        The reported windows' start dates (windows past the data are left out).
    horizon : int
        Periods scored per window.
    events, regions, params
        As for :func:`hashtide.market.backtest.run_backtest`; the four structural constants
        of ``params``/``regions`` are replaced by the fitted ones.
    candidates : sequence of StructuralConstants
        What the fit chooses from; the first is the prior.
    calibration_starts : sequence of datetime.date, optional
        Windows the constants may be fitted on (each only once fully known before the window
        that uses it). Default: monthly from :data:`FIRST_WINDOW` to the last of ``starts``
        — as much history as the data allows — plus ``starts``.
    min_calibration : int
        Fewest known calibration windows to fit on; below it the prior is used.
    inputs : MarketInputs, optional
        Price and fee series (default: shipped).
    progress : callable, optional
        ``progress(done, total)`` over the backtests.
    cache_dir : path, optional
        Keep the window scores there (:class:`ScoreCache`); default: no cache. Only runs with
        the shipped inputs are cached.

    Returns
    -------
    WalkForwardResult
    """
    if horizon < 1:
        raise InvalidInputError(f"horizon={horizon!r} must be >= 1")
    candidates = tuple(dict.fromkeys(candidates))
    if not candidates:
        raise InvalidInputError("give at least one candidate set of constants")
    starts = sorted(set(starts))
    if not starts:
        raise InvalidInputError("no window start dates given")
    if calibration_starts is None:
        calibration_starts = monthly_starts(FIRST_WINDOW, starts[-1])
    every = sorted(set(calibration_starts) | set(starts))
    cache = None
    if cache_dir is not None and inputs is None:
        setup = repr((horizon, tuple(events), tuple(regions), params))
        cache = ScoreCache(cache_dir, setup)
    scores = score_windows(
        every,
        candidates,
        horizon=horizon,
        events=events,
        regions=regions,
        params=params,
        inputs=inputs,
        progress=progress,
        cache=cache,
    )
    index = {s.start: i for i, s in enumerate(scores[candidates[0]])}
    rows = []
    for start in starts:
        if start not in index:
            continue
        w = index[start]
        own = scores[candidates[0]][w]
        chosen, n_cal, loss = select_constants(scores, own.start_s, min_calibration=min_calibration)
        score = scores[chosen][w]
        rows.append(
            {
                "start": start,
                "start_height": score.start_height,
                "era": era_of(start),
                "constants": chosen.label,
                **chosen.as_dict(),
                "calibration_windows": n_cal,
                "calibration_loss": loss,
                "constants_fitted": not math.isnan(loss),
                "model_mdape_pct": score.model_mdape_pct,
                "unchanged_mdape_pct": score.unchanged_mdape_pct,
                "trend_mdape_pct": score.trend_mdape_pct,
                "price_trend_mdape_pct": score.price_trend_mdape_pct,
                "beats_unchanged": score.model_mdape_pct < score.unchanged_mdape_pct,
                "beats_trend": score.model_mdape_pct < score.trend_mdape_pct,
                "model_wins": score.model_mdape_pct
                < min(score.unchanged_mdape_pct, score.trend_mdape_pct),
                "beats_price_trend": score.model_mdape_pct < score.price_trend_mdape_pct,
                "simulated_difficulty": list(score.simulated_difficulty),
            }
        )
    if not rows:
        raise InvalidInputError("no window lies inside the shipped data; choose earlier dates")
    return WalkForwardResult(windows=pd.DataFrame(rows), horizon=horizon, candidates=candidates)
