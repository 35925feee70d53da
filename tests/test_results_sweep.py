"""The results store (keys, atomic writes, resume) and sweeps (grid keys, Dask, CLI)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from typer.testing import CliRunner

from hashtide.cli.main import app
from hashtide.errors import InvalidInputError, ScenarioError
from hashtide.results import (
    SYNCHRONOUS,
    ResultsStore,
    StoredRun,
    parse_grid,
    plan_sweep,
    run_point,
    run_sweep,
    scenario_hash,
)
from hashtide.results import sweep as sweep_module
from hashtide.scenario import parse_scenario
from scenario_data import minimal_scenario

runner = CliRunner()


def _scenario() -> dict[str, Any]:
    """A quarter year, one site, constant price: a run takes well under a second."""
    return minimal_scenario(scenario="tiny", horizon="0.25 year", paths=4, seed=5)


@pytest.fixture(scope="module")
def stored() -> StoredRun:
    spec = parse_scenario(_scenario())
    return run_point(spec, {"variants.0.facility_power": "350 MW"})


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(_scenario(), sort_keys=False))
    return path


def test_content_hash_ignores_spelling_not_values() -> None:
    same = _scenario()
    same["variants"] = [{"facility_power": "0.35 GW", "name": "350 MW"}]  # other unit and order
    other = _scenario()
    other["variants"] = [{"name": "350 MW", "facility_power": "351 MW"}]
    base = scenario_hash(parse_scenario(_scenario()))
    assert scenario_hash(parse_scenario(same)) == base
    assert scenario_hash(parse_scenario(other)) != base


def test_store_round_trip_query_and_export(stored: StoredRun, tmp_path: Path) -> None:
    with ResultsStore(tmp_path / "r.duckdb") as store:
        assert store.put(stored) is True
        assert store.put(stored) is False  # same key: not written twice
        record = store.get(stored.run_id[:6])
        assert record["paths"] == 4
        assert record["params"] == {"variants.0.facility_power": "350 MW"}
        [variant] = record["variants"]
        # 350 MW of 3,500 W machines at PUE 1.0: 100,000 machines (independent derivation).
        assert variant["machines"] == 100_000
        # One year row for a quarter-year horizon.
        assert [y["year"] for y in record["yearly"]] == [1]
        names, rows = store.query("SELECT count(*) AS n FROM variants")
        assert names == ["n"]
        assert rows == [(1,)]
        files = store.export_parquet(tmp_path / "parquet")
    assert sorted(f.name for f in files) == ["runs.parquet", "variants.parquet", "yearly.parquet"]
    count = duckdb.execute(f"SELECT count(*) FROM '{tmp_path / 'parquet' / 'yearly.parquet'}'")
    assert count.fetchall() == [(1,)]


def test_an_export_that_fails_half_way_leaves_the_folder_as_it_was(
    stored: StoredRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before: runs.parquet and variants.parquet were replaced, then yearly failed: a folder of
    # tables from two different stores.
    folder = tmp_path / "parquet"
    folder.mkdir()
    (folder / "runs.parquet").write_text("the previous export")
    with ResultsStore(tmp_path / "r.duckdb") as store:
        store.put(stored)
        original = store.query

        def fail_on_yearly(sql: str, *args: Any) -> Any:
            if "FROM yearly" in sql:
                raise RuntimeError("disk full (simulated)")
            return original(sql, *args)

        monkeypatch.setattr(store, "query", fail_on_yearly)
        with pytest.raises(RuntimeError, match="disk full"):
            store.export_parquet(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["runs.parquet"]
    assert (folder / "runs.parquet").read_text() == "the previous export"


def test_a_run_that_fails_half_way_leaves_nothing(
    stored: StoredRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "r.duckdb"
    original = ResultsStore._insert_rows

    def fail_on_yearly(self: ResultsStore, table: str, *args: Any) -> None:
        if table == "yearly":
            raise RuntimeError("disk full (simulated)")
        original(self, table, *args)

    monkeypatch.setattr(ResultsStore, "_insert_rows", fail_on_yearly)
    with ResultsStore(path) as store, pytest.raises(RuntimeError, match="simulated"):
        store.put(stored)
    monkeypatch.undo()
    with ResultsStore(path) as store:
        # The runs and variants rows were inserted before the failure and rolled back with it.
        for table in ("runs", "variants", "yearly"):
            assert store.query(f"SELECT count(*) FROM {table}")[1] == [(0,)]
        assert store.put(stored) is True  # and the run can be written afterwards


def test_a_killed_writer_leaves_no_half_run(stored: StoredRun, tmp_path: Path) -> None:
    path = tmp_path / "r.duckdb"
    with ResultsStore(path):
        pass  # create the tables
    # A process that starts a run's transaction, writes its runs row, and is killed (SIGKILL:
    # no cleanup, no rollback) before it commits.
    code = (
        "import os, signal, duckdb;"
        f"c = duckdb.connect({str(path)!r}); c.begin();"
        "c.execute(\"INSERT INTO runs VALUES ('dead', 's', 'h', 1, 1, 'v', '{}', '{}', '{}', 1.0,"
        ' now()::TIMESTAMP)");'
        "c.execute(\"INSERT INTO variants (run_id, variant) VALUES ('dead', 'x')\");"
        "os.kill(os.getpid(), signal.SIGKILL)"
    )
    done = subprocess.run([sys.executable, "-c", code], check=False)
    assert done.returncode == -9
    with ResultsStore(path) as store:
        assert store.count() == 0
        assert store.query("SELECT count(*) FROM variants")[1] == [(0,)]


def test_grid_keys_are_checked_before_any_work(scenario_file: Path) -> None:
    with pytest.raises(InvalidInputError, match="did you mean 'facility_power'"):
        plan_sweep(scenario_file, [parse_grid("variants.0.facility_powr=1 GW")])
    with pytest.raises(InvalidInputError, match="list of 1; '3' must be an index 0–0"):
        plan_sweep(scenario_file, [parse_grid("variants.3.facility_power=1 GW")])
    with pytest.raises(InvalidInputError, match="did you mean 'btc_price'"):
        plan_sweep(scenario_file, [parse_grid("btc_prise.start=1 USD")])
    # A value the schema rejects names the grid point.
    with pytest.raises(ScenarioError, match=r"grid point variants.0.facility_power=2 GJ"):
        plan_sweep(scenario_file, [parse_grid("variants.0.facility_power=1 GW,2 GJ")])
    with pytest.raises(InvalidInputError, match="KEY=V1,V2"):
        parse_grid("variants.0.facility_power")


def test_interrupted_sweep_resumes_and_a_rerun_does_no_work(
    scenario_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    points = plan_sweep(scenario_file, [parse_grid("variants.0.facility_power=350 MW,700 MW")])
    assert len({p.run_id for p in points}) == 2
    path = tmp_path / "r.duckdb"
    calls: list[str] = []
    original = sweep_module.run_point

    def counted(spec: Any, params: dict[str, Any]) -> StoredRun:
        calls.append(params["variants.0.facility_power"])
        if len(calls) == 2 and params["variants.0.facility_power"] == "700 MW":
            raise KeyboardInterrupt  # the sweep is interrupted during its second run
        return original(spec, params)

    monkeypatch.setattr(sweep_module, "run_point", counted)
    with ResultsStore(path) as store, pytest.raises(KeyboardInterrupt):
        run_sweep(points, store, scheduler=SYNCHRONOUS)
    with ResultsStore(path) as store:
        assert store.count() == 1
        outcomes = run_sweep(points, store, scheduler=SYNCHRONOUS)
    assert [o.status for o in outcomes] == ["cached", "done"]
    assert calls == ["350 MW", "700 MW", "700 MW"]
    calls.clear()
    with ResultsStore(path) as store:
        again = run_sweep(points, store, scheduler=SYNCHRONOUS)
        assert store.count() == 2
    assert [o.status for o in again] == ["cached", "cached"]
    assert calls == []  # no new work
    # The cached summaries are the ones computed.
    assert again[1].summary == outcomes[1].summary


def test_sweep_on_a_dask_cluster_and_the_cli(scenario_file: Path, tmp_path: Path) -> None:
    from distributed import Client, LocalCluster

    points = plan_sweep(scenario_file, [parse_grid("variants.0.facility_power=350 MW,700 MW")])
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
        ResultsStore(tmp_path / "r.duckdb") as store,
    ):
        outcomes = run_sweep(points, store, client=client)
    assert [o.status for o in outcomes] == ["done", "done"]
    btc = [o.summary["variants"][0]["btc_per_year"]["median"] for o in outcomes if o.summary]
    # Twice the machines mine about twice the BTC (the rest of the network is fixed: 20 of
    # 1,020 EH/s vs 40 of 1,040 EH/s → ×1.96; independent derivation). Loose: a quarter year
    # gives a 350 MW site ~260 blocks, so the median of 4 paths carries ~4 % Poisson noise and
    # the ratio ~6 %; 15 % is 2.5 standard deviations.
    assert btc[1] / btc[0] == pytest.approx(2 * 1020 / 1040, rel=0.15)
    # The CLI, on the same store: both cached; --json as documented.
    args = ["sweep", str(scenario_file), "--grid", "variants.0.facility_power=350 MW,700 MW"]
    store_args = ["--store", str(tmp_path / "r.duckdb")]
    result = runner.invoke(app, [*args, *store_args, "--json", "--scheduler", "synchronous"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["store"] == str(tmp_path / "r.duckdb")
    assert [r["status"] for r in data["runs"]] == ["cached", "cached"]
    assert data["runs"][0]["params"] == {"variants.0.facility_power": "350 MW"}
    listed = runner.invoke(app, ["results", "list", *store_args, "--json"])
    assert listed.exit_code == 0, listed.output
    assert len(json.loads(listed.output)) == 2
    query = runner.invoke(
        app, ["results", "query", "SELECT count(*) AS n FROM yearly", *store_args, "--json"]
    )
    assert json.loads(query.output) == [{"n": 2}]
    bad = runner.invoke(app, ["results", "query", "SELECT nope FROM runs", *store_args])
    assert bad.exit_code == 2
    assert "query failed" in bad.output
    report = tmp_path / "sweep.html"
    result = runner.invoke(
        app, [*args, *store_args, "--scheduler", "synchronous", "--report", str(report)]
    )
    assert result.exit_code == 0, result.output
    assert "Peak share" in report.read_text()


def test_results_show_writes_one_row_per_figure_with_units(
    stored: StoredRun, tmp_path: Path
) -> None:
    """`results show` at 120 columns: figures as rows with units, cash flows in one unit.

    The walkthrough found 14 raw column names crushed into one table and flows in e-notation.
    Expected cells: 350 MW of 3,500 W machines is 100,000 machines of 200 TH/s = 20 EH/s
    (independent derivation); the yearly capex is the stored 269.9 M USD (100,000 × 2,699 USD,
    the catalog price; independent derivation), in the table's M USD.
    """
    with ResultsStore(tmp_path / "r.duckdb") as store:
        store.put(stored)
    args = ["results", "show", stored.run_id[:8], "--store", str(tmp_path / "r.duckdb")]
    result = runner.invoke(app, args, env={"COLUMNS": "120"})
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 120

    def row(label: str) -> str:
        return next(line for line in lines if line.startswith(f"│ {label} "))

    assert "100,000" in row("machines")
    assert "20 EH/s" in row("installed hashrate")
    assert "USD" in row("NPV (net present value)")
    assert "/year" in row("IRR (internal rate of return)")
    assert "e+" not in result.output
    assert "[M USD]" in result.output
    assert "269.9" in next(line for line in lines if line.startswith("│ 350 MW "))
    # --json keeps the raw numbers.
    raw = json.loads(runner.invoke(app, [*args, "--json"]).output)
    assert raw["variants"][0]["installed_hashrate_hs"] == pytest.approx(20e18, rel=1e-9)


def test_query_json_is_json_for_any_double(stored: StoredRun, tmp_path: Path) -> None:
    # A NaN or an infinity (a ratio, a division by zero, 'inf'::DOUBLE) was printed as NaN or
    # Infinity, which JSON has not: json.loads with a strict parser, and jq, refused the output.
    path = tmp_path / "r.duckdb"
    with ResultsStore(path) as store:
        store.put(stored)
    sql = "SELECT 'nan'::DOUBLE AS n, 1e400 AS big, [2.5, '-inf'::DOUBLE] AS l, 3 AS k"
    result = runner.invoke(app, ["results", "query", sql, "--store", str(path), "--json"])
    assert result.exit_code == 0, result.output

    def strict(constant: str) -> None:
        raise ValueError(constant)

    rows = json.loads(result.stdout, parse_constant=strict)
    assert rows == [{"n": None, "big": None, "l": [2.5, None], "k": 3}]


def test_seeds_beyond_the_stores_64_bits_are_refused_before_any_run(
    scenario_file: Path, tmp_path: Path
) -> None:
    # The store keeps seeds as BIGINT: a seed of 2**63 ran every point, then failed to store
    # it ("internal error: ConversionException … out of range for … INT64").
    store = tmp_path / "r.duckdb"
    grid = ["--grid", "variants.0.facility_power=350 MW", "--store", str(store)]
    result = runner.invoke(app, ["sweep", str(scenario_file), "--seed", str(2**63), *grid])
    assert result.exit_code == 2, result.output
    assert "at most 9223372036854775807" in result.output
    result = runner.invoke(app, ["sweep", str(scenario_file), *grid[:2], "--grid", f"seed={2**63}",
                                 "--store", str(store)])  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "must be <= 9223372036854775807" in result.output
    assert not store.exists()
    assert parse_scenario({**_scenario(), "seed": 2**63 - 1}).seed == 2**63 - 1


@pytest.mark.parametrize(
    ("option", "hint"),
    [("actor.sites.0.power_price=0,045 USD/kWh", "0.045 USD/kWh"), ("x=1,5 GW", "1.5 GW")],
)
def test_a_decimal_comma_in_a_grid_is_named(option: str, hint: str) -> None:
    # Before: split at the comma, then refused as "0 has no unit" with no word of the comma.
    from hashtide.errors import InvalidInputError
    from hashtide.results.sweep import parse_grid

    with pytest.raises(InvalidInputError, match="decimal comma") as error:
        parse_grid(option)
    assert f"write {hint}" in str(error.value)


@pytest.mark.parametrize(
    "option", ["seed=1,2,3", "actor.machines_per_month=100000,200000", "v=0.3, 0.6", "p=5 GW,10 GW"]
)
def test_whole_numbers_and_values_with_units_are_not_taken_for_decimal_commas(option: str) -> None:
    from hashtide.results.sweep import parse_grid

    assert len(parse_grid(option).values) >= 2
