"""The world market's compiled daily step computes what the numpy expressions it replaced do.

Independent derivation: the step of ``WorldMarket._advance`` as it was written in numpy before
the compiled loop (hashtide 0.1, session 3: ``scipy.special.ndtr`` of rule 1's argument, then
one array operation per line), restated here on random states. The two differ by rounding only:
scipy's ``ndtr`` against the C library's ``erf``/``erfc``, and sums in another order.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import ndtr as scipy_ndtr

from hashtide.market.world_step import ndtr, step_regions


def test_ndtr_is_scipys() -> None:
    # Reference: scipy.special.ndtr (cephes), on a grid over both tails and the middle.
    x = np.concatenate([np.linspace(-45.0, 45.0, 200_001), [-39.0, -8.5, 0.0, 8.5, 39.0]])
    got, expected = ndtr(x), scipy_ndtr(x)
    # A few ulps of 1 everywhere; relative to the value wherever it is a normal number (the
    # deep lower tail): erfc of two libraries.
    np.testing.assert_allclose(got, expected, rtol=0, atol=5e-16)
    normal = expected > 1e-300
    np.testing.assert_allclose(got[normal], expected[normal], rtol=1e-12)
    # The shortcuts return what the formula gives there: exactly 1 and 0.
    assert scipy_ndtr(8.5) == 1.0
    assert scipy_ndtr(-39.0) == 0.0
    assert np.all(ndtr(np.array([8.5, 30.0, np.inf])) == 1.0)
    assert np.all(ndtr(np.array([-39.0, -300.0, -np.inf])) == 0.0)


def _numpy_step(
    cap: np.ndarray,
    lo: int,
    hi: int,
    n_regions: int,
    d: np.ndarray,
    mask: np.ndarray,
    log_ema: np.ndarray,
    tables: dict[str, np.ndarray],
    scrap_days: float,
) -> tuple[np.ndarray, ...]:
    """The session-3 numpy step (world.py before world_step), for the regions' cohorts."""
    win = slice(lo, hi)
    on = scipy_ndtr(
        (
            log_ema[:, None, None]
            - (
                tables["log_cost"][:n_regions, win][None, :, :]
                + tables["log_price"][:n_regions, d].T[:, :, None]
            )
        )
        / tables["spread"][:n_regions][None, :, None]
    )
    hashing = cap[:, :n_regions, win] * on
    hashing *= tables["avail"][:n_regions, d].T[:, :, None]
    running = np.einsum("prv->pr", hashing)
    eff = tables["eff"]
    power = np.einsum("prv,v->pr", hashing, eff[win]) / 1e12 * tables["pue"][None, :n_regions]
    new = cap[:, :, win].copy()
    before = np.einsum("prv,v->p", new[:, :n_regions, :], eff[win])
    kept = (1.0 - on) / scrap_days
    new[:, :n_regions, :] *= 1.0 - kept
    dead = d[:, None] >= tables["dead_from"][None, win]
    new = np.where(dead[:, None, :], 0.0, new)
    leaving = before - np.einsum("prv,v->p", new[:, :n_regions, :], eff[win])
    new = np.where(mask[:, None, None], new, cap[:, :, win])
    return new, running, power, leaving


