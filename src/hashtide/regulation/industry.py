"""The registered business against the evidence, and the differential tariff a category pays.

**Industry check** (:func:`industry_findings`). A facility registers a GB/T 4754-2017 code
(``registration.industry_code``; e.g. 6450 互联网数据服务). The pack's table says which categories
each code's business covers. Three channels are compared with it, each on its own audit line:

* the **declared activity** (what the operator says it does);
* the **decision** (the category the rules reached from hardware, network and meter evidence —
  conclusive unless its track is ``verify_further``, then a lead);
* the **meter** (``meter.pattern``: a mining-like block, GPUs flat out, AI jobs, an office day —
  from the detector, ``screen`` or a declared ``meter_evidence``; always a lead).

A channel whose category the code does not cover is an ``industry-mismatch`` finding; a code the
table does not know is ``industry-code-unknown``. Findings cite the code's entry and what the
pack's law says about mismatches (for 1283号, （三）精准区分数据中心与虚拟货币“矿场”).

**Tariff** (:func:`applicable_tariff`). Among the pack's tariffs for the decided category, the
ones for the facility's region beat the national ones (a provincial notice raises the national
floor: 1283号 （十三） "地方可根据实际情况进一步提高加价标准"); the highest rate among equals. Its
yearly cost is the surcharge times the consumption the text names: the mining machines'
(``energy.mining_kwh_per_year``) or the whole account's (``energy.account_kwh_per_year`` —
Sichuan 186号: "执行电量为其对应户号的全部用电量"). While the track is ``verify_further`` the
cost is what it *would* be if the lead is confirmed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from hashtide.regulation.facilities import FacilityEvidence

if TYPE_CHECKING:
    from hashtide.regulation.rules import RulePack

#: The category each declared activity claims.
ACTIVITY_CATEGORY: Final[dict[str, str]] = {
    "pow_mining": "pow_mining",
    "gpu_mining": "gpu_mining",
    "storage_mining": "storage_mining",
    "pos_validator": "pos_validator",
    "ai_training": "ai_compute",
    "ai_inference": "ai_compute",
    "data_storage": "data_storage",
    "general_data_centre": "general_data_centre",
    "edge_compute": "general_data_centre",
    "office": "office",
}
#: The category each meter pattern points to (patterns that point to none are left out).
PATTERN_CATEGORY: Final[dict[str, str]] = {
    "onset": "pow_mining",
    "batches": "pow_mining",
    "always_on": "pow_mining",
    "night_only": "pow_mining",
    "weekend_only": "pow_mining",
    "curtailed": "pow_mining",
    "seasonal_heat": "pow_mining",
    "gpu_mining": "gpu_mining",
    "ai_training_jobs": "ai_compute",
    "ai_inference_diurnal": "ai_compute",
    "office_diurnal": "office",
}


@dataclass(frozen=True, kw_only=True)
class Finding:
    """An industry-check finding: what disagrees with the registered code, and on what."""

    kind: str
    channel: str
    strength: str
    text: str
    cites: tuple[Mapping[str, Any], ...]

    def lines(self) -> list[str]:
        """The finding's audit lines."""
        head = f"finding {self.kind} ({self.channel}, {self.strength}): {self.text}"
        return [head, *(f"  cites {c['text']}" for c in self.cites)]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "kind": self.kind,
            "channel": self.channel,
            "strength": self.strength,
            "text": self.text,
            "cites": [dict(c) for c in self.cites],
        }


@dataclass(frozen=True, kw_only=True)
class TariffCost:
    """The differential tariff that applies, and what it costs per year."""

    tariff_id: str
    description: str
    surcharge_cny_per_kwh: float
    applies_to: str
    energy_kwh_per_year: float | None
    energy_origin: str | None
    cost_cny_per_year: float | None
    conditional: bool
    replaces: tuple[str, ...]
    cites: tuple[Mapping[str, Any], ...]

    def lines(self) -> list[str]:
        """The tariff's audit lines."""
        basis = (
            "the whole account" if self.applies_to == "whole_account" else "the mining consumption"
        )
        head = f"tariff {self.tariff_id}: +{self.surcharge_cny_per_kwh:.2f} CNY/kWh on {basis}"
        if self.cost_cny_per_year is None:
            head += " — cost not computed: that consumption is unknown"
        else:
            head += (
                f" × {self.energy_kwh_per_year:,.0f} kWh/yr ({self.energy_origin}) = "
                f"{self.cost_cny_per_year:,.0f} CNY/yr"
                + (" if the lead is confirmed" if self.conditional else "")
            )
        if self.replaces:
            head += f" (in place of {', '.join(self.replaces)})"
        return [head, *(f"  cites {c['text']}" for c in self.cites)]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "tariff": self.tariff_id,
            "description": self.description,
            "surcharge_cny_per_kwh": self.surcharge_cny_per_kwh,
            "applies_to": self.applies_to,
            "energy_kwh_per_year": self.energy_kwh_per_year,
            "energy_origin": self.energy_origin,
            "cost_cny_per_year": self.cost_cny_per_year,
            "conditional": self.conditional,
            "replaces": list(self.replaces),
            "cites": [dict(c) for c in self.cites],
        }


