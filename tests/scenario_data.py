"""The smallest scenario the tests build on (not a test module).

One site on constant-price hydro power under a fixed rest of the world, so a run takes well under
a second; tests override what they exercise: ``minimal_scenario(paths=4, horizon="0.25 year")``.
"""

from __future__ import annotations

from typing import Any


def minimal_scenario(**overrides: object) -> dict[str, Any]:
    """A fresh dict (nested parts are new objects each call, safe to edit), with ``overrides``
    replacing top-level keys."""
    data: dict[str, Any] = {
        "scenario": "one-site",
        "start": "2026-06-01",
        "horizon": "1 year",
        "paths": 20,
        "seed": 7,
        "network": {"response": "fixed", "hashrate": "1000 EH/s", "growth": "0 %/year"},
        "btc_price": {"model": "constant", "start": "80000 USD"},
        "fees": "0 BTC",
        "actor": {
            "name": "miner",
            "miner": "Antminer S21",
            "machine_price": "2699 USD",
            "sites": [
                {
                    "name": "plant",
                    "fuel": "hydro",
                    "share": "100 %",
                    "power_price": "0.01 USD/kWh",
                    "pue": 1.0,
                    "curtail": False,
                }
            ],
        },
        "variants": [{"name": "350 MW", "facility_power": "350 MW"}],
    }
    data.update(overrides)
    return data
