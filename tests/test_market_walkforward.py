"""The walk-forward backtest: constants fitted on the past only, the price-trend baseline, CLI."""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from hashtide.cli.market import backtest
from hashtide.errors import InvalidInputError
from hashtide.market import backtest as backtest_module
from hashtide.market import fleet as fleet_module
from hashtide.market import nowcast as nowcast_module
from hashtide.market import walkforward as walkforward_module
from hashtide.market.backtest import (
    baseline_price_trend,
    baseline_trend,
    fit_price_elasticity,
)
from hashtide.market.data import DailySeries
from hashtide.market.history import ChainHistory, MarketInputs, chain_history
from hashtide.market.regions import DEFAULT_REGIONS
from hashtide.market.walkforward import (
    PRIOR_CONSTANTS,
    ScoreCache,
    WalkForwardResult,
    WindowScore,
    era_of,
    monthly_starts,
    select_constants,
    walk_forward,
)
from hashtide.report.walkforward_plot import plot_walk_forward

app = typer.Typer(pretty_exceptions_enable=False)
app.command()(backtest)
runner = CliRunner()


@app.callback()
def _root() -> None:
    """Keep ``backtest`` a subcommand."""


LAG60 = replace(PRIOR_CONSTANTS, lag_days=60)


def _day_s(day: dt.date) -> float:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC).timestamp()


# --- the price-trend baseline ------------------------------------------------------------------


def test_price_trend_is_the_trend_without_elasticity() -> None:
    history = chain_history()
    inputs = MarketInputs.shipped()
    k = int(np.searchsorted(history.start_s, _day_s(dt.date(2020, 4, 1)))) - 1
    # ε = 0 leaves the trailing trend D_k·r^j (independent: baseline_trend's own arithmetic).
    np.testing.assert_allclose(
        baseline_price_trend(history, k, 4, inputs, 0.0),
        baseline_trend(history.difficulty[k], history.difficulty[k - 3], 4),
        rtol=1e-12,
    )
    # The May 2020 halving halves the revenue per block: with ε > 0 the baseline goes below
    # the trend once the halving is inside the forecast (period 4 starts about 6 weeks on).
    lower = baseline_price_trend(history, k, 8, inputs, 0.5)
    trend = baseline_trend(history.difficulty[k], history.difficulty[k - 3], 8)
    assert lower[-1] < trend[-1]


def test_price_elasticity_reads_only_the_past() -> None:
    history = chain_history()
    inputs = MarketInputs.shipped()
    k = int(np.searchsorted(history.start_s, _day_s(dt.date(2019, 1, 1)))) - 1
    elasticity = fit_price_elasticity(history, k, inputs)
    assert 0.0 <= elasticity <= 1.5
    changed = _scaled_history(history, after_s=float(history.start_s[k]), factor=3.0)
    assert fit_price_elasticity(changed, k, inputs) == elasticity
    # Before the price series (April 2013) there is nothing to fit on: the plain trend.
    early = int(np.searchsorted(history.start_s, _day_s(dt.date(2013, 5, 1)))) - 1
    assert fit_price_elasticity(history, early, inputs) == 0.0


# --- choosing the constants --------------------------------------------------------------------


def _score(start: dt.date, known_by: dt.date, model: float) -> WindowScore:
    return WindowScore(
        start=start,
        start_s=_day_s(start),
        start_height=0,
        simulated_difficulty=(1.0,),
        model_mdape_pct=model,
        unchanged_mdape_pct=10.0,
        trend_mdape_pct=5.0,
        price_trend_mdape_pct=5.0,
        known_by_s=_day_s(known_by),
    )


def test_select_constants_uses_only_known_windows() -> None:
    # Three windows: the first two are known by 2020-06-01, the third only in 2021. The prior
    # wins the known ones (model 4 % < 5 %), LAG60 only the unknown one.
    dates = [(dt.date(2020, 1, 1), dt.date(2020, 5, 1)), (dt.date(2020, 2, 1), dt.date(2020, 6, 1)),
             (dt.date(2020, 3, 1), dt.date(2021, 1, 1))]  # fmt: skip
    prior = [4.0, 4.0, 50.0]
    lag60 = [6.0, 6.0, 1.0]
    scores = {
        PRIOR_CONSTANTS: [_score(s, k, m) for (s, k), m in zip(dates, prior, strict=True)],
        LAG60: [_score(s, k, m) for (s, k), m in zip(dates, lag60, strict=True)],
    }
    chosen, n, loss = select_constants(scores, _day_s(dt.date(2020, 6, 1)), min_calibration=2)
    assert (chosen, n) == (PRIOR_CONSTANTS, 2)
    assert loss == pytest.approx(math.log(4.0 / 5.0))  # ln(model / best naive), by hand
    chosen, n, _ = select_constants(scores, _day_s(dt.date(2021, 1, 1)), min_calibration=2)
    assert n == 3
    assert chosen == PRIOR_CONSTANTS
    chosen, n, loss = select_constants(scores, _day_s(dt.date(2020, 5, 15)), min_calibration=2)
    assert (chosen, n) == (PRIOR_CONSTANTS, 1)
    assert math.isnan(loss)


