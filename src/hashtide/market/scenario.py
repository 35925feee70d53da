"""Market scenario files: a replay or what-if of the world market, validated all at once.

A market scenario (YAML) names a span of history, the policy events to apply, optional
overrides of any region or behaviour assumption, and published claims to check. Quantities are
written with units (``90 days``, ``38 %``, ``0.04 USD/kWh``, ``8 GW``) and converted once, at
load (:func:`hashtide.scenario.parse_quantity`). Every problem in a file is reported at once,
with its key path, e.g. ``events[1].relocate_to: shares add up to 90 %, not 100 %``.

See ``scenarios/china-2021-ban.yaml`` and ``docs/market.md``.
"""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from hashtide._validation import read_yaml, validate
from hashtide.errors import InvalidInputError, ScenarioError
from hashtide.hardware import MinerModel, get_model
from hashtide.market.behaviour import BehaviourParams
from hashtide.market.events import (
    Event,
    PowerCut,
    PowerPriceShock,
    RegionalBan,
    StateProgram,
)
from hashtide.market.regions import DEFAULT_REGIONS, Region
from hashtide.scenario.fields import Integer, Number, check, date_validator, quantity
from hashtide.scenario.units import UnitParseError, parse_quantity
from hashtide.units import SECONDS_PER_DAY


def _days(value: Any) -> float:
    return parse_quantity(value, "duration") / SECONDS_PER_DAY


Days = Annotated[
    float,
    BeforeValidator(lambda v: _wrap(_days, v)),
    check(lambda v: v >= 0, "must be >= 0 days"),
]
Fraction = Annotated[
    float, quantity("fraction"), check(lambda v: 0 <= v <= 1, "must be between 0 and 100 %")
]
PriceEnergy = Annotated[
    float, quantity("price_energy"), check(lambda v: v > 0, "must be > 0 USD/kWh")
]
Power = Annotated[float, quantity("power"), check(lambda v: v > 0, "must be > 0 W")]
Intensity = Annotated[float, quantity("intensity"), check(lambda v: v >= 0, "must be >= 0")]


def _wrap(function: Any, value: Any) -> Any:
    try:
        return function(value)
    except UnitParseError as exc:
        raise ValueError(str(exc)) from None


Date = Annotated[dt.date, date_validator("2021-06-18")]
REGION_KEYS = tuple(r.key for r in DEFAULT_REGIONS)


