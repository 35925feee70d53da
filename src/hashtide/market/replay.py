"""Scoring a world-market run against history: the replay, its counterfactual, the claims.

A scenario with a start in the past (``hashtide run scenarios/china-2021-ban.yaml``, or its
shortcut ``hashtide replay``) runs on the world market once with its events and once without
them (:func:`hashtide.scenario.run_scenario`). This module lines the simulated difficulty up
with the chain's, epoch by epoch, scores it (median absolute percentage error over the scored
epochs, and the epoch of the largest drop), and checks claims about the world on a date.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from hashtide.energy import KGCE_PER_KWH_CHINA_COAL_POWER_2020, coal_tce
from hashtide.errors import ScenarioError
from hashtide.market.events import date_s
from hashtide.market.history import chain_history, historical_hashprice
from hashtide.market.run import MarketRun
from hashtide.market.world import Assumption
from hashtide.scenario.units import UnitParseError, parse_quantity
from hashtide.units import SECONDS_PER_DAY

if TYPE_CHECKING:
    from hashtide.scenario.schema import ScenarioSpec

#: progress(stage, stages, description)
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True, kw_only=True)
class ClaimResult:
    """A published statement beside hashtide's figure for the same date and place."""

    text: str
    source: str
    quantity: str
    date: dt.date
    stated: float
    computed: float
    unit: str
    tolerance_frac: float
    holds: bool
    explanation: str


