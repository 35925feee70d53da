"""Derive hashtide's shipped ASIC catalog from public raw data.

Reads, from the raw-data folder (default ``../shared/data/raw`` beside the repo; see its
SOURCES.md), five hardware tables and CBECI's hardware list:

* ``asic/btcbess_asic_models_2020-2022.csv`` — 8 models 2020-2022 with a stated efficiency;
* ``asic/f2pool_mining_devices_2020.csv`` — F2Pool's device table of March 2020 (2016-2020);
* ``asic/asicmarketplace_s21_m66_prices_2025.csv`` — 4 retail listings of August 2025;
* ``asic/asicminervalue_bitcoin_asics_2025-12.csv`` — 20 retail listings of December 2025;
* ``asic/bitcoin_wiki_mining_hardware_comparison.csv`` — the Bitcoin Wiki comparison table;
* ``cbeci/cbeci_hardware_list_2009-2020.csv`` — CCAF's list (release date, efficiency only);

and writes ``src/hashtide/data/asic_catalog.csv`` (one row per model) plus
``asic_catalog.meta.json`` (sources, rules, and every disagreement between sources).

Every figure comes from a raw file; the only hand-typed content is the name-normalisation section
below (how the sources spell model and company names, and which name tokens mean which cooling).
Where a source states an efficiency (or a price per TH/s) beside hashrate and power, the stated
figure must match the computed one up to the source's rounding, or the build stops. Where two
sources hold the same model, one is chosen by ``SOURCE_PRIORITY`` and the others are compared;
differences beyond ``AGREEMENT_REL`` are listed in the meta file, not hidden.

Usage::

    python scripts/build_hardware_catalog.py [--raw DIR] [--out DIR]
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from _build_common import arg_parser, write_csv
from hashtide.hardware.catalog import CATALOG_COLUMNS

SOURCES: dict[str, dict[str, str]] = {
    "btcbess": {
        "file": "asic/btcbess_asic_models_2020-2022.csv",
        "what": "hashrate [TH/s], power [W], efficiency [J/TH], manufacturer and release date "
        "(m/d/yy) of 8 models 2020-2022",
        "origin": "KodyParsons/BTCBESS, data/miners.csv",
        "commit": "8ab4de442a7388ec6f1eb7231269e8568561a68b",
        "last_change": "22d2b0b40554ac96b12d12b15e9c3f38457aa399",
        "date": "2024-12-28",
        "licence": "none stated",
        "rounding": "efficiency to 0.1 J/TH",
    },
    "f2pool": {
        "file": "asic/f2pool_mining_devices_2020.csv",
        "what": "F2Pool's popular-mining-devices table, March 2020: hashrate [TH/s], power [W], "
        "W/TH, release year and month",
        "origin": "mattk8/mining-data, mining-devices.csv (upstream: F2Pool)",
        "commit": "f4b94058100d9b501e3aa01e82d216bc91b74430",
        "last_change": "add3c3f802943e0d2c98c64fee81ca8a0de322ea",
        "date": "2020-03-11",
        "licence": "none stated (upstream: F2Pool)",
        "rounding": "W/TH to an integer",
    },
    "asicmarketplace": {
        "file": "asic/asicmarketplace_s21_m66_prices_2025.csv",
        "what": "retail listings on asicmarketplace.com, August 2025: hashrate [TH/s], power [W], "
        "TH/s per W, price [USD], price per TH/s",
        "origin": "kookoo55/miningftw, data/btc_miner_sheet.csv (upstream: asicmarketplace.com)",
        "commit": "b361c996c53ff6f8f94452681e7ee5e114816146",
        "last_change": "8b46bf9ea85fbb31babaa1e827ed59154bc6f0dc",
        "date": "2025-08-23",
        "licence": "none stated",
        "rounding": "TH/s per W and USD per TH/s to the digits shown",
    },
    "asicminervalue": {
        "file": "asic/asicminervalue_bitcoin_asics_2025-12.csv",
        "what": "asicminervalue.com listing of SHA-256 ASICs, December 2025: release month, "
        "hashrate and power as text, lowest vendor price [USD]",
        "origin": "twsaf1-sys/math_331_cryptocurrency_project, bitcoin_asic_miners.csv "
        "(upstream: asicminervalue.com)",
        "commit": "",
        "last_change": "7149bf49f9cf7031d71e6293ef4af0c3419cf98f",
        "date": "2025-12-09",
        "licence": "none stated",
        "rounding": "USD per TH/s (or PH/s) to an integer",
    },
    "bitcoin_wiki": {
        "file": "asic/bitcoin_wiki_mining_hardware_comparison.csv",
        "what": "Bitcoin Wiki 'Mining hardware comparison': advertised MH/s, MH/J, W, price [USD] "
        "(undated)",
        "origin": "twsaf1-sys/math_331_cryptocurrency_project, "
        "bitcoin_mining_hardware_summary_clean.csv (upstream: Bitcoin Wiki)",
        "commit": "",
        "last_change": "7149bf49f9cf7031d71e6293ef4af0c3419cf98f",
        "date": "2025-12-09",
        "licence": "CC BY 3.0 (Bitcoin Wiki)",
        "rounding": "MH/J and MH/s per USD rounded or truncated to the digits shown",
    },
    "cbeci": {
        "file": "cbeci/cbeci_hardware_list_2009-2020.csv",
        "what": "CCAF's CBECI hardware list: release date (unix) and efficiency [J/GH]",
        "origin": "CambridgeAltFin/ccaf_cbeci_api, server_config/miners.csv",
        "commit": "0e28e819a084c8b3c6c752fb0aae00cb609e8b17",
        "last_change": "bd0f9e23eefe3c2f0a94266bfba6f841100c74e3",
        "date": "2020-05-08",
        "licence": "CCAF terms of use (no licence file)",
        "rounding": "efficiency to 0.01 J/TH",
    },
}

#: Which source's hashrate, power and release a model gets when several hold it: the most
#: precisely stated first (btcbess states efficiency to 0.1 J/TH and the release day; F2Pool
#: rounds W/TH to an integer; the 2025 listings state no efficiency; the Bitcoin Wiki no date).
#: CBECI holds no hashrate or power, so it only cross-checks and fills missing release months.
SOURCE_PRIORITY = ("btcbess", "f2pool", "asicmarketplace", "asicminervalue", "bitcoin_wiki")
#: A price from another source is attached only if that source's hashrate and power agree with
#: the shipped row within AGREEMENT_REL (a price belongs to a configuration); newest first.
PRICE_PRIORITY = ("asicminervalue", "asicmarketplace", "bitcoin_wiki")
PRICE_KIND = {
    "asicmarketplace": "retail listing",
    "asicminervalue": "retail listing (lowest vendor price)",
    "bitcoin_wiki": "Bitcoin Wiki table price (undated)",
}
PRICE_DATE = {"asicmarketplace": "2025-08", "asicminervalue": "2025-12", "bitcoin_wiki": ""}
#: Sources that list machines on sale at their snapshot date: their rows stay in the catalog even
#: without a release date (asicmarketplace gives none).
LISTINGS = ("asicmarketplace", "asicminervalue")
#: Relative difference above which two sources are reported as disagreeing.
AGREEMENT_REL = Decimal("0.01")
#: The catalog covers models released from this month on.
FIRST_RELEASE = "2016-01"

# ------------------------------------------------------------------------------------------
# Name normalisation: typed by hand, the only content of this script not read from a raw file.
# ------------------------------------------------------------------------------------------
#: Company names as the sources spell them -> hashtide's manufacturer name.
MANUFACTURER_ALIASES = {
    "Whatsminer": "MicroBT",
    "INNOSILICON": "Innosilicon",
    "DragonMint": "Halong Mining",
    "SnowPanther": "Bitfily",
}
#: Product line (first word of a canonical model name) -> manufacturer, for sources that name
#: no company (asicmarketplace, Bitcoin Wiki).
LINE_MANUFACTURER = {
    "Antminer": "Bitmain",
    "Whatsminer": "MicroBT",
    "Avalon": "Canaan",
    "Ebit": "Ebang",
}
#: Company words CBECI puts before the model name.
CBECI_MAKER_PREFIXES = ("Bitmain ", "Canaan ", "MicroBT ", "Ebang ", "Bitfily ", "Halong Mining ")
#: Product-line spellings -> hashtide's (the Bitcoin Wiki writes "AntMiner", "WhatsMiner").
LINE_SPELLINGS = {"AntMiner": "Antminer", "WhatsMiner": "Whatsminer"}
#: Raw model names (after whitespace clean-up, footnote and hashrate-tag removal) -> canonical
#: model name. Canonical names: "<product line> <model>" as the maker writes it.
MODEL_ALIASES = {
    # btcbess: no product-line prefix.
    "S19 Pro": "Antminer S19 Pro",
    "S19j Pro": "Antminer S19j Pro",
    "S19 XP": "Antminer S19 XP",
    "M30S+": "Whatsminer M30S+",
    "M30S++": "Whatsminer M30S++",
    "M50": "Whatsminer M50",
    "AvalonMiner 1246": "Avalon A1246",
    # F2Pool: Canaan models without the "A", Innosilicon in capitals, "Miner" suffixes.
    "Avalon 1026": "Avalon A1026",
    "Avalon 1041": "Avalon A1041",
    "Avalon 1047": "Avalon A1047",
    "Avalon 1066": "Avalon A1066",
    "Avalon 1146": "Avalon A1146",
    "Avalon 1166": "Avalon A1166",
    "INNOSILICON T3+ Miner": "Innosilicon T3+",
    "INNOSILICON T3": "Innosilicon T3",
    "INNOSILICON T2T": "Innosilicon T2T",
    "INNOSILICON T2 Turbo (T2T)": "Innosilicon T2T",
    "INNOSILICON T2T+": "Innosilicon T2T+",
    "INNOSILICON T2 Miner": "Innosilicon T2",
    "DragonMint T1 Miner": "DragonMint T1",
    # asicmarketplace: lower case.
    "s21": "Antminer S21",
    "s21+": "Antminer S21+",
    "s21 Pro": "Antminer S21 Pro",
    "m66": "Whatsminer M66",
    # asicminervalue: "Imm." abbreviation; Proto's model is just "Rig".
    "Antminer S21 XP Imm.": "Antminer S21 XP Imm",
    "Antminer S23 Imm.": "Antminer S23 Imm",
    "Rig": "Proto Rig",
    # Bitcoin Wiki.
    "Avalon721": "Avalon A721",
    "Avalon741": "Avalon A741",
    "Avalon761": "Avalon A761",
    "Avalon821": "Avalon A821",
    # CBECI (after its company word is removed).
    "AvalonMiner 741": "Avalon A741",
    "AvalonMiner 821": "Avalon A821",
    "AvalonMiner 841": "Avalon A841",
    "AvalonMiner 921": "Avalon A921",
    "AvalonMiner 1047": "Avalon A1047",
    "AvalonMiner 1066": "Avalon A1066",
    "Snow Panther A1": "SnowPanther A1",
    "Snow Panther B1": "SnowPanther B1",
    "Snow Panther B1+": "SnowPanther B1+",
    "Innosilicon T2 Terminator": "Innosilicon T2",
    "Innosilicon T2 Turbo": "Innosilicon T2T",
    "Innosilicon T2 Turbo+": "Innosilicon T2T+",
    "GMO miner B3": "GMO B3",
    "Bitfury Tardis": "Bitfury Tardis B8",
}
#: Name tokens that give the cooling; any other name is air-cooled. MicroBT encodes cooling in
#: the second digit of the product code (M53/M63 hydro, M56/M66 immersion).
HYDRO_TOKENS = ("Hyd", "Hydro")
IMMERSION_TOKENS = ("Imm", "Immersion")
MICROBT_COOLING = {"3": "hydro", "6": "immersion"}
# ------------------------------------------------------------------------------------------

#: The shipped table's columns are the ones hashtide.hardware reads.
COLUMNS = CATALOG_COLUMNS

_FOOTNOTE = re.compile(r"\s*\[\d+\]$")
_UNDERCLOCKED = re.compile(r"\s*\(underclocked\s*\)$", re.IGNORECASE)
_VARIANT = re.compile(
    r"\s*\((?P<a>\d+(?:\.\d+)?)\s*T[Hh]?\)$|-(?P<b>\d+(?:\.\d+)?)T$|\s(?P<c>\d+(?:\.\d+)?)T[Hh]?$"
)


class BuildError(Exception):
    """Raised when a raw file is malformed or contradicts itself."""


@dataclass
class Record:
    """One raw row, renamed to hashtide's names."""

    source: str
    line: int
    raw_name: str
    model: str
    manufacturer: str | None
    hashrate_ths: Decimal | None = None
    power_w: Decimal | None = None
    stated_efficiency_j_per_th: Decimal | None = None
    release: str | None = None
    price_usd: Decimal | None = None
    variant_ths: Decimal | None = None
    underclocked: bool = False
    #: (what, computed value, stated text, tolerance): checked for every row of a shipped model.
    checks: list[tuple[str, Decimal, str, Decimal]] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return f"{SOURCES[self.source]['file']} line {self.line}: {self.raw_name}"

    @property
    def efficiency_j_per_th(self) -> Decimal | None:
        if self.hashrate_ths is not None and self.power_w is not None:
            return self.power_w / self.hashrate_ths
        return self.stated_efficiency_j_per_th


