"""The ``hashtide chain`` commands as a user runs them."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
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


# Published: the first three mainnet headers (genesis, blocks 1 and 2); see tests/test_headers.py
# for where each field comes from.
REAL_3_HEX = (
    "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27a"
    "c72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c"
    "010000006fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000982051fd1e4ba744bb"
    "be680e1fee14677ba1a3c3540bf7b1cdb606e857233e0e61bc6649ffff001d01e36299"
    "010000004860eb18bf1b1620e37e9490fc8a427514416fd75159ab86688e9a8300000000d5fdcc541e25de1c7a"
    "5addedf24858b8bb665c9f36ef744ee42c316022c90f9bb0bc6649ffff001d08d2bd61"
)


def test_show_from_a_headers_file(tmp_path: Path) -> None:
    path = tmp_path / "blockchain_headers"
    path.write_bytes(bytes.fromhex(REAL_3_HEX))
    result = runner.invoke(app, ["chain", "show", "--headers", str(path), "--csv"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.output))
    assert frame["first_block_time"].tolist() == ["2009-01-03T18:15:05Z"]  # the genesis time
    assert frame["first_block_time_source"].tolist() == ["headers:blockchain_headers"]
    result = runner.invoke(app, ["chain", "verify", "--headers", str(path)])
    assert result.exit_code == 0, result.output
    assert "Replayed 0 retargets" in result.output
    # It also said "All checked retargets agree with Bitcoin Core's rule", having checked none.
    assert "agree" not in result.output
    assert "Nothing was checked: the headers file" in result.output
    assert "holds 3 header(s), all in the first period" in result.output


def test_truncated_headers_file_exits_2_naming_the_height(tmp_path: Path) -> None:
    path = tmp_path / "blockchain_headers"
    path.write_bytes(bytes.fromhex(REAL_3_HEX)[:-20])
    result = runner.invoke(app, ["chain", "verify", "--headers", str(path)])
    assert result.exit_code == 2
    assert "height 2" in result.output


def test_show_writes_difficulty_and_hashrate_with_si_prefixes() -> None:
    """Dec 2013 - 2014 once printed "0.00 T" and hashrates before 2014 "0.00 EH/s".

    Expected cells: the shipped CSV's values rounded by hand to 4 significant digits
    (period 137: difficulty 1,180,923,195.26, hashrate 1.015205e16 H/s; period 0: difficulty 1,
    hashrate 4.2086e6 H/s).
    """
    result = runner.invoke(app, ["chain", "show", "--since", "2013-12-15"])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if "276,192" in line)
    assert "1.181 G" in row
    assert "10.15 PH/s" in row
    first = runner.invoke(app, ["chain", "show", "--since", "2009-01-01"])
    row = next(line for line in first.output.splitlines() if "2009-01-03" in line)
    assert "4.209 MH/s" in row
    # The CSV keeps the raw numbers.
    csv = runner.invoke(app, ["chain", "show", "--since", "2013-12-15", "--csv"])
    frame = pd.read_csv(io.StringIO(csv.output))
    assert frame.loc[frame["epoch"] == 137, "difficulty"].iloc[0] == pytest.approx(1180923195.258)
