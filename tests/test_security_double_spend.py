"""Double spending: the white paper's table, the exact probability, confirmations for a risk.

Sources of the expected numbers:

* **published** — Nakamoto (2008), "Bitcoin: A peer-to-peer electronic cash system", §11, the
  tables printed under "Running some results" and "Solving for P less than 0.1 %" (quoted in
  ../shared/REFERENCES.md §7; https://bitcoin.org/bitcoin.pdf).
* **independent derivation** — (a) Rosenfeld's negative-binomial sum (arXiv:1402.2009, §4)
  evaluated in exact rational arithmetic, for the regularized-incomplete-beta closed form the
  code uses (Grunspan & Pérez-Marco 2018, Theorem 1): a different formula, no floating point;
  (b) the race itself solved numerically as a Markov chain (dynamic programming over the honest
  chain's first ``z`` blocks, then a linear solve of the catch-up walk truncated far away),
  using neither closed form.

Rosenfeld's paper also prints tables; they are not in the material this project could consult
offline, so they are not pinned here.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import sparse
from scipy.sparse import linalg as sparse_linalg

from hashtide.errors import InvalidInputError
from hashtide.security import confirmations_needed, double_spend_probability

# Published: Nakamoto (2008) §11, q = 0.1 and q = 0.3, printed to 7 decimals.
WHITE_PAPER_Q01 = [
    (0, 1.0000000),
    (1, 0.2045873),
    (2, 0.0509779),
    (3, 0.0131722),
    (4, 0.0034552),
    (5, 0.0009137),
    (6, 0.0002428),
    (7, 0.0000647),
    (8, 0.0000173),
    (9, 0.0000046),
    (10, 0.0000012),
]
WHITE_PAPER_Q03 = [
    (0, 1.0000000),
    (5, 0.1773523),
    (10, 0.0416605),
    (15, 0.0101008),
    (20, 0.0024804),
    (25, 0.0006132),
    (30, 0.0001522),
    (35, 0.0000379),
    (40, 0.0000095),
    (45, 0.0000024),
    (50, 0.0000006),
]
# Published: Nakamoto (2008) §11, "Solving for P less than 0.1 %".
WHITE_PAPER_Z_FOR_0_1_PCT = [
    (0.10, 5),
    (0.15, 8),
    (0.20, 11),
    (0.25, 15),
    (0.30, 24),
    (0.35, 41),
    (0.40, 89),
    (0.45, 340),
]


@pytest.mark.parametrize(("q", "table"), [(0.1, WHITE_PAPER_Q01), (0.3, WHITE_PAPER_Q03)])
def test_white_paper_table(q: float, table: list[tuple[int, float]]) -> None:
    for z, printed in table:
        # The paper prints 7 decimals: ours must round to the same digits.
        assert round(double_spend_probability(q, z), 7) == printed, (q, z)
        assert double_spend_probability(q, z) == pytest.approx(printed, abs=5e-8)


@pytest.mark.parametrize(("q", "z"), WHITE_PAPER_Z_FOR_0_1_PCT)
def test_white_paper_confirmations_for_0_1_percent(q: float, z: int) -> None:
    assert confirmations_needed(q, 0.001, method="nakamoto") == z


def rosenfeld_exact(q: Fraction, z: int) -> Fraction:
    """Rosenfeld (2014) §4: 1 − Σ_{m=0}^{z} C(m+z−1, m)(p^z q^m − p^m q^z), in exact rationals."""
    if z == 0:
        return Fraction(1)
    p = 1 - q
    total = Fraction(0)
    for m in range(z + 1):
        total += math.comb(m + z - 1, m) * (p**z * q**m - p**m * q**z)
    return 1 - total


Q_GRID = [Fraction(k, 100) for k in (1, 5, 10, 17, 25, 30, 35, 40, 45, 49)]


@pytest.mark.parametrize("q", Q_GRID, ids=str)
def test_exact_equals_rosenfelds_sum_in_rationals(q: Fraction) -> None:
    for z in [*range(0, 31), 60, 120]:
        expected = float(rosenfeld_exact(q, z))
        got = double_spend_probability(float(q), z, method="exact")
        # scipy's betainc is accurate to a few ulp relative; 1e-11 leaves room for tiny values.
        assert got == pytest.approx(expected, rel=1e-11, abs=1e-300), (q, z)


def race_by_markov_chain(q: float, z: int, far: int = 400) -> float:
    """The double-spend race solved numerically, with neither closed form.

    Phase 1 (dynamic programming): each block is the attacker's with probability ``q``; track the
    attacker's blocks while the honest chain finds its first ``z``. Phase 2: from ``d`` blocks
    behind, the probability ``c_d`` of ever drawing level solves ``c_d = q c_{d-1} + p c_{d+1}``
    with ``c_0 = 1`` and ``c_far = 0`` — a linear system, solved directly (truncation error
    below (q/p)^far).
    """
    p = 1.0 - q
    # attacker[m]: probability the attacker has m blocks when the honest chain has h blocks.
    attacker = np.zeros(z + 2)  # index z + 1 collects "z + 1 or more" (already caught up)
    attacker[0] = 1.0
    for _ in range(z):
        # Before the next honest block the attacker finds k more with probability q^k p.
        new = np.zeros_like(attacker)
        for m in range(z + 2):
            if attacker[m] == 0.0:
                continue
            for k in range(z + 2 - m):
                target = min(m + k, z + 1)
                weight = q**k * p if target < z + 1 else q**k  # "k or more" at the cap
                new[target] += attacker[m] * weight
                if target == z + 1:
                    break
        attacker = new
    # Catch-up probabilities c_1 … c_{far−1} from d behind.
    n = far - 1
    matrix = np.zeros((n, n))
    rhs = np.zeros(n)
    for i in range(n):  # row for d = i + 1
        matrix[i, i] = 1.0
        if i > 0:
            matrix[i, i - 1] = -q
        else:
            rhs[i] = q  # c_0 = 1
        if i + 1 < n:
            matrix[i, i + 1] = -p
    solved = sparse_linalg.spsolve(sparse.csc_matrix(matrix), rhs)
    catch_up = np.concatenate([[1.0], solved])
    deficits = z - np.arange(z + 2)
    return float(sum(attacker[m] * catch_up[max(d, 0)] for m, d in enumerate(deficits)))


@pytest.mark.parametrize(("q", "z"), [(0.1, 1), (0.1, 6), (0.2, 3), (0.3, 6), (0.3, 12), (0.4, 8)])
def test_exact_equals_the_race_solved_as_a_markov_chain(q: float, z: int) -> None:
    assert double_spend_probability(q, z, method="exact") == pytest.approx(
        race_by_markov_chain(q, z), rel=1e-9
    )


@pytest.mark.parametrize("q", [Fraction(k, 100) for k in (10, 15, 20, 25, 30, 35, 40, 45)], ids=str)
def test_exact_confirmations_for_0_1_percent(q: Fraction) -> None:
    # Independent derivation: the answer z must leave Rosenfeld's exact rational sum below
    # 0.1 % and z − 1 at or above it. (This gives 6, 9, 13, 20, 32, 58, 133, 539 for
    # q = 0.10 … 0.45 — more than the white paper's 5 … 340, as Grunspan & Pérez-Marco note.)
    z = confirmations_needed(float(q), 0.001)
    assert rosenfeld_exact(q, z) < Fraction(1, 1000) <= rosenfeld_exact(q, z - 1)


def test_boundaries() -> None:
    for method in ("nakamoto", "exact"):
        assert double_spend_probability(0.0, 0, method) == 1.0  # nothing to overtake
        assert double_spend_probability(0.0, 6, method) == 0.0  # no hashrate, no attack
        assert double_spend_probability(0.5, 1000, method) == 1.0  # q ≥ p: catches up surely
        assert double_spend_probability(0.75, 3, method) == 1.0
    # z = 1, exact: 1 − (p − q) = 2q (Rosenfeld's sum has one non-zero term), by hand.
    assert double_spend_probability(0.1, 1, "exact") == pytest.approx(0.2, rel=1e-12)
    # A large z stays finite and tiny, without underflow to a wrong sign.
    tiny = double_spend_probability(0.1, 400)
    assert 0.0 <= tiny < 1e-100


@given(
    st.floats(min_value=0.0, max_value=0.499),
    st.integers(min_value=0, max_value=200),
    st.sampled_from(["nakamoto", "exact"]),
)
def test_probability_falls_with_confirmations_and_rises_with_share(
    q: float, z: int, method: str
) -> None:
    p = double_spend_probability(q, z, method)  # type: ignore[arg-type]
    assert 0.0 <= p <= 1.0
    assert double_spend_probability(q, z + 1, method) <= p + 1e-15  # type: ignore[arg-type]
    assert double_spend_probability(min(q + 0.001, 0.999), z, method) >= p - 1e-15  # type: ignore[arg-type]


@given(st.floats(min_value=0.01, max_value=0.45), st.sampled_from([0.1, 0.01, 0.001, 1e-6]))
def test_confirmations_needed_is_the_smallest_safe_z(q: float, risk: float) -> None:
    z = confirmations_needed(q, risk)
    assert double_spend_probability(q, z, "exact") < risk
    assert z == 0 or double_spend_probability(q, z - 1, "exact") >= risk


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: double_spend_probability(1.0, 6), r"q=1\.0 must be in \[0, 1\)"),
        (lambda: double_spend_probability(-0.1, 6), r"q=-0\.1 must be in \[0, 1\)"),
        (lambda: double_spend_probability(30, 6), r"q=30 must be in \[0, 1\).*not percent"),
        (lambda: double_spend_probability(float("nan"), 6), r"q=nan must be a finite number"),
        (lambda: double_spend_probability("0.3", 6), r"q='0\.3' must be a real number"),  # type: ignore[arg-type]
        (lambda: double_spend_probability(0.3, -1), r"z=-1 must be an integer >= 0"),
        (lambda: double_spend_probability(0.3, 2.5), r"z=2\.5 must be an integer >= 0"),  # type: ignore[arg-type]
        (lambda: double_spend_probability(0.3, True), r"z=True must be an integer"),
        (lambda: double_spend_probability(0.3, 6, "poisson"), r"method='poisson' must be"),  # type: ignore[arg-type]
        (lambda: confirmations_needed(0.5, 0.001), r"q=0\.5 must be in \[0, 0\.5\)"),
        (lambda: confirmations_needed(0.3, 0.0), r"risk=0\.0 must be in \(0, 1\]"),
        (lambda: confirmations_needed(0.3, 1.5), r"risk=1\.5 must be in \(0, 1\]"),
    ],
)
def test_bad_parameters_raise_clear_value_errors(call: object, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match) as info:
        call()  # type: ignore[operator]
    assert isinstance(info.value, ValueError)
