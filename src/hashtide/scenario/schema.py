"""The scenario file schema: what a YAML scenario may say, validated all at once.

One format for every question: an actor (a state program or a single site) with its sites, the
rest of the world (``network.response``: the calibrated world market by default, or the simple
``elasticity`` / ``fixed`` rules), policy events (bans, power cuts, power-price shocks), the BTC
price and fees (historical or modelled), a start in the past or the future, variants and claims.

Quantities are written with units (``5 GW``) and converted at load into fields whose names carry
hashtide's unit (``facility_power_w``). Unknown keys are errors with a "did you mean" hint.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from hashtide.energy import grid_intensity_g_per_kwh, lifecycle_intensity_g_per_kwh
from hashtide.errors import InvalidInputError
from hashtide.hardware import get_model
from hashtide.scenario.fields import Integer, Number, check, date_validator, quantity
from hashtide.scenario.units import UnitParseError, parse_quantity
from hashtide.scenario.world_schema import (
    EARLIEST_MARKET_START,
    BehaviourSpec,
    EventSpec,
    RegionKey,
    RegionOverride,
    ScoreSpec,
    shipped_series_days,
)

#: The largest seed: a signed 64-bit integer, as the results store keeps it.
MAX_SEED = 2**63 - 1

Power = Annotated[float, quantity("power"), check(lambda v: v > 0, "must be > 0 W")]
Hashrate = Annotated[float, quantity("hashrate"), check(lambda v: v > 0, "must be > 0 H/s")]
#: Power prices: up to twice ERCOT's wholesale offer cap (5,000 USD/MWh since 2022), far above
#: any price a miner pays on average; a larger value is a unit slip (USD/MWh for USD/kWh).
MAX_POWER_PRICE_USD_PER_KWH = 10.0
PriceEnergy = Annotated[
    float,
    quantity("price_energy"),
    check(
        lambda v: 0 <= v <= MAX_POWER_PRICE_USD_PER_KWH,
        "must be between 0 and 10 USD/kWh (twice ERCOT's wholesale price cap; "
        "a price in USD/MWh needs its unit)",
    ),
]
Money = Annotated[float, quantity("money"), check(lambda v: v >= 0, "must be >= 0 USD")]
MoneyPerPower = Annotated[
    float, quantity("money_per_power"), check(lambda v: v >= 0, "must be >= 0 USD/W")
]
BtcAmount = Annotated[float, quantity("btc"), check(lambda v: v >= 0, "must be >= 0 BTC")]
BtcPrice = Annotated[float, quantity("btc_price"), check(lambda v: v > 0, "must be > 0 USD/BTC")]
Duration = Annotated[float, quantity("duration"), check(lambda v: v > 0, "must be > 0")]
Rate = Annotated[
    float,
    quantity("rate"),
    check(lambda v: -1 < v <= 10, "must be > -100 %/year and at most 1000 %/year"),
]
Fraction = Annotated[
    float, quantity("fraction"), check(lambda v: 0 <= v <= 1, "must be between 0 and 100 %")
]
Efficiency = Annotated[float, quantity("efficiency"), check(lambda v: v > 0, "must be > 0 J/TH")]
HoursPerYear = Annotated[
    float,
    quantity("hours_per_year"),
    check(lambda v: 0 <= v <= 8766, "must be between 0 and 8766 h/year"),
]
Intensity = Annotated[float, quantity("intensity"), check(lambda v: v >= 0, "must be >= 0")]


def _fees(value: Any) -> Any:
    """``historical``, or a fee per block read as BTC (one message either way)."""
    if value == "historical":
        return value
    try:
        amount = parse_quantity(value, "btc")
    except UnitParseError as exc:
        raise ValueError(f"{exc}; or write historical") from None
    if not 0 <= amount <= MAX_FEES_BTC_PER_BLOCK:
        raise ValueError(
            "must be between 0 and 50 BTC per block (the first era's whole subsidy; "
            "fees averaged 1.8 BTC a block in 2017, their highest year; at most 9.7 on a day)"
        )
    return amount


#: Fees per block: at most the first era's subsidy [BTC].
MAX_FEES_BTC_PER_BLOCK = 50.0


#: Fees per block [BTC], or ``historical`` (the shipped daily series).
Fees = Annotated[float | Literal["historical"], BeforeValidator(_fees)]

Date = Annotated[dt.date, date_validator("2026-06-01")]
#: A scenario starts on a day when the chain existed at midnight UTC: after the genesis block
#: (2009-01-03 18:15 UTC).
StartDate = Annotated[dt.date, date_validator("2026-06-01", earliest=dt.date(2009, 1, 4))]
#: Longest horizon a scenario may run [s]: a century (nothing hashtide models means more).
MAX_HORIZON_S = 100 * 31_557_600.0
#: Most the rest of the world may grow over a horizon (×): 1e21 H/s today times this stays far
#: below the largest hashrate a 256-bit target can express (~1e63 H/s).
MAX_NETWORK_GROWTH = 1e30


def _known_miner(name: str) -> str:
    """``name`` if the catalog has it (the lookup ``run`` makes), else its "did you mean"."""
    try:
        get_model(name)
    except InvalidInputError as exc:
        raise ValueError(str(exc)) from None
    return name


MinerName = Annotated[str, Field(min_length=1), AfterValidator(_known_miner)]


class Strict(BaseModel):
    """Base of every scenario section: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False
    )


