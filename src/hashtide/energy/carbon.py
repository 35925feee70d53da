"""Carbon intensity of electricity: lifecycle factors per fuel and grid averages per country.

Figures ship with hashtide (``scripts/build_carbon_factors.py`` derives them from public data):

* lifecycle factors: IPCC AR5 WG3 Annex III, Table A.III.2 medians, via Our World in Data
  (CC BY 4.0);
* grid averages: Ember's yearly electricity data via Our World in Data (CC BY 4.0), 2010 on,
  with each grid's renewable share of generation (OWID share of electricity by source, to 2022),
  and two Chinese mining regions (Sichuan & Yunnan, Xinjiang & Inner Mongolia: the provinces'
  2019-2021 generation mix from NBS China × the IPCC AR5 medians);
* the seasonal split of China's mining between those two regions (``china_hydro_season.csv``,
  :func:`china_hydro_season`).
"""

from __future__ import annotations

import difflib
from functools import cache
from typing import Any

from hashtide.energy._tables import read_meta, read_rows
from hashtide.errors import InvalidInputError


@cache
def _lifecycle() -> dict[str, float]:
    return {r["fuel"]: float(r["intensity_g_per_kwh"]) for r in read_rows("carbon_lifecycle.csv")}


#: Fuels counted as renewable (hydro, wind, solar, geothermal, biomass); coal, gas, oil and
#: nuclear are not — de Vries et al. (2022) and CCAF count nuclear apart.
RENEWABLE_FUELS = frozenset(
    {"hydro", "wind", "wind_onshore", "wind_offshore", "solar", "geothermal", "biomass"}
)


@cache
def _grid() -> dict[str, dict[int, float]]:
    out: dict[str, dict[int, float]] = {}
    for row in read_rows("carbon_grid.csv"):
        out.setdefault(row["region"], {})[int(row["year"])] = float(row["intensity_g_per_kwh"])
    return out


@cache
def _renewable() -> dict[str, dict[int, float]]:
    out: dict[str, dict[int, float]] = {}
    for row in read_rows("carbon_grid.csv"):
        if row["renewable_frac"]:
            out.setdefault(row["region"], {})[int(row["year"])] = float(row["renewable_frac"])
    return out


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=3, cutoff=0.6)
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def fuels() -> list[str]:
    """Fuel keys with a lifecycle factor: ``coal``, ``gas``, ``hydro``, ``nuclear`` …"""
    return sorted(_lifecycle())


def lifecycle_intensity_g_per_kwh(fuel: str) -> float:
    """Median lifecycle emissions of electricity from ``fuel`` [gCO2e/kWh].

    Parameters
    ----------
    fuel : str
        A key from :func:`fuels` (``coal`` 820, ``gas`` 490, ``oil`` 611, ``hydro`` 24,
        ``nuclear`` 12, ``solar`` 48, ``wind`` 12 …).

    Notes
    -----
    Lifecycle factors include construction and fuel supply, not only combustion, so they are
    the fair basis for comparing sources. ``oil`` is OWID's derivation (coal × the IPCC 2006
    oil/coal ratio), not an AR5 figure.

    References
    ----------
    Schlömer, S. et al. (2014), Annex III in *Climate Change 2014: Mitigation*, IPCC AR5 WG3,
    Table A.III.2. https://www.ipcc.ch/report/ar5/wg3/

    Examples
    --------
    >>> lifecycle_intensity_g_per_kwh("coal")
    820.0
    """
    table = _lifecycle()
    key = fuel.strip().lower().replace(" ", "_").replace("-", "_")
    if key not in table:
        raise InvalidInputError(
            f"unknown fuel {fuel!r}{_suggest(key, list(table))} (known: {', '.join(fuels())})"
        )
    return table[key]


def regions() -> list[str]:
    """Countries and regions with a grid carbon intensity (Ember/OWID names)."""
    return sorted(_grid())


