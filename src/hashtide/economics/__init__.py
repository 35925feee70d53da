"""Mining economics: hashprice, power cost, break-even prices, and cash-flow arithmetic."""

from hashtide.economics.finance import (
    break_even_btc_price_usd,
    irr,
    irr_paths,
    npv_usd,
    npv_usd_paths,
    payback_years,
    payback_years_paths,
)
from hashtide.economics.revenue import (
    break_even_power_price_usd_per_kwh,
    expected_blocks_per_day,
    hashprice_usd_per_th_day,
    power_cost_usd_per_th_day,
)
from hashtide.units import J_PER_KWH

__all__ = [
    "J_PER_KWH",
    "break_even_btc_price_usd",
    "break_even_power_price_usd_per_kwh",
    "expected_blocks_per_day",
    "hashprice_usd_per_th_day",
    "irr",
    "irr_paths",
    "npv_usd",
    "npv_usd_paths",
    "payback_years",
    "payback_years_paths",
    "power_cost_usd_per_th_day",
]
