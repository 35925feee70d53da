"""The report's "Security" section: what the actor's share of the hashrate would let it do.

A thin shell over :func:`hashtide.security.assess_scenario`: two tables (concentration; attacks)
and, per variant, one plain sentence per figure. :func:`security_context` returns what the
template ``scenario_report.html.j2`` reads under ``security``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from hashtide.protocol import MAINNET
from hashtide.report._tables import Cell as _Cell
from hashtide.report._tables import Column as _Column
from hashtide.report._tables import Table as _Table
from hashtide.report.formatting import (
    format_count,
    format_hashrate,
    format_number,
    format_percent,
    format_usd,
    pick_unit,
)
from hashtide.scenario.results import ScenarioResult
from hashtide.security import VariantSecurity, assess_scenario
from hashtide.security.attack_cost import MajorityAttackCost
from hashtide.units import SECONDS_PER_DAY, SECONDS_PER_HOUR

__all__ = ["format_probability", "security_context", "security_sentences"]

#: Mean time between blocks [s], to turn confirmations into waiting time.
_SPACING_S = MAINNET.pow_target_spacing_s

#: HHI points [0–10,000] above which the U.S. Merger Guidelines (DOJ & FTC 2023, Guideline 1)
#: call a market highly concentrated.
HIGHLY_CONCENTRATED_HHI_POINTS = 1_800


def _date(time: pd.Timestamp | None) -> str:
    return time.strftime("%Y-%m-%d") if time is not None else "never"


def _points(hhi: float) -> str:
    return f"{round(hhi * 10_000):,}"


def format_probability(p: float) -> str:
    """A probability as a percentage; below 0.001 % in scientific notation.

    Examples
    --------
    >>> [format_probability(p) for p in (0.008435, 1.65e-17, 0.0)]
    ['0.844 %', '1.6e-15 %', '0 %']
    """
    if 0 < p < 1e-5:
        return f"{p * 100:.2g} %"
    return format_percent(p)


def _pct_probability(p: float) -> str:
    """A probability in percent, without the sign (for a column headed [%])."""
    return format_probability(p).removesuffix(" %")


def _duration(seconds: float) -> str:
    hours = seconds / SECONDS_PER_HOUR
    if hours < 48:
        return f"{format_number(hours, 2)} hours"
    return f"{format_number(seconds / SECONDS_PER_DAY, 2)} days"


def _crossings(s: VariantSecurity, start: pd.Timestamp) -> str:
    parts = []
    for threshold, time in s.crossings:
        label = format_percent(threshold, digits=2)
        if time is None:
            parts.append(f"never reaches {label}")
            break  # the higher thresholds are not reached either
        if time == start:
            parts.append(f"is above {label} from the start")
        else:
            parts.append(f"passes {label} on {_date(time)}")
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]


def _share_sentence(s: VariantSecurity, start: pd.Timestamp) -> str:
    text = (
        f"On the median path the {s.actor} holds {format_percent(s.share_frac)} of the network's "
        f"hashrate over the horizon and {format_percent(s.peak_share_frac)} at its peak "
        f"({_date(s.peak_time)}); it {_crossings(s, start)}."
    )
    if s.peak_share_p95_frac >= 0.5 > s.peak_share_frac:
        text += (
            f" At times 5 % of paths reach {format_percent(s.peak_share_p95_frac)} or more: "
            "a majority."
        )
    return text


def _concentration_sentence(s: VariantSecurity) -> str:
    largest = f"the {s.actor} itself" if s.largest_actor == s.actor else s.largest_actor
    points = round(s.hhi * 10_000)
    side = "above" if points > HIGHLY_CONCENTRATED_HHI_POINTS else "below"
    level = (
        f"{side} the {HIGHLY_CONCENTRATED_HHI_POINTS:,} the U.S. Merger Guidelines call highly "
        "concentrated"
    )
    coefficient = s.nakamoto_coefficient
    who = "one actor alone holds" if coefficient == 1 else f"{coefficient} actors together hold"
    return (
        f"At that peak the largest actor is {largest} ({format_percent(s.largest_share_frac)}) "
        f"and {who} a majority (Nakamoto coefficient {coefficient}, against "
        f"{s.baseline_nakamoto_coefficient} without it); the HHI is at least "
        f"{_points(s.hhi)} points ({_points(s.baseline_hhi)} without it), {level}."
    )


def _double_spend_sentence(s: VariantSecurity) -> str:
    q = format_percent(s.peak_share_frac)
    if s.peak_share_frac >= 0.5:
        return (
            f"With {q} of the hashrate it holds a majority with its own machines: the "
            "probability of a double spend is 1 at any depth — it can reverse any payment, "
            "however many confirmations the recipient waits for."
        )
    risks = "; ".join(
        f"after {r.z} confirmation{'s' if r.z != 1 else ''} with probability "
        f"{format_probability(r.exact)} (the white paper's approximation: "
        f"{format_probability(r.nakamoto)})"
        for r in s.double_spend
    )
    return f"With {q} of the hashrate it could reverse a payment {risks}."


def _confirmations_sentence(s: VariantSecurity) -> str:
    risk = format_percent(s.risk)
    if s.confirmations_needed is None:
        return f"No number of confirmations keeps the risk below {risk} against a majority."
    z = s.confirmations_needed
    usual = (
        "more than the customary 6"
        if z > 6
        else "no more than the customary 6"
        if z < 6
        else "the customary 6"
    )
    return (
        f"A recipient who accepts a {risk} risk of being double-spent by it must wait for "
        f"{z:,} confirmations (about {_duration(z * _SPACING_S)}), {usual}."
    )


def _selfish_sentence(s: VariantSecurity) -> str:
    q = format_percent(s.peak_share_frac)
    checks = {c.gamma: c for c in s.selfish}
    paying = [c for c in s.selfish if c.profitable]
    if not paying:
        limits = " and ".join(
            f"{format_percent(c.threshold_frac)} if {_side(c.gamma)}" for c in s.selfish
        )
        return f"Selfish mining does not pay at {q}: it needs more than {limits}."
    best = min(paying, key=lambda c: c.gamma)
    text = (
        f"Selfish mining pays at {q}: withholding blocks it would end up with "
        f"{format_percent(best.revenue_frac)} of the blocks if {_side(best.gamma)} (above the "
        f"{format_percent(best.threshold_frac)} threshold)"
    )
    others = [c for g, c in checks.items() if g != best.gamma and c.profitable]
    if others:
        text += ", " + ", ".join(
            f"{format_percent(c.revenue_frac)} if {_side(c.gamma)}" for c in others
        )
    payback = s.selfish_payback
    if payback is None:
        return text + "."
    first = _duration(payback.first_retarget_s)
    loss = format_percent(1 - payback.first_period_ratio, digits=2)
    gain = format_percent(payback.later_ratio - 1, digits=2)
    text += (
        f" — but only once the difficulty has adjusted: in the simulation it earns {loss} less "
        f"than honest mining until the first retarget ({first} in), {gain} more afterwards"
    )
    if np.isfinite(payback.payback_s):
        return text + f", and is ahead overall after {_duration(payback.payback_s)}."
    return text + ", and has not made up its early loss by the end of the simulation."


def _side(gamma: float) -> str:
    if gamma == 0:
        return "it loses every tie race"
    if gamma == 1:
        return "it wins every tie race"
    return f"{format_percent(gamma, digits=2)} of the honest miners side with it in tie races"


def _attack_sentence(s: VariantSecurity) -> str:
    a = s.attack
    week = _duration(a.hold_duration_s)
    costs = (
        f"{format_usd(a.energy_usd)} of energy and {format_usd(a.opportunity_usd)} of block "
        f"rewards forgone"
    )
    if a.already_majority:
        return (
            f"Running every one of its {format_hashrate(a.own_hashrate_hs)} it would already "
            f"hold {format_percent(s.installed_share_frac)}, so no machine needs to be bought; "
            f"holding 51 % for {week} costs {costs}: {format_usd(a.total_usd)} — an upper "
            "bound, since the chain it wins collects those rewards."
        )
    return (
        f"To hold 51 % for {week} it must add {format_count(a.additional_machines)} machines "
        f"({format_hashrate(a.additional_hashrate_hs)}, {format_usd(a.hardware_usd)}) to its "
        f"{format_hashrate(a.own_hashrate_hs)}, then spend {costs}: "
        f"{format_usd(a.total_usd)} in all — an upper bound on the running cost, since the "
        "chain it wins collects the block rewards."
    )


def security_sentences(s: VariantSecurity, start: pd.Timestamp) -> list[str]:
    """One plain sentence per figure of a variant's security assessment."""
    return [
        _share_sentence(s, start),
        _concentration_sentence(s),
        _double_spend_sentence(s),
        _confirmations_sentence(s),
        _selfish_sentence(s),
        _attack_sentence(s),
    ]


