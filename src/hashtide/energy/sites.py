"""Energy sites: where machines run, on what power, at what price and carbon intensity."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from hashtide.energy.carbon import lifecycle_intensity_g_per_kwh
from hashtide.energy.profiles import AvailabilityProfile, Constant
from hashtide.errors import InvalidInputError


@dataclass(frozen=True, kw_only=True)
class Site:
    """A mining site on one energy source.

    Parameters
    ----------
    name : str
        What the site is, e.g. ``"retired coal plants"``.
    fuel : str
        Generation technology, a key of :func:`hashtide.energy.fuels` (``coal``, ``hydro``,
        ``nuclear``, ``gas``, ``oil`` …); sets the default carbon intensity.
    capacity_w : float
        Facility power the site can give mining at full availability [W] (IT load × PUE).
    price_usd_per_kwh : float
        Marginal cost of the site's electricity [USD/kWh].
    availability : AvailabilityProfile
        Share of capacity usable at each moment (default: always all of it).
    pue : float
        Power usage effectiveness: facility power ÷ IT power (cooling, conversion) [-].
    intensity_g_per_kwh : float or None
        Carbon intensity of the site's electricity [gCO2e/kWh]; ``None`` takes the IPCC AR5
        lifecycle median of ``fuel``.
    counterfactual_g_per_kwh : float
        Emissions per kWh that would happen without the site [gCO2e/kWh] — e.g. associated gas
        that would be flared anyway. Net emissions subtract it.
    retrofit_capex_usd_per_w : float
        One-off cost to make the site ready per watt of capacity [USD/W] (power, cooling,
        buildings); 1 USD/W = 1 M USD/MW.
    restart_capex_usd : float
        One-off cost to restart the source itself (a retired plant) [USD].
    curtail : bool
        Switch machines off while hashprice is below the site's power cost (economic
        curtailment). Sites whose power is sunk cost may set this to false.
    """

    name: str
    fuel: str
    capacity_w: float
    price_usd_per_kwh: float
    availability: AvailabilityProfile = field(default_factory=Constant)
    pue: float = 1.1
    intensity_g_per_kwh: float | None = None
    counterfactual_g_per_kwh: float = 0.0
    retrofit_capex_usd_per_w: float = 0.0
    restart_capex_usd: float = 0.0
    curtail: bool = True

    def __post_init__(self) -> None:
        problems = []
        checks = {
            "capacity_w": self.capacity_w >= 0,
            "price_usd_per_kwh": self.price_usd_per_kwh >= 0,
            "pue": self.pue >= 1.0,
            "counterfactual_g_per_kwh": self.counterfactual_g_per_kwh >= 0,
            "retrofit_capex_usd_per_w": self.retrofit_capex_usd_per_w >= 0,
            "restart_capex_usd": self.restart_capex_usd >= 0,
        }
        for name, ok in checks.items():
            value = getattr(self, name)
            if not (ok and math.isfinite(value)):
                bound = ">= 1" if name == "pue" else ">= 0"
                problems.append(f"{name}={value!r} must be finite and {bound}")
        if self.intensity_g_per_kwh is not None and not self.intensity_g_per_kwh >= 0:
            problems.append(f"intensity_g_per_kwh={self.intensity_g_per_kwh!r} must be >= 0")
        profile: object = self.availability
        if not isinstance(profile, AvailabilityProfile):
            problems.append(f"availability={profile!r} is not an availability profile")
        if problems:
            raise InvalidInputError(f"site {self.name!r}: " + "; ".join(problems))
        if self.intensity_g_per_kwh is None:
            lifecycle_intensity_g_per_kwh(self.fuel)  # raises with "did you mean" if unknown

    @property
    def carbon_intensity_g_per_kwh(self) -> float:
        """Gross carbon intensity of the site's electricity [gCO2e/kWh]."""
        if self.intensity_g_per_kwh is not None:
            return self.intensity_g_per_kwh
        return lifecycle_intensity_g_per_kwh(self.fuel)

    @property
    def net_intensity_g_per_kwh(self) -> float:
        """Intensity net of what would be emitted anyway (never below zero here)."""
        return max(0.0, self.carbon_intensity_g_per_kwh - self.counterfactual_g_per_kwh)

    @property
    def it_capacity_w(self) -> float:
        """Power left for machines after facility overhead: ``capacity_w / pue`` [W]."""
        return self.capacity_w / self.pue

    @property
    def capex_usd(self) -> float:
        """One-off site cost: retrofit per watt × capacity + restart [USD]."""
        return self.retrofit_capex_usd_per_w * self.capacity_w + self.restart_capex_usd
