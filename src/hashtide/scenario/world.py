"""Running a scenario on the world market (``network.response: market``, the default).

Every variant runs through :func:`hashtide.market.simulate` from the real state: the fleet is
rebuilt by region and vintage at the newest retarget period that began by the start date (for a
future start: the newest the shipped history holds), the entry rule and supply pace are fitted
on data before it, and the market then moves day by day — through the months between the end of
the history and a future start too — with machines on sale from the catalog, running or switched
off by cost, bought, retired and scrapped. Halvings act on every cohort through hashprice (the
subsidy follows the protocol at each path's height). The actor's sites are
:class:`~hashtide.market.StateProgram` actors of the same market, switched on at the pace the
supply limit allows (``actor.machines_per_month``). A start in the past with a ``score`` section
is also scored against the chain (:mod:`hashtide.market.replay`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashtide.energy import Site
from hashtide.engine import path_streams
from hashtide.errors import ScenarioError
from hashtide.hardware import MinerModel
from hashtide.market.behaviour import BehaviourParams
from hashtide.market.data import btc_fees_per_block, btc_price_usd, day_start_s
from hashtide.market.events import (
    Event,
    PowerCut,
    PowerPriceShock,
    RegionalBan,
    StateProgram,
)
from hashtide.market.fleet import WorldFleet
from hashtide.market.history import FEE_AVERAGE_DAYS
from hashtide.market.regions import DEFAULT_REGIONS, Region
from hashtide.market.run import MarketRun, join_runs, simulate, start_fleet
from hashtide.scenario import schema
from hashtide.scenario.accounting import band, by_year, finance, n_years, year_index, yearly_results
from hashtide.scenario.build import profile_of
from hashtide.scenario.results import SiteResult, VariantResult
from hashtide.scenario.world_schema import BanSpec, PowerCutSpec, PriceShockSpec
from hashtide.units import SAT_PER_BTC, SECONDS_PER_DAY, SECONDS_PER_YEAR

FloatArray = npt.NDArray[np.float64]
#: Days in a month, for supply limits written per month.
DAYS_PER_MONTH = 365.25 / 12
_Q = (5, 50, 95)
#: Paths per random-number block: each block draws from its own generators, seeded from the
#: run's seed and the block's index, so chunks of whole blocks give the numbers one run gives.
SEED_BLOCK_PATHS = 100
#: Paths simulated at once by default (whole blocks): bounds a run's memory (about 2 MB per
#: path of a 4-year horizon while its chunk runs; see hashtide.scenario.resources).
CHUNK_PATHS = 500


# --- from the file to model objects ----------------------------------------------------------


def regions_of(network: schema.NetworkSpec) -> tuple[Region, ...]:
    """:data:`DEFAULT_REGIONS` with the scenario's overrides applied."""
    out = []
    for region in DEFAULT_REGIONS:
        override = network.regions.get(region.key)
        if override is None:
            out.append(region)
            continue
        changes: dict[str, object] = {}
        if override.power_price is not None:
            changes["power_price_usd_per_kwh"] = override.power_price
        if override.spread is not None:
            changes["power_price_spread"] = override.spread
        if override.pue is not None:
            changes["pue"] = override.pue
        if override.availability is not None:
            changes["availability_fracs"] = tuple(override.availability)
        if override.price_factors is not None:
            changes["price_factors"] = tuple(override.price_factors)
        out.append(region.with_overrides(**changes))
    return tuple(out)


def params_of(network: schema.NetworkSpec) -> BehaviourParams:
    """:class:`BehaviourParams` with the scenario's overrides."""
    b = network.behaviour
    base = BehaviourParams()
    return BehaviourParams(
        switch_smoothing_days=(
            b.switch_smoothing if b.switch_smoothing is not None else base.switch_smoothing_days
        ),
        scrap_days=b.scrap_after if b.scrap_after is not None else base.scrap_days,
        lifetime_years=(b.lifetime / 365.25) if b.lifetime is not None else base.lifetime_years,
        lag_days=round(b.lag) if b.lag is not None else base.lag_days,
        fit_days=round(b.fit_window) if b.fit_window is not None else base.fit_days,
        supply_days=round(b.supply_window) if b.supply_window is not None else base.supply_days,
        supply_cap_frac_per_month=(
            b.supply_cap if b.supply_cap is not None else base.supply_cap_frac_per_month
        ),
    )


