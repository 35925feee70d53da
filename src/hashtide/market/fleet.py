"""The world fleet: installed machines by region and vintage, rebuilt for any past date.

:func:`build_fleet` reconstructs the fleet at a date from shipped data only:

* the network's hashrate from the chain history (each retarget period's implied hashrate);
* the hardware on sale at each time (:func:`new_machine_efficiency_j_per_th`: the median
  efficiency of the catalog models released in the twelve months before, older ASICs from the
  Bitcoin Wiki table before the catalog starts);
* the hashprice the network earned (difficulty, BTC price, fees);
* regional shares from the Cambridge mining map (:func:`hashtide.market.region_shares`);
* the behaviour rules of :mod:`hashtide.market.behaviour` with their stated parameters.

The reconstruction (:func:`reconstruct`) walks week by week from January 2012: machines age
and retire, switched-off machines are scrapped at the rule's rate, and the installed fleet is
topped up with the newest hardware (or, if more would run than the chain shows, trimmed from the
least efficient end) so that the running hashrate matches the chain's. Everything it uses is
dated before the fleet's date.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashtide.errors import InvalidInputError
from hashtide.hardware import catalog
from hashtide.market.behaviour import BehaviourParams, new_machine_margin, running_frac
from hashtide.market.data import MapQuote
from hashtide.market.events import Event, PowerCut
from hashtide.market.history import ChainHistory, MarketInputs, chain_history
from hashtide.market.nowcast import cut_running_frac
from hashtide.market.regions import DEFAULT_REGIONS, Region, region_shares
from hashtide.units import SECONDS_PER_DAY, SECONDS_PER_YEAR

FloatArray = npt.NDArray[np.float64]

#: ASICs from before the shipped catalog (which starts with the Antminer S9, July 2016):
#: (release month, J/TH, name). Efficiencies from the Bitcoin Wiki "Mining hardware comparison"
#: table (CC BY 3.0; ../shared/data/raw/asic/bitcoin_wiki_mining_hardware_comparison.csv:
#: 1e6 / Mhash per J); release months as Bitmain announced them (assumption: not in the table).
PRE_CATALOG_ASICS: tuple[tuple[str, float, str], ...] = (
    ("2013-11", 2000.0, "AntMiner S1"),
    ("2014-07", 769.2, "AntMiner S3"),
    ("2014-12", 511.0, "AntMiner S5"),
    ("2015-09", 250.0, "AntMiner S7"),
)
#: Efficiency assumed for machines deployed before the first ASIC above [J/TH].
EARLIEST_EFFICIENCY_J_PER_TH = 5000.0
#: Months of releases averaged into the "hardware on sale" efficiency.
ON_SALE_MONTHS = 12
#: Installed machines per running machine a region may hold at the start (a region whose
#: power looks too dear to run anything would otherwise get an absurd idle fleet).
MAX_IDLE_RATIO = 3.0
_RECONSTRUCTION_START = dt.date(2012, 1, 2)

_WEEK_S = 7 * SECONDS_PER_DAY


def _month_s(month: str) -> float:
    return dt.datetime(int(month[:4]), int(month[5:7]), 1, tzinfo=dt.UTC).timestamp()


@functools.cache
def _releases() -> tuple[FloatArray, FloatArray]:
    table = catalog().dropna(subset=["release"])
    times = [_month_s(m) for m, _, _ in PRE_CATALOG_ASICS] + [_month_s(m) for m in table.release]
    values = [e for _, e, _ in PRE_CATALOG_ASICS] + list(table.efficiency_j_per_th)
    order = np.argsort(times, kind="stable")
    return np.asarray(times, dtype=float)[order], np.asarray(values, dtype=float)[order]


def _month_number(time_s: FloatArray) -> npt.NDArray[np.int64]:
    """Months since January 1970 of each time (UTC)."""
    days = np.floor(np.asarray(time_s, dtype=float) / SECONDS_PER_DAY).astype("datetime64[D]")
    return days.astype("datetime64[M]").astype(np.int64)


@functools.cache
def _on_sale_in_month(month: int) -> float:
    """:func:`new_machine_efficiency_j_per_th` for a month (months since January 1970)."""
    times, values = _releases()
    release_month = _month_number(times)
    recent = (release_month <= month) & (release_month > month - ON_SALE_MONTHS)
    if recent.any():
        return float(np.median(values[recent]))
    older = np.flatnonzero(release_month <= month)
    return float(values[older[-1]]) if older.size else EARLIEST_EFFICIENCY_J_PER_TH


def new_machine_efficiency_j_per_th(time_s: npt.ArrayLike) -> FloatArray:
    """Efficiency of the machines on sale at each time [J/TH].

    The median of the models released in the :data:`ON_SALE_MONTHS` calendar months up to and
    including the time's month (the newest model's if none was), from the shipped catalog and
    :data:`PRE_CATALOG_ASICS`.
    Catalog models without a release month (S21, S21 Pro, S21+, M66) are not used.

    Examples
    --------
    >>> t = dt.datetime(2021, 5, 1, tzinfo=dt.UTC).timestamp()
    >>> float(new_machine_efficiency_j_per_th(t))  # June 2020 … May 2021: 34, 31 and 38 J/TH
    34.0
    """
    query = np.atleast_1d(np.asarray(time_s, dtype=float))
    # Releases are dated by month: the machines on sale depend only on the calendar month.
    months, where = np.unique(_month_number(query.ravel()), return_inverse=True)
    by_month = np.array([_on_sale_in_month(int(m)) for m in months])
    out = by_month[where.ravel()]
    result: FloatArray = out.reshape(np.shape(time_s))
    return result


@dataclass(frozen=True, kw_only=True, eq=False)
class Reconstruction:
    """The weekly reconstruction of the world fleet up to a date.

    Attributes
    ----------
    week_s : ndarray
        Start of each week [s since 1970 UTC].
    running_hs : ndarray
        The chain's hashrate in each week [H/s] (the target the fleet matched).
    added_hs : ndarray
        Nameplate hashrate added in each week [H/s].
    hashprice_usd_per_th_day : ndarray
        Hashprice the network earned [USD/(TH/s)/day], and ``smoothed`` its moving average.
    margin : ndarray
        Margin of the newest machines, ``max(0, ln(hashprice / cost))`` [-].
    vintage_deployed_s, vintage_efficiency_j_per_th, vintage_capacity_hs : ndarray
        The surviving installed machines at the end, one entry per week of deployment.
    world_price_usd_per_kwh : ndarray
        The share-weighted median power price of each week [USD/kWh].
    """

    week_s: FloatArray
    running_hs: FloatArray
    added_hs: FloatArray
    hashprice_usd_per_th_day: FloatArray
    smoothed: FloatArray
    margin: FloatArray
    world_price_usd_per_kwh: FloatArray
    vintage_deployed_s: FloatArray
    vintage_efficiency_j_per_th: FloatArray
    vintage_capacity_hs: FloatArray


def _world_levels(
    week_s: FloatArray, regions: Sequence[Region], quotes: Sequence[MapQuote] | None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Share-weighted median price (geometric), availability and PUE of the world per week."""
    months = week_s.astype("datetime64[s]").astype("datetime64[M]")
    cache: dict[np.datetime64, FloatArray] = {}
    weights = np.empty((week_s.size, len(regions)))
    for i, month in enumerate(months):
        if month not in cache:
            day = month.astype(dt.date)
            shares = region_shares(day, regions, quotes=quotes)
            cache[month] = np.array([shares[r.key] for r in regions])
        weights[i] = cache[month]
    prices = np.stack([np.asarray(r.power_price_at(week_s), dtype=float) for r in regions], 1)
    avails = np.stack([np.asarray(r.availability_at(week_s), dtype=float) for r in regions], 1)
    pues = np.array([r.pue for r in regions])
    price: FloatArray = np.exp(np.sum(weights * np.log(prices), axis=1))
    avail: FloatArray = np.sum(weights * avails, axis=1)
    pue: FloatArray = weights @ pues
    return price, avail, pue