def _in_region(region: Any, regions: list[str] | None) -> bool:
    if regions is None:
        return True
    return isinstance(region, str) and region.casefold() in {r.casefold() for r in regions}


def applicable_tariff(
    evidence: FacilityEvidence, category: str, track: str, pack: RulePack
) -> TariffCost | None:
    """The tariff for ``category`` where the facility is, costed per year (module notes)."""
    if evidence.values.get("project.stage") in ("planned", "under_construction"):
        return None  # a new project may not be connected at all (1283号 （十）)
    region = evidence.values.get("location.region")
    candidates = [
        t for t in pack.spec.tariffs if category in t.categories and _in_region(region, t.regions)
    ]
    if not candidates:
        return None
    regional = [t for t in candidates if t.regions is not None]
    pool = regional or candidates
    chosen = max(pool, key=lambda t: t.surcharge_cny_per_kwh)
    replaced = tuple(t.id for t in candidates if t is not chosen and t.regions is None)
    name = (
        "energy.account_kwh_per_year"
        if chosen.applies_to == "whole_account"
        else "energy.mining_kwh_per_year"
    )
    energy = evidence.values.get(name)
    cost = None if energy is None else chosen.surcharge_cny_per_kwh * float(energy)
    return TariffCost(
        tariff_id=chosen.id,
        description=chosen.description,
        surcharge_cny_per_kwh=chosen.surcharge_cny_per_kwh,
        applies_to=chosen.applies_to,
        energy_kwh_per_year=None if energy is None else float(energy),
        energy_origin=evidence.origin.get(name),
        cost_cny_per_year=cost,
        conditional=track == "verify_further",
        replaces=replaced,
        cites=tuple(pack.citation(c) for c in chosen.cite),
    )


def industry_findings(
    evidence: FacilityEvidence, category: str, track: str, decided_by: str, pack: RulePack
) -> list[Finding]:
    """Registered code against the declaration, the decision and the meter (module notes)."""
    table = pack.spec.industry_codes
    code = evidence.values.get("registration.industry_code")
    if table is None or code is None:
        return []
    entry = table.codes.get(str(code))
    law = tuple(pack.citation(c) for c in table.mismatch_cite)
    if entry is None:
        known = ", ".join(sorted(table.codes))
        return [
            Finding(
                kind="industry-code-unknown",
                channel="registry",
                strength="registry",
                text=f"registered code {code} is not in this pack's table ({known}): "
                "the registered business cannot be checked",
                cites=law,
            )
        ]
    registered = f"registered {code} {entry.name} (covers {', '.join(entry.categories)})"
    channels: list[tuple[str, str | None, str, str]] = []
    declared = evidence.values.get("declared_activity")
    if isinstance(declared, str):
        channels.append(
            (
                "declared activity",
                ACTIVITY_CATEGORY.get(declared),
                "declaration",
                f"declares {declared}",
            )
        )
    claimed = ACTIVITY_CATEGORY.get(declared) if isinstance(declared, str) else None
    if decided_by != "default" and category != claimed:
        strength = "lead" if track == "verify_further" else "conclusive"
        channels.append(("evidence", category, strength, f"the rules reach {category} → {track}"))
    pattern = evidence.values.get("meter.pattern")
    if isinstance(pattern, str):
        origin = evidence.origin.get("meter.pattern", "")
        channels.append(
            ("meter", PATTERN_CATEGORY.get(pattern), "lead", f"meter pattern {pattern} [{origin}]")
        )
    elif evidence.values.get("meter.mining_like") is True:
        origin = evidence.origin.get("meter.mining_like", "")
        channels.append(
            ("meter", "pow_mining", "lead", f"meter looks like a mining fleet [{origin}]")
        )
    code_cite = pack.citation(entry.cite)
    findings = []
    for channel, indicated, strength, what in channels:
        if indicated is None or indicated in entry.categories:
            continue
        findings.append(
            Finding(
                kind="industry-mismatch",
                channel=channel,
                strength=strength,
                text=f"{registered}; {what}, which points to {indicated}",
                cites=(code_cite, *law),
            )
        )
    return findings
