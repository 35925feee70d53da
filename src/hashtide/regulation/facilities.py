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
from typing import Any, Final, Literal, get_args

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hashtide.errors import InvalidInputError
from hashtide.hardware import get_model
from hashtide.regulation._validation import did_you_mean, read_yaml, validate
from hashtide.regulation.patterns import FLEET_PATTERNS
from hashtide.regulation.sources import is_file

#: Activities an operator may declare.
ACTIVITIES: Final = (
    "pow_mining",
    "pos_validator",
    "ai_training",
    "ai_inference",
    "data_storage",
    "general_data_centre",
    "edge_compute",
    "gpu_mining",
    "storage_mining",
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
    "gpu_mining",
    "storage_mining",
    "office",
    "other",
]
#: Kinds of hardware an inventory may list. ``asic`` items are matched against the catalog.
HardwareKind = Literal[
    "asic", "gpu_server", "gpu", "consumer_gpu", "cpu_server", "storage", "network", "other"
]
_GPU_KINDS: Final = ("gpu_server", "gpu", "consumer_gpu")
#: Project stages as 1283号 distinguishes them: 存量 (running) and 增量 (being built or planned).
ProjectStage = Literal["existing", "under_construction", "planned"]
#: Load patterns a meter may show (a typed copy of the hidden patterns of
#: :mod:`hashtide.regulation.patterns`, plus the non-mining ones; a test keeps them in step).
MeterPattern = Literal[
    "onset",
    "batches",
    "always_on",
    "night_only",
    "weekend_only",
    "curtailed",
    "seasonal_heat",
    "gpu_mining",
    "ai_training_jobs",
    "ai_inference_diurnal",
    "office_diurnal",
    "storage_pos",
    "none",
]
#: Load patterns a meter may show (from ``hashtide detect``/``screen`` or an inspection); the
#: hidden-fleet names are those of :mod:`hashtide.regulation.patterns`.
METER_PATTERNS: Final = get_args(MeterPattern)
#: Patterns that look like a mining fleet (an always-on block, or one switched on and off by
#: price or tariff).
MINING_LIKE_PATTERNS: Final = FLEET_PATTERNS
#: Hours in a year of continuous running [h].
HOURS_PER_YEAR: Final = 8760.0
_TEXT: Final = 500


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HardwareItem(_Strict):
    """One line of a hardware inventory: ``{model: Antminer S19j Pro, count: 40}``."""

    model: str = Field(min_length=1)
    count: int = Field(ge=1, le=10_000_000, strict=True)
    kind: HardwareKind | None = None
    power_w: float | None = Field(default=None, gt=0, le=1e7, allow_inf_nan=False)

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
    region: str | None = Field(default=None, max_length=_TEXT)
    city: str | None = Field(default=None, max_length=_TEXT)


class Network(_Strict):
    """What was seen on the facility's network (by its operator, an ISP, or an inspection)."""

    pool_endpoints: list[str] = Field(default_factory=list, max_length=1000)
    p2p_networks: list[str] = Field(default_factory=list, max_length=100)
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


class MeterEvidence(_Strict):
    """A load pattern found elsewhere (``hashtide screen``, an earlier detection, an inspection)."""

    pattern: MeterPattern
    source: str = Field(min_length=1, max_length=_TEXT)


class Project(_Strict):
    """The project's stage: running (存量), or being built or planned (增量)."""

    stage: ProjectStage | None = None
    commissioned: str | None = Field(default=None, max_length=40)


class Energy(_Strict):
    """Consumption from the utility's records [kWh per year]."""

    account_kwh_per_year: float | None = Field(default=None, ge=0, le=1e13, allow_inf_nan=False)
    mining_kwh_per_year: float | None = Field(default=None, ge=0, le=1e13, allow_inf_nan=False)


class DetectorResult(_Strict):
    """A detector result obtained elsewhere (when no meter file is given)."""

    mining_probability: float = Field(ge=0, le=1)
    estimated_machines: int | None = Field(default=None, ge=0)
    flagged: bool | None = None


class Registration(_Strict):
    """The facility's registration with the authority."""

    registered: bool | None = None
    filing_id: str | None = None
    industry_code: str | None = Field(default=None, pattern=r"^[A-Ta-t]?\d{4}$")


