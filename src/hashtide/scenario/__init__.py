"""Scenario files: YAML with units, validated at load, run through the engine and the market.

>>> from hashtide.scenario import parse_quantity
>>> parse_quantity("5 GW", "power")
5000000000.0
"""

from hashtide.scenario.load import load_scenario, parse_scenario
from hashtide.scenario.results import Band, ClaimCheck, ScenarioResult, SiteResult, VariantResult
from hashtide.scenario.run import run_scenario
from hashtide.scenario.schema import ScenarioSpec
from hashtide.scenario.units import parse_quantity

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
