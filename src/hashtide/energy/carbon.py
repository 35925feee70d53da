"""Carbon intensity of electricity: lifecycle factors per fuel and grid averages per country.

Figures ship with hashtide (``scripts/build_carbon_factors.py`` derives them from public data):

* lifecycle factors: IPCC AR5 WG3 Annex III, Table A.III.2 medians, via Our World in Data
  (CC BY 4.0);
* grid averages: Ember's yearly electricity data via Our World in Data (CC BY 4.0), 2010 on.
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


@cache
def _grid() -> dict[str, dict[int, float]]:
    out: dict[str, dict[int, float]] = {}
    for row in read_rows("carbon_grid.csv"):
        out.setdefault(row["region"], {})[int(row["year"])] = float(row["intensity_g_per_kwh"])
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


def carbon_provenance() -> dict[str, Any]:
    """Sources, licences and build date of the shipped carbon tables."""
    return read_meta("carbon.meta.json")
