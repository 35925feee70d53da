"""Evaluating the population screen: real site-years, injected fleets of every pattern.

The protocol (``scripts/evaluate_detector.py`` runs it on the Cambridge Estates buildings):

1. Each building's hourly load is cut into **site-years** (:func:`site_years`): one calendar
   year of readings, as a regulator screening once a year would hold.
2. Each site-year is a case as it is (a real building, no mining) and, for each pattern of
   :data:`~hashtide.regulation.generator.PATTERNS` and each fleet size, a case with an
   **injected** fleet (:func:`make_site_cases`): its draw when running is the size times the
   site-year's mean load.
3. The screen's features are computed for every case (:func:`case_table`); each case is then
   compared with its peers — the real site-years of *other* buildings of the same category in
   the same set (:func:`with_peers`) — as it would be among a population of mostly honest sites.
4. The model is fitted on training buildings only (:func:`fit_screen_model`) and every figure
   is computed on the held-out buildings (:func:`screen_figures`): false alarms per site-year,
   recall by pattern and size, and what an inspection plan gets at realistic base rates
   (:func:`inspection_plan`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import ndtr, ndtri

from hashtide.errors import InvalidInputError
from hashtide.hardware import get_model
from hashtide.regulation import generator as gen
from hashtide.regulation.detector import DetectorModel, fit_stage, load_model
from hashtide.regulation.evaluation import FLEET_MODELS, Window, building_years, wilson_interval
from hashtide.regulation.meter import meter_from_array
from hashtide.regulation.patterns import FLEET_PATTERNS
from hashtide.regulation.screening import (
    CHANNELS,
    Channel,
    ScreenModel,
    peer_scores,
    screen_features,
)

#: Fleet sizes of the evaluation: draw when running / the site-year's mean load.
SIZES: Final = (0.02, 0.05, 0.1, 0.2, 0.5)
#: Patterns the screen is fitted on: all but the small storage / proof-of-stake nodes.
FIT_PATTERNS: Final = FLEET_PATTERNS
#: Days a site-year must cover (a calendar year less a few missing days).
MIN_DAYS: Final = 330


def site_years(
    frame: pd.DataFrame, *, timezone: str = "UTC", max_missing_frac: float = 0.05
) -> list[Window]:
    """One window per building and calendar year (``building_id``, ``timestamp``, ``power_kw``;
    cut by :func:`~hashtide.regulation.evaluation.building_years`) with at least
    :data:`MIN_DAYS` days and at most ``max_missing_frac`` of its hours missing."""
    return [
        Window(building_id=building, start=time[0], power_kw=power, timezone=timezone)
        for building, time, power in building_years(frame)
        if power.size >= MIN_DAYS * 24 and np.isnan(power).mean() <= max_missing_frac
    ]


def _fleet_model(power_kw: float, rng: np.random.Generator) -> str | None:
    names = [m for m in FLEET_MODELS if power_kw / (get_model(m).power_w / 1e3) >= 0.5]
    return names[int(rng.integers(len(names)))] if names else None


def make_site_cases(
    window: Window,
    patterns: Sequence[str],
    sizes: Sequence[float],
    rng: np.random.Generator,
) -> tuple[list[dict[str, Any]], int]:
    """The real site-year and, per pattern and size, the site-year with an injected load.

    Returns dicts with ``building_id``, ``start``, ``pattern`` (``"none"`` for the real
    site-year), ``size_frac``, ``power_kw`` (the series), ``injected_kw`` (the draw when
    running) and ``label`` (1 for injected), and how many cases could not be made (a size below
    half a machine of every model in :data:`~hashtide.regulation.evaluation.FLEET_MODELS`).
    """
    mean = window.mean_kw
    base = {"building_id": window.building_id, "start": window.start}
    cases: list[dict[str, Any]] = [
        {
            **base,
            "pattern": "none",
            "size_frac": 0.0,
            "power_kw": window.power_kw,
            "injected_kw": 0.0,
            "label": 0,
        }
    ]
    skipped = 0
    for pattern in patterns:
        for size in sizes:
            kw = float(size) * mean
            model = "Antminer S19j Pro"
            if pattern not in ("gpu_mining", "storage_pos"):
                chosen = _fleet_model(kw, rng)
                if chosen is None:
                    skipped += 1
                    continue
                model = chosen
            elif pattern == "gpu_mining" and kw < 0.5 * gen.GPU_RIG_KW:
                skipped += 1
                continue
            load = gen.pattern_load(
                window.time, 3600, kw, pattern, rng, model=model, timezone=window.timezone
            )
            cases.append(
                {
                    **base,
                    "pattern": pattern,
                    "size_frac": float(size),
                    "power_kw": gen.hide_in(window.power_kw, load),
                    "injected_kw": kw,
                    "label": 1,
                }
            )
    return cases, skipped


def case_table(
    cases: Sequence[Mapping[str, Any]],
    categories: Mapping[str, str],
    *,
    timezone: str = "UTC",
    detector: DetectorModel | None = None,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """One row per case: its descriptors and :func:`screen_features` (no peers yet)."""
    rows = []
    model = detector if detector is not None else load_model()
    for i, case in enumerate(cases):
        meter = meter_from_array(case["power_kw"], start=case["start"], timezone=timezone)
        rows.append(
            {
                "building_id": case["building_id"],
                "category": categories.get(case["building_id"]),
                "start": case["start"],
                "pattern": case["pattern"],
                "size_frac": case["size_frac"],
                "injected_kw": case["injected_kw"],
                "label": case["label"],
                **screen_features(meter, model),
            }
        )
        if progress is not None:
            progress(i + 1)
    return pd.DataFrame(rows)


def with_peers(table: pd.DataFrame, *, use_categories: bool = True) -> pd.DataFrame:
    """``table`` with peer z-scores: peers are the real site-years (label 0) of other buildings,
    of the same category if ``use_categories`` (:func:`~hashtide.regulation.screening.
    peer_scores`)."""
    rows = [{str(k): v for k, v in r.items()} for r in table.to_dict("records")]
    cats = list(table["category"]) if use_categories else [None] * len(rows)
    scored = peer_scores(
        rows,
        cats,
        groups=list(table["building_id"].astype(str)),
        reference=list(table["label"] == 0),
    )
    return pd.DataFrame(scored, index=table.index)


#: False alarms per site-year the threshold aims at (the issue's target: 1 per 100).
TARGET_FALSE_ALARM_RATE: Final = 0.01


def fit_screen_model(
    table: pd.DataFrame,
    *,
    l2: float = 1.0,
    min_size: float = 0.05,
    fit_patterns: Sequence[str] = FIT_PATTERNS,
    provenance: Mapping[str, Any] | None = None,
) -> ScreenModel:
    """Fit the screen on training cases (with peers) and set its threshold.

    * one logistic stage per channel of :data:`~hashtide.regulation.screening.CHANNELS`: real
      site-years (0) against injected fleets of that channel's patterns (those in
      ``fit_patterns``) with size ≥ ``min_size`` (1); each class weighs the same in total;
      the mean and standard deviation of its log-odds on the real site-years turn it into a
      z-score;
    * threshold on the score (the largest channel z-score): the larger of the training
      site-years' highest score and ``z*`` with ``Φ(z*)^K = 0.99`` (``K`` channels: at most 1
      false alarm per 100 site-years if each channel's clean scores are normal and
      independent). With a few dozen site-years an empirical 99th percentile is not estimable.
    """
    negatives = table[table["label"] == 0]
    if negatives.empty:
        raise InvalidInputError("the table needs real site-years to fit on")
    neg_records = [{str(k): v for k, v in r.items()} for r in negatives.to_dict("records")]
    channels = {}
    for name, (terms, patterns) in CHANNELS.items():
        positives = table[
            (table["label"] == 1)
            & table["pattern"].isin([p for p in patterns if p in fit_patterns])
            & (table["size_frac"] >= min_size - 1e-12)
        ]
        if positives.empty:
            raise InvalidInputError(f"the table has no injected fleets for channel {name!r}")
        rows = pd.concat([negatives, positives])
        labels = rows["label"].to_numpy()
        weights = np.where(labels == 1, len(negatives) / len(positives), 1.0)
        records = [{str(k): v for k, v in r.items()} for r in rows.to_dict("records")]
        stage = fit_stage(name, records, labels, terms, weights=weights, l2=l2)
        logits = np.array([stage.logit(r) for r in neg_records])
        sd = float(logits.std(ddof=1)) if logits.size > 1 else 1.0
        channels[name] = Channel(stage=stage, clean_mean=float(logits.mean()), clean_sd=sd or 1.0)
    model = ScreenModel(channels=channels, threshold=0.5, provenance=dict(provenance or {}))
    scores = np.array([model.score(r) for r in neg_records])
    z_star = float(ndtri((1 - TARGET_FALSE_ALARM_RATE) ** (1 / len(channels))))
    cut = max(float(scores.max()) + 1e-9, z_star)
    return ScreenModel(
        channels=channels,
        threshold=model.probability_of_score(cut),
        provenance={**dict(provenance or {}), "threshold_score": cut},
    )


def score(model: ScreenModel, table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with ``logit`` (the score: the largest channel z-score), ``mining_probability``
    and ``flagged``."""
    records = [{str(k): v for k, v in r.items()} for r in table.to_dict("records")]
    scores = np.array([model.score(r) for r in records])
    p = np.array([model.probability_of_score(float(z)) for z in scores])
    return table.assign(logit=scores, mining_probability=p, flagged=p >= model.threshold)


