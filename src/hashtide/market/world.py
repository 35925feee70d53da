"""The world market as an engine market model: every region's fleet reacting day by day.

:class:`WorldMarket` is a ``market(state) -> FleetHashrate`` callable for
:func:`hashtide.engine.monte_carlo` and :func:`hashtide.engine.expected_path`. Its state, per
path, is the installed hashrate in each *compartment* (the regions, the state programs, and
for each ban its machines in transit and in hiding) and *vintage* (deployment quarter, with its
efficiency). Each day it

1. computes the path's hashprice from the difficulty in force, the BTC price and fees of that
   day and the protocol subsidy at the path's height, and updates its moving average;
2. runs each cohort's machines whose power is cheap enough (behaviour rule 1), in the
   availability of its region that month and under any power cut;
3. scraps a share of the switched-off machines and retires those past their lifetime (rule 3);
4. applies the events: ban ramps move machines to "stopped", "in transit" or "covert"; transit
   machines arrive abroad; covert ones come back; programs switch on;
5. adds the machines delivered that day (ordered ``lag_days`` before) to the open regions, and
   places today's orders (rule 2).

At each epoch start the engine calls it with every path's time and difficulty: it commits the
days of the epoch that just ended (with that epoch's difficulty, so everything recorded is what
the path really saw), then projects the next weeks with the new difficulty and returns those
hashrates per region as knots. Rows of the output depend only on their own path.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import numpy.typing as npt
from scipy.special import ndtr

from hashtide.energy.profiles import AvailabilityProfile
from hashtide.engine import EpochState, FleetHashrate
from hashtide.errors import InvalidInputError
from hashtide.market.behaviour import (
    BehaviourParams,
    EntryFit,
    electricity_cost_usd_per_th_day,
    fit_entry,
    new_machine_margin,
    running_frac,
    supply_pace,
)
from hashtide.market.data import MapQuote
from hashtide.market.events import (
    Event,
    PowerCut,
    PowerPriceShock,
    RegionalBan,
    StateProgram,
    check_events,
)
from hashtide.market.fleet import MAX_IDLE_RATIO, WorldFleet, new_machine_efficiency_j_per_th
from hashtide.market.history import FEE_AVERAGE_DAYS, MarketInputs, subsidy_sat_at_height
from hashtide.market.regions import Region, china_split, order_shares
from hashtide.market.world_step import (
    DayRecords,
    DayTables,
    advance_day,
    first_held,
    hashprice_day,
    take_step,
    take_steps,
)
from hashtide.protocol.hashrate import HASHES_PER_DIFFICULTY
from hashtide.units import SAT_PER_BTC, SECONDS_PER_DAY, SECONDS_PER_YEAR

FloatArray = npt.NDArray[np.float64]

#: Days of knots handed to the engine after each epoch start (an epoch lasts about 14; after a
#: ban it has lasted 19; beyond the window the last value holds).
PROJECTION_DAYS = 45
#: A path's projection stops once its projected work is this multiple of the work its epoch
#: needs (n_blocks × difficulty × 2^32): the epoch's Gamma(n, 1) work exceeds 1.25 × n with a
#: probability below 1e-25 for n = 2016, so the knots after the stop are never used.
PROJECTION_MARGIN = 1.25
#: Price spread of a program's single contract (almost a step at its power price).
_PROGRAM_SPREAD = 0.02

#: Exogenous paths for a run: given the market's days [s], the BTC price per path and day
#: [USD], shape (P, D) or (1, D), and the fees per block per day [BTC], shape (D,).
PricePaths = Callable[
    [npt.NDArray[np.float64]], tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]
]


def program_actor(program: StateProgram) -> str:
    """The engine actor name of a state program."""
    return f"program: {program.name}"


def _quarter_start(time_s: float) -> float:
    moment = dt.datetime.fromtimestamp(time_s, tz=dt.UTC)
    quarter = (moment.month - 1) // 3 * 3 + 1
    return dt.datetime(moment.year, quarter, 1, tzinfo=dt.UTC).timestamp()


@dataclass
class _State:
    """Mutable per-path state (internal)."""

    cap: FloatArray  # (P, K, V)
    ema: FloatArray  # (P,)
    subsidy_sat: FloatArray  # (P,) the subsidy the average ``ema`` was last updated under
    height: FloatArray  # (P,)
    day: npt.NDArray[np.int64]  # (P,) next day to commit
    difficulty: FloatArray  # (P,)
    deliveries: FloatArray  # (P, n_days), or the days from ``deliveries_from`` on
    deliveries_from: int = 0


@dataclass(frozen=True, kw_only=True)
class _Step:
    """One projected day of every path: which advanced, its records, the state after it."""

    mask: npt.NDArray[np.bool_]
    running: FloatArray
    rows: npt.NDArray[np.int64]
    day: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    power: FloatArray = field(default_factory=lambda: np.zeros(0))
    hashprice: FloatArray = field(default_factory=lambda: np.zeros(0))
    expected_hashprice: FloatArray = field(default_factory=lambda: np.zeros(0))
    transit: FloatArray = field(default_factory=lambda: np.zeros(0))
    covert: FloatArray = field(default_factory=lambda: np.zeros(0))
    orders: FloatArray = field(default_factory=lambda: np.zeros(0))
    arrival: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    cap: FloatArray = field(default_factory=lambda: np.zeros(0))  # vintages lo … lo + width
    lo: int = 0
    program_cap: FloatArray = field(default_factory=lambda: np.zeros(0))
    ema: FloatArray = field(default_factory=lambda: np.zeros(0))
    subsidy_sat: FloatArray = field(default_factory=lambda: np.zeros(0))
    height: FloatArray = field(default_factory=lambda: np.zeros(0))


@dataclass(frozen=True, kw_only=True)
class Assumption:
    """One assumption behind a run: what, its value, where it comes from."""

    name: str
    value: str
    source: str


class WorldMarket:
    """The world fleet's response to hashprice and events, as an engine market model.

    Build it with :meth:`prepare`; pass it as ``market=`` to the engine with actors named
    :attr:`actor_names`; after the run, :meth:`finish` commits the last epoch and the daily
    records (:attr:`running_hs`, :attr:`power_w`, :attr:`hashprice`) are complete.
    """

    def __init__(
        self,
        *,
        fleet: WorldFleet,
        events: tuple[Event, ...],
        params: BehaviourParams,
        entry: EntryFit,
        inputs: MarketInputs,
        start_time_s: float,
        start_height: int,
        end_time_s: float,
        n_paths: int,
        initial_deliveries_hs: FloatArray,
        prices: PricePaths | None = None,
        initial_scale: FloatArray | None = None,
        quotes: Sequence[MapQuote] | None = None,
    ) -> None:
        self.fleet = fleet
        self.events = events
        self.params = params
        self.entry = entry
        self.inputs = inputs
        self.start_time_s = start_time_s
        self.end_time_s = end_time_s
        self.n_paths = n_paths
        regions = fleet.regions
        # Events that were over (a ban's shutdown finished, a program running) before the start
        # are history: the fleet rebuilt from the chain already holds their effect.
        self.programs = tuple(
            e for e in events if isinstance(e, StateProgram) and e.start_s >= start_time_s
        )
        # A ban whose shutdown is over but whose machines are still on their way (in transit
        # to the destinations, or covert and not yet back) stays: its shutdown is in the chain,
        # the machines still to come are not (``ban_aftermath``).
        self.bans = tuple(
            e for e in events if isinstance(e, RegionalBan) and ban_in_run(e, start_time_s)
        )
        self.past_events = tuple(
            e
            for e in events
            if isinstance(e, StateProgram | RegionalBan)
            and e not in self.programs
            and e not in self.bans
        )
        n_regions = len(regions)
        self.actor_names = tuple(r.key for r in regions) + tuple(
            program_actor(p) for p in self.programs
        )
        n_actors = len(self.actor_names)
        keys = [r.key for r in regions]

        # Compartments: actors, then per ban two transit stages and one covert store per region.
        self._transit: list[tuple[int, int]] = []
        self._covert: list[list[tuple[int, int]]] = []
        k = n_actors
        for ban in self.bans:
            self._transit.append((k, k + 1))
            k += 2
            pairs = []
            for key in ban.regions:
                pairs.append((keys.index(key), k))
                k += 1
            self._covert.append(pairs)
        n_compartments = k

        # Day grid: from the start's midnight to past the end.
        first = math.floor(start_time_s / SECONDS_PER_DAY) * SECONDS_PER_DAY - SECONDS_PER_DAY
        n_days = math.ceil((end_time_s - first) / SECONDS_PER_DAY) + PROJECTION_DAYS + 3
        self.day_s = first + SECONDS_PER_DAY * np.arange(n_days, dtype=float)
        days = self.day_s

        # Vintages: the fleet's, then one per quarter for new machines, then one per program.
        quarters = sorted({_quarter_start(t) for t in days})
        new_eff = new_machine_efficiency_j_per_th(np.asarray(quarters))
        self.eff = np.concatenate(
            [
                fleet.vintage_efficiency_j_per_th,
                np.atleast_1d(new_eff),
                [p.machine.efficiency_j_per_th for p in self.programs],
            ]
        )
        self.deployed = np.concatenate(
            [fleet.vintage_deployed_s, quarters, [p.start_s for p in self.programs]]
        )
        n_old = fleet.vintage_deployed_s.size
        self._new_vintage = n_old + np.searchsorted(np.asarray(quarters), days, side="right") - 1
        self._program_vintage = n_old + len(quarters) + np.arange(len(self.programs))
        life_s = params.lifetime_years * SECONDS_PER_YEAR
        # First day each vintage is past its lifetime (its machines are retired that day).
        self._dead_from = np.searchsorted(days, self.deployed + life_s, side="left")
        # A program's machines retire by delivery day instead (see _program_flows).
        self._dead_from[self._program_vintage] = n_days

        # Per actor and day: median power price, spread, PUE, availability.
        price = np.ones((n_actors, n_days))
        avail = np.ones((n_actors, n_days))
        for r, region in enumerate(regions):
            price[r] = region.power_price_at(days)
            avail[r] = region.availability_at(days)
        for g, program in enumerate(self.programs):
            price[n_regions + g] = program.power_price_usd_per_kwh if program.curtail else 1e-12
            if program.availability is not None:
                avail[n_regions + g] = _daily_mean(program.availability, days)
        for event in events:
            if isinstance(event, PowerPriceShock):
                factors = np.array([event.factor_at(t) for t in days])
                for key in event.regions:
                    price[keys.index(key)] *= factors
            elif isinstance(event, PowerCut):
                cut = (days >= event.start_s) & (days < event.end_s)
                for key in event.regions:
                    avail[keys.index(key), cut] *= event.available_frac
        self.price = price
        self.avail = avail
        # BTC price per path and day, fees per block per day: the scenario's, or history's.
        if prices is None:
            btc = inputs.price_usd.at(days)[None, :]
            fees = inputs.fees_btc_per_block.trailing_mean(days, FEE_AVERAGE_DAYS)
        else:
            btc, fees = prices(days)
        btc = np.asarray(btc, dtype=float)
        if btc.ndim != 2 or btc.shape[1] != n_days or btc.shape[0] not in (1, n_paths):
            raise InvalidInputError(
                f"prices gave shape {btc.shape}; expected (1 or {n_paths}, {n_days})"
            )
        self.btc_price_usd = np.broadcast_to(btc, (n_paths, n_days))
        self._btc_rows = np.ascontiguousarray(btc)  # (1 or P, days), read by the daily step
        self.fees_btc_per_block = np.broadcast_to(np.asarray(fees, dtype=float), (n_days,))
        self._fees_rows = np.ascontiguousarray(self.fees_btc_per_block)
        self.spread = np.array(
            [r.power_price_spread for r in regions] + [_PROGRAM_SPREAD] * len(self.programs)
        )
        self.pue = np.array([r.pue for r in regions] + [p.pue for p in self.programs])
        years = np.array([dt.datetime.fromtimestamp(t, tz=dt.UTC).year for t in days])
        by_year = {
            int(y): [r.carbon_intensity_g_per_kwh(int(y)) for r in regions]
            + [p.carbon_intensity_g_per_kwh for p in self.programs]
            for y in np.unique(years)
        }
        self.intensity = np.array([by_year[int(y)] for y in years]).T  # (actors, days)
        renewable = {  # programs: unknown (NaN), left out of the renewable share
            int(y): [r.renewable_frac_in(int(y)) for r in regions] + [math.nan] * len(self.programs)
            for y in np.unique(years)
        }
        self.renewable = np.array([renewable[int(y)] for y in years]).T  # (actors, days)
        # Carbon accounting only: China's hydro and coal mining regions share one seasonal mix
        # (miners moved to Sichuan & Yunnan for the wet season, energy.china_hydro_season); the
        # hashrate model keeps each region's own machines, prices, availability and ban.
        season, split = china_split(regions, days)
        if season:
            for table in (self.intensity, self.renewable):
                table[season] = (table[season] * split).sum(axis=0)
        weights = np.array([fleet.shares[r.key] for r in regions])
        self._world_price = np.exp(weights @ np.log(price[:n_regions]))
        self._world_pue = float(weights @ self.pue[:n_regions])
        self._new_eff_daily = new_machine_efficiency_j_per_th(days)
        self._pace = supply_pace(entry, (days - start_time_s) / SECONDS_PER_DAY, params.supply_days)

        # Ban schedules: share of the regions' machines stopped each day, covert returns.
        self._removal = np.zeros((len(self.bans), n_days))
        self._covert_back = np.zeros((len(self.bans), n_days))
        for b, ban in enumerate(self.bans):
            self._removal[b] = _linear_hazard(days, ban.start_s, ban.ramp_days)
            self._covert_back[b] = _linear_hazard(days, ban.resume_s, ban.covert_ramp_days)
        # New machines: by the start shares, a banned region's going where its machines moved.
        self._order_share = order_shares(
            weights, keys, [(b.start_s, b.regions, b.relocate_to) for b in self.bans], days
        )
        self._program_add = _program_flows(self.programs, days, life_s)

        # Initial state.
        cap = np.zeros((n_paths, n_compartments, self.eff.size))
        cap[:, :n_regions, :n_old] = fleet.capacity_hs[None]
        if initial_scale is not None:  # the start's uncertainty, one factor per path
            cap[:, :n_regions, :n_old] *= np.broadcast_to(initial_scale, (n_paths,))[:, None, None]
        under_way = [ban for ban in self.bans if sum(ban_aftermath(ban, start_time_s)) > 0.0]
        baselines = (
            {id(ban): base for ban, base in ban_baselines(events, start_time_s, regions, quotes)}
            if under_way
            else {}
        )
        for b, ban in enumerate(self.bans):
            transit1, transit2, hidden = ban_aftermath(ban, start_time_s)
            if transit1 + transit2 + hidden <= 0.0:
                continue
            before = _banned_before(fleet, ban, baselines[id(ban)])
            t1, t2 = self._transit[b]
            for row, covert in self._covert[b]:
                cap[:, t1, :n_old] += before[row] * transit1
                cap[:, t2, :n_old] += before[row] * transit2
                cap[:, covert, :n_old] += before[row] * hidden
        deliveries = np.zeros((n_paths, n_days))
        m = min(initial_deliveries_hs.size, n_days)
        deliveries[:, :m] = initial_deliveries_hs[None, :m]
        start_day = int((start_time_s - days[0]) // SECONDS_PER_DAY)
        self._state = _State(
            cap=cap,
            ema=np.full(n_paths, fleet.smoothed_hashprice_usd_per_th_day),
            subsidy_sat=np.full(n_paths, float(subsidy_sat_at_height(float(start_height)))),
            height=np.full(n_paths, float(start_height)),
            day=np.full(n_paths, start_day, dtype=np.int64),
            difficulty=np.full(n_paths, np.nan),
            deliveries=deliveries,
        )
        self._started = False
        self._projection: list[_Step] = []
        self._projection_start = np.zeros(n_paths, dtype=np.int64)
        self.running_hs = np.full((n_paths, n_days, n_actors), np.nan)
        self.power_w = np.full((n_paths, n_days, n_actors), np.nan)
        self.hashprice = np.full((n_paths, n_days), np.nan)
        #: The hashprice miners decide on (rule 1's average, restated at halvings): the
        #: running cost of the dearest machine that runs [USD/(TH/s)/day], per path and day.
        self.expected_hashprice = np.full((n_paths, n_days), np.nan)
        self.transit_hs = np.zeros((n_paths, n_days))
        self.covert_waiting_hs = np.zeros((n_paths, n_days))

    # --- construction -----------------------------------------------------------------------

    @classmethod
    def prepare(
        cls,
        fleet: WorldFleet,
        *,
        start_time_s: float,
        start_height: int,
        end_time_s: float,
        events: Sequence[Event] = (),
        params: BehaviourParams | None = None,
        inputs: MarketInputs | None = None,
        n_paths: int = 1,
        prices: PricePaths | None = None,
        initial_scale: FloatArray | None = None,
        quotes: Sequence[MapQuote] | None = None,
    ) -> WorldMarket:
        """Fit the entry rule on the fleet's history before the start and set everything up.

        Parameters
        ----------
        fleet : WorldFleet
            The fleet at the start (:func:`hashtide.market.build_fleet`).
        start_time_s, end_time_s : float
            The simulated span [s since 1970 UTC].
        start_height : int
            Height of the first simulated block.
        events : sequence of events
        params : BehaviourParams, optional
        inputs : MarketInputs, optional
            Price and fees (default: the shipped history).
        n_paths : int
            Paths the engine will simulate.
        prices : callable, optional
            ``prices(day_s) -> (btc_price_usd (P or 1, D), fees_btc_per_block (D,))``: modelled
            price paths (default: ``inputs``' history).
        initial_scale : ndarray, shape (P,), optional
            Factor on each path's installed fleet at the start (the nowcast's uncertainty,
            :func:`hashtide.market.nowcast.nowcast`); default 1.
        quotes : sequence of MapQuote, optional
            Mining-map figures (default: shipped), for the machines of a ban under way at the
            start (:func:`ban_baselines`); the fleet's own.
        """
        params = BehaviourParams() if params is None else params
        inputs = MarketInputs.shipped() if inputs is None else inputs
        events = tuple(events)
        check_events(events, fleet.region_keys)
        if not end_time_s > start_time_s:
            raise InvalidInputError("end_time_s must be after start_time_s")
        entry = fit_entry_for(fleet, start_time_s, params)
        # The order book: machines ordered before the start arrive at the pace new machines
        # arrived in the reconstruction over the last lag_days (they were ordered before it).
        recon = fleet.reconstruction
        recent = recon.week_s >= start_time_s - (params.lag_days + 7) * SECONDS_PER_DAY
        book = float(recon.added_hs[recent].mean() / 7.0) if recent.any() else 0.0
        orders = np.full(params.lag_days + 2, book)
        return cls(
            fleet=fleet,
            events=events,
            params=params,
            entry=entry,
            inputs=inputs,
            start_time_s=start_time_s,
            start_height=start_height,
            end_time_s=end_time_s,
            n_paths=n_paths,
            initial_deliveries_hs=orders,
            prices=prices,
            initial_scale=initial_scale,
            quotes=quotes,
        )

    # --- the daily step ---------------------------------------------------------------------

    def _advance(
        self,
        st: _State,
        d: npt.NDArray[np.int64],
        mask: npt.NDArray[np.bool_],
        record: bool,
        steps: list[_Step] | None = None,
        paths: npt.NDArray[np.int64] | None = None,
    ) -> FloatArray:
        """Advance the paths in ``mask``, each by its own day ``d[p]``; return every path's
        running hashrate on its day (``st`` holds all paths; rows are independent).

        ``record``: write the day's records; ``steps``: append them, with the state after the
        day, to ``steps`` instead (a projection that the commit may take over). ``paths``: the
        path of each row of ``st`` (default: row ``i`` is path ``i``).
        """
        params = self.params
        paths = np.arange(st.ema.size) if paths is None else paths
        # The day's hashprice at the difficulty in force, and rule 1's average of it. Rule 1's
        # expectation knows the protocol: at a halving the average of past hashprice is
        # restated at the new subsidy (a factor of exactly 1 on every other day); a retarget
        # that raises the difficulty restates it when the epoch is handed over (__call__).
        difficulty, subsidy, hp, ema = hashprice_day(
            d,
            paths,
            btc=self._btc_rows,
            fees_per_block=self._fees_rows,
            difficulty=st.difficulty,
            height=st.height,
            subsidy_sat=st.subsidy_sat,
            ema=st.ema,
            alpha=1.0 - math.exp(-1.0 / params.switch_smoothing_days),
        )
        # Only the vintages some compartment may hold are stepped (``[lo, hi)``, see _window);
        # the programs' machines (one vintage each, in their own compartment) apart.
        lo, hi = self._window(st.cap, d)
        # Rule 1 with its logarithms taken once per cohort and day, and once per path; for the
        # programs with scipy's ndtr (numpy's logarithms and scipy's Φ: outside the loop).
        log_ema = np.log(np.maximum(ema, 1e-300))
        log_cost_g, log_price_g, spread_g = self._program_rule1
        on_g = _running_frac_log(log_ema[:, None], log_cost_g, log_price_g[:, d].T, spread_g)
        margin = new_machine_margin(
            ema, self._new_eff_daily[d], self._world_price[d], self._world_pue
        )
        # The rest of the day in one compiled pass (world_step.advance_day): the regions'
        # cohorts (rules 1 and 3), the programs, the bans' flows, the deliveries, rule 2's
        # orders, the records and the state after the day (rows in ``mask`` only).
        day = advance_day(
            st.cap,
            (lo, hi),
            d,
            mask,
            log_ema=log_ema,
            on_g=on_g,
            margin=margin,
            ema=ema,
            subsidy=subsidy,
            hashprice=hp,
            difficulty=difficulty,
            old_ema=st.ema,
            old_subsidy=st.subsidy_sat,
            old_height=st.height,
            old_day=st.day,
            deliveries=st.deliveries,
            tables=self._day_tables,
            records=self._records if record else None,
            paths=paths,
            deliveries_from=st.deliveries_from,
            n_store=self.day_s.size,
        )
        running = day.running
        if not mask.any():
            if steps is not None:
                steps.append(_Step(mask=mask, running=running, rows=paths))
            return running
        st.ema, st.subsidy_sat, st.height, st.day = day.ema, day.subsidy_sat, day.height, day.day
        if steps is not None:
            steps.append(
                _Step(
                    mask=mask,
                    running=running,
                    rows=paths,
                    day=d,
                    power=day.power,
                    hashprice=hp,
                    expected_hashprice=ema,
                    transit=day.moving,
                    covert=day.hidden,
                    orders=day.orders,
                    arrival=d + params.lag_days,
                    cap=day.window,
                    lo=lo,
                    program_cap=day.program,
                    ema=st.ema,
                    subsidy_sat=st.subsidy_sat,
                    height=st.height,
                )
            )
        return running

    @cached_property
    def _day_tables(self) -> DayTables:
        """The per-run arrays of the compiled day (world_step.advance_day)."""
        n_regions = len(self.fleet.regions)
        keys = self.fleet.region_keys
        g_rows, g_cols = self._program_cells()
        pair_start, pair_region, pair_store = [0], [], []
        dest_start, dest_region, dest_frac = [0], [], []
        for b, ban in enumerate(self.bans):
            for region, covert in self._covert[b]:
                pair_region.append(region)
                pair_store.append(covert)
            pair_start.append(len(pair_region))
            for key, frac in ban.relocate_to.items():
                dest_region.append(keys.index(key))
                dest_frac.append(frac)
            dest_start.append(len(dest_region))
        ints = np.int64
        return DayTables(
            n_regions=n_regions,
            log_cost=self._log_cost,
            log_price=self._log_price,
            spread=self.spread,
            avail=self.avail,
            pue=self.pue,
            eff=self.eff,
            dead_from=self._dead_from,
            scrap_days=float(self.params.scrap_days),
            g_rows=g_rows,
            g_cols=g_cols,
            program_add=self._program_add,
            ban_t1=np.array([t1 for t1, _ in self._transit], dtype=ints),
            ban_t2=np.array([t2 for _, t2 in self._transit], dtype=ints),
            ban_rate=np.array([2.0 / ban.relocate_delay_days for ban in self.bans], dtype=float),
            ban_relocate=np.array([ban.relocate_frac for ban in self.bans], dtype=float),
            ban_covert=np.array([ban.covert_frac for ban in self.bans], dtype=float),
            removal=self._removal,
            covert_back=self._covert_back,
            pair_start=np.array(pair_start, dtype=ints),
            pair_region=np.array(pair_region, dtype=ints),
            pair_store=np.array(pair_store, dtype=ints),
            dest_start=np.array(dest_start, dtype=ints),
            dest_region=np.array(dest_region, dtype=ints),
            dest_frac=np.array(dest_frac, dtype=float),
            order_share=self._order_share,
            new_vintage=self._new_vintage,
            new_eff_daily=self._new_eff_daily,
            pace=self._pace,
            kappa=float(self.entry.kappa_per_day),
            supply_cap_per_day=float(self.params.supply_cap_frac_per_month / 30.0),
            lag_days=int(self.params.lag_days),
        )

    @property
    def _records(self) -> DayRecords:
        """The daily records the compiled day writes to (per path and day)."""
        return DayRecords(
            running_hs=self.running_hs,
            power_w=self.power_w,
            hashprice=self.hashprice,
            expected_hashprice=self.expected_hashprice,
            transit_hs=self.transit_hs,
            covert_waiting_hs=self.covert_waiting_hs,
        )

    @cached_property
    def _log_cost(self) -> FloatArray:
        """ln of each actor's and vintage's power cost of 1 TH/s a day at 1 USD/kWh, (A, V)."""
        cost = electricity_cost_usd_per_th_day(self.eff[None, :], 1.0, self.pue[:, None])
        result: FloatArray = np.log(cost)
        return result

    @cached_property
    def _log_price(self) -> FloatArray:
        """ln of each actor's median power price per day [ln USD/kWh], (A, days)."""
        result: FloatArray = np.log(self.price)
        return result

    def _program_cells(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """The compartment and vintage of each program's machines (its only cells)."""
        return self._program_cell_arrays

    @cached_property
    def _program_cell_arrays(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        n_regions = len(self.fleet.regions)
        return n_regions + np.arange(len(self.programs)), self._program_vintage

    @cached_property
    def _program_rule1(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Rule 1's inputs for the programs' cells: ln cost (1, G), ln price (G, days), spread
        (1, G) (taken once, not every day)."""
        g_rows, g_cols = self._program_cells()
        return (
            self._log_cost[g_rows, g_cols][None, :],
            self._log_price[g_rows],
            self.spread[g_rows][None, :],
        )

    def _window(self, cap: FloatArray, d: npt.NDArray[np.int64]) -> tuple[int, int]:
        """The vintages ``[lo, hi)`` outside the programs' that any row of ``cap`` may hold.

        Below ``lo`` every compartment of every row is empty (those vintages were retired);
        from ``hi`` on, the quarters no row has reached by its day ``d`` (nothing is delivered
        there yet). Stepping only these is stepping all: the rest are zeros that stay zero.
        """
        hi = int(self._new_vintage[d].max()) + 1
        return first_held(cap, hi), hi

    def _commit(self, until_day: npt.NDArray[np.int64], active: npt.NDArray[np.bool_]) -> None:
        """Advance every active path, day by day on its own calendar, up to ``until_day``.

        The last projection advanced the same state with the same difficulty and inputs: where
        it covers a path's days, its records and its state at ``until_day`` are taken over (the
        very same arithmetic, already done); the days it does not cover are stepped here.
        """
        st = self._state
        until = np.minimum(until_day, self.day_s.size)
        self._take_projection(until, active)
        # Step only the rows that still advance (rows are independent): when the projection
        # covered most paths, a few days of a few paths are left, not every path's.
        rows, sub = np.arange(self.n_paths), st
        while True:
            mask = active[rows] & (sub.day < until[rows])
            if not mask.any():
                break
            if mask.sum() < 0.5 * rows.size:
                if sub is not st:
                    _put_rows(st, rows, sub)
                rows = rows[mask]
                sub = _rows_of(st, rows)
                mask = np.ones(rows.size, dtype=bool)
            d = np.minimum(sub.day, self.day_s.size - 1)
            self._advance(sub, d, mask, record=True, paths=rows)
        if sub is not st:
            _put_rows(st, rows, sub)

    def _take_projection(self, until: npt.NDArray[np.int64], active: npt.NDArray[np.bool_]) -> None:
        """Commit from the last projection the days it advanced (see :meth:`_commit`)."""
        steps, start = self._projection, self._projection_start
        self._projection = []
        st = self._state
        if not steps:
            return
        # Steps the projection advanced each path for, from the day the path is at now.
        covered = np.zeros(self.n_paths, dtype=np.int64)
        going = active & (start == st.day)
        for step in steps:
            advanced = np.zeros(self.n_paths, dtype=bool)
            advanced[step.rows[step.mask]] = True
            going &= advanced
            covered += going
        take = np.minimum(np.maximum(until - st.day, 0), covered)
        take = np.where(active & (start == st.day), take, 0)
        g_rows, g_cols = self._program_cells()
        records = self._records
        for j, step in enumerate(steps):
            rows = np.flatnonzero(take > j)
            if rows.size == 0:
                break
            # The rows' places in the step's arrays; the last step taken sets the state.
            at = np.searchsorted(step.rows, rows)
            take_step(
                rows,
                at,
                take[rows] == j + 1,
                step,
                g_rows=g_rows,
                g_cols=g_cols,
                bans=bool(self._transit),
                records=records,
                cap=st.cap,
                deliveries=st.deliveries,
                ema=st.ema,
                subsidy_sat=st.subsidy_sat,
                height=st.height,
                day=st.day,
            )

    def __call__(self, state: EpochState) -> FleetHashrate:
        """Commit the epoch that ended, then project the next weeks (engine protocol)."""
        raw = np.asarray(state.time_s, dtype=float)
        active = np.asarray(state.active, dtype=bool) & np.isfinite(raw)
        time_s = np.where(active, raw, np.nanmax(np.where(np.isfinite(raw), raw, -np.inf)))
        day = np.floor((time_s - self.day_s[0]) / SECONDS_PER_DAY).astype(np.int64)
        day = np.clip(day, 0, self.day_s.size - 1)
        if self._started:
            self._commit(day, active)
        self._started = True
        st = self._state
        difficulty = np.asarray(state.difficulty, dtype=float)
        new_difficulty = np.where(
            np.isfinite(difficulty) & (difficulty > 0), difficulty, st.difficulty
        )
        # Rule 1's expectation knows a retarget that cuts revenue: the difficulty of the next
        # 2016 blocks is set by the block that starts them, so a machine that loses money at
        # it switches off at once (as at a halving). A fall keeps the average's lag: machines
        # come back over weeks, and the lag is what keeps the loop through the retarget
        # stable (restated both ways, the difficulty swung ±60-140 % after the 2028 halving).
        st.ema = st.ema * np.minimum(_difficulty_factor(st.difficulty, new_difficulty), 1.0)
        st.difficulty = new_difficulty
        st.height = np.full(self.n_paths, float(state.start_height))
        first = int(day[active].min()) if active.any() else int(day.min())
        last = min(int(day.max()) + PROJECTION_DAYS, self.day_s.size - 1)
        # Each path is projected on its own calendar from its epoch's first day, until its
        # projected work is well past what the epoch needs (PROJECTION_MARGIN), or for
        # PROJECTION_DAYS at most; the knots after that hold the last value. The epoch ends
        # before with overwhelming probability, so what it uses is what a longer window gives.
        needed = PROJECTION_MARGIN * state.n_blocks * st.difficulty * HASHES_PER_DIFFICULTY
        needed = np.where(np.isfinite(needed), needed, np.inf)
        # The projection reads the order book on its days and writes it lag_days on: it takes
        # a copy of those columns only (the commit takes its orders over, not its book).
        book_from = int(day.min())
        book_to = min(int(day.max()) + PROJECTION_DAYS + self.params.lag_days + 1, self.day_s.size)
        projection = _State(
            cap=st.cap.copy(),
            ema=st.ema.copy(),
            subsidy_sat=st.subsidy_sat.copy(),
            height=st.height.copy(),
            day=np.maximum(st.day, day),
            difficulty=st.difficulty.copy(),
            deliveries=st.deliveries[:, book_from:book_to].copy(),
            deliveries_from=book_from,
        )
        end = np.minimum(day + PROJECTION_DAYS, last)
        # The running hashrate of every path per projected day (0 where not stepped).
        projected = np.zeros((self.n_paths, len(self.actor_names), PROJECTION_DAYS + 1))
        kept: list[_Step] = []
        done = np.zeros(self.n_paths, dtype=np.int64)
        work = np.zeros(self.n_paths)
        going = active.copy() if active.any() else np.ones(self.n_paths, dtype=bool)
        rows = np.arange(self.n_paths)
        for j in range(PROJECTION_DAYS + 1):
            going &= day + j <= end
            if j > 0 and not going.any():
                break
            if j > 0 and going[rows].sum() < 0.8 * rows.size:
                # Step only the paths still projected (rows are independent): a smaller state.
                keep = going[rows]
                rows = rows[keep]
                projection = _State(
                    cap=projection.cap[keep],
                    ema=projection.ema[keep],
                    subsidy_sat=projection.subsidy_sat[keep],
                    height=projection.height[keep],
                    day=projection.day[keep],
                    difficulty=projection.difficulty[keep],
                    deliveries=projection.deliveries[keep],
                    deliveries_from=book_from,
                )
            d = np.minimum(day[rows] + j, self.day_s.size - 1)
            running = self._advance(
                projection, d, going[rows], record=False, steps=kept, paths=rows
            )
            projected[rows, :, j] = running
            done = np.where(going | (j == 0), j + 1, done)
            if j > 0:  # the paths not stepped are not going
                work[rows] += np.where(going[rows], running.sum(axis=1) * SECONDS_PER_DAY, 0.0)
                going &= work < needed
        # The commit takes this projection over where a path starts on the day it is at.
        self._projection, self._projection_start = kept, day.copy()
        # Column c of the knots is day first + c: a path's own step c - (own - first), held
        # before its first day and after its last projected one.
        column = np.arange(last - first + 1)[None, :] - (day - first)[:, None]
        step = np.clip(column, 0, (done - 1)[:, None])
        values = take_steps(projected, step)  # np.take_along_axis on axis 2
        knots = self.day_s[first : last + 1]
        if self.n_paths == 1:
            return FleetHashrate(times_s=knots, hashrate_hs=values[0], interpolation="step")
        return FleetHashrate(times_s=knots, hashrate_hs=values, interpolation="step")

    def finish(self, end_time_s: FloatArray | float) -> None:
        """Commit the days after the last epoch start up to ``end_time_s`` (per path)."""
        ends = np.broadcast_to(np.asarray(end_time_s, dtype=float), (self.n_paths,))
        day = np.floor((ends - self.day_s[0]) / SECONDS_PER_DAY).astype(np.int64) + 1
        day = np.clip(day, 0, self.day_s.size)
        self._commit(day, np.ones(self.n_paths, dtype=bool))

    # --- what it assumed --------------------------------------------------------------------

    def assumptions(self) -> list[Assumption]:
        """Every assumption of the run: behaviour parameters, fitted entry scale, regions."""
        from hashtide.market.behaviour import PARAM_SOURCES

        rows = [
            Assumption(name=name, value=f"{value:g}", source=PARAM_SOURCES[name])
            for name, value in self.params.as_dict().items()
        ]
        entry = self.entry
        fit_from = dt.datetime.fromtimestamp(entry.first_day_s, tz=dt.UTC).date()
        fit_to = dt.datetime.fromtimestamp(entry.last_day_s, tz=dt.UTC).date()
        rows.append(
            Assumption(
                name="entry scale κ",
                value=f"{entry.kappa_per_day:.3g} per day",
                source=f"fitted on {fit_from} … {fit_to} (before the start): the reconstructed "
                "additions divided by the lagged running hashrate × new-machine margin",
            )
        )
        for event in self.past_events:
            rows.append(
                Assumption(
                    name=f"event before the start: {event.name}",
                    value="not applied",
                    source="its effect is in the chain history the fleet was rebuilt from",
                )
            )
        for region in self.fleet.regions:
            rows.append(
                Assumption(
                    name=f"{region.name}: share at start",
                    value=f"{self.fleet.shares[region.key]:.1%}",
                    source="Cambridge mining map, newest quoted month before the start "
                    "(mining_map_shares.csv)",
                )
            )
            rows.append(
                Assumption(
                    name=f"{region.name}: median power price",
                    value=f"{region.power_price_usd_per_kwh:.3f} USD/kWh, spread "
                    f"{region.power_price_spread:g}, PUE {region.pue:g}",
                    source=region.sources.get("power_price_usd_per_kwh", "scenario file"),
                )
            )
            if len(set(region.availability_fracs)) > 1 or len(set(region.price_factors)) > 1:
                rows.append(
                    Assumption(
                        name=f"{region.name}: seasons",
                        value="availability by month "
                        + ", ".join(f"{v:g}" for v in region.availability_fracs)
                        + "; price factors "
                        + ", ".join(f"{v:g}" for v in region.price_factors),
                        source=region.sources.get("availability_fracs", "scenario file"),
                    )
                )
            if region.china_fracs is not None:
                rows.append(
                    Assumption(
                        name=f"{region.name}: share of China by month (carbon mix)",
                        value=", ".join(f"{v:.2f}" for v in region.china_fracs),
                        source=region.sources.get("china_fracs", "scenario file"),
                    )
                )
            r = list(self.fleet.regions).index(region)
            rows.append(
                Assumption(
                    name=f"{region.name}: carbon intensity",
                    value=f"{self.intensity[r, 0]:.1f} gCO2e/kWh, renewable "
                    f"{self.renewable[r, 0]:.1%}",
                    source=region.sources.get("carbon", "Ember grid average"),
                )
            )
        rows.append(
            Assumption(
                name="hardware on sale",
                value=f"{self._new_eff_daily[0]:.1f} J/TH at the start",
                source="median efficiency of the catalog models released in the 12 months "
                "before (hashtide hardware catalog); before July 2016 the AntMiner S1-S7 "
                "(Bitcoin Wiki table)",
            )
        )
        rows.append(
            Assumption(
                name="supply pace",
                value=f"{self.entry.net_growth_hs_per_day / 1e15:,.1f} PH/s per day, then "
                f"{self.entry.long_run_growth_hs_per_day / 1e15:,.1f}",
                source="fitted: the network's net growth over the "
                f"{self.params.supply_days} days before the start (chain history), held as "
                f"long again, then moving over the next {self.params.supply_days} days to the "
                f"net growth over the {self.params.fit_days} days before the start",
            )
        )
        return rows


def _rows_of(st: _State, rows: npt.NDArray[np.int64]) -> _State:
    """The state of ``rows`` only (a copy)."""
    return _State(
        cap=st.cap[rows],
        ema=st.ema[rows],
        subsidy_sat=st.subsidy_sat[rows],
        height=st.height[rows],
        day=st.day[rows],
        difficulty=st.difficulty[rows],
        deliveries=st.deliveries[rows],
    )


def _put_rows(st: _State, rows: npt.NDArray[np.int64], sub: _State) -> None:
    """Write the state of ``rows`` (from :func:`_rows_of`, advanced) back into ``st``."""
    st.cap[rows] = sub.cap
    st.ema[rows] = sub.ema
    st.subsidy_sat[rows] = sub.subsidy_sat
    st.height[rows] = sub.height
    st.day[rows] = sub.day
    st.difficulty[rows] = sub.difficulty
    st.deliveries[rows] = sub.deliveries


def _reward_factor(
    subsidy_sat: FloatArray, before_sat: FloatArray, fees_btc: FloatArray | float
) -> FloatArray:
    """Block reward now over the reward the hashprice average was built under [-].

    ``(subsidy + fees) / (subsidy before + fees)``: 1 exactly unless a halving happened since
    the last update, then about ½ (less the fees' share).
    """
    now = subsidy_sat / SAT_PER_BTC + fees_btc
    before = before_sat / SAT_PER_BTC + fees_btc
    out: FloatArray = np.where(subsidy_sat == before_sat, 1.0, now / np.maximum(before, 1e-300))
    return out


def _difficulty_factor(before: FloatArray, now: FloatArray) -> FloatArray:
    """Difficulty the hashprice average was built under over the difficulty now [-].

    Hashprice is inversely proportional to difficulty (blocks per TH and day); 1 where either
    is unknown (the first epoch) or nothing changed. Rule 1 applies it where it is below 1.
    """
    known = np.isfinite(before) & np.isfinite(now) & (before > 0) & (now > 0)
    out: FloatArray = np.where(known, before / np.where(known, now, 1.0), 1.0)
    return out


def _program_flows(
    programs: Sequence[StateProgram], days: FloatArray, default_life_s: float
) -> FloatArray:
    """Net hashrate each program gains each day [H/s], shape (programs, days).

    The day's deliveries (its ramp) less the machines delivered one lifetime earlier: machines
    delivered over a ramp retire by delivery day, over the same span, not all on one day.
    """
    out = np.zeros((len(programs), days.size))
    for g, program in enumerate(programs):
        life_s = (
            default_life_s
            if program.lifetime_days is None
            else program.lifetime_days * SECONDS_PER_DAY
        )
        delivered = _installed_frac(program, days)
        retired = _installed_frac(program, days - life_s)
        out[g] = np.diff(delivered - retired, prepend=0.0) * program.hashrate_hs
    return out


def _running_frac_log(
    log_hashprice: FloatArray, log_cost: FloatArray, log_price: FloatArray, spread: FloatArray
) -> FloatArray:
    """:func:`~hashtide.market.behaviour.running_frac` from logarithms (arrays broadcast).

    ``Φ((ln hashprice − (ln cost at 1 USD/kWh + ln price)) / spread)``: the same rule, with
    the logarithms of the cohort's cost and its region's price taken once per cohort and day
    and that of the hashprice once per path, instead of one per path, cohort and day (equal up
    to rounding, tests/test_world_speed.py). ``log_cost`` is ``ln(e · PUE · 24 h / 1000)``.
    """
    result: FloatArray = ndtr((log_hashprice - (log_cost + log_price)) / spread)
    return result


def _installed_frac(program: StateProgram, days: FloatArray) -> FloatArray:
    """:meth:`StateProgram.installed_frac_at` on every day at once (the same arithmetic)."""
    start = program.start_s
    if program.ramp_days <= 0:
        return np.where(days < start, 0.0, 1.0)
    ramp = np.minimum(1.0, (days - start) / (program.ramp_days * SECONDS_PER_DAY))
    result: FloatArray = np.where(days < start, 0.0, ramp)
    return result


def _daily_mean(profile: AvailabilityProfile, days: FloatArray) -> FloatArray:
    """Mean availability of ``profile`` over each day (sampled at mid-hour)."""
    hours = days[:, None] + (np.arange(24) + 0.5)[None, :] * (SECONDS_PER_DAY / 24)
    values = np.asarray(profile.availability_frac(hours.ravel()), dtype=float)
    result: FloatArray = values.reshape(hours.shape).mean(axis=1)
    return result


def _linear_hazard(days: FloatArray, start_s: float, ramp_days: float) -> FloatArray:
    """Share of what remains removed each day so that all goes linearly over the ramp.

    Day ``j`` of the ramp (counted on the calendar from ``start_s``, so a ramp that began before
    the grid continues where it is) removes ``1 / (n − j)`` of what remains; the last day all.
    """
    n = max(1, round(ramp_days))
    j = np.floor((days - start_s) / SECONDS_PER_DAY + 1e-9).astype(np.int64)
    inside = (j >= 0) & (j < n)
    out = np.zeros(days.size)
    out[inside] = 1.0 / (n - j[inside])
    # A ramp already under way at the grid's first day: that day takes the days before too.
    first_inside = np.flatnonzero(inside)
    if first_inside.size and first_inside[0] == 0 and j[0] > 0:
        out[0] = 1.0 / (n - j[0])
    return out


#: A ban whose shutdown is over stays in a run while more than this share of its regions'
#: machines is still in transit or covert at the start (below it, it is history).
AFTERMATH_MIN_FRAC = 0.01


@dataclass(frozen=True, kw_only=True)
class BanProgress:
    """Where a ban's regions' machines (as shares of those installed on its first day) are, by
    the ban's own daily schedule (the run's, ``_advance``).

    Attributes
    ----------
    left : float
        Not yet stopped (still in the banned regions).
    back : float
        Covert machines come back to the regions.
    arrived : float
        Relocated machines arrived at the destinations.
    transit1, transit2 : float
        Relocated machines on their way (the two stages of the delay).
    hidden : float
        Covert machines not yet back.
    """

    left: float
    back: float
    arrived: float
    transit1: float
    transit2: float
    hidden: float

    @property
    def in_regions(self) -> float:
        """Machines in the banned regions: not yet stopped, or covert and back."""
        return self.left + self.back

    @property
    def out_of_network(self) -> float:
        """Machines not hashing anywhere: stopped for good, in transit or covert and waiting."""
        return 1.0 - self.left - self.back - self.arrived


def ban_progress(ban: RegionalBan, time_s: float) -> BanProgress:
    """The ban's own daily schedule (the run's, ``_advance``) from its first day to the
    midnight of ``time_s`` (that day's step not taken). Nothing moved for a ban that had not
    begun.
    """
    if ban.start_s >= time_s:
        return BanProgress(left=1.0, back=0.0, arrived=0.0, transit1=0.0, transit2=0.0, hidden=0.0)
    first = math.floor(ban.start_s / SECONDS_PER_DAY) * SECONDS_PER_DAY
    n_days = max(0, math.floor((time_s - first) / SECONDS_PER_DAY))
    days: FloatArray = first + SECONDS_PER_DAY * np.arange(n_days, dtype=float)
    removal = _linear_hazard(days, ban.start_s, ban.ramp_days)
    returns = _linear_hazard(days, ban.resume_s, ban.covert_ramp_days)
    rate = 2.0 / ban.relocate_delay_days
    left, back, arrived, transit1, transit2, hidden = 1.0, 0.0, 0.0, 0.0, 0.0, 0.0
    for d in range(days.size):
        removed = left * removal[d]
        left -= removed
        transit1 += removed * ban.relocate_frac
        hidden += removed * ban.covert_frac
        flow1, flow2 = transit1 * rate, transit2 * rate
        transit1 -= flow1
        transit2 += flow1 - flow2
        arrived += flow2
        moved = hidden * returns[d]
        hidden -= moved
        back += moved
    return BanProgress(
        left=left, back=back, arrived=arrived, transit1=transit1, transit2=transit2, hidden=hidden
    )


def ban_aftermath(ban: RegionalBan, start_time_s: float) -> tuple[float, float, float]:
    """Shares of the banned regions' machines in transit (its two stages) and covert, not yet
    back, at ``start_time_s``: the ban's own daily schedule (:func:`ban_progress`) from its
    start to the start's midnight. All zero for a ban that had not begun.
    """
    if ban.start_s >= start_time_s:
        return 0.0, 0.0, 0.0
    p = ban_progress(ban, start_time_s)
    return p.transit1, p.transit2, p.hidden


def ban_in_run(ban: RegionalBan, start_time_s: float) -> bool:
    """A run from ``start_time_s`` applies the ban: not begun, its shutdown under way, or more
    than :data:`AFTERMATH_MIN_FRAC` of its machines still in transit or covert."""
    return (
        ban.start_s + max(ban.ramp_days, 1.0) * SECONDS_PER_DAY > start_time_s
        or sum(ban_aftermath(ban, start_time_s)) > AFTERMATH_MIN_FRAC
    )


@dataclass(frozen=True, kw_only=True)
class BanBaseline:
    """The network before a ban (or before the first of overlapping bans), as known then.

    Attributes
    ----------
    time_s : float
        The first day of the earliest ban whose shutdown overlaps this one's [s].
    network_hs : float
        The nowcast hashrate of that day without the power cuts under way then (the installed
        machines' hashrate, :func:`hashtide.market.nowcast.with_cuts`) [H/s].
    shares : dict
        The regions' shares of the mining map known that day.
    """

    time_s: float
    network_hs: float
    shares: dict[str, float]


def ban_baselines(
    events: Sequence[Event],
    time_s: float,
    regions: Sequence[Region],
    quotes: Sequence[MapQuote] | None = None,
) -> list[tuple[RegionalBan, BanBaseline]]:
    """Each ban of ``events`` that began by ``time_s``, with the network it removes machines from.

    Bans whose shutdowns overlap (one begins before another's is done, such as Sichuan's of
    18 June 2021 inside Xinjiang's of 9 June) share the baseline of the earliest: the later
    one's own first day already shows the earlier one's removals. The baseline is the nowcast
    of that day (data before it only) with the power cuts that had begun by then taken out, and
    the mining map known then: no event or data after ``time_s`` is read.
    """
    from hashtide.market.nowcast import nowcast, with_cuts
    from hashtide.market.regions import region_shares

    known = sorted(
        (e for e in events if isinstance(e, RegionalBan) and e.start_s <= time_s),
        key=lambda e: e.start_s,
    )
    out: list[tuple[RegionalBan, BanBaseline]] = []
    group_end = -math.inf
    baseline: BanBaseline | None = None
    for ban in known:
        if baseline is None or ban.start_s >= group_end:
            day = dt.datetime.fromtimestamp(ban.start_s, tz=dt.UTC).date()
            shares = region_shares(day, regions, quotes=quotes)
            now = with_cuts(nowcast(ban.start_s), events, shares)
            baseline = BanBaseline(
                time_s=ban.start_s, network_hs=now.uncut_hashrate_hs, shares=shares
            )
            group_end = -math.inf
        group_end = max(group_end, ban.start_s + max(ban.ramp_days, 1.0) * SECONDS_PER_DAY)
        out.append((ban, baseline))
    return out


def ban_network_frac(baselines: Sequence[tuple[RegionalBan, BanBaseline]], time_s: float) -> float:
    """Share of the network before the bans that their schedules leave hashing at ``time_s``.

    Per baseline (group of overlapping bans) ``1 − Σ_b Σ_r s_r o_b(t)``, with ``s_r`` the
    banned region's share of the map then and ``o_b(t)`` the share of its machines out of the
    network (stopped, in transit, covert and waiting: :attr:`BanProgress.out_of_network`);
    the product over baselines.
    """
    lost: dict[int, float] = {}
    for ban, base in baselines:
        out = ban_progress(ban, time_s).out_of_network
        if out > 0.0:
            lost[id(base)] = lost.get(id(base), 0.0) + out * sum(
                base.shares.get(key, 0.0) for key in ban.regions
            )
    return float(np.prod([max(0.0, 1.0 - v) for v in lost.values()])) if lost else 1.0


def bans_at_start(
    baselines: Sequence[tuple[RegionalBan, BanBaseline]], start_time_s: float
) -> list[tuple[RegionalBan, BanBaseline]]:
    """The bans a run from ``start_time_s`` carries under way: begun before it and still in the
    run (:func:`ban_in_run`)."""
    return [
        (ban, base)
        for ban, base in baselines
        if ban.start_s < start_time_s and ban_in_run(ban, start_time_s)
    ]


def ban_start_shares(
    shares: dict[str, float],
    baselines: Sequence[tuple[RegionalBan, BanBaseline]],
    start_time_s: float,
    network_hs: float,
) -> dict[str, float]:
    """The regions' shares at a start inside a ban's shutdown or aftermath.

    A banned region holds what the ban's schedule leaves there (``s_r N_0 (left + back)``,
    :class:`BanProgress`, ``N_0`` the baseline network) out of ``network_hs``, not its map
    share of the network (the map before the ban counts the machines already stopped or on
    their way, which :func:`ban_aftermath` puts in transit and covert); the other regions share
    the rest in proportion to their map shares.
    """
    fixed: dict[str, float] = {}
    for ban, base in bans_at_start(baselines, start_time_s):
        kept = ban_progress(ban, start_time_s).in_regions
        for key in ban.regions:
            if key in shares:
                fixed[key] = base.shares.get(key, 0.0) * base.network_hs * kept / network_hs
    if not fixed:
        return dict(shares)
    total_fixed = sum(fixed.values())
    if total_fixed >= 1.0:
        raise InvalidInputError(
            f"the banned regions {sorted(fixed)} would hold {total_fixed:.0%} of the network at "
            "the start: the nowcast is below what the bans' schedules leave there"
        )
    others = sum(v for k, v in shares.items() if k not in fixed)
    rest = 1.0 - total_fixed
    return {
        k: fixed[k] if k in fixed else (v * rest / others if others > 0 else 0.0)
        for k, v in shares.items()
    }


def _banned_before(
    fleet: WorldFleet, ban: RegionalBan, baseline: BanBaseline
) -> dict[int, FloatArray]:
    """Installed machines of each banned region (row of ``fleet``) before the ban, by the
    fleet's vintages [H/s]: the region's share of the map at the baseline × the baseline's
    network without power cuts (:func:`ban_baselines`), installed per running machine as
    :func:`build_fleet` sizes a region at the start — the start fleet's vintage mix and
    smoothed hashprice (the run's machines), the region's power price and availability on the
    ban's first day.
    """
    mix = fleet.capacity_hs.sum(axis=0)
    mix = mix / mix.sum() if mix.sum() > 0 else mix
    out: dict[int, FloatArray] = {}
    for r, region in enumerate(fleet.regions):
        if region.key not in ban.regions:
            continue
        on = running_frac(
            fleet.smoothed_hashprice_usd_per_th_day,
            fleet.vintage_efficiency_j_per_th,
            region.power_price_at(ban.start_s),
            spread=region.power_price_spread,
            pue=region.pue,
        )
        per_unit = float(np.sum(mix * on)) * float(region.availability_at(ban.start_s))
        ratio = 1.0 / max(per_unit, 1.0 / MAX_IDLE_RATIO)
        out[r] = baseline.shares.get(region.key, 0.0) * baseline.network_hs * ratio * mix
    return out


def fit_entry_for(fleet: WorldFleet, start_time_s: float, params: BehaviourParams) -> EntryFit:
    """Fit the entry scale κ on the ``fit_days`` before ``start_time_s`` (rule 2)."""
    recon = fleet.reconstruction
    lag_s = params.lag_days * SECONDS_PER_DAY
    window = (recon.week_s >= start_time_s - params.fit_days * SECONDS_PER_DAY) & (
        recon.week_s + 7 * SECONDS_PER_DAY <= start_time_s
    )
    if not window.any():
        raise InvalidInputError("no reconstructed week to fit the entry rate on")
    weeks = recon.week_s[window]
    lagged = weeks - lag_s
    running = np.interp(lagged, recon.week_s, recon.running_hs)
    margin = np.interp(lagged, recon.week_s, recon.margin)
    fit = fit_entry(weeks, recon.added_hs[window] / 7.0, running, margin)
    # The supply pace: net growth over the supply window (4-week means at both ends), and the
    # long-run pace over the fit window (two years), which the pace moves to (supply_pace).
    last4 = float(recon.running_hs[-4:].mean())

    def pace(days: int) -> float:
        back = np.flatnonzero(recon.week_s <= start_time_s - days * SECONDS_PER_DAY)
        first4 = (
            float(recon.running_hs[max(0, back[-1] - 3) : back[-1] + 1].mean())
            if back.size
            else last4
        )
        return max(0.0, (last4 - first4) / days)

    return replace(
        fit,
        net_growth_hs_per_day=pace(params.supply_days),
        long_run_growth_hs_per_day=pace(params.fit_days),
    )
