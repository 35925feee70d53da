"""Energy: carbon intensity of electricity (lifecycle factors per fuel, grid averages).

Sources, sites and availability profiles come with the state-program scenarios.
"""

from hashtide.energy.carbon import (
    carbon_provenance,
    fuels,
    grid_intensity_g_per_kwh,
    lifecycle_intensity_g_per_kwh,
    regions,
)

__all__ = [
    "carbon_provenance",
    "fuels",
    "grid_intensity_g_per_kwh",
    "lifecycle_intensity_g_per_kwh",
    "regions",
]
