"""What a new user saw in the charts, tables and reports (issue #15, item 10).

The chain chart's right axis read "454.147μ" and drew a flat line across periods with unknown
dates; a 6 MW site showed "0.0 TWh/yr"; the cost per BTC sat beside a higher break-even price
with no word on why; sources cited files that do not ship. (The replay report's font, event
labels and raw keys are tested in test_market_replay.py, beside its fixture.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from typer.testing import CliRunner

from hashtide.chain.history import epochs
from hashtide.cli.main import app
from hashtide.market.regions import DEFAULT_REGIONS
from hashtide.report.chain_plot import plot_history, with_gaps
from hashtide.security import concentration

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()
#: Citations a reader of a report cannot follow: files of the development checkout only.
UNSHIPPED = ("REFERENCES.md", "../shared", "seed 00")


def test_the_chain_chart_breaks_its_line_where_dates_are_unknown() -> None:
    table = epochs()
    charted = with_gaps(table)
    # Independent count: the shipped history lacks first-block times for one stretch between
    # known periods (from height 880,992; 'hashtide chain verify' lists them) and for the
    # newest periods, after the last known one (no break needed there).
    breaks = charted[charted["difficulty"].isna()]
    assert len(breaks) == 1
    assert 878_976 < int(breaks["start_height"].iloc[0]) < 880_992
    assert len(charted) == int(table["first_block_time"].notna().sum()) + 1


def test_the_chain_chart_labels_hashrates_in_hash_units(tmp_path: Path) -> None:
    html = plot_history(epochs(), tmp_path / "c.html").read_text(encoding="utf-8")
    # 2009's ~7 MH/s up to 2025's ~1,000 EH/s: one tick per SI prefix.
    [ticks] = re.findall(r'"ticktext":(\[[^]]*\])', html)
    assert json.loads(ticks) == ["1 MH/s", "1 GH/s", "1 TH/s", "1 PH/s", "1 EH/s", "1,000 EH/s"]
    assert "μ" not in html.split("<script")[0]


def test_a_small_site_gets_units_it_can_be_read_in(tmp_path: Path) -> None:
    site = REPO / "scenarios" / "single-site-miner.yaml"
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(site), "--paths", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    # 6 MW for a year is about 50 GWh (6 MW × 8,766 h, before curtailment): GWh, not TWh.
    assert "GWh/yr" in result.output
    assert "PH/s" in result.output  # 1,006 machines × 473 TH/s ≈ 476 PH/s
    assert "0.0 TWh" not in result.output
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "the break-even price is the constant BTC price at which the NPV is zero" in html


def _strings(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return []


def test_shown_sources_cite_what_a_reader_can_find() -> None:
    shown = [s for path in (REPO / "scenarios").glob("*.yaml")
             for s in _strings(yaml.safe_load(path.read_text()))]  # fmt: skip
    shown += [s for region in DEFAULT_REGIONS for s in region.sources.values()]
    shown += [
        value.source
        for value in vars(concentration).values()
        if isinstance(value, concentration.ActorShares)
    ]
    for text in shown:
        assert not any(token in text for token in UNSHIPPED), text
