"""Mining regions: where the world's machines run, what their power costs, how dirty it is.

A :class:`Region` carries every assumption the market model makes about a place: the median
power price its miners pay and how widely contracts spread around it, the facility overhead
(PUE), a monthly availability profile and monthly power-price factors (Sichuan's and Yunnan's
hydro is cheap and plentiful in the wet season, May–October), where its carbon intensity and
renewable share come from, and — for the parts of mainland China — its share of China's mining
month by month (miners moved to the hydro provinces for the wet season and back to the coal
provinces for the dry one). :data:`DEFAULT_REGIONS` are the regions of the Cambridge Bitcoin
Mining Map, with mainland China split three ways. Every default names its source in
:attr:`Region.sources`; a scenario file can override the power price, its spread, the PUE, the
availability and the price factors (``network.regions``).

:func:`region_shares` turns the shipped mining-map figures into each region's share of world
hashrate at a date, using only months that ended before it; :func:`china_split` gives the
seasonal split of China's mining the world market's carbon accounting uses.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from hashtide.energy import (
    china_hydro_season,
    fuel_renewable_frac,
    grid_intensity_g_per_kwh,
    grid_renewable_frac,
    lifecycle_intensity_g_per_kwh,
)
from hashtide.errors import InvalidInputError
from hashtide.market.data import CHINA_PROVINCES, MapQuote, mining_map_quotes

FloatArray = npt.NDArray[np.float64]

_FLAT = (1.0,) * 12

#: Sichuan/Yunnan wet season (May–October) at full availability, the dry season (December–
#: April) at 0.75 and November between. SCMP (2019-10-30): the rainy season "starts in May and
#: lasts about four to five months", https://www.scmp.com/business/banking-finance/article/
#: 3035665/cryptocurrency-miners-tap-sichuans-cheap-hydropower ; the dry-season level is an
#: assumption (miners moved part of their machines to Xinjiang for the winter, 8btc 2019).
HYDRO_AVAILABILITY = (0.75, 0.75, 0.75, 0.75, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.9, 0.75)
#: Power price factors over the region's median for the same months: wet season 0.6 × 0.04 ≈
#: 0.025 USD/kWh, dry season 0.04 USD/kWh. 8btc (2019-03): "In the period of high water, the
#: cost of electricity in Sichuan can be as low as 0.08 yuan ($0.01), while the electricity cost
#: of thermal power in dry season is 0.28 yuan ($0.04)",
#: https://news.8btc.com/bitcoin-mining-rigs-are-moved-to-sichuan-as-wet-season-draws-near
HYDRO_PRICE_FACTORS = (1.0, 1.0, 1.0, 1.0, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.8, 1.0)


def _fracs(name: str, values: Sequence[float], *, low: float, high: float) -> tuple[float, ...]:
    out = tuple(float(v) for v in values)
    if len(out) != 12:
        raise InvalidInputError(f"{name} must hold 12 monthly values (January first)")
    for k, v in enumerate(out):
        if not (math.isfinite(v) and low <= v <= high):
            raise InvalidInputError(f"{name}[{k}] = {v!r} must be between {low} and {high}")
    return out


@dataclass(frozen=True, kw_only=True)
class Region:
    """A mining region and the market model's assumptions about it.

    Parameters
    ----------
    key : str
        Identifier (``"united_states"``); also the engine actor's name.
    name : str
        Display name.
    power_price_usd_per_kwh : float
        Median power price its miners pay [USD/kWh], > 0.
    power_price_spread : float
        Standard deviation of the logarithm of miners' power prices around the median [-]
        (0.5: the middle two thirds pay between 0.6 and 1.65 times the median), > 0.
    pue : float
        Facility power / machine power [-], >= 1.
    availability_fracs : tuple of 12 floats
        Share of the region's machines that can run in each calendar month (UTC), 0–1.
    price_factors : tuple of 12 floats
        Monthly multipliers of the median power price, > 0.
    carbon_grid : str or None
        Ember/OWID region whose yearly grid carbon intensity applies (``"China"``).
    carbon_fuel : str or None
        Or an IPCC AR5 lifecycle fuel (``"hydro"``, ``"coal"``).
    carbon_g_per_kwh : float or None
        Or a fixed intensity [gCO2e/kWh] — exactly one of the three.
    renewable_share_frac : float or None
        With ``carbon_g_per_kwh``: the renewable share of its power [0–1] (None: unknown).
    in_china : bool
        Part of mainland China (a China-wide ban or share applies to it).
    china_frac : float
        For a part of China: its share of China's hashrate (province shares, April 2020).
    china_fracs : tuple of 12 floats or None
        For a part of China whose share follows the seasons: its share of China's mining in
        each calendar month (January first), 0–1. Used for carbon accounting: the parts of China
        that have one share one seasonal carbon mix (:func:`china_split`); the hashrate model
        keeps ``china_frac``.
    sources : dict
        Where each assumption comes from, by parameter name.
    """

    key: str
    name: str
    power_price_usd_per_kwh: float
    power_price_spread: float = 0.6
    pue: float = 1.1
    availability_fracs: tuple[float, ...] = _FLAT
    price_factors: tuple[float, ...] = _FLAT
    carbon_grid: str | None = None
    carbon_fuel: str | None = None
    carbon_g_per_kwh: float | None = None
    renewable_share_frac: float | None = None
    in_china: bool = False
    china_frac: float = 0.0
    china_fracs: tuple[float, ...] | None = None
    sources: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = []
        if not self.key or not self.key.replace("_", "").isalnum():
            problems.append(f"key={self.key!r} must be letters, digits and underscores")
        for name, low in (("power_price_usd_per_kwh", 0.0), ("power_price_spread", 0.0)):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > low):
                problems.append(f"{name}={value!r} must be a finite number > {low}")
        if not (math.isfinite(self.pue) and self.pue >= 1):
            problems.append(f"pue={self.pue!r} must be >= 1")
        given = [x is not None for x in (self.carbon_grid, self.carbon_fuel, self.carbon_g_per_kwh)]
        if sum(given) != 1:
            problems.append("give exactly one of carbon_grid, carbon_fuel and carbon_g_per_kwh")
        elif self.carbon_g_per_kwh is not None and not (
            math.isfinite(self.carbon_g_per_kwh) and self.carbon_g_per_kwh >= 0
        ):
            problems.append(f"carbon_g_per_kwh={self.carbon_g_per_kwh!r} must be >= 0")
        if not 0 <= self.china_frac <= 1:
            problems.append(f"china_frac={self.china_frac!r} must be between 0 and 1")
        if self.renewable_share_frac is not None and not (
            math.isfinite(self.renewable_share_frac) and 0 <= self.renewable_share_frac <= 1
        ):
            problems.append(
                f"renewable_share_frac={self.renewable_share_frac!r} must be between 0 and 1"
            )
        if self.china_fracs is not None:
            if not self.in_china:
                problems.append("china_fracs is for a part of mainland China (in_china)")
            try:
                fracs = _fracs("china_fracs", self.china_fracs, low=0.0, high=1.0)
                object.__setattr__(self, "china_fracs", fracs)
            except InvalidInputError as exc:
                problems.append(str(exc))
        try:
            object.__setattr__(
                self,
                "availability_fracs",
                _fracs("availability_fracs", self.availability_fracs, low=0.0, high=1.0),
            )
            factors = _fracs("price_factors", self.price_factors, low=1e-6, high=1e6)
            object.__setattr__(self, "price_factors", factors)
        except InvalidInputError as exc:
            problems.append(str(exc))
        if problems:
            raise InvalidInputError(f"invalid Region {self.key!r}:\n  " + "\n  ".join(problems))
        object.__setattr__(self, "sources", dict(self.sources))

    def availability_at(self, time_s: npt.ArrayLike) -> FloatArray:
        """Share of machines that can run at each time (by calendar month, UTC)."""
        return np.asarray(self.availability_fracs)[_month_index(time_s)]

    def power_price_at(self, time_s: npt.ArrayLike) -> FloatArray:
        """Median power price at each time [USD/kWh] (monthly factors applied)."""
        factors = np.asarray(self.price_factors)[_month_index(time_s)]
        result: FloatArray = self.power_price_usd_per_kwh * factors
        return result

    def carbon_intensity_g_per_kwh(self, year: int) -> float:
        """Carbon intensity of the region's mining power in ``year`` [gCO2e/kWh].

        The Ember grid average of ``carbon_grid`` (nearest year the data has), the IPCC AR5
        lifecycle median of ``carbon_fuel``, or the fixed ``carbon_g_per_kwh``.
        """
        if self.carbon_g_per_kwh is not None:
            return float(self.carbon_g_per_kwh)
        if self.carbon_fuel is not None:
            return lifecycle_intensity_g_per_kwh(self.carbon_fuel)
        return grid_intensity_g_per_kwh(str(self.carbon_grid), year, nearest=True)

    def renewable_frac_in(self, year: int) -> float:
        """Renewable share of the region's mining power in ``year`` [0–1] (NaN: unknown).

        The grid's (``carbon_grid``, nearest year the data has), 1 or 0 for a ``carbon_fuel``
        (hydro, wind, solar, geothermal and biomass are renewable), or ``renewable_share_frac``.
        """
        if self.carbon_g_per_kwh is not None:
            given = self.renewable_share_frac
            return math.nan if given is None else float(given)
        if self.carbon_fuel is not None:
            return fuel_renewable_frac(self.carbon_fuel)
        return grid_renewable_frac(str(self.carbon_grid), year, nearest=True)

    def china_frac_at(self, time_s: npt.ArrayLike) -> FloatArray:
        """Share of China's hashrate in this region at each time [0–1].

        ``china_fracs`` read as the values at mid-month, linearly interpolated between (so the
        move in May and November takes about a month), or the constant ``china_frac``.
        """
        times = np.asarray(time_s, dtype=float)
        if self.china_fracs is None:
            return np.full(times.shape, self.china_frac)
        days = np.floor(times / 86_400.0).astype("datetime64[D]")
        month = days.astype("datetime64[M]")
        start = month.astype("datetime64[D]").astype(np.int64)
        length = (month + 1).astype("datetime64[D]").astype(np.int64) - start
        into = (times / 86_400.0 - start) / length
        position = month.astype(np.int64) % 12 + into - 0.5
        low = np.floor(position).astype(np.int64)
        weight = position - low
        values = np.asarray(self.china_fracs)
        result: FloatArray = values[low % 12] * (1 - weight) + values[(low + 1) % 12] * weight
        return result

    def with_overrides(self, **changes: object) -> Region:
        """A copy with some assumptions changed (``sources`` records the override)."""
        sources = dict(self.sources)
        for name in changes:
            if name != "sources":
                sources[name] = "scenario file"
        return replace(self, **changes, sources=sources)  # type: ignore[arg-type]


def _month_index(time_s: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Calendar month (0 = January, UTC) of each time [s since 1970]."""
    days = np.floor(np.asarray(time_s, dtype=float) / 86_400.0).astype("datetime64[D]")
    months = days.astype("datetime64[M]").astype(np.int64) % 12
    return months


