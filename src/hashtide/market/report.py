"""The replay report: one self-contained HTML page, and its tables as CSV and JSON.

:func:`write_replay_report` renders a :class:`~hashtide.market.ReplayResult`: the scores
(median absolute error of the simulated difficulty, the epoch of the largest drop), the claims
checked, charts overlaying the simulated and the real difficulty per epoch, the network
hashrate, hashprice, mining's carbon intensity and China's share — each with the counterfactual
without the events — and every assumption with its source. plotly.js is inlined once, so the
page opens offline. It needs the ``plot`` extra (plotly, jinja2); :func:`write_replay_tables`
needs only pandas.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hashtide import __version__
from hashtide.errors import HashtideError, InvalidInputError
from hashtide.market.carbon_check import carbon_comparison, report_context
from hashtide.market.data import mining_map_quotes
from hashtide.market.replay import ReplayResult

_FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
_BLUE, _ORANGE, _GREY, _GREEN = "#1f4e79", "#d9822b", "#6b6b6b", "#2e8540"

_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} — hashtide replay</title>
<style>
body { font-family: {{ font|safe }}; max-width: 1100px; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border-bottom: 1px solid #e5e5e5; padding: 0.3em 0.6em; text-align: left;
         vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.ok { color: #2e8540; font-weight: 600; } .bad { color: #b42318; font-weight: 600; }
.caption { color: #555; font-size: 0.9em; } .meta td:first-child { color: #555; }
.score { font-size: 1.15em; }
</style></head><body>
<h1>{{ title }}</h1>
<p>{{ description }}</p>
<table class="meta">{% for k, v in meta %}<tr><td>{{ k }}</td><td>{{ v }}</td></tr>{% endfor %}
</table>

<h2>Scores against the chain</h2>
<ul class="score">{% for line in scores %}<li>{{ line }}</li>{% endfor %}</ul>

{% if claims %}<h2>Claims checked</h2>
<table><tr><th>claim</th><th>source</th><th>stated</th><th>hashtide</th><th>verdict</th></tr>
{% for c in claims %}<tr><td>{{ c.text }}<br><span class="caption">{{ c.explanation }}</span>
</td><td>{{ c.source }}</td><td class="num">{{ c.stated }}</td><td class="num">{{ c.computed }}
</td><td class="{{ 'ok' if c.holds else 'bad' }}">{{ 'holds' if c.holds else 'does not hold' }}
</td></tr>{% endfor %}</table>{% endif %}

{% if carbon %}<h2>Carbon against the published record</h2>
<table><tr><th>period</th><th>with the events</th><th>counterfactual</th>
<th>with / without</th></tr>{% for row in carbon.rows %}<tr><td>{{ row[0] }}</td>
{% for cell in row[1:] %}<td class="num">{{ cell }}</td>{% endfor %}</tr>{% endfor %}</table>
<ul>{% for line in carbon.findings %}<li>{{ line }}</li>{% endfor %}</ul>
<table><tr><th>published</th><th>period</th><th>gCO2e/kWh</th><th>renewable</th>
<th>hydro</th></tr>{% for row in carbon.published %}<tr><td>{{ row[0] }}</td><td>{{ row[1] }}
</td>{% for cell in row[2:] %}<td class="num">{{ cell }}</td>{% endfor %}</tr>{% endfor %}
</table>
<p class="caption">{% for c in carbon.citations %}{{ c }}.<br>{% endfor %}</p>
<h3>Mining power by region, per month</h3>
<table><tr>{% for h in carbon.mix_header %}<th>{{ h }}</th>{% endfor %}</tr>
{% for row in carbon.mix_rows %}<tr><td>{{ row[0] }}</td><td>{{ row[1] }}</td>
{% for cell in row[2:] %}<td class="num">{{ cell }}</td>{% endfor %}</tr>{% endfor %}</table>
{% endif %}

<h2>Charts</h2>
{% for chart in charts %}<h3>{{ chart.title }}</h3>{{ chart.html }}
<p class="caption">{{ chart.caption }}</p>{% endfor %}

<h2>Difficulty per retarget period</h2>
<table><tr>{% for h in epoch_header %}<th>{{ h }}</th>{% endfor %}</tr>
{% for row in epoch_rows %}<tr>{% for cell in row %}<td class="num">{{ cell }}</td>
{% endfor %}</tr>{% endfor %}</table>

<h2>Every assumption, with its source</h2>
<table><tr><th>assumption</th><th>value</th><th>source</th></tr>
{% for a in assumptions %}<tr><td>{{ a.name }}</td><td>{{ a.value }}</td><td>{{ a.source }}
</td></tr>{% endfor %}</table>

<h2>Data</h2><ul>{% for line in data_notes %}<li>{{ line }}</li>{% endfor %}</ul>
<p class="caption">hashtide {{ version }}. Price data by CoinGecko.</p>
</body></html>
"""


