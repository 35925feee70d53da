"""How the world's miners behave: four simple rules, each named and documented.

1. **Run or switch off** (:func:`running_frac`): a machine runs while the hashprice covers its
   electricity, ``hashprice ≥ e · PUE · 24 h · p`` — CBECI's profitability threshold
   (Cambridge Bitcoin Electricity Consumption Index, methodology: a model is counted while it is
   profitable at the assumed power price). Instead of CBECI's single 0.05 USD/kWh, miners in a
   region pay prices spread log-normally around the region's median (the criticism of a
   constant price: dataalways, *energy-adjusted-cbeci*), so the running share of a cohort
   falls smoothly as hashprice falls. Miners decide on the hashprice averaged over the past
   ``switch_smoothing_days`` (an exponential moving average): one retarget period of revenue,
   and it keeps the loop through the retarget stable. Known cuts act at once: at a halving and
   at a retarget that raises the difficulty the average is restated at the new reward or
   difficulty (``hashtide.market.world``); a fall of the difficulty is left to the average.
2. **Buy new machines** (:func:`order_rate`, :func:`fit_entry`): orders placed each day are
   proportional to the network's running hashrate times the margin of the newest machines,
   ``ln(hashprice / electricity cost)`` when positive — a payback rule: the faster a new
   machine pays back its electricity, the more are bought. They start hashing ``lag_days``
   later. Deliveries are limited by supply: no more than the supply pace (:func:`supply_pace`:
   the network's net growth per day over the ``supply_days`` before the start, the pace makers
   and logistics sustained, moving after as long again to the growth over the ``fit_days``
   before it) plus the machines leaving that day, counted by power (a site refills the watts of
   its leaving machines with machines on sale), and never more than
   ``supply_cap_frac_per_month`` of the network in a month. The scale κ and the pace are fitted
   on data before the start date only (:func:`fit_entry`); machines ordered before the start
   (the order book) arrive at the pace new machines arrived over the ``lag_days`` before it.
3. **Retire old machines**: a machine retires at the end of its life (``lifetime_years``,
   CBECI's five years), and machines that stay switched off are sold or scrapped at the rate
   ``1 / scrap_days`` (a switched-off machine's expected time to leave the network).
4. **The rest of the world's response to a new large actor** needs no rule of its own: a new
   actor raises difficulty, hashprice falls, the marginal cohorts switch off (rule 1) and
   fewer machines are bought (rule 2). ``hashtide.scenario.market`` instead uses an
   elasticity; here the response follows from costs.

Every parameter is in :class:`BehaviourParams` with its source.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import ndtr

from hashtide.errors import InvalidInputError
from hashtide.protocol.hashrate import HASHES_PER_DIFFICULTY
from hashtide.units import HS_PER_THS, SAT_PER_BTC, SECONDS_PER_DAY

FloatArray = npt.NDArray[np.float64]

#: Hours in a day times watts → kWh per day per watt: a 1 J/TH machine at 1 TH/s draws 1 W.
_KWH_PER_W_DAY = 24.0 / 1000.0


@dataclass(frozen=True, kw_only=True)
class BehaviourParams:
    """The behaviour rules' parameters, each with its source in :data:`PARAM_SOURCES`.

    Parameters
    ----------
    switch_smoothing_days : float
        Time constant of the hashprice average miners decide on [days], > 0.
    scrap_days : float
        Mean time a switched-off machine stays before it is sold or scrapped [days], > 0.
    lifetime_years : float
        Service life of a machine [years], > 0.
    lag_days : int
        Days from an order to the machine hashing, >= 1.
    fit_days : int
        Length of the window before the start date the entry rate is fitted on [days].
    supply_days : int
        Window before the start date whose net network growth sets the delivery pace [days].
    supply_cap_frac_per_month : float
        Most new hashrate that can arrive in 30 days, as a share of the running network.
    """

    switch_smoothing_days: float = 14.0
    scrap_days: float = 180.0
    lifetime_years: float = 5.0
    lag_days: int = 90
    fit_days: int = 730
    supply_days: int = 180
    supply_cap_frac_per_month: float = 0.15

    def __post_init__(self) -> None:
        problems = []
        for item in fields(self):
            value = getattr(self, item.name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                problems.append(f"{item.name}={value!r} must be a finite number > 0")
        for name in ("lag_days", "fit_days", "supply_days"):
            value = getattr(self, name)
            if isinstance(value, float) or (isinstance(value, int) and value < 1):
                problems.append(f"{name}={value!r} must be an integer >= 1 [days]")
        if problems:
            raise InvalidInputError("invalid BehaviourParams:\n  " + "\n  ".join(problems))

    def as_dict(self) -> dict[str, Any]:
        """The parameters by name."""
        return {item.name: getattr(self, item.name) for item in fields(self)}


#: Where each default of :class:`BehaviourParams` comes from.
PARAM_SOURCES: dict[str, str] = {
    "switch_smoothing_days": "assumption: one retarget period (2 weeks) of revenue; also the "
    "smoothing that keeps switching stable through the retarget (docs/market.md)",
    "scrap_days": "assumption: a machine switched off for about half a year is sold abroad or "
    "scrapped",
    "lifetime_years": "CBECI counts a machine for five years after release "
    "(ccaf_cbeci_api, energy_consumption_service.py, relativedelta(years=5))",
    "lag_days": "assumption: ASIC makers ship batches one to four months after payment; 90 "
    "days in the middle",
    "fit_days": "assumption: two years of history to fit the entry scale κ on",
    "supply_days": "assumption: makers deliver at the pace of the last half year; the supply "
    "limit is the network's net growth over the 180 days before the start plus replacements "
    "for the machines that leave (rule 3)",
    "supply_cap_frac_per_month": "assumption: the network never grew by more than about 15 % in "
    "a month from new machines (2016–2025 chain history)",
}


def hashprice_usd_per_th_day(
    difficulty: npt.ArrayLike,
    btc_price_usd: npt.ArrayLike,
    *,
    subsidy_sat: npt.ArrayLike,
    fees_btc_per_block: npt.ArrayLike,
) -> FloatArray:
    """Expected revenue of 1 TH/s for a day [USD/(TH/s)/day] (vectorised, no checks).

    Notes
    -----
    ``1e12 · 86,400 / (D · 2**32) · (subsidy + fees) · price``, the same quantity as
    :func:`hashtide.economics.hashprice_usd_per_th_day` (Hashrate Index's definition), here for
    arrays inside the simulation loop.
    """
    blocks_per_day = HS_PER_THS * SECONDS_PER_DAY / (np.asarray(difficulty) * HASHES_PER_DIFFICULTY)
    reward_btc = np.asarray(subsidy_sat) / SAT_PER_BTC + np.asarray(fees_btc_per_block)
    result: FloatArray = blocks_per_day * reward_btc * np.asarray(btc_price_usd)
    return result


def electricity_cost_usd_per_th_day(
    efficiency_j_per_th: npt.ArrayLike, price_usd_per_kwh: npt.ArrayLike, pue: npt.ArrayLike
) -> FloatArray:
    """Electricity cost of 1 TH/s for a day [USD/(TH/s)/day]: ``e · PUE · 24 h · p``."""
    result: FloatArray = (
        np.asarray(efficiency_j_per_th)
        * np.asarray(pue)
        * _KWH_PER_W_DAY
        * np.asarray(price_usd_per_kwh)
    )
    return result


def running_frac(
    hashprice_usd_per_th_day: npt.ArrayLike,
    efficiency_j_per_th: npt.ArrayLike,
    price_usd_per_kwh: npt.ArrayLike,
    *,
    spread: npt.ArrayLike,
    pue: npt.ArrayLike,
) -> FloatArray:
    """Share of a cohort's machines that run: those whose power price is below break-even.

    Parameters
    ----------
    hashprice_usd_per_th_day : array_like
        Revenue of 1 TH/s for a day [USD].
    efficiency_j_per_th : array_like
        The cohort's efficiency [J/TH].
    price_usd_per_kwh : array_like
        Median power price of the cohort's region [USD/kWh].
    spread : array_like
        Standard deviation of log power prices around the median [-].
    pue : array_like
        Facility overhead [-].

    Returns
    -------
    ndarray
        ``Φ((ln p* − ln p̄) / σ)`` with the break-even price ``p* = hashprice / (e · PUE ·
        24 h)``; arrays broadcast.

    Examples
    --------
    At break-even for the median miner half the machines run:

    >>> round(float(running_frac(0.0264, 100.0, 0.01, spread=0.5, pue=1.1)), 9)
    0.5
    """
    cost_at_one = electricity_cost_usd_per_th_day(efficiency_j_per_th, 1.0, pue)
    break_even = np.maximum(np.asarray(hashprice_usd_per_th_day) / cost_at_one, 1e-300)
    z = (np.log(break_even) - np.log(np.asarray(price_usd_per_kwh))) / np.asarray(spread)
    result: FloatArray = ndtr(z)
    return result


def new_machine_margin(
    hashprice_usd_per_th_day: npt.ArrayLike,
    efficiency_j_per_th: npt.ArrayLike,
    price_usd_per_kwh: npt.ArrayLike,
    pue: npt.ArrayLike,
) -> FloatArray:
    """``max(0, ln(hashprice / electricity cost))`` of the newest machines [-].

    0 when a new machine would not even pay its electricity; ln 2 when revenue is twice the
    electricity bill (payback of the machine's price twice as fast as at ln(1.41)…).
    """
    cost = electricity_cost_usd_per_th_day(efficiency_j_per_th, price_usd_per_kwh, pue)
    ratio = np.maximum(np.asarray(hashprice_usd_per_th_day) / cost, 1e-300)
    result: FloatArray = np.maximum(np.log(ratio), 0.0)
    return result


def order_rate(
    kappa_per_day: float, running_hs: npt.ArrayLike, margin: npt.ArrayLike
) -> FloatArray:
    """New hashrate ordered per day [H/s per day]: ``κ · H_running · margin``."""
    result: FloatArray = kappa_per_day * np.asarray(running_hs) * np.asarray(margin)
    return result


@dataclass(frozen=True, kw_only=True)
class EntryFit:
    """The fitted entry scale κ and what it was fitted on.

    Attributes
    ----------
    kappa_per_day : float
        New hashrate ordered per day per unit of running hashrate and of margin [1/day].
    first_day_s, last_day_s : float
        The fit window (midnights, UTC); ``last_day_s`` is before the start date.
    additions_hs : float
        Sum of the reconstructed additions over the window [H/s].
    predictor_hs : float
        Sum of ``H_running(t − lag) · margin(t − lag)`` over the window [H/s].
    net_growth_hs_per_day : float
        The supply pace: the network's net growth per day over the ``supply_days`` before the
        start [H/s per day] (0 until set).
    long_run_growth_hs_per_day : float
        The long-run supply pace: the net growth per day over the ``fit_days`` before the start
        [H/s per day] (0 until set); the pace moves to it in the second ``supply_days`` after
        the start (:func:`supply_pace`).
    """

    kappa_per_day: float
    first_day_s: float
    last_day_s: float
    additions_hs: float
    predictor_hs: float
    net_growth_hs_per_day: float = 0.0
    long_run_growth_hs_per_day: float = 0.0


def supply_pace(entry: EntryFit, days_after_start: npt.ArrayLike, supply_days: float) -> FloatArray:
    """The supply pace on each day [H/s per day] (rule 2's delivery limit beyond replacements).

    The net growth of the ``supply_days`` before the start holds for as long again after it
    (makers' order books and shipments of the last half year), then moves linearly over the
    next ``supply_days`` to the net growth of the two years before the start (a full ASIC cycle:
    makers keep their capacity through a bust and do not keep a boom's pace for years).

    Examples
    --------
    >>> fit = EntryFit(kappa_per_day=0.0, first_day_s=0.0, last_day_s=0.0, additions_hs=0.0,
    ...                predictor_hs=0.0, net_growth_hs_per_day=0.0,
    ...                long_run_growth_hs_per_day=10.0)
    >>> supply_pace(fit, [0.0, 180.0, 270.0, 360.0, 1000.0], 180.0).tolist()
    [0.0, 0.0, 5.0, 10.0, 10.0]
    """
    days = np.asarray(days_after_start, dtype=float)
    weight = np.clip((days - supply_days) / supply_days, 0.0, 1.0)
    short, long = entry.net_growth_hs_per_day, entry.long_run_growth_hs_per_day
    result: FloatArray = short + (long - short) * weight
    return result


def fit_entry(
    days_s: npt.ArrayLike,
    additions_hs: npt.ArrayLike,
    lagged_running_hs: npt.ArrayLike,
    lagged_margin: npt.ArrayLike,
) -> EntryFit:
    """Fit κ so that the entry rule reproduces the additions of a past window.

    Parameters
    ----------
    days_s : array_like
        The window's days (midnights UTC), all before the start date.
    additions_hs : array_like
        Hashrate added on each day [H/s] (from the fleet reconstruction).
    lagged_running_hs, lagged_margin : array_like
        Running hashrate [H/s] and new-machine margin ``lag_days`` before each day.

    Returns
    -------
    EntryFit

    Notes
    -----
    The ratio estimator ``κ = Σ A(t) / Σ H(t − L) m(t − L)``: over the window, the rule adds
    exactly the hashrate that was added. It is the least-squares fit of ``A = κ X`` with
    weights ``1 / X`` (variance proportional to the level), which keeps a few very large days
    from dominating.

    Examples
    --------
    >>> fit = fit_entry([0.0, 86400.0], [2.0, 4.0], [10.0, 10.0], [0.1, 0.5])
    >>> fit.kappa_per_day
    1.0
    """
    days = np.asarray(days_s, dtype=float)
    additions = np.asarray(additions_hs, dtype=float)
    predictor = np.asarray(lagged_running_hs, dtype=float) * np.asarray(lagged_margin, dtype=float)
    if days.size == 0 or not (days.shape == additions.shape == predictor.shape):
        raise InvalidInputError("fit_entry needs equally long, non-empty series")
    total_x = float(predictor.sum())
    total_a = float(additions.sum())
    kappa = total_a / total_x if total_x > 0 else 0.0
    return EntryFit(
        kappa_per_day=kappa,
        first_day_s=float(days[0]),
        last_day_s=float(days[-1]),
        additions_hs=total_a,
        predictor_hs=total_x,
    )
