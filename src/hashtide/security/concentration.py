"""Concentration of hashrate: the largest actor, the HHI, the Nakamoto coefficient.

The metrics are pure functions of shares along an actor axis (any other axes — time, paths — are
kept). A scenario knows one actor (e.g. a state program) and the "rest of the world"; to say how
concentrated the network is, the rest is split among named actors in the proportions of a
published distribution (:class:`ActorShares`: mining pools, or countries), scaled to the rest's
share. What the distribution does not name is a fringe of small actors, counted as negligible:
the HHI is then a lower bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashtide._checks import reals
from hashtide.errors import InvalidInputError
from hashtide.security import _validate

__all__ = [
    "COUNTRIES_CBECI_2022_01",
    "POOLS_MEMPOOL_2022_2025",
    "ActorShares",
    "concentration_over_time",
    "first_crossings",
    "hhi",
    "largest_share",
    "nakamoto_coefficient",
    "shares_with_actor",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Slack allowed when shares are checked to add up to at most 1 (floating-point sums).
_SUM_TOLERANCE: Final = 1e-9


def _shares(shares_frac: npt.ArrayLike, axis: int) -> FloatArray:
    array = reals("shares_frac", shares_frac, finite=False)
    if array.ndim == 0:
        raise InvalidInputError("shares_frac must have an actor axis (got a scalar)")
    if array.shape[axis if -array.ndim <= axis < array.ndim else -1] == 0:
        raise InvalidInputError("shares_frac is empty; give the share of at least one actor")
    if not np.all(np.isfinite(array)) or np.any(array < 0) or np.any(array > 1):
        bad = float(array[~(np.isfinite(array) & (array >= 0) & (array <= 1))].ravel()[0])
        raise InvalidInputError(
            f"shares_frac contains {bad!r}; every share must be a fraction in [0, 1] (0.3 for 30 %)"
        )
    total = array.sum(axis=axis)
    if np.any(total > 1 + _SUM_TOLERANCE):
        raise InvalidInputError(
            f"shares_frac add up to {float(np.max(total)):.6g} along axis {axis}; the actors' "
            "shares of one network must add up to at most 1"
        )
    return array


def largest_share(shares_frac: npt.ArrayLike, *, axis: int = -1) -> FloatArray:
    """Share of the largest actor [0–1], along ``axis``.

    Examples
    --------
    >>> float(largest_share([0.2872, 0.2142, 0.10]))
    0.2872
    """
    return np.asarray(_shares(shares_frac, axis).max(axis=axis), dtype=float)


def hhi(shares_frac: npt.ArrayLike, *, axis: int = -1) -> FloatArray:
    """Herfindahl–Hirschman index: the sum of squared shares, in [0, 1].

    Parameters
    ----------
    shares_frac : array_like
        Shares of the actors [0–1] along ``axis``, adding up to at most 1. If they add up to
        less, the rest is taken as a fringe of negligible actors, which adds nothing: the result
        is then a lower bound.
    axis : int
        The actor axis.

    Returns
    -------
    numpy.ndarray
        ``Σ s_i²`` [0–1]: 1 for a single actor, 1/n for n equal ones. Multiply by 10,000 for
        the "points" competition authorities use.

    Notes
    -----
    Herfindahl (1950), Hirschman (1964). The U.S. Merger Guidelines (DOJ & FTC, 2023, §2.1) call
    a market with an HHI above 1,800 points (0.18) highly concentrated.

    References
    ----------
    U.S. Department of Justice and Federal Trade Commission, "Merger Guidelines", 2023,
    https://www.justice.gov/atr/2023-merger-guidelines.

    Examples
    --------
    >>> round(float(hhi([0.5, 0.5])), 12), round(float(hhi([0.25] * 4)), 12)
    (0.5, 0.25)
    """
    array = _shares(shares_frac, axis)
    return np.asarray((array**2).sum(axis=axis), dtype=float)


def nakamoto_coefficient(
    shares_frac: npt.ArrayLike, *, threshold_frac: float = 0.5, axis: int = -1
) -> IntArray:
    """Fewest actors that together hold more than ``threshold_frac`` of the hashrate.

    Parameters
    ----------
    shares_frac : array_like
        Shares of the actors [0–1] along ``axis``, adding up to at most 1.
    threshold_frac : float
        The share to exceed, in [0, 1): 0.5 by default (a majority: enough to rewrite the chain).
    axis : int
        The actor axis.

    Returns
    -------
    numpy.ndarray of int64
        The smallest ``k`` such that the ``k`` largest shares add up to more than the threshold:
        1 if one actor holds a majority.

    Raises
    ------
    InvalidInputError
        If the named actors together do not exceed the threshold: the answer then depends on how
        the unnamed rest is split, which the shares do not say.

    Notes
    -----
    Srinivasan & Lee (2017), "Quantifying decentralization", with Bitcoin's one subsystem of
    miners and a 51 % threshold: https://news.earn.com/quantifying-decentralization-e39db233c28e.

    Examples
    --------
    >>> int(nakamoto_coefficient([0.2872, 0.2142, 0.10]))  # two pools pass 50 % together
    2
    >>> int(nakamoto_coefficient([0.55, 0.30]))
    1
    """
    threshold = _validate.fraction("threshold_frac", threshold_frac, upper_open=True)
    array = _shares(shares_frac, axis)
    ranked = -np.sort(-np.moveaxis(array, axis, -1), axis=-1)
    cumulative = np.cumsum(ranked, axis=-1)
    above = cumulative > threshold
    if not np.all(above[..., -1]):
        worst = float(np.min(cumulative[..., -1]))
        raise InvalidInputError(
            f"the actors' shares add up to {worst:.6g}, not more than threshold_frac="
            f"{threshold_frac!r}: the coefficient depends on how the rest is split; pass every "
            "actor's share"
        )
    return np.asarray(np.argmax(above, axis=-1) + 1, dtype=np.int64)


@dataclass(frozen=True, kw_only=True)
class ActorShares:
    """A published split of the network's hashrate (or blocks) among named actors.

    Attributes
    ----------
    kind : str
        What the actors are: ``"pools"`` or ``"countries"``.
    actors : tuple of (str, float)
        Each named actor and its share [0–1]; they add up to at most 1. The rest is a fringe of
        actors too small to name, counted as negligible.
    source : str
        Where the shares come from, with the period they cover.
    """

    kind: str
    actors: tuple[tuple[str, float], ...]
    source: str

    def __post_init__(self) -> None:
        names = [name for name, _ in self.actors]
        if len(set(names)) != len(names):
            raise InvalidInputError(f"ActorShares.actors names must be unique, got {names!r}")
        for name, share in self.actors:
            _validate.fraction(f"share of {name!r}", share)
        total = sum(share for _, share in self.actors)
        if total > 1 + _SUM_TOLERANCE:
            raise InvalidInputError(
                f"ActorShares.actors add up to {total!r}; shares must add up to at most 1"
            )

    @property
    def names(self) -> tuple[str, ...]:
        """The named actors, in order."""
        return tuple(name for name, _ in self.actors)

    @property
    def fringe_frac(self) -> float:
        """Share of the unnamed fringe [0–1]."""
        return max(0.0, 1.0 - sum(share for _, share in self.actors))


#: Mining pools by blocks mined over the three years to 2025-03-28 (160,432 blocks): Foundry USA
#: 46,076 (28.72 %), AntPool 34,365 (21.42 %). The source's "90,441 blocks or 56.37 %" for the
#: two together is an addition error: 46,076 + 34,365 = 80,441, i.e. 50.14 %.
POOLS_MEMPOOL_2022_2025: Final = ActorShares(
    kind="pools",
    actors=(("Foundry USA", 46_076 / 160_432), ("AntPool", 34_365 / 160_432)),
    source=(
        "mempool.space block counts, 3 years to 2025-03-28 (Finbold, via "
        "https://freecryptozone.com/two-bitcoin-mining-swimming-pools-mined-over-51-of-all-btc"
        "-within-the-final-three-years)"
    ),
)

#: Countries by share of hashrate, Cambridge Bitcoin Electricity Consumption Index mining map,
#: January 2022 (REFERENCES.md §4).
COUNTRIES_CBECI_2022_01: Final = ActorShares(
    kind="countries",
    actors=(
        ("United States", 0.3784),
        ("China", 0.2111),
        ("Kazakhstan", 0.1322),
        ("Canada", 0.0648),
        ("Russia", 0.0466),
    ),
    source="CBECI mining map, January 2022 (Cambridge Centre for Alternative Finance); "
    "https://trtworld.com/magazine/china-remerges-as-major-bitcoin-mining-hub-despite-ban-57241",
)


def shares_with_actor(
    actor_share_frac: npt.ArrayLike,
    rest: ActorShares,
    *,
    actor: str = "actor",
    joins: str | None = None,
) -> tuple[tuple[str, ...], FloatArray]:
    """Shares of an actor and of the rest of the network split as ``rest`` says.

    Parameters
    ----------
    actor_share_frac : array_like
        The actor's share [0–1], any shape (e.g. over time).
    rest : ActorShares
        How the rest of the network is split; each named share is scaled by ``1 − actor share``.
    actor : str
        The actor's name.
    joins : str, optional
        A name in ``rest`` the actor belongs to (e.g. a US state program in ``"United
        States"``): its share is then added to that actor's instead of standing alone.

    Returns
    -------
    (names, shares)
        The actors' names and their shares, shape ``actor_share_frac.shape + (actors,)``. The
        unnamed fringe is not included (its shares are negligible each).

    Examples
    --------
    >>> names, shares = shares_with_actor(0.5, POOLS_MEMPOOL_2022_2025, actor="state")
    >>> names, [round(float(s), 4) for s in shares]
    (('state', 'Foundry USA', 'AntPool'), [0.5, 0.1436, 0.1071])
    """
    s = np.asarray(actor_share_frac, dtype=float)
    if not np.all(np.isfinite(s)) or np.any((s < 0) | (s > 1)):
        raise InvalidInputError("actor_share_frac must be fractions in [0, 1] (0.3 for 30 %)")
    scaled = [np.asarray(share * (1.0 - s)) for _, share in rest.actors]
    if joins is None:
        return (actor, *rest.names), np.stack([s, *scaled], axis=-1)
    if joins not in rest.names:
        raise InvalidInputError(f"joins={joins!r} is not one of {list(rest.names)!r}")
    index = rest.names.index(joins)
    scaled[index] = scaled[index] + s
    return rest.names, np.stack(scaled, axis=-1)


def concentration_over_time(
    actor_share_frac: pd.Series,
    rest: ActorShares = POOLS_MEMPOOL_2022_2025,
    *,
    actor: str = "actor",
    joins: str | None = None,
) -> pd.DataFrame:
    """Largest actor, HHI and Nakamoto coefficient at each time of an actor's share series.

    Parameters
    ----------
    actor_share_frac : pandas.Series
        The actor's share of the network [0–1], indexed by time (e.g. a variant's
        ``series["share_frac_median"]``).
    rest, actor, joins
        As in :func:`shares_with_actor`.

    Returns
    -------
    pandas.DataFrame
        Same index; columns ``largest_actor``, ``largest_share_frac``, ``hhi`` (a lower bound:
        the fringe counts as negligible), ``nakamoto_coefficient``, then each actor's share as
        ``share_frac: <name>``.

    Examples
    --------
    >>> import pandas as pd
    >>> share = pd.Series([0.2, 0.45, 0.6])
    >>> frame = concentration_over_time(share, actor="state")
    >>> frame["largest_actor"].tolist(), frame["nakamoto_coefficient"].tolist()
    (['Foundry USA', 'state', 'state'], [3, 2, 1])
    """
    values = np.asarray(actor_share_frac, dtype=float)
    names, shares = shares_with_actor(values, rest, actor=actor, joins=joins)
    frame = pd.DataFrame(index=actor_share_frac.index)
    top = np.argmax(shares, axis=-1)
    frame["largest_actor"] = [names[i] for i in np.atleast_1d(top)]
    frame["largest_share_frac"] = largest_share(shares)
    frame["hhi"] = hhi(shares)
    frame["nakamoto_coefficient"] = nakamoto_coefficient(shares)
    for i, name in enumerate(names):
        frame[f"share_frac: {name}"] = shares[..., i]
    return frame


def first_crossings(
    share_frac: pd.Series, thresholds_frac: Sequence[float] = (0.25, 1 / 3, 0.5)
) -> dict[float, pd.Timestamp | None]:
    """When a share series first reaches each threshold (``None``: never).

    Examples
    --------
    >>> import pandas as pd
    >>> times = pd.date_range("2026-01-01", periods=3, freq="MS", tz="UTC")
    >>> crossings = first_crossings(pd.Series([0.2, 0.3, 0.4], index=times))
    >>> [str(t.date()) if t is not None else None for t in crossings.values()]
    ['2026-02-01', '2026-03-01', None]
    """
    values = np.asarray(share_frac, dtype=float)
    out: dict[float, pd.Timestamp | None] = {}
    for threshold in thresholds_frac:
        _validate.fraction("threshold", threshold)
        hits = np.flatnonzero(values >= threshold)
        out[threshold] = pd.Timestamp(share_frac.index[hits[0]]) if hits.size else None
    return out