class ConstantAvailability(Strict):
    kind: Literal["constant"]
    frac: Fraction = 1.0


class MonthlyAvailability(Strict):
    kind: Literal["monthly"]
    fracs: list[Fraction] = Field(min_length=12, max_length=12)


class OffPeakAvailability(Strict):
    kind: Literal["off_peak"]
    night_start_h: Number = Field(22.0, ge=0, le=24)
    night_end_h: Number = Field(6.0, ge=0, le=24)
    weekends: bool = True
    utc_offset_h: Number = Field(0.0, ge=-14, le=14)
    peak_frac: Fraction = 0.0


class DecliningAvailability(Strict):
    kind: Literal["declining"]
    start_frac: Fraction = 1.0
    plateau: Annotated[float, quantity("duration")] = 0.0
    decline: Annotated[
        float, quantity("rate"), check(lambda v: 0 <= v < 1, "must be in [0, 100) %/year")
    ] = 0.0


class LimitedHoursAvailability(Strict):
    kind: Literal["limited_hours"]
    hours_per_year: HoursPerYear


Availability = Annotated[
    ConstantAvailability
    | MonthlyAvailability
    | OffPeakAvailability
    | DecliningAvailability
    | LimitedHoursAvailability,
    Field(discriminator="kind"),
]


class GridSpec(Strict):
    """A country's or region's average grid carbon intensity (Ember, via Our World in Data)."""

    region: str = Field(min_length=1)
    year: Integer = Field(ge=2010, le=2030)

    @model_validator(mode="after")
    def _known(self) -> GridSpec:
        try:
            grid_intensity_g_per_kwh(self.region, self.year)
        except InvalidInputError as exc:
            raise ValueError(str(exc)) from None
        return self


class SiteSpec(Strict):
    """One energy site of an actor."""

    name: str = Field(min_length=1)
    fuel: str
    share: Fraction = Field(description="share of the actor's facility power")
    power_price: PriceEnergy
    pue: Annotated[
        float,
        quantity("fraction"),
        check(
            lambda v: 1 <= v <= 3,
            "must be between 1 and 3 (3: cooling twice the machines' own draw; surveyed "
            "data centres average about 1.6)",
        ),
    ] = 1.1
    availability: Availability = ConstantAvailability(kind="constant")
    intensity: Intensity | None = None
    grid: GridSpec | None = None
    counterfactual_intensity: Intensity = 0.0
    retrofit: MoneyPerPower = 0.0
    restart: Money = 0.0
    curtail: bool = True

    @model_validator(mode="after")
    def _one_intensity(self) -> SiteSpec:
        if self.intensity is not None and self.grid is not None:
            raise ValueError("give intensity or grid, not both")
        if self.intensity is None and self.grid is None:  # the fuel's lifecycle figure is used
            try:
                lifecycle_intensity_g_per_kwh(self.fuel)
            except InvalidInputError as exc:
                raise ValueError(f"fuel: {exc}") from None
        return self


