"""The world market in the engine: conservation, events, independence of paths, seeds."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from hashtide.engine import EpochState
from hashtide.errors import InvalidInputError
from hashtide.hardware import get_model
from hashtide.market import (
    BehaviourParams,
    PowerCut,
    RegionalBan,
    StateProgram,
    WorldMarket,
    build_fleet,
    chain_history,
    simulate,
)

HEIGHT = 681_408  # first block 2021-05-01 20:27 UTC
CHINA = ("china_hydro", "china_coal", "china_other")
#: No scrapping, no wear-out: installed machines are conserved except where events move them.
FROZEN = BehaviourParams(scrap_days=1e12, lifetime_years=1e6)


def _start() -> float:
    history = chain_history()
    return float(history.start_s[history.row_of_height(HEIGHT)])


def _day(time_s: float, market: WorldMarket) -> int:
    return int((time_s - market.day_s[0]) // 86_400)


def test_expected_run_starts_from_the_chain() -> None:
    run = simulate(_start(), epochs=3, mode="expected")
    frame = run.epochs_frame()
    history = chain_history()
    # The first period's difficulty is the chain's (an input); later ones are simulated.
    assert frame["start_height"].tolist()[:4] == [HEIGHT, HEIGHT + 2016, HEIGHT + 4032,
                                                  HEIGHT + 6048]  # fmt: skip
    assert frame["difficulty"].iloc[0] == history.difficulty[history.row_of_height(HEIGHT)]
    daily = run.daily_frame()
    assert daily["hashrate_hs"].notna().all()
    assert (daily["power_w"] > 0).all()
    # Carbon intensity is a power-weighted mean of the regions' (24 … 833 g/kWh in 2021).
    assert daily["carbon_intensity_g_per_kwh"].between(24, 834).all()


def test_a_ban_moves_every_machine_and_conserves_them() -> None:
    ban = RegionalBan(
        name="all of China",
        regions=CHINA,
        start=dt.date(2021, 5, 10),
        ramp_days=4,
        stop_frac=0.0,
        relocate_frac=0.5,
        covert_frac=0.5,
        relocate_to={"united_states": 0.6, "kazakhstan": 0.4},
        relocate_delay_days=30,
        covert_resume=dt.date(2021, 6, 20),
        covert_ramp_days=5,
    )
    run = simulate(_start(), epochs=4, events=(ban,), params=FROZEN)
    market = run.market
    keys = market.actor_names
    china = [keys.index(k) for k in CHINA]
    running = market.running_hs[0]
    after_ramp = _day(dt.datetime(2021, 5, 15, tzinfo=dt.UTC).timestamp(), market)
    before_resume = _day(dt.datetime(2021, 6, 19, tzinfo=dt.UTC).timestamp(), market)
    assert np.all(running[after_ramp:before_resume, china] == 0.0)
    # Conservation (independent bookkeeping): with no scrapping and no wear-out, installed
    # machines only move between compartments — what leaves China is in transit, hidden or
    # abroad, plus the day's deliveries of new machines.
    cap = market._state.cap[0]
    assert np.all(cap >= -1e-3)
    first = _day(market.start_time_s, market)
    delivered = market._state.deliveries[0, first : market._state.day[0]].sum()
    total = cap.sum()
    assert total == pytest.approx(market.fleet.capacity_hs.sum() + delivered, rel=1e-9)


def test_stopped_machines_leave_and_power_cuts_end() -> None:
    ban = RegionalBan(name="stop", regions=("china_coal",), start=dt.date(2021, 5, 10))
    cut = PowerCut(name="cut", regions=("iran",), start=dt.date(2021, 5, 12), days=5)
    run = simulate(_start(), epochs=2, events=(ban, cut), params=FROZEN)
    market = run.market
    running = market.running_hs[0]
    coal = market.actor_names.index("china_coal")
    iran = market.actor_names.index("iran")
    d = _day(dt.datetime(2021, 5, 14, tzinfo=dt.UTC).timestamp(), market)
    assert running[d, coal] == 0.0
    assert running[d, iran] == 0.0
    assert running[d + 5, iran] > 0.0  # the cut is over
    assert market.transit_hs[0, d] == 0.0  # nobody relocates: stop_frac = 1


def test_a_state_program_takes_share_and_the_rest_responds() -> None:
    program = StateProgram(name="reserve", start=dt.date(2021, 5, 5), facility_power_w=20e9,
                           machine=get_model("Antminer S19 Pro"), pue=1.1,
                           power_price_usd_per_kwh=0.02)  # fmt: skip
    base = simulate(_start(), epochs=4)
    with_program = simulate(_start(), epochs=4, events=(program,))
    actor = with_program.actor_names.index("program: reserve")
    end = int(np.flatnonzero(np.isfinite(with_program.market.running_hs[0, :, 0]))[-1])
    program_hs = with_program.market.running_hs[0, end, actor]
    # 20 GW / (1.1 × 3,250 W) = 5,594,405 machines × 110 TH/s (independent arithmetic).
    assert program_hs == pytest.approx(5_594_405 * 110e12, rel=1e-9)
    rest = with_program.market.running_hs[0, end].sum() - program_hs
    # Rule 1 and 2: the rest of the world runs less than without the program (hashprice fell).
    assert rest < base.market.running_hs[0, end].sum()
    assert with_program.sim.difficulty[0, -1] > base.sim.difficulty[0, -1]


def test_paths_are_independent() -> None:
    """Row p of the market's output depends only on row p of the state (engine contract)."""
    fleet = build_fleet(_start())
    history = chain_history()
    row = history.row_of_height(HEIGHT)

    def state(difficulty: list[float], epoch: int, time_s: list[float]) -> EpochState:
        n = len(difficulty)
        return EpochState(
            epoch=epoch,
            start_height=HEIGHT + 2016 * epoch,
            n_blocks=2016,
            time_s=np.array(time_s),
            bits=np.full(n, int(history.bits[row]), dtype=np.int64),
            difficulty=np.array(difficulty),
            active=np.ones(n, dtype=bool),
            blocks=np.zeros((n, 10)),
            reward_sat=np.zeros((n, 10)),
            previous_hashrate_hs=np.full(n, np.nan),
            actor_names=tuple(fleet.region_keys),
        )

    def market(n: int) -> WorldMarket:
        return WorldMarket.prepare(fleet, start_time_s=_start(), start_height=HEIGHT,
                                   end_time_s=_start() + 60 * 86_400, n_paths=n)  # fmt: skip

    d0 = float(history.difficulty[row])
    t0, t1a, t1b = _start(), _start() + 13 * 86_400, _start() + 15.5 * 86_400
    both = market(2)
    both(state([d0, d0], 0, [t0, t0]))
    out = both(state([d0 * 1.1, d0 * 0.9], 1, [t1a, t1b]))
    for p, (d1, t1) in enumerate([(d0 * 1.1, t1a), (d0 * 0.9, t1b)]):
        alone = market(1)
        alone(state([d0], 0, [t0]))
        single = alone(state([d1], 1, [t1]))
        knots = {float(t): k for k, t in enumerate(out.times_s)}
        common = [(knots[float(t)], j) for j, t in enumerate(single.times_s) if t >= t1 - 86_400]
        got = np.array([out.hashrate_hs[p, :, k] for k, _ in common])
        want = np.array([single.hashrate_hs[:, j] for _, j in common])
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_monte_carlo_same_seed_same_result() -> None:
    a = simulate(_start(), epochs=2, mode="monte_carlo", n_paths=4, rng=np.random.default_rng(7))
    b = simulate(_start(), epochs=2, mode="monte_carlo", n_paths=4, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a.sim.bits, b.sim.bits)
    np.testing.assert_array_equal(a.market.running_hs, b.market.running_hs)


