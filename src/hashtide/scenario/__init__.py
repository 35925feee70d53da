"""Scenario files: YAML with units, validated at load, run through the engine and the market.

>>> from hashtide.scenario import parse_quantity
>>> parse_quantity("5 GW", "power")
5000000000.0
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hashtide.scenario.load import load_scenario, parse_scenario
    from hashtide.scenario.results import (
        Band,
        ClaimCheck,
        ScenarioResult,
        SiteResult,
        VariantResult,
    )
    from hashtide.scenario.run import run_scenario
    from hashtide.scenario.schema import ScenarioSpec
    from hashtide.scenario.units import parse_quantity

# Imported on first use, so that reading a scenario file ('hashtide validate') does not load
# the engine, pandas and scipy.
_HOMES = {
    "Band": "results",
    "ClaimCheck": "results",
    "ScenarioResult": "results",
    "SiteResult": "results",
    "VariantResult": "results",
    "load_scenario": "load",
    "parse_scenario": "load",
    "run_scenario": "run",
    "ScenarioSpec": "schema",
    "parse_quantity": "units",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(f"hashtide.scenario.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'hashtide.scenario' has no attribute {name!r}")


__all__ = [
    "Band",
    "ClaimCheck",
    "ScenarioResult",
    "ScenarioSpec",
    "SiteResult",
    "VariantResult",
    "load_scenario",
    "parse_quantity",
    "parse_scenario",
    "run_scenario",
]
