"""Consensus parameters of a Bitcoin network.

Values for mainnet are Bitcoin Core's, ``src/kernel/chainparams.cpp`` (``CMainParams``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from hashtide.errors import InvalidInputError


@dataclass(frozen=True, kw_only=True)
class ChainParams:
    """The consensus constants the retarget, proof-of-work and subsidy rules read.

    Parameters
    ----------
    name : str
        Short name, e.g. ``"main"``.
    pow_limit : int
        Largest allowed target (easiest difficulty), Core ``consensus.powLimit``.
    pow_target_timespan_s : int
        Intended duration of one retarget period [s], Core ``nPowTargetTimespan``.
    pow_target_spacing_s : int
        Intended time between blocks [s], Core ``nPowTargetSpacing``.
    subsidy_halving_interval : int
        Blocks between subsidy halvings, Core ``nSubsidyHalvingInterval``.
    initial_subsidy_sat : int
        Subsidy of the first era [sat] (``50 * COIN`` in Core's ``GetBlockSubsidy``).
    pow_no_retargeting : bool
        If true the target never changes (Core ``fPowNoRetargeting``, regtest).
    """

    name: str
    pow_limit: int
    pow_target_timespan_s: int = 14 * 24 * 60 * 60
    pow_target_spacing_s: int = 10 * 60
    subsidy_halving_interval: int = 210_000
    initial_subsidy_sat: int = 50 * 100_000_000
    pow_no_retargeting: bool = False

    def __post_init__(self) -> None:
        if not 0 < self.pow_limit < 2**256:
            raise InvalidInputError(f"pow_limit={self.pow_limit!r} must be in (0, 2**256)")
        if self.pow_target_spacing_s <= 0 or self.pow_target_timespan_s <= 0:
            raise InvalidInputError(
                f"pow_target_spacing_s={self.pow_target_spacing_s!r} and "
                f"pow_target_timespan_s={self.pow_target_timespan_s!r} must be > 0"
            )
        if self.pow_target_timespan_s % self.pow_target_spacing_s:
            raise InvalidInputError(
                "pow_target_timespan_s must be a whole number of pow_target_spacing_s"
            )
        if not self.pow_no_retargeting and self.pow_limit >= (2**256 - 1) // (
            4 * self.pow_target_timespan_s
        ):
            # Core's own sanity check (src/test/pow_tests.cpp, sanity_check_chainparams): above
            # this, Core's 256-bit product old_target × span wraps and its retarget would differ
            # from the exact one computed here.
            raise InvalidInputError(
                f"pow_limit={self.pow_limit:#x} is too large for retargeting with "
                f"pow_target_timespan_s={self.pow_target_timespan_s}: must be < "
                "(2**256 - 1) / (4 * pow_target_timespan_s), or set pow_no_retargeting"
            )
        if self.subsidy_halving_interval <= 0 or self.initial_subsidy_sat < 0:
            raise InvalidInputError(
                f"subsidy_halving_interval={self.subsidy_halving_interval!r} must be > 0 and "
                f"initial_subsidy_sat={self.initial_subsidy_sat!r} must be >= 0"
            )

    @property
    def difficulty_adjustment_interval(self) -> int:
        """Blocks per retarget period (2016 on mainnet), Core ``DifficultyAdjustmentInterval``."""
        return self.pow_target_timespan_s // self.pow_target_spacing_s


#: Bitcoin mainnet. ``powLimit`` is ``00000000ffff…ff`` = 2**224 − 1.
MAINNET: Final = ChainParams(name="main", pow_limit=2**224 - 1)

#: Bitcoin regtest: trivial proof of work and no retargeting.
REGTEST: Final = ChainParams(name="regtest", pow_limit=2**255 - 1, pow_no_retargeting=True)
