"""Mutation testing of hashtide's core packages: do the tests notice a realistic mistake?

Each mutant is one small change to one module (a flipped comparison, a swapped operator, a
constant off by one or by ten, a dropped factor, ``min`` for ``max``, ...). It is written into a
temporary copy of ``src/`` (never the working tree) and the package's fast test files are run
against that copy; a mutant is *killed* when a test fails, *survives* when all pass, and *times
out* when the tests run past the per-mutant limit (counted as killed: the mistake was noticed).

To spare the two shared cores, the script imports the heavy third-party libraries (numpy,
scipy, pandas, pydantic, pint, pytest, ...) once, then forks a child per mutant that imports
hashtide from the mutated copy and runs pytest in-process.

Usage::

    nice .venv/bin/python scripts/mutation.py --sample 40 --seed 1
    nice .venv/bin/python scripts/mutation.py --packages economics,scenario --list-survivors
    nice .venv/bin/python scripts/mutation.py --curated          # the hand-written mistakes

Score = (killed + timeout) / (mutants - judged equivalent). Mutants judged equivalent (no test
could tell them apart: the program computes the same thing) are listed in ``EQUIVALENT`` with
the reason, and reported separately.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import copy
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE_DIR = SRC / "hashtide"

#: package → the fast test files that exercise it (slow statistical and report tests left out).
PACKAGE_TESTS: dict[str, tuple[str, ...]] = {
    "protocol": ("test_protocol.py", "test_core_boundaries.py", "test_engine_retarget.py"),
    "engine": (
        "test_engine_inputs.py",
        "test_engine_retarget.py",
        "test_engine_reference.py",
        "test_engine_paths.py",
    ),
    "economics": ("test_economics.py", "test_core_boundaries.py", "test_scenario_figures.py"),
    "scenario": ("test_scenario.py", "test_scenario_figures.py"),
    "security": (
        "test_security_double_spend.py",
        "test_security_selfish.py",
        "test_security_concentration.py",
        "test_core_boundaries.py",
    ),
    "regulation": (),  # per module, below
}

#: module (relative to src/hashtide) → test files, where a package's list is too broad.
MODULE_TESTS: dict[str, tuple[str, ...]] = {
    "regulation/detector.py": ("test_regulation_detector.py", "test_regulation_boundaries.py"),
    "regulation/rules.py": ("test_regulation_rules.py", "test_regulation_boundaries.py"),
    "regulation/facilities.py": ("test_regulation_rules.py", "test_regulation_boundaries.py"),
    "regulation/evidence.py": (
        "test_regulation_rules.py",
        "test_regulation_boundaries.py",
        "test_regulation_cli.py",
    ),
    "regulation/features.py": ("test_regulation_features.py", "test_regulation_detector.py"),
    "regulation/meter.py": ("test_regulation_meter.py", "test_regulation_features.py"),
    "regulation/generator.py": (
        "test_regulation_generator.py",
        "test_regulation_boundaries.py",
        "test_regulation_hiding.py",
    ),
    "regulation/hiding.py": ("test_regulation_hiding.py",),
    "regulation/evaluation.py": ("test_regulation_evaluation.py",),
    "regulation/report.py": ("test_regulation_cli.py",),
    "regulation/_validation.py": ("test_regulation_meter.py", "test_regulation_rules.py"),
    "security/selfish_simulation.py": ("test_security_selfish.py",),
    "security/concentration.py": ("test_security_concentration.py", "test_core_boundaries.py"),
    "security/assessment.py": ("test_security_report.py",),
    "security/double_spend.py": ("test_security_double_spend.py", "test_core_boundaries.py"),
}

#: Libraries imported once in the parent so each forked child only imports hashtide.
PRELOAD = (
    "numpy",
    "scipy.optimize",
    "scipy.stats",
    "scipy.special",
    "scipy.signal",
    "pandas",
    "pydantic",
    "pint",
    "yaml",
    "typer",
    "typer.testing",
    "rich",
    "pytest",
    "hypothesis",
    "jinja2",
    "plotly.graph_objects",
)


@dataclass(frozen=True)
class Mutant:
    """One change to one module."""

    module: str  # relative to src/hashtide, e.g. "protocol/compact.py"
    line: int
    description: str
    original_line: str
    build: Callable[[], str | None] = field(compare=False, repr=False)  # the mutated module

    @property
    def package(self) -> str:
        return self.module.split("/")[0]

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.module, self.original_line.strip(), self.description)


#: Mutants judged equivalent: (module, stripped source line, description) → why no test can tell.
EQUIVALENT: dict[tuple[str, str, str], str] = {
    (
        "*",
        "@dataclass(frozen=True, kw_only=True)",
        "True -> False",
    ): "a mutable or positional dataclass computes the same figures (no caller mutates it)",
    (
        "protocol/compact.py",
        "if size <= 3:",
        "<= -> <",
    ): "at size 3 the shift is by 8*0 in both branches: same value",
    (
        "economics/finance.py",
        "if values[i] == 0:",
        "== -> !=",
    ): "brentq from an exact root returns that root: same result either way",
    (
        "security/double_spend.py",
        "if safe(0):  # never: P(q, 0) = 1 ≥ risk",
        "if-test -> False",
    ): "P(q, 0) = 1 and risk <= 1, so safe(0) is never true",
    (
        "scenario/claims.py",
        "if isinstance(claim.stated, int | float):",
        "if-test -> False",
    ): "float(str(n)) == float(n) for the int or float a YAML number gives",
    (
        "scenario/units.py",
        'if kind != "fraction" and quantity.dimensionality == '
        "units.Quantity(1, unit).dimensionality:",
        "1 -> 0",
    ): "a quantity of 0 has the same dimensionality as one of 1",
    (
        "engine/reference.py",
        "if not self._uni:",
        "if-test -> True",
    ): "a fresh batch of uniforms on every call: other draws, the same distribution",
    (
        "security/selfish_simulation.py",
        "for k in range(1, surplus.size):",
        "1 -> 0",
    ): "the loop runs only when surplus[0] < 0, so k = 0 never fires",
    (
        "economics/finance.py",
        "grid = np.concatenate([np.linspace(-0.99, 1.0, 200), np.geomspace(1.0, 100.0, 100)[1:]])",
        "100 -> 1000",
    ): "a denser grid over the same range brackets the same first root",
    (
        "economics/finance.py",
        "grid = np.concatenate([np.linspace(-0.99, 1.0, 200), np.geomspace(1.0, 100.0, 100)[1:]])",
        "1 -> 2",
    ): "one grid point (r = 1.047) fewer: the same first root unless two roots lie in [1, 1.1]",
    (
        "engine/epochs.py",
        "return max(4, math.ceil(1.25 * (end_time_s - inputs.start.time_s) / nominal) + 2)",
        "1.25 -> 12.5",
    ): "a larger preallocation of epochs changes memory only; unused epochs are trimmed",
    (
        "economics/finance.py",
        "discount = (1.0 + discount_rate) ** -times",
        "break-even discount year off by one",
    ): "every discount factor scaled by 1/(1 + r): numerator and denominator alike, P* unchanged",
    (
        "security/selfish_mining.py",
        "if a >= 0.5:",
        "selfish revenue at alpha = 1/2",
    ): "Eyal & Sirer's formula itself gives R = 1 at alpha = 1/2 for every gamma",
    (
        "protocol/subsidy.py",
        "if halvings >= _MAX_HALVINGS:",
        "subsidy after 64 halvings not zero",
    ): "Python's 50 BTC >> 64 is 0 anyway; the guard matters for C++'s undefined shift only",
    (
        "protocol/subsidy.py",
        "while era * interval < end_height and era < _MAX_HALVINGS:",
        "cumulative subsidy counts the block at end_height",
    ): "the extra era adds min(end, (era+1)·interval) − era·interval = 0 blocks",
}


# ---------------------------------------------------------------------------------------------
# Generating mutants


_COMPARE_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
_BINOP_SWAPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Pow: ast.Mult,
    ast.Mod: ast.FloorDiv,
    ast.LShift: ast.RShift,
    ast.RShift: ast.LShift,
    ast.BitAnd: ast.BitOr,
    ast.BitOr: ast.BitAnd,
}
_SYMBOL = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Pow: "**",
    ast.Mod: "%",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.And: "and",
    ast.Or: "or",
}


def _number_variants(value: float) -> list[tuple[float, str]]:
    """Realistic slips of a numeric constant: off by one, by ten, or zero."""
    out: list[tuple[float, str]] = []
    if isinstance(value, int):
        out.append((value + 1, f"{value} -> {value + 1}"))
        if value != 0:
            out.append((value - 1, f"{value} -> {value - 1}"))
            if abs(value) >= 10:
                out.append((value * 10, f"{value} -> {value * 10}"))
    else:
        if value != 0:
            out.append((value * 10, f"{value!r} -> {value * 10!r}"))
            out.append((value * 0.1, f"{value!r} -> {value * 0.1!r}"))
            out.append((0.0, f"{value!r} -> 0.0"))
        else:
            out.append((1.0, "0.0 -> 1.0"))
    return out


def _skip_nodes(tree: ast.Module) -> set[int]:
    """ids of nodes not worth mutating: annotations, docstrings, f-strings, __all__."""
    skip: set[int] = set()

    def mark(node: ast.AST | None) -> None:
        if node is not None:
            for sub in ast.walk(node):
                skip.add(id(sub))

    for node in ast.walk(tree):
        if isinstance(node, ast.arg | ast.AnnAssign):
            mark(node.annotation)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            mark(node.returns)
        if isinstance(node, ast.JoinedStr):
            mark(node)
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            mark(node)
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id in ("Annotated", "Literal", "Final", "TypeAlias")
        ):
            mark(node)
    return skip


def _mutations(node: ast.AST) -> Iterator[tuple[str, ast.AST]]:
    """(description, replacement node) for each mutation of ``node`` itself."""
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            swap = _COMPARE_SWAPS.get(type(op))
            if swap is not None:
                new = copy.deepcopy(node)
                new.ops[i] = swap()
                yield f"{_SYMBOL[type(op)]} -> {_SYMBOL[swap]}", new
    elif isinstance(node, ast.BinOp):
        binop = _BINOP_SWAPS.get(type(node.op))
        if binop is not None:
            new = copy.deepcopy(node)
            new.op = binop()
            yield f"{_SYMBOL[type(node.op)]} -> {_SYMBOL[binop]}", new
        if isinstance(node.op, ast.Mult | ast.Div):
            yield f"drop the factor {ast.unparse(node.right)}", copy.deepcopy(node.left)
        if isinstance(node.op, ast.Mult):
            yield f"drop the factor {ast.unparse(node.left)}", copy.deepcopy(node.right)
    elif isinstance(node, ast.AugAssign):
        binop = _BINOP_SWAPS.get(type(node.op))
        if binop is not None:
            new = copy.deepcopy(node)
            new.op = binop()
            yield f"{_SYMBOL[type(node.op)]}= -> {_SYMBOL[binop]}=", new
    elif isinstance(node, ast.BoolOp):
        new = copy.deepcopy(node)
        new.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        yield f"{_SYMBOL[type(node.op)]} -> {_SYMBOL[type(new.op)]}", new
    elif isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.Not | ast.USub):
            yield (
                f"drop unary {'not' if isinstance(node.op, ast.Not) else '-'}",
                copy.deepcopy(node.operand),
            )
    elif isinstance(node, ast.Constant):
        if isinstance(node.value, bool):
            yield f"{node.value} -> {not node.value}", ast.Constant(not node.value)
        elif isinstance(node.value, int | float):
            for value, description in _number_variants(node.value):
                yield description, ast.Constant(value)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
        name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
        pairs = {"min": "max", "max": "min", "minimum": "maximum", "maximum": "minimum"}
        if name in pairs:
            new = copy.deepcopy(node)
            if isinstance(new.func, ast.Name):
                new.func.id = pairs[name]
            else:
                assert isinstance(new.func, ast.Attribute)
                new.func.attr = pairs[name]
            yield f"{name} -> {pairs[name]}", new
        if name == "abs" and len(node.args) == 1:
            yield "drop abs()", copy.deepcopy(node.args[0])
    elif isinstance(node, ast.If) and not isinstance(node.test, ast.Constant):
        # the whole test: a condition forgotten or always taken
        yield "if-test -> True", ast.Constant(True)
        yield "if-test -> False", ast.Constant(False)


def generate(module: str) -> list[Mutant]:
    """Every mutant of ``module`` (path relative to src/hashtide), in source order.

    Mutants are cheap descriptions; each builds its module's source only when run.
    """
    text = (PACKAGE_DIR / module).read_text(encoding="utf-8")
    lines = text.splitlines()
    tree = ast.parse(text)
    skip = _skip_nodes(tree)
    targets = [n for n in ast.walk(tree) if id(n) not in skip and hasattr(n, "lineno")]
    mutants: list[Mutant] = []
    for index, node in enumerate(targets):
        for description, replacement in _mutations(node):
            line = getattr(node, "lineno", 0)
            mutants.append(
                Mutant(
                    module=module,
                    line=line,
                    description=description,
                    original_line=lines[line - 1],
                    build=lambda i=index, r=replacement: _replace(text, i, r),
                )
            )
    return mutants


def _replace(text: str, index: int, replacement: ast.AST) -> str | None:
    """``text`` with its ``index``-th target node replaced (None if the result is not valid)."""
    clone = ast.parse(text)
    skip = _skip_nodes(clone)
    targets = [n for n in ast.walk(clone) if id(n) not in skip and hasattr(n, "lineno")]
    target = targets[index]
    if isinstance(target, ast.If) and not isinstance(replacement, ast.If):
        target.test = copy.deepcopy(replacement)  # type: ignore[assignment]
    elif not _swap_child(clone, target, copy.deepcopy(replacement)):
        return None
    try:
        source = ast.unparse(ast.fix_missing_locations(clone))
        compile(source, "<mutant>", "exec")
    except (SyntaxError, ValueError):
        return None
    return source


def _swap_child(tree: ast.AST, target: ast.AST, replacement: ast.AST) -> bool:
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if value is target:
                setattr(parent, name, replacement)
                return True
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if item is target:
                        value[i] = replacement
                        return True
    return False


# ---------------------------------------------------------------------------------------------
# Hand-written, realistic mistakes (issue #15 item 11): (module, original, mutated, description)

Edit = str | tuple[str, ...]
CURATED: tuple[tuple[str, Edit, Edit, str], ...] = (
    (
        "scenario/run.py",
        "energy_kwh = it_power * pue * avail_s * running / J_PER_KWH",
        "energy_kwh = it_power * avail_s * running / J_PER_KWH",
        "scenario energy without PUE",
    ),
    (
        "scenario/run.py",
        "discount = (1.0 + rate) ** -times[1:]",
        "discount = (1.0 + rate) ** -(times[1:] - 1)",
        "break-even discounts year t as t - 1",
    ),
    (
        "scenario/run.py",
        "capex_share = capex * min(1.0, years / lifetime_years)",
        "capex_share = capex * years / lifetime_years",
        "capex not capped at one lifetime",
    ),
    (
        "scenario/run.py",
        "opex_per_year = spec.actor.opex * hardware_capex",
        "opex_per_year = spec.actor.opex * capex",
        "opex charged on site capex too",
    ),
    (
        "scenario/run.py",
        "machines = [math.floor(s.capacity_w / (s.pue * model.power_w)) for s in sites]",
        "machines = [math.floor(s.capacity_w / model.power_w) for s in sites]",
        "machine count ignores PUE",
    ),
    (
        "scenario/run.py",
        "co2_kg_per_year=float(np.median(energy_year) * intensity[j] / 1000),",
        "co2_kg_per_year=float(np.median(energy_year) * intensity[j] / 1000000),",
        "site CO2 g -> t instead of kg",
    ),
    (
        "scenario/run.py",
        "year_length = np.minimum(1.0, years - np.arange(n_years))",
        "year_length = np.ones(n_years)",
        "opex of a partial last year charged in full",
    ),
    (
        "scenario/run.py",
        "share = actor_total / (actor_total + rest_total)",
        "share = actor_total / rest_total",
        "network share over the rest of the world instead of the whole network",
    ),
    (
        "scenario/run.py",
        'mined = (yearly["btc"] * discount).sum(axis=1)',
        'mined = yearly["btc"].sum(axis=1)',
        "break-even: BTC mined not discounted",
    ),
    (
        "scenario/claims.py",
        "holds = abs(computed - stated) <= claim.tolerance * abs(stated)",
        "holds = abs(computed - stated) <= claim.tolerance * abs(computed)",
        "claim tolerance taken on the computed value",
    ),
    (
        "scenario/claims.py",
        "holds = abs(computed - stated) <= claim.tolerance * abs(stated)",
        "holds = abs(computed - stated) < claim.tolerance * abs(stated)",
        "claim tolerance boundary excluded",
    ),
    (
        "scenario/units.py",
        'units.define("kt = 1e6 kg = kilotonne")',
        'units.define("kt = 1e3 kg = kilotonne")',
        "kt = 1e3 kg",
    ),
    (
        "economics/finance.py",
        "if cumulative[0] >= 0:",
        "if cumulative[0] > 0:",
        "payback: a zero first flow is not 'paid back at once'",
    ),
    (
        "economics/finance.py",
        "after = np.flatnonzero(cumulative >= 0)",
        "after = np.flatnonzero(cumulative > 0)",
        "payback: reaching exactly zero does not count",
    ),
    (
        "economics/finance.py",
        "return float(times[j - 1] + fraction * (times[j] - times[j - 1]))",
        "return float(times[j])",
        "payback rounded up to the period end",
    ),
    (
        "economics/finance.py",
        "return float(np.sum(flows * (1.0 + discount_rate) ** -times))",
        "return float(np.sum(flows * (1.0 + discount_rate) ** -(times + 1)))",
        "NPV discounts the first flow a year",
    ),
    (
        "economics/finance.py",
        "discount = (1.0 + discount_rate) ** -times",
        "discount = (1.0 + discount_rate) ** -(times + 1)",
        "break-even discount year off by one",
    ),
    (
        "economics/revenue.py",
        "return efficiency_j_per_th * pue * SECONDS_PER_DAY / J_PER_KWH * price_usd_per_kwh",
        "return efficiency_j_per_th * SECONDS_PER_DAY / J_PER_KWH * price_usd_per_kwh",
        "power cost without PUE",
    ),
    (
        "economics/revenue.py",
        "kwh_per_th_day = efficiency_j_per_th * pue * SECONDS_PER_DAY / J_PER_KWH",
        "kwh_per_th_day = efficiency_j_per_th * SECONDS_PER_DAY / J_PER_KWH",
        "break-even power price without PUE",
    ),
    (
        "economics/revenue.py",
        "reward_btc = (subsidy_sat + fees_sat_per_block) / SAT_PER_BTC",
        "reward_btc = subsidy_sat / SAT_PER_BTC",
        "hashprice without fees",
    ),
    (
        "security/double_spend.py",
        "return double_spend_probability(q_frac, z, how) < accepted",
        "return double_spend_probability(q_frac, z, how) <= accepted",
        "confirmations: P == risk counted as safe (risk 1)",
    ),
    (
        "security/double_spend.py",
        "if not 0.0 < accepted <= 1.0:",
        "if not 0.0 < accepted < 1.0:",
        "confirmations: risk 1 rejected",
    ),
    (
        "security/double_spend.py",
        "if not 0.0 < accepted <= 1.0:",
        "if not 0.0 <= accepted <= 1.0:",
        "confirmations: risk 0 accepted",
    ),
    (
        "security/double_spend.py",
        "if q_frac >= 0.5:",
        "if q_frac > 0.5:",
        "double spend at q = 1/2 not certain",
    ),
    (
        "security/attack_cost.py",
        "energy_kwh = required * (power / machine_hs) * facility * hold / J_PER_KWH",
        "energy_kwh = required * (power / machine_hs) * hold / J_PER_KWH",
        "attack energy without PUE",
    ),
    (
        "security/attack_cost.py",
        "required = target / (1.0 - target) * rest",
        "required = target * rest",
        "attack hashrate as a share of the rest, not of the whole network",
    ),
    (
        "security/concentration.py",
        "above = cumulative > threshold",
        "above = cumulative >= threshold",
        "Nakamoto coefficient: exactly 50 % counted as a majority",
    ),
    (
        "security/selfish_mining.py",
        "return a > selfish_mining_threshold(gamma) and a > 0",
        "return a >= selfish_mining_threshold(gamma) and a > 0",
        "selfish mining profitable at exactly the threshold",
    ),
    (
        "security/selfish_mining.py",
        "if a >= 0.5:",
        "if a > 0.5:",
        "selfish revenue at alpha = 1/2",
    ),
    (
        "protocol/compact.py",
        "negative = word != 0 and (bits & _SIGN_BIT) != 0",
        "negative = (bits & _SIGN_BIT) != 0",
        "sign bit on a zero mantissa read as negative",
    ),
    (
        "protocol/compact.py",
        "if compact & _SIGN_BIT:",
        "if compact > _SIGN_BIT:",
        "GetCompact: mantissa exactly 0x800000 not shifted",
    ),
    (
        "protocol/compact.py",
        "size > 34 or (word > 0xFF and size > 33) or (word > 0xFFFF and size > 32)",
        "size > 34 or (word > 0xFF and size > 33) or (word > 0xFFFF and size > 33)",
        "overflow: three-byte mantissa at size 33 accepted",
    ),
    (
        "protocol/retarget.py",
        "upper = params.pow_target_timespan_s * 4",
        "upper = params.pow_target_timespan_s * 2",
        "retarget span clamped at 2T instead of 4T",
    ),
    (
        "engine/retarget.py",
        "span = np.clip(last - first, timespan // 4, timespan * 4)",
        "span = np.clip(last - first, timespan // 2, timespan * 4)",
        "engine retarget span clamped at T/2 instead of T/4",
    ),
    (
        "protocol/subsidy.py",
        "if halvings >= _MAX_HALVINGS:",
        "if halvings > _MAX_HALVINGS:",
        "subsidy after 64 halvings not zero",
    ),
    (
        "protocol/subsidy.py",
        "while era * interval < end_height and era < _MAX_HALVINGS:",
        "while era * interval <= end_height and era < _MAX_HALVINGS:",
        "cumulative subsidy counts the block at end_height",
    ),
    (
        "regulation/detector.py",
        ("0.5 * l2 * beta[1:] @ beta[1:]", "grad[1:] += l2 * beta[1:]"),
        ("0.5 * l2 * beta @ beta", "grad += l2 * beta"),
        "detector fit penalises the intercept",
    ),
    (
        "regulation/detector.py",
        "return float(self.intercept + self.contributions(features).sum())",
        "return float(self.contributions(features).sum())",
        "detector stage logit without intercept",
    ),
    (
        "regulation/rules.py",
        "return trace(bool(value[0] <= actual <= value[1]))",
        "return trace(bool(value[0] < actual < value[1]))",
        "'between' excludes its bounds",
    ),
)


def curated_mutants() -> tuple[list[Mutant], list[str]]:
    """The curated mistakes as mutants, and the ones whose original text is gone (stale).

    An entry's original and mutated text may be tuples: several edits made together.
    """
    mutants, stale = [], []
    for module, original, mutated, description in CURATED:
        text = (PACKAGE_DIR / module).read_text(encoding="utf-8")
        pairs = (
            list(zip(original, mutated, strict=True))
            if isinstance(original, tuple)
            else [(original, mutated)]
        )
        missing = [old for old, _ in pairs if text.count(old) != 1]
        if missing:
            stale.append(f"{module}: {description} (not found exactly once: {missing[0]!r})")
            continue
        new = text
        for old, replacement in pairs:
            new = new.replace(old, replacement)
        at = text.index(pairs[0][0])
        line = text.count("\n", 0, at) + 1
        mutants.append(
            Mutant(
                module=module,
                line=line,
                description=description,
                original_line=text.splitlines()[line - 1],
                build=lambda new=new: new,
            )
        )
    return mutants, stale


# ---------------------------------------------------------------------------------------------
# Running


def tests_for(module: str) -> list[str]:
    names = MODULE_TESTS.get(module) or PACKAGE_TESTS[module.split("/")[0]]
    return [str(ROOT / "tests" / n) for n in names if (ROOT / "tests" / n).exists()]


def _run_pytest(copy_src: Path, args: list[str]) -> int:
    """In a forked child: import hashtide from ``copy_src`` and run pytest; returns its code."""
    import pytest

    sys.path.insert(0, str(copy_src))
    sys.dont_write_bytecode = True
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    return int(pytest.main(args))


def run_tests(copy_src: Path, tests: list[str], timeout_s: float) -> tuple[str, float]:
    """Run ``tests`` against ``copy_src`` in a forked child: 'passed', 'failed' or 'timeout'."""
    args = [*tests, "-x", "-q", "-p", "no:cacheprovider", "-c", str(ROOT / "pyproject.toml")]
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # child
        code = 1
        try:
            os.chdir(ROOT)
            code = _run_pytest(copy_src, args)
        finally:
            os._exit(code)
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        elapsed = time.monotonic() - start
        if done:
            code = os.waitstatus_to_exitcode(status)
            return ("passed" if code == 0 else "failed"), elapsed
        if elapsed > timeout_s:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            return "timeout", elapsed
        time.sleep(0.05)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--packages", default=",".join(PACKAGE_TESTS), help="comma-separated")
    parser.add_argument("--sample", type=int, default=40, help="mutants per package (0: all)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout-factor", type=float, default=3.0)
    parser.add_argument(
        "--timeout",
        type=float,
        help="a fixed per-mutant timeout [s]; skips the unmutated baseline run (faster, but does "
        "not check that the tests pass before mutating)",
    )
    parser.add_argument("--curated", action="store_true", help="run the hand-written mistakes")
    parser.add_argument("--list-survivors", action="store_true")
    parser.add_argument("--list-only", action="store_true", help="count mutants, run nothing")
    parser.add_argument(
        "--only",
        type=Path,
        help="run only the mutants listed in this file (lines 'module:line: description', as "
        "--list-survivors prints them): e.g. re-test the survivors after adding tests",
    )
    options = parser.parse_args(argv)
    packages = [p.strip() for p in options.packages.split(",") if p.strip()]
    unknown = sorted(set(packages) - set(PACKAGE_TESTS))
    if unknown:
        parser.error(f"unknown package(s) {unknown}; choose from {sorted(PACKAGE_TESTS)}")

    if options.curated:
        chosen, stale = curated_mutants()
        chosen = [m for m in chosen if m.package in packages]
        for line in stale:
            print(f"stale curated mutation (skipped): {line}")
    else:
        chosen = []
        for package in packages:
            modules = sorted(
                str(p.relative_to(PACKAGE_DIR))
                for p in (PACKAGE_DIR / package).glob("*.py")
                if p.name != "__init__.py"
            )
            every = [m for module in modules for m in generate(module)]
            rng = random.Random(f"{options.seed}:{package}")
            n = len(every) if options.sample <= 0 else min(options.sample, len(every))
            picked = sorted(rng.sample(every, n), key=lambda m: (m.module, m.line))
            print(f"{package}: {len(every)} mutants, running {n}")
            chosen.extend(picked)
    if options.only is not None:
        wanted = _listed(options.only)
        chosen = [m for m in chosen if (m.module, m.line, m.description) in wanted]
        print(f"--only: {len(chosen)} of the {len(wanted)} listed mutants found")
    if options.list_only:
        for m in chosen:
            print(f"{m.module}:{m.line}: {m.description}")
        return 0

    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            __import__(name)

    outcome: dict[str, dict[str, int]] = {}
    survivors: list[Mutant] = []
    equivalent: list[tuple[Mutant, str]] = []
    with tempfile.TemporaryDirectory(prefix="hashtide-mutation-") as tmp:
        copy_src = Path(tmp) / "src"
        shutil.copytree(SRC, copy_src, ignore=shutil.ignore_patterns("__pycache__"))
        baseline: dict[str, float] = {}
        for module in sorted({m.module for m in chosen}):
            key = " ".join(tests_for(module))
            if options.timeout is not None:
                baseline[key] = (options.timeout - 10.0) / options.timeout_factor
                continue
            if key in baseline:
                continue
            status, elapsed = run_tests(copy_src, tests_for(module), timeout_s=900.0)
            if status != "passed":
                print(f"the unmutated tests fail for {module}: {tests_for(module)}")
                return 1
            baseline[key] = elapsed
        for i, mutant in enumerate(chosen, 1):
            target = copy_src / "hashtide" / mutant.module
            original = PACKAGE_DIR / mutant.module
            tests = tests_for(mutant.module)
            limit = options.timeout_factor * baseline[" ".join(tests)] + 10.0
            source = mutant.build()
            if source is None:
                print(f"[{i}/{len(chosen)}] not valid Python, skipped: {mutant.description}")
                continue
            target.write_text(source, encoding="utf-8")
            try:
                status, elapsed = run_tests(copy_src, tests, limit)
            finally:
                shutil.copy2(original, target)
            verdict = {"failed": "killed", "passed": "survived", "timeout": "timeout"}[status]
            reason = EQUIVALENT.get(mutant.key) or EQUIVALENT.get(("*", *mutant.key[1:]))
            if verdict == "survived" and reason is not None:
                verdict = "equivalent"
                equivalent.append((mutant, reason))
            elif verdict == "survived":
                survivors.append(mutant)
            counts = outcome.setdefault(mutant.package, {})
            counts[verdict] = counts.get(verdict, 0) + 1
            print(
                f"[{i}/{len(chosen)}] {verdict:10s} {elapsed:5.1f}s "
                f"{mutant.module}:{mutant.line}: {mutant.description}",
                flush=True,
            )

    print()
    print(
        f"{'package':12s} {'mutants':>7s} {'killed':>6s} {'timeout':>7s} {'survived':>8s} "
        f"{'equiv.':>6s} {'score':>6s}"
    )
    total = {"killed": 0, "timeout": 0, "survived": 0, "equivalent": 0}
    for package in packages:
        counts = outcome.get(package, {})
        for k in total:
            total[k] += counts.get(k, 0)
        _row(package, counts)
    _row("all", total)
    if options.list_survivors:
        print("\nsurvivors:")
        for m in survivors:
            print(
                f"  src/hashtide/{m.module}:{m.line}: {m.description}   | {m.original_line.strip()}"
            )
        if equivalent:
            print("\njudged equivalent:")
            for m, reason in equivalent:
                print(f"  src/hashtide/{m.module}:{m.line}: {m.description} — {reason}")
    return 0


def _listed(path: Path) -> set[tuple[str, int, str]]:
    """(module, line, description) of each 'module:line: description' line of ``path``."""
    out = set()
    for raw in path.read_text(encoding="utf-8").splitlines():
        text = raw.strip().split("   |")[0].split(" — ")[0].removeprefix("src/hashtide/")
        where, _, description = text.partition(": ")
        module, _, line = where.rpartition(":")
        if module.endswith(".py") and line.isdigit() and description:
            out.add((module, int(line), description.strip()))
    return out


def _row(name: str, counts: dict[str, int]) -> None:
    killed = counts.get("killed", 0) + counts.get("timeout", 0)
    counted = killed + counts.get("survived", 0)
    score = f"{killed / counted:.0%}" if counted else "-"
    print(
        f"{name:12s} {counted + counts.get('equivalent', 0):7d} {counts.get('killed', 0):6d} "
        f"{counts.get('timeout', 0):7d} {counts.get('survived', 0):8d} "
        f"{counts.get('equivalent', 0):6d} {score:>6s}"
    )


if __name__ == "__main__":
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")
    sys.exit(main())
