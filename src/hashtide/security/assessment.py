"""Every security figure for a scenario's actor, variant by variant: what the report shows.

:func:`assess_variant` takes a variant of a :class:`~hashtide.scenario.results.ScenarioResult`
(typed only, never imported at run time: this layer sits below ``scenario``) and computes, at the
moment the actor's share peaks on the median path: the concentration of the network with the
rest split among the pools of :data:`~hashtide.security.concentration.POOLS_MEMPOOL_2022_2025`,
the double-spend probabilities, the confirmations needed, selfish mining's profitability (with
a simulation of when it pays), and the cost of holding 51 % for a week.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from hashtide.errors import InvalidInputError
from hashtide.protocol import block_subsidy_sat
from hashtide.security import _validate
from hashtide.security.attack_cost import MajorityAttackCost, majority_attack_cost
from hashtide.security.concentration import (
    POOLS_MEMPOOL_2022_2025,
    ActorShares,
    concentration_over_time,
    first_crossings,
    hhi,
    nakamoto_coefficient,
)
from hashtide.security.double_spend import confirmations_needed, double_spend_probability
from hashtide.security.selfish_mining import (
    selfish_mining_profitable,
    selfish_mining_revenue,
    selfish_mining_threshold,
)
from hashtide.security.selfish_simulation import (
    SelfishPayback,
    selfish_mining_payback,
    simulate_selfish_mining,
)
from hashtide.units import SAT_PER_BTC, SECONDS_PER_DAY

if TYPE_CHECKING:
    from hashtide.scenario.results import ScenarioResult, VariantResult

__all__ = [
    "SHARE_THRESHOLDS",
    "DoubleSpendRisk",
    "SelfishMiningCheck",
    "VariantSecurity",
    "assess_scenario",
    "assess_variant",
]

#: Shares whose crossing the report dates: selfish mining pays above 1/4 (γ = ½) and 1/3 (γ = 0),
#: a majority rewrites the chain above 1/2 (Eyal & Sirer 2014; Nakamoto 2008).
SHARE_THRESHOLDS: tuple[float, ...] = (0.25, 1 / 3, 0.5)


@dataclass(frozen=True, kw_only=True)
class DoubleSpendRisk:
    """Probability of a successful double spend after ``z`` confirmations, both ways."""

    z: int
    exact: float
    nakamoto: float


@dataclass(frozen=True, kw_only=True)
class SelfishMiningCheck:
    """Selfish mining at one ``gamma``: threshold, revenue, and whether it pays."""

    gamma: float
    threshold_frac: float
    revenue_frac: float
    profitable: bool


@dataclass(frozen=True, kw_only=True)
class VariantSecurity:
    """The security figures of one variant's actor (see :func:`assess_variant`).

    Shares are the actor's share of network hashrate on the median path (epoch averages); the
    concentration, double-spend, selfish-mining and attack figures are taken where that share
    peaks (``peak_time``).
    """

    variant: str
    actor: str
    rest: ActorShares
    share_frac: float
    peak_share_frac: float
    peak_time: pd.Timestamp
    peak_share_p95_frac: float
    crossings: tuple[tuple[float, pd.Timestamp | None], ...]
    concentration: pd.DataFrame
    largest_actor: str
    largest_share_frac: float
    hhi: float
    nakamoto_coefficient: int
    baseline_hhi: float
    baseline_nakamoto_coefficient: int
    double_spend: tuple[DoubleSpendRisk, ...]
    risk: float
    confirmations_needed: int | None
    selfish: tuple[SelfishMiningCheck, ...]
    selfish_payback: SelfishPayback | None
    attack: MajorityAttackCost
    installed_share_frac: float
    power_price_usd_per_kwh: float
    pue: float
    reward_btc_per_block: float
    btc_price_usd: float


def _power_price(variant: VariantResult) -> float:
    """The variant's energy-weighted average power price [USD/kWh]."""
    energy = np.array([s.energy_kwh_per_year for s in variant.sites], dtype=float)
    prices = np.array([s.power_cost_usd_per_kwh for s in variant.sites], dtype=float)
    if prices.size == 0:
        raise InvalidInputError(f"variant {variant.name!r} has no sites, so no power price")
    if energy.sum() > 0:
        return float((energy * prices).sum() / energy.sum())
    return float(prices.mean())


