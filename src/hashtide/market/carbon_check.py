"""The 2021 replay's carbon intensity and renewable share beside the published record.

De Vries et al. (2022) and Cambridge (CCAF, the CBECI emissions index) both estimated what the
June 2021 China ban did to the carbon intensity of bitcoin mining. :func:`carbon_comparison`
puts the replay's figures — with the ban and in its counterfactual — next to theirs, for the
months they report: before the ban, August 2021 (China at 0 % in Cambridge's map, the month de
Vries et al. report), and the months after it. It also gives the monthly mix of mining power by
region behind each figure, so a reader can see where a difference comes from.

The published figures are :data:`PUBLISHED_CARBON`; each carries its citation. The comparison
needs a replay with a counterfactual that covers August 2021; otherwise it is ``None``.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hashtide.market.regions import china_split, region_shares

if TYPE_CHECKING:
    from hashtide.market.replay import ReplayResult
    from hashtide.market.run import MarketRun

DE_VRIES_2022 = (
    "de Vries, A., Gallersdörfer, U., Klaaßen, L. and Stoll, C. (2022), Revisiting Bitcoin's "
    "carbon footprint, Joule 6(3), 498–502, https://doi.org/10.1016/j.joule.2022.02.005"
)
CCAF_2022 = (
    "Cambridge Centre for Alternative Finance (2022-09-27), A deep dive into Bitcoin's "
    "environmental impact, https://www.jbs.cam.ac.uk/insight/2022/a-deep-dive-into-bitcoins-"
    "environmental-impact/ (figures as reported by CoinDesk, 2022-09-27)"
)
CBECI_INDEX = (
    "Cambridge Bitcoin Electricity Consumption Index, GHG emissions: daily emission intensity "
    "(https://ccaf.io/cbnsi/cbeci/ghg), monthly means of the daily export"
)

#: The target of issue #11: the replay's rise against the counterfactual within this many
#: percentage points of de Vries et al.'s.
TARGET_POINTS = 5.0

#: The months compared: (label, first day, last day).
PERIODS = (
    ("before the ban (2 May – 8 June 2021)", dt.date(2021, 5, 2), dt.date(2021, 6, 8)),
    ("August 2021 (China at 0 % on Cambridge's map)", dt.date(2021, 8, 1), dt.date(2021, 8, 31)),
    ("after the ban (July 2021 – January 2022)", dt.date(2021, 7, 1), dt.date(2022, 1, 31)),
)


@dataclass(frozen=True, kw_only=True)
class PublishedCarbon:
    """One published estimate of bitcoin mining's carbon intensity or renewable share.

    ``intensity_g_per_kwh`` [gCO2e/kWh] and ``renewable_share_frac`` [0–1] are ``None`` where
    the source gives no such figure; ``hydro_share_frac`` is the hydropower share alone.
    """

    source: str
    period: str
    intensity_g_per_kwh: float | None
    renewable_share_frac: float | None
    hydro_share_frac: float | None
    citation: str


#: Published figures, with their citations.
PUBLISHED_CARBON: tuple[PublishedCarbon, ...] = (
    PublishedCarbon(
        source="de Vries et al. 2022",
        period="2020 (mean)",
        intensity_g_per_kwh=478.27,
        renewable_share_frac=0.416,
        hydro_share_frac=None,
        citation=DE_VRIES_2022,
    ),
    PublishedCarbon(
        source="de Vries et al. 2022",
        period="August 2021",
        intensity_g_per_kwh=557.76,
        renewable_share_frac=0.251,
        hydro_share_frac=None,
        citation=DE_VRIES_2022,
    ),
    PublishedCarbon(
        source="Cambridge (CCAF) 2022",
        period="2020 (mean)",
        intensity_g_per_kwh=491.24,
        renewable_share_frac=None,
        hydro_share_frac=0.337,
        citation=CCAF_2022,
    ),
    PublishedCarbon(
        source="Cambridge (CCAF) 2022",
        period="2021 (mean)",
        intensity_g_per_kwh=506.71,
        renewable_share_frac=None,
        hydro_share_frac=0.185,
        citation=CCAF_2022,
    ),
    PublishedCarbon(
        source="CBECI index",
        period="August 2020",
        intensity_g_per_kwh=396.1,
        renewable_share_frac=None,
        hydro_share_frac=None,
        citation=CBECI_INDEX,
    ),
    PublishedCarbon(
        source="CBECI index",
        period="May 2021",
        intensity_g_per_kwh=530.2,
        renewable_share_frac=None,
        hydro_share_frac=None,
        citation=CBECI_INDEX,
    ),
    PublishedCarbon(
        source="CBECI index",
        period="August 2021",
        intensity_g_per_kwh=490.7,
        renewable_share_frac=None,
        hydro_share_frac=None,
        citation=CBECI_INDEX,
    ),
)


def published(source: str, period: str) -> PublishedCarbon:
    """The published figure of ``source`` for ``period`` (exact labels of the table).

    Examples
    --------
    >>> published("de Vries et al. 2022", "August 2021").renewable_share_frac
    0.251
    """
    for row in PUBLISHED_CARBON:
        if row.source == source and row.period == period:
            return row
    raise KeyError(f"no published figure for {source!r}, {period!r}")


def published_intensity(source: str, period: str) -> float:
    """The published carbon intensity of ``source`` for ``period`` [gCO2e/kWh]."""
    value = published(source, period).intensity_g_per_kwh
    if value is None:
        raise KeyError(f"{source!r} gives no carbon intensity for {period!r}")
    return value


def published_rise_pct() -> float:
    """de Vries et al.'s rise: August 2021 over the 2020 mean, in percent.

    Examples
    --------
    >>> round(published_rise_pct(), 1)   # "about 17 %" in the press reports of the paper
    16.6
    """
    before = published_intensity("de Vries et al. 2022", "2020 (mean)")
    after = published_intensity("de Vries et al. 2022", "August 2021")
    return (after / before - 1.0) * 100.0


@dataclass(frozen=True, kw_only=True)
class CarbonRow:
    """The replay's figures over one period: with the ban and without (means of daily medians)."""

    label: str
    first: dt.date
    last: dt.date
    intensity_g_per_kwh: float
    counterfactual_intensity_g_per_kwh: float
    renewable_share_frac: float
    counterfactual_renewable_share_frac: float

    @property
    def rise_pct(self) -> float:
        """Carbon intensity with the ban over the counterfactual's, in percent."""
        return (self.intensity_g_per_kwh / self.counterfactual_intensity_g_per_kwh - 1) * 100


