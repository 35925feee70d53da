"""Derive hashtide's shipped chain-history table from public raw data.

Reads, from the raw-data folder (default ``../shared/data/raw`` beside the repo):

* ``chain/electrum_checkpoints_mainnet.json`` — every period's target and last-block hash
  (Electrum, MIT);
* ``chain/bitcoinj_checkpoints_mainnet.txt`` — the full header of the first block of periods
  1 … 436 (bitcoinj, Apache-2.0);
* ``chain/btc_blockstats_partial.csv.gz`` — Bitcoin Core ``getblockstats`` rows for five height
  windows (m-marqx/BTC-RPC-Data, MIT): block times at both ends of about 40 periods.

and writes ``src/hashtide/data/chain_epochs.csv`` plus ``chain_epochs.meta.json`` (provenance).
Nothing is estimated: a time no source holds stays empty. Every value that two sources both hold
is checked to agree, and the build stops on any disagreement.

Usage::

    python scripts/build_chain_history.py [--raw DIR] [--out DIR]
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import gzip
import hashlib
import json
import struct
import sys
from pathlib import Path

from _build_common import arg_parser, write_csv
from hashtide.protocol import MAINNET, bits_to_target, target_to_bits

INTERVAL = MAINNET.difficulty_adjustment_interval
GENESIS_BITS = 0x1D00FFFF

SOURCES = [
    {
        "file": "chain/electrum_checkpoints_mainnet.json",
        "what": "target and last-block hash of every retarget period",
        "origin": "spesmilo/electrum, electrum/chains/mainnet/checkpoints.json",
        "commit": "923578010e56243ee85b3965604d6ad6974d8f33",
        "date": "2026-07-01",
        "licence": "MIT",
    },
    {
        "file": "chain/bitcoinj_checkpoints_mainnet.txt",
        "what": "80-byte header of the first block of periods 1 … 436",
        "origin": "bitcoinj/bitcoinj, "
        "core/src/main/resources/org.bitcoin.production.checkpoints.txt",
        "commit": "13e137ec1deefbc709d7a958906c56d89c084ba8",
        "date": "2025-01-19",
        "licence": "Apache-2.0",
    },
    {
        "file": "chain/btc_blockstats_partial.csv.gz",
        "what": "Bitcoin Core getblockstats (height, hash, time) for heights 0-14999, "
        "499999-509998, 679999-699998, 776424-786423, 909458-934575",
        "origin": "m-marqx/BTC-RPC-Data, data/onchain/BTC/block_stats_fragments",
        "commit": "34548a531d0438d4e2b5197801f9ce89521d5cd0",
        "date": "2026-02-01",
        "licence": "MIT",
    },
]


class BuildError(Exception):
    """Raised when the raw sources disagree or are malformed."""


def sha256d_display(header: bytes) -> str:
    """Block hash in display order (big-endian hex) of an 80-byte header."""
    return hashlib.sha256(hashlib.sha256(header).digest()).digest()[::-1].hex()


def read_electrum(path: Path) -> tuple[list[int], list[str]]:
    """Bits of periods 0 … n and last-block hashes of periods 0 … n-1."""
    entries = json.loads(path.read_text())
    bits = [GENESIS_BITS]
    last_hashes = []
    for i, (block_hash, target) in enumerate(entries):
        encoded = target_to_bits(int(target))
        if bits_to_target(encoded) != int(target):
            raise BuildError(f"electrum entry {i}: target {target} is not a compact value")
        bits.append(encoded)
        last_hashes.append(str(block_hash))
    return bits, last_hashes


def read_bitcoinj(path: Path) -> dict[int, tuple[int, int, str, str]]:
    """height → (time_s, bits, block hash, prev hash) for each checkpoint header."""
    lines = path.read_text().split()
    if lines[0:2] != ["TXT", "CHECKPOINTS"]:
        raise BuildError(f"{path}: not a bitcoinj text checkpoint file")
    # Line 1: "TXT CHECKPOINTS 1"; then signature count, record count, records.
    n_signatures = int(lines[3])
    count = int(lines[4 + n_signatures])
    records = lines[5 + n_signatures :]
    if len(records) != count:
        raise BuildError(f"{path}: header says {count} records, found {len(records)}")
    out = {}
    for record in records:
        raw = base64.b64decode(record)
        if len(raw) != 96:
            raise BuildError(f"{path}: record of {len(raw)} bytes, expected 96")
        height = struct.unpack(">I", raw[12:16])[0]
        header = raw[16:96]
        _version, prev, _merkle, time_s, bits, _nonce = struct.unpack("<I32s32sIII", header)
        out[height] = (time_s, bits, sha256d_display(header), prev[::-1].hex())
    return out


def read_blockstats(path: Path) -> dict[int, tuple[int, str]]:
    """height → (time_s, block hash) for every block in the getblockstats windows."""
    out = {}
    with gzip.open(path, "rt", newline="") as handle:
        for row in csv.DictReader(handle):
            out[int(row["height"])] = (int(row["time"]), row["blockhash"])
    return out


def build(raw: Path) -> list[dict[str, str]]:
    bits, electrum_last = read_electrum(raw / SOURCES[0]["file"])
    checkpoints = read_bitcoinj(raw / SOURCES[1]["file"])
    stats = read_blockstats(raw / SOURCES[2]["file"])
    rows = []
    for epoch, epoch_bits in enumerate(bits):
        start = epoch * INTERVAL
        end = start + INTERVAL - 1
        first_time: int | None = None
        first_hash = ""
        first_source = ""
        if start in checkpoints:
            time_s, header_bits, block_hash, prev_hash = checkpoints[start]
            if header_bits != epoch_bits:
                raise BuildError(
                    f"height {start}: bitcoinj bits 0x{header_bits:08x} "
                    f"!= electrum 0x{epoch_bits:08x}"
                )
            if prev_hash != electrum_last[epoch - 1]:
                raise BuildError(
                    f"height {start}: bitcoinj prev hash != electrum hash of {start - 1}"
                )
            first_time, first_hash, first_source = time_s, block_hash, "bitcoinj_checkpoint"
        if start in stats:
            time_s, block_hash = stats[start]
            if first_time is not None and (first_time, first_hash) != (time_s, block_hash):
                raise BuildError(f"height {start}: blockstats disagrees with bitcoinj")
            if first_time is None:
                first_time, first_hash, first_source = time_s, block_hash, "blockstats"
        last_time: int | None = None
        last_hash = electrum_last[epoch] if epoch < len(electrum_last) else ""
        last_source = ""
        if end in stats:
            time_s, block_hash = stats[end]
            if last_hash and block_hash != last_hash:
                raise BuildError(f"height {end}: blockstats hash != electrum checkpoint hash")
            last_time, last_hash, last_source = time_s, block_hash, "blockstats"
        rows.append(
            {
                "epoch": str(epoch),
                "start_height": str(start),
                "bits": f"0x{epoch_bits:08x}",
                "first_block_time_s": "" if first_time is None else str(first_time),
                "last_block_time_s": "" if last_time is None else str(last_time),
                "first_block_hash": first_hash,
                "last_block_hash": last_hash,
                "first_block_time_source": first_source,
                "last_block_time_source": last_source,
            }
        )
    return rows


def cross_check(rows: list[dict[str, str]], raw: Path) -> int:
    """Compare with the decoded table shipped beside the raw files; return rows compared."""
    path = raw / "chain" / "btc_retarget_epochs.csv"
    if not path.exists():
        return 0
    with path.open(newline="") as handle:
        theirs = {int(r["epoch"]): r for r in csv.DictReader(handle)}
    for row in rows:
        other = theirs.get(int(row["epoch"]))
        if other is None:
            raise BuildError(f"epoch {row['epoch']} missing from {path.name}")
        if int(other["nbits"], 16) != int(row["bits"], 16):
            raise BuildError(f"epoch {row['epoch']}: bits differ from {path.name}")
        if other["start_time_unix"] != row["first_block_time_s"]:
            raise BuildError(f"epoch {row['epoch']}: first-block time differs from {path.name}")
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    args = arg_parser(__doc__.splitlines()[0]).parse_args(argv)
    try:
        rows = build(args.raw)
        compared = cross_check(rows, args.raw)
    except (BuildError, OSError, ValueError, KeyError) as exc:
        print(f"build_chain_history: {exc}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    table = args.out / "chain_epochs.csv"
    write_csv(table, rows)
    known_first = sum(1 for r in rows if r["first_block_time_s"])
    known_last = sum(1 for r in rows if r["last_block_time_s"])
    meta = {
        "table": table.name,
        "description": "Bitcoin mainnet retarget periods: bits, first/last block times and hashes",
        "built_by": "scripts/build_chain_history.py",
        "built_on": dt.date.today().isoformat(),
        "rows": len(rows),
        "first_height": int(rows[0]["start_height"]),
        "newest_start_height": int(rows[-1]["start_height"]),
        "first_block_times_known": known_first,
        "last_block_times_known": known_last,
        "cross_checked_rows": compared,
        "sources": SOURCES,
        "columns": {
            "epoch": "retarget period index k",
            "start_height": "2016 k",
            "bits": "compact target (hex)",
            "first_block_time_s": "header time of block 2016 k [s since 1970-01-01 UTC]",
            "last_block_time_s": "header time of block 2016 k + 2015 [s since 1970-01-01 UTC]",
            "first_block_hash": "hash of block 2016 k (display order)",
            "last_block_hash": "hash of block 2016 k + 2015 (display order)",
            "first_block_time_source": "bitcoinj_checkpoint | blockstats | empty (unknown)",
            "last_block_time_source": "blockstats | empty (unknown)",
        },
    }
    (args.out / "chain_epochs.meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(
        f"wrote {table} ({len(rows)} periods; first-block times {known_first}, "
        f"last-block times {known_last}; {compared} rows cross-checked)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
