"""Evaluation: the metrics, the windows and cases, and the protocol end to end on a toy set."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from hashtide.errors import InvalidInputError
from hashtide.regulation import evaluation as ev
from hashtide.regulation import generator as gen
from hashtide.regulation.evaluation import precision_at, roc_auc, wilson_interval


def test_roc_auc_hand_computed() -> None:
    # Independent derivation: pairs (pos, neg) ordered correctly: (0.35 > 0.1), (0.8 > 0.1),
    # (0.8 > 0.4); wrong: (0.35 < 0.4) → 3 of 4.
    assert roc_auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75
    assert roc_auc([0.5, 0.5], [0, 1]) == 0.5  # a tie counts half
    with pytest.raises(InvalidInputError, match="both positives and negatives"):
        roc_auc([0.1, 0.2], [1, 1])


def test_wilson_interval_published_values() -> None:
    # Published: Newcombe, "Two-sided confidence intervals for the single proportion", Stat. Med.
    # 17 (1998) 857, Table I, method 3 (Wilson score): 81/263 → 0.2553–0.3662; 15/148 →
    # 0.0624–0.1605; 0/20 → 0–0.1611.
    assert wilson_interval(81, 263) == pytest.approx((0.2553, 0.3662), abs=1e-4)
    assert wilson_interval(15, 148) == pytest.approx((0.0624, 0.1605), abs=1e-4)
    assert wilson_interval(0, 20) == pytest.approx((0.0, 0.1611), abs=1e-4)
    assert all(math.isnan(x) for x in wilson_interval(0, 0))


def test_precision_at_prevalence() -> None:
    # Independent derivation: 1,000 sites, 10 hide fleets: 9 found; 990 × 5 % = 49.5 false.
    assert precision_at(0.9, 0.05, 0.01) == pytest.approx(9 / (9 + 49.5))


def _frame(days: int = 120) -> pd.DataFrame:
    time = pd.date_range("2019-01-07", periods=days * 24, freq="h", tz="UTC")
    rows = []
    for i, mean in enumerate((60.0, 200.0)):
        load = gen.office_load(time, 3600, mean, np.random.default_rng(i))
        rows.append(pd.DataFrame({"building_id": f"x{i}", "timestamp": time, "power_kw": load}))
    return pd.concat(rows, ignore_index=True)


def test_building_windows() -> None:
    windows = ev.building_windows(_frame(), window_days=56, stride_days=28)
    # 120 days: starts 0, 28, 56 (56 + 56 ≤ 120), per building.
    assert [w.building_id for w in windows] == ["x0"] * 3 + ["x1"] * 3
    assert all(w.power_kw.size == 56 * 24 for w in windows)
    assert windows[1].start == pd.Timestamp("2019-02-04", tz="UTC")
    with pytest.raises(InvalidInputError, match="lacks columns"):
        ev.building_windows(pd.DataFrame({"building_id": []}))


def test_make_cases_sizes_and_skips() -> None:
    window = ev.building_windows(_frame(), window_days=56)[0]  # a 60 kW office
    rng = np.random.default_rng(0)
    cases, skipped = ev.make_cases(
        window, {"building": [0.0], "mining": [0.2, 0.005], "storage": [0.3]}, rng
    )
    # 0.5 % of 60 kW = 0.3 kW: below half of the smallest fleet model (S9, 1.3 kW): skipped.
    assert skipped == 1
    assert [c.scenario for c in cases] == ["building", "mining", "storage"]
    mining = cases[1]
    assert mining.label == 1
    assert mining.share_frac == pytest.approx(0.2, abs=0.12)
    onset = pd.Timestamp(mining.detail["onset"])
    assert 14 <= (onset - window.start) / pd.Timedelta(days=1) < 42
    with pytest.raises(InvalidInputError, match="unknown scenario"):
        ev.make_cases(window, {"bitcoin": [0.1]}, rng)


def test_protocol_end_to_end_on_toy_buildings() -> None:
    # A toy run of the whole protocol: fit on one synthetic building's windows, evaluate on the
    # other's. Only shapes are checked here; the real figures come from the real buildings.
    windows = ev.building_windows(_frame(180), window_days=56, stride_days=14)
    rng = np.random.default_rng(1)
    train, test = [], []
    for w in windows:
        cases, _ = ev.make_cases(
            w,
            {"building": [0.0], "mining": [0.3, 0.6], "ai_training": [0.4], "ai_inference": [0.4]},
            rng,
        )
        (train if w.building_id == "x0" else test).extend(cases)
    model = ev.train_detector(ev.case_features(train), window_days=56, threshold_fpr=0.1)
    result = ev.evaluate(model, ev.case_features(test))
    assert 0 <= result.fpr <= 1
    assert 0 <= result.recall_20 <= 1
    assert set(result.summary["scenario"]) == {"building", "mining", "ai_training", "ai_inference"}
    assert list(result.curve["share_frac"]) == [0.3, 0.6]
    assert list(result.smallest_by_fpr["fpr_target"]) == [0.01, 0.02, 0.05, 0.1, 0.2]
    assert result.recall_20 > 0.5  # 30–60 % fleets in a synthetic office are easy
