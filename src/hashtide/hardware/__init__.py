"""ASIC hardware: the shipped catalog of SHA-256 miner models, and fleets of machine vintages.

>>> from hashtide import hardware
>>> s21 = hardware.get_model("Antminer S21")
>>> s21.hashrate_ths, s21.power_w, s21.efficiency_j_per_th
(200.0, 3500.0, 17.5)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from hashtide.hardware.catalog import CATALOG_COLUMNS, catalog, catalog_provenance, get_model
from hashtide.hardware.model import COOLINGS, Cooling, MinerModel

if TYPE_CHECKING:
    from hashtide.hardware.fleet import DEFAULT_LIFETIME_YEARS, Fleet, Vintage, utc_seconds


def __getattr__(name: str) -> Any:
    # Fleets (numpy, pandas) load on first use: reading a scenario's 'miner:' needs only the
    # catalog.
    if name in ("DEFAULT_LIFETIME_YEARS", "Fleet", "Vintage", "utc_seconds"):
        return getattr(importlib.import_module("hashtide.hardware.fleet"), name)
    raise AttributeError(f"module 'hashtide.hardware' has no attribute {name!r}")


__all__ = [
    "CATALOG_COLUMNS",
    "COOLINGS",
    "DEFAULT_LIFETIME_YEARS",
    "Cooling",
    "Fleet",
    "MinerModel",
    "Vintage",
    "catalog",
    "catalog_provenance",
    "get_model",
    "utc_seconds",
]