def events_of(events: Sequence[BanSpec | PowerCutSpec | PriceShockSpec]) -> tuple[Event, ...]:
    """The scenario's events as model objects."""
    out: list[Event] = []
    for e in events:
        if isinstance(e, BanSpec):
            out.append(
                RegionalBan(
                    name=e.name,
                    regions=tuple(e.regions),
                    start=e.start,
                    ramp_days=e.ramp,
                    stop_frac=e.stop,
                    relocate_frac=e.relocate,
                    covert_frac=e.covert,
                    relocate_to=dict(e.relocate_to),
                    relocate_delay_days=max(e.relocate_delay, 1.0),
                    covert_resume=e.covert_resume,
                    covert_ramp_days=e.covert_ramp,
                )
            )
        elif isinstance(e, PowerCutSpec):
            out.append(
                PowerCut(
                    name=e.name,
                    regions=tuple(e.regions),
                    start=e.start,
                    days=max(e.duration, 1.0),
                    available_frac=e.available,
                )
            )
        else:
            out.append(
                PowerPriceShock(
                    name=e.name,
                    regions=tuple(e.regions),
                    start=e.start,
                    factor=e.factor,
                    ramp_days=e.ramp,
                    end=e.end,
                )
            )
    return tuple(out)


def variant_events(spec: schema.ScenarioSpec, variant: schema.VariantSpec) -> tuple[Event, ...]:
    """The events a variant applies (all, unless it names some)."""
    chosen = [e for e in spec.events if variant.events is None or e.name in variant.events]
    return events_of(chosen)


def ramp_days(machines: int, machines_per_month: int | None) -> float:
    """Days to deliver ``machines`` at ``machines_per_month`` (0: all at the start)."""
    if machines_per_month is None or machines <= 0:
        return 0.0
    return machines / machines_per_month * DAYS_PER_MONTH


def programs_of(
    spec: schema.ScenarioSpec, sites: Sequence[Site], model: MinerModel, start_s: float
) -> tuple[StateProgram, ...]:
    """The actor's sites as state programs of the world market, ramped by the supply limit."""
    if spec.actor is None:
        return ()
    machines = sum(math.floor(s.capacity_w / (s.pue * model.power_w)) for s in sites)
    days = ramp_days(machines, spec.actor.machines_per_month)
    out = []
    for site, site_spec in zip(sites, spec.actor.sites, strict=True):
        if site.capacity_w <= 0:
            continue
        out.append(
            StateProgram(
                name=site.name,
                start=spec.start,
                facility_power_w=site.capacity_w,
                machine=model,
                ramp_days=days,
                pue=site.pue,
                power_price_usd_per_kwh=site.price_usd_per_kwh,
                carbon_intensity_g_per_kwh=site.carbon_intensity_g_per_kwh,
                curtail=site.curtail,
                availability=profile_of(site_spec.availability, start_s),
                lifetime_days=spec.actor.lifetime / SECONDS_PER_DAY,
            )
        )
    return tuple(out)


# --- BTC price and fees ----------------------------------------------------------------------