def test_simulate_bad_input() -> None:
    with pytest.raises(InvalidInputError, match="exactly one of end_time_s and epochs"):
        simulate(_start())
    with pytest.raises(InvalidInputError, match="needs rng"):
        simulate(_start(), epochs=1, mode="monte_carlo", n_paths=2)
    fleet = build_fleet(_start())
    with pytest.raises(InvalidInputError, match="not built for the start period"):
        simulate(_start() + 20 * 86_400, epochs=1, fleet=fleet)
    with pytest.raises(InvalidInputError, match=r"unknown regions \['mars'\]"):
        simulate(_start(), epochs=1,
                 events=(PowerCut(name="c", regions=("mars",), start=dt.date(2021, 5, 9),
                                  days=1),))  # fmt: skip


def test_new_machines_go_where_a_banned_regions_machines_went() -> None:
    from hashtide.market.regions import order_shares

    # Start shares of three regions; region "a" is banned from day 10 with its relocated
    # machines going 3/4 to "b", 1/4 to "c": from then, a's share of new machines (0.5) goes
    # the same way (independent arithmetic: b 0.3 + 0.375, c 0.2 + 0.125).
    shares = order_shares(
        [0.5, 0.3, 0.2], ["a", "b", "c"], [(10.0, ["a"], {"b": 0.75, "c": 0.25})], [0.0, 9.0, 10.0]
    )
    assert shares[:, 0].tolist() == pytest.approx([0.5, 0.3, 0.2])
    assert shares[:, 1].tolist() == pytest.approx([0.5, 0.3, 0.2])
    assert shares[:, 2].tolist() == pytest.approx([0.0, 0.675, 0.325])
    # Without destinations the banned share is spread over the open regions by their shares;
    # a later ban of a destination moves what it had gained too; all banned: nothing.
    plain = order_shares([0.5, 0.3, 0.2], ["a", "b", "c"], [(0.0, ["a"], {})], [0.0])
    assert plain[:, 0].tolist() == pytest.approx([0.0, 0.6, 0.4])
    chain = order_shares(
        [0.5, 0.3, 0.2],
        ["a", "b", "c"],
        [(0.0, ["a"], {"b": 1.0}), (5.0, ["b"], {"c": 1.0})],
        [0.0, 5.0],
    )
    assert chain[:, 1].tolist() == pytest.approx([0.0, 0.0, 1.0])
    closed = order_shares([0.5, 0.5], ["a", "b"], [(0.0, ["a", "b"], {})], [0.0])
    assert closed.sum() == 0.0