def _concentration_table(items: Sequence[VariantSecurity]) -> _Table:
    columns = [
        _Column("Variant", num=False),
        _Column("Share, horizon", "%"),
        _Column("Peak share", "%"),
        _Column("Passes 25 %", num=False),
        _Column("Passes 33 %", num=False),
        _Column("Passes 50 %", num=False),
        _Column("Largest actor at peak", num=False),
        _Column("HHI at peak", "points"),
        _Column("Nakamoto coefficient"),
    ]

    def pct(frac: float) -> str:
        return format_number(frac * 100, 3)

    rows = []
    for s in items:
        crossing = dict(s.crossings)
        rows.append(
            [
                _Cell(s.variant, num=False),
                _Cell(pct(s.share_frac)),
                _Cell(
                    pct(s.peak_share_frac),
                    f"{_date(s.peak_time)}; 95th pct. path {pct(s.peak_share_p95_frac)}",
                ),
                *(_Cell(_date(crossing[t]), num=False) for t in sorted(crossing)),
                _Cell(s.largest_actor, f"{pct(s.largest_share_frac)} %", num=False),
                _Cell(_points(s.hhi), f"without it: {_points(s.baseline_hhi)}"),
                _Cell(
                    str(s.nakamoto_coefficient), f"without it: {s.baseline_nakamoto_coefficient}"
                ),
            ]
        )
    return _Table(columns, rows)


