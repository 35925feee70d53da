"""One-at-a-time sensitivity: which uncertain input moves the answer most.

Each uncertain input of a scenario is set to a low and a high value, the others kept as the file
states, and one variant is rerun (same seed, so the difference is the input's, not noise): BTC
price drift and volatility, the rest of the world's power prices and its order-to-hashing lag
(how fast it enters), the response model (the elasticity rule at ε = 1 and the fixed rule, both
with the rest growing 15 %/year, against the world market) and fees. The result is the table
behind the report's tornado chart of BTC per year, cost per BTC and peak share.

By default (``n_paths=1``, what every ``hashtide run`` does) each rerun is one path on the price
model's *median path* (:func:`median_price_spec`: a GBM becomes its deterministic median, which
grows σ²/2 a year slower than the mean), so each rerun costs one path; the volatility then acts
through that median drift only. With ``n_paths > 1`` every rerun is a Monte Carlo of the file's
price model.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from hashtide.errors import ScenarioError
from hashtide.market.regions import DEFAULT_REGIONS
from hashtide.scenario import schema
from hashtide.scenario.results import VariantResult

#: progress(done, total, label)
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True, kw_only=True)
class Change:
    """One input set to one value: what, which side, the label, the file change."""

    input: str
    side: str
    label: str
    update: dict[str, Any]


def _price(spec: schema.ScenarioSpec, **changes: Any) -> dict[str, Any]:
    return {"btc_price": spec.btc_price.model_copy(update=changes)}


def _network(**data: Any) -> dict[str, Any]:
    return {"network": schema.NetworkSpec.model_validate(data)}


def changes_of(spec: schema.ScenarioSpec) -> list[Change]:
    """The low/high settings of every uncertain input that applies to ``spec``."""
    out: list[Change] = []
    price = spec.btc_price
    if price.model in ("growth", "gbm", "constant"):
        base = price.growth
        model = "gbm" if price.model == "gbm" else "growth"
        for side, value in (("low", base - 0.2), ("high", base + 0.2)):
            out.append(
                Change(
                    input="BTC price drift",
                    side=side,
                    label=f"{value:+.0%}/year",
                    update=_price(spec, growth=value, model=model),
                )
            )
    if price.model == "gbm":
        for side, value in (
            ("low", max(price.volatility - 0.2, 0.05)),
            ("high", price.volatility + 0.2),
        ):
            out.append(
                Change(
                    input="BTC price volatility",
                    side=side,
                    label=f"{value:.0%}/year",
                    update=_price(spec, volatility=value),
                )
            )
    if spec.network.response == "market":
        for side, factor in (("low", 0.75), ("high", 1.25)):
            regions = {
                r.key: {"power_price": f"{r.power_price_usd_per_kwh * factor} USD/kWh"}
                for r in DEFAULT_REGIONS
            }
            out.append(
                Change(
                    input="rest of the world's power prices",
                    side=side,
                    label=f"×{factor:g}",
                    update=_network(response="market", regions=regions),
                )
            )
        for side, days in (("low", 180), ("high", 45)):
            out.append(
                Change(
                    input="rest of the world's entry (order-to-hashing lag)",
                    side=side,
                    label=f"{days} days",
                    update=_network(response="market", behaviour={"lag": f"{days} days"}),
                )
            )
        simple_ok = spec.actor is not None and not spec.events
        if simple_ok and price.model != "historical" and spec.fees != "historical":
            out.append(
                Change(
                    input="response model",
                    side="low",
                    label="elasticity ε = 1, +15 %/year",
                    update=_network(response="elasticity", elasticity=1, growth="15 %/year"),
                )
            )
            out.append(
                Change(
                    input="response model",
                    side="high",
                    label="fixed, +15 %/year",
                    update=_network(response="fixed", growth="15 %/year"),
                )
            )
    if spec.fees != "historical":
        for side, value in (("low", 0.0), ("high", 0.1)):
            out.append(
                Change(
                    input="fees", side=side, label=f"{value:g} BTC/block", update={"fees": value}
                )
            )
    return out


def median_price_spec(spec: schema.ScenarioSpec) -> schema.ScenarioSpec:
    """``spec`` with a GBM price replaced by its median path (a deterministic growth).

    The median of ``P0 · exp((ln(1 + g) − σ²/2) t + σ W_t)`` is ``P0 · (1 + g_m)^t`` with
    ``ln(1 + g_m) = ln(1 + g) − σ²/2``; other price models are returned unchanged.

    Examples
    --------
    >>> from hashtide.scenario import load_scenario
    >>> spec = median_price_spec(load_scenario("scenarios/us-state-reserve.yaml"))
    >>> spec.btc_price.model, round(spec.btc_price.growth, 4)  # 0 %/year, σ = 45 %/year
    ('growth', -0.0963)
    """
    price = spec.btc_price
    if price.model != "gbm":
        return spec
    growth = math.exp(math.log1p(price.growth) - 0.5 * price.volatility**2) - 1.0
    return spec.model_copy(
        update={"btc_price": price.model_copy(update={"model": "growth", "growth": growth})}
    )


def how_run(n_paths: int) -> str:
    """One sentence: how the sensitivity reruns were made (for reports)."""
    if n_paths == 1:
        return (
            "each rerun is one path on the BTC price model's median path (a GBM's median, "
            "which grows σ²/2 a year slower than its mean), same seed"
        )
    return f"each rerun is a Monte Carlo of {n_paths:,} paths of the file's price model, same seed"


def _figures(variant: VariantResult) -> dict[str, float]:
    return {
        "btc_per_year": variant.btc_per_year.median,
        "cost_usd_per_btc": variant.cost_usd_per_btc.median,
        "peak_share_frac": variant.peak_share_frac,
    }


def run_sensitivity(
    spec: schema.ScenarioSpec,
    *,
    base: VariantResult | None = None,
    variant: str | None = None,
    n_paths: int = 1,
    seed: int | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Rerun one variant with each uncertain input at its low and high value.

    Parameters
    ----------
    spec : ScenarioSpec
    base : VariantResult, optional
        The variant as the file states it, run the same way as the reruns (default: run here).
    variant : str, optional
        Which variant (default: the last, usually the largest).
    n_paths, seed : int
        Paths and seed of every rerun; 1 (the default): one path on the price model's median
        path (:func:`median_price_spec`), else a Monte Carlo of the file's price model.

    Returns
    -------
    pandas.DataFrame
        One row per input and side: ``input``, ``side`` (low/high), ``label``, ``paths``, and
        ``btc_per_year``, ``cost_usd_per_btc``, ``peak_share_frac`` with the base's beside them
        (``base_…``).
    """
    from hashtide.scenario.run import run_scenario

    if spec.actor is None:
        raise ScenarioError(f"{spec.scenario}: sensitivity needs an actor (its BTC and share)")
    variants = spec.variant_list()
    chosen = (
        variants[-1] if variant is None else next((v for v in variants if v.name == variant), None)
    )
    if chosen is None:
        raise ScenarioError(f"{spec.scenario}: no variant named {variant!r}")
    rows = []
    changes = changes_of(spec)
    quick = n_paths == 1
    if base is None:
        if progress is not None:
            progress(0, len(changes) + 1, "base")
        alone = spec.model_copy(update={"variants": [chosen], "claims": []})
        alone = median_price_spec(alone) if quick else alone
        base = run_scenario(alone, n_paths=n_paths, seed=seed, max_memory_bytes=None).variants[0]
    reference = _figures(base)
    for i, change in enumerate(changes):
        if progress is not None:
            progress(i + 1, len(changes) + 1, f"{change.input}: {change.label}")
        update = {**change.update, "variants": [chosen], "claims": []}
        # Each part was validated on its own (NetworkSpec.model_validate) and changes_of only
        # offers combinations the file's rules allow.
        changed = spec.model_copy(update=update)
        changed = median_price_spec(changed) if quick else changed
        result = run_scenario(changed, n_paths=n_paths, seed=seed, max_memory_bytes=None)
        figures = _figures(result.variants[0])
        rows.append(
            {
                "variant": chosen.name,
                "input": change.input,
                "side": change.side,
                "label": change.label,
                "paths": n_paths,
                **figures,
                **{f"base_{k}": v for k, v in reference.items()},
            }
        )
    return pd.DataFrame(rows)


