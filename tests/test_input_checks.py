"""``validate`` checks everything ``run`` checks: each problem named with its key path, at once.

Each case is a hand-made edit of a shipped scenario; before issue #15 ``validate`` passed all of
these and ``run`` rejected or crashed on them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from hashtide.cli.scenario import validate
from hashtide.errors import ScenarioError
from hashtide.market.scenario import load_market_scenario
from hashtide.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
RESERVE = ROOT / "scenarios" / "us-state-reserve.yaml"
CHINA = ROOT / "scenarios" / "china-2021-ban.yaml"


def _edited(tmp_path: Path, source: Path, *edits: tuple[str, str]) -> Path:
    text = source.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / source.name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_run_check_is_a_validate_check(tmp_path: Path) -> None:
    path = _edited(
        tmp_path,
        RESERVE,
        ("miner: Antminer S21 ", "miner: Antminer S99 "),
        ("fuel: coal", "fuel: peat moss"),
        ("stated: 33 EH/s", "stated: lots of EH/s"),
        ("fees: 0.025 BTC", "fees: inf BTC"),
        ("start: 2026-06-01", "start: 2008-06-01"),
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert "5 problem(s)" in message
    for expected in (
        "start: 2008-06-01 is outside the dates allowed here: 2009-01-04 to 2100-12-31",
        "fees: 'inf BTC' is not a finite number",
        "actor.miner: unknown ASIC model 'Antminer S99'",
        "actor.sites[0]: fuel: unknown fuel 'peat moss'",
        "claims[1]: stated 'lots of EH/s' is not a quantity",
    ):
        assert expected in message


def test_unknown_grid_region(tmp_path: Path) -> None:
    path = _edited(
        tmp_path,
        RESERVE,
        ("      pue: 1.1\n", "      pue: 1.1\n      grid: {region: Atlantis, year: 2023}\n"),
    )
    with pytest.raises(ScenarioError, match=r"actor\.sites\[0\]\.grid: unknown region 'Atlantis'"):
        load_scenario(path)


def test_a_custom_miner_without_price_needs_machine_price(tmp_path: Path) -> None:
    path = _edited(
        tmp_path,
        RESERVE,
        ("  machine_price: 2699 USD", "  # no machine_price"),
        ("miner: Antminer S21 ", "miner: {name: Custom, hashrate: 100 TH/s, power: 3 kW}\n#"),
    )
    with pytest.raises(
        ScenarioError, match="actor: the miner 'Custom' has no listed price; give machine_price"
    ):
        load_scenario(path)


def test_cli_validate_exits_2_listing_the_problems(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(validate)

    @app.callback()
    def _root() -> None:
        """One command."""

    path = _edited(tmp_path, RESERVE, ("miner: Antminer S21 ", "miner: Antminer S99 "))
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "unknown ASIC model 'Antminer S99'" in result.output


def test_market_scenario_checks_what_the_replay_checks(tmp_path: Path) -> None:
    program = (
        "events:\n  - kind: state_program\n    name: a program\n    start: 2021-07-01\n"
        "    facility_power: 1 GW\n    miner: Antminer S99\n"
    )
    path = _edited(tmp_path, CHINA, ("events:\n", program), ("seed: 2021", "seed: true"))
    with pytest.raises(ScenarioError) as caught:
        load_market_scenario(path)
    message = str(caught.value)
    assert "events[0].miner: unknown ASIC model 'Antminer S99'" in message
    assert "seed: True Input should be a valid integer" in message
