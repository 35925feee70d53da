"""Engine inputs: trajectories, events, fees, start point, horizon — and every bad-input error."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest

from hashtide.engine import (
    Actor,
    Event,
    FeeSchedule,
    FleetHashrate,
    Horizon,
    SimulationInputs,
    StartPoint,
    Trajectory,
    block_by_block,
    expected_path,
    format_time_s,
    monte_carlo,
    to_time_s,
)
from hashtide.errors import InvalidInputError
from hashtide.protocol import ChainParams

# A short test chain: 20-block retarget periods, halvings every 50 blocks.
SHORT = ChainParams(
    name="short", pow_limit=2**224 - 1, pow_target_timespan_s=20 * 600, subsidy_halving_interval=50
)
START = StartPoint(height=0, time_s=0.0, bits=0x1D00FFFF)
DAY_2030 = 1_893_456_000.0  # 2030-01-01T00:00:00Z


def _inputs(**changes: object) -> SimulationInputs:
    fields: dict[str, object] = {
        "start": START,
        "actors": (Actor(name="a", hashrate=Trajectory.constant(1e7)),),
        "horizon": Horizon(end_height=100),
        "params": SHORT,
    }
    fields.update(changes)
    return SimulationInputs(**fields)  # type: ignore[arg-type]


def test_linear_trajectory_values() -> None:
    # Independent derivation: straight line through (0, 10) and (100, 30); held outside.
    trajectory = Trajectory(times_s=[0.0, 100.0], hashrate_hs=[10.0, 30.0])
    assert trajectory.hashrate_at(-5.0) == 10.0
    assert trajectory.hashrate_at(25.0) == 15.0
    assert trajectory.hashrate_at(100.0) == 30.0
    assert trajectory.hashrate_at(1e9) == 30.0


def test_step_trajectory_values() -> None:
    trajectory = Trajectory(times_s=[0.0, 100.0], hashrate_hs=[10.0, 30.0], interpolation="step")
    assert trajectory.hashrate_at(99.999) == 10.0
    assert trajectory.hashrate_at(100.0) == 30.0


def test_exponential_trajectory() -> None:
    # Independent derivation: 1e20 × 1.3**t/yr at the knots; between weekly knots the linear
    # interpolation overstates exp growth by at most (ln 1.3 · 7/365.25)**2 / 8 = 3.1e-6.
    year = 31_557_600.0
    trajectory = Trajectory.exponential(
        start_time_s=0.0, end_time_s=2 * year, hashrate_hs=1e20, growth_per_year_frac=0.3
    )
    assert trajectory.hashrate_at(year) == pytest.approx(1.3e20, rel=3.2e-6)
    assert trajectory.hashrate_at(2 * year) == pytest.approx(1.69e20, rel=1e-12)
    assert trajectory.hashrate_at(3 * year) == pytest.approx(1.69e20, rel=1e-12)


@pytest.mark.parametrize(
    ("times", "values", "message"),
    [
        ([0.0, 0.0], [1.0, 1.0], "must increase strictly"),
        ([0.0, math.nan], [1.0, 1.0], "finite time"),
        ([0.0, 1.0], [1.0], "one value per knot"),
        ([], [], "at least one time"),
    ],
)
def test_trajectory_shape_errors(times: list[float], values: list[float], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        Trajectory(times_s=np.array(times), hashrate_hs=np.array(values))


def test_negative_hashrate_names_actor_time_and_value() -> None:
    bad = Trajectory(times_s=[0.0, DAY_2030], hashrate_hs=[5e20, -1e18])
    with pytest.raises(
        InvalidInputError,
        match=r"actor 'china': hashrate_hs = -1e\+18 at 2030-01-01T00:00:00Z \(knot 1\)",
    ):
        Actor(name="china", hashrate=bad)


def test_nan_hashrate_names_actor_and_time() -> None:
    bad = Trajectory(times_s=[0.0, DAY_2030], hashrate_hs=[math.nan, 1.0])
    with pytest.raises(InvalidInputError, match=r"actor 'x': hashrate_hs = nan at 1970-01-01"):
        Actor(name="x", hashrate=bad)


def test_horizon_before_start() -> None:
    with pytest.raises(InvalidInputError, match="not after the start time 1970-01-01T00:00:00Z"):
        _inputs(horizon=Horizon(end_time_s=-1.0))
    with pytest.raises(InvalidInputError, match="end_height 0 is not after the start height 0"):
        _inputs(horizon=Horizon(end_height=0))
    with pytest.raises(InvalidInputError, match="exactly one"):
        Horizon(end_time_s=1.0, end_height=5)


def test_other_input_errors() -> None:
    with pytest.raises(InvalidInputError, match="unique"):
        _inputs(actors=(Actor(name="a"), Actor(name="a")))
    with pytest.raises(InvalidInputError, match="names actor 'b'"):
        _inputs(events=(Event(time_s=1.0, actor="b"),))
    with pytest.raises(InvalidInputError, match="inside a retarget period"):
        _inputs(start=StartPoint(height=13, time_s=0.0, bits=0x1D00FFFF))
    with pytest.raises(InvalidInputError, match="hashrate_factor"):
        Event(time_s=1.0, actor="a", hashrate_factor=-1.0)
    with pytest.raises(InvalidInputError, match=r"fee_sat\[1\] = -3"):
        FeeSchedule(times_s=[0.0, 1.0], fee_sat=(1, -3))
    with pytest.raises(InvalidInputError, match=r"fees=1\.5"):
        _inputs(fees=1.5)
    with pytest.raises(InvalidInputError, match="easier than powLimit"):
        _inputs(start=StartPoint(height=0, time_s=0.0, bits=0x1E00FFFF))
    with pytest.raises(InvalidInputError, match="no hashrate trajectory"):
        expected_path(_inputs(actors=(Actor(name="a"),)))
    with pytest.raises(InvalidInputError, match="no hashrate trajectory"):
        block_by_block(_inputs(actors=(Actor(name="a"),)), n_paths=1, rng=np.random.default_rng(0))
    with pytest.raises(InvalidInputError, match="n_paths"):
        monte_carlo(_inputs(), n_paths=0, rng=np.random.default_rng(0))
    with pytest.raises(InvalidInputError, match=r"numpy\.random\.Generator"):
        monte_carlo(_inputs(), n_paths=1, rng=np.random.RandomState(0))  # type: ignore[arg-type]


def test_zero_network_hashrate_for_ever_is_an_error_not_a_hang() -> None:
    # All actors off from 3,000 s: the first period (20 blocks at ~600 s) cannot end.
    inputs = _inputs(events=(Event(time_s=3_000.0, actor="a"),))
    pattern = r"network hashrate is 0 H/s from 1970-01-01T00:50:00Z on \(every actor: 'a'\)"
    with pytest.raises(InvalidInputError, match=pattern):
        monte_carlo(inputs, n_paths=5, rng=np.random.default_rng(0))
    with pytest.raises(InvalidInputError, match=pattern):
        expected_path(inputs)
    with pytest.raises(InvalidInputError, match="network hashrate is 0 H/s from 1970-01-01T00:50"):
        block_by_block(inputs, n_paths=1, rng=np.random.default_rng(0))
    with pytest.raises(InvalidInputError, match="0 H/s from 1970-01-01T00:00:00Z"):
        expected_path(_inputs(actors=(Actor(name="a", hashrate=Trajectory.constant(0.0)),)))


def test_zero_hashrate_after_a_time_horizon_is_fine() -> None:
    off = Trajectory(times_s=[0.0, 50_000.0], hashrate_hs=[1e7, 0.0], interpolation="step")
    inputs = _inputs(actors=(Actor(name="a", hashrate=off),), horizon=Horizon(end_time_s=40_000.0))
    result = monte_carlo(inputs, n_paths=3, rng=np.random.default_rng(0))
    assert np.nanmax(result.end_time_s) <= 40_000.0


def test_a_gap_in_hashrate_only_delays_blocks() -> None:
    # Independent derivation: at 1e7 H/s a block takes 429.5 s (2**256/(target+1)/1e7); a day
    # with no hashrate in the middle of the period adds exactly 86,400 s to the expected path.
    gap = Trajectory(
        times_s=[0.0, 1_000.0, 87_400.0], hashrate_hs=[1e7, 0.0, 1e7], interpolation="step"
    )
    inputs = _inputs(actors=(Actor(name="a", hashrate=gap),), horizon=Horizon(end_height=20))
    end = float(expected_path(inputs).end_time_s[0, 0])
    assert end == pytest.approx(20 * 4_295_032_833.000015 / 1e7 + 86_400.0, rel=1e-12)


def test_fee_schedule_lookup() -> None:
    fees = FeeSchedule(times_s=[10.0, 20.0], fee_sat=(5, 7))
    assert [fees.fee_at(t) for t in (0.0, 10.0, 19.9, 20.0, 1e9)] == [5, 5, 5, 7, 7]


def test_fleet_from_actors_is_exact_on_the_union_grid() -> None:
    one = Trajectory(times_s=[0.0, 10.0], hashrate_hs=[0.0, 10.0])
    two = Trajectory(times_s=[5.0], hashrate_hs=[3.0])
    fleet = FleetHashrate.from_actors([one, two])
    assert fleet.times_s.tolist() == [0.0, 5.0, 10.0]
    assert fleet.hashrate_hs.tolist() == [[0.0, 5.0, 10.0], [3.0, 3.0, 3.0]]
    with pytest.raises(InvalidInputError, match="shape"):
        FleetHashrate(times_s=[0.0, 1.0], hashrate_hs=[1.0, 2.0])


def test_time_helpers() -> None:
    assert format_time_s(0.0) == "1970-01-01T00:00:00Z"
    assert format_time_s(math.inf) == "inf"
    assert to_time_s(datetime(2030, 1, 1, tzinfo=UTC)) == DAY_2030
    with pytest.raises(InvalidInputError, match="naive"):
        to_time_s(datetime(2030, 1, 1))
