"""Cash-flow arithmetic: NPV, IRR, payback, cost per BTC and break-even prices.

Cash flows are given at times measured in years from the investment date (``times_years``);
discounting is annual compounding, ``(1 + r) ** -t``, the convention of spreadsheet XNPV.
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

    Returns ``None`` when no such rate exists in (−99 %, 10,000 %) — e.g. all flows share a sign.
    Where several exist (flows change sign more than once) the one found by bracketing from the
    lowest rate is returned.

    Examples
    --------
    >>> round(irr([-100.0, 60.0, 60.0], [0.0, 1.0, 2.0]), 6)
    0.130662
    """
    flows, times = _flows(cash_flows_usd, times_years)

    def npv_at(rate: float) -> float:
        return float(np.sum(flows * (1.0 + rate) ** -times))

    grid = np.concatenate([np.linspace(-0.99, 1.0, 200), np.geomspace(1.0, 100.0, 100)[1:]])
    values = np.array([npv_at(r) for r in grid])
    crossings = np.flatnonzero(np.sign(values[:-1]) * np.sign(values[1:]) <= 0)
    if crossings.size == 0:
        return None
    i = int(crossings[0])
    if values[i] == 0:
        return float(grid[i])
    return float(brentq(npv_at, grid[i], grid[i + 1], xtol=1e-12))


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
