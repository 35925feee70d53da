"""How much memory and time a scenario run needs, estimated before it starts.

The world-market runner (``network.response: market``) simulates paths in chunks of whole
random-number blocks (:data:`hashtide.scenario.world.CHUNK_PATHS`): a chunk holds its paths'
daily records (paths × days × actors), is reduced to per-path figures and dropped, so memory
grows with the chunk plus a small part per path; when the default chunk would not fit the
limit a smaller one is used. The simple rules' runner holds every path's epoch-by-epoch arrays
(paths × epochs × sites) until each variant is reduced. :func:`check_resources` refuses a run
whose estimate is above a limit even with the smallest chunk, with the estimate in the
message, instead of letting it run out of memory half-way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hashtide.errors import ResourceLimitError
from hashtide.scenario import schema

#: Times at which the chart series are sampled per path across the horizon.
SERIES_POINTS = 61
#: Refuse runs estimated above this peak memory by default [bytes] (2 GB).
DEFAULT_MAX_MEMORY_BYTES = 2e9

#: World market, while a chunk runs: bytes per path, day and actor (the market's daily records
#: of running hashrate and power, the projection's kept days, the accounting's copies). Measured
#: (2026-12-02): peaks of 248 and 467 MB for 100 and 300 paths of one 4-year us-state-reserve
#: variant in one chunk, 1.1 MB per path over ≈ 1,561 days × 15 actors (47 bytes); 774 MB for
#: 300 paths × 3 variants before projections were narrowed to the paths still going (90
#: bytes). Kept at 100 as a bound.
WORLD_BYTES_PER_PATH_DAY_ACTOR = 100.0
#: World market: interpreter, imports, chain history, the fleet and the scenario [bytes]: 305 MB
#: measured for 20 paths of us-state-reserve's 3 variants (``VmHWM``, 2026-12-02, session 4),
#: of which ~42 MB the chunk's paths and ≈ 130 MB numba's LLVM (174 MB before numba); rounded
#: up.
WORLD_BASE_BYTES = 320e6
#: World market: CPU seconds per path, day and actor: 24.2 ms of CPU per path of
#: us-state-reserve (3 variants of 4 years) in three 10,000-path runs (benchmarks/run.py,
#: 2026-12-03, session 5, the whole market day compiled: 249-256 s of CPU, median 249, shared
#: 2-core machine at load 1.0-1.3), i.e. 8.1 ms per path and variant over ≈ 1,561 days × 15
#: actors (3.44e-7, rounded up). It was 14 ms (6.0e-7) after session 4's compiled cohort
#: loop, 19-20 ms (9e-7) after the session-3 step changes, 43 ms (1.8e-6) before them.
#: A rough guide, shown to the user; wall-clock time is longer when other processes share the
#: cores.
WORLD_SECONDS_PER_PATH_DAY_ACTOR = 3.5e-7
#: World market: CPU seconds per variant whatever the paths, and per simulated day of it (the
#: fleet's rebuild and projection, the chain history, numba's cached code): one path of one
#: us-state-reserve variant took 2.4-2.6 s of CPU over 4 years and 4.7 s over 40 (the CLI with
#: its imports, 2026-12-03, session 5, after the compiled day, load 0.8): 0.18 ms a day, 2.3 s
#: besides; rounded up. (A single constant of 6 s had said "6 s" for a 100-year run.)
WORLD_SECONDS_PER_VARIANT = 2.5
WORLD_SECONDS_PER_VARIANT_DAY = 2e-4
#: World market: days simulated beyond the horizon (the start's retarget period, the months
#: between the newest history and a future start, the projection window) — a rough allowance.
WORLD_EXTRA_DAYS = 100
#: World market: regions of the rest of the world (hashtide.market.DEFAULT_REGIONS).
WORLD_REGIONS = 10

#: Interpreter with numpy, scipy and pandas loaded, the chain history and the scenario [bytes]
#: (measured: ``VmHWM`` of ``hashtide validate``, about 190 MB, rounded up).
BASE_BYTES = 250e6
#: Working memory per path, epoch and site while a chunk runs: the engine's per-epoch rows, the
#: market's records and the accounting's (path, epoch, site) arrays [bytes]. An upper bound:
#: with it the estimate is 0.61 GB for 10,000 paths of us-state-reserve and 1.18 GB for
#: 100,000, against peaks of 0.46 and 1.03 GB measured by benchmarks/run.py (2026-12-02).
BYTES_PER_PATH_EPOCH_SITE = 110.0
#: Kept per path and variant until the variant is reduced: ~20 figures, the yearly flows and
#: the chart series (6 × :data:`SERIES_POINTS`), twice while the chunks are joined [bytes].
BYTES_PER_PATH = 2 * 8 * (20 + 6 * SERIES_POINTS)
#: CPU seconds per path × epoch × actor: 21 s of CPU for 10,000 paths of us-state-reserve
#: (3 variants × 107 epochs × 6 actors) and 175 s for 100,000, measured by benchmarks/run.py
#: on a shared 2-core machine (2026-12-02). A rough guide, shown to the user; wall-clock time
#: is longer when other processes share the cores.
SECONDS_PER_PATH_EPOCH_ACTOR = 1.1e-6


@dataclass(frozen=True, kw_only=True)
class RunEstimate:
    """What a run is expected to need.

    Attributes
    ----------
    n_paths, n_variants, n_epochs, n_chunks : int
        ``n_chunks`` chunks of ``chunk_paths`` paths (the simple rules: one chunk).
    chunk_paths : int
        Paths simulated at once.
    memory_bytes : float
        Estimated peak resident memory [bytes].
    duration_s : float
        Estimated wall-clock time on the reference machine [s].
    """

    n_paths: int
    n_variants: int
    n_epochs: int
    n_chunks: int
    memory_bytes: float
    duration_s: float
    chunk_paths: int = 0

    def describe(self) -> str:
        """One line: paths × variants × epochs, memory and time."""
        return (
            f"{self.n_paths:,} paths × {self.n_variants} variant(s) × {self.n_epochs} epochs"
            + (f" in {self.n_chunks:,} chunks of {self.chunk_paths:,}" if self.n_chunks > 1 else "")
            + ": about "
            f"{self.memory_bytes / 1e9:,.2f} GB of memory and {_duration(self.duration_s)}"
        )


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:,.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:,.0f} min"
    return f"{seconds / 3600:,.1f} h"


def estimate_run(
    spec: schema.ScenarioSpec,
    n_paths: int,
    *,
    max_memory_bytes: float | None = None,
) -> RunEstimate:
    """Estimate the peak memory and the time of running ``spec`` with ``n_paths`` paths.

    On the world market the chunk is the default (:data:`hashtide.scenario.world.CHUNK_PATHS`),
    or the largest number of whole blocks that keeps the estimate under ``max_memory_bytes``.

    Examples
    --------
    >>> from hashtide.scenario import load_scenario
    >>> spec = load_scenario("scenarios/us-state-reserve.yaml")
    >>> estimate = estimate_run(spec, 1_000_000)
    >>> estimate.memory_bytes > DEFAULT_MAX_MEMORY_BYTES
    True
    """
    variants = max(1, len(spec.variants))
    sites = max(1, len(spec.actor.sites) if spec.actor is not None else 0)
    # Epochs of ~14 days across the horizon, plus the one the start falls in.
    epochs = math.ceil(spec.horizon_s / (14 * 86_400.0)) + 2
    if spec.network.response == "market":
        return _estimate_world(spec, n_paths, variants, sites, epochs, max_memory_bytes)
    actors = sites + 1
    memory = (
        BASE_BYTES
        + n_paths * epochs * sites * BYTES_PER_PATH_EPOCH_SITE
        + n_paths * (BYTES_PER_PATH + 8 * (4 * sites + 2 * math.ceil(spec.horizon_s / 3.15e7)))
    )
    duration = n_paths * variants * epochs * actors * SECONDS_PER_PATH_EPOCH_ACTOR
    return RunEstimate(
        n_paths=n_paths,
        n_variants=variants,
        n_epochs=epochs,
        n_chunks=1,
        memory_bytes=memory,
        duration_s=duration,
        chunk_paths=n_paths,
    )


def _estimate_world(
    spec: schema.ScenarioSpec,
    n_paths: int,
    variants: int,
    sites: int,
    epochs: int,
    max_memory_bytes: float | None,
) -> RunEstimate:
    from hashtide.scenario.world import CHUNK_PATHS, SEED_BLOCK_PATHS

    days = math.ceil(spec.horizon_s / 86_400.0) + WORLD_EXTRA_DAYS
    actors = WORLD_REGIONS + sites
    horizon_days = math.ceil(spec.horizon_s / 86_400.0)
    # Kept per path until its variant is reduced: the daily share (peak share; single
    # precision), the chart samples, yearly flows and per-site figures (double).
    kept = 4.0 * horizon_days + 8.0 * (6 * SERIES_POINTS + 8 * sites + 6 * (epochs // 26 + 1) + 12)
    per_chunk_path = days * actors * WORLD_BYTES_PER_PATH_DAY_ACTOR

    def memory(chunk: int) -> float:
        return WORLD_BASE_BYTES + chunk * per_chunk_path + n_paths * kept

    chunk = min(n_paths, CHUNK_PATHS)
    if max_memory_bytes is not None:
        while chunk > SEED_BLOCK_PATHS and memory(chunk) > max_memory_bytes:
            chunk = max(SEED_BLOCK_PATHS, (chunk // 2) // SEED_BLOCK_PATHS * SEED_BLOCK_PATHS)
    chunk = max(1, chunk)
    duration = variants * (
        WORLD_SECONDS_PER_VARIANT
        + days * WORLD_SECONDS_PER_VARIANT_DAY
        + n_paths * days * actors * WORLD_SECONDS_PER_PATH_DAY_ACTOR
    )
    return RunEstimate(
        n_paths=n_paths,
        n_variants=variants,
        n_epochs=epochs,
        n_chunks=math.ceil(n_paths / chunk),
        memory_bytes=memory(chunk),
        duration_s=duration,
        chunk_paths=chunk,
    )


def check_resources(
    spec: schema.ScenarioSpec, n_paths: int, *, max_memory_bytes: float | None
) -> RunEstimate:
    """:func:`estimate_run`, raising :class:`ResourceLimitError` above ``max_memory_bytes``.

    Examples
    --------
    >>> from hashtide.scenario import load_scenario
    >>> spec = load_scenario("scenarios/us-state-reserve.yaml")
    >>> try:
    ...     check_resources(spec, 1_000_000, max_memory_bytes=2e9)
    ... except ResourceLimitError as exc:
    ...     print(str(exc)[:43])
    1,000,000 paths × 3 variant(s) × 107 epochs
    """
    estimate = estimate_run(spec, n_paths, max_memory_bytes=max_memory_bytes)
    if max_memory_bytes is not None and estimate.memory_bytes > max_memory_bytes:
        fits = _paths_that_fit(spec, n_paths, max_memory_bytes)
        fits = fits // 1000 * 1000 if fits > 10_000 else fits
        limit = f"{estimate.describe()}, above the limit of {max_memory_bytes / 1e9:,.2f} GB"
        if fits < 1:
            one = estimate_run(spec, 1, max_memory_bytes=max_memory_bytes).memory_bytes
            raise ResourceLimitError(
                f"{limit}; even 1 path needs about {one / 1e9:,.2f} GB: raise the limit "
                f"(--max-memory {math.ceil(one / 1e8) / 10:g} or more)"
            )
        raise ResourceLimitError(
            f"{limit}; run fewer paths (at most about {fits:,} here), or raise the limit "
            "(--max-memory)"
        )
    return estimate


def _paths_that_fit(spec: schema.ScenarioSpec, n_paths: int, max_memory_bytes: float) -> int:
    """The most paths (below ``n_paths``) whose estimate fits ``max_memory_bytes``."""
    low, high = 0, n_paths
    while high - low > 1:
        middle = (low + high) // 2
        if estimate_run(spec, middle, max_memory_bytes=max_memory_bytes).memory_bytes <= (
            max_memory_bytes
        ):
            low = middle
        else:
            high = middle
    return low