@dataclass(frozen=True, kw_only=True, eq=False)
class CarbonComparison:
    """The replay's carbon figures beside the published ones.

    Attributes
    ----------
    rows : tuple of CarbonRow
        One per period of :data:`PERIODS`.
    rise_pct : float
        August 2021: the ban's carbon intensity over the counterfactual's, in percent.
    published_rise_pct : float
        de Vries et al.'s August 2021 over their 2020 mean, in percent.
    within_target : bool
        ``rise_pct`` within :data:`TARGET_POINTS` percentage points of ``published_rise_pct``.
    mix : pandas.DataFrame
        Per month (index) and run (``run``: ``with the ban`` / ``counterfactual``): each
        region's share of mining power [0–1], the carbon intensity and the renewable share.
    map_shares : dict
        Cambridge's published August 2021 country shares (the shipped mining-map quotes), by
        region key.
    map_intensity_g_per_kwh, map_renewable_share_frac : float
        The regions' factors applied to ``map_shares``: what the replay's August figure would
        be with Cambridge's regional mix instead of its own.
    published : tuple of PublishedCarbon
    """

    rows: tuple[CarbonRow, ...]
    rise_pct: float
    published_rise_pct: float
    within_target: bool
    mix: pd.DataFrame
    map_shares: dict[str, float]
    map_intensity_g_per_kwh: float
    map_renewable_share_frac: float
    region_names: dict[str, str]
    published: tuple[PublishedCarbon, ...] = PUBLISHED_CARBON

    def row(self, label_start: str) -> CarbonRow:
        """The row whose label starts with ``label_start``."""
        for row in self.rows:
            if row.label.startswith(label_start):
                return row
        raise KeyError(label_start)

    def findings(self) -> list[str]:
        """What the comparison shows, as sentences with their figures."""
        august = self.row("August")
        before = self.row("before")
        cbeci_2020 = published_intensity("CBECI index", "August 2020")
        cbeci_2021 = published_intensity("CBECI index", "August 2021")
        same_month = (cbeci_2021 / cbeci_2020 - 1) * 100
        verdict = "within" if self.within_target else "outside"
        direction = "raises" if self.rise_pct > 0 else "lowers"
        return [
            f"In August 2021 the ban {direction} the carbon intensity of mining by "
            f"{self.rise_pct:+.1f} % against the counterfactual "
            f"({august.intensity_g_per_kwh:,.0f} vs "
            f"{august.counterfactual_intensity_g_per_kwh:,.0f} gCO2e/kWh) and takes the "
            f"renewable share from {august.counterfactual_renewable_share_frac:.1%} to "
            f"{august.renewable_share_frac:.1%}.",
            f"de Vries et al. (2022) report {self.published_rise_pct:+.1f} % (August 2021 over "
            "their 2020 mean; renewables 41.6 % → 25.1 %): the replay is "
            f"{self.rise_pct - self.published_rise_pct:+.1f} points from it, {verdict} the "
            f"±{TARGET_POINTS:g}-point target.",
            "Baselines differ: de Vries et al. compare with a whole year, whose dry months "
            "(December–April) China mined on coal; the counterfactual is the same wet-season "
            "month without the ban. CBECI's own index, month against the same month a year "
            f"earlier, rises {same_month:+.1f} % (August 2020 {cbeci_2020:.1f} → August 2021 "
            f"{cbeci_2021:.1f} gCO2e/kWh).",
            "Regional mix: with Cambridge's published August 2021 country shares instead of the "
            "replay's own, hashtide's factors give "
            f"{self.map_intensity_g_per_kwh:,.0f} gCO2e/kWh and "
            f"{self.map_renewable_share_frac:.1%} renewable "
            f"({self.map_rise_pct:+.1f} % over the counterfactual). The replay's August mix "
            "differs from Cambridge's in " + "; ".join(self._mix_gaps()) + ".",
            f"Before the ban (2 May – 8 June 2021) the replay runs at "
            f"{before.intensity_g_per_kwh:,.0f} gCO2e/kWh and {before.renewable_share_frac:.1%} "
            "renewable, China already down to 46 % of the network (Cambridge, April 2021) from "
            "65 % in 2020.",
        ]

    @property
    def map_rise_pct(self) -> float:
        """Cambridge's August 2021 mix (hashtide's factors) over the counterfactual, percent."""
        august = self.row("August")
        return (self.map_intensity_g_per_kwh / august.counterfactual_intensity_g_per_kwh - 1) * 100

    def _mix_gaps(self, points: float = 2.0) -> list[str]:
        """Regions whose August share differs from Cambridge's by more than ``points``."""
        august = self.mix[(self.mix.run == "with the ban") & (self.mix.index == "2021-08-01")]
        gaps = []
        for key, share in self.map_shares.items():
            replay = float(august[key].iloc[0]) if key in august and len(august) else math.nan
            if math.isfinite(replay) and abs(replay - share) * 100 > points:
                name = self.region_names.get(key, key)
                gaps.append(f"{name} {replay:.1%} vs {share:.1%}")
        return gaps or ["no region by more than two points"]

    def to_json(self) -> dict[str, Any]:
        """Plain figures for ``--json`` and ``summary.json``."""
        return {
            "rise_pct": self.rise_pct,
            "published_rise_pct": self.published_rise_pct,
            "target_points": TARGET_POINTS,
            "within_target": self.within_target,
            "periods": [
                {
                    "label": r.label,
                    "first": r.first.isoformat(),
                    "last": r.last.isoformat(),
                    "intensity_g_per_kwh": r.intensity_g_per_kwh,
                    "counterfactual_intensity_g_per_kwh": r.counterfactual_intensity_g_per_kwh,
                    "renewable_share_frac": r.renewable_share_frac,
                    "counterfactual_renewable_share_frac": r.counterfactual_renewable_share_frac,
                    "rise_pct": r.rise_pct,
                }
                for r in self.rows
            ],
            "published": [
                {
                    "source": p.source,
                    "period": p.period,
                    "intensity_g_per_kwh": p.intensity_g_per_kwh,
                    "renewable_share_frac": p.renewable_share_frac,
                    "hydro_share_frac": p.hydro_share_frac,
                    "citation": p.citation,
                }
                for p in self.published
            ],
            "map_shares": self.map_shares,
            "map_intensity_g_per_kwh": self.map_intensity_g_per_kwh,
            "map_renewable_share_frac": self.map_renewable_share_frac,
            "map_rise_pct": self.map_rise_pct,
            "findings": self.findings(),
            "monthly_mix": [
                {"month": f"{month:%Y-%m}", **{k: _plain(v) for k, v in row.items()}}
                for month, row in zip(
                    self.mix.index, self.mix.to_dict(orient="records"), strict=True
                )
            ],
        }


