"""Checking published claims against what hashtide computes with the same inputs."""

from __future__ import annotations

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
        "machines": float(variant.machines),
        "hashrate": variant.installed_hashrate_hs,
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


def check_claims(spec: schema.ScenarioSpec, result: ScenarioResult) -> tuple[ClaimCheck, ...]:
    """Each claim of ``spec`` beside the computed figure: holds within its tolerance or not."""
    by_name = {v.name: v for v in result.variants}
    checks = []
    for claim in spec.claims:
        variant = by_name[claim.variant]
        stated = stated_value(claim)
        computed = computed_value(variant, claim.quantity)
        holds = abs(computed - stated) <= claim.tolerance * abs(stated)
        checks.append(
            ClaimCheck(
                claim=claim.text,
                source=claim.source,
                variant=claim.variant,
                quantity=claim.quantity,
                stated=stated,
                computed=computed,
                unit=_QUANTITIES[claim.quantity][1],
                tolerance_frac=claim.tolerance,
                holds=bool(holds),
            )
        )
    return tuple(checks)