@dataclass(frozen=True, kw_only=True)
class ScreenFigures:
    """Held-out figures of the screen (see :func:`screen_figures`)."""

    site_years: int
    false_alarms: int
    false_alarm_rate: float
    false_alarm_interval: tuple[float, float]
    recall: pd.DataFrame
    by_category: pd.DataFrame
    skipped: int


def screen_figures(scored: pd.DataFrame, *, skipped: int = 0) -> ScreenFigures:
    """False alarms per site-year (Wilson 95 %), recall by pattern × size, by category."""
    clean = scored[scored["label"] == 0]
    fp = int(clean["flagged"].sum())
    injected = scored[scored["label"] == 1]
    recall = (
        injected.groupby(["pattern", "size_frac"])["flagged"]
        .agg(["mean", "size"])
        .rename(columns={"mean": "recall", "size": "cases"})
        .reset_index()
    )
    by_category = (
        scored.groupby(["category", "label"])["flagged"]
        .agg(["mean", "size"])
        .rename(columns={"mean": "flag_rate", "size": "cases"})
        .reset_index()
    )
    return ScreenFigures(
        site_years=len(clean),
        false_alarms=fp,
        false_alarm_rate=fp / len(clean) if len(clean) else math.nan,
        false_alarm_interval=wilson_interval(fp, len(clean)),
        recall=recall,
        by_category=by_category,
        skipped=skipped,
    )


