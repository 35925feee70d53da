"""Metered load series: reading, checking and resampling a site's electricity meter.

A meter series is what a utility or a regulator holds for a site: readings at a fixed interval
(15 min, 30 min, hourly …), each either a mean power [kW] over the interval or the energy
[kWh] used in it. :func:`read_meter_csv` reads one from a CSV file, :func:`meter_from_frame`
from a pandas DataFrame, :func:`meter_from_array` from numbers. Every problem found — a bad
timestamp, a gap, a negative or non-numeric reading, a unit it does not know — is reported at
once, with line numbers, in one :class:`~hashtide.errors.InvalidInputError`; nothing is filled
in or guessed unless asked for (``allow_gaps=True`` keeps missing readings as missing).

Conventions
-----------
* A timestamp marks the **start** of its interval.
* Timestamps with a UTC offset (``2019-03-04T10:00:00Z``, ``…+01:00``) are converted to UTC.
  Timestamps without one are read in ``timezone`` (default ``"UTC"``); give the meter's local
  zone (e.g. ``"Europe/London"``) when the file is in local time. Times that do not exist or are
  ambiguous at a daylight-saving change are errors: such a file needs UTC offsets.
* The time zone is also the one whose clock defines "night", "working day" and "weekend" in the
  load-profile features.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashtide._validation import decode_text
from hashtide.errors import InvalidInputError
from hashtide.units import SECONDS_PER_DAY, SECONDS_PER_HOUR

FloatArray = npt.NDArray[np.float64]

#: Power units a reading may be in, with their size in kW.
POWER_UNITS_KW: Final[dict[str, float]] = {"W": 1e-3, "kW": 1.0, "MW": 1e3}
#: Energy-per-interval units a reading may be in, with their size in kWh.
ENERGY_UNITS_KWH: Final[dict[str, float]] = {"Wh": 1e-3, "kWh": 1.0, "MWh": 1e3}
#: Unit suffixes recognised at the end of a column name (``power_kw``, ``load_MW``, ``energy_kwh``).
_SUFFIXES: Final[dict[str, str]] = {
    "w": "W",
    "kw": "kW",
    "mw": "MW",
    "wh": "Wh",
    "kwh": "kWh",
    "mwh": "MWh",
}
#: The shortest series the detector accepts [days]: one full week, so that weekly periodicity
#: and a before/after comparison are defined.
MIN_DAYS: Final = 7
#: Largest meter file read [bytes]: a year of 1-minute readings is about 15 MB.
MAX_METER_BYTES: Final = 200_000_000
#: Largest plausible reading [kW, or kWh per interval]: a terawatt, 100 times the largest
#: mining site; anything above is a unit or parsing mistake.
MAX_READING_KW: Final = 1e9
#: Years a meter reading may carry (electricity smart meters postdate 1970).
METER_YEARS: Final = (1970, 2100)
#: Problems listed per kind before "… and N more".
_SHOW: Final = 5
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)


@dataclass(frozen=True, kw_only=True)
class MeterSeries:
    """A regular meter series: mean power per interval [kW], tz-aware UTC times.

    Build one with :func:`read_meter_csv`, :func:`meter_from_frame` or :func:`meter_from_array`
    (which check everything); the constructor only checks shapes.

    Parameters
    ----------
    time : pandas.DatetimeIndex
        Start of each interval, UTC, strictly increasing at a fixed step ``interval_s``.
    power_kw : numpy.ndarray
        Mean power over each interval [kW]; NaN where a reading is missing.
    interval_s : int
        Length of one interval [s].
    timezone : str
        IANA time zone whose clock defines night, working day and weekend (default UTC).
    source : str
        Where the series came from (a file name, "array", …), for messages and reports.
    exogenous : mapping of str to numpy.ndarray
        Optional aligned series: ``price_usd_per_kwh`` (the site's power price) and
        ``temperature_c`` (outdoor temperature), used for the response features.
    """

    time: pd.DatetimeIndex
    power_kw: FloatArray
    interval_s: int
    timezone: str = "UTC"
    source: str = "array"
    exogenous: Mapping[str, FloatArray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.time) != len(self.power_kw):
            raise InvalidInputError(
                f"time ({len(self.time)} values) and power_kw ({len(self.power_kw)} values) "
                "must have the same length"
            )
        for name, values in self.exogenous.items():
            if len(values) != len(self.power_kw):
                raise InvalidInputError(
                    f"exogenous series {name!r} has {len(values)} values, "
                    f"power_kw has {len(self.power_kw)}"
                )

    @property
    def n(self) -> int:
        """Number of intervals."""
        return len(self.power_kw)

    @property
    def duration_days(self) -> float:
        """Length covered [days]."""
        return self.n * self.interval_s / SECONDS_PER_DAY

    @property
    def missing(self) -> int:
        """Number of intervals without a reading."""
        return int(np.isnan(self.power_kw).sum())

    @property
    def local_time(self) -> pd.DatetimeIndex:
        """Interval starts on the clock of :attr:`timezone`."""
        return self.time.tz_convert(self.timezone)

    def hourly(self) -> MeterSeries:
        """The series as hourly means (an hour with any reading missing is missing).

        Intervals must divide the hour (1, 5, 10, 15, 20, 30, 60 min …); an hourly series is
        returned as it is.
        """
        if self.interval_s == SECONDS_PER_HOUR:
            return self
        per_hour = SECONDS_PER_HOUR // self.interval_s
        offset = int(self.time[0].minute * 60 + self.time[0].second) // self.interval_s
        skip = (per_hour - offset) % per_hour
        usable = (self.n - skip) // per_hour * per_hour
        if usable <= 0:
            raise InvalidInputError(f"{self.source}: shorter than one whole hour")
        block = self.power_kw[skip : skip + usable].reshape(-1, per_hour)
        power = block.mean(axis=1)  # NaN if any reading in the hour is missing
        time = self.time[skip : skip + usable : per_hour]
        exogenous = {
            name: np.nanmean(values[skip : skip + usable].reshape(-1, per_hour), axis=1)
            if not np.all(np.isnan(values[skip : skip + usable]))
            else np.full(usable // per_hour, np.nan)
            for name, values in self.exogenous.items()
        }
        return MeterSeries(
            time=time,
            power_kw=power,
            interval_s=SECONDS_PER_HOUR,
            timezone=self.timezone,
            source=self.source,
            exogenous=exogenous,
        )

    def to_frame(self) -> pd.DataFrame:
        """``timestamp`` (UTC) and ``power_kw`` columns, plus any exogenous series."""
        frame = pd.DataFrame({"timestamp": self.time, "power_kw": self.power_kw})
        for name, values in self.exogenous.items():
            frame[name] = values
        return frame


def check_unit(unit: str) -> str:
    """``unit`` if it is a unit of readings (W, kW, MW, Wh, kWh, MWh), else
    :class:`InvalidInputError` with the closest."""
    _unit_of("", unit)
    return unit


def _unit_of(column: str, unit: str | None) -> tuple[str, float, bool]:
    """``(unit, size, is_energy)`` for a column, from ``unit`` or the column name's suffix."""
    if unit is None:
        suffix = column.rsplit("_", 1)[-1].casefold() if "_" in column else ""
        if suffix not in _SUFFIXES:
            raise InvalidInputError(
                f"the column {column!r} does not say its unit; name it like power_kw or "
                "energy_kwh, or pass unit= (--unit) one of "
                f"{', '.join([*POWER_UNITS_KW, *ENERGY_UNITS_KWH])} (power: mean over the "
                "interval; energy: used in the interval)"
            )
        unit = _SUFFIXES[suffix]
    if unit in POWER_UNITS_KW:
        return unit, POWER_UNITS_KW[unit], False
    if unit in ENERGY_UNITS_KWH:
        return unit, ENERGY_UNITS_KWH[unit], True
    known = [*POWER_UNITS_KW, *ENERGY_UNITS_KWH]
    folded = {k.casefold(): k for k in known}
    close = folded.get(unit.casefold()) or next(
        iter(difflib.get_close_matches(unit, known, n=1, cutoff=0.5)), None
    )
    hint = f"; did you mean {close!r}?" if close else ""
    raise InvalidInputError(
        f"unknown unit {unit!r}{hint} (power units: {', '.join(POWER_UNITS_KW)}; "
        f"energy-per-interval units: {', '.join(ENERGY_UNITS_KWH)})"
    )


def _lines(indices: Sequence[int] | npt.NDArray[np.intp], first_line: int) -> str:
    shown = ", ".join(str(int(i) + first_line) for i in list(indices)[:_SHOW])
    more = len(indices) - _SHOW
    return shown + (f" and {more} more" if more > 0 else "")


def _one_time(text: str, utc: bool) -> Any:
    """One timestamp, or NaT where it cannot be read."""
    try:
        return pd.to_datetime(text, format="ISO8601", utc=utc)
    except (ValueError, OverflowError):
        return pd.NaT


#: Plausible site power prices [USD/kWh]: wholesale caps and floors stay within ±20 (ERCOT's
#: cap is 5 USD/kWh, the NEM's about 12 USD/kWh); a price per MWh reads 1,000 times too high.
_PRICE_RANGE: Final = (-20.0, 20.0, "USD/kWh", "a price per MWh must be divided by 1,000")
#: Outdoor temperatures [°C] within Earth's records (−89.2 °C at Vostok, +56.7 °C in Death
#: Valley): a column in °F or K reads outside them.
_TEMPERATURE_RANGE: Final = (-90.0, 60.0, "°C", "convert °F or K to °C")


def check_timezone(timezone: str) -> str:
    """``timezone`` if it is an IANA zone name pandas knows, else :class:`InvalidInputError`."""
    try:
        if not isinstance(timezone, str) or not timezone.strip():
            raise ValueError("empty")
        pd.DatetimeIndex([0]).tz_localize("UTC").tz_convert(timezone)
    except Exception:  # pytz/zoneinfo/dateutil raise different types for an unknown zone
        raise InvalidInputError(
            f"timezone={timezone!r} is not a time zone name (e.g. 'UTC', 'Europe/London', "
            "'Asia/Shanghai')"
        ) from None
    return timezone


def _parse_times(
    raw: pd.Series, timezone: str, first_line: int, problems: list[str]
) -> pd.DatetimeIndex:
    text = raw.astype(str).str.strip()
    years = pd.to_numeric(text.str.extract(r"^(\d{4})", expand=False), errors="coerce")
    outside = np.flatnonzero(((years < METER_YEARS[0]) | (years > METER_YEARS[1])).to_numpy())
    if outside.size:
        examples = ", ".join(repr(text.iloc[i]) for i in outside[:3])
        problems.append(
            f"{outside.size} timestamp(s) outside the years {METER_YEARS[0]}–{METER_YEARS[1]} "
            f"(lines {_lines(outside, first_line)}: {examples})"
        )
    has_offset = text.str.contains(_OFFSET)
    if has_offset.any() and not has_offset.all():
        naive = np.flatnonzero(~has_offset.to_numpy())
        problems.append(
            f"timestamps mix UTC offsets and local times: lines {_lines(naive, first_line)} have "
            "no offset while others do; give every timestamp an offset (e.g. 2019-03-04T10:00Z)"
        )
    if outside.size:
        return pd.DatetimeIndex([pd.NaT] * len(text), tz="UTC")
    mixed = bool(has_offset.any() and not has_offset.all())
    # mixed: the local times are already reported; read them as UTC to find unreadable ones
    readable = text.where(has_offset, text + "Z") if mixed else text
    try:
        parsed = pd.to_datetime(
            readable, format="ISO8601", errors="coerce", utc=bool(has_offset.all()) or mixed
        )
    except (ValueError, OverflowError):  # e.g. out of pandas' range despite the year check
        parsed = pd.Series(
            [_one_time(t, bool(has_offset.all()) or mixed) for t in readable], index=text.index
        )
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if bad.size:
        examples = ", ".join(repr(text.iloc[i]) for i in bad[:3])
        problems.append(
            f"{bad.size} timestamp(s) cannot be read (lines {_lines(bad, first_line)}: "
            f"{examples}); write them as ISO 8601, e.g. 2019-03-04 10:00 or 2019-03-04T10:00Z"
        )
    index = pd.DatetimeIndex(parsed)
    if not has_offset.all() and not bad.size and not mixed:
        try:
            index = index.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT")
        except Exception as exc:  # pytz/zoneinfo raise different types for an unknown zone
            raise InvalidInputError(
                f"timezone={timezone!r} is not a time zone name (e.g. 'UTC', 'Europe/London', "
                f"'Asia/Shanghai'): {exc}"
            ) from None
        dst = np.flatnonzero(index.isna())
        if dst.size:
            problems.append(
                f"{dst.size} local time(s) do not exist or are ambiguous at a daylight-saving "
                f"change in {timezone} (lines {_lines(dst, first_line)}); give timestamps "
                "with UTC offsets"
            )
    return index.tz_convert("UTC") if index.tz is not None else index.tz_localize("UTC")


def _interval(
    time: pd.DatetimeIndex, first_line: int, problems: list[str], allow_gaps: bool
) -> tuple[int, npt.NDArray[np.int64]]:
    """The interval [s] and each reading's slot number; problems for disorder and gaps."""
    seconds = (time.as_unit("ns").asi8 // 10**9).astype(np.int64)
    steps = np.diff(seconds)
    if steps.size == 0:
        problems.append("fewer than two readings")
        return SECONDS_PER_HOUR, np.zeros(len(time), dtype=np.int64)
    dup = np.flatnonzero(steps == 0)
    if dup.size:
        problems.append(f"{dup.size} duplicate timestamp(s) at lines {_lines(dup + 1, first_line)}")
    back = np.flatnonzero(steps < 0)
    if back.size:
        problems.append(
            f"timestamps go backwards at lines {_lines(back + 1, first_line)}; sort the file"
        )
        # The interval, the grid and the gaps read on the file's order would be the disorder's
        # (a shuffled hourly file read "the reading interval is 112 h"): they wait for the sort.
        return SECONDS_PER_HOUR, np.zeros(len(time), dtype=np.int64)
    positive = steps[steps > 0]
    if positive.size == 0:
        return SECONDS_PER_HOUR, np.zeros(len(time), dtype=np.int64)
    values, counts = np.unique(positive, return_counts=True)
    interval = int(values[np.argmax(counts)])
    if interval > SECONDS_PER_HOUR:
        problems.append(
            f"the reading interval is {interval / SECONDS_PER_HOUR:g} h; the detector needs "
            "readings at least hourly"
        )
    elif SECONDS_PER_HOUR % interval:
        problems.append(
            f"the reading interval is {interval} s; it must divide an hour "
            "(e.g. 1, 5, 15, 30 or 60 min)"
        )
    odd = np.flatnonzero((steps > 0) & (steps % interval != 0))
    if odd.size:
        problems.append(
            f"{odd.size} reading(s) off the {interval} s grid at lines "
            f"{_lines(odd + 1, first_line)}"
        )
    gaps = np.flatnonzero(steps > interval)
    if gaps.size and not allow_gaps:
        missing = int(((steps[gaps] // interval) - 1).sum())
        where = ", ".join(
            f"{time[i].strftime('%Y-%m-%d %H:%M')}Z → {time[i + 1].strftime('%Y-%m-%d %H:%M')}Z"
            for i in gaps[:3]
        )
        problems.append(
            f"{gaps.size} gap(s) in the readings, {missing} interval(s) missing in all "
            f"(first: {where}); fill them from the meter's own data, or pass allow_gaps=True "
            "(--allow-gaps) to treat them as missing (they are never interpolated)"
        )
    slots = (seconds - seconds[0]) // interval
    return interval, slots


def meter_from_frame(
    frame: pd.DataFrame,
    *,
    timestamp_column: str = "timestamp",
    power_column: str = "power_kw",
    unit: str | None = None,
    timezone: str = "UTC",
    allow_gaps: bool = False,
    price_column: str | None = None,
    temperature_column: str | None = None,
    source: str = "frame",
    first_line: int = 2,
) -> MeterSeries:
    """Check a table of readings and turn it into a :class:`MeterSeries`.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per reading.
    timestamp_column, power_column : str
        Names of the timestamp column and the reading column.
    unit : str, optional
        Unit of the readings: power (``W``, ``kW``, ``MW``: mean over the interval) or energy
        per interval (``Wh``, ``kWh``, ``MWh``). By default read from the column name's suffix
        (``power_kw``, ``energy_kwh``, ``load_mw``); a column without one is an error.
    timezone : str
        Zone of timestamps written without a UTC offset, and of the local clock (see the module
        notes). Default ``"UTC"``.
    allow_gaps : bool
        Keep gaps and empty readings as missing values (never interpolated) instead of failing.
    price_column, temperature_column : str, optional
        Columns with the site's power price [USD/kWh] and outdoor temperature [°C], for the
        price- and temperature-response features.
    source : str
        Name used in messages (a file name).
    first_line : int
        File line number of the first row, for messages (2 for a CSV with a header).

    Returns
    -------
    MeterSeries

    Raises
    ------
    InvalidInputError
        Listing every problem: missing columns, unknown unit, unreadable or disordered
        timestamps, gaps, non-numeric, empty or negative readings, a series shorter than
        :data:`MIN_DAYS` days.
    """
    options = (
        (timestamp_column, "--timestamp-column"),
        (power_column, "--power-column"),
        (price_column, "--price-column"),
        (temperature_column, "--temperature-column"),
    )
    missing = [c for c, _ in options if c is not None and c not in frame.columns]
    if missing:
        names = [
            repr(str(c)) if len(str(c)) <= 40 else repr(str(c)[:37]) + "…" for c in frame.columns
        ]
        have = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
        hints = []
        for name in missing:
            close = difflib.get_close_matches(name, [str(c) for c in frame.columns], n=1)
            hints.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        advice = []
        if timestamp_column in missing or power_column in missing:
            advice.append(
                "Name the columns timestamp and power_kw, or say which to use "
                "(--timestamp-column, --power-column)"
            )
        extra = [o for c, o in options[2:] if c is not None and c in missing]
        if extra:
            advice.append(f"Check the name given to {', '.join(extra)}")
        raise InvalidInputError(
            f"{source}: no column {', '.join(hints)}; the file has {have}. {'; '.join(advice)}"
        )
    check_timezone(timezone)
    try:
        unit_name, size, is_energy = _unit_of(power_column, unit)
    except InvalidInputError as exc:
        if unit is not None:  # --unit itself is wrong, whatever the file
            raise
        raise InvalidInputError(f"{source}: {exc}") from None
    problems: list[str] = []
    time = _parse_times(frame[timestamp_column], timezone, first_line, problems)
    problems[:] = [f"column {timestamp_column!r}: {p}" for p in problems]
    before = len(problems)
    values = pd.to_numeric(frame[power_column], errors="coerce").to_numpy(dtype=float)
    raw = frame[power_column]
    empty = raw.isna().to_numpy() | (raw.astype(str).str.strip() == "").to_numpy()
    nonnumeric = np.flatnonzero(np.isnan(values) & ~empty)
    if nonnumeric.size:
        examples = ", ".join(repr(raw.iloc[i]) for i in nonnumeric[:3])
        problems.append(
            f"{nonnumeric.size} reading(s) are not numbers (lines "
            f"{_lines(nonnumeric, first_line)}: {examples})"
        )
    blank = np.flatnonzero(empty)
    if blank.size and not allow_gaps:
        problems.append(
            f"{blank.size} empty reading(s) at lines {_lines(blank, first_line)}; pass "
            "allow_gaps=True (--allow-gaps) to treat them as missing"
        )
    infinite = np.flatnonzero(np.isinf(values))
    if infinite.size:
        problems.append(
            f"{infinite.size} infinite reading(s) at lines {_lines(infinite, first_line)}"
        )
    huge = np.flatnonzero(np.isfinite(values) & (values * size > MAX_READING_KW))
    if huge.size:
        problems.append(
            f"{huge.size} reading(s) above {MAX_READING_KW:g} kW (a terawatt) at lines "
            f"{_lines(huge, first_line)} (e.g. {values[huge[0]]:g} {unit_name}); check the unit"
        )
    negative = np.flatnonzero(values < 0)
    if negative.size:
        problems.append(
            f"{negative.size} negative reading(s) at lines {_lines(negative, first_line)} "
            f"(e.g. {values[negative[0]]:g} {unit_name}); a load cannot be negative — a meter "
            "that nets out on-site generation must be split into import and export first"
        )
    problems[before:] = [f"column {power_column!r}: {p}" for p in problems[before:]]
    for column, (low, high, unit, hint) in (
        (price_column, _PRICE_RANGE),
        (temperature_column, _TEMPERATURE_RANGE),
    ):
        if column is not None:
            cells = frame[column]
            numbers = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=float)
            filled = ~(cells.isna().to_numpy() | (cells.astype(str).str.strip() == "").to_numpy())
            wrong = np.flatnonzero(filled & ~np.isfinite(numbers))
            if wrong.size:
                examples = ", ".join(repr(cells.iloc[i]) for i in wrong[:3])
                problems.append(
                    f"column {column!r}: {wrong.size} value(s) are not finite numbers (lines "
                    f"{_lines(wrong, first_line)}: {examples})"
                )
            finite = np.where(np.isfinite(numbers), numbers, 0.0)
            outside = np.flatnonzero((finite < low) | (finite > high))
            if outside.size:
                problems.append(
                    f"column {column!r}: {outside.size} value(s) outside {low:g} to {high:g} "
                    f"{unit} (lines {_lines(outside, first_line)}: e.g. {numbers[outside[0]]:g}); "
                    f"{hint}"
                )
    interval = SECONDS_PER_HOUR
    slots = np.arange(len(frame), dtype=np.int64)
    if not any("timestamp" in p for p in problems) and len(time):
        interval, slots = _interval(time, first_line, problems, allow_gaps)
    if len(time) and not problems:
        days = (int(slots[-1]) + 1) * interval / SECONDS_PER_DAY
        if days < MIN_DAYS:
            problems.append(
                f"the series covers {days:.3g} days; at least {MIN_DAYS} days are needed "
                "(a full week, for the weekly pattern and a before/after comparison)"
            )
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise InvalidInputError(f"{source}: {len(problems)} problem(s):\n{lines}")
    n = int(slots[-1]) + 1
    power = np.full(n, np.nan)
    scale = size / (interval / SECONDS_PER_HOUR) if is_energy else size
    power[slots] = values * scale
    exogenous: dict[str, FloatArray] = {}
    for name, column in (
        ("price_usd_per_kwh", price_column),
        ("temperature_c", temperature_column),
    ):
        if column is not None:
            series = np.full(n, np.nan)
            series[slots] = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
            exogenous[name] = series
    start = time[0]
    return MeterSeries(
        time=pd.date_range(start, periods=n, freq=pd.Timedelta(seconds=interval)),
        power_kw=power,
        interval_s=interval,
        timezone=timezone,
        source=source,
        exogenous=exogenous,
    )


def _wider_than_header(lines: list[str], header_line: int) -> tuple[int, int, int] | None:
    """(line, fields, header fields) of the first row with more fields than the header."""
    rows = csv.reader(lines[header_line - 1 :])
    try:
        width = len(next(rows, []))
        for offset, row in enumerate(rows, start=1):
            if row and not row[0].lstrip().startswith("#") and len(row) > width:
                return header_line + offset, len(row), width
    except csv.Error:  # left to pandas, which names the problem
        return None
    return None


def read_csv_file(
    path: str | Path,
    *,
    what: str = "meter file",
    header: str = "timestamp,power_kw",
    row: str = "reading",
    max_bytes: int | None = MAX_METER_BYTES,
) -> tuple[pd.DataFrame, int]:
    """A CSV file's rows (text, ``None`` for empty cells) and the line number of its header.

    Every message names the file and, where one applies, the line: a byte that is not UTF-8
    (line, column and byte offset), an empty file, a file with only a header, a row wider than
    the header. Lines starting with ``#`` are comments. ``what``, ``header`` and ``row`` word
    the messages (``"metadata file"``, ``"meter_id,category"``, ``"meter"``); ``max_bytes``
    bounds the size read (``None``: no bound).

    Examples
    --------
    >>> from hashtide.regulation import example_path
    >>> frame, header_line = read_csv_file(example_path("meters/office_b4.csv"))
    >>> list(frame.columns)[:2], header_line
    (['timestamp', 'power_kw'], 1)
    """
    path = Path(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(-1 if max_bytes is None else max_bytes + 1)
    except FileNotFoundError:
        raise InvalidInputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InvalidInputError(f"{path}: cannot be read ({exc.strerror})") from None
    if max_bytes is not None and len(raw) > max_bytes:
        raise InvalidInputError(f"{path}: larger than {max_bytes:,} bytes")
    text = decode_text(raw, path, what, InvalidInputError)
    lines = text.splitlines()
    header_line = 1
    while header_line <= len(lines) and (
        lines[header_line - 1].lstrip().startswith("#") or not lines[header_line - 1].strip()
    ):
        header_line += 1
    if header_line > len(lines):
        raise InvalidInputError(
            f"{path}: empty; a {what} has a header row (e.g. {header}) and then one {row} per line"
        )
    first = lines[header_line - 1]
    separator = next((s for s in (";", "\t") if s in first and "," not in first), None)
    if separator is not None:
        # A spreadsheet's export in a comma-decimal locale: 'timestamp;power_kw', '…;7,0'.
        shown = "';'" if separator == ";" else "tabs"
        raise InvalidInputError(
            f"{path}: the header (line {header_line}) is separated by {shown}, not commas; save "
            f"the {what} as comma-separated values with '.' as the decimal mark (e.g. {header})"
        )
    wide = _wider_than_header(lines, header_line)
    if wide is not None:
        raise InvalidInputError(
            f"{path}: line {wide[0]} has {wide[1]} fields but the header (line {header_line}) "
            f"names {wide[2]} columns"
        )
    try:
        frame = pd.read_csv(
            io.StringIO(text), comment="#", dtype=str, keep_default_na=False, index_col=False
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise InvalidInputError(f"{path}: cannot be read as CSV ({exc})") from None
    if frame.empty:
        raise InvalidInputError(
            f"{path}: no {row}s after the header (line {header_line}); a {what} has one {row} "
            "per line"
        )
    return frame.replace({"": None}), header_line


def read_meter_csv(
    path: str | Path,
    *,
    timestamp_column: str = "timestamp",
    power_column: str = "power_kw",
    unit: str | None = None,
    timezone: str = "UTC",
    allow_gaps: bool = False,
    price_column: str | None = None,
    temperature_column: str | None = None,
) -> MeterSeries:
    """Read a meter CSV file (a header row, then one reading per line) and check it.

    The options are those of :func:`meter_from_frame`. Lines starting with ``#`` are comments.

    Examples
    --------
    >>> from hashtide.regulation import example_path, read_meter_csv
    >>> meter = read_meter_csv(example_path("meters/office_b4.csv"))
    >>> meter.interval_s, round(meter.duration_days), meter.missing
    (3600, 56, 0)
    """
    path = Path(path)
    frame, header_line = read_csv_file(path)
    return meter_from_frame(
        frame,
        timestamp_column=timestamp_column,
        power_column=power_column,
        unit=unit,
        timezone=timezone,
        allow_gaps=allow_gaps,
        price_column=price_column,
        temperature_column=temperature_column,
        source=str(path),
        first_line=header_line + 1,
    )


def meter_from_array(
    power_kw: Sequence[float] | FloatArray,
    *,
    start: str | pd.Timestamp = "2024-01-01",
    interval_s: int = SECONDS_PER_HOUR,
    timezone: str = "UTC",
    source: str = "array",
    exogenous: Mapping[str, Sequence[float] | FloatArray] | None = None,
) -> MeterSeries:
    """A :class:`MeterSeries` from power readings [kW] at a fixed interval from ``start`` (UTC).

    Missing readings may be NaN. Negative or infinite readings, an interval that does not
    divide the hour, or fewer than :data:`MIN_DAYS` days raise :class:`InvalidInputError`.

    Examples
    --------
    >>> meter = meter_from_array([50.0] * 24 * 7, start="2024-03-04")
    >>> meter.n, meter.interval_s, str(meter.time[0])
    (168, 3600, '2024-03-04 00:00:00+00:00')
    """
    power = np.asarray(power_kw, dtype=float)
    problems = []
    if power.ndim != 1:
        problems.append(f"power_kw must be one-dimensional, got shape {power.shape}")
    if np.any(np.isinf(power)):
        problems.append("power_kw holds infinite values")
    if np.any(power < 0):
        problems.append(f"power_kw holds {int((power < 0).sum())} negative value(s)")
    if (
        not isinstance(interval_s, int)
        or interval_s <= 0
        or (SECONDS_PER_HOUR % interval_s and interval_s != SECONDS_PER_HOUR)
    ):
        problems.append(
            f"interval_s={interval_s!r} must be a whole number of seconds dividing 3600"
        )
    elif power.size * interval_s < MIN_DAYS * SECONDS_PER_DAY:
        problems.append(
            f"{power.size} readings of {interval_s} s cover "
            f"{power.size * interval_s / SECONDS_PER_DAY:.3g} days; at least {MIN_DAYS} are needed"
        )
    if problems:
        raise InvalidInputError(f"{source}: " + "; ".join(problems))
    when = pd.Timestamp(start)
    when = when.tz_localize("UTC") if when.tzinfo is None else when.tz_convert("UTC")
    extra = {k: np.asarray(v, dtype=float) for k, v in (exogenous or {}).items()}
    return MeterSeries(
        time=pd.date_range(when, periods=power.size, freq=pd.Timedelta(seconds=interval_s)),
        power_kw=power,
        interval_s=interval_s,
        timezone=timezone,
        source=source,
        exogenous=extra,
    )


def describe_series(series: MeterSeries) -> dict[str, Any]:
    """Facts about a series for a report: start, end, interval, days, missing, mean and peak."""
    finite = series.power_kw[np.isfinite(series.power_kw)]
    return {
        "source": series.source,
        "start": series.time[0].strftime("%Y-%m-%dT%H:%M:%SZ"),
        "end": (series.time[-1] + pd.Timedelta(seconds=series.interval_s)).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        ),
        "interval_s": series.interval_s,
        "duration_days": series.duration_days,
        "missing_intervals": series.missing,
        "mean_kw": float(finite.mean()) if finite.size else math.nan,
        "peak_kw": float(finite.max()) if finite.size else math.nan,
        "timezone": series.timezone,
    }
