"""Running the world market from the real state at a date: engine + market model + outputs."""

from __future__ import annotations

import copy
import datetime as dt
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashtide.engine import (
    Actor,
    Horizon,
    SimulationInputs,
    SimulationResult,
    StartPoint,
    expected_path,
    monte_carlo,
)
from hashtide.errors import InvalidInputError
from hashtide.market.behaviour import BehaviourParams
from hashtide.market.data import MapQuote
from hashtide.market.events import Event, RegionalBan
from hashtide.market.fleet import WorldFleet, build_fleet
from hashtide.market.history import ChainHistory, MarketInputs
from hashtide.market.nowcast import Nowcast, nowcast, with_bans, with_cuts
from hashtide.market.regions import DEFAULT_REGIONS, Region, region_shares
from hashtide.market.world import (
    Assumption,
    PricePaths,
    WorldMarket,
    ban_baselines,
    ban_in_run,
    ban_network_frac,
    ban_start_shares,
)
from hashtide.protocol import MAINNET
from hashtide.units import SECONDS_PER_DAY

FloatArray = npt.NDArray[np.float64]
Mode = Literal["expected", "monte_carlo"]
_Q = (5.0, 50.0, 95.0)


def start_period(history: ChainHistory, time_s: float) -> int:
    """Index of the newest retarget period that began by ``time_s`` and whose start is known
    from the chain (its first-block time, known or pinned by retargets)."""
    index = int(np.searchsorted(history.start_s, time_s, side="right")) - 1
    if index < 1:
        raise InvalidInputError("the start is before the second retarget period")
    return index