def inspection_plan(
    scored: pd.DataFrame,
    *,
    base_rates: Sequence[float] = (0.01, 0.001),
    population: int = 10_000,
    cost_per_inspection_usd: float = 500.0,
    top_k: Sequence[int] = (10, 50, 100),
    sizes: Sequence[float] = (0.05, 0.1, 0.2, 0.5),
) -> pd.DataFrame:
    """What an inspector gets from the screen at realistic base rates.

    For a ``population`` of sites of which a share ``π`` (each of ``base_rates``) hides a
    fleet — of a pattern and size drawn uniformly from the injected cases with size in
    ``sizes`` — and the rest are like the held-out real site-years:

    * **at the threshold**: flagged sites ``N (π r + (1 − π) f)``, precision ``π r / (π r +
      (1 − π) f)``, inspections per confirmed case ``1 / precision`` and the cost per confirmed
      case, with ``f`` the held-out false-alarm rate per site-year — its point value and its
      95 % upper bound (with few site-years the point value may be 0);
    * **top-k lists**: the ``k`` highest-scoring sites. The real sites' log-odds are modelled as
      a normal fitted to the held-out site-years (few dozen: their tail cannot be read off
      directly), the injected ones empirically; the score ``t`` with ``N[π r(t) + (1 − π)
      f(t)] = k`` is found by bisection and the precision is ``N π r(t) / k``.

    ``cost_per_inspection_usd`` is an assumption (a site visit by an inspector with a meter
    engineer), stated in the table.
    """
    clean = scored[scored["label"] == 0]["logit"].to_numpy(float)
    mining = scored[(scored["label"] == 1) & scored["size_frac"].isin(list(sizes))]
    pos = mining["logit"].to_numpy(float)
    if clean.size < 2 or pos.size == 0:
        raise InvalidInputError("inspection_plan needs real and injected cases")
    recall_at = float(mining["flagged"].mean())
    fp = int(scored[scored["label"] == 0]["flagged"].sum())
    f_point = fp / clean.size
    f_high = wilson_interval(fp, clean.size)[1]
    mu, sigma = float(clean.mean()), float(clean.std(ddof=1))
    rows = []
    for pi in base_rates:
        for label, f in (("threshold (point)", f_point), ("threshold (95 % bound)", f_high)):
            flagged = population * (pi * recall_at + (1 - pi) * f)
            precision = pi * recall_at / (pi * recall_at + (1 - pi) * f) if flagged else math.nan
            rows.append(
                _plan_row(pi, label, flagged, precision, recall_at, cost_per_inspection_usd)
            )
        for k in top_k:
            low, high = -50.0, 50.0
            for _ in range(200):
                mid = 0.5 * (low + high)
                if _listed(mid, pi, pos, mu, sigma, population) > k:
                    low = mid
                else:
                    high = mid
            t = high
            r = float((pos >= t).mean())
            precision = min(population * pi * r / k, 1.0)
            rows.append(_plan_row(pi, f"top {k}", float(k), precision, r, cost_per_inspection_usd))
    return pd.DataFrame(rows)


