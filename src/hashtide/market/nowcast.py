"""The start of every market run: what the chain showed on the start date, and how sure it was.

A run that starts on a date starts from what was known then. :func:`nowcast` reads

* the retarget period in force (its first block's height, time and bits);
* the chain tip at the newest midnight (UTC) inside that period, from the shipped daily tips
  (:func:`hashtide.chain.daily_tips`): the blocks already found in the period — the run then
  begins at that midnight with the next block, not at the period's first block;
* the work done over the last :data:`WINDOW_DAYS` days up to there (blocks × difficulty, from
  the tips and the periods' first blocks), which gives the present hashrate; without tips, the
  newest complete period's mean;
* the trend of the last :data:`TREND_PERIODS` complete periods, to carry that window's mean
  from its middle to the start;

and states the uncertainty of the result as the spread of the same rule's errors over the
year before the start (each nowcast there against the hashrate the next
:data:`WINDOW_DAYS` days then showed, all of it dated before the start). Nothing after the start
is read: everything is selected by its date before the arithmetic starts.

Events under way at the start are applied by the run (:func:`hashtide.market.run.simulate`):
a power cut is taken out of the window and put back at the start, so that the fleet, under the
cut, runs the nowcast hashrate (:func:`with_cuts`, :func:`cut_running_frac`); a ban's shutdown
the same way, its machines removed inside the window starting in transit or covert
(:func:`with_bans`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashtide.chain import daily_tips
from hashtide.errors import InvalidInputError
from hashtide.market.events import Event, PowerCut
from hashtide.market.history import ChainHistory, chain_history
from hashtide.protocol import MAINNET
from hashtide.protocol.hashrate import HASHES_PER_DIFFICULTY
from hashtide.units import SECONDS_PER_DAY

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Days of blocks the present hashrate is measured over (about 1,000 blocks: a 3 % Poisson
#: error; a week is also the span public hashrate charts average over). Chosen a priori.
WINDOW_DAYS = 7.0
#: Complete periods whose log-linear trend carries the window's mean to the start (about twelve
#: weeks). Chosen a priori.
TREND_PERIODS = 6
#: Days before the start over which the nowcast's own errors give its uncertainty.
ERROR_DAYS = 365
#: Floor of the uncertainty [log]: the Poisson error of a week of blocks.
MIN_LOG_SD = 0.03
_INTERVAL = MAINNET.difficulty_adjustment_interval


@dataclass(frozen=True, kw_only=True)
class Tips:
    """Chain tips at known moments: ``blocks[i]`` blocks had been found before ``time_s[i]``."""

    time_s: FloatArray
    blocks: IntArray

    @classmethod
    def shipped(cls) -> Tips:
        """The shipped daily tips (:func:`hashtide.chain.daily_tips`)."""
        return _shipped_tips()


@functools.cache
def _shipped_tips() -> Tips:
    table = daily_tips()
    epoch = pd.Timestamp(0, tz="UTC")
    times = np.asarray((table["day"] - epoch) / pd.Timedelta(seconds=1), dtype=np.float64)
    blocks = table["tip_height"].to_numpy(dtype=np.int64) + 1
    times.setflags(write=False)
    blocks.setflags(write=False)
    return Tips(time_s=times, blocks=blocks)


@dataclass(frozen=True, kw_only=True)
class Nowcast:
    """The network at the start of a run, from data dated before it.

    Attributes
    ----------
    time_s : float
        The moment asked about [s since 1970 UTC].
    begin_s : float
        Where the run begins: the newest midnight inside the period whose tip is known, else the
        period's first block.
    period_index : int
        Row of :func:`hashtide.market.history.chain_history` in force at ``begin_s``.
    height : int
        The first block to simulate.
    bits : int
        Compact target in force for it.
    epoch_first_block_time_s : int or None
        Header time of the period's first block, when ``height`` is inside the period.
    hashrate_hs : float
        The present network hashrate at ``begin_s`` [H/s] (central estimate).
    log_sd : float
        Standard deviation of its logarithm (the rule's errors over the year before).
    window_start_s, window_end_s : float
        The span the work was measured over [s].
    window_blocks : int
        Blocks found in it.
    window_hashrate_hs : float
        Its mean hashrate [H/s], before the trend correction.
    growth_per_day : float
        The log-linear trend of the last complete periods [1/day].
    source : str
        What the start rests on, in words.
    window_running_frac, running_frac : float
        Share of the fleet the power cuts under way left running, on average over the window
        and at ``begin_s`` (1 without cuts; set by :func:`with_cuts`).
    ban_window_frac, ban_frac : float
        Share of the network before the bans under way that their schedules left hashing, on
        average over the window and at ``begin_s`` (1 without bans; set by :func:`with_bans`).
    """

    time_s: float
    begin_s: float
    period_index: int
    height: int
    bits: int
    epoch_first_block_time_s: int | None
    hashrate_hs: float
    log_sd: float
    window_start_s: float
    window_end_s: float
    window_blocks: int
    window_hashrate_hs: float
    growth_per_day: float
    source: str
    window_running_frac: float = 1.0
    running_frac: float = 1.0
    ban_window_frac: float = 1.0
    ban_frac: float = 1.0

    @property
    def uncut_hashrate_hs(self) -> float:
        """The hashrate the fleet would run without the power cuts [H/s]."""
        return self.hashrate_hs / self.running_frac

    @property
    def inside_period(self) -> bool:
        """The run begins after the period's first block (some of its blocks are known)."""
        return self.epoch_first_block_time_s is not None


def _cumulative_work(history: ChainHistory) -> FloatArray:
    """Work [hashes] done before each period's first block."""
    per_period = history.difficulty * HASHES_PER_DIFFICULTY * _INTERVAL
    result: FloatArray = np.concatenate([[0.0], np.cumsum(per_period)])
    return result


def _work_before(blocks: int, history: ChainHistory, cumulative: FloatArray) -> float:
    """Work done by the first ``blocks`` blocks [hashes]."""
    k = min(blocks // _INTERVAL, history.difficulty.size - 1)
    rest = blocks - k * _INTERVAL
    return float(cumulative[k] + rest * history.difficulty[k] * HASHES_PER_DIFFICULTY)


def _point_estimate(
    time_s: float, history: ChainHistory, tips: Tips, cumulative: FloatArray
) -> tuple[float, int, float, float, int, float, float, str]:
    """(begin, blocks before begin, window start, window end, window blocks, window hashrate,
    growth per second, source) from data dated before ``time_s``."""
    k = int(np.searchsorted(history.start_s, time_s, side="right")) - 1
    if k < TREND_PERIODS + 1:
        raise InvalidInputError("the start leaves too few retarget periods before it")
    first_s = float(history.start_s[k])
    first_blocks = int(history.start_height[k])
    # Known points (time, blocks found before it): the periods' first blocks up to k, and the
    # tips at midnights from the period's start up to the start.
    n_tips = int(np.searchsorted(tips.time_s, time_s, side="right"))
    tip_s = tips.time_s[:n_tips]
    tip_blocks = tips.blocks[:n_tips]
    begin_s, begin_blocks = first_s, first_blocks
    source = "the first block of the period in force"
    if n_tips and tip_s[-1] > first_s and tip_s[-1] > time_s - SECONDS_PER_DAY:
        begin_s = float(tip_s[-1])
        # A counted tip may be a few blocks off: keep it inside the period.
        begin_blocks = int(np.clip(tip_blocks[-1], first_blocks + 1, first_blocks + _INTERVAL - 1))
        source = "the chain tip at 00:00 UTC of the start date"
    points_s = np.concatenate([history.start_s[: k + 1], tip_s])
    points_n = np.concatenate([history.start_height[: k + 1], tip_blocks]).astype(np.int64)
    older = points_s <= begin_s - WINDOW_DAYS * SECONDS_PER_DAY
    if not older.any():
        raise InvalidInputError("no known block a week before the start")
    newest = int(np.flatnonzero(older)[np.argmax(points_s[older])])
    window_s, window_n = float(points_s[newest]), int(points_n[newest])
    work = _work_before(begin_blocks, history, cumulative) - _work_before(
        window_n, history, cumulative
    )
    window_hs = work / (begin_s - window_s)
    # Trend of the complete periods (those whose successor began by the start).
    complete = np.flatnonzero(history.start_s[1 : k + 1] <= begin_s)[-TREND_PERIODS:]
    mid_s = history.start_s[complete] + history.duration_s[complete] / 2.0
    slope = float(np.polyfit(mid_s - mid_s[-1], np.log(history.hashrate_hs[complete]), 1)[0])
    return (
        begin_s,
        begin_blocks,
        window_s,
        begin_s,
        begin_blocks - window_n,
        window_hs,
        slope,
        source,
    )


def _present(window_hs: float, window_s: float, end_s: float, slope: float) -> float:
    return window_hs * math.exp(slope * (end_s - (window_s + end_s) / 2.0))


def nowcast(
    time_s: float,
    *,
    history: ChainHistory | None = None,
    tips: Tips | None = None,
) -> Nowcast:
    """The network hashrate, height and target on ``time_s``, from data dated before it.

    Parameters
    ----------
    time_s : float
        The start [s since 1970 UTC].
    history : ChainHistory, optional
        Retarget periods (default the shipped :func:`chain_history`); only the periods that
        began by ``time_s`` are read.
    tips : Tips, optional
        Chain tips at known moments (default the shipped daily tips); only those before
        ``time_s`` are read.

    Returns
    -------
    Nowcast

    Notes
    -----
    The window's hashrate is ``H_w = Σ_blocks D_b · 2^32 / (t_1 − t_0)`` over the blocks found
    between a known point ``t_0`` at least :data:`WINDOW_DAYS` before the start and the newest
    known point ``t_1`` (the start's midnight, or the period's first block). The present is
    ``H = H_w · exp(g (t_1 − (t_0 + t_1)/2))`` with ``g`` the least-squares slope of the log of
    the last :data:`TREND_PERIODS` complete periods' mean hashrates against their middles. The
    uncertainty is the standard deviation of ``log(H_next / H)`` over the nowcasts made at each
    midnight of the :data:`ERROR_DAYS` days before (where ``H_next`` is the hashrate the
    following :data:`WINDOW_DAYS` days showed, which ended before the start), less the Poisson
    variance of ``H_next`` itself, floored at :data:`MIN_LOG_SD`.

    Examples
    --------
    >>> import datetime as dt
    >>> t = dt.datetime(2021, 5, 2, tzinfo=dt.UTC).timestamp()
    >>> now = nowcast(t)
    >>> now.height  # block 681434 was the tip at 00:00 UTC (getblockstats)
    681435
    >>> round(now.hashrate_hs / 1e18)  # EH/s, the week to 2 May; period 681,408 ran at 179
    158
    """
    shipped = history is None and tips is None
    history = chain_history() if history is None else history
    tips = Tips.shipped() if tips is None else tips
    if not shipped:
        return _nowcast(time_s, history, tips)
    # On the shipped data a nowcast is a function of the time alone: a run's chunks of paths
    # and its variants share it (its error spread alone takes ~0.2 s). Kept with the data it
    # was made from, and used only while those are still what is shipped.
    key = float(time_s)
    hit = _SHIPPED_NOWCASTS.get(key)
    if hit is not None and hit[0] is history and hit[1] is tips:
        return hit[2]
    result = _nowcast(time_s, history, tips)
    if len(_SHIPPED_NOWCASTS) >= 64:
        _SHIPPED_NOWCASTS.clear()
    _SHIPPED_NOWCASTS[key] = (history, tips, result)
    return result


#: Nowcasts on the shipped data (:func:`nowcast`), by time, with the data they were made from.
_SHIPPED_NOWCASTS: dict[float, tuple[ChainHistory, Tips, Nowcast]] = {}


def _nowcast(time_s: float, history: ChainHistory, tips: Tips) -> Nowcast:
    """:func:`nowcast` from the given data."""
    cumulative = _cumulative_work(history)
    begin_s, blocks, w0, w1, n, window_hs, slope, source = _point_estimate(
        time_s, history, tips, cumulative
    )
    hashrate = _present(window_hs, w0, w1, slope)
    k = int(np.searchsorted(history.start_s, begin_s, side="right")) - 1
    inside = blocks % _INTERVAL != 0
    return Nowcast(
        time_s=float(time_s),
        begin_s=begin_s,
        period_index=k,
        height=blocks,
        bits=int(history.bits[k]),
        epoch_first_block_time_s=int(history.start_s[k]) if inside else None,
        hashrate_hs=hashrate,
        log_sd=_log_sd(begin_s, history, tips, cumulative),
        window_start_s=w0,
        window_end_s=w1,
        window_blocks=n,
        window_hashrate_hs=window_hs,
        growth_per_day=slope * SECONDS_PER_DAY,
        source=source,
    )


def _log_sd(begin_s: float, history: ChainHistory, tips: Tips, cumulative: FloatArray) -> float:
    """Spread of the rule's errors over the year before ``begin_s`` (see :func:`nowcast`)."""
    horizon_s = WINDOW_DAYS * SECONDS_PER_DAY
    first = begin_s - ERROR_DAYS * SECONDS_PER_DAY
    days = np.arange(math.floor(first / SECONDS_PER_DAY), math.floor(begin_s / SECONDS_PER_DAY))
    errors = []
    variances = []
    known_s = np.concatenate([history.start_s[history.start_s <= begin_s], tips.time_s])
    known_n = np.concatenate(
        [history.start_height[history.start_s <= begin_s], tips.blocks]
    ).astype(np.int64)
    usable = known_s <= begin_s
    known_s, known_n = known_s[usable], known_n[usable]
    for day in days:
        t = float(day) * SECONDS_PER_DAY
        if t + horizon_s > begin_s:
            break
        try:
            b_s, b_n, w0, w1, _, window_hs, slope, _ = _point_estimate(t, history, tips, cumulative)
        except InvalidInputError:
            continue
        # The outcome: the work of the next week from the same point, from known points only.
        later = (known_s >= b_s + horizon_s) & (known_s <= begin_s)
        if not later.any():
            continue
        j = int(np.flatnonzero(later)[np.argmin(known_s[later])])
        work = _work_before(int(known_n[j]), history, cumulative) - _work_before(
            b_n, history, cumulative
        )
        if known_n[j] <= b_n:
            continue
        outcome = work / (known_s[j] - b_s)
        errors.append(math.log(outcome / _present(window_hs, w0, w1, slope)))
        variances.append(1.0 / float(known_n[j] - b_n))
    if len(errors) < 10:
        return 0.1
    spread = float(np.var(errors)) - float(np.mean(variances))
    return max(MIN_LOG_SD, math.sqrt(max(spread, 0.0)))


def with_cuts(now: Nowcast, events: Sequence[Event], shares: Mapping[str, float]) -> Nowcast:
    """The nowcast under the power cuts among ``events``.

    The window's hashrate is divided by the mean share of the fleet the cuts left running over
    the window (hourly), then multiplied by the share running at the start: a cut that ended
    before the start no longer depresses the present, one under way does. Only cuts that began
    by the start count (a cut announced later was not known then).
    """
    known = tuple(e for e in events if isinstance(e, PowerCut) and e.start_s <= now.time_s)
    if not known:
        return now
    hours = np.arange(now.window_start_s, now.window_end_s, 3600.0) + 1800.0
    window = float(np.mean([cut_running_frac(known, shares, float(t)) for t in hours]))
    at_start = cut_running_frac(known, shares, now.begin_s)
    if not (window > 0.0 and at_start > 0.0):
        covering = [
            e.name for e in known if e.start_s < now.begin_s + 1.0 and e.end_s > now.window_start_s
        ]
        raise InvalidInputError(
            f"the power cuts {covering} leave no machine running "
            + ("over the nowcast's window" if window <= 0.0 else "at the start")
            + ": the hashrate without them cannot be read from the chain"
        )
    uncut = now.hashrate_hs / window
    return replace(
        now,
        hashrate_hs=uncut * at_start,
        window_running_frac=window,
        running_frac=at_start,
    )


def with_bans(now: Nowcast, ban_frac_at: Callable[[float], float]) -> Nowcast:
    """The nowcast under the bans under way: as :func:`with_cuts`, with ``ban_frac_at(t)``
    the share of the network before the bans that their schedules leave hashing at ``t``
    (:func:`hashtide.market.world.ban_network_frac`).

    The window's hashrate is divided by its mean over the window (hourly) and multiplied by its
    value at the start: machines the bans removed inside the window are no longer counted as
    running at the start (the run starts them in transit or covert:
    :func:`hashtide.market.world.ban_aftermath`). The hours of a ban's day count its state
    at that day's midnight (the schedule moves machines once a day).
    """
    hours = np.arange(now.window_start_s, now.window_end_s, 3600.0) + 1800.0
    window = float(np.mean([ban_frac_at(float(t)) for t in hours]))
    at_start = float(ban_frac_at(now.begin_s))
    if window == 1.0 and at_start == 1.0:
        return now
    if not (window > 0.0 and at_start > 0.0):
        raise InvalidInputError("the bans under way leave no machine hashing")
    return replace(
        now,
        hashrate_hs=now.hashrate_hs / window * at_start,
        ban_window_frac=window,
        ban_frac=at_start,
    )


def cut_running_frac(events: Sequence[Event], shares: Mapping[str, float], time_s: float) -> float:
    """Share of the uncut hashrate running at ``time_s`` under the power cuts under way.

    ``Σ_r s_r Π_c a_{c,r}`` over the regions' shares ``s_r`` and the available fractions
    ``a_{c,r}`` of the cuts ``c`` that cover ``time_s`` in region ``r`` (1 where none does).
    """
    running = dict(shares)
    for event in events:
        if isinstance(event, PowerCut) and event.start_s <= time_s < event.end_s:
            for key in event.regions:
                if key in running:
                    running[key] *= event.available_frac
    total = float(sum(shares.values()))
    return float(sum(running.values())) / total if total > 0 else 1.0