def test_a_ban_whose_shutdown_is_over_still_brings_its_machines() -> None:
    from hashtide.market.run import start_fleet
    from hashtide.market.world import AFTERMATH_MIN_FRAC, ban_aftermath

    ban = RegionalBan(
        name="all of China",
        regions=CHINA,
        start=dt.date(2021, 6, 9),
        ramp_days=1,
        stop_frac=0.4,
        relocate_frac=0.3,
        covert_frac=0.3,
        relocate_to={"united_states": 1.0},
        relocate_delay_days=60,
        covert_resume=dt.date(2021, 7, 1),
        covert_ramp_days=92,
    )
    start = dt.datetime(2021, 8, 1, tzinfo=dt.UTC).timestamp()
    transit1, transit2, hidden = ban_aftermath(ban, start)
    # Independent derivation of the run's daily scheme (removal, then each stage passes on
    # λ = 2/60 of what it holds): after the shutdown day and n more days stage one holds
    # r (1 − λ)^(n+1) and stage two (n+1) r λ (1 − λ)^n; the covert machines come back linearly
    # from 1 July over 92 days, 31 of them done by 1 August.
    n = (dt.date(2021, 8, 1) - dt.date(2021, 6, 9)).days - 1
    lam = 2.0 / 60.0
    assert transit1 == pytest.approx(0.3 * (1 - lam) ** (n + 1), rel=1e-9)
    assert transit2 == pytest.approx(0.3 * (n + 1) * lam * (1 - lam) ** n, rel=1e-9)
    assert hidden == pytest.approx(0.3 * (1 - 31 / 92), rel=1e-9)
    # Before the ban nothing is under way; a year later it is history.
    assert ban_aftermath(ban, dt.datetime(2021, 6, 1, tzinfo=dt.UTC).timestamp()) == (0, 0, 0)
    later = dt.datetime(2022, 6, 1, tzinfo=dt.UTC).timestamp()
    assert sum(ban_aftermath(ban, later)) < AFTERMATH_MIN_FRAC
    # A run from 1 August keeps the ban (its shutdown is in the chain, its machines to come are
    # not) and starts with those shares of China's machines of 9 June in transit and covert.
    fleet, now = start_fleet(start, events=(ban,))
    market = WorldMarket.prepare(
        fleet,
        start_time_s=now.begin_s,
        start_height=now.height,
        end_time_s=now.begin_s + 30 * 86_400,
        events=(ban,),
    )
    assert market.bans == (ban,)
    assert market.past_events == ()
    cap = market._state.cap[0]
    t1, t2 = market._transit[0]
    in_transit = cap[t1].sum() + cap[t2].sum()
    waiting = sum(cap[c].sum() for _, c in market._covert[0])
    assert in_transit / waiting == pytest.approx((transit1 + transit2) / hidden, rel=1e-9)
    assert 5e18 < waiting < 30e18  # 20 % of China's ~70 EH/s of June 2021, installed
    # A year later the same ban is history: not applied, reported as such.
    fleet, now = start_fleet(later, events=(ban,))
    market = WorldMarket.prepare(
        fleet,
        start_time_s=now.begin_s,
        start_height=now.height,
        end_time_s=now.begin_s + 30 * 86_400,
        events=(ban,),
    )
    assert market.bans == ()
    assert market.past_events == (ban,)


