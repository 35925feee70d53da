"""What the ``build_*`` scripts share: their command line and how they write a table."""

from __future__ import annotations

import argparse
import csv
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def arg_parser(description: str) -> argparse.ArgumentParser:
    """``--raw DIR`` (default ``../shared/data/raw``) and ``--out DIR`` (the package's data)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--raw", type=Path, default=REPO.parent / "shared" / "data" / "raw")
    parser.add_argument("--out", type=Path, default=REPO / "src" / "hashtide" / "data")
    return parser


def write_csv(
    path: Path, rows: Sequence[dict[str, str]], fieldnames: Sequence[str] | None = None
) -> None:
    """Write ``rows`` as CSV (``\\n`` line ends) through a temporary file, then rename it."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(fieldnames or rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)
