"""The hidden-mining detector: two small logistic models over load-profile features.

* the **fleet** stage asks whether an always-on block of load that could be ASICs appeared in
  the series (a switch-on step of the floor, uniform across the day, sharp, persistent) rather
  than the building's own variation. Its probability, against the model's operating threshold,
  decides whether the site is **flagged for inspection**;
* the **ASIC** stage asks whether that block is shaped like mining (flat, steady) rather than
  like GPU compute (training jobs that start and stop, inference that follows users' day);
* ``mining_probability = P(fleet) × P(ASIC | fleet)``.

The flag screens on the fleet stage alone: on hourly meters the two kinds of compute are only
partly separable (``docs/regulation.md`` has the figures), and an always-on block of tens of
kilowatts appearing in an office deserves an inspection whatever it is — the inspection, the
hardware inventory and the network evidence (rule packs) tell mining from GPUs and storage.

Both are logistic regressions on standardised features (:data:`TERMS`), fitted with an L2
penalty by :func:`fit_stage` — transparent models whose every term is a physical statement with
a weight. The shipped model (:func:`load_model`) was fitted by ``scripts/evaluate_detector.py``
on real building loads from training buildings only (its meta file names them); the figures on
held-out buildings are in ``docs/regulation.md``.

:func:`detect` returns a :class:`Detection`: the probability, the flag at the model's operating
threshold, how many machines of which class would explain the step, and the evidence — each
item a sentence and the machine-readable numbers behind it, with how much it moved the odds.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize

from hashtide.errors import DataError, InvalidInputError
from hashtide.regulation.evidence import (
    MACHINE_CLASSES,
    Evidence,
    MachineEstimate,
    estimate_machines,
    explain,
    jsonable,
)
from hashtide.regulation.features import LoadFeatures, compute_features
from hashtide.regulation.meter import MeterSeries, describe_series

FloatArray = npt.NDArray[np.float64]
Transform = Callable[[Mapping[str, Any]], float]

_MODEL_FILE: Final = "regulation/detector_model.json"
_FORMAT: Final = "hashtide-detector/1"


def _get(name: str, low: float, high: float) -> Transform:
    return lambda f: float(np.clip(f[name], low, high))


def _log(name: str, low: float, high: float) -> Transform:
    return lambda f: math.log(float(np.clip(f[name], low, high)))


def _log1p(name: str, high: float) -> Transform:
    return lambda f: math.log1p(float(np.clip(f[name], 0.0, high)))


def _dev(name: str, high: float) -> Transform:
    return lambda f: float(min(abs(float(f[name]) - 1.0), high))


#: Model terms: name → (evidence group, transform of the features). A term's contribution to a
#: stage's log-odds is ``coef × (transform − mean) / scale``; contributions add up by group.
TERMS: Final[dict[str, tuple[str, Transform]]] = {
    "step_share": ("step", _get("step_share", 0.0, 2.0)),
    "step_t": ("step", _log1p("step_t", 50.0)),
    "step_persistence": ("step", _get("step_persistence", 0.0, 1.0)),
    "share_x_persistence": (
        "step",
        lambda f: float(np.clip(f["step_share"], 0, 2)) * float(f["step_persistence"]),
    ),
    "step_uniformity": ("uniform", _log("step_uniformity_chi2", 0.05, 100.0)),
    "step_profile_spread": ("uniform", _get("step_profile_spread", 0.0, 5.0)),
    "step_mean_ratio": ("uniform", _get("step_mean_ratio", -1.0, 3.0)),
    "step_mean_dev": ("uniform", _dev("step_mean_ratio", 5.0)),
    "step_peak_dev": ("uniform", _dev("step_peak_ratio", 5.0)),
    "step_sharpness": ("sharp", _get("step_sharpness", -1.0, 3.0)),
    "step_sharpness_dev": ("sharp", _dev("step_sharpness", 4.0)),
    "step_jump_share": ("sharp", _get("step_jump_share", -1.0, 2.0)),
    "step_jump_t": ("sharp", _log1p("step_jump_t", 50.0)),
    "share_x_sharpness": (
        "sharp",
        lambda f: (
            float(np.clip(f["step_share"], 0, 2)) * float(np.clip(f["step_sharpness"], 0, 1.5))
        ),
    ),
    "step_floor_scatter": ("steady", _log("step_floor_scatter_ratio", 0.1, 10.0)),
    "step_variance_ratio": ("steady", _log("step_variance_ratio", 0.1, 10.0)),
    "level_shifts": ("shifts", _log1p("level_shifts", 1e9)),
    "down_step_share": ("shifts", _get("down_step_share", 0.0, 2.0)),
    "floor_ratio": ("shape", _get("floor_ratio", 0.0, 1.5)),
    "load_factor": ("shape", _get("load_factor", 0.0, 1.0)),
    "night_day_ratio": ("shape", _get("night_day_ratio", 0.0, 2.0)),
    "weekend_ratio": ("shape", _get("weekend_ratio", 0.0, 2.0)),
    "daily_periodicity": ("shape", _get("daily_periodicity", 0.0, 1.0)),
    "residual_cv": ("shape", _log("residual_cv", 1e-4, 10.0)),
}
#: Terms of each stage (the shipped model's are in its file; these are what the script fits).
FLEET_TERMS: Final = tuple(TERMS)
#: Terms only the population screen uses (:mod:`hashtide.regulation.screening`): square on/off
#: edges of a block, a block at fixed clock hours, and the load's shape against its peers.
TERMS.update(
    {
        "window_logit": ("window", _get("window_logit", -20.0, 20.0)),
        "window_hits": ("window", _log1p("window_hits", 100.0)),
        "window_step_share": ("window", _get("window_step_share", 0.0, 2.0)),
        "dip_days_frac": ("dips", _get("dip_days_frac", 0.0, 1.0)),
        "dip_share": ("dips", _get("dip_share", 0.0, 2.0)),
        "dip_consistency": ("dips", _get("dip_consistency", 0.0, 1.0)),
        "dips_x_share": (
            "dips",
            lambda f: (
                float(np.clip(f["dip_days_frac"], 0, 1)) * float(np.clip(f["dip_share"], 0, 1))
            ),
        ),
        "clock_edge_share": ("clock", _get("clock_edge_share", 0.0, 2.0)),
        "clock_edge_t": ("clock", _log1p("clock_edge_t", 100.0)),
        "z_floor_ratio": ("peers", _get("z_floor_ratio", -5.0, 20.0)),
        "z_load_factor": ("peers", _get("z_load_factor", -5.0, 20.0)),
        "z_night_day_ratio": ("peers", _get("z_night_day_ratio", -5.0, 20.0)),
        "z_weekend_ratio": ("peers", _get("z_weekend_ratio", -5.0, 20.0)),
        "z_clock_edge_share": ("peers", _get("z_clock_edge_share", -5.0, 20.0)),
    }
)
ASIC_TERMS: Final = (
    "step_uniformity",
    "step_mean_ratio",
    "step_mean_dev",
    "step_peak_dev",
    "step_floor_scatter",
    "step_variance_ratio",
    "level_shifts",
    "down_step_share",
    "step_profile_spread",
    "step_sharpness",
    "step_sharpness_dev",
    "step_persistence",
)


def term_values(features: Mapping[str, Any], terms: Sequence[str]) -> FloatArray:
    """The transformed values of ``terms`` for one feature set."""
    return np.array([TERMS[t][1](features) for t in terms], dtype=float)


@dataclass(frozen=True, kw_only=True)
class Stage:
    """One logistic stage: ``logit = intercept + Σ coef_j (x_j − mean_j) / scale_j``."""

    name: str
    terms: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float

    def __post_init__(self) -> None:
        n = len(self.terms)
        if not (len(self.mean) == len(self.scale) == len(self.coef) == n):
            raise DataError(f"stage {self.name!r}: terms, mean, scale and coef differ in length")
        unknown = [t for t in self.terms if t not in TERMS]
        if unknown:
            raise DataError(f"stage {self.name!r}: unknown terms {unknown}")

    def contributions(self, features: Mapping[str, Any]) -> FloatArray:
        """Each term's contribution to the log-odds."""
        x = term_values(features, self.terms)
        out = np.asarray(self.coef) * (x - np.asarray(self.mean)) / np.asarray(self.scale)
        return np.asarray(out, dtype=float)

    def logit(self, features: Mapping[str, Any]) -> float:
        """Log-odds of this stage for one feature set."""
        return float(self.intercept + self.contributions(features).sum())