def _all_china_ban(**changes: object) -> RegionalBan:
    fields: dict[str, object] = {
        "name": "all of China",
        "regions": CHINA,
        "start": dt.date(2021, 6, 9),
        "ramp_days": 1,
        "stop_frac": 0.4,
        "relocate_frac": 0.0,
        "covert_frac": 0.6,
        "relocate_to": {},
        "relocate_delay_days": 60,
        "covert_resume": dt.date(2021, 9, 1),
        "covert_ramp_days": 92,
    }
    fields.update(changes)
    return RegionalBan(**fields)  # type: ignore[arg-type]


def test_ban_progress_follows_the_schedule_and_conserves_machines() -> None:
    from hashtide.market.world import ban_progress

    ban = _all_china_ban(
        ramp_days=4, relocate_frac=0.3, covert_frac=0.3, relocate_to={"united_states": 1.0}
    )
    # Independent derivation: a 4-day ramp stops a quarter of the machines each day (1/4 of
    # what remains on day 0, 1/3 on day 1, ...): after 2 days half are left.
    p = ban_progress(ban, dt.datetime(2021, 6, 11, tzinfo=dt.UTC).timestamp())
    assert p.left == pytest.approx(0.5, rel=1e-12)
    # Every machine is somewhere: left, back, arrived, in transit, covert, or stopped.
    for day in (10, 20, 60, 200):
        t = (dt.datetime(2021, 6, 9, tzinfo=dt.UTC) + dt.timedelta(days=day)).timestamp()
        p = ban_progress(ban, t)
        stopped = (1.0 - p.left) * ban.stop_frac
        total = p.left + p.back + p.arrived + p.transit1 + p.transit2 + p.hidden + stopped
        assert total == pytest.approx(1.0, rel=1e-12)
        assert p.out_of_network == pytest.approx(
            stopped + p.transit1 + p.transit2 + p.hidden, rel=1e-12
        )


