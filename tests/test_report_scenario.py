"""The scenario report (HTML) and tables (CSV, JSON) from a hand-built ``ScenarioResult``.

The result below is synthetic: its figures are typed in, not simulated, so every expected string
in these tests is derived by hand from them (the derivation is in the comment next to it).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hashtide.errors import InvalidInputError
from hashtide.report.formatting import (
    format_btc,
    format_co2,
    format_count,
    format_energy,
    format_factor,
    format_hashrate,
    format_number,
    format_percent,
    format_power,
    format_usd,
    pick_unit,
)
from hashtide.report.scenario_report import (
    claim_explanation,
    format_claim_value,
    write_report,
    write_tables,
)
from hashtide.scenario.results import Band, ClaimCheck, ScenarioResult, SiteResult, VariantResult

# A claim text with markup characters, to prove the report escapes it.
FALSE_CLAIM = "5 GW = 1.66 M machines & 33 EH/s <sic>"
TRUE_CLAIM = "5 GW runs about 1.43 M Antminer S21"
SITE_NAMES = ("Cumberland coal & ash", "Permian flare gas")


def band(median: float, spread: float = 0.1) -> Band:
    """A band ±``spread`` around the median (mean = median)."""
    return Band(p5=median * (1 - spread), median=median, p95=median * (1 + spread), mean=median)


def make_variant(name: str, power_w: float) -> VariantResult:
    # An Antminer S21 draws 3,500 W and hashes 200 TH/s (17.5 J/TH, Bitmain's data sheet), so
    # 5 GW runs 5e9 / 3,500 = 1,428,571 machines and 1,428,571 × 200e12 = 285.71 EH/s.
    machines = int(power_w // 3_500)
    installed_hs = machines * 200e12
    scale = power_w / 5e9
    sites = tuple(
        SiteResult(
            name=site,
            fuel=fuel,
            facility_power_w=power_w * share,
            machines=int(machines * share),
            installed_hashrate_hs=installed_hs * share,
            mean_hashrate_hs=installed_hs * share * running,
            running_frac=running,
            energy_kwh_per_year=power_w * share * running * 8_766 / 1_000,  # W·h/year → kWh
            co2_kg_per_year=power_w * share * running * 8_766 / 1_000 * intensity / 1_000,
            net_co2_kg_per_year=net_frac * power_w * share * running * 8.766 * intensity / 1e3,
            btc_per_year=40_000.0 * scale * share * running,
            power_cost_usd_per_kwh=price,
            intensity_g_per_kwh=intensity,
        )
        for site, fuel, share, running, intensity, net_frac, price in (
            (SITE_NAMES[0], "coal", 0.6, 0.9, 1_000.0, 1.0, 0.045),
            (SITE_NAMES[1], "flare_gas", 0.4, 0.8, 550.0, -0.2, 0.01),
        )
    )
    times = pd.date_range("2026-01-01", periods=13, freq="QS", tz="UTC")
    ramp = np.linspace(0.0, 1.0, len(times))
    share_median = 0.25 * scale / (1 + 0.25 * scale) * (1 - 0.15 * ramp)
    series = pd.DataFrame(index=pd.DatetimeIndex(times, name="time"))
    for suffix, factor in (("p5", 0.9), ("median", 1.0), ("p95", 1.1)):
        series[f"share_frac_{suffix}"] = share_median * factor
        series[f"cumulative_btc_{suffix}"] = 40_000.0 * scale * 3 * ramp * factor
        series[f"network_hashrate_hs_{suffix}"] = 900e18 * (1 + 0.3 * ramp) * factor
    cash_flow = pd.DataFrame(
        {
            "year": [1, 2, 3],
            "revenue_usd": [3.2e9 * scale, 3.0e9 * scale, 2.8e9 * scale],
            "energy_cost_usd": [1.2e9 * scale] * 3,
            "opex_usd": [0.2e9 * scale] * 3,
            "capex_usd": [3.9e9 * scale, 0.0, 0.0],
        }
    )
    cash_flow["net_usd"] = (
        cash_flow["revenue_usd"]
        - cash_flow["energy_cost_usd"]
        - cash_flow["opex_usd"]
        - cash_flow["capex_usd"]
    )
    cash_flow["cumulative_net_usd"] = cash_flow["net_usd"].cumsum()
    return VariantResult(
        name=name,
        facility_power_w=power_w,
        machines=machines,
        installed_hashrate_hs=installed_hs,
        mean_hashrate_hs=band(installed_hs * 0.86, 0.02),
        network_share_frac=band(0.25 * scale / (1 + 0.25 * scale)),
        network_hashrate_hs=band(1_000e18),
        btc_per_year=band(42_700.0 * scale),
        cost_usd_per_btc=band(38_000.0),
        energy_kwh_per_year=band(37.7e9 * scale, 0.02),
        co2_kg_per_year=band(29.5e9 * scale, 0.02),
        capex_usd=3.9e9 * scale,
        revenue_usd_per_year=band(3.0e9 * scale),
        npv_usd=band(1.5e9 * scale, 0.8),
        break_even_btc_price_usd=band(41_000.0),
        irr_frac=band(0.12),
        payback_years=band(3.5),
        sites=sites,
        series=series,
        cash_flow=cash_flow,
    )


def make_result() -> ScenarioResult:
    five = make_variant("5 GW", 5e9)
    claims = (
        ClaimCheck(
            claim=FALSE_CLAIM,
            source="Wu Blockchain, 2025",
            variant="5 GW",
            quantity="hashrate",
            stated=33e18,
            computed=five.installed_hashrate_hs,
            unit="H/s",
            tolerance_frac=0.05,
            holds=False,
        ),
        ClaimCheck(
            claim=TRUE_CLAIM,
            source="Wu Blockchain, 2025",
            variant="5 GW",
            quantity="machines",
            stated=1.43e6,
            computed=float(five.machines),
            unit="machines",
            tolerance_frac=0.05,
            holds=True,
        ),
    )
    return ScenarioResult(
        scenario="us-state-reserve (synthetic test)",
        description="A state mines bitcoin on its own energy: retired coal & flare gas.",
        actor="US state program",
        start_time_s=1_767_225_600.0,  # 2026-01-01 00:00 UTC (20,454 days × 86,400 s)
        horizon_years=3.0,
        n_paths=1_000,
        seed=42,
        start_height=930_000,
        start_difficulty=1.4e14,
        start_network_hashrate_hs=1_000e18,
        btc_price_usd=85_000.0,
        machine_model="Antminer S21",
        machine_hashrate_hs=200e12,
        machine_power_w=3_500.0,
        machine_price_usd=2_699.0,
        fees_btc_per_block=0.025,
        assumptions=(
            ("Machine", "Antminer S21, 200 TH/s, 3,500 W", "Bitmain data sheet"),
            ("Power price <coal>", "0.045 USD/kWh", "EIA & state utility filings"),
        ),
        variants=(five, make_variant("10 GW", 10e9)),
        claims=claims,
        versions={"hashtide": "0.1.0.dev0", "numpy": np.__version__},
    )


@pytest.fixture(scope="module")
def result() -> ScenarioResult:
    return make_result()


@pytest.fixture(scope="module")
def html(result: ScenarioResult, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("report") / "report.html"
    assert write_report(result, path) == path
    return path.read_text(encoding="utf-8")


# --- formatting helpers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 5 GW / 17.5 J/TH = 5e9 / 17.5e-12 J/H = 2.857e20 H/s, by hand.
        (format_hashrate(5e9 / 17.5e-12), "285.7 EH/s"),
        (format_hashrate(200e12), "200 TH/s"),  # one S21
        (format_hashrate(1.046e21), "1,046 EH/s"),  # EH/s at most, as the press writes it
        (format_hashrate(1.046e21, unit="ZH/s"), "1.046 ZH/s"),
        (format_hashrate(999.99999999e15), "1 EH/s"),  # a hair below a unit counts as one
        (format_power(5e9), "5 GW"),
        (format_power(20e9), "20 GW"),
        (format_power(3_500.0), "3.5 kW"),
        (format_power(0.0), "0 W"),
        (format_energy(5e6 * 8_766), "43.83 TWh"),  # 5 GW × 8,766 h = 43,830 GWh
        (format_co2(43.83e9 * 0.95), "41.64 Mt CO2e"),  # 43.83 TWh at 950 g/kWh = 41.6385 Mt
        (format_usd(1_428_571 * 2_699.0), "3.856 B USD"),  # 1,428,571 S21 at 2,699 USD
        (format_usd(97_500.0), "97,500 USD"),
        (format_usd(-3.5e8), "-350 M USD"),
        (format_percent(0.2857), "28.6 %"),
        (format_percent(1.0), "100 %"),
        (format_btc(450.0), "450 BTC"),
        (format_btc(1_800.4), "1,800 BTC"),
        (format_count(1_428_571), "1.429 M"),
        (format_count(1_660_000), "1.66 M"),
        (format_number(float("nan")), "n/a"),
        (format_number(-0.00001), "-0.00001"),
        # 285.714 / 33 = 8.658 → 8.7 at two significant digits.
        (format_factor(33e18, 285.714e18), "off by a factor of 8.7 (the claim is too low)"),
        (format_factor(1_800.0, 1_500.0), "the computed figure is 17 % lower"),  # 1 - 1500/1800
    ],
)
def test_formatting_against_hand_derived_strings(text: str, expected: str) -> None:
    assert text == expected


@given(st.floats(min_value=1e-12, max_value=1e30), st.booleans())
def test_format_number_reads_back_within_its_rounding(value: float, negative: bool) -> None:
    # Four significant digits: the rounding error is at most half a unit of the 4th digit,
    # 5e-4 of the leading digit's place value, so at most 5e-4 relative (a hair more for floats).
    value = -value if negative else value
    assert float(format_number(value).replace(",", "")) == pytest.approx(value, rel=5.001e-4)


@given(st.floats(min_value=1.0, max_value=999e18))
def test_hashrate_unit_keeps_the_number_below_a_thousand(hashrate_hs: float) -> None:
    number, unit = format_hashrate(hashrate_hs).split(" ")
    assert unit.endswith("H/s")
    assert 1 <= float(number.replace(",", "")) <= 1_000  # 1,000 only when rounding carries


def test_pick_unit_uses_the_largest_value_and_rejects_unknown_kinds() -> None:
    assert pick_unit("hashrate", [33e18, 285.7e18]) == ("EH/s", 1e18)
    assert pick_unit("usd", [38_000.0, float("inf")]) == ("USD", 1.0)  # inf ignored
    with pytest.raises(InvalidInputError, match="kind='volts'"):
        pick_unit("volts", [1.0])
    with pytest.raises(InvalidInputError, match="unit='GJ' is not a power unit"):
        format_power(1.0, unit="GJ")


def test_claim_figures_share_a_unit_and_explain_themselves(result: ScenarioResult) -> None:
    false, true = result.claims
    assert format_claim_value(false, false.stated) == "33 EH/s"
    assert format_claim_value(false, false.computed) == "285.7 EH/s"
    assert claim_explanation(false) == (
        "Stated 33 EH/s, computed 285.7 EH/s: off by a factor of 8.7 (the claim is too low)."
    )
    # 1,428,571 / 1,430,000 − 1 = −0.0999 % → "0.1 % lower", within ±5 %.
    assert format_claim_value(true, true.stated) == "1.43 M machines"
    assert claim_explanation(true) == "Holds within ±5 %: the computed figure is 0.1 % lower."


# --- the HTML report ----------------------------------------------------------------------------


def test_report_is_self_contained(html: str) -> None:
    assert html.startswith("<!DOCTYPE html>")
    assert re.search(r"<script[^>]*\ssrc\s*=", html) is None
    assert re.search(r"<link[^>]*\shref\s*=", html) is None
    assert "@import" not in html
    assert re.search(r"url\(\s*['\"]?https?:", html) is None
    # plotly.js is inlined exactly once (its licence banner opens the bundle).
    assert len(re.findall(r"\* plotly\.js v\d", html)) == 1


def test_report_escapes_text_and_marks_claims(html: str) -> None:
    assert "5 GW = 1.66 M machines &amp; 33 EH/s &lt;sic&gt;" in html
    assert "<sic>" not in html
    assert "Power price &lt;coal&gt;" in html  # assumptions are escaped too
    rows = re.findall(r'<tr class="claim-(yes|no)">(.*?)</tr>', html, flags=re.DOTALL)
    verdicts = {("&lt;sic&gt;" in row): kind for kind, row in rows}
    assert verdicts == {True: "no", False: "yes"}
    false_row = next(row for kind, row in rows if kind == "no")
    assert "✘" in false_row
    assert "✔" not in false_row
    assert "Stated 33 EH/s, computed 285.7 EH/s: off by a factor of 8.7" in false_row
    assert "✔" in next(row for kind, row in rows if kind == "yes")


def test_report_has_every_variant_chart_and_section(html: str, result: ScenarioResult) -> None:
    for variant in result.variants:
        assert f"<h3>{variant.name}</h3>" in html  # its sites table
    for site in SITE_NAMES:
        assert site.replace("&", "&amp;") in html
    ids = re.findall(r'<div id="(chart-[a-z]+)" class="plotly-graph-div"', html)
    assert ids == ["chart-share", "chart-btc", "chart-cash", "chart-energy"]
    for section in ("claims", "summary", "charts", "sites", "assumptions"):
        assert f'<section id="{section}">' in html
    assert html.index('id="claims"') < html.index('id="summary"')  # claims come first
    # The header: 1,767,225,600 s after 1970 is 2026-01-01 00:00 UTC.
    assert "2026-01-01 00:00 UTC" in html
    assert "930,000" in html
    assert "140 T" in html  # difficulty 1.4e14
    assert "85,000 USD" in html
    assert "1,000 EH/s" in html  # the network at start, in the unit the tables use
    assert f"numpy {np.__version__}" in html


def test_report_summary_reads_in_units(html: str) -> None:
    # 1,428,571 machines (see make_variant) → "1.429 M"; × 200 TH/s = 285.7 EH/s.
    assert "1.429 M machines on 5 GW of facility power: 285.7 EH/s installed" in html
    assert ">1,428,571<" in html  # the summary table writes the count in full
    # Median share of the 5 GW variant: 0.25 / 1.25 = 20 %; 5–95 %: 18–22 % (band ±10 %).
    assert "they hold 20 % of the network&#39;s hashrate (5–95 %: 18–22 %)" in html
    # 10 GW: 0.5 / 1.5 = 33.3 % ≥ one third → the sentence names that threshold.
    assert "The median share is above 33 %" in html
    assert "1 of 2 claims holds; 1 does not." in html
    # 5 and 10 GW; 285.7 and 571.4 EH/s; 37.7 and 75.4 TWh; 29.5 and 59 Mt; capex 3.9, 7.8 B USD.
    for unit in ("[GW]", "[EH/s]", "[TWh]", "[Mt CO2e]", "[B USD]", "[%]", "[USD/kWh]"):
        assert f'<span class="unit">{unit}</span>' in html


def test_report_without_claims_has_no_claims_section(
    result: ScenarioResult, tmp_path: Path
) -> None:
    path = write_report(dataclasses.replace(result, claims=()), tmp_path / "r.html")
    text = path.read_text(encoding="utf-8")
    assert 'id="claims"' not in text
    assert '<section id="summary">' in text


def test_report_rejects_other_file_types(result: ScenarioResult, tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"unknown type '\.pdf'; use \.html"):
        write_report(result, tmp_path / "report.pdf")


def test_failing_report_write_leaves_the_old_file(
    result: ScenarioResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.html"
    target.write_text("old report", encoding="utf-8")

    def half_then_fail(self: Path, data: str, *args: Any, **kwargs: Any) -> int:
        with open(self, "w", encoding="utf-8") as handle:
            handle.write(data[: len(data) // 2])
        raise OSError("disk full")

    monkeypatch.setattr(Path, "write_text", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        write_report(result, target)
    with pytest.raises(OSError, match="disk full"):
        write_report(result, tmp_path / "new.html")
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == "old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no new or temporary file


# --- machine-readable tables --------------------------------------------------------------------

EXPECTED_FILES = ["summary.csv", "claims.csv", "sites.csv", "series.csv", "cash_flow.csv",
                  "summary.json"]  # fmt: skip


def _has_pyarrow() -> bool:
    return importlib.util.find_spec("pyarrow") is not None


def test_tables_write_every_file(result: ScenarioResult, tmp_path: Path) -> None:
    paths = write_tables(result, tmp_path / "out")
    expected = EXPECTED_FILES + (["series.parquet"] if _has_pyarrow() else [])
    assert [p.name for p in paths] == expected
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(expected)


def test_tables_parse_back(result: ScenarioResult, tmp_path: Path) -> None:
    write_tables(result, tmp_path)
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert list(summary.columns) == list(result.summary_frame().columns)
    assert list(summary["variant"]) == ["5 GW", "10 GW"]
    # btc_per_year_p5 of 5 GW: 42,700 × 0.9 = 38,430 (band() in this file).
    assert summary.loc[0, "btc_per_year_p5"] == pytest.approx(38_430.0, rel=1e-12)

    claims = pd.read_csv(tmp_path / "claims.csv")
    assert list(claims.columns) == [
        "claim", "source", "variant", "quantity", "stated", "computed", "unit",
        "tolerance_frac", "holds", "reason",
    ]  # fmt: skip
    assert list(claims["claim"]) == [FALSE_CLAIM, TRUE_CLAIM]  # raw text, not HTML
    assert list(claims["holds"]) == [False, True]

    sites = pd.read_csv(tmp_path / "sites.csv")
    assert len(sites) == 4  # 2 variants × 2 sites
    assert list(sites.columns[:3]) == ["variant", "name", "fuel"]
    assert "net_co2_kg_per_year" in sites.columns
    assert list(sites["variant"]) == ["5 GW", "5 GW", "10 GW", "10 GW"]
    # 10 GW × 0.6 share of the coal site = 6 GW.
    assert sites.loc[2, "facility_power_w"] == pytest.approx(6e9, rel=1e-12)

    series = pd.read_csv(tmp_path / "series.csv")
    assert len(series) == 2 * 13  # 13 quarterly grid times per variant
    assert list(series.columns[:2]) == ["variant", "time"]
    assert {"share_frac_median", "cumulative_btc_p95"} <= set(series.columns)
    assert series.loc[0, "time"] == "2026-01-01T00:00:00Z"
    assert series.loc[12, "time"] == "2029-01-01T00:00:00Z"  # 12 quarters later

    cash = pd.read_csv(tmp_path / "cash_flow.csv")
    assert list(cash.columns[:2]) == ["variant", "year"]
    assert len(cash) == 2 * 3
    # Year 1 of 5 GW: 3.2e9 − 1.2e9 − 0.2e9 − 3.9e9 = −2.1e9 USD.
    assert cash.loc[0, "net_usd"] == pytest.approx(-2.1e9, rel=1e-12)


def test_parquet_is_written_when_pyarrow_is_there(
    result: ScenarioResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashtide.report.scenario_report as module

    frames: list[pd.DataFrame] = []

    def fake_parquet(self: pd.DataFrame, path: Path, *args: Any, **kwargs: Any) -> None:
        frames.append(self)
        Path(path).write_bytes(b"PAR1")

    monkeypatch.setattr(module, "_has_pyarrow", lambda: True)
    monkeypatch.setattr(pd.DataFrame, "to_parquet", fake_parquet, raising=False)
    paths = write_tables(result, tmp_path)
    assert paths[-1] == tmp_path / "series.parquet"
    assert paths[-1].read_bytes() == b"PAR1"
    # The parquet frame keeps real UTC timestamps (the CSV has text): 2 variants × 13 rows.
    (frame,) = frames
    assert len(frame) == 26
    assert frame["time"].iloc[0] == pd.Timestamp("2026-01-01", tz="UTC")


def _strict_json(text: str) -> Any:
    def reject(constant: str) -> None:
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=reject)


def test_summary_json(result: ScenarioResult, tmp_path: Path) -> None:
    broken = dataclasses.replace(
        result.variants[1], cost_usd_per_btc=Band(p5=math.nan, median=math.nan, p95=1.0, mean=1.0)
    )
    write_tables(dataclasses.replace(result, variants=(result.variants[0], broken)), tmp_path)
    data = _strict_json((tmp_path / "summary.json").read_text(encoding="utf-8"))
    # 42,700 × 0.9 and 85,400 × 0.9 (band() in this file).
    assert [v["btc_per_year"]["p5"] for v in data["variants"]] == pytest.approx([38_430, 76_860])
    assert data["variants"][1]["cost_usd_per_btc"] is None  # NaN is written as null
    assert data["versions"] == result.versions
    assert [c["holds"] for c in data["claims"]] == [False, True]


def test_failing_table_write_leaves_no_file(
    result: ScenarioResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def half_then_fail(self: pd.DataFrame, path: Path, *args: Any, **kwargs: Any) -> None:
        Path(path).write_text("variant,machi", encoding="utf-8")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        write_tables(result, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_summary_writes_no_cost_per_btc_when_nothing_is_mined(result: ScenarioResult) -> None:
    # Nothing mined (every site curtailed): the cost per BTC is NaN, printed "nan" by run.
    from hashtide.report.summary import variant_summary

    variant = dataclasses.replace(
        result.variants[0],
        cost_usd_per_btc=Band(p5=math.nan, median=math.nan, p95=math.nan, mean=math.nan),
    )
    columns, rows = variant_summary(dataclasses.replace(result, variants=(variant,)))
    assert rows[0][columns.index("USD/BTC")] == "n/a"
