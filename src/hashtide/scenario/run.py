"""Running a scenario: every variant through the Monte Carlo engine, then the accounting."""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashtide import __version__
from hashtide.economics import irr_paths, npv_usd_paths, payback_years_paths
from hashtide.energy import Site
from hashtide.engine import (
    Actor,
    Horizon,
    SimulationInputs,
    SimulationResult,
    Trajectory,
    monte_carlo,
)
from hashtide.scenario import schema
from hashtide.scenario.build import (
    NetworkStart,
    day_grid,
    miner_of,
    network_start,
    scenario_start_s,
    sites_of,
)
from hashtide.scenario.claims import check_claims
from hashtide.scenario.market import PricePaths, ScenarioMarket
from hashtide.scenario.resources import (
    CHUNK_PATHS,
    DEFAULT_MAX_MEMORY_BYTES,
    SERIES_POINTS,
    check_resources,
)
from hashtide.scenario.results import Band, ScenarioResult, SiteResult, VariantResult
from hashtide.units import J_PER_KWH, SAT_PER_BTC, SECONDS_PER_YEAR

FloatArray = npt.NDArray[np.float64]
REST = "rest of the world"
_Q = (5, 50, 95)

#: progress(variant_index, variant_count, epochs_done, epochs_expected)
Progress = Callable[[int, int, int, int], None]


def _midnight_s(day: dt.date) -> float:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC).timestamp()


def _price_paths(spec: schema.ScenarioSpec, start_s: float, rng: np.random.Generator) -> PricePaths:
    """The scenario's BTC price model, drawing its shocks (GBM) from ``rng``."""
    price = spec.btc_price
    series = price.points if price.model == "series" else []
    return PricePaths(
        start_s=start_s,
        start_usd=price.start_usd,
        growth_per_year=price.growth if price.model in ("growth", "gbm") else 0.0,
        volatility_per_year=price.volatility if price.model == "gbm" else 0.0,
        rng=rng,
        series_s=np.array([_midnight_s(p.date) for p in series]) if series else None,
        series_usd=np.array([p.price for p in series]) if series else None,
    )


def _band(values: FloatArray) -> Band:
    finite = np.asarray(values, dtype=float)
    if not np.any(np.isfinite(finite)):  # e.g. cost per BTC when nothing is mined
        return Band(p5=math.nan, median=math.nan, p95=math.nan, mean=math.nan)
    if np.any(np.isposinf(finite)):
        # Values may be +inf ("never", e.g. payback): rank them as the largest, and take sample
        # values as quantiles, since interpolating towards infinity means nothing.
        big = np.finfo(float).max
        quantiles = np.nanpercentile(np.where(np.isposinf(finite), big, finite), _Q, method="lower")
        p5, p50, p95 = (math.inf if q >= big else float(q) for q in quantiles)
    else:
        p5, p50, p95 = (float(q) for q in np.nanpercentile(finite, _Q))
    return Band(p5=p5, median=p50, p95=p95, mean=float(np.nanmean(finite)))


def _cumulative_availability(daily: FloatArray, grid_s: FloatArray) -> FloatArray:
    """∫ availability dt from the grid's first day to each grid day [s], per site."""
    day = grid_s[1] - grid_s[0]
    return np.concatenate([np.zeros((daily.shape[0], 1)), np.cumsum(daily, axis=1) * day], axis=1)[
        :, :-1
    ]


def _integral(cum: FloatArray, grid_s: FloatArray, a: FloatArray, b: FloatArray) -> FloatArray:
    """∫ availability over [a, b] per site, for arrays of a and b (any shape) [s]."""
    out = []
    for row in cum:
        out.append(np.interp(b, grid_s, row) - np.interp(a, grid_s, row))
    return np.stack(out, axis=-1)


def chunk_seeds(seed: int, chunk: int) -> tuple[np.random.SeedSequence, np.random.SeedSequence]:
    """The engine's and the price model's seeds for paths chunk ``chunk`` of a run.

    Each chunk of :data:`CHUNK_PATHS` paths draws from its own streams, spawned from ``seed``
    and keyed by the chunk's index, so a path's numbers depend only on the seed and on which
    chunk it is in — not on how many chunks there are, the order they run in, or where.
    """
    root = np.random.SeedSequence(entropy=seed, spawn_key=(chunk,))
    engine, price = root.spawn(2)
    return engine, price


