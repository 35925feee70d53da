"""Security and decentralization: what a concentrated hashrate means, and what it would cost.

* :mod:`~hashtide.security.concentration`: largest actor, HHI, Nakamoto coefficient, with the rest
  of the network split among published pools or countries;
* :mod:`~hashtide.security.double_spend`: the probability of overtaking ``z`` confirmations
  (white paper and exact), and the confirmations a given risk needs;
* :mod:`~hashtide.security.selfish_mining`: Eyal & Sirer's revenue and threshold;
* :mod:`~hashtide.security.selfish_simulation`: the strategy block by block with the real
  retarget — when it starts to pay;
* :mod:`~hashtide.security.attack_cost`: hardware, energy and forgone revenue to hold 51 %;
* :mod:`~hashtide.security.assessment`: all of it for each variant of a scenario result.

>>> from hashtide import security
>>> round(security.double_spend_probability(0.1, 5), 7)  # Nakamoto (2008), §11
0.0009137
"""

from hashtide.security.assessment import (
    SHARE_THRESHOLDS,
    DoubleSpendRisk,
    SelfishMiningCheck,
    VariantSecurity,
    assess_scenario,
    assess_variant,
)
from hashtide.security.attack_cost import MajorityAttackCost, majority_attack_cost
from hashtide.security.concentration import (
    COUNTRIES_CBECI_2022_01,
    POOLS_MEMPOOL_2022_2025,
    ActorShares,
    concentration_over_time,
    first_crossings,
    hhi,
    largest_share,
    nakamoto_coefficient,
    shares_with_actor,
)
from hashtide.security.double_spend import (
    DOUBLE_SPEND_METHODS,
    confirmations_needed,
    double_spend_probability,
)
from hashtide.security.selfish_mining import (
    selfish_mining_profitable,
    selfish_mining_revenue,
    selfish_mining_threshold,
)
from hashtide.security.selfish_simulation import (
    DEFAULT_START_BITS,
    SelfishMiningRun,
    SelfishPayback,
    selfish_mining_payback,
    simulate_selfish_mining,
)

__all__ = [
    "COUNTRIES_CBECI_2022_01",
    "DEFAULT_START_BITS",
    "DOUBLE_SPEND_METHODS",
    "POOLS_MEMPOOL_2022_2025",
    "SHARE_THRESHOLDS",
    "ActorShares",
    "DoubleSpendRisk",
    "MajorityAttackCost",
    "SelfishMiningCheck",
    "SelfishMiningRun",
    "SelfishPayback",
    "VariantSecurity",
    "assess_scenario",
    "assess_variant",
    "concentration_over_time",
    "confirmations_needed",
    "double_spend_probability",
    "first_crossings",
    "hhi",
    "largest_share",
    "majority_attack_cost",
    "nakamoto_coefficient",
    "selfish_mining_payback",
    "selfish_mining_profitable",
    "selfish_mining_revenue",
    "selfish_mining_threshold",
    "shares_with_actor",
    "simulate_selfish_mining",
]
