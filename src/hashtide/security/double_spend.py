"""Double spending: the probability that an attacker overtakes ``z`` confirmations.

An attacker with a share ``q`` of the hashrate pays a merchant, waits until the payment has ``z``
confirmations while mining a secret chain without it, and succeeds if that chain ever catches up
with the honest one. Two answers are given:

* ``method="nakamoto"``: the Bitcoin white paper's §11 formula. It counts the attacker's progress
  while the honest chain mines ``z`` blocks as Poisson with mean ``z q / p``, as if the honest
  blocks came exactly on time — an approximation.
* ``method="exact"``: without that approximation the attacker's progress is negative binomial
  (Rosenfeld 2014); Grunspan & Pérez-Marco (2018) sum it in closed form with the regularized
  incomplete beta function. More confirmations are needed than the white paper says.
"""

from __future__ import annotations

import math
from typing import Final, Literal

import numpy as np
from scipy import special

from hashtide.errors import InvalidInputError
from hashtide.security import _validate

__all__ = ["DOUBLE_SPEND_METHODS", "confirmations_needed", "double_spend_probability"]

#: The methods :func:`double_spend_probability` knows.
DOUBLE_SPEND_METHODS: Final = ("nakamoto", "exact")

Method = Literal["nakamoto", "exact"]

#: Standard deviations of the Poisson mean below which the white paper's terms are dropped: each
#: dropped term is below e^(-800) relative to the largest (Chernoff bound), far below a double's
#: resolution.
_POISSON_WINDOW_SD: Final = 40.0


def _method(method: object) -> Method:
    if method == "nakamoto":
        return "nakamoto"
    if method == "exact":
        return "exact"
    raise InvalidInputError(f"method={method!r} must be 'nakamoto' or 'exact'")


def _nakamoto(q: float, z: int) -> float:
    """White paper §11, summed without the cancellation of ``1 − Σ``."""
    p = 1.0 - q
    if z == 0:
        return 1.0
    if q == 0.0:
        return 0.0
    lam = z * q / p
    # P = Σ_{k≤z} Pois(k; λ)·(q/p)^(z−k) + Pr[Pois(λ) > z]: the attacker either is already level
    # (k > z) or still has to make up z − k blocks, which it does with probability (q/p)^(z−k).
    start = max(0, math.floor(lam - _POISSON_WINDOW_SD * math.sqrt(lam) - _POISSON_WINDOW_SD))
    k = np.arange(start, z + 1, dtype=float)
    log_terms = k * math.log(lam) - lam - special.gammaln(k + 1.0) + (z - k) * math.log(q / p)
    return float(min(1.0, np.exp(log_terms).sum() + special.pdtrc(z, lam)))


def _exact(q: float, z: int) -> float:
    """Grunspan & Pérez-Marco (2018), Theorem 1: ``P = I_{4pq}(z, 1/2)``."""
    if z == 0:
        return 1.0
    return float(special.betainc(z, 0.5, 4.0 * q * (1.0 - q)))