def test_compiled_step_is_the_numpy_step() -> None:
    rng = np.random.default_rng(14)
    rows, n_regions, n_compartments, n_vintages, n_days = 40, 6, 9, 25, 60
    # Random machines, some cells empty; rule 1's argument over its whole range (both tails
    # and the middle), some vintages retired on some rows' days, some rows not advancing.
    cap = rng.uniform(0.0, 1e18, size=(rows, n_compartments, n_vintages))
    cap[rng.uniform(size=cap.shape) < 0.2] = 0.0
    eff = rng.uniform(12.0, 120.0, size=n_vintages)
    tables = {
        "log_cost": rng.uniform(-4.0, -1.0, size=(n_regions + 2, n_vintages)),
        "log_price": rng.uniform(-4.5, -1.5, size=(n_regions + 2, n_days)),
        "spread": rng.uniform(0.1, 0.9, size=n_regions + 2),
        "avail": rng.uniform(0.3, 1.0, size=(n_regions + 2, n_days)),
        "pue": rng.uniform(1.02, 1.4, size=n_regions + 2),
        "eff": eff,
        "dead_from": rng.integers(0, 2 * n_days, size=n_vintages),
    }
    d = rng.integers(0, n_days, size=rows)
    mask = rng.uniform(size=rows) < 0.8
    log_ema = rng.uniform(-7.0, -2.0, size=rows)
    lo, hi = 3, 21
    expected = _numpy_step(cap, lo, hi, n_regions, d, mask, log_ema, tables, 180.0)
    got = step_regions(
        cap, (lo, hi), n_regions, d, mask, log_ema, scrap_days=180.0, **tables
    )  # fmt: skip
    for name, a, b in zip(("cap", "running", "power", "leaving"), got, expected, strict=True):
        assert a.shape == b.shape, name
        # Rounding only: a few ulps of each cell; the leaving watts are a difference of two
        # sums, so their error is relative to the sums (≈ 1e3 × the difference here).
        scale = np.abs(b).max()
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-13 * scale, err_msg=name)
    # The rows that do not advance keep their machines exactly; retired cells are exactly 0.
    np.testing.assert_array_equal(got[0][~mask], cap[~mask][:, :, lo:hi])
    assert (expected[0] == 0).sum() == (got[0] == 0).sum()
    # Not a trivial case: all the branches of rule 1 and rule 3 were taken.
    on_arg = log_ema[:, None] - tables["log_cost"][:n_regions, lo:hi].min()
    assert on_arg.min() < 0 < on_arg.max()
    assert (~mask).any()
    assert mask.any()
    assert (d[:, None] >= tables["dead_from"][None, lo:hi]).any()


def test_compiled_step_rows_are_independent() -> None:
    # A row's results do not depend on the other rows (what keeps chunks bit-identical).
    rng = np.random.default_rng(3)
    cap = rng.uniform(0.0, 1e18, size=(7, 5, 12))
    tables = {
        "log_cost": rng.uniform(-4.0, -1.0, size=(4, 12)),
        "log_price": rng.uniform(-4.5, -1.5, size=(4, 30)),
        "spread": rng.uniform(0.1, 0.9, size=4),
        "avail": rng.uniform(0.3, 1.0, size=(4, 30)),
        "pue": rng.uniform(1.02, 1.4, size=4),
        "eff": rng.uniform(12.0, 120.0, size=12),
        "dead_from": rng.integers(0, 60, size=12),
    }
    d = rng.integers(0, 30, size=7)
    mask = np.ones(7, dtype=bool)
    log_ema = rng.uniform(-7.0, -2.0, size=7)
    whole = step_regions(cap, (2, 12), 4, d, mask, log_ema, scrap_days=90.0, **tables)
    for row in range(7):
        one = slice(row, row + 1)
        alone = step_regions(
            cap[one], (2, 12), 4, d[one], mask[one], log_ema[one], scrap_days=90.0, **tables
        )  # fmt: skip
        for a, b in zip(alone, whole, strict=True):
            np.testing.assert_array_equal(a, b[one])


def test_knots_are_the_numpy_indexing() -> None:
    # Independent derivation: the numpy fancy indexing take_steps replaces (world.py, session 3).
    from hashtide.market.world_step import take_steps

    rng = np.random.default_rng(5)
    rows = 30
    projected = rng.uniform(size=(rows, 5, 12))
    step = rng.integers(0, 12, size=(rows, 20))
    np.testing.assert_array_equal(
        take_steps(projected, step), np.take_along_axis(projected, step[:, None, :], axis=2)
    )


def test_sums_are_numpys_to_the_bit() -> None:
    # Reference: ndarray.sum itself (numpy's pairwise summation), on rows of every length up to
    # three blocks of 128 and a few longer ones, and on (rows, n) arrays summed over axis 1 as
    # WorldMarket._advance did (the compiled day must add in the same order to keep results).
    from hashtide.market.world_step import _row_sum_jit

    rng = np.random.default_rng(11)
    for n in [*range(0, 400), 511, 1000, 4099]:
        x = rng.standard_normal(n) * 10.0 ** rng.uniform(-8, 8, size=n)
        assert _row_sum_jit(x) == x.sum(), n
    block = rng.standard_normal((50, 15)) * 1e15
    sums = block.sum(axis=1)
    assert all(_row_sum_jit(np.ascontiguousarray(block[i])) == sums[i] for i in range(50))


