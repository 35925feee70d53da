"""Cash-flow arithmetic: NPV, IRR, payback, cost per BTC and break-even prices.

Cash flows are given at times measured in years from the investment date (``times_years``);
discounting is annual compounding, ``(1 + r) ** -t``, the convention of spreadsheet XNPV.

:func:`npv_usd`, :func:`irr` and :func:`payback_years` take one series of flows; their
``*_paths`` forms take a Monte Carlo's flows at once, one row per path, and agree with them
(to 1e-10 per year for the IRR, exactly otherwise).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy.optimize import brentq

from hashtide._checks import real, reals
from hashtide.errors import InvalidInputError

FloatArray = npt.NDArray[np.float64]


def _flows(
    cash_flows_usd: Sequence[float] | FloatArray, times_years: Sequence[float] | FloatArray
) -> tuple[FloatArray, FloatArray]:
    flows = reals("cash_flows_usd", cash_flows_usd)
    times = reals("times_years", times_years)
    if flows.ndim != 1 or flows.shape != times.shape or flows.size == 0:
        raise InvalidInputError(
            f"cash_flows_usd (shape {flows.shape}) and times_years (shape {times.shape}) must be "
            "non-empty 1-D sequences of the same length"
        )
    if not (np.all(np.isfinite(flows)) and np.all(np.isfinite(times))):
        raise InvalidInputError("cash_flows_usd and times_years must be finite (no NaN or inf)")
    if np.any(np.diff(times) < 0) or times[0] < 0:
        raise InvalidInputError("times_years must be >= 0 and non-decreasing")
    return flows, times


def npv_usd(
    cash_flows_usd: Sequence[float] | FloatArray,
    times_years: Sequence[float] | FloatArray,
    *,
    discount_rate: float,
) -> float:
    """Net present value [USD] of cash flows at ``times_years`` discounted at ``discount_rate``.

    Notes
    -----
    ``NPV = Σ_t CF_t · (1 + r)^(−t)``.

    Examples
    --------
    −100 now, +110 in one year, at 10 %: zero.

    >>> abs(npv_usd([-100.0, 110.0], [0.0, 1.0], discount_rate=0.10)) < 1e-9
    True
    """
    if not real("discount_rate", discount_rate) > -1:
        raise InvalidInputError(f"discount_rate={discount_rate!r} must be > -1")
    flows, times = _flows(cash_flows_usd, times_years)
    return float(np.sum(flows * (1.0 + discount_rate) ** -times))


def irr(
    cash_flows_usd: Sequence[float] | FloatArray, times_years: Sequence[float] | FloatArray
) -> float | None:
    """Internal rate of return: the discount rate at which the NPV is zero [1/year].

    Returns ``None`` when no such rate exists in (−99 %, 10,000 %) — e.g. all flows share a sign
    — or when every rate is one (all flows zero: nothing bought, nothing earned; the search
    used to return its lowest rate, −99 %). Where several exist (flows change sign more than
    once) the one found by bracketing from the lowest rate is returned.

    Examples
    --------
    >>> round(irr([-100.0, 60.0, 60.0], [0.0, 1.0, 2.0]), 6)
    0.130662
    >>> irr([0.0, 0.0, 0.0], [0.0, 1.0, 2.0]) is None
    True
    """
    flows, times = _flows(cash_flows_usd, times_years)
    if not np.any(flows):
        return None

    def npv_at(rate: float) -> float:
        return float(np.sum(flows * (1.0 + rate) ** -times))

    grid = _irr_grid()
    values = np.array([npv_at(r) for r in grid])
    crossings = np.flatnonzero(np.sign(values[:-1]) * np.sign(values[1:]) <= 0)
    if crossings.size == 0:
        return None
    i = int(crossings[0])
    if values[i] == 0:
        return float(grid[i])
    return float(brentq(npv_at, grid[i], grid[i + 1], xtol=1e-12))


#: Rates [1/year] at which :func:`irr` and :func:`irr_paths` look for the first sign change of
#: the NPV: fine steps over (−99 %, 100 %], then geometric steps up to 10,000 %.
def _irr_grid() -> FloatArray:
    return np.concatenate([np.linspace(-0.99, 1.0, 200), np.geomspace(1.0, 100.0, 100)[1:]])


def _paths(
    cash_flows_usd: FloatArray | Sequence[Sequence[float]],
    times_years: Sequence[float] | FloatArray,
) -> tuple[FloatArray, FloatArray]:
    flows = np.asarray(cash_flows_usd, dtype=float)
    times = np.asarray(times_years, dtype=float)
    if flows.ndim != 2 or flows.shape[1] != times.size or times.ndim != 1 or times.size == 0:
        raise InvalidInputError(
            f"cash_flows_usd (shape {flows.shape}) must be 2-D (paths, times) with as many "
            f"columns as times_years has entries ({times.shape})"
        )
    if not (np.all(np.isfinite(flows)) and np.all(np.isfinite(times))):
        raise InvalidInputError("cash_flows_usd and times_years must be finite (no NaN or inf)")
    if np.any(np.diff(times) < 0) or times[0] < 0:
        raise InvalidInputError("times_years must be >= 0 and non-decreasing")
    return flows, times


def npv_usd_paths(
    cash_flows_usd: FloatArray | Sequence[Sequence[float]],
    times_years: Sequence[float] | FloatArray,
    *,
    discount_rate: float,
) -> FloatArray:
    """:func:`npv_usd` of every row of ``cash_flows_usd`` (paths × times) [USD], shape (P,).

    Examples
    --------
    >>> npv_usd_paths([[-100.0, 200.0], [-100.0, 220.0]], [0.0, 1.0], discount_rate=1.0)
    array([ 0., 10.])
    """
    if not discount_rate > -1:
        raise InvalidInputError(f"discount_rate={discount_rate!r} must be > -1")
    flows, times = _paths(cash_flows_usd, times_years)
    return (flows * (1.0 + discount_rate) ** -times).sum(axis=1)  # type: ignore[no-any-return]


def irr_paths(
    cash_flows_usd: FloatArray | Sequence[Sequence[float]],
    times_years: Sequence[float] | FloatArray,
    *,
    tolerance: float = 1e-12,
) -> FloatArray:
    """:func:`irr` of every row of ``cash_flows_usd`` (paths × times) [1/year], shape (P,).

    NaN where a row has no IRR in (−99 %, 10,000 %), or every rate is one (all its flows zero).

    Notes
    -----
    The same rule as :func:`irr`: the NPV is evaluated on the same grid of rates for all paths
    at once (a matrix product), the first bracket where it changes sign is taken, and the root
    is found by bisection of all brackets together until they are narrower than ``tolerance``
    [1/year] (at most 64 halvings; the widest bracket, 99 % → 10,000 %, needs 53 for 1e-12).
    Bisection is slower per path than Brent's method but needs no per-path branching, so one
    pass serves 10,000 paths in milliseconds; it returns a rate within ``tolerance`` of a root,
    as :func:`irr` (``brentq(xtol=1e-12)``) does, so the two agree to about 2 × ``tolerance``.

    Examples
    --------
    >>> irr_paths([[-100.0, 60.0, 60.0], [-100.0, -10.0, 0.0], [0.0, 0.0, 0.0]],
    ...           [0.0, 1.0, 2.0]).round(6)
    array([0.130662,      nan,      nan])
    """
    flows, times = _paths(cash_flows_usd, times_years)
    out = np.empty(flows.shape[0])
    # Rows are independent: a block at a time keeps the (rows, grid) arrays to tens of MB
    # (100,000 paths at once held ~0.7 GB of them).
    for a in range(0, flows.shape[0], _IRR_BLOCK_ROWS):
        out[a : a + _IRR_BLOCK_ROWS] = _irr_block(flows[a : a + _IRR_BLOCK_ROWS], times, tolerance)
    return out


#: Paths whose IRR :func:`irr_paths` solves at once (memory: this × 299 rates × ~3 × 8 bytes).
_IRR_BLOCK_ROWS = 4096


def _irr_block(flows: FloatArray, times: FloatArray, tolerance: float) -> FloatArray:
    """:func:`irr_paths` of the rows of ``flows``, all at once."""
    grid = _irr_grid()
    values = flows @ ((1.0 + grid[None, :]) ** -times[:, None])  # (P, G)
    sign = np.sign(values)
    crossing = sign[:, :-1] * sign[:, 1:] <= 0
    found = crossing.any(axis=1) & flows.any(axis=1)
    first = np.argmax(crossing, axis=1)
    rows = np.arange(flows.shape[0])
    low = grid[first]
    high = grid[first + 1]
    f_low = values[rows, first]
    exact = found & (f_low == 0)
    active = found & ~exact
    for _ in range(64):
        # A row stops once its own bracket is narrow enough, so its root does not depend on
        # which other rows are solved with it.
        going = active & (high - low > tolerance)
        if not np.any(going):
            break
        middle = 0.5 * (low + high)
        f_middle = (flows * (1.0 + middle[:, None]) ** -times[None, :]).sum(axis=1)
        same = np.sign(f_middle) == np.sign(f_low)
        hit = f_middle == 0
        low = np.where(going & same & ~hit, middle, low)
        f_low = np.where(going & same & ~hit, f_middle, f_low)
        high = np.where(going & (~same | hit), middle, high)
        low = np.where(going & hit, middle, low)
    result = np.where(exact, low, 0.5 * (low + high))
    block: FloatArray = np.where(found, result, np.nan)
    return block


def payback_years_paths(
    cash_flows_usd: FloatArray | Sequence[Sequence[float]],
    times_years: Sequence[float] | FloatArray,
) -> FloatArray:
    """:func:`payback_years` of every row (paths × times) [years], shape (P,); +inf for never.

    Examples
    --------
    >>> payback_years_paths([[-100.0, 40.0, 40.0, 40.0], [-100.0, 10.0, 10.0, 10.0]],
    ...                     [0.0, 1.0, 2.0, 3.0])
    array([2.5, inf])
    """
    flows, times = _paths(cash_flows_usd, times_years)
    cumulative = np.cumsum(flows, axis=1)
    reached = cumulative >= 0
    ever = reached.any(axis=1)
    j = np.argmax(reached, axis=1)
    previous = np.maximum(j - 1, 0)
    rows = np.arange(flows.shape[0])
    before = cumulative[rows, previous]
    after = cumulative[rows, j]
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(after > before, -before / (after - before), 0.0)
    turned = times[previous] + fraction * (times[j] - times[previous])
    result = np.where(j == 0, times[0], turned)
    return np.where(ever, result, np.inf)


def payback_years(
    cash_flows_usd: Sequence[float] | FloatArray, times_years: Sequence[float] | FloatArray
) -> float | None:
    """Time [years] at which cumulative undiscounted cash flow first reaches zero.

    Linear within the period where it turns; ``None`` if it never does.

    Examples
    --------
    >>> payback_years([-100.0, 40.0, 40.0, 40.0], [0.0, 1.0, 2.0, 3.0])
    2.5
    """
    flows, times = _flows(cash_flows_usd, times_years)
    cumulative = np.cumsum(flows)
    if cumulative[0] >= 0:
        return float(times[0])
    after = np.flatnonzero(cumulative >= 0)
    if after.size == 0:
        return None
    j = int(after[0])
    before = cumulative[j - 1]
    fraction = -before / (cumulative[j] - before)
    return float(times[j - 1] + fraction * (times[j] - times[j - 1]))


def break_even_btc_price_usd(
    costs_usd: Sequence[float] | FloatArray,
    btc_mined: Sequence[float] | FloatArray,
    times_years: Sequence[float] | FloatArray,
    *,
    discount_rate: float = 0.0,
) -> float:
    """Constant BTC price at which discounted revenue equals discounted cost [USD/BTC].

    Notes
    -----
    ``P* = Σ C_t d_t / Σ B_t d_t`` with ``d_t = (1 + r)^(−t)``: revenue ``P·B_t`` then has the
    same present value as the costs ``C_t`` (capex, energy, opex). With ``r = 0`` this is the
    plain cost per BTC mined.

    Examples
    --------
    >>> break_even_btc_price_usd([1_000.0, 500.0], [0.01, 0.02], [0.0, 1.0])
    50000.0
    """
    costs, times = _flows(costs_usd, times_years)
    btc, _ = _flows(btc_mined, times_years)
    real("discount_rate", discount_rate)
    if np.any(btc < 0):
        raise InvalidInputError("btc_mined must be >= 0")
    discount = (1.0 + discount_rate) ** -times
    mined = float(np.sum(btc * discount))
    if mined <= 0:
        raise InvalidInputError("no BTC is mined: the break-even price is undefined")
    return float(np.sum(costs * discount)) / mined