@dataclass(frozen=True, kw_only=True, eq=False)
class MarketRun:
    """One market simulation: the engine's result and the market's daily records.

    Attributes
    ----------
    name : str
    sim : SimulationResult
        Per path and epoch: times, bits, difficulty, hashrate, blocks per actor.
    market : WorldMarket
        Daily records per path: ``running_hs`` and ``power_w`` per actor, ``hashprice``.
    start_index : int
        Row of :func:`hashtide.market.history.chain_history` the run starts in.
    nowcast : Nowcast or None
        The start state: height, present hashrate and its uncertainty
        (:func:`hashtide.market.nowcast.nowcast`).
    """

    name: str
    sim: SimulationResult
    market: WorldMarket
    start_index: int
    nowcast: Nowcast | None = None

    @property
    def actor_names(self) -> tuple[str, ...]:
        """Engine actors: the regions, then the programs."""
        return self.market.actor_names

    def epochs_frame(self) -> pd.DataFrame:
        """Per simulated epoch (a row per epoch; medians and 5/95 % across paths).

        Columns: ``start_height`` (the retarget period's first block, also for a run that
        begins inside the period), ``start_time`` (median, UTC), ``difficulty`` (and
        ``difficulty_p5``, ``difficulty_p95``), ``hashrate_hs`` (the epoch's mean, median
        across paths), ``complete_frac`` (share of paths that finished the epoch).
        """
        sim = self.sim
        difficulty = sim.difficulty
        with np.errstate(all="ignore"):
            low, mid, high = np.nanpercentile(difficulty, _Q, axis=0)
            start = np.nanmedian(sim.start_time_s, axis=0)
            hashrate = np.nanmedian(sim.hashrate_hs, axis=0)
        return pd.DataFrame(
            {
                "start_height": sim.epoch_start_height
                - sim.epoch_start_height % MAINNET.difficulty_adjustment_interval,
                "start_time": pd.to_datetime(np.round(start), unit="s", utc=True),
                "difficulty": mid,
                "difficulty_p5": low,
                "difficulty_p95": high,
                "hashrate_hs": hashrate,
                "complete_frac": sim.complete.mean(axis=0),
            }
        )

    def daily_frame(self) -> pd.DataFrame:
        """Per day (medians across paths): network and regional hashrate, power, CO2.

        Columns: ``hashrate_hs`` (and ``_p5``/``_p95``), ``<actor>_hs`` per actor,
        ``power_w``, ``carbon_intensity_g_per_kwh`` (power-weighted over the regions),
        ``renewable_share_frac`` (power-weighted renewable share of the regions' grids; state
        programs, whose share is not known, left out), ``co2_kg_per_day``,
        ``hashprice_usd_per_th_day``, ``china_share_frac`` (share of the network hashrate in
        regions of mainland China), ``in_transit_hs``, ``covert_waiting_hs``.
        Days no path reached are left out.
        """
        market = self.market
        keep = np.isfinite(market.running_hs).all(axis=2).any(axis=0)
        running = market.running_hs[:, keep]
        power_w = market.power_w[:, keep]
        hashprice = market.hashprice[:, keep]
        transit = market.transit_hs[:, keep]
        waiting = market.covert_waiting_hs[:, keep]
        intensity_g = market.intensity[:, keep]
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            total = running.sum(axis=2)
            total[~np.isfinite(running).all(axis=2)] = np.nan
            power = np.nansum(power_w, axis=2)
            power[~np.isfinite(power_w).all(axis=2)] = np.nan
            co2_g_per_day = np.nansum(power_w * intensity_g.T[None], axis=2) * 24 / 1000
            intensity = co2_g_per_day / (power * 24 / 1000)
            renewable_frac = market.renewable[:, keep].T[None]  # (1, D, A)
            known = np.where(np.isfinite(renewable_frac), power_w, 0.0)
            renewable = np.nansum(known * np.nan_to_num(renewable_frac), axis=2) / np.nansum(
                known, axis=2
            )
            renewable[~np.isfinite(power_w).all(axis=2)] = np.nan
            china = np.array(
                [r.in_china for r in market.fleet.regions] + [False] * len(market.programs)
            )
            china_share = running[:, :, china].sum(axis=2) / total
            low, mid, high = np.nanpercentile(total, _Q, axis=0)
            frame = pd.DataFrame(
                {
                    "hashrate_hs": mid,
                    "hashrate_hs_p5": low,
                    "hashrate_hs_p95": high,
                    "power_w": np.nanmedian(power, axis=0),
                    "carbon_intensity_g_per_kwh": np.nanmedian(intensity, axis=0),
                    "renewable_share_frac": np.nanmedian(renewable, axis=0),
                    "co2_kg_per_day": np.nanmedian(co2_g_per_day, axis=0) / 1000,
                    "hashprice_usd_per_th_day": np.nanmedian(hashprice, axis=0),
                    "china_share_frac": np.nanmedian(china_share, axis=0),
                    "in_transit_hs": np.nanmedian(transit, axis=0),
                    "covert_waiting_hs": np.nanmedian(waiting, axis=0),
                },
                index=pd.DatetimeIndex(
                    pd.to_datetime(market.day_s[keep], unit="s", utc=True), name="day"
                ),
            )
            for a, name in enumerate(market.actor_names):
                frame[f"{name}_hs"] = np.nanmedian(running[:, :, a], axis=0)
        return frame

    def assumptions(self) -> list[Assumption]:
        """Every assumption of the run (behaviour, entry fit, regions, fleet notes)."""
        rows = self.market.assumptions()
        fleet = self.market.fleet
        now = self.nowcast
        if now is None:
            rows.append(
                Assumption(
                    name="network hashrate at start",
                    value=f"{fleet.running_hs / 1e18:,.1f} EH/s",
                    source="given with the fleet",
                )
            )
        else:
            window = (now.window_end_s - now.window_start_s) / SECONDS_PER_DAY
            rows.append(
                Assumption(
                    name="network hashrate at start",
                    value=f"{now.hashrate_hs / 1e18:,.1f} EH/s (± {now.log_sd:.1%}, 1 s.d.)",
                    source=f"nowcast at {_utc(now.begin_s)} ({now.source}, block {now.height:,} "
                    f"next): {now.window_blocks:,} blocks in the {window:.1f} days before "
                    f"({now.window_hashrate_hs / 1e18:,.1f} EH/s), carried to the start by the "
                    f"trend of the last complete periods ({now.growth_per_day:+.2%}/day); "
                    "the spread is that of the same rule's errors over the year before, "
                    "drawn once per Monte Carlo path",
                )
            )
            if now.window_running_frac < 1.0:
                rows.append(
                    Assumption(
                        name="power cuts in the nowcast",
                        value=f"{now.window_running_frac:.0%} of the fleet ran over the window, "
                        f"{now.running_frac:.0%} at the start; fleet sized to "
                        f"{now.uncut_hashrate_hs / 1e18:,.1f} EH/s without cuts",
                        source="the scenario's power cuts that began by the start date",
                    )
                )
            if now.ban_window_frac < 1.0 or now.ban_frac < 1.0:
                rows.append(
                    Assumption(
                        name="bans in the nowcast",
                        value=f"the bans' schedules left {now.ban_window_frac:.0%} of the network "
                        f"before them hashing over the window, {now.ban_frac:.0%} at the start",
                        source="the scenario's bans that began by the start date (their machines "
                        "removed inside the window start in transit or covert, not running)",
                    )
                )
        rows.extend(
            Assumption(name="fleet note", value=note, source="hashtide.market.build_fleet")
            for note in fleet.notes
        )
        return rows