@dataclass(frozen=True, kw_only=True)
class DetectorModel:
    """The two stages, the operating threshold (on the fleet stage's probability), and where the
    model comes from."""

    fleet: Stage
    asic: Stage
    threshold: float
    window_days: int
    provenance: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The model as written to its JSON file."""
        return {
            "format": _FORMAT,
            "stages": {"fleet": asdict(self.fleet), "asic": asdict(self.asic)},
            "threshold": self.threshold,
            "window_days": self.window_days,
            "provenance": dict(self.provenance),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "model") -> DetectorModel:
        """Read a model written by :meth:`as_dict` (checked)."""
        if data.get("format") != _FORMAT:
            raise DataError(f"{source}: not a {_FORMAT} file (format={data.get('format')!r})")
        try:
            stages = {
                name: Stage(
                    name=str(s["name"]),
                    terms=tuple(s["terms"]),
                    mean=tuple(float(v) for v in s["mean"]),
                    scale=tuple(float(v) for v in s["scale"]),
                    coef=tuple(float(v) for v in s["coef"]),
                    intercept=float(s["intercept"]),
                )
                for name, s in data["stages"].items()
            }
            return cls(
                fleet=stages["fleet"],
                asic=stages["asic"],
                threshold=float(data["threshold"]),
                window_days=int(data["window_days"]),
                provenance=data.get("provenance", {}),
            )
        except (KeyError, TypeError) as exc:
            raise DataError(f"{source}: malformed detector model ({exc})") from exc

    def flagged(self, features: Mapping[str, Any]) -> bool:
        """Whether the fleet stage's probability reaches the operating threshold."""
        return _sigmoid(self.fleet.logit(features)) >= self.threshold

    def probability(self, features: Mapping[str, Any]) -> tuple[float, float, float]:
        """``(mining probability, P(fleet), P(ASIC | fleet))`` for one feature set."""
        p_fleet = _sigmoid(self.fleet.logit(features))
        p_asic = _sigmoid(self.asic.logit(features))
        return p_fleet * p_asic, p_fleet, p_asic