def _listed(
    t: float, pi: float, pos: npt.NDArray[np.float64], mu: float, sigma: float, population: int
) -> float:
    """Expected sites scoring ``t`` or more (see :func:`inspection_plan`)."""
    neg = 1 - float(ndtr((t - mu) / sigma))
    return population * (pi * float((pos >= t).mean()) + (1 - pi) * neg)


def _plan_row(
    pi: float, rule: str, flagged: float, precision: float, recall: float, cost: float
) -> dict[str, Any]:
    ok = precision > 0 and math.isfinite(precision)
    return {
        "base_rate": pi,
        "list": rule,
        "inspections": flagged,
        "recall": recall,
        "precision": precision,
        "inspections_per_case": 1 / precision if ok else math.inf,
        "cost_per_case_usd": cost / precision if ok else math.inf,
    }


@dataclass(frozen=True, kw_only=True)
class ScreenRun:
    """Everything one evaluation run of the screen produced."""

    model: ScreenModel
    train: pd.DataFrame
    test: pd.DataFrame
    figures: ScreenFigures
    figures_no_meta: ScreenFigures
    plan: pd.DataFrame


def _log_uniform(rng: np.random.Generator, low: float, high: float) -> float:
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


def run_screen_evaluation(
    train_windows: Sequence[Window],
    test_windows: Sequence[Window],
    categories: Mapping[str, str],
    rng: np.random.Generator,
    *,
    timezone: str = "UTC",
    sizes: Sequence[float] = SIZES,
    train_sizes_per_pattern: int = 2,
    features: Callable[[list[dict[str, Any]]], pd.DataFrame] | None = None,
    provenance: Mapping[str, Any] | None = None,
    cost_per_inspection_usd: float = 500.0,
) -> ScreenRun:
    """The whole protocol of the module notes, on given site-years.

    Training site-years get their real case and ``train_sizes_per_pattern`` injected fleets
    per pattern at sizes drawn log-uniformly from 3 % to 60 %; held-out ones get their real
    case and every pattern at every size of ``sizes``. ``features`` turns a list of cases into
    a :func:`case_table` (default: one process; the script passes a parallel one).
    """
    table_of = features or (lambda cases: case_table(cases, categories, timezone=timezone))
    train_cases: list[dict[str, Any]] = []
    fit_patterns = FIT_PATTERNS
    for window in train_windows:
        for pattern in fit_patterns:
            shares = [_log_uniform(rng, 0.03, 0.6) for _ in range(train_sizes_per_pattern)]
            made, _ = make_site_cases(window, [pattern], shares, rng)
            train_cases.extend(made if pattern == fit_patterns[0] else made[1:])
    test_cases: list[dict[str, Any]] = []
    skipped = 0
    for window in test_windows:
        made, missed = make_site_cases(window, gen.PATTERNS, sizes, rng)
        test_cases.extend(made)
        skipped += missed
    train = with_peers(table_of(train_cases))
    raw_test = table_of(test_cases)
    model = fit_screen_model(train, provenance=provenance)
    test = score(model, with_peers(raw_test))
    test_no_meta = score(model, with_peers(raw_test, use_categories=False))
    return ScreenRun(
        model=model,
        train=train,
        test=test,
        figures=screen_figures(test, skipped=skipped),
        figures_no_meta=screen_figures(test_no_meta, skipped=skipped),
        plan=inspection_plan(test, cost_per_inspection_usd=cost_per_inspection_usd),
    )


def cross_validate(
    table: pd.DataFrame,
    *,
    fit: Callable[[pd.DataFrame], ScreenModel] | None = None,
) -> pd.DataFrame:
    """Leave-one-building-out scores of a case table with peers (training buildings only).

    For each building the model is fitted (``fit``, default :func:`fit_screen_model`) on the
    other buildings' cases and scores this building's: the figures a held-out run would give,
    estimated without touching the held-out buildings — where the screen's design and constants
    are chosen.
    """
    fit = fit or fit_screen_model
    parts = []
    for building in sorted(set(table["building_id"])):
        inside = table["building_id"] == building
        model = fit(table[~inside])
        parts.append(score(model, table[inside]))
    return pd.concat(parts)
