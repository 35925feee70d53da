"""The results store: every scenario run kept in one embedded DuckDB file, keyed by content.

A run is identified by what determines its numbers: the scenario's content hash (SHA-256 of the
canonical JSON of the *validated* scenario, so comments, key order and ``5 GW`` vs
``5000 MW`` do not matter), the seed, the number of paths and the hashtide version. Its row in
``runs`` holds the parameters it was run with and the summary; ``variants`` holds one row of
headline figures per variant and ``yearly`` the yearly cash flows. Each run is written in one
transaction: a run is in the store whole or not at all, so an interrupted sweep resumes by
skipping the runs that are there.

Tables (every quantity with its unit in the column name):

* ``runs``: ``run_id``, ``scenario``, ``scenario_hash``, ``seed``, ``paths``, ``version``,
  ``params`` (JSON), ``scenario_json``, ``summary`` (JSON), ``duration_s``, ``created_at``
* ``variants``: ``run_id``, ``variant``, ``machines``, ``installed_hashrate_hs``,
  ``network_share_frac``, ``peak_share_frac``, ``btc_per_year_p5``, ``btc_per_year_median``,
  ``btc_per_year_p95``, ``cost_usd_per_btc``, ``energy_kwh_per_year``, ``co2_kg_per_year``,
  ``npv_usd``, ``irr_frac``, ``payback_years``
* ``yearly``: ``run_id``, ``variant``, ``year``, ``revenue_usd``, ``energy_cost_usd``,
  ``opex_usd``, ``capex_usd``, ``net_usd``, ``cumulative_net_usd``
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hashtide import __version__
from hashtide.errors import HashtideError, InvalidInputError

if TYPE_CHECKING:
    import duckdb

    from hashtide.scenario import ScenarioResult, ScenarioSpec

#: The store a command uses when not told otherwise (in the current folder).
DEFAULT_STORE = "hashtide-results.duckdb"

_VARIANT_COLUMNS = (
    "machines",
    "installed_hashrate_hs",
    "network_share_frac",
    "peak_share_frac",
    "btc_per_year_p5",
    "btc_per_year_median",
    "btc_per_year_p95",
    "cost_usd_per_btc",
    "energy_kwh_per_year",
    "co2_kg_per_year",
    "npv_usd",
    "irr_frac",
    "payback_years",
)
_YEARLY_COLUMNS = (
    "revenue_usd",
    "energy_cost_usd",
    "opex_usd",
    "capex_usd",
    "net_usd",
    "cumulative_net_usd",
)
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS runs (
        run_id VARCHAR PRIMARY KEY,
        scenario VARCHAR NOT NULL,
        scenario_hash VARCHAR NOT NULL,
        seed BIGINT NOT NULL,
        paths BIGINT NOT NULL,
        version VARCHAR NOT NULL,
        params VARCHAR NOT NULL,
        scenario_json VARCHAR NOT NULL,
        summary VARCHAR NOT NULL,
        duration_s DOUBLE,
        created_at TIMESTAMP NOT NULL)""",
    "CREATE TABLE IF NOT EXISTS variants (run_id VARCHAR NOT NULL, variant VARCHAR NOT NULL, "
    + ", ".join(f"{c} {'BIGINT' if c == 'machines' else 'DOUBLE'}" for c in _VARIANT_COLUMNS)
    + ", PRIMARY KEY (run_id, variant))",
    "CREATE TABLE IF NOT EXISTS yearly (run_id VARCHAR NOT NULL, variant VARCHAR NOT NULL, "
    "year INTEGER NOT NULL, "
    + ", ".join(f"{c} DOUBLE" for c in _YEARLY_COLUMNS)
    + ", PRIMARY KEY (run_id, variant, year))",
)


class StoreError(HashtideError, ValueError):
    """The results store cannot be opened, read or written (bad path, not a store, bad SQL)."""


def canonical_json(spec: ScenarioSpec) -> str:
    """The validated scenario as canonical JSON: sorted keys, no spaces, numbers as parsed.

    Two files that validate to the same scenario (comments, key order, ``5 GW`` or
    ``5000 MW``) give the same text, hence the same :func:`scenario_hash`.
    """
    data = spec.model_dump(mode="json", by_alias=False)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def scenario_hash(spec: ScenarioSpec) -> str:
    """SHA-256 (hex) of :func:`canonical_json`."""
    return hashlib.sha256(canonical_json(spec).encode("utf-8")).hexdigest()


def run_id(content_hash: str, seed: int, paths: int, version: str = __version__) -> str:
    """The key of a run: 16 hex digits of SHA-256 over hash, seed, paths and version.

    Examples
    --------
    >>> run_id("ab" * 32, 1, 100, "0.1.0")
    '408a2452c766e7dc'
    """
    text = f"{content_hash}|{seed}|{paths}|{version}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


