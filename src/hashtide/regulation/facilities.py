"""Facilities and their evidence: the file a regulator fills in, and the fields rules test.

A facilities file (YAML) lists sites with what is known about each: the activity its operator
declares, its hardware inventory, what was seen on its network, its floor area and power, where
it is, and optionally its meter series (the detector is then run on it). :func:`load_facilities`
checks everything at once; :func:`evidence_of` turns one facility into the flat evidence record
that rule packs test, with derived fields — hardware matched against the ASIC catalog, power
density, the detector's output — and says where each value comes from.

:data:`FIELDS` is the vocabulary of evidence fields: a rule referring to any other field is an
error at load.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hashtide.errors import InvalidInputError
from hashtide.hardware import get_model
from hashtide.regulation._validation import did_you_mean, read_yaml, validate

#: Activities an operator may declare.
ACTIVITIES: Final = (
    "pow_mining",
    "pos_validator",
    "ai_training",
    "ai_inference",
    "data_storage",
    "general_data_centre",
    "edge_compute",
    "office",
    "other",
)
Activity = Literal[
    "pow_mining",
    "pos_validator",
    "ai_training",
    "ai_inference",
    "data_storage",
    "general_data_centre",
    "edge_compute",
    "office",
    "other",
]
#: Kinds of hardware an inventory may list. ``asic`` items are matched against the catalog.
HardwareKind = Literal["asic", "gpu_server", "gpu", "cpu_server", "storage", "network", "other"]
_GPU_KINDS: Final = ("gpu_server", "gpu")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HardwareItem(_Strict):
    """One line of a hardware inventory: ``{model: Antminer S19j Pro, count: 40}``."""

    model: str = Field(min_length=1)
    count: int = Field(ge=1, strict=True)
    kind: HardwareKind | None = None
    power_w: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _matched(self) -> HardwareItem:
        if self.kind in (None, "asic"):
            try:
                get_model(self.model)
            except InvalidInputError as exc:
                hint = str(exc).split(";", 1)[1].split("(")[0].strip() if ";" in str(exc) else ""
                raise ValueError(
                    f"{self.model!r} is not an ASIC in the catalog"
                    + (f" ({hint})" if hint else "")
                    + "; if it is not an ASIC, give its kind (gpu_server, gpu, cpu_server, "
                    "storage, network, other) and power_w"
                ) from None
        elif self.power_w is None:
            raise ValueError(f"{self.model!r} ({self.kind}): power_w is required [W per unit]")
        return self


class Location(_Strict):
    """Where a facility is: ISO 3166-1 alpha-2 country, region, city."""

    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    region: str | None = None
    city: str | None = None


class Network(_Strict):
    """What was seen on the facility's network (by its operator, an ISP, or an inspection)."""

    pool_endpoints: list[str] = Field(default_factory=list)
    stratum_v1_seen: bool | None = None
    stratum_v2_seen: bool | None = None
    vpn_only: bool | None = None


class MeterRef(_Strict):
    """A meter series for the detector; ``file`` is relative to the facilities file."""

    file: str
    timestamp_column: str = "timestamp"
    power_column: str = "power_kw"
    unit: str | None = None
    timezone: str = "UTC"
    allow_gaps: bool = False


class DetectorResult(_Strict):
    """A detector result obtained elsewhere (when no meter file is given)."""

    mining_probability: float = Field(ge=0, le=1)
    estimated_machines: int | None = Field(default=None, ge=0)
    flagged: bool | None = None


class Registration(_Strict):
    """The facility's registration with the authority."""

    registered: bool | None = None
    filing_id: str | None = None
    industry_code: str | None = None


class Tokens(_Strict):
    """Whether the facility's income involves crypto tokens."""

    earns_tokens: bool | None = None
    issues_tokens: bool | None = None
    stakes_tokens: bool | None = None


