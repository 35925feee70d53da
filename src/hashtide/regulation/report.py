"""HTML reports of a detection and of a classification (self-contained, open offline).

:func:`write_detect_report` renders a :class:`~hashtide.regulation.Detection`: the verdict,
the evidence in sentences with how each item moved the odds, the machines that would explain
the step, an interactive chart of the load with its daily floor and the step, every feature, and
where the model comes from. :func:`write_classify_report` renders the decisions of a rule pack:
a summary table, then per facility the audit trail (rules that fired, each condition with the
value it tested and where that value came from) and the evidence. Both need the ``plot`` extra
(jinja2; plotly for the chart) and are written atomically.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hashtide import __version__
from hashtide.errors import HashtideError, InvalidInputError
from hashtide.regulation.detector import Detection
from hashtide.regulation.features import FLOOR_QUANTILE
from hashtide.regulation.meter import MeterSeries
from hashtide.regulation.rules import Decision, RulePack
from hashtide.report._io import write_atomically


def _env() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("hashtide.regulation", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _html_path(path: str | Path) -> Path:
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise InvalidInputError(
            f"report file {str(path)!r}: unknown type {path.suffix or '(none)'!r}; use .html"
        )
    return path


def _write(path: Path, render: Any) -> Path:
    try:
        html = render()
    except ImportError as exc:
        raise HashtideError(
            f"the HTML report needs {exc.name}, which hashtide depends on: "
            "pip install --force-reinstall hashtide"
        ) from exc

    def write(tmp: Path) -> None:
        tmp.write_text(html, encoding="utf-8")

    write_atomically(path, write)
    return path


def load_figure(series: MeterSeries, detection: Detection) -> Any:
    """The load, its daily floor and the detected step, as a plotly figure."""
    import plotly.graph_objects as go

    hourly = series.hourly()
    local = hourly.local_time
    frame = pd.DataFrame({"power_kw": hourly.power_kw}, index=local)
    floors = frame["power_kw"].resample("D").quantile(FLOOR_QUANTILE)
    floor_days = pd.DatetimeIndex(floors.index).tz_localize(None)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=local.tz_localize(None),
            y=hourly.power_kw,
            name="hourly load",
            line={"width": 1, "color": "#8aa4c8"},
        )
    )
    fig.add_trace(
        go.Scatter(
            x=floor_days + pd.Timedelta(hours=12),
            y=floors.to_numpy(),
            name="daily floor (10 % quantile)",
            mode="lines+markers",
            line={"width": 2, "color": "#1f4e79"},
        )
    )
    f = detection.features
    if f.step_time is not None:
        fig.add_vline(x=pd.Timestamp(f.step_time), line={"dash": "dash", "color": "#b42318"})
        fig.add_annotation(
            x=pd.Timestamp(f.step_time),
            y=float(np.nanmax(hourly.power_kw)),
            text=f"+{f.step_kw:,.1f} kW",
            showarrow=False,
            xanchor="left",
            font={"color": "#b42318"},
        )
    fig.update_layout(
        template="plotly_white",
        height=380,
        margin={"l": 60, "r": 20, "t": 30, "b": 40},
        yaxis_title="kW",
        xaxis_title=f"local time ({series.timezone})",
        legend={"orientation": "h", "y": 1.12},
    )
    return fig


def _chart(series: MeterSeries, detection: Detection) -> Any:
    """The load, its daily floor and the detected step, as plotly HTML (plotly.js inlined)."""
    import markupsafe

    fig = load_figure(series, detection)
    html = fig.to_html(full_html=False, include_plotlyjs=True, config={"displaylogo": False})
    return markupsafe.Markup(html)


def render_detect_report(detection: Detection, series: MeterSeries) -> str:
    """The detection report's HTML (what :func:`write_detect_report` writes)."""
    from hashtide.regulation.detector import load_model

    model = load_model()
    provenance = dict(model.provenance)
    context = {
        "d": detection,
        "chart": _chart(series, detection),
        "features": detection.features.as_dict(),
        "trained_on": ", ".join(provenance.get("train_buildings", [])),
        "held_out": ", ".join(provenance.get("held_out_buildings", [])),
        "built_on": provenance.get("built_on", "unknown"),
        "json": json.dumps(detection.as_json(), indent=1, ensure_ascii=False),
        "hashtide_version": __version__,
    }
    return str(_env().get_template("detect_report.html.j2").render(**context))


def write_detect_report(detection: Detection, series: MeterSeries, path: str | Path) -> Path:
    """Write the detection report (one self-contained HTML file) and return its path."""
    target = _html_path(path)
    return _write(target, lambda: render_detect_report(detection, series))


def render_classify_report(pack: RulePack, decisions: Sequence[Decision], facilities: str) -> str:
    """The classification report's HTML (what :func:`write_classify_report` writes)."""
    from hashtide.regulation.facilities import FIELDS

    context = {
        "pack": pack.spec,
        "sources": list(pack.sources.values()),
        "pack_path": pack.path,
        "decisions": decisions,
        "facilities": facilities,
        "fields": FIELDS,
        "hashtide_version": __version__,
    }
    return str(_env().get_template("classify_report.html.j2").render(**context))


def write_classify_report(
    pack: RulePack, decisions: Sequence[Decision], facilities: str, path: str | Path
) -> Path:
    """Write the classification report (one self-contained HTML file) and return its path."""
    target = _html_path(path)
    return _write(target, lambda: render_classify_report(pack, decisions, facilities))
