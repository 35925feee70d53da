"""Chart of the chain history: difficulty and implied hashrate on log axes, halvings marked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hashtide.errors import HashtideError, InvalidInputError
from hashtide.protocol.params import MAINNET, ChainParams
from hashtide.report._io import write_atomically
from hashtide.report.formatting import format_hashrate
from hashtide.units import HS_PER_EHS, SECONDS_PER_DAY

_SUFFIXES = (".png", ".html")


def halving_times(
    table: pd.DataFrame, *, params: ChainParams = MAINNET
) -> list[tuple[int, pd.Timestamp]]:
    """Halvings inside the table's span, each with its estimated time.

    The time is interpolated linearly in height between the first-block times of the periods
    around it (a halving block's own time is rarely in the table), so it is good to about a day.
    """
    known = table.dropna(subset=["first_block_time"])
    if len(known) < 2:
        return []
    heights = known["start_height"].to_numpy(dtype=float)
    seconds = known["first_block_time"].map(pd.Timestamp.timestamp).to_numpy(dtype=float)
    out = []
    height = params.subsidy_halving_interval
    while height <= heights[-1]:
        if height >= heights[0]:
            when = float(np.interp(height, heights, seconds))
            out.append((height, pd.Timestamp(when, unit="s", tz="UTC")))
        height += params.subsidy_halving_interval
    return out


def with_gaps(table: pd.DataFrame, *, interval: int = 2016) -> pd.DataFrame:
    """The periods with a known first-block time, with a break where unknown ones were.

    A period whose start time no source holds has no place on a time axis. Dropping it alone
    would draw the line on across the gap as if the difficulty had held; instead a row with
    no values (``NaN``) is put just after the last period before the gap, so the line stops
    there and starts again after it.

    Examples
    --------
    >>> t = pd.DataFrame({
    ...     "start_height": [0, 2016, 4032, 6048],
    ...     "first_block_time": pd.to_datetime(["2009-01-03", "2009-01-27", None, "2009-03-20"],
    ...                                        utc=True),
    ...     "difficulty": [1.0, 1.0, 1.0, 1.18],
    ...     "hashrate_hs": [7e6, 7e6, 7e6, 8e6]})
    >>> with_gaps(t)["difficulty"].tolist()
    [1.0, 1.0, nan, 1.18]
    """
    known = table.dropna(subset=["first_block_time"])
    heights = known["start_height"].to_numpy()
    after_gap = np.flatnonzero(np.diff(heights) > interval)
    if not len(after_gap):
        return known
    breaks = known.iloc[after_gap][["start_height", "first_block_time"]].copy()
    breaks["first_block_time"] += pd.Timedelta(seconds=1)
    breaks["start_height"] += 1
    joined = pd.concat([known, breaks], ignore_index=True)
    return joined.sort_values("start_height", kind="stable").reset_index(drop=True)


def _png(table: pd.DataFrame, halvings: list[tuple[int, pd.Timestamp]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(11, 5.5), dpi=110)
    times = table["first_block_time"]
    ax.step(times, table["difficulty"], where="post", color="#1f4e79", label="difficulty")
    ax.set_yscale("log")
    ax.set_ylabel("difficulty")
    ax2 = ax.twinx()
    ax2.plot(
        times,
        table["hashrate_hs"] / HS_PER_EHS,
        ".",
        ms=3,
        color="#d9822b",
        label="implied hashrate",
    )
    ax2.set_yscale("log")
    ax2.set_ylabel("implied hashrate [EH/s]")
    # Both quantities are proportional (H ≈ D·2^32/600 s): align the axes so the curves overlay.
    low, high = ax.get_ylim()
    ax2.set_ylim(low * 2**32 / 600 / HS_PER_EHS, high * 2**32 / 600 / HS_PER_EHS)
    for height, when in halvings:
        x = when.timestamp() / SECONDS_PER_DAY  # matplotlib dates: days since 1970 (its default)
        ax.axvline(x, color="grey", ls="--", lw=0.8)
        ax.annotate(
            f"halving\n{height:,}",
            (x, 1),
            xycoords=("data", "axes fraction"),
            xytext=(3, -24),
            textcoords="offset points",
            fontsize=8,
            color="grey",
        )
    ax.set_title("Bitcoin difficulty and implied hashrate per retarget period")
    lines = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    ax.legend(lines, ["difficulty", "implied hashrate (EH/s)"], loc="lower right")
    ax.grid(alpha=0.3, which="major")
    fig.text(
        0.01,
        0.01,
        "hashtide · chain history from Electrum/bitcoinj checkpoints and "
        "Bitcoin Core getblockstats",
        fontsize=7,
        color="grey",
    )
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)


def history_figure(table: pd.DataFrame, halvings: list[tuple[int, pd.Timestamp]]) -> Any:
    """The interactive chart of ``table``: difficulty and implied hashrate, halvings marked.

    ``table`` is an epoch table passed through :func:`with_gaps`; ``halvings`` comes from
    :func:`halving_times`. Returns a plotly figure (the HTML chart and the dashboard use it).
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig: Any = make_subplots(specs=[[{"secondary_y": True}]])
    times = table["first_block_time"]
    fig.add_trace(
        go.Scatter(
            x=times,
            y=table["difficulty"],
            name="difficulty",
            line_shape="hv",
            customdata=table["start_height"],
            hovertemplate="height %{customdata:,}<br>difficulty %{y:.4s}<extra></extra>",
        ),
        secondary_y=False,
    )
    fig.add_trace(
        go.Scatter(
            x=times,
            y=table["hashrate_hs"],
            name="implied hashrate",
            mode="markers",
            marker={"size": 4},
            hovertemplate="%{y:.4s}H/s<extra></extra>",
        ),
        secondary_y=True,
    )
    for height, when in halvings:
        fig.add_vline(x=when.timestamp() * 1000, line_dash="dash", line_color="grey")
        fig.add_annotation(
            x=when.timestamp() * 1000,
            y=1,
            yref="paper",
            showarrow=False,
            text=f"halving {height:,}",
            xanchor="left",
            font={"size": 10},
        )
    # Ticks people read: difficulties 1 … 100 T, hashrates 1 MH/s … 1,000 EH/s (an axis in EH/s
    # read "454.147μ" for 2010).
    fig.update_yaxes(type="log", title_text="difficulty", tickformat="~s", secondary_y=False)
    fig.update_yaxes(
        type="log",
        title_text="implied hashrate",
        tickmode="array",
        tickvals=(ticks := _hashrate_ticks(table["hashrate_hs"])),
        ticktext=[format_hashrate(v) for v in ticks],
        showgrid=False,
        secondary_y=True,
    )
    fig.update_layout(
        title="Bitcoin difficulty and implied hashrate per retarget period",
        hovermode="x unified",
        template="plotly_white",
    )
    return fig


def _html(table: pd.DataFrame, halvings: list[tuple[int, pd.Timestamp]], path: Path) -> None:
    history_figure(table, halvings).write_html(path, include_plotlyjs=True, full_html=True)


def _hashrate_ticks(hashrate_hs: pd.Series) -> list[float]:
    """Ticks at 1 kH/s, 1 MH/s, 1 GH/s … covering ``hashrate_hs`` (one per SI prefix)."""
    values = hashrate_hs[np.isfinite(hashrate_hs) & (hashrate_hs > 0)]
    if values.empty:
        return []
    low = int(np.floor(np.log10(values.min()) / 3)) * 3
    high = int(np.floor(np.log10(values.max()) / 3)) * 3
    return [10.0**e for e in range(low, high + 1, 3)]


def plot_history(table: pd.DataFrame, path: str | Path, *, params: ChainParams = MAINNET) -> Path:
    """Write a chart of ``table`` (an epoch table) to ``path``: ``.png`` or ``.html``.

    The HTML file is self-contained (plotly.js inlined) so it opens offline. The file is
    written atomically. PNG needs the ``plot`` extra (``pip install 'hashtide[plot]'``).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _SUFFIXES:
        raise InvalidInputError(
            f"plot file {str(path)!r}: unknown type {suffix or '(none)'!r}; use .png or .html"
        )
    halvings = halving_times(table, params=params)
    table = with_gaps(table, interval=params.difficulty_adjustment_interval)
    if table["difficulty"].isna().all():
        raise InvalidInputError(
            "nothing to plot: no period in the selection has a known first-block time"
        )
    writer = _png if suffix == ".png" else _html
    try:
        write_atomically(path, lambda tmp: writer(table, halvings, tmp))
    except ImportError as exc:
        hint = (
            "PNG charts need the 'plot' extra: pip install 'hashtide[plot]' (or write .html)"
            if suffix == ".png"
            else "reinstall hashtide: pip install --force-reinstall hashtide"
        )
        raise HashtideError(f"{exc.name or 'a plotting library'} is missing; {hint}") from exc
    return path