def canonical_name(raw: str) -> tuple[str, Decimal | None, bool]:
    """(canonical model, hashrate tag [TH/s] or None, underclocked?) of a raw model name."""
    name = " ".join(raw.replace("\u00a0", " ").split())
    name = _FOOTNOTE.sub("", name)
    underclocked = bool(_UNDERCLOCKED.search(name))
    name = _UNDERCLOCKED.sub("", name)
    variant = None
    match = _VARIANT.search(name)
    if match:
        variant = Decimal(match.group("a") or match.group("b") or match.group("c"))
        name = name[: match.start()]
    first, _, rest = name.partition(" ")
    if first in LINE_SPELLINGS:
        name = f"{LINE_SPELLINGS[first]} {rest}"
    return MODEL_ALIASES.get(name, name), variant, underclocked


def cooling_of(model: str) -> str:
    """Cooling from the model name: hydro, immersion or air."""
    words = model.split()
    if any(word in HYDRO_TOKENS for word in words):
        return "hydro"
    if any(word in IMMERSION_TOKENS for word in words):
        return "immersion"
    code = re.fullmatch(r"Whatsminer M\d(\d)\S*", model)
    if code and code.group(1) in MICROBT_COOLING:
        return MICROBT_COOLING[code.group(1)]
    return "air"


