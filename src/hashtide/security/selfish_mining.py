"""Selfish mining (Eyal & Sirer): revenue and the share above which it beats honest mining.

A selfish miner keeps the blocks it finds to itself and publishes them only to orphan the honest
miners' blocks. It loses some of its own blocks in the races, but makes the others lose more, so
above a threshold share its fraction of the blocks that stay in the chain exceeds its share of the
hashrate. ``gamma`` is the fraction of the honest miners that build on the selfish miner's block
when two blocks compete (how well connected it is).

These are the closed forms of the steady state, *after* the difficulty has adjusted to the orphaned
blocks; :mod:`hashtide.security.selfish_simulation` shows the way there with the real retarget.
"""

from __future__ import annotations

from hashtide.security import _validate

__all__ = ["selfish_mining_profitable", "selfish_mining_revenue", "selfish_mining_threshold"]

_ALPHA_WHAT = "the selfish miner's hashrate share"
_GAMMA_WHAT = "the fraction of honest miners that mine on the selfish block in a tie"


def selfish_mining_revenue(alpha: float, gamma: float) -> float:
    """Fraction of the chain's blocks a selfish miner earns in steady state.

    Parameters
    ----------
    alpha : float
        The selfish miner's share of the hashrate, in [0, 1).
    gamma : float
        Fraction of the honest hashrate that mines on the selfish miner's block in a tie, [0, 1].

    Returns
    -------
    float
        Its share of the blocks in the longest chain, the "relative revenue" ``R`` [0–1]. Honest
        mining earns ``alpha``; selfish mining pays when ``R > alpha``. From ``alpha = 1/2`` on,
        its private chain outgrows the public one for good and ``R = 1``.

    Raises
    ------
    InvalidInputError
        If ``alpha`` is outside [0, 1) or ``gamma`` outside [0, 1].

    Notes
    -----
    Eyal & Sirer (2014), §4.2, equation (8), from the stationary distribution of the strategy's
    Markov chain (states 0, 0', 1, 2, …)::

        R = [α(1−α)²(4α + γ(1−2α)) − α³] / [1 − α(1 + (2−α)α)]

    It assumes a constant share, no propagation delay other than the tie races, and a difficulty
    that has adjusted to the orphan rate: revenue per *block*, not per second.

    References
    ----------
    I. Eyal, E. G. Sirer, "Majority is not enough: Bitcoin mining is vulnerable", Financial
    Cryptography 2014, LNCS 8437, https://doi.org/10.1007/978-3-662-45472-5_28;
    https://arxiv.org/abs/1311.0243.

    Examples
    --------
    >>> round(selfish_mining_revenue(0.3, 0.5), 4)  # 30 % of the hashrate, half the ties won
    0.3269
    >>> round(selfish_mining_revenue(0.25, 0.0), 4)  # below 1/3 with γ = 0: it loses
    0.1951
    """
    a = _validate.fraction("alpha", alpha, upper_open=True, what=_ALPHA_WHAT)
    g = _validate.fraction("gamma", gamma, what=_GAMMA_WHAT)
    if a >= 0.5:
        return 1.0
    numerator = a * (1 - a) ** 2 * (4 * a + g * (1 - 2 * a)) - a**3
    denominator = 1 - a * (1 + (2 - a) * a)
    return numerator / denominator


def selfish_mining_threshold(gamma: float) -> float:
    """Smallest hashrate share at which selfish mining earns more than honest mining.

    Parameters
    ----------
    gamma : float
        Fraction of the honest hashrate that mines on the selfish miner's block in a tie, [0, 1].

    Returns
    -------
    float
        ``(1 − γ) / (3 − 2γ)``: 1/3 at γ = 0, 1/4 at γ = 1/2, 0 at γ = 1.

    Raises
    ------
    InvalidInputError
        If ``gamma`` is outside [0, 1].

    Notes
    -----
    Eyal & Sirer (2014), §4.3, Observation 1 (equation 9): ``R(α, γ) > α`` exactly when
    ``(1 − γ)/(3 − 2γ) < α < 1/2``.

    References
    ----------
    I. Eyal, E. G. Sirer, "Majority is not enough: Bitcoin mining is vulnerable", Financial
    Cryptography 2014, https://doi.org/10.1007/978-3-662-45472-5_28.

    Examples
    --------
    >>> selfish_mining_threshold(0.0), selfish_mining_threshold(0.5)
    (0.3333333333333333, 0.25)
    """
    g = _validate.fraction("gamma", gamma, what=_GAMMA_WHAT)
    return (1 - g) / (3 - 2 * g)


def selfish_mining_profitable(alpha: float, gamma: float) -> bool:
    """Whether a miner with share ``alpha`` earns more by mining selfishly (``R > alpha``).

    Examples
    --------
    >>> selfish_mining_profitable(0.3, 0.0), selfish_mining_profitable(0.3, 0.5)
    (False, True)
    """
    a = _validate.fraction("alpha", alpha, upper_open=True, what=_ALPHA_WHAT)
    return a > selfish_mining_threshold(gamma) and a > 0