def run_scenario(
    spec: schema.ScenarioSpec,
    *,
    n_paths: int | None = None,
    seed: int | None = None,
    progress: Progress | None = None,
    max_memory_bytes: float | None = DEFAULT_MAX_MEMORY_BYTES,
) -> ScenarioResult:
    """Run every variant of ``spec`` and return its figures, series and claim checks.

    Parameters
    ----------
    spec : ScenarioSpec
        A validated scenario (:func:`hashtide.scenario.load_scenario`).
    n_paths, seed : int, optional
        Override the scenario's Monte Carlo paths and seed.
    progress : callable, optional
        ``progress(variant, variants, epochs_done, epochs_expected)`` after every epoch.
    max_memory_bytes : float or None
        Refuse (:class:`~hashtide.errors.ResourceLimitError`, with the estimate) a run whose
        estimated peak memory is above this [bytes]; ``None``: no limit.

    Notes
    -----
    The network starts from the newest real retarget period that began by the scenario's start
    date; the actor's machines are deployed at the start date and the horizon counts from it.
    Every variant uses the same random numbers (common random numbers), so differences between
    variants are not noise. Costs per BTC spread the hardware cost over the machines' lifetime
    (straight line) and charge the horizon's share of it; site costs likewise.

    Paths run in chunks of :data:`CHUNK_PATHS` (see :func:`chunk_seeds`): memory stays bounded
    by one chunk's epochs plus a few numbers per path, and the same seed gives the same result
    however the chunks are run.
    """
    n_paths = spec.paths if n_paths is None else n_paths
    seed = spec.seed if seed is None else seed
    check_resources(spec, n_paths, max_memory_bytes=max_memory_bytes)
    start_s = scenario_start_s(spec)
    end_s = start_s + spec.horizon
    years = spec.horizon / SECONDS_PER_YEAR
    net = network_start(start_s)
    model, machine_price = miner_of(spec.actor)
    network_hashrate = (
        net.implied_hashrate_hs if spec.network.hashrate == "from-chain" else spec.network.hashrate
    )
    variants = spec.variants or [
        # Already-validated figures in base units: constructed, not re-parsed as text.
        schema.VariantSpec.model_construct(
            name="base", facility_power=spec.actor.facility_power or 0.0
        )
    ]
    epochs_expected = math.ceil((end_s - net.start.time_s) / (14 * 86_400.0)) + 1
    n_chunks = math.ceil(n_paths / CHUNK_PATHS)
    results = []
    for index, variant in enumerate(variants):
        sites = sites_of(spec.actor, variant.facility_power, start_s)
        machines = [math.floor(s.capacity_w / (s.pue * model.power_w)) for s in sites]
        parts = []
        for chunk in range(n_chunks):
            size = min(CHUNK_PATHS, n_paths - chunk * CHUNK_PATHS)

            def report(epoch: int, index: int = index, chunk: int = chunk) -> None:
                if progress is not None:
                    progress(
                        index,
                        len(variants),
                        chunk * epochs_expected + min(epoch + 1, epochs_expected),
                        n_chunks * epochs_expected,
                    )

            parts.append(
                simulate_chunk(
                    spec,
                    sites=sites,
                    machines=machines,
                    chunk=chunk,
                    n_paths=size,
                    seed=seed,
                    net=net,
                    network_hashrate_hs=network_hashrate,
                    progress=report,
                )
            )
        results.append(_variant_result(variant, sites, machines, model.hashrate_hs, parts))
    assumptions = _assumptions(spec, net, model.model, machine_price, network_hashrate)
    result = ScenarioResult(
        scenario=spec.scenario,
        description=spec.description,
        actor=spec.actor.name,
        start_time_s=start_s,
        horizon_years=years,
        n_paths=n_paths,
        seed=seed,
        start_height=net.start.height,
        start_difficulty=net.difficulty,
        start_network_hashrate_hs=network_hashrate,
        btc_price_usd=float(
            _price_paths(spec, start_s, np.random.default_rng(0)).baseline_usd(np.array([start_s]))[
                0
            ]
        ),
        machine_model=model.model,
        machine_hashrate_hs=model.hashrate_hs,
        machine_power_w=model.power_w,
        machine_price_usd=machine_price,
        fees_btc_per_block=spec.fees,
        assumptions=assumptions,
        variants=tuple(results),
        versions={"hashtide": __version__, "numpy": np.__version__},
    )
    return ScenarioResult(**{**result.__dict__, "claims": check_claims(spec, result)})