class MinerSpec(Strict):
    """A custom machine, for models the catalog lacks or to override its figures."""

    name: str = Field(min_length=1)
    hashrate: Hashrate
    power: Power
    price: Money | None = None


class ActorSpec(Strict):
    """A miner the scenario follows: a fleet of one machine model spread over sites."""

    name: str = Field(min_length=1)
    miner: MinerName | MinerSpec
    machine_price: Money | None = None
    facility_power: Power | None = None
    lifetime: Annotated[
        Duration,
        check(
            lambda v: v <= 30 * 31_557_600.0,
            "must be at most 30 years (mining machines are retired after 3-7)",
        ),
    ] = 5 * 31_557_600.0
    opex: Annotated[
        float,
        quantity("rate"),
        check(
            lambda v: 0 <= v <= 1,
            "must be between 0 and 100 %/year (of the machines' price, every year)",
        ),
    ] = 0.0
    discount_rate: Rate = 0.08
    machines_per_month: int | None = Field(
        None,
        ge=1,
        description="supply limit: machines delivered and switched on per month from the start "
        "(the program ramps up linearly); none: every machine hashes from the start",
    )
    sites: list[SiteSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> ActorSpec:
        total = sum(site.share for site in self.sites)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"sites' shares add up to {total:.1%}; they must add up to 100 %")
        names = [site.name for site in self.sites]
        if len(set(names)) != len(names):
            raise ValueError(f"site names must be unique; got {names}")
        if self.machine_price is None:  # run prices the machines as build.miner_of does
            if isinstance(self.miner, MinerSpec):
                name, price = self.miner.name, self.miner.price
            else:
                listed = get_model(self.miner)
                name, price = listed.model, listed.price_usd
            if price is None or not math.isfinite(price):
                raise ValueError(
                    f"the miner {name!r} has no listed price; give machine_price (e.g. 2699 USD)"
                )
        return self


Response = Literal["market", "elasticity", "fixed"]


class NetworkSpec(Strict):
    """The rest of the world's miners and how they respond to the actor and to hashprice.

    ``response: market`` (default): the calibrated world market (:mod:`hashtide.market`):
    regions × vintages rebuilt from the chain at the newest history date before the start,
    machines on sale from the catalog, behaviour fitted on data before the start; ``regions``
    and ``behaviour`` override its assumptions. ``elasticity``: the rest grows at ``growth`` from
    ``hashrate`` and its hashrate follows ``(hashprice / baseline hashprice)^elasticity``;
    ``fixed``: the same baseline with no response (elasticity 0).
    """

    response: Response = "market"
    hashrate: (
        Annotated[Hashrate, check(lambda v: v >= 1e6, "must be at least 1 MH/s")]
        | Literal["from-chain"]
    ) = "from-chain"
    growth: Rate = 0.0
    elasticity: Number = Field(1.0, ge=0, le=20)
    regions: dict[RegionKey, RegionOverride] = Field(default_factory=dict)
    behaviour: BehaviourSpec = Field(default_factory=lambda: BehaviourSpec())

    @model_validator(mode="after")
    def _options_of_response(self) -> NetworkSpec:
        given = self.model_fields_set
        if self.response == "market":
            simple = sorted(given & {"hashrate", "growth", "elasticity"})
            if simple:
                raise ValueError(
                    f"{', '.join(simple)} belong to response: elasticity or fixed; the world "
                    "market (response: market) takes regions and behaviour instead"
                )
        else:
            world = sorted(given & {"regions", "behaviour"})
            if world:
                raise ValueError(
                    f"{', '.join(world)} belong to response: market, not {self.response}"
                )
            if self.response == "fixed" and "elasticity" in given:
                raise ValueError("response: fixed has no elasticity (it is 0)")
        return self

    @property
    def elasticity_used(self) -> float:
        """The elasticity of the simple rules (0 for ``fixed``)."""
        return 0.0 if self.response == "fixed" else self.elasticity


