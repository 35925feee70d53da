"""Every variant of a scenario on the world market, with its replay score when it is history."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from hashtide import __version__
from hashtide.market.data import day_start_s
from hashtide.market.history import chain_history
from hashtide.market.replay import score
from hashtide.market.run import MarketRun, join_runs
from hashtide.scenario import schema
from hashtide.scenario.build import actor_rows, miner_of, price_rows, sites_of
from hashtide.scenario.claims import check_claims
from hashtide.scenario.results import RESPONSE_TEXT, ScenarioResult
from hashtide.scenario.world import (
    CHUNK_PATHS,
    SEED_BLOCK_PATHS,
    FigureRows,
    path_figures,
    price_paths,
    run_variant,
    shared_fleet,
    variant_chunks,
    variant_result,
)
from hashtide.units import SECONDS_PER_YEAR

#: progress(variant_index, variant_count, steps_done, steps_expected)
Progress = Callable[[int, int, int, int], None]


def is_scorable(spec: schema.ScenarioSpec) -> bool:
    """Whether a run of ``spec`` is scored against the chain (a replay): it asks to be (a
    ``score`` section, or no actor) and its span ends by the newest period of the shipped chain
    history."""
    end_s = day_start_s(spec.start) + spec.horizon_s
    asked = spec.score is not None or spec.actor is None
    return asked and end_s <= float(chain_history().start_s[-1])


def run_world(
    spec: schema.ScenarioSpec,
    *,
    n_paths: int,
    seed: int,
    progress: Progress | None = None,
    chunk_paths: int | None = None,
    block_paths: int = SEED_BLOCK_PATHS,
) -> ScenarioResult:
    """Run ``spec`` on the world market (see :func:`hashtide.scenario.run_scenario`).

    Every variant starts from the same fleet and uses the same random numbers (common random
    numbers), so variants differ by their inputs alone. When the whole span is history and the
    file has a ``score`` section (or no actor), the first variant is scored against the chain
    and, with a variant that applies no event, set against its counterfactual.

    Paths run in chunks of ``chunk_paths`` (default :data:`~hashtide.scenario.world.CHUNK_PATHS`,
    whole blocks of :data:`~hashtide.scenario.world.SEED_BLOCK_PATHS`): each chunk is reduced to
    per-path figures and dropped, so memory grows with the chunk, not with the paths (except a
    scored replay, which keeps its runs). The result does not depend on the chunk size.
    """
    chunk = CHUNK_PATHS if chunk_paths is None else chunk_paths
    chunk = max(block_paths, chunk // block_paths * block_paths)
    n_chunks = math.ceil(n_paths / chunk)
    fleet, begin_s = shared_fleet(spec)
    variants = spec.variant_list()
    start_s = day_start_s(spec.start)
    scorable = is_scorable(spec)
    steps = len(variants) * n_chunks + (1 if scorable else 0)
    model = machine_price = None
    if spec.actor is not None:
        model, machine_price = miner_of(spec.actor)
    runs: list[MarketRun] = []  # every variant's run, joined: only for a scored replay
    rows: tuple[tuple[str, str, str], ...] = ()
    engine_start = 0
    results = []
    for index, variant in enumerate(variants):
        sites = (
            sites_of(spec.actor, spec.facility_power_w(variant), start_s)
            if spec.actor is not None
            else []
        )
        figures = FigureRows(n_paths)
        kept: list[MarketRun] = []
        chunks = variant_chunks(
            spec,
            variant,
            fleet=fleet,
            model=model,
            sites=sites,
            n_paths=n_paths,
            seed=seed,
            chunk_paths=chunk,
            block_paths=block_paths,
        )
        for number, chunk_run in enumerate(chunks):
            if progress is not None:
                progress(index, len(variants), index * n_chunks + number, steps)
            if model is not None:
                figures.add(path_figures(spec, chunk_run, sites, model))
            if index == 0 and number == 0:  # what every run states, read from its first chunk
                rows = _assumptions(spec, chunk_run, begin_s, model, machine_price)
                engine_start = int(chunk_run.sim.epoch_start_height[0])
            if scorable:  # else each chunk is dropped once counted (memory: one chunk)
                kept.append(chunk_run)
        if kept:
            runs.append(join_runs(kept))
        if model is not None and machine_price is not None:
            results.append(
                variant_result(spec, variant, figures.figures(), sites, model, machine_price)
            )
    replay = None
    if scorable:
        if progress is not None:
            progress(len(variants) - 1, len(variants), len(variants) * n_chunks, steps)
        first = variants[0]
        sites = (
            sites_of(spec.actor, spec.facility_power_w(first), start_s)
            if spec.actor is not None
            else []
        )
        expected = run_variant(
            spec,
            first,
            fleet=fleet,
            model=model,
            sites=sites,
            n_paths=1,
            seed=seed,
            mode="expected",
        )
        counterfactual = next(
            (r for r, v in zip(runs, variants, strict=True) if spec.events and v.events == []),
            None,
        )
        replay = score(spec, runs[0], expected, counterfactual)
    prices, _ = price_paths(spec, 1, np.random.SeedSequence(seed))(np.array([start_s]))
    result = ScenarioResult(
        scenario=spec.scenario,
        description=spec.description,
        actor=spec.actor.name if spec.actor is not None else "",
        start_time_s=start_s,
        horizon_years=spec.horizon_s / SECONDS_PER_YEAR,
        n_paths=n_paths,
        seed=seed,
        start_height=int(engine_start),
        start_difficulty=float(fleet.running_hs * 600.0 / 2**32),
        start_network_hashrate_hs=float(fleet.running_hs),
        btc_price_usd=float(prices[0, 0]),
        machine_model=model.model if model is not None else "",
        machine_hashrate_hs=model.hashrate_hs if model is not None else math.nan,
        machine_power_w=model.power_w if model is not None else math.nan,
        machine_price_usd=machine_price if machine_price is not None else math.nan,
        fees_btc_per_block=float(spec.fees) if isinstance(spec.fees, float) else math.nan,
        assumptions=rows,
        variants=tuple(results),
        versions={"hashtide": __version__, "numpy": np.__version__},
        network_response="market",
        replay=replay,
    )
    return ScenarioResult(**{**result.__dict__, "claims": check_claims(spec, result)})


def _assumptions(
    spec: schema.ScenarioSpec,
    run: MarketRun,
    begin_s: float,
    model: object,
    machine_price: float | None,
) -> tuple[tuple[str, str, str], ...]:
    """The response model, the price, the actor and every world-market assumption."""
    import datetime as dt

    begun = dt.datetime.fromtimestamp(begin_s, tz=dt.UTC).date()
    rows: list[tuple[str, str, str]] = [
        ("rest of the world", "market", RESPONSE_TEXT["market"]),
        (
            "world fleet rebuilt at",
            f"{begun} (height {int(run.sim.epoch_start_height[0]):,})",
            "the start state known on the start date: the chain tip at its midnight where the "
            "shipped block data reaches, else the newest retarget period that began by then; "
            "the market runs from there (for a future start, through the months before it)",
        ),
        *price_rows(spec),
    ]
    actor = spec.actor
    if actor is not None and machine_price is not None:  # both or neither (miner_of)
        rows += actor_rows(actor, str(getattr(model, "model", "")), machine_price)
    rows += [(a.name, a.value, a.source) for a in run.assumptions()]
    for event in spec.events:
        rows.append(
            (
                f"event: {event.name} ({event.kind})",
                str(event.start),
                event.source or "scenario file",
            )
        )
    return tuple(rows)
