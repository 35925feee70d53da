"""The scenario report: one self-contained HTML page, and the results as CSV and JSON tables.

:func:`write_report` renders a :class:`~hashtide.scenario.results.ScenarioResult` for readers
who are not programmers: the published claims checked first, a summary in sentences and in a
table, interactive charts, the sites and the assumptions. :func:`write_tables` writes the same
results for machines: ``summary.csv``, ``claims.csv``, ``sites.csv``, ``series.csv``,
``cash_flow.csv``, ``summary.json`` (and ``series.parquet`` when pyarrow is installed).

Every file is written atomically: a reader never sees a half-written one. The HTML report needs
plotly and jinja2; the tables need only pandas.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from hashtide import __version__
from hashtide.errors import HashtideError, InvalidInputError
from hashtide.report._io import write_atomically
from hashtide.report._tables import Cell as _Cell
from hashtide.report._tables import Column as _Column
from hashtide.report._tables import Table as _Table
from hashtide.report.formatting import (
    format_btc,
    format_count,
    format_factor,
    format_hashrate,
    format_number,
    format_percent,
    format_power,
    format_quantity,
    format_range,
    format_usd,
    pick_unit,
)
from hashtide.report.security_section import security_context
from hashtide.scenario.results import Band, ClaimCheck, ScenarioResult, SiteResult, VariantResult

__all__ = [
    "SECURITY_THRESHOLDS",
    "claim_explanation",
    "format_claim_value",
    "render_report",
    "write_report",
    "write_tables",
]

#: Shares of network hashrate [0–1] drawn on the share chart, with what each means.
#: Eyal & Sirer, "Majority is not enough: Bitcoin mining is vulnerable", Financial Cryptography
#: 2014, https://doi.org/10.1007/978-3-662-45472-5_28: selfish mining beats honest mining above
#: 1/3 of the hashrate when the miner loses every tie (γ = 0), above 1/4 when it wins half (γ = ½).
SECURITY_THRESHOLDS: tuple[tuple[float, str], ...] = (
    (
        0.25,
        "withholding blocks (selfish mining) earns more than honest mining if half of the "
        "other miners side with this miner in block races",
    ),
    (1 / 3, "selfish mining earns more than honest mining even if this miner loses every race"),
    (0.50, "a majority: this miner can rewrite recent blocks and censor transactions"),
)

# How a claim's quantity is written: (display kind, words after the unit).
_CLAIM_QUANTITIES: dict[str, tuple[str, str]] = {
    "machines": ("count", " machines"),
    "hashrate": ("hashrate", ""),
    "mean_hashrate": ("hashrate", ""),
    "network_share": ("percent", ""),
    "btc_per_year": ("btc", " a year"),
    "cost_per_btc": ("usd", " per BTC"),
    "energy_per_year": ("energy", " a year"),
    "co2_per_year": ("co2", " a year"),
}
# The same, guessed from a claim's unit when its quantity is not one of the above.
_CLAIM_UNITS: dict[str, tuple[str, str]] = {
    "H/s": ("hashrate", ""),
    "W": ("power", ""),
    "kWh": ("energy", ""),
    "kWh/year": ("energy", " a year"),
    "kg": ("co2", ""),
    "kg/year": ("co2", " a year"),
    "USD": ("usd", ""),
    "USD/BTC": ("usd", " per BTC"),
    "BTC": ("btc", ""),
    "BTC/year": ("btc", " a year"),
    "frac": ("percent", ""),
    "share_frac": ("percent", ""),
}

_VARIANT_COLOURS = ("#1f4e79", "#d9822b", "#2e8540", "#8e44ad", "#b42318", "#0f7c8c", "#6b6b6b")
_SITE_COLOURS = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#76b7b2",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)
_CASH_COLOURS = {"revenue": "#2e8540", "energy": "#d9822b", "opex": "#8e9aa6", "capex": "#1f4e79"}
_FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'


# --- claims -------------------------------------------------------------------------------------


def _claim_kind(claim: ClaimCheck) -> tuple[str, str]:
    return _CLAIM_QUANTITIES.get(claim.quantity) or _CLAIM_UNITS.get(claim.unit, ("", ""))


def format_claim_value(claim: ClaimCheck, value: float) -> str:
    """Write ``value`` (the claim's stated or computed figure) the way the claim reads.

    Both figures of a claim get the same unit, chosen from the larger, so they compare at a glance.

    Examples
    --------
    >>> c = ClaimCheck(claim="5 GW = 33 EH/s", source="", variant="5 GW", quantity="hashrate",
    ...                stated=33e18, computed=285.7e18, unit="H/s", tolerance_frac=0.05,
    ...                holds=False)
    >>> format_claim_value(c, c.stated), format_claim_value(c, c.computed)
    ('33 EH/s', '285.7 EH/s')
    """
    kind, words = _claim_kind(claim)
    if math.isnan(value):
        return "n/a"
    if kind == "percent":
        return format_percent(value)
    if kind == "btc":
        return format_btc(value) + words
    if kind:
        label, _ = pick_unit(kind, [claim.stated, claim.computed])
        return format_quantity(value, kind, unit=label) + words
    return f"{format_number(value)} {claim.unit}".rstrip()


def claim_explanation(claim: ClaimCheck) -> str:
    """One plain sentence on how the claim compares with hashtide's figure.

    Examples
    --------
    >>> c = ClaimCheck(claim="5 GW = 33 EH/s", source="", variant="5 GW", quantity="hashrate",
    ...                stated=33e18, computed=285.7e18, unit="H/s", tolerance_frac=0.05,
    ...                holds=False)
    >>> claim_explanation(c)
    'Stated 33 EH/s, computed 285.7 EH/s: off by a factor of 8.7 (the claim is too low).'
    """
    stated = format_claim_value(claim, claim.stated)
    computed = format_claim_value(claim, claim.computed)
    tolerance = f"±{format_percent(claim.tolerance_frac)}"
    how = format_factor(claim.stated, claim.computed)
    if claim.holds:
        return f"Holds within {tolerance}: {how}."
    if how.startswith("the computed figure is"):
        how += f", more than the {tolerance} allowed"
    reason = f" Why: {claim.reason}." if claim.reason else ""
    return f"Stated {stated}, computed {computed}: {how}.{reason}"


# --- tables for the page ------------------------------------------------------------------------


def _scaled(kind: str, values: Sequence[float]) -> tuple[str, Callable[[float], str]]:
    """The column's unit and a function writing one of its values in it."""
    label, size = pick_unit(kind, values)
    return label, lambda value: format_number(value / size)


def _band_sub(band: Band, write: Callable[[float], str]) -> str:
    return f"{write(band.p5)} to {write(band.p95)}"


def _machines(count: int) -> str:
    return f"{count:,}"


def _fuel(fuel: str) -> str:
    return fuel.replace("_", " ")


def _summary_table(variants: Sequence[VariantResult]) -> _Table:
    power_u, power = _scaled("power", [v.facility_power_w for v in variants])
    hash_u, hashrate = _scaled("hashrate", [v.installed_hashrate_hs for v in variants])
    cost_u, cost = _scaled("usd", [v.cost_usd_per_btc.median for v in variants])
    energy_u, energy = _scaled("energy", [v.energy_kwh_per_year.median for v in variants])
    co2_u, co2 = _scaled("co2", [v.co2_kg_per_year.median for v in variants])
    capex_u, capex = _scaled(
        "usd", [v.capex_usd for v in variants] + [v.npv_usd.median for v in variants]
    )
    even_u, even = _scaled("usd", [v.break_even_btc_price_usd.median for v in variants])
    columns = [
        _Column("Variant", num=False),
        _Column("Power", power_u),
        _Column("Machines"),
        _Column("Installed hashrate", hash_u),
        _Column("Mean hashrate", hash_u),
        _Column("Network share", "%"),
        _Column("BTC per year", "BTC"),
        _Column("Cost per BTC", cost_u),
        _Column("Energy per year", energy_u),
        _Column("CO2e per year", co2_u),
        _Column("Capex", capex_u),
        _Column("NPV", capex_u),
        _Column("Break-even BTC price", even_u),
    ]

    def pct(frac: float) -> str:
        return format_number(frac * 100, 3)

    btc = format_number
    rows = [
        [
            _Cell(v.name, num=False),
            _Cell(power(v.facility_power_w)),
            _Cell(_machines(v.machines)),
            _Cell(hashrate(v.installed_hashrate_hs)),
            _Cell(hashrate(v.mean_hashrate_hs.median)),
            _Cell(pct(v.network_share_frac.median), _band_sub(v.network_share_frac, pct)),
            _Cell(btc(v.btc_per_year.median), _band_sub(v.btc_per_year, btc)),
            _Cell(cost(v.cost_usd_per_btc.median), _band_sub(v.cost_usd_per_btc, cost)),
            _Cell(energy(v.energy_kwh_per_year.median)),
            _Cell(co2(v.co2_kg_per_year.median)),
            _Cell(capex(v.capex_usd)),
            _Cell(capex(v.npv_usd.median), _band_sub(v.npv_usd, capex)),
            _Cell(even(v.break_even_btc_price_usd.median)),
        ]
        for v in variants
    ]
    return _Table(columns, rows)


def _yearly_table(variants: Sequence[VariantResult]) -> _Table:
    """Per variant and horizon year: hashprice, the actor's share and its BTC."""
    columns = [
        _Column("Variant", num=False),
        _Column("Year"),
        _Column("From", num=False),
        _Column("Hashprice", "USD/PH/day"),
        _Column("Network share", "%"),
        _Column("BTC", "BTC"),
    ]

    def pct(frac: float) -> str:
        return format_number(frac * 100, 3)

    rows = [
        [
            _Cell(v.name, num=False),
            _Cell(str(y.year)),
            _Cell(y.starts.isoformat(), num=False),
            _Cell(
                format_number(y.hashprice_usd_per_ph_day.median, 3),
                _band_sub(y.hashprice_usd_per_ph_day, lambda x: format_number(x, 3)),
            ),
            _Cell(pct(y.share_frac.median), _band_sub(y.share_frac, pct)),
            _Cell(format_number(y.btc.median), _band_sub(y.btc, format_number)),
        ]
        for v in variants
        for y in v.yearly
    ]
    return _Table(columns, rows)


def _sites_tables(variants: Sequence[VariantResult]) -> list[tuple[str, _Table]]:
    sites = [s for v in variants for s in v.sites]
    power_u, power = _scaled("power", [s.facility_power_w for s in sites])
    hash_u, hashrate = _scaled("hashrate", [s.installed_hashrate_hs for s in sites])
    energy_u, energy = _scaled("energy", [s.energy_kwh_per_year for s in sites])
    co2_u, co2 = _scaled(
        "co2", [s.co2_kg_per_year for s in sites] + [s.net_co2_kg_per_year for s in sites]
    )
    columns = [
        _Column("Site", num=False),
        _Column("Fuel", num=False),
        _Column("Power", power_u),
        _Column("Machines"),
        _Column("Installed hashrate", hash_u),
        _Column("Mean hashrate", hash_u),
        _Column("Time running", "%"),
        _Column("Energy per year", energy_u),
        _Column("CO2e per year, gross", co2_u),
        _Column("CO2e per year, net", co2_u),
        _Column("BTC per year", "BTC"),
        _Column("Power price", "USD/kWh"),
        _Column("Carbon intensity", "g CO2e/kWh"),
    ]
    tables = []
    for v in variants:
        rows = [
            [
                _Cell(s.name + (" (idle: never runs)" if s.idle else ""), num=False),
                _Cell(_fuel(s.fuel), num=False),
                _Cell(power(s.facility_power_w)),
                _Cell(_machines(s.machines)),
                _Cell(hashrate(s.installed_hashrate_hs)),
                _Cell(hashrate(s.mean_hashrate_hs)),
                _Cell(format_number(s.running_frac * 100, 3)),
                _Cell(energy(s.energy_kwh_per_year)),
                _Cell(co2(s.co2_kg_per_year)),
                _Cell(co2(s.net_co2_kg_per_year)),
                _Cell(format_number(s.btc_per_year)),
                _Cell(format_number(s.power_cost_usd_per_kwh, 3)),
                _Cell(format_number(s.intensity_g_per_kwh, 3)),
            ]
            for s in v.sites
        ]
        tables.append((v.name, _Table(columns, rows)))
    return tables


def _variant_sentence(v: VariantResult, btc_price_usd: float) -> str:
    share = v.network_share_frac
    btc = v.btc_per_year
    share_band = format_range(format_percent(share.p5), format_percent(share.p95))
    btc_band = format_range(format_btc(btc.p5), format_btc(btc.p95))
    energy = format_quantity(v.energy_kwh_per_year.median, "energy")
    co2 = format_quantity(v.co2_kg_per_year.median, "co2")
    text = (
        f"{format_count(v.machines)} machines on {format_power(v.facility_power_w)} of facility "
        f"power: {format_hashrate(v.installed_hashrate_hs)} installed, "
        f"{format_hashrate(v.mean_hashrate_hs.median)} on average after the energy's "
        f"availability and curtailment. In the median path they hold "
        f"{format_percent(share.median)} of the network's hashrate (5–95 %: {share_band}) "
        f"and mine {format_btc(btc.median)} a year "
        f"(5–95 %: {btc_band}), at {format_usd(v.cost_usd_per_btc.median)} per BTC against a "
        f"price of {format_usd(btc_price_usd)}. They use {energy} and emit {co2} a year."
    )
    above = [(t, meaning) for t, meaning in SECURITY_THRESHOLDS if share.median >= t]
    if above:
        threshold, meaning = above[-1]
        text += f" The median share is above {format_percent(threshold, digits=2)}: {meaning}."
    return text


# --- charts -------------------------------------------------------------------------------------


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"


def _times(series: pd.DataFrame) -> Any:
    index = series.index
    if isinstance(index, pd.DatetimeIndex):
        index = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
        return index.tz_localize(None)
    return index


def _layout(fig: Any, *, title: str, height: int, y_title: str | None = None) -> None:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left"},
        template="plotly_white",
        height=height,
        font={"family": _FONT, "size": 13},
        margin={"l": 70, "r": 30, "t": 60, "b": 50},
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0},
    )
    if y_title is not None:
        fig.update_yaxes(title_text=y_title)