def _utc(time_s: float) -> str:
    return dt.datetime.fromtimestamp(time_s, tz=dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def start_nowcast(
    start_time_s: float,
    *,
    events: Sequence[Event] = (),
    regions: Sequence[Region] = DEFAULT_REGIONS,
    quotes: Sequence[MapQuote] | None = None,
) -> tuple[Nowcast, dict[str, float]]:
    """The nowcast at ``start_time_s`` under the events under way, and the regions' shares
    of its hashrate (see :func:`start_fleet`)."""
    now = nowcast(start_time_s)
    date = dt.datetime.fromtimestamp(now.begin_s, tz=dt.UTC).date()
    shares = region_shares(date, regions, quotes=quotes)
    now = with_cuts(now, events, shares)
    if any(
        isinstance(e, RegionalBan)
        and e.start_s <= start_time_s
        and ban_in_run(e, now.window_start_s)
        for e in events
    ):
        baselines = ban_baselines(events, start_time_s, regions, quotes)
        considered = [(b, base) for b, base in baselines if ban_in_run(b, now.window_start_s)]
        now = with_bans(now, lambda t: ban_network_frac(considered, t))
        shares = ban_start_shares(shares, baselines, now.begin_s, now.uncut_hashrate_hs)
    return now, shares


def start_fleet(
    start_time_s: float,
    *,
    events: Sequence[Event] = (),
    regions: Sequence[Region] = DEFAULT_REGIONS,
    params: BehaviourParams | None = None,
    inputs: MarketInputs | None = None,
    quotes: Sequence[MapQuote] | None = None,
) -> tuple[WorldFleet, Nowcast]:
    """The start state at ``start_time_s``: the nowcast and the fleet rebuilt to run it.

    The fleet is built at the nowcast's ``begin_s`` and sized so that, under the power cuts of
    ``events`` under way then, it runs the nowcast hashrate (cuts inside the nowcast's window
    are taken out of it: :func:`hashtide.market.nowcast.with_cuts`). A ban of ``events`` under
    way at the start (its shutdown, or its machines still in transit or covert) is taken out of
    the nowcast the same way (:func:`hashtide.market.nowcast.with_bans`: machines it removed
    inside the window are on their way at the start, not running), and its regions hold what
    its schedule leaves there (:func:`hashtide.market.world.ban_start_shares`). Only data and
    events dated before ``start_time_s`` are read.
    """
    now, shares = start_nowcast(start_time_s, events=events, regions=regions, quotes=quotes)
    fleet = build_fleet(
        now.begin_s,
        regions=regions,
        params=params,
        quotes=quotes,
        inputs=inputs,
        running_hs=now.uncut_hashrate_hs,
        shares=shares,
        events=events,
    )
    return fleet, now


def simulate(
    start_time_s: float,
    *,
    end_time_s: float | None = None,
    epochs: int | None = None,
    events: Sequence[Event] = (),
    regions: Sequence[Region] = DEFAULT_REGIONS,
    params: BehaviourParams | None = None,
    inputs: MarketInputs | None = None,
    quotes: Sequence[MapQuote] | None = None,
    fleet: WorldFleet | None = None,
    mode: Mode = "expected",
    n_paths: int = 1,
    rng: np.random.Generator | Sequence[tuple[int, np.random.Generator]] | None = None,
    name: str = "run",
    prices: PricePaths | None = None,
) -> MarketRun:
    """Simulate the world market from the real state at ``start_time_s``.

    Parameters
    ----------
    start_time_s : float
        The date [s since 1970 UTC]. The run starts from what was known then
        (:func:`start_fleet`): at the newest midnight whose chain tip is known, with the next
        block (else at the first block of the period in force), from the fleet rebuilt with
        data before it and sized to the nowcast hashrate; in a Monte Carlo each path scales
        the fleet by its own draw of the nowcast's uncertainty.
    end_time_s : float, optional
        Stop at this time; or give ``epochs``: simulate this many periods after the start one.
    events : sequence of events
        Policy events (bans, power cuts, price shocks, programs).
    regions, params, inputs, quotes
        Assumptions (defaults: shipped data and :data:`DEFAULT_REGIONS`).
    fleet : WorldFleet, optional
        A fleet already built by :func:`start_fleet` for the same start (to share it between
        runs).
    mode : {"expected", "monte_carlo"}
        The engine: its expected path (one path, deterministic) or its Monte Carlo.
    n_paths : int
        Monte Carlo paths.
    rng : numpy.random.Generator or list of (paths, Generator)
        Required for the Monte Carlo; a list (:func:`hashtide.engine.path_streams`) gives each
        block of paths its own generator.
    name : str
        For reports.
    prices : callable, optional
        Modelled BTC price paths and fees (:data:`hashtide.market.world.PricePaths`); default
        the shipped history (``inputs``).

    Returns
    -------
    MarketRun
    """
    if (end_time_s is None) == (epochs is None):
        raise InvalidInputError("give exactly one of end_time_s and epochs")
    if fleet is None:
        fleet, now = start_fleet(
            start_time_s,
            events=events,
            regions=regions,
            params=params,
            inputs=inputs,
            quotes=quotes,
        )
    else:
        now, _ = start_nowcast(start_time_s, events=events, regions=fleet.regions, quotes=quotes)
        if abs(fleet.time_s - now.begin_s) > 1.0:
            raise InvalidInputError(
                "the fleet given was not built for the start period (build it with start_fleet)"
            )
    index = now.period_index
    begin_s = now.begin_s
    height = now.height
    if epochs is not None:
        if epochs < 1:
            raise InvalidInputError(f"epochs={epochs!r} must be >= 1")
        first = height - height % 2016
        horizon = Horizon(end_height=first + (epochs + 1) * 2016)
        market_end = begin_s + (epochs + 1) * 2016 * 600.0 * 2.0
    else:
        if end_time_s is None:  # pragma: no cover - narrowed by the check above
            raise InvalidInputError("give end_time_s or epochs")
        if not end_time_s > begin_s:
            raise InvalidInputError("end_time_s must be after the start")
        horizon = Horizon(end_time_s=end_time_s)
        market_end = end_time_s
    n = n_paths if mode == "monte_carlo" else 1
    scale = None
    if mode == "monte_carlo" and isinstance(rng, list | tuple):
        # One block of paths per generator: each block draws its paths' factors first.
        scale = np.concatenate([np.exp(now.log_sd * g.standard_normal(size)) for size, g in rng])
    elif mode == "monte_carlo" and isinstance(rng, np.random.Generator) and n > 1:
        scale = np.exp(now.log_sd * rng.standard_normal(n))
    market = WorldMarket.prepare(
        fleet,
        start_time_s=begin_s,
        start_height=height,
        end_time_s=market_end,
        events=events,
        params=params,
        inputs=inputs,
        n_paths=n,
        prices=prices,
        initial_scale=scale,
        quotes=quotes,
    )
    start = (
        StartPoint(
            height=height,
            time_s=begin_s,
            bits=now.bits,
            epoch_first_block_time_s=now.epoch_first_block_time_s,
        )
        if now.inside_period
        else StartPoint(height=height, time_s=begin_s - 600.0, bits=now.bits)
    )
    inputs_engine = SimulationInputs(
        start=start,
        actors=tuple(Actor(name=a) for a in market.actor_names),
        horizon=horizon,
    )
    if mode == "monte_carlo":
        if rng is None:
            raise InvalidInputError("the Monte Carlo needs rng=np.random.default_rng(seed)")
        sim = monte_carlo(inputs_engine, n_paths=n, rng=rng, market=market)
    elif mode == "expected":
        sim = expected_path(inputs_engine, market=market)
    else:
        raise InvalidInputError(f"mode={mode!r} must be 'expected' or 'monte_carlo'")
    ends = np.nanmax(np.where(np.isfinite(sim.end_time_s), sim.end_time_s, -np.inf), axis=1)
    market.finish(ends)
    return MarketRun(name=name, sim=sim, market=market, start_index=index, nowcast=now)


def join_runs(runs: Sequence[MarketRun]) -> MarketRun:
    """One run of all the paths of ``runs`` (chunks of the same run, in path order).

    Epoch arrays are padded as the engine pads a path that stopped early (NaN, 0, False); the
    market's daily records are stacked. The first chunk's random-stream provenance is kept.
    """
    if len(runs) == 1:
        return runs[0]
    sims = [r.sim for r in runs]
    n_epochs = max(s.epoch_start_height.size for s in sims)
    longest = next(s for s in sims if s.epoch_start_height.size == n_epochs)
    heights = np.unique(np.concatenate([s.halving_heights for s in sims]))

    def padded(name: str, fill: object) -> npt.NDArray[Any]:
        parts = []
        for sim in sims:
            array = getattr(sim, name)
            pad = [(0, 0), (0, n_epochs - array.shape[1])] + [(0, 0)] * (array.ndim - 2)
            parts.append(np.pad(array, pad, constant_values=fill))  # type: ignore[call-overload]
        return np.concatenate(parts, axis=0)

    halving = np.full((sum(s.n_paths for s in sims), heights.size), np.nan)
    row = 0
    for sim in sims:
        for j, h in enumerate(sim.halving_heights):
            halving[row : row + sim.n_paths, np.searchsorted(heights, h)] = sim.halving_time_s[:, j]
        row += sim.n_paths
    sim = SimulationResult(
        kind=longest.kind,
        inputs=longest.inputs,
        rng=sims[0].rng,
        versions=longest.versions,
        epoch_start_height=longest.epoch_start_height.copy(),
        epoch_n_blocks=longest.epoch_n_blocks.copy(),
        start_time_s=padded("start_time_s", np.nan),
        end_time_s=padded("end_time_s", np.nan),
        complete=padded("complete", False),
        bits=padded("bits", 0),
        span_s=padded("span_s", np.nan),
        hashrate_hs=padded("hashrate_hs", np.nan),
        blocks=padded("blocks", 0),
        reward_sat=padded("reward_sat", 0),
        halving_heights=heights.astype(np.int64),
        halving_time_s=halving,
    )
    market = copy.copy(runs[0].market)
    for name in ("running_hs", "power_w", "hashprice", "transit_hs", "covert_waiting_hs"):
        setattr(market, name, np.concatenate([getattr(r.market, name) for r in runs]))
    market.btc_price_usd = np.concatenate([np.asarray(r.market.btc_price_usd) for r in runs])
    market.n_paths = sim.n_paths
    return MarketRun(name=runs[0].name, sim=sim, market=market, start_index=runs[0].start_index)


def date_time_s(day: dt.date) -> float:
    """Midnight UTC of ``day`` [s since 1970 UTC]."""
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC).timestamp()


def days_between(a_s: float, b_s: float) -> int:
    """Whole days from ``a_s`` to ``b_s``."""
    return math.floor((b_s - a_s) / SECONDS_PER_DAY)
