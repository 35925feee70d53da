"""Policy events the world market reacts to: bans, power cuts, power-price shocks, programs.

Each event is a frozen, keyword-only dataclass, checked on construction. Several can act at
once; the market model (:class:`hashtide.market.WorldMarket`) applies them day by day:

* :class:`RegionalBan` — a region (or several, e.g. all of mainland China) bans mining from a
  date: over ``ramp_days`` every machine there stops; of those, ``stop_frac`` leave the network
  for good, ``relocate_frac`` move abroad and hash again after a delay (Erlang-2 distributed
  with mean ``relocate_delay_days``: packing, shipping, customs and a new site), split among
  destination regions, and ``covert_frac`` keep running in hiding from ``covert_resume`` on
  (spread over ``covert_ramp_days``). New machines no longer go to a banned region.
* :class:`PowerCut` — from ``start`` for ``days``, only ``available_frac`` of a region's
  machines can run (a grid emergency, a blackout, dry-season rationing); then back to normal.
* :class:`PowerPriceShock` — from ``start`` (over ``ramp_days``) the power price of some regions
  is multiplied by ``factor``, until ``end`` if given.
* :class:`StateProgram` — a new large actor: ``facility_power_w`` of one machine model, switched
  on linearly over ``ramp_days`` from ``start``; it runs while hashprice covers its power price if
  ``curtail``. The rest of the world responds through hashprice (behaviour rules 1 and 2).

Halvings are not events: the subsidy follows the protocol (``block_subsidy_sat``) at every
height, so a halving inside a run applies by itself.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

from hashtide.energy.profiles import AvailabilityProfile
from hashtide.errors import InvalidInputError
from hashtide.hardware import MinerModel
from hashtide.units import SECONDS_PER_DAY


def date_s(day: dt.date) -> float:
    """Midnight UTC of ``day`` [s since 1970 UTC]."""
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC).timestamp()


def _check_fraction(problems: list[str], name: str, value: float) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and 0 <= value <= 1):
        problems.append(f"{name}={value!r} must be between 0 and 1")


def _check_positive(problems: list[str], name: str, value: float, *, zero: bool = False) -> None:
    ok = (
        isinstance(value, int | float)
        and math.isfinite(value)
        and (value >= 0 if zero else value > 0)
    )
    if not ok:
        problems.append(f"{name}={value!r} must be a finite number {'>=' if zero else '>'} 0")


def _raise(kind: str, name: str, problems: list[str]) -> None:
    if problems:
        raise InvalidInputError(f"invalid {kind} {name!r}:\n  " + "\n  ".join(problems))


@dataclass(frozen=True, kw_only=True)
class RegionalBan:
    """A ban (or a permanent power cut) on mining in some regions.

    Parameters
    ----------
    name : str
        For reports.
    regions : tuple of str
        Region keys the ban covers.
    start : datetime.date
        First day of the ban.
    ramp_days : float
        Days over which the machines stop (linearly), >= 0 (0: all at once).
    stop_frac, relocate_frac, covert_frac : float
        Shares of the stopped machines that leave the network, move abroad, keep running
        covertly; they add up to 1.
    relocate_to : mapping of str to float
        Destination region → share of the relocated machines (shares add up to 1).
    relocate_delay_days : float
        Mean delay from stopping to hashing abroad [days], > 0.
    covert_resume : datetime.date or None
        When covert machines start running again (default: ``start``, i.e. they never stop).
    covert_ramp_days : float
        Days over which they come back, >= 0.
    """

    name: str
    regions: tuple[str, ...]
    start: dt.date
    ramp_days: float = 0.0
    stop_frac: float = 1.0
    relocate_frac: float = 0.0
    covert_frac: float = 0.0
    relocate_to: Mapping[str, float] = field(default_factory=dict)
    relocate_delay_days: float = 90.0
    covert_resume: dt.date | None = None
    covert_ramp_days: float = 30.0

    def __post_init__(self) -> None:
        problems: list[str] = []
        object.__setattr__(self, "regions", tuple(self.regions))
        object.__setattr__(self, "relocate_to", dict(self.relocate_to))
        if not self.regions:
            problems.append("regions must name at least one region")
        _check_positive(problems, "ramp_days", self.ramp_days, zero=True)
        _check_positive(problems, "relocate_delay_days", self.relocate_delay_days)
        _check_positive(problems, "covert_ramp_days", self.covert_ramp_days, zero=True)
        for name in ("stop_frac", "relocate_frac", "covert_frac"):
            _check_fraction(problems, name, getattr(self, name))
        total = self.stop_frac + self.relocate_frac + self.covert_frac
        if abs(total - 1.0) > 1e-6:
            problems.append(
                f"stop_frac + relocate_frac + covert_frac = {total:.4g}; they must add up to 1"
            )
        if self.relocate_frac > 0:
            if not self.relocate_to:
                problems.append("relocate_frac > 0 needs relocate_to (destination shares)")
            elif abs(sum(self.relocate_to.values()) - 1.0) > 1e-6:
                problems.append(
                    f"relocate_to shares add up to {sum(self.relocate_to.values()):.4g}, not 1"
                )
            overlap = sorted(set(self.relocate_to) & set(self.regions))
            if overlap:
                problems.append(f"relocate_to names banned regions {overlap}")
        if self.covert_resume is not None and self.covert_resume < self.start:
            problems.append(f"covert_resume {self.covert_resume} is before start {self.start}")
        _raise("RegionalBan", self.name, problems)

    @property
    def start_s(self) -> float:
        """Start [s since 1970 UTC]."""
        return date_s(self.start)

    @property
    def resume_s(self) -> float:
        """When covert machines start coming back [s]."""
        return date_s(self.covert_resume) if self.covert_resume is not None else self.start_s


@dataclass(frozen=True, kw_only=True)
class PowerCut:
    """A temporary cut: only ``available_frac`` of a region's machines can run for ``days``."""

    name: str
    regions: tuple[str, ...]
    start: dt.date
    days: float
    available_frac: float = 0.0

    def __post_init__(self) -> None:
        problems: list[str] = []
        object.__setattr__(self, "regions", tuple(self.regions))
        if not self.regions:
            problems.append("regions must name at least one region")
        _check_positive(problems, "days", self.days)
        _check_fraction(problems, "available_frac", self.available_frac)
        _raise("PowerCut", self.name, problems)

    @property
    def start_s(self) -> float:
        """Start [s since 1970 UTC]."""
        return date_s(self.start)

    @property
    def end_s(self) -> float:
        """End [s since 1970 UTC]."""
        return self.start_s + self.days * SECONDS_PER_DAY