def _band_figure(
    variants: Sequence[VariantResult],
    column: str,
    *,
    scale: float,
    title: str,
    y_title: str,
    hover: str,
) -> Any:
    import plotly.graph_objects as go

    fig = go.Figure()
    for i, v in enumerate(variants):
        colour = _VARIANT_COLOURS[i % len(_VARIANT_COLOURS)]
        series = v.series
        if f"{column}_median" not in series:
            continue
        x = _times(series)
        group = f"v{i}"
        if f"{column}_p5" in series and f"{column}_p95" in series:
            edge = {"x": x, "mode": "lines", "line": {"width": 0}, "legendgroup": group}
            upper = series[f"{column}_p95"] * scale
            fig.add_trace(go.Scatter(y=upper, showlegend=False, hoverinfo="skip", **edge))
            lower = series[f"{column}_p5"] * scale
            name = f"{v.name}: 5–95 % of paths"
            fill = {"fill": "tonexty", "fillcolor": _rgba(colour, 0.18), "hoverinfo": "skip"}
            fig.add_trace(go.Scatter(y=lower, name=name, **fill, **edge))
        fig.add_trace(
            go.Scatter(
                x=x,
                y=series[f"{column}_median"] * scale,
                mode="lines",
                line={"color": colour, "width": 2.2},
                legendgroup=group,
                name=f"{v.name}: median",
                hovertemplate=f"{v.name}<br>%{{x|%Y-%m-%d}}<br>{hover}<extra></extra>",
            )
        )
    _layout(fig, title=title, height=440, y_title=y_title)
    fig.update_xaxes(title_text="date (UTC)")
    return fig


