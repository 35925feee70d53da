"""The evidence behind a detection, as sentences and numbers.

Each item groups the model terms that measure one physical property (:data:`GROUPS`), says in a
sentence what the meter shows, gives the numbers, and how much they moved each stage's log-odds.
Items the model does not score — the machine count, sub-hourly variability, price and
temperature response, data coverage — are reported beside them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np

from hashtide.hardware import get_model
from hashtide.regulation.features import LoadFeatures, smallest_asic_kw
from hashtide.regulation.meter import MeterSeries

#: ASIC classes the estimated fleet is expressed in, from the catalog: older and current
#: air-cooled machines and a hydro-cooled one. The first is the reference for
#: ``estimated_machines``.
MACHINE_CLASSES: Final = (
    "Antminer S19j Pro",
    "Antminer S9",
    "Antminer S21",
    "Antminer S21 XP Hyd",
)
#: The catalog's power tolerance (Bitmain rates wall power ±5 %; see generator sources).
POWER_TOLERANCE_FRAC: Final = 0.05


@dataclass(frozen=True, kw_only=True)
class MachineEstimate:
    """How many machines of one catalog model would draw the detected step."""

    model: str
    power_w: float
    hashrate_ths: float
    n_machines: int
    n_low: int
    n_high: int

    @property
    def fits(self) -> bool:
        """Whether a whole number of machines draws the step within the ±5 % tolerance."""
        return 0 < self.n_low <= self.n_high

    @property
    def hashrate_total_ths(self) -> float:
        """Hashrate of ``n_machines`` [TH/s]."""
        return self.n_machines * self.hashrate_ths


@dataclass(frozen=True, kw_only=True)
class Evidence:
    """One piece of evidence: a sentence, its numbers, and how it moved the odds.

    ``fleet_logit`` and ``asic_logit`` are the group's contributions to each stage's log-odds
    (positive: towards mining); ``None`` for evidence reported but not used by the model.
    """

    key: str
    sentence: str
    values: Mapping[str, Any]
    fleet_logit: float | None = None
    asic_logit: float | None = None

    @property
    def direction(self) -> str:
        """``towards mining``, ``against mining`` or ``not scored``."""
        if self.fleet_logit is None and self.asic_logit is None:
            return "not scored"
        total = (self.fleet_logit or 0.0) + (self.asic_logit or 0.0)
        return "towards mining" if total >= 0 else "against mining"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "key": self.key,
            "sentence": self.sentence,
            "direction": self.direction,
            "fleet_logit": self.fleet_logit,
            "asic_logit": self.asic_logit,
            "values": jsonable(dict(self.values)),
        }


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, np.floating | np.integer):
        return jsonable(value.item())
    return value


def estimate_machines(
    step_kw: float, models: Sequence[str] = MACHINE_CLASSES
) -> tuple[MachineEstimate, ...]:
    """Machines of each catalog model that would draw ``step_kw`` [kW].

    ``n_low``–``n_high`` is the range allowed by the ±5 % power tolerance.

    Examples
    --------
    >>> est = estimate_machines(30.68, ["Antminer S19j Pro"])[0]  # 10 × 3,068 W
    >>> est.n_machines, est.n_low, est.n_high
    (10, 10, 10)
    """
    out = []
    for name in models:
        model = get_model(name)
        kw = model.power_w / 1e3
        n = max(round(step_kw / kw), 0)
        low = math.ceil(step_kw / (kw * (1 + POWER_TOLERANCE_FRAC)) - 1e-9)
        high = math.floor(step_kw / (kw * (1 - POWER_TOLERANCE_FRAC)) + 1e-9)
        out.append(
            MachineEstimate(
                model=model.model,
                power_w=model.power_w,
                hashrate_ths=model.hashrate_ths,
                n_machines=n,
                n_low=max(low, 0),
                n_high=max(high, 0),
            )
        )
    return tuple(out)


#: Evidence groups of the model terms, in the order they are reported, with their titles.
GROUPS: Final[dict[str, str]] = {
    "step": "a switch-on step of the floor",
    "uniform": "the rise is the same at every hour",
    "sharp": "the rise came within an hour",
    "steady": "the added load is steady",
    "shifts": "level changes and drops",
    "shape": "the shape of the whole load",
}


def _pct(share: float) -> str:
    return f"{100 * share:.0f} %" if math.isfinite(share) else "n/a"


def explain(
    features: LoadFeatures,
    logits: Mapping[str, tuple[float, float]],
    machines: Sequence[MachineEstimate],
    series: MeterSeries,
) -> tuple[Evidence, ...]:
    """Evidence items for one detection (see the module notes).

    ``logits`` maps each group of :data:`GROUPS` to its contribution to the fleet and the ASIC
    stage's log-odds (from :func:`hashtide.regulation.detector.group_logits`).
    """
    f = features
    items: list[Evidence] = []

    def add(key: str, sentence: str, values: dict[str, Any]) -> None:
        fleet, asic = logits.get(key, (0.0, 0.0))
        items.append(
            Evidence(key=key, sentence=sentence, values=values, fleet_logit=fleet, asic_logit=asic)
        )

    start = series.time[0].strftime("%Y-%m-%d")
    if f.step_day > 0:
        add(
            "step",
            f"On {f.step_time} the site's floor — the load it draws around the clock — rose by "
            f"{f.step_kw:,.1f} kW ({_pct(f.step_share)} of its mean load before) and stayed up "
            f"on {_pct(f.step_persistence)} of the days around it (change-point t = "
            f"{f.step_t:.1f}).",
            {
                "step_time": f.step_time,
                "step_kw": f.step_kw,
                "step_share": f.step_share,
                "step_persistence": f.step_persistence,
                "step_t": f.step_t,
            },
        )
    else:
        add(
            "step",
            f"The floor never rose for good by as much as one ASIC ({smallest_asic_kw():.2f} kW): "
            "no always-on block was switched on during the series. A fleet already running on "
            f"{start} would not show as a step — the meter alone cannot see it.",
            {"step_kw": 0.0, "smallest_asic_kw": smallest_asic_kw()},
        )
    if f.step_day > 0:
        same = f.step_uniformity_chi2 < 3
        add(
            "uniform",
            f"The rise is {'about the same' if same else 'not the same'} at every hour of the "
            f"day: χ²/ν = {f.step_uniformity_chi2:.1f} (≈ 1 for a constant block of machines; "
            f"people or user demand give much more). The daily mean rose "
            f"{f.step_mean_ratio:.2f}× and the daily peak {f.step_peak_ratio:.2f}× as much as "
            "the floor.",
            {
                "step_uniformity_chi2": f.step_uniformity_chi2,
                "step_mean_ratio": f.step_mean_ratio,
                "step_peak_ratio": f.step_peak_ratio,
                "step_profile_spread": f.step_profile_spread,
            },
        )
        sharp = f.step_sharpness > 0.6 and f.step_jump_t > 3
        add(
            "sharp",
            f"The rise came {'within about an hour' if sharp else 'gradually or amid noise'}: "
            f"the largest 3-hour jump near {f.step_time}, net of the daily pattern, was "
            f"{f.step_jump_share * f.mean_kw:,.1f} kW ({_pct(f.step_sharpness)} of the step, "
            f"{f.step_jump_t:.1f}× the typical jump).",
            {
                "step_sharpness": f.step_sharpness,
                "step_jump_t": f.step_jump_t,
                "step_jump_kw": f.step_jump_share * f.mean_kw,
            },
        )
        ratio = f.step_floor_scatter_ratio
        steady = (
            "steadier than"
            if ratio < 0.6
            else "as steady as"
            if ratio < 1.6
            else "more variable than"
        )
        add(
            "steady",
            f"After the rise the daily floor is {steady} before (scatter ratio "
            f"{f.step_floor_scatter_ratio:.2f}; hour-to-hour "
            f"{f.step_variance_ratio:.2f}). Always-on machines add no variation; GPU jobs that "
            "start and stop, and weather-driven loads, do.",
            {
                "step_floor_scatter_ratio": f.step_floor_scatter_ratio,
                "step_variance_ratio": f.step_variance_ratio,
            },
        )
    else:
        for key in ("uniform", "sharp", "steady"):
            if any(abs(v) > 1e-9 for v in logits.get(key, (0.0, 0.0))):
                add(key, f"No step, so nothing to test for '{GROUPS[key]}'.", {})
    add(
        "shifts",
        f"The floor jumped {f.level_shifts} time(s) from one day to the next; the largest "
        f"lasting drop was {_pct(f.down_step_share)} of the load. Mining fleets seldom switch "
        "off; GPU clusters between jobs do.",
        {"level_shifts": f.level_shifts, "down_step_share": f.down_step_share},
    )
    add(
        "shape",
        f"Over the whole series: load factor {f.load_factor:.2f}, floor {_pct(f.floor_ratio)} "
        f"of the mean, night/day {f.night_day_ratio:.2f}, weekend/weekday "
        f"{f.weekend_ratio:.2f}; the daily rhythm explains {_pct(f.daily_periodicity)} of the "
        f"variation and the weekly one {_pct(f.weekly_periodicity)} more.",
        {
            "load_factor": f.load_factor,
            "floor_ratio": f.floor_ratio,
            "night_day_ratio": f.night_day_ratio,
            "weekend_ratio": f.weekend_ratio,
            "daily_periodicity": f.daily_periodicity,
            "weekly_periodicity": f.weekly_periodicity,
            "residual_cv": f.residual_cv,
        },
    )
    items.extend(_unscored(f, machines, series))
    return tuple(items)


def _unscored(
    f: LoadFeatures, machines: Sequence[MachineEstimate], series: MeterSeries
) -> list[Evidence]:
    out = []
    if machines:
        ref, *others = machines
        alternatives = ", ".join(f"{m.n_machines} × {m.model}" for m in others)
        fitting = [
            f"{m.n_low}–{m.n_high} × {m.model}" if m.n_low < m.n_high else f"{m.n_low} × {m.model}"
            for m in machines
            if m.fits
        ]
        fit_text = (
            f" Whole numbers within the ±5 % power tolerance: {'; '.join(fitting)}."
            if fitting
            else " No class fits a whole number within the ±5 % power tolerance."
        )
        out.append(
            Evidence(
                key="machines",
                sentence=(
                    f"The step equals about {ref.n_machines} × {ref.model} ({ref.power_w:,.0f} W "
                    f"each, {ref.hashrate_total_ths / 1e3:,.2f} PH/s)"
                    + (f" — or {alternatives}" if alternatives else "")
                    + "."
                    + fit_text
                    + " With many machines, or with hourly noise, every class fits: the meter "
                    "measures the total, not the model."
                ),
                values={
                    "step_kw": f.step_kw,
                    "machines": [
                        {
                            "model": m.model,
                            "n": m.n_machines,
                            "low": m.n_low,
                            "high": m.n_high,
                            "fits": m.fits,
                        }
                        for m in machines
                    ],
                },
            )
        )
    if f.subhourly_cv is not None:
        out.append(
            Evidence(
                key="subhourly",
                sentence=(
                    f"Within each hour the load varies by {100 * f.subhourly_cv:.1f} % of the "
                    f"mean (largest step between readings: {100 * (f.max_ramp_share or 0):.1f} %)."
                    " ASIC fleets hold their draw to about a percent; AI training swings with its "
                    "jobs' phases and checkpoints. Not scored: the model was fitted on hourly data."
                ),
                values={"subhourly_cv": f.subhourly_cv, "max_ramp_share": f.max_ramp_share},
            )
        )
    if f.price_response_share is not None:
        out.append(
            Evidence(
                key="price",
                sentence=(
                    "In the tenth of hours with the dearest power the load differs by "
                    f"{100 * f.price_response_share:+.1f} % of the mean from the rest (slope "
                    f"{f.price_response_kw_per_usd_per_kwh:,.0f} kW per USD/kWh, weekly pattern "
                    "removed). Price-elastic miners switch off when power is dear. Not scored."
                ),
                values={
                    "price_response_share": f.price_response_share,
                    "price_response_kw_per_usd_per_kwh": f.price_response_kw_per_usd_per_kwh,
                },
            )
        )
    if f.temperature_response_kw_per_c is not None:
        out.append(
            Evidence(
                key="temperature",
                sentence=(
                    "Daily load changes by "
                    f"{f.temperature_response_kw_per_c:+,.2f} kW per °C of outdoor temperature "
                    "(heating and cooling do; ASICs by a fraction of a percent). Not scored."
                ),
                values={"temperature_response_kw_per_c": f.temperature_response_kw_per_c},
            )
        )
    missing = series.missing
    out.append(
        Evidence(
            key="data",
            sentence=(
                f"{series.duration_days:.1f} days of readings every {series.interval_s // 60} min "
                f"from {series.time[0].strftime('%Y-%m-%d %H:%M')} UTC; {missing} interval(s) "
                f"missing ({100 * missing / max(series.n, 1):.1f} %); local clock "
                f"{series.timezone}."
            ),
            values={
                "days": series.duration_days,
                "interval_s": series.interval_s,
                "missing_intervals": missing,
                "timezone": series.timezone,
            },
        )
    )
    return out