class Tokens(_Strict):
    """Whether the facility's income involves crypto tokens."""

    earns_tokens: bool | None = None
    issues_tokens: bool | None = None
    stakes_tokens: bool | None = None


class FacilitySpec(_Strict):
    """One facility as written in a facilities file."""

    id: str = Field(min_length=1, max_length=200)
    name: str | None = Field(default=None, max_length=_TEXT)
    operator: str | None = Field(default=None, max_length=_TEXT)
    ownership: Literal["state_owned", "private"] | None = None
    site_lessor: str | None = Field(default=None, max_length=_TEXT)
    declared_activity: Activity | None = None
    project: Project = Field(default_factory=Project)
    location: Location = Field(default_factory=Location)
    floor_area_m2: float | None = Field(default=None, gt=0, le=1e9, allow_inf_nan=False)
    contracted_power_kw: float | None = Field(default=None, gt=0, le=1e8, allow_inf_nan=False)
    it_power_kw: float | None = Field(default=None, ge=0, le=1e8, allow_inf_nan=False)
    hardware: list[HardwareItem] = Field(default_factory=list, max_length=10_000)
    network: Network = Field(default_factory=Network)
    meter: MeterRef | None = None
    detector: DetectorResult | None = None
    meter_evidence: MeterEvidence | None = None
    energy: Energy = Field(default_factory=Energy)
    registration: Registration = Field(default_factory=Registration)
    tokens: Tokens = Field(default_factory=Tokens)
    notes: str | None = Field(default=None, max_length=10_000)

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
    "ownership": FieldSpec(
        type="enum", description="state-owned unit or private", values=("state_owned", "private")
    ),
    "site_lessor": FieldSpec(
        type="str", description="who lets the site (landlord, park, data-centre host)"
    ),
    "project.stage": FieldSpec(
        type="enum",
        description="existing (running, 存量) or under_construction / planned (增量)",
        values=("existing", "under_construction", "planned"),
    ),
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
    "hardware.consumer_gpu_count": FieldSpec(
        type="int", description="consumer GPUs listed (kind consumer_gpu)"
    ),
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
    "meter.pattern": FieldSpec(
        type="enum",
        description="load pattern (declared meter_evidence, or the detector's when it gives one)",
        values=METER_PATTERNS,
    ),
    "meter.mining_like": FieldSpec(
        type="bool",
        description="the meter looks like a mining fleet: detector flag, or a mining-like pattern",
    ),
    "energy.account_kwh_per_year": FieldSpec(
        type="number",
        unit="kWh/yr",
        description="the account's consumption: declared, else metered mean × 8,760 h, else "
        "declared IT load × 8,760 h, else the inventory's nameplate × 8,760 h",
    ),
    "energy.mining_kwh_per_year": FieldSpec(
        type="number",
        unit="kWh/yr",
        description="consumption of the mining machines: declared, else ASIC nameplate × 8,760 h "
        "(at most the account's), else the detected step × 8,760 h",
    ),
    "energy.mining_share_frac": FieldSpec(
        type="number", unit="0–1", description="mining consumption over the account's"
    ),
    "network.p2p_networks": FieldSpec(
        type="list", description="peer-to-peer networks the site was seen in (bitcoin, filecoin…)"
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
    "registration.industry_code": FieldSpec(
        type="str",
        description="registered GB/T 4754-2017 code, 4 digits (a leading letter dropped)",
    ),
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
    # The meter files are looked for in the raw data, so that a missing one is listed with the
    # schema's problems (it was named only once those were fixed).
    problems = []
    raw = data.get("facilities") if isinstance(data, dict) else None
    for i, item in enumerate(raw if isinstance(raw, list) else []):
        meter = item.get("meter") if isinstance(item, dict) else None
        file = meter.get("file") if isinstance(meter, dict) else meter
        if isinstance(file, str) and not is_file(path.parent / file):
            problems.append(
                f"facilities[{i}].meter.file: {file!r} not found (looked in {path.parent})"
            )
    try:
        spec = validate(FacilitiesFile, data, str(path), "a facilities file")
    except InvalidInputError as exc:
        if not problems:
            raise
        listed = [line[4:] for line in str(exc).splitlines() if line.startswith("  - ")]
        problems = listed + problems
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise InvalidInputError(f"{path}: {len(problems)} problem(s):\n{lines}") from None
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
    put("ownership", facility.ownership, "declared")
    put("site_lessor", facility.site_lessor, "declared")
    put("project.stage", facility.project.stage, "declared")
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
            "hardware.consumer_gpu_count",
            sum(h.count for h in gpus if h.kind == "consumer_gpu"),
            "hardware inventory",
        )
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
    put("network.p2p_networks", [n.casefold() for n in network.p2p_networks], "network observation")
    put("network.stratum_v1_seen", network.stratum_v1_seen, "network observation")
    put("network.stratum_v2_seen", network.stratum_v2_seen, "network observation")
    put("network.vpn_only", network.vpn_only, "network observation")
    put("registration.registered", facility.registration.registered, "registry")
    code = facility.registration.industry_code
    put("registration.industry_code", code[-4:] if code else None, "registry (GB/T 4754-2017)")
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
    _meter_and_energy(facility, values, origin, put, detection)
    if values["power.site_kw"] is not None and facility.floor_area_m2:
        put(
            "power.density_w_per_m2",
            1e3 * values["power.site_kw"] / facility.floor_area_m2,
            f"{origin['power.site_kw']} / declared floor area",
        )
    return FacilityEvidence(
        facility_id=facility.id, values=values, origin=origin, detection=detection
    )


