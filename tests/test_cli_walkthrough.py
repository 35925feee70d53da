"""Defects a new-user walkthrough found (round 2, session 4): bad input exits 2 before any work.

Each test fails on the code before the fix: the output paths of ``backtest --chart`` and
``sweep --report`` were checked after the work (or never), an empty ``results query`` was an
internal error, ``--grid paths=5 --paths 3`` stored a 3-path run as ``{"paths": 5}``, ``screen``
had no ``--power-column`` although its hint named it, the long-CSV and ``--meta`` readers
bypassed the shared decoder, a local Dask cluster that cannot start was an internal error, the
memory advice said "at most about 0 paths", and ``--out /proc/x`` passed the up-front check.
"""

from __future__ import annotations

import errno
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from hashtide.cli.main import app
from hashtide.errors import InvalidInputError
from hashtide.regulation import example_path, read_meter_csv
from hashtide.regulation.population import load_meters, read_meta
from hashtide.results import ResultsStore, parse_grid, plan_sweep, run_id, scenario_hash
from hashtide.scenario import parse_scenario
from hashtide.scenario.resources import ResourceLimitError, check_resources, estimate_run
from scenario_data import minimal_scenario

runner = CliRunner()
METERS = example_path("meters")


def _refuse(*args: object, **kwargs: object) -> Any:
    raise AssertionError("the work started before the input was checked")


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    data = minimal_scenario(scenario="tiny", horizon="0.25 year", paths=4, seed=5)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


# --- 1. backtest --chart -------------------------------------------------------------------------

WALK = ["backtest", "--from", "2016-01-01", "--to", "2016-03-01", "--horizon", "2", "--no-cache"]


@pytest.fixture
def no_backtest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("hashtide.market.walkforward.walk_forward", _refuse)
    monkeypatch.setattr("hashtide.market.backtest.run_backtest", _refuse)


@pytest.mark.usefixtures("no_backtest")
def test_a_png_chart_without_matplotlib_is_refused_before_the_walk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # the core install: import fails
    result = runner.invoke(app, [*WALK, "--chart", str(tmp_path / "x.png")])
    assert result.exit_code == 2, result.output
    assert "pip install 'hashtide[plot]'" in result.output
    assert "Traceback" not in result.output


@pytest.mark.usefixtures("no_backtest")
def test_a_chart_below_a_file_is_refused_before_the_walk(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x\n")
    result = runner.invoke(app, [*WALK, "--chart", str(afile / "x.html")])
    assert result.exit_code == 2, result.output
    assert f"--chart {str(afile / 'x.html')!r}" in result.output
    assert f"the folder {str(afile)!r} is a file" in result.output


@pytest.mark.usefixtures("no_backtest")
def test_a_chart_without_horizon_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "backtest",
            "--from",
            "2023-01-01",
            "--to",
            "2023-04-01",
            "--chart",
            str(tmp_path / "c.html"),
        ],
    )
    assert result.exit_code == 2, result.output
    assert "give --horizon too" in result.output


@pytest.mark.usefixtures("no_backtest")
@pytest.mark.parametrize(
    "option", [["--every", "3months"], ["--candidates", "2"], ["--no-cache"], ["--cache-dir", "c"]]
)
def test_walk_forward_options_without_horizon_are_refused(option: list[str]) -> None:
    # Before: a single backtest ran and the option was silently ignored.
    result = runner.invoke(app, ["backtest", "--from", "2023-01-01", "--to", "2023-04-01", *option])
    assert result.exit_code == 2, result.output
    assert option[0] in result.output
    assert "give --horizon too" in result.output


