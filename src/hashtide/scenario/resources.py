"""How much memory and time a scenario run needs, estimated before it starts.

A run holds its paths' epoch-by-epoch arrays (paths × epochs × sites) until each variant is
reduced, so memory grows with paths × epochs. :func:`check_resources` refuses a run whose
estimate is above a limit, with the estimate in the message, instead of letting it run out of
memory half-way. (Runs in chunks of paths with their own random streams were built for the
simple rules' runner and are not yet carried over to the world-market runner; until they are,
the estimate counts all paths at once.)
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
        ``n_chunks`` is 1: no runner chunks its paths yet (module notes).
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

    def describe(self) -> str:
        """One line: paths × variants × epochs, memory and time."""
        return (
            f"{self.n_paths:,} paths × {self.n_variants} variant(s) × {self.n_epochs} epochs"
            ": about "
            f"{self.memory_bytes / 1e9:,.2f} GB of memory and {_duration(self.duration_s)}"
        )


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:,.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:,.0f} min"
    return f"{seconds / 3600:,.1f} h"


def estimate_run(spec: schema.ScenarioSpec, n_paths: int) -> RunEstimate:
    """Estimate the peak memory and the time of running ``spec`` with ``n_paths`` paths.

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
    actors = sites + 1
    # Epochs of ~14 days across the horizon, plus the one the start falls in.
    epochs = math.ceil(spec.horizon_s / (14 * 86_400.0)) + 2
    chunk = n_paths  # no runner chunks its paths yet (module notes)
    memory = (
        BASE_BYTES
        + chunk * epochs * sites * BYTES_PER_PATH_EPOCH_SITE
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
    ...     print(str(exc)[:44])
    1,000,000 paths × 3 variant(s) × 107 epochs:
    """
    estimate = estimate_run(spec, n_paths)
    if max_memory_bytes is not None and estimate.memory_bytes > max_memory_bytes:
        per_path = (estimate.memory_bytes - BASE_BYTES) / n_paths
        fits = max(0, int((max_memory_bytes - BASE_BYTES) / per_path))
        fits = fits // 1000 * 1000 if fits > 10_000 else fits
        raise ResourceLimitError(
            f"{estimate.describe()}, above the limit of {max_memory_bytes / 1e9:,.2f} GB; run "
            f"fewer paths (at most about {fits:,} here), or raise the limit (--max-memory)"
        )
    return estimate