def _plain(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return None if not math.isfinite(float(value)) else float(value)
    return value


def monthly_mix(run: MarketRun, label: str) -> pd.DataFrame:
    """Per month: each region's share of mining power, the carbon intensity, the renewable share.

    Means over the month of the daily medians across paths (power per region: the median path
    value of each day). China's hydro and coal mining regions are shown as the carbon
    accounting counts them: their power together, split by the season
    (:func:`hashtide.market.regions.china_split`).
    """
    market = run.market
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        power = np.nanmedian(market.power_w, axis=0)  # (D, A)
    season, split = china_split(market.fleet.regions, market.day_s)
    if season:
        power[:, season] = power[:, season].sum(axis=1, keepdims=True) * split.T
    index = pd.DatetimeIndex(pd.to_datetime(market.day_s, unit="s", utc=True), name="day")
    frame = pd.DataFrame(power, index=index, columns=list(market.actor_names)).dropna()
    monthly = frame.resample("MS").mean()
    shares = monthly.div(monthly.sum(axis=1), axis=0)
    daily = run.daily_frame()
    figures = daily[["carbon_intensity_g_per_kwh", "renewable_share_frac"]].resample("MS").mean()
    out = shares.join(figures)
    out.insert(0, "run", label)
    out.index = pd.DatetimeIndex(out.index).tz_localize(None).to_period("M").to_timestamp()
    out.index.name = "month"
    return out


def carbon_comparison(result: ReplayResult) -> CarbonComparison | None:
    """The replay's carbon figures beside de Vries et al. (2022) and Cambridge's.

    Returns ``None`` unless the replay has a counterfactual and covers every day of
    :data:`PERIODS`.

    Notes
    -----
    Carbon intensity is power-weighted over the regions (each region's grid or fuel factor:
    :meth:`hashtide.market.Region.carbon_intensity_g_per_kwh`); the renewable share likewise
    (:meth:`hashtide.market.Region.renewable_frac_in`). A period's figure is the mean of its
    daily medians across paths.
    """
    if result.counterfactual is None:
        return None
    daily = result.daily()
    days = pd.DatetimeIndex(daily.index).tz_convert(None).normalize()
    rows = []
    for label, first, last in PERIODS:
        inside = (days >= pd.Timestamp(first)) & (days <= pd.Timestamp(last))
        if int(inside.sum()) != (last - first).days + 1:
            return None
        chosen = daily[inside]
        rows.append(
            CarbonRow(
                label=label,
                first=first,
                last=last,
                intensity_g_per_kwh=float(chosen.carbon_intensity_g_per_kwh.mean()),
                counterfactual_intensity_g_per_kwh=float(
                    chosen.counterfactual_carbon_intensity_g_per_kwh.mean()
                ),
                renewable_share_frac=float(chosen.renewable_share_frac.mean()),
                counterfactual_renewable_share_frac=float(
                    chosen.counterfactual_renewable_share_frac.mean()
                ),
            )
        )
    august = rows[1]
    mix = pd.concat(
        [
            monthly_mix(result.run, "with the ban"),
            monthly_mix(result.counterfactual, "counterfactual"),
        ]
    )
    regions = result.run.market.fleet.regions
    shares = region_shares(dt.date(2021, 9, 1), regions)  # the August 2021 quotes
    weights = np.array([shares[r.key] for r in regions])
    intensity = np.array([r.carbon_intensity_g_per_kwh(2021) for r in regions])
    renewable = np.array([r.renewable_frac_in(2021) for r in regions])
    known = np.isfinite(renewable)
    target = published_rise_pct()
    return CarbonComparison(
        rows=tuple(rows),
        rise_pct=august.rise_pct,
        published_rise_pct=target,
        within_target=abs(august.rise_pct - target) <= TARGET_POINTS,
        mix=mix,
        map_shares={k: v for k, v in shares.items() if v > 0},
        map_intensity_g_per_kwh=float(weights @ intensity),
        map_renewable_share_frac=float(weights[known] @ renewable[known] / weights[known].sum()),
        region_names={r.key: r.name for r in regions},
    )


def report_context(comparison: CarbonComparison) -> dict[str, Any]:
    """The comparison as rows of text for the replay report's section."""

    def pair(g: float, r: float) -> str:
        return f"{g:,.0f} g/kWh · {r:.1%} renewable"

    rows = [
        [
            r.label,
            pair(r.intensity_g_per_kwh, r.renewable_share_frac),
            pair(r.counterfactual_intensity_g_per_kwh, r.counterfactual_renewable_share_frac),
            f"{r.rise_pct:+.1f} %",
        ]
        for r in comparison.rows
    ]
    rows.append(
        [
            "August 2021, Cambridge's country shares × hashtide's factors",
            pair(comparison.map_intensity_g_per_kwh, comparison.map_renewable_share_frac),
            "",
            f"{comparison.map_rise_pct:+.1f} %",
        ]
    )

    def fmt(value: float | None, percent: bool = False) -> str:
        if value is None:
            return "–"
        return f"{value:.1%}" if percent else f"{value:,.2f}"

    published_rows = [
        [
            p.source,
            p.period,
            fmt(p.intensity_g_per_kwh),
            fmt(p.renewable_share_frac, True),
            fmt(p.hydro_share_frac, True),
        ]
        for p in comparison.published
    ]
    keys = [c for c in comparison.mix.columns if c != "run"]
    special = {"carbon_intensity_g_per_kwh": "gCO2e/kWh", "renewable_share_frac": "renewable"}
    labels = [special.get(k) or comparison.region_names.get(k, k) for k in keys]
    mix_rows = []
    for month, record in zip(
        comparison.mix.index, comparison.mix.to_dict(orient="records"), strict=True
    ):
        cells = [f"{month:%Y-%m}", str(record["run"])]
        for k in keys:
            value = float(record[k])
            if k == "carbon_intensity_g_per_kwh":
                cells.append(f"{value:,.0f}")
            else:
                cells.append(f"{value:.1%}" if math.isfinite(value) else "–")
        mix_rows.append(cells)
    citations = sorted({p.citation for p in comparison.published})
    return {
        "rows": rows,
        "published": published_rows,
        "findings": comparison.findings(),
        "mix_header": ["month", "run", *labels],
        "mix_rows": mix_rows,
        "citations": citations,
    }