def _write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(handle)
    tmp = Path(name)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = frame.to_dict(orient="records")  # type: ignore[assignment]
    return rows


def _t(value: float) -> str:
    """A difficulty with its SI prefix (2013's were millions: "0.00 T" said nothing)."""
    from hashtide.report.formatting import format_quantity

    return "–" if not math.isfinite(value) else format_quantity(value, "si")


def _layout(fig: Any, title: str, y_title: str) -> None:
    fig.update_layout(
        title={"text": title, "font": {"size": 15}},
        font={"family": _FONT, "size": 12},
        height=380,
        margin={"l": 60, "r": 20, "t": 50, "b": 40},
        yaxis_title=y_title,
        legend={"orientation": "h", "y": -0.15},
        template="plotly_white",
    )


def _event_lines(fig: Any, result: ReplayResult) -> None:
    """A dotted line at each event's start, labelled with its name (events sharing a day, one
    label)."""
    names: dict[pd.Timestamp, list[str]] = {}
    for event in result.spec.events:
        names.setdefault(pd.Timestamp(event.start, tz="UTC"), []).append(event.name)
    for when, labels in names.items():
        fig.add_vline(x=when, line_dash="dot", line_color="#aaa")
        fig.add_annotation(
            x=when,
            y=1,
            yref="paper",
            text="; ".join(labels),
            textangle=-90,
            xanchor="right",
            yanchor="top",
            showarrow=False,
            font={"size": 9, "color": "#777"},
        )


def _band(fig: Any, x: Any, low: Any, high: Any, colour: str, name: str) -> bool:
    """Draw the 5–95 % band, unless it would be invisible (paths within 0.5 % of each other):
    a legend entry with nothing drawn misleads. Returns whether it was drawn."""
    import plotly.graph_objects as go

    spread = np.abs(np.asarray(high, dtype=float) - np.asarray(low, dtype=float))
    scale = np.nanmax(np.abs(np.asarray(high, dtype=float)), initial=0.0)
    if not scale > 0 or not np.nanmax(spread, initial=0.0) > 0.005 * scale:
        return False

    fig.add_trace(go.Scatter(x=x, y=high, line={"width": 0}, showlegend=False, hoverinfo="skip"))
    fig.add_trace(
        go.Scatter(
            x=x,
            y=low,
            fill="tonexty",
            fillcolor=colour,
            line={"width": 0},
            name=name,
            hoverinfo="skip",
        )
    )
    return True


