"""The ``hashtide chain`` commands as a user runs them."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from hashtide import __version__
from hashtide.cli.main import app

runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_verify_reports_counts_and_the_2021_drop() -> None:
    result = runner.invoke(app, ["chain", "verify"])
    assert result.exit_code == 0, result.output
    assert "37 of 37 reproduce the next bits to the bit" in result.output
    assert "410 of 410 consistent" in result.output
    assert "689,472" in result.output
    assert "-27.94 %" in result.output


def test_verify_json() -> None:
    result = runner.invoke(app, ["chain", "verify", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["exact"] == {"checked": 37, "ok": 37}
    assert data["failures"] == []


def test_show_since_and_last() -> None:
    result = runner.invoke(app, ["chain", "show", "--since", "2021-06-01"])
    assert result.exit_code == 0, result.output
    assert "689,472" in result.output
    assert "-27.94 %" in result.output
    assert "2021-07-03" in result.output


def test_show_csv_parses_back() -> None:
    result = runner.invoke(app, ["chain", "show", "--since", "2024-04-01", "--csv"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.output))
    assert frame["start_height"].iloc[0] == 838_656  # the period holding the 840,000 halving
    assert frame["start_height"].iloc[-1] == 953_568


def test_show_bad_date_exits_2() -> None:
    result = runner.invoke(app, ["chain", "show", "--since", "someday"])
    assert result.exit_code == 2
    assert "--since 'someday' is not a date" in result.output


def test_plot_png_and_html(tmp_path: Path) -> None:
    png = tmp_path / "history.png"
    result = runner.invoke(app, ["chain", "show", "--since", "2009-01-01", "--plot", str(png)])
    assert result.exit_code == 0, result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    html = tmp_path / "history.html"
    result = runner.invoke(app, ["chain", "show", "--since", "2020-01-01", "--plot", str(html)])
    assert result.exit_code == 0, result.output
    text = html.read_text()
    assert "plotly" in text
    assert "halving 840,000" in text


def test_plot_unknown_suffix_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "chart.pdf"
    result = runner.invoke(app, ["chain", "show", "--plot", str(target)])
    assert result.exit_code == 2
    assert "use .png or .html" in result.output
    assert list(tmp_path.iterdir()) == []