def _share_figure(result: ScenarioResult) -> Any:
    fig = _band_figure(
        result.variants,
        "share_frac",
        scale=100.0,
        title=f"{result.actor}: share of network hashrate",
        y_title="share of network hashrate [%]",
        hover="median share %{y:.3g} %",
    )
    for threshold, _ in SECURITY_THRESHOLDS:
        fig.add_hline(
            y=threshold * 100,
            line={"color": "#b42318", "width": 1, "dash": "dot"},
            annotation_text=format_percent(threshold, digits=2),
            annotation_position="top left",
            annotation_font={"color": "#b42318", "size": 11},
        )
    fig.update_yaxes(rangemode="tozero")
    return fig


def _btc_figure(result: ScenarioResult) -> Any:
    return _band_figure(
        result.variants,
        "cumulative_btc",
        scale=1.0,
        title=f"{result.actor}: bitcoin mined since the start",
        y_title="BTC mined [BTC]",
        hover="median %{y:,.4g} BTC",
    )


def _cash_flow_figure(result: ScenarioResult) -> Any:
    variants = result.variants
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    parts = (
        ("revenue_usd", "revenue", "Revenue", 1.0),
        ("energy_cost_usd", "energy", "Energy cost", -1.0),
        ("opex_usd", "opex", "Other operating cost", -1.0),
        ("capex_usd", "capex", "Machines and sites (capex)", -1.0),
    )
    values = [
        float(x)
        for v in variants
        for col in ("revenue_usd", "energy_cost_usd", "opex_usd", "capex_usd", "cumulative_net_usd")
        if col in v.cash_flow
        for x in v.cash_flow[col]
    ]
    label, size = pick_unit("usd", values)
    n = max(len(variants), 1)
    fig = make_subplots(
        rows=n,
        cols=1,
        shared_xaxes=True,
        subplot_titles=[v.name for v in variants] or [""],
        vertical_spacing=0.12 / n,
    )
    for row, v in enumerate(variants, start=1):
        flow = v.cash_flow
        years = flow.get("year", flow.index)
        for column, key, name, sign in parts:
            if column not in flow:
                continue
            amounts = sign * flow[column].abs() / size  # costs point down, whatever their sign
            hover = f"year %{{x}}<br>{name}: %{{y:,.4g}} {label}<extra></extra>"
            bar = go.Bar(x=years, y=amounts, name=name, legendgroup=key, showlegend=row == 1,
                         marker_color=_CASH_COLOURS[key], hovertemplate=hover)  # fmt: skip
            fig.add_trace(bar, row=row, col=1)
        if "cumulative_net_usd" in flow:
            fig.add_trace(
                go.Scatter(
                    x=years,
                    y=flow["cumulative_net_usd"] / size,
                    mode="lines+markers",
                    name="Cumulative net cash",
                    legendgroup="cumulative",
                    showlegend=row == 1,
                    line={"color": "#111111", "width": 2},
                    hovertemplate=f"year %{{x}}<br>cumulative net: %{{y:,.4g}} {label}"
                    "<extra></extra>",
                ),
                row=row,
                col=1,
            )
        fig.update_yaxes(title_text=f"[{label}]", row=row, col=1)
    fig.update_xaxes(title_text="year of operation", dtick=1, row=n, col=1)
    _layout(fig, title=f"Cash flow per year [{label}], medians across paths", height=170 + 240 * n)
    fig.update_layout(barmode="relative", legend={"y": -0.35 / n})
    return fig


