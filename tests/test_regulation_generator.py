"""The synthetic loads: sizes from specifications, shapes by construction, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hashtide.errors import InvalidInputError
from hashtide.hardware import get_model
from hashtide.regulation import generator as gen

TIME = pd.date_range("2024-03-04", periods=14 * 24, freq="h", tz="UTC")


def test_fleet_draw_is_nameplate_within_tolerance() -> None:
    fleet = gen.MiningFleet(n_machines=200, model="Antminer S21")
    load = gen.mining_load(TIME, 3600, fleet, np.random.default_rng(0))
    # Catalog: S21 draws 3,500 W (asicmarketplace listing). 200 machines, each within ±5 %:
    # the fleet mean is 700 kW ± 5 %, and by the CLT within a fraction of a percent of it.
    assert get_model("Antminer S21").power_w == 3500.0
    assert load.mean() == pytest.approx(700.0, rel=0.01)
    # Steady: hour-to-hour variation 0.3 % per machine / √200 (generator default).
    assert load.std() / load.mean() < 0.002


def test_fleet_switches_on_at_the_onset() -> None:
    fleet = gen.MiningFleet(n_machines=10, switch_on_hours=1.0)
    load = gen.mining_load(TIME, 3600, fleet, np.random.default_rng(1), onset="2024-03-10 12:00")
    onset = 6 * 24 + 12
    assert np.all(load[:onset] == 0.0)
    assert load[onset + 1 :].min() > 0.9 * 10 * 3.068


def test_outages_remove_energy_and_curtailment_follows_price() -> None:
    rng = np.random.default_rng(2)
    steady = gen.mining_load(TIME, 3600, gen.MiningFleet(n_machines=20), rng)
    outages = gen.MiningFleet(n_machines=20, outages_per_day=1.0, outage_hours=3.0)
    broken = gen.mining_load(TIME, 3600, outages, rng)
    assert broken.sum() < steady.sum()
    price = np.where(np.arange(TIME.size) % 24 == 18, 0.5, 0.1)
    curtailing = gen.MiningFleet(n_machines=20, curtail_above_usd_per_kwh=0.3)
    load = gen.mining_load(TIME, 3600, curtailing, rng, price_usd_per_kwh=price)
    assert np.all(load[price > 0.3] == 0.0)
    assert np.all(load[price <= 0.3] > 0.0)


def test_training_cluster_between_idle_and_busy() -> None:
    cluster = gen.TrainingCluster(n_servers=4)
    load = gen.ai_training_load(TIME, 3600, cluster, np.random.default_rng(3))
    # NVIDIA DGX H100: 10.2 kW maximum; idle 25 % and busy 85 % of it (generator assumptions).
    assert load.min() >= 4 * 10.2 * 0.25 * 0.9
    assert load.max() <= 4 * 10.2 * 0.85 * 1.1
    assert load.std() / load.mean() > 0.05  # jobs start and stop


def test_inference_peaks_in_the_afternoon() -> None:
    cluster = gen.InferenceCluster(n_servers=10, noise_frac=0.0)
    load = gen.ai_inference_load(TIME, 3600, cluster, np.random.default_rng(4))
    by_hour = pd.Series(load[: 5 * 24]).groupby(np.arange(5 * 24) % 24).mean()  # Mon–Fri
    assert int(by_hour.idxmax()) == 15  # peak_hour default
    # Independent derivation: level = idle + (1 − idle) × busy; busy 0.6 at 15:00.
    assert by_hour.max() == pytest.approx(10 * 10.2 * (0.25 + 0.75 * 0.6), rel=1e-9)


def test_storage_is_nearly_flat() -> None:
    array = gen.StorageArray(n_drives=600)
    load = gen.storage_load(TIME, 3600, array, np.random.default_rng(5))
    # 600 drives × (7 W + 3 W × 0.3 activity + 6.67 W overhead) ≈ 8.74 kW (generator defaults).
    assert load.mean() == pytest.approx(600 * (7 + 3 * 0.3 + 400 / 60) / 1e3, rel=0.02)
    assert load.std() / load.mean() < 0.03


def test_office_mean_and_weekly_shape() -> None:
    load = gen.office_load(TIME, 3600, 120.0, np.random.default_rng(6))
    assert load.mean() == pytest.approx(120.0, rel=1e-9)
    weekday_noon = load[[d * 24 + 12 for d in range(5)]].mean()
    sunday_noon = load[6 * 24 + 12]
    assert weekday_noon > 2 * sunday_noon


def test_hide_in_adds_and_keeps_missing() -> None:
    building = np.array([1.0, np.nan, 3.0])
    np.testing.assert_array_equal(gen.hide_in(building, np.ones(3)), [2.0, np.nan, 4.0])
    with pytest.raises(InvalidInputError, match="same length"):
        gen.hide_in(building, np.ones(2))


def test_fleet_for_share() -> None:
    # 0.2 × 200 kW = 40 kW; 40 / 3.068 = 13.04 → 13 S19j Pro (catalog 3,068 W).
    assert gen.fleet_for_share(0.2, 200.0, "Antminer S19j Pro") == 13
    assert gen.fleet_for_share(0.01, 10.0, "Antminer S19j Pro") == 1
    with pytest.raises(InvalidInputError, match="share_frac"):
        gen.fleet_for_share(0.0, 10.0, "Antminer S9")


def test_bad_parameters() -> None:
    with pytest.raises(InvalidInputError, match="n_machines=0"):
        gen.MiningFleet(n_machines=0)
    with pytest.raises(InvalidInputError, match="unknown ASIC model 'S99'"):
        gen.MiningFleet(n_machines=1, model="S99")
    with pytest.raises(InvalidInputError, match="idle_frac <= busy_frac"):
        gen.TrainingCluster(n_servers=1, idle_frac=0.9, busy_frac=0.5)
    with pytest.raises(InvalidInputError, match="tz-aware"):
        gen.mining_load(
            pd.date_range("2024-01-01", periods=3, freq="h"),
            3600,
            gen.MiningFleet(n_machines=1),
            np.random.default_rng(0),
        )


def test_every_default_has_a_stated_source() -> None:
    for name, (value, source, kind) in gen.PARAMETER_SOURCES.items():
        assert value
        assert source, name
        assert kind in ("published", "assumption", "catalog") or kind == "published", name