def price_paths(
    spec: schema.ScenarioSpec,
    n_paths: int,
    seed: np.random.SeedSequence,
    *,
    block_paths: int | None = None,
    first_path: int = 0,
) -> Callable[[FloatArray], tuple[FloatArray, FloatArray]]:
    """The scenario's BTC price per path and day, and its fees per block per day.

    Before the start date (the months between the newest history and a future start) the
    shipped history holds where it exists and is bridged log-linearly to the stated start
    price; from the start the stated model runs (``gbm``: daily log-normal steps with drift
    ``ln(1 + growth) − σ²/2`` a year, so the mean grows at ``growth`` and the median by σ²/2 a
    year less). The same seed gives every variant the same price paths. With ``block_paths``,
    paths ``first_path …`` draw their shocks in blocks of that many paths, each from its own
    generator (:func:`hashtide.engine.path_streams`): a path's price does not depend on which
    other paths are drawn with it.
    """
    price = spec.btc_price
    start_s = day_start_s(spec.start)
    history = btc_price_usd()
    fees_history = btc_fees_per_block()

    def paths(days: FloatArray) -> tuple[FloatArray, FloatArray]:
        days = np.asarray(days, dtype=float)
        if spec.fees == "historical":
            fees = fees_history.trailing_mean(days, FEE_AVERAGE_DAYS)
        else:
            fees = np.full(days.size, float(spec.fees))
        past = np.asarray(history.at(days), dtype=float)
        if price.model == "historical":
            return past[None, :], fees
        after = days >= start_s
        last_s = history.first_day_s + (history.values.size - 1) * SECONDS_PER_DAY
        start_usd = price.start_usd
        if price.model == "series":
            times = np.array([day_start_s(p.date) for p in price.points])
            values = np.array([p.price for p in price.points])
            k = np.searchsorted(times, days, side="right") - 1
            model = np.where(k >= 0, values[np.clip(k, 0, values.size - 1)], past)
            return model[None, :], fees
        # Bridge from the newest history to the start price.
        bridge = (days > last_s) & ~after
        if bridge.any() and start_s > last_s:
            last_usd = float(history.values[-1])
            w = (days[bridge] - last_s) / (start_s - last_s)
            past = past.copy()
            past[bridge] = np.exp((1 - w) * math.log(last_usd) + w * math.log(start_usd))
        years = np.maximum(days - start_s, 0.0) / SECONDS_PER_YEAR
        growth = price.growth if price.model in ("growth", "gbm") else 0.0
        sigma = price.volatility if price.model == "gbm" else 0.0
        log_mid = math.log(start_usd) + (math.log1p(growth) - 0.5 * sigma**2) * years
        out = np.broadcast_to(past, (n_paths if sigma > 0 else 1, days.size)).copy()
        if sigma > 0:
            steps = np.diff(years, prepend=years[0])
            if block_paths is None:
                normal = np.random.default_rng(seed).standard_normal((n_paths, days.size))
            else:
                streams = path_streams(
                    seed, n_paths, block_paths=block_paths, first_path=first_path
                )
                normal = np.concatenate(
                    [rng.standard_normal((size, days.size)) for size, rng in streams]
                )
            shocks = normal * np.sqrt(steps)[None, :]
            walk = np.cumsum(shocks, axis=1)
            out[:, after] = np.exp(log_mid[after][None, :] + sigma * walk[:, after])
        else:
            out[:, after] = np.exp(log_mid[after])[None, :]
        return out, fees

    return paths


# --- running and counting --------------------------------------------------------------------


def shared_fleet(spec: schema.ScenarioSpec) -> tuple[WorldFleet, float]:
    """The fleet at the start state (:func:`hashtide.market.run.start_fleet`: the nowcast on
    the start date, sized under the scenario's power cuts under way; newest history for a
    future start) and where the run begins.

    The same start, ``network`` section and events give the same fleet: the last few are kept,
    so the sensitivity reruns that change only the price or fees do not rebuild it.
    """
    network = spec.network
    key = (
        spec.start.isoformat(),
        network.model_dump_json(),
        "|".join(e.model_dump_json() for e in spec.events),
    )
    cached = _FLEETS.get(key)
    if cached is None:
        fleet, now = start_fleet(
            day_start_s(spec.start),
            events=events_of(spec.events),
            regions=regions_of(network),
            params=params_of(network),
        )
        while len(_FLEETS) >= _FLEETS_KEPT:
            del _FLEETS[next(iter(_FLEETS))]
        cached = _FLEETS[key] = (fleet, now.begin_s)
    return cached


#: Fleets rebuilt lately, by start date, network section and events (oldest first).
_FLEETS: dict[tuple[str, str, str], tuple[WorldFleet, float]] = {}
_FLEETS_KEPT = 4


def run_variant(
    spec: schema.ScenarioSpec,
    variant: schema.VariantSpec,
    *,
    fleet: WorldFleet,
    model: MinerModel | None,
    sites: Sequence[Site],
    n_paths: int,
    seed: int,
    mode: str = "monte_carlo",
    chunk_paths: int | None = None,
    block_paths: int = SEED_BLOCK_PATHS,
) -> MarketRun:
    """One variant on the world market (Monte Carlo or the expected path), all paths joined.

    See :func:`variant_chunks` for ``chunk_paths`` and ``block_paths``: the result is the same
    whatever ``chunk_paths``.
    """
    return join_runs(
        list(
            variant_chunks(
                spec,
                variant,
                fleet=fleet,
                model=model,
                sites=sites,
                n_paths=n_paths,
                seed=seed,
                mode=mode,
                chunk_paths=chunk_paths,
                block_paths=block_paths,
            )
        )
    )


