"""Chunked runs (same seed ⇒ same numbers however the chunks run) and resource limits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from hashtide.cli.main import app
from hashtide.errors import ResourceLimitError
from hashtide.scenario import parse_scenario, run_scenario
from hashtide.scenario import run as run_module
from hashtide.scenario.build import miner_of, scenario_start_s, sites_of
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
        "network": {"hashrate": "1000 EH/s", "growth": "10 %/year", "response_elasticity": 1},
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


def _chunk(spec_data: dict[str, object], chunk: int, n_paths: int) -> run_module.PathFigures:
    spec = parse_scenario(spec_data)
    sites = sites_of(spec.actor, spec.variants[0].facility_power, scenario_start_s(spec))
    model, _ = miner_of(spec.actor)
    machines = [int(s.capacity_w / (s.pue * model.power_w)) for s in sites]
    return run_module.simulate_chunk(
        spec, sites=sites, machines=machines, chunk=chunk, n_paths=n_paths, seed=spec.seed
    )


def test_same_seed_same_numbers_whatever_the_chunking(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_module, "CHUNK_PATHS", 3)
    data = _scenario()
    seen: list[run_module.PathFigures] = []
    original = run_module.simulate_chunk

    def spy(*args: object, **kwargs: object) -> run_module.PathFigures:
        figures = original(*args, **kwargs)  # type: ignore[arg-type]
        seen.append(figures)
        return figures

    monkeypatch.setattr(run_module, "simulate_chunk", spy)
    result = run_scenario(parse_scenario(data))  # 6 paths: chunks 0 and 1
    assert [f.n_paths for f in seen] == [3, 3]
    # Chunk 1 alone, without chunk 0 having run, in the other order: the same paths exactly.
    alone_1 = _chunk(data, 1, 3)
    alone_0 = _chunk(data, 0, 3)
    for name in ("btc", "npv_usd", "irr_frac", "cost_usd_per_btc", "site_energy_kwh"):
        np.testing.assert_array_equal(getattr(alone_1, name), getattr(seen[1], name))
        np.testing.assert_array_equal(getattr(alone_0, name), getattr(seen[0], name))
    np.testing.assert_array_equal(alone_1.series["share_frac"], seen[1].series["share_frac"])
    # The chunks draw different numbers (independent streams, not copies).
    assert not np.array_equal(alone_0.btc, alone_1.btc)
    # Another path count leaves the full chunks as they were: 4 paths = chunk 0 + 1 path (a
    # partial chunk draws vectors of its own size, so only whole chunks are shared).
    seen.clear()
    run_scenario(parse_scenario(data), n_paths=4)
    np.testing.assert_array_equal(seen[0].btc, alone_0.btc)
    assert seen[1].n_paths == 1
    # And the band over all paths is the band of the paths of both chunks.
    years = 0.5
    both = np.concatenate([alone_0.btc, alone_1.btc]) / years
    assert result.variants[0].btc_per_year.median == pytest.approx(np.median(both), rel=1e-12)


def test_chunk_seeds_are_keyed_by_chunk_index() -> None:
    a_engine, a_price = run_module.chunk_seeds(5, 2)
    b_engine, _ = run_module.chunk_seeds(5, 2)
    c_engine, _ = run_module.chunk_seeds(5, 3)
    draw = [np.random.default_rng(s).random() for s in (a_engine, b_engine, c_engine, a_price)]
    assert draw[0] == draw[1]
    assert len({draw[0], draw[2], draw[3]}) == 3


def test_resource_estimate_and_refusal(tmp_path: Path) -> None:
    spec = parse_scenario(_scenario())
    small = estimate_run(spec, 1_000)
    big = estimate_run(spec, 1_000_000)
    # Chunked: the working set does not grow with the paths, only the per-path figures do, so
    # 1,000× the paths needs far less than 1,000× the memory above the interpreter's base.
    assert big.memory_bytes < 1_000 * small.memory_bytes
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