def group_logits(
    model: DetectorModel, features: Mapping[str, Any]
) -> dict[str, tuple[float, float]]:
    """Each evidence group's contribution to the fleet and the ASIC stage's log-odds."""
    out: dict[str, list[float]] = {}
    for index, stage in enumerate((model.fleet, model.asic)):
        for term, value in zip(stage.terms, stage.contributions(features), strict=True):
            out.setdefault(TERMS[term][0], [0.0, 0.0])[index] += float(value)
    return {group: (v[0], v[1]) for group, v in out.items()}


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def load_model(path: str | Path | None = None) -> DetectorModel:
    """The shipped detector model, or one from a JSON file written by :meth:`DetectorModel.as_dict`.

    Examples
    --------
    >>> model = load_model()
    >>> model.window_days, 0 < model.threshold < 1
    (56, True)
    """
    data, source = read_model_json(path, shipped=_MODEL_FILE, what="the detector model")
    return DetectorModel.from_dict(data, source=source)


def read_model_json(path: str | Path | None, *, shipped: str, what: str) -> tuple[Any, str]:
    """The JSON of a fitted model and where it came from: the shipped file ``shipped`` (in
    ``hashtide/data``) when ``path`` is None, else ``path`` (unreadable: InvalidInputError
    naming ``what``; not JSON: DataError)."""
    if path is None:
        text = resources.files("hashtide.data").joinpath(shipped).read_text(encoding="utf-8")
        source = f"hashtide/data/{shipped}"
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise InvalidInputError(f"{path}: cannot read {what} ({exc})") from None
        source = str(path)
    try:
        return json.loads(text), source
    except json.JSONDecodeError as exc:
        raise DataError(f"{source}: not valid JSON ({exc})") from None


