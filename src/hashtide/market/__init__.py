"""The world's miners as a market: regions × vintages, behaviour rules, policy events, replays.

>>> from hashtide import market
>>> [r.key for r in market.DEFAULT_REGIONS][:3]
['china_hydro', 'china_coal', 'china_other']
"""

from hashtide.market.backtest import (
    BacktestResult,
    backtest_windows,
    baseline_trend,
    baseline_unchanged,
    mdape_pct,
    run_backtest,
    summarize_windows,
    window_starts,
)
from hashtide.market.behaviour import (
    PARAM_SOURCES,
    BehaviourParams,
    EntryFit,
    electricity_cost_usd_per_th_day,
    fit_entry,
    hashprice_usd_per_th_day,
    new_machine_margin,
    order_rate,
    running_frac,
)
from hashtide.market.carbon_check import (
    PUBLISHED_CARBON,
    CarbonComparison,
    PublishedCarbon,
    carbon_comparison,
)
from hashtide.market.data import (
    DailySeries,
    MapQuote,
    btc_fees_per_block,
    btc_price_usd,
    mining_map_quotes,
    provenance,
    read_mining_map,
)
from hashtide.market.events import (
    Event,
    PowerCut,
    PowerPriceShock,
    RegionalBan,
    StateProgram,
)
from hashtide.market.fleet import (
    Reconstruction,
    WorldFleet,
    build_fleet,
    new_machine_efficiency_j_per_th,
    reconstruct,
)
from hashtide.market.history import (
    ChainHistory,
    MarketInputs,
    chain_history,
    historical_hashprice,
)
from hashtide.market.regions import DEFAULT_REGIONS, Region, china_split, region_shares
from hashtide.market.replay import ClaimResult, ReplayResult
from hashtide.market.run import MarketRun, simulate
from hashtide.market.world import Assumption, WorldMarket

__all__ = [
    "DEFAULT_REGIONS",
    "PARAM_SOURCES",
    "PUBLISHED_CARBON",
    "Assumption",
    "BacktestResult",
    "BehaviourParams",
    "CarbonComparison",
    "ChainHistory",
    "ClaimResult",
    "DailySeries",
    "EntryFit",
    "Event",
    "MapQuote",
    "MarketInputs",
    "MarketRun",
    "PowerCut",
    "PowerPriceShock",
    "PublishedCarbon",
    "Reconstruction",
    "Region",
    "RegionalBan",
    "ReplayResult",
    "StateProgram",
    "WorldFleet",
    "WorldMarket",
    "backtest_windows",
    "baseline_trend",
    "baseline_unchanged",
    "btc_fees_per_block",
    "btc_price_usd",
    "build_fleet",
    "carbon_comparison",
    "chain_history",
    "china_split",
    "electricity_cost_usd_per_th_day",
    "fit_entry",
    "hashprice_usd_per_th_day",
    "historical_hashprice",
    "mdape_pct",
    "mining_map_quotes",
    "new_machine_efficiency_j_per_th",
    "new_machine_margin",
    "order_rate",
    "provenance",
    "read_mining_map",
    "reconstruct",
    "region_shares",
    "run_backtest",
    "running_frac",
    "simulate",
    "summarize_windows",
    "window_starts",
]
