"""Meter series: reading, units, resampling, and every kind of malformed input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hashtide.errors import InvalidInputError
from hashtide.regulation import meter_from_array, meter_from_frame, read_meter_csv

HOURS = 7 * 24


def _csv(tmp_path: Path, lines: list[str], name: str = "meter.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _hourly(n: int = HOURS, start: str = "2024-03-04", value: float = 10.0) -> list[str]:
    times = pd.date_range(start, periods=n, freq="h", tz="UTC")
    return [f"{t:%Y-%m-%dT%H:%M:%SZ},{value}" for t in times]


def test_reads_power_in_kw(tmp_path: Path) -> None:
    meter = read_meter_csv(_csv(tmp_path, ["timestamp,power_kw", *_hourly()]))
    assert meter.interval_s == 3600
    assert meter.n == HOURS
    assert str(meter.time[0]) == "2024-03-04 00:00:00+00:00"
    np.testing.assert_allclose(meter.power_kw, 10.0)


def test_energy_per_interval_becomes_mean_power(tmp_path: Path) -> None:
    # Independent derivation: 2.5 kWh in each 15-min interval is a mean of 10 kW.
    times = pd.date_range("2024-03-04", periods=HOURS * 4, freq="15min", tz="UTC")
    lines = ["time,energy_kwh", *(f"{t:%Y-%m-%d %H:%M}Z,2.5" for t in times)]
    meter = read_meter_csv(
        _csv(tmp_path, lines), timestamp_column="time", power_column="energy_kwh"
    )
    assert meter.interval_s == 900
    np.testing.assert_allclose(meter.power_kw, 10.0)
    hourly = meter.hourly()
    assert hourly.interval_s == 3600
    assert hourly.n == HOURS
    np.testing.assert_allclose(hourly.power_kw, 10.0)


@pytest.mark.parametrize(("unit", "factor"), [("W", 1e-3), ("MW", 1e3), ("Wh", 1e-3)])
def test_explicit_units(tmp_path: Path, unit: str, factor: float) -> None:
    # Independent derivation: SI prefixes; Wh per hourly interval equals mean W.
    lines = ["timestamp,load", *_hourly(value=2000.0)]
    meter = read_meter_csv(_csv(tmp_path, lines), power_column="load", unit=unit)
    np.testing.assert_allclose(meter.power_kw, 2000.0 * factor)


def test_naive_local_times_are_converted_to_utc(tmp_path: Path) -> None:
    times = pd.date_range("2024-01-08", periods=HOURS, freq="h")  # winter: London = UTC+0
    lines = ["timestamp,power_kw", *(f"{t:%Y-%m-%d %H:%M},5" for t in times)]
    meter = read_meter_csv(_csv(tmp_path, lines), timezone="Asia/Shanghai")
    # Independent derivation: Shanghai is UTC+8 all year.
    assert str(meter.time[0]) == "2024-01-07 16:00:00+00:00"
    assert meter.timezone == "Asia/Shanghai"


def test_comment_lines_are_skipped(tmp_path: Path) -> None:
    meter = read_meter_csv(
        _csv(tmp_path, ["# exported 2024-03-11", "timestamp,power_kw", *_hourly()])
    )
    assert meter.n == HOURS


def test_allow_gaps_keeps_missing_as_missing(tmp_path: Path) -> None:
    rows = _hourly()
    del rows[10:13]  # three readings missing
    rows[20] = rows[20].split(",")[0] + ","  # one empty reading
    meter = read_meter_csv(_csv(tmp_path, ["timestamp,power_kw", *rows]), allow_gaps=True)
    assert meter.n == HOURS
    assert meter.missing == 4
    assert np.isnan(meter.power_kw[10:13]).all()


def test_bad_timestamps_are_listed_with_lines(tmp_path: Path) -> None:
    rows = _hourly()
    rows[4] = "yesterday,10"
    rows[9] = "2024-13-45T99:00Z,10"
    with pytest.raises(InvalidInputError, match=r"2 timestamp\(s\) cannot be read \(lines 6, 11"):
        read_meter_csv(_csv(tmp_path, ["timestamp,power_kw", *rows]))


def test_gaps_are_errors_unless_allowed(tmp_path: Path) -> None:
    rows = _hourly()
    del rows[30:35]
    path = _csv(tmp_path, ["timestamp,power_kw", *rows])
    with pytest.raises(
        InvalidInputError, match=r"1 gap\(s\).*5 interval\(s\) missing.*--allow-gaps"
    ):
        read_meter_csv(path)


def test_negative_load_is_an_error(tmp_path: Path) -> None:
    rows = _hourly()
    rows[7] = rows[7].split(",")[0] + ",-3.5"
    with pytest.raises(
        InvalidInputError, match=r"1 negative reading\(s\) at lines 9 \(e.g. -3.5 kW\)"
    ):
        read_meter_csv(_csv(tmp_path, ["timestamp,power_kw", *rows]))


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    rows = _hourly()
    rows[3] = rows[3].split(",")[0] + ",abc"
    rows[5] = rows[5].split(",")[0] + ",-1"
    with pytest.raises(InvalidInputError, match=r"2 problem\(s\)") as info:
        read_meter_csv(_csv(tmp_path, ["timestamp,power_kw", *rows]))
    assert "not numbers (lines 5: 'abc')" in str(info.value)
    assert "negative" in str(info.value)


def test_unknown_unit_suggests_the_right_one(tmp_path: Path) -> None:
    path = _csv(tmp_path, ["timestamp,load", *_hourly()])
    with pytest.raises(InvalidInputError, match=r"unknown unit 'kwh'; did you mean 'kWh'\?"):
        read_meter_csv(path, power_column="load", unit="kwh")
    with pytest.raises(InvalidInputError, match=r"unknown unit 'horsepower'"):
        read_meter_csv(path, power_column="load", unit="horsepower")


def test_column_without_unit_needs_one(tmp_path: Path) -> None:
    path = _csv(tmp_path, ["timestamp,load", *_hourly()])
    # The file is named (it was not: in a folder of meters, which one?), and the CLI's option.
    with pytest.raises(
        InvalidInputError,
        match=r"meter.csv: the column 'load' does not say its unit; .* \(--unit\)",
    ):
        read_meter_csv(path, power_column="load")


def test_missing_column_suggests_a_name(tmp_path: Path) -> None:
    path = _csv(tmp_path, ["timestamp,power_kwh", *_hourly()])
    with pytest.raises(
        InvalidInputError, match=r"no column 'power_kw' \(did you mean 'power_kwh'\?\)"
    ):
        read_meter_csv(path)


def test_too_short_series(tmp_path: Path) -> None:
    path = _csv(tmp_path, ["timestamp,power_kw", *_hourly(n=48)])
    with pytest.raises(InvalidInputError, match=r"covers 2 days; at least 7 days are needed"):
        read_meter_csv(path)


def test_duplicates_and_disorder(tmp_path: Path) -> None:
    rows = _hourly()
    rows[11] = rows[10]
    rows[40], rows[41] = rows[41], rows[40]
    with pytest.raises(InvalidInputError, match=r"duplicate timestamp") as info:
        read_meter_csv(_csv(tmp_path, ["timestamp,power_kw", *rows]))
    assert "go backwards" in str(info.value)


def test_a_shuffled_file_is_told_to_sort_and_nothing_else(tmp_path: Path) -> None:
    # An hourly file in random order read "the reading interval is 112 h", "656 reading(s) off
    # the 403200 s grid" and "562 gap(s)": the disorder's figures, not the file's.
    rows = _hourly()
    order = np.random.default_rng(1).permutation(len(rows))
    with pytest.raises(InvalidInputError) as info:
        read_meter_csv(_csv(tmp_path, ["timestamp,power_kw", *[rows[i] for i in order]]))
    message = str(info.value)
    assert "1 problem(s)" in message
    assert "go backwards" in message
    assert "sort the file" in message


def test_daily_readings_are_too_coarse(tmp_path: Path) -> None:
    times = pd.date_range("2024-03-04", periods=30, freq="D", tz="UTC")
    lines = ["timestamp,power_kw", *(f"{t:%Y-%m-%dT%H:%MZ},1" for t in times)]
    with pytest.raises(InvalidInputError, match=r"at least hourly"):
        read_meter_csv(_csv(tmp_path, lines))


def test_nonexistent_local_time_at_dst(tmp_path: Path) -> None:
    # 2024-03-31 01:00–02:00 does not exist in London (clocks go forward).
    times = pd.date_range("2024-03-26", periods=HOURS, freq="h")
    lines = ["timestamp,power_kw", *(f"{t:%Y-%m-%d %H:%M},5" for t in times)]
    with pytest.raises(InvalidInputError, match=r"do not exist or are ambiguous"):
        read_meter_csv(_csv(tmp_path, lines), timezone="Europe/London")


def test_unknown_timezone(tmp_path: Path) -> None:
    times = pd.date_range("2024-03-04", periods=HOURS, freq="h")
    lines = ["timestamp,power_kw", *(f"{t:%Y-%m-%d %H:%M},5" for t in times)]
    with pytest.raises(InvalidInputError, match=r"'Mars/Olympus' is not a time zone"):
        read_meter_csv(_csv(tmp_path, lines), timezone="Mars/Olympus")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"no such file"):
        read_meter_csv(tmp_path / "nope.csv")


def test_meter_from_frame_and_array_agree() -> None:
    power = np.linspace(1, 2, HOURS)
    frame = pd.DataFrame(
        {
            "timestamp": pd.date_range("2024-03-04", periods=HOURS, freq="h", tz="UTC").astype(str),
            "power_kw": power,
        }
    )
    a = meter_from_frame(frame)
    b = meter_from_array(power, start="2024-03-04")
    np.testing.assert_allclose(a.power_kw, b.power_kw)
    assert (a.time == b.time).all()


def test_meter_from_array_rejects_bad_input() -> None:
    with pytest.raises(InvalidInputError, match=r"negative"):
        meter_from_array([-1.0] * HOURS)
    with pytest.raises(InvalidInputError, match=r"interval_s=7 must be a whole number of seconds"):
        meter_from_array([1.0] * HOURS, interval_s=7)
    with pytest.raises(InvalidInputError, match=r"at least 7 are needed"):
        meter_from_array([1.0] * 24)


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        # Earth's records are -89.2 and +56.7 °C: 95 is a warm day in °F, 9999 a sensor's code.
        ("temperature_c", "95", "1 value(s) outside -90 to 60 °C (lines 3: e.g. 95); convert"),
        ("temperature_c", "9999", "outside -90 to 60 °C"),
        # 45 USD/MWh written as USD/kWh: above any market's cap (ERCOT 5, the NEM ~12 USD/kWh).
        ("price", "45", "outside -20 to 20 USD/kWh (lines 3: e.g. 45); a price per MWh"),
    ],
)
def test_price_and_temperature_outside_what_is_possible(
    tmp_path: Path, column: str, value: str, problem: str
) -> None:
    # Such values were read as given: 9999 °C gave a temperature response of 0 kW/°C.
    rows = [f"{row},{value if i == 1 else '10'}" for i, row in enumerate(_hourly())]
    path = _csv(tmp_path, [f"timestamp,power_kw,{column}", *rows])
    kwargs = {"price_column" if column == "price" else "temperature_column": column}
    with pytest.raises(InvalidInputError, match="1 problem") as info:
        read_meter_csv(path, **kwargs)  # type: ignore[arg-type]
    assert problem in str(info.value)
    rows[1] = rows[1].rsplit(",", 1)[0] + ",-5"  # a cold day, a negative wholesale price: fine
    meter = read_meter_csv(_csv(tmp_path, [f"timestamp,power_kw,{column}", *rows]), **kwargs)  # type: ignore[arg-type]
    assert meter.n == len(rows)


@pytest.mark.parametrize(("separator", "named"), [(";", "';'"), ("\t", "tabs")])
def test_a_file_separated_by_semicolons_or_tabs_is_named(
    tmp_path: Path, separator: str, named: str
) -> None:
    # A comma-decimal spreadsheet's export ('timestamp;power_kw', '…;7,5') read "line 2 has 2
    # fields but the header (line 1) names 1 columns".
    rows = [row.replace(",", separator).replace("10.0", "10,0") for row in _hourly()]
    path = _csv(tmp_path, [f"timestamp{separator}power_kw", *rows])
    with pytest.raises(InvalidInputError, match=f"separated by {named}, not commas; save"):
        read_meter_csv(path)