def fit_stage(
    name: str,
    rows: Sequence[Mapping[str, Any]],
    labels: Sequence[int] | npt.NDArray[np.int64],
    terms: Sequence[str],
    *,
    weights: Sequence[float] | FloatArray | None = None,
    l2: float = 1.0,
) -> Stage:
    """Fit one logistic stage by penalised maximum likelihood (L-BFGS).

    Notes
    -----
    Minimises ``Σ w_i [log(1 + e^{z_i}) − y_i z_i] + ½ λ Σ_j β_j²`` with ``z = β₀ + Σ β_j
    (x_j − m_j)/s_j``; ``m``, ``s`` are the (unweighted) mean and standard deviation of each
    term, so ``λ`` penalises every term on the same scale; the intercept is not penalised.

    Examples
    --------
    One term that separates the classes gets a positive weight:

    >>> rows = [{"step_share": s, "step_persistence": 1.0} for s in (0.0, 0.05, 0.3, 0.5)]
    >>> stage = fit_stage("fleet", rows, [0, 0, 1, 1], ["step_share"])
    >>> stage.coef[0] > 0
    True
    """
    x = np.array([term_values(r, terms) for r in rows], dtype=float)
    y = np.asarray(labels, dtype=float)
    if x.shape[0] != y.size or y.size == 0:
        raise InvalidInputError("rows and labels must be non-empty and of the same length")
    if not set(np.unique(y)) <= {0.0, 1.0} or np.unique(y).size < 2:
        raise InvalidInputError("labels must be 0 and 1, with both present")
    w = np.ones(y.size) if weights is None else np.asarray(weights, dtype=float)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale = np.where(scale > 1e-12, scale, 1.0)
    z = np.column_stack([np.ones(y.size), (x - mean) / scale])

    def loss(beta: FloatArray) -> tuple[float, FloatArray]:
        eta = z @ beta
        p = 1 / (1 + np.exp(-np.clip(eta, -500, 500)))
        value = float(np.sum(w * (np.logaddexp(0, eta) - y * eta)) + 0.5 * l2 * beta[1:] @ beta[1:])
        grad = z.T @ (w * (p - y))
        grad[1:] += l2 * beta[1:]
        return value, grad

    result = minimize(loss, np.zeros(z.shape[1]), jac=True, method="L-BFGS-B")
    beta = result.x
    return Stage(
        name=name,
        terms=tuple(terms),
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        coef=tuple(float(v) for v in beta[1:]),
        intercept=float(beta[0]),
    )


@dataclass(frozen=True, kw_only=True)
class Detection:
    """What :func:`detect` found in one metered series."""

    source: str
    mining_probability: float
    fleet_probability: float
    asic_probability: float
    threshold: float
    flagged: bool
    estimated_power_kw: float | None
    machines: tuple[MachineEstimate, ...]
    evidence: tuple[Evidence, ...]
    features: LoadFeatures
    series: Mapping[str, Any]

    @property
    def estimated_machines(self) -> int:
        """Machines of the reference class (:data:`MACHINE_CLASSES`'s first) in the step; 0 if
        no step that could be a fleet was found."""
        return self.machines[0].n_machines if self.machines else 0

    @property
    def pattern(self) -> str:
        """What the flagged block looks like: ``onset`` (an always-on block switched on, shaped
        like ASICs), ``ai_training_jobs`` (switched on, but the ASIC stage — fitted against AI
        training and inference clusters — calls it GPU-like; GPU rigs switched on and off in
        stints look the same: an inspection tells), or ``none`` (not flagged). The names are the
        generator's; the population screen (:func:`~hashtide.regulation.screening.screen`) tells
        more patterns apart."""
        if not self.flagged:
            return "none"
        return "onset" if self.asic_probability >= 0.5 else "ai_training_jobs"

    @property
    def estimated_kw(self) -> float:
        """The hidden load the flag points at [kW]: the switch-on step; 0 when not flagged."""
        return float(self.estimated_power_kw or 0.0) if self.flagged else 0.0

    @property
    def verdict(self) -> str:
        """A one-line verdict."""
        fleet = f"{100 * self.fleet_probability:.0f} %"
        if not self.flagged:
            return (
                f"no sign of a hidden fleet (P(fleet) {fleet}, below the "
                f"{100 * self.threshold:.0f} % threshold); mining probability "
                f"{100 * self.mining_probability:.0f} %"
            )
        kind = "ASIC-like" if self.asic_probability >= 0.5 else "more like GPU compute"
        power = f"{self.estimated_power_kw:,.1f} kW " if self.estimated_power_kw else ""
        return (
            f"inspect: an always-on {power}block was switched on (P(fleet) {fleet}); its shape "
            f"is {kind} (P(ASIC) {100 * self.asic_probability:.0f} %) — mining probability "
            f"{100 * self.mining_probability:.0f} %"
        )

    def as_json(self) -> dict[str, Any]:
        """``{"mining_probability", "estimated_machines", "evidence", …}`` for scripts.

        ``flagged`` is ``fleet_probability ≥ threshold`` (an always-on block was switched on:
        inspect); ``mining_probability`` is ``fleet_probability × asic_probability`` (how much
        of that is shaped like ASICs). A flagged meter with a low mining probability holds a
        block that looks like GPU compute, not nothing; ``flag_rule`` says so in the output.
        """
        out: dict[str, Any] = jsonable(
            {
                "mining_probability": self.mining_probability,
                "estimated_machines": self.estimated_machines,
                "evidence": [e.as_dict() for e in self.evidence],
                "flagged": self.flagged,
                "threshold": self.threshold,
                "flag_rule": "flagged = fleet_probability >= threshold; mining_probability = "
                "fleet_probability * asic_probability",
                "pattern": self.pattern,
                "estimated_kw": self.estimated_kw,
                "fleet_probability": self.fleet_probability,
                "asic_probability": self.asic_probability,
                "estimated_power_kw": self.estimated_power_kw,
                "reference_model": MACHINE_CLASSES[0],
                "machine_classes": [
                    {**asdict(m), "hashrate_total_ths": m.hashrate_total_ths} for m in self.machines
                ],
                "verdict": self.verdict,
                "series": dict(self.series),
                "features": self.features.as_dict(),
            }
        )
        return out


