"""Reading the shipped energy tables (CSV inside the package)."""

from __future__ import annotations

import csv
import io
import json
from importlib import resources
from typing import Any

from hashtide.errors import DataError


def read_rows(name: str) -> list[dict[str, str]]:
    """Rows of a shipped CSV table in ``hashtide/data`` as dictionaries of strings."""
    try:
        text = resources.files("hashtide.data").joinpath(name).read_text(encoding="utf-8")
    except OSError as exc:  # pragma: no cover - only a broken install gets here
        raise DataError(f"the shipped table {name} cannot be read: {exc}") from exc
    return list(csv.DictReader(io.StringIO(text)))


def read_meta(name: str) -> dict[str, Any]:
    """A shipped ``.meta.json`` provenance file."""
    text = resources.files("hashtide.data").joinpath(name).read_text(encoding="utf-8")
    meta: dict[str, Any] = json.loads(text)
    return meta