# --- 2. sweep --report ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["png", "below a file"])
def test_the_sweep_report_path_is_checked_before_any_run(
    tmp_path: Path, scenario_file: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    monkeypatch.setattr("hashtide.results.run_sweep", _refuse)
    afile = tmp_path / "afile"
    afile.write_text("x\n")
    report = tmp_path / "x.png" if case == "png" else afile / "x.html"
    store = tmp_path / "r.duckdb"
    grid = "variants.0.facility_power=350 MW"
    result = runner.invoke(
        app,
        [
            "sweep",
            str(scenario_file),
            "--grid",
            grid,
            "--store",
            str(store),
            "--report",
            str(report),
        ],
    )
    assert result.exit_code == 2, result.output
    assert f"--report {str(report)!r}" in result.output
    assert not report.exists()
    assert not store.exists()  # nothing was opened either


# --- 3. results query with no statement ---------------------------------------------------------


@pytest.mark.parametrize("sql", ["", "   ", "-- only a comment", "/* c */ ;"])
def test_an_empty_query_exits_2(tmp_path: Path, sql: str) -> None:
    store = tmp_path / "r.duckdb"
    with ResultsStore(store):
        pass
    result = runner.invoke(app, ["results", "query", "--store", str(store), "--", sql])
    assert result.exit_code == 2, result.output
    assert "no SQL statement" in result.output
    assert "internal error" not in result.output


# --- 4. --grid paths with --paths ---------------------------------------------------------------


def test_a_grid_over_paths_conflicts_with_paths(tmp_path: Path, scenario_file: Path) -> None:
    store = tmp_path / "r.duckdb"
    for option, grid in (("--paths", "paths=5"), ("--seed", "seed=9")):
        result = runner.invoke(
            app, ["sweep", str(scenario_file), "--grid", grid, option, "3", "--store", str(store)]
        )
        assert result.exit_code == 2, result.output
        assert "give one of them" in result.output
    assert not store.exists()
    # Alone, the grid's value is the one run and stored: the key is that of a 5-path run.
    [point] = plan_sweep(scenario_file, [parse_grid("paths=5")])
    assert point.spec.paths == 5
    assert point.params == {"paths": 5}
    assert point.run_id == run_id(scenario_hash(point.spec), point.spec.seed, 5)


# --- 5. screen --timestamp-column / --power-column; the hint names the command's options --------


def _in_watts(folder: Path) -> Path:
    """The example meters with the reading in W under ``power_w`` and the time under ``t``."""
    folder.mkdir()
    for file in sorted(METERS.glob("*.csv")):
        frame = pd.read_csv(file)
        frame = frame.assign(power_w=frame["power_kw"] * 1000).rename(columns={"timestamp": "t"})
        frame[["t", "power_w"]].to_csv(folder / file.name, index=False)
    return folder


def test_screen_reads_other_column_names(tmp_path: Path) -> None:
    watts = _in_watts(tmp_path / "watts")
    result = runner.invoke(app, ["screen", str(watts)])
    assert result.exit_code == 2
    assert "--power-column" in result.output  # the hint names an option screen has
    options = ["--timestamp-column", "t", "--power-column", "power_w", "--json"]
    renamed = runner.invoke(app, ["screen", str(watts), *options])
    assert renamed.exit_code == 0, renamed.output
    original = runner.invoke(app, ["screen", str(METERS), "--json"])
    assert original.exit_code == 0, original.output
    # The same readings (W = 1000 × kW) give the same ranking and probabilities as the originals.
    got = json.loads(renamed.stdout)["meters"]
    want = json.loads(original.stdout)["meters"]
    assert [m["meter_id"] for m in got] == [m["meter_id"] for m in want]
    assert [m["mining_probability"] for m in got] == pytest.approx(
        [m["mining_probability"] for m in want]
    )
    long = tmp_path / "long.csv"
    pd.concat(pd.read_csv(f).assign(meter_id=f.stem) for f in sorted(watts.glob("*.csv"))).to_csv(
        long, index=False
    )
    meters = load_meters(long, timestamp_column="t", power_column="power_w")
    assert sorted(meters) == sorted(p.stem for p in METERS.glob("*.csv"))


def test_a_missing_price_column_names_only_its_option() -> None:
    with pytest.raises(InvalidInputError) as info:
        read_meter_csv(METERS / "office_b4.csv", price_column="nope")
    assert "--price-column" in str(info.value)
    assert "--timestamp-column" not in str(info.value)


# --- 6. the long CSV and --meta go through the shared reader ------------------------------------


def _non_utf8(path: Path, header: str) -> Path:
    # Line 3 holds 0xff at its 4th byte: offset = len(line 1) + 1 + len(line 2) + 1 + 3.
    path.write_bytes(f"{header}\nA,2024-01-01T00:00:00Z,1\nB,\xff\n".encode("latin-1"))
    return path


def test_a_long_csv_that_is_not_utf8_names_line_and_byte(tmp_path: Path) -> None:
    header = "meter_id,timestamp,power_kw"
    path = _non_utf8(tmp_path / "long.csv", header)
    offset = len(header) + 1 + len("A,2024-01-01T00:00:00Z,1") + 1 + 2
    result = runner.invoke(app, ["screen", str(path)])
    assert result.exit_code == 2, result.output
    assert f"{path}: the meter CSV is not UTF-8 text: byte 0xff at line 3, column 3" in (
        result.output.replace("\n", "")
    )
    assert f"(byte offset {offset})" in result.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty; a meter CSV has a header row"),
        ("# only a comment\n", "empty; a meter CSV has a header row"),
        ("meter_id,timestamp,power_kw\n", "no readings after the header (line 1)"),
    ],
)
def test_an_empty_long_csv_is_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "long.csv"
    path.write_text(text)
    result = runner.invoke(app, ["screen", str(path)])
    assert result.exit_code == 2, result.output
    assert f"{path}: {message}" in result.output.replace("\n", "")