def _uncut_factors(
    history: ChainHistory,
    periods: npt.NDArray[np.int64],
    cuts: Sequence[PowerCut],
    regions: Sequence[Region],
    quotes: Sequence[MapQuote] | None,
) -> FloatArray:
    """Per period in ``periods``: the mean share of the fleet the ``cuts`` left running over it
    (hourly, the regions' shares of the period's month; 1 where no cut overlaps)."""
    factors = np.ones(periods.size)
    for i, k in enumerate(periods):
        first = float(history.start_s[k])
        last = first + float(history.duration_s[k])
        if not any(c.start_s < last and c.end_s > first for c in cuts):
            continue
        day = dt.datetime.fromtimestamp(first, tz=dt.UTC).date()
        shares = region_shares(day, regions, quotes=quotes)
        hours = np.arange(first, last, 3600.0) + 1800.0
        factors[i] = float(np.mean([cut_running_frac(cuts, shares, float(t)) for t in hours]))
        if not factors[i] > 0.0:
            names = [c.name for c in cuts if c.start_s < last and c.end_s > first]
            raise InvalidInputError(
                f"the power cuts {names} leave no machine running over the whole retarget period "
                f"from block {int(history.start_height[k]):,}: the fleet they idled cannot be "
                "read from the chain's hashrate (give the cut an available share above 0)"
            )
    return factors


