"""The work integrals of a market model's step schedule (``Schedule.from_steps``) are numpy's.

Independent derivation: the numpy expressions ``from_steps`` used before its compiled pass
(hashtide 0.1, session 4): a cumulative sum of ``start · width`` per actor, ``start.sum`` over
the actors and the same cumulative sum of the totals. The compiled pass adds in numpy's order,
so the numbers must be equal to the bit, not only close: a market run's blocks depend on them.
"""

from __future__ import annotations

import numpy as np
import pytest

from hashtide.engine.schedule import Schedule


def _numpy_from_steps(knots: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, ...]:
    start = np.ascontiguousarray(start)
    width = np.diff(knots)
    work = np.zeros_like(start)
    np.cumsum(start[..., :-1] * width, axis=-1, out=work[..., 1:])
    total_start = start.sum(axis=1)
    total_work = np.zeros_like(total_start)
    np.cumsum(total_start[:, :-1] * width, axis=1, out=total_work[:, 1:])
    return work, total_start, total_work


@pytest.mark.parametrize(
    ("variants", "actors", "n_knots"), [(1, 1, 1), (1, 3, 2), (7, 15, 61), (40, 9, 30), (3, 1, 5)]
)
def test_step_works_are_numpys_to_the_bit(variants: int, actors: int, n_knots: int) -> None:
    rng = np.random.default_rng(variants * 100 + actors + n_knots)
    knots = np.cumsum(rng.uniform(3_600.0, 200_000.0, size=n_knots)) + 1.7e9
    # Hashrates over many orders of magnitude, some zero, from a slice (not contiguous) as a
    # market's knots are cut.
    wide = rng.uniform(0.0, 1.0, size=(variants, actors, n_knots + 4)) * 10.0 ** rng.uniform(
        10, 21, size=(variants, actors, n_knots + 4)
    )
    wide[wide < 1e12] = 0.0
    start = wide[..., 2 : 2 + n_knots]
    schedule = Schedule.from_steps(knots, start)
    work, total_start, total_work = _numpy_from_steps(knots, start)
    np.testing.assert_array_equal(schedule.work, work)
    np.testing.assert_array_equal(schedule.total_start, total_start)
    np.testing.assert_array_equal(schedule.total_work, total_work)
    np.testing.assert_array_equal(schedule.start, start)