def replay_figures(result: ReplayResult) -> list[tuple[str, str, Any, str]]:
    """The replay report's charts as ``(key, title, plotly figure, caption)``, in order."""
    import plotly.graph_objects as go

    epochs = result.epochs
    daily = result.daily()
    figures = []

    fig = go.Figure()
    _band(
        fig,
        epochs.start_time,
        epochs.simulated_difficulty_p5 / 1e12,
        epochs.simulated_difficulty_p95 / 1e12,
        "rgba(31,78,121,0.18)",
        "simulated 5–95 %",
    )
    fig.add_trace(
        go.Scatter(
            x=epochs.start_time,
            y=epochs.actual_difficulty / 1e12,
            mode="lines+markers",
            name="actual (chain)",
            line_color="#000",
            line_shape="hv",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=epochs.start_time,
            y=epochs.simulated_difficulty / 1e12,
            mode="lines+markers",
            name="simulated (median)",
            line_color=_BLUE,
            line_shape="hv",
        )
    )
    if epochs.counterfactual_difficulty.notna().any():
        fig.add_trace(
            go.Scatter(
                x=epochs.start_time,
                y=epochs.counterfactual_difficulty / 1e12,
                mode="lines",
                name="counterfactual: no events",
                line={"color": _ORANGE, "dash": "dash"},
                line_shape="hv",
            )
        )
    _event_lines(fig, result)
    _layout(fig, "Difficulty per retarget period", "difficulty [T]")
    figures.append(
        (
            "difficulty",
            "Difficulty",
            fig,
            "Each step is one retarget period (2016 blocks). Black: the chain. Blue: the "
            "Monte Carlo median and the range 90 % of paths fall in. Dashed: the same "
            "history without the events. Dotted lines: the events' start dates.",
        )
    )

    fig = go.Figure()
    hashrate_band = _band(
        fig,
        daily.index,
        daily.hashrate_hs_p5 / 1e18,
        daily.hashrate_hs_p95 / 1e18,
        "rgba(31,78,121,0.18)",
        "simulated 5–95 %",
    )
    fig.add_trace(
        go.Scatter(
            x=epochs.start_time,
            y=epochs.actual_hashrate_hs / 1e18,
            mode="lines",
            name="actual (period means, chain)",
            line={"color": "#000", "shape": "hv"},
        )
    )
    fig.add_trace(
        go.Scatter(x=daily.index, y=daily.hashrate_hs / 1e18, name="simulated", line_color=_BLUE)
    )
    if "counterfactual_hashrate_hs" in daily:
        fig.add_trace(
            go.Scatter(
                x=daily.index,
                y=daily.counterfactual_hashrate_hs / 1e18,
                name="counterfactual",
                line={"color": _ORANGE, "dash": "dash"},
            )
        )
    _event_lines(fig, result)
    _layout(fig, "Network hashrate", "EH/s")
    figures.append(
        (
            "hashrate",
            "Network hashrate",
            fig,
            "Simulated daily hashrate ("
            + (
                "median, 5–95 %"
                if hashrate_band
                else "median; the paths differ by less than 0.5 %, so no band is drawn"
            )
            + ") against each period's mean hashrate implied by the chain (difficulty × 2^32 × "
            "2016 / duration).",
        )
    )

    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=daily.index,
            y=daily.actual_hashprice_usd_per_th_day * 1000,
            name="actual",
            line_color="#000",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=daily.index,
            y=daily.hashprice_usd_per_th_day * 1000,
            name="simulated",
            line_color=_BLUE,
        )
    )
    if "counterfactual_hashprice_usd_per_th_day" in daily:
        fig.add_trace(
            go.Scatter(
                x=daily.index,
                y=daily.counterfactual_hashprice_usd_per_th_day * 1000,
                name="counterfactual",
                line={"color": _ORANGE, "dash": "dash"},
            )
        )
    _event_lines(fig, result)
    _layout(fig, "Hashprice", "USD per PH/s per day")
    figures.append(
        (
            "hashprice",
            "Hashprice",
            fig,
            "Revenue of 1 PH/s for a day (subsidy + 7-day mean fees, at the day's BTC "
            "price): with the chain's difficulty (black) and with the simulated one.",
        )
    )

    if result.sensitivity is not None and not result.sensitivity.empty:
        figures.append(_sensitivity_chart(result.sensitivity))

    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=daily.index,
            y=daily.carbon_intensity_g_per_kwh,
            name="with the events",
            line_color=_GREEN,
        )
    )
    if "counterfactual_carbon_intensity_g_per_kwh" in daily:
        fig.add_trace(
            go.Scatter(
                x=daily.index,
                y=daily.counterfactual_carbon_intensity_g_per_kwh,
                name="counterfactual",
                line={"color": _ORANGE, "dash": "dash"},
            )
        )
    _event_lines(fig, result)
    _layout(fig, "Carbon intensity of mining", "gCO2e per kWh")
    figures.append(
        (
            "carbon",
            "Carbon intensity",
            fig,
            "Power-weighted over the regions: Ember grid averages per country and year; for "
            "China's hydro and coal provinces their generation mix (NBS China, 2019-2021) × IPCC "
            "AR5 lifecycle medians (121-140 and 663-673 g/kWh). China's miners follow the wet "
            "season into Sichuan & Yunnan (May-October) and back.",
        )
    )

    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=daily.index, y=daily.china_share_frac * 100, name="simulated", line_color=_BLUE
        )
    )
    if "counterfactual_china_share_frac" in daily:
        fig.add_trace(
            go.Scatter(
                x=daily.index,
                y=daily.counterfactual_china_share_frac * 100,
                name="counterfactual",
                line={"color": _ORANGE, "dash": "dash"},
            )
        )
    quotes = [q for q in mining_map_quotes() if q.region == "china"]
    first, last = daily.index.min(), daily.index.max()
    shown = [q for q in quotes if first <= pd.Timestamp(q.month + "-15", tz="UTC") <= last]
    fig.add_trace(
        go.Scatter(
            x=[pd.Timestamp(q.month + "-15", tz="UTC") for q in shown],
            y=[q.share_frac * 100 for q in shown],
            mode="markers",
            name="Cambridge mining map",
            marker={"color": "#000", "size": 9},
        )
    )
    _layout(fig, "Mainland China's share of the hashrate", "%")
    figures.append(
        (
            "china",
            "China's share",
            fig,
            "Cambridge's monthly figures (as quoted, see Data) against the simulated "
            "share; the model starts from April's 46 % and the events do the rest.",
        )
    )

    columns = [
        c
        for c in daily.columns
        if c.endswith("_hs")
        and not c.startswith(("hashrate", "in_transit", "covert", "counterfactual"))
    ]
    fig = go.Figure()
    for column in columns:
        fig.add_trace(
            go.Scatter(
                x=daily.index,
                y=daily[column] / 1e18,
                stackgroup="one",
                name=_region_names(result).get(column.removesuffix("_hs"), column),
                mode="none",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=daily.index,
            y=(daily.in_transit_hs) / 1e18,
            name="in transit",
            line={"color": "#000", "dash": "dot"},
        )
    )
    _layout(fig, "Where the machines run (replay, medians)", "EH/s")
    figures.append(
        (
            "regions",
            "By region",
            fig,
            "Running hashrate per region (stacked) and the machines on their way abroad (dotted).",
        )
    )
    return figures


