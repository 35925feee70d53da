"""The dashboard's runs: each finished run's report and tables in a folder, for download and
comparison.

A run folder holds what ``hashtide run --out`` writes (``summary.csv``, ``claims.csv``,
``series.csv``, ``summary.json`` …; a replay its ``epochs.csv``, ``daily.csv`` …), written by the
same report functions, plus ``result.pickle`` (the :class:`~hashtide.scenario.ScenarioResult`,
for the comparison view and the reports) and ``run.json`` (what was run). The HTML reports
(``report.html``, ``replay.html``) are written on their first download (:func:`report_file`).
Folders are written all at once (:func:`hashtide.report._io.write_folder`).
"""

from __future__ import annotations

import json
import pickle
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hashtide.errors import InvalidInputError

if TYPE_CHECKING:
    from hashtide.scenario.results import ScenarioResult

_RUN_ID = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$")
#: Files a browser may download from a run folder (nothing else is served).
DOWNLOADS = (
    "report.html",
    "replay.html",
    "summary.csv",
    "claims.csv",
    "sites.csv",
    "series.csv",
    "cash_flow.csv",
    "summary.json",
    "epochs.csv",
    "daily.csv",
    "assumptions.csv",
)


@dataclass(frozen=True, kw_only=True)
class RunInfo:
    """What a stored run was: its id, page, scenario, paths, seed and when it finished."""

    run_id: str
    kind: str
    scenario: str
    label: str
    n_paths: int
    seed: int
    finished_s: float
    files: tuple[str, ...]

    @property
    def title(self) -> str:
        """One line for a menu: ``us-state-reserve (levers…), 100 paths, 10:42:05``."""
        when = time.strftime("%H:%M:%S", time.localtime(self.finished_s))
        label = f" ({self.label})" if self.label else ""
        return f"{self.scenario}{label}, {self.n_paths:,} paths, {when}"


def new_run_id() -> str:
    """A fresh run id: ``YYYYMMDD-HHMMSS-xxxxxx`` (sortable, not guessable)."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + secrets.token_hex(3)


def run_folder(root: Path, run_id: str) -> Path:
    """The folder of ``run_id`` under ``root``; refuses anything that is not a run id."""
    if not _RUN_ID.match(run_id):
        raise InvalidInputError(f"not a run id: {run_id!r}")
    return root / run_id


def save_run(
    root: Path, run_id: str, result: ScenarioResult, *, kind: str, label: str = ""
) -> RunInfo:
    """Write ``result``'s report and tables (as ``hashtide run`` does) into its run folder."""
    from hashtide.report._io import write_folder

    def fill(folder: Path) -> None:
        if result.variants:
            from hashtide.report.scenario_report import write_tables

            write_tables(result, folder)
        if result.replay is not None:
            from hashtide.market.report import write_replay_tables

            write_replay_tables(result.replay, folder)
        with (folder / "result.pickle").open("wb") as handle:
            pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)
        reports = tuple(_reports(result))
        files = tuple(
            sorted([*(p.name for p in folder.iterdir() if p.name in DOWNLOADS), *reports])
        )
        info = {
            "run_id": run_id,
            "kind": kind,
            "scenario": result.scenario,
            "label": label,
            "n_paths": result.n_paths,
            "seed": result.seed,
            "finished_s": time.time(),
            "files": list(files),
        }
        (folder / "run.json").write_text(json.dumps(info, indent=1), encoding="utf-8")

    write_folder(run_folder(root, run_id), fill, option="the dashboard's run folder")
    return read_info(root, run_id)


def _reports(result: ScenarioResult) -> dict[str, str]:
    """The HTML reports of ``result`` by file name, as ``hashtide run`` names them."""
    out = {}
    if result.variants:
        out["report.html"] = "scenario"
    if result.replay is not None:
        out["replay.html" if result.variants else "report.html"] = "replay"
    return out


def report_file(root: Path, run_id: str, name: str) -> Path:
    """The HTML report ``name`` of a stored run, written on first request.

    The reports are the slowest files to write (plotly.js inlined, every chart): a run's page
    shows its results first and writes a report only when it is downloaded — the same file
    ``hashtide run`` writes, by the same function.
    """
    path = run_folder(root, run_id) / name
    if path.is_file():
        return path
    result = load_result(root, run_id)
    kind = _reports(result).get(name)
    if kind == "scenario":
        from hashtide.report.scenario_report import write_report

        write_report(result, path)
    elif kind == "replay" and result.replay is not None:
        from hashtide.market.report import write_replay_report

        write_replay_report(result.replay, path)
    else:
        raise InvalidInputError(f"run {run_id} has no {name}")
    return path


def read_info(root: Path, run_id: str) -> RunInfo:
    """The :class:`RunInfo` of a stored run."""
    path = run_folder(root, run_id) / "run.json"
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"no finished run {run_id!r}") from exc
    return RunInfo(**{**data, "files": tuple(data["files"])})


def load_result(root: Path, run_id: str) -> ScenarioResult:
    """The result of a stored run (written by :func:`save_run` of this server only)."""
    path = run_folder(root, run_id) / "result.pickle"
    try:
        with path.open("rb") as handle:
            result: ScenarioResult = pickle.load(handle)
    except OSError as exc:
        raise InvalidInputError(f"no finished run {run_id!r}") from exc
    return result


def list_runs(root: Path, *, kind: str | None = None) -> list[RunInfo]:
    """Every finished run under ``root``, newest first (of ``kind`` only, if given)."""
    if not root.is_dir():
        return []
    out = []
    for folder in root.iterdir():
        if _RUN_ID.match(folder.name) and (folder / "run.json").is_file():
            info = read_info(root, folder.name)
            if kind is None or info.kind == kind:
                out.append(info)
    return sorted(out, key=lambda i: i.run_id, reverse=True)
