"""Evaluating the detector: real building windows, hidden loads added, and the figures.

The protocol (``scripts/evaluate_detector.py`` runs it on the Cambridge Estates buildings):

1. Cut each building's hourly series into windows of ``window_days`` (:func:`building_windows`).
2. For each window make *cases* (:func:`make_cases`): the window as it is (a real, non-mining
   building), and the window with a hidden load added — a mining fleet switched on inside the
   window, a fleet running throughout, an AI training cluster, an AI inference cluster, a storage
   array — sized as a share of the window's mean load, from the generators of
   :mod:`hashtide.regulation.generator`.
3. Compute the features of every case (:func:`case_features`), fit the detector on cases from
   *training buildings only* (:func:`train_detector`), and score the cases of the held-out
   buildings (:func:`evaluate`).

Shares are ``fleet nameplate power / building mean load over the window``; the fleet is a whole
number of machines of a catalog model chosen at random among :data:`FLEET_MODELS` — so a share
below one machine of the smallest model cannot be made in a small building, and such cases are
skipped (they are counted).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashtide.errors import InvalidInputError
from hashtide.hardware import get_model
from hashtide.regulation import generator as gen
from hashtide.regulation.detector import ASIC_TERMS, FLEET_TERMS, DetectorModel, fit_stage
from hashtide.regulation.features import compute_features
from hashtide.regulation.meter import meter_from_array
from hashtide.units import SECONDS_PER_HOUR

FloatArray = npt.NDArray[np.float64]

#: Scenarios a case can be. ``mining`` is the positive class; the rest are negatives, except
#: ``mining_throughout`` (a positive that the meter can hardly see, reported on its own).
SCENARIOS: Final = (
    "building",
    "mining",
    "mining_throughout",
    "ai_training",
    "ai_inference",
    "storage",
)
POSITIVE: Final = frozenset({"mining", "mining_throughout"})
#: Catalog models hidden fleets are drawn from: the smallest common old machine, two current
#: air-cooled ones and MicroBT's most common 2020 model.
FLEET_MODELS: Final = ("Antminer S9", "Antminer S19j Pro", "Antminer S21", "Whatsminer M30S++")
#: Mean draw per unit used to size the other loads [kW]: a DGX H100-class server at the level it
#: averages (training 0.6, inference 0.5 of its 10.2 kW maximum, from the generator defaults),
#: and one drive with its share of enclosure overhead (generator defaults).
_UNIT_KW: Final = {"ai_training": 10.2 * 0.6, "ai_inference": 10.2 * 0.5, "storage": 0.0155}
#: The hidden load starts between these days of the window (it runs for at least two weeks and
#: has at least two weeks of history before it).
ONSET_DAYS: Final = (14, 42)


@dataclass(frozen=True, kw_only=True)
class Window:
    """An hourly window of one real building's load [kW] (NaN where a reading is missing)."""

    building_id: str
    start: pd.Timestamp
    power_kw: FloatArray
    timezone: str = "UTC"

    @property
    def mean_kw(self) -> float:
        """Mean load over the window [kW]."""
        return float(np.nanmean(self.power_kw))

    @property
    def time(self) -> pd.DatetimeIndex:
        """Interval starts (UTC)."""
        return pd.date_range(self.start, periods=self.power_kw.size, freq="h")


@dataclass(frozen=True, kw_only=True)
class Case:
    """A window with (or without) a hidden load, and what was hidden."""

    window: Window
    scenario: str
    share_frac: float
    power_kw: FloatArray
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> int:
        """1 for mining (switched on in the window or running throughout), else 0."""
        return int(self.scenario in POSITIVE)


def building_windows(
    frame: pd.DataFrame,
    *,
    window_days: int = 56,
    stride_days: int = 28,
    timezone: str = "UTC",
    max_missing_frac: float = 0.05,
) -> list[Window]:
    """Cut a long table of hourly loads into windows, building by building, year by year.

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns ``building_id``, ``timestamp`` (tz-aware UTC, hourly) and ``power_kw`` (NaN for
        a missing reading).
    window_days, stride_days : int
        Window length and the step between window starts [days].
    timezone : str
        The buildings' local clock (for the features).
    max_missing_frac : float
        Windows with more missing hours than this are dropped.

    Returns
    -------
    list of Window
        In building order, then time.
    """
    hours = window_days * 24
    out = []
    for building, t, p in building_years(frame):
        for begin in range(0, p.size - hours + 1, stride_days * 24):
            chunk = p[begin : begin + hours]
            if np.isnan(chunk).mean() > max_missing_frac:
                continue
            out.append(
                Window(building_id=building, start=t[begin], power_kw=chunk, timezone=timezone)
            )
    return out


