"""The per-variant summary of a scenario run as plain text cells, for the CLI and the dashboard.

One builder, two renderers: ``hashtide run`` draws these columns and rows as a rich table, the
dashboard as an HTML table, so the two always show the same figures in the same units.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from hashtide.report.formatting import MISSING, format_count, format_percent, pick_unit

if TYPE_CHECKING:
    from hashtide.scenario.results import ScenarioResult


def variant_summary(result: ScenarioResult) -> tuple[list[str], list[list[str]]]:
    """Column titles and one row of text cells per variant (medians; BTC/yr with its 5–95 % band).

    Each column's unit is chosen from its values (a 6 MW site is not "0.0 TWh/yr"), so the titles
    carry the units: ``["variant", "machines", "EH/s", "mean EH/s", "share", "BTC/yr", "5–95 %",
    "USD/BTC", "TWh/yr", "Mt CO2e/yr"]`` for a state program.
    """
    variants = result.variants
    hash_u, hash_size = pick_unit("hashrate", [v.installed_hashrate_hs for v in variants])
    energy_u, energy_size = pick_unit("energy", [v.energy_kwh_per_year.median for v in variants])
    co2_u, co2_size = pick_unit("co2", [v.co2_kg_per_year.median for v in variants])
    columns = [
        "variant",
        "machines",
        hash_u,
        f"mean {hash_u}",
        "share",
        "BTC/yr",
        "5–95 %",
        "USD/BTC",
        f"{energy_u}/yr",
        f"{co2_u}/yr",
    ]
    rows = [
        [
            v.name,
            format_count(v.machines),
            f"{v.installed_hashrate_hs / hash_size:,.1f}",
            f"{v.mean_hashrate_hs.median / hash_size:,.1f}",
            format_percent(v.network_share_frac.median),
            f"{v.btc_per_year.median:,.0f}",
            f"{v.btc_per_year.p5:,.0f}–{v.btc_per_year.p95:,.0f}",
            f"{v.cost_usd_per_btc.median:,.0f}"
            if math.isfinite(v.cost_usd_per_btc.median)
            else MISSING,  # nothing mined: no cost per BTC (it printed "nan")
            f"{v.energy_kwh_per_year.median / energy_size:,.1f}",
            f"{v.co2_kg_per_year.median / co2_size:,.2f}",
        ]
        for v in variants
    ]
    return columns, rows