def grid_intensity_g_per_kwh(region: str, year: int, *, nearest: bool = False) -> float:
    """Average carbon intensity of a region's electricity generation in ``year`` [gCO2e/kWh].

    Parameters
    ----------
    region : str
        Country or region as Ember/OWID name it (``"China"``, ``"United States"``,
        ``"Kazakhstan"``, ``"World"``); case-insensitive.
    year : int
        Calendar year (2010 on).
    nearest : bool
        If the year is missing, use the nearest year the data has instead of raising.

    Examples
    --------
    >>> grid_intensity_g_per_kwh("China", 2021)
    599.05
    """
    table = _grid()
    by_lower = {name.lower(): name for name in table}
    name = by_lower.get(region.strip().lower())
    if name is None:
        raise InvalidInputError(f"unknown region {region!r}{_suggest(region, list(table))}")
    years = table[name]
    if year in years:
        return years[year]
    if nearest and years:
        closest = min(years, key=lambda y: (abs(y - year), -y))
        return years[closest]
    raise InvalidInputError(
        f"no grid carbon intensity for {name} in {year}: data covers "
        f"{min(years)}–{max(years)} (pass nearest=True to use the closest year)"
    )


def fuel_renewable_frac(fuel: str) -> float:
    """1.0 if ``fuel`` is renewable (:data:`RENEWABLE_FUELS`), else 0.0.

    Examples
    --------
    >>> fuel_renewable_frac("hydro"), fuel_renewable_frac("nuclear")
    (1.0, 0.0)
    """
    lifecycle_intensity_g_per_kwh(fuel)  # unknown fuels are refused the same way
    key = fuel.strip().lower().replace(" ", "_").replace("-", "_")
    return 1.0 if key in RENEWABLE_FUELS else 0.0


def grid_renewable_frac(region: str, year: int, *, nearest: bool = False) -> float:
    """Renewable share of a region's electricity generation in ``year`` [0–1].

    Hydro, solar, wind, other renewables and bioenergy over all generation (OWID share of
    electricity by source; data to 2022), or for the two Chinese mining regions hydro, solar and
    wind (NBS China, 2019–2021).

    Parameters
    ----------
    region : str
        As for :func:`grid_intensity_g_per_kwh`.
    year : int
    nearest : bool
        If the year is missing, use the nearest year the data has instead of raising.

    Examples
    --------
    >>> grid_renewable_frac("Kazakhstan", 2021)
    0.1054
    >>> grid_renewable_frac("China: Sichuan & Yunnan (mining-weighted)", 2020)
    0.8729
    """
    table = _renewable()
    by_lower = {name.lower(): name for name in _grid()}
    name = by_lower.get(region.strip().lower())
    if name is None:
        raise InvalidInputError(f"unknown region {region!r}{_suggest(region, list(_grid()))}")
    years = table.get(name, {})
    if year in years:
        return years[year]
    if nearest and years:
        closest = min(years, key=lambda y: (abs(y - year), -y))
        return years[closest]
    covered = f"{min(years)}–{max(years)}" if years else "no year"
    raise InvalidInputError(
        f"no renewable share for {name} in {year}: data covers {covered}"
        + (" (pass nearest=True to use the closest year)" if years else "")
    )


@cache
def china_hydro_season() -> tuple[float, ...]:
    """Sichuan & Yunnan's share of mainland China's hashrate, January … December [0–1].

    Miners moved from the coal provinces (Xinjiang, Inner Mongolia) to the hydro provinces
    (Sichuan, Yunnan) for the wet season, May–October, and back. Cambridge published the
    provincial split for April 2020 only (Sichuan & Yunnan 15.08 % of 65.08 %, i.e. 0.232);
    the other months are inferred from CBECI's monthly emission intensity, September 2019 …
    December 2020 (``scripts/build_carbon_factors.py``, ``hydro_season``; the method and the
    month-by-month figures are in :func:`carbon_provenance`).

    Examples
    --------
    >>> season = china_hydro_season()
    >>> season[3], max(season[4:10]) > 0.6   # April (published), the wet season
    (0.232, True)
    """
    rows = read_rows("china_hydro_season.csv")
    by_month = {int(r["month"]): float(r["china_share_frac"]) for r in rows}
    return tuple(by_month[m] for m in range(1, 13))


def carbon_provenance() -> dict[str, Any]:
    """Sources, licences and build date of the shipped carbon tables."""
    return read_meta("carbon.meta.json")