@dataclass(frozen=True, kw_only=True)
class StoredRun:
    """One run as the store keeps it (what a sweep's worker sends back to be written)."""

    run_id: str
    scenario: str
    scenario_hash: str
    seed: int
    paths: int
    version: str
    params: dict[str, Any]
    scenario_json: str
    summary: dict[str, Any]
    duration_s: float
    variants: list[dict[str, Any]] = field(default_factory=list)
    yearly: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_result(
        cls,
        spec: ScenarioSpec,
        result: ScenarioResult,
        *,
        params: dict[str, Any] | None = None,
        duration_s: float = math.nan,
    ) -> StoredRun:
        """Collect a run's key, summary, variant figures and yearly cash flows."""
        content = scenario_hash(spec)
        variants: list[dict[str, Any]] = []
        yearly: list[dict[str, Any]] = []
        for v in result.variants:
            peak = float(v.series["share_frac_median"].max()) if len(v.series) else math.nan
            variants.append(
                {
                    "variant": v.name,
                    "machines": v.machines,
                    "installed_hashrate_hs": v.installed_hashrate_hs,
                    "network_share_frac": v.network_share_frac.median,
                    "peak_share_frac": peak,
                    "btc_per_year_p5": v.btc_per_year.p5,
                    "btc_per_year_median": v.btc_per_year.median,
                    "btc_per_year_p95": v.btc_per_year.p95,
                    "cost_usd_per_btc": v.cost_usd_per_btc.median,
                    "energy_kwh_per_year": v.energy_kwh_per_year.median,
                    "co2_kg_per_year": v.co2_kg_per_year.median,
                    "npv_usd": v.npv_usd.median,
                    "irr_frac": v.irr_frac.median,
                    "payback_years": v.payback_years.median,
                }
            )
            table = v.cash_flow
            for i in range(len(table)):
                yearly.append(
                    {"variant": v.name, "year": int(table["year"].iloc[i])}
                    | {c: float(table[c].iloc[i]) for c in _YEARLY_COLUMNS}
                )
        summary = result.summary_json()
        for entry, extra in zip(summary["variants"], variants, strict=True):
            entry["peak_share_frac"] = _finite(float(extra["peak_share_frac"]))
        return cls(
            run_id=run_id(content, result.seed, result.n_paths),
            scenario=result.scenario,
            scenario_hash=content,
            seed=result.seed,
            paths=result.n_paths,
            version=__version__,
            params=dict(params or {}),
            scenario_json=canonical_json(spec),
            summary=summary,
            duration_s=duration_s,
            variants=variants,
            yearly=yearly,
        )


