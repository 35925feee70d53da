"""scripts/walkforward_tables.py prints the docs' walk-forward tables from a walk's JSON."""

from __future__ import annotations

import datetime as dt
import math
import sys
from pathlib import Path

import pandas as pd

from hashtide.market.history import chain_history
from hashtide.market.walkforward import PRIOR_CONSTANTS, WalkForwardResult, era_of

REPO = Path(__file__).resolve().parent.parent


def _tables():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import walkforward_tables
    finally:
        sys.path.pop(0)
    return walkforward_tables


def _walk(rows: list[tuple[str, int, float, float, float, float, bool]]) -> WalkForwardResult:
    records = []
    for start, height, model, unchanged, trend, price_trend, fitted in rows:
        day = dt.date.fromisoformat(start)
        k = chain_history().row_of_height(height)
        records.append(
            {
                "start": day,
                "start_height": height,
                "era": era_of(day),
                "constants": PRIOR_CONSTANTS.label,
                **PRIOR_CONSTANTS.as_dict(),
                "calibration_windows": 10 if fitted else 0,
                "calibration_loss": -0.1 if fitted else math.nan,
                "constants_fitted": fitted,
                "model_mdape_pct": model,
                "unchanged_mdape_pct": unchanged,
                "trend_mdape_pct": trend,
                "price_trend_mdape_pct": price_trend,
                "beats_unchanged": model < unchanged,
                "beats_trend": model < trend,
                "model_wins": model < min(unchanged, trend),
                "beats_price_trend": model < price_trend,
                # 10 % above the chain in both scored periods
                "simulated_difficulty": [
                    1.1 * float(d) for d in chain_history().difficulty[k + 1 : k + 3]
                ],
            }
        )
    frame = pd.DataFrame(records)
    return WalkForwardResult(windows=frame, horizon=2, candidates=(PRIOR_CONSTANTS,))


def test_tables_count_and_format_the_walks_figures() -> None:
    tables = _tables()
    # Two windows: the first beats both naive baselines (5 < min(10, 8)), the second does not
    # (9 > 6); heights are the first blocks of the periods that began by those dates.
    data = _walk(
        [
            ("2016-01-01", 391_104, 5.0, 10.0, 8.0, 7.0, True),
            ("2020-01-01", 608_832, 9.0, 6.0, 12.0, 10.0, False),
        ]
    ).to_json()
    eras = tables.era_table(data).splitlines()
    assert eras[2] == "| 2016–19 | 1 | 1 (100%) | 5.00 % | 10.00 % | 8.00 % | 7.00 % | 1 |"
    assert eras[3] == "| 2020–22 | 1 | 0 (0%) | 9.00 % | 6.00 % | 12.00 % | 10.00 % | 1 |"
    # "all": medians of two values are their means
    assert eras[4] == "| all | 2 | 1 (50%) | 7.00 % | 8.00 % | 10.00 % | 8.50 % | 2 |"
    windows = tables.window_table(data).splitlines()
    assert windows[2] == (
        "| 2016-01-01 | 391,104 | 14d/90d/180d/σ0.6 | 5.00 % | 10.00 % | 8.00 % | 7.00 % | yes |"
    )
    assert windows[3].startswith("| 2020-01-01 | 608,832 | 14d/90d/180d/σ0.6 (prior) | 9.00 %")
    assert "1 of 2 monthly windows (50%" in tables.target_line(data)
    older = _walk([("2016-01-01", 391_104, 12.0, 10.0, 8.0, 7.0, True)]).to_json()
    assert tables.changes(data, older).splitlines()[0] == "2016-01-01: 12.00 % → 5.00 % (won)"


def test_signed_errors_read_the_chain() -> None:
    tables = _tables()
    data = _walk([("2016-01-01", 391_104, 5.0, 10.0, 8.0, 7.0, True)]).to_json()
    line = tables.signed_errors(data).splitlines()[1]
    # the simulated difficulty is the chain's × 1.1 in both periods: +10 % each
    assert line.endswith("|  +10  +10")