class PricePoint(Strict):
    """One point of a BTC price series: from ``date`` on, the price is ``price``."""

    date: Date
    price: BtcPrice


class PriceSpec(Strict):
    """The BTC price path.

    ``historical`` uses the shipped daily series (CoinGecko) and needs an end before its last
    day; ``constant``, ``growth`` and ``gbm`` start from ``start`` on the scenario's start date
    (``gbm``: a geometric Brownian motion per path, whose median falls by ``volatility²/2`` a
    year against ``growth``); before the start date the shipped history is used and bridged to
    ``start``. ``series`` reads ``file`` (CSV with columns ``date`` and ``price_usd``, relative
    to the scenario file) or takes ``points``; the price holds from each date to the next, and
    the last one after that.
    """

    model: Literal["historical", "constant", "growth", "gbm", "series"] = "constant"
    start: BtcPrice | None = None
    growth: Rate = 0.0
    volatility: Annotated[
        float, quantity("rate"), check(lambda v: 0 <= v <= 5, "must be in [0, 500] %/year")
    ] = 0.0
    file: str | None = None
    points: list[PricePoint] = Field(default_factory=list)

    @model_validator(mode="after")
    def _series_or_start(self) -> PriceSpec:
        if self.model == "historical":
            if self.start is not None or self.points:
                raise ValueError("model 'historical' takes no start or points")
        elif self.model == "series":
            if not self.points:
                raise ValueError("model 'series' needs a file (date,price_usd) or points")
            dates = [p.date for p in self.points]
            if dates != sorted(set(dates)):
                raise ValueError("series dates must be strictly increasing")
        elif self.start is None:
            raise ValueError(f"model {self.model!r} needs a start price (e.g. start: 85000 USD)")
        return self

    @property
    def start_usd(self) -> float:
        """The price at the start: ``start``, or the series' first price (NaN if historical)."""
        if self.start is not None:
            return self.start
        if self.points:
            return self.points[0].price
        return float("nan")


class VariantSpec(Strict):
    """One version of the scenario: the actor's facility power, and which events apply.

    ``events`` lists the names of the scenario's events this variant applies (default: all;
    ``[]`` gives the counterfactual without any).
    """

    name: str = Field(min_length=1)
    facility_power: Power | None = None
    events: list[str] | None = None


Quantity = Literal[
    "machines",
    "hashrate",
    "mean_hashrate",
    "network_share",
    "btc_per_year",
    "cost_per_btc",
    "energy_per_year",
    "co2_per_year",
    "power",
    "network_power",
    "coal_per_day",
]
#: Claims about the world on a date (need ``date``), checked against the world market.
WORLD_QUANTITIES = ("power", "network_power", "coal_per_day")


#: The kind of unit a claim's stated figure is read in, per quantity ("count": a bare number).
CLAIM_KINDS: dict[str, str] = {
    "power": "power",
    "network_power": "power",
    "coal_per_day": "mass",
    "machines": "count",
    "hashrate": "hashrate",
    "mean_hashrate": "hashrate",
    "network_share": "fraction",
    "btc_per_year": "btc",
    "cost_per_btc": "btc_price",
    "energy_per_year": "energy",
    "co2_per_year": "mass",
}


