"""What running a scenario returns: per-variant figures, series for charts, claim checks."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from hashtide.market.replay import ReplayResult

#: What each ``network.response`` means, for reports and ``--json``.
RESPONSE_TEXT = {
    "market": "the calibrated world market: regions × vintages rebuilt from the chain, "
    "machines on sale from the catalog, run/switch-off, buying and retiring by cost "
    "(behaviour fitted on data before the start)",
    "elasticity": "the elasticity rule: the rest grows at a stated rate and its hashrate "
    "follows (hashprice / baseline hashprice)^ε",
    "fixed": "fixed: the rest grows at a stated rate and does not respond",
}


@dataclass(frozen=True, kw_only=True)
class Band:
    """A Monte Carlo quantity: 5th percentile, median, 95th percentile, and mean."""

    p5: float
    median: float
    p95: float
    mean: float

    def as_dict(self) -> dict[str, float]:
        """``{"p5": …, "median": …, "p95": …, "mean": …}``."""
        return {"p5": self.p5, "median": self.median, "p95": self.p95, "mean": self.mean}


@dataclass(frozen=True, kw_only=True)
class YearResult:
    """One horizon year of a variant (bands across paths).

    ``hashprice_usd_per_ph_day``: the year's mean hashprice; ``share_frac``: the actor's share
    of the work done that year; ``btc``: BTC the actor mined that year.
    """

    year: int
    starts: dt.date
    hashprice_usd_per_ph_day: Band
    share_frac: Band
    btc: Band

    def as_dict(self) -> dict[str, Any]:
        """The ``--json`` form (bands without the mean)."""

        def trio(b: Band) -> dict[str, float]:
            return {"p5": b.p5, "median": b.median, "p95": b.p95}

        return {
            "year": self.year,
            "from": self.starts.isoformat(),
            "hashprice_usd_per_ph_day": trio(self.hashprice_usd_per_ph_day),
            "share_frac": trio(self.share_frac),
            "btc": trio(self.btc),
        }


@dataclass(frozen=True, kw_only=True)
class SiteResult:
    """One site of a variant: machines, hashrate, energy, emissions (medians across paths)."""

    name: str
    fuel: str
    facility_power_w: float
    machines: int
    installed_hashrate_hs: float
    mean_hashrate_hs: float
    running_frac: float
    energy_kwh_per_year: float
    co2_kg_per_year: float
    net_co2_kg_per_year: float
    btc_per_year: float
    power_cost_usd_per_kwh: float
    intensity_g_per_kwh: float
    #: The site never runs (its power costs more than the hashprice ever pays): shown as idle,
    #: and left out of the variant's installed hashrate and capex.
    idle: bool = False


@dataclass(frozen=True, kw_only=True)
class ClaimCheck:
    """A published statement next to the figure hashtide computes with the same inputs."""

    claim: str
    source: str
    variant: str
    quantity: str
    stated: float
    computed: float
    unit: str
    tolerance_frac: float
    holds: bool
    #: Why a claim that fails fails, when hashtide can tell (a unit slip, a daily figure read as
    #: a yearly one); empty otherwise.
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The JSON form ``{claim, stated, computed, holds, …}``."""
        return {
            "claim": self.claim,
            "source": self.source,
            "variant": self.variant,
            "quantity": self.quantity,
            "stated": self.stated,
            "computed": self.computed,
            "unit": self.unit,
            "tolerance_frac": self.tolerance_frac,
            "holds": self.holds,
            "reason": self.reason,
        }


@dataclass(frozen=True, kw_only=True)
class VariantResult:
    """The figures of one variant (e.g. "5 GW") of a scenario.

    ``series`` has one row per grid time (UTC index) with medians and 5/95 % bands across
    paths: ``share_frac_*`` (the actor's share of network hashrate), ``network_hashrate_hs_*``,
    ``actor_hashrate_hs_*``, ``cumulative_btc_*``, ``difficulty_*``, ``hashprice_usd_per_th_day_*``
    (suffixes ``p5``, ``median``, ``p95``). ``cash_flow`` has one row per year (``year`` 1, 2 …)
    with median ``revenue_usd``, ``energy_cost_usd``, ``opex_usd``, ``capex_usd``,
    ``net_usd`` and ``cumulative_net_usd``.
    """

    name: str
    facility_power_w: float
    machines: int
    installed_hashrate_hs: float
    mean_hashrate_hs: Band
    network_share_frac: Band
    network_hashrate_hs: Band
    btc_per_year: Band
    cost_usd_per_btc: Band
    energy_kwh_per_year: Band
    co2_kg_per_year: Band
    capex_usd: float
    revenue_usd_per_year: Band
    npv_usd: Band
    break_even_btc_price_usd: Band
    #: Internal rate of return of the yearly flows [1/year]; NaN on paths where none exists.
    irr_frac: Band
    #: Years until cumulative net cash turns positive; ``inf`` on paths where it never does
    #: within the horizon (so a median of ``inf`` means most paths never pay back).
    payback_years: Band
    sites: tuple[SiteResult, ...]
    series: pd.DataFrame
    cash_flow: pd.DataFrame
    #: The rest of the world's response model: "market", "elasticity" or "fixed".
    network_response: str = "market"
    #: Per horizon year: hashprice, the actor's share and its BTC (bands across paths).
    yearly: tuple[YearResult, ...] = ()
    #: The largest share the actor reached (median path's daily peak) [0–1].
    peak_share_frac: float = math.nan