def _attacks_table(items: Sequence[VariantSecurity]) -> _Table:
    first = items[0] if items else None
    columns = [
        _Column("Variant", num=False),
        *(
            _Column(f"P(double spend), z = {r.z}", "%")
            for r in (first.double_spend if first else ())
        ),
        _Column(f"Confirmations for {format_percent(first.risk) if first else ''} risk"),
        *(
            _Column(f"Selfish-mining revenue, γ = {format_number(c.gamma)}", "%")
            for c in (first.selfish if first else ())
        ),
    ]

    def pct(frac: float) -> str:
        return format_number(frac * 100, 3)

    rows = []
    for s in items:
        needed = "none suffice" if s.confirmations_needed is None else f"{s.confirmations_needed:,}"
        rows.append(
            [
                _Cell(s.variant, num=False),
                *(
                    _Cell(_pct_probability(r.exact), f"white paper {_pct_probability(r.nakamoto)}")
                    for r in s.double_spend
                ),
                _Cell(
                    needed,
                    ""
                    if s.confirmations_needed is None
                    else f"about {_duration(s.confirmations_needed * _SPACING_S)}",
                ),
                *(
                    _Cell(
                        pct(c.revenue_frac),
                        f"pays (above {pct(c.threshold_frac)})"
                        if c.profitable
                        else f"no (needs {pct(c.threshold_frac)})",
                    )
                    for c in s.selfish
                ),
            ]
        )
    return _Table(columns, rows)


def _cost_table(items: Sequence[VariantSecurity]) -> _Table:
    attacks: list[MajorityAttackCost] = [s.attack for s in items]
    # One unit for every money column, chosen from the smaller costs so none reads "0.09".
    usd_u, size = pick_unit("usd", [a.energy_usd for a in attacks])
    hash_u, hs = pick_unit("hashrate", [a.required_hashrate_hs for a in attacks])
    columns = [
        _Column("Variant", num=False),
        _Column("Own hashrate", hash_u),
        _Column("Needed for 51 %", hash_u),
        _Column("Machines to add"),
        _Column("Hardware", usd_u),
        _Column("Energy for a week", usd_u),
        _Column("Rewards forgone", usd_u),
        _Column("Total", usd_u),
    ]

    def usd(value: float) -> str:
        return format_number(value / size)

    rows = []
    for s in items:
        a = s.attack
        rows.append(
            [
                _Cell(s.variant, num=False),
                _Cell(format_number(a.own_hashrate_hs / hs), "every machine running"),
                _Cell(
                    format_number(a.required_hashrate_hs / hs),
                    f"against {format_number(a.rest_hashrate_hs / hs)} of the rest",
                ),
                _Cell(
                    f"{a.additional_machines:,}", "already a majority" if a.already_majority else ""
                ),
                _Cell(usd(a.hardware_usd)),
                _Cell(
                    usd(a.energy_usd), f"at {format_number(s.power_price_usd_per_kwh, 3)} USD/kWh"
                ),
                _Cell(usd(a.opportunity_usd), f"{format_number(a.blocks_forgone)} blocks"),
                _Cell(usd(a.total_usd)),
            ]
        )
    return _Table(columns, rows)


def security_context(result: ScenarioResult) -> dict[str, Any]:
    """What the template's security section reads: tables, sentences and the assumptions.

    The selfish-mining simulation uses a generator seeded with the result's seed, so the same
    result always gives the same page.
    """
    items = assess_scenario(result, rng=np.random.default_rng(result.seed))
    start = pd.Timestamp(result.start_time_s, unit="s", tz="UTC")
    rest = items[0].rest if items else None
    named = (
        ", ".join(f"{name} {format_percent(share)}" for name, share in rest.actors) if rest else ""
    )
    return {
        "concentration": _concentration_table(items),
        "attacks": _attacks_table(items),
        "costs": _cost_table(items),
        "sentences": [(s.variant, security_sentences(s, start)) for s in items],
        "pools": named,
        "pools_source": rest.source if rest else "",
        "fringe": format_percent(rest.fringe_frac) if rest else "",
        "price": format_usd(result.btc_price_usd),
    }
