"""The command line's shell: what it imports, how it prints user text, its options, its pins.

The commands' own results are tested beside their packages (test_scenario.py, test_cli_chain.py,
test_regulation_cli.py, test_market_replay.py); these tests hold the rules every command shares.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from hashtide.cli.main import app
from scenario_data import minimal_scenario

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()

#: What `hashtide --help` must not import: the numeric and report stack (issue #15, item 8).
HEAVY = ("pandas", "numpy", "scipy", "plotly", "matplotlib", "jinja2", "pint")


def _modules_after(code: str) -> set[str]:
    """Top-level packages in ``sys.modules`` after running ``code`` in a fresh interpreter, and
    the full names of hashtide's modules."""
    probe = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO
    )
    last = done.stdout.strip().splitlines()[-1]
    names = json.loads(last)
    return {name.split(".")[0] for name in names} | {n for n in names if n.startswith("hashtide")}


def test_the_cli_imports_no_heavy_module() -> None:
    loaded = _modules_after("import hashtide.cli.main")
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_help_imports_no_heavy_module() -> None:
    code = (
        "import sys\nfrom hashtide.cli.main import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass"
    )
    loaded = _modules_after(code)
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_validate_loads_no_engine_and_no_reports() -> None:
    # validate reads and checks a file: the engine, pandas and the report stack stay out. (scipy
    # is not listed: pint imports it when it is installed.)
    code = (
        "from hashtide.cli.main import app\n"
        "try:\n    app(['validate', 'scenarios/us-state-reserve.yaml'])\n"
        "except SystemExit as exc:\n    assert exc.code in (0, None), exc.code"
    )
    loaded = _modules_after(code)
    assert loaded.isdisjoint({"pandas", "plotly", "matplotlib", "jinja2"})
    assert loaded.isdisjoint({"hashtide.engine", "hashtide.scenario.run", "hashtide.report"})


# --- user text is printed as written, never as markup ---------------------------------------------

MARKUP = "a[/]b [bold]x[/bold] [red]"


def _scenario(**overrides: object) -> dict[str, object]:
    data = minimal_scenario(paths=5)
    del data["actor"]["machine_price"]  # the catalog's price
    data.update(overrides)
    return data


def test_markup_in_names_prints_as_written(tmp_path: Path) -> None:
    data = _scenario(scenario=MARKUP)
    data["actor"]["name"] = MARKUP  # type: ignore[index]
    data["variants"] = [{"name": f"v {MARKUP}", "facility_power": "350 MW"}]
    path = tmp_path / "markup.yaml"
    path.write_text(yaml.safe_dump(data))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert MARKUP in result.output
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(path), "--paths", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "internal error" not in result.output
    assert f"v {MARKUP}" in result.output  # the variant's name in the summary table
    assert (out / "report.html").is_file()


def test_markup_in_an_error_message_prints_as_written(tmp_path: Path) -> None:
    # An unknown key and a bad value, both holding markup: the message quotes them verbatim.
    data = _scenario(**{"[/]bad [bold]key": 1})
    data["horizon"] = "[/] years"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    for command in (["validate", str(path)], ["run", str(path), "--no-report"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, result.output
        assert "[/]bad [bold]key" in result.output
        assert "[/] years" in result.output
        assert "MarkupError" not in result.output


def test_png_without_matplotlib_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The message once lost '[plot]' to rich markup; it must reach the terminal whole.
    from hashtide.report import chain_plot

    def no_matplotlib(*args: object) -> None:
        raise ImportError("No module named 'matplotlib'", name="matplotlib")

    monkeypatch.setattr(chain_plot, "_png", no_matplotlib)
    result = runner.invoke(
        app, ["chain", "show", "--since", "2024-01-01", "--plot", str(tmp_path / "c.png")]
    )
    assert result.exit_code == 1, result.output
    assert "pip install 'hashtide[plot]'" in result.output
    assert not (tmp_path / "c.png").exists()


# --- a plain install runs every README command ----------------------------------------------------


def test_reports_need_no_extra() -> None:
    # HTML reports are what run/replay/detect/classify write by default: their libraries are core
    # dependencies; only PNG export (matplotlib) is an extra.
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    core = {re.split(r"[<>=!~ \[]", dep)[0].lower() for dep in project["dependencies"]}
    assert {"plotly", "jinja2"} <= core
    plot = {
        re.split(r"[<>=!~ \[]", dep)[0].lower() for dep in project["optional-dependencies"]["plot"]
    }
    assert plot == {"matplotlib"}


# --- the dev tools are pinned ---------------------------------------------------------------------


def test_dev_tools_are_pinned_and_used_by_setup() -> None:
    pins: dict[str, str] = {}
    for line in (REPO / "requirements" / "dev-constraints.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"{line!r} is not an exact pin (name==version)"
            pins[re.sub(r"[-_.]+", "-", name.lower())] = version
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    for dep in project["optional-dependencies"]["dev"] + project["dependencies"]:
        name = re.sub(r"[-_.]+", "-", re.split(r"[<>=!~ \[]", dep)[0].lower())
        if name != "hashtide":
            assert name in pins, f"{name} (pyproject.toml) has no pin in dev-constraints.txt"
    setup = (REPO / "scripts" / "setup.sh").read_text()
    assert "-c requirements/dev-constraints.txt" in setup


# --- option values --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["run", "scenarios/us-state-reserve.yaml", "--seed", "-1"],
        ["replay", "scenarios/china-2021-ban.yaml", "--seed", "-1"],
        ["backtest", "--from", "2023-01-01", "--to", "2023-05-01", "--paths", "2", "--seed", "-5"],
        ["chain", "show", "--last", "0"],
        ["run", "scenarios/us-state-reserve.yaml", "--paths", "0"],
    ],
)
def test_bad_option_values_exit_2_with_a_message(command: list[str]) -> None:
    result = runner.invoke(app, command)
    assert result.exit_code == 2, result.output
    assert "Invalid value" in result.output
    assert "internal error" not in result.output