def test_min_and_max_are_numpys() -> None:
    # Reference: np.minimum / np.maximum, NaN from either side included.
    from hashtide.market.world_step import _np_max_jit, _np_min_jit

    values = [-1.5, 0.0, 2.0, np.inf, -np.inf, np.nan]
    for a in values:
        for b in values:
            np.testing.assert_array_equal(_np_min_jit(a, b), np.minimum(a, b))
            np.testing.assert_array_equal(_np_max_jit(a, b), np.maximum(a, b))


def test_first_held_is_the_numpy_scan() -> None:
    # Reference: the numpy loop it replaces (WorldMarket._window before session 5).
    from hashtide.market.world_step import first_held

    rng = np.random.default_rng(8)
    for _ in range(50):
        cap = rng.uniform(size=(6, 4, 12)) * (rng.uniform(size=(6, 4, 12)) < 0.05)
        cap[:, :, rng.integers(0, 12) :] += 1.0
        if rng.uniform() < 0.2:
            cap[rng.integers(0, 6), rng.integers(0, 4), rng.integers(0, 12)] = np.nan
        hi = int(rng.integers(1, 13))
        lo = 0
        while lo < hi - 1 and not cap[:, :, lo].any():
            lo += 1
        assert first_held(cap, hi) == lo


@pytest.mark.parametrize("per_path_prices", [False, True])
def test_hashprice_day_is_the_numpy_expressions(per_path_prices: bool) -> None:
    # Reference: the numpy functions WorldMarket._advance called before session 5
    # (subsidy_sat_at_height, hashprice_usd_per_th_day, _reward_factor), rows across halvings
    # (heights 839,000-841,000 and the subsidy before either side), unknown difficulties.
    from hashtide.market.behaviour import hashprice_usd_per_th_day
    from hashtide.market.history import subsidy_sat_at_height
    from hashtide.market.world import _reward_factor
    from hashtide.market.world_step import hashprice_day

    rng = np.random.default_rng(12)
    rows, days = 40, 30
    d = rng.integers(0, days, size=rows)
    paths = rng.permutation(60)[:rows]
    btc = rng.uniform(2e4, 2e5, size=(60 if per_path_prices else 1, days))
    fees = rng.uniform(0.01, 1.0, size=days)
    difficulty = rng.uniform(5e13, 2e14, size=rows)
    difficulty[:4] = [np.nan, np.inf, -np.inf, np.nan]
    height = rng.uniform(839_000.0, 841_000.0, size=rows)
    before = subsidy_sat_at_height(height + rng.choice([-2_000.0, 0.0, 2_000.0], size=rows))
    ema = rng.uniform(0.02, 0.1, size=rows)
    alpha = 1.0 - np.exp(-1.0 / 7.0)
    got = hashprice_day(
        d, paths, btc=btc, fees_per_block=fees, difficulty=difficulty, height=height,
        subsidy_sat=before, ema=ema, alpha=alpha,
    )  # fmt: skip
    known_difficulty = np.where(np.isfinite(difficulty), difficulty, 1.0)
    subsidy = subsidy_sat_at_height(height)
    price = np.broadcast_to(btc, (60, days))[paths, d]
    hp = hashprice_usd_per_th_day(
        known_difficulty, price, subsidy_sat=subsidy, fees_btc_per_block=fees[d]
    )
    known = _reward_factor(subsidy, before, fees[d])
    expected = (known_difficulty, subsidy, hp, ema * known + alpha * (hp - ema * known))
    assert (known != 1.0).any()  # some rows cross a halving
    assert (known == 1.0).any()
    for a, b in zip(got, expected, strict=True):
        np.testing.assert_array_equal(a, b)
