"""Replay every retarget of a chain-history table with :func:`hashtide.protocol.next_bits`.

Two kinds of check, by what the table knows about the period that ends:

* **exact** — both the first and the last block times are known: ``next_bits`` must give the
  next period's bits to the bit.
* **span** — only first-block times are known. The bits transition pins the measured span
  (last − first block time of the period) to an interval of whole seconds; the next period's
  first block comes one block interval after the last block, so
  ``gap = (next first − first) − span`` must be a plausible single block interval.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import pandas as pd

from hashtide.protocol.compact import bits_to_target
from hashtide.protocol.params import MAINNET, ChainParams
from hashtide.protocol.retarget import next_bits

#: Earliest a block's time may precede its predecessor's in practice [s]. Consensus only needs a
#: time above the median of the last 11 blocks, so a block can be stamped up to about an hour or
#: two before the one it follows (the network-adjusted-time rule allows +2 h into the future).
MAX_BACKWARD_GAP_S: Final = 2 * 3_600

#: A gap must be at most this many mean block intervals of its period to count as "one block
#: interval". Block intervals are exponential: P(X > 12 · mean) = e**-12 ≈ 6e-6, so over ~450
#: periods a genuine gap exceeds it with probability ≈ 0.3 %.
MAX_GAP_MEAN_INTERVALS: Final = 12.0

CheckKind = Literal["exact", "span", "unchecked"]


@dataclass(frozen=True, kw_only=True)
class RetargetCheck:
    """The outcome of replaying one retarget (from period ``epoch`` to ``epoch + 1``)."""

    epoch: int
    #: Height of the first block under the new bits.
    height: int
    kind: CheckKind
    ok: bool
    #: Bits of the period that ends.
    old_bits: int
    #: Bits of the next period, as the chain has them.
    expected_bits: int
    #: ``next_bits`` result (exact checks only).
    computed_bits: int | None
    #: Whole-second spans that reproduce the transition; ``None`` for unbounded ends.
    span_min_s: int | None
    span_max_s: int | None
    detail: str


@dataclass(frozen=True, kw_only=True)
class VerifyReport:
    """All retarget checks of a table, with counts."""

    checks: tuple[RetargetCheck, ...]

    def count(self, kind: CheckKind, *, ok: bool | None = None) -> int:
        """Checks of ``kind`` (and, if given, with outcome ``ok``)."""
        return sum(1 for c in self.checks if c.kind == kind and (ok is None or c.ok == ok))

    @property
    def failures(self) -> tuple[RetargetCheck, ...]:
        """Checks that ran and failed."""
        return tuple(c for c in self.checks if c.kind != "unchecked" and not c.ok)

    @property
    def ok(self) -> bool:
        """True when no check that ran failed."""
        return not self.failures


def span_interval_s(
    old_bits: int, new_bits: int, *, params: ChainParams = MAINNET
) -> tuple[int | None, int | None] | None:
    """Whole-second measured spans for which ``next_bits`` turns ``old_bits`` into ``new_bits``.

    Returns ``(low, high)``; ``low`` is ``None`` when every span up to the lower clamp (T/4) works,
    ``high`` is ``None`` when every span from the upper clamp (4T) or the powLimit cap on works.
    Returns ``None`` when no span reproduces the transition.

    Notes
    -----
    ``next_bits`` is non-decreasing in the span (a longer span never gives a smaller target), so
    the set is an interval, found by two binary searches over [T/4, 4T].
    """
    lower = params.pow_target_timespan_s // 4
    upper = params.pow_target_timespan_s * 4
    goal = bits_to_target(new_bits)

    def target_at(span_s: int) -> int:
        return bits_to_target(next_bits(old_bits, 0, span_s, params=params))

    if not target_at(lower) <= goal <= target_at(upper):
        return None
    lo, hi = lower, upper  # smallest span whose target >= goal
    while lo < hi:
        mid = (lo + hi) // 2
        if target_at(mid) >= goal:
            hi = mid
        else:
            lo = mid + 1
    first = lo
    lo, hi = lower, upper  # largest span whose target <= goal
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if target_at(mid) <= goal:
            lo = mid
        else:
            hi = mid - 1
    last = lo
    if first > last:
        return None
    return (None if first == lower else first, None if last == upper else last)


def _time_s(value: object) -> int | None:
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return None
    return int(pd.Timestamp(value).timestamp())  # type: ignore[arg-type]


def _check_one(
    epoch: int,
    height: int,
    old_bits: int,
    new_bits: int,
    times: Iterable[int | None],
    params: ChainParams,
) -> RetargetCheck:
    first, last, next_first = times
    common = {"epoch": epoch, "height": height, "old_bits": old_bits, "expected_bits": new_bits}
    if first is not None and last is not None:
        computed = next_bits(old_bits, first, last, params=params)
        ok = computed == new_bits
        detail = f"span {last - first} s gives 0x{computed:08x}" + (
            "" if ok else f", chain has 0x{new_bits:08x}"
        )
        return RetargetCheck(
            **common,
            kind="exact",
            ok=ok,
            computed_bits=computed,
            span_min_s=last - first,
            span_max_s=last - first,
            detail=detail,
        )
    if first is None or next_first is None:
        return RetargetCheck(
            **common,
            kind="unchecked",
            ok=True,
            computed_bits=None,
            span_min_s=None,
            span_max_s=None,
            detail="a first-block time is unknown",
        )
    bounds = span_interval_s(old_bits, new_bits, params=params)
    if bounds is None:
        return RetargetCheck(
            **common,
            kind="span",
            ok=False,
            computed_bits=None,
            span_min_s=None,
            span_max_s=None,
            detail=f"no span turns 0x{old_bits:08x} into 0x{new_bits:08x}",
        )
    low, high = bounds
    elapsed = next_first - first
    mean_interval = elapsed / params.difficulty_adjustment_interval
    gap_max = MAX_GAP_MEAN_INTERVALS * mean_interval
    # gap = elapsed - span, for some span in [low, high]
    gap_low = -np.inf if high is None else elapsed - high
    gap_high = np.inf if low is None else elapsed - low
    ok = gap_high >= -MAX_BACKWARD_GAP_S and gap_low <= gap_max
    span_text = f"[{'≤T/4' if low is None else low}, {'≥4T or cap' if high is None else high}] s"
    detail = (
        f"bits imply a span in {span_text}; first blocks {elapsed} s apart leave a last-block gap "
        f"of {gap_low:.0f} … {gap_high:.0f} s"
        + ("" if ok else f" (plausible: {-MAX_BACKWARD_GAP_S} … {gap_max:.0f} s)")
    )
    return RetargetCheck(
        **common,
        kind="span",
        ok=bool(ok),
        computed_bits=None,
        span_min_s=low,
        span_max_s=high,
        detail=detail,
    )


def verify_retargets(table: pd.DataFrame, *, params: ChainParams = MAINNET) -> VerifyReport:
    """Replay every retarget in ``table`` (an epoch table, e.g. :func:`hashtide.chain.epochs`).

    Parameters
    ----------
    table : pandas.DataFrame
        Consecutive periods with ``epoch``, ``start_height``, ``bits``, ``first_block_time`` and
        ``last_block_time`` columns.
    params : ChainParams
        Consensus parameters (mainnet by default).

    Returns
    -------
    VerifyReport
        One :class:`RetargetCheck` per transition between consecutive rows.
    """
    epochs_ = table["epoch"].to_numpy()
    heights = table["start_height"].to_numpy()
    bits = [int(b) for b in table["bits"]]
    first = [_time_s(v) for v in table["first_block_time"]]
    last = [_time_s(v) for v in table["last_block_time"]]
    checks = [
        _check_one(
            int(epochs_[i]),
            int(heights[i + 1]),
            bits[i],
            bits[i + 1],
            (first[i], last[i], first[i + 1]),
            params,
        )
        for i in range(len(bits) - 1)
    ]
    return VerifyReport(checks=tuple(checks))
