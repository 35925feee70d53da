"""Screening a population of meters for hidden mining, whatever the fleet's pattern.

:func:`detect` asks one question of one meter: did an always-on block switch on? A regulator
holds months of readings for thousands of sites, and most hidden fleets were running before
that history began, or run only at night, at weekends, in winter, or off when power is dear.
:func:`screen` therefore scores every meter in the evidence channels of :data:`CHANNELS`:

* ``change`` — the switch-on detector of :func:`~hashtide.regulation.detect` run on 8-week
  stretches every 6 weeks (a fleet switched on, grown in batches, heat reuse switched on in
  autumn), the night level's lasting step, the daily floor's sharp rise that lasts to the end
  of the history and its sharp fall in spring matched by a rise in autumn
  (:func:`~hashtide.regulation.screen_signals.lasting_steps`);
* ``clock`` — a block at fixed clock hours: the weekly profile jumps by a block in the quiet
  hours (22:00–06:00 local), weekend and night ratios against peers (weekends, night tariffs);
* ``night`` — the same jump into a quiet hour every night, far above its night-to-night scatter,
  and the same drop 3–10 hours later (:func:`~hashtide.regulation.screen_signals.night_block`);
* ``curtail`` — square pulses down of one height and nights pulled down
  (:func:`~hashtide.regulation.screen_signals.pulses`, :func:`~hashtide.regulation.
  screen_signals.night_offs`): a fleet switched off at price peaks;
* ``dips`` — days whose floor drops by a block below the days around them, and night and
  evening dips (curtailment, GPU rigs between stints);
* ``level`` — the floor ratio, load factor, night/day and weekend/weekday ratios and flatness as
  robust z-scores against the other meters of the same category (:func:`peer_scores`), or of
  the whole population without metadata: the only evidence of a fleet that ran, unchanged,
  through the whole history.

Each channel is a logistic stage (:class:`ScreenModel`, fitted by ``scripts/evaluate_
detector.py`` on training buildings only); a meter's score is its strongest channel's z-score
against the clean training site-years, ``mining_probability`` a screening score made from it,
and a meter is ``flagged`` exactly when that reaches the model's threshold, set on the training
buildings for at most one false alarm per 100 site-years. ``docs/regulation.md`` has the
held-out figures and what they mean for an inspection plan.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import ndtr

from hashtide.errors import DataError, InvalidInputError
from hashtide.regulation.detector import (
    TERMS,
    DetectorModel,
    Stage,
    _get,
    _sigmoid,
    load_model,
    read_model_json,
)
from hashtide.regulation.evidence import Evidence, estimate_machines, jsonable
from hashtide.regulation.features import (
    FLOOR_QUANTILE,
    _daily,
    _day_matrix,
    _mad_sigma,
    _shape,
    compute_features,
    smallest_asic_kw,
)
from hashtide.regulation.meter import MeterSeries
from hashtide.regulation.patterns import FLEET_PATTERNS
from hashtide.regulation.population import MeterInfo
from hashtide.regulation.screen_signals import (
    DAY_HOURS,
    clock_consistency,
    common_day_of_year,
    flatness,
    lasting_steps,
    night_block,
    night_levels,
    night_offs,
    pulses,
)

FloatArray = npt.NDArray[np.float64]

_MODEL_FILE: Final = "regulation/screen_model.json"
_FORMAT: Final = "hashtide-screen/2"
#: Features compared with peers (robust z-scores).
PEER_FEATURES: Final = (
    "floor_ratio",
    "load_factor",
    "night_day_ratio",
    "weekend_ratio",
    "clock_edge_share",
    "min_ratio",
    "month_floor_ratio",
    "floor_cv",
    "night_sig",
    "eve_sig",
    "residual_cv",
)
#: Smallest peer scatter used in a z-score (a ratio's resolution), per feature.
_PEER_SCALE_FLOOR: Final = 0.02
#: Fewest peers of the same category for a comparison; with fewer, all meters are the peers.
MIN_PEERS: Final = 5
#: Local hours in which a jump of the weekly profile counts as a clock edge.
QUIET_HOURS: Final = (22, 23, 0, 1, 2, 3, 4, 5)
#: The screen's evidence channels: name → (terms of its logistic stage, the patterns it is
#: fitted to find). A meter's score is its strongest channel (see :class:`ScreenModel`).
CHANNELS: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "clock": (
        (
            "dclock_share",
            "dclock_cons",
            "wclock_share",
            "wclock_cons",
            "clock_edge_share",
            "clock_edge_t",
            "z_weekend_ratio",
            "z_night_day_ratio",
        ),
        ("night_only", "weekend_only"),
    ),
    "change": (
        (
            "window_logit",
            "window_hits",
            "window_step_share",
            "nstep_t",
            "nstep_share",
            "ndown_t",
            "ndown_share",
            "lstep_t",
            "season_box",
        ),
        ("onset", "batches", "seasonal_heat"),
    ),
    "dips": (
        (
            "dip_days_frac",
            "dip_share",
            "dip_consistency",
            "night_dip_frac",
            "night_dip_share",
            "night_dip_sig",
            "eve_dip_frac",
            "night_sig",
            "z_night_sig",
            "z_eve_sig",
            "z_residual_cv",
        ),
        ("curtailed", "gpu_mining"),
    ),
    "night": (("nblock_box",), ("night_only",)),
    "curtail": (("noff_frac", "pulse_mode_rate"), ("curtailed",)),
    "level": (
        (
            "z_floor_ratio",
            "z_load_factor",
            "z_night_day_ratio",
            "z_weekend_ratio",
            "z_min_ratio",
            "z_month_floor_ratio",
            "z_floor_cv",
        ),
        ("always_on",),
    ),
}
TERMS.update(
    {
        "dclock_share": ("clock", _get("dclock_share", 0.0, 2.0)),
        "dclock_cons": ("clock", _get("dclock_cons", 0.0, 1.0)),
        "wclock_share": ("clock", _get("wclock_share", 0.0, 2.0)),
        "wclock_cons": ("clock", _get("wclock_cons", 0.0, 1.0)),
        "nstep_t": ("window", _get("nstep_t", 0.0, 50.0)),
        "nstep_share": ("window", _get("nstep_share", 0.0, 2.0)),
        "ndown_t": ("window", _get("ndown_t", 0.0, 50.0)),
        "ndown_share": ("window", _get("ndown_share", 0.0, 2.0)),
        "lstep_t": ("window", _get("lstep_t", 0.0, 50.0)),
        "season_box": ("window", _get("season_box", 0.0, 50.0)),
        "night_dip_frac": ("dips", _get("night_dip_frac", 0.0, 1.0)),
        "night_dip_share": ("dips", _get("night_dip_share", 0.0, 2.0)),
        "night_dip_sig": ("dips", _get("night_dip_sig", 0.0, 50.0)),
        "eve_dip_frac": ("dips", _get("eve_dip_frac", 0.0, 1.0)),
        "night_sig": ("dips", _get("night_sig", 0.0, 2.0)),
        "z_night_sig": ("peers", _get("z_night_sig", -5.0, 20.0)),
        "z_eve_sig": ("peers", _get("z_eve_sig", -5.0, 20.0)),
        "z_residual_cv": ("peers", _get("z_residual_cv", -5.0, 20.0)),
        "z_min_ratio": ("peers", _get("z_min_ratio", -5.0, 20.0)),
        "z_month_floor_ratio": ("peers", _get("z_month_floor_ratio", -5.0, 20.0)),
        "z_floor_cv": ("peers", _get("z_floor_cv", -5.0, 20.0)),
        "nblock_box": ("night", _get("nblock_box", 0.0, 100.0)),
        "noff_frac": ("curtail", _get("noff_frac", -1.0, 1.0)),
        "pulse_mode_rate": ("curtail", _get("pulse_mode_rate", 0.0, 7.0)),
    }
)
#: Terms of the screening model, all channels.
SCREEN_TERMS: Final = tuple(dict.fromkeys(t for terms, _ in CHANNELS.values() for t in terms))
#: Pattern labels :func:`screen` may give, named as the load generator names its patterns
#: (``none``: nothing found). ``gpu_mining`` is a block switched off on some days by varying
#: amounts (GPU rigs between stints); ``ai_training_jobs`` a switched-on block the switch-on
#: detector's ASIC stage calls GPU-like (AI compute, or GPU rigs: the inspection tells);
#: ``storage_pos`` a flat block too small for one ASIC of the catalog.
PATTERN_LABELS: Final = ("none", *FLEET_PATTERNS, "ai_training_jobs", "storage_pos")


def _dips(floors: FloatArray, mean_kw: float) -> dict[str, float]:
    """Days whose floor drops by a block below the days around them, and by how much.

    ``d_k = f_k − median(f_{k−3} … f_{k+3}, without f_k)``; a dip is ``d_k < −max(4σ, 5 % of
    the mean)`` with σ the robust scatter of ``d``. A fleet switched off for hours on some days
    (curtailment, GPU rigs between stints) dips the floor of those days by its size, again and
    again; a building's own floor seldom drops for a single day.
    """
    scale = mean_kw if mean_kw > 0 else 1.0
    n = floors.size
    none = {"dip_days_frac": 0.0, "dip_share": 0.0, "dip_consistency": 0.0}
    if n < 14 or np.isfinite(floors).sum() < 14:
        return none
    around = np.full(n, np.nan)
    for k in range(n):
        near = np.concatenate([floors[max(k - 3, 0) : k], floors[k + 1 : k + 4]])
        near = near[np.isfinite(near)]
        if near.size >= 3:
            around[k] = float(np.median(near))
    d = floors - around
    ok = np.isfinite(d)
    sigma = max(_mad_sigma(d[ok]), 0.005 * scale)
    dip = ok & (d < -max(4 * sigma, 0.05 * scale))
    if not dip.any():
        return none
    sizes = -d[dip]
    centre = float(np.median(sizes))
    return {
        "dip_days_frac": float(dip.sum() / ok.sum()),
        "dip_share": centre / scale,
        "dip_consistency": float(np.mean(np.abs(sizes - centre) <= 0.25 * centre)),
    }


def _window_scan(series: MeterSeries, model: DetectorModel) -> dict[str, Any]:
    """The switch-on detector (:func:`~hashtide.regulation.detect`'s fleet stage) on windows of
    ``model.window_days`` every three quarters of a window (so that every moment is at least
    an eighth of a window from the edge of one of them, and the last window ends with the
    series); the window that looks most like a switch-on."""
    hourly = series.hourly()
    size = model.window_days * 24
    starts = list(range(0, max(hourly.n - size, 0) + 1, size * 3 // 4))
    if hourly.n > size and starts[-1] + size < hourly.n:
        starts.append(hourly.n - size)
    best: dict[str, Any] = {"window_logit": -math.inf}
    hits = 0
    cut = math.log(model.threshold / (1 - model.threshold))
    for begin in starts:
        part = MeterSeries(
            time=hourly.time[begin : begin + size],
            power_kw=hourly.power_kw[begin : begin + size],
            interval_s=hourly.interval_s,
            timezone=hourly.timezone,
            source=hourly.source,
        )
        if np.isfinite(part.power_kw).sum() < 7 * 24:
            continue
        f = compute_features(part).as_dict()
        logit = model.fleet.logit(f)
        hits += int(logit >= cut)
        if logit > best["window_logit"]:
            best = {
                "window_logit": logit,
                "window_asic_probability": model.probability(f)[2],
                "window_step_kw": float(f["step_kw"]),
                "window_step_time": f["step_time"],
                "window_step_share": float(f["step_share"]),
                "window_down_step_share": float(f["down_step_share"]),
                "window_step_t": float(f["step_t"]),
            }
    if not math.isfinite(best["window_logit"]):
        best = {
            "window_logit": -10.0,
            "window_asic_probability": 0.0,
            "window_step_kw": 0.0,
            "window_step_time": None,
            "window_step_share": 0.0,
        }
    best["window_hits"] = float(hits)
    best["windows"] = float(len(starts))
    return best


def _clock_edge(
    matrix: FloatArray, weekday: npt.NDArray[np.int64], mean_kw: float
) -> dict[str, float]:
    """The largest jump of the weekly profile in :data:`QUIET_HOURS`, as a share of the mean.

    The profile is the median of each hour of the week; a jump in it is the same every week.
    ``clock_edge_t`` compares it with the hour-to-hour scatter of the profile.
    """
    scale = mean_kw if mean_kw > 0 else 1.0
    profile = np.full((7, 24), np.nan)
    for day in range(7):
        rows = matrix[weekday == day]
        if rows.shape[0]:
            profile[day] = np.nanmedian(rows, axis=0)
    flat = profile.ravel()
    if not np.isfinite(flat).all():
        return {"clock_edge_share": 0.0, "clock_edge_t": 0.0, "clock_edge_hour": -1.0}
    diff = flat - np.roll(flat, 1)
    quiet = np.isin(np.tile(np.arange(24), 7), QUIET_HOURS)
    i = int(np.argmax(np.where(quiet, np.abs(diff), -1.0)))
    sigma = max(_mad_sigma(diff), 0.005 * scale)
    return {
        "clock_edge_share": float(abs(diff[i]) / scale),
        "clock_edge_t": float(abs(diff[i]) / sigma),
        "clock_edge_hour": float(i),
    }


def screen_features(series: MeterSeries, model: DetectorModel | None = None) -> dict[str, Any]:
    """The features of one meter the screen uses (before the peer comparison).

    The shape of the whole history (as :func:`compute_features` computes it), the best stretch
    of the switch-on detector (``model``: default the shipped one; :func:`_window_scan`), the
    floor dips (:func:`_dips`), the clock edge (:func:`_clock_edge`) and the year-scale signals
    of :mod:`hashtide.regulation.screen_signals` (repeated clock jumps, night and evening dips,
    the night level's step, flatness, the floor's lasting and seasonal steps).
    """
    detector = model if model is not None else load_model()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        matrix, weekday, first = _day_matrix(series.hourly())
        out: dict[str, Any] = _shape(matrix, weekday)
        mean = float(out["mean_kw"])
        floors = _daily(matrix, FLOOR_QUANTILE)
        daytime = np.nanmean(matrix[:, list(DAY_HOURS)], axis=1)
        dates = first + pd.to_timedelta(np.arange(matrix.shape[0]), unit="D")
        out.update(lasting_steps(floors, daytime, common_day_of_year(dates), mean))
        out.update(_dips(floors, mean))
        out.update(_clock_edge(matrix, weekday, mean))
        out.update(clock_consistency(matrix, weekday, mean))
        out.update(night_levels(matrix, mean))
        out.update(flatness(matrix, floors, mean))
        out.update(night_block(matrix, weekday, mean))
        out.update(pulses(matrix, mean))
        out.update(night_offs(matrix, mean))
    out.update(_window_scan(series, detector))
    for key in ("window_step_share", "window_step_kw"):
        if not math.isfinite(float(out.get(key, 0.0))):
            out[key] = 0.0
    return out


def peer_scores(
    rows: Sequence[Mapping[str, Any]],
    categories: Sequence[str | None],
    *,
    groups: Sequence[str] | None = None,
    reference: Sequence[bool] | None = None,
) -> list[dict[str, Any]]:
    """Each row with ``z_<feature>`` for :data:`PEER_FEATURES`: its robust z-score among peers.

    ``z = (x − median) / max(1.4826 · MAD, 0.02)`` over the peers: the reference rows of the
    same category (at least :data:`MIN_PEERS`; otherwise all reference rows), other than rows
    of the same ``group`` (a meter's own other years, in an evaluation). ``reference`` marks
    rows that may serve as peers (default: all). ``peer_category`` and ``n_peers`` say which
    peers were used. A feature the rows lack gets z = 0.
    """
    n = len(rows)
    if len(categories) != n or (groups is not None and len(groups) != n):
        raise InvalidInputError("rows, categories and groups must have the same length")
    ids = list(groups) if groups is not None else [str(i) for i in range(n)]
    usable = np.asarray(reference if reference is not None else [True] * n, dtype=bool)
    values = {f: np.array([float(r.get(f, math.nan)) for r in rows]) for f in PEER_FEATURES}
    cats = np.array([c if c is not None else "" for c in categories], dtype=object)
    group_arr = np.array(ids, dtype=object)
    out = []
    for i, row in enumerate(rows):
        others = usable & (group_arr != ids[i])
        same = others & (cats == cats[i]) if cats[i] else np.zeros(n, dtype=bool)
        peers, label = (same, str(cats[i])) if same.sum() >= MIN_PEERS else (others, "all")
        extra: dict[str, Any] = {"peer_category": label, "n_peers": int(peers.sum())}
        for f in PEER_FEATURES:
            x = values[f][peers]
            x = x[np.isfinite(x)]
            if x.size < 2:
                extra[f"z_{f}"] = 0.0
                extra[f"peer_median_{f}"] = math.nan
                continue
            centre = float(np.median(x))
            spread = max(1.4826 * float(np.median(np.abs(x - centre))), _PEER_SCALE_FLOOR)
            extra[f"z_{f}"] = (float(values[f][i]) - centre) / spread
            extra[f"peer_median_{f}"] = centre
        out.append({**row, **extra})
    return out


@dataclass(frozen=True, kw_only=True)
class Channel:
    """One evidence channel: a logistic stage and its log-odds on the clean training site-years
    (mean and standard deviation), which turn a meter's log-odds into a z-score."""

    stage: Stage
    clean_mean: float
    clean_sd: float

    def z(self, row: Mapping[str, Any]) -> float:
        """How many clean standard deviations above the clean mean this meter's log-odds are."""
        return (self.stage.logit(row) - self.clean_mean) / self.clean_sd


@dataclass(frozen=True, kw_only=True)
class ScreenModel:
    """The screening model: one logistic stage per evidence channel (:data:`CHANNELS`).

    A meter's **score** is the largest of its channel z-scores (:meth:`Channel.z`): fleets of
    different patterns leave different evidence, so one strong channel is enough and weak
    evidence elsewhere does not dilute it. ``mining_probability`` is ``Φ(score)^K`` (``K``
    channels): under a normal model of the clean training site-years' channel scores, the
    share of clean site-years scoring lower than this meter — 1 minus the false-alarm rate a
    threshold at this meter would have. It is a calibrated *screening score*, not the chance
    that this site mines: that depends on how common hidden fleets are (the base rate; see the
    inspection plan in ``docs/regulation.md``). ``flagged`` is exactly ``mining_probability ≥
    threshold``.
    """

    channels: Mapping[str, Channel]
    threshold: float
    provenance: Mapping[str, Any] = field(default_factory=dict)

    @property
    def stage(self) -> Stage:
        """The stage of the first channel (kept for code written for one stage)."""
        return next(iter(self.channels.values())).stage

    def channel_z(self, row: Mapping[str, Any]) -> dict[str, float]:
        """Each channel's z-score for one meter's features (with peer z-scores)."""
        return {name: c.z(row) for name, c in self.channels.items()}

    def score(self, row: Mapping[str, Any]) -> float:
        """The strongest channel's z-score."""
        return max(self.channel_z(row).values())

    def probability_of_score(self, score: float) -> float:
        """``Φ(score)^K``: see the class notes."""
        return float(ndtr(score)) ** len(self.channels)

    def probability(self, row: Mapping[str, Any]) -> float:
        """The mining probability (screening score, see the class notes) of one meter."""
        return self.probability_of_score(self.score(row))

    def as_dict(self) -> dict[str, Any]:
        """The model as written to its JSON file."""
        return {
            "format": _FORMAT,
            "channels": {
                name: {
                    "stage": asdict(c.stage),
                    "clean_mean": c.clean_mean,
                    "clean_sd": c.clean_sd,
                }
                for name, c in self.channels.items()
            },
            "threshold": self.threshold,
            "provenance": dict(self.provenance),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "model") -> ScreenModel:
        """Read a model written by :meth:`as_dict` (checked)."""
        if data.get("format") != _FORMAT:
            raise DataError(f"{source}: not a {_FORMAT} file (format={data.get('format')!r})")
        try:
            channels = {}
            for name, c in dict(data["channels"]).items():
                s = c["stage"]
                stage = Stage(
                    name=str(s["name"]),
                    terms=tuple(s["terms"]),
                    mean=tuple(float(v) for v in s["mean"]),
                    scale=tuple(float(v) for v in s["scale"]),
                    coef=tuple(float(v) for v in s["coef"]),
                    intercept=float(s["intercept"]),
                )
                sd = float(c["clean_sd"])
                if not sd > 0:
                    raise ValueError(f"channel {name!r}: clean_sd must be > 0")
                channels[str(name)] = Channel(
                    stage=stage, clean_mean=float(c["clean_mean"]), clean_sd=sd
                )
            if not channels:
                raise ValueError("no channels")
            return cls(
                channels=channels,
                threshold=float(data["threshold"]),
                provenance=data.get("provenance", {}),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"{source}: malformed screening model ({exc})") from exc


def load_screen_model(path: str | Path | None = None) -> ScreenModel:
    """The shipped screening model, or one from a JSON file written by :meth:`ScreenModel.as_dict`.

    Examples
    --------
    >>> model = load_screen_model()
    >>> 0 < model.threshold < 1, sorted(model.channels) == sorted(CHANNELS)
    (True, True)
    """
    data, source = read_model_json(path, shipped=_MODEL_FILE, what="the screening model")
    return ScreenModel.from_dict(data, source=source)


def pattern_of(row: Mapping[str, Any], channels: Mapping[str, float]) -> tuple[str, float]:
    """The pattern label (:data:`PATTERN_LABELS`) and the hidden load it implies [kW].

    As :func:`_pattern_kind`, except that a block smaller than one machine of the smallest
    catalog ASIC (:func:`~hashtide.regulation.features.smallest_asic_kw`) is ``storage_pos``: it
    cannot be an ASIC fleet, but a storage-proof or proof-of-stake node draws that little.
    ``channels`` maps channel names (:data:`CHANNELS`) to the meter's z-scores.
    """
    label, kw = _pattern_kind(row, channels)
    if label != "none" and kw < smallest_asic_kw():
        return "storage_pos", kw
    return label, kw


def _pattern_kind(row: Mapping[str, Any], channels: Mapping[str, float]) -> tuple[str, float]:
    """The pattern label (:data:`PATTERN_LABELS`) and the hidden load it implies [kW].

    ``none`` when no channel scores above the clean site-years' mean (z > 0); otherwise the
    strongest channel decides:

    * ``change`` → a block switched on: ``ai_training_jobs`` if the detector's ASIC stage calls
      the best stretch GPU-like, ``seasonal_heat`` if the floor fell sharply in spring and rose
      as much in autumn (``season_box`` > 0 and at least half ``lstep_t``; the load is the
      autumn rise) or the stretch's floor also dropped for good by half the step or more (off
      in spring, on in autumn), ``batches`` if two or more
      stretches are flagged, else ``onset``; the load is the step (of the stretch, else of the
      night level);
    * ``clock`` → ``weekend_only`` (the weekend ratio stands out more than the night/day ratio)
      or ``night_only``; the load is the repeated jump (weekly, or daily);
    * ``night`` → ``night_only``: the load is the jump repeated every night;
    * ``curtail`` → ``curtailed``: the load is the most repeated height of the square pulses
      down (else of the nights pulled down);
    * ``dips`` → ``curtailed`` (most floor dips of one size) or ``gpu_mining`` (varying sizes);
      the load is the larger of the floor dip and the night dip;
    * ``level`` → ``always_on``: the load is the floor above the peers' floor ratio, ``B = mean
      × (r − r_peers) / (1 − r_peers)`` (a block ``B`` raises the floor ratio of a building of
      floor ratio ``r_peers`` to ``r``).

    These rules name what the evidence looks like; they do not change the probability, and the
    evaluation does not score them.
    """
    mean = float(row["mean_kw"])
    if not channels or max(channels.values()) <= 0:
        return "none", 0.0
    best = max(channels, key=lambda name: channels[name])
    if best == "change":
        # the stretch's step, else the lasting rise of the daily floor (``lstep_t`` may win
        # the channel where no 8-week stretch was flagged)
        kw = float(row.get("window_step_kw", 0.0)) or float(row.get("lstep_share", 0.0)) * mean
        if float(row.get("window_hits", 0.0)) < 1 and float(row.get("nstep_share", 0.0)) > 0:
            return "onset", float(row["nstep_share"]) * mean
        if float(row.get("window_asic_probability", 1.0)) < 0.5:
            return "ai_training_jobs", kw
        season = float(row.get("season_box", 0.0))
        if season > 0 and season >= 0.5 * float(row.get("lstep_t", 0.0)):
            return "seasonal_heat", float(row.get("season_share", 0.0)) * mean or kw
        down = float(row.get("window_down_step_share", 0.0))
        if down >= 0.5 * float(row.get("window_step_share", 0.0)) > 0:
            return "seasonal_heat", kw
        if float(row.get("window_hits", 0.0)) >= 2:
            return "batches", kw
        return "onset", kw
    if best == "clock":
        weekend = float(row.get("z_weekend_ratio", 0.0)) > float(row.get("z_night_day_ratio", 0.0))
        share = float(row.get("wclock_share" if weekend else "dclock_share", 0.0))
        return ("weekend_only" if weekend else "night_only"), share * mean
    if best == "night":
        return "night_only", float(row.get("nblock_share", 0.0)) * mean
    if best == "curtail":
        share = float(row.get("pulse_share", 0.0)) or float(row.get("noff_share", 0.0))
        return "curtailed", share * mean
    if best == "dips":
        share = max(float(row.get("dip_share", 0.0)), float(row.get("night_dip_share", 0.0)))
        label = "curtailed" if float(row.get("dip_consistency", 0.0)) >= 0.5 else "gpu_mining"
        return label, share * mean
    ratio = float(row["floor_ratio"])
    peer = row.get("peer_median_floor_ratio", math.nan)
    peer = float(peer) if peer is not None and math.isfinite(float(peer)) else math.nan
    kw = mean * (ratio - peer) / (1 - peer) if math.isfinite(peer) and peer < 1 else 0.0
    return "always_on", max(kw, 0.0)


@dataclass(frozen=True, kw_only=True)
class ScreenResult:
    """One meter's screening result."""

    meter_id: str
    category: str | None
    mining_probability: float
    threshold: float
    pattern: str
    estimated_kw: float
    evidence: tuple[Evidence, ...]
    features: Mapping[str, Any]

    @property
    def flagged(self) -> bool:
        """``mining_probability ≥ threshold``: inspect this site."""
        return self.mining_probability >= self.threshold

    @property
    def estimated_machines(self) -> int:
        """Antminer S19j Pro that would draw :attr:`estimated_kw` (0 if none)."""
        return estimate_machines(self.estimated_kw)[0].n_machines if self.estimated_kw > 0 else 0

    def as_json(self) -> dict[str, Any]:
        """``{"meter_id", "flagged", "mining_probability", "pattern", "estimated_kw", "evidence",
        …}`` for scripts."""
        out: dict[str, Any] = jsonable(
            {
                "meter_id": self.meter_id,
                "flagged": self.flagged,
                "mining_probability": self.mining_probability,
                "pattern": self.pattern,
                "estimated_kw": self.estimated_kw,
                "evidence": [e.as_dict() for e in self.evidence],
                "threshold": self.threshold,
                "estimated_machines": self.estimated_machines,
                "category": self.category,
                "features": dict(self.features),
            }
        )
        return out


#: The dips channel's terms that compare a meter with its peers (the rest read its own load).
_DIPS_PEER_TERMS: Final = ("z_night_sig", "z_eve_sig", "z_residual_cv")
#: The dips channel's terms read from floor dips (a block switched off on some days).
_FLOOR_DIP_TERMS: Final = ("dip_days_frac", "dip_share", "dip_consistency")


def _dips_term(term: str, row: Mapping[str, Any]) -> str:
    """One dips-channel term in words, with its value."""
    v = float(row.get(term, 0.0) or 0.0)
    mean = float(row["mean_kw"])
    peers = f"its {row.get('n_peers', 0)} peers'"
    if term == "dip_days_frac":
        return f"floor dips on {100 * v:.1f} % of days"
    if term == "dip_share":
        return f"a typical floor dip of {v * mean:,.1f} kW ({100 * v:.0f} % of the mean)"
    if term == "dip_consistency":
        return "no floor dips of one height" if v <= 0 else f"{100 * v:.0f} % of dips of one height"
    if term == "night_dip_frac":
        return (
            "no dips of the night level"
            if v <= 0
            else f"night-level dips on {100 * v:.1f} % of nights"
        )
    if term == "night_dip_share":
        return f"a typical night-level dip of {v * mean:,.1f} kW"
    if term == "night_dip_sig":
        return (
            "no dips of the night level"
            if v <= 0
            else f"night-level dips {v:.1f} times the night-to-night scatter"
        )
    if term == "eve_dip_frac":
        return f"evening-level dips on {100 * v:.1f} % of evenings"
    if term == "night_sig":
        return f"a night level moving {100 * v:.1f} % of the mean from night to night"
    if term in ("z_night_sig", "z_eve_sig"):
        when = "night" if term == "z_night_sig" else "evening"
        scatter = float(row.get(term.removeprefix("z_"), 0.0) or 0.0)
        side = "more" if v > 0 else "less"
        return (
            f"its {when} level moving {100 * scatter:.1f} % of the mean from one day to the next, "
            f"{side} than {peers} (z {v:+.1f})"
        )
    if term == "z_residual_cv":
        cv = float(row.get("residual_cv", 0.0) or 0.0)
        side = "less" if v > 0 else "more"
        return (
            f"hourly load {100 * cv:.1f} % of the mean around its weekly profile, {side} steady "
            f"than {peers} (z {v:+.1f})"
        )
    return f"{term} {v:.3g}"


def _dips_sentence(row: Mapping[str, Any], model: ScreenModel | None) -> str:
    """The dips channel's evidence, naming the terms that carry its score.

    The channel adds up floor-dip terms (the meter against its own days), night- and
    evening-level terms and peer terms (how much its load scatters against its peers'). Each
    term's share of the log-odds is :meth:`Stage.contributions` (against the training mean);
    the sentence describes the floor dips when they carry the score, and otherwise names the
    terms that do — a meter with no dips at all can score here on a steady night level or a
    load steadier than its peers'. The score itself is unchanged.
    """
    r = row
    mean = float(r["mean_kw"])
    dips = (
        f"On {100 * float(r['dip_days_frac']):.1f} % of days the floor dropped below the days "
        f"around it, typically by {float(r['dip_share']) * mean:,.1f} kW "
        f"({100 * float(r['dip_share']):.0f} % of the mean; "
        f"{100 * float(r['dip_consistency']):.0f} % of dips within ±25 % of that): a block "
        "switched off for hours on some days (curtailment, rigs between stints)."
    )
    if model is None or "dips" not in model.channels:
        return dips
    stage = model.channels["dips"].stage
    parts = {t: float(c) for t, c in zip(stage.terms, stage.contributions(row), strict=True)}
    positive = {t: c for t, c in parts.items() if c > 0}
    total = sum(positive.values())
    floor = sum(c for t, c in positive.items() if t in _FLOOR_DIP_TERMS)
    if float(r.get("dip_days_frac", 0.0)) > 0 and total > 0 and floor >= 0.5 * total:
        return dips
    carriers = sorted(positive, key=lambda t: -positive[t])
    kept = [t for t in carriers if positive[t] >= 0.15 * total][:3] or carriers[:1]
    found = (
        "No floor dips were found"
        if float(r.get("dip_days_frac", 0.0)) <= 0
        else f"Floor dips on {100 * float(r['dip_days_frac']):.1f} % of days add little"
    )
    if not kept:
        return f"{found}; no term of the dips channel scores above its training mean."
    return (
        f"{found}; the dips channel's score comes from: "
        + "; ".join(_dips_term(t, r) for t in kept)
        + "."
    )


def _evidence(
    row: Mapping[str, Any], channels: Mapping[str, float], model: ScreenModel | None = None
) -> tuple[Evidence, ...]:
    """Sentences and numbers behind a screening result; ``fleet_logit`` holds the z-score of
    the channel each sentence belongs to (above 0: more than a typical clean site-year).
    ``model`` (the one that scored ``channels``) lets a sentence name the terms that carry its
    channel's score."""
    r = row
    mean = float(r["mean_kw"])
    items = []

    def add(key: str, sentence: str, values: dict[str, Any], channel: str) -> None:
        z = channels.get(channel, 0.0)
        items.append(Evidence(key=key, sentence=sentence, values=values, fleet_logit=z))

    add(
        "window",
        f"The most switch-on-like 8-week stretch: P(fleet) "
        f"{100 * _sigmoid(float(r['window_logit'])):.0f} %, a step of "
        f"{float(r['window_step_kw']):,.1f} kW on {r['window_step_time']}; "
        f"{int(r['window_hits'])} of {int(r['windows'])} stretches reach the detector's flag.",
        {
            k: r[k]
            for k in (
                "window_logit",
                "window_hits",
                "window_step_kw",
                "window_step_time",
                "window_asic_probability",
            )
        },
        "change",
    )
    add(
        "dips",
        _dips_sentence(r, model),
        {
            k: r.get(k)
            for k in (
                "dip_days_frac",
                "dip_share",
                "dip_consistency",
                "night_dip_frac",
                "night_dip_sig",
                *_DIPS_PEER_TERMS,
            )
        },
        "dips",
    )
    hour = int(r.get("clock_edge_hour", -1))
    when = (
        f"{('Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun')[hour // 24]} {hour % 24:02d}:00"
        if hour >= 0
        else "n/a"
    )
    add(
        "clock",
        f"The weekly profile jumps by {float(r['clock_edge_share']) * mean:,.1f} kW "
        f"({100 * float(r['clock_edge_share']):.0f} % of the mean) at {when} local, a quiet "
        "hour: a block that runs on a clock (night tariff, weekends).",
        {k: r[k] for k in ("clock_edge_share", "clock_edge_t", "dclock_cons", "wclock_share")},
        "clock",
    )
    hour = int(r.get("nblock_hour", -1))
    add(
        "night_block",
        f"Every night at {hour % 24 if hour >= 0 else 0:02d}:00 local the load jumps by a median "
        f"{float(r.get('nblock_share', 0.0)) * mean:,.1f} kW, {float(r.get('nblock_snr', 0.0)):.1f}"
        " times the scatter of that jump from night to night, and drops by as much "
        f"{float(r.get('nblock_off_snr', 0.0)):.1f} times its scatter 3–10 h later; the lowest "
        "month's median jump is "
        f"{100 * float(r.get('nblock_month_cons', 0.0)):.0f} % of it and the lowest weekday's "
        f"{100 * float(r.get('nblock_week_cons', 0.0)):.0f} %: machines switched on by a clock "
        "(a night tariff) jump as much every night of the year.",
        {
            k: r.get(k)
            for k in (
                "nblock_box",
                "nblock_snr",
                "nblock_off_snr",
                "nblock_share",
                "nblock_month_cons",
                "nblock_week_cons",
            )
        },
        "night",
    )
    add(
        "curtail",
        f"{float(r.get('pulse_mode_rate', 0.0)):.2f} square pulses down a week of the same "
        f"height, {float(r.get('pulse_share', 0.0)) * mean:,.1f} kW (down and back up within "
        f"2–26 h, within ±10 % of each other); {100 * float(r.get('noff_frac', 0.0)):+.1f} % "
        "more nights pulled down than pushed up against the same weekday's nights: a block "
        "switched off at price peaks and back on.",
        {k: r.get(k) for k in ("pulse_mode_rate", "pulse_share", "pulse_cons", "noff_frac")},
        "curtail",
    )
    peer = r.get("peer_category", "all")
    add(
        "peers",
        f"Against {r.get('n_peers', 0)} peer meter(s) ({peer}): floor/mean "
        f"{float(r['floor_ratio']):.2f} (z {float(r.get('z_floor_ratio', 0)):+.1f}), load factor "
        f"{float(r['load_factor']):.2f} (z {float(r.get('z_load_factor', 0)):+.1f}), night/day "
        f"{float(r['night_day_ratio']):.2f} (z {float(r.get('z_night_day_ratio', 0)):+.1f}), "
        f"weekend/weekday {float(r['weekend_ratio']):.2f} (z "
        f"{float(r.get('z_weekend_ratio', 0)):+.1f}). A fleet running all along shows only here.",
        {k: r.get(k) for k in ("peer_category", "n_peers", *(f"z_{f}" for f in PEER_FEATURES))},
        "level",
    )
    return tuple(items)


def screen(
    meters: Mapping[str, MeterSeries],
    *,
    meta: Mapping[str, MeterInfo] | None = None,
    model: ScreenModel | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[ScreenResult]:
    """Rank meters by the probability that they hide mining, with evidence.

    Parameters
    ----------
    meters : mapping of str to MeterSeries
        Meter id → series (:func:`~hashtide.regulation.load_meters`), at least 7 days each.
    meta : mapping of str to MeterInfo, optional
        Categories (the peers each meter is compared with). Without, every meter's peers are
        all the others: the screen works on shape alone.
    model : ScreenModel, optional
        Default: the shipped one (:func:`load_screen_model`).
    progress : callable, optional
        Called with the number of meters done.

    Returns
    -------
    list of ScreenResult
        Highest ``mining_probability`` first.

    Examples
    --------
    >>> from hashtide.regulation import example_path, load_meters
    >>> results = screen(load_meters(example_path("meters"), timezone="Europe/London"))
    >>> [r.meter_id for r in results][:1], all(r.flagged == (r.mining_probability >= r.threshold)
    ...                                          for r in results)
    (['lab_b33_hidden_s19jpro'], True)
    """
    if not meters:
        raise InvalidInputError("no meters to screen")
    model = model if model is not None else load_screen_model()
    ids = list(meters)
    rows = []
    for i, meter in enumerate(ids):
        rows.append(screen_features(meters[meter]))
        if progress is not None:
            progress(i + 1)
    meta = meta or {}
    cats = [meta[m].category if m in meta else None for m in ids]
    scored = peer_scores(rows, cats)
    results = []
    order: dict[str, float] = {}
    for meter, row, category in zip(ids, scored, cats, strict=True):
        channels = model.channel_z(row)
        order[meter] = max(channels.values())
        probability = model.probability_of_score(order[meter])
        pattern, kw = pattern_of(row, channels)
        results.append(
            ScreenResult(
                meter_id=meter,
                category=category,
                mining_probability=probability,
                threshold=model.threshold,
                pattern=pattern if probability >= model.threshold else "none",
                estimated_kw=kw if probability >= model.threshold else 0.0,
                evidence=_evidence(row, channels, model),
                features={**row, "screen_score": order[meter], "channel_z": channels},
            )
        )
    return sorted(results, key=lambda r: -order[r.meter_id])
