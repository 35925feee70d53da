"""World-market runs: the speed work changes no result; chunks of paths change nothing."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from world_snapshot import PATH, snapshot  # noqa: E402


def _close(new: Any, old: Any, where: str) -> None:
    if isinstance(old, dict):
        assert set(new) == set(old), where
        for key in old:
            _close(new[key], old[key], f"{where}.{key}")
    elif "bits" in where or "blocks" in where:
        assert new == old, where
    else:
        # Summed in another order, floats may differ in the last bits only.
        np.testing.assert_allclose(np.asarray(new), np.asarray(old), rtol=1e-9, err_msg=where)


def test_world_runs_match_their_regression_snapshot() -> None:
    # Regression snapshot (tests/world_snapshot.py): written before the world runner was made
    # fast, so a speed change that moves any figure fails here.
    _close(snapshot(), json.loads(PATH.read_text()), "snapshot")