def _charts(result: ReplayResult) -> list[dict[str, Any]]:
    from markupsafe import Markup

    out = []
    for i, (key, title, figure, caption) in enumerate(replay_figures(result)):
        html = figure.to_html(
            full_html=False,
            include_plotlyjs=i == 0,
            div_id=f"chart-{key}",
            config={"displaylogo": False, "responsive": True},
        )
        out.append({"title": title, "html": Markup(html), "caption": caption})
    return out


def _region_names(result: ReplayResult) -> dict[str, str]:
    """Region key → display name (``united_states`` → ``United States``)."""
    return {r.key: r.name for r in result.run.market.fleet.regions}


#: How a parameter's unit suffix reads in a label.
_SUFFIXES = {"_days": " (days)", "_years": " (years)", "_frac_per_month": " (share per month)"}
_IDENTIFIER = re.compile(r"(?<![\w./])[a-z]+(?:_[a-z0-9]+)+(?![\w./(])")


def _readable(text: str, regions: dict[str, str]) -> str:
    """``text`` with region keys and parameter names written for readers.

    Examples
    --------
    >>> _readable("relocate_to {united_states: 0.46}, switch_smoothing_days 14",
    ...           {"united_states": "United States"})
    'relocate to {United States: 0.46}, switch smoothing (days) 14'
    >>> _readable("see mining_map_shares.csv", {})
    'see mining_map_shares.csv'
    """

    def word(match: re.Match[str]) -> str:
        key = match.group(0)
        if key in regions:
            return regions[key]
        for suffix, label in _SUFFIXES.items():
            if key.endswith(suffix):
                return key.removesuffix(suffix).replace("_", " ") + label
        return key.replace("_", " ")

    return _IDENTIFIER.sub(word, text)


def _scores(result: ReplayResult) -> list[str]:
    lines = []
    spec = result.spec
    scored = result.epochs[result.epochs.scored]
    if result.mdape_pct is not None and spec.score is not None:
        lines.append(
            f"Median absolute error of the simulated difficulty over the {len(scored)} periods "
            f"starting {spec.score.from_} … {spec.score.to}: {result.mdape_pct:.1f} % (Monte "
            f"Carlo median of {result.run.sim.n_paths} paths); expected path "
            f"{result.expected_mdape_pct:.1f} %."
        )
    if result.drop_height_actual is not None:
        same = result.drop_height_simulated == result.drop_height_actual
        lines.append(
            f"Largest difficulty drop: chain at height {result.drop_height_actual:,}, simulation "
            f"at {result.drop_height_simulated:,} — "
            + ("the same period." if same else "a different period.")
        )
    if spec.score is not None and spec.score.expect_drop_at is not None:
        lines.append(f"Expected (from the chain): the drop at {spec.score.expect_drop_at:,}.")
    daily = result.daily()
    if "counterfactual_hashrate_hs" in daily:
        end = daily.iloc[-1]
        lines.append(
            f"At the end ({daily.index[-1]:%Y-%m-%d}) the replay's network runs "
            f"{end.hashrate_hs / 1e18:,.0f} EH/s at {end.carbon_intensity_g_per_kwh:,.0f} "
            f"gCO2e/kWh; without the events {end.counterfactual_hashrate_hs / 1e18:,.0f} EH/s at "
            f"{end.counterfactual_carbon_intensity_g_per_kwh:,.0f} gCO2e/kWh."
        )
    return lines