def double_spend_probability(q: float, z: int, method: Method = "nakamoto") -> float:
    """Probability that an attacker with hashrate share ``q`` catches up ``z`` confirmations.

    Parameters
    ----------
    q : float
        The attacker's share of the network's hashrate, in [0, 1) (0.3 for 30 %).
    z : int
        Confirmations the recipient waits for (blocks on top of, and including, the one with the
        payment), an integer >= 0.
    method : {"nakamoto", "exact"}
        ``"nakamoto"``: the white paper's formula; ``"exact"``: the exact probability.

    Returns
    -------
    float
        The probability in [0, 1]. It is 1 when ``q >= 1/2`` (the attacker catches up for sure)
        and when ``z = 0``.

    Raises
    ------
    InvalidInputError
        If ``q`` is outside [0, 1), ``z`` is not an integer >= 0, or ``method`` is unknown.

    Notes
    -----
    With ``p = 1 − q``, Nakamoto (2008, §11) takes the attacker's progress while the honest chain
    finds ``z`` blocks to be Poisson with mean ``λ = z q / p``, and catching up from ``d`` behind
    to have the gambler's-ruin probability ``(q/p)^d`` (Feller 1968, XIV.2)::

        P = 1 − Σ_{k=0}^{z} e^{−λ} λ^k / k! · (1 − (q/p)^{z−k})

    Exactly, the attacker's blocks before the honest chain's ``z``-th are negative binomial
    (Rosenfeld 2014, §4)::

        P = 1 − Σ_{m=0}^{z} C(m+z−1, m) (p^z q^m − p^m q^z)

    which Grunspan & Pérez-Marco (2018, Theorem 1) sum to the regularized incomplete beta
    function ``P = I_{4pq}(z, 1/2)`` — what ``"exact"`` computes (``scipy.special.betainc``).
    "Success" means catching up (equal length), as in both papers.

    References
    ----------
    S. Nakamoto, "Bitcoin: A peer-to-peer electronic cash system", 2008, §11,
    https://bitcoin.org/bitcoin.pdf.
    M. Rosenfeld, "Analysis of hashrate-based double spending", 2014,
    https://arxiv.org/abs/1402.2009.
    C. Grunspan, R. Pérez-Marco, "Double spend races", Int. J. Theor. Appl. Finance 21(08), 2018,
    https://doi.org/10.1142/S0219024918500498; https://arxiv.org/abs/1702.02867.

    Examples
    --------
    The white paper's own table (§11) and the exact value:

    >>> round(double_spend_probability(0.1, 5), 7)
    0.0009137
    >>> round(double_spend_probability(0.3, 10), 7)
    0.0416605
    >>> round(double_spend_probability(0.1, 5, method="exact"), 7)
    0.0017818
    """
    q_frac = _validate.fraction("q", q, upper_open=True, what="the attacker's hashrate share")
    blocks = _validate.count("z", z)
    how = _method(method)
    if q_frac >= 0.5:
        return 1.0
    return _nakamoto(q_frac, blocks) if how == "nakamoto" else _exact(q_frac, blocks)


def confirmations_needed(q: float, risk: float, method: Method = "exact") -> int:
    """Fewest confirmations ``z`` that bring the double-spend probability below ``risk``.

    Parameters
    ----------
    q : float
        The attacker's hashrate share, in [0, 1/2): at 1/2 or more no number of confirmations
        helps.
    risk : float
        The accepted probability of a successful double spend, in (0, 1] (0.001 for 0.1 %).
    method : {"exact", "nakamoto"}
        As in :func:`double_spend_probability`; the exact one by default.

    Returns
    -------
    int
        The smallest ``z`` with ``double_spend_probability(q, z, method) < risk`` (strictly, as
        the white paper solves "P < 0.001").

    Raises
    ------
    InvalidInputError
        If ``q`` is outside [0, 1/2) or ``risk`` outside (0, 1].

    Notes
    -----
    Both probabilities fall as ``z`` grows, so the answer is found by doubling ``z`` and then
    bisecting: about 2 log2(z) evaluations.

    Examples
    --------
    The white paper's "P < 0.1 %" table for q = 0.10, 0.30, 0.45, and the exact answers:

    >>> [confirmations_needed(q, 0.001, method="nakamoto") for q in (0.10, 0.30, 0.45)]
    [5, 24, 340]
    >>> [confirmations_needed(q, 0.001) for q in (0.10, 0.30, 0.45)]
    [6, 32, 539]
    """
    q_frac = _validate.fraction(
        "q",
        q,
        upper=0.5,
        upper_open=True,
        what="at 1/2 or more the attacker catches up for sure, whatever the confirmations",
    )
    accepted = _validate.real("risk", risk)
    if not 0.0 < accepted <= 1.0:
        raise InvalidInputError(f"risk={risk!r} must be in (0, 1] (0.001 for 0.1 %)")
    how = _method(method)

    def safe(z: int) -> bool:
        return double_spend_probability(q_frac, z, how) < accepted

    if safe(0):  # never: P(q, 0) = 1 ≥ risk
        return 0
    low, high = 0, 1
    while not safe(high):
        low, high = high, high * 2
    while high - low > 1:  # invariant: not safe(low), safe(high)
        middle = (low + high) // 2
        if safe(middle):
            high = middle
        else:
            low = middle
    return high
