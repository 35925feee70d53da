"""The names of hidden-load patterns, shared by the generator, the screen and facility files.

One list, so that a pattern the generator can inject, the screen can report and a facility file
can declare is spelt the same everywhere (``hashtide.regulation.generator.pattern_load`` says
what each one draws).
"""

from __future__ import annotations

from typing import Final

#: How a hidden load runs: an ASIC or GPU fleet switched on inside the history (``onset``),
#: added in batches, running since before it, at night, at weekends, curtailed on some days,
#: for heat in winter, GPU rigs between stints; or a small storage-proof / proof-of-stake node.
HIDDEN_PATTERNS: Final = (
    "onset",
    "batches",
    "always_on",
    "night_only",
    "weekend_only",
    "curtailed",
    "seasonal_heat",
    "gpu_mining",
    "storage_pos",
)
#: The patterns of a mining fleet (an always-on block, or one switched on and off by price or
#: tariff): every hidden pattern but the storage/proof-of-stake node.
FLEET_PATTERNS: Final = tuple(p for p in HIDDEN_PATTERNS if p != "storage_pos")