def test_constants_and_eras() -> None:
    params, regions = LAG60.apply(None, DEFAULT_REGIONS)
    assert params.lag_days == 60
    assert params.switch_smoothing_days == 14.0
    assert {r.power_price_spread for r in regions} == {0.6}
    assert LAG60.label == "14d/60d/180d/σ0.6"
    assert era_of(dt.date(2013, 6, 1)) == "2012–15"
    assert era_of(dt.date(2026, 1, 1)) == "2023–26"
    with pytest.raises(InvalidInputError, match="in no era"):
        era_of(dt.date(2030, 1, 1))
    assert monthly_starts(dt.date(2019, 11, 15), dt.date(2020, 2, 1)) == [
        dt.date(2019, 12, 1), dt.date(2020, 1, 1), dt.date(2020, 2, 1)]  # fmt: skip


# --- no look-ahead ------------------------------------------------------------------------------


def _scaled_history(history: ChainHistory, *, after_s: float, factor: float) -> ChainHistory:
    """The chain with every period that starts after ``after_s`` made ``factor`` × harder."""
    later = history.start_s > after_s
    return replace(
        history,
        difficulty=np.where(later, history.difficulty * factor, history.difficulty),
        hashrate_hs=np.where(later, history.hashrate_hs * factor, history.hashrate_hs),
    )


def _with_history(monkeypatch: pytest.MonkeyPatch, history: ChainHistory) -> None:
    # Every market module that reads the shipped chain history.
    for module in (backtest_module, fleet_module, nowcast_module, walkforward_module):
        monkeypatch.setattr(module, "chain_history", lambda: history)


TARGET = dt.date(2015, 7, 1)
CALIBRATION = [dt.date(2015, 1, 1), dt.date(2015, 2, 1)]


def _tiny_walk(inputs: MarketInputs | None = None) -> WalkForwardResult:
    # Three windows of two periods, two candidates: 6 backtests on the expected path.
    return walk_forward(
        [TARGET],
        horizon=2,
        candidates=(PRIOR_CONSTANTS, LAG60),
        calibration_starts=CALIBRATION,
        min_calibration=2,
        inputs=inputs,
    )


def test_walk_forward_does_not_look_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    base = _tiny_walk()
    row = base.windows.iloc[0]
    assert row["calibration_windows"] == 2
    assert row["constants_fitted"]
    history = chain_history()
    k = int(np.searchsorted(history.start_s, _day_s(TARGET))) - 1
    start_s = float(history.start_s[k])

    # The chain after the window's start 40 % harder: constants and forecast unchanged (the
    # score changes, it compares with the changed chain).
    _with_history(monkeypatch, _scaled_history(history, after_s=start_s, factor=1.4))
    after = _tiny_walk().windows.iloc[0]
    assert after["constants"] == row["constants"]
    assert after["simulated_difficulty"] == row["simulated_difficulty"]
    assert after["unchanged_mdape_pct"] != row["unchanged_mdape_pct"]

    # Control: the same change from a month before the start moves the forecast.
    _with_history(monkeypatch, _scaled_history(history, after_s=start_s - 30 * 86_400, factor=1.4))
    before = _tiny_walk().windows.iloc[0]
    assert before["simulated_difficulty"] != row["simulated_difficulty"]
    monkeypatch.undo()

    # The BTC price after the start doubled: the constants are fitted on the past only (the
    # forecast follows the price path it is given, by design, so it may change).
    shipped = MarketInputs.shipped()
    price = shipped.price_usd
    days = price.first_day_s + 86_400.0 * np.arange(price.values.size)
    doubled = DailySeries(
        first_day_s=price.first_day_s,
        values=np.where(days >= start_s - 86_400.0, price.values * 2.0, price.values),
        name=price.name,
    )
    moved = _tiny_walk(
        MarketInputs(price_usd=doubled, fees_btc_per_block=shipped.fees_btc_per_block)
    )
    assert moved.windows.iloc[0]["constants"] == row["constants"]
    assert moved.windows.iloc[0]["simulated_difficulty"] != row["simulated_difficulty"]


# --- the cache, the chart, the command line -----------------------------------------------------