def _energy_figure(result: ScenarioResult) -> Any:
    variants = result.variants
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    energy_label, energy_size = pick_unit(
        "energy", [sum(s.energy_kwh_per_year for s in v.sites) for v in variants]
    )
    co2_label, co2_size = pick_unit(
        "co2", [sum(s.co2_kg_per_year for s in v.sites) for v in variants]
    )
    fig = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=[f"Energy used [{energy_label}/year]", f"CO2e emitted [{co2_label}/year]"],
        horizontal_spacing=0.1,
    )
    names = [v.name for v in variants]
    site_keys = list(dict.fromkeys((s.name, s.fuel) for v in variants for s in v.sites))
    for i, (site, fuel) in enumerate(site_keys):
        colour = _SITE_COLOURS[i % len(_SITE_COLOURS)]
        found = [{s.name: s for s in v.sites}.get(site) for v in variants]
        energy = [s.energy_kwh_per_year / energy_size if s else 0.0 for s in found]
        co2 = [s.co2_kg_per_year / co2_size if s else 0.0 for s in found]
        label = f"{site} ({_fuel(fuel)})"
        common = {"x": names, "name": label, "legendgroup": label, "marker_color": colour}
        hover = f"{label}<br>%{{y:,.4g}} {energy_label}/year<extra></extra>"
        fig.add_trace(go.Bar(y=energy, hovertemplate=hover, **common), row=1, col=1)
        hover = f"{label}<br>%{{y:,.4g}} {co2_label}/year<extra></extra>"
        bar = go.Bar(y=co2, showlegend=False, hovertemplate=hover, **common)
        fig.add_trace(bar, row=1, col=2)
    net = [sum(s.net_co2_kg_per_year for s in v.sites) / co2_size for v in variants]
    fig.add_trace(
        go.Scatter(
            x=names,
            y=net,
            mode="markers",
            name="CO2e net of what the energy would emit anyway",
            marker={"symbol": "diamond", "size": 11, "color": "#111111"},
            hovertemplate=f"net %{{y:,.4g}} {co2_label}/year<extra></extra>",
        ),
        row=1,
        col=2,
    )
    _layout(fig, title="Energy and CO2e per year, by site", height=460)
    fig.update_layout(barmode="stack", legend={"y": -0.15})
    return fig