def test_overlapping_bans_share_the_network_before_the_first() -> None:
    from hashtide.market.nowcast import nowcast
    from hashtide.market.regions import region_shares
    from hashtide.market.world import ban_baselines

    coal = _all_china_ban(name="coal", regions=("china_coal",), ramp_days=14)
    hydro = _all_china_ban(name="hydro", regions=("china_hydro",), start=dt.date(2021, 6, 18))
    later = _all_china_ban(name="later", regions=("china_other",), start=dt.date(2021, 8, 1))
    iran = PowerCut(
        name="Iran", regions=("iran",), start=dt.date(2021, 5, 26), days=119, available_frac=0.5
    )
    regions = build_fleet(_start()).regions
    t = dt.datetime(2021, 7, 1, tzinfo=dt.UTC).timestamp()
    pairs = ban_baselines((later, hydro, iran, coal), t, regions)
    # A ban after the date is not known; Sichuan's, inside Xinjiang's shutdown, is sized from
    # the network of Xinjiang's first day (its own first day shows Xinjiang's removals).
    assert [ban.name for ban, _ in pairs] == ["coal", "hydro"]
    assert pairs[0][1] is pairs[1][1]
    base = pairs[0][1]
    assert base.time_s == coal.start_s
    # Independent derivation: Iran's cut (from 26 May) covered the whole week before 9 June and
    # its first day: the chain showed 1 − 0.5 s_Iran of the machines installed.
    shares = region_shares(dt.date(2021, 6, 9), regions)
    raw = nowcast(coal.start_s).hashrate_hs
    assert base.network_hs == pytest.approx(raw / (1 - 0.5 * shares["iran"]), rel=1e-12)
    assert base.shares == shares
    # From 1 August the August ban starts its own baseline (the others' shutdowns were done).
    pairs = ban_baselines((later, hydro, iran, coal), later.start_s, regions)
    assert pairs[2][1].time_s == later.start_s


def test_a_start_just_after_a_shutdown_counts_its_machines_once() -> None:
    # All of China stops on 9 June 2021 (one day); 40 % scrapped, 60 % covert until September.
    # A run from 12 June: the nowcast's week (5-12 June) holds five days with China's machines
    # running (the schedule's day-0 step is taken at the end of 9 June); at the start none
    # runs. Independent derivation: China's share of the map of 9 June s, the share of the
    # window's hours from 10 June on φ: the window ran at
    # 1 − s φ of the network before the ban, the start at 1 − s, so the present is the nowcast
    # × (1 − s) / (1 − s φ); China's regions start empty and its machines of 9 June (s × the
    # network then) wait, covert, in full.
    from hashtide.market.nowcast import nowcast
    from hashtide.market.regions import region_shares
    from hashtide.market.run import start_fleet

    ban = _all_china_ban()
    start = dt.datetime(2021, 6, 12, tzinfo=dt.UTC).timestamp()
    fleet, now = start_fleet(start, events=(ban,))
    raw = nowcast(start)
    s = sum(region_shares(dt.date(2021, 6, 9), fleet.regions)[k] for k in CHINA)
    hours = np.arange(raw.window_start_s, raw.window_end_s, 3600.0) + 1800.0
    phi = float(np.mean(hours >= dt.datetime(2021, 6, 10, tzinfo=dt.UTC).timestamp()))
    assert phi == pytest.approx(2 / 7, abs=0.02)
    assert now.hashrate_hs == pytest.approx(raw.hashrate_hs * (1 - s) / (1 - s * phi), rel=1e-9)
    for key in CHINA:
        assert fleet.shares[key] == 0.0
    assert fleet.running_by_region_hs().sum() == pytest.approx(now.hashrate_hs, rel=1e-6)
    market = WorldMarket.prepare(
        fleet,
        start_time_s=now.begin_s,
        start_height=now.height,
        end_time_s=now.begin_s + 30 * 86_400,
        events=(ban,),
    )
    cap = market._state.cap[0]
    china_rows = [fleet.region_keys.index(k) for k in CHINA]
    assert cap[china_rows].sum() == 0.0
    waiting = sum(cap[c].sum() for _, c in market._covert[0])
    # Installed per running machine: the start fleet's ratio in the other regions is ≥ 1.
    network_before = nowcast(ban.start_s).hashrate_hs
    assert waiting >= 0.6 * s * network_before * 0.999
    assert waiting < 0.6 * s * network_before * 1.6
