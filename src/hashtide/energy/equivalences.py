"""Equivalences people quote for electricity and emissions: tonnes of standard coal, cars.

Each constant carries its source. They are conversions for reports, not model inputs.
"""

from __future__ import annotations

from typing import Final

from hashtide._checks import real
from hashtide.errors import InvalidInputError

#: Calorific equivalent of electricity [kg of standard coal (kgce) per kWh]: 3.6 MJ / 29.3076
#: MJ/kgce. China's national standard GB/T 2589-2020 "General principles for calculation of
#: the comprehensive energy consumption", Appendix A (electricity, 当量值).
KGCE_PER_KWH_CALORIFIC: Final = 0.1229

#: Standard coal burned per kWh supplied by China's coal-fired plants (6 MW and larger), 2020
#: [kgce/kWh] (供电标准煤耗 305.5 g/kWh). China Electricity Council, *China Power Industry Annual
#: Development Report 2021*. Use this to say how much coal a load "burns".
KGCE_PER_KWH_CHINA_COAL_POWER_2020: Final = 0.3055

#: CO2 from a typical US passenger vehicle in a year [kg]: 4.6 t. US EPA, "Greenhouse Gas
#: Emissions from a Typical Passenger Vehicle", EPA-420-F-18-008 (2018).
CO2_KG_PER_PASSENGER_CAR_YEAR: Final = 4_600.0


def coal_tce(
    energy_kwh: float, *, kgce_per_kwh: float = KGCE_PER_KWH_CHINA_COAL_POWER_2020
) -> float:
    """Tonnes of standard coal that generate ``energy_kwh`` in coal plants [tce].

    Examples
    --------
    A load of 8 GW for one day (192 GWh) at China's 2020 coal-plant rate burns about 58,700 t:

    >>> round(coal_tce(8e6 * 24))
    58656
    """
    energy_kwh, kgce_per_kwh = real("energy_kwh", energy_kwh), real("kgce_per_kwh", kgce_per_kwh)
    if energy_kwh < 0 or kgce_per_kwh <= 0:
        raise InvalidInputError(
            f"energy_kwh={energy_kwh!r} must be >= 0 and kgce_per_kwh={kgce_per_kwh!r} > 0"
        )
    return energy_kwh * kgce_per_kwh / 1_000.0


def passenger_cars(co2_kg_per_year: float) -> float:
    """How many typical passenger cars emit ``co2_kg_per_year`` in a year (US EPA 4.6 t/car)."""
    co2_kg_per_year = real("co2_kg_per_year", co2_kg_per_year)
    if co2_kg_per_year < 0:
        raise InvalidInputError(f"co2_kg_per_year={co2_kg_per_year!r} must be >= 0")
    return co2_kg_per_year / CO2_KG_PER_PASSENGER_CAR_YEAR
