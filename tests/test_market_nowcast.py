"""The start state of a market run: daily chain tips, the nowcast, cuts under way, no look-ahead."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import math
from pathlib import Path

import numpy as np
import pytest

from hashtide.chain import daily_tips
from hashtide.errors import InvalidInputError
from hashtide.market.events import PowerCut
from hashtide.market.history import MarketInputs, chain_history
from hashtide.market.nowcast import Tips, cut_running_frac, nowcast, with_bans, with_cuts
from hashtide.protocol import difficulty

RAW = Path(__file__).resolve().parents[2] / "shared" / "data" / "raw" / "chain"


def _utc(day: str) -> float:
    return dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC).timestamp()


def test_daily_tips_agree_with_the_period_starts() -> None:
    # Independent derivation: a period's first block (height 2016 k, header time t0 from the
    # checkpoint/blockstats table) lies after the tip at the midnight before t0 and no later
    # than the tip at the midnight after it. Exact rows must hold this exactly; counted rows
    # (daily block counts) are off by ±5 blocks against getblockstats (the build's check) and
    # by at most 6 here (the worst of 448 periods; regression snapshot).
    tips = daily_tips()
    midnight = tips["day"].to_numpy(dtype="datetime64[s]").astype(np.int64).astype(float)
    height = tips["tip_height"].to_numpy()
    exact = (tips["source"] == "blockstats").to_numpy()
    assert np.all(np.diff(height) >= 0)
    history = chain_history()
    checked = 0
    for k in np.flatnonzero(history.start_known):
        t0, first = history.start_s[k], int(history.start_height[k])
        i = int(np.searchsorted(midnight, t0)) - 1  # newest midnight before t0
        if i < 0 or i + 1 >= midnight.size or midnight[i + 1] - midnight[i] != 86_400:
            continue
        slack = 0 if exact[i] and exact[i + 1] else 6
        assert height[i] < first + slack, (k, height[i], first)
        assert height[i + 1] >= first - slack, (k, height[i + 1], first)
        checked += 1
    assert checked > 300


@pytest.mark.skipif(not RAW.exists(), reason="raw data not present")
def test_daily_tip_is_the_last_block_before_midnight() -> None:
    # Independent derivation from the raw getblockstats file: the highest block whose header
    # time is before 2021-05-02 00:00 UTC.
    midnight = _utc("2021-05-02")
    best = -1
    with gzip.open(RAW / "btc_blockstats_partial.csv.gz", "rt") as handle:
        next(handle)
        for line in handle:
            height, _, time = line.split(",", 3)[:3]
            if 681_000 <= int(height) <= 682_000 and int(time) < midnight:
                best = max(best, int(height))
    tips = daily_tips().set_index("day")
    assert int(tips.loc["2021-05-02", "tip_height"]) == best == 681_434


def test_nowcast_starts_inside_the_period_from_the_tip() -> None:
    now = nowcast(_utc("2021-05-02"))
    history = chain_history()
    k = history.row_of_height(681_408)
    assert now.period_index == k
    assert now.begin_s == _utc("2021-05-02")
    assert now.height == 681_435  # the tip at midnight was 681,434 (getblockstats)
    assert now.bits == int(history.bits[k])
    # the period's first block: 2021-05-01 20:27:02 UTC (chain_epochs.csv)
    assert now.epoch_first_block_time_s == 1_619_900_822
    assert now.inside_period


def test_nowcast_window_is_the_work_of_the_last_week() -> None:
    # Independent derivation: blocks 680,490 … 681,434 (tips at 2021-04-25 and 2021-05-02
    # midnights, getblockstats) at their periods' difficulties (from the compact bits of
    # periods 679,392 and 681,408), times 2^32, over the 7 days between the midnights.
    now = nowcast(_utc("2021-05-02"))
    d_old = difficulty(0x170BEF93)  # period 679,392's bits
    d_new = difficulty(0x170DA863)  # period 681,408's bits
    history = chain_history()
    assert int(history.bits[history.row_of_height(679_392)]) == 0x170BEF93
    assert int(history.bits[history.row_of_height(681_408)]) == 0x170DA863
    blocks_old = 681_408 - 680_490
    blocks_new = 681_435 - 681_408
    expected = (blocks_old * d_old + blocks_new * d_new) * 2**32 / (7 * 86_400)
    assert now.window_blocks == blocks_old + blocks_new
    assert now.window_hashrate_hs == pytest.approx(expected, rel=1e-9)
    # the trend of the complete periods moves it by well under 1 % over half a week
    assert now.hashrate_hs == pytest.approx(expected, rel=0.01)


def test_nowcast_without_tips_is_the_last_complete_period() -> None:
    # Without block-level data the run begins at the period's first block and the window is
    # the period before: its mean hashrate (chain history), carried half a period by the trend.
    empty = Tips(time_s=np.zeros(0), blocks=np.zeros(0, dtype=np.int64))
    now = nowcast(_utc("2021-05-02"), tips=empty)
    history = chain_history()
    k = history.row_of_height(681_408)
    assert now.begin_s == history.start_s[k]
    assert now.height == 681_408
    assert now.epoch_first_block_time_s is None
    assert now.window_hashrate_hs == pytest.approx(history.hashrate_hs[k - 1], rel=1e-12)


def test_nowcast_uncertainty_is_a_few_percent() -> None:
    # Regression snapshot: the rule's errors over the year before May 2021 spread by about 6 %
    # (a week of blocks alone would give 3 %: 1/sqrt(1,000)).
    now = nowcast(_utc("2021-05-02"))
    assert 0.03 <= now.log_sd <= 0.1
    assert now.log_sd == pytest.approx(0.064, abs=0.005)


def test_nowcast_reads_nothing_after_the_start() -> None:
    # Everything dated after the start is changed: later periods' difficulty and first-block
    # times, later tips. The start state must not move.
    start = _utc("2021-05-10")
    history = chain_history()
    tips = Tips.shipped()
    later = history.start_s > start
    start_s = history.start_s.copy()
    start_s[later] += 3 * 86_400.0
    difficulty_after = np.where(later, history.difficulty * 1.7, history.difficulty)
    duration = np.append(np.diff(start_s), np.nan)
    changed = dataclasses.replace(
        history,
        start_s=start_s,
        difficulty=difficulty_after,
        duration_s=duration,
        hashrate_hs=difficulty_after * 2**32 * 2016 / duration,
    )
    moved = tips.time_s > start
    changed_tips = Tips(time_s=tips.time_s, blocks=np.where(moved, tips.blocks + 300, tips.blocks))
    a = nowcast(start, history=history, tips=tips)
    b = nowcast(start, history=changed, tips=changed_tips)
    assert a == b


def test_start_fleet_reads_nothing_after_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    # The whole start state (nowcast, rebuilt fleet, shares) with the chain after the start and
    # the BTC price after it changed: identical.
    import hashtide.market.fleet as fleet_module
    import hashtide.market.nowcast as nowcast_module
    from hashtide.market.data import DailySeries
    from hashtide.market.run import start_fleet

    start = _utc("2021-05-10")
    shipped = MarketInputs.shipped()
    base_fleet, base_now = start_fleet(start, inputs=shipped)

    history = chain_history()
    later = history.start_s > start
    difficulty_after = np.where(later, history.difficulty * 0.5, history.difficulty)
    changed = dataclasses.replace(
        history,
        difficulty=difficulty_after,
        hashrate_hs=np.where(later, history.hashrate_hs * 0.5, history.hashrate_hs),
    )
    tips = Tips.shipped()
    changed_tips = Tips(
        time_s=tips.time_s, blocks=np.where(tips.time_s > start, tips.blocks + 500, tips.blocks)
    )
    monkeypatch.setattr(fleet_module, "chain_history", lambda: changed)
    monkeypatch.setattr(nowcast_module, "chain_history", lambda: changed)
    monkeypatch.setattr(nowcast_module, "_shipped_tips", lambda: changed_tips)
    price = shipped.price_usd
    days = price.first_day_s + 86_400.0 * np.arange(price.values.size)
    doubled = DailySeries(
        first_day_s=price.first_day_s,
        values=np.where(days > start, price.values * 2.0, price.values),
    )
    inputs = dataclasses.replace(shipped, price_usd=doubled)
    fleet, now = start_fleet(start, inputs=inputs)
    assert now == base_now
    np.testing.assert_array_equal(fleet.capacity_hs, base_fleet.capacity_hs)
    assert fleet.smoothed_hashprice_usd_per_th_day == base_fleet.smoothed_hashprice_usd_per_th_day
    assert fleet.shares == base_fleet.shares


def test_cut_running_frac_and_with_cuts() -> None:
    # Independent derivation: half the fleet in a region whose cut leaves 40 % running runs
    # 0.5 + 0.5 × 0.4 = 70 % of the uncut hashrate.
    shares = {"a": 0.5, "b": 0.5}
    start = _utc("2021-05-02")
    cut = PowerCut(
        name="cut", regions=("a",), start=dt.date(2021, 4, 2), days=31.0, available_frac=0.4
    )
    assert cut_running_frac([cut], shares, start) == pytest.approx(0.7, rel=1e-12)
    assert cut_running_frac([cut], shares, start + 2 * 86_400.0) == 1.0
    now = nowcast(start)
    # under way over the whole window and at the start: the fleet is the nowcast / 0.7
    cut_now = with_cuts(now, [cut], shares)
    assert cut_now.hashrate_hs == pytest.approx(now.hashrate_hs, rel=1e-12)
    assert cut_now.uncut_hashrate_hs == pytest.approx(now.hashrate_hs / 0.7, rel=1e-12)
    # ended before the window: no effect; announced after the start: not known, no effect
    old = dataclasses.replace(cut, start=dt.date(2021, 3, 1), days=30.0)
    future = dataclasses.replace(cut, start=dt.date(2021, 5, 3), days=5.0)
    assert with_cuts(now, [old, future], shares) == now
    # ended half-way through the window: the window ran at 0.85 on average, the start at 1
    middle_s = (now.window_start_s + now.window_end_s) / 2
    half = dataclasses.replace(cut, days=(middle_s - cut.start_s) / 86_400.0)
    half_now = with_cuts(now, [half], shares)
    assert half_now.window_running_frac == pytest.approx(0.85, abs=1e-3)
    assert half_now.hashrate_hs == pytest.approx(now.hashrate_hs / 0.85, rel=1e-3)


def test_monte_carlo_paths_carry_the_nowcast_uncertainty() -> None:
    # Each path's fleet is scaled by exp(σ z): the spread of the first day's network hashrate
    # across 64 paths estimates σ (sampling error of a s.d. from 64 draws ≈ 9 %; allow 35 %).
    from hashtide.market.run import simulate

    start = _utc("2021-05-02")
    run = simulate(start, epochs=1, mode="monte_carlo", n_paths=64, rng=np.random.default_rng(5))
    assert run.nowcast is not None
    market = run.market
    day = math.floor((start - market.day_s[0]) / 86_400.0)
    first = market.running_hs[:, day].sum(axis=1)
    spread = float(np.std(np.log(first), ddof=1))
    assert spread == pytest.approx(run.nowcast.log_sd, rel=0.35)
    # the engine began inside the period: its first epoch is the rest of period 681,408
    assert int(run.sim.epoch_start_height[0]) == 681_435
    assert int(run.epochs_frame()["start_height"].iloc[0]) == 681_408


def test_with_cuts_refuses_a_cut_that_stops_everything() -> None:
    # A cut with nothing available in every region over the window: the hashrate without it
    # cannot be read from the chain (it would divide by 0).
    start = _utc("2021-05-02")
    shares = {"a": 0.5, "b": 0.5}
    dark = PowerCut(
        name="dark", regions=("a", "b"), start=dt.date(2021, 4, 2), days=40.0, available_frac=0.0
    )
    with pytest.raises(InvalidInputError, match="dark"):
        with_cuts(nowcast(start), [dark], shares)


def test_with_bans_takes_the_removed_machines_out_of_the_window() -> None:
    # Independent derivation: the bans leave 1 of the pre-ban network hashing over the first
    # half of the window and 0.6 from its middle on (0.8 on average); at the start 0.6. The
    # window's hashrate is 0.8 of the unbanned one, the present 0.6: nowcast / 0.8 × 0.6.
    now = nowcast(_utc("2021-05-02"))
    middle = (now.window_start_s + now.window_end_s) / 2

    def frac(t: float) -> float:
        return 1.0 if t < middle else 0.6

    banned = with_bans(now, frac)
    assert banned.ban_window_frac == pytest.approx(0.8, abs=1e-3)
    assert banned.ban_frac == 0.6
    assert banned.hashrate_hs == pytest.approx(now.hashrate_hs / 0.8 * 0.6, rel=1e-3)
    # No ban under way: unchanged.
    assert with_bans(now, lambda t: 1.0) == now


def test_nowcast_on_the_shipped_data_is_made_once_and_follows_the_data(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Reference: the nowcast from the same data passed explicitly (never cached).
    import hashtide.market.nowcast as nowcast_module

    start = _utc("2021-05-10")
    first = nowcast(start)
    assert nowcast(start) is first  # the chunks of a run share it
    assert first == nowcast(start, history=chain_history(), tips=Tips.shipped())
    # Other data in place of the shipped (as the tests above patch it): made again from it.
    history = chain_history()
    changed = dataclasses.replace(history, difficulty=history.difficulty * 2.0)
    monkeypatch.setattr(nowcast_module, "chain_history", lambda: changed)
    again = nowcast(start)
    assert again is not first
    assert again == nowcast(start, history=changed, tips=Tips.shipped())
    assert again.hashrate_hs == pytest.approx(2.0 * first.hashrate_hs, rel=1e-12)