_CBECI = (
    "CBECI's default power price, 0.05 USD/kWh (Cambridge Bitcoin Electricity Consumption Index "
    "methodology)"
)
_NBS = (
    "the provinces' generation mix of each year 2019-2021 (National Bureau of Statistics of "
    "China via huaon.com, compiled by CCAF for the CBECI China provincial power mix) × IPCC AR5 "
    "lifecycle medians (thermal as coal 820, hydro 24, wind 12, solar 48 g/kWh), the provinces "
    "weighted by their April 2020 mining shares (scripts/build_carbon_factors.py)"
)
_SEASON = (
    "CCAF published China's provincial split for April 2020 only (Sichuan & Yunnan 15.08 % of "
    "65.08 %: 0.232); the other months are inferred from CBECI's monthly emission intensity, "
    "September 2019 - December 2020, with hashtide's factors (china_hydro_season.csv, "
    "scripts/build_carbon_factors.py): {values}"
)
#: China's mining outside the four big provinces (April 2020): it does not follow the seasons.
_OTHER_CHINA_FRAC = 1.0 - (0.0966 + 0.0542 + 0.3576 + 0.0807) / 0.6508
_HYDRO_SEASON = china_hydro_season()
_SEASON_TEXT = ", ".join(f"{v:.2f}" for v in _HYDRO_SEASON)
_PRICE_NOTE = (
    "assumption: a round value near what miners there were reported to pay; no published "
    "average exists. Override it in the scenario file."
)

