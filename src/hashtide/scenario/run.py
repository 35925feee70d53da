"""Running a scenario: every variant through the Monte Carlo engine, then the accounting."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashtide import __version__
from hashtide.energy import Site
from hashtide.engine import (
    Actor,
    Horizon,
    SimulationInputs,
    SimulationResult,
    Trajectory,
    monte_carlo,
)
from hashtide.errors import ScenarioError
from hashtide.scenario import schema
from hashtide.scenario.accounting import band, by_year, finance, n_years, year_index, yearly_results
from hashtide.scenario.build import (
    NetworkStart,
    actor_rows,
    day_grid,
    miner_of,
    network_start,
    price_rows,
    scenario_start_s,
    sites_of,
)
from hashtide.scenario.claims import check_claims
from hashtide.scenario.market import PricePaths, ScenarioMarket
from hashtide.scenario.resources import DEFAULT_MAX_MEMORY_BYTES, check_resources
from hashtide.scenario.results import ScenarioResult, SiteResult, VariantResult
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


def run_scenario(
    spec: schema.ScenarioSpec,
    *,
    n_paths: int | None = None,
    seed: int | None = None,
    progress: Progress | None = None,
    max_memory_bytes: float | None = DEFAULT_MAX_MEMORY_BYTES,
) -> ScenarioResult:
    """Run every variant of ``spec`` and return its figures, series and claim checks.

    The one entry point for every scenario: ``network.response: market`` (the default) runs
    on the world market (:mod:`hashtide.scenario.world`), ``elasticity`` and ``fixed`` on the
    simple rules of :mod:`hashtide.scenario.market`. A result's ``summary_json()`` is the
    ``hashtide run --json`` output.

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
    """
    n_paths = spec.paths if n_paths is None else n_paths
    seed = spec.seed if seed is None else seed
    check_resources(spec, n_paths, max_memory_bytes=max_memory_bytes)
    if spec.network.response == "market":
        from hashtide.scenario.world_run import run_world

        return run_world(spec, n_paths=n_paths, seed=seed, progress=progress)
    return _run_simple(spec, n_paths=n_paths, seed=seed, progress=progress)


def _actor(spec: schema.ScenarioSpec) -> schema.ActorSpec:
    if spec.actor is None:
        raise ScenarioError(
            f"{spec.scenario}: network.response {spec.network.response!r} needs an actor"
        )
    return spec.actor


def _run_simple(
    spec: schema.ScenarioSpec, *, n_paths: int, seed: int, progress: Progress | None
) -> ScenarioResult:
    """The elasticity and fixed rules (:class:`hashtide.scenario.market.ScenarioMarket`)."""
    actor = _actor(spec)
    start_s = scenario_start_s(spec)
    end_s = start_s + spec.horizon_s
    years = spec.horizon_s / SECONDS_PER_YEAR
    net = network_start(start_s)
    model, machine_price = miner_of(actor)
    network_hashrate = (
        net.implied_hashrate_hs if spec.network.hashrate == "from-chain" else spec.network.hashrate
    )
    fees_sat = (spec.fees if isinstance(spec.fees, float) else 0.0) * SAT_PER_BTC
    grid_s = day_grid(net.start.time_s - 86_400.0, end_s + 400 * 86_400.0)
    variants = spec.variant_list()
    epochs_expected = math.ceil((end_s - net.start.time_s) / (14 * 86_400.0)) + 1
    results = []
    for index, variant in enumerate(variants):
        sites = sites_of(actor, spec.facility_power_w(variant), start_s)
        machines = [math.floor(s.capacity_w / (s.pue * model.power_w)) for s in sites]
        engine_seed, price_seed = np.random.SeedSequence(seed).spawn(2)
        prices = _price_paths(spec, start_s, np.random.default_rng(price_seed))

        def report(epoch: int, index: int = index) -> None:
            if progress is not None:
                progress(index, len(variants), epoch + 1, epochs_expected)

        market = ScenarioMarket(
            sites=sites,
            machines=machines,
            machine_hashrate_hs=model.hashrate_hs,
            machine_power_w=model.power_w,
            deployed_s=start_s,
            network_start_s=net.period_start_s,
            network_hashrate_hs=network_hashrate,
            network_growth_per_year=spec.network.growth,
            elasticity=spec.network.elasticity_used,
            fees_sat_per_block=fees_sat,
            prices=prices,
            grid_s=grid_s,
            progress=report,
        )
        actors = (
            Actor(name=REST, hashrate=Trajectory.constant(network_hashrate)),
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
        results.append(
            _account(
                spec,
                variant,
                sites,
                machines,
                model.hashrate_hs,
                model.power_w,
                machine_price,
                market,
                sim,
                start_s,
                end_s,
                years,
            )
        )
    assumptions = _assumptions(spec, net, model.model, machine_price, network_hashrate)
    result = ScenarioResult(
        scenario=spec.scenario,
        description=spec.description,
        actor=actor.name,
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
        fees_btc_per_block=spec.fees if isinstance(spec.fees, float) else math.nan,
        assumptions=assumptions,
        variants=tuple(results),
        versions={"hashtide": __version__, "numpy": np.__version__},
    )
    return ScenarioResult(
        **{
            **result.__dict__,
            "claims": check_claims(spec, result),
            "network_response": spec.network.response,
        }
    )


def _account(
    spec: schema.ScenarioSpec,
    variant: schema.VariantSpec,
    sites: list[Site],
    machines: list[int],
    machine_hashrate_hs: float,
    machine_power_w: float,
    machine_price_usd: float,
    market: ScenarioMarket,
    sim: SimulationResult,
    start_s: float,
    end_s: float,
    years: float,
) -> VariantResult:
    """Turn one variant's simulation and market records into its figures."""
    horizon_s = end_s - start_s
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
    intensity = np.array([s.carbon_intensity_g_per_kwh for s in sites])
    net_intensity = np.array([s.net_intensity_g_per_kwh for s in sites])
    reward_btc = np.asarray(sim.reward_sat, dtype=float)[:, :, 1:] / SAT_PER_BTC  # (P, E, S)
    btc = reward_btc.sum(axis=2)  # (P, E)
    revenue = btc * price

    hardware_capex = float(np.sum(machines)) * machine_price_usd
    site_capex = float(sum(s.capex_usd for s in sites))
    capex = hardware_capex + site_capex
    actor = _actor(spec)
    lifetime_years = actor.lifetime / SECONDS_PER_YEAR
    opex_per_year = actor.opex * hardware_capex
    capex_share = capex * min(1.0, years / lifetime_years)
    total_btc = btc.sum(axis=1)
    total_cost = capex_share + energy_cost.sum(axis=1) + opex_per_year * years
    with np.errstate(divide="ignore", invalid="ignore"):
        cost_per_btc = np.where(total_btc > 0, total_cost / total_btc, np.nan)

    # Yearly figures (by the midpoint of each epoch's part inside the horizon).
    count = n_years(years)
    epoch_year = year_index(0.5 * (a + b), start_s, years)
    weight = (b > a).astype(float)
    yearly_btc = by_year(btc * weight, epoch_year, count)
    money = finance(
        revenue_usd=by_year(revenue * weight, epoch_year, count),
        energy_usd=by_year(energy_cost * weight, epoch_year, count),
        btc=yearly_btc,
        capex_usd=capex,
        opex_usd_per_year=opex_per_year,
        years=years,
        discount_rate=actor.discount_rate,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        share_year = by_year(actor_work, epoch_year, count) / by_year(
            actor_work + rest_work, epoch_year, count
        )
        span = by_year(b - a, epoch_year, count)
        hp_year = by_year(hashprice * (b - a), epoch_year, count) / span
        epoch_share = np.where(b > a, actor_work / (actor_work + rest_work), np.nan)
        # periods past the horizon on every path are all-NaN columns: left out, not warned about
        some = ~np.isnan(epoch_share).all(axis=0)
        peak = float(np.nanmax(np.nanmedian(epoch_share[:, some], axis=0))) if some.any() else 0.0

    actor_total = actor_work.sum(axis=1)
    rest_total = rest_work.sum(axis=1)
    share = actor_total / (actor_total + rest_total)
    site_results = []
    for j, site in enumerate(sites):
        energy_year = energy_kwh[:, :, j].sum(axis=1) / years
        site_results.append(
            SiteResult(
                name=site.name,
                fuel=site.fuel,
                facility_power_w=site.capacity_w,
                machines=machines[j],
                installed_hashrate_hs=float(installed[j]),
                mean_hashrate_hs=float(np.median(site_work[:, :, j].sum(axis=1) / horizon_s)),
                running_frac=float(np.median((running[:, :, j] * (b - a)).sum(axis=1) / horizon_s)),
                energy_kwh_per_year=float(np.median(energy_year)),
                co2_kg_per_year=float(np.median(energy_year) * intensity[j] / 1000),
                net_co2_kg_per_year=float(np.median(energy_year) * net_intensity[j] / 1000),
                btc_per_year=float(np.median(reward_btc[:, :, j].sum(axis=1) / years)),
                power_cost_usd_per_kwh=site.price_usd_per_kwh,
                intensity_g_per_kwh=float(intensity[j]),
            )
        )
    energy_per_year = energy_kwh.sum(axis=(1, 2)) / years
    co2_per_year = (energy_kwh * intensity).sum(axis=(1, 2)) / 1000 / years
    series = _series(sim, start_s, end_s, a, b, actor_work, rest_work, btc, hashprice)
    return VariantResult(
        name=variant.name,
        facility_power_w=spec.facility_power_w(variant),
        machines=int(np.sum(machines)),
        installed_hashrate_hs=float(installed.sum()),
        mean_hashrate_hs=band(actor_total / horizon_s),
        network_share_frac=band(share),
        network_hashrate_hs=band((actor_total + rest_total) / horizon_s),
        btc_per_year=band(total_btc / years),
        cost_usd_per_btc=band(cost_per_btc),
        energy_kwh_per_year=band(energy_per_year),
        co2_kg_per_year=band(co2_per_year),
        capex_usd=capex,
        revenue_usd_per_year=band(revenue.sum(axis=1) / years),
        npv_usd=band(money.npv_usd),
        irr_frac=band(money.irr_frac),
        payback_years=band(money.payback_years),
        break_even_btc_price_usd=band(money.break_even_usd),
        sites=tuple(site_results),
        series=series,
        cash_flow=money.cash_flow,
        network_response=spec.network.response,
        yearly=yearly_results(
            start_s, years, hashprice_usd_per_th_day=hp_year, share_frac=share_year, btc=yearly_btc
        ),
        peak_share_frac=float(peak),
    )


def _series(
    sim: SimulationResult,
    start_s: float,
    end_s: float,
    a: FloatArray,
    b: FloatArray,
    actor_work: FloatArray,
    rest_work: FloatArray,
    btc: FloatArray,
    hashprice: FloatArray,
) -> pd.DataFrame:
    """Medians and 5/95 % bands on a grid of about 60 points across the horizon."""
    grid = np.linspace(start_s, end_s, 61)
    duration = b - a
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(duration > 0, actor_work / (actor_work + rest_work), np.nan)
        actor_h = np.where(duration > 0, actor_work / duration, np.nan)
    columns: dict[str, list[FloatArray]] = {
        k: []
        for k in (
            "share_frac",
            "network_hashrate_hs",
            "actor_hashrate_hs",
            "cumulative_btc",
            "difficulty",
            "hashprice_usd_per_th_day",
        )
    }
    cumulative = np.cumsum(btc, axis=1)
    difficulty = sim.difficulty
    for p in range(a.shape[0]):
        starts = np.nan_to_num(sim.start_time_s[p], nan=np.inf)
        k = np.clip(np.searchsorted(starts, grid, side="right") - 1, 0, starts.size - 1)
        columns["share_frac"].append(share[p, k])
        columns["network_hashrate_hs"].append(sim.hashrate_hs[p, k])
        columns["actor_hashrate_hs"].append(actor_h[p, k])
        columns["difficulty"].append(difficulty[p, k])
        columns["hashprice_usd_per_th_day"].append(hashprice[p, k])
        ends = np.nan_to_num(sim.end_time_s[p], nan=end_s)
        columns["cumulative_btc"].append(
            np.interp(
                grid, np.concatenate([[start_s], ends]), np.concatenate([[0.0], cumulative[p]])
            )
        )
    frame = pd.DataFrame(
        index=pd.DatetimeIndex(pd.to_datetime(grid, unit="s", utc=True), name="time")
    )
    for name, rows in columns.items():
        stacked = np.vstack(rows)
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
    actor = _actor(spec)
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
            f"{spec.network.elasticity_used:g} ({spec.network.response})",
            "scenario file; hashtide.scenario.market documents the rule",
        ),
        *price_rows(spec),
    ]
    rows += actor_rows(actor, model_name, machine_price)
    return tuple(rows)