def test_the_meta_file_goes_through_the_shared_reader(tmp_path: Path) -> None:
    meta = _non_utf8(tmp_path / "meta.csv", "meter_id,category")
    with pytest.raises(InvalidInputError, match=r"metadata file is not UTF-8 text: .* line 3"):
        read_meta(meta)
    meta.write_text("")
    with pytest.raises(InvalidInputError, match=r"meta\.csv: empty; a metadata file"):
        read_meta(meta)
    # A comment above the header: lines are counted in the file, not from 2.
    meta.write_text("# made by hand\nmeter_id,category\nA,office\nA,lab\n")
    with pytest.raises(InvalidInputError, match="line 4: meter_id 'A' appears twice"):
        read_meta(meta)


# --- 7. a local Dask cluster that cannot start --------------------------------------------------


def test_a_cluster_that_cannot_start_exits_2(
    tmp_path: Path, scenario_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise RuntimeError("Cluster failed to start: [Errno 99] Cannot assign requested address")

    monkeypatch.setattr("distributed.LocalCluster", no_network)
    grid = "variants.0.facility_power=350 MW"
    store = tmp_path / "r.duckdb"
    result = runner.invoke(
        app, ["sweep", str(scenario_file), "--grid", grid, "--store", str(store)]
    )
    assert result.exit_code == 2, result.output
    assert "--scheduler synchronous" in result.output
    assert "internal error" not in result.output


# --- 8. when not even one path fits -------------------------------------------------------------


def test_the_memory_advice_when_no_path_fits() -> None:
    spec = parse_scenario(minimal_scenario(horizon="1 year", paths=4))
    one = estimate_run(spec, 1, max_memory_bytes=None).memory_bytes
    limit = one / 2  # below what a single path needs
    with pytest.raises(ResourceLimitError) as info:
        check_resources(spec, 4, max_memory_bytes=limit)
    message = str(info.value)
    assert "at most about 0" not in message
    assert "even 1 path needs about" in message
    suggested = float(message.split("--max-memory ")[1].split(" ")[0])
    check_resources(spec, 1, max_memory_bytes=suggested * 1e9)  # the advice is enough


# --- 9. an out folder where no file can be made -------------------------------------------------


@pytest.fixture
def no_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("hashtide.scenario.run.run_scenario", _refuse)
    monkeypatch.setattr("hashtide.scenario.world_run.run_world", _refuse)


@pytest.mark.usefixtures("no_simulation")
def test_an_out_folder_where_no_file_can_be_made_exits_2(
    tmp_path: Path, scenario_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A read-only mount passes os.access's mode bits (and root passes them all): only making a
    # file there tells. Make making files in tmp_path fail as such a mount would.
    mkstemp = tempfile.mkstemp

    def read_only(*args: Any, **kwargs: Any) -> tuple[int, str]:
        if Path(kwargs.get("dir", "")) == tmp_path:
            raise OSError(errno.EROFS, "Read-only file system")
        return mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    result = runner.invoke(app, ["run", str(scenario_file), "--out", str(tmp_path / "x")])
    assert result.exit_code == 2, result.output
    assert "no file can be made there (Read-only file system)" in result.output
    assert list(tmp_path.iterdir()) == [scenario_file]  # the check left nothing behind


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs Linux's /proc")
@pytest.mark.usefixtures("no_simulation")
def test_out_below_proc_exits_2(scenario_file: Path) -> None:
    result = runner.invoke(app, ["run", str(scenario_file), "--out", "/proc/x"])
    assert result.exit_code == 2, result.output
    assert "--out '/proc/x'" in result.output