#: The default regions: the Cambridge Bitcoin Mining Map's countries, China split three ways.
DEFAULT_REGIONS: tuple[Region, ...] = (
    Region(
        key="china_hydro",
        name="China: Sichuan & Yunnan (hydro)",
        power_price_usd_per_kwh=0.04,
        availability_fracs=HYDRO_AVAILABILITY,
        price_factors=HYDRO_PRICE_FACTORS,
        carbon_grid="China: Sichuan & Yunnan (mining-weighted)",
        in_china=True,
        china_frac=(0.0966 + 0.0542) / 0.6508,
        china_fracs=_HYDRO_SEASON,
        sources={
            "power_price_usd_per_kwh": "dry-season thermal price 0.28 yuan ≈ 0.04 USD/kWh (8btc, "
            "2019-03); wet-season factor 0.6 (0.025 USD/kWh; 'as low as 0.08 yuan')",
            "availability_fracs": "wet season May–Oct (SCMP 2019-10-30); dry-season level 0.75 "
            "an assumption",
            "carbon": f"121-140 g/kWh (2019-2021), renewable 85-88 %: {_NBS}; Sichuan 82-84 % "
            "and Yunnan 79-82 % hydro",
            "china_frac": "CCAF mining map, April 2020: Sichuan 9.66 % + Yunnan 5.42 % of a "
            "China total of 65.08 % (CoinDesk 2020-05-07)",
            "china_fracs": "share of China's mining, January … December: "
            + _SEASON.format(values=_SEASON_TEXT),
        },
    ),
    Region(
        key="china_coal",
        name="China: Xinjiang & Inner Mongolia (coal)",
        power_price_usd_per_kwh=0.045,
        carbon_grid="China: Xinjiang & Inner Mongolia (mining-weighted)",
        in_china=True,
        china_frac=(0.3576 + 0.0807) / 0.6508,
        china_fracs=tuple(1.0 - _OTHER_CHINA_FRAC - v for v in _HYDRO_SEASON),
        sources={
            "power_price_usd_per_kwh": "thermal power about 0.28-0.30 yuan/kWh (8btc 2019-03); "
            + _PRICE_NOTE,
            "carbon": f"663-673 g/kWh (2019-2021), renewable 18-20 %: {_NBS}; Xinjiang 79-81 % "
            "and Inner Mongolia 82-86 % thermal",
            "china_frac": "CCAF mining map, April 2020: Xinjiang 35.76 % + Inner Mongolia "
            "8.07 % of 65.08 %",
            "china_fracs": "the rest of the two mining regions' share of China after Sichuan & "
            "Yunnan's (see there); the miners moved between them with the seasons",
        },
    ),
    Region(
        key="china_other",
        name="China: other provinces",
        power_price_usd_per_kwh=0.05,
        carbon_grid="China",
        in_china=True,
        china_frac=_OTHER_CHINA_FRAC,
        sources={
            "power_price_usd_per_kwh": _CBECI,
            "carbon": "Ember grid average, China",
            "china_frac": "the rest of China's 65.08 % (April 2020)",
        },
    ),
    Region(
        key="united_states",
        name="United States",
        power_price_usd_per_kwh=0.045,
        carbon_grid="United States",
        sources={"power_price_usd_per_kwh": _PRICE_NOTE, "carbon": "Ember grid average"},
    ),
    Region(
        key="kazakhstan",
        name="Kazakhstan",
        power_price_usd_per_kwh=0.035,
        carbon_grid="Kazakhstan",
        sources={"power_price_usd_per_kwh": _PRICE_NOTE, "carbon": "Ember grid average"},
    ),
    Region(
        key="russia",
        name="Russia",
        power_price_usd_per_kwh=0.04,
        carbon_grid="Russia",
        sources={"power_price_usd_per_kwh": _PRICE_NOTE, "carbon": "Ember grid average"},
    ),
    Region(
        key="canada",
        name="Canada",
        power_price_usd_per_kwh=0.04,
        carbon_grid="Canada",
        sources={"power_price_usd_per_kwh": _PRICE_NOTE, "carbon": "Ember grid average"},
    ),
    Region(
        key="iran",
        name="Iran",
        power_price_usd_per_kwh=0.03,
        carbon_grid="Iran",
        sources={"power_price_usd_per_kwh": _PRICE_NOTE, "carbon": "Ember grid average"},
    ),
    Region(
        key="malaysia",
        name="Malaysia",
        power_price_usd_per_kwh=0.05,
        carbon_grid="Malaysia",
        sources={"power_price_usd_per_kwh": _CBECI, "carbon": "Ember grid average"},
    ),
    Region(
        key="other",
        name="Rest of the world",
        power_price_usd_per_kwh=0.05,
        carbon_grid="World",
        sources={"power_price_usd_per_kwh": _CBECI, "carbon": "Ember world average"},
    ),
)