def simulate_chunk(
    spec: schema.ScenarioSpec,
    *,
    sites: list[Site],
    machines: list[int],
    chunk: int,
    n_paths: int,
    seed: int,
    net: NetworkStart | None = None,
    network_hashrate_hs: float | None = None,
    progress: Callable[[int], None] | None = None,
) -> PathFigures:
    """Simulate paths chunk ``chunk`` of one variant (``sites``, ``machines``): its figures.

    The chunk draws from :func:`chunk_seeds` ``(seed, chunk)``; ``n_paths`` is at most
    :data:`CHUNK_PATHS` (fewer for the last chunk).
    """
    start_s = scenario_start_s(spec)
    end_s = start_s + spec.horizon
    net = network_start(start_s) if net is None else net
    if network_hashrate_hs is None:
        network_hashrate_hs = (
            net.implied_hashrate_hs
            if spec.network.hashrate == "from-chain"
            else spec.network.hashrate
        )
    model, machine_price = miner_of(spec.actor)
    fees_sat = spec.fees * SAT_PER_BTC
    grid_s = day_grid(net.start.time_s - 86_400.0, end_s + 400 * 86_400.0)
    engine_seed, price_seed = chunk_seeds(seed, chunk)
    market = ScenarioMarket(
        sites=sites,
        machines=machines,
        machine_hashrate_hs=model.hashrate_hs,
        machine_power_w=model.power_w,
        deployed_s=start_s,
        network_start_s=net.period_start_s,
        network_hashrate_hs=network_hashrate_hs,
        network_growth_per_year=spec.network.growth,
        elasticity=spec.network.response_elasticity,
        fees_sat_per_block=fees_sat,
        prices=_price_paths(spec, start_s, np.random.default_rng(price_seed)),
        grid_s=grid_s,
        progress=progress,
    )
    actors = (
        Actor(name=REST, hashrate=Trajectory.constant(network_hashrate_hs)),
        *tuple(Actor(name=f"site: {s.name}", hashrate=Trajectory.constant(0.0)) for s in sites),
    )
    inputs = SimulationInputs(
        start=net.start,
        actors=actors,
        horizon=Horizon(end_time_s=end_s),
        fees=round(fees_sat),
    )
    sim = monte_carlo(
        inputs, n_paths=n_paths, rng=np.random.default_rng(engine_seed), market=market
    )
    return _path_figures(
        spec, sites, machines, model.hashrate_hs, model.power_w, machine_price, market, sim
    )


