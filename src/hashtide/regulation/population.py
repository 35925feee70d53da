"""Many meters at once: a folder of per-meter CSVs or one long CSV, and metadata per meter.

* a **folder** of meter CSVs (``timestamp,power_kw`` each, as :func:`~hashtide.regulation.
  read_meter_csv` reads them): the meter id is the file name without ``.csv``;
* one **long CSV** with a ``meter_id`` column (``meter_id,timestamp,power_kw``): one meter per
  id; a CSV without ``meter_id`` is one meter named after the file;
* optional **metadata** (:func:`read_meta`): a CSV with ``meter_id`` and any of ``category``
  (office, residential, lab, data centre, …: the peers a meter is compared with),
  ``floor_area_m2``, ``registered_business``, ``tariff``.

Every problem in every meter is collected and reported at once, each under its meter's name.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from hashtide.errors import InvalidInputError
from hashtide.regulation.meter import (
    MeterSeries,
    check_timezone,
    check_unit,
    meter_from_frame,
    read_csv_file,
    read_meter_csv,
)

#: Columns a metadata file may have (``meter_id`` is required).
META_COLUMNS: Final = ("meter_id", "category", "floor_area_m2", "registered_business", "tariff")
#: Problems listed before "… and N more".
_SHOW: Final = 20


@dataclass(frozen=True, kw_only=True)
class MeterInfo:
    """What the regulator knows about a meter besides its readings (all optional)."""

    meter_id: str
    category: str | None = None
    floor_area_m2: float | None = None
    registered_business: str | None = None
    tariff: str | None = None


def _raise(source: str, problems: list[str]) -> None:
    if problems:
        shown = problems[:_SHOW]
        more = f"\n  … and {len(problems) - _SHOW} more" if len(problems) > _SHOW else ""
        lines = "\n".join(f"  - {p}" for p in shown)
        raise InvalidInputError(f"{source}: {len(problems)} problem(s):\n{lines}{more}")


def read_meta(path: str | Path) -> dict[str, MeterInfo]:
    """Metadata per meter from a CSV (columns :data:`META_COLUMNS`; ``meter_id`` required).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "meta.csv").write_text("meter_id,category,floor_area_m2\\nA,office,1200\\n")
    >>> info = read_meta(folder / "meta.csv")["A"]
    >>> info.category, info.floor_area_m2, info.tariff
    ('office', 1200.0, None)
    """
    path = Path(path)
    frame, header_line = read_csv_file(
        path, what="metadata file", header="meter_id,category", row="meter", max_bytes=None
    )
    problems = []
    for column in frame.columns:
        if column not in META_COLUMNS:
            close = difflib.get_close_matches(str(column), META_COLUMNS, n=1)
            hint = (
                f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(META_COLUMNS)})"
            )
            problems.append(f"unknown column {column!r}{hint}")
    if "meter_id" not in frame.columns:
        problems.append("no column 'meter_id'")
    _raise(str(path), problems)
    out: dict[str, MeterInfo] = {}
    for i, row in enumerate(frame.to_dict("records"), start=header_line + 1):
        meter = row.get("meter_id")
        if meter is None or not str(meter).strip():
            problems.append(f"line {i}: empty meter_id")
            continue
        meter = str(meter).strip()
        if meter in out:
            problems.append(f"line {i}: meter_id {meter!r} appears twice")
            continue
        area: float | None = None
        if row.get("floor_area_m2") is not None:
            try:
                area = float(str(row["floor_area_m2"]))
            except ValueError:
                area = math.nan
            if not (math.isfinite(area) and area > 0):
                problems.append(
                    f"line {i}: floor_area_m2 {row['floor_area_m2']!r} must be a number > 0 [m²]"
                )
                continue
        text = {
            k: (str(row[k]).strip() or None) if row.get(k) is not None else None
            for k in ("category", "registered_business", "tariff")
        }
        out[meter] = MeterInfo(
            meter_id=meter,
            category=text["category"].lower() if text["category"] else None,
            floor_area_m2=area,
            registered_business=text["registered_business"],
            tariff=text["tariff"],
        )
    _raise(str(path), problems)
    return out


def load_meters(
    path: str | Path,
    *,
    timezone: str = "UTC",
    allow_gaps: bool = False,
    timestamp_column: str = "timestamp",
    power_column: str = "power_kw",
    unit: str | None = None,
) -> dict[str, MeterSeries]:
    """Every meter in a folder of meter CSVs or in one long CSV, by meter id (in file order).

    Parameters
    ----------
    path : str or Path
        A folder (every ``*.csv`` in it is one meter, id = file stem) or a CSV file (with a
        ``meter_id`` column: one meter per id; without: one meter named after the file).
    timezone : str
        Zone of timestamps without a UTC offset, and of the local clock (night, weekend).
    allow_gaps : bool
        Keep gaps and empty readings as missing instead of failing.
    timestamp_column, power_column : str
        Names of the timestamp and reading columns in every meter (the reading's unit from the
        name's suffix, as in :func:`~hashtide.regulation.read_meter_csv`).
    unit : str, optional
        The readings' unit in every meter, when the column's name does not say it.

    Raises
    ------
    InvalidInputError
        Listing every problem of every meter, each under its name.

    Examples
    --------
    >>> from hashtide.regulation import example_path
    >>> meters = load_meters(example_path("meters"))
    >>> sorted(meters)[:2]
    ['campus_false_positive', 'lab_b33_hidden_s19jpro']
    """
    path = Path(path)
    check_timezone(timezone)  # once, not under every meter's name
    if unit is not None:
        check_unit(unit)
    problems: list[str] = []
    meters: dict[str, MeterSeries] = {}

    def read(file: Path) -> MeterSeries:
        return read_meter_csv(
            file,
            timezone=timezone,
            allow_gaps=allow_gaps,
            timestamp_column=timestamp_column,
            power_column=power_column,
            unit=unit,
        )

    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv" and p.is_file())
        if not files:
            raise InvalidInputError(f"{path}: no .csv files in this folder")
        for file in files:
            try:
                meters[file.stem] = read(file)
            except InvalidInputError as exc:
                problems.append(f"meter {file.stem!r}: {exc}")
        _raise(str(path), problems)
        return meters
    if not path.exists():
        raise InvalidInputError(f"{path}: no such file or folder")
    frame, header_line = read_csv_file(
        path, what="meter CSV", header="meter_id,timestamp,power_kw", max_bytes=None
    )
    if "meter_id" not in frame.columns:
        return {path.stem: read(path)}
    ids = frame["meter_id"]
    blank = ids.isna() | (ids.astype(str).str.strip() == "")
    if blank.any():
        lines = ", ".join(str(i + header_line + 1) for i in list(frame.index[blank])[:5])
        raise InvalidInputError(
            f"{path}: {int(blank.sum())} row(s) without a meter_id (lines {lines})"
        )
    for meter, group in frame.groupby(ids.astype(str).str.strip(), sort=False):
        try:
            meters[str(meter)] = meter_from_frame(
                group.drop(columns=["meter_id"]).reset_index(drop=True),
                timezone=timezone,
                allow_gaps=allow_gaps,
                timestamp_column=timestamp_column,
                power_column=power_column,
                unit=unit,
                source=f"{path} meter {meter!r} (lines from its first row)",
                first_line=int(group.index[0]) + header_line + 1,
            )
        except InvalidInputError as exc:
            problems.append(str(exc))
    _raise(str(path), problems)
    return meters


def categories_of(meter_ids: list[str], meta: Mapping[str, MeterInfo] | None) -> list[str | None]:
    """The category of each meter (``None`` where the metadata do not say)."""
    meta = meta or {}
    return [meta[m].category if m in meta else None for m in meter_ids]
