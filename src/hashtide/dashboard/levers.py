"""The state-program page's levers, written into a scenario's data and validated as the CLI does.

Nothing here models anything: a lever sets one key of the scenario file's data (as text with
its unit, as a user would type it in the YAML), and :func:`hashtide.scenario.parse_scenario`
checks the result with every rule ``hashtide validate`` applies.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hashtide.errors import InvalidInputError, ScenarioError

if TYPE_CHECKING:
    from hashtide.scenario.schema import ScenarioSpec

#: The response models a scenario's ``network.response`` takes.
RESPONSES = ("market", "elasticity", "fixed")


@dataclass(frozen=True, kw_only=True)
class Levers:
    """What the page lets a user change; ``None`` keeps the file's value.

    Attributes
    ----------
    facility_power_gw : sequence of float or None, optional
        Facility power of each variant [GW], in the file's order (or of the actor when the
        file has no variants: one value).
    miner : str, optional
        A model of the ASIC catalog (its hashrate, power and listed price replace the file's).
    power_price_usd_per_kwh : sequence of float or None, optional
        Power price of each site of the actor [USD/kWh], in the file's order.
    btc_growth_frac_per_year, btc_volatility_frac_per_year : float, optional
        Drift and volatility of the BTC price (a geometric Brownian motion from the file's
        start price) [1/year, 0.2 = 20 %/year].
    response : str, optional
        ``market``, ``elasticity`` or ``fixed``.
    paths : int, optional
        Monte Carlo paths.
    """

    facility_power_gw: Sequence[float | None] | None = None
    miner: str | None = None
    power_price_usd_per_kwh: Sequence[float | None] | None = None
    btc_growth_frac_per_year: float | None = None
    btc_volatility_frac_per_year: float | None = None
    response: str | None = None
    paths: int | None = None


def _number(value: float, what: str) -> str:
    if not math.isfinite(value):
        raise InvalidInputError(f"{what}: {value!r} is not a number")
    return f"{value:.10g}"


def apply_levers(data: Mapping[str, Any], levers: Levers) -> dict[str, Any]:
    """A copy of scenario ``data`` with ``levers`` written in (as text with units).

    Values are not checked here beyond being numbers: :func:`hashtide.scenario.parse_scenario`
    checks them with the scenario's own rules, naming the key.

    Examples
    --------
    >>> data = {"actor": {"miner": "Antminer S19", "sites": [{"power_price": "0.05 USD/kWh"}]},
    ...         "variants": [{"name": "a", "facility_power": "5 GW"}]}
    >>> out = apply_levers(data, Levers(facility_power_gw=[7.5], power_price_usd_per_kwh=[0.03]))
    >>> out["variants"][0]["facility_power"], out["actor"]["sites"][0]["power_price"]
    ('7.5 GW', '0.03 USD/kWh')
    >>> data["variants"][0]["facility_power"]  # the input is left alone
    '5 GW'
    """
    out: dict[str, Any] = copy.deepcopy(dict(data))
    actor = out.get("actor")
    if levers.facility_power_gw is not None:
        variants = out.get("variants") or []
        if variants:
            for index, gw in enumerate(levers.facility_power_gw[: len(variants)]):
                if gw is not None:
                    variants[index]["facility_power"] = f"{_number(gw, 'facility power')} GW"
        elif isinstance(actor, dict) and levers.facility_power_gw:
            gw = levers.facility_power_gw[0]
            if gw is not None:
                actor["facility_power"] = f"{_number(gw, 'facility power')} GW"
    if isinstance(actor, dict):
        if levers.miner is not None and levers.miner != _miner_name(actor):
            actor["miner"] = levers.miner
            actor.pop("machine_price", None)  # the catalog's price follows the model
        sites = actor.get("sites") or []
        for index, price in enumerate((levers.power_price_usd_per_kwh or [])[: len(sites)]):
            if price is not None:
                sites[index]["power_price"] = f"{_number(price, 'power price')} USD/kWh"
    if (
        levers.btc_growth_frac_per_year is not None
        or levers.btc_volatility_frac_per_year is not None
    ):
        price = out.setdefault("btc_price", {})
        if isinstance(price, dict):
            if price.get("model") in ("historical", "series"):
                raise InvalidInputError(
                    f"btc_price.model is {price.get('model')!r}: the price is history, so it has "
                    "no drift or volatility to change"
                )
            price["model"] = "gbm"
            if levers.btc_growth_frac_per_year is not None:
                pct = _number(100 * levers.btc_growth_frac_per_year, "BTC price drift")
                price["growth"] = f"{pct} %/year"
            if levers.btc_volatility_frac_per_year is not None:
                pct = _number(100 * levers.btc_volatility_frac_per_year, "BTC price volatility")
                price["volatility"] = f"{pct} %/year"
    if levers.response is not None:
        network = out.setdefault("network", {})
        if isinstance(network, dict):
            network["response"] = levers.response
    if levers.paths is not None:
        out["paths"] = levers.paths
    return out


def _miner_name(actor: Mapping[str, Any]) -> str | None:
    miner = actor.get("miner")
    return miner if isinstance(miner, str) else None


def scenario_levers(spec: ScenarioSpec) -> dict[str, Any]:
    """The levers' starting values, read from a validated scenario (for the page's inputs)."""
    variants = [
        {"name": v.name, "gw": (v.facility_power or 0.0) / 1e9 if v.facility_power else None}
        for v in spec.variants
    ]
    if not variants and spec.actor is not None:
        power = spec.actor.facility_power
        variants = [{"name": "base", "gw": power / 1e9 if power else None}]
    sites = (
        [{"name": s.name, "price": s.power_price} for s in spec.actor.sites]
        if spec.actor is not None
        else []
    )
    miner = spec.actor.miner if spec.actor is not None else None
    price = spec.btc_price
    return {
        "variants": variants,
        "sites": sites,
        "miner": miner if isinstance(miner, str) else None,
        "growth": price.growth if price.model in ("growth", "gbm") else 0.0,
        "volatility": price.volatility if price.model == "gbm" else 0.0,
        "price_is_history": price.model in ("historical", "series"),
        "response": spec.network.response,
        "paths": spec.paths,
        "has_actor": spec.actor is not None,
    }


def shipped_scenarios(folder: Path) -> list[Path]:
    """The scenario files (``*.yaml``) in ``folder``, by name; none if it does not exist."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def read_scenario_data(path: Path) -> dict[str, Any]:
    """The raw mapping of a scenario file, for :func:`apply_levers` (read as the CLI reads it)."""
    from hashtide._validation import read_yaml

    data = read_yaml(path, "scenario file", ScenarioError)
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: a scenario is a mapping of keys to values at the top level")
    return data
