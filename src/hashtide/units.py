"""Named constants and unit conversions used across hashtide.

Every conversion factor lives here, once, under a name that says what it converts. Quantities
crossing an API carry their unit in their name (``hashrate_hs``, ``duration_s``, ``reward_sat``).
"""

from __future__ import annotations

from typing import Final

SECONDS_PER_MINUTE: Final = 60
SECONDS_PER_HOUR: Final = 3_600
SECONDS_PER_DAY: Final = 86_400
#: Julian year [s]: 365.25 days, the convention for "per year" figures in hashtide.
SECONDS_PER_YEAR: Final = 31_557_600

#: Satoshis in one bitcoin (Bitcoin Core ``COIN``, ``src/consensus/amount.h``).
SAT_PER_BTC: Final = 100_000_000

#: Joules in one kilowatt-hour.
J_PER_KWH: Final = 3.6e6

#: SI prefixes for hashrate [H/s].
HS_PER_THS: Final = 1e12
HS_PER_PHS: Final = 1e15
HS_PER_EHS: Final = 1e18
HS_PER_ZHS: Final = 1e21


def sat_to_btc(amount_sat: int) -> float:
    """Convert satoshis to bitcoin [BTC] (a float: for display and economics, not consensus)."""
    return amount_sat / SAT_PER_BTC


def hs_to_ehs(hashrate_hs: float) -> float:
    """Convert a hashrate from H/s to EH/s."""
    return hashrate_hs / HS_PER_EHS