def reconstruct(
    until_s: float,
    *,
    regions: Sequence[Region] = DEFAULT_REGIONS,
    params: BehaviourParams | None = None,
    quotes: Sequence[MapQuote] | None = None,
    inputs: MarketInputs | None = None,
    spread: float | None = None,
    events: Sequence[Event] = (),
) -> Reconstruction:
    """Rebuild the installed fleet week by week from January 2012 to ``until_s``.

    Each week: the moving average of hashprice is updated; machines past their lifetime
    retire; switched-off machines are scrapped at the rate ``1 / scrap_days``; then, if the
    machines that would run fall short of the chain's hashrate, new ones (the hardware on sale
    that week) are added to close the gap, else the least efficient are removed until they
    match. The world is one pool here: its median power price is the share-weighted geometric
    mean of the regions' (with their monthly factors) and its availability the share-weighted
    mean. Only data dated before ``until_s`` is read.

    A power cut among ``events`` that began by ``until_s`` (a known outage, such as April 2021's
    Xinjiang blackout) is not read as machines gone: a period's hashrate is divided by the share
    of the fleet the cuts left running over it (as :func:`hashtide.market.nowcast.with_cuts`
    does for the start), so the cut's machines stay installed, idle, and are not re-bought when
    the chain recovers.
    """
    params = BehaviourParams() if params is None else params
    inputs = MarketInputs.shipped() if inputs is None else inputs
    history = chain_history()
    start_s = dt.datetime.combine(_RECONSTRUCTION_START, dt.time(), tzinfo=dt.UTC).timestamp()
    weeks = np.arange(start_s, until_s - _WEEK_S + 1.0, _WEEK_S)
    if weeks.size < 10:
        earliest = _RECONSTRUCTION_START + dt.timedelta(weeks=10)
        day = dt.datetime.fromtimestamp(until_s, tz=dt.UTC).date()
        raise InvalidInputError(
            f"a fleet can be rebuilt only from {earliest} on (ten weeks of the chain from "
            f"{_RECONSTRUCTION_START}); {day} is earlier"
        )
    known = history.start_s[1:] <= until_s  # periods that ended before until_s
    last_complete = int(np.flatnonzero(known)[-1]) if known.any() else 0
    index = np.minimum(history.index_at(weeks), last_complete)
    target = history.hashrate_hs[index]
    cuts = tuple(e for e in events if isinstance(e, PowerCut) and e.start_s <= until_s)
    if cuts:
        periods, where = np.unique(index, return_inverse=True)
        factors = _uncut_factors(history, periods, cuts, regions, quotes)
        target = target / factors[where.ravel()]
    hashprice = inputs.hashprice(weeks, history.difficulty[index], history.height_at(weeks))
    price, avail, pue = _world_levels(weeks, regions, quotes)
    sigma = float(np.mean([r.power_price_spread for r in regions])) if spread is None else spread
    new_eff = new_machine_efficiency_j_per_th(weeks)
    alpha = 1.0 - np.exp(-7.0 / params.switch_smoothing_days)
    scrap = 7.0 / params.scrap_days
    life_s = params.lifetime_years * SECONDS_PER_YEAR

    deployed: list[float] = []
    efficiency: list[float] = []
    capacity: list[float] = []
    added = np.zeros(weeks.size)
    smoothed = np.empty(weeks.size)
    ema = float(hashprice[0])
    for i, week in enumerate(weeks):
        ema += alpha * (float(hashprice[i]) - ema)
        smoothed[i] = ema
        cap = np.asarray(capacity)
        eff = np.asarray(efficiency)
        if cap.size:
            on = running_frac(ema, eff, price[i], spread=sigma, pue=pue[i])
            alive = (week - np.asarray(deployed)) < life_s
            cap = np.where(alive, cap * (1.0 - (1.0 - on) * scrap), 0.0)
            running = float(np.sum(cap * on)) * avail[i]
        else:
            on = np.zeros(0)
            running = 0.0
        if running < target[i]:
            on_new = float(running_frac(ema, new_eff[i], price[i], spread=sigma, pue=pue[i]))
            add = (target[i] - running) / (max(on_new, 0.05) * avail[i])
            deployed.append(float(week))
            efficiency.append(float(new_eff[i]))
            cap = np.append(cap, add)
            added[i] = add
        elif running > target[i] and cap.size:
            excess = (running - target[i]) / avail[i]
            for j in np.argsort(-eff, kind="stable"):
                if excess <= 0:
                    break
                if on[j] <= 1e-12:
                    continue
                take = min(cap[j] * on[j], excess)
                cap[j] -= take / on[j]
                excess -= take
        capacity = [float(c) for c in cap]
        # Drop emptied entries to keep the lists short.
        keep = [k for k, c in enumerate(capacity) if c > 0]
        deployed = [deployed[k] for k in keep]
        efficiency = [efficiency[k] for k in keep]
        capacity = [capacity[k] for k in keep]
    margin = new_machine_margin(smoothed, new_eff, price, pue)
    return Reconstruction(
        week_s=weeks,
        running_hs=target,
        added_hs=added,
        hashprice_usd_per_th_day=hashprice,
        smoothed=smoothed,
        margin=margin,
        world_price_usd_per_kwh=price,
        vintage_deployed_s=np.asarray(deployed, dtype=float),
        vintage_efficiency_j_per_th=np.asarray(efficiency, dtype=float),
        vintage_capacity_hs=np.asarray(capacity, dtype=float),
    )


