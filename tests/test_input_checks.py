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
from hashtide.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
RESERVE = ROOT / "tests" / "data" / "us-state-reserve-elasticity.yaml"
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
    # A claim about the world needs a date inside the run (the replay reads the day's power).
    path = _edited(
        tmp_path, CHINA, ("date: 2021-06-01", "date: 2023-06-01"), ("seed: 2021", "seed: true")
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert "seed: True Input should be a valid integer" in message


def test_world_claim_outside_the_run(tmp_path: Path) -> None:
    path = _edited(tmp_path, CHINA, ("date: 2021-06-01", "date: 2023-06-01"))
    with pytest.raises(ScenarioError, match=r"claims\[\d+\]\.date 2023-06-01 is outside the run"):
        load_scenario(path)


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        ("growth: 15 %/year", "growth: 1e308 %/year", "at most 1000 %/year"),
        ("hashrate: from-chain", "hashrate: 1e-300 H/s", "must be at least 1 MH/s"),
        ("{name: 5 GW, facility_power: 5 GW}", "{name: 5 GW, facility_power: ５ GW}", "not a qu"),
    ],
)
def test_values_run_could_not_use(tmp_path: Path, old: str, new: str, match: str) -> None:
    # found by the issue #15 sweep of fresh malformed inputs: validate passed, run refused
    with pytest.raises(ScenarioError, match=match):
        load_scenario(_edited(tmp_path, RESERVE, (old, new)))


def test_growth_over_the_horizon_is_bounded(tmp_path: Path) -> None:
    # independent: (1 + 9)^40 = 1e40-fold > 1e30, the most a 256-bit target leaves room for
    edits = [("horizon: 4 years", "horizon: 40 years"), ("growth: 15 %/year", "growth: 900 %/year")]
    with pytest.raises(ScenarioError, match=r"multiplies the network 1e\+40-fold"):
        load_scenario(_edited(tmp_path, RESERVE, *edits))


@pytest.mark.slow
def test_an_actor_with_the_whole_network_gets_a_security_section(tmp_path: Path) -> None:
    # a 2 MH/s network: the program holds ~100 % of it; the double-spend figures were refused
    # (q = 1.0) after the whole run; an attacker with everything catches up surely (P = 1)
    from hashtide.scenario import run_scenario
    from hashtide.security import assess_scenario

    path = _edited(
        tmp_path,
        RESERVE,
        ("hashrate: from-chain", "hashrate: 2 MH/s"),
        ("horizon: 4 years", "horizon: 30 days"),
    )
    result = run_scenario(load_scenario(path), n_paths=2)
    for item in assess_scenario(result):
        assert item.peak_share_frac > 0.99
        assert all(risk.exact == 1.0 for risk in item.double_spend)


def test_facility_counts_are_strict_integers(tmp_path: Path) -> None:
    from hashtide.errors import InvalidInputError
    from hashtide.regulation import example_path
    from hashtide.regulation.facilities import load_facilities

    source = example_path("facilities.yaml")
    path = tmp_path / "facilities.yaml"
    path.write_text(source.read_text().replace("count: 2,", "count: true,", 1))
    (tmp_path / "meters").symlink_to(source.parent / "meters")
    with pytest.raises(InvalidInputError, match="count: True Input should be a valid integer"):
        load_facilities(path)


@pytest.mark.parametrize(
    ("path", "value", "words"),
    [
        (("actor", "sites", 0, "power_price"), "45 USD/kWh", "between 0 and 10 USD/kWh"),
        (("actor", "sites", 0, "pue"), 50, "between 1 and 3"),
        (("actor", "lifetime"), "400 years", "at most 30 years"),
        (("actor", "opex"), "800 %/year", "between 0 and 100 %/year"),
        (("fees",), "1000000 BTC", "between 0 and 50 BTC per block"),
    ],
)
def test_values_beyond_any_operators_are_refused(
    path: tuple[str | int, ...], value: object, words: str
) -> None:
    # A second new-user review: each of these was accepted and run (pue 50, a 400-year
    # lifetime, opex 800 %/year, a million BTC of fees per block, 45 USD/kWh).
    import yaml

    from hashtide.scenario import parse_scenario

    data = yaml.safe_load(
        (Path(__file__).resolve().parent.parent / "scenarios/us-state-reserve.yaml").read_text()
    )
    node = data
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    with pytest.raises(ScenarioError, match=words):
        parse_scenario(data)
