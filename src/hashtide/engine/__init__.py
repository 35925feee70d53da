"""The simulation engine: expected path, exact epoch-level Monte Carlo, block-by-block reference.

>>> from hashtide import engine
>>> sorted(name for name in engine.__all__ if name[0].islower())[:3]
['block_by_block', 'difficulty_array', 'expected_path']
"""

from hashtide.engine.expected import expected_path
from hashtide.engine.inputs import (
    Actor,
    EpochState,
    Event,
    FeeSchedule,
    FleetHashrate,
    Horizon,
    MarketModel,
    SimulationInputs,
    StartPoint,
    Trajectory,
    format_time_s,
    to_time_s,
)
from hashtide.engine.montecarlo import StreamDraws, monte_carlo, path_streams
from hashtide.engine.reference import block_by_block
from hashtide.engine.results import SimulationResult
from hashtide.engine.retarget import difficulty_array, next_bits_array, work_per_block_hashes

__all__ = [
    "Actor",
    "EpochState",
    "Event",
    "FeeSchedule",
    "FleetHashrate",
    "Horizon",
    "MarketModel",
    "SimulationInputs",
    "SimulationResult",
    "StartPoint",
    "StreamDraws",
    "Trajectory",
    "block_by_block",
    "difficulty_array",
    "expected_path",
    "format_time_s",
    "monte_carlo",
    "next_bits_array",
    "path_streams",
    "to_time_s",
    "work_per_block_hashes",
]