def _pue(result: ScenarioResult, variant: VariantResult) -> float:
    it_power_w = variant.machines * result.machine_power_w
    return max(1.0, variant.facility_power_w / it_power_w) if it_power_w > 0 else 1.0


def assess_variant(
    result: ScenarioResult,
    variant: VariantResult,
    *,
    rest: ActorShares = POOLS_MEMPOOL_2022_2025,
    confirmations: Sequence[int] = (1, 6),
    risk: float = 0.001,
    gammas: Sequence[float] = (0.0, 0.5),
    hold_duration_s: float = 7 * SECONDS_PER_DAY,
    rng: np.random.Generator | None = None,
    selfish_periods: int = 10,
    selfish_paths: int = 10,
) -> VariantSecurity:
    """Security figures for the actor of one variant of a scenario result.

    Parameters
    ----------
    result : ScenarioResult
        What :func:`hashtide.scenario.run_scenario` returned.
    variant : VariantResult
        One of ``result.variants``.
    rest : ActorShares
        How the rest of the world's hashrate is split (an assumption: by default the two largest
        pools' shares of blocks in the three years to March 2025, the others negligible).
    confirmations : sequence of int
        The ``z`` at which to give the double-spend probability.
    risk : float
        The accepted double-spend probability for :attr:`VariantSecurity.confirmations_needed`.
    gammas : sequence of float
        Tie-race parameters at which to check selfish mining.
    hold_duration_s : float
        How long the majority is held in the attack cost [s].
    rng : numpy.random.Generator, optional
        If given, simulate when selfish mining starts to pay (at the smallest ``gamma`` at which
        it is profitable) with ``selfish_paths`` paths of ``selfish_periods`` mainnet periods.
    selfish_periods, selfish_paths : int
        Size of that simulation.

    Returns
    -------
    VariantSecurity

    Notes
    -----
    * Shares come from ``variant.series`` (medians across paths per grid time; epoch averages,
      so shorter peaks — e.g. nights, when off-peak sites run — are higher).
    * The rest of the world's hashrate at the peak is the median network hashrate times one
      minus the median share; the attack cost counts every installed machine of the actor as
      its own (energy to run them for the hold is paid at the variant's energy-weighted power
      price, with the variant's PUE) and values blocks at the start BTC price and the subsidy at
      the peak's approximate height (one block per 600 s from the start) plus the scenario's fees.
    """
    series = variant.series
    needed = {"share_frac_median", "share_frac_p95", "network_hashrate_hs_median"}
    missing = sorted(needed - set(series.columns))
    if missing:
        raise InvalidInputError(f"variant {variant.name!r}: series lacks columns {missing}")
    share = series["share_frac_median"].astype(float).dropna().clip(0.0, 1.0)
    if share.empty:
        raise InvalidInputError(f"variant {variant.name!r}: its share series has no values")
    peak_index = int(np.argmax(share.to_numpy()))
    peak_time = pd.Timestamp(share.index[peak_index])
    peak = float(share.iloc[peak_index])
    concentration = concentration_over_time(share, rest, actor=result.actor)
    at_peak = concentration.iloc[peak_index]
    baseline = np.array([s for _, s in rest.actors])

    # an actor with the whole network (a tiny network, rounding) catches up surely: P = 1
    attacker = min(peak, math.nextafter(1.0, 0.0))
    double_spend = tuple(
        DoubleSpendRisk(
            z=_validate.count("confirmations", z),
            exact=double_spend_probability(attacker, z, "exact"),
            nakamoto=double_spend_probability(attacker, z, "nakamoto"),
        )
        for z in confirmations
    )
    needed_z = confirmations_needed(attacker, risk) if peak < 0.5 else None
    selfish = tuple(
        SelfishMiningCheck(
            gamma=g,
            threshold_frac=selfish_mining_threshold(g),
            revenue_frac=selfish_mining_revenue(attacker, g),
            profitable=selfish_mining_profitable(attacker, g),
        )
        for g in gammas
    )
    payback = None
    paying = [check.gamma for check in selfish if check.profitable]
    if rng is not None and paying and peak < 0.5:
        run = simulate_selfish_mining(
            attacker, min(paying), n_periods=selfish_periods, n_paths=selfish_paths, rng=rng
        )
        payback = selfish_mining_payback(run)

    network_hs = float(series["network_hashrate_hs_median"].loc[peak_time])
    if not math.isfinite(network_hs) or network_hs <= 0:
        network_hs = variant.network_hashrate_hs.median  # the horizon's mean instead
    # 1 H/s stands for "nobody else" if the actor is the whole network.
    rest_hs = max(network_hs * (1.0 - peak), 1.0)
    utc = peak_time if peak_time.tzinfo is not None else peak_time.tz_localize("UTC")
    elapsed_s = (utc - pd.Timestamp(result.start_time_s, unit="s", tz="UTC")).total_seconds()
    height = result.start_height + max(0, math.floor(elapsed_s / 600.0))
    reward = block_subsidy_sat(height) / SAT_PER_BTC + result.fees_btc_per_block
    price = _power_price(variant)
    pue = _pue(result, variant)
    attack = majority_attack_cost(
        rest_hashrate_hs=rest_hs,
        own_hashrate_hs=variant.installed_hashrate_hs,
        machine_hashrate_hs=result.machine_hashrate_hs,
        machine_power_w=result.machine_power_w,
        machine_price_usd=result.machine_price_usd,
        power_price_usd_per_kwh=price,
        pue=pue,
        btc_price_usd=result.btc_price_usd,
        reward_btc_per_block=reward,
        hold_duration_s=hold_duration_s,
    )
    installed = variant.installed_hashrate_hs
    return VariantSecurity(
        variant=variant.name,
        actor=result.actor,
        rest=rest,
        share_frac=variant.network_share_frac.median,
        peak_share_frac=peak,
        peak_time=peak_time,
        peak_share_p95_frac=float(np.nanmax(series["share_frac_p95"].to_numpy(dtype=float))),
        crossings=tuple(first_crossings(share, SHARE_THRESHOLDS).items()),
        concentration=concentration,
        largest_actor=str(at_peak["largest_actor"]),
        largest_share_frac=float(at_peak["largest_share_frac"]),
        hhi=float(at_peak["hhi"]),
        nakamoto_coefficient=int(at_peak["nakamoto_coefficient"]),
        baseline_hhi=float(hhi(baseline)),
        baseline_nakamoto_coefficient=int(nakamoto_coefficient(baseline)),
        double_spend=double_spend,
        risk=risk,
        confirmations_needed=needed_z,
        selfish=selfish,
        selfish_payback=payback,
        attack=attack,
        installed_share_frac=installed / (installed + rest_hs),
        power_price_usd_per_kwh=price,
        pue=pue,
        reward_btc_per_block=reward,
        btc_price_usd=result.btc_price_usd,
    )


def assess_scenario(
    result: ScenarioResult,
    *,
    rest: ActorShares = POOLS_MEMPOOL_2022_2025,
    rng: np.random.Generator | None = None,
) -> tuple[VariantSecurity, ...]:
    """:func:`assess_variant` for every variant of ``result``, in order, with its defaults."""
    return tuple(assess_variant(result, v, rest=rest, rng=rng) for v in result.variants)