@dataclass(frozen=True, kw_only=True, eq=False)
class WorldFleet:
    """The installed fleet at one moment, by region and vintage.

    Attributes
    ----------
    time_s : float
        The moment [s since 1970 UTC].
    regions : tuple of Region
    shares : dict
        Each region's share of the running hashrate at ``time_s`` [0–1].
    vintage_deployed_s : ndarray, shape (V,)
        Start of each vintage's deployment quarter [s].
    vintage_efficiency_j_per_th : ndarray, shape (V,)
    capacity_hs : ndarray, shape (R, V)
        Installed nameplate hashrate [H/s].
    running_hs : float
        The network hashrate the fleet was matched to [H/s].
    smoothed_hashprice_usd_per_th_day : float
        The hashprice average miners decide on at ``time_s``.
    reconstruction : Reconstruction
        How it was rebuilt (for the entry fit and for plots).
    spread : float or None
        Override of every region's power-price spread, if any.
    """

    time_s: float
    regions: tuple[Region, ...]
    shares: dict[str, float]
    vintage_deployed_s: FloatArray
    vintage_efficiency_j_per_th: FloatArray
    capacity_hs: FloatArray
    running_hs: float
    smoothed_hashprice_usd_per_th_day: float
    reconstruction: Reconstruction
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def region_keys(self) -> tuple[str, ...]:
        """Region keys, the order of the first axis of :attr:`capacity_hs`."""
        return tuple(r.key for r in self.regions)

    def running_by_region_hs(self, hashprice_usd_per_th_day: float | None = None) -> FloatArray:
        """Hashrate each region runs at ``time_s`` for a (smoothed) hashprice [H/s]."""
        hp = (
            self.smoothed_hashprice_usd_per_th_day
            if hashprice_usd_per_th_day is None
            else (hashprice_usd_per_th_day)
        )
        rows = []
        for r, region in enumerate(self.regions):
            on = running_frac(
                hp,
                self.vintage_efficiency_j_per_th,
                region.power_price_at(self.time_s),
                spread=region.power_price_spread,
                pue=region.pue,
            )
            rows.append(
                float(np.sum(self.capacity_hs[r] * on)) * float(region.availability_at(self.time_s))
            )
        return np.asarray(rows)

    def power_w(self) -> float:
        """Facility power of the running machines at ``time_s`` [W]."""
        total = 0.0
        for r, region in enumerate(self.regions):
            on = running_frac(
                self.smoothed_hashprice_usd_per_th_day,
                self.vintage_efficiency_j_per_th,
                region.power_price_at(self.time_s),
                spread=region.power_price_spread,
                pue=region.pue,
            )
            hs = self.capacity_hs[r] * on * float(region.availability_at(self.time_s))
            total += float(np.sum(hs / 1e12 * self.vintage_efficiency_j_per_th)) * region.pue
        return total

    def frame(self) -> pd.DataFrame:
        """One row per region and vintage: installed TH/s, efficiency, deployment quarter."""
        rows = []
        for r, key in enumerate(self.region_keys):
            for v, deployed in enumerate(self.vintage_deployed_s):
                rows.append(
                    {
                        "region": key,
                        "deployed": pd.Timestamp(deployed, unit="s", tz="UTC"),
                        "efficiency_j_per_th": float(self.vintage_efficiency_j_per_th[v]),
                        "capacity_hs": float(self.capacity_hs[r, v]),
                    }
                )
        return pd.DataFrame(rows)


