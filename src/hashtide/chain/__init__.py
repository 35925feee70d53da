"""Real chain history: one row per retarget period, from the shipped table or a headers file.

>>> from hashtide import chain
>>> table = chain.epochs()
>>> int(table["start_height"].iloc[-1]) > 900_000
True
"""

from hashtide.chain.estimate import estimate_first_block_time_s
from hashtide.chain.headers import (
    HEADER_SIZE,
    BlockHeader,
    HeaderChain,
    check_proof_of_work,
    epochs_from_headers,
    read_headers,
)
from hashtide.chain.history import daily_tips, epochs, provenance
from hashtide.chain.table import EPOCH_COLUMNS, make_epoch_table
from hashtide.chain.verify import RetargetCheck, VerifyReport, span_interval_s, verify_retargets

__all__ = [
    "EPOCH_COLUMNS",
    "HEADER_SIZE",
    "BlockHeader",
    "HeaderChain",
    "RetargetCheck",
    "VerifyReport",
    "check_proof_of_work",
    "daily_tips",
    "epochs",
    "epochs_from_headers",
    "estimate_first_block_time_s",
    "make_epoch_table",
    "provenance",
    "read_headers",
    "span_interval_s",
    "verify_retargets",
]