class FacilitySpec(_Strict):
    """One facility as written in a facilities file."""

    id: str = Field(min_length=1)
    name: str | None = None
    operator: str | None = None
    declared_activity: Activity | None = None
    location: Location = Field(default_factory=Location)
    floor_area_m2: float | None = Field(default=None, gt=0)
    contracted_power_kw: float | None = Field(default=None, gt=0)
    it_power_kw: float | None = Field(default=None, ge=0)
    hardware: list[HardwareItem] = Field(default_factory=list)
    network: Network = Field(default_factory=Network)
    meter: MeterRef | None = None
    detector: DetectorResult | None = None
    registration: Registration = Field(default_factory=Registration)
    tokens: Tokens = Field(default_factory=Tokens)
    notes: str | None = None

    @field_validator("meter", mode="before")
    @classmethod
    def _meter_path(cls, value: Any) -> Any:
        return {"file": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_detector_source(self) -> FacilitySpec:
        if self.meter is not None and self.detector is not None:
            raise ValueError("give either meter (the detector is run on it) or detector, not both")
        return self


class FacilitiesFile(_Strict):
    """A facilities file: ``facilities: [...]``."""

    facilities: list[FacilitySpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> FacilitiesFile:
        seen: set[str] = set()
        for facility in self.facilities:
            if facility.id in seen:
                raise ValueError(f"facility id {facility.id!r} is used twice")
            seen.add(facility.id)
        return self


@dataclass(frozen=True, kw_only=True)
class FieldSpec:
    """An evidence field: its type, unit and meaning (and allowed values for an enum)."""

    type: Literal["number", "int", "bool", "str", "enum", "list"]
    description: str
    unit: str | None = None
    values: tuple[str, ...] = ()


#: The evidence fields rules may test.
FIELDS: Final[dict[str, FieldSpec]] = {
    "id": FieldSpec(type="str", description="facility identifier"),
    "name": FieldSpec(type="str", description="facility name"),
    "operator": FieldSpec(type="str", description="operating company"),
    "declared_activity": FieldSpec(
        type="enum", description="activity the operator declares", values=ACTIVITIES
    ),
    "location.country": FieldSpec(type="str", description="ISO 3166-1 alpha-2 country code"),
    "location.region": FieldSpec(type="str", description="region or province"),
    "location.city": FieldSpec(type="str", description="city"),
    "floor_area_m2": FieldSpec(type="number", unit="m²", description="floor area"),
    "contracted_power_kw": FieldSpec(type="number", unit="kW", description="contracted power"),
    "it_power_kw": FieldSpec(type="number", unit="kW", description="declared IT load"),
    "power.site_kw": FieldSpec(
        type="number",
        unit="kW",
        description="site load: metered mean if a meter is given, else declared IT load, else "
        "the hardware inventory's nameplate total",
    ),
    "power.density_w_per_m2": FieldSpec(
        type="number", unit="W/m²", description="power.site_kw over floor_area_m2"
    ),
    "hardware.asic_count": FieldSpec(type="int", description="ASICs in the inventory (catalog)"),
    "hardware.asic_power_kw": FieldSpec(
        type="number", unit="kW", description="nameplate power of the inventory's ASICs"
    ),
    "hardware.asic_hashrate_ths": FieldSpec(
        type="number", unit="TH/s", description="nameplate hashrate of the inventory's ASICs"
    ),
    "hardware.asic_models": FieldSpec(type="list", description="catalog names of the ASICs"),
    "hardware.gpu_count": FieldSpec(type="int", description="GPU servers and GPUs listed"),
    "hardware.gpu_power_kw": FieldSpec(type="number", unit="kW", description="their power"),
    "hardware.storage_power_kw": FieldSpec(
        type="number", unit="kW", description="power of storage listed"
    ),
    "hardware.total_power_kw": FieldSpec(
        type="number", unit="kW", description="nameplate power of everything listed"
    ),
    "detector.mining_probability": FieldSpec(
        type="number", unit="0–1", description="detector's mining probability"
    ),
    "detector.flagged": FieldSpec(
        type="bool", description="detector probability at or above its operating threshold"
    ),
    "detector.estimated_machines": FieldSpec(
        type="int", description="reference-class machines that would draw the detected step"
    ),
    "network.pool_endpoints": FieldSpec(
        type="list", description="hosts[:ports] the site connects to, as observed"
    ),
    "network.stratum_v1_seen": FieldSpec(
        type="bool", description="plaintext Stratum V1 (mining.subscribe/notify) observed"
    ),
    "network.stratum_v2_seen": FieldSpec(
        type="bool", description="encrypted Stratum V2 (Noise handshake) observed"
    ),
    "network.vpn_only": FieldSpec(type="bool", description="all traffic leaves through a VPN"),
    "registration.registered": FieldSpec(type="bool", description="registered with the authority"),
    "registration.industry_code": FieldSpec(type="str", description="registered industry code"),
    "tokens.earns_tokens": FieldSpec(type="bool", description="income paid in crypto tokens"),
    "tokens.issues_tokens": FieldSpec(type="bool", description="issues its own token"),
    "tokens.stakes_tokens": FieldSpec(type="bool", description="stakes tokens (validator)"),
}


@dataclass(frozen=True, kw_only=True)
class FacilityEvidence:
    """The evidence record of one facility: field values (``None`` = unknown) and their origin."""

    facility_id: str
    values: Mapping[str, Any]
    origin: Mapping[str, str]
    detection: Any = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def load_facilities(path: str | Path) -> tuple[list[FacilitySpec], Path]:
    """Read and check a facilities file; return the facilities and the file's folder.

    Raises
    ------
    InvalidInputError
        Listing every problem with its key path (unknown keys with a "did you mean", hardware
        not in the catalog with the closest names, missing meter files).
    """
    path = Path(path)
    data = read_yaml(path, "facilities file")
    spec = validate(FacilitiesFile, data, str(path), "a facilities file")
    problems = []
    for i, facility in enumerate(spec.facilities):
        if facility.meter is not None and not (path.parent / facility.meter.file).is_file():
            problems.append(
                f"facilities[{i}].meter.file: {facility.meter.file!r} not found "
                f"(looked in {path.parent})"
            )
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise InvalidInputError(f"{path}: {len(problems)} problem(s):\n{lines}")
    return list(spec.facilities), path.parent


def evidence_of(facility: FacilitySpec, base: Path | None = None) -> FacilityEvidence:
    """The evidence record rules are tested against (runs the detector on a meter file)."""
    values: dict[str, Any] = dict.fromkeys(FIELDS)
    origin: dict[str, str] = {}

    def put(name: str, value: Any, where: str) -> None:
        if value is not None:
            values[name] = value
            origin[name] = where

    put("id", facility.id, "declared")
    put("name", facility.name, "declared")
    put("operator", facility.operator, "declared")
    put("declared_activity", facility.declared_activity, "declared")
    put("location.country", facility.location.country, "declared")
    put("location.region", facility.location.region, "declared")
    put("location.city", facility.location.city, "declared")
    put("floor_area_m2", facility.floor_area_m2, "declared")
    put("contracted_power_kw", facility.contracted_power_kw, "declared")
    put("it_power_kw", facility.it_power_kw, "declared")
    asics = [(get_model(h.model), h.count) for h in facility.hardware if h.kind in (None, "asic")]
    others = [h for h in facility.hardware if h.kind not in (None, "asic")]
    if facility.hardware:
        inventory = "hardware inventory matched against the ASIC catalog"
        put("hardware.asic_count", sum(n for _, n in asics), inventory)
        put("hardware.asic_power_kw", sum(m.power_w * n for m, n in asics) / 1e3, inventory)
        put("hardware.asic_hashrate_ths", sum(m.hashrate_ths * n for m, n in asics), inventory)
        put("hardware.asic_models", sorted({m.model for m, _ in asics}), inventory)
        gpus = [h for h in others if h.kind in _GPU_KINDS]
        put("hardware.gpu_count", sum(h.count for h in gpus), "hardware inventory")
        put(
            "hardware.gpu_power_kw",
            sum(h.count * (h.power_w or 0) for h in gpus) / 1e3,
            "hardware inventory",
        )
        put(
            "hardware.storage_power_kw",
            sum(h.count * (h.power_w or 0) for h in others if h.kind == "storage") / 1e3,
            "hardware inventory",
        )
        total = (
            values["hardware.asic_power_kw"] + sum(h.count * (h.power_w or 0) for h in others) / 1e3
        )
        put("hardware.total_power_kw", total, "hardware inventory (nameplate)")
    network = facility.network
    put("network.pool_endpoints", list(network.pool_endpoints), "network observation")
    put("network.stratum_v1_seen", network.stratum_v1_seen, "network observation")
    put("network.stratum_v2_seen", network.stratum_v2_seen, "network observation")
    put("network.vpn_only", network.vpn_only, "network observation")
    put("registration.registered", facility.registration.registered, "registry")
    put("registration.industry_code", facility.registration.industry_code, "registry")
    put("tokens.earns_tokens", facility.tokens.earns_tokens, "declared")
    put("tokens.issues_tokens", facility.tokens.issues_tokens, "declared")
    put("tokens.stakes_tokens", facility.tokens.stakes_tokens, "declared")
    detection = None
    if facility.meter is not None:
        from hashtide.regulation.detector import detect
        from hashtide.regulation.meter import read_meter_csv

        ref = facility.meter
        file = (base or Path.cwd()) / ref.file
        try:
            series = read_meter_csv(
                file,
                timestamp_column=ref.timestamp_column,
                power_column=ref.power_column,
                unit=ref.unit,
                timezone=ref.timezone,
                allow_gaps=ref.allow_gaps,
            )
        except InvalidInputError as exc:
            raise InvalidInputError(f"facility {facility.id!r}: meter: {exc}") from None
        detection = detect(series)
        where = f"detector run on {ref.file}"
        put("detector.mining_probability", detection.mining_probability, where)
        put("detector.flagged", detection.flagged, where)
        put("detector.estimated_machines", detection.estimated_machines, where)
        put("power.site_kw", float(np.nanmean(series.power_kw)), f"metered mean of {ref.file}")
    elif facility.detector is not None:
        d = facility.detector
        put("detector.mining_probability", d.mining_probability, "declared detector result")
        put("detector.flagged", d.flagged, "declared detector result")
        put("detector.estimated_machines", d.estimated_machines, "declared detector result")
    if values["power.site_kw"] is None:
        if facility.it_power_kw is not None:
            put("power.site_kw", facility.it_power_kw, "declared IT load")
        elif values["hardware.total_power_kw"]:
            put(
                "power.site_kw", values["hardware.total_power_kw"], "hardware inventory (nameplate)"
            )
    if values["power.site_kw"] is not None and facility.floor_area_m2:
        put(
            "power.density_w_per_m2",
            1e3 * values["power.site_kw"] / facility.floor_area_m2,
            f"{origin['power.site_kw']} / declared floor area",
        )
    return FacilityEvidence(
        facility_id=facility.id, values=values, origin=origin, detection=detection
    )


def check_field(name: str) -> str | None:
    """``None`` if ``name`` is an evidence field, else a message with a "did you mean"."""
    if name in FIELDS:
        return None
    return f"unknown field {name!r}{did_you_mean(name, tuple(FIELDS))}"