def building_years(frame: pd.DataFrame) -> Iterator[tuple[str, pd.DatetimeIndex, FloatArray]]:
    """Each building's readings, calendar year by calendar year: ``(building_id, timestamps,
    power_kw)``, in building order, then time. The one place where a long table of hourly
    loads (``building_id``, ``timestamp``, ``power_kw``) is checked and cut: the detector's
    windows (:func:`building_windows`) and the screen's site-years
    (:func:`~hashtide.regulation.screen_evaluation.site_years`) are cut from these."""
    missing = {"building_id", "timestamp", "power_kw"} - set(frame.columns)
    if missing:
        raise InvalidInputError(f"frame lacks columns {sorted(missing)}")
    for building, group in frame.groupby("building_id", sort=True):
        group = group.sort_values("timestamp")
        time = pd.DatetimeIndex(group["timestamp"])
        power = group["power_kw"].to_numpy(dtype=float)
        for year in sorted(set(time.year)):
            mask = np.asarray(time.year == year)
            t, p = time[mask], power[mask]
            steps = np.diff(t.as_unit("ns").asi8)
            if steps.size and np.any(steps != SECONDS_PER_HOUR * 10**9):
                raise InvalidInputError(f"building {building} {year}: timestamps are not hourly")
            yield str(building), t, p


def _hidden(
    window: Window,
    scenario: str,
    share_frac: float,
    rng: np.random.Generator,
    onset: pd.Timestamp | None,
) -> tuple[FloatArray, dict[str, Any]] | None:
    """The hidden load [kW] of ``scenario`` at about ``share_frac``; None if it cannot be made."""
    time, mean = window.time, window.mean_kw
    if scenario in POSITIVE:
        names = [m for m in FLEET_MODELS if share_frac * mean / (get_model(m).power_w / 1e3) >= 0.5]
        if not names:
            return None
        model = names[int(rng.integers(len(names)))]
        n = gen.fleet_for_share(share_frac, mean, model)
        fleet = gen.MiningFleet(n_machines=n, model=model)
        load = gen.mining_load(time, SECONDS_PER_HOUR, fleet, rng, onset=onset)
        return load, {"model": model, "n_machines": n, "power_kw": fleet.power_w / 1e3}
    units = max(1, round(share_frac * mean / _UNIT_KW[scenario]))
    if scenario == "ai_training":
        load = gen.ai_training_load(
            time, SECONDS_PER_HOUR, gen.TrainingCluster(n_servers=units), rng, onset=onset
        )
        return load, {"n_servers": units}
    if scenario == "ai_inference":
        cluster = gen.InferenceCluster(n_servers=units)
        load = gen.ai_inference_load(
            time, SECONDS_PER_HOUR, cluster, rng, onset=onset, timezone=window.timezone
        )
        return load, {"n_servers": units}
    array = gen.StorageArray(n_drives=units)
    load = gen.storage_load(
        time, SECONDS_PER_HOUR, array, rng, onset=onset, timezone=window.timezone
    )
    return load, {"n_drives": units}


def make_cases(
    window: Window,
    scenarios: Mapping[str, Sequence[float]],
    rng: np.random.Generator,
) -> tuple[list[Case], int]:
    """Cases of ``window``: one per scenario and requested share.

    Parameters
    ----------
    window : Window
    scenarios : mapping of str to sequence of float
        Scenario name (:data:`SCENARIOS`) → shares of the window's mean load to hide (ignored
        for ``building``, which is the window itself).
    rng : numpy.random.Generator
        Draws the onset (uniform in :data:`ONSET_DAYS`, on the hour), the fleet model and every
        generator's randomness.

    Returns
    -------
    (list of Case, int)
        The cases, and how many requested cases could not be made (a share below half a
        machine of every model in :data:`FLEET_MODELS`).
    """
    cases: list[Case] = []
    skipped = 0
    for scenario, shares in scenarios.items():
        if scenario not in SCENARIOS:
            raise InvalidInputError(f"unknown scenario {scenario!r}; expected one of {SCENARIOS}")
        if scenario == "building":
            cases.append(
                Case(window=window, scenario=scenario, share_frac=0.0, power_kw=window.power_kw)
            )
            continue
        for share in shares:
            onset = None
            if scenario != "mining_throughout":
                hour = int(rng.integers(ONSET_DAYS[0] * 24, ONSET_DAYS[1] * 24))
                onset = window.start + pd.Timedelta(hours=hour)
            made = _hidden(window, scenario, float(share), rng, onset)
            if made is None:
                skipped += 1
                continue
            load, detail = made
            realised = float(np.mean(load[-24 * 7 :]) / window.mean_kw)
            cases.append(
                Case(
                    window=window,
                    scenario=scenario,
                    share_frac=realised,
                    power_kw=gen.hide_in(window.power_kw, load),
                    detail={**detail, "requested_share": float(share), "onset": str(onset)},
                )
            )
    return cases, skipped