@dataclass(frozen=True)
class _Chart:
    id: str
    title: str
    caption: str
    html: Any  # markupsafe.Markup: plotly's div and script, inserted unescaped


def _tornado_figure(result: ScenarioResult) -> Any:
    """Change against the base of BTC/year, cost per BTC and peak share, per input."""
    from hashtide.report.tornado import tornado_figure

    frame = result.sensitivity
    if frame is None or frame.empty:  # pragma: no cover - only called with a table
        raise ValueError("no sensitivity table")
    panels = (
        ("btc_per_year", "BTC per year", True),
        ("cost_usd_per_btc", "USD per BTC", True),
        ("peak_share_frac", "peak share", True),
    )
    fig = tornado_figure(
        frame,
        panels,
        colours=("#2e90fa", "#f79009"),
        hover_value="%{x:+.1f} %",
        x_title="change against the base [%]",
    )
    height = 120 + 40 * frame["input"].nunique()
    _layout(fig, title="Sensitivity: one input at a time", height=height)
    return fig


def report_figures(result: ScenarioResult) -> list[tuple[str, str, Any, str]]:
    """The report's charts as ``(key, title, plotly figure, caption)``, in order."""
    thresholds = "; ".join(
        f"{format_percent(t, digits=2)}: {meaning}" for t, meaning in SECURITY_THRESHOLDS
    )
    specs = [
        ("share", "Share of the network", _share_figure,
         "Median across paths (line) and the range 90 % of paths fall in (shaded). Dotted lines: "
         f"{thresholds} (Eyal & Sirer, Financial Cryptography 2014)."),
        ("btc", "Bitcoin mined", _btc_figure,
         "Cumulative bitcoin mined: median across paths and the 5–95 % range."),
        ("cash", "Cash flow", _cash_flow_figure,
         "Revenue (up) and costs (down) in each year of operation, with the cumulative net cash "
         "(line); medians across paths."),
        ("energy", "Energy and CO2e", _energy_figure,
         "Energy used and CO2e emitted per year at each site (stacked; medians across paths). "
         "Diamonds: the CO2e net of what the same energy would have emitted without mining."),
    ]  # fmt: skip
    if result.sensitivity is not None and not result.sensitivity.empty:
        from hashtide.scenario.sensitivity import how_run

        variant = str(result.sensitivity["variant"].iloc[0])
        paths = int(result.sensitivity["paths"].iloc[0]) if "paths" in result.sensitivity else 1
        median = next((r[1] for r in result.assumptions if r[0] == "BTC price, median path"), "")
        specs.append(
            ("sensitivity", "Sensitivity", _tornado_figure,
             f"The {variant} variant rerun with one uncertain input at a time set low (blue) and "
             "high (orange), the others as the file states: change of the median BTC per year, "
             "cost per BTC and peak share against the same run with the file's inputs; "
             f"{how_run(paths)}. The price model's median path: {median}. Values in the hover.")
        )  # fmt: skip
    return [(key, title, build(result), caption) for key, title, build, caption in specs]