@dataclass(frozen=True, kw_only=True)
class ScenarioResult:
    """Everything ``run_scenario`` computes, with what it was computed from."""

    scenario: str
    description: str
    actor: str
    start_time_s: float
    horizon_years: float
    n_paths: int
    seed: int
    start_height: int
    start_difficulty: float
    start_network_hashrate_hs: float
    btc_price_usd: float
    machine_model: str
    machine_hashrate_hs: float
    machine_power_w: float
    machine_price_usd: float
    fees_btc_per_block: float
    assumptions: tuple[tuple[str, str, str], ...]
    variants: tuple[VariantResult, ...]
    claims: tuple[ClaimCheck, ...] = field(default_factory=tuple)
    versions: dict[str, str] = field(default_factory=dict)
    #: The rest of the world's response model used ("market", "elasticity", "fixed").
    network_response: str = "market"
    #: For a start in the past on the world market: the run scored against the chain, its
    #: counterfactual and the claims about the world (None otherwise).
    replay: ReplayResult | None = None
    #: One-at-a-time sensitivity runs (``--sensitivity``), see :mod:`hashtide.scenario.sensitivity`.
    sensitivity: pd.DataFrame | None = None

    def summary_frame(self) -> pd.DataFrame:
        """One row per variant with the headline figures (medians; BTC/year with its band)."""
        rows = []
        for v in self.variants:
            rows.append(
                {
                    "variant": v.name,
                    "machines": v.machines,
                    "hashrate_hs": v.installed_hashrate_hs,
                    "mean_hashrate_hs": v.mean_hashrate_hs.median,
                    "network_share_frac": v.network_share_frac.median,
                    "btc_per_year_p5": v.btc_per_year.p5,
                    "btc_per_year_median": v.btc_per_year.median,
                    "btc_per_year_p95": v.btc_per_year.p95,
                    "cost_usd_per_btc": v.cost_usd_per_btc.median,
                    "energy_kwh_per_year": v.energy_kwh_per_year.median,
                    "co2_kg_per_year": v.co2_kg_per_year.median,
                }
            )
        return pd.DataFrame(rows)

    def summary_json(self) -> dict[str, Any]:
        """The ``--json`` form: one entry per variant, and the claim checks.

        Strict JSON: a figure that is not a finite number (the cost per BTC when nothing is
        mined) is ``None``. Each variant's investment figures: ``capex_usd``, and ``npv_usd``
        (at the actor's discount rate), ``irr_frac`` [1/year] and ``payback_years`` as
        ``{"p5", "median", "p95"}`` across paths; an IRR of ``None`` means no rate zeroes the
        NPV, a payback of ``None`` that the machines do not pay back within the horizon.
        """
        summary: dict[str, Any] = _json_safe(
            {
                "scenario": self.scenario,
                "paths": self.n_paths,
                "seed": self.seed,
                "network_response": self.network_response,
                "variants": [
                    {
                        "name": v.name,
                        "machines": v.machines,
                        "hashrate_hs": v.installed_hashrate_hs,
                        "mean_hashrate_hs": v.mean_hashrate_hs.median,
                        "network_share_frac": v.network_share_frac.median,
                        "btc_per_year": {
                            "p5": v.btc_per_year.p5,
                            "median": v.btc_per_year.median,
                            "p95": v.btc_per_year.p95,
                        },
                        "cost_usd_per_btc": v.cost_usd_per_btc.median,
                        "energy_kwh_per_year": v.energy_kwh_per_year.median,
                        "co2_kg_per_year": v.co2_kg_per_year.median,
                        "network_response": v.network_response,
                        "peak_share_frac": v.peak_share_frac,
                        "idle_sites": [s.name for s in v.sites if s.idle],
                        "yearly": [y.as_dict() for y in v.yearly],
                        "capex_usd": v.capex_usd,
                        "npv_usd": _band_json(v.npv_usd),
                        "irr_frac": _band_json(v.irr_frac),
                        "payback_years": _band_json(v.payback_years),
                    }
                    for v in self.variants
                ],
                "claims": [c.as_dict() for c in self.claims],
            }
        )
        if self.replay is not None:
            replay = self.replay
            summary["replay"] = _json_safe(
                {
                    "mdape_pct": replay.mdape_pct,
                    "expected_mdape_pct": replay.expected_mdape_pct,
                    "drop_height_simulated": replay.drop_height_simulated,
                    "drop_height_actual": replay.drop_height_actual,
                    "claims": [
                        {
                            "claim": c.text,
                            "stated": c.stated,
                            "computed": c.computed,
                            "unit": c.unit,
                            "holds": c.holds,
                            "explanation": c.explanation,
                        }
                        for c in replay.claims
                    ],
                }
            )
        if self.sensitivity is not None:
            summary["sensitivity"] = _json_safe(self.sensitivity.to_dict(orient="records"))
        elif self.replay is not None and self.replay.sensitivity is not None:
            summary["sensitivity"] = _json_safe(self.replay.sensitivity.to_dict(orient="records"))
        return summary


def _band_json(band: Band) -> dict[str, float]:
    """A band's 5 %, median and 95 % as ``{"p5", "median", "p95"}``."""
    return {"p5": band.p5, "median": band.median, "p95": band.p95}


def _json_safe(value: Any) -> Any:
    """NaN and infinities become ``None``, recursively through dicts and lists."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value
