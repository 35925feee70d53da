"""Energy: sites, availability profiles, carbon intensity, and the equivalences people quote."""

from hashtide.energy.carbon import (
    RENEWABLE_FUELS,
    carbon_provenance,
    china_hydro_season,
    fuel_renewable_frac,
    fuels,
    grid_intensity_g_per_kwh,
    grid_renewable_frac,
    lifecycle_intensity_g_per_kwh,
    regions,
)
from hashtide.energy.equivalences import (
    CO2_KG_PER_PASSENGER_CAR_YEAR,
    KGCE_PER_KWH_CALORIFIC,
    KGCE_PER_KWH_CHINA_COAL_POWER_2020,
    coal_tce,
    passenger_cars,
)
from hashtide.energy.profiles import (
    AvailabilityProfile,
    Constant,
    Declining,
    LimitedHours,
    Monthly,
    OffPeak,
    mean_availability_frac,
)
from hashtide.energy.sites import Site

__all__ = [
    "CO2_KG_PER_PASSENGER_CAR_YEAR",
    "KGCE_PER_KWH_CALORIFIC",
    "KGCE_PER_KWH_CHINA_COAL_POWER_2020",
    "RENEWABLE_FUELS",
    "AvailabilityProfile",
    "Constant",
    "Declining",
    "LimitedHours",
    "Monthly",
    "OffPeak",
    "Site",
    "carbon_provenance",
    "china_hydro_season",
    "coal_tce",
    "fuel_renewable_frac",
    "fuels",
    "grid_intensity_g_per_kwh",
    "grid_renewable_frac",
    "lifecycle_intensity_g_per_kwh",
    "mean_availability_frac",
    "passenger_cars",
    "regions",
]