def _charts(result: ScenarioResult) -> list[_Chart]:
    from markupsafe import Markup

    charts = []
    for i, (key, title, fig, caption) in enumerate(report_figures(result)):
        html = fig.to_html(
            full_html=False,
            include_plotlyjs=i == 0,  # plotly.js inlined once, so the page opens offline
            div_id=f"chart-{key}",
            config={"displaylogo": False, "responsive": True},
        )
        charts.append(_Chart(f"chart-{key}", title, caption, Markup(html)))
    return charts


# --- the page -----------------------------------------------------------------------------------


def _start(start_time_s: float) -> str:
    return pd.Timestamp(start_time_s, unit="s", tz="UTC").strftime("%Y-%m-%d %H:%M UTC")


def _verdict(n_claims: int, n_false: int) -> str:
    if n_false == 0:
        return "Every claim holds." if n_claims > 1 else "The claim holds."
    if n_false == n_claims:
        return "No claim holds." if n_claims > 1 else "The claim does not hold."
    held = n_claims - n_false
    return (
        f"{held} of {n_claims} claims {'holds' if held == 1 else 'hold'}; "
        f"{n_false} {'does' if n_false == 1 else 'do'} not."
    )


def _context(result: ScenarioResult) -> dict[str, Any]:
    versions = ", ".join(f"{k} {v}" for k, v in result.versions.items()) or "not recorded"
    from hashtide.scenario.results import RESPONSE_TEXT

    meta = [
        ("Actor", result.actor),
        (
            "Rest of the world",
            RESPONSE_TEXT.get(result.network_response, result.network_response),
        ),
        ("Start", _start(result.start_time_s)),
        ("Horizon", f"{format_number(result.horizon_years)} years"),
        ("Monte Carlo paths", format_number(result.n_paths)),
        ("Random seed", str(result.seed)),
        ("Start height", f"{result.start_height:,}"),
        ("Start difficulty", format_quantity(result.start_difficulty, "si")),
        (
            "Network hashrate at start",
            format_hashrate(result.start_network_hashrate_hs, unit="EH/s"),
        ),
        ("BTC price", format_usd(result.btc_price_usd)),
        ("Computed with", versions),
    ]
    claims = [
        {
            "claim": c.claim,
            "source": c.source,
            "variant": c.variant,
            "stated": format_claim_value(c, c.stated),
            "computed": format_claim_value(c, c.computed),
            "holds": c.holds,
            "explanation": claim_explanation(c),
        }
        for c in result.claims
    ]
    n_false = sum(not c.holds for c in result.claims)
    return {
        "result": result,
        "meta": meta,
        "claims": claims,
        "claims_verdict": _verdict(len(claims), n_false),
        "sentences": [
            (v.name, _variant_sentence(v, result.btc_price_usd)) for v in result.variants
        ],
        "summary": _summary_table(result.variants),
        "yearly": _yearly_table(result.variants),
        "security": security_context(result),
        "charts": _charts(result),
        "sites": _sites_tables(result.variants),
        "assumptions": result.assumptions,
        "paths": format_number(result.n_paths),
        "hashtide_version": __version__,
    }