class ResultsStore:
    """An embedded DuckDB file of runs (see the module docstring for its tables).

    Use as a context manager, or call :meth:`close`. Only one process may write a store at a
    time (DuckDB's file lock); a sweep's workers send their results to the process that owns
    the store, which writes them one transaction per run.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with ResultsStore(folder / "r.duckdb") as store:
    ...     store.count()
    0
    """

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        import duckdb

        self.path = Path(path)
        if self.path.is_dir():
            raise StoreError(f"--store {self.path}: is a folder; give a file name (.duckdb)")
        if read_only and not self.path.exists():
            raise StoreError(
                f"--store {self.path}: no such results store; run 'hashtide sweep' first"
            )
        if not read_only and not self.path.parent.exists():
            raise StoreError(f"--store {self.path}: folder {self.path.parent} does not exist")
        try:
            self._con: duckdb.DuckDBPyConnection = duckdb.connect(
                str(self.path), read_only=read_only
            )
        except duckdb.Error as exc:
            raise StoreError(
                f"--store {self.path}: cannot open it as a DuckDB store ({exc})"
            ) from None
        if not read_only:
            for statement in _SCHEMA:
                self._con.execute(statement)

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the file (committed runs are on disk)."""
        self._con.close()

    def has(self, key: str) -> bool:
        """Whether run ``key`` (a :func:`run_id`) is stored."""
        rows = self._con.execute("SELECT 1 FROM runs WHERE run_id = ?", [key]).fetchall()
        return bool(rows)

    def count(self) -> int:
        """Number of stored runs."""
        row = self._con.execute("SELECT count(*) FROM runs").fetchone()
        return int(row[0]) if row else 0

    def put(self, run: StoredRun) -> bool:
        """Write ``run`` in one transaction; ``False`` (and nothing written) if already there.

        An exception anywhere inside rolls the whole run back: no half-written runs.
        """
        if self.has(run.run_id):
            return False
        with self._transaction():
            self._con.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    run.run_id,
                    run.scenario,
                    run.scenario_hash,
                    run.seed,
                    run.paths,
                    run.version,
                    json.dumps(run.params, sort_keys=True),
                    run.scenario_json,
                    json.dumps(run.summary, allow_nan=False),
                    _finite(run.duration_s),
                    dt.datetime.now(tz=dt.UTC).replace(tzinfo=None),
                ],
            )
            self._insert_rows("variants", ("variant", *_VARIANT_COLUMNS), run.run_id, run.variants)
            self._insert_rows(
                "yearly", ("variant", "year", *_YEARLY_COLUMNS), run.run_id, run.yearly
            )
        return True

    def _insert_rows(
        self, table: str, columns: Sequence[str], key: str, rows: list[dict[str, Any]]
    ) -> None:
        if not rows:
            return
        marks = ", ".join("?" * (len(columns) + 1))
        values = [
            [key, *(_finite(r[c]) if isinstance(r[c], float) else r[c] for c in columns)]
            for r in rows
        ]
        self._con.executemany(f"INSERT INTO {table} VALUES ({marks})", values)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._con.begin()
        try:
            yield
        except BaseException:
            self._con.rollback()
            raise
        self._con.commit()

    def query(
        self, sql: str, params: Sequence[Any] = ()
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run SQL on the store; returns column names and rows.

        Raises
        ------
        StoreError
            On a DuckDB error (syntax, unknown table or column), with DuckDB's message, or
            when ``sql`` holds no statement (blank, or only comments).
        """
        import duckdb

        try:
            result = self._con.execute(sql, list(params))
            if result is None:  # DuckDB's answer to a blank or comment-only text
                raise StoreError(
                    "query: no SQL statement (the text is empty or only comments); e.g. "
                    "SELECT run_id, scenario FROM runs"
                )
            rows = result.fetchall() if result.description else []
            names = [d[0] for d in result.description or []]
        except duckdb.Error as exc:
            raise StoreError(f"query failed: {exc}") from None
        return names, rows

    def runs(self) -> tuple[list[str], list[tuple[Any, ...]]]:
        """One row per run: id, scenario, seed, paths, version, params, created_at."""
        return self.query(
            "SELECT run_id, scenario, seed, paths, version, params, "
            "round(duration_s, 2) AS duration_s, created_at FROM runs ORDER BY created_at, run_id"
        )

    def get(self, key: str) -> dict[str, Any]:
        """Everything stored about run ``key`` (a prefix of at least 4 characters will do)."""
        if len(key) < 4:
            raise InvalidInputError(f"run id {key!r}: give at least 4 characters")
        _, rows = self.query("SELECT run_id FROM runs WHERE starts_with(run_id, ?)", [key])
        if not rows:
            raise StoreError(f"no run {key!r} in {self.path}; 'hashtide results list' shows them")
        if len(rows) > 1:
            raise StoreError(f"run id {key!r} is ambiguous: {', '.join(r[0] for r in rows)}")
        full = rows[0][0]
        names, [row] = self.query("SELECT * FROM runs WHERE run_id = ?", [full])
        record = dict(zip(names, row, strict=True))
        record["params"] = json.loads(record["params"])
        record["summary"] = json.loads(record["summary"])
        record["scenario_json"] = json.loads(record["scenario_json"])
        names, rows = self.query(
            "SELECT * EXCLUDE (run_id) FROM variants WHERE run_id = ? ORDER BY variant", [full]
        )
        record["variants"] = [dict(zip(names, r, strict=True)) for r in rows]
        names, rows = self.query(
            "SELECT * EXCLUDE (run_id) FROM yearly WHERE run_id = ? ORDER BY variant, year", [full]
        )
        record["yearly"] = [dict(zip(names, r, strict=True)) for r in rows]
        return record

    def export_parquet(self, folder: str | Path) -> list[Path]:
        """Write each table to ``folder/<table>.parquet``; returns the files."""
        target = Path(folder)
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"--parquet {target}: cannot create the folder ({exc.strerror})"
            ) from None
        # Every table to a scratch file first, then all renamed: a failure part-way (a full
        # disk, a table that cannot be written) leaves the folder as it was, not one table new.
        tables = ("runs", "variants", "yearly")
        scratches = [target / f".{table}.parquet.partial" for table in tables]
        try:
            for table, scratch in zip(tables, scratches, strict=True):
                quoted = str(scratch).replace("'", "''")
                self.query(f"COPY (SELECT * FROM {table}) TO '{quoted}' (FORMAT parquet)")
        except BaseException:
            for scratch in scratches:
                scratch.unlink(missing_ok=True)
            raise
        files = [target / f"{table}.parquet" for table in tables]
        for scratch, path in zip(scratches, files, strict=True):
            scratch.replace(path)
        return files