@dataclass(frozen=True, kw_only=True, eq=False)
class PathFigures:
    """One chunk's figures per path, enough to make a :class:`VariantResult` from all chunks.

    Arrays have the chunk's paths on their first axis; ``series`` holds each chart quantity
    sampled on :data:`SERIES_POINTS` times across the horizon, shape (P, SERIES_POINTS).
    """

    start_s: float
    horizon_s: float
    years: float
    capex_usd: float
    opex_usd_per_year: FloatArray  # (Y,) shared by all paths
    npv_usd: FloatArray
    irr_frac: FloatArray
    payback_years: FloatArray
    break_even_usd: FloatArray
    btc: FloatArray
    cost_usd_per_btc: FloatArray
    actor_work_h: FloatArray
    rest_work_h: FloatArray
    revenue_usd: FloatArray
    yearly_revenue_usd: FloatArray  # (P, Y)
    yearly_energy_usd: FloatArray  # (P, Y)
    site_work_h: FloatArray  # (P, S)
    site_running_s: FloatArray  # (P, S)
    site_energy_kwh: FloatArray  # (P, S)
    site_btc: FloatArray  # (P, S)
    series: dict[str, FloatArray]

    @property
    def n_paths(self) -> int:
        """Paths in the chunk."""
        return int(self.btc.size)

    @staticmethod
    def concat(parts: list[PathFigures]) -> PathFigures:
        """The figures of several chunks of the same variant, their paths in order."""
        first = parts[0]
        arrays = {
            name: np.concatenate([getattr(p, name) for p in parts])
            for name in (
                "npv_usd",
                "irr_frac",
                "payback_years",
                "break_even_usd",
                "btc",
                "cost_usd_per_btc",
                "actor_work_h",
                "rest_work_h",
                "revenue_usd",
                "yearly_revenue_usd",
                "yearly_energy_usd",
                "site_work_h",
                "site_running_s",
                "site_energy_kwh",
                "site_btc",
            )
        }
        series = {k: np.concatenate([p.series[k] for p in parts]) for k in first.series}
        return PathFigures(
            start_s=first.start_s,
            horizon_s=first.horizon_s,
            years=first.years,
            capex_usd=first.capex_usd,
            opex_usd_per_year=first.opex_usd_per_year,
            series=series,
            **arrays,
        )


