"""The world part of the scenario format: policy events, region and behaviour overrides, scores.

Quantities are written with units (``90 days``, ``38 %``, ``0.04 USD/kWh``) and converted once,
at load (:func:`hashtide.scenario.parse_quantity`). The model objects these become are in
:mod:`hashtide.market` (:class:`~hashtide.market.RegionalBan`, ...);
:func:`hashtide.scenario.world.events_of` converts.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import json
from importlib import resources
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

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
PositiveDays = Annotated[Days, check(lambda v: v > 0, "must be > 0 days")]
#: Whole days (the model rounds them): at least one.
WholeDays = Annotated[Days, check(lambda v: v >= 1, "must be at least 1 day (whole days)")]
PriceEnergy = Annotated[
    float,
    quantity("price_energy"),
    check(
        lambda v: 0 < v <= 10,
        "must be > 0 and at most 10 USD/kWh (twice ERCOT's wholesale price cap; a price in "
        "USD/MWh needs its unit)",
    ),
]
Power = Annotated[float, quantity("power"), check(lambda v: v > 0, "must be > 0 W")]
Intensity = Annotated[float, quantity("intensity"), check(lambda v: v >= 0, "must be >= 0")]


def _wrap(function: Any, value: Any) -> Any:
    try:
        return function(value)
    except UnitParseError as exc:
        raise ValueError(str(exc)) from None


Date = Annotated[dt.date, date_validator("2021-06-18")]
#: The first start the world market allows: it rebuilds the world's fleet week by week from
#: 2 January 2012 and needs ten weeks of the chain for it (:func:`hashtide.market.fleet.
#: reconstruct`), written out so that reading a file does not import the market model
#: (``tests/test_market_replay.py`` checks they agree).
EARLIEST_MARKET_START: Final = dt.date(2012, 3, 12)


@functools.cache
def shipped_series_days(table: str) -> tuple[dt.date, dt.date]:
    """The first and last day of a shipped daily series, ``btc_price_daily`` or
    ``btc_fees_daily`` (read from its ``.meta.json``, without the market model).

    Examples
    --------
    >>> shipped_series_days("btc_price_daily")
    (datetime.date(2013, 4, 28), datetime.date(2026, 1, 2))
    """
    text = resources.files("hashtide.data").joinpath(f"{table}.meta.json").read_text("utf-8")
    meta = json.loads(text)
    return dt.date.fromisoformat(meta["first_date"]), dt.date.fromisoformat(meta["last_date"])


#: The keys of :data:`hashtide.market.DEFAULT_REGIONS`, written out so that reading a file
#: does not import the market model (``tests/test_market_replay.py`` checks they agree).
REGION_KEYS = (
    "china_hydro",
    "china_coal",
    "china_other",
    "united_states",
    "kazakhstan",
    "russia",
    "canada",
    "iran",
    "malaysia",
    "other",
)


def _region(value: Any) -> str:
    if not isinstance(value, str) or value not in REGION_KEYS:
        close = difflib.get_close_matches(str(value), REGION_KEYS, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else f" (regions: {', '.join(REGION_KEYS)})"
        raise ValueError(f"unknown region {value!r}{hint}")
    return value


RegionKey = Annotated[str, AfterValidator(_region)]


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
        # The market model's own checks (hashtide.market.RegionalBan), here so that validate
        # finds them: each failed only in the run, as "invalid RegionalBan".
        if self.relocate_delay <= 0:
            raise ValueError("relocate_delay must be > 0 days (the mean delay of the movers)")
        if self.covert_resume is not None and self.covert_resume < self.start:
            raise ValueError(f"covert_resume {self.covert_resume} is before start {self.start}")
        return self


class PowerCutSpec(Strict):
    """A temporary power cut: see :class:`hashtide.market.PowerCut`."""

    kind: Literal["power_cut"]
    name: str = Field(min_length=1)
    regions: list[RegionKey] = Field(min_length=1)
    start: Date
    duration: PositiveDays
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

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> PriceShockSpec:
        # Was found only by the run: "invalid PowerPriceShock 'x': end … must be after start".
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        return self


EventSpec = Annotated[BanSpec | PowerCutSpec | PriceShockSpec, Field(discriminator="kind")]


class RegionOverride(Strict):
    """Changes to one region's assumptions (the rest keep :data:`DEFAULT_REGIONS`' values)."""

    power_price: PriceEnergy | None = None
    spread: Annotated[Number, Field(gt=0, le=3)] | None = None
    pue: (
        Annotated[
            float, quantity("fraction"), check(lambda v: 1 <= v <= 3, "must be between 1 and 3")
        ]
        | None
    ) = None
    availability: list[Fraction] | None = Field(default=None, min_length=12, max_length=12)
    price_factors: list[Annotated[Number, Field(gt=0, le=1000)]] | None = Field(
        default=None, min_length=12, max_length=12
    )
    source: str = ""


class BehaviourSpec(Strict):
    """Changes to the behaviour parameters (:class:`hashtide.market.BehaviourParams`)."""

    # The market model needs each > 0, and the windows whole days (hashtide.market.
    # BehaviourParams); 0 was replaced by the default silently, 0.5 days failed in the run.
    switch_smoothing: PositiveDays | None = None
    scrap_after: PositiveDays | None = None
    lifetime: PositiveDays | None = None
    lag: WholeDays | None = None
    fit_window: WholeDays | None = None
    supply_window: WholeDays | None = None
    supply_cap: (
        Annotated[Fraction, check(lambda v: v > 0, "must be > 0 % (a share of the network)")] | None
    ) = Field(default=None, description="share of the network per month")


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

    @model_validator(mode="after")
    def _a_window_and_a_retarget(self) -> ScoreSpec:
        # Either slip scored nothing, or printed a drop "expected" at a height no retarget has.
        if self.to < self.from_:
            raise ValueError(f"to {self.to} is before from {self.from_}: no epoch would be scored")
        if self.expect_drop_at is not None and (
            self.expect_drop_at <= 0 or self.expect_drop_at % 2016
        ):
            raise ValueError(
                f"expect_drop_at {self.expect_drop_at:,} is not a retarget height (a multiple of "
                "2,016 from 2,016 on: the first block of the epoch whose difficulty dropped)"
            )
        return self
