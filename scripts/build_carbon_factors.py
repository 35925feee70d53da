"""Derive hashtide's shipped carbon-intensity tables from public raw data.

Reads, from the raw-data folder (default ``../shared/data/raw``):

* ``carbon/owid_ipcc_ar5_lifecycle_emission_factors.csv`` — IPCC AR5 (2014) median lifecycle
  emission factors per generation technology, as published by Our World in Data (CC BY 4.0);
* ``carbon/owid_ember_carbon_intensity_electricity_1990-2025.csv`` — carbon intensity of
  electricity generation per country/region and year, Ember via Our World in Data (CC BY 4.0);

and writes ``src/hashtide/data/carbon_lifecycle.csv``, ``carbon_grid.csv`` (years 2010 on) and
``carbon.meta.json``. Columns are renamed to hashtide's names once, here.

Usage::

    python scripts/build_carbon_factors.py [--raw DIR] [--out DIR]
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from pathlib import Path

from _build_common import arg_parser, write_csv

FIRST_GRID_YEAR = 2010

#: Raw technology name → hashtide fuel key.
FUEL_KEYS = {
    "Biomass": "biomass",
    "Coal": "coal",
    "Geothermal": "geothermal",
    "Hydropower": "hydro",
    "Natural Gas": "gas",
    "Nuclear": "nuclear",
    "Offshore wind": "wind_offshore",
    "Oil": "oil",
    "Onshore wind": "wind_onshore",
    "Solar": "solar",
    "Wind": "wind",
}

SOURCES = {
    "lifecycle": {
        "file": "carbon/owid_ipcc_ar5_lifecycle_emission_factors.csv",
        "what": "IPCC AR5 (2014) median lifecycle emission factors [gCO2e/kWh]; oil derived by "
        "OWID from coal x the IPCC 2006 oil/coal ratio",
        "origin": "owid/owid-datasets, datasets/CO2 emissions factors of energy sources "
        "(IPCC, 2014)",
        "commit": "e9416b13d52ef946561ea1bf1ccbdaab9ceed66f",
        "citation": "Schlömer S. et al. (2014), Annex III: Technology-specific cost and "
        "performance parameters, in IPCC AR5 WG3, Table A.III.2",
        "licence": "CC BY 4.0",
    },
    "grid": {
        "file": "carbon/owid_ember_carbon_intensity_electricity_1990-2025.csv",
        "what": "carbon intensity of electricity generation [gCO2e/kWh] by country/region and year",
        "origin": "sayanarman/CAP6938-Final-Project, data/carbon-intensity-electricity.csv "
        "(upstream: Ember, via Our World in Data)",
        "commit": "28a2c8af27bbfdecc8edac42f9d5f94528064a44",
        "citation": "Ember (2025), Yearly Electricity Data; processed by Our World in Data",
        "licence": "CC BY 4.0",
    },
}


class BuildError(Exception):
    """Raised when a raw file does not look as expected."""


def read_lifecycle(path: Path) -> list[dict[str, str]]:
    rows = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.reader(handle):
            if row[0] == "Entity":
                continue
            entity, year, value = row
            if entity not in FUEL_KEYS:
                raise BuildError(f"{path.name}: unknown technology {entity!r}")
            rows.append(
                {
                    "fuel": FUEL_KEYS[entity],
                    "name": entity,
                    "intensity_g_per_kwh": f"{float(value):g}",
                    "year": year,
                }
            )
    return rows


def read_grid(path: Path) -> list[dict[str, str]]:
    rows = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        value_column = "Carbon intensity of electricity per kWh"
        if reader.fieldnames != ["Entity", "Code", "Year", value_column]:
            raise BuildError(f"{path.name}: unexpected columns {reader.fieldnames}")
        for row in reader:
            year = int(row["Year"])
            if year < FIRST_GRID_YEAR:
                continue
            value = float(row[value_column])
            if not 0 <= value < 2_000:
                raise BuildError(f"{path.name}: {row['Entity']} {year}: implausible {value}")
            rows.append(
                {
                    "region": row["Entity"],
                    "code": row["Code"],
                    "year": str(year),
                    "intensity_g_per_kwh": f"{value:g}",
                }
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    args = arg_parser(__doc__.splitlines()[0]).parse_args(argv)
    try:
        lifecycle = read_lifecycle(args.raw / SOURCES["lifecycle"]["file"])
        grid = read_grid(args.raw / SOURCES["grid"]["file"])
    except (BuildError, OSError, ValueError, KeyError) as exc:
        print(f"build_carbon_factors: {exc}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(args.out / "carbon_lifecycle.csv", lifecycle)
    write_csv(args.out / "carbon_grid.csv", grid)
    meta = {
        "tables": {
            "carbon_lifecycle.csv": {
                "rows": len(lifecycle),
                "columns": {
                    "fuel": "hashtide fuel key",
                    "name": "technology as the source names it",
                    "intensity_g_per_kwh": "median lifecycle emissions [gCO2e/kWh]",
                    "year": "publication year of the factor",
                },
                "source": SOURCES["lifecycle"],
            },
            "carbon_grid.csv": {
                "rows": len(grid),
                "years": [FIRST_GRID_YEAR, max(int(r["year"]) for r in grid)],
                "regions": len({r["region"] for r in grid}),
                "columns": {
                    "region": "country or region as Ember/OWID names it",
                    "code": "ISO 3166-1 alpha-3 code (empty for aggregates)",
                    "year": "calendar year",
                    "intensity_g_per_kwh": "carbon intensity of generation [gCO2e/kWh]",
                },
                "source": SOURCES["grid"],
            },
        },
        "built_by": "scripts/build_carbon_factors.py",
        "built_on": dt.date.today().isoformat(),
    }
    (args.out / "carbon.meta.json").write_text(
        json.dumps(meta, indent=2, ensure_ascii=False) + "\n"
    )
    print(f"wrote carbon_lifecycle.csv ({len(lifecycle)} rows), carbon_grid.csv ({len(grid)} rows)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
