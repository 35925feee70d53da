"""Shared test configuration: Hypothesis profiles.

``ci`` (the default) keeps the property suites fast; ``thorough`` runs many more examples for a
local hunt: ``HASHTIDE_HYPOTHESIS=thorough ./scripts/check.sh`` (or ``pytest tests/...``).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=100,  # Hypothesis' own default: the other suites keep their strength
    deadline=None,  # a shared 2-core machine: no wall-clock verdicts (hangs have their own guard)
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=2_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HASHTIDE_HYPOTHESIS", "ci"))
