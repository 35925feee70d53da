"""Meter CSVs of any shape are read or refused by name (file, line, column); issue #15."""

from __future__ import annotations

from pathlib import Path

import pytest

from hashtide.errors import InvalidInputError
from hashtide.regulation import example_path, read_meter_csv

GOOD = example_path("meters/office_b4.csv")


def _rows() -> tuple[str, list[str]]:
    lines = GOOD.read_text(encoding="utf-8").splitlines()
    return lines[0], lines[1:]


def _write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "meter.csv"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    with pytest.raises(InvalidInputError, match=r"meter\.csv: empty; a meter file has a header"):
        read_meter_csv(_write(tmp_path, text))


def test_header_only(tmp_path: Path) -> None:
    header, _ = _rows()
    with pytest.raises(InvalidInputError, match=r"no readings after the header \(line 1\)"):
        read_meter_csv(_write(tmp_path, header + "\n"))


def test_mixed_offsets_and_local_times(tmp_path: Path) -> None:
    header, rows = _rows()
    naive = [r.replace("Z,", ",", 1) for r in rows[10:]]
    path = _write(tmp_path, "\n".join([header, *rows[:10], *naive]))
    # rows[10] is on file line 12 (header on line 1)
    with pytest.raises(InvalidInputError, match="column 'timestamp': timestamps mix UTC offsets "
                       "and local times: lines 12, 13"):  # fmt: skip
        read_meter_csv(path)


@pytest.mark.parametrize("year", ["1500", "2200", "9999"])
def test_years_out_of_range(tmp_path: Path, year: str) -> None:
    header, rows = _rows()
    path = _write(tmp_path, "\n".join([header, year + rows[0][4:], *rows[1:]]))
    with pytest.raises(InvalidInputError, match=rf"outside the years 1970–2100 \(lines 2: '{year}"):
        read_meter_csv(path)


@pytest.mark.parametrize(
    ("cell", "match"),
    [
        ("abc", r"column 'power_kw': 1 reading\(s\) are not numbers \(lines 2: 'abc'\)"),
        ("nan", r"column 'power_kw': 1 reading\(s\) are not numbers \(lines 2: 'nan'\)"),
        ("inf", r"column 'power_kw': 1 infinite reading\(s\) at lines 2"),
        ("1e400", r"column 'power_kw': 1 infinite reading\(s\) at lines 2"),
        ("1e308", r"column 'power_kw': 1 reading\(s\) above 1e\+09 kW \(a terawatt\) at lines 2"),
    ],
)
def test_bad_readings(tmp_path: Path, cell: str, match: str) -> None:
    header, rows = _rows()
    first = rows[0].split(",")[0] + "," + cell
    with pytest.raises(InvalidInputError, match=match):
        read_meter_csv(_write(tmp_path, "\n".join([header, first, *rows[1:]])))


def test_duplicate_and_unsorted_timestamps(tmp_path: Path) -> None:
    header, rows = _rows()
    with pytest.raises(InvalidInputError, match=r"1 duplicate timestamp\(s\) at lines 3"):
        read_meter_csv(_write(tmp_path, "\n".join([header, rows[0], *rows])))
    with pytest.raises(InvalidInputError, match="timestamps go backwards at lines 3, 4"):
        read_meter_csv(_write(tmp_path, "\n".join([header, *rows[::-1]])))


@pytest.mark.parametrize("zone", ["Mars/X", "", "../../etc/passwd"])
def test_unknown_time_zone(zone: str) -> None:
    with pytest.raises(InvalidInputError, match="is not a time zone name"):
        read_meter_csv(GOOD, timezone=zone)


def test_latin1_byte_and_extra_fields(tmp_path: Path) -> None:
    header, rows = _rows()
    text = "\n".join([header, rows[0], rows[1].split(",")[0] + ",caf\xe9", *rows[2:]])
    path = _write(tmp_path, text.encode("latin-1"))
    with pytest.raises(InvalidInputError, match="not UTF-8 text: byte 0xe9 at line 3"):
        read_meter_csv(path)
    path = _write(tmp_path, "\n".join([header, rows[0], rows[1] + ",1,2", *rows[2:]]))
    with pytest.raises(InvalidInputError, match=r"line 3 has 4 fields but the header \(line 1\)"):
        read_meter_csv(path)