def render_report(result: ScenarioResult) -> str:
    """The report's HTML as text (what :func:`write_report` writes)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("hashtide.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("scenario_report.html.j2").render(**_context(result))


def write_report(result: ScenarioResult, path: str | Path) -> Path:
    """Write the scenario report: one self-contained HTML file that opens offline.

    Sections: the scenario and what it was computed from; the published claims checked; a summary
    per variant in sentences and a table; security (:mod:`hashtide.report.security_section`);
    charts (share of the network, bitcoin mined, cash flow, energy and CO2 by site); sites per
    variant; the assumptions with their sources. plotly.js is inlined once; nothing is fetched
    from the network. All text is escaped.

    Parameters
    ----------
    result : ScenarioResult
        What ``run_scenario`` returned.
    path : str or Path
        The ``.html`` file to write (atomically; parent folders are created).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    InvalidInputError
        If ``path`` does not end in ``.html`` or ``.htm``.
    HashtideError
        If plotly or jinja2 (dependencies of hashtide) cannot be imported.
    """
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise InvalidInputError(
            f"report file {str(path)!r}: unknown type {path.suffix or '(none)'!r}; use .html"
        )
    try:
        html = render_report(result)
    except ImportError as exc:
        raise HashtideError(
            f"the HTML report needs {exc.name}, which hashtide depends on: "
            "pip install --force-reinstall hashtide"
        ) from exc
    write_atomically(path, _text(html))
    return path


# --- machine-readable tables --------------------------------------------------------------------


def _long(
    variants: Sequence[VariantResult], frame_of: Callable[[VariantResult], pd.DataFrame]
) -> pd.DataFrame:
    """Stack one frame per variant, with a ``variant`` column first and the index as columns."""
    parts = []
    for v in variants:
        frame = frame_of(v)
        if isinstance(frame.index, pd.DatetimeIndex):
            index = frame.index
            index = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
            frame = frame.set_axis(index.rename(frame.index.name or "time"), axis=0)
        keep_index = isinstance(frame.index, pd.DatetimeIndex) or frame.index.name is not None
        frame = frame.reset_index(drop=not keep_index)
        frame.insert(0, "variant", v.name)
        parts.append(frame)
    if not parts:
        return pd.DataFrame({"variant": pd.Series(dtype=str)})
    return pd.concat(parts, ignore_index=True, sort=False)


def _iso_utc(frame: pd.DataFrame) -> pd.DataFrame:
    """Write tz-aware time columns as ISO-8601 UTC text (``2026-06-01T00:00:00Z``)."""
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = out[column].dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return out


def _has_pyarrow() -> bool:
    return importlib.util.find_spec("pyarrow") is not None


def _text(text: str) -> Callable[[Path], None]:
    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    return write


def _csv(frame: pd.DataFrame) -> Callable[[Path], None]:
    return lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n", encoding="utf-8")


def write_tables(result: ScenarioResult, directory: str | Path) -> list[Path]:
    """Write the results as machine-readable files in ``directory`` (created if needed).

    Files: ``summary.csv`` (one row per variant, :meth:`ScenarioResult.summary_frame`),
    ``claims.csv`` (one row per claim), ``sites.csv`` (one row per variant and site),
    ``series.csv`` (long format: ``variant``, ``time`` in ISO-8601 UTC, then the series
    columns), ``cash_flow.csv`` (``variant``, then the yearly columns), ``summary.json``
    (:meth:`ScenarioResult.summary_json` plus ``versions``; NaN written as ``null``), and
    ``series.parquet`` only when pyarrow is installed. Columns carry their unit in their name.

    Each file is written atomically. Returns the paths written, in that order.
    """
    directory = Path(directory)
    claims = pd.DataFrame(
        [c.as_dict() for c in result.claims],
        columns=[f.name for f in dataclasses.fields(ClaimCheck)],
    )
    sites = pd.DataFrame(
        [{"variant": v.name, **dataclasses.asdict(s)} for v in result.variants for s in v.sites],
        columns=["variant", *(f.name for f in dataclasses.fields(SiteResult))],
    )
    series = _long(result.variants, lambda v: v.series)
    summary = {**result.summary_json(), "versions": dict(result.versions)}  # already strict JSON
    text = json.dumps(summary, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    files: list[tuple[str, Callable[[Path], None]]] = [
        ("summary.csv", _csv(result.summary_frame())),
        ("claims.csv", _csv(claims)),
        ("sites.csv", _csv(sites)),
        ("series.csv", _csv(_iso_utc(series))),
        ("cash_flow.csv", _csv(_long(result.variants, lambda v: v.cash_flow))),
        ("summary.json", _text(text)),
    ]
    if _has_pyarrow():
        files.append(("series.parquet", lambda tmp: series.to_parquet(tmp, index=False)))
    written = []
    for name, write in files:
        write_atomically(directory / name, write)
        written.append(directory / name)
    return written
