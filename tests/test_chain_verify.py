"""Replaying the shipped history's retargets, and catching tampered tables."""

from __future__ import annotations

import pandas as pd
import pytest

from hashtide.chain import epochs, span_interval_s, verify_retargets
from hashtide.protocol import MAINNET, next_bits


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return epochs()


def test_every_known_retarget_is_reproduced(table: pd.DataFrame) -> None:
    # Issue #2 "Done when": every retarget whose two timestamps are known (about 40) is
    # reproduced exactly, the 2021-07-03 adjustment at 689,472 among them; 400+ others are
    # consistent. Counts are a regression snapshot of the shipped table (SOURCES.md windows:
    # 7 + 4 + 10 + 5 + 11 periods with both times).
    report = verify_retargets(table)
    assert report.ok
    assert report.count("exact") == report.count("exact", ok=True) == 37
    assert 689_472 in {c.height for c in report.checks if c.kind == "exact"}
    assert report.count("span") == report.count("span", ok=True) == 410
    assert report.count("unchecked") == 26


def test_tampered_bits_are_named(table: pd.DataFrame) -> None:
    bad = table.copy()
    row = bad.index[bad["start_height"] == 689_472][0]
    bad.loc[row, "bits"] = 0x171398CF  # one unit off in the mantissa
    report = verify_retargets(bad)
    failed = {(c.height, c.kind) for c in report.failures}
    assert (689_472, "exact") in failed
    [check] = [c for c in report.failures if c.height == 689_472]
    assert check.computed_bits == 0x171398CE
    assert "chain has 0x171398cf" in check.detail


def test_tampered_first_block_time_fails_span_check(table: pd.DataFrame) -> None:
    bad = table.copy()
    row = bad.index[bad["start_height"] == 201_600][0]  # only first-block times known here
    bad.loc[row, "first_block_time"] += pd.Timedelta(days=1)
    report = verify_retargets(bad)
    assert {c.height for c in report.failures} >= {203_616}


def test_span_interval_brackets_the_real_span() -> None:
    # Independent check with next_bits itself: every span inside the interval reproduces the
    # transition and the spans just outside do not. 2021-07-03: the real span is 1,678,665 s
    # (getblockstats times of heights 687,456 and 689,471).
    old, new = 0x170E1EF9, 0x171398CE
    bounds = span_interval_s(old, new)
    assert bounds is not None
    low, high = bounds
    assert low is not None
    assert high is not None
    assert low <= 1_678_665 <= high
    assert high - low < 60  # 3-byte mantissa: the span is pinned to within a minute
    assert next_bits(old, 0, low) == new == next_bits(old, 0, high)
    assert next_bits(old, 0, low - 1) != new
    assert next_bits(old, 0, high + 1) != new


def test_span_interval_open_ends_at_clamps() -> None:
    # Core's pow_tests lower_limit_actual: the new bits are the T/4 clamp, reached by any span
    # up to 302,400 s; upper_limit_actual: the 4T clamp.
    low_bounds = span_interval_s(0x1C05A3F4, 0x1C0168FD)
    assert low_bounds is not None
    assert low_bounds[0] is None
    high_bounds = span_interval_s(0x1C387F6F, 0x1D00E1FD)
    assert high_bounds is not None
    assert high_bounds[1] is None
    # Impossible transition: difficulty up more than 4×.
    assert span_interval_s(0x1C387F6F, 0x1B0404CB) is None
    # The powLimit cap: any span from T on keeps genesis bits.
    cap = span_interval_s(0x1D00FFFF, 0x1D00FFFF)
    assert cap is not None
    assert cap[1] is None
    assert cap[0] is not None
    assert cap[0] <= MAINNET.pow_target_timespan_s
