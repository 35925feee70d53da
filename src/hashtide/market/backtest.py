"""Backtests: the world market from the real state at a date, scored against the chain.

:func:`run_backtest` rebuilds the fleet with data before a date, runs the market model forward
with the real BTC price and fees (and any policy events), and compares the simulated
difficulty of each following retarget period with the chain's, next to two naive baselines:

* **unchanged** — the difficulty in force at the start, held;
* **trend** — the trailing three-period trend: ``D_k · r^j`` with ``r = (D_k / D_{k−3})^{1/3}``;

and, to make a win mean something, a stronger one (:func:`baseline_price_trend`):

* **price-trend** — the trailing trend adjusted by the change in what a block earns (BTC price ×
  (subsidy + fees), the hashprice at constant difficulty) along the same real price path the
  model is given, with an elasticity fitted on the periods before the start.

The score is the median absolute percentage error (MdAPE) over the scored periods.
:func:`backtest_windows` repeats this from a series of start dates with the same code and the
same fitting rule (everything fitted on data before each start).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashtide.errors import InvalidInputError
from hashtide.market.behaviour import BehaviourParams
from hashtide.market.data import btc_fees_per_block, btc_price_usd
from hashtide.market.events import Event, date_s
from hashtide.market.fleet import WorldFleet
from hashtide.market.history import (
    FEE_AVERAGE_DAYS,
    ChainHistory,
    MarketInputs,
    chain_history,
    subsidy_sat_at_height,
)
from hashtide.market.regions import DEFAULT_REGIONS, Region
from hashtide.market.run import Mode, simulate, start_period

FloatArray = npt.NDArray[np.float64]
#: Periods of trailing history the trend baseline uses.
TREND_PERIODS = 3
#: Periods before the start the price-trend baseline's elasticity is fitted on (four years).
PRICE_TREND_FIT_PERIODS = 104
#: Fewest fitting pairs for an elasticity (a year of periods, each with its 8 horizons); with
#: fewer the price-trend baseline is the trend.
PRICE_TREND_MIN_PAIRS = 26 * 8
#: The elasticity is kept between these bounds (0: the plain trend).
PRICE_TREND_ELASTICITY_BOUNDS = (0.0, 1.5)
#: A retarget period's nominal length [s]: the price-trend baseline places future periods on
#: the calendar by it (it must not read the chain's actual future times).
_PERIOD_S = 2016 * 600.0


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


def _log_revenue_per_block(
    time_s: FloatArray, height: FloatArray, inputs: MarketInputs
) -> FloatArray:
    """ln of what a block earned [ln USD]: BTC price × (subsidy + trailing-mean fees)."""
    reward_btc = subsidy_sat_at_height(height) / 1e8 + inputs.fees_btc_per_block.trailing_mean(
        time_s, FEE_AVERAGE_DAYS
    )
    result: FloatArray = np.log(inputs.price_usd.at(time_s) * reward_btc)
    return result


def _period_revenue(
    start_s: npt.ArrayLike, start_height: npt.ArrayLike, inputs: MarketInputs
) -> FloatArray:
    """Mean ln revenue per block over the nominal period from each start (4 samples)."""
    t0 = np.asarray(start_s, dtype=float)[..., None]
    h0 = np.asarray(start_height, dtype=float)[..., None]
    frac = (np.arange(4) + 0.5) / 4.0
    values = _log_revenue_per_block(t0 + frac * _PERIOD_S, h0 + frac * 2016.0, inputs)
    result: FloatArray = values.mean(axis=-1)
    return result


def price_trend_inputs(
    history: ChainHistory, k: int, periods: int, inputs: MarketInputs
) -> tuple[FloatArray, FloatArray]:
    """The price-trend baseline's regressors from period ``k``: ``(j ln r, Δ ln revenue)``.

    For ``j = 1 … periods``: the trend's log growth ``j · ln r`` with ``r = (D_k/D_{k−3})^(1/3)``,
    and the change of the mean ln revenue per block from period ``k − 1`` (its real times) to
    period ``k + j − 1`` (placed at ``t_k + (j − 1)`` nominal periods, height ``h_k + (j − 1) ·
    2016``) — the revenue over which the hashrate that sets ``D_{k+j}`` ran.
    """
    j = np.arange(1, periods + 1, dtype=float)
    trend = j * math.log(history.difficulty[k] / history.difficulty[k - TREND_PERIODS])
    trend /= TREND_PERIODS
    before = float(
        _period_revenue(history.start_s[k] - _PERIOD_S, history.start_height[k] - 2016, inputs)
    )
    ahead = _period_revenue(
        history.start_s[k] + (j - 1.0) * _PERIOD_S,
        history.start_height[k] + (j - 1.0) * 2016.0,
        inputs,
    )
    return trend, ahead - before


def fit_price_elasticity(
    history: ChainHistory, k: int, inputs: MarketInputs, *, horizon: int = 8
) -> float:
    """Elasticity of difficulty to revenue per block beyond the trend, fitted before period ``k``.

    Over the :data:`PRICE_TREND_FIT_PERIODS` periods ``s`` before ``k`` (whose revenue the price
    series covers) and ``j = 1 … horizon`` with ``s + j ≤ k`` (so every difficulty is in force at
    the start): least squares through the origin of ``ln(D_{s+j}/D_s) − j ln r_s`` on the
    revenue change, clipped to :data:`PRICE_TREND_ELASTICITY_BOUNDS`; 0 with fewer than
    :data:`PRICE_TREND_MIN_PAIRS` pairs.
    """
    first_price_s = inputs.price_usd.first_day_s + 2.0 * _PERIOD_S
    xs: list[float] = []
    ys: list[float] = []
    for s in range(max(TREND_PERIODS, k - PRICE_TREND_FIT_PERIODS), k):
        if history.start_s[s] < first_price_s:
            continue
        n = min(horizon, k - s)
        trend, revenue = price_trend_inputs(history, s, n, inputs)
        growth = np.log(history.difficulty[s + 1 : s + n + 1] / history.difficulty[s])
        xs.extend(revenue.tolist())
        ys.extend((growth - trend).tolist())
    if len(xs) < PRICE_TREND_MIN_PAIRS:
        return 0.0
    x = np.asarray(xs)
    y = np.asarray(ys)
    denominator = float(np.sum(x * x))
    elasticity = float(np.sum(x * y)) / denominator if denominator > 0 else 0.0
    low, high = PRICE_TREND_ELASTICITY_BOUNDS
    return min(max(elasticity, low), high)


def baseline_price_trend(
    history: ChainHistory, k: int, periods: int, inputs: MarketInputs, elasticity: float
) -> FloatArray:
    """The stronger baseline: ``ln D_{k+j} = ln D_k + j ln r + ε · Δ ln revenue_j``.

    The trailing 3-period trend of :func:`baseline_trend`, moved by the elasticity ``ε``
    (:func:`fit_price_elasticity`) times the change in revenue per block along the real price
    path (:func:`price_trend_inputs`); with ``ε = 0`` it is the trend.
    """
    trend, revenue = price_trend_inputs(history, k, periods, inputs)
    result: FloatArray = float(history.difficulty[k]) * np.exp(trend + elasticity * revenue)
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
        ``simulated_difficulty``, ``unchanged_difficulty``, ``trend_difficulty``,
        ``price_trend_difficulty``, and the signed errors ``model_error_pct``,
        ``unchanged_error_pct``, ``trend_error_pct``, ``price_trend_error_pct``.
    model_mdape_pct, unchanged_mdape_pct, trend_mdape_pct, price_trend_mdape_pct : float
        ``price_trend`` is the stronger baseline (:func:`baseline_price_trend`); "the model
        wins" is judged against the two naive ones.
    mode : str
        ``"expected"`` (the engine's expected path) or ``"monte_carlo"`` (median of paths).
    events : tuple of str
        Names of the policy events applied.
    kappa_per_day, supply_pace_hs_per_day : float
        The entry scale and supply pace fitted before the start.
    price_elasticity : float
        The price-trend baseline's elasticity, fitted before the start.
    simulated_start_s : ndarray
        The simulation's start time of each scored period [s]: with the chain's, it says
        until when the run read its inputs (the walk-forward uses it to keep every score it
        calibrates on in the past).
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
    price_trend_mdape_pct: float = math.nan
    price_elasticity: float = 0.0
    simulated_start_s: FloatArray = field(default_factory=lambda: np.zeros(0))

    @property
    def model_wins(self) -> bool:
        """The model beats both baselines."""
        return self.model_mdape_pct < min(self.unchanged_mdape_pct, self.trend_mdape_pct)

    def to_json(self) -> dict[str, Any]:
        """``{"epochs": [{start_height, actual_difficulty, simulated_difficulty}, …],
        "model_mdape", "unchanged_mdape", "trend_mdape", "price_trend_mdape", "model_wins"}``
        (MdAPEs in percent; ``price_trend_mdape`` is ``None`` when it was not scored;
        ``model_wins``: the model beats both naive baselines)."""
        price_trend = self.price_trend_mdape_pct
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
            "price_trend_mdape": price_trend if math.isfinite(price_trend) else None,
            "model_wins": bool(self.model_wins),
        }


def _day(time_s: float) -> dt.date:
    return dt.datetime.fromtimestamp(float(time_s), tz=dt.UTC).date()


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
    fleet: WorldFleet | None = None,
    inputs: MarketInputs | None = None,
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
    fleet : WorldFleet, optional
        The fleet at the start period, already built with these regions and parameters (to
        share one between runs that differ only in the entry rule's constants).
    inputs : MarketInputs, optional
        Price and fee series (default: shipped).

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
    inputs = MarketInputs.shipped() if inputs is None else inputs
    start_s = date_s(start)
    k = start_period(history, start_s)
    if k < TREND_PERIODS:
        raise InvalidInputError(f"start {start} leaves fewer than {TREND_PERIODS} periods before")
    first_price_s = inputs.price_usd.first_day_s
    if history.start_s[k] < first_price_s:
        # Before it the price would be held at its first day's (135 USD against 5-15 in 2012).
        inside = int(np.flatnonzero(history.start_s >= first_price_s)[0])
        raise InvalidInputError(
            f"start {start}: the run starts at the first block of the period under way, "
            f"{_day(history.start_s[k])}, before the BTC price series begins "
            f"({_day(first_price_s)}); choose a start from {_day(history.start_s[inside])} on"
        )
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
        fleet=fleet,
        inputs=inputs,
    )
    frame = run.epochs_frame().set_index("start_height")
    heights = history.start_height[k + 1 : last + 1]
    simulated = frame["difficulty"].reindex(heights).to_numpy()
    if not np.all(np.isfinite(simulated)):
        raise InvalidInputError("the simulation did not reach every scored period")
    actual = history.difficulty[k + 1 : last + 1]
    unchanged = baseline_unchanged(history.difficulty[k], epochs)
    trend = baseline_trend(history.difficulty[k], history.difficulty[k - TREND_PERIODS], epochs)
    elasticity = fit_price_elasticity(history, k, inputs)
    price_trend = baseline_price_trend(history, k, epochs, inputs, elasticity)
    table = pd.DataFrame(
        {
            "start_height": heights,
            "start_time": pd.to_datetime(history.start_s[k + 1 : last + 1], unit="s", utc=True),
            "actual_difficulty": actual,
            "simulated_difficulty": simulated,
            "unchanged_difficulty": unchanged,
            "trend_difficulty": trend,
            "price_trend_difficulty": price_trend,
        }
    )
    for name in ("simulated", "unchanged", "trend", "price_trend"):
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
        price_trend_mdape_pct=mdape_pct(price_trend, actual),
        price_elasticity=elasticity,
        simulated_start_s=np.asarray(
            (frame["start_time"].reindex(heights) - pd.Timestamp(0, tz="UTC")).dt.total_seconds(),
            dtype=np.float64,
        ),
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
    ``trend_mdape_pct``, ``price_trend_mdape_pct``, ``beats_unchanged``, ``beats_trend``,
    ``model_wins`` (beats both naive baselines).
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
                "price_trend_mdape_pct": result.price_trend_mdape_pct,
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
            "price_trend_mdape_pct",
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
