"""Results that outlive a run: the results store (DuckDB), sweeps (Dask) and their report.

Heavy libraries (duckdb, distributed, plotly) are imported inside the functions that use them.
"""

from hashtide.results.store import (
    DEFAULT_STORE,
    ResultsStore,
    StoredRun,
    StoreError,
    canonical_json,
    run_id,
    scenario_hash,
)
from hashtide.results.sweep import (
    SYNCHRONOUS,
    GridAxis,
    SweepOutcome,
    SweepPoint,
    parse_grid,
    plan_sweep,
    run_point,
    run_sweep,
)

__all__ = [
    "DEFAULT_STORE",
    "SYNCHRONOUS",
    "GridAxis",
    "ResultsStore",
    "StoreError",
    "StoredRun",
    "SweepOutcome",
    "SweepPoint",
    "canonical_json",
    "parse_grid",
    "plan_sweep",
    "run_id",
    "run_point",
    "run_sweep",
    "scenario_hash",
]