def _region(value: Any) -> str:
    if not isinstance(value, str) or value not in REGION_KEYS:
        close = difflib.get_close_matches(str(value), REGION_KEYS, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else f" (regions: {', '.join(REGION_KEYS)})"
        raise ValueError(f"unknown region {value!r}{hint}")
    return value


RegionKey = Annotated[str, AfterValidator(_region)]


def _known_miner(name: str) -> str:
    """``name`` if the hardware catalog has it, else its "did you mean" (as ``run`` would)."""
    try:
        get_model(name)
    except InvalidInputError as exc:
        raise ValueError(str(exc)) from None
    return name


class Strict(BaseModel):
    """Unknown keys are errors; values are immutable; numbers are finite."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class BanSpec(Strict):
    """A regional ban: see :class:`hashtide.market.RegionalBan`."""

    kind: Literal["ban"]
    name: str = Field(min_length=1)
    regions: list[RegionKey] = Field(min_length=1)
    start: Date
    ramp: Days = 0.0
    stop: Fraction = 1.0
    relocate: Fraction = 0.0
    covert: Fraction = 0.0
    relocate_to: dict[RegionKey, Fraction] = Field(default_factory=dict)
    relocate_delay: Days = 90.0
    covert_resume: Date | None = None
    covert_ramp: Days = 30.0
    source: str = ""

    @model_validator(mode="after")
    def _shares(self) -> BanSpec:
        total = self.stop + self.relocate + self.covert
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"stop + relocate + covert = {total:.1%}; they must add up to 100 %")
        if self.relocate > 0 and abs(sum(self.relocate_to.values()) - 1.0) > 1e-6:
            raise ValueError(
                f"relocate_to shares add up to {sum(self.relocate_to.values()):.1%}, not 100 %"
            )
        return self


class PowerCutSpec(Strict):
    """A temporary power cut: see :class:`hashtide.market.PowerCut`."""

    kind: Literal["power_cut"]
    name: str = Field(min_length=1)
    regions: list[RegionKey] = Field(min_length=1)
    start: Date
    duration: Days
    available: Fraction = 0.0
    source: str = ""


class PriceShockSpec(Strict):
    """A power-price shock: see :class:`hashtide.market.PowerPriceShock`."""

    kind: Literal["power_price"]
    name: str = Field(min_length=1)
    regions: list[RegionKey] = Field(min_length=1)
    start: Date
    factor: Annotated[Number, Field(gt=0, le=1000)]
    ramp: Days = 0.0
    end: Date | None = None
    source: str = ""


class ProgramSpec(Strict):
    """A state program: see :class:`hashtide.market.StateProgram`."""

    kind: Literal["state_program"]
    name: str = Field(min_length=1)
    start: Date
    facility_power: Power
    miner: Annotated[str, AfterValidator(_known_miner)] = "Antminer S21"
    ramp: Days = 0.0
    pue: Annotated[float, quantity("fraction"), check(lambda v: v >= 1, "must be >= 1")] = 1.1
    power_price: PriceEnergy = 0.03
    intensity: Intensity = 0.0
    curtail: bool = True
    source: str = ""


EventSpec = Annotated[
    BanSpec | PowerCutSpec | PriceShockSpec | ProgramSpec, Field(discriminator="kind")
]


class RegionOverride(Strict):
    """Changes to one region's assumptions (the rest keep :data:`DEFAULT_REGIONS`' values)."""

    power_price: PriceEnergy | None = None
    spread: Annotated[Number, Field(gt=0, le=3)] | None = None
    pue: Annotated[float, quantity("fraction"), check(lambda v: v >= 1, "must be >= 1")] | None = (
        None
    )
    availability: list[Fraction] | None = Field(default=None, min_length=12, max_length=12)
    price_factors: list[Annotated[Number, Field(gt=0, le=1000)]] | None = Field(
        default=None, min_length=12, max_length=12
    )
    source: str = ""


class BehaviourSpec(Strict):
    """Changes to the behaviour parameters (:class:`hashtide.market.BehaviourParams`)."""

    switch_smoothing: Days | None = None
    scrap_after: Days | None = None
    lifetime: Days | None = None
    lag: Days | None = None
    fit_window: Days | None = None
    supply_window: Days | None = None
    supply_cap: Fraction | None = Field(default=None, description="share of the network per month")


ClaimQuantity = Literal["power", "network_power", "coal_per_day", "network_share"]
#: The kind of unit a claim's stated text is read in, per quantity.
CLAIM_KINDS: dict[str, str] = {
    "power": "power",
    "network_power": "power",
    "coal_per_day": "mass",
    "network_share": "fraction",
}


class ClaimSpec(Strict):
    """A published statement checked against the replay on the same date.

    ``power``: facility power of ``regions`` (times ``region_frac``, e.g. Sichuan's part of
    the Sichuan & Yunnan region); ``network_power``: the whole network's; ``coal_per_day``:
    tonnes of standard coal a day of that power burns in China's coal plants;
    ``network_share``: share of the network hashrate in ``regions``.
    """

    text: str = Field(min_length=1)
    source: str = ""
    quantity: ClaimQuantity
    date: Date
    regions: list[RegionKey] = Field(default_factory=list)
    region_frac: Fraction = 1.0
    region_frac_source: str = ""
    stated: str | Number
    tolerance: Fraction = 0.25

    @model_validator(mode="after")
    def _regions(self) -> ClaimSpec:
        if self.quantity in ("power", "coal_per_day", "network_share") and not self.regions:
            raise ValueError(f"quantity {self.quantity!r} needs regions")
        if isinstance(self.stated, str):  # read as the replay reads it (market.replay)
            _wrap(lambda v: parse_quantity(v, CLAIM_KINDS[self.quantity]), self.stated)
        return self


class ScoreSpec(Strict):
    """Which epochs the replay is scored on (by their first block's date)."""

    from_: Date = Field(alias="from")
    to: Date
    expect_drop_at: Integer | None = Field(
        None, description="start height of the epoch with the largest difficulty drop"
    )

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False
    )


class MarketScenarioSpec(Strict):
    """A whole market scenario file."""

    scenario: str = Field(min_length=1)
    description: str = ""
    start: Date
    end: Date
    paths: Integer = Field(200, ge=1, le=100_000)
    seed: Integer = Field(0, ge=0)
    counterfactual: bool = True
    score: ScoreSpec | None = None
    regions: dict[RegionKey, RegionOverride] = Field(default_factory=dict)
    behaviour: BehaviourSpec = Field(default_factory=lambda: BehaviourSpec())
    events: list[EventSpec] = Field(default_factory=list)
    claims: list[ClaimSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> MarketScenarioSpec:
        if self.end <= self.start:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        names = [e.name for e in self.events]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"event names must be unique; repeated: {repeated}")
        for i, event in enumerate(self.events):
            if isinstance(event, BanSpec) and set(event.relocate_to) & set(event.regions):
                raise ValueError(f"events[{i}]: relocate_to names a banned region")
        for i, claim in enumerate(self.claims):
            if not self.start <= claim.date <= self.end:
                raise ValueError(
                    f"claims[{i}].date {claim.date} is outside the replay "
                    f"({self.start} to {self.end})"
                )
        return self


