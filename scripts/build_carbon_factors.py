"""Derive hashtide's shipped carbon-intensity tables from public raw data.

Reads, from the raw-data folder (default ``../shared/data/raw``):

* ``carbon/owid_ipcc_ar5_lifecycle_emission_factors.csv`` — IPCC AR5 (2014) median lifecycle
  emission factors per generation technology, as published by Our World in Data (CC BY 4.0);
* ``carbon/owid_ember_carbon_intensity_electricity_1990-2025.csv`` — carbon intensity of
  electricity generation per country/region and year, Ember via Our World in Data (CC BY 4.0);
* ``carbon/owid_share_electricity_by_source_1985-2022.csv`` — share of electricity by source per
  country and year (OWID, CC BY 4.0): the renewable share of each grid;
* ``cbeci/cbeci_china_province_power_mix_2019-2021.csv`` — generation by source of the Chinese
  mining provinces (NBS China via huaon.com, compiled by CCAF): the two Chinese mining regions'
  carbon intensity (× IPCC AR5 medians) and renewable share;
* ``cbeci/cbeci_daily_power_consumption_efficiency_emissions_2010-2023.csv.gz`` and
  ``cbeci/cbeci_mining_map_countries_monthly_2019-09_2022-01.csv`` — CBECI's monthly emission
  intensity and country shares, used only to infer the seasonal split of China's mining between
  its hydro and coal provinces (:func:`hydro_season`); they do not ship.

and writes ``src/hashtide/data/carbon_lifecycle.csv``, ``carbon_grid.csv`` (years 2010 on, with
the two Chinese mining regions added), ``china_hydro_season.csv`` and ``carbon.meta.json``.
Columns are renamed to hashtide's names once, here.

Usage::

    python scripts/build_carbon_factors.py [--raw DIR] [--out DIR]
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
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
    "share": {
        "file": "carbon/owid_share_electricity_by_source_1985-2022.csv",
        "what": "share of electricity generation by source [%] per country and year; renewable "
        "= hydro + solar + wind + other renewables + bioenergy",
        "origin": "CambridgeAltFin/ccaf_cbeci_api, storage/eth_pow/share-elec-by-source.csv "
        "(upstream: Our World in Data)",
        "commit": "d43217152320ab039e39367cc290ee00c37e5ff3",
        "citation": "Our World in Data (2023), Share of electricity by source (Ember, Energy "
        "Institute Statistical Review of World Energy)",
        "licence": "CC BY 4.0",
    },
    "provinces": {
        "file": "cbeci/cbeci_china_province_power_mix_2019-2021.csv",
        "what": "generation by source [billion kWh] of Sichuan, Yunnan, Xinjiang and Inner "
        "Mongolia, 2019-2021",
        "origin": "CambridgeAltFin/ccaf_cbeci_api, storage/eth_pow/"
        "electricity-prod-source-stacked-CN-province.xlsx, sheet Data",
        "commit": "d43217152320ab039e39367cc290ee00c37e5ff3",
        "citation": "National Bureau of Statistics of China via huaon.com, compiled by CCAF",
        "licence": "facts (generation statistics); CCAF terms for the compilation",
    },
    "cbeci": {
        "file": "cbeci/cbeci_daily_power_consumption_efficiency_emissions_2010-2023.csv.gz and "
        "cbeci/cbeci_mining_map_countries_monthly_2019-09_2022-01.csv",
        "what": "CBECI daily emission intensity [gCO2e/kWh] (monthly means) and the Cambridge "
        "Mining Map's monthly country shares; used only to infer the 12 monthly figures of "
        "china_hydro_season.csv, they do not ship",
        "origin": "tushar2016sharma/Bitcoin_mining bitcoin_mining.csv (HEAD 72ab6e35); "
        "Mccalabrese/Bitcoin-Hashrate-simulations-MonteCarlo global_hash_rates.csv (HEAD "
        "aa26d805)",
        "citation": "Cambridge Centre for Alternative Finance, Cambridge Bitcoin Electricity "
        "Consumption Index (https://ccaf.io/cbnsi/cbeci), GHG emissions and Mining Map",
        "licence": "CCAF terms (CC BY-NC-SA 4.0 for the exports): not shipped, figures derived",
    },
}

#: The mining provinces' shares of world hashrate in April 2020, the only month with published
#: provincial figures: CCAF Mining Map via CoinDesk (2020-05-07), China total 65.08 %.
PROVINCE_SHARES_APRIL_2020 = {
    "Sichuan": 9.66,
    "Yunnan": 5.42,
    "Xinjiang": 35.76,
    "Inner Mongolia": 8.07,
}
CHINA_SHARE_APRIL_2020 = 65.08
#: hashtide's two Chinese mining regions: name in carbon_grid.csv → provinces.
MINING_REGIONS = {
    "China: Sichuan & Yunnan (mining-weighted)": ("Sichuan", "Yunnan"),
    "China: Xinjiang & Inner Mongolia (mining-weighted)": ("Xinjiang", "Inner Mongolia"),
}
#: Province-table source → IPCC AR5 fuel key (thermal counted as coal: 95 % of Chinese thermal
#: generation was coal-fired in 2020, China Electricity Council).
PROVINCE_FUELS = {
    "Thermal": "coal",
    "Hydro": "hydro",
    "Solar": "solar",
    "Wind": "wind",
    "Nuclear": "nuclear",
}
RENEWABLE_SOURCES = ("Hydro", "Solar", "Wind")
#: Mining-map country names → Ember/OWID names ("Other" → the world average).
MAP_COUNTRIES = {
    "Mainland China": "China",
    "United States": "United States",
    "Kazakhstan": "Kazakhstan",
    "Russian Federation": "Russia",
    "Canada": "Canada",
    "Malaysia": "Malaysia",
    "Iran, Islamic Rep.": "Iran",
    "Germany *": "Germany",
    "Ireland *": "Ireland",
    "Other": "World",
}
#: The months the seasonal split is inferred from: every mining-map month before 2021 (the
#: 2021 China replay starts on 2 May 2021 and is never used to set it).
SEASON_FIT = ("2019-09", "2020-12")


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


def read_renewable_shares(path: Path) -> dict[tuple[str, int], float]:
    """(OWID entity, year) → renewable share of generation [0-1]."""
    parts = (
        "Hydro (% electricity)",
        "Solar (% electricity)",
        "Wind (% electricity)",
        "Other renewables excluding bioenergy (% electricity)",
        "Bioenergy (% electricity)",
    )
    out = {}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in parts if c not in (reader.fieldnames or ())]
        if missing:
            raise BuildError(f"{path.name}: missing columns {missing}")
        for row in reader:
            values = [row[c] for c in parts]
            if not any(values):
                continue
            share = sum(float(v) for v in values if v) / 100.0
            if not 0 <= share <= 1.0001:
                raise BuildError(f"{path.name}: {row['Entity']} {row['Year']}: share {share}")
            out[(row["Entity"], int(row["Year"]))] = min(share, 1.0)
    return out


def read_provinces(path: Path) -> dict[tuple[str, int], dict[str, float]]:
    """(province, year) → generation by source [billion kWh]."""
    out: dict[tuple[str, int], dict[str, float]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            source = row["Electricity Consumption"]
            if source not in PROVINCE_FUELS:
                raise BuildError(f"{path.name}: unknown source {source!r}")
            key = (row["Province"], int(row["Year"]))
            out.setdefault(key, {})[source] = float(row["Amount (Unit: Billion kWh)"])
    return out


def mining_region_rows(
    provinces: dict[tuple[str, int], dict[str, float]], lifecycle: dict[str, float]
) -> list[dict[str, str]]:
    """Carbon intensity and renewable share of hashtide's two Chinese mining regions per year.

    Each province's generation mix × the IPCC AR5 medians, then the provinces weighted by their
    April 2020 mining shares (Sichuan 9.66 : Yunnan 5.42; Xinjiang 35.76 : Inner Mongolia 8.07).
    """
    rows = []
    years = sorted({y for _, y in provinces})
    for name, members in MINING_REGIONS.items():
        for year in years:
            weights = {p: PROVINCE_SHARES_APRIL_2020[p] for p in members}
            total_w = sum(weights.values())
            intensity = renewable = 0.0
            for province, w in weights.items():
                mix = provinces.get((province, year))
                if mix is None:
                    raise BuildError(f"no {year} generation mix for {province}")
                total = sum(mix.values())
                g = sum(v * lifecycle[PROVINCE_FUELS[s]] for s, v in mix.items()) / total
                r = sum(mix.get(s, 0.0) for s in RENEWABLE_SOURCES) / total
                intensity += w / total_w * g
                renewable += w / total_w * r
            rows.append(
                {
                    "region": name,
                    "code": "",
                    "year": str(year),
                    "intensity_g_per_kwh": f"{intensity:.1f}",
                    "renewable_frac": f"{renewable:.4f}",
                }
            )
    return rows


def _monthly_means(path: Path) -> dict[str, float]:
    sums: dict[str, list[float]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            value = row["Emission intensity, gCO2e/kWh"]
            if value:
                sums.setdefault(row["Date and Time"][:7], []).append(float(value))
    return {m: sum(v) / len(v) for m, v in sums.items()}


def _map_shares(path: Path) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            country = MAP_COUNTRIES.get(row["country"])
            if country is None:
                raise BuildError(f"{path.name}: unknown country {row['country']!r}")
            share = float(row["monthly_hashrate_%"].rstrip("%")) / 100.0
            out.setdefault(row["date"][:7], {})[country] = share
    return out


def hydro_season(
    raw: Path, grid: dict[tuple[str, int], float], mining: list[dict[str, str]]
) -> tuple[list[dict[str, str]], dict[str, object]]:
    """Share of China's mining in its hydro provinces by calendar month, inferred from CBECI.

    Notes
    -----
    CBECI computed its monthly emission intensity ``I(m)`` from Cambridge's country shares
    ``s_c(m)`` and, inside China, from provincial shares that were published only for April
    2020. With the same country shares and hashtide's factors (Ember grids ``E_c``; the mining
    regions' ``h`` hydro and ``k`` coal; ``E_China`` for the other provinces, a constant
    ``o = 6.17 / 65.08`` of China), China's part of CBECI's intensity is
    ``C(m) = (I(m) − Σ_{c≠China} s_c E_c) / s_China``, and the hydro provinces' share ``x`` of
    China solves ``C(m) / κ = x h + (1 − o − x) k + o E_China``. ``κ`` absorbs the difference
    between CBECI's provincial factors and hashtide's; it is set by April 2020, the one month
    whose provincial split is known (``x = 15.08 / 65.08``). Check: outside China the two sets
    of factors agree — in July and August 2021 (China 0 %) ``Σ s_c E_c`` is within 0.5 % of
    CBECI's ``I``. Each calendar month's figure is the mean over the fit months (2019-09 …
    2020-12).
    """
    intensity = _monthly_means(raw / SOURCES["cbeci"]["file"].split(" and ")[0])
    shares = _map_shares(raw / SOURCES["cbeci"]["file"].split(" and ")[1])

    def ember(country: str, year: int) -> float:
        years = [y for (c, y) in grid if c == country]
        if not years:
            raise BuildError(f"no Ember intensity for {country}")
        nearest = min(years, key=lambda y: (abs(y - year), -y))
        return grid[(country, nearest)]

    def factor(index: int, year: int) -> float:
        rows = [r for r in mining if r["region"] == list(MINING_REGIONS)[index]]
        nearest = min(rows, key=lambda r: (abs(int(r["year"]) - year), -int(r["year"])))
        return float(nearest["intensity_g_per_kwh"])

    china_named = sum(PROVINCE_SHARES_APRIL_2020.values())
    other = (CHINA_SHARE_APRIL_2020 - china_named) / CHINA_SHARE_APRIL_2020
    x_april = (
        PROVINCE_SHARES_APRIL_2020["Sichuan"] + PROVINCE_SHARES_APRIL_2020["Yunnan"]
    ) / CHINA_SHARE_APRIL_2020

    def parts(month: str) -> tuple[float, float, float, float, float]:
        year = int(month[:4])
        s = shares[month]
        rest = sum(v * ember(c, year) for c, v in s.items() if c != "China")
        return s.get("China", 0.0), rest, factor(0, year), factor(1, year), ember("China", year)

    def china_ours(x: float, h: float, k: float, e_china: float) -> float:
        return x * h + (1.0 - other - x) * k + other * e_china

    china, rest, h, k, e_china = parts("2020-04")
    kappa = (intensity["2020-04"] - rest) / china / china_ours(x_april, h, k, e_china)
    checks = {}
    for month in ("2021-07", "2021-08"):
        china, rest, *_ = parts(month)
        if china != 0.0:
            raise BuildError(f"{month}: expected China at 0 % in the mining map")
        checks[month] = {"cbeci_g_per_kwh": round(intensity[month], 1), "ember": round(rest, 1)}
        if abs(rest / intensity[month] - 1.0) > 0.01:
            raise BuildError(f"{month}: outside-China factors disagree with CBECI: {checks}")
    by_month: dict[int, list[float]] = {}
    inferred = {}
    for month in sorted(shares):
        if not SEASON_FIT[0] <= month <= SEASON_FIT[1]:
            continue
        china, rest, h, k, e_china = parts(month)
        c_ours = (intensity[month] - rest) / china / kappa
        x = ((1.0 - other) * k + other * e_china - c_ours) / (k - h)
        inferred[month] = round(x, 3)
        by_month.setdefault(int(month[5:7]), []).append(x)
    if sorted(by_month) != list(range(1, 13)):
        raise BuildError(f"the fit months do not cover every calendar month: {sorted(by_month)}")
    rows = []
    for number in range(1, 13):
        x = sum(by_month[number]) / len(by_month[number])
        x = min(max(x, 0.0), 1.0 - other)
        rows.append(
            {
                "month": str(number),
                "china_share_frac": f"{x:.3f}",
                "pair_share_frac": f"{x / (1.0 - other):.3f}",
                "months_used": str(len(by_month[number])),
            }
        )
    details = {
        "kappa": round(kappa, 4),
        "other_provinces_frac": round(other, 4),
        "inferred_by_month": inferred,
        "check_outside_china": checks,
    }
    return rows, details


def main(argv: list[str] | None = None) -> int:
    args = arg_parser(__doc__.splitlines()[0]).parse_args(argv)
    try:
        lifecycle = read_lifecycle(args.raw / SOURCES["lifecycle"]["file"])
        grid = read_grid(args.raw / SOURCES["grid"]["file"])
        renewable = read_renewable_shares(args.raw / SOURCES["share"]["file"])
        provinces = read_provinces(args.raw / SOURCES["provinces"]["file"])
        factors = {r["fuel"]: float(r["intensity_g_per_kwh"]) for r in lifecycle}
        mining = mining_region_rows(provinces, factors)
        ember = {(r["region"], int(r["year"])): float(r["intensity_g_per_kwh"]) for r in grid}
        season, season_details = hydro_season(args.raw, ember, mining)
    except (BuildError, OSError, ValueError, KeyError) as exc:
        print(f"build_carbon_factors: {exc}", file=sys.stderr)
        return 1
    for row in grid:
        share = renewable.get((row["region"], int(row["year"])))
        row["renewable_frac"] = "" if share is None else f"{share:.4f}"
    grid += mining
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(args.out / "carbon_lifecycle.csv", lifecycle)
    write_csv(args.out / "carbon_grid.csv", grid)
    write_csv(args.out / "china_hydro_season.csv", season)
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
                    "renewable_frac": "renewable share of generation [0-1] (hydro, solar, "
                    "wind, other renewables, bioenergy); empty where OWID has no figure",
                },
                "source": SOURCES["grid"],
                "renewable_source": SOURCES["share"],
                "mining_regions": {
                    "rows": sorted(MINING_REGIONS),
                    "what": "each province's generation mix x IPCC AR5 medians (thermal as "
                    "coal), provinces weighted by their April 2020 mining shares "
                    f"{PROVINCE_SHARES_APRIL_2020} (CCAF Mining Map via CoinDesk 2020-05-07)",
                    "source": SOURCES["provinces"],
                },
            },
            "china_hydro_season.csv": {
                "rows": len(season),
                "columns": {
                    "month": "calendar month (1 = January)",
                    "china_share_frac": "Sichuan & Yunnan's share of mainland China's "
                    "hashrate [0-1]",
                    "pair_share_frac": "Sichuan & Yunnan's share of the two mining regions "
                    "(with Xinjiang & Inner Mongolia) [0-1]",
                    "months_used": "fit months averaged for this calendar month",
                },
                "method": "inferred from CBECI's monthly emission intensity and the Mining "
                "Map's country shares with hashtide's factors, months "
                f"{SEASON_FIT[0]}..{SEASON_FIT[1]} (see hydro_season in the build script)",
                "details": season_details,
                "source": {
                    "what": "12 figures derived by hashtide (this script) from the inputs below",
                    "inputs": SOURCES["cbeci"],
                    "licence": "hashtide's derived figures (MIT); the CBECI exports they are "
                    "derived from (CCAF terms, CC BY-NC-SA 4.0) do not ship",
                },
            },
        },
        "built_by": "scripts/build_carbon_factors.py",
        "built_on": dt.date.today().isoformat(),
    }
    (args.out / "carbon.meta.json").write_text(
        json.dumps(meta, indent=2, ensure_ascii=False) + "\n"
    )
    print(
        f"wrote carbon_lifecycle.csv ({len(lifecycle)} rows), carbon_grid.csv ({len(grid)} rows), "
        f"china_hydro_season.csv: {[r['china_share_frac'] for r in season]}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