@dataclass(frozen=True, kw_only=True, eq=False)
class ReplayResult:
    """The replay, its counterfactual and their scores.

    Attributes
    ----------
    spec : ScenarioSpec
    run : MarketRun
        Monte Carlo with the scenario's events.
    expected : MarketRun
        The engine's expected path with the events (deterministic).
    counterfactual : MarketRun or None
        Monte Carlo without any event.
    epochs : pandas.DataFrame
        Per epoch: ``start_height``, ``start_time`` (the chain's), ``actual_difficulty``,
        ``simulated_difficulty`` (Monte Carlo median; ``_p5``/``_p95``),
        ``expected_difficulty``, ``counterfactual_difficulty``, ``actual_hashrate_hs`` (the
        chain's), ``simulated_hashrate_hs``, ``counterfactual_hashrate_hs``, ``error_pct``
        (simulated vs actual), ``scored``.
    mdape_pct : float or None
        Median absolute percentage error of the simulated difficulty over the scored epochs.
    expected_mdape_pct : float or None
        The same for the expected path.
    drop_height_simulated, drop_height_actual : int or None
        Start height of the epoch with the largest relative difficulty drop (scored span).
    claims : tuple of ClaimResult
    """

    spec: ScenarioSpec
    run: MarketRun
    expected: MarketRun
    counterfactual: MarketRun | None
    epochs: pd.DataFrame
    mdape_pct: float | None
    expected_mdape_pct: float | None
    drop_height_simulated: int | None
    drop_height_actual: int | None
    claims: tuple[ClaimResult, ...]
    #: One-at-a-time reruns on the expected path (hashtide.scenario.sensitivity), if made.
    sensitivity: pd.DataFrame | None = None

    def assumptions(self) -> list[Assumption]:
        """Every assumption: the run's, then each event with its source."""
        rows = self.run.assumptions()
        for event in self.spec.events:
            detail = {
                k: v
                for k, v in event.model_dump().items()
                if k not in ("kind", "name", "source") and v not in (None, [], {})
            }
            text = ", ".join(f"{k} {_show(v)}" for k, v in detail.items())
            rows.append(
                Assumption(
                    name=f"event: {event.name} ({event.kind})",
                    value=text,
                    source=event.source or "scenario file",
                )
            )
        return rows

    def daily(self) -> pd.DataFrame:
        """Daily medians of the replay, with the counterfactual's and the chain's beside them.

        Columns: the replay's :meth:`MarketRun.daily_frame` columns, ``counterfactual_*`` for
        the counterfactual's hashrate, hashprice, carbon intensity, renewable share and power,
        and
        ``actual_hashprice_usd_per_th_day`` (what the real network earned).
        """
        frame = self.run.daily_frame()
        if self.counterfactual is not None:
            other = self.counterfactual.daily_frame()
            for column in (
                "hashrate_hs",
                "hashprice_usd_per_th_day",
                "carbon_intensity_g_per_kwh",
                "renewable_share_frac",
                "power_w",
                "china_share_frac",
            ):
                frame[f"counterfactual_{column}"] = other[column].reindex(frame.index)
        index = pd.DatetimeIndex(frame.index)
        times = (index - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(
            1, unit="s"
        ) + SECONDS_PER_DAY / 2
        frame["actual_hashprice_usd_per_th_day"] = historical_hashprice(np.asarray(times))
        return frame


def _show(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return ", ".join(_show(v) for v in value)
    return str(value)


def _mdape(simulated: pd.Series, actual: pd.Series) -> float | None:
    ok = simulated.notna() & actual.notna()
    if not ok.any():
        return None
    return float(np.median(np.abs(simulated[ok] / actual[ok] - 1.0)) * 100.0)


def epochs_table(
    spec: ScenarioSpec,
    run: MarketRun,
    expected: MarketRun,
    counterfactual: MarketRun | None,
) -> pd.DataFrame:
    history = chain_history()
    frame = run.epochs_frame()
    heights = frame["start_height"].to_numpy()
    rows = [history.row_of_height(int(h)) for h in heights]
    table = pd.DataFrame(
        {
            "start_height": heights,
            "start_time": pd.to_datetime(history.start_s[rows], unit="s", utc=True),
            "actual_difficulty": history.difficulty[rows],
            "simulated_difficulty": frame["difficulty"].to_numpy(),
            "simulated_difficulty_p5": frame["difficulty_p5"].to_numpy(),
            "simulated_difficulty_p95": frame["difficulty_p95"].to_numpy(),
            "actual_hashrate_hs": history.hashrate_hs[rows],
            "simulated_hashrate_hs": frame["hashrate_hs"].to_numpy(),
        }
    )
    exp = expected.epochs_frame().set_index("start_height")
    table["expected_difficulty"] = exp["difficulty"].reindex(heights).to_numpy()
    if counterfactual is not None:
        cf = counterfactual.epochs_frame().set_index("start_height")
        table["counterfactual_difficulty"] = cf["difficulty"].reindex(heights).to_numpy()
        table["counterfactual_hashrate_hs"] = cf["hashrate_hs"].reindex(heights).to_numpy()
    else:
        table["counterfactual_difficulty"] = np.nan
        table["counterfactual_hashrate_hs"] = np.nan
    table["error_pct"] = (table["simulated_difficulty"] / table["actual_difficulty"] - 1) * 100
    if spec.score is not None:
        first = pd.Timestamp(spec.score.from_, tz="UTC")
        last = pd.Timestamp(spec.score.to, tz="UTC") + pd.Timedelta(days=1)
        table["scored"] = (table["start_time"] >= first) & (table["start_time"] < last)
    else:
        table["scored"] = table.index > 0
    # the first epoch's difficulty is an input, never a result
    table.loc[table.index == 0, "scored"] = False
    return table


def _largest_drop(difficulty: pd.Series, heights: pd.Series) -> int | None:
    values = difficulty.to_numpy(dtype=float)
    if values.size < 2:
        return None
    change = values[1:] / values[:-1]
    if not np.isfinite(change).any():
        return None
    return int(heights.to_numpy()[1 + int(np.nanargmin(change))])


def _claim_figure(claim: Any, run: MarketRun) -> tuple[float, float, str, str]:
    """(stated, computed, unit, what was computed) for a claim about the world on a date."""
    market = run.market
    day = math.floor((date_s(claim.date) - market.day_s[0]) / SECONDS_PER_DAY)
    if not 0 <= day < market.day_s.size or not np.isfinite(market.power_w[:, day]).all():
        raise ScenarioError(f"claim {claim.text!r}: date {claim.date} is outside the replay")
    keys = market.actor_names
    chosen = [keys.index(k) for k in claim.regions]
    power = market.power_w[:, day]  # (P, A)
    running = market.running_hs[:, day]
    if claim.quantity == "network_power":
        computed = float(np.median(power.sum(axis=1)))
        what = "the whole network's facility power"
        kind, unit = "power", "W"
    elif getattr(claim, "chain_step", None) is not None:
        return _chain_step_figure(claim, power[:, chosen], running[:, chosen])
    elif claim.quantity == "power":
        computed = float(np.median(power[:, chosen].sum(axis=1))) * claim.region_frac
        what = f"facility power of {', '.join(claim.regions)}" + (
            f" × {claim.region_frac:.3g}" if claim.region_frac != 1 else ""
        )
        kind, unit = "power", "W"
    elif claim.quantity == "coal_per_day":
        power_w = float(np.median(power[:, chosen].sum(axis=1))) * claim.region_frac
        computed = coal_tce(power_w * 24.0 / 1000.0)
        what = (
            f"standard coal equivalent (tce) of one day of {', '.join(claim.regions)}'s load at "
            f"China's {KGCE_PER_KWH_CHINA_COAL_POWER_2020 * 1000:.1f} gce/kWh — an energy "
            "equivalence, not coal burnt: Sichuan's power was mostly hydro (84 % of its 2020 "
            "generation, NBS via CCAF)"
        )
        kind, unit = "mass", "t"
    else:
        computed = float(np.median(running[:, chosen].sum(axis=1) / running.sum(axis=1)))
        what = f"share of the network hashrate in {', '.join(claim.regions)}"
        kind, unit = "fraction", "share"
    if isinstance(claim.stated, int | float) and not isinstance(claim.stated, bool):
        stated = float(claim.stated)
    else:
        try:
            stated = parse_quantity(str(claim.stated), kind)
        except UnitParseError as exc:
            raise ScenarioError(f"claim {claim.text!r}: stated {exc}") from None
        if kind == "mass":
            stated /= 1000.0  # kg → t
    return stated, computed, unit, what


def _chain_step_figure(
    claim: Any, power_w: npt.NDArray[np.float64], running_hs: npt.NDArray[np.float64]
) -> tuple[float, float, str, str]:
    """A region's load from the chain's hashrate step × its machines' watts per TH/s."""
    from hashtide.market.chain_step import hashrate_step

    spec = claim.chain_step
    step = hashrate_step(tuple(spec.before), tuple(spec.after))
    w_per_hs = float(np.median(power_w.sum(axis=1) / running_hs.sum(axis=1)))
    loads = [h * w_per_hs for h in (step.step_low_hs, step.step_hs, step.step_high_hs)]
    low, mid, high = step.share_frac
    what = (
        f"the load that left when the chain's hashrate stepped down from "
        f"{step.hashrate_before_hs / 1e18:.1f} EH/s ({spec.before[0]:%d}–{spec.before[1]:%d %b}, "
        f"{step.blocks_before} blocks) to {step.hashrate_after_hs / 1e18:.1f} EH/s "
        f"({spec.after[0]:%d}–{spec.after[1]:%d %b}, {step.blocks_after} blocks): "
        f"{step.step_hs / 1e18:.1f} EH/s (90 %: {step.step_low_hs / 1e18:.1f}–"
        f"{step.step_high_hs / 1e18:.1f}, block-count noise), {mid:.0%} of the network "
        f"({low:.0%}–{high:.0%}; the wet-season share), × {w_per_hs * 1e12:.1f} W per TH/s of "
        f"{', '.join(claim.regions)}'s machines on {claim.date} (efficiency × PUE) = "
        f"{loads[1] / 1e9:.2f} GW ({loads[0] / 1e9:.2f}–{loads[2] / 1e9:.2f} GW)"
    )
    if claim.quantity == "power":
        return parse_stated_value(claim, "power"), loads[1], "W", what
    coal = [coal_tce(load * 24.0 / 1000.0) for load in loads]
    what += (
        f"; a day of it is {coal[1]:,.0f} t ({coal[0]:,.0f}–{coal[2]:,.0f} t) of standard coal "
        f"equivalent at China's {KGCE_PER_KWH_CHINA_COAL_POWER_2020 * 1000:.1f} gce/kWh — an "
        "energy equivalence, not coal burnt: Sichuan's power was mostly hydro (84 % of its 2020 "
        "generation, NBS via CCAF)"
    )
    return parse_stated_value(claim, "mass") / 1000.0, coal[1], "t", what


def parse_stated_value(claim: Any, kind: str) -> float:
    """A claim's stated figure in SI units (``ScenarioError`` if unreadable)."""
    if isinstance(claim.stated, int | float) and not isinstance(claim.stated, bool):
        return float(claim.stated) * (1000.0 if kind == "mass" else 1.0)
    try:
        return parse_quantity(str(claim.stated), kind)
    except UnitParseError as exc:
        raise ScenarioError(f"claim {claim.text!r}: stated {exc}") from None


def check_claims(claims: Any, run: MarketRun) -> tuple[ClaimResult, ...]:
    """Each claim about the world on a date beside the run's figure on that date."""
    out = []
    network = {}
    for claim in claims:
        stated, computed, unit, what = _claim_figure(claim, run)
        holds = abs(computed - stated) <= claim.tolerance * abs(stated)
        ratio = stated / computed if computed else math.inf
        day = claim.date
        if day not in network:
            market = run.market
            index = math.floor((date_s(day) - market.day_s[0]) / SECONDS_PER_DAY)
            network[day] = float(np.median(market.power_w[:, index].sum(axis=1)))
        explanation = (
            f"hashtide computes {what} on {day}: {_fmt(computed, unit)} "
            f"(stated {_fmt(stated, unit)}, {ratio:,.1f}× the computed value"
            + ("; within" if holds else "; outside")
            + f" ±{claim.tolerance:.0%}). The whole network drew "
            f"{_fmt(network[day], 'W')} that day."
        )
        if claim.region_frac != 1 and claim.region_frac_source:
            explanation += f" Share used: {claim.region_frac_source}."
        out.append(
            ClaimResult(
                text=claim.text,
                source=claim.source,
                quantity=claim.quantity,
                date=day,
                stated=stated,
                computed=computed,
                unit=unit,
                tolerance_frac=claim.tolerance,
                holds=bool(holds),
                explanation=explanation,
            )
        )
    return tuple(out)


def _fmt(value: float, unit: str) -> str:
    if unit == "W":
        return f"{value / 1e9:,.2f} GW"
    if unit == "t":
        return f"{value:,.0f} t"
    if unit == "share":
        return f"{value:.1%}"
    return f"{value:,.4g} {unit}"


def score(
    spec: ScenarioSpec,
    run: MarketRun,
    expected: MarketRun,
    counterfactual: MarketRun | None,
) -> ReplayResult:
    """Score ``run`` (with the events) against the chain and check the world claims.

    The chain's difficulty after the start is read here only, to score; nothing the runs fitted
    saw it.
    """
    table = epochs_table(spec, run, expected, counterfactual)
    scored = table[table["scored"]]
    mdape = _mdape(scored["simulated_difficulty"], scored["actual_difficulty"])
    expected_mdape = _mdape(scored["expected_difficulty"], scored["actual_difficulty"])
    # The drop is looked for among the scored periods (each against the one before).
    if len(scored):
        span = table.iloc[max(int(scored.index.min()) - 1, 0) : int(scored.index.max()) + 1]
    else:
        span = table
    drop_sim = _largest_drop(span["simulated_difficulty"], span["start_height"])
    drop_act = _largest_drop(span["actual_difficulty"], span["start_height"])
    claims = check_claims([c for c in spec.claims if c.is_world], run)
    return ReplayResult(
        spec=spec,
        run=run,
        expected=expected,
        counterfactual=counterfactual,
        epochs=table,
        mdape_pct=mdape,
        expected_mdape_pct=expected_mdape,
        drop_height_simulated=drop_sim,
        drop_height_actual=drop_act,
        claims=claims,
    )
