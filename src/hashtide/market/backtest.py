"""Backtests: the world market from the real state at a date, scored against the chain.

:func:`run_backtest` rebuilds the fleet with data before a date, runs the market model forward
with the real BTC price and fees (and any policy events), and compares the simulated
difficulty of each following retarget period with the chain's, next to two naive baselines:

* **unchanged** — the difficulty in force at the start, held;
* **trend** — the trailing three-period trend: ``D_k · r^j`` with ``r = (D_k / D_{k−3})^{1/3}``.

The score is the median absolute percentage error (MdAPE) over the scored periods.
:func:`backtest_windows` repeats this from a series of start dates with the same code and the
same fitting rule (everything fitted on data before each start).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashtide.errors import InvalidInputError
from hashtide.market.behaviour import BehaviourParams
from hashtide.market.data import btc_fees_per_block, btc_price_usd
from hashtide.market.events import Event, date_s
from hashtide.market.history import chain_history
from hashtide.market.regions import DEFAULT_REGIONS, Region
from hashtide.market.run import Mode, simulate, start_period

FloatArray = npt.NDArray[np.float64]
#: Periods of trailing history the trend baseline uses.
TREND_PERIODS = 3


def baseline_unchanged(difficulty_k: float, periods: int) -> FloatArray:
    """The naive forecast "difficulty unchanged" for the next ``periods`` periods."""
    return np.full(periods, float(difficulty_k))


def baseline_trend(difficulty_k: float, difficulty_k_minus_3: float, periods: int) -> FloatArray:
    """The naive forecast "trailing 3-period trend": ``D_k · r^j``, ``r = (D_k/D_{k−3})^(1/3)``.

    Examples
    --------
    >>> baseline_trend(8.0, 1.0, 2).tolist()  # doubling each period
    [16.0, 32.0]
    """
    rate = (difficulty_k / difficulty_k_minus_3) ** (1.0 / TREND_PERIODS)
    result: FloatArray = float(difficulty_k) * rate ** np.arange(1, periods + 1, dtype=float)
    return result


def mdape_pct(forecast: npt.ArrayLike, actual: npt.ArrayLike) -> float:
    """Median absolute percentage error [%].

    Examples
    --------
    >>> round(mdape_pct([110.0, 95.0, 100.0], [100.0, 100.0, 100.0]), 9)
    5.0
    """
    f = np.asarray(forecast, dtype=float)
    a = np.asarray(actual, dtype=float)
    if f.shape != a.shape or f.size == 0:
        raise InvalidInputError("forecast and actual must be equally long and non-empty")
    return float(np.median(np.abs(f / a - 1.0)) * 100.0)


@dataclass(frozen=True, kw_only=True, eq=False)
class BacktestResult:
    """One backtest: per scored period the chain's, the model's and the baselines' difficulty.

    Attributes
    ----------
    start : datetime.date
        The date asked for; the run starts at ``start_height``, the first block of the newest
        retarget period that began by then.
    start_height : int
    epochs : pandas.DataFrame
        ``start_height``, ``start_time`` (the chain's), ``actual_difficulty``,
        ``simulated_difficulty``, ``unchanged_difficulty``, ``trend_difficulty``, and the
        signed errors ``model_error_pct``, ``unchanged_error_pct``, ``trend_error_pct``.
    model_mdape_pct, unchanged_mdape_pct, trend_mdape_pct : float
    mode : str
        ``"expected"`` (the engine's expected path) or ``"monte_carlo"`` (median of paths).
    events : tuple of str
        Names of the policy events applied.
    kappa_per_day, supply_pace_hs_per_day : float
        The entry scale and supply pace fitted before the start.
    """

    start: dt.date
    start_height: int
    epochs: pd.DataFrame
    model_mdape_pct: float
    unchanged_mdape_pct: float
    trend_mdape_pct: float
    mode: str
    events: tuple[str, ...]
    kappa_per_day: float
    supply_pace_hs_per_day: float

    @property
    def model_wins(self) -> bool:
        """The model beats both baselines."""
        return self.model_mdape_pct < min(self.unchanged_mdape_pct, self.trend_mdape_pct)

    def to_json(self) -> dict[str, Any]:
        """``{"epochs": [{start_height, actual_difficulty, simulated_difficulty}, …],
        "model_mdape", "unchanged_mdape", "trend_mdape"}`` (MdAPEs in percent)."""
        return {
            "epochs": [
                {
                    "start_height": int(height),
                    "actual_difficulty": float(actual),
                    "simulated_difficulty": float(simulated),
                }
                for height, actual, simulated in zip(
                    self.epochs["start_height"].to_numpy(),
                    self.epochs["actual_difficulty"].to_numpy(),
                    self.epochs["simulated_difficulty"].to_numpy(),
                    strict=True,
                )
            ],
            "model_mdape": self.model_mdape_pct,
            "unchanged_mdape": self.unchanged_mdape_pct,
            "trend_mdape": self.trend_mdape_pct,
        }


def _last_input_day_s() -> float:
    return min(btc_price_usd().last_day_s, btc_fees_per_block().last_day_s) + 86_400.0


def run_backtest(
    start: dt.date,
    end: dt.date | None = None,
    *,
    epochs: int | None = None,
    events: Sequence[Event] = (),
    regions: Sequence[Region] = DEFAULT_REGIONS,
    params: BehaviourParams | None = None,
    mode: Mode = "expected",
    n_paths: int = 200,
    seed: int = 0,
) -> BacktestResult:
    """Run the market model from the real state at ``start`` and score it against the chain.

    Parameters
    ----------
    start : datetime.date
        The date; the run starts at the first block of the newest retarget period that began by
        then, from a fleet rebuilt (and an entry rule fitted) with data before that block.
    end : datetime.date, optional
        Score the periods after the start period whose first block is before the end of this
        day; or give ``epochs`` (the number of periods after the start period).
    events, regions, params
        Policy events and assumptions (a scenario's, for instance).
    mode : {"expected", "monte_carlo"}
        The engine's expected path (default: fast and deterministic) or the median of a Monte
        Carlo of ``n_paths`` paths seeded with ``seed``.

    Returns
    -------
    BacktestResult

    Raises
    ------
    InvalidInputError
        If the span is empty, or reaches past the chain history or the price and fee series.
    """
    if (end is None) == (epochs is None):
        raise InvalidInputError("give exactly one of end and epochs")
    history = chain_history()
    start_s = date_s(start)
    k = start_period(history, start_s)
    if k < TREND_PERIODS:
        raise InvalidInputError(f"start {start} leaves fewer than {TREND_PERIODS} periods before")
    if epochs is None:
        if end is None:  # pragma: no cover - narrowed by the check above
            raise InvalidInputError("give end or epochs")
        if end <= start:
            raise InvalidInputError(f"end {end} must be after start {start}")
        end_s = date_s(end) + 86_400.0
        later = np.flatnonzero((history.start_s > history.start_s[k]) & (history.start_s < end_s))
        epochs = int(later.size)
        if epochs == 0:
            raise InvalidInputError(
                f"no retarget period starts between {start} and {end}; give a later end"
            )
    if epochs < 1:
        raise InvalidInputError(f"epochs={epochs!r} must be >= 1")
    last = k + epochs
    if last >= history.difficulty.size:
        raise InvalidInputError(
            f"the chain history ends at height {int(history.start_height[-1]):,}; the backtest "
            f"needs {epochs} periods after height {int(history.start_height[k]):,}"
        )
    if history.start_s[last] > _last_input_day_s():
        day = dt.datetime.fromtimestamp(_last_input_day_s() - 86_400.0, tz=dt.UTC).date()
        raise InvalidInputError(
            f"the shipped price and fee series end on {day}; the backtest would run past them "
            "(choose an earlier end)"
        )
    run = simulate(
        start_s,
        epochs=epochs,
        events=events,
        regions=regions,
        params=params,
        mode=mode,
        n_paths=n_paths,
        rng=np.random.default_rng(seed) if mode == "monte_carlo" else None,
    )
    frame = run.epochs_frame().set_index("start_height")
    heights = history.start_height[k + 1 : last + 1]
    simulated = frame["difficulty"].reindex(heights).to_numpy()
    if not np.all(np.isfinite(simulated)):
        raise InvalidInputError("the simulation did not reach every scored period")
    actual = history.difficulty[k + 1 : last + 1]
    unchanged = baseline_unchanged(history.difficulty[k], epochs)
    trend = baseline_trend(history.difficulty[k], history.difficulty[k - TREND_PERIODS], epochs)
    table = pd.DataFrame(
        {
            "start_height": heights,
            "start_time": pd.to_datetime(history.start_s[k + 1 : last + 1], unit="s", utc=True),
            "actual_difficulty": actual,
            "simulated_difficulty": simulated,
            "unchanged_difficulty": unchanged,
            "trend_difficulty": trend,
        }
    )
    for name in ("simulated", "unchanged", "trend"):
        label = "model" if name == "simulated" else name
        table[f"{label}_error_pct"] = (table[f"{name}_difficulty"] / actual - 1.0) * 100.0
    entry = run.market.entry
    return BacktestResult(
        start=start,
        start_height=int(history.start_height[k]),
        epochs=table,
        model_mdape_pct=mdape_pct(simulated, actual),
        unchanged_mdape_pct=mdape_pct(unchanged, actual),
        trend_mdape_pct=mdape_pct(trend, actual),
        mode=mode,
        events=tuple(e.name for e in events),
        kappa_per_day=entry.kappa_per_day,
        supply_pace_hs_per_day=entry.net_growth_hs_per_day,
    )


def window_starts(first: dt.date, last: dt.date, *, every_months: int = 3) -> list[dt.date]:
    """Start dates from ``first`` to ``last`` (inclusive), ``every_months`` apart.

    Examples
    --------
    >>> window_starts(dt.date(2016, 1, 1), dt.date(2016, 12, 31))
    [datetime.date(2016, 1, 1), datetime.date(2016, 4, 1), datetime.date(2016, 7, 1), \
datetime.date(2016, 10, 1)]
    """
    if every_months < 1:
        raise InvalidInputError(f"every_months={every_months!r} must be >= 1")
    out: list[dt.date] = []
    year, month = first.year, first.month
    while True:
        day = dt.date(year, month, min(first.day, 28))
        if day > last:
            return out
        out.append(day)
        month += every_months
        year += (month - 1) // 12
        month = (month - 1) % 12 + 1


def backtest_windows(
    starts: Sequence[dt.date],
    *,
    horizon: int = 8,
    events: Sequence[Event] = (),
    regions: Sequence[Region] = DEFAULT_REGIONS,
    params: BehaviourParams | None = None,
    mode: Mode = "expected",
    n_paths: int = 200,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Backtest from each start date over ``horizon`` periods; one row per window.

    Columns: ``start``, ``start_height``, ``model_mdape_pct``, ``unchanged_mdape_pct``,
    ``trend_mdape_pct``, ``beats_unchanged``, ``beats_trend``, ``model_wins`` (beats both).
    Windows that would run past the data are left out.
    """
    rows = []
    history = chain_history()
    for i, start in enumerate(starts):
        if progress is not None:
            progress(i, len(starts))
        k = start_period(history, date_s(start))
        if k + horizon >= history.difficulty.size or (
            history.start_s[k + horizon] > _last_input_day_s()
        ):
            continue
        result = run_backtest(
            start,
            epochs=horizon,
            events=events,
            regions=regions,
            params=params,
            mode=mode,
            n_paths=n_paths,
            seed=seed,
        )
        rows.append(
            {
                "start": start,
                "start_height": result.start_height,
                "model_mdape_pct": result.model_mdape_pct,
                "unchanged_mdape_pct": result.unchanged_mdape_pct,
                "trend_mdape_pct": result.trend_mdape_pct,
                "beats_unchanged": result.model_mdape_pct < result.unchanged_mdape_pct,
                "beats_trend": result.model_mdape_pct < result.trend_mdape_pct,
                "model_wins": result.model_wins,
            }
        )
    if progress is not None:
        progress(len(starts), len(starts))
    return pd.DataFrame(
        rows,
        columns=[
            "start",
            "start_height",
            "model_mdape_pct",
            "unchanged_mdape_pct",
            "trend_mdape_pct",
            "beats_unchanged",
            "beats_trend",
            "model_wins",
        ],
    )


def summarize_windows(table: pd.DataFrame) -> dict[str, Any]:
    """Counts and medians of a :func:`backtest_windows` table."""
    n = len(table)
    return {
        "windows": n,
        "model_wins": int(table["model_wins"].sum()),
        "beats_unchanged": int(table["beats_unchanged"].sum()),
        "beats_trend": int(table["beats_trend"].sum()),
        "median_model_mdape_pct": float(table["model_mdape_pct"].median()) if n else math.nan,
        "median_unchanged_mdape_pct": (
            float(table["unchanged_mdape_pct"].median()) if n else math.nan
        ),
        "median_trend_mdape_pct": float(table["trend_mdape_pct"].median()) if n else math.nan,
    }
