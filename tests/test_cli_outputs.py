"""Outputs all at once or not at all, checked before any work; option values; miner names.

Issue #15: `--out /dev/null/x` or a file named like the out folder once failed after the whole
simulation; a full disk left half a report folder; a scenario named `../../../tmp/x` wrote
outside `out/`; `Antminer S21XP` silently became `S21 XP`; changing `miner:` kept the old price.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from hashtide.cli.main import app
from hashtide.errors import HashtideError, InvalidInputError
from hashtide.hardware import get_model
from hashtide.regulation import example_path
from hashtide.report._io import safe_folder_name, write_folder
from hashtide.scenario import parse_scenario
from hashtide.scenario.build import miner_of

REPO = Path(__file__).resolve().parents[1]
STATE = REPO / "scenarios" / "us-state-reserve.yaml"
runner = CliRunner()


def _scenario(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "scenario": "one-site",
        "start": "2026-06-01",
        "horizon": "1 year",
        "paths": 3,
        "seed": 7,
        "network": {"hashrate": "1000 EH/s", "growth": "0 %/year", "response_elasticity": 0},
        "btc_price": {"model": "constant", "start": "80000 USD"},
        "actor": {
            "name": "miner",
            "miner": "Antminer S21",
            "facility_power": "350 MW",
            "sites": [
                {"name": "plant", "fuel": "hydro", "share": "100 %", "power_price": "0.01 USD/kWh"}
            ],
        },
    }
    data.update(overrides)
    return data


def _write(tmp_path: Path, data: dict[str, object], name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture
def no_simulation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every simulation fail loudly: a test passing with it never simulated."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the simulation ran before the output folder was checked")

    monkeypatch.setattr("hashtide.scenario.run.run_scenario", refuse)
    monkeypatch.setattr("hashtide.market.replay.run_replay", refuse)
    monkeypatch.setattr("hashtide.regulation.detector.detect", refuse)


# --- the output folder is checked before any work -------------------------------------------------


def _bad_targets(tmp_path: Path) -> dict[str, tuple[str, str]]:
    afile = tmp_path / "out"
    afile.write_text("not a folder\n")
    return {
        "below a device": ("/dev/null/x", "'/dev/null' is not a folder"),
        "an existing file": (str(afile), "is a file"),
        "below a file": (str(afile / "x"), "is not a folder"),
    }


@pytest.mark.parametrize("case", ["below a device", "an existing file", "below a file"])
@pytest.mark.usefixtures("no_simulation")
def test_every_command_checks_its_out_folder_first(tmp_path: Path, case: str) -> None:
    target, message = _bad_targets(tmp_path)[case]
    scenario = _write(tmp_path, _scenario())
    meter = example_path("meters/lab_b33_hidden_s19jpro.csv")
    facilities = example_path("facilities.yaml")
    commands = [
        ["run", str(scenario)],
        ["replay", str(REPO / "scenarios" / "china-2021-ban.yaml")],
        ["detect", str(meter)],
        ["classify", str(facilities), "--rules", "positive-list-example"],
    ]
    for command in commands:
        result = runner.invoke(app, [*command, "--out", target])
        assert result.exit_code == 2, (command, result.output)
        if "Invalid value for '--out'" not in result.output:  # typer's own check of file_okay
            assert f"--out {target!r}" in result.output
            assert message in result.output


@pytest.mark.usefixtures("no_simulation")
def test_an_unwritable_out_folder_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    if os.geteuid() == 0:  # root may write there anyway: say the folder is locked to us too
        access = os.access
        monkeypatch.setattr(
            os, "access", lambda p, mode, **kw: Path(p) != locked and access(p, mode, **kw)
        )
    scenario = _write(tmp_path, _scenario())
    try:
        result = runner.invoke(app, ["run", str(scenario), "--out", str(locked / "x")])
    finally:
        locked.chmod(0o755)
    assert result.exit_code == 2, result.output
    assert f"(its folder {str(locked)!r}) is not writable" in result.output


def test_chain_plot_path_is_checked_first(tmp_path: Path) -> None:
    result = runner.invoke(app, ["chain", "show", "--plot", "/dev/null/x.html"])
    assert result.exit_code == 2, result.output
    assert "--plot '/dev/null/x.html'" in result.output
    folder = tmp_path / "chart.html"
    folder.mkdir()
    result = runner.invoke(app, ["chain", "show", "--plot", str(folder)])
    assert result.exit_code == 2, result.output


# --- all or nothing -------------------------------------------------------------------------------


def test_a_failed_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The report is written, then the tables fail with a full disk: no folder, no scratch left.
    from hashtide.report import scenario_report

    def disk_full(result: object, folder: Path) -> list[Path]:
        (folder / "summary.json").write_text("{")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(scenario_report, "write_tables", disk_full)
    out = tmp_path / "results" / "run1"
    result = runner.invoke(app, ["run", str(_write(tmp_path, _scenario())), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "No space left on device" in result.output
    assert "nothing was written" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"]  # not even results/


def test_a_failed_write_keeps_the_previous_results(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text("previous run")
    (out / "notes.txt").write_text("the user's own file")

    def half(folder: Path) -> None:
        (folder / "report.html").write_text("new run")
        raise OSError(errno.EIO, "Input/output error")

    with pytest.raises(HashtideError, match="Input/output error; nothing was written"):
        write_folder(out, half)
    assert (out / "report.html").read_text() == "previous run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no scratch folder left

    def whole(folder: Path) -> None:
        (folder / "report.html").write_text("new run")
        (folder / "table.csv").write_text("a\n1\n")

    assert write_folder(out, whole) == [out / "report.html", out / "table.csv"]
    assert (out / "report.html").read_text() == "new run"
    assert (out / "notes.txt").read_text() == "the user's own file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_new_folder_appears_whole(tmp_path: Path) -> None:
    seen: list[bool] = []

    def fill(folder: Path) -> None:
        (folder / "a.txt").write_text("a")
        seen.append((tmp_path / "new").exists())

    assert write_folder(tmp_path / "new", fill) == [tmp_path / "new" / "a.txt"]
    assert seen == [False]  # the target did not exist while files were being written
    with pytest.raises(InvalidInputError, match="is a file"):
        write_folder(tmp_path / "new" / "a.txt", fill)


# --- a scenario name never leaves the output root -------------------------------------------------


@pytest.mark.parametrize(
    ("name", "folder"),
    [
        ("../../../tmp/x", "tmp-x"),
        ("/etc/passwd", "etc-passwd"),
        ("..", "scenario"),
        ("a\\..\\..\\b", "a-.-.-b"),
        ("us-state-reserve", "us-state-reserve"),
    ],
)
def test_safe_folder_name(name: str, folder: str) -> None:
    assert safe_folder_name(name) == folder
    assert (Path("out") / safe_folder_name(name)).resolve().parent == Path("out").resolve()


def test_a_hostile_scenario_name_stays_in_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = _write(tmp_path, _scenario(scenario="../../../tmp/x"))
    result = runner.invoke(app, ["run", str(path), "--paths", "2"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "tmp-x" / "report.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "s.yaml"]


# --- option values --------------------------------------------------------------------------------


def test_since_after_the_newest_period_says_so() -> None:
    result = runner.invoke(app, ["chain", "show", "--since", "2030-01-01"])
    assert result.exit_code == 2, result.output
    assert "--since 2030-01-01: no period starts on or after it" in result.output
    assert "2026-11-23" in result.output  # the shipped history's build date
    assert "│" not in result.output  # no table of periods


# --- miner names and prices -----------------------------------------------------------------------


def test_a_run_together_name_is_not_taken_for_another_model() -> None:
    with pytest.raises(InvalidInputError, match="'Antminer S21XP'; did you mean 'Antminer S21 XP'"):
        get_model("Antminer S21XP")
    # Separators, case and the maker's name still do not matter.
    assert get_model("bitmain antminer s21-xp").model == "Antminer S21 XP"
    assert get_model("S21 XP Hydro").model == "Antminer S21 XP Hyd"


def test_a_scenario_with_a_run_together_name_exits_2(tmp_path: Path) -> None:
    data = _scenario()
    data["actor"]["miner"] = "Antminer S21XP"  # type: ignore[index]
    result = runner.invoke(app, ["run", str(_write(tmp_path, data)), "--no-report"])
    assert result.exit_code == 2, result.output
    assert "did you mean 'Antminer S21 XP'" in result.output


def test_the_price_follows_the_model_unless_the_file_gives_one() -> None:
    data = yaml.safe_load(STATE.read_text())
    # Published: the catalog's listings, asic_catalog.csv — Antminer S21 2699 USD
    # (asicmarketplace.com, Aug 2025), Antminer S21 XP 4450 USD (asicminervalue.com, Dec 2025).
    assert miner_of(parse_scenario(data).actor)[1] == 2699.0
    data["actor"]["miner"] = "Antminer S21 XP"
    assert miner_of(parse_scenario(data).actor)[1] == 4450.0
    data["actor"]["machine_price"] = "3000 USD"
    assert miner_of(parse_scenario(data).actor)[1] == 3000.0


def test_catalog_lists_and_searches() -> None:
    result = runner.invoke(app, ["catalog", "s21 xp hyd", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    models = ["Antminer S21 XP Hyd", "Antminer S21e XP Hyd", "Antminer S21e XP Hyd 3U"]
    assert [r["model"] for r in rows] == [*models, "Antminer S21 XP+ Hyd"]
    # Published: asic_catalog.csv row of the S21 XP Hyd (asicminervalue.com, line 7): 473 TH/s,
    # 5,676 W, 12 J/TH, 9,959 USD.
    xp = rows[0]
    assert (xp["hashrate_ths"], xp["power_w"], xp["efficiency_j_per_th"]) == (473.0, 5676.0, 12.0)
    assert xp["price_usd"] == 9959.0
    result = runner.invoke(app, ["catalog"])
    assert result.exit_code == 0, result.output
    assert "101 models" in result.output
    assert "Antminer S21 XP Hyd" in result.output
    result = runner.invoke(app, ["catalog", "zz99"])
    assert result.exit_code == 2
    assert "no catalog model matches 'zz99'" in result.output