def case_features(
    cases: Iterable[Case], progress: Callable[[int], None] | None = None
) -> pd.DataFrame:
    """One row per case: ``building_id``, ``start``, ``scenario``, ``share_frac``, ``label``,
    ``requested_share`` and every feature of :class:`~hashtide.regulation.LoadFeatures`."""
    rows = []
    for i, case in enumerate(cases):
        meter = meter_from_array(
            case.power_kw, start=case.window.start, timezone=case.window.timezone
        )
        features = compute_features(meter).as_dict()
        rows.append(
            {
                "building_id": case.window.building_id,
                "start": case.window.start,
                "scenario": case.scenario,
                "share_frac": case.share_frac,
                "requested_share": float(case.detail.get("requested_share", 0.0)),
                "label": case.label,
                **features,
            }
        )
        if progress is not None:
            progress(i + 1)
    return pd.DataFrame(rows)


def train_detector(
    table: pd.DataFrame,
    *,
    window_days: int,
    min_share: float = 0.1,
    ai_weight: float = 1.0,
    l2: float = 1.0,
    threshold_fpr: float = 0.04,
    provenance: Mapping[str, Any] | None = None,
) -> DetectorModel:
    """Fit both stages on a table of training cases and set the operating threshold.

    * fleet stage: real windows (0) against mining switched on in the window (1) with share
      ≥ ``min_share`` (smaller fleets only add noise to the fit; they are still evaluated);
    * ASIC stage: those mining cases (1) against AI training and inference cases (0, weight
      ``ai_weight``) with share ≥ ``min_share``;
    * threshold: the ``1 − threshold_fpr`` quantile of the training buildings' own fleet-stage
      probabilities, so that ``threshold_fpr`` of them would be flagged.

    Storage and fleets running throughout are not fitted on: a storage array is nearly flat
    like a fleet (an inspection, not the meter, tells them apart), and a fleet that never
    switches on in the series has no step to learn from. Both are reported by :func:`evaluate`.
    """
    mining = table[(table["scenario"] == "mining") & (table["share_frac"] >= min_share)]
    buildings = table[table["scenario"] == "building"]
    ai = table[
        table["scenario"].isin(["ai_training", "ai_inference"]) & (table["share_frac"] >= min_share)
    ]
    if mining.empty or buildings.empty or ai.empty:
        raise InvalidInputError("the table needs building, mining and AI cases to train on")
    fleet_rows = pd.concat([buildings, mining])
    fleet = fit_stage(
        "fleet", _records(fleet_rows), fleet_rows["label"].to_numpy(), FLEET_TERMS, l2=l2
    )
    asic_rows = pd.concat([mining, ai])
    weights = np.where(asic_rows["scenario"] == "mining", 1.0, ai_weight)
    asic = fit_stage(
        "asic",
        _records(asic_rows),
        asic_rows["label"].to_numpy(),
        ASIC_TERMS,
        weights=weights,
        l2=l2,
    )
    model = DetectorModel(fleet=fleet, asic=asic, threshold=0.5, window_days=window_days)
    scores = score_table(model, buildings)["fleet_probability"].to_numpy()
    threshold = float(np.quantile(scores, 1 - threshold_fpr))
    return DetectorModel(
        fleet=fleet,
        asic=asic,
        threshold=threshold,
        window_days=window_days,
        provenance=dict(provenance or {}),
    )


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in table.to_dict("records")]


def score_table(model: DetectorModel, table: pd.DataFrame) -> pd.DataFrame:
    """``mining_probability``, ``fleet_probability`` and ``asic_probability`` of every row."""
    values = [model.probability(row) for row in _records(table)]
    return pd.DataFrame(
        values,
        columns=["mining_probability", "fleet_probability", "asic_probability"],
        index=table.index,
    )


