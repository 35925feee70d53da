"""Turning a validated scenario spec into model objects: start point, sites, fleet, prices."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashtide.chain import epochs, estimate_first_block_time_s
from hashtide.energy import (
    Constant,
    Declining,
    LimitedHours,
    Monthly,
    OffPeak,
    Site,
    grid_intensity_g_per_kwh,
)
from hashtide.energy.profiles import AvailabilityProfile
from hashtide.engine import StartPoint, work_per_block_hashes
from hashtide.errors import ScenarioError
from hashtide.hardware import MinerModel, get_model
from hashtide.scenario import schema
from hashtide.units import SECONDS_PER_DAY, SECONDS_PER_YEAR

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, kw_only=True)
class NetworkStart:
    """The real network state a scenario starts from."""

    start: StartPoint
    epoch: int
    period_start_s: float
    how: str
    difficulty: float
    implied_hashrate_hs: float


def scenario_start_s(spec: schema.ScenarioSpec) -> float:
    """The scenario's start date as seconds since 1970 (midnight UTC)."""
    return dt.datetime.combine(spec.start, dt.time(), tzinfo=dt.UTC).timestamp()


def network_start(start_s: float) -> NetworkStart:
    """The newest retarget period of the shipped history that began by ``start_s``.

    Periods without a known first-block time get one estimated from the retargets
    (:func:`hashtide.chain.estimate_first_block_time_s`).
    """
    table = epochs()
    for epoch in reversed(table["epoch"].tolist()):
        began_s, how = estimate_first_block_time_s(table, int(epoch))
        if began_s <= start_s:
            break
    else:
        raise ScenarioError(f"start {pd.Timestamp(start_s, unit='s'):%Y-%m-%d} is before genesis")
    row = table.set_index("epoch").loc[epoch]
    bits = int(row["bits"])
    hashes = float(work_per_block_hashes(np.array([bits]))[0])
    spacing = 600.0
    return NetworkStart(
        start=StartPoint(height=int(row["start_height"]), time_s=began_s - spacing, bits=bits),
        epoch=int(epoch),
        period_start_s=began_s,
        how=how,
        difficulty=float(row["difficulty"]),
        implied_hashrate_hs=hashes / spacing,
    )


def profile_of(spec: schema.Availability, start_s: float) -> AvailabilityProfile:
    """The availability profile a site spec describes."""
    if isinstance(spec, schema.ConstantAvailability):
        return Constant(frac=spec.frac)
    if isinstance(spec, schema.MonthlyAvailability):
        return Monthly(fracs=tuple(spec.fracs))
    if isinstance(spec, schema.OffPeakAvailability):
        return OffPeak(
            night_start_h=spec.night_start_h,
            night_end_h=spec.night_end_h,
            weekends=spec.weekends,
            utc_offset_h=spec.utc_offset_h,
            peak_frac=spec.peak_frac,
        )
    if isinstance(spec, schema.DecliningAvailability):
        return Declining(
            start_s=start_s,
            start_frac=spec.start_frac,
            plateau_years=spec.plateau / SECONDS_PER_YEAR,
            decline_frac_per_year=spec.decline,
        )
    return LimitedHours(hours_per_year=spec.hours_per_year)


def miner_of(spec: schema.ActorSpec) -> tuple[MinerModel, float]:
    """The actor's machine model and its unit price [USD]."""
    if isinstance(spec.miner, schema.MinerSpec):
        model = MinerModel(
            model=spec.miner.name,
            hashrate_ths=spec.miner.hashrate / 1e12,
            power_w=spec.miner.power,
            price_usd=spec.miner.price,
        )
    else:
        model = get_model(spec.miner)
    price = spec.machine_price if spec.machine_price is not None else model.price_usd
    if price is None or not math.isfinite(price):
        raise ScenarioError(
            f"actor.miner {model.model!r} has no listed price in the catalog; "
            "give actor.machine_price (e.g. 2699 USD)"
        )
    return model, float(price)


