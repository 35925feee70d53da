"""``hashtide detect`` and ``hashtide classify`` as a user runs them (on a local Typer app)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import typer
from typer.testing import CliRunner

from hashtide.cli.regulation import classify, detect
from hashtide.regulation import example_path

app = typer.Typer()
app.command()(detect)
app.command()(classify)


@app.callback()
def _root() -> None:
    """Two commands, as cli/main.py registers them."""


runner = CliRunner()


def test_detect_prints_the_verdict_and_writes_the_report(tmp_path: Path) -> None:
    meter = example_path("meters/lab_b33_hidden_s19jpro.csv")
    result = runner.invoke(app, ["detect", str(meter), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "inspect: an always-on" in result.output
    assert "Machines that would draw" in result.output
    assert "Antminer S19j Pro" in result.output
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "Hidden-mining check" in html
    assert "plotly" in html
    data = json.loads((tmp_path / "out" / "detection.json").read_text(encoding="utf-8"))
    assert data["flagged"] is True


def test_detect_json_for_scripts() -> None:
    meter = example_path("meters/office_b4.csv")
    result = runner.invoke(app, ["detect", str(meter), "--json", "--no-report"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"mining_probability", "estimated_machines", "evidence"} <= set(data)
    assert data["flagged"] is False
    assert isinstance(data["evidence"][0]["sentence"], str)


def test_detect_malformed_input_exits_2(tmp_path: Path) -> None:
    times = pd.date_range("2024-03-04", periods=200, freq="h", tz="UTC")
    rows = [f"{t:%Y-%m-%dT%H:%MZ},5" for t in times]
    rows[3] = "not-a-time,5"
    rows[8] = rows[8].split(",")[0] + ",-2"
    del rows[50:60]
    path = tmp_path / "bad.csv"
    path.write_text("timestamp,power_kw\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["detect", str(path), "--no-report"])
    assert result.exit_code == 2
    assert "cannot be read" in result.output
    assert "negative" in result.output
    assert "Traceback" not in result.output


def test_detect_unknown_unit_exits_2(tmp_path: Path) -> None:
    meter = example_path("meters/office_b4.csv")
    result = runner.invoke(app, ["detect", str(meter), "--unit", "kwatts", "--no-report"])
    assert result.exit_code == 2
    assert "unknown unit 'kwatts'" in result.output


def test_classify_table_trail_and_report(tmp_path: Path) -> None:
    facilities = example_path("facilities.yaml")
    result = runner.invoke(
        app,
        ["classify", str(facilities), "--rules", "china-ndrc-2021-1283", "--out", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    assert "cd-cloud-park" in result.output
    assert "prohibited" in result.output
    assert "rule mining-in-data-centre fired" in result.output
    assert "cites 发改运行〔2021〕1283号 （八）" in result.output
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Audit trail" in html
    assert "1283" in html
    data = json.loads((tmp_path / "decisions.json").read_text(encoding="utf-8"))
    assert len(data["decisions"]) == 12  # the facilities in the example file


def test_classify_json() -> None:
    facilities = example_path("facilities.yaml")
    result = runner.invoke(
        app,
        ["classify", str(facilities), "--rules", "positive-list-example", "--json", "--no-report"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    tracks = {d["facility"]: d["track"] for d in data["decisions"]}
    assert tracks["nm-mine"] == "register_and_file"


def test_classify_bad_pack_exits_2(tmp_path: Path) -> None:
    pack = tmp_path / "pack.yaml"
    text = example_path("packs/positive-list-example.yaml").read_text(encoding="utf-8")
    pack.write_text(text.replace("hardware.asic_count", "hardware.asic_counts"), encoding="utf-8")
    facilities = example_path("facilities.yaml")
    result = runner.invoke(app, ["classify", str(facilities), "--rules", str(pack), "--no-report"])
    assert result.exit_code == 2
    assert (
        "unknown field 'hardware.asic_counts'; did you mean 'hardware.asic_count'?" in result.output
    )
    result = runner.invoke(app, ["classify", str(facilities), "--rules", "china", "--no-report"])
    assert result.exit_code == 2
    assert "no rule pack 'china'" in result.output


def test_classify_explain_prints_the_chain() -> None:
    facilities = example_path("facilities.yaml")
    result = runner.invoke(
        app,
        [
            "classify",
            str(facilities),
            "--rules",
            "china-sichuan-tariff",
            "--explain",
            "cd-cloud-park",
            "--no-report",
        ],
    )
    assert result.exit_code == 0, result.output
    out = result.output
    # evidence → rule → clause → decision, in that order
    order = [
        "hardware.asic_count = 300",
        "rule mining-in-data-centre fired",
        "cites 发改运行〔2021〕1283号 （八）: “严禁利用数据中心开展虚拟货币“挖矿”活动”",
        "tariff sichuan-186: +2.00 CNY/kWh on the whole account",
        "decision: pow_mining → prohibited",
        "rules that did not fire",
    ]
    positions = [out.index(text) for text in order]
    assert positions == sorted(positions)
    result = runner.invoke(
        app, ["classify", str(facilities), "--rules", "china-ndrc-2021-1283", "--explain", "cd"]
    )
    assert result.exit_code == 2
    assert "--explain: no facility 'cd'" in result.output
