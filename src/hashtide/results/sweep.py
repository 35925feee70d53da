"""Parameter sweeps: a grid of scenario variants run on Dask, resumable from the results store.

A sweep takes one scenario file and one or more grid axes ``KEY=V1,V2,…``, where ``KEY`` is a
dotted path into the scenario as written in the file (``variants.0.facility_power``,
``btc_price.volatility``, ``actor.sites.1.power_price``) and the values are YAML scalars
(``5 GW``, ``0.45``, ``45 %/year``). Every point of the grid (the product of the axes) is
validated like ``hashtide validate`` before anything runs. Points already in the store (same
validated scenario, seed, paths and hashtide version) are skipped; the others run on a Dask
cluster — a local cluster of processes by default, or an existing scheduler — and each result is
written to the store, one transaction per run, as it arrives. Kill a sweep and rerun it: it
picks up where it stopped.
"""

from __future__ import annotations

import copy
import difflib
import itertools
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from hashtide._validation import read_yaml
from hashtide.errors import HashtideError, InvalidInputError, ScenarioError
from hashtide.results.store import ResultsStore, StoredRun, run_id, scenario_hash
from hashtide.scenario import ScenarioSpec, parse_scenario

#: Run the points one after another in this process, without Dask (for debugging and CI).
SYNCHRONOUS = "synchronous"


@dataclass(frozen=True)
class GridAxis:
    """One ``--grid KEY=V1,V2,…`` option: a key path and the values it takes."""

    key: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class SweepPoint:
    """One point of the grid: its parameters and the validated scenario they give."""

    params: dict[str, Any]
    spec: ScenarioSpec
    run_id: str


@dataclass(frozen=True)
class SweepOutcome:
    """What happened to one point: ``done`` (ran now), ``cached`` (in the store) or ``failed``."""

    point: SweepPoint
    status: Literal["done", "cached", "failed"]
    summary: dict[str, Any] | None
    error: str | None = None
    duration_s: float | None = None


def parse_grid(option: str) -> GridAxis:
    """Parse ``KEY=V1,V2,…``; each value is read as a YAML scalar.

    Examples
    --------
    >>> parse_grid("variants.0.facility_power=5 GW,10 GW")
    GridAxis(key='variants.0.facility_power', values=('5 GW', '10 GW'))
    >>> parse_grid("btc_price.volatility=0.3, 0.6").values
    (0.3, 0.6)
    """
    key, sep, rest = option.partition("=")
    key = key.strip()
    if not sep or not key or not rest.strip():
        raise InvalidInputError(
            f"--grid {option!r}: expected KEY=V1,V2,… (e.g. variants.0.facility_power=5 GW,10 GW)"
        )
    pieces = rest.split(",")
    for before, after in itertools.pairwise(pieces):
        # "0,045 USD/kWh": a bare whole number, then digits and a unit right after the comma.
        if re.fullmatch(r"\s*[-+]?\d+", before) and re.match(r"\d+(\.\d+)?\s*[^\d\s.,]", after):
            raise InvalidInputError(
                f"--grid {option!r}: '{before.strip()},{after.strip()}' looks like a decimal "
                f"comma, but commas separate values: write {before.strip()}.{after.strip()}"
            )
    values = []
    for text in pieces:
        text = text.strip()
        if not text:
            raise InvalidInputError(f"--grid {option!r}: an empty value between commas")
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            value = text
        if isinstance(value, dict | list) or value is None:
            raise InvalidInputError(f"--grid {option!r}: {text!r} is not a single value")
        values.append(value)
    if len(set(map(repr, values))) != len(values):
        raise InvalidInputError(f"--grid {option!r}: a value is given twice")
    return GridAxis(key=key, values=tuple(values))


def _set(data: Any, key: str, value: Any) -> None:
    """Set ``data[k1][k2]…`` for the dotted ``key``; bad steps get a did-you-mean."""
    parts = key.split(".")
    node = data
    for depth, part in enumerate(parts):
        here = ".".join(parts[:depth]) or "the top level"
        last = depth == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise InvalidInputError(
                    f"--grid {key}: {here} is a list of {len(node)}; '{part}' must be an index "
                    f"0–{len(node) - 1}"
                )
            if last:
                node[int(part)] = value
            else:
                node = node[int(part)]
            continue
        if not isinstance(node, dict):
            raise InvalidInputError(f"--grid {key}: {here} is a value, not a section")
        if part not in node:
            close = difflib.get_close_matches(part, [str(k) for k in node], n=1, cutoff=0.6)
            if close or not last:
                hint = f"; did you mean {close[0]!r}?" if close else ""
                keys = ", ".join(str(k) for k in node)
                raise InvalidInputError(
                    f"--grid {key}: no key '{part}' in {here}{hint} (keys there: {keys})"
                )
        if last:
            node[part] = value
        else:
            node = node[part]


