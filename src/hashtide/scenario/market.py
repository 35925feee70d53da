"""The market model a scenario runs with: the actor's sites and the rest of the world react.

Each epoch, per path:

* **Curtailment.** A site runs only while hashprice (at the path's difficulty and BTC price)
  covers its power cost per TH/s (``hashprice ≥ efficiency · PUE · price``); sites with
  ``curtail: false`` always run.
* **The rest of the world** (every other miner) follows a baseline that grows at the stated rate
  and responds to hashprice relative to that baseline's:
  ``H_row = H_base(t) · x``, with ``x`` moving each epoch half-way (geometrically) towards
  ``(hashprice / hashprice_base)^ε``. ε = 0: no response; ε = 1: the revenue per hash the rest
  earns is defended one for one. The half-way step stands for the lag with which machines are
  bought or switched off, and keeps the feedback through the retarget stable.
* **BTC price** follows the scenario's model (constant, growth, or geometric Brownian motion
  per path).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from hashtide.economics import hashprice_usd_per_th_day, power_cost_usd_per_th_day
from hashtide.energy import Site
from hashtide.engine import EpochState, FleetHashrate
from hashtide.protocol import block_subsidy_sat
from hashtide.protocol.hashrate import HASHES_PER_DIFFICULTY
from hashtide.scenario.build import daily_availability
from hashtide.units import SECONDS_PER_YEAR

FloatArray = npt.NDArray[np.float64]

#: Share of the gap to its target the rest of the world closes each epoch (geometrically).
RESPONSE_STEP_FRAC = 0.5
#: Days of knots handed to the engine beyond the latest path's epoch start, at most.
_WINDOW_DAYS = 120


def window_days(
    n_blocks: int, difficulty: FloatArray, rest_hashrate_hs: FloatArray, max_days: int
) -> int:
    """Days of knots an epoch needs: twice its longest expected duration over the paths, + 7.

    The rest of the world alone (``rest_hashrate_hs``, a lower bound on the network's hashrate)
    finds ``n_blocks`` at ``difficulty`` in ``n_blocks · D · 2^32 / H`` seconds on average; the
    epoch's work is Gamma(n_blocks) distributed, so with ``n_blocks`` = 2016 it exceeds twice
    its mean with probability below 1e-200. Knots past the epoch's end are never read, so a
    shorter window gives the same numbers as the full ``max_days`` with less work per epoch.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        seconds = n_blocks * difficulty * HASHES_PER_DIFFICULTY / rest_hashrate_hs
    longest = float(np.nanmax(seconds)) if np.any(np.isfinite(seconds)) else math.inf
    if not math.isfinite(longest) or n_blocks < 100:  # few blocks: Gamma's tail is wide
        return max_days
    return min(max_days, math.ceil(2.0 * longest / 86_400.0) + 7)


@dataclass(kw_only=True)
class PricePaths:
    """BTC price per path, advanced epoch by epoch (GBM when ``volatility_per_year`` > 0)."""

    start_s: float
    start_usd: float
    growth_per_year: float
    volatility_per_year: float
    rng: np.random.Generator
    #: A price series instead of growth: times [s] and prices [USD], held from each time on.
    series_s: FloatArray | None = None
    series_usd: FloatArray | None = None
    _time_s: FloatArray | None = None
    _log_price: FloatArray | None = None

    def baseline_usd(self, time_s: FloatArray) -> FloatArray:
        """The deterministic path: the series, or the start price growing at the stated rate."""
        if self.series_s is not None and self.series_usd is not None:
            k = np.searchsorted(self.series_s, np.asarray(time_s, dtype=float), side="right") - 1
            return self.series_usd[np.clip(k, 0, self.series_usd.size - 1)]
        years = np.maximum(np.asarray(time_s) - self.start_s, 0.0) / SECONDS_PER_YEAR
        return self.start_usd * (1.0 + self.growth_per_year) ** years

    def at(self, time_s: FloatArray) -> FloatArray:
        """Price at each path's ``time_s`` (times must not go backwards per path)."""
        if self.volatility_per_year == 0.0:
            return self.baseline_usd(time_s)
        if self._time_s is None or self._log_price is None:
            self._time_s = np.asarray(time_s, dtype=float).copy()
            self._log_price = np.log(self.baseline_usd(self._time_s))
            return np.exp(self._log_price)
        dt_years = np.maximum(np.asarray(time_s) - self._time_s, 0.0) / SECONDS_PER_YEAR
        sigma = self.volatility_per_year
        drift = np.log1p(self.growth_per_year) - 0.5 * sigma**2
        shocks = self.rng.standard_normal(dt_years.shape)
        self._log_price = self._log_price + drift * dt_years + sigma * np.sqrt(dt_years) * shocks
        self._time_s = np.maximum(np.asarray(time_s, dtype=float), self._time_s)
        return np.exp(self._log_price)


@dataclass(kw_only=True)
class EpochRecord:
    """What the market decided at the start of one epoch, per path."""

    time_s: FloatArray
    price_usd: FloatArray
    hashprice_usd_per_th_day: FloatArray
    running: npt.NDArray[np.bool_]  # (P, S)
    rest_factor: FloatArray


@dataclass(kw_only=True)
class ScenarioMarket:
    """The market model for one variant; keeps one record per epoch for the accounting."""

    sites: list[Site]
    machines: list[int]
    machine_hashrate_hs: float
    machine_power_w: float
    deployed_s: float
    network_start_s: float
    network_hashrate_hs: float
    network_growth_per_year: float
    elasticity: float
    fees_sat_per_block: float
    prices: PricePaths
    grid_s: FloatArray
    #: Called with the epoch index after every epoch (a progress bar).
    progress: Callable[[int], None] | None = None
    records: list[EpochRecord] = field(default_factory=list)
    #: Mean availability of each site on each day of the grid, shape (S, days).
    daily_availability: FloatArray = field(init=False)
    _factor: FloatArray | None = None

    def __post_init__(self) -> None:
        self.daily_availability = np.array(
            [
                daily_availability(s.availability, self.grid_s, deployed_s=self.deployed_s)
                for s in self.sites
            ]
        ).reshape(len(self.sites), self.grid_s.size)

    def baseline_hashrate_hs(self, time_s: FloatArray) -> FloatArray:
        """The rest of the world's hashrate without any response [H/s]."""
        years = (np.asarray(time_s) - self.network_start_s) / SECONDS_PER_YEAR
        return self.network_hashrate_hs * (1.0 + self.network_growth_per_year) ** years

    def __call__(self, state: EpochState) -> FleetHashrate:
        # Paths already past the horizon carry NaN times; give them the latest time (their
        # hashrates no longer matter, but must be valid numbers).
        raw = np.asarray(state.time_s, dtype=float)
        time_s = np.where(np.isfinite(raw), raw, np.nanmax(raw))
        raw_difficulty = np.asarray(state.difficulty, dtype=float)
        usable = np.isfinite(raw_difficulty) & (raw_difficulty > 0)
        difficulty = np.where(usable, raw_difficulty, np.nanmax(raw_difficulty[usable]))
        price = self.prices.at(time_s)
        subsidy = block_subsidy_sat(state.start_height)
        hashprice = hashprice_usd_per_th_day(
            difficulty,
            price,
            subsidy_sat=float(subsidy),
            fees_sat_per_block=self.fees_sat_per_block,
        )
        efficiency = self.machine_power_w / (self.machine_hashrate_hs / 1e12)
        running = np.ones((time_s.size, len(self.sites)), dtype=bool)
        for j, site in enumerate(self.sites):
            if site.curtail:
                cost = power_cost_usd_per_th_day(efficiency, site.price_usd_per_kwh, pue=site.pue)
                running[:, j] = hashprice >= cost
        # The rest of the world: hashprice relative to the no-response baseline's.
        base_h = self.baseline_hashrate_hs(time_s)
        base_difficulty = base_h * 600.0 / HASHES_PER_DIFFICULTY
        base_hashprice = hashprice_usd_per_th_day(
            base_difficulty,
            self.prices.baseline_usd(time_s),
            subsidy_sat=float(subsidy),
            fees_sat_per_block=self.fees_sat_per_block,
        )
        target = (hashprice / base_hashprice) ** self.elasticity
        if self._factor is None:
            self._factor = np.ones_like(time_s)
        self._factor = self._factor ** (1 - RESPONSE_STEP_FRAC) * target**RESPONSE_STEP_FRAC
        self.records.append(
            EpochRecord(
                time_s=time_s,
                price_usd=price,
                hashprice_usd_per_th_day=np.asarray(hashprice, dtype=float),
                running=running,
                rest_factor=self._factor.copy(),
            )
        )
        # Knots: the days from the earliest path's epoch start to well past the latest's.
        first = int(np.searchsorted(self.grid_s, np.nanmin(time_s), side="right")) - 1
        window = window_days(
            state.n_blocks,
            difficulty,
            self.baseline_hashrate_hs(time_s) * self._factor,
            _WINDOW_DAYS,
        )
        last = int(np.searchsorted(self.grid_s, np.nanmax(time_s))) + window
        days = slice(max(first, 0), min(last, self.grid_s.size))
        knots = self.grid_s[days]
        # Paths differ only by a factor per actor (the rest's response, whether each site
        # runs), so the engine gets one shape (A, K) and the factors (P, A).
        installed = np.array(self.machines, dtype=float) * self.machine_hashrate_hs
        shape = np.concatenate(
            [
                self.baseline_hashrate_hs(knots)[None, :],
                installed[:, None] * self.daily_availability[:, days],
            ]
        )
        scale = np.concatenate([self._factor[:, None], running.astype(float)], axis=1)
        if self.progress is not None:
            self.progress(state.epoch)
        return FleetHashrate(
            times_s=knots, hashrate_hs=shape, interpolation="step", path_scale=scale
        )
