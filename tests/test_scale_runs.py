"""Resource limits of a run, and the engine's compact per-path fleet form."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from hashtide.cli.main import app
from hashtide.errors import ResourceLimitError
from hashtide.scenario import parse_scenario
from hashtide.scenario.resources import check_resources, estimate_run

runner = CliRunner()


def _scenario() -> dict[str, object]:
    """Half a year, one curtailable site, a GBM price: every random stream is used."""
    return {
        "scenario": "chunks",
        "start": "2026-06-01",
        "horizon": "0.5 year",
        "paths": 6,
        "seed": 11,
        "network": {
            "response": "elasticity",
            "elasticity": 1,
            "hashrate": "1000 EH/s",
            "growth": "10 %/year",
        },
        "btc_price": {"model": "gbm", "start": "70000 USD", "volatility": "60 %/year"},
        "fees": "0.02 BTC",
        "actor": {
            "name": "miner",
            "miner": "Antminer S21",
            "machine_price": "2699 USD",
            "sites": [
                {
                    "name": "plant",
                    "fuel": "gas",
                    "share": "100 %",
                    "power_price": "0.05 USD/kWh",
                    "pue": 1.1,
                }
            ],
        },
        "variants": [{"name": "1 GW", "facility_power": "1 GW"}],
    }


def test_resource_estimate_and_refusal(tmp_path: Path) -> None:
    spec = parse_scenario(_scenario())
    small = estimate_run(spec, 1_000)
    big = estimate_run(spec, 1_000_000)
    # Independent derivation: the estimate is a base plus a per-path part, so 1,000× the paths
    # needs more memory but less than 1,000× the total (the base is counted once).
    assert small.memory_bytes < big.memory_bytes < 1_000 * small.memory_bytes
    assert big.duration_s == pytest.approx(1_000 * small.duration_s)
    with pytest.raises(ResourceLimitError, match=r"1,000,000 paths .* GB of memory .* limit"):
        check_resources(spec, 1_000_000, max_memory_bytes=1e9)
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(_scenario()))
    result = runner.invoke(
        app, ["run", str(path), "--paths", "1000000", "--no-report", "--max-memory", "1"]
    )
    assert result.exit_code == 2, result.output
    assert "1,000,000 paths" in result.output
    assert "GB of memory" in result.output


def test_a_scaled_fleet_is_the_same_as_its_per_path_values() -> None:
    """FleetHashrate(path_scale=…) is a compact form of per-path values: same simulation."""
    from hashtide.engine import (
        Actor,
        EpochState,
        FleetHashrate,
        Horizon,
        SimulationInputs,
        StartPoint,
        monte_carlo,
    )

    n_paths = 50
    scale = np.random.default_rng(4).uniform(0.2, 1.5, size=(n_paths, 3))
    scale[::5, 2] = 0.0  # some paths switch an actor off entirely
    start_s = 1.7136e9
    knots = start_s + 86_400.0 * np.arange(200)
    shape = np.vstack(
        [
            np.full(knots.size, 4e20),
            2e20 * (1 + 0.5 * np.sin(np.arange(knots.size) / 9.0)),
            np.where(np.arange(knots.size) % 7 < 5, 1e20, 0.0),
        ]
    )

    def compact(state: EpochState) -> FleetHashrate:
        return FleetHashrate(
            times_s=knots, hashrate_hs=shape, interpolation="step", path_scale=scale
        )

    def explicit(state: EpochState) -> FleetHashrate:
        return FleetHashrate(
            times_s=knots, hashrate_hs=scale[:, :, None] * shape[None], interpolation="step"
        )

    inputs = SimulationInputs(
        start=StartPoint(height=840_672, time_s=start_s, bits=0x17034219),
        actors=(Actor(name="a"), Actor(name="b"), Actor(name="c")),
        horizon=Horizon(end_height=840_672 + 6 * 2016),
    )
    runs = [
        monte_carlo(inputs, n_paths=n_paths, rng=np.random.default_rng(9), market=m)
        for m in (compact, explicit)
    ]
    # Work integrals summed in another order differ by rounding only (~1e-16 relative), so
    # block times agree to far below a second and the draws give the same blocks.
    np.testing.assert_allclose(runs[0].end_time_s, runs[1].end_time_s, rtol=1e-12)
    np.testing.assert_array_equal(runs[0].blocks, runs[1].blocks)
