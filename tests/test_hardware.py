"""The ASIC catalog and fleets against published figures, the raw sources and invariants."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import math
from importlib import resources

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from hashtide.errors import InvalidInputError
from hashtide.hardware import (
    CATALOG_COLUMNS,
    COOLINGS,
    DEFAULT_LIFETIME_YEARS,
    Fleet,
    MinerModel,
    Vintage,
    catalog,
    catalog_provenance,
    get_model,
    utc_seconds,
)
from hashtide.hardware.catalog import lookup_key

UTC = dt.UTC
START = dt.datetime(2024, 1, 1, tzinfo=UTC)
T0 = START.timestamp()
YEAR_S = 365.25 * 86_400  # Julian year, written out independently of hashtide.units


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return catalog()


@pytest.fixture(scope="module")
def meta() -> dict[str, object]:
    return catalog_provenance()


def s21() -> MinerModel:
    return get_model("Antminer S21")


# --- catalog invariants -------------------------------------------------------------------


def test_columns(table: pd.DataFrame) -> None:
    assert tuple(table.columns) == CATALOG_COLUMNS
    for name in ("hashrate_ths", "power_w", "efficiency_j_per_th", "price_usd"):
        assert table[name].dtype == np.float64


def test_at_least_25_models_from_2016_spanning_the_big_three(table: pd.DataFrame) -> None:
    # Issue: "at least 25 models … from 2016 on, spanning Bitmain, MicroBT and Canaan".
    released = table["release"].dropna()
    assert (released >= "2016-01").all()
    assert (released >= "2016-01").sum() >= 25
    # Undated rows are only the 2025 retail listings (asicmarketplace gives no release date).
    undated = table[table["release"].isna()]
    assert undated["source"].str.startswith("asic/asicmarketplace_").all()
    makers = table.groupby("manufacturer").size()
    assert makers["Bitmain"] >= 10
    assert makers["MicroBT"] >= 10
    assert makers["Canaan"] >= 5


@pytest.mark.parametrize(
    "model",
    [
        "Antminer S9",
        "Antminer S17",
        "Antminer S17 Pro",
        "Antminer S17+",
        "Antminer S17e",
        "Antminer S19",
        "Antminer S19 Pro",
        "Antminer S19j Pro",
        "Antminer S19 XP",
        "Antminer S21",
        "Antminer S21+",
        "Antminer S21 Pro",
        "Antminer S21 XP",
        "Antminer S21 XP Hyd",
        "Antminer S21+ Hyd",
        "Whatsminer M20S",
        "Whatsminer M30S",
        "Whatsminer M30S+",
        "Whatsminer M30S++",
        "Whatsminer M50",
        "Whatsminer M50S",
        "Whatsminer M66",
        "Avalon A1246",
        "Avalon A1166",
    ],
)
def test_models_the_issue_names_are_present(table: pd.DataFrame, model: str) -> None:
    # Issue: "S9, S17-series, S19-series, S19 XP, S21, S21+, S21 Pro, S21 XP Hyd, M20S,
    # M30S/M30S+/M30S++, M50/M50S, M60S/M66 where the raw data has them" (no M60S in it).
    assert model in set(table["model"])


def test_no_duplicates(table: pd.DataFrame) -> None:
    assert table["model"].is_unique
    keys = [lookup_key(name) for name in table["model"]]
    assert len(set(keys)) == len(keys)


def test_shipped_efficiency_is_power_over_hashrate() -> None:
    # The CSV stores efficiency rounded to 0.001 J/TH; it must equal power / hashrate to that.
    text = resources.files("hashtide.data").joinpath("asic_catalog.csv").read_text("utf-8")
    for row in csv.DictReader(text.splitlines()):
        ratio = float(row["power_w"]) / float(row["hashrate_ths"])
        assert abs(float(row["efficiency_j_per_th"]) - ratio) <= 0.0005 + 1e-12, row["model"]


def test_every_figure_has_a_source(table: pd.DataFrame, meta: dict[str, object]) -> None:
    files = {source["file"] for source in meta["sources"]}  # type: ignore[attr-defined]
    for row in table.itertuples():
        assert str(row.source).split(" line ")[0] in files
        assert " line " in str(row.source)
        assert isinstance(row.source_date, str)
        assert len(row.source_date) == 10
        if isinstance(row.release, str):
            assert str(row.release_source).split(" line ")[0] in files
        if not math.isnan(row.price_usd):
            assert str(row.price_source).split(" line ")[0] in files
            assert isinstance(row.price_kind, str)
            # Issue: the raw files hold 2025 listings and undated wiki prices, never launch
            # prices; nothing may be called one.
            assert "launch" not in row.price_kind.lower()
        assert row.cooling in COOLINGS


def test_nothing_is_shipped_from_cbeci_alone(table: pd.DataFrame, meta: dict[str, object]) -> None:
    # CBECI's list has no hashrate or power: it only cross-checks and fills release months.
    assert not table["source"].str.startswith("cbeci/").any()
    assert "Bitmain Antminer R4" in meta["cbeci_only_not_shipped"]  # type: ignore[operator]
    # The one model whose release comes from CBECI: Ebit E10 (the wiki has no dates).
    from_cbeci = table[table["release_source"].str.startswith("cbeci/", na=False)]
    assert list(from_cbeci["model"]) == ["Ebit E10"]


# --- figures from the sources -------------------------------------------------------------


def test_antminer_s21_matches_bitmain_spec() -> None:
    # Published: REFERENCES.md §5 — Antminer S21 200 TH/s at 17.5 J/TH → 3,500 W (Bitmain spec
    # via BTCWire's test, HackerNoon 2024-03-11); the 3,200 W some sites give is noise.
    model = s21()
    assert model.hashrate_ths == 200.0
    assert model.power_w == 3500.0
    assert model.efficiency_j_per_th == pytest.approx(17.5, rel=1e-12)
    assert model.manufacturer == "Bitmain"
    assert model.cooling == "air"
    # Published: asicmarketplace.com listing of August 2025 (raw file, line 4): 2,699 USD.
    assert model.price_usd == 2699.0
    assert model.price_date == "2025-08"
    assert model.price_kind == "retail listing"
    assert model.release is None  # no raw file dates the S21


@pytest.mark.parametrize(
    ("model", "hashrate_ths", "power_w", "efficiency", "release"),
    [
        # Published: BTCBESS data/miners.csv, which also states the efficiency (J/TH).
        ("Antminer S19 Pro", 110, 3250, 29.5, "2020-05"),
        ("Antminer S19j Pro", 104, 3068, 29.5, "2021-06"),
        ("Antminer S19 XP", 140, 3010, 21.5, "2022-07"),
        ("Whatsminer M30S++", 112, 3472, 31.0, "2020-08"),
        ("Whatsminer M50S", 126, 3306, 26.2, "2022-03"),
        ("Avalon A1246", 90, 3420, 38.0, "2021-01"),
        # Published: F2Pool's device table, March 2020 (W/TH stated as an integer).
        ("Antminer S9", 13, 1300, 100, "2016-07"),
        ("Antminer S17 Pro", 53, 2094, 40, "2019-04"),
        ("Whatsminer M20S", 68, 3260, 48, "2019-04"),
        ("Whatsminer M30S", 88, 3344, 38, "2019-12"),
        # Published: asicminervalue.com listing, December 2025 (no efficiency stated).
        ("Antminer S21 XP Hyd", 473, 5676, None, "2024-11"),
        ("Antminer S23 Hyd 3U", 1160, 11020, None, "2026-01"),
    ],
)
def test_rows_match_their_source(
    model: str,
    hashrate_ths: float,
    power_w: float,
    efficiency: float | None,
    release: str,
) -> None:
    found = get_model(model)
    assert (found.hashrate_ths, found.power_w, found.release) == (hashrate_ths, power_w, release)
    if efficiency is not None:
        # The source's stated efficiency, to the source's rounding (0.1 J/TH or 1 W/TH).
        digits = 1 if efficiency % 1 else 0
        assert round(found.efficiency_j_per_th, digits) == efficiency


@pytest.mark.parametrize(
    ("model", "cooling"),
    [
        ("Antminer S21 XP Hyd", "hydro"),
        ("Antminer S9 Hydro", "hydro"),
        ("SealMiner A3 Pro Hydro", "hydro"),
        ("Antminer S21 XP Imm", "immersion"),
        ("Whatsminer M66", "immersion"),  # MicroBT's code: second digit 6 = immersion
        ("Whatsminer M30S++", "air"),
        ("Antminer S21", "air"),
    ],
)
def test_cooling_from_the_name(model: str, cooling: str) -> None:
    assert get_model(model).cooling == cooling


def test_variant_rule_keeps_the_launch_configuration() -> None:
    # F2Pool lists the S9 twice: 13 TH/s 1300 W released 2016-07 and 14 TH/s 1190 W 2019-09;
    # asicminervalue lists the S21+ Hyd at 319 TH/s (2025-02) and 358 TH/s (2025-08). The
    # earliest release is shipped and the other is listed in the meta file.
    assert (get_model("S9").hashrate_ths, get_model("S9").release) == (13.0, "2016-07")
    assert get_model("S21+ Hyd").hashrate_ths == 319.0
    variants = [v["row"] for v in catalog_provenance()["variants_not_shipped"]]
    assert "asic/f2pool_mining_devices_2020.csv line 22: Antminer S9" in variants
    assert "asic/asicminervalue_bitcoin_asics_2025-12.csv line 20: Bitmain Antminer S21+ Hyd" in (
        variants
    )


def test_wiki_price_of_another_configuration_is_not_attached(meta: dict[str, object]) -> None:
    # The Bitcoin Wiki's 2,400 USD S9 is for 14 TH/s at 1,375 W, not the shipped 13 TH/s at
    # 1,300 W (F2Pool): it must not be glued to that row.
    assert math.isnan(catalog().set_index("model").loc["Antminer S9", "price_usd"])
    refused = {row["model"] for row in meta["prices_not_attached"]}  # type: ignore[attr-defined]
    assert "Antminer S9" in refused
    # Same machine (7.3 TH/s, 1,150 W in F2Pool and the wiki): the wiki price is attached.
    a741 = get_model("Avalon A741")
    assert (a741.price_usd, a741.price_kind) == (1450.0, "Bitcoin Wiki table price (undated)")
    assert a741.price_date is None


def test_disagreements_between_sources_are_reported(meta: dict[str, object]) -> None:
    found = {
        (d["model"], d["field"], d["other"])
        for d in meta["disagreements"]  # type: ignore[attr-defined]
    }
    # F2Pool dates the S19 Pro 2020-02 (announcement), BTCBESS and CBECI 2020-05 (shipping).
    assert ("Antminer S19 Pro", "release", "2020-02") in found
    # The Bitcoin Wiki's S9 is the 14 TH/s, 1,375 W bin.
    assert ("Antminer S9", "hashrate_ths", "14") in found
    assert ("Antminer S9", "power_w", "1375") in found
    # CBECI's M20S efficiency (49.41 J/TH) vs F2Pool's 3,260 W / 68 TH/s = 47.94 J/TH.
    assert ("Whatsminer M20S", "efficiency_j_per_th", "49.41") in found


def test_listing_oddities_are_noted(meta: dict[str, object]) -> None:
    # asicmarketplace lists the S21 Pro at 245 TH/s behind a link ending "…-234th".
    notes = " ".join(meta["listing_notes"])  # type: ignore[arg-type]
    assert "s21 Pro listed at 245 TH/s, but its product link names 234 TH/s" in notes


def test_catalog_is_a_fresh_copy() -> None:
    first = catalog()
    first.loc[0, "power_w"] = -1.0
    assert catalog().loc[0, "power_w"] > 0


def test_provenance_describes_the_table(meta: dict[str, object], table: pd.DataFrame) -> None:
    assert meta["rows"] == len(table)
    assert meta["built_by"] == "scripts/build_hardware_catalog.py"
    rules = meta["rules"]
    assert isinstance(rules, dict)
    assert rules["source_priority"][0] == "btcbess"


# --- get_model ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Antminer S21", "Antminer S21"),
        ("antminer s21", "Antminer S21"),
        ("  Bitmain   Antminer S21 ", "Antminer S21"),
        ("BITMAIN S21", "Antminer S21"),
        ("S21", "Antminer S21"),
        ("s21+", "Antminer S21+"),
        ("S21 XP Hydro", "Antminer S21 XP Hyd"),
        ("antminer-s21-xp-hyd", "Antminer S21 XP Hyd"),
        ("S23 Imm.", "Antminer S23 Imm"),
        ("whatsminer m30s++", "Whatsminer M30S++"),
        ("MicroBT M30S++", "Whatsminer M30S++"),
        ("AvalonMiner 1246", "Avalon A1246"),
        ("Canaan Avalon A1246", "Avalon A1246"),
    ],
)
def test_get_model_is_forgiving(name: str, expected: str) -> None:
    assert get_model(name).model == expected


def test_every_model_resolves_to_itself(table: pd.DataFrame) -> None:
    for name in table["model"]:
        assert get_model(name).model == name


def test_unknown_model_suggests_close_names() -> None:
    with pytest.raises(InvalidInputError, match=r"unknown ASIC model 'M66S'; did you mean "):
        get_model("M66S")
    with pytest.raises(InvalidInputError, match=r"did you mean 'Whatsminer M66'"):
        get_model("Whatsminer M66S")
    with pytest.raises(InvalidInputError, match=r"'Banana 3000'; no model has a similar name"):
        get_model("Banana 3000")
    with pytest.raises(InvalidInputError, match=r"must be a string, got 21"):
        get_model(21)  # type: ignore[arg-type]


# --- custom models ------------------------------------------------------------------------


def test_custom_model() -> None:
    # Independent derivation: 3,000 W / 250 TH/s = 12 J/TH.
    rig = MinerModel(model="my rig", hashrate_ths=250, power_w=3000)
    assert rig.efficiency_j_per_th == 12.0
    assert rig.hashrate_hs == 2.5e14
    assert rig.source == "user-defined"
    assert isinstance(rig.hashrate_ths, float)
    with pytest.raises(dataclasses.FrozenInstanceError):
        rig.power_w = 1.0  # type: ignore[misc]


def test_custom_model_reports_every_problem_at_once() -> None:
    with pytest.raises(InvalidInputError) as info:
        MinerModel(model="", hashrate_ths=-5, power_w=math.inf, price_usd=-1, cooling="water")  # type: ignore[arg-type]
    message = str(info.value)
    assert "model='' must be a non-empty string" in message
    assert "hashrate_ths=-5 must be a finite number > 0 [TH/s]" in message
    assert "power_w=inf must be a finite number > 0 [W]" in message
    assert "price_usd=-1 must be a finite number >= 0 [USD]" in message
    assert "cooling='water' must be one of air, hydro, immersion" in message


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"hashrate_ths": 0}, r"hashrate_ths=0 must be a finite number > 0 \[TH/s\]"),
        ({"hashrate_ths": float("nan")}, r"hashrate_ths=nan must be"),
        ({"hashrate_ths": True}, r"hashrate_ths=True must be"),
        ({"power_w": "3500"}, r"power_w='3500' must be a finite number > 0 \[W\]"),
        ({"release": "2024-13"}, r"release='2024-13' must be a month 'YYYY-MM'"),
        ({"price_date": "Aug 2025"}, r"price_date='Aug 2025' must be a month"),
    ],
)
def test_custom_model_validation(kwargs: dict[str, object], match: str) -> None:
    fields: dict[str, object] = {"model": "x", "hashrate_ths": 100.0, "power_w": 3000.0}
    fields.update(kwargs)
    with pytest.raises(InvalidInputError, match=match):
        MinerModel(**fields)  # type: ignore[arg-type]


# --- vintages -----------------------------------------------------------------------------


def batch(**kwargs: object) -> Vintage:
    fields: dict[str, object] = {"model": s21(), "count": 1000, "deployed": START}
    fields.update(kwargs)
    return Vintage(**fields)  # type: ignore[arg-type]


def test_vintage_at_nameplate() -> None:
    # Independent derivation: 1,000 × 200 TH/s = 2e17 H/s; 1,000 × 3,500 W = 3.5 MW.
    vintage = batch()
    assert vintage.hashrate_hs(T0) == 2e17
    assert vintage.power_w(T0 + 86_400) == 3.5e6


def test_vintage_lifetime_defaults_to_five_years() -> None:
    # Published: CBECI counts a machine for five years after its release (CambridgeAltFin/
    # ccaf_cbeci_api, energy_consumption_service.py, _get_equipment_list).
    assert DEFAULT_LIFETIME_YEARS == 5.0
    vintage = batch()
    assert vintage.retired_s - vintage.deployed_s == 5 * YEAR_S
    assert vintage.power_w(vintage.retired_s - 1) == 3.5e6
    assert vintage.power_w(vintage.retired_s) == 0.0
    assert vintage.power_w(T0 - 1) == 0.0
    assert vintage.hashrate_hs(T0 - 1) == 0.0


def test_vintage_derating_and_availability() -> None:
    # Independent derivation: 10 %/year for 2 years leaves 80 % of 2e17 H/s; power unchanged.
    vintage = batch(derate_frac=0.1)
    assert vintage.hashrate_hs(T0 + 2 * YEAR_S) == pytest.approx(1.6e17, rel=1e-12)
    assert vintage.power_w(T0 + 2 * YEAR_S) == 3.5e6
    # 50 %/year: nothing left after 2 years, still drawing power (until retired).
    worn = Fleet(vintages=(batch(derate_frac=0.5),))
    assert worn.hashrate_hs(T0 + 3 * YEAR_S) == 0.0
    assert worn.efficiency_j_per_th(T0 + 3 * YEAR_S) == math.inf
    # 90 % uptime: 0.9 × 2e17 H/s and 0.9 × 3.5 MW.
    up = batch(availability_frac=0.9)
    assert up.hashrate_hs(T0) == pytest.approx(1.8e17, rel=1e-12)
    assert up.power_w(T0) == pytest.approx(3.15e6, rel=1e-12)


def test_vintage_is_vectorised() -> None:
    times = T0 + np.array([-1.0, 0.0, 4.9, 5.0, 6.0]) * YEAR_S
    assert_allclose(batch().power_w(times), [0.0, 3.5e6, 3.5e6, 0.0, 0.0], rtol=0)
    assert isinstance(batch().power_w(T0), float)
    assert batch().hashrate_hs([T0, T0]).shape == (2,)


def test_deployed_is_stored_in_utc() -> None:
    beijing = dt.timezone(dt.timedelta(hours=8))
    vintage = batch(deployed=dt.datetime(2024, 1, 1, 8, tzinfo=beijing))
    assert vintage.deployed == START
    assert vintage.deployed.tzinfo == UTC
    assert vintage.deployed_s == 1_704_067_200.0  # published: 2024-01-01T00:00Z in unix time


def test_vintage_reports_every_problem_at_once() -> None:
    with pytest.raises(InvalidInputError) as info:
        batch(
            model="S21",
            count=-3,
            deployed=dt.datetime(2024, 1, 1),
            lifetime_years=0,
            derate_frac=1.5,
            availability_frac=-0.1,
        )
    message = str(info.value)
    assert message.startswith("invalid Vintage:")
    for part in (
        "model='S21' must be a MinerModel",
        "count=-3 must be an integer >= 0 [machines]",
        "deployed=datetime.datetime(2024, 1, 1, 0, 0) must be a tz-aware datetime",
        "lifetime_years=0 must be a finite number > 0 [years]",
        "derate_frac=1.5 must be between 0 and 1 [1/year]",
        "availability_frac=-0.1 must be between 0 and 1 [fraction]",
    ):
        assert part in message


@pytest.mark.parametrize("count", [1.5, True, "10"])
def test_vintage_count_must_be_an_integer(count: object) -> None:
    with pytest.raises(InvalidInputError, match=r"count=.* must be an integer >= 0"):
        batch(count=count)


@pytest.mark.parametrize(
    "when",
    [START, np.datetime64("2024-01-01"), np.array(["2024-01-01"], dtype="datetime64[s]")],
)
def test_times_must_be_seconds(when: object) -> None:
    with pytest.raises(InvalidInputError, match=r"seconds since 1970-01-01 UTC.*utc_seconds"):
        batch().power_w(when)  # type: ignore[call-overload]


def test_times_must_be_finite() -> None:
    with pytest.raises(InvalidInputError, match="NaN or infinite"):
        batch().power_w(np.array([T0, math.nan]))


def test_utc_seconds() -> None:
    # Published: 2024-01-01T00:00:00Z is unix time 1,704,067,200.
    assert utc_seconds(START) == 1_704_067_200.0
    index = pd.date_range("2024-01-01", periods=3, freq="D", tz="UTC")
    assert_allclose(utc_seconds(index), 1_704_067_200.0 + np.arange(3) * 86_400, rtol=0)
    assert_allclose(utc_seconds([START]), [1_704_067_200.0], rtol=0)
    with pytest.raises(InvalidInputError, match="tz-aware"):
        utc_seconds(dt.datetime(2024, 1, 1))
    with pytest.raises(InvalidInputError, match="naive"):
        utc_seconds(pd.date_range("2024-01-01", periods=2))


# --- fleets -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("power_gw", "pue", "units_m", "hashrate_ehs", "ehs_digits", "energy_twh"),
    [
        # Published: REFERENCES.md §5 table, "S21 units", "Hashrate" and "Energy/yr" (facility
        # energy in a 365.25-day year) at PUE 1.0 / 1.1.
        (5, 1.0, 1.43, 285.7, 1, 43.8),
        (5, 1.1, 1.30, 259.7, 1, 43.8),
        (10, 1.0, 2.86, 571.4, 1, 87.7),
        (10, 1.1, 2.60, 519.5, 1, 87.7),
        (20, 1.0, 5.71, 1142.9, 1, 175.3),
        (20, 1.1, 5.19, 1039, 0, 175.3),
    ],
)
def test_state_program_table(
    power_gw: float,
    pue: float,
    units_m: float,
    hashrate_ehs: float,
    ehs_digits: int,
    energy_twh: float,
) -> None:
    fleet = Fleet.from_power("Antminer S21", power_w=power_gw * 1e9, pue=pue, deployed=START)
    assert round(fleet.count / 1e6, 2) == units_m
    assert round(fleet.hashrate_hs(T0) / 1e18, ehs_digits) == hashrate_ehs
    facility_w = fleet.power_w(T0) * pue
    assert facility_w <= power_gw * 1e9
    assert round(facility_w * YEAR_S / 3.6e15, 1) == energy_twh


def test_five_gigawatts_of_s21_exactly() -> None:
    # Issue: "5 GW of S21 at PUE 1.0 is 1,428,571 machines and 285.7 EH/s". Independent
    # derivation: 3,500 W × 1,428,571 = 4,999,998,500 W <= 5e9 W < 3,500 W × 1,428,572.
    fleet = Fleet.from_power(s21(), power_w=5e9, pue=1.0, deployed=START)
    assert fleet.count == 1_428_571
    assert fleet.power_w(T0) == 4_999_998_500.0
    assert fleet.hashrate_hs(T0) == pytest.approx(1_428_571 * 200e12, rel=1e-12)


def test_from_power_rounds_down_exactly() -> None:
    # Independent derivation: 1.1 × 3,500 W = 3,850 W; 11,550 W / 3,850 W = 3 exactly (a
    # binary-float quotient would give 2.999…, i.e. 2 machines).
    assert Fleet.from_power(s21(), power_w=11_550, pue=1.1, deployed=START).count == 3
    assert Fleet.from_power(s21(), power_w=11_549, pue=1.1, deployed=START).count == 2


def test_from_power_errors() -> None:
    with pytest.raises(InvalidInputError, match=r"does not power one Antminer S21.*5 GW is 5e9"):
        Fleet.from_power(s21(), power_w=5, deployed=START)
    with pytest.raises(InvalidInputError, match=r"pue=0.9 must be a finite number >= 1"):
        Fleet.from_power(s21(), power_w=5e9, pue=0.9, deployed=START)
    with pytest.raises(InvalidInputError, match=r"power_w=-1.0 must be a finite number > 0"):
        Fleet.from_power(s21(), power_w=-1.0, deployed=START)
    with pytest.raises(InvalidInputError, match=r"unknown ASIC model 'S99'"):
        Fleet.from_power("S99", power_w=5e9, deployed=START)


def test_fleet_efficiency_is_power_over_hashrate() -> None:
    # Independent derivation: (3,500 + 3,250) W / (200 + 110) TH/s = 21.774193… J/TH.
    fleet = Fleet(
        vintages=[
            Vintage(model=s21(), count=1, deployed=START),
            Vintage(model=get_model("S19 Pro"), count=1, deployed=START),
        ]
    )
    assert isinstance(fleet.vintages, tuple)
    assert fleet.efficiency_j_per_th(T0) == pytest.approx(6750 / 310, rel=1e-12)
    # Before anything runs there is no efficiency to speak of.
    assert math.isnan(fleet.efficiency_j_per_th(T0 - 1))
    assert math.isnan(Fleet().efficiency_j_per_th(T0))
    assert Fleet().hashrate_hs(T0) == 0.0


def test_fleet_rejects_non_vintages() -> None:
    with pytest.raises(InvalidInputError, match=r"vintages\[1\]='S21' must be a Vintage"):
        Fleet(vintages=(batch(), "S21"))  # type: ignore[arg-type]


# --- properties ---------------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=10_000_000)
ages_years = st.floats(min_value=0.0, max_value=4.99)
fractions = st.floats(min_value=0.0, max_value=1.0)


@given(n=counts, k=st.integers(min_value=1, max_value=100), age=ages_years, up=fractions)
def test_power_and_hashrate_scale_linearly_with_count(
    n: int, k: int, age: float, up: float
) -> None:
    t = T0 + age * YEAR_S
    one = batch(count=n, availability_frac=up, derate_frac=0.05)
    many = batch(count=k * n, availability_frac=up, derate_frac=0.05)
    assert many.power_w(t) == pytest.approx(k * one.power_w(t), rel=1e-12)
    assert many.hashrate_hs(t) == pytest.approx(k * one.hashrate_hs(t), rel=1e-12)
    copies = Fleet(vintages=(one,) * k)
    assert copies.power_w(t) == pytest.approx(many.power_w(t), rel=1e-12)


@given(
    lifetime=st.floats(min_value=0.1, max_value=20.0),
    after_years=st.floats(min_value=0.0, max_value=100.0),
    n=counts,
)
def test_a_retired_vintage_contributes_nothing(lifetime: float, after_years: float, n: int) -> None:
    retired = batch(count=n, lifetime_years=lifetime)
    t = retired.retired_s + after_years * YEAR_S
    assert retired.hashrate_hs(t) == 0.0
    assert retired.power_w(t) == 0.0
    running = batch(count=7, deployed=dt.datetime.fromtimestamp(t, tz=UTC))
    with_retired = Fleet(vintages=(running, retired))
    alone = Fleet(vintages=(running,))
    assert with_retired.hashrate_hs(t) == alone.hashrate_hs(t)
    assert with_retired.power_w(t) == alone.power_w(t)


@given(
    derate=fractions,
    a=st.floats(min_value=0.0, max_value=4.99),
    b=st.floats(min_value=0.0, max_value=4.99),
)
def test_derating_never_raises_hashrate(derate: float, a: float, b: float) -> None:
    vintage = batch(derate_frac=derate)
    early, late = sorted((a, b))
    assert vintage.hashrate_hs(T0 + late * YEAR_S) <= vintage.hashrate_hs(T0 + early * YEAR_S)
