"""What it costs to hold a majority of the hashrate for a while: hardware, energy, lost revenue."""

from __future__ import annotations

import math
from dataclasses import dataclass

from hashtide.errors import InvalidInputError
from hashtide.security import _validate
from hashtide.units import J_PER_KWH, SECONDS_PER_DAY

__all__ = ["MajorityAttackCost", "majority_attack_cost"]


@dataclass(frozen=True, kw_only=True)
class MajorityAttackCost:
    """The cost of holding ``target_share_frac`` of the network for ``hold_duration_s``.

    Attributes
    ----------
    target_share_frac : float
        The share to hold [0–1] (0.51).
    hold_duration_s : float
        How long [s].
    rest_hashrate_hs : float
        Everyone else's hashrate [H/s], assumed not to react during the attack.
    own_hashrate_hs : float
        What the attacker already has [H/s].
    required_hashrate_hs : float
        ``target / (1 − target) · rest``: the hashrate that holds the target share [H/s].
    additional_hashrate_hs : float
        What it must add, ``max(0, required − own)`` [H/s].
    additional_machines : int
        Machines to buy for it (rounded up).
    hardware_usd : float
        Their price [USD]: capital, which may be resold afterwards (not deducted).
    energy_kwh : float
        Facility energy to run the required hashrate for the hold [kWh].
    energy_usd : float
        Its cost [USD].
    blocks_forgone : float
        Blocks the required hashrate would have mined honestly in the hold, at one block per
        ``block_interval_s``.
    opportunity_usd : float
        Their value [USD]: the honest revenue given up, if the attack's own blocks are worth
        nothing (the attack discards them, or the price collapses).
    total_usd : float
        ``hardware_usd + energy_usd + opportunity_usd``.
    already_majority : bool
        Whether the attacker's own hashrate already holds the target share (no hardware needed).
    """

    target_share_frac: float
    hold_duration_s: float
    rest_hashrate_hs: float
    own_hashrate_hs: float
    required_hashrate_hs: float
    additional_hashrate_hs: float
    additional_machines: int
    hardware_usd: float
    energy_kwh: float
    energy_usd: float
    blocks_forgone: float
    opportunity_usd: float
    total_usd: float
    already_majority: bool


def majority_attack_cost(
    *,
    rest_hashrate_hs: float,
    machine_hashrate_hs: float,
    machine_power_w: float,
    machine_price_usd: float,
    power_price_usd_per_kwh: float,
    btc_price_usd: float,
    reward_btc_per_block: float,
    own_hashrate_hs: float = 0.0,
    pue: float = 1.0,
    hold_duration_s: float = 7 * SECONDS_PER_DAY,
    target_share_frac: float = 0.51,
    block_interval_s: float = 600.0,
) -> MajorityAttackCost:
    """Hardware, energy and forgone revenue to hold a majority of the hashrate for a while.

    Parameters
    ----------
    rest_hashrate_hs : float
        Everyone else's hashrate [H/s] (> 0).
    machine_hashrate_hs, machine_power_w, machine_price_usd : float
        The machine the attacker buys and runs: hashrate [H/s], power [W], price [USD].
    power_price_usd_per_kwh : float
        The attacker's power price [USD/kWh].
    btc_price_usd : float
        BTC price [USD], to value the blocks forgone.
    reward_btc_per_block : float
        Subsidy plus fees per block [BTC].
    own_hashrate_hs : float
        Hashrate the attacker already has [H/s].
    pue : float
        Facility power over IT power (>= 1).
    hold_duration_s : float
        How long to hold the share [s]: a week by default.
    target_share_frac : float
        The share to hold, in (0, 1): 0.51 by default.
    block_interval_s : float
        Mean time between blocks during the hold [s]: 600 (the difficulty has not yet reacted).

    Returns
    -------
    MajorityAttackCost

    Notes
    -----
    The required hashrate ``H`` solves ``H / (H + H_rest) = target``. Energy:
    ``H · (power / hashrate) · PUE · hold``. Forgone revenue: the ``target · hold /
    block_interval`` blocks that ``H`` would mine honestly, times reward and price. The rest of
    the network is held fixed during the attack (a week is shorter than its buying cycle) and
    machines are assumed to be available at the listed price — a large purchase would raise it.
    This follows the usual "cost of attack" accounting (e.g. Budish, "The economic limits of
    Bitcoin and the blockchain", NBER w24717, 2018, https://www.nber.org/papers/w24717), with
    the hardware bought rather than rented.

    Examples
    --------
    An attacker with nothing, against 1,000 EH/s, buying Antminer S21 (200 TH/s, 3,500 W,
    2,699 USD) at 0.04 USD/kWh, BTC at 71,314 USD and 3.15 BTC per block:

    >>> cost = majority_attack_cost(rest_hashrate_hs=1e21, machine_hashrate_hs=200e12,
    ...     machine_power_w=3500.0, machine_price_usd=2699.0, power_price_usd_per_kwh=0.04,
    ...     btc_price_usd=71314.0, reward_btc_per_block=3.15)
    >>> cost.additional_machines, round(cost.hardware_usd / 1e9, 2), round(cost.energy_usd / 1e6)
    (5204082, 14.05, 122)
    """
    rest = _validate.positive("rest_hashrate_hs", rest_hashrate_hs, unit="H/s")
    machine_hs = _validate.positive("machine_hashrate_hs", machine_hashrate_hs, unit="H/s")
    power = _validate.positive("machine_power_w", machine_power_w, unit="W")
    price = _validate.positive("machine_price_usd", machine_price_usd, allow_zero=True, unit="USD")
    kwh_price = _validate.positive(
        "power_price_usd_per_kwh", power_price_usd_per_kwh, allow_zero=True, unit="USD/kWh"
    )
    btc_price = _validate.positive("btc_price_usd", btc_price_usd, allow_zero=True, unit="USD")
    reward = _validate.positive(
        "reward_btc_per_block", reward_btc_per_block, allow_zero=True, unit="BTC"
    )
    own = _validate.positive("own_hashrate_hs", own_hashrate_hs, allow_zero=True, unit="H/s")
    facility = _validate.real("pue", pue)
    if facility < 1.0:
        raise InvalidInputError(f"pue={pue!r} must be >= 1 (facility power over IT power)")
    hold = _validate.positive("hold_duration_s", hold_duration_s, unit="s")
    target = _validate.fraction("target_share_frac", target_share_frac, upper_open=True)
    if target == 0:
        raise InvalidInputError(f"target_share_frac={target_share_frac!r} must be in (0, 1)")
    interval = _validate.positive("block_interval_s", block_interval_s, unit="s")

    required = target / (1.0 - target) * rest
    additional = max(0.0, required - own)
    machines = math.ceil(additional / machine_hs * (1 - 1e-12)) if additional > 0 else 0
    energy_kwh = required * (power / machine_hs) * facility * hold / J_PER_KWH
    energy_usd = energy_kwh * kwh_price
    blocks = target * hold / interval
    opportunity = blocks * reward * btc_price
    hardware = machines * price
    return MajorityAttackCost(
        target_share_frac=target,
        hold_duration_s=hold,
        rest_hashrate_hs=rest,
        own_hashrate_hs=own,
        required_hashrate_hs=required,
        additional_hashrate_hs=additional,
        additional_machines=machines,
        hardware_usd=hardware,
        energy_kwh=energy_kwh,
        energy_usd=energy_usd,
        blocks_forgone=blocks,
        opportunity_usd=opportunity,
        total_usd=hardware + energy_usd + opportunity,
        already_majority=own >= required,
    )
