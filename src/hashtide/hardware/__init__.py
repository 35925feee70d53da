"""ASIC hardware: the shipped catalog of SHA-256 miner models, and fleets of machine vintages.

>>> from hashtide import hardware
>>> s21 = hardware.get_model("Antminer S21")
>>> s21.hashrate_ths, s21.power_w, s21.efficiency_j_per_th
(200.0, 3500.0, 17.5)
"""

from hashtide.hardware.catalog import CATALOG_COLUMNS, catalog, catalog_provenance, get_model
from hashtide.hardware.fleet import DEFAULT_LIFETIME_YEARS, Fleet, Vintage, utc_seconds
from hashtide.hardware.model import COOLINGS, Cooling, MinerModel

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