def detect(
    series: MeterSeries,
    *,
    model: DetectorModel | None = None,
    threshold: float | None = None,
    machine_classes: Sequence[str] = MACHINE_CLASSES,
) -> Detection:
    """Score a metered series for hidden PoW mining and explain the score.

    Parameters
    ----------
    series : MeterSeries
        At least 7 days, hourly or finer (:func:`~hashtide.regulation.read_meter_csv`). The
        shipped model was fitted on 8-week windows; shorter series are scored by the same model
        with less information.
    model : DetectorModel, optional
        Default: the shipped model (:func:`load_model`).
    threshold : float, optional
        Flag when P(fleet) reaches this (default: the model's operating threshold).
        ``docs/regulation.md`` tabulates the false positive rate and recall of other
        thresholds on held-out buildings.
    machine_classes : sequence of str
        Catalog models to express the step in (the first is the reference for
        ``estimated_machines``).

    Returns
    -------
    Detection

    Examples
    --------
    A synthetic office with 12 S19j Pro switched on half-way through (see
    :mod:`hashtide.regulation.generator`):

    >>> import numpy as np, pandas as pd
    >>> from hashtide.regulation import generator as g, meter_from_array
    >>> rng = np.random.default_rng(3)
    >>> time = pd.date_range("2024-01-08", periods=56 * 24, freq="h", tz="UTC")
    >>> office = g.office_load(time, 3600, 150.0, rng)
    >>> fleet = g.MiningFleet(n_machines=12)
    >>> added = g.mining_load(time, 3600, fleet, rng, onset="2024-02-05 14:00")
    >>> result = detect(meter_from_array(office + added, start=time[0]))
    >>> result.flagged, result.estimated_machines
    (True, 12)
    >>> detect(meter_from_array(office, start=time[0])).flagged
    False
    """
    model = model if model is not None else load_model()
    if threshold is not None and not 0 < threshold < 1:
        raise InvalidInputError(f"threshold={threshold!r} must be between 0 and 1")
    cut = model.threshold if threshold is None else float(threshold)
    features = compute_features(series)
    values = features.as_dict()
    probability, p_fleet, p_asic = model.probability(values)
    step = features.step_kw if features.step_day > 0 else None
    machines = estimate_machines(step, machine_classes) if step else ()
    evidence = explain(features, group_logits(model, values), machines, series)

    return Detection(
        source=series.source,
        mining_probability=probability,
        fleet_probability=p_fleet,
        asic_probability=p_asic,
        threshold=cut,
        flagged=p_fleet >= cut,
        estimated_power_kw=step,
        machines=machines,
        evidence=evidence,
        features=features,
        series=describe_series(series),
    )
