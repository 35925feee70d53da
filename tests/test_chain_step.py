"""The hashrate step read from the shipped daily chain tips (Sichuan, June 2021)."""

from __future__ import annotations

import datetime as dt

import pytest

from hashtide.errors import InvalidInputError, ScenarioError
from hashtide.market.chain_step import daily_blocks, hashrate_step
from hashtide.scenario import parse_scenario


def test_sichuan_step_from_the_blocks() -> None:
    step = hashrate_step(
        (dt.date(2021, 6, 14), dt.date(2021, 6, 17)), (dt.date(2021, 6, 20), dt.date(2021, 6, 25))
    )
    # Blocks per UTC day counted by hand from ../shared/data/raw/chain/btc_blockstats_partial
    # (header times): 135 + 131 + 123 + 130 and 105 + 105 + 91 + 101 + 105 + 110.
    assert (step.blocks_before, step.blocks_after) == (519, 617)
    # The whole of both windows is in the period starting at height 687,456 (2021-06-13), at
    # difficulty 19,932,791,027,263 (chain_epochs.csv): H = N × D × 2^32 / (days × 86,400).
    d = 19_932_791_027_263 * 2**32
    assert step.hashrate_before_hs == pytest.approx(519 * d / (4 * 86_400), rel=1e-6)
    assert step.hashrate_after_hs == pytest.approx(617 * d / (6 * 86_400), rel=1e-6)
    # Poisson noise: relative SE 1/√N per window; 90 % = ±1.645 σ of the difference.
    sigma = ((step.hashrate_before_hs**2 / 519) + (step.hashrate_after_hs**2 / 617)) ** 0.5
    assert step.step_high_hs - step.step_hs == pytest.approx(1.6449 * sigma, rel=1e-4)
    low, mid, high = step.share_frac
    # The step is about a fifth of the network — twice the April 2020 dry-season 9.66 % of
    # Sichuan (CCAF via CoinDesk) — with an interval that excludes zero.
    assert 0.1 < low < mid < high < 0.35


def test_windows_outside_the_table_are_refused() -> None:
    table = daily_blocks()
    assert dt.date(2021, 6, 14) in set(table["day"])
    with pytest.raises(InvalidInputError, match="do not cover every day"):
        hashrate_step(
            (dt.date(2021, 4, 1), dt.date(2021, 4, 5)), (dt.date(2021, 6, 1), dt.date(2021, 6, 2))
        )


def test_chain_step_only_for_power_and_coal() -> None:
    data = {
        "scenario": "x",
        "start": "2021-05-02",
        "horizon": "30 days",
        "btc_price": {"model": "historical"},
        "fees": "historical",
    }
    data["claims"] = [{"text": "x", "quantity": "network_power", "date": "2021-06-14",
                       "chain_step": {"before": ["2021-06-14", "2021-06-17"],
                                      "after": ["2021-06-20", "2021-06-25"]},
                       "stated": "8 GW"}]  # fmt: skip
    with pytest.raises(ScenarioError, match="chain_step applies to quantity power"):
        parse_scenario(data)


@pytest.mark.slow
def test_replay_sensitivity_varies_the_rest_of_the_world() -> None:
    from hashtide.scenario import load_scenario
    from hashtide.scenario.sensitivity import run_replay_sensitivity

    spec = load_scenario("scenarios/china-2021-ban.yaml")
    short = spec.model_copy(update={"end": None, "horizon": 100 * 86_400.0, "claims": []})
    table = run_replay_sensitivity(short)
    # The replay's price and fees are history: only the rest of the world's inputs vary.
    assert set(table["input"]) == {
        "rest of the world's power prices",
        "rest of the world's entry (order-to-hashing lag)",
    }
    assert set(table["side"]) == {"low", "high"}
    assert (table["paths"] == 1).all()
    assert table["mdape_pct"].notna().all()
    assert table["base_mdape_pct"].notna().all()
    # Dearer power for the rest switches more of it off: a lower simulated difficulty at the
    # chain's July drop than with cheaper power (rule 1, monotone in the power price).
    prices = table[table["input"] == "rest of the world's power prices"].set_index("side")
    assert prices.loc["high", "drop_difficulty"] < prices.loc["low", "drop_difficulty"]