def sites_of(spec: schema.ActorSpec, facility_power_w: float, start_s: float) -> list[Site]:
    """The actor's sites with their share of ``facility_power_w``."""
    return [
        Site(
            name=site.name,
            fuel=site.fuel,
            capacity_w=facility_power_w * site.share,
            price_usd_per_kwh=site.power_price,
            availability=profile_of(site.availability, start_s),
            pue=site.pue,
            intensity_g_per_kwh=(
                grid_intensity_g_per_kwh(site.grid.region, site.grid.year)
                if site.grid is not None
                else site.intensity
            ),
            counterfactual_g_per_kwh=site.counterfactual_intensity,
            retrofit_capex_usd_per_w=site.retrofit,
            restart_capex_usd=site.restart,
            curtail=site.curtail,
        )
        for site in spec.sites
    ]


def daily_availability(
    profile: AvailabilityProfile, grid_s: FloatArray, *, deployed_s: float
) -> FloatArray:
    """Mean availability over each day ``[grid_s[j], grid_s[j] + 1 day)``, 0 before deployment.

    Sampled hourly at mid-hour, so profiles with hourly structure (off-peak nights) average
    exactly over whole hours.
    """
    hours = grid_s[:, None] + (np.arange(24) + 0.5)[None, :] * (SECONDS_PER_DAY / 24)
    values = profile.availability_frac(hours.ravel()).reshape(hours.shape)
    values = np.where(hours >= deployed_s, values, 0.0)
    return values.mean(axis=1)  # type: ignore[no-any-return]


def day_grid(first_s: float, last_s: float) -> FloatArray:
    """Midnights (UTC) covering ``[first_s, last_s]``."""
    first = math.floor(first_s / SECONDS_PER_DAY) * SECONDS_PER_DAY
    n = math.ceil((last_s - first) / SECONDS_PER_DAY) + 1
    return first + SECONDS_PER_DAY * np.arange(n, dtype=float)


def price_rows(spec: schema.ScenarioSpec) -> list[tuple[str, str, str]]:
    """The BTC price and fee assumptions, with the price model's median path in words."""
    price = spec.btc_price
    if price.model == "historical":
        text = "historical daily close (CoinGecko, shipped)"
        median = "the price that was"
    elif price.model == "series":
        text = f"a series of {len(price.points)} points from {price.points[0].price:,.0f} USD"
        median = "the series, held from each date to the next"
    else:
        growth = price.growth if price.model in ("growth", "gbm") else 0.0
        sigma = price.volatility if price.model == "gbm" else 0.0
        text = f"{price.model}, {price.start_usd:,.0f} USD at the start"
        if price.model != "constant":
            text += f", {growth:+.1%}/year"
        if sigma:
            text += f", volatility {sigma:.0%}/year"
        median_rate = math.exp(math.log1p(growth) - 0.5 * sigma**2) - 1.0
        median = f"the median path changes by {median_rate:+.1%}/year" + (
            f" (a geometric Brownian motion's median grows σ²/2 = {0.5 * sigma**2:.1%}/year "
            "slower than its mean)"
            if sigma
            else ""
        )
    fees = (
        "historical (7-day mean of the shipped daily series)"
        if spec.fees == "historical"
        else f"{spec.fees:g} BTC per block"
    )
    return [
        ("BTC price", text, "scenario file"),
        ("BTC price, median path", median, "follows from the model above"),
        ("fees", fees, "scenario file"),
    ]


def actor_rows(
    actor: schema.ActorSpec, model_name: str, machine_price_usd: float
) -> list[tuple[str, str, str]]:
    """The actor's machine, money, deployment and site assumptions (every runner's report)."""
    rows = [
        ("machine", model_name, "hashtide hardware catalog (docs/hardware.md)"),
        (
            "machine price",
            f"{machine_price_usd:,.0f} USD",
            "scenario file" if actor.machine_price is not None else "catalog listing",
        ),
        (
            "machine lifetime",
            f"{actor.lifetime / SECONDS_PER_YEAR:g} years",
            "scenario file; capex per BTC is spread over it",
        ),
        ("opex", f"{actor.opex:.1%} of hardware capex per year", "scenario file"),
        ("discount rate", f"{actor.discount_rate:.1%}/year", "scenario file"),
        (
            "deployment",
            "all machines at the start"
            if actor.machines_per_month is None
            else f"{actor.machines_per_month:,} machines a month (supply limit), linearly",
            "scenario file",
        ),
    ]
    for site in actor.sites:
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
    return rows
