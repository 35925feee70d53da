"""Real chain history: one row per retarget period, from the shipped table or a headers file."""

from hashtide.chain.table import EPOCH_COLUMNS, make_epoch_table

__all__ = ["EPOCH_COLUMNS", "make_epoch_table"]