def roc_auc(scores: Sequence[float] | FloatArray, labels: Sequence[int] | FloatArray) -> float:
    """Area under the ROC curve: the probability that a random positive outscores a random
    negative (ties count half) — the Mann–Whitney U statistic over ``n₁ n₀``.

    Examples
    --------
    >>> roc_auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
    0.75
    """
    s = np.asarray(scores, dtype=float)
    y = np.asarray(labels, dtype=int)
    pos, neg = s[y == 1], s[y == 0]
    if pos.size == 0 or neg.size == 0:
        raise InvalidInputError("roc_auc needs both positives and negatives")
    greater = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return float((greater + 0.5 * ties) / (pos.size * neg.size))


def wilson_interval(successes: int, trials: int, *, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a proportion (95 % by default).

    Notes
    -----
    ``(p̂ + z²/2n ± z √(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n)`` (Wilson, "Probable inference, the law
    of succession, and statistical inference", JASA 22, 1927,
    https://doi.org/10.1080/01621459.1927.10502953). It assumes independent trials.

    Examples
    --------
    >>> low, high = wilson_interval(0, 100)
    >>> low, round(high, 4)
    (0.0, 0.037)
    """
    if trials <= 0:
        return (math.nan, math.nan)
    p = successes / trials
    centre = p + z * z / (2 * trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    denominator = 1 + z * z / trials
    return (max(0.0, (centre - half) / denominator), min(1.0, (centre + half) / denominator))


def precision_at(recall: float, fpr: float, prevalence: float) -> float:
    """Precision when ``prevalence`` of the sites scanned hide mining: ``rπ / (rπ + f(1−π))``.

    Examples
    --------
    >>> round(precision_at(0.9, 0.05, 0.01), 3)  # 1 site in 100 hides a fleet
    0.154
    """
    flagged = recall * prevalence + fpr * (1 - prevalence)
    return recall * prevalence / flagged if flagged > 0 else math.nan


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    """Figures on a set of scored cases (held-out buildings).

    A case is *flagged* when its fleet-stage probability reaches the model's threshold, and
    *called ASIC-like* when it is flagged and its ASIC-stage probability is at least 0.5.
    ``summary`` has one row per scenario (and per share bin for the hidden loads): cases,
    flagged, rate with its Wilson interval, and called ASIC-like. ``curve`` has one row per
    requested share: recall of mining switched on in the window and of mining running
    throughout, at the model's threshold and at thresholds giving 1 % and 10 % false positives
    on these buildings.
    """

    threshold: float
    fpr: float
    fpr_interval: tuple[float, float]
    n_buildings_windows: int
    recall_20: float
    recall_20_interval: tuple[float, float]
    n_mining_20: int
    auc: float
    precision: float
    smallest_share_90: float | None
    asic_auc: float
    asic_fpr: float
    asic_recall_20: float
    summary: pd.DataFrame
    curve: pd.DataFrame
    smallest_by_fpr: pd.DataFrame


def _share_groups(part: pd.DataFrame, scenario: str) -> list[tuple[str, pd.DataFrame]]:
    if scenario == "building":
        return [("all", part)]
    bins = [(0.0, 0.05), (0.05, 0.1), (0.1, 0.2), (0.2, 0.5), (0.5, math.inf)]
    groups = []
    for low, high in bins:
        label = f"{100 * low:g}–{100 * high:g} %" if math.isfinite(high) else f"≥ {100 * low:g} %"
        groups.append((label, part[(part["share_frac"] >= low) & (part["share_frac"] < high)]))
    return groups


def evaluate(model: DetectorModel, table: pd.DataFrame) -> Evaluation:
    """Score the cases of ``table`` and compute the figures (see :class:`Evaluation`)."""
    table = pd.concat([table, score_table(model, table)], axis=1)
    table = table.assign(flagged=table["fleet_probability"] >= model.threshold)
    table = table.assign(asic_like=table["flagged"] & (table["asic_probability"] >= 0.5))
    buildings = table[table["scenario"] == "building"]
    mining = table[table["scenario"] == "mining"]
    big = mining[mining["share_frac"] >= 0.2 - 1e-9]
    fp = int(buildings["flagged"].sum())
    tp = int(big["flagged"].sum())
    rows = []
    for scenario in SCENARIOS:
        part = table[table["scenario"] == scenario]
        for label, group in _share_groups(part, scenario):
            if group.empty:
                continue
            k, n = int(group["flagged"].sum()), len(group)
            low_ci, high_ci = wilson_interval(k, n)
            rows.append(
                {
                    "scenario": scenario,
                    "share": label,
                    "cases": n,
                    "flagged": k,
                    "rate": k / n,
                    "rate_low": low_ci,
                    "rate_high": high_ci,
                    "asic_like": int(group["asic_like"].sum()),
                    "asic_like_rate": float(group["asic_like"].mean()),
                }
            )
    summary = pd.DataFrame(rows)
    thresholds = {"model": model.threshold}
    for name, fpr_target in (("fpr_1pct", 0.01), ("fpr_10pct", 0.10)):
        thresholds[name] = float(np.quantile(buildings["fleet_probability"], 1 - fpr_target))
    curve_rows = []
    for share, group in table[table["scenario"].isin(POSITIVE)].groupby("requested_share"):
        row: dict[str, Any] = {"share_frac": float(share)}  # type: ignore[arg-type]
        for scenario in ("mining", "mining_throughout"):
            part = group[group["scenario"] == scenario]
            row[f"{scenario}_cases"] = len(part)
            for name, threshold in thresholds.items():
                k = int((part["fleet_probability"] >= threshold).sum())
                row[f"{scenario}_recall_{name}"] = k / len(part) if len(part) else math.nan
                if name == "model":
                    low, high = wilson_interval(k, len(part))
                    row[f"{scenario}_recall_low"], row[f"{scenario}_recall_high"] = low, high
        curve_rows.append(row)
    curve = pd.DataFrame(curve_rows)
    reach = curve[curve["mining_recall_model"] >= 0.9] if not curve.empty else curve
    labelled = table[table["scenario"].isin(["building", "mining"])]
    flagged_mining = int(mining["flagged"].sum())
    ai = table[table["scenario"].isin(["ai_training", "ai_inference"])]
    ai_big = ai[ai["share_frac"] >= 0.2 - 1e-9]
    both = pd.concat([big, ai_big])
    return Evaluation(
        threshold=model.threshold,
        fpr=fp / len(buildings) if len(buildings) else math.nan,
        fpr_interval=wilson_interval(fp, len(buildings)),
        n_buildings_windows=len(buildings),
        recall_20=tp / len(big) if len(big) else math.nan,
        recall_20_interval=wilson_interval(tp, len(big)),
        n_mining_20=len(big),
        auc=roc_auc(
            labelled["fleet_probability"].to_numpy(float), labelled["label"].to_numpy(float)
        )
        if labelled["label"].nunique() == 2
        else math.nan,
        precision=flagged_mining / (flagged_mining + fp) if flagged_mining + fp else math.nan,
        smallest_share_90=float(reach["share_frac"].min()) if not reach.empty else None,
        asic_auc=roc_auc(both["asic_probability"].to_numpy(float), both["label"].to_numpy(float))
        if both["label"].nunique() == 2
        else math.nan,
        asic_fpr=float(buildings["asic_like"].mean()) if len(buildings) else math.nan,
        asic_recall_20=float(big["asic_like"].mean()) if len(big) else math.nan,
        summary=summary,
        curve=curve,
        smallest_by_fpr=_smallest_by_fpr(table, buildings),
    )


def _smallest_share(shares: FloatArray, recall: FloatArray, target: float = 0.9) -> float | None:
    """Smallest share where recall reaches ``target``, interpolated linearly in log(share)
    between the first grid point at or above it and the one before."""
    above = np.flatnonzero(recall >= target)
    if above.size == 0:
        return None
    i = int(above[0])
    if i == 0 or recall[i] == recall[i - 1]:
        return float(shares[i])
    w = (target - recall[i - 1]) / (recall[i] - recall[i - 1])
    return float(np.exp(np.log(shares[i - 1]) + w * (np.log(shares[i]) - np.log(shares[i - 1]))))


def _smallest_by_fpr(
    table: pd.DataFrame,
    buildings: pd.DataFrame,
    fprs: Sequence[float] = (0.01, 0.02, 0.05, 0.1, 0.2),
) -> pd.DataFrame:
    """For thresholds giving each false positive rate on these buildings: the smallest fleet
    share (switched on in the window) found at 90 % recall."""
    mining = table[table["scenario"] == "mining"]
    rows = []
    for fpr in fprs:
        threshold = float(np.quantile(buildings["fleet_probability"], 1 - fpr))
        hit = (mining["fleet_probability"] >= threshold).astype(float)
        recall = hit.groupby(mining["requested_share"]).mean()
        actual = float((buildings["fleet_probability"] >= threshold).mean())
        rows.append(
            {
                "fpr_target": fpr,
                "fpr": actual,
                "threshold": threshold,
                "smallest_share_90": _smallest_share(
                    np.asarray(recall.index, dtype=np.float64),
                    np.asarray(recall.to_numpy(), dtype=np.float64),
                ),
            }
        )
    return pd.DataFrame(rows)