def tolerance(stated: str, *, trailing_zeros_significant: bool) -> Decimal:
    """Half a unit in the last place of ``stated``; for integers whose trailing zeros may be
    rounding, half a unit of the last non-zero place."""
    text = stated.strip().replace(",", "")
    if "." in text:
        return Decimal(1).scaleb(-len(text.split(".")[1])) / 2
    if trailing_zeros_significant:
        return Decimal("0.5")
    zeros = len(text) - len(text.rstrip("0")) if text.rstrip("0") else 0
    return Decimal(1).scaleb(zeros) / 2


def fmt(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros."""
    return format(value.normalize(), "f")


def month_of(date: dt.date) -> str:
    return f"{date.year:04d}-{date.month:02d}"


def _rows(path: Path, header: list[str]) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of each data row; the header must be exactly ``header``."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        found = [" ".join(cell.replace("\u00a0", " ").split()) for cell in next(reader)]
        if found != header:
            raise BuildError(f"{path.name}: header {found} != expected {header}")
        for fields in reader:
            if any(cell.strip() for cell in fields):
                yield reader.line_num, fields


def read_btcbess(raw: Path) -> list[Record]:
    header = [
        "model_name",
        "hashrate",
        "power_consumption",
        "efficiency",
        "manufacturer",
        "release_date",
        "",
    ]
    out = []
    for line, fields in _rows(raw / SOURCES["btcbess"]["file"], header):
        name, hashrate, power, efficiency, maker, release = fields[:6]
        # The last, unnamed column is undocumented upstream and not used.
        model, variant, underclocked = canonical_name(name)
        when = dt.datetime.strptime(release, "%m/%d/%y").date()
        hashrate_ths, power_w = Decimal(hashrate), Decimal(power)
        record = Record(
            source="btcbess",
            line=line,
            raw_name=name,
            model=model,
            manufacturer=MANUFACTURER_ALIASES.get(maker, maker),
            hashrate_ths=hashrate_ths,
            power_w=power_w,
            release=month_of(when),
            variant_ths=variant,
            underclocked=underclocked,
        )
        record.checks.append(
            (
                "efficiency [J/TH]",
                power_w / hashrate_ths,
                efficiency,
                tolerance(efficiency, trailing_zeros_significant=True),
            )
        )
        out.append(record)
    return out


def read_f2pool(raw: Path) -> list[Record]:
    header = [
        "Company",
        "Device",
        "Device Age (M)(03/2020)",
        "Hashrate (T)",
        "Power Consumption (W)",
        "Unit Power (W/T) #",
        "Produced (24h) (BTC)",
        "Revenue (24h)",
        "Daily Cost$ /kWh",
        "Profits (24h)",
        "Electricity Cost Rate",
        "Year Released",
        "Month Released",
        "",
        "",
    ]
    out = []
    for line, fields in _rows(raw / SOURCES["f2pool"]["file"], header):
        company, device = fields[0].strip(), fields[1]
        model, variant, underclocked = canonical_name(device)
        hashrate, power = Decimal(fields[3]), Decimal(fields[4])
        record = Record(
            source="f2pool",
            line=line,
            raw_name=" ".join(device.split()),
            model=model,
            manufacturer=MANUFACTURER_ALIASES.get(company, company),
            hashrate_ths=hashrate,
            power_w=power,
            release=f"{int(fields[11]):04d}-{int(fields[12]):02d}",
            variant_ths=variant,
            underclocked=underclocked,
        )
        record.checks.append(
            (
                "W/TH",
                power / hashrate,
                fields[5],
                tolerance(fields[5], trailing_zeros_significant=True),
            )
        )
        out.append(record)
    return out


ASICMARKETPLACE_HEADER = [
    "model",
    "hashrate(TH/s)",
    "power(W)",
    "hashrate(TH/s)/power(W)",
    "price",
    "price/hashrate(TH/s)",
    "x4 cost",
    "x6 cost",
    "x4 hashrate",
    "x6 hashrate",
    "Unnamed: 10",
    "link",
]


def read_asicmarketplace(raw: Path) -> list[Record]:
    out = []
    for line, fields in _rows(raw / SOURCES["asicmarketplace"]["file"], ASICMARKETPLACE_HEADER):
        name = fields[0]
        model, variant, underclocked = canonical_name(name)
        hashrate, power, price = Decimal(fields[1]), Decimal(fields[2]), Decimal(fields[4])
        record = Record(
            source="asicmarketplace",
            line=line,
            raw_name=name,
            model=model,
            manufacturer=LINE_MANUFACTURER.get(model.split()[0]),
            hashrate_ths=hashrate,
            power_w=power,
            price_usd=price,
            variant_ths=variant,
            underclocked=underclocked,
        )
        record.checks += [
            (
                "TH/s per W",
                hashrate / power,
                fields[3],
                tolerance(fields[3], trailing_zeros_significant=True),
            ),
            (
                "USD per TH/s",
                price / hashrate,
                fields[5],
                tolerance(fields[5], trailing_zeros_significant=True),
            ),
        ]
        for multiple, cost, total in ((4, fields[6], fields[8]), (6, fields[7], fields[9])):
            if cost:
                record.checks.append(
                    (f"x{multiple} cost [USD]", multiple * price, cost, Decimal(0))
                )
            if total:
                record.checks.append(
                    (f"x{multiple} hashrate [TH/s]", multiple * hashrate, total, Decimal(0))
                )
        out.append(record)
    return out


_AMV_MODEL = re.compile(
    r"(?P<maker>\S+) (?P<name>.+?) \( (?P<hash>[\d.]+) (?P<unit>Th|Ph) \) "
    r"(?P<name2>.+?) \( (?P=hash) (?P=unit) \)"
)
_AMV_UNIT_THS = {"Th": Decimal(1), "Ph": Decimal(1000)}


def read_asicminervalue(raw: Path) -> list[Record]:
    header = [
        "coin",
        "model",
        "release",
        "hashrate",
        "power",
        "algorithm",
        "best_price_text",
        "best_price_usd",
        "profit_text",
        "profit_usd_per_day",
    ]
    out = []
    for line, fields in _rows(raw / SOURCES["asicminervalue"]["file"], header):
        coin, text, release, hashrate_text, power_text, algorithm = fields[:6]
        price_text, price = fields[6], Decimal(fields[7])
        where = f"{SOURCES['asicminervalue']['file']} line {line}"
        if coin != "Bitcoin" or algorithm != "SHA-256":
            raise BuildError(f"{where}: not a SHA-256 Bitcoin miner ({coin}, {algorithm})")
        # The model text holds the name twice: "<maker> <name> ( <h> ) <name> ( <h> )".
        match = _AMV_MODEL.fullmatch(text)
        if not match or match.group("name2") != match.group("name"):
            raise BuildError(f"{where}: model text {text!r} is not '<maker> <name> (h) <name> (h)'")
        hashrate_match = re.fullmatch(r"([\d.]+) (Th|Ph)/s", hashrate_text)
        power_match = re.fullmatch(r"(\d+(?:\.\d+)?) W", power_text)
        if not hashrate_match or not power_match:
            raise BuildError(f"{where}: hashrate {hashrate_text!r} or power {power_text!r}")
        unit = _AMV_UNIT_THS[hashrate_match.group(2)]
        hashrate = Decimal(hashrate_match.group(1)) * unit
        name_hashrate = Decimal(match.group("hash")) * _AMV_UNIT_THS[match.group("unit")]
        if name_hashrate != hashrate:
            raise BuildError(f"{where}: name says {name_hashrate} TH/s, column {hashrate} TH/s")
        model, variant, underclocked = canonical_name(match.group("name"))
        maker = match.group("maker")
        record = Record(
            source="asicminervalue",
            line=line,
            raw_name=f"{maker} {match.group('name')}",
            model=model,
            manufacturer=MANUFACTURER_ALIASES.get(maker, maker),
            hashrate_ths=hashrate,
            power_w=Decimal(power_match.group(1)),
            release=month_of(dt.datetime.strptime(release, "%b %Y").date()),
            price_usd=price,
            variant_ths=variant,
            underclocked=underclocked,
        )
        first = price_text.split()[0]
        record.checks.append(("best price [USD]", price, first.lstrip("$"), Decimal(0)))
        per = re.search(r"\$([\d,]+) / (Th|Ph)$", price_text)
        if not per:
            raise BuildError(f"{where}: no price per Th or Ph in {price_text!r}")
        per_unit = price / (hashrate / _AMV_UNIT_THS[per.group(2)])
        record.checks.append((f"USD per {per.group(2)}/s", per_unit, per.group(1), Decimal("0.5")))
        out.append(record)
    return out


def read_bitcoin_wiki(raw: Path) -> list[Record]:
    header = [
        "product",
        "advertised_mhash_per_s",
        "mhash_per_joule",
        "mhash_per_s_per_usd",
        "watts",
        "price_usd",
        "currently_shipping",
        "comm_ports",
        "dev_friendly",
    ]
    out = []
    for line, fields in _rows(raw / SOURCES["bitcoin_wiki"]["file"], header):
        product, mhs, mh_per_j, mhs_per_usd, watts, price = fields[:6]
        if not mhs or not watts:
            continue  # no hashrate or no power: nothing to ship or compare
        model, variant, underclocked = canonical_name(product)
        hashrate = Decimal(mhs) / Decimal(1_000_000)
        record = Record(
            source="bitcoin_wiki",
            line=line,
            raw_name=" ".join(product.split()),
            model=model,
            manufacturer=LINE_MANUFACTURER.get(model.split()[0]),
            hashrate_ths=hashrate,
            power_w=Decimal(watts),
            price_usd=Decimal(price) if price else None,
            variant_ths=variant,
            underclocked=underclocked,
        )
        if mh_per_j:
            record.checks.append(
                (
                    "MH/J",
                    Decimal(mhs) / Decimal(watts),
                    mh_per_j,
                    2 * tolerance(mh_per_j, trailing_zeros_significant=False),
                )
            )
        if mhs_per_usd and price:
            record.checks.append(
                (
                    "MH/s per USD",
                    Decimal(mhs) / Decimal(price),
                    mhs_per_usd,
                    2 * tolerance(mhs_per_usd, trailing_zeros_significant=False),
                )
            )
        out.append(record)
    return out


def read_cbeci(raw: Path) -> list[Record]:
    header = ["Miner_name", "UNIX_date_of_release", "Efficiency_J_Gh", "Qty"]
    out = []
    for line, fields in _rows(raw / SOURCES["cbeci"]["file"], header):
        # Some CBECI names separate the company with a no-break space (U+00A0).
        name = " ".join(fields[0].replace("\u00a0", " ").split())
        stripped = name
        for prefix in CBECI_MAKER_PREFIXES:
            if stripped.startswith(prefix):
                stripped = stripped[len(prefix) :]
                break
        model, variant, underclocked = canonical_name(stripped)
        when = dt.datetime.fromtimestamp(int(Decimal(fields[1])), tz=dt.UTC).date()
        out.append(
            Record(
                source="cbeci",
                line=line,
                raw_name=name,
                model=model,
                manufacturer=None,
                stated_efficiency_j_per_th=Decimal(fields[2]) * 1000,
                release=month_of(when),
                variant_ths=variant,
                underclocked=underclocked,
            )
        )
    return out


def run_checks(records: Iterable[Record]) -> int:
    """Stop on any stated figure that disagrees with the computed one; return checks run."""
    count = 0
    for record in records:
        for what, computed, stated, tol in record.checks:
            if abs(computed - Decimal(stated.replace(",", ""))) > tol:
                raise BuildError(
                    f"{record.ref}: stated {what} {stated} != {fmt(round(computed, 4))} "
                    f"computed from the row (tolerance {tol})"
                )
            count += 1
    return count


def select_per_source(
    records: list[Record], dropped: list[dict[str, str]], variants: list[dict[str, str]]
) -> dict[tuple[str, str], Record]:
    """One row per (source, model). Rows marked underclocked (an operating mode) and rows
    whose hashrate tag contradicts their own hashrate are dropped; of the rest, the earliest
    release wins (the launch configuration), then the row without a hashrate tag."""
    groups: dict[tuple[str, str], list[Record]] = {}
    for record in records:
        if record.underclocked:
            dropped.append({"row": record.ref, "reason": "underclocked operating mode"})
            continue
        if (
            record.variant_ths is not None
            and record.hashrate_ths is not None
            and record.variant_ths != record.hashrate_ths
        ):
            dropped.append(
                {
                    "row": record.ref,
                    "reason": f"name tags {fmt(record.variant_ths)} TH/s but the row says "
                    f"{fmt(record.hashrate_ths)} TH/s",
                }
            )
            continue
        groups.setdefault((record.source, record.model), []).append(record)
    chosen = {}
    for key, group in groups.items():
        group.sort(key=lambda r: (r.release or "9999-99", r.variant_ths is not None))
        if len(group) > 1:
            first, second = group[0], group[1]
            if (first.release, first.variant_ths is None) == (
                second.release,
                second.variant_ths is None,
            ):
                raise BuildError(f"cannot choose between {first.ref} and {second.ref}")
            variants += [{"row": r.ref, "shipped_instead": first.ref} for r in group[1:]]
        chosen[key] = group[0]
    return chosen


def spec(record: Record) -> tuple[Decimal, Decimal]:
    """Hashrate [TH/s] and power [W] of a row that must hold both."""
    if record.hashrate_ths is None or record.power_w is None:
        raise BuildError(f"{record.ref}: no hashrate or no power")
    return record.hashrate_ths, record.power_w


def relative_difference(a: Decimal, b: Decimal) -> Decimal:
    return abs(a - b) / abs(b)


def compare(model: str, shipped: Record, other: Record, disagreements: list[dict[str, str]]) -> int:
    """Append every field where ``other`` differs from ``shipped``; return fields compared."""
    compared = 0
    pairs: list[tuple[str, Decimal | None, Decimal | None]] = [
        ("hashrate_ths", shipped.hashrate_ths, other.hashrate_ths),
        ("power_w", shipped.power_w, other.power_w),
        ("efficiency_j_per_th", shipped.efficiency_j_per_th, other.efficiency_j_per_th),
    ]
    for name, mine, theirs in pairs:
        if mine is None or theirs is None:
            continue
        compared += 1
        if relative_difference(theirs, mine) > AGREEMENT_REL:
            disagreements.append(
                {
                    "model": model,
                    "field": name,
                    "shipped": fmt(round(mine, 3)),
                    "shipped_from": shipped.ref,
                    "other": fmt(round(theirs, 3)),
                    "other_from": other.ref,
                }
            )
    if shipped.release and other.release:
        compared += 1
        if shipped.release != other.release:
            disagreements.append(
                {
                    "model": model,
                    "field": "release",
                    "shipped": shipped.release,
                    "shipped_from": shipped.ref,
                    "other": other.release,
                    "other_from": other.ref,
                }
            )
    return compared


def cbeci_counterpart(shipped_hashrate: Decimal, rows: list[Record]) -> Record:
    """The CBECI row to compare efficiencies with: the one tagged with the shipped hashrate,
    else an untagged one, else the earliest."""
    for row in rows:
        if row.variant_ths == shipped_hashrate:
            return row
    untagged = [row for row in rows if row.variant_ths is None]
    return (untagged or sorted(rows, key=lambda r: r.release or ""))[0]


def build(raw: Path) -> tuple[list[dict[str, str]], dict[str, Any]]:
    spec_records = (
        read_btcbess(raw)
        + read_f2pool(raw)
        + read_asicmarketplace(raw)
        + read_asicminervalue(raw)
        + read_bitcoin_wiki(raw)
    )
    cbeci = read_cbeci(raw)
    dropped: list[dict[str, str]] = []
    variants: list[dict[str, str]] = []
    chosen = select_per_source(spec_records, dropped, variants)
    by_model: dict[str, dict[str, Record]] = {}
    for (source, model), record in chosen.items():
        by_model.setdefault(model, {})[source] = record
    cbeci_by_model: dict[str, list[Record]] = {}
    for record in cbeci:
        cbeci_by_model.setdefault(record.model, []).append(record)

    rows: list[dict[str, str]] = []
    disagreements: list[dict[str, str]] = []
    out_of_scope: list[dict[str, str]] = []
    prices_not_attached: list[dict[str, str]] = []
    checked_records: list[Record] = []
    compared = 0
    for model, holders in by_model.items():
        order = [s for s in SOURCE_PRIORITY if s in holders]
        shipped = holders[order[0]]
        release, release_from = shipped.release, shipped
        for source in order[1:]:
            if release is None and holders[source].release:
                release, release_from = holders[source].release, holders[source]
        cbeci_rows = sorted(cbeci_by_model.get(model, []), key=lambda r: r.release or "")
        if release is None and cbeci_rows:
            release, release_from = cbeci_rows[0].release, cbeci_rows[0]
        if release is not None and release < FIRST_RELEASE:
            out_of_scope.append({"model": model, "reason": f"released {release}"})
            continue
        if release is None and not any(s in LISTINGS for s in order):
            refs = ", ".join(holders[s].ref for s in order)
            out_of_scope.append({"model": model, "reason": f"no release date ({refs})"})
            continue
        hashrate, power = spec(shipped)
        makers = {r.manufacturer for r in holders.values() if r.manufacturer}
        if len(makers) != 1:
            raise BuildError(f"{model}: manufacturers {sorted(makers)} from {order}")
        # Every raw row describing a shipped model must be consistent with itself.
        checked_records += [r for r in spec_records if r.model == model]
        for source in order[1:]:
            compared += compare(model, shipped, holders[source], disagreements)
        if cbeci_rows:
            # Efficiency against the CBECI row of the same hashrate; release against CBECI's
            # earliest row of the model (its first hashrate bin).
            counterpart = cbeci_counterpart(hashrate, cbeci_rows)
            compared += compare(model, replace(shipped, release=None), counterpart, disagreements)
            if release_from is not cbeci_rows[0]:
                compared += compare(
                    model,
                    replace(release_from, release=release, hashrate_ths=None, power_w=None),
                    replace(cbeci_rows[0], stated_efficiency_j_per_th=None),
                    disagreements,
                )
        price_from = None
        candidates = [shipped] + [holders[s] for s in PRICE_PRIORITY if s in holders]
        for candidate in candidates:
            if candidate.price_usd is None:
                continue
            their_hashrate, their_power = spec(candidate)
            if (
                relative_difference(their_hashrate, hashrate) <= AGREEMENT_REL
                and relative_difference(their_power, power) <= AGREEMENT_REL
            ):
                price_from = candidate
                break
            prices_not_attached.append(
                {
                    "model": model,
                    "price_usd": fmt(candidate.price_usd),
                    "price_from": candidate.ref,
                    "reason": f"listed for {fmt(their_hashrate)} TH/s, {fmt(their_power)} W; "
                    f"the catalog row is {fmt(hashrate)} TH/s, {fmt(power)} W",
                }
            )
        rows.append(
            {
                "model": model,
                "manufacturer": makers.pop(),
                "hashrate_ths": fmt(hashrate),
                "power_w": fmt(power),
                "efficiency_j_per_th": fmt(round(power / hashrate, 3)),
                "release": release or "",
                "cooling": cooling_of(model),
                "price_usd": fmt(price_from.price_usd)
                if price_from and price_from.price_usd
                else "",
                "price_date": PRICE_DATE[price_from.source] if price_from else "",
                "price_kind": PRICE_KIND[price_from.source] if price_from else "",
                "price_source": price_from.ref if price_from else "",
                "release_source": release_from.ref if release else "",
                "source": shipped.ref,
                "source_date": SOURCES[shipped.source]["date"],
            }
        )
    checks = run_checks(checked_records)
    rows.sort(key=lambda r: (r["release"] or "9999-99", r["manufacturer"], r["model"]))
    shipped_models = {row["model"] for row in rows}
    report = {
        "stated_figures_checked": checks,
        "cross_source_fields_compared": compared,
        "disagreements": disagreements,
        "rows_dropped": dropped,
        "variants_not_shipped": variants,
        "prices_not_attached": prices_not_attached,
        "out_of_scope": sorted(out_of_scope, key=lambda r: r["model"]),
        "cbeci_matched_models": sorted(shipped_models & set(cbeci_by_model)),
        "cbeci_only_not_shipped": sorted({r.raw_name for r in cbeci if r.model not in by_model}),
        "listing_notes": listing_notes(raw),
    }
    return rows, report


def listing_notes(raw: Path) -> list[str]:
    """Oddities in the listings worth knowing that do not stop the build."""
    notes = []
    for line, fields in _rows(raw / SOURCES["asicmarketplace"]["file"], ASICMARKETPLACE_HEADER):
        slug = re.search(r"-(\d+)th/?$", fields[11])
        if slug and Decimal(slug.group(1)) != Decimal(fields[1]):
            notes.append(
                f"{SOURCES['asicmarketplace']['file']} line {line}: {fields[0]} listed at "
                f"{fields[1]} TH/s, but its product link names {slug.group(1)} TH/s"
            )
    for record in read_asicminervalue(raw):
        if record.release and record.release > "2025-12":
            notes.append(
                f"{record.ref}: release {record.release} is after the December 2025 snapshot "
                "(an announced date)"
            )
    return notes


def main(argv: list[str] | None = None) -> int:
    args = arg_parser(__doc__.splitlines()[0]).parse_args(argv)
    try:
        rows, report = build(args.raw)
    except (BuildError, OSError, ValueError, KeyError, ArithmeticError) as exc:
        print(f"build_hardware_catalog: {exc}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    table = args.out / "asic_catalog.csv"
    write_csv(table, rows, COLUMNS)
    meta = {
        "table": table.name,
        "description": "SHA-256 ASIC models from 2016 on: hashrate, power, efficiency, release, "
        "cooling, price where a source lists one; one row per model",
        "built_by": "scripts/build_hardware_catalog.py",
        "built_on": dt.date.today().isoformat(),
        "rows": len(rows),
        "rules": {
            "scope": f"models released {FIRST_RELEASE} or later, plus undated models on retail "
            f"sale at a listing's snapshot ({', '.join(LISTINGS)})",
            "source_priority": list(SOURCE_PRIORITY),
            "source_priority_why": "most precisely stated figures first: btcbess states "
            "efficiency to 0.1 J/TH and the release day, F2Pool rounds W/TH to an integer, the "
            "2025 listings state no efficiency, the Bitcoin Wiki no date",
            "one_row_per_model": "within a source, rows marked underclocked and rows whose "
            "hashrate tag contradicts their hashrate are dropped; of the rest the earliest "
            "release (the launch configuration) wins, then the row without a hashrate tag",
            "release": "from the chosen source; if it has none, the next source in priority; "
            "then the earliest CBECI release of the model",
            "price": "from the chosen source if it lists one, else the newest listing "
            f"({', '.join(PRICE_PRIORITY)}) whose hashrate and power agree with the row within "
            f"{AGREEMENT_REL:%}; listings are retail prices at the listing date, the Bitcoin "
            "Wiki's are undated; none is a launch price",
            "agreement": f"other sources are compared field by field; relative differences "
            f"above {AGREEMENT_REL:%} and differing release months are listed under "
            "'disagreements'",
            "stated_figures": "efficiency (or W/TH, TH/s per W, price per TH/s) stated beside "
            "hashrate and power must match the computed figure to the source's rounding, for "
            "every raw row describing a shipped model, or the build stops",
            "efficiency": "efficiency_j_per_th = power_w / hashrate_ths, rounded to 0.001",
            "cooling": "from the model name: tokens "
            f"{list(HYDRO_TOKENS)} -> hydro, {list(IMMERSION_TOKENS)} -> immersion; MicroBT "
            "codes M<gen>3 -> hydro, M<gen>6 -> immersion; otherwise air",
            "cbeci": "CCAF data (its terms apply): used to cross-check efficiency and release "
            "and to fill a missing release month; no row is shipped from CBECI alone (it "
            "holds neither hashrate nor power)",
        },
        "sources": [{"key": key, **info} for key, info in SOURCES.items()],
        "name_normalisation": {
            "note": "typed by hand; the only hand-typed content of the build",
            "manufacturer_aliases": MANUFACTURER_ALIASES,
            "line_manufacturer": LINE_MANUFACTURER,
            "cbeci_maker_prefixes": [p.strip() for p in CBECI_MAKER_PREFIXES],
            "line_spellings": LINE_SPELLINGS,
            "model_aliases": MODEL_ALIASES,
        },
        "columns": {
            "model": "canonical model name",
            "manufacturer": "maker",
            "hashrate_ths": "nameplate hashrate [TH/s]",
            "power_w": "nameplate power at the wall [W]",
            "efficiency_j_per_th": "power_w / hashrate_ths [J/TH]",
            "release": "release month (YYYY-MM) as the release_source states it; empty if none",
            "cooling": "air | hydro | immersion (from the model name)",
            "price_usd": "price [USD] as price_kind says; empty if no source lists one",
            "price_date": "month of the price (YYYY-MM); empty if the source does not date it",
            "price_kind": "retail listing | retail listing (lowest vendor price) | Bitcoin Wiki "
            "table price (undated); never a launch price",
            "price_source": "raw file, line and name the price comes from",
            "release_source": "raw file, line and name the release comes from",
            "source": "raw file, line and name hashrate and power come from",
            "source_date": "last change of the upstream file holding the source row",
        },
        **report,
    }
    (args.out / "asic_catalog.meta.json").write_text(
        json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(
        f"wrote {table} ({len(rows)} models; {report['stated_figures_checked']} stated figures "
        f"checked; {len(report['disagreements'])} disagreements in "
        f"{report['cross_source_fields_compared']} cross-source comparisons)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
