"""Speed and memory of the block-headers loader (``hashtide.chain.read_headers``).

Builds a synthetic chain of regtest-difficulty headers (so that mining them is cheap), writes it
to a temporary file, and times ``read_headers`` and ``epochs_from_headers`` on it: every header
is parsed, hashed (double SHA-256), checked against its target and linked to its parent.
Prints medians of several runs and, last, a machine-readable line.

Usage: ``python benchmarks/headers.py [--headers 200000] [--runs 3]``
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import struct
import tempfile
import time
import tracemalloc
from pathlib import Path

from hashtide.chain import epochs_from_headers, read_headers
from hashtide.protocol import REGTEST, bits_to_target

BITS = 0x207FFFFF  # regtest's powLimit: about half of all hashes meet it


def build(n: int) -> bytes:
    """``n`` linked headers, each with a nonce that meets the regtest target."""
    pack = struct.Struct("<i32s32sIII").pack
    target = bits_to_target(BITS)
    prev = bytes(32)
    out = bytearray()
    for height in range(n):
        time_s = 1_600_000_000 + 600 * height
        nonce = 0
        while True:
            header = pack(0x20000000, prev, height.to_bytes(32, "little"), time_s, BITS, nonce)
            digest = hashlib.sha256(hashlib.sha256(header).digest()).digest()
            if int.from_bytes(digest, "little") <= target:
                break
            nonce += 1
        out += header
        prev = digest
    return bytes(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--headers", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    data = build(args.headers)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "blockchain_headers"
        path.write_bytes(data)
        timings: dict[str, list[float]] = {"read_headers": [], "epochs_from_headers": []}
        for _ in range(args.runs):
            for name, function in (
                ("read_headers", read_headers),
                ("epochs_from_headers", epochs_from_headers),
            ):
                start = time.perf_counter()
                function(path, params=REGTEST)
                timings[name].append(time.perf_counter() - start)
        tracemalloc.start()
        read_headers(path, params=REGTEST)
        peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    for name, runs in timings.items():
        median = statistics.median(runs)
        print(
            f"{name}: {args.headers:,} headers in {median:.3f} s (median of {args.runs}); "
            f"{median / args.headers * 1e6:.2f} s per million headers"
        )
    per_million = statistics.median(timings["read_headers"]) / args.headers * 1e6
    print(f"read_headers_s_per_million={per_million:.3f} peak_mb={peak_mb:.0f}")


if __name__ == "__main__":
    main()
