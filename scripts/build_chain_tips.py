"""Derive hashtide's shipped daily chain tips from public block-level data.

Writes ``src/hashtide/data/chain_tips_daily.csv`` plus ``chain_tips_daily.meta.json``: for
every day, the chain tip as it stood at 00:00 UTC — the highest block whose header time is
before that midnight. Two sources, from the raw-data folder:

* ``chain/btc_blockstats_partial.csv.gz`` (Bitcoin Core ``getblockstats`` rows for five height
  windows; m-marqx/BTC-RPC-Data, MIT): the exact tip and its header time (``blockstats``);
* ``network_daily/bitcoinvisuals_block_reward_daily_2009-2025.csv`` (subsidy paid per UTC day,
  bitcoinvisuals.com; the shipped fee table already counts blocks from it): blocks per day =
  subsidy of the day / subsidy per block (on a halving day, split at the halving height),
  summed from genesis; the sum is anchored to the chain by the first blocks of the six newest
  retarget periods that began before that midnight (shipped ``chain_epochs.csv``; each period's
  first block, at a known height and time, against the running count interpolated within its
  day), so each row uses only what was on the chain by then (``daily_counts``; within ±5
  blocks of the exact tips on all 403 days both hold — printed by the build).

A midnight is kept only when the window holds the block after the tip too (so the tip is not
an artefact of the window's end) and the window's first block is older than the midnight by
more than two hours (Core accepts header times up to two hours ahead of the network's clock,
so a block before the window could still carry a later time). The build checks that every
height in a window is present once.

The market model's nowcast (:mod:`hashtide.market.nowcast`) reads how many blocks were found
so far in the current retarget period, and over the last days, from this table.

Usage::

    python scripts/build_chain_tips.py [--raw DIR] [--out DIR]
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import sys
from pathlib import Path

import numpy as np

from _build_common import arg_parser, write_csv
from hashtide.chain import epochs

DAY_S = 86_400
#: Core's limit on header times ahead of the network-adjusted clock [s] (``MAX_FUTURE_BLOCK_TIME``).
MAX_FUTURE_S = 7_200

SOURCE = {
    "file": "chain/btc_blockstats_partial.csv.gz",
    "what": "Bitcoin Core getblockstats (height, time) for heights 0-14999, 499999-509998, "
    "679999-699998, 776424-786423, 909458-934575",
    "origin": "m-marqx/BTC-RPC-Data, data/onchain/BTC/block_stats_fragments",
    "commit": "34548a531d0438d4e2b5197801f9ce89521d5cd0",
    "date": "2026-02-01",
    "licence": "MIT",
}


COUNTS = {
    "file": "network_daily/bitcoinvisuals_block_reward_daily_2009-2025.csv",
    "what": "block subsidy paid per UTC day [BTC] (blocks per day = subsidy / subsidy per block)",
    "origin": "Krisp140/TargetedNakomoto, data/blockreward.csv (upstream: bitcoinvisuals.com)",
    "commit": "68986329c3b99ecd1df233faedfa8b62246826b6",
    "licence": "none stated; block counts are on-chain facts (as for the shipped fee table)",
}
#: Halvings: (UTC day, height of the first block with the halved subsidy).
HALVINGS = (
    (dt.date(2012, 11, 28), 210_000),
    (dt.date(2016, 7, 9), 420_000),
    (dt.date(2020, 5, 11), 630_000),
    (dt.date(2024, 4, 20), 840_000),
)
#: Newest retarget-period starts anchoring the running count.
ANCHOR_PERIODS = 6


class BuildError(Exception):
    """Raised when the raw block list is malformed."""


def read_times(path: Path) -> dict[int, int]:
    """height → header time [s] of every block in the file."""
    times: dict[int, int] = {}
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            height = int(row["height"])
            if height in times:
                raise BuildError(f"height {height} appears twice")
            times[height] = int(row["time"])
    return times


def windows(heights: list[int]) -> list[tuple[int, int]]:
    """Contiguous (first, last) height ranges of a sorted height list."""
    out: list[tuple[int, int]] = []
    first = prev = heights[0]
    for h in heights[1:]:
        if h != prev + 1:
            out.append((first, prev))
            first = h
        prev = h
    out.append((first, prev))
    return out


def daily_tips(times: dict[int, int]) -> list[dict[str, str]]:
    """One row per midnight inside a window: the tip then and its header time."""
    rows: list[dict[str, str]] = []
    for first, last in windows(sorted(times)):
        block_times = [times[h] for h in range(first, last + 1)]
        earliest = times[first] + MAX_FUTURE_S
        midnight = (earliest // DAY_S + 1) * DAY_S
        # running maximum of header times from the window's end backwards: the tip at t is the
        # highest h with time[h] < t; every block after it must be in the window too.
        while True:
            before = [i for i, t in enumerate(block_times) if t < midnight]
            if not before:
                midnight += DAY_S
                continue
            tip = max(before)
            if tip + 1 >= len(block_times) or min(block_times[tip + 1 :]) < midnight:
                break
            rows.append(
                {
                    "day": dt.datetime.fromtimestamp(midnight, tz=dt.UTC).date().isoformat(),
                    "tip_height": str(first + tip),
                    "tip_time_s": str(block_times[tip]),
                }
            )
            midnight += DAY_S
    return rows


def count_tips(raw: Path) -> dict[dt.date, int]:
    """Tip at each midnight from the daily block counts, anchored to past period starts."""
    path = raw / COUNTS["file"]
    cum: dict[dt.date, int] = {}
    count: dict[dt.date, int] = {}
    tip = -1
    with path.open(encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            day = dt.date.fromisoformat(row["DateTime"][:10])
            btc = float(row["BTC"])
            era = sum(day > d for d, _ in HALVINGS)
            subsidy = 50.0 / 2**era
            halving = dict(HALVINGS).get(day)
            if halving is not None:
                before = halving - tip - 1
                n = before + round((btc - before * subsidy) / (subsidy / 2))
            else:
                n = round(btc / subsidy)
            cum[day] = tip
            count[day] = n
            tip += n
    table = epochs()
    table = table[table["first_block_time"].notna()]
    anchors = []
    for height, time in zip(table["start_height"], table["first_block_time"], strict=True):
        t = time.timestamp()
        day = dt.datetime.fromtimestamp(t, tz=dt.UTC).date()
        if day in cum:
            midnight = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC).timestamp()
            running = cum[day] + count[day] * (t - midnight) / DAY_S
            anchors.append((t, int(height) - 0.5 - running))
    anchor_s = np.array([a for a, _ in anchors])
    offset = np.array([o for _, o in anchors])
    out: dict[dt.date, int] = {}
    for day, value in cum.items():
        midnight = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC).timestamp()
        n = int(np.searchsorted(anchor_s, midnight))
        if n == 0:
            continue
        out[day] = value + round(float(np.median(offset[max(0, n - ANCHOR_PERIODS) : n])))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = arg_parser(__doc__.splitlines()[0])
    args = parser.parse_args(argv)
    times = read_times(args.raw / SOURCE["file"])
    exact = {row["day"]: row for row in daily_tips(times)}
    counted = count_tips(args.raw)
    errors = [
        counted[dt.date.fromisoformat(d)] - int(r["tip_height"])
        for d, r in exact.items()
        if dt.date.fromisoformat(d) in counted
    ]
    worst = max(abs(e) for e in errors)
    print(f"daily counts vs exact tips: {len(errors)} days, worst {worst} blocks")
    if worst > 10:
        raise BuildError(f"the daily block counts disagree with getblockstats by {worst} blocks")
    days = sorted(set(exact) | {d.isoformat() for d in counted})
    rows = []
    for day in days:
        if day in exact:
            rows.append({**exact[day], "source": "blockstats"})
        else:
            height = counted[dt.date.fromisoformat(day)]
            rows.append(
                {"day": day, "tip_height": str(height), "tip_time_s": "", "source": "daily_counts"}
            )
    out: Path = args.out
    write_csv(out / "chain_tips_daily.csv", rows, ["day", "tip_height", "tip_time_s", "source"])
    meta = {
        "table": "chain_tips_daily.csv",
        "description": "the chain tip at 00:00 UTC of each day the block-level data covers",
        "built_by": "scripts/build_chain_tips.py",
        "built_on": dt.date.today().isoformat(),
        "rows": len(rows),
        "first_day": rows[0]["day"],
        "last_day": rows[-1]["day"],
        "windows": [list(w) for w in windows(sorted(times))],
        "columns": {
            "day": "UTC date; the tip is the chain as it stood at 00:00 UTC of this day",
            "tip_height": "highest block whose header time is before that midnight",
            "tip_time_s": "header time of that block [s since 1970 UTC] (blockstats rows)",
            "source": "blockstats (exact) | daily_counts (running count of blocks per day, "
            "anchored to the newest period starts before the day)",
        },
        "daily_counts_check": {"days": len(errors), "worst_abs_error_blocks": worst},
        "rule": "a midnight is kept when the window holds every block after the tip up to one "
        "whose time is at or after the midnight, and the window's first block is more than "
        f"{MAX_FUTURE_S} s (Core's MAX_FUTURE_BLOCK_TIME) older than the midnight",
        "sources": [SOURCE, COUNTS],
    }
    (out / "chain_tips_daily.meta.json").write_text(
        json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(f"wrote {len(rows)} daily tips to {out / 'chain_tips_daily.csv'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
