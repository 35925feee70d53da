"""Mining economics: hashprice, power cost, break-even prices, and cash-flow arithmetic."""

from hashtide.economics.finance import break_even_btc_price_usd, irr, npv_usd, payback_years
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
    "npv_usd",
    "payback_years",
    "power_cost_usd_per_th_day",
]