@dataclass(frozen=True, kw_only=True)
class PowerPriceShock:
    """The power price of some regions multiplied by ``factor`` from ``start`` (until ``end``)."""

    name: str
    regions: tuple[str, ...]
    start: dt.date
    factor: float
    ramp_days: float = 0.0
    end: dt.date | None = None

    def __post_init__(self) -> None:
        problems: list[str] = []
        object.__setattr__(self, "regions", tuple(self.regions))
        if not self.regions:
            problems.append("regions must name at least one region")
        _check_positive(problems, "factor", self.factor)
        _check_positive(problems, "ramp_days", self.ramp_days, zero=True)
        if self.end is not None and self.end <= self.start:
            problems.append(f"end {self.end} must be after start {self.start}")
        _raise("PowerPriceShock", self.name, problems)

    def factor_at(self, time_s: float) -> float:
        """The multiplier in force at ``time_s``."""
        start = date_s(self.start)
        if time_s < start or (self.end is not None and time_s >= date_s(self.end)):
            return 1.0
        if self.ramp_days <= 0:
            return self.factor
        done = min(1.0, (time_s - start) / (self.ramp_days * SECONDS_PER_DAY))
        return 1.0 + (self.factor - 1.0) * done


@dataclass(frozen=True, kw_only=True)
class StateProgram:
    """A new large actor mining on its own energy.

    Parameters
    ----------
    name : str
        Also its engine actor's name (``program: <name>``).
    start : datetime.date
    facility_power_w : float
        Facility power [W] (machines × power × PUE), > 0.
    machine : MinerModel
    ramp_days : float
        Days to switch everything on (linearly), >= 0.
    pue : float
        >= 1.
    power_price_usd_per_kwh : float
        Its marginal power cost [USD/kWh], >= 0.
    carbon_intensity_g_per_kwh : float
        [gCO2e/kWh], >= 0.
    curtail : bool
        Switch off while hashprice is below the power cost.
    availability : AvailabilityProfile, optional
        Share of the time its power is there (a site's profile: off-peak nights, a dry season,
        limited hours); default always.
    lifetime_days : float, optional
        Service life of its machines [days], > 0: each day's deliveries retire this long after
        they arrive (default: the world's ``BehaviourParams.lifetime_years``).
    """

    name: str
    start: dt.date
    facility_power_w: float
    machine: MinerModel
    ramp_days: float = 0.0
    pue: float = 1.1
    power_price_usd_per_kwh: float = 0.03
    carbon_intensity_g_per_kwh: float = 0.0
    curtail: bool = True
    availability: AvailabilityProfile | None = None
    lifetime_days: float | None = None

    def __post_init__(self) -> None:
        problems: list[str] = []
        _check_positive(problems, "facility_power_w", self.facility_power_w)
        if self.lifetime_days is not None:
            _check_positive(problems, "lifetime_days", self.lifetime_days)
        _check_positive(problems, "ramp_days", self.ramp_days, zero=True)
        _check_positive(
            problems, "power_price_usd_per_kwh", self.power_price_usd_per_kwh, zero=True
        )
        _check_positive(
            problems, "carbon_intensity_g_per_kwh", self.carbon_intensity_g_per_kwh, zero=True
        )
        if not (math.isfinite(self.pue) and self.pue >= 1):
            problems.append(f"pue={self.pue!r} must be >= 1")
        machine: object = self.machine  # checked at run time whatever the annotation says
        if not isinstance(machine, MinerModel):
            problems.append(f"machine={machine!r} must be a MinerModel")
        _raise("StateProgram", self.name, problems)

    @property
    def start_s(self) -> float:
        """Start [s since 1970 UTC]."""
        return date_s(self.start)

    @property
    def machines(self) -> int:
        """Machines the facility power runs (rounded down)."""
        return math.floor(self.facility_power_w / (self.pue * self.machine.power_w))

    @property
    def hashrate_hs(self) -> float:
        """Installed hashrate when fully on [H/s]."""
        return self.machines * self.machine.hashrate_hs

    def installed_frac_at(self, time_s: float) -> float:
        """Share of the program delivered by ``time_s`` (retirements not counted)."""
        if time_s < self.start_s:
            return 0.0
        if self.ramp_days <= 0:
            return 1.0
        return min(1.0, (time_s - self.start_s) / (self.ramp_days * SECONDS_PER_DAY))


#: Any policy event.
Event: TypeAlias = RegionalBan | PowerCut | PowerPriceShock | StateProgram


def check_events(events: tuple[Event, ...], region_keys: tuple[str, ...]) -> None:
    """Raise, listing every problem, if events name unknown regions or repeat a name."""
    problems = []
    names = [e.name for e in events]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        problems.append(f"event names must be unique; repeated: {repeated}")
    for event in events:
        named: list[str] = []
        if isinstance(event, RegionalBan | PowerCut | PowerPriceShock):
            named += list(event.regions)
        if isinstance(event, RegionalBan):
            named += list(event.relocate_to)
        unknown = sorted(set(named) - set(region_keys))
        if unknown:
            problems.append(
                f"event {event.name!r} names unknown regions {unknown} (known: "
                f"{', '.join(region_keys)})"
            )
    if problems:
        raise InvalidInputError("invalid events:\n  " + "\n  ".join(problems))