def variant_chunks(
    spec: schema.ScenarioSpec,
    variant: schema.VariantSpec,
    *,
    fleet: WorldFleet,
    model: MinerModel | None,
    sites: Sequence[Site],
    n_paths: int,
    seed: int,
    mode: str = "monte_carlo",
    chunk_paths: int | None = None,
    block_paths: int = SEED_BLOCK_PATHS,
) -> Iterator[MarketRun]:
    """One variant on the world market, simulated in chunks of paths (yielded in path order).

    Path ``p`` draws every random number (the engine's and its BTC price's) from the
    generators of its block ``p // block_paths``, seeded from ``seed`` and the block's index
    (:func:`hashtide.engine.path_streams`), and the market treats paths independently: so a
    chunk of whole blocks gives its paths the numbers one run of all paths gives them, and
    the result does not depend on ``chunk_paths`` (default :data:`CHUNK_PATHS`, rounded down
    to whole blocks; at least one block).
    """
    start_s = day_start_s(spec.start)
    end_s = start_s + spec.horizon_s
    engine_seed, price_seed = np.random.SeedSequence(seed).spawn(2)
    programs = programs_of(spec, sites, model, start_s) if model is not None else ()
    events = variant_events(spec, variant) + programs
    monte = mode == "monte_carlo"
    total = n_paths if monte else 1
    chunk = CHUNK_PATHS if chunk_paths is None else chunk_paths
    chunk = max(block_paths, chunk // block_paths * block_paths)
    for first in range(0, total, chunk):
        size = min(chunk, total - first)
        try:
            yield simulate(
                start_s,
                end_time_s=end_s,
                events=events,
                regions=fleet.regions,
                params=params_of(spec.network),
                fleet=fleet,
                mode="monte_carlo" if monte else "expected",
                n_paths=size,
                rng=(
                    path_streams(engine_seed, size, block_paths=block_paths, first_path=first)
                    if monte
                    else None
                ),
                name=variant.name,
                prices=price_paths(
                    spec, size, price_seed, block_paths=block_paths, first_path=first
                ),
            )
        except ValueError as exc:
            raise ScenarioError(f"{spec.scenario}: variant {variant.name!r}: {exc}") from None


#: Per-path figures of a variant (:func:`path_figures`), joined across chunks of paths.
PathFigures = dict[str, FloatArray]


def account(
    spec: schema.ScenarioSpec,
    variant: schema.VariantSpec,
    run: MarketRun,
    sites: Sequence[Site],
    model: MinerModel,
    machine_price_usd: float,
) -> VariantResult:
    """A world-market run's figures for the actor over the horizon."""
    return variant_result(
        spec, variant, path_figures(spec, run, sites, model), sites, model, machine_price_usd
    )


class FigureRows:
    """A variant's per-path figures, written chunk by chunk into arrays of all its paths.

    Each figure is one array of ``n_paths`` rows, allocated when the first chunk arrives and
    filled as the chunks come (in path order); a chunk's own arrays are let go once copied. So
    the variant holds each figure once, in one block of memory: a list of chunk parts joined at
    the end would hold them twice while joining, and hundreds of small parts kept between the
    chunks' large temporaries can fragment the heap (100,000 paths in 500 chunks peaked ~0.4 GB
    above the parts' size, not otherwise explained). The daily share (days per path, most of
    the figures) is kept in single precision and reduced to its median over paths day by day
    (``median_daily_share_frac``, :func:`median_over_paths`), as :func:`variant_result` would
    from the whole array.
    """

    def __init__(self, n_paths: int) -> None:
        self.n_paths = n_paths
        self._rows: PathFigures = {}
        # The daily share, most of the per-path figures, is kept in single precision (7
        # significant digits; 100,000 paths of 4 years: 0.58 GB instead of 1.17), its median
        # taken in double.
        self._daily: npt.NDArray[np.float32] | None = None
        self._filled = 0

    def add(self, chunk: PathFigures) -> None:
        """Copy ``chunk``'s rows in after those added before; empties ``chunk``."""
        if not chunk:
            return
        n = next(iter(chunk.values())).shape[0]
        rows = slice(self._filled, self._filled + n)
        if rows.stop > self.n_paths:
            raise ValueError(f"{rows.stop} rows added to figures of {self.n_paths} paths")
        for key in list(chunk):
            part = chunk.pop(key)
            if key == "daily_share_frac":
                if self._daily is None:
                    self._daily = np.empty((self.n_paths, *part.shape[1:]), dtype=np.float32)
                self._daily[rows] = part
            else:
                if key not in self._rows:
                    self._rows[key] = np.empty((self.n_paths, *part.shape[1:]))
                self._rows[key][rows] = part
            del part
        self._filled += n

    def figures(self) -> PathFigures:
        """Every figure of all the paths (the daily share as its median over paths)."""
        if self._filled != self.n_paths:
            raise ValueError(f"figures of {self._filled} of {self.n_paths} paths added")
        joined = dict(self._rows)
        if self._daily is not None:
            joined["median_daily_share_frac"] = median_over_paths([self._daily])
        self._rows, self._daily = {}, None
        return joined


def join_figures(chunks: Sequence[PathFigures]) -> PathFigures:
    """The per-path figures of chunks of paths, in path order (see :class:`FigureRows`);
    empties ``chunks``' dicts."""
    rows = FigureRows(sum(next(iter(c.values())).shape[0] for c in chunks if c))
    for chunk in chunks:
        rows.add(chunk)
    return rows.figures()


#: Days of the daily share whose median over paths is taken at once (memory: paths × this).
_MEDIAN_DAYS = 64


def median_over_paths(parts: Sequence[npt.NDArray[np.floating[Any]]]) -> FloatArray:
    """``np.nanmedian`` over the paths (axis 0) of ``parts`` stacked, a block of days at a time.

    Each day's median depends on that day's values only, so it is the median of the stacked
    array, without stacking it (the stack of 100,000 paths × 4 years is 1.2 GB).
    """
    n_days = parts[0].shape[1]
    out = np.empty(n_days)
    with np.errstate(all="ignore"):
        for a in range(0, n_days, _MEDIAN_DAYS):
            block = np.concatenate(
                [part[:, a : a + _MEDIAN_DAYS] for part in parts], axis=0, dtype=np.float64
            )
            out[a : a + _MEDIAN_DAYS] = np.nanmedian(block, axis=0)
    return out


def path_figures(
    spec: schema.ScenarioSpec, run: MarketRun, sites: Sequence[Site], model: MinerModel
) -> PathFigures:
    """Everything the variant's result needs, per path (a chunk's paths): the market's daily
    records and the engine's epochs reduced to per-path totals, yearly flows and chart samples,
    so a chunk's run can be dropped once counted."""
    market, sim = run.market, run.sim
    start_s = day_start_s(spec.start)
    end_s = start_s + spec.horizon_s
    years = spec.horizon_s / SECONDS_PER_YEAR
    count = n_years(years)
    days = market.day_s
    inside = (days >= start_s) & (days + SECONDS_PER_DAY <= end_s + 1.0)
    names = market.actor_names
    site_index = [
        names.index(program_actor_name(s.name)) if program_actor_name(s.name) in names else -1
        for s in sites
    ]
    # The horizon's days are one stretch of the grid: views of the records, not copies of
    # (paths, days, actors); a day is NaN for every actor of a path or for none (not reached).
    span = np.flatnonzero(inside)
    stretch = slice(int(span[0]), int(span[-1]) + 1) if span.size else slice(0, 0)
    n_days = int(inside.sum())
    found = [j for j, i in enumerate(site_index) if i >= 0]

    def columns(records: FloatArray) -> FloatArray:
        """The sites' actors' records on the horizon's days, (P, H, S), 0 where none: one
        gather over the records (not one pass over all of them per site)."""
        out = np.zeros((market.n_paths, n_days, len(sites)))
        if found:
            taken = records[:, stretch][:, :, [site_index[j] for j in found]]
            out[:, :, found] = np.nan_to_num(taken, nan=0.0)
        return out

    running = columns(market.running_hs)
    power = columns(market.power_w)
    total = np.nan_to_num(market.running_hs[:, stretch].sum(axis=2), nan=0.0)  # (P, H)
    actor = running.sum(axis=2)
    day_year = year_index(days[inside] + SECONDS_PER_DAY / 2, start_s, years)
    energy_kwh = power * 24.0 / 1000.0  # (P, H, S)
    kwh_price = np.array([s.price_usd_per_kwh for s in sites])
    energy_cost = (energy_kwh * kwh_price).sum(axis=2)  # (P, H)
    intensity = np.array([s.carbon_intensity_g_per_kwh for s in sites])

    # BTC: the engine's blocks per epoch, with the epoch's subsidy (exact) and fees.
    a = np.clip(np.nan_to_num(sim.start_time_s, nan=end_s), start_s, end_s)
    b = np.clip(np.nan_to_num(sim.end_time_s, nan=end_s), start_s, end_s)
    mid = 0.5 * (a + b)
    day_of = np.clip(((mid - days[0]) // SECONDS_PER_DAY).astype(np.int64), 0, days.size - 1)
    fees_btc = market.fees_btc_per_block[day_of]  # (P, E)
    reward = np.zeros((*sim.reward_sat.shape[:2], len(sites)))
    for j, i in enumerate(site_index):
        if i >= 0:
            reward[:, :, j] = np.asarray(sim.reward_sat[:, :, i], dtype=float) / SAT_PER_BTC + (
                np.asarray(sim.blocks[:, :, i], dtype=float) * fees_btc
            )
    btc_epoch = reward.sum(axis=2)  # (P, E)
    price_epoch = np.take_along_axis(market.btc_price_usd, day_of, axis=1)
    revenue_epoch = btc_epoch * price_epoch
    epoch_year = year_index(mid, start_s, years)
    hashprice = np.nan_to_num(market.hashprice[:, inside], nan=np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        share_year = by_year(actor, day_year[None, :], count) / by_year(
            total, day_year[None, :], count
        )
        hp_year = np.stack(
            [
                np.nanmean(np.where(day_year[None, :] == y, hashprice, np.nan), axis=1)
                for y in range(count)
            ],
            axis=1,
        )
        daily_share = np.where(total > 0, actor / total, np.nan)
    frac = _installed_frac(days[inside], start_s, spec, sites, model)
    installed = [
        math.floor(s.capacity_w / (s.pue * model.power_w)) * model.hashrate_hs for s in sites
    ]
    n_paths = total.shape[0]

    def per_site(values: FloatArray, scale: Sequence[float]) -> FloatArray:
        return np.stack(
            [values[:, :, j].sum(axis=1) / scale[j] for j in range(len(sites))], axis=1
        ).reshape(n_paths, len(sites))

    figures: PathFigures = {
        "site_running_hs": running.sum(axis=1),  # (P, S)
        "site_energy_kwh_per_year": per_site(energy_kwh, [years] * len(sites)),
        "site_btc_per_year": per_site(reward, [years] * len(sites)),
        "site_mean_hashrate_hs": per_site(running, [max(n_days, 1)] * len(sites)),
        "site_running_frac": per_site(
            running, [max(float((i * frac).sum()), 1e-300) for i in installed]
        ),
        "btc": btc_epoch.sum(axis=1),
        "energy_cost_usd": energy_cost.sum(axis=1),
        "revenue_usd_by_year": by_year(revenue_epoch, epoch_year, count),
        "energy_usd_by_year": by_year(energy_cost, day_year[None, :], count),
        "btc_by_year": by_year(btc_epoch, epoch_year, count),
        "share_by_year": share_year,
        "hashprice_by_year": hp_year,
        "daily_share_frac": daily_share,
        "actor_mean_hashrate_hs": actor.sum(axis=1) / max(n_days, 1),
        "share_frac": actor.sum(axis=1) / np.maximum(total.sum(axis=1), 1e-300),
        "network_mean_hashrate_hs": total.sum(axis=1) / max(n_days, 1),
        "energy_kwh_per_year": energy_kwh.sum(axis=(1, 2)) / years,
        "co2_kg_per_year": (energy_kwh * intensity).sum(axis=(1, 2)) / 1000 / years,
        "revenue_usd_per_year": revenue_epoch.sum(axis=1) / years,
        "n_days": np.full(n_paths, float(n_days)),
    }
    samples = _series_samples(run, start_s, end_s, inside, actor, total, btc_epoch, hashprice)
    figures.update({f"series_{name}": values for name, values in samples.items()})
    return figures


def variant_result(
    spec: schema.ScenarioSpec,
    variant: schema.VariantSpec,
    figures: PathFigures,
    sites: Sequence[Site],
    model: MinerModel,
    machine_price_usd: float,
) -> VariantResult:
    """The variant's result from the per-path figures of all its paths."""
    if spec.actor is None:  # pragma: no cover - callers check
        raise ScenarioError("no actor to count")
    start_s = day_start_s(spec.start)
    end_s = start_s + spec.horizon_s
    years = spec.horizon_s / SECONDS_PER_YEAR
    intensity = np.array([s.carbon_intensity_g_per_kwh for s in sites])
    net_intensity = np.array([s.net_intensity_g_per_kwh for s in sites])
    # Sites that never run: idle, left out of installed hashrate and capex.
    idle = np.median(figures["site_running_hs"], axis=0) <= 0.0
    machines = [math.floor(s.capacity_w / (s.pue * model.power_w)) for s in sites]
    installed = np.array(machines, dtype=float) * model.hashrate_hs
    counted = ~idle
    hardware_capex = float(np.sum(np.array(machines)[counted])) * machine_price_usd
    site_capex = float(sum(s.capex_usd for s, c in zip(sites, counted, strict=True) if c))
    capex = hardware_capex + site_capex
    lifetime_years = spec.actor.lifetime / SECONDS_PER_YEAR
    opex_per_year = spec.actor.opex * hardware_capex
    total_btc = figures["btc"]
    total_cost = (
        capex * min(1.0, years / lifetime_years)
        + figures["energy_cost_usd"]
        + (opex_per_year * years)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        cost_per_btc = np.where(total_btc > 0, total_cost / total_btc, np.nan)
    yearly_btc = figures["btc_by_year"]
    money = finance(
        revenue_usd=figures["revenue_usd_by_year"],
        energy_usd=figures["energy_usd_by_year"],
        btc=yearly_btc,
        capex_usd=capex,
        opex_usd_per_year=opex_per_year,
        years=years,
        discount_rate=spec.actor.discount_rate,
    )
    site_results = []
    for j, site in enumerate(sites):
        energy_year = figures["site_energy_kwh_per_year"][:, j]
        site_results.append(
            SiteResult(
                name=site.name,
                fuel=site.fuel,
                facility_power_w=site.capacity_w,
                machines=machines[j],
                installed_hashrate_hs=float(installed[j]),
                mean_hashrate_hs=float(np.median(figures["site_mean_hashrate_hs"][:, j])),
                running_frac=float(np.median(figures["site_running_frac"][:, j])),
                energy_kwh_per_year=float(np.median(energy_year)),
                co2_kg_per_year=float(np.median(energy_year) * intensity[j] / 1000),
                net_co2_kg_per_year=float(np.median(energy_year) * net_intensity[j] / 1000),
                btc_per_year=float(np.median(figures["site_btc_per_year"][:, j])),
                power_cost_usd_per_kwh=site.price_usd_per_kwh,
                intensity_g_per_kwh=float(intensity[j]),
                idle=bool(idle[j]),
            )
        )
    series = _series_frame(
        start_s,
        end_s,
        {k[len("series_") :]: v for k, v in figures.items() if k.startswith("series_")},
    )
    median_share = (
        figures["median_daily_share_frac"]
        if "median_daily_share_frac" in figures
        else median_over_paths([figures["daily_share_frac"]])
    )
    return VariantResult(
        name=variant.name,
        facility_power_w=spec.facility_power_w(variant),
        machines=int(np.sum(np.array(machines)[counted])),
        installed_hashrate_hs=float(installed[counted].sum()),
        mean_hashrate_hs=band(figures["actor_mean_hashrate_hs"]),
        network_share_frac=band(figures["share_frac"]),
        network_hashrate_hs=band(figures["network_mean_hashrate_hs"]),
        btc_per_year=band(total_btc / years),
        cost_usd_per_btc=band(cost_per_btc),
        energy_kwh_per_year=band(figures["energy_kwh_per_year"]),
        co2_kg_per_year=band(figures["co2_kg_per_year"]),
        capex_usd=capex,
        revenue_usd_per_year=band(figures["revenue_usd_per_year"]),
        npv_usd=band(money.npv_usd),
        irr_frac=band(money.irr_frac),
        payback_years=band(money.payback_years),
        break_even_btc_price_usd=band(money.break_even_usd),
        sites=tuple(site_results),
        series=series,
        cash_flow=money.cash_flow,
        network_response="market",
        yearly=yearly_results(
            start_s,
            years,
            hashprice_usd_per_th_day=figures["hashprice_by_year"],
            share_frac=figures["share_by_year"],
            btc=yearly_btc,
        ),
        peak_share_frac=float(np.nanmax(median_share)) if np.isfinite(median_share).any() else 0.0,
    )


def program_actor_name(site_name: str) -> str:
    """The engine actor of the actor's site ``site_name``."""
    return f"program: {site_name}"


def _installed_frac(
    days: FloatArray,
    start_s: float,
    spec: schema.ScenarioSpec,
    sites: Sequence[Site],
    model: MinerModel,
) -> FloatArray:
    """Share of the actor's machines in service on each day: delivered over the supply ramp,
    retired by delivery day one ``actor.lifetime`` later."""
    if spec.actor is None:
        return np.ones(days.size)
    machines = sum(math.floor(s.capacity_w / (s.pue * model.power_w)) for s in sites)
    ramp = ramp_days(machines, spec.actor.machines_per_month)
    life = spec.actor.lifetime
    if ramp <= 0:
        return np.where(days - start_s < life, 1.0, 0.0)
    span = ramp * SECONDS_PER_DAY
    result: FloatArray = np.clip((days - start_s) / span, 0.0, 1.0) - np.clip(
        (days - start_s - life) / span, 0.0, 1.0
    )
    return result


def _series_samples(
    run: MarketRun,
    start_s: float,
    end_s: float,
    inside: npt.NDArray[np.bool_],
    actor: FloatArray,
    total: FloatArray,
    btc_epoch: FloatArray,
    hashprice: FloatArray,
) -> dict[str, FloatArray]:
    """Each path's values on a grid of 61 points across the horizon, per chart column."""
    sim = run.sim
    days = run.market.day_s[inside]
    grid = np.linspace(start_s, end_s, 61)
    k = np.clip(np.searchsorted(days, grid, side="right") - 1, 0, max(days.size - 1, 0))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total > 0, actor / total, np.nan)
    columns: dict[str, FloatArray] = {
        "share_frac": share[:, k],
        "network_hashrate_hs": total[:, k],
        "actor_hashrate_hs": actor[:, k],
        "hashprice_usd_per_th_day": hashprice[:, k],
    }
    difficulty = []
    cumulative = []
    cum = np.cumsum(btc_epoch, axis=1)
    for p in range(sim.start_time_s.shape[0]):
        starts = np.nan_to_num(sim.start_time_s[p], nan=np.inf)
        e = np.clip(np.searchsorted(starts, grid, side="right") - 1, 0, starts.size - 1)
        difficulty.append(sim.difficulty[p, e])
        ends = np.clip(np.nan_to_num(sim.end_time_s[p], nan=end_s), start_s, end_s)
        cumulative.append(
            np.interp(grid, np.concatenate([[start_s], ends]), np.concatenate([[0.0], cum[p]]))
        )
    columns["difficulty"] = np.vstack(difficulty)
    columns["cumulative_btc"] = np.vstack(cumulative)
    return columns


def _series_frame(start_s: float, end_s: float, columns: dict[str, FloatArray]) -> pd.DataFrame:
    """Medians and 5/95 % bands across paths of :func:`_series_samples`' columns."""
    grid = np.linspace(start_s, end_s, 61)
    frame = pd.DataFrame(
        index=pd.DatetimeIndex(pd.to_datetime(grid, unit="s", utc=True), name="time")
    )
    for name, stacked in columns.items():
        with np.errstate(all="ignore"):
            low, mid, high = np.nanpercentile(stacked, _Q, axis=0)
        frame[f"{name}_p5"] = low
        frame[f"{name}_median"] = mid
        frame[f"{name}_p95"] = high
    return frame