def _meter_and_energy(
    facility: FacilitySpec,
    values: dict[str, Any],
    origin: dict[str, str],
    put: Any,
    detection: Any,
) -> None:
    """The meter pattern and the yearly consumption fields (see :data:`FIELDS`)."""
    pattern = getattr(detection, "pattern", None) if detection is not None else None
    if isinstance(pattern, str) and pattern in METER_PATTERNS:
        put("meter.pattern", pattern, origin.get("detector.flagged", "detector"))
    elif facility.meter_evidence is not None:
        put("meter.pattern", facility.meter_evidence.pattern, facility.meter_evidence.source)
    pattern_says = values["meter.pattern"] in MINING_LIKE_PATTERNS
    if values["detector.flagged"] is True and values["meter.pattern"] and not pattern_says:
        put(
            "meter.mining_like",
            True,
            f"{origin['detector.flagged']}: flagged, pattern {values['meter.pattern']}",
        )
    elif values["meter.pattern"] is not None:
        put(
            "meter.mining_like",
            pattern_says,
            f"pattern {values['meter.pattern']} ({origin['meter.pattern']})",
        )
    elif values["detector.flagged"] is not None:
        put("meter.mining_like", values["detector.flagged"], origin["detector.flagged"])
    energy = facility.energy
    if energy.account_kwh_per_year is not None:
        put(
            "energy.account_kwh_per_year", energy.account_kwh_per_year, "declared (utility account)"
        )
    elif values["power.site_kw"] is not None:
        put(
            "energy.account_kwh_per_year",
            values["power.site_kw"] * HOURS_PER_YEAR,
            f"{origin['power.site_kw']} × 8,760 h",
        )
    account = values["energy.account_kwh_per_year"]
    if energy.mining_kwh_per_year is not None:
        put("energy.mining_kwh_per_year", energy.mining_kwh_per_year, "declared (utility account)")
    elif values["hardware.asic_power_kw"]:
        mining = values["hardware.asic_power_kw"] * HOURS_PER_YEAR
        capped = account is not None and mining > account
        put(
            "energy.mining_kwh_per_year",
            min(mining, account) if capped else mining,
            "ASIC nameplate × 8,760 h" + (", capped at the account's" if capped else ""),
        )
    elif detection is not None and detection.flagged and detection.estimated_power_kw:
        put(
            "energy.mining_kwh_per_year",
            detection.estimated_power_kw * HOURS_PER_YEAR,
            f"detected step × 8,760 h ({origin['detector.flagged']})",
        )
    mining = values["energy.mining_kwh_per_year"]
    if mining is not None and account:
        put(
            "energy.mining_share_frac",
            min(1.0, mining / account),
            "energy.mining_kwh_per_year / energy.account_kwh_per_year",
        )


def check_field(name: str) -> str | None:
    """``None`` if ``name`` is an evidence field, else a message with a "did you mean"."""
    if name in FIELDS:
        return None
    return f"unknown field {name!r}{did_you_mean(name, tuple(FIELDS))}"
