"""The scenario file schema: what a YAML scenario may say, validated all at once.

Quantities are written with units (``5 GW``) and converted at load into fields whose names carry
hashtide's unit (``facility_power_w``). Unknown keys are errors with a "did you mean" hint.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from hashtide.energy import grid_intensity_g_per_kwh, lifecycle_intensity_g_per_kwh
from hashtide.errors import InvalidInputError
from hashtide.hardware import get_model
from hashtide.scenario.fields import Integer, Number, check, date_validator, quantity
from hashtide.scenario.units import UnitParseError, parse_quantity

Power = Annotated[float, quantity("power"), check(lambda v: v > 0, "must be > 0 W")]
Hashrate = Annotated[float, quantity("hashrate"), check(lambda v: v > 0, "must be > 0 H/s")]
PriceEnergy = Annotated[
    float, quantity("price_energy"), check(lambda v: v >= 0, "must be >= 0 USD/kWh")
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
    pue: Annotated[float, quantity("fraction"), check(lambda v: v >= 1, "must be >= 1")] = 1.1
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
    lifetime: Duration = 5 * 31_557_600.0
    opex: Annotated[float, quantity("rate"), check(lambda v: v >= 0, "must be >= 0 %/year")] = 0.0
    discount_rate: Rate = 0.08
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


class NetworkSpec(Strict):
    """The rest of the world's miners."""

    hashrate: (
        Annotated[Hashrate, check(lambda v: v >= 1e6, "must be at least 1 MH/s")]
        | Literal["from-chain"]
    ) = "from-chain"
    growth: Rate = 0.0
    response_elasticity: Number = Field(1.0, ge=0, le=20)


class PricePoint(Strict):
    """One point of a BTC price series: from ``date`` on, the price is ``price``."""

    date: Date
    price: BtcPrice


class PriceSpec(Strict):
    """The BTC price path.

    ``series`` reads ``file`` (CSV with columns ``date`` and ``price_usd``, relative to the
    scenario file) or takes ``points``; the price holds from each date to the next, and the last
    one after that.
    """

    model: Literal["constant", "growth", "gbm", "series"] = "constant"
    start: BtcPrice | None = None
    growth: Rate = 0.0
    volatility: Annotated[
        float, quantity("rate"), check(lambda v: 0 <= v <= 5, "must be in [0, 500] %/year")
    ] = 0.0
    file: str | None = None
    points: list[PricePoint] = Field(default_factory=list)

    @model_validator(mode="after")
    def _series_or_start(self) -> PriceSpec:
        if self.model == "series":
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
        """The price at the start: ``start``, or the series' first price."""
        if self.start is not None:
            return self.start
        return self.points[0].price


class VariantSpec(Strict):
    """One version of the scenario: the actor's facility power set to a value."""

    name: str = Field(min_length=1)
    facility_power: Power


Quantity = Literal[
    "machines",
    "hashrate",
    "mean_hashrate",
    "network_share",
    "btc_per_year",
    "cost_per_btc",
    "energy_per_year",
    "co2_per_year",
]


#: The kind of unit a claim's stated figure is read in, per quantity ("count": a bare number).
CLAIM_KINDS: dict[str, str] = {
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


class ClaimSpec(Strict):
    """A published statement to check against what hashtide computes with the same inputs."""

    text: str = Field(min_length=1)
    source: str = ""
    variant: str
    quantity: Quantity
    stated: str | Number
    tolerance: Fraction = 0.05

    @model_validator(mode="after")
    def _readable(self) -> ClaimSpec:
        parse_stated(self.quantity, self.stated)
        return self


class ScenarioSpec(Strict):
    """A whole scenario file."""

    scenario: str = Field(min_length=1)
    description: str = ""
    start: StartDate
    horizon: Annotated[Duration, check(lambda v: v <= MAX_HORIZON_S, "must be at most 100 years")]
    paths: Integer = Field(1_000, ge=1, le=1_000_000)
    seed: Integer = Field(0, ge=0)
    network: NetworkSpec = Field(default_factory=lambda: NetworkSpec(response_elasticity=1.0))
    btc_price: PriceSpec
    fees: BtcAmount = 0.0
    actor: ActorSpec
    variants: list[VariantSpec] = Field(default_factory=list)
    claims: list[ClaimSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _variants_and_claims(self) -> ScenarioSpec:
        names = [v.name for v in self.variants]
        if len(set(names)) != len(names):
            raise ValueError(f"variant names must be unique; got {names}")
        if not self.variants and self.actor.facility_power is None:
            raise ValueError("give actor.facility_power, or variants with a facility_power each")
        growth = (1 + self.network.growth) ** (self.horizon / 31_557_600.0)
        if growth > MAX_NETWORK_GROWTH:
            raise ValueError(
                f"network.growth {self.network.growth:.0%}/year over the horizon multiplies the "
                f"network {growth:.3g}-fold; at most {MAX_NETWORK_GROWTH:.0e}-fold fits Bitcoin's "
                "targets: lower the growth or the horizon"
            )
        known = names or ["base"]
        for i, claim in enumerate(self.claims):
            if claim.variant not in known:
                raise ValueError(f"claims[{i}].variant {claim.variant!r} is not one of {known}")
        return self
