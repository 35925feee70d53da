"""Derive hashtide's daily block counts of 2021 (the China ban) from Bitcoin Core block stats.

Reads ``chain/btc_blockstats_partial.csv.gz`` (Bitcoin Core ``getblockstats`` rows, from
m-marqx/BTC-RPC-Data, MIT) in the raw-data folder (default ``../shared/data/raw``) and writes
``src/hashtide/data/chain_blocks_daily_2021.csv`` — for every UTC day wholly inside the window of
heights 679,999 … 699,998 (22 April … 10 September 2021): the day, its first and last height and
the number of blocks whose header time falls in it — plus ``chain_blocks_daily_2021.meta.json``.
Nothing is estimated; the build stops if the heights are not contiguous.

Usage::

    python scripts/build_chain_blocks.py [--raw DIR] [--out DIR]
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import sys
from collections import defaultdict
from collections.abc import Sequence

from _build_common import arg_parser, write_csv

FIRST_HEIGHT = 679_999
LAST_HEIGHT = 699_998
SOURCE = {
    "file": "chain/btc_blockstats_partial.csv.gz",
    "what": "Bitcoin Core getblockstats: height and header time of blocks 679,999-699,998",
    "origin": "m-marqx/BTC-RPC-Data, data/onchain/BTC/block_stats_fragments",
    "commit": "34548a531d0438d4e2b5197801f9ce89521d5cd0",
    "date": "2026-02-01",
    "licence": "MIT",
}


def main(argv: Sequence[str] | None = None) -> int:
    args = arg_parser(__doc__ or "").parse_args(None if argv is None else list(argv))
    times: dict[int, int] = {}
    with gzip.open(args.raw / SOURCE["file"], "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            height = int(row["height"])
            if FIRST_HEIGHT <= height <= LAST_HEIGHT:
                times[height] = int(float(row["time"]))
    heights = sorted(times)
    if heights != list(range(FIRST_HEIGHT, LAST_HEIGHT + 1)):
        print("heights are not contiguous", file=sys.stderr)
        return 1
    by_day: dict[dt.date, list[int]] = defaultdict(list)
    for height in heights:
        by_day[dt.datetime.fromtimestamp(times[height], tz=dt.UTC).date()].append(height)
    days = sorted(by_day)[1:-1]  # the first and last days are cut by the window
    rows = [
        {
            "day": day.isoformat(),
            "first_height": str(min(by_day[day])),
            "last_height": str(max(by_day[day])),
            "blocks": str(len(by_day[day])),
        }
        for day in days
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(args.out / "chain_blocks_daily_2021.csv", rows)
    meta = {
        "table": "chain_blocks_daily_2021.csv",
        "description": "blocks per UTC day (by header time), 2021 China ban window",
        "built_by": "scripts/build_chain_blocks.py",
        "rows": len(rows),
        "first_day": rows[0]["day"],
        "last_day": rows[-1]["day"],
        "sources": [SOURCE],
        "notes": "Header times are set by miners (they may run up to two hours ahead and are "
        "not monotonic), so a block near midnight may count on the neighbouring day.",
    }
    (args.out / "chain_blocks_daily_2021.meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