def parse_stated(quantity: str, stated: str | float) -> float:
    """A claim's stated figure in hashtide's unit for ``quantity`` (``ValueError`` if unreadable).

    A count may be written with thousands separators (``1,660,000``); every other quantity
    needs its unit (``33 EH/s``, ``450 BTC``).
    """
    kind = CLAIM_KINDS[quantity]
    if kind != "count":
        try:
            return parse_quantity(stated, kind)
        except UnitParseError as exc:
            raise ValueError(f"stated {exc}") from None
    text = str(stated).replace(",", "").replace("_", "").strip()
    try:
        value = float(text) if len(text) <= 40 else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValueError(f"stated {stated!r} is not a finite number of machines")
    return value


class ChainStepSpec(Strict):
    """Two windows of days around an event: the hashrate step between them, read from the chain
    (:func:`hashtide.market.chain_step.hashrate_step`)."""

    before: list[Date] = Field(min_length=2, max_length=2)
    after: list[Date] = Field(min_length=2, max_length=2)


class ClaimSpec(Strict):
    """A published statement to check against what hashtide computes with the same inputs.

    Without ``date``: a figure of the actor in ``variant`` (machines, hashrate, BTC/year, ...).
    With ``date``: a figure of the world market on that day in the first variant —
    ``power`` (facility power of ``regions`` times ``region_frac``), ``network_power``,
    ``coal_per_day`` (tonnes of standard coal equivalent a day of that power is worth) or
    ``network_share`` (share of the network hashrate in ``regions``). With ``chain_step``,
    ``power`` and ``coal_per_day`` are computed from the chain instead: the hashrate step
    between the two windows times the watts per TH/s of ``regions``' machines on ``date``.
    """

    text: str = Field(min_length=1)
    source: str = ""
    variant: str | None = None
    quantity: Quantity
    date: Date | None = None
    regions: list[RegionKey] = Field(default_factory=list)
    region_frac: Fraction = 1.0
    region_frac_source: str = ""
    chain_step: ChainStepSpec | None = None
    stated: str | Number
    tolerance: Fraction = 0.05

    @model_validator(mode="after")
    def _kind(self) -> ClaimSpec:
        if self.quantity in WORLD_QUANTITIES and self.date is None:
            raise ValueError(f"quantity {self.quantity!r} is a figure of the world: give its date")
        if self.date is not None:
            if self.quantity not in (*WORLD_QUANTITIES, "network_share"):
                raise ValueError(f"quantity {self.quantity!r} takes no date (it is the actor's)")
            if self.quantity != "network_power" and not self.regions:
                raise ValueError(f"quantity {self.quantity!r} on a date needs regions")
        if self.chain_step is not None and self.quantity not in ("power", "coal_per_day"):
            raise ValueError("chain_step applies to quantity power or coal_per_day only")
        parse_stated(self.quantity, self.stated)
        return self

    @property
    def is_world(self) -> bool:
        """Whether the claim is about the world on a date (not about the actor)."""
        return self.date is not None