def _path_figures(
    spec: schema.ScenarioSpec,
    sites: list[Site],
    machines: list[int],
    machine_hashrate_hs: float,
    machine_power_w: float,
    machine_price_usd: float,
    market: ScenarioMarket,
    sim: SimulationResult,
) -> PathFigures:
    """Turn one chunk's simulation and market records into per-path figures."""
    start_s = scenario_start_s(spec)
    end_s = start_s + spec.horizon
    years = spec.horizon / SECONDS_PER_YEAR
    n_epochs = sim.start_time_s.shape[1]
    records = market.records[:n_epochs]
    running = np.stack([r.running for r in records], axis=1)  # (P, E, S)
    factor = np.stack([r.rest_factor for r in records], axis=1)  # (P, E)
    price = np.stack([r.price_usd for r in records], axis=1)  # (P, E)
    hashprice = np.stack([r.hashprice_usd_per_th_day for r in records], axis=1)
    a = np.clip(np.nan_to_num(sim.start_time_s, nan=end_s), start_s, end_s)
    b = np.clip(np.nan_to_num(sim.end_time_s, nan=end_s), start_s, end_s)
    cum = _cumulative_availability(market.daily_availability, market.grid_s)
    avail_s = _integral(cum, market.grid_s, a, b)  # (P, E, S) [s]
    installed = np.array(machines, dtype=float) * machine_hashrate_hs
    site_work = installed * avail_s * running  # (P, E, S) [H]
    rest_work = market.baseline_hashrate_hs(0.5 * (a + b)) * factor * (b - a)
    actor_work = site_work.sum(axis=2)
    it_power = np.array(machines, dtype=float) * machine_power_w
    pue = np.array([s.pue for s in sites])
    energy_kwh = it_power * pue * avail_s * running / J_PER_KWH  # (P, E, S)
    kwh_price = np.array([s.price_usd_per_kwh for s in sites])
    energy_cost = (energy_kwh * kwh_price).sum(axis=2)  # (P, E)
    reward_btc = np.asarray(sim.reward_sat, dtype=float)[:, :, 1:] / SAT_PER_BTC  # (P, E, S)
    btc = reward_btc.sum(axis=2)  # (P, E)
    revenue = btc * price

    hardware_capex = float(np.sum(machines)) * machine_price_usd
    site_capex = float(sum(s.capex_usd for s in sites))
    capex = hardware_capex + site_capex
    lifetime_years = spec.actor.lifetime / SECONDS_PER_YEAR
    opex_per_year = spec.actor.opex * hardware_capex
    capex_share = capex * min(1.0, years / lifetime_years)
    total_btc = btc.sum(axis=1)
    total_cost = capex_share + energy_cost.sum(axis=1) + opex_per_year * years
    with np.errstate(divide="ignore", invalid="ignore"):
        cost_per_btc = np.where(total_btc > 0, total_cost / total_btc, np.nan)

    # Yearly cash flows (by the midpoint of each epoch's part inside the horizon).
    n_years = max(1, math.ceil(years - 1e-9))
    year_index = np.clip(
        ((0.5 * (a + b) - start_s) // SECONDS_PER_YEAR).astype(int), 0, n_years - 1
    )
    weight = (b > a).astype(float)
    yearly = {
        name: np.stack(
            [
                np.sum(np.where(year_index == y, values * weight, 0.0), axis=1)
                for y in range(n_years)
            ],
            axis=1,
        )
        for name, values in (("revenue", revenue), ("energy", energy_cost), ("btc", btc))
    }
    year_length = np.minimum(1.0, years - np.arange(n_years))
    opex_yearly = opex_per_year * year_length
    flows = np.column_stack(
        [-np.full(total_btc.shape, capex), yearly["revenue"] - yearly["energy"] - opex_yearly]
    )
    times = np.concatenate([[0.0], np.arange(1, n_years + 1, dtype=float)])
    rate = spec.actor.discount_rate
    discount = (1.0 + rate) ** -times[1:]
    mined = (yearly["btc"] * discount).sum(axis=1)
    costs_pv = capex + ((yearly["energy"] + opex_yearly) * discount).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        break_even = np.where(mined > 0, costs_pv / mined, np.nan)
    return PathFigures(
        start_s=start_s,
        horizon_s=end_s - start_s,
        years=years,
        capex_usd=capex,
        opex_usd_per_year=opex_yearly,
        npv_usd=npv_usd_paths(flows, times, discount_rate=rate),
        irr_frac=irr_paths(flows, times),
        payback_years=payback_years_paths(flows, times),
        break_even_usd=break_even,
        btc=total_btc,
        cost_usd_per_btc=cost_per_btc,
        actor_work_h=actor_work.sum(axis=1),
        rest_work_h=rest_work.sum(axis=1),
        revenue_usd=revenue.sum(axis=1),
        yearly_revenue_usd=yearly["revenue"],
        yearly_energy_usd=yearly["energy"],
        site_work_h=site_work.sum(axis=1),
        site_running_s=(running * (b - a)[:, :, None]).sum(axis=1),
        site_energy_kwh=energy_kwh.sum(axis=1),
        site_btc=reward_btc.sum(axis=1),
        series=_series_samples(sim, start_s, end_s, a, b, actor_work, rest_work, btc, hashprice),
    )


def _variant_result(
    variant: schema.VariantSpec,
    sites: list[Site],
    machines: list[int],
    machine_hashrate_hs: float,
    parts: list[PathFigures],
) -> VariantResult:
    """One variant's figures from the per-path figures of all its chunks."""
    f = PathFigures.concat(parts)
    years, horizon_s = f.years, f.horizon_s
    installed = np.array(machines, dtype=float) * machine_hashrate_hs
    intensity = np.array([s.carbon_intensity_g_per_kwh for s in sites])
    net_intensity = np.array([s.net_intensity_g_per_kwh for s in sites])
    n_years = f.yearly_revenue_usd.shape[1]
    cash_flow = pd.DataFrame(
        {
            "year": np.arange(1, n_years + 1),
            "revenue_usd": np.median(f.yearly_revenue_usd, axis=0),
            "energy_cost_usd": np.median(f.yearly_energy_usd, axis=0),
            "opex_usd": f.opex_usd_per_year,
            "capex_usd": np.where(np.arange(n_years) == 0, f.capex_usd, 0.0),
        }
    )
    cash_flow["net_usd"] = (
        cash_flow["revenue_usd"]
        - cash_flow["energy_cost_usd"]
        - cash_flow["opex_usd"]
        - cash_flow["capex_usd"]
    )
    cash_flow["cumulative_net_usd"] = cash_flow["net_usd"].cumsum()
    share = f.actor_work_h / (f.actor_work_h + f.rest_work_h)
    site_results = []
    for j, site in enumerate(sites):
        energy_year = f.site_energy_kwh[:, j] / years
        site_results.append(
            SiteResult(
                name=site.name,
                fuel=site.fuel,
                facility_power_w=site.capacity_w,
                machines=machines[j],
                installed_hashrate_hs=float(installed[j]),
                mean_hashrate_hs=float(np.median(f.site_work_h[:, j] / horizon_s)),
                running_frac=float(np.median(f.site_running_s[:, j] / horizon_s)),
                energy_kwh_per_year=float(np.median(energy_year)),
                co2_kg_per_year=float(np.median(energy_year) * intensity[j] / 1000),
                net_co2_kg_per_year=float(np.median(energy_year) * net_intensity[j] / 1000),
                btc_per_year=float(np.median(f.site_btc[:, j] / years)),
                power_cost_usd_per_kwh=site.price_usd_per_kwh,
                intensity_g_per_kwh=float(intensity[j]),
            )
        )
    energy_per_year = f.site_energy_kwh.sum(axis=1) / years
    co2_per_year = (f.site_energy_kwh * intensity).sum(axis=1) / 1000 / years
    return VariantResult(
        name=variant.name,
        facility_power_w=variant.facility_power,
        machines=int(np.sum(machines)),
        installed_hashrate_hs=float(installed.sum()),
        mean_hashrate_hs=_band(f.actor_work_h / horizon_s),
        network_share_frac=_band(share),
        network_hashrate_hs=_band((f.actor_work_h + f.rest_work_h) / horizon_s),
        btc_per_year=_band(f.btc / years),
        cost_usd_per_btc=_band(f.cost_usd_per_btc),
        energy_kwh_per_year=_band(energy_per_year),
        co2_kg_per_year=_band(co2_per_year),
        capex_usd=f.capex_usd,
        revenue_usd_per_year=_band(f.revenue_usd / years),
        npv_usd=_band(f.npv_usd),
        irr_frac=_band(f.irr_frac),
        payback_years=_band(f.payback_years),
        break_even_btc_price_usd=_band(f.break_even_usd),
        sites=tuple(site_results),
        series=_series_frame(f.series, f.start_s, horizon_s),
        cash_flow=cash_flow,
    )


def _row_interp(x: FloatArray, xp: FloatArray, fp: FloatArray) -> FloatArray:
    """``np.interp(x, xp[p], fp[p])`` for every row ``p`` (``xp`` rows non-decreasing)."""
    k = (xp[:, :, None] <= x[None, None, :]).sum(axis=1) - 1  # (P, G)
    last = xp.shape[1] - 1
    k0 = np.clip(k, 0, last)
    k1 = np.clip(k + 1, 0, last)
    x0 = np.take_along_axis(xp, k0, axis=1)
    x1 = np.take_along_axis(xp, k1, axis=1)
    y0 = np.take_along_axis(fp, k0, axis=1)
    y1 = np.take_along_axis(fp, k1, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(x1 > x0, (x[None, :] - x0) / (x1 - x0), 0.0)
    inside = np.where(k >= last, fp[:, -1:], y0 + t * (y1 - y0))
    return np.where(k < 0, fp[:, :1], inside)


def _series_samples(
    sim: SimulationResult,
    start_s: float,
    end_s: float,
    a: FloatArray,
    b: FloatArray,
    actor_work: FloatArray,
    rest_work: FloatArray,
    btc: FloatArray,
    hashprice: FloatArray,
) -> dict[str, FloatArray]:
    """Each chart quantity per path at :data:`SERIES_POINTS` times, shape (P, SERIES_POINTS)."""
    grid = np.linspace(start_s, end_s, SERIES_POINTS)
    duration = b - a
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(duration > 0, actor_work / (actor_work + rest_work), np.nan)
        actor_h = np.where(duration > 0, actor_work / duration, np.nan)
    starts = np.nan_to_num(sim.start_time_s, nan=np.inf)
    # The epoch in force at each grid time, per path (the last that started by then).
    k = np.clip((starts[:, :, None] <= grid[None, None, :]).sum(axis=1) - 1, 0, None)
    k = np.minimum(k, starts.shape[1] - 1)
    ends = np.nan_to_num(sim.end_time_s, nan=end_s)
    n = ends.shape[0]
    cumulative = np.cumsum(btc, axis=1)

    def pick(values: FloatArray) -> FloatArray:
        return np.take_along_axis(np.asarray(values, dtype=float), k, axis=1)

    return {
        "share_frac": pick(share),
        "network_hashrate_hs": pick(sim.hashrate_hs),
        "actor_hashrate_hs": pick(actor_h),
        "cumulative_btc": _row_interp(
            grid,
            np.concatenate([np.full((n, 1), start_s), ends], axis=1),
            np.concatenate([np.zeros((n, 1)), cumulative], axis=1),
        ),
        "difficulty": pick(sim.difficulty),
        "hashprice_usd_per_th_day": pick(hashprice),
    }


def _series_frame(samples: dict[str, FloatArray], start_s: float, horizon_s: float) -> pd.DataFrame:
    """Medians and 5/95 % bands of the sampled series across all paths."""
    grid = np.linspace(start_s, start_s + horizon_s, SERIES_POINTS)
    frame = pd.DataFrame(
        index=pd.DatetimeIndex(pd.to_datetime(grid, unit="s", utc=True), name="time")
    )
    for name, stacked in samples.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns stay NaN
            low, mid, high = np.nanpercentile(stacked, _Q, axis=0)
        frame[f"{name}_p5"] = low
        frame[f"{name}_median"] = mid
        frame[f"{name}_p95"] = high
    return frame


def _assumptions(
    spec: schema.ScenarioSpec,
    net: NetworkStart,
    model_name: str,
    machine_price: float,
    network_hashrate: float,
) -> tuple[tuple[str, str, str], ...]:
    """Every assumption behind the figures, with where it comes from."""
    rows = [
        (
            "network start",
            f"period {net.epoch} (height {net.start.height:,}), "
            f"difficulty {net.difficulty / 1e12:,.2f} T",
            f"shipped chain history; time {net.how}",
        ),
        (
            "rest-of-world hashrate at start",
            f"{network_hashrate / 1e18:,.1f} EH/s",
            "implied by the start difficulty (one block per 600 s)"
            if spec.network.hashrate == "from-chain"
            else "scenario file",
        ),
        ("rest-of-world growth", f"{spec.network.growth:.1%}/year", "scenario file"),
        (
            "rest-of-world response elasticity",
            f"{spec.network.response_elasticity:g}",
            "scenario file; hashtide.scenario.market documents the rule",
        ),
        (
            "BTC price",
            f"{spec.btc_price.model}, {spec.btc_price.start_usd:,.0f} USD"
            + (f", {spec.btc_price.growth:+.1%}/year" if spec.btc_price.model != "constant" else "")
            + (
                f", volatility {spec.btc_price.volatility:.0%}/year"
                if spec.btc_price.model == "gbm"
                else ""
            ),
            "scenario file",
        ),
        ("fees", f"{spec.fees:g} BTC per block", "scenario file"),
        ("machine", model_name, "hashtide hardware catalog (docs/hardware.md)"),
        (
            "machine price",
            f"{machine_price:,.0f} USD",
            "scenario file" if spec.actor.machine_price is not None else "catalog listing",
        ),
        (
            "machine lifetime",
            f"{spec.actor.lifetime / SECONDS_PER_YEAR:g} years",
            "scenario file; capex per BTC is spread over it",
        ),
        ("opex", f"{spec.actor.opex:.1%} of hardware capex per year", "scenario file"),
        ("discount rate", f"{spec.actor.discount_rate:.1%}/year", "scenario file"),
    ]
    for site in spec.actor.sites:
        rows.append(
            (
                f"site: {site.name}",
                f"{site.share:.0%} of facility power, {site.fuel}, "
                f"{site.power_price:.3f} USD/kWh, PUE {site.pue:g}, "
                f"availability {site.availability.kind}",
                "scenario file; carbon intensity IPCC AR5 lifecycle median"
                if site.intensity is None
                else "scenario file",
            )
        )
    return tuple(rows)
