"""The vectorised cash-flow functions against the scalar ones and hand-worked flows."""

from __future__ import annotations

import numpy as np
import pytest

from hashtide.economics import (
    irr,
    irr_paths,
    npv_usd,
    npv_usd_paths,
    payback_years,
    payback_years_paths,
)
from hashtide.errors import InvalidInputError


def _random_flows(seed: int, n_paths: int = 100, n_years: int = 6) -> np.ndarray:
    """Capex then yearly flows of random sign and size: many rows have an IRR, some none,
    some several sign changes."""
    rng = np.random.default_rng(seed)
    flows = rng.normal(20.0, 60.0, size=(n_paths, n_years + 1))
    flows[:, 0] = -rng.uniform(50.0, 300.0, size=n_paths)
    flows[::7] = -np.abs(flows[::7])  # every 7th row loses money every year: no IRR
    return flows


def test_a_rows_irr_does_not_depend_on_the_rows_solved_with_it() -> None:
    # irr_paths solves blocks of rows (memory) and each row stops on its own bracket, so a
    # row's IRR is the same bit for bit alone, in a block, or across a block's edge.
    from hashtide.economics import finance

    flows = _random_flows(3, n_paths=2 * finance._IRR_BLOCK_ROWS + 5)
    times = np.arange(flows.shape[1], dtype=float)
    together = irr_paths(flows, times)
    rows = [0, 1, finance._IRR_BLOCK_ROWS - 1, finance._IRR_BLOCK_ROWS, flows.shape[0] - 1]
    alone = np.array([irr_paths(flows[i : i + 1], times)[0] for i in rows])
    np.testing.assert_array_equal(together[rows], alone)
    assert np.isfinite(together).sum() > flows.shape[0] // 2


@pytest.mark.parametrize("seed", [1, 2])
def test_paths_agree_with_the_scalar_reference(seed: int) -> None:
    flows = _random_flows(seed)
    times = np.arange(flows.shape[1], dtype=float)
    times[-1] = 5.5  # a partial last year, as a 5.5-year horizon gives
    irrs = irr_paths(flows, times)
    expected_irr = np.array([np.nan if (r := irr(row, times)) is None else r for row in flows])
    # Both are within 1e-12 of a root (bisection vs brentq xtol=1e-12); 1e-10 leaves room for
    # rounding of the NPV near the root.
    np.testing.assert_allclose(irrs, expected_irr, rtol=0, atol=1e-10)
    assert np.isnan(irrs).sum() >= flows.shape[0] // 7  # the all-negative rows at least
    npvs = npv_usd_paths(flows, times, discount_rate=0.04)
    expected_npv = [npv_usd(row, times, discount_rate=0.04) for row in flows]
    np.testing.assert_allclose(npvs, expected_npv, rtol=1e-12)
    paybacks = payback_years_paths(flows, times)
    expected_payback = [np.inf if (p := payback_years(row, times)) is None else p for row in flows]
    np.testing.assert_allclose(paybacks, expected_payback, rtol=1e-12)


def test_hand_worked_flows() -> None:
    times = [0.0, 1.0, 2.0]
    # Row 1: -100, +60, +60. IRR solves 60/(1+r) + 60/(1+r)^2 = 100, i.e. with x = 1/(1+r):
    # 60x^2 + 60x - 100 = 0 → x = (-60 + sqrt(3600 + 24000)) / 120 = 0.884437…, r = 0.130662…
    # (independent derivation: the quadratic formula).
    # Row 2: -100, +110, 0 → IRR exactly 10 %. Row 3: -100, +50, +50 → IRR 0, payback 2.0.
    # Row 4: +10 first → paid back at t = 0 (cumulative never negative).
    flows = np.array(
        [[-100.0, 60.0, 60.0], [-100.0, 110.0, 0.0], [-100.0, 50.0, 50.0], [10.0, 5.0, 5.0]]
    )
    x = (-60 + np.sqrt(3600 + 24000)) / 120
    np.testing.assert_allclose(
        irr_paths(flows[:3], times), [1 / x - 1, 0.10, 0.0], rtol=0, atol=1e-11
    )
    assert np.isnan(irr_paths(flows[3:], times)[0])  # all flows positive: no IRR
    # Payback: row 1 cumulative -100, -40, +20 → turns 40/60 into year 2: 1.6667;
    # row 2: -100 → +10 within year 1: 100/110 = 0.909…
    np.testing.assert_allclose(
        payback_years_paths(flows, times), [1 + 40 / 60, 100 / 110, 2.0, 0.0], rtol=1e-12
    )
    # NPV at 10 %: row 2 is exactly 0; row 3 is -100 + 50/1.1 + 50/1.21 = -13.2231…
    np.testing.assert_allclose(
        npv_usd_paths(flows[1:3], times, discount_rate=0.10),
        [0.0, -100 + 50 / 1.1 + 50 / 1.21],
        atol=1e-12,
    )


def test_bad_shapes_and_values() -> None:
    with pytest.raises(InvalidInputError, match="2-D"):
        irr_paths([1.0, 2.0], [0.0, 1.0])
    with pytest.raises(InvalidInputError, match="finite"):
        payback_years_paths([[-1.0, np.nan]], [0.0, 1.0])
    with pytest.raises(InvalidInputError, match="discount_rate"):
        npv_usd_paths([[-1.0, 2.0]], [0.0, 1.0], discount_rate=-1.0)


def test_all_zero_flows_have_no_irr() -> None:
    # Nothing bought and nothing earned (a variant whose every site never pays is left idle):
    # every rate zeroes the NPV, so no rate is *the* IRR. Both searches returned their lowest
    # grid rate, -99 %, printed as "IRR -99 %/yr".
    times = [0.0, 1.0, 2.0, 3.0]
    assert irr([0.0, 0.0, 0.0, 0.0], times) is None
    result = irr_paths([[0.0, 0.0, 0.0, 0.0], [-100.0, 40.0, 40.0, 40.0]], times)
    assert np.isnan(result[0])
    assert result[1] == pytest.approx(irr([-100.0, 40.0, 40.0, 40.0], times), abs=1e-11)