def region_keys(regions: Sequence[Region] = DEFAULT_REGIONS) -> tuple[str, ...]:
    """The keys of ``regions``, in order."""
    return tuple(r.key for r in regions)


def _month_end(month: str) -> dt.date:
    year, number = int(month[:4]), int(month[5:7])
    return dt.date(year + number // 12, number % 12 + 1, 1)


def region_shares(
    date: dt.date,
    regions: Sequence[Region] = DEFAULT_REGIONS,
    *,
    quotes: Sequence[MapQuote] | None = None,
) -> dict[str, float]:
    """Each region's share of world hashrate at ``date``, from months that ended before it.

    Parameters
    ----------
    date : datetime.date
        The date; only mining-map months that ended on or before it are used.
    regions : sequence of Region
        Must contain a region ``other`` (it takes what the named regions leave).
    quotes : sequence of MapQuote, optional
        Mining-map figures (default: the shipped ones, :func:`mining_map_quotes`).

    Returns
    -------
    dict
        Region key → share [0–1], summing to 1.

    Notes
    -----
    For each country the newest quoted month before ``date`` is used (figures are held flat
    between and after quotes; before a country's first quote it is part of ``other``).
    Mainland China is split among the regions with ``in_china`` by their ``china_frac``.
    Before the first quoted month (September 2019) the September 2019 figures hold.

    Examples
    --------
    >>> shares = region_shares(dt.date(2021, 5, 1))
    >>> round(sum(v for k, v in shares.items() if k.startswith("china")), 2)
    0.46
    >>> round(shares["united_states"], 3)
    0.168
    """
    keys = region_keys(regions)
    if "other" not in keys:
        raise InvalidInputError(f"regions must include 'other'; got {list(keys)}")
    quotes = mining_map_quotes() if quotes is None else tuple(quotes)
    usable = [q for q in quotes if q.region not in CHINA_PROVINCES]
    if not usable:
        raise InvalidInputError("no mining-map figures given")
    first_month = min(q.month for q in usable)
    before = [q for q in usable if _month_end(q.month) <= date]
    if not before:
        before = [q for q in usable if q.month == first_month]
    latest: dict[str, MapQuote] = {}
    for quote in sorted(before, key=lambda q: q.month):
        latest[quote.region] = quote
    shares = dict.fromkeys(keys, 0.0)
    china = latest.pop("china").share_frac if "china" in latest else 0.0
    china_regions = [r for r in regions if r.in_china]
    total_frac = sum(r.china_frac for r in china_regions)
    if china_regions and total_frac > 0:
        for region in china_regions:
            shares[region.key] = china * region.china_frac / total_frac
    for key, quote in latest.items():
        if key in shares and key != "other":
            shares[key] += quote.share_frac
    named = sum(v for k, v in shares.items() if k != "other")
    shares["other"] = max(0.0, 1.0 - named)  # unnamed countries, and China without regions
    total = sum(shares.values())
    return {k: v / total for k, v in shares.items()}


def china_split(regions: Sequence[Region], time_s: npt.ArrayLike) -> tuple[list[int], FloatArray]:
    """The seasonal split of China's mining among the regions that follow the seasons.

    Parameters
    ----------
    regions : sequence of Region
    time_s : array_like
        Times [s since 1970 UTC].

    Returns
    -------
    (list of int, array)
        The indices (in ``regions``) of the parts of China with ``china_fracs``, and each one's
        share of their total at each time, shape (len(indices), len(time_s)), columns summing
        to 1 (no indices: no region follows the seasons).

    Examples
    --------
    >>> index, split = china_split(DEFAULT_REGIONS, [1.595e9])   # mid-July 2020
    >>> index, round(float(split[0, 0]), 2)
    ([0, 1], 0.76)
    """
    times = np.atleast_1d(np.asarray(time_s, dtype=float))
    index = [k for k, r in enumerate(regions) if r.in_china and r.china_fracs is not None]
    if len(index) < 2:
        return [], np.zeros((0, times.size))
    fracs = np.array([regions[k].china_frac_at(times) for k in index])
    totals = fracs.sum(axis=0)
    split: FloatArray = np.where(totals > 0, fracs / np.where(totals > 0, totals, 1.0), 0.0)
    return index, split


def order_shares(
    weights: npt.ArrayLike,
    keys: Sequence[str],
    bans: Sequence[tuple[float, Sequence[str], Mapping[str, float]]],
    days_s: npt.ArrayLike,
) -> FloatArray:
    """Each region's share of the new machines bought on each day.

    Before any ban, the regions' shares at the start (``weights``). From a ban's start, the
    banned regions get none, and what they would have bought goes where their relocated
    machines went (the ban's ``relocate_to`` shares) — after the 2021 ban, the growth outside
    China went to the same few countries its miners moved to, not to every country by its old
    share (Cambridge's map, August 2021 → January 2022: the United States 42.7 → 71.0 EH/s,
    Kazakhstan 21.9 → 24.8, Canada 11.5 → 12.2, while Russia, Iran, Malaysia and Ireland
    shrank); a ban without destinations spreads it over the regions still open, by their
    shares.

    Parameters
    ----------
    weights : array_like, shape (R,)
        The regions' shares at the start (summing to 1).
    keys : sequence of str
        The regions' keys, in the order of ``weights``.
    bans : sequence of (start_s, banned keys, relocate_to)
        In any order; each from its start on.
    days_s : array_like, shape (D,)
        The days [s since 1970 UTC].

    Returns
    -------
    ndarray, shape (R, D)
        Columns summing to 1 (0 where every region is banned).

    Examples
    --------
    >>> shares = order_shares([0.5, 0.3, 0.2], ["a", "b", "c"], [(10.0, ["a"], {"c": 1.0})],
    ...                       [0.0, 10.0])
    >>> shares.round(2).tolist()
    [[0.5, 0.0], [0.3, 0.3], [0.2, 0.7]]
    """
    days = np.atleast_1d(np.asarray(days_s, dtype=float))
    base = np.asarray(weights, dtype=float)
    index = {k: i for i, k in enumerate(keys)}
    shares = np.repeat(base[:, None], days.size, axis=1)
    closed = np.zeros(shares.shape, dtype=bool)
    for start_s, banned, relocate_to in sorted(bans, key=lambda b: b[0]):
        after = days >= start_s
        rows = np.asarray([index[k] for k in banned], dtype=np.int64)
        moved = shares[rows][:, after].sum(axis=0)
        shares[np.ix_(rows, np.flatnonzero(after))] = 0.0
        closed[np.ix_(rows, np.flatnonzero(after))] = True
        for key, frac in relocate_to.items():
            shares[index[key], after] += moved * frac
    shares = np.where(closed, 0.0, shares)
    totals = shares.sum(axis=0)
    result: FloatArray = np.where(totals > 0, shares / np.where(totals > 0, totals, 1.0), 0.0)
    return result