def _quarter_start(time_s: float) -> float:
    moment = dt.datetime.fromtimestamp(time_s, tz=dt.UTC)
    quarter = (moment.month - 1) // 3 * 3 + 1
    return dt.datetime(moment.year, quarter, 1, tzinfo=dt.UTC).timestamp()


def build_fleet(
    time_s: float,
    *,
    regions: Sequence[Region] = DEFAULT_REGIONS,
    params: BehaviourParams | None = None,
    quotes: Sequence[MapQuote] | None = None,
    inputs: MarketInputs | None = None,
    running_hs: float | None = None,
    shares: dict[str, float] | None = None,
    events: Sequence[Event] = (),
) -> WorldFleet:
    """The world fleet at ``time_s``, rebuilt from data before it.

    Parameters
    ----------
    time_s : float
        The moment [s since 1970 UTC], e.g. the first block of a retarget period.
    regions : sequence of Region
        With their assumptions (default :data:`DEFAULT_REGIONS`).
    params : BehaviourParams, optional
    quotes : sequence of MapQuote, optional
        Mining-map figures (default: shipped).
    inputs : MarketInputs, optional
        Price and fee series (default: shipped).
    running_hs : float, optional
        The network hashrate to match [H/s]; default: the mean hashrate of the newest
        retarget period that ended by ``time_s``.
    shares : dict, optional
        Region shares of the running hashrate (default: :func:`region_shares` at the date).
    events : sequence of events, optional
        The power cuts among them that began by ``time_s`` idle machines in the reconstruction
        instead of retiring them (:func:`reconstruct`).

    Returns
    -------
    WorldFleet

    Notes
    -----
    Vintages are merged by deployment quarter (capacity-weighted efficiency). The vintage mix
    is the same in every region (CBECI publishes no vintage by region); region ``r`` holds
    ``C_r = s_r H / (a_r Σ_v x_v f_rv)`` installed, where ``s_r`` is its share, ``a_r`` its
    availability, ``x_v`` the vintage mix and ``f_rv`` the running share at the region's power
    price — so that each region runs exactly its share — capped at :data:`MAX_IDLE_RATIO`
    times what it runs.
    """
    params = BehaviourParams() if params is None else params
    regions = tuple(regions)
    history = chain_history()
    recon = reconstruct(
        time_s, regions=regions, params=params, quotes=quotes, inputs=inputs, events=events
    )
    if running_hs is None:
        ended = np.flatnonzero(history.start_s[1:] <= time_s)
        if ended.size == 0:
            raise InvalidInputError("no retarget period ended before the fleet's date")
        running_hs = float(history.hashrate_hs[ended[-1]])
    date = dt.datetime.fromtimestamp(time_s, tz=dt.UTC).date()
    shares = region_shares(date, regions, quotes=quotes) if shares is None else dict(shares)
    if set(shares) != {r.key for r in regions}:
        raise InvalidInputError(
            f"shares name {sorted(shares)}, expected the regions {[r.key for r in regions]}"
        )
    life_s = params.lifetime_years * SECONDS_PER_YEAR
    alive = (time_s - recon.vintage_deployed_s) < life_s
    quarters = np.array([_quarter_start(t) for t in recon.vintage_deployed_s[alive]])
    caps = recon.vintage_capacity_hs[alive]
    effs = recon.vintage_efficiency_j_per_th[alive]
    unique = np.unique(quarters)
    mix = np.array([caps[quarters == q].sum() for q in unique])
    eff = np.array(
        [
            np.sum(caps[quarters == q] * effs[quarters == q]) / caps[quarters == q].sum()
            for q in unique
        ]
    )
    if mix.sum() <= 0:
        raise InvalidInputError("the reconstruction left no machines")
    mix = mix / mix.sum()
    hashprice = float(recon.smoothed[-1])
    capacity = np.zeros((len(regions), unique.size))
    notes = []
    for r, region in enumerate(regions):
        on = running_frac(
            hashprice,
            eff,
            region.power_price_at(time_s),
            spread=region.power_price_spread,
            pue=region.pue,
        )
        running_per_unit = float(np.sum(mix * on)) * float(region.availability_at(time_s))
        ratio = 1.0 / max(running_per_unit, 1.0 / MAX_IDLE_RATIO)
        if running_per_unit < 1.0 / MAX_IDLE_RATIO:
            notes.append(
                f"{region.key}: only {running_per_unit:.0%} of its machines would run at "
                f"{hashprice * 1000:.0f} USD/PH/day; idle fleet capped at {MAX_IDLE_RATIO:g}×"
            )
        capacity[r] = shares[region.key] * running_hs * ratio * mix
    fleet = WorldFleet(
        time_s=float(time_s),
        regions=regions,
        shares=shares,
        vintage_deployed_s=unique,
        vintage_efficiency_j_per_th=eff,
        capacity_hs=capacity,
        running_hs=float(running_hs),
        smoothed_hashprice_usd_per_th_day=hashprice,
        reconstruction=recon,
        notes=tuple(notes),
    )
    # A capped region runs less than its share: rescale so the network matches running_hs.
    actual = float(fleet.running_by_region_hs().sum())
    if actual > 0:
        object.__setattr__(fleet, "capacity_hs", capacity * (running_hs / actual))
    return fleet