def plan_sweep(
    file: str | Path,
    axes: Sequence[GridAxis],
    *,
    paths: int | None = None,
    seed: int | None = None,
) -> list[SweepPoint]:
    """Every point of the grid, each validated; raise on the first bad key or point.

    Raises
    ------
    InvalidInputError
        A grid key that names nothing in the file (with a did-you-mean), a key given twice,
        a grid over ``paths`` (``seed``) with ``paths`` (``seed``) given as well.
    ScenarioError
        A point the scenario schema rejects, named by its parameters.
    """
    path = Path(file)
    data = read_yaml(path, "scenario file", ScenarioError)
    if not axes:
        raise InvalidInputError("give at least one --grid KEY=V1,V2,…")
    keys = [a.key for a in axes]
    if len(set(keys)) != len(keys):
        raise InvalidInputError(f"--grid: a key is given twice ({', '.join(keys)})")
    for axis in axes:  # every key first, before any point is validated
        _set(copy.deepcopy(data), axis.key, axis.values[0])
    if paths is not None and (isinstance(paths, bool) or paths < 1):
        raise InvalidInputError(f"--paths {paths!r} must be >= 1")
    for key, option, value in (("paths", "--paths", paths), ("seed", "--seed", seed)):
        if key in keys and value is not None:  # the store would record the grid's value
            raise InvalidInputError(
                f"--grid {key}=… and {option} {value} both set the {key}: give one of them"
            )
    points = []
    for combination in itertools.product(*(a.values for a in axes)):
        params = dict(zip(keys, combination, strict=True))
        point_data = copy.deepcopy(data)
        for key, value in params.items():
            _set(point_data, key, value)
        label = ", ".join(f"{k}={v}" for k, v in params.items())
        spec = parse_scenario(point_data, source=f"{path} (grid point {label})", base=path.parent)
        run_paths = spec.paths if paths is None else paths
        run_seed = spec.seed if seed is None else seed
        spec = spec.model_copy(update={"paths": run_paths, "seed": run_seed})
        points.append(
            SweepPoint(
                params=params, spec=spec, run_id=run_id(scenario_hash(spec), run_seed, run_paths)
            )
        )
    return points


def run_point(spec: ScenarioSpec, params: dict[str, Any]) -> StoredRun:
    """Run one grid point (on a worker) and return what the store keeps of it."""
    from hashtide.scenario import run_scenario

    begin = time.perf_counter()
    result = run_scenario(spec)
    return StoredRun.from_result(
        spec, result, params=params, duration_s=time.perf_counter() - begin
    )


def run_sweep(
    points: Sequence[SweepPoint],
    store: ResultsStore,
    *,
    workers: int = 2,
    scheduler: str | None = None,
    client: Any = None,
    on_outcome: Callable[[SweepOutcome], None] | None = None,
) -> list[SweepOutcome]:
    """Run the points not yet in ``store`` and write each result as it arrives.

    Parameters
    ----------
    points : sequence of SweepPoint
        From :func:`plan_sweep`.
    store : ResultsStore
        Where results go; points already there are ``cached`` and not run.
    workers : int
        Worker processes of the local Dask cluster started when neither ``scheduler`` nor
        ``client`` is given (one thread each: a run uses one core).
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://host:8786``), or ``"synchronous"`` to
        run the points here one by one, without Dask.
    client : distributed.Client, optional
        An existing client to submit to (its cluster is left running).
    on_outcome : callable, optional
        Called with each :class:`SweepOutcome` as it happens (a progress bar).

    Returns
    -------
    list of SweepOutcome
        In the order of ``points``.
    """
    outcomes: dict[str, SweepOutcome] = {}

    def record(outcome: SweepOutcome) -> None:
        outcomes[outcome.point.run_id] = outcome
        if on_outcome is not None:
            on_outcome(outcome)

    todo: list[SweepPoint] = []
    for point in points:
        if point.run_id in outcomes or any(p.run_id == point.run_id for p in todo):
            continue
        if store.has(point.run_id):
            summary = store.get(point.run_id)["summary"]
            record(SweepOutcome(point=point, status="cached", summary=summary))
        else:
            todo.append(point)

    def finish(point: SweepPoint, run: StoredRun) -> None:
        store.put(run)
        record(
            SweepOutcome(point=point, status="done", summary=run.summary, duration_s=run.duration_s)
        )

    if todo and (scheduler == SYNCHRONOUS):
        for point in todo:
            try:
                finish(point, run_point(point.spec, point.params))
            except HashtideError as exc:
                record(SweepOutcome(point=point, status="failed", summary=None, error=str(exc)))
    elif todo:
        _run_on_dask(todo, finish, record, workers=workers, scheduler=scheduler, client=client)
    return [outcomes[p.run_id] for p in points]


def _run_on_dask(
    todo: list[SweepPoint],
    finish: Callable[[SweepPoint, StoredRun], None],
    record: Callable[[SweepOutcome], None],
    *,
    workers: int,
    scheduler: str | None,
    client: Any,
) -> None:
    """Submit ``todo`` to Dask; write each result in this process as it completes."""
    import logging

    from distributed import Client, LocalCluster, as_completed

    cluster = None
    own_client = client is None
    if client is None:
        if scheduler is not None:
            try:
                client = Client(scheduler, timeout="10s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise InvalidInputError(
                    f"--scheduler {scheduler}: cannot reach a Dask scheduler there ({exc})"
                ) from None
        else:
            if isinstance(workers, bool) or workers < 1:
                raise InvalidInputError(f"--workers {workers!r} must be >= 1")
            try:
                cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
                client = Client(cluster)
            except (RuntimeError, OSError, TimeoutError) as exc:
                # No usable network (not even loopback), a sandbox that forbids processes, …
                if cluster is not None:
                    cluster.close()
                why = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                raise InvalidInputError(
                    f"--workers {workers}: the local Dask cluster did not start ({why}); its "
                    "processes talk over the network, which this machine may not allow. Run the "
                    f"points here, one after another, without Dask: --scheduler {SYNCHRONOUS}"
                ) from None
    try:
        by_key = {}
        futures = []
        for point in todo:
            future = client.submit(
                run_point, point.spec, point.params, key=f"hashtide-run-{point.run_id}", pure=False
            )
            by_key[future.key] = point
            futures.append(future)
        for future in as_completed(futures):
            point = by_key[future.key]
            try:
                run = future.result()
            except HashtideError as exc:
                record(SweepOutcome(point=point, status="failed", summary=None, error=str(exc)))
                continue
            finish(point, run)
    finally:
        if own_client:
            client.close()
        if cluster is not None:
            cluster.close()
