"""Concentration metrics and the cost of a majority.

Sources of the expected numbers:

* **published** — mempool.space block counts over the three years to 2025-03-28: Foundry USA
  46,076 and AntPool 34,365 of 160,432 blocks (28.72 %, 21.42 %; Finbold, quoted in
  ../shared/REFERENCES.md §6), and the same source's headline that two pools mined more than
  half of the blocks. CBECI mining map, January 2022: United States 37.84 % (REFERENCES.md §4).
* **independent derivation** — by hand, written out next to each number.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from hashtide.errors import InvalidInputError
from hashtide.security import (
    COUNTRIES_CBECI_2022_01,
    POOLS_MEMPOOL_2022_2025,
    ActorShares,
    concentration_over_time,
    first_crossings,
    hhi,
    largest_share,
    majority_attack_cost,
    nakamoto_coefficient,
    shares_with_actor,
)

# --- pure metrics -------------------------------------------------------------------------------


def test_metrics_by_hand() -> None:
    assert float(hhi([1.0])) == 1.0  # a monopoly
    assert float(hhi([0.25] * 4)) == pytest.approx(0.25, rel=1e-15)  # 4 × 1/16
    assert float(hhi([0.5, 0.3, 0.2])) == pytest.approx(0.38, rel=1e-15)  # .25 + .09 + .04
    assert float(largest_share([0.1, 0.6, 0.3])) == 0.6
    assert int(nakamoto_coefficient([0.5, 0.3, 0.2])) == 2  # 0.5 alone is not *more* than half
    assert int(nakamoto_coefficient([0.51, 0.49])) == 1
    assert int(nakamoto_coefficient([0.2] * 5)) == 3  # 0.6 > 0.5 after three
    assert int(nakamoto_coefficient([0.4, 0.3, 0.3], threshold_frac=1 / 3)) == 1


def test_metrics_keep_the_other_axes() -> None:
    shares = np.array([[0.6, 0.4], [0.3, 0.3], [0.25, 0.25]])  # (time, actors); rows 2-3: fringe
    assert hhi(shares).shape == (3,)
    np.testing.assert_allclose(hhi(shares), [0.52, 0.18, 0.125], rtol=1e-15)  # by hand
    np.testing.assert_allclose(largest_share(shares.T, axis=0), [0.6, 0.3, 0.25])
    assert nakamoto_coefficient(shares[:2]).tolist() == [1, 2]
    with pytest.raises(InvalidInputError, match=r"add up to 0\.5, not more than"):
        nakamoto_coefficient(shares)  # 0.25 + 0.25: the rest's split decides it


def test_todays_pools() -> None:
    pools = np.array([s for _, s in POOLS_MEMPOOL_2022_2025.actors])
    # Published counts: 46,076 + 34,365 = 80,441 of 160,432 = 50.14 % (the source's "90,441 or
    # 56.37 %" is an addition slip) — more than half, so two pools suffice.
    assert pools.sum() == pytest.approx(80_441 / 160_432, rel=1e-15)
    assert int(nakamoto_coefficient(pools)) == 2
    # By hand from the published percentages: 28.72² + 21.42² = 824.84 + 458.82 = 1,283.7 points.
    assert float(hhi(pools)) * 10_000 == pytest.approx(1_283.65, abs=0.1)
    assert POOLS_MEMPOOL_2022_2025.fringe_frac == pytest.approx(1 - 80_441 / 160_432)


@given(
    hnp.arrays(float, st.integers(1, 12), elements=st.floats(0.0, 1.0)).filter(
        lambda a: a.sum() > 0
    )
)
def test_metric_invariants(raw: np.ndarray) -> None:
    shares = raw / raw.sum()  # a full split of the network
    top = float(largest_share(shares))
    index = float(hhi(shares))
    # Σ s² ≤ max · Σ s = max, and Σ s² ≥ max²; and ≥ 1/n (Cauchy–Schwarz).
    assert top**2 - 1e-12 <= index <= top + 1e-12
    assert index >= 1 / shares.size - 1e-12
    k = int(nakamoto_coefficient(shares))
    ranked = np.sort(shares)[::-1]
    assert ranked[:k].sum() > 0.5
    assert ranked[: k - 1].sum() <= 0.5 + 1e-12


@pytest.mark.parametrize(
    ("shares", "match"),
    [
        ([0.7, 0.6], r"add up to 1\.3"),
        ([0.5, -0.1], r"contains -0\.1"),
        ([0.5, float("nan")], r"contains nan"),
        (0.5, r"must have an actor axis"),
    ],
)
def test_bad_shares(shares: object, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        hhi(shares)  # type: ignore[arg-type]


# --- an actor in a published distribution -------------------------------------------------------


def test_program_among_the_pools_by_hand() -> None:
    times = pd.date_range("2026-06-01", periods=4, freq="90D", tz="UTC")
    share = pd.Series([0.10, 0.30, 0.45, 0.55], index=times)
    frame = concentration_over_time(share, actor="state")
    foundry, antpool = 46_076 / 160_432, 34_365 / 160_432
    # 10 %: Foundry 0.9 × 28.72 % = 25.85 % is the largest; state + Foundry = 35.85 % < 50 %, all
    # three 55.1 % > 50 % → 3.
    assert frame["largest_actor"].tolist() == ["Foundry USA", "state", "state", "state"]
    assert frame["largest_share_frac"].iloc[0] == pytest.approx(0.9 * foundry, rel=1e-12)
    # 30 %: state + 0.7 × 28.72 % = 50.1 % > 50 % → 2; 45 % → 2; 55 % → 1.
    assert frame["nakamoto_coefficient"].tolist() == [3, 2, 2, 1]
    expected_hhi = 0.45**2 + (0.55 * foundry) ** 2 + (0.55 * antpool) ** 2
    assert frame["hhi"].iloc[2] == pytest.approx(expected_hhi, rel=1e-12)
    crossings = first_crossings(share)
    assert crossings == {0.25: times[1], 1 / 3: times[2], 0.5: times[3]}


def test_a_us_program_joins_the_united_states() -> None:
    # CBECI Jan 2022 (published): US 37.84 %. A US program at 20 % of the network, the rest split
    # as CBECI says: US = 0.20 + 0.8 × 0.3784 = 0.50272 > 1/2 → one country holds a majority.
    names, shares = shares_with_actor(0.2, COUNTRIES_CBECI_2022_01, joins="United States")
    assert names[0] == "United States"
    assert float(shares[0]) == pytest.approx(0.50272, rel=1e-12)
    assert int(nakamoto_coefficient(shares)) == 1
    with pytest.raises(InvalidInputError, match=r"joins='Texas' is not one of"):
        shares_with_actor(0.2, COUNTRIES_CBECI_2022_01, joins="Texas")


def test_actor_shares_are_validated() -> None:
    with pytest.raises(InvalidInputError, match=r"add up to 1\.2"):
        ActorShares(kind="pools", actors=(("a", 0.6), ("b", 0.6)), source="test")
    with pytest.raises(InvalidInputError, match=r"names must be unique"):
        ActorShares(kind="pools", actors=(("a", 0.1), ("a", 0.2)), source="test")


# --- the cost of a majority ---------------------------------------------------------------------

S21 = {"machine_hashrate_hs": 200e12, "machine_power_w": 3_500.0, "machine_price_usd": 2_699.0}


def test_attack_cost_by_hand() -> None:
    cost = majority_attack_cost(
        rest_hashrate_hs=1_000e18,
        power_price_usd_per_kwh=0.04,
        btc_price_usd=71_314.0,
        reward_btc_per_block=3.15,
        **S21,
    )
    # Required: 0.51 / 0.49 × 1,000 EH/s = 1,040.816 EH/s → 5,204,081.6 S21 → 5,204,082 machines
    # × 2,699 USD = 14,045,817,318 USD.
    assert cost.required_hashrate_hs == pytest.approx(1_040.8163265e18, rel=1e-9)
    assert cost.additional_machines == 5_204_082
    assert cost.hardware_usd == 14_045_817_318.0
    # Energy: 1,040.816 EH/s × 17.5 J/TH = 18.214 GW, × 168 h = 3,060 GWh; × 0.04 = 122.4 M USD.
    assert cost.energy_kwh == pytest.approx(3.06e9, rel=1e-12)
    assert cost.energy_usd == pytest.approx(122.4e6, rel=1e-12)
    # Forgone: 0.51 × 1,008 blocks = 514.08 blocks × 3.15 BTC × 71,314 USD = 115,482,468.5 USD.
    assert cost.blocks_forgone == pytest.approx(514.08, rel=1e-12)
    assert cost.opportunity_usd == pytest.approx(115_482_468.528, rel=1e-12)
    assert cost.total_usd == pytest.approx(14_045_817_318 + 122.4e6 + 115_482_468.528, rel=1e-12)
    assert not cost.already_majority


def test_an_actor_with_a_majority_buys_nothing() -> None:
    cost = majority_attack_cost(
        rest_hashrate_hs=700e18,
        own_hashrate_hs=1_046e18,  # 20 GW of S21 at PUE 1.1 (REFERENCES.md §5)
        power_price_usd_per_kwh=0.03,
        pue=1.1,
        btc_price_usd=71_314.0,
        reward_btc_per_block=3.15,
        **S21,
    )
    assert cost.already_majority
    assert cost.additional_machines == 0
    assert cost.hardware_usd == 0.0
    # It still runs 0.51/0.49 × 700 = 728.6 EH/s for the week: 12.75 GW IT × 1.1 × 168 h.
    assert cost.energy_kwh == pytest.approx(0.51 / 0.49 * 700e18 * 17.5e-12 * 1.1 * 168 / 1e3)


@given(st.floats(0.0, 0.5), st.floats(0.001, 0.5))
def test_attack_cost_rises_with_the_power_price(price: float, step: float) -> None:
    common = {"rest_hashrate_hs": 900e18, "btc_price_usd": 70_000.0,
              "reward_btc_per_block": 3.15, **S21}  # fmt: skip
    low = majority_attack_cost(power_price_usd_per_kwh=price, **common)  # type: ignore[arg-type]
    high = majority_attack_cost(power_price_usd_per_kwh=price + step, **common)  # type: ignore[arg-type]
    assert high.total_usd > low.total_usd


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"rest_hashrate_hs": 0.0}, r"rest_hashrate_hs=0\.0 must be > 0 \[H/s\]"),
        ({"pue": 0.9}, r"pue=0\.9 must be >= 1"),
        ({"target_share_frac": 1.0}, r"target_share_frac=1\.0 must be in \[0, 1\)"),
        ({"power_price_usd_per_kwh": -0.01}, r"power_price_usd_per_kwh=-0\.01 must be >= 0"),
        ({"hold_duration_s": 0}, r"hold_duration_s=0 must be > 0 \[s\]"),
    ],
)
def test_attack_cost_rejects_bad_input(change: dict[str, float], match: str) -> None:
    args = {"rest_hashrate_hs": 900e18, "btc_price_usd": 70_000.0, "reward_btc_per_block": 3.15,
            "power_price_usd_per_kwh": 0.04, **S21}  # fmt: skip
    args.update(change)
    with pytest.raises(InvalidInputError, match=match):
        majority_attack_cost(**args)
