"""The population screen: loading many meters, its features, peers, patterns and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from hashtide.cli.screen import screen as screen_command
from hashtide.errors import InvalidInputError
from hashtide.regulation import example_path, meter_from_array
from hashtide.regulation import generator as gen
from hashtide.regulation.features import _daily, _day_matrix
from hashtide.regulation.population import load_meters, read_meta
from hashtide.regulation.screening import (
    PATTERN_LABELS,
    _clock_edge,
    _dips,
    pattern_of,
    peer_scores,
    screen,
)

METERS = example_path("meters")


def _long_csv(path: Path) -> Path:
    frames = []
    for file in sorted(METERS.glob("*.csv")):
        frame = pd.read_csv(file)
        frames.append(frame.assign(meter_id=file.stem)[["meter_id", "timestamp", "power_kw"]])
    pd.concat(frames).to_csv(path, index=False)
    return path


def test_a_folder_and_a_long_csv_give_the_same_meters(tmp_path: Path) -> None:
    folder = load_meters(METERS)
    long = load_meters(_long_csv(tmp_path / "all.csv"))
    assert list(folder) == list(long) == sorted(p.stem for p in METERS.glob("*.csv"))
    for name in folder:
        np.testing.assert_array_equal(folder[name].power_kw, long[name].power_kw)
        assert folder[name].interval_s == long[name].interval_s


def test_every_bad_meter_is_named_at_once(tmp_path: Path) -> None:
    good = pd.read_csv(METERS / "office_b4.csv")
    good.to_csv(tmp_path / "fine.csv", index=False)
    good.head(24).to_csv(tmp_path / "short.csv", index=False)
    bad = good.copy()
    bad.loc[5, "power_kw"] = -3.0
    bad.to_csv(tmp_path / "negative.csv", index=False)
    with pytest.raises(InvalidInputError) as info:
        load_meters(tmp_path)
    message = str(info.value)
    assert "2 problem(s)" in message
    assert "meter 'short'" in message
    assert "at least 7 days" in message
    assert "meter 'negative'" in message
    assert "negative reading" in message
    assert "'fine'" not in message


@pytest.mark.parametrize("long", [False, True])
def test_an_unknown_time_zone_is_named_once(tmp_path: Path, long: bool) -> None:
    # It was repeated under every meter (five times for the shipped folder), and a folder's
    # message named each meter as if its file were wrong.
    source = _long_csv(tmp_path / "all.csv") if long else METERS
    with pytest.raises(InvalidInputError) as info:
        load_meters(source, timezone="Mars/Base")
    assert str(info.value).count("'Mars/Base' is not a time zone name") == 1
    assert "meter" not in str(info.value)


def test_the_readings_unit_can_be_given_for_every_meter(tmp_path: Path) -> None:
    # detect had --unit and screen had not, while its message said "pass unit=".
    for file in sorted(METERS.glob("*.csv"))[:2]:
        frame = pd.read_csv(file).rename(columns={"power_kw": "load"})
        frame.to_csv(tmp_path / file.name, index=False)
    with pytest.raises(InvalidInputError, match="'load' does not say its unit"):
        load_meters(tmp_path, power_column="load")
    meters = load_meters(tmp_path, power_column="load", unit="kW")
    shipped = load_meters(METERS)
    for name, meter in meters.items():
        np.testing.assert_array_equal(meter.power_kw, shipped[name].power_kw)
    in_watts = load_meters(tmp_path, power_column="load", unit="W")
    name = next(iter(meters))
    np.testing.assert_allclose(in_watts[name].power_kw, meters[name].power_kw / 1000, rtol=1e-12)
    with pytest.raises(InvalidInputError) as info:
        load_meters(tmp_path, power_column="load", unit="GWh")
    assert str(info.value).count("unknown unit 'GWh'") == 1  # once, not under every meter
    result = runner.invoke(app, ["screen", str(tmp_path), "--power-column", "load", "--unit", "kW"])
    assert result.exit_code == 0, result.output


def test_long_csv_rows_without_a_meter_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text(
        "meter_id,timestamp,power_kw\nA,2024-01-01T00:00:00Z,1\n,2024-01-01T01:00:00Z,1\n"
    )
    with pytest.raises(InvalidInputError, match=r"1 row\(s\) without a meter_id \(lines 3\)"):
        load_meters(path)


def test_meta_problems_are_listed_with_lines(tmp_path: Path) -> None:
    path = tmp_path / "meta.csv"
    path.write_text("meter_id,categry\nA,office\n")
    with pytest.raises(
        InvalidInputError, match="unknown column 'categry'; did you mean 'category'"
    ):
        read_meta(path)
    path.write_text("meter_id,category,floor_area_m2\nA,Office,100\nA,lab,50\nB,lab,-4\n")
    with pytest.raises(InvalidInputError) as info:
        read_meta(path)
    assert "line 3: meter_id 'A' appears twice" in str(info.value)
    assert "line 4: floor_area_m2 '-4' must be a number > 0" in str(info.value)
    path.write_text("meter_id,category\nA,Office\n")
    assert read_meta(path)["A"].category == "office"  # categories compare case-blind


def test_peer_z_scores_by_hand() -> None:
    # Five peers with floor ratios 0.40, 0.45, 0.50, 0.55, 0.60: median 0.50, MAD 0.05, so the
    # scale is 1.4826 × 0.05 = 0.07413 and a meter at 0.80 is (0.80 − 0.50)/0.07413 = 4.047 σ.
    values = [0.40, 0.45, 0.50, 0.55, 0.60, 0.80]
    rows = [
        {
            "floor_ratio": v,
            "load_factor": 0.5,
            "night_day_ratio": 0.5,
            "weekend_ratio": 0.8,
            "clock_edge_share": 0.0,
        }
        for v in values
    ]
    scored = peer_scores(rows, ["office"] * 5 + ["office"], reference=[True] * 5 + [False])
    assert scored[-1]["z_floor_ratio"] == pytest.approx(0.30 / (1.4826 * 0.05), rel=1e-9)
    assert scored[-1]["peer_category"] == "office"
    assert scored[-1]["n_peers"] == 5
    # Equal values: the scatter floor (0.02) is the scale, so the z-score stays finite.
    assert scored[-1]["z_load_factor"] == 0.0
    # Too few peers of its category: compared with every usable meter instead.
    mixed = peer_scores(rows, ["lab"] + ["office"] * 5)
    assert mixed[0]["peer_category"] == "all"
    assert mixed[0]["n_peers"] == 5


HOURS = pd.date_range("2024-01-01", periods=8 * 7 * 24, freq="h", tz="UTC")  # a Monday


def _matrix(load: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    matrix, weekday, _ = _day_matrix(meter_from_array(load, start=HOURS[0]))
    return matrix, weekday


def test_a_night_block_makes_a_clock_edge_of_its_size() -> None:
    # By construction: a flat 100 kW site and 25 kW from 00:00 to 07:00 every night; the mean
    # is 100 + 25 × 7/24 = 107.29 kW, the edge at 00:00 is 25 kW: 25/107.29 = 0.2330.
    hour = HOURS.hour.to_numpy()
    load = 100.0 + 25.0 * (hour < 7)
    edge = _clock_edge(*_matrix(load), float(load.mean()))
    assert edge["clock_edge_share"] == pytest.approx(25 / (100 + 25 * 7 / 24), rel=1e-9)
    assert edge["clock_edge_hour"] % 24 == 0
    flat = _clock_edge(*_matrix(np.full(HOURS.size, 100.0)), 100.0)
    assert flat["clock_edge_share"] == 0.0


def test_repeated_day_long_outages_are_dips_of_their_size() -> None:
    # By construction: 100 kW floor, a 30 kW block off all day on every 5th day (11 of 56 days).
    load = np.full(HOURS.size, 130.0)
    day = np.arange(HOURS.size) // 24
    load[day % 5 == 2] = 100.0
    floors = _daily(_matrix(load)[0], 0.10)
    dips = _dips(floors, float(load.mean()))
    assert dips["dip_days_frac"] == pytest.approx(11 / 56)
    assert dips["dip_share"] == pytest.approx(30 / load.mean(), rel=1e-9)
    assert dips["dip_consistency"] == 1.0
    assert _dips(_daily(_matrix(np.full(HOURS.size, 130.0))[0], 0.10), 130.0)["dip_days_frac"] == 0


def test_pattern_labels_follow_the_most_specific_evidence() -> None:
    row = {
        "mean_kw": 200.0,
        "window_hits": 1.0,
        "window_step_kw": 41.0,
        "window_step_share": 0.2,
        "window_down_step_share": 0.0,
        "window_asic_probability": 0.9,
        "clock_edge_share": 0.15,
        "clock_edge_t": 9.0,
        "z_weekend_ratio": 0.0,
        "z_night_day_ratio": 5.0,
        "dip_days_frac": 0.2,
        "dip_share": 0.1,
        "dip_consistency": 0.9,
        "floor_ratio": 0.6,
        "peer_median_floor_ratio": 0.5,
    }
    row.update({"wclock_share": 0.2, "dclock_share": 0.15, "night_dip_share": 0.0})
    row.update({"nstep_share": 0.0})
    change = {"change": 3.0, "clock": 1.0, "dips": 0.5, "level": 0.0}
    assert pattern_of(row, change) == ("onset", 41.0)
    assert pattern_of({**row, "window_hits": 3.0}, change)[0] == "batches"
    assert pattern_of({**row, "window_asic_probability": 0.2}, change)[0] == "ai_training_jobs"
    assert pattern_of({**row, "window_down_step_share": 0.15}, change)[0] == "seasonal_heat"
    # A sharp fall in spring matched by a rise in autumn of 0.15 × 200 = 30 kW, as strong as
    # the best lasting rise; one much weaker than the lasting rise is an onset's building.
    winter = {**row, "season_box": 6.0, "season_share": 0.15, "lstep_t": 8.0}
    assert pattern_of(winter, change) == ("seasonal_heat", pytest.approx(30.0))
    assert pattern_of({**winter, "lstep_t": 20.0}, change)[0] == "onset"
    # The channel won on the lasting rise alone (no 8-week stretch's step): its load is the
    # lasting rise of the daily floor, 0.2 × 200 = 40 kW (was 0 kW, labelled storage_pos).
    lasting = {**row, "window_hits": 1.0, "window_step_kw": 0.0, "lstep_share": 0.2}
    assert pattern_of(lasting, change) == ("onset", pytest.approx(40.0))
    # No stretch flagged but the night level stepped up by 0.1 × 200 = 20 kW.
    night_step = {**row, "window_hits": 0.0, "nstep_share": 0.1}
    assert pattern_of(night_step, change) == ("onset", pytest.approx(20.0))
    clock = {**change, "clock": 4.0}
    # The daily jump at a quiet hour, 0.15 × 200 = 30 kW; weekly 0.2 × 200 = 40 kW.
    assert pattern_of(row, clock) == ("night_only", pytest.approx(30.0))
    assert pattern_of({**row, "z_weekend_ratio": 6.0}, clock) == (
        "weekend_only",
        pytest.approx(40.0),
    )
    dips = {**change, "dips": 5.0}
    assert pattern_of(row, dips) == ("curtailed", pytest.approx(20.0))
    assert pattern_of({**row, "dip_consistency": 0.2}, dips)[0] == "gpu_mining"
    # The night channel: the jump repeated every night, 0.12 × 200 = 24 kW; the curtail
    # channel: the most repeated pulse height, 0.08 × 200 = 16 kW (else the night drop, 0.05).
    row.update({"nblock_share": 0.12, "pulse_share": 0.08, "noff_share": 0.05})
    assert pattern_of(row, {**change, "night": 6.0}) == ("night_only", pytest.approx(24.0))
    curtail = {**change, "curtail": 6.0}
    assert pattern_of(row, curtail) == ("curtailed", pytest.approx(16.0))
    assert pattern_of({**row, "pulse_share": 0.0}, curtail) == ("curtailed", pytest.approx(10.0))
    # Always on: a block B raises a floor ratio of 0.5 to 0.6 when B = 200 × 0.1/0.5 = 40 kW.
    level = {**change, "level": 5.0}
    assert pattern_of(row, level) == ("always_on", pytest.approx(40.0))
    assert pattern_of(row, {k: -1.0 for k in change}) == ("none", 0.0)
    # Every label is one the facilities file and the rule packs know (facilities.METER_PATTERNS).
    from hashtide.regulation.facilities import METER_PATTERNS
    from hashtide.regulation.patterns import HIDDEN_PATTERNS

    assert set(PATTERN_LABELS) <= set(METER_PATTERNS)
    # The typed facility-file list holds every pattern the generator can inject.
    assert set(HIDDEN_PATTERNS) <= set(METER_PATTERNS)


def test_screen_ranks_the_shipped_meters_and_flag_follows_probability() -> None:
    meters = load_meters(METERS, timezone="Europe/London")
    results = screen(meters)
    probabilities = [r.mining_probability for r in results]
    assert probabilities == sorted(probabilities, reverse=True)
    for r in results:
        assert r.flagged == (r.mining_probability >= r.threshold)
        assert r.pattern in PATTERN_LABELS
        assert (r.pattern == "none") == (not r.flagged)
    top = results[0].as_json()
    assert {
        "meter_id",
        "flagged",
        "mining_probability",
        "pattern",
        "estimated_kw",
        "evidence",
    } <= set(top)
    json.dumps([r.as_json() for r in results], allow_nan=False)  # strict JSON
    # Every term of every channel is a finite number on real meters.
    from hashtide.regulation.detector import TERMS
    from hashtide.regulation.screening import SCREEN_TERMS

    for r in results:
        for term in SCREEN_TERMS:
            assert np.isfinite(TERMS[term][1](r.features)), (r.meter_id, term)


def test_each_generated_pattern_runs_when_it_should() -> None:
    time = pd.date_range("2023-10-02", periods=7 * 24 * 30, freq="h", tz="UTC")
    rng = np.random.default_rng(7)
    local = time.tz_convert("Europe/London")

    def load(pattern: str) -> np.ndarray:
        return gen.pattern_load(time, 3600, 30.0, pattern, rng, timezone="Europe/London")

    on = load("night_only") > 0
    np.testing.assert_array_equal(on, local.hour < 7)
    on = load("weekend_only") > 0
    np.testing.assert_array_equal(on, local.day_of_week >= 5)
    always = load("always_on")
    assert always.min() > 0.9 * 30.68  # 10 × 3,068 W (S19j Pro), ±5 % per machine
    seasonal = load("seasonal_heat")
    assert seasonal[local.month == 1].min() > 0
    assert seasonal[local.month == 10].max() == 0
    batches = load("batches")
    steps = np.flatnonzero(np.diff((batches > 0.5 * 3.068).astype(int) + (batches > 20)) > 0)
    assert steps.size >= 1
    assert batches[-1] > 25
    curtailed = load("curtailed")
    assert 0.05 < float(np.mean(curtailed == 0)) < 0.5
    small = gen.pattern_load(time, 3600, 0.2, "storage_pos", rng)
    assert small.max() < 0.3  # a node of 0.2 kW: below one ASIC of the catalog
    with pytest.raises(InvalidInputError, match="pattern='hourly'"):
        gen.pattern_load(time, 3600, 30.0, "hourly", rng)


app = typer.Typer()
app.command()(screen_command)


@app.callback()
def _root() -> None:
    """One command, as cli/main.py registers it."""


runner = CliRunner()


def test_cli_screens_a_folder_and_a_long_csv(tmp_path: Path) -> None:
    result = runner.invoke(app, ["screen", str(METERS), "--json", "--timezone", "Europe/London"])
    assert result.exit_code == 0, result.output
    meters = json.loads(result.output)["meters"]
    assert len(meters) == len(list(METERS.glob("*.csv")))
    assert [m["mining_probability"] for m in meters] == sorted(
        (m["mining_probability"] for m in meters), reverse=True
    )
    meta = tmp_path / "meta.csv"
    meta.write_text(
        "meter_id,category\n" + "".join(f"{p.stem},office\n" for p in METERS.glob("*.csv"))
    )
    long = _long_csv(tmp_path / "all.csv")
    result = runner.invoke(app, ["screen", str(long), "--meta", str(meta), "--top", "2"])
    assert result.exit_code == 0, result.output
    assert "meters screened" in result.output


def test_cli_names_meta_ids_that_are_not_meters(tmp_path: Path) -> None:
    # A misspelt id left its meter without a category, silently (only a file naming no meter
    # at all was refused).
    names = sorted(p.stem for p in METERS.glob("*.csv"))
    meta = tmp_path / "meta.csv"
    rows = [("office-b4" if n == "office_b4" else n) for n in names]
    meta.write_text("meter_id,category\n" + "".join(f"{n},office\n" for n in rows))
    result = runner.invoke(app, ["screen", str(METERS), "--meta", str(meta), "--json"])
    assert result.exit_code == 0, result.output
    assert "1 meter_id value(s) are not meters of" in result.output
    assert "'office-b4' ('office-b4': did you mean 'office_b4'?)" in result.output
    assert json.loads(result.stdout)["meters"]  # the note is on stderr, the JSON stays clean


def test_cli_bad_input_exits_2(tmp_path: Path) -> None:
    meta = tmp_path / "meta.csv"
    meta.write_text("meter,category\nA,office\n")
    result = runner.invoke(app, ["screen", str(METERS), "--meta", str(meta)])
    assert result.exit_code == 2
    assert "unknown column 'meter'" in result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(app, ["screen", str(empty)])
    assert result.exit_code == 2
    assert "no .csv files" in result.output


def test_a_tiny_block_is_a_storage_node_not_an_asic_fleet() -> None:
    # 0.5 kW is less than one machine of the smallest catalog ASIC (Antminer V9, 1,027 W − 5 %).
    row = {
        "mean_kw": 20.0,
        "window_hits": 1.0,
        "window_step_kw": 0.5,
        "window_step_share": 0.02,
        "window_down_step_share": 0.0,
        "window_asic_probability": 0.9,
        "down_step_share": 0.0,
        "step_share": 0.02,
        "step_kw": 0.5,
    }
    assert pattern_of(row, {"change": 1.0}) == ("storage_pos", 0.5)


def test_the_evaluation_protocol_runs_small() -> None:
    # A tiny version of scripts/evaluate_detector.py --part screen: synthetic offices (the
    # generator's test office) as the "real" site-years, 15 weeks each.
    from hashtide.regulation import screen_evaluation as se
    from hashtide.regulation.evaluation import Window

    rng = np.random.default_rng(11)
    time = pd.date_range("2024-01-01", periods=15 * 7 * 24, freq="h", tz="UTC")
    windows = [
        Window(
            building_id=f"s{i}", start=time[0], power_kw=gen.office_load(time, 3600, float(m), rng)
        )
        for i, m in enumerate((80, 120, 150, 200, 90, 110))
    ]
    run = se.run_screen_evaluation(
        windows[:4],
        windows[4:],
        {f"s{i}": "office" for i in range(6)},
        rng,
        sizes=(0.5,),
        train_sizes_per_pattern=1,
    )
    f = run.figures
    assert f.site_years == 2
    assert 0 <= f.false_alarms <= 2
    assert set(f.recall["pattern"]) == set(gen.PATTERNS)
    assert f.recall["cases"].sum() == 2 * len(gen.PATTERNS)
    # A fleet of half the load switched on in a regular office is found.
    onset = f.recall[f.recall["pattern"] == "onset"]
    assert float(onset["recall"].iloc[0]) == 1.0
    assert set(run.plan["list"]) >= {"threshold (point)", "top 10"}
    assert (run.plan["precision"].dropna() <= 1.0).all()
    assert 0 < run.model.threshold < 1


def test_screen_model_file_round_trips_and_bad_files_are_named() -> None:
    from hashtide.errors import DataError
    from hashtide.regulation.screening import CHANNELS, ScreenModel, load_screen_model

    model = load_screen_model()
    again = ScreenModel.from_dict(model.as_dict())
    assert again.threshold == model.threshold
    assert sorted(again.channels) == sorted(CHANNELS)
    # Φ(z)^K for K = 6 channels: at z = 0 each channel is at its clean median, (1/2)^6.
    assert len(CHANNELS) == 6
    assert model.probability_of_score(0.0) == pytest.approx(0.5**6)
    broken = model.as_dict()
    broken["channels"]["clock"]["clean_sd"] = 0.0
    with pytest.raises(DataError, match="clean_sd must be > 0"):
        ScreenModel.from_dict(broken, source="x.json")
    with pytest.raises(DataError, match="not a hashtide-screen/2 file"):
        ScreenModel.from_dict({"format": "hashtide-screen/1"}, source="x.json")


def test_the_dips_evidence_names_the_terms_that_carry_its_score() -> None:
    """office_b4 has no floor dips; its dips channel scores on other terms, which are named.

    Regression snapshot of the shipped example meters (the walkthrough found "On 0.0 % of days
    the floor dropped … by 0.0 kW" for it): the values are office_b4's features.
    """
    results = screen(load_meters(example_path("meters"), timezone="Europe/London"))
    office = next(r for r in results if r.meter_id == "office_b4")
    dips = next(e for e in office.evidence if e.key == "dips")
    assert office.features["dip_days_frac"] == 0.0
    assert "floor dropped" not in dips.sentence
    assert dips.sentence.startswith("No floor dips were found; the dips channel's score comes")
    assert "more steady than its 4 peers' (z -1.3)" in dips.sentence
