"""Boundary cases of rule packs and of the detector's fit (survivors of scripts/mutation.py)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from hashtide.errors import InvalidInputError
from hashtide.regulation import (
    classify,
    compute_features,
    evidence_of,
    meter_from_array,
    parse_pack,
)
from hashtide.regulation import generator as gen
from hashtide.regulation.detector import fit_stage
from hashtide.regulation.evidence import estimate_machines
from hashtide.regulation.facilities import FacilitySpec


def _pack(bounds: list[float], op: str = "between") -> Any:
    return parse_pack(
        {
            "pack": "bounds",
            "title": "a pack with one numeric rule",
            "jurisdiction": "XX",
            "as_of": "2026-12-01",
            "sources": [
                {
                    "id": "law",
                    "title": "The Law",
                    "verification": "official_copy",
                    "clauses": [{"id": "1", "excerpt": "Large IT loads are registered."}],
                }
            ],
            "tracks": {"general_data_centre": "register_and_file", "office": "compliant"},
            "default": {"category": "office"},
            "rules": [
                {
                    "id": "mid-size",
                    "description": "IT load in the band",
                    "when": {"field": "it_power_kw", "op": op, "value": bounds},
                    "then": {"category": "general_data_centre"},
                    "cite": {"source": "law", "clause": "1", "quote": "Large IT loads"},
                }
            ],
        }
    )


@pytest.mark.parametrize(
    ("it_power_kw", "fires"),
    [
        # 'between [low, high]' is inclusive at both ends (rules.py module notes).
        (99.999, False),
        (100.0, True),
        (150.0, True),
        (200.0, True),
        (200.001, False),
    ],
)
def test_between_includes_both_bounds(it_power_kw: float, fires: bool) -> None:
    facility = FacilitySpec.model_validate({"id": "f", "it_power_kw": it_power_kw})
    decision = classify(evidence_of(facility), _pack([100, 200]))
    assert (decision.category == "general_data_centre") is fires
    assert (decision.decided_by == "mid-size") is fires


def test_between_of_a_single_value() -> None:
    # low == high is allowed and matches that value only.
    pack = _pack([100, 100])
    for value, fires in ((100.0, True), (100.5, False)):
        facility = FacilitySpec.model_validate({"id": "f", "it_power_kw": value})
        assert (classify(evidence_of(facility), pack).category == "general_data_centre") is fires


def test_between_needs_ordered_bounds() -> None:
    with pytest.raises(InvalidInputError, match=r"'between' needs low <= high, got \[200, 100\]"):
        _pack([200, 100])
    with pytest.raises(InvalidInputError, match=r"'between' needs \[low, high\] (finite )?numbers"):
        _pack([100])


@pytest.mark.parametrize(
    ("op", "value", "fires"),
    [
        # Each comparison at equality (it_power_kw = 100).
        ("<", 100, False),
        ("<=", 100, True),
        (">", 100, False),
        (">=", 100, True),
        ("==", 100, True),
        ("!=", 100, False),
    ],
)
def test_comparisons_at_equality(op: str, value: float, fires: bool) -> None:
    facility = FacilitySpec.model_validate({"id": "f", "it_power_kw": 100.0})
    decision = classify(evidence_of(facility), _pack(value, op))  # type: ignore[arg-type]
    assert (decision.category == "general_data_centre") is fires


def test_fit_stage_does_not_penalise_the_intercept() -> None:
    # Independent derivation: with a penalty that drives the term's weight to 0, the likelihood
    # is maximised where sigmoid(β₀) equals the (weighted) share of positives; the intercept is
    # not penalised, so β₀ = logit(share). Labels 0, 0, 0, 1 → logit(1/4) = ln(1/3); with
    # weights 2, 1, 1, 1 the share is 1/5 → ln(1/4).
    rows = [{"step_share": s, "step_persistence": 1.0} for s in (0.0, 0.1, 0.2, 0.3)]
    stage = fit_stage("fleet", rows, [0, 0, 0, 1], ["step_share"], l2=1e6)
    assert abs(stage.coef[0]) < 1e-3
    assert stage.intercept == pytest.approx(math.log(1 / 3), abs=1e-3)
    weighted = fit_stage(
        "fleet", rows, [0, 0, 0, 1], ["step_share"], weights=[2.0, 1.0, 1.0, 1.0], l2=1e6
    )
    assert weighted.intercept == pytest.approx(math.log(1 / 4), abs=1e-3)


def test_machine_count_range_of_a_load_step() -> None:
    # Independent derivation: Antminer S19j Pro draws 3,068 W (catalog). A 30.68 kW step is 10
    # machines; ±5 % power tolerance: 30.68/(3.068 × 1.05) = 9.52 → at least 10,
    # 30.68/(3.068 × 0.95) = 10.53 → at most 10. A 61.36 kW step: 19.05 → 20 … 21.05 → 21.
    (ten,) = estimate_machines(30.68, ["Antminer S19j Pro"])
    assert (ten.n_machines, ten.n_low, ten.n_high) == (10, 10, 10)
    (twenty,) = estimate_machines(61.36, ["Antminer S19j Pro"])
    assert (twenty.n_machines, twenty.n_low, twenty.n_high) == (20, 20, 21)


def test_inference_day_night_and_weekend_levels() -> None:
    # Independent derivation (generator defaults): level = servers × 10.2 kW × (idle 0.25 +
    # 0.75 × busy); busy runs on a cosine from 0.20 at 03:00 (12 h from the 15:00 peak) to 0.60
    # at 15:00, times 0.8 on weekends. 2024-03-04 is a Monday; no noise.
    time = pd.date_range("2024-03-04", periods=7 * 24, freq="h", tz="UTC")
    cluster = gen.InferenceCluster(n_servers=10, noise_frac=0.0)
    load = gen.ai_inference_load(time, 3600, cluster, np.random.default_rng(4))
    monday, saturday = load[:24], load[5 * 24 : 6 * 24]
    assert monday[3] == pytest.approx(10 * 10.2 * (0.25 + 0.75 * 0.20), rel=1e-9)
    assert monday[15] == pytest.approx(10 * 10.2 * (0.25 + 0.75 * 0.60), rel=1e-9)
    # 09:00, a quarter day before the peak: cos(−π/2) = 0 → busy halfway, 0.40.
    assert monday[9] == pytest.approx(10 * 10.2 * (0.25 + 0.75 * 0.40), rel=1e-9)
    assert saturday[15] == pytest.approx(10 * 10.2 * (0.25 + 0.75 * 0.60 * 0.8), rel=1e-9)


def test_fleet_nameplate_and_storage_day() -> None:
    # Catalog: Antminer S21 draws 3,500 W; 200 of them 700 kW nameplate.
    assert gen.MiningFleet(n_machines=200, model="Antminer S21").power_w == 700_000.0
    # Storage (generator defaults, no noise): per drive 7 W + 3 W × activity + 400/60 W, with
    # activity 0.3 × (1 + 0.2 cos(2π(h − 14)/24)): 0.36 at 14:00, 0.24 at 02:00.
    time = pd.date_range("2024-03-04", periods=24, freq="h", tz="UTC")
    array = gen.StorageArray(n_drives=600, noise_frac=0.0)
    load = gen.storage_load(time, 3600, array, np.random.default_rng(5))
    assert load[14] == pytest.approx(600 * (7 + 3 * 0.36 + 400 / 60) / 1e3, rel=1e-9)
    assert load[2] == pytest.approx(600 * (7 + 3 * 0.24 + 400 / 60) / 1e3, rel=1e-9)


def test_features_of_an_all_zero_meter() -> None:
    # A meter that reads 0 kW throughout (15-min readings): no division by zero; a flat load
    # has load factor 1 and no sub-hourly variation (features.py documents these values).
    f = compute_features(
        meter_from_array(np.zeros(28 * 24 * 4), start="2024-03-04", interval_s=900)
    )
    assert f.load_factor == 1.0
    assert (f.subhourly_cv, f.max_ramp_share) == (0.0, 0.0)
    # Night over day was 0/0 = NaN, and the detector's P(fleet) with it ("nan %" in detect and
    # screen): a flat load has the ratio 1, as weekend over weekday does.
    assert f.night_day_ratio == 1.0


def test_detect_on_an_all_zero_meter_gives_a_probability() -> None:
    from hashtide.regulation import detect

    result = detect(meter_from_array(np.zeros(28 * 24), start="2024-03-04"))
    assert 0.0 <= result.fleet_probability <= 1.0
    assert 0.0 <= result.mining_probability <= 1.0
    assert not result.flagged


@pytest.mark.parametrize(("known", "fitted"), [(48, False), (49, True)])
def test_temperature_response_needs_more_than_48_hours(known: int, fitted: bool) -> None:
    hours = 28 * 24
    temperature = np.full(hours, np.nan)
    temperature[:known] = 10 + np.arange(known) % 7
    meter = meter_from_array(
        50 + np.arange(hours) % 24, start="2024-03-04", exogenous={"temperature_c": temperature}
    )
    assert (compute_features(meter).temperature_response_kw_per_c is not None) is fitted


def test_contracted_power_must_be_positive() -> None:
    assert FacilitySpec.model_validate({"id": "f", "contracted_power_kw": 0.5}).contracted_power_kw
    with pytest.raises(ValueError, match="greater than 0"):
        FacilitySpec.model_validate({"id": "f", "contracted_power_kw": 0})


def _pack_with_list(entries: list[dict[str, str]], source: str = "law") -> Any:
    return parse_pack(
        {
            "pack": "lists",
            "title": "a pack with a named list",
            "jurisdiction": "XX",
            "as_of": "2026-12-01",
            "sources": [
                {
                    "id": "law",
                    "title": "The Law",
                    "verification": "official_copy",
                    "clauses": [{"id": "1", "excerpt": "Pool traffic means mining."}],
                }
            ],
            "lists": {"pools": {"source": source, "entries": entries}},
            "tracks": {"pow_mining": "prohibited", "office": "compliant"},
            "default": {"category": "office"},
            "rules": [
                {
                    "id": "pools",
                    "description": "pool traffic",
                    "when": {
                        "field": "network.pool_endpoints",
                        "op": "matches_any",
                        "list": "pools",
                    },
                    "then": {"category": "pow_mining"},
                    "cite": {"source": "law", "clause": "1", "quote": "Pool traffic"},
                }
            ],
        }
    )


def test_named_lists_need_an_entry_and_a_known_source() -> None:
    one = _pack_with_list([{"value": "antpool.com"}])
    facility = FacilitySpec.model_validate(
        {"id": "f", "network": {"pool_endpoints": ["ss.antpool.com:3333"]}}
    )
    assert classify(evidence_of(facility), one).category == "pow_mining"
    with pytest.raises(InvalidInputError, match=r"lists\.pools\.entries"):
        _pack_with_list([])
    with pytest.raises(InvalidInputError, match=r"lists\.pools\.source: 'lwa' is not a source"):
        _pack_with_list([{"value": "antpool.com"}], source="lwa")
