"""Library entry points: non-finite numbers, empty sequences, bools refused; numpy ints read.

Issue #15, item 6: one rule for numbers across economics, protocol, energy and security.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from hashtide import economics, energy, protocol, security
from hashtide.errors import InvalidInputError


def loose(value: object) -> Any:
    """``value`` typed as ``Any``: these tests pass what the annotations forbid, on purpose."""
    return value


BAD_NUMBERS = [math.nan, math.inf, -math.inf, True, "5", None]

CALLS: dict[str, Callable[[Any], object]] = {
    "hashprice difficulty": lambda v: economics.hashprice_usd_per_th_day(
        v, 80_000.0, subsidy_sat=3.125e8
    ),
    "hashprice price": lambda v: economics.hashprice_usd_per_th_day(1e14, v, subsidy_sat=3.125e8),
    "power cost": lambda v: economics.power_cost_usd_per_th_day(v, 0.05),
    "blocks per day": lambda v: economics.expected_blocks_per_day(v, 1e14),
    "npv discount rate": lambda v: economics.npv_usd([-1.0, 2.0], [0.0, 1.0], discount_rate=v),
    "break-even discount rate": lambda v: economics.break_even_btc_price_usd(
        [1.0, 1.0], [0.1, 0.1], [0.0, 1.0], discount_rate=v
    ),
    "difficulty to hashrate": lambda v: protocol.difficulty_to_hashrate_hs(v),
    "hashrate to difficulty": lambda v: protocol.hashrate_hs_to_difficulty(1e18, v),
    "coal": lambda v: energy.coal_tce(v),
    "cars": lambda v: energy.passenger_cars(v),
    "double spend q": lambda v: security.double_spend_probability(v, 6),
}


@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize("value", BAD_NUMBERS, ids=repr)
def test_bad_numbers_raise_invalid_input(name: str, value: object) -> None:
    with pytest.raises(InvalidInputError):
        CALLS[name](value)


@pytest.mark.parametrize(
    "call",
    [
        lambda: economics.npv_usd([], [], discount_rate=0.05),
        lambda: economics.irr([], []),
        lambda: economics.payback_years([], []),
        lambda: economics.npv_usd(loose(["5", 1.0]), [0.0, 1.0], discount_rate=0.05),
        lambda: security.hhi([]),
        lambda: security.nakamoto_coefficient([]),
        lambda: security.largest_share([]),
        lambda: energy.Constant(frac=True),
    ],
)
def test_empty_sequences_and_wrong_types(call: Callable[[], object]) -> None:
    with pytest.raises(InvalidInputError):
        call()


def test_integers_numpy_yes_bool_and_float_no() -> None:
    # published: the 4th halving at 840,000 pays 3.125 BTC = 312,500,000 sat
    assert protocol.block_subsidy_sat(loose(np.int64(840_000))) == 312_500_000
    assert protocol.halving_height(loose(np.int32(4))) == 840_000
    # Bitcoin Core pow_tests.cpp get_next_work vector, with numpy integers
    assert (
        protocol.next_bits(
            loose(np.int64(0x1D00FFFF)), loose(np.int64(1261130161)), loose(np.int64(1262152739))
        )
        == 0x1D00D86A
    )
    assert protocol.difficulty(loose(np.uint32(0x1D00FFFF))) == 1.0  # difficulty 1 by definition
    for call in (
        lambda: protocol.block_subsidy_sat(True),
        lambda: protocol.block_subsidy_sat(loose(1.0)),
        lambda: protocol.bits_to_target(loose(np.bool_(True))),
        lambda: protocol.halving_height(True),
        lambda: protocol.is_retarget_height(loose(2016.0)),
        lambda: protocol.next_bits(0x1D00FFFF, loose(0.0), 1),
        lambda: protocol.target_to_difficulty(0),
        lambda: security.double_spend_probability(0.1, True),
    ):
        with pytest.raises(InvalidInputError):
            call()
