"""Property tests for every input surface (issue #15): random mutations of the shipped files.

A mutated scenario, market scenario, facilities file, rule pack, meter CSV or headers file must
end in a result or a clean :class:`~hashtide.errors.HashtideError` — never another exception,
never a hang (each example runs under an alarm). The example count comes from the Hypothesis
profile (``tests/conftest.py``: ``ci`` by default, ``HASHTIDE_HYPOTHESIS=thorough`` locally).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import signal
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from hashtide.chain.headers import read_headers
from hashtide.errors import HashtideError
from hashtide.market.scenario import load_market_scenario
from hashtide.regulation import example_path, load_pack, read_meter_csv
from hashtide.regulation.facilities import load_facilities
from hashtide.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
DATA = example_path("facilities.yaml").parent
HANG_S = 20  # far above any single load (milliseconds); only a hang reaches it


@contextlib.contextmanager
def hang_guard(seconds: int = HANG_S) -> Iterator[None]:
    """Fail the example (TimeoutError) if it runs longer than ``seconds``."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"no result after {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def ends_cleanly(load: Callable[[Path], object], path: Path) -> None:
    """``load(path)`` returns or raises a HashtideError; anything else fails the test."""
    with hang_guard(), contextlib.suppress(HashtideError):
        load(path)


# --- random values and mutations of a YAML document -----------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "9**9**9 W",
            "10**400 MW",
            "100 %%",
            "5 Th/s",
            "inf BTC",
            ".nan",
            "1e999 GW",
            "2026-13-01",
            "2200-01-01",
            "1500-01-01",
            "-5 GW",
            "0 W",
            "5 GW/s",
            "[/]",
            "{",
            "%",
            "Antminer S99",
            "x" * 500,
            "５ GW",
            "5\u00a0GW",
            "\x00",
            "0x10 W",
            "1_000 W",
        ]
    ),
    st.dates().map(str),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path in a loaded YAML document."""
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _paths(value, (*prefix, index))
    return out


def _parent(document: Any, path: tuple[Any, ...]) -> Any:
    node = document
    for part in path[:-1]:
        node = node[part]
    return node


_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@functools.cache
def _document(source: Path) -> Any:
    return yaml.safe_load(source.read_text(encoding="utf-8"))


#: YAML loads are slow (pure-Python PyYAML, ~50 ms for a rule pack): these tests take a share
#: of the profile's examples (40 of 100 in ``ci``).
YAML_EXAMPLES = max(10, settings().max_examples * 2 // 5)


@st.composite
def mutated_yaml(draw: st.DrawFn, source: Path) -> bytes:
    """``source`` with 1–4 random edits: keys deleted or renamed, values replaced, bytes broken."""
    document = copy.deepcopy(_document(source))
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(document) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = _parent(document, path)
        action = draw(st.sampled_from(["replace", "delete", "rename", "nest", "duplicate"]))
        if action == "replace":
            parent[path[-1]] = draw(values)
        elif action == "delete":
            del parent[path[-1]]
        elif action == "rename" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=12))] = parent.pop(path[-1])
        elif action == "nest":
            parent[path[-1]] = [[[copy.deepcopy(parent[path[-1]])]]]
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
    text = yaml.dump(document, Dumper=_DUMPER, allow_unicode=True, sort_keys=False).encode("utf-8")
    if draw(st.booleans()):  # text-level damage: a line repeated (duplicate key), bytes
        lines = text.split(b"\n")
        index = draw(st.integers(0, max(len(lines) - 1, 0)))
        damage = draw(st.sampled_from(["repeat", "bytes", "cut", "brackets"]))
        if damage == "repeat":
            lines.insert(index, lines[index])
        elif damage == "bytes":
            lines[index] += draw(st.binary(min_size=1, max_size=6))
        elif damage == "cut":
            lines = lines[:index]
        else:
            lines[index] += b" [" * draw(st.integers(1, 3000))
        text = b"\n".join(lines)
    return text


def _check_yaml(source: Path, load: Callable[[Path], object], data: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        if (DATA / "meters").is_dir() and name == "facilities.yaml":
            (Path(folder) / "meters").symlink_to(DATA / "meters")
        ends_cleanly(load, path)


@pytest.mark.parametrize("name", ["us-state-reserve.yaml", "single-site-miner.yaml"])
@settings(max_examples=YAML_EXAMPLES)
@given(data=st.data())
def test_mutated_scenarios_end_cleanly(name: str, data: st.DataObject) -> None:
    source = SCENARIOS / name
    _check_yaml(source, load_scenario, data.draw(mutated_yaml(source)), name)


@settings(max_examples=YAML_EXAMPLES)
@given(data=st.data())
def test_mutated_market_scenario_ends_cleanly(data: st.DataObject) -> None:
    source = SCENARIOS / "china-2021-ban.yaml"
    _check_yaml(source, load_market_scenario, data.draw(mutated_yaml(source)), source.name)


@settings(max_examples=YAML_EXAMPLES)
@given(data=st.data())
def test_mutated_facilities_end_cleanly(data: st.DataObject) -> None:
    source = DATA / "facilities.yaml"
    _check_yaml(source, load_facilities, data.draw(mutated_yaml(source)), source.name)


@pytest.mark.parametrize("name", ["china-ndrc-2021-1283.yaml", "positive-list-example.yaml"])
@settings(max_examples=YAML_EXAMPLES)
@given(data=st.data())
def test_mutated_rule_packs_end_cleanly(name: str, data: st.DataObject) -> None:
    source = DATA / "packs" / name
    _check_yaml(source, load_pack, data.draw(mutated_yaml(source)), name)


# --- meter CSVs ------------------------------------------------------------------------------

METER = example_path("meters/office_b4.csv")
cells = st.one_of(
    st.text(max_size=20),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(
        [
            "",
            "nan",
            "inf",
            "-1",
            "1e400",
            "1500-01-01T00:00:00Z",
            "2019-02-31T00:00:00Z",
            "2019-02-04T00:00:00+05:00",
            "2019-02-04 00:00",
            "9999-12-31T23:59:59Z",
            '"',
            ",,",
        ]
    ),
)


@st.composite
def mutated_meter(draw: st.DrawFn) -> bytes:
    """The example meter CSV with rows dropped, repeated, swapped, cells replaced, bytes broken."""
    lines = METER.read_text(encoding="utf-8").splitlines()
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["cell", "drop", "repeat", "swap", "truncate", "header"]))
        index = draw(st.integers(0, len(lines) - 1)) if lines else 0
        if not lines:
            break
        if action == "cell":
            fields = lines[index].split(",")
            fields[draw(st.integers(0, len(fields) - 1))] = draw(cells)
            lines[index] = ",".join(fields)
        elif action == "drop":
            del lines[index : index + draw(st.integers(1, 500))]
        elif action == "repeat":
            lines.insert(index, lines[index])
        elif action == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
        elif action == "truncate":
            lines = lines[: draw(st.integers(0, 3))]
        else:
            lines[0] = draw(
                st.sampled_from(["time,power", "timestamp", "", "timestamp,power_kw,x"])
            )
    text = "\n".join(lines).encode("utf-8")
    if draw(st.booleans()):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.binary(max_size=8)) + text[at:]
    return text


@given(data=mutated_meter(), zone=st.sampled_from(["UTC", "Europe/London", "Mars/X", ""]))
def test_mutated_meter_csvs_end_cleanly(data: bytes, zone: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "meter.csv"
        path.write_bytes(data)
        ends_cleanly(lambda p: read_meter_csv(p, timezone=zone), path)


# --- block headers ---------------------------------------------------------------------------

# Mainnet blocks 0-2 as serialized headers (the same public headers as tests/test_headers.py).
REAL_3 = bytes.fromhex(
    "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27a"
    "c72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c"
    "010000006fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000982051fd1e4ba744bb"
    "be680e1fee14677ba1a3c3540bf7b1cdb606e857233e0e61bc6649ffff001d01e36299"
    "010000004860eb18bf1b1620e37e9490fc8a427514416fd75159ab86688e9a8300000000d5fdcc541e25de1c7a"
    "5addedf24858b8bb665c9f36ef744ee42c316022c90f9bb0bc6649ffff001d08d2bd61"
)


@given(
    flips=st.lists(st.tuples(st.integers(0, len(REAL_3) - 1), st.integers(1, 255)), max_size=4),
    cut=st.integers(0, len(REAL_3)),
    extra=st.binary(max_size=200),
    start=st.sampled_from([0, 1, 2016, 10**6]),
)
def test_mutated_headers_end_cleanly(
    flips: list[tuple[int, int]], cut: int, extra: bytes, start: int
) -> None:
    raw = bytearray(REAL_3)
    for at, mask in flips:
        raw[at] ^= mask
    data = bytes(raw[:cut]) + extra
    with hang_guard(), contextlib.suppress(HashtideError):
        read_headers(data, start_height=start)