def _context(result: ReplayResult) -> dict[str, Any]:
    spec = result.spec
    sim = result.run.sim
    meta = [
        ("Scenario", spec.scenario),
        (
            "Rest of the world",
            "the calibrated world market (network.response: market): regions × vintages "
            "rebuilt from the chain, behaviour fitted on data before the start",
        ),
        (
            "Span",
            f"{spec.start} … {spec.end_date} (the run starts at height "
            f"{int(sim.epoch_start_height[0]):,})",
        ),
        ("Monte Carlo", f"{sim.n_paths:,} paths, seed {spec.seed if sim.rng else '-'}"),
        ("Events", ", ".join(e.name for e in spec.events) or "none"),
        ("Computed with", ", ".join(f"{k} {v}" for k, v in sim.versions.items())),
    ]

    def fmt(value: float, unit: str) -> str:
        if unit == "W":
            return f"{value / 1e9:,.2f} GW"
        if unit == "t":
            return f"{value:,.0f} t"
        if unit == "share":
            return f"{value:.1%}"
        return f"{value:,.4g}"

    claims = [
        {
            "text": c.text,
            "source": c.source,
            "stated": fmt(c.stated, c.unit),
            "computed": fmt(c.computed, c.unit),
            "holds": c.holds,
            "explanation": _readable(c.explanation, _region_names(result)),
        }
        for c in result.claims
    ]
    header = [
        "start height",
        "first block",
        "chain",
        "simulated (median)",
        "5–95 %",
        "counterfactual",
        "error",
        "scored",
    ]
    rows = [
        [
            f"{int(r['start_height']):,}",
            f"{r['start_time']:%Y-%m-%d}",
            _t(r["actual_difficulty"]),
            _t(r["simulated_difficulty"]),
            f"{_t(r['simulated_difficulty_p5'])}–{_t(r['simulated_difficulty_p95'])}",
            _t(r["counterfactual_difficulty"]),
            f"{r['error_pct']:+.1f} %" if math.isfinite(r["error_pct"]) else "–",
            "yes" if r["scored"] else "",
        ]
        for r in _records(result.epochs)
    ]
    data_notes = [
        "Price data by CoinGecko (daily snapshot at 00:00 UTC); fees per block from on-chain "
        "totals (Bitcoin Core getblockstats, Glassnode, blockchain.com): see "
        "hashtide.market.provenance().",
        "Chain history: Electrum and bitcoinj checkpoints and getblockstats windows "
        "(hashtide.chain.provenance()).",
        "Regional shares: the Cambridge Bitcoin Mining Map (CCAF), as quoted by the "
        "publications listed in mining_map_shares.meta.json.",
        "Hardware: hashtide's ASIC catalog; earlier ASICs from the Bitcoin Wiki table.",
    ]
    comparison = carbon_comparison(result)
    return {
        "carbon": report_context(comparison) if comparison is not None else None,
        "title": f"Replay: {spec.scenario}",
        "description": spec.description,
        "font": _FONT,
        "meta": meta,
        "scores": _scores(result),
        "claims": claims,
        "charts": _charts(result),
        "epoch_header": header,
        "epoch_rows": rows,
        "assumptions": [
            replace(
                a,
                name=_readable(a.name, _region_names(result)),
                value=_readable(a.value, _region_names(result)),
            )
            for a in result.assumptions()
        ],
        "data_notes": data_notes,
        "version": __version__,
    }


