"""The market model's inputs: shipped price, fees, mining-map figures, regions and hashprice."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hashtide.errors import DataError, InvalidInputError
from hashtide.market import (
    DEFAULT_REGIONS,
    DailySeries,
    Region,
    btc_fees_per_block,
    btc_price_usd,
    historical_hashprice,
    mining_map_quotes,
    provenance,
    read_mining_map,
    region_shares,
)
from hashtide.market.data import day_start_s


def _year_days_s(year: int) -> np.ndarray:
    days = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D", tz="UTC")
    return ((days - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(seconds=1)).to_numpy()


def test_price_is_coingecko_snapshot() -> None:
    # Regression snapshot of the raw file: price/btc_usd_daily_coingecko_2013-2026.csv,
    # "2021-07-01 00:00:00 UTC,35171.486304850056" (rounded to the cent when shipped).
    assert float(btc_price_usd().at(day_start_s(dt.date(2021, 7, 1)))) == 35171.49


def test_fees_match_getblockstats() -> None:
    # Independent derivation from Bitcoin Core getblockstats (chain/btc_blockstats_partial):
    # 2021-07-05 holds 132 blocks (825 BTC of subsidy / 6.25) with 47.545607 BTC of fees.
    value = float(btc_fees_per_block().at(day_start_s(dt.date(2021, 7, 5))))
    assert value == pytest.approx(47.545607 / 132, abs=1e-6)


@pytest.mark.parametrize(
    ("year", "published_usd_per_ph_day", "rtol"),
    [
        # Published: Hashrate Index 2022 year in review, 2021 average 314.61 and 2022 average
        # 123.88 USD/PH/day (REFERENCES.md §3). Ours uses CoinGecko's 00:00 UTC price and 7-day
        # mean fees, theirs their own price and a 144-block fee average: 2 % apart at most.
        (2021, 314.61, 0.02),
        (2022, 123.88, 0.02),
    ],
)
def test_historical_hashprice_matches_hashrate_index(
    year: int, published_usd_per_ph_day: float, rtol: float
) -> None:
    mean = float(historical_hashprice(_year_days_s(year)).mean()) * 1000
    assert mean == pytest.approx(published_usd_per_ph_day, rel=rtol)


def test_mining_map_quotes_are_the_published_figures() -> None:
    quotes = {(q.month, q.region): q.share_frac for q in mining_map_quotes()}
    # Published: CCAF via JBS (2021-10-13): China 75.53 % (Sep 2019), 46 % (Apr 2021),
    # US 35.4 % (Aug 2021); REFERENCES.md §4: China 22.29 % (Sep 2021), 21.11 % (Jan 2022).
    assert quotes[("2019-09", "china")] == 0.7553
    assert quotes[("2021-04", "china")] == 0.46
    assert quotes[("2021-08", "united_states")] == 0.354
    assert quotes[("2021-09", "china")] == 0.2229
    assert quotes[("2022-01", "china")] == 0.2111


def test_provenance_names_sources_and_licences() -> None:
    meta = provenance()
    assert "CoinGecko" in meta["btc_price_daily"]["source"]["attribution"]
    assert "CC BY-NC-SA" in meta["mining_map_shares"]["why_not_the_full_table"]
    checks = meta["btc_fees_daily"]["checks"]
    assert checks["glassnode_vs_getblockstats_max_rel_diff"] < 1e-12


def test_region_shares_use_months_before_the_date() -> None:
    # Published (JBS 2021-10-13): April 2021 China 46 %, US 16.8 %, Kazakhstan 8.2 %.
    shares = region_shares(dt.date(2021, 5, 2))
    china = sum(v for k, v in shares.items() if k.startswith("china"))
    assert china == pytest.approx(0.46, abs=1e-12)
    assert shares["united_states"] == pytest.approx(0.168, abs=1e-12)
    assert sum(shares.values()) == pytest.approx(1.0, abs=1e-12)
    # On 30 April 2021 April has not ended: the April 2020 figures (65.08 %) are the newest.
    before = region_shares(dt.date(2021, 4, 30))
    assert sum(v for k, v in before.items() if k.startswith("china")) == pytest.approx(0.6508)
    # Before the first quoted month (Sep 2019) its figures hold.
    early = region_shares(dt.date(2016, 1, 1))
    assert sum(v for k, v in early.items() if k.startswith("china")) == pytest.approx(0.7553)


def test_china_split_follows_the_april_2020_provinces() -> None:
    # Independent arithmetic on the published provincial shares (CoinDesk 2020-05-07): Sichuan
    # 9.66 % + Yunnan 5.42 % and Xinjiang 35.76 % + Inner Mongolia 8.07 % of China's 65.08 %.
    fracs = {r.key: r.china_frac for r in DEFAULT_REGIONS if r.in_china}
    assert fracs["china_hydro"] == pytest.approx(15.08 / 65.08, rel=1e-12)
    assert fracs["china_coal"] == pytest.approx(43.83 / 65.08, rel=1e-12)
    assert sum(fracs.values()) == pytest.approx(1.0, rel=1e-12)
    provinces = {q.region: q.share_frac for q in mining_map_quotes() if q.month == "2020-04"}
    assert provinces["china_sichuan"] + provinces["china_yunnan"] == pytest.approx(0.1508)


def test_hydro_region_is_seasonal() -> None:
    hydro = DEFAULT_REGIONS[0]
    june = day_start_s(dt.date(2021, 6, 15))
    december = day_start_s(dt.date(2021, 12, 15))
    assert float(hydro.availability_at(june)) == 1.0
    assert float(hydro.availability_at(december)) == 0.75
    # 8btc (2019-03): wet-season hydro as low as 0.08 yuan, dry-season thermal 0.28 yuan/kWh;
    # the defaults put the wet season at 0.6 × the dry-season 0.04 USD/kWh.
    assert float(hydro.power_price_at(june)) == pytest.approx(0.024)
    assert float(hydro.power_price_at(december)) == pytest.approx(0.04)


def test_carbon_intensities_come_from_the_shipped_tables() -> None:
    by_key = {r.key: r for r in DEFAULT_REGIONS}
    # Independent derivation from the 2021 provincial generation (NBS China, billion kWh) ×
    # IPCC AR5 medians 820/24/48/12 g/kWh (thermal/hydro/solar/wind): Sichuan (66.3·820 +
    # 353.14·24 + 2.88·48 + 10.62·12) / 432.94 = 145.76; Yunnan (45.22·820 + 271.63·24 +
    # 3.52·48 + 23.06·12) / 343.43 = 128.25; weighted by the April 2020 mining shares 9.66 : 5.42.
    expected = (9.66 * 145.76 + 5.42 * 128.25) / 15.08
    assert by_key["china_hydro"].carbon_intensity_g_per_kwh(2021) == pytest.approx(
        expected, abs=0.06
    )
    # Ember grid average China 2021: 599.05 g/kWh (shipped carbon_grid.csv).
    assert by_key["china_other"].carbon_intensity_g_per_kwh(2021) == 599.05
    # Renewable shares: OWID's Kazakhstan 2021 row summed by hand (hydro 7.95 + solar 1.13 +
    # wind 1.46 %); a fixed-intensity region without a stated share is unknown (NaN).
    assert by_key["kazakhstan"].renewable_frac_in(2021) == pytest.approx(0.1054, abs=1e-4)
    fixed = Region(key="x", name="X", power_price_usd_per_kwh=0.05, carbon_g_per_kwh=30.0)
    assert math.isnan(fixed.renewable_frac_in(2021))


def test_china_follows_the_wet_season() -> None:
    by_key = {r.key: r for r in DEFAULT_REGIONS}
    hydro, coal = by_key["china_hydro"], by_key["china_coal"]
    # Published: April 2020, Sichuan & Yunnan 15.08 % and Xinjiang & Inner Mongolia 43.83 % of
    # China's 65.08 % (CCAF via CoinDesk 2020-05-07): mid-April holds exactly that split.
    mid_april = dt.datetime(2020, 4, 15, 12, tzinfo=dt.UTC).timestamp()
    assert float(hydro.china_frac_at(mid_april)) == pytest.approx(15.08 / 65.08, abs=0.001)
    assert float(coal.china_frac_at(mid_april)) == pytest.approx(43.83 / 65.08, abs=0.001)
    # Regression snapshot of the inferred wet season (china_hydro_season.csv): mid-August the
    # hydro provinces hold most of China's mining; the parts always add up to China.
    mid_august = dt.datetime(2021, 8, 16, 12, tzinfo=dt.UTC).timestamp()
    assert float(hydro.china_frac_at(mid_august)) == pytest.approx(0.687, abs=0.001)
    total = sum(float(r.china_frac_at(mid_august)) for r in DEFAULT_REGIONS if r.in_china)
    assert total == pytest.approx(1.0, abs=1e-9)
    with pytest.raises(InvalidInputError, match="china_fracs is for a part of mainland China"):
        Region(key="x", name="X", power_price_usd_per_kwh=0.05, carbon_grid="World",
               china_fracs=(0.5,) * 12)  # fmt: skip


def test_region_bad_input_lists_every_problem() -> None:
    with pytest.raises(InvalidInputError, match=r"power_price_usd_per_kwh=-0\.1") as info:
        Region(key="x", name="X", power_price_usd_per_kwh=-0.1, pue=0.9, carbon_grid="World")
    assert "pue=0.9 must be >= 1" in str(info.value)
    with pytest.raises(InvalidInputError, match="exactly one of carbon_grid, carbon_fuel"):
        Region(key="x", name="X", power_price_usd_per_kwh=0.05)
    with pytest.raises(InvalidInputError, match="12 monthly values"):
        Region(key="x", name="X", power_price_usd_per_kwh=0.05, carbon_grid="World",
               availability_fracs=(1.0,) * 11)  # fmt: skip


def test_region_shares_need_an_other_region() -> None:
    with pytest.raises(InvalidInputError, match="must include 'other'"):
        region_shares(dt.date(2021, 5, 2), DEFAULT_REGIONS[:3])


def test_daily_series_bad_input() -> None:
    with pytest.raises(InvalidInputError, match="value 1 is nan"):
        DailySeries(first_day_s=0.0, values=np.array([1.0, np.nan]), name="x")
    with pytest.raises(InvalidInputError, match="UTC midnight"):
        DailySeries(first_day_s=1.0, values=np.array([1.0]), name="x")
    series = DailySeries(first_day_s=0.0, values=np.array([1.0, 2.0, 3.0]), name="x")
    # Independent: the mean of the days 2 and 3 is 2.5; outside the series the ends hold.
    assert float(series.trailing_mean(2 * 86_400.0, 2)) == 2.5
    assert float(series.at(-86_400.0)) == 1.0
    assert float(series.at(99 * 86_400.0)) == 3.0
    with pytest.raises(InvalidInputError, match="days=0"):
        series.trailing_mean(0.0, 0)


def test_read_mining_map(tmp_path: Path) -> None:
    path = tmp_path / "map.csv"
    path.write_text(
        "date,country,monthly_hashrate_%,monthly_absolute_hashrate_EH/S\n"
        "2021-04-01,Mainland China,46.04%,72.39\n"
        "2021-04-01,Germany *,2.81%,4.4\n"
        "2021-04-01,Other,5.92%,9.3\n",
        encoding="utf-8",
    )
    quotes = {(q.month, q.region): q.share_frac for q in read_mining_map(path)}
    assert quotes[("2021-04", "china")] == pytest.approx(0.4604)
    assert quotes[("2021-04", "other")] == pytest.approx(0.0281 + 0.0592)
    bad = tmp_path / "bad.csv"
    bad.write_text("date,country\n2021-04-01,China\n", encoding="utf-8")
    with pytest.raises(DataError, match="needs columns"):
        read_mining_map(bad)
    with pytest.raises(DataError, match="cannot read"):
        read_mining_map(tmp_path / "missing.csv")