# --- from spec to model objects --------------------------------------------------------------


def regions_of(spec: MarketScenarioSpec) -> tuple[Region, ...]:
    """:data:`DEFAULT_REGIONS` with the scenario's overrides applied."""
    out = []
    for region in DEFAULT_REGIONS:
        override = spec.regions.get(region.key)
        if override is None:
            out.append(region)
            continue
        changes: dict[str, object] = {}
        if override.power_price is not None:
            changes["power_price_usd_per_kwh"] = override.power_price
        if override.spread is not None:
            changes["power_price_spread"] = override.spread
        if override.pue is not None:
            changes["pue"] = override.pue
        if override.availability is not None:
            changes["availability_fracs"] = tuple(override.availability)
        if override.price_factors is not None:
            changes["price_factors"] = tuple(override.price_factors)
        out.append(region.with_overrides(**changes))
    return tuple(out)


def params_of(spec: MarketScenarioSpec) -> BehaviourParams:
    """:class:`BehaviourParams` with the scenario's overrides."""
    b = spec.behaviour
    base = BehaviourParams()
    return BehaviourParams(
        switch_smoothing_days=b.switch_smoothing or base.switch_smoothing_days,
        scrap_days=b.scrap_after or base.scrap_days,
        lifetime_years=(b.lifetime / 365.25) if b.lifetime else base.lifetime_years,
        lag_days=round(b.lag) if b.lag else base.lag_days,
        fit_days=round(b.fit_window) if b.fit_window else base.fit_days,
        supply_days=round(b.supply_window) if b.supply_window else base.supply_days,
        supply_cap_frac_per_month=(
            b.supply_cap if b.supply_cap is not None else base.supply_cap_frac_per_month
        ),
    )


def _miner(name: str) -> MinerModel:
    return get_model(name)


def events_of(spec: MarketScenarioSpec) -> tuple[Event, ...]:
    """The scenario's events as model objects."""
    out: list[Event] = []
    for e in spec.events:
        if isinstance(e, BanSpec):
            out.append(
                RegionalBan(
                    name=e.name,
                    regions=tuple(e.regions),
                    start=e.start,
                    ramp_days=e.ramp,
                    stop_frac=e.stop,
                    relocate_frac=e.relocate,
                    covert_frac=e.covert,
                    relocate_to=dict(e.relocate_to),
                    relocate_delay_days=max(e.relocate_delay, 1.0),
                    covert_resume=e.covert_resume,
                    covert_ramp_days=e.covert_ramp,
                )
            )
        elif isinstance(e, PowerCutSpec):
            out.append(
                PowerCut(
                    name=e.name,
                    regions=tuple(e.regions),
                    start=e.start,
                    days=max(e.duration, 1.0),
                    available_frac=e.available,
                )
            )
        elif isinstance(e, PriceShockSpec):
            out.append(
                PowerPriceShock(
                    name=e.name,
                    regions=tuple(e.regions),
                    start=e.start,
                    factor=e.factor,
                    ramp_days=e.ramp,
                    end=e.end,
                )
            )
        else:
            out.append(
                StateProgram(
                    name=e.name,
                    start=e.start,
                    facility_power_w=e.facility_power,
                    machine=_miner(e.miner),
                    ramp_days=e.ramp,
                    pue=e.pue,
                    power_price_usd_per_kwh=e.power_price,
                    carbon_intensity_g_per_kwh=e.intensity,
                    curtail=e.curtail,
                )
            )
    return tuple(out)


# --- loading ---------------------------------------------------------------------------------


def parse_market_scenario(data: Any, *, source: str = "<scenario>") -> MarketScenarioSpec:
    """Validate loaded scenario data; raise :class:`ScenarioError` listing every problem."""
    return validate(MarketScenarioSpec, data, source, "a scenario", ScenarioError)


def load_market_scenario(path: str | Path) -> MarketScenarioSpec:
    """Read and validate a market scenario file (YAML, loaded with ``yaml.safe_load``).

    Raises
    ------
    ScenarioError
        If the file is missing, is not YAML, or breaks any rule — every problem listed.
    """
    path = Path(path)
    data = read_yaml(path, "scenario file", ScenarioError)
    spec = parse_market_scenario(data, source=str(path))
    try:
        events_of(spec)
    except (ValueError, LookupError) as exc:
        raise ScenarioError(f"{path}: {exc}") from None
    return spec