def _sensitivity_chart(frame: pd.DataFrame) -> tuple[str, str, Any, str]:
    """Tornado: each input low/high against the base, expected path (MdAPE, the drop's low)."""
    from hashtide.report.tornado import tornado_figure

    panels = (
        ("mdape_pct", "MdAPE vs the chain [points]", False),
        ("drop_difficulty", "difficulty at the drop [%]", True),
    )
    fig = tornado_figure(frame, panels, colours=(_BLUE, _ORANGE), hover_value="%{x:+.2f}")
    fig.update_layout(height=160 + 40 * frame["input"].nunique())
    base = frame.iloc[0]
    return (
        "sensitivity",
        "Sensitivity",
        fig,
        "The replay rerun on the engine's expected path with one uncertain input at a time set "
        "low (blue) and high (orange): change of the median absolute error against the chain "
        f"(base {base['base_mdape_pct']:.1f} %) and of the simulated difficulty in the period "
        f"of the chain's largest drop (base {base['base_drop_difficulty'] / 1e12:.2f} T). The "
        "BTC price and fees are history, so only the rest of the world's inputs vary; the "
        "rest of the world is the world market (network.response: market).",
    )


def render_replay_report(result: ReplayResult) -> str:
    """The report's HTML as text."""
    import jinja2

    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(_TEMPLATE).render(**_context(result))


def write_replay_report(result: ReplayResult, path: str | Path) -> Path:
    """Write the replay report (one HTML file that opens offline).

    Raises
    ------
    InvalidInputError
        If ``path`` does not end in ``.html``.
    HashtideError
        If the ``plot`` extra (plotly, jinja2) is missing.
    """
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise InvalidInputError(f"report file {str(path)!r} must end in .html")
    try:
        html = render_replay_report(result)
    except ImportError as exc:
        raise HashtideError(
            f"the HTML report needs {exc.name}, which hashtide depends on: "
            "pip install --force-reinstall hashtide"
        ) from exc

    def write(tmp: Path) -> None:
        tmp.write_text(html, encoding="utf-8")

    _write_atomically(path, write)
    return path


def summary_json(result: ReplayResult) -> dict[str, Any]:
    """The replay's scores, claims and carbon comparison (``carbon``), for scripts."""
    comparison = carbon_comparison(result)
    return {
        "scenario": result.spec.scenario,
        "mdape_pct": result.mdape_pct,
        "expected_mdape_pct": result.expected_mdape_pct,
        "drop_height_simulated": result.drop_height_simulated,
        "drop_height_actual": result.drop_height_actual,
        "paths": result.run.sim.n_paths,
        "epochs": [
            {
                "start_height": int(r["start_height"]),
                "actual_difficulty": float(r["actual_difficulty"]),
                "simulated_difficulty": float(r["simulated_difficulty"]),
                "counterfactual_difficulty": (
                    float(r["counterfactual_difficulty"])
                    if math.isfinite(r["counterfactual_difficulty"])
                    else None
                ),
                "scored": bool(r["scored"]),
            }
            for r in _records(result.epochs)
        ],
        "claims": [
            {
                "text": c.text,
                "stated": c.stated,
                "computed": c.computed,
                "unit": c.unit,
                "holds": c.holds,
            }
            for c in result.claims
        ],
        "carbon": comparison.to_json() if comparison is not None else None,
    }


def write_replay_tables(result: ReplayResult, directory: str | Path) -> list[Path]:
    """Write ``epochs.csv``, ``daily.csv``, ``assumptions.csv`` and ``summary.json``."""
    directory = Path(directory)
    epochs = result.epochs.copy()
    epochs["start_time"] = epochs["start_time"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    daily = result.daily()
    daily.index = pd.DatetimeIndex(daily.index).strftime("%Y-%m-%d")
    assumptions = pd.DataFrame([a.__dict__ for a in result.assumptions()])
    files = {
        "epochs.csv": lambda p: epochs.to_csv(p, index=False),
        "daily.csv": lambda p: daily.to_csv(p),
        "assumptions.csv": lambda p: assumptions.to_csv(p, index=False),
        "summary.json": lambda p: p.write_text(
            json.dumps(_json_safe(summary_json(result)), indent=2) + "\n", encoding="utf-8"
        ),
    }
    written = []
    for name, write in files.items():
        target = directory / name
        _write_atomically(target, write)
        written.append(target)
    return written


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, float | np.floating) and not math.isfinite(float(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value
