"""Checking published claims against what hashtide computes with the same inputs."""

from __future__ import annotations

import math

from hashtide.errors import ScenarioError
from hashtide.scenario import schema
from hashtide.scenario.results import ClaimCheck, ScenarioResult, VariantResult

#: quantity → (unit kind for parsing the stated value, display unit, how to read the result)
_QUANTITIES = {
    "machines": ("count", "machines"),
    "hashrate": ("hashrate", "H/s"),
    "mean_hashrate": ("hashrate", "H/s"),
    "network_share": ("fraction", "share"),
    "btc_per_year": ("btc", "BTC/year"),
    "cost_per_btc": ("btc_price", "USD/BTC"),
    "energy_per_year": ("energy", "kWh/year"),
    "co2_per_year": ("mass", "kg/year"),
}


def computed_value(variant: VariantResult, quantity: str) -> float:
    """The figure of ``variant`` a claim about ``quantity`` is checked against (medians)."""
    values = {
        # The arithmetic of a claim ("5 GW of S21 is N machines") counts every site's machines,
        # idle ones too (the variant's own figures leave sites that never run out).
        "machines": float(sum(s.machines for s in variant.sites) or variant.machines),
        "hashrate": sum(s.installed_hashrate_hs for s in variant.sites)
        or variant.installed_hashrate_hs,
        "mean_hashrate": variant.mean_hashrate_hs.median,
        "network_share": variant.network_share_frac.median,
        "btc_per_year": variant.btc_per_year.median,
        "cost_per_btc": variant.cost_usd_per_btc.median,
        "energy_per_year": variant.energy_kwh_per_year.median,
        "co2_per_year": variant.co2_kg_per_year.median,
    }
    return values[quantity]


def stated_value(claim: schema.ClaimSpec) -> float:
    """A claim's stated figure in hashtide's unit for its quantity (:func:`schema.parse_stated`)."""
    try:
        return schema.parse_stated(claim.quantity, claim.stated)
    except ValueError as exc:
        raise ScenarioError(f"claim {claim.text!r}: {exc}") from None


def _close(a: float, b: float, rel: float = 0.05) -> bool:
    return b != 0 and abs(a - b) <= rel * abs(b)


def claim_reason(
    claim: schema.ClaimSpec,
    stated: float,
    computed: float,
    spec: schema.ScenarioSpec,
    result: ScenarioResult,
) -> str:
    """Why a failing claim fails, when a simple slip explains it (else "").

    Checks, in order: a BTC-per-year figure equal to the whole network's daily issuance at the
    start (144 blocks × subsidy); a hashrate a power of ten away from the claim's own machine
    count × the machine's hashrate (another claim of the same variant); a machine count: the
    power per machine it implies against the machine's and the sites' overhead; any figure a
    power of ten away from hashtide's.
    """
    from hashtide.protocol import block_subsidy_sat

    subsidy_btc = block_subsidy_sat(result.start_height) / 1e8
    if claim.quantity == "btc_per_year":
        daily = 144 * subsidy_btc
        if _close(stated, daily):
            return (
                f"{stated:,.0f} BTC is the whole network's daily issuance (144 blocks × "
                f"{subsidy_btc:g} BTC), not one actor's yearly output"
            )
        for k in (2, 4, 10):
            if _close(stated, k * daily):
                return (
                    f"{stated:,.0f} BTC is {k} × the network's daily issuance ({daily:,.0f} BTC): "
                    "the daily figure scaled with power, not a year of mining"
                )
    if claim.quantity == "hashrate" and math.isfinite(result.machine_hashrate_hs):
        for other in spec.claims:
            if other.quantity != "machines" or other.variant != claim.variant:
                continue
            machines = stated_value(other)
            own = machines * result.machine_hashrate_hs
            for k in (-3, -2, -1, 1, 2, 3):
                if _close(stated * 10.0**k, own):
                    return (
                        f"a factor-{10 ** abs(k):,} slip of {own / 1e18:,.0f} EH/s — the "
                        f"claim's own {machines:,.0f} machines × "
                        f"{result.machine_hashrate_hs / 1e12:,.0f} TH/s"
                    )
    if claim.quantity == "machines" and stated > 0 and computed > 0:
        variant = next((v for v in result.variants if v.name == claim.variant), None)
        power_w = result.machine_power_w
        if variant is not None and math.isfinite(power_w) and variant.facility_power_w > 0:
            facility_w = variant.facility_power_w
            overhead = facility_w / (computed * power_w)
            gw = f"{facility_w / 1e9:,.3g} GW"
            return (
                f"{gw} ÷ {stated:,.0f} machines is {facility_w / stated:,.0f} W a machine with "
                f"nothing for cooling and losses; the {result.machine_model} draws "
                f"{power_w:,.0f} W and the sites' PUE adds {overhead - 1:.0%}: "
                f"{gw} ÷ ({power_w:,.0f} W × {overhead:.2f}) = {computed:,.0f}"
            )
    for k in (-3, -2, -1, 1, 2, 3):
        if computed and _close(stated * 10.0**k, computed, rel=claim.tolerance):
            return f"a factor-{10 ** abs(k):,} slip: the computed figure is 10^{k} × the stated one"
    return ""


def check_claims(spec: schema.ScenarioSpec, result: ScenarioResult) -> tuple[ClaimCheck, ...]:
    """Each claim of ``spec`` beside the computed figure: holds within its tolerance or not."""
    by_name = {v.name: v for v in result.variants}
    checks = []
    for claim in spec.claims:
        if claim.is_world or not result.variants:
            continue  # claims about the world on a date: hashtide.market.replay checks them
        variant = by_name[claim.variant] if claim.variant else result.variants[0]
        stated = stated_value(claim)
        computed = computed_value(variant, claim.quantity)
        holds = abs(computed - stated) <= claim.tolerance * abs(stated)
        checks.append(
            ClaimCheck(
                claim=claim.text,
                source=claim.source,
                variant=variant.name,
                quantity=claim.quantity,
                stated=stated,
                computed=computed,
                unit=_QUANTITIES[claim.quantity][1],
                tolerance_frac=claim.tolerance,
                holds=bool(holds),
                reason="" if holds else claim_reason(claim, stated, computed, spec, result),
            )
        )
    return tuple(checks)