class ScenarioSpec(Strict):
    """A whole scenario file."""

    scenario: str = Field(min_length=1)
    description: str = ""
    start: StartDate
    horizon: (
        Annotated[Duration, check(lambda v: v <= MAX_HORIZON_S, "must be at most 100 years")] | None
    ) = None
    end: Date | None = None
    paths: Integer = Field(1_000, ge=1, le=1_000_000)
    #: At most 2**63 - 1: the results store keeps seeds as BIGINT (a larger one ran a sweep's
    #: points, then failed to store them with an internal error).
    seed: Integer = Field(0, ge=0, le=MAX_SEED)
    network: NetworkSpec = Field(default_factory=lambda: NetworkSpec.model_validate({}))
    btc_price: PriceSpec
    fees: Fees = 0.0
    actor: ActorSpec | None = None
    events: list[EventSpec] = Field(default_factory=list)
    variants: list[VariantSpec] = Field(default_factory=list)
    claims: list[ClaimSpec] = Field(default_factory=list)
    score: ScoreSpec | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ScenarioSpec:
        if (self.horizon is None) == (self.end is None):
            raise ValueError("give the span as horizon (e.g. 4 years) or end (a date), not both")
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        simple = self.network.response != "market"
        if simple and self.actor is None:
            raise ValueError(
                f"network.response {self.network.response!r} needs an actor; a scenario of the "
                "world alone (events only) runs on the world market"
            )
        if simple and (self.btc_price.model == "historical" or self.fees == "historical"):
            raise ValueError(
                f"network.response {self.network.response!r} takes a modelled BTC price and "
                "fees; historical ones need response: market"
            )
        if simple and self.actor is not None and self.actor.machines_per_month is not None:
            raise ValueError(
                f"actor.machines_per_month: the delivery ramp is modelled by the world market "
                f"only; network.response {self.network.response!r} deploys every machine at the "
                "start (remove machines_per_month, or use response: market)"
            )
        if simple and self.events:
            raise ValueError(
                f"events need the world market's regions: network.response "
                f"{self.network.response!r} cannot apply them (use response: market)"
            )
        if not simple and self.start < EARLIEST_MARKET_START:
            raise ValueError(
                f"start {self.start} is before {EARLIEST_MARKET_START}, the first start the world "
                "market (network.response: market) allows: it rebuilds the world's fleet from the "
                "chain week by week from 2012-01-02; start later, or use response: elasticity"
            )
        self._within_shipped_series()
        if self.score is not None and (
            self.score.to < self.start or self.score.from_ > self.end_date
        ):
            raise ValueError(
                f"score: {self.score.from_} to {self.score.to} lies outside the run ({self.start} "
                f"to {self.end_date}): no epoch would be scored"
            )
        if self.btc_price.model == "series" and self.btc_price.points[0].date > self.start:
            raise ValueError(
                f"btc_price: the series begins on {self.btc_price.points[0].date}, after the "
                f"start {self.start}; give a price on the start date or earlier (the days "
                "before its first date have none of the series)"
            )
        names = [e.name for e in self.events]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"event names must be unique; repeated: {repeated}")
        for i, event in enumerate(self.events):
            if event.kind == "ban" and set(event.relocate_to) & set(event.regions):
                raise ValueError(f"events[{i}]: relocate_to names a banned region")
            if event.start > self.end_date:
                raise ValueError(
                    f"events[{i}] ({event.name!r}) starts on {event.start}, after the run's last "
                    f"day {self.end_date}: it would change nothing (remove it, or run longer)"
                )
        variant_names = [v.name for v in self.variants]
        if len(set(variant_names)) != len(variant_names):
            raise ValueError(f"variant names must be unique; got {variant_names}")
        for i, variant in enumerate(self.variants):
            unknown = sorted(set(variant.events or ()) - set(names))
            if unknown:
                raise ValueError(f"variants[{i}].events: {unknown} are not events of the file")
            if (
                self.actor is not None
                and variant.facility_power is None
                and self.actor.facility_power is None
            ):
                raise ValueError(f"variants[{i}] needs a facility_power (or actor has one)")
        if self.actor is not None and not self.variants and self.actor.facility_power is None:
            raise ValueError("give actor.facility_power, or variants with a facility_power each")
        self._machines_fit()
        growth = (1 + self.network.growth) ** (self.horizon_s / 31_557_600.0)
        if simple and growth > MAX_NETWORK_GROWTH:
            raise ValueError(
                f"network.growth {self.network.growth:.0%}/year over the horizon multiplies the "
                f"network {growth:.3g}-fold; at most {MAX_NETWORK_GROWTH:.0e}-fold fits Bitcoin's "
                "targets: lower the growth or the horizon"
            )
        if self.end is not None and (self.end - self.start).total_seconds() > MAX_HORIZON_S:
            raise ValueError("end is more than 100 years after start")
        for i, claim in enumerate(self.claims):
            if claim.date is not None and not self.start <= claim.date <= self.end_date:
                raise ValueError(
                    f"claims[{i}].date {claim.date} is outside the run "
                    f"({self.start} to {self.end_date})"
                )
        known = variant_names or ["base"]
        for i, claim in enumerate(self.claims):
            if claim.is_world:
                if simple:
                    raise ValueError(f"claims[{i}] is about the world on a date: response market")
                continue
            if self.actor is None:
                raise ValueError(f"claims[{i}].quantity {claim.quantity!r} needs an actor")
            if claim.variant is None and len(known) > 1:
                raise ValueError(f"claims[{i}] needs a variant (one of {known})")
            if claim.variant is not None and claim.variant not in known:
                raise ValueError(f"claims[{i}].variant {claim.variant!r} is not one of {known}")
        return self

    def _machines_fit(self) -> None:
        """Each variant's facility power holds at least one machine (with none, the run
        printed an IRR of -99 %/year, a payback of 0 years and a cost per BTC of nan)."""
        if self.actor is None:
            return
        miner = self.actor.miner
        name, power_w = (
            (miner.name, miner.power)
            if isinstance(miner, MinerSpec)
            else (get_model(miner).model, get_model(miner).power_w)
        )
        sites = self.actor.sites
        for i, variant in enumerate(self.variant_list()):
            facility_w = self.facility_power_w(variant)
            if sum(math.floor(facility_w * s.share / (s.pue * power_w)) for s in sites) > 0:
                continue
            needed = min(s.pue * power_w / s.share for s in sites if s.share > 0)
            where = f"variants[{i}].facility_power" if self.variants else "actor.facility_power"
            raise ValueError(
                f"{where}: {facility_w:,.6g} W holds no {name} ({power_w:,.0f} W each at a "
                f"site's PUE); at the sites' shares it takes at least {needed:,.0f} W"
            )

    def _within_shipped_series(self) -> None:
        """A historical price or fee series must cover the run: past its ends the shipped
        series would be held flat, silently."""
        for key, used, table, example in (
            ("btc_price", self.btc_price.model == "historical", "btc_price_daily", "model: gbm"),
            ("fees", self.fees == "historical", "btc_fees_daily", "fees: 0.025 BTC"),
        ):
            if not used:
                continue
            first, last = shipped_series_days(table)
            if self.end_date > last:
                raise ValueError(
                    f"{key}: historical: the shipped series ends on {last}, before the run's last "
                    f"day {self.end_date}; end the run by {last}, or model it ({example})"
                )
            if key == "btc_price" and self.start < first:
                raise ValueError(
                    f"{key}: historical: the shipped series begins on {first}, after the start "
                    f"{self.start}; start on {first} or later, or model it ({example})"
                )

    @property
    def end_date(self) -> dt.date:
        """The last day: ``end``, or ``start`` + ``horizon`` (rounded down to a day)."""
        if self.end is not None:
            return self.end
        return self.start + dt.timedelta(seconds=float(self.horizon or 0.0))

    @property
    def horizon_s(self) -> float:
        """The span from start to end [s]."""
        if self.horizon is not None:
            return float(self.horizon)
        return (self.end_date - self.start).total_seconds()

    def facility_power_w(self, variant: VariantSpec) -> float:
        """The actor's facility power in ``variant`` [W] (0 without an actor)."""
        if variant.facility_power is not None:
            return variant.facility_power
        if self.actor is not None and self.actor.facility_power is not None:
            return self.actor.facility_power
        return 0.0

    def variant_list(self) -> list[VariantSpec]:
        """The variants, or one named ``base`` (the actor's power, every event)."""
        if self.variants:
            return list(self.variants)
        power = self.actor.facility_power if self.actor is not None else None
        # Already-validated figures in base units: constructed, not re-parsed as text.
        return [VariantSpec.model_construct(name="base", facility_power=power, events=None)]