def test_score_cache_round_trip(tmp_path: Path) -> None:
    cache = ScoreCache(tmp_path, "setup")
    score = _score(dt.date(2020, 1, 1), dt.date(2020, 5, 1), 3.0)
    cache.put(PRIOR_CONSTANTS, score)
    cache.save()
    again = ScoreCache(tmp_path, "setup")
    assert again.get(PRIOR_CONSTANTS, dt.date(2020, 1, 1)) == score
    assert again.get(LAG60, dt.date(2020, 1, 1)) is None
    assert ScoreCache(tmp_path, "another setup").get(PRIOR_CONSTANTS, dt.date(2020, 1, 1)) is None
    cache.path.write_text("{not json", encoding="utf-8")
    assert ScoreCache(tmp_path, "setup").get(PRIOR_CONSTANTS, dt.date(2020, 1, 1)) is None


def _fake_result() -> WalkForwardResult:
    starts = monthly_starts(dt.date(2015, 11, 1), dt.date(2016, 2, 1))
    model = [3.0, 8.0, 2.0, 4.0]
    frame = pd.DataFrame({
        "start": starts, "start_height": [0] * 4, "era": [era_of(s) for s in starts],
        "model_mdape_pct": model, "unchanged_mdape_pct": [5.0] * 4,
        "trend_mdape_pct": [6.0] * 4, "price_trend_mdape_pct": [5.5] * 4,
        "beats_unchanged": [m < 5 for m in model], "beats_trend": [m < 6 for m in model],
        "model_wins": [m < 5 for m in model], "beats_price_trend": [m < 5.5 for m in model],
    })  # fmt: skip
    return WalkForwardResult(windows=frame, horizon=8, candidates=(PRIOR_CONSTANTS,))


def test_eras_and_summary() -> None:
    result = _fake_result()
    eras = result.eras().set_index("era")
    # 2015-11 and 2015-12 (3 %, 8 %): one win; 2016-01 and 2016-02 (2 %, 4 %): two.
    assert eras.loc["2012–15", "model_wins"] == 1
    assert eras.loc["2016–19", "model_wins"] == 2
    assert eras.loc["2012–15", "median_model_mdape_pct"] == pytest.approx(5.5)
    summary = result.summary()
    assert (summary["windows"], summary["model_wins"], summary["wins_frac"]) == (2, 2, 1.0)
    # 2016–19 (median 3 %) is below both (5 %, 6 %); 2012–15 (5.5 % ≥ 5 %) is outside 2016–2025.
    assert summary["model_median_below_both_in_every_era"]
    assert not result.summary(first_year=2012)["model_median_below_both_in_every_era"]
    data = json.loads(json.dumps(result.to_json()))
    assert data["windows"][0]["start"] == "2015-11-01"


@pytest.mark.parametrize("suffix", [".html", ".png"])
def test_chart(tmp_path: Path, suffix: str) -> None:
    path = plot_walk_forward(_fake_result(), tmp_path / f"walk{suffix}")
    assert path.stat().st_size > 10_000
    with pytest.raises(InvalidInputError, match=r"use \.html or \.png"):
        plot_walk_forward(_fake_result(), tmp_path / "walk.pdf")


def test_cli_walk_forward(tmp_path: Path) -> None:
    chart = tmp_path / "wf.html"
    run = runner.invoke(app, ["backtest", "--from", "2013-06-01", "--to", "2013-07-01",
                              "--horizon", "1", "--every", "1month", "--json", "--no-cache",
                              "--chart", str(chart)])  # fmt: skip
    assert run.exit_code == 0, run.output

    def refuse(constant: str) -> None:
        raise ValueError(constant)

    data = json.loads(run.stdout, parse_constant=refuse)  # strict JSON: no NaN/Infinity
    assert data["windows"][0]["calibration_loss"] is None  # no earlier window to calibrate on
    assert [w["start"] for w in data["windows"]] == ["2013-06-01", "2013-07-01"]
    assert {"model_mdape_pct", "price_trend_mdape_pct", "constants", "era"} <= set(
        data["windows"][0]
    )
    assert not data["windows"][0]["constants_fitted"]  # nothing before June 2013 to fit on
    assert chart.exists()


def test_cli_walk_forward_bad_input(tmp_path: Path) -> None:
    args = ["backtest", "--from", "2016-01-01", "--to", "2016-03-01", "--horizon", "2"]
    run = runner.invoke(app, [*args, "--every", "fortnight"])
    assert run.exit_code == 2
    assert "--every 'fortnight'" in run.output
    run = runner.invoke(app, [*args, "--paths", "5"])
    assert run.exit_code == 2
    assert "--paths applies to a single backtest" in run.output
    run = runner.invoke(app, [*args, "--chart", str(tmp_path / "x.pdf")])
    assert run.exit_code == 2
    assert "use a .html or .png file" in run.output