def _replay_figures(spec: schema.ScenarioSpec, seed: int) -> dict[str, float]:
    """The expected path's MdAPE against the chain and its difficulty at the chain's drop."""
    from hashtide.market.replay import score
    from hashtide.scenario.world import run_variant, shared_fleet

    fleet, _ = shared_fleet(spec)
    first = spec.variant_list()[0]
    run = run_variant(
        spec, first, fleet=fleet, model=None, sites=[], n_paths=1, seed=seed, mode="expected"
    )
    replay = score(spec.model_copy(update={"claims": []}), run, run, None)
    epochs = replay.epochs
    at_drop = epochs["expected_difficulty"][epochs["start_height"] == replay.drop_height_actual]
    low = float(at_drop.iloc[0]) if len(at_drop) else math.nan
    return {"mdape_pct": float(replay.expected_mdape_pct or math.nan), "drop_difficulty": low}


def run_replay_sensitivity(
    spec: schema.ScenarioSpec, *, seed: int | None = None, progress: Progress | None = None
) -> pd.DataFrame:
    """A replay's one-at-a-time sensitivity on the expected path: MdAPE and the July low.

    Each uncertain input that applies (the rest of the world's power prices and entry; a
    replay's price and fees are history) is set low and high and the first variant rerun on the
    engine's expected path (deterministic); the table gives its median absolute error against
    the chain and its difficulty in the period of the chain's largest drop, beside the base's.
    """
    seed = spec.seed if seed is None else seed
    changes = changes_of(spec)
    if progress is not None:
        progress(0, len(changes) + 1, "base")
    reference = _replay_figures(spec, seed)
    rows = []
    for i, change in enumerate(changes):
        if progress is not None:
            progress(i + 1, len(changes) + 1, f"{change.input}: {change.label}")
        figures = _replay_figures(spec.model_copy(update=change.update), seed)
        rows.append(
            {
                "variant": spec.variant_list()[0].name,
                "input": change.input,
                "side": change.side,
                "label": change.label,
                "paths": 1,
                **figures,
                **{f"base_{k}": v for k, v in reference.items()},
            }
        )
    return pd.DataFrame(rows)
