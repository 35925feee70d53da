"""Dashboard speed: first page interactive, and a run from the page against the same run by the
CLI (targets: first page interactive < 3 s; a 1,000-path state-program run from the page within
the CLI's time + 1 s).

Starts ``hashtide dashboard`` in a subprocess and drives Debian's chromium with playwright.

- **first page**: a fresh browser context opens ``/`` until the levers of the default scenario
  are filled in and the Run button is enabled (the page can be used), ``--loads`` times.
- **run**: on the State program page, ``single-site-miner`` with the given response model and
  paths: from the click on Run until every chart of the report is drawn; against the wall-clock
  time of ``hashtide run FILE --paths N`` (a fresh process, which also writes the report and
  tables, as the page does). ``--runs`` times each, alternating.

Prints medians (and ranges), then one JSON line. On a machine shared with other work the
wall-clock times measure the others' load too: compare the page and the CLI of the same round.

Usage: ``python benchmarks/dashboard.py [--loads 5] [--runs 3] [--paths 1000]
[--response elasticity] [--market-paths 20]``
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HASHTIDE = [sys.executable, "-c", "from hashtide.cli.main import main; main()"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(work: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    process = subprocess.Popen(
        [*HASHTIDE, "dashboard", "--port", str(port), "--scenarios", str(REPO / "scenarios"),
         "--work-dir", str(work)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/", timeout=2):
                return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the dashboard did not start")


def first_page(browser: Any, url: str) -> float:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    t0 = time.perf_counter()
    page.goto(url + "/")
    page.wait_for_selector("#state-levers input")
    page.wait_for_selector("#state-run:not([disabled])")
    took = time.perf_counter() - t0
    context.close()
    return took


def page_run(browser: Any, url: str, response: str, paths: int) -> float:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(1_800_000)
    page = context.new_page()
    page.goto(url + "/")
    page.wait_for_selector("#state-levers input")
    page.click("#state-scenario")
    page.get_by_role("option", name="single-site-miner", exact=True).click()
    page.wait_for_selector("text=hydro-cooled container site")
    page.get_by_label(response).check()
    page.fill("#state-paths", str(paths))
    page.press("#state-paths", "Enter")
    page.wait_for_timeout(300)  # let the typed value reach the page's state
    t0 = time.perf_counter()
    page.click("#state-run")
    for key in ("share", "btc", "cash", "energy"):
        page.wait_for_selector(f"#graph-{key} .main-svg")
    took = time.perf_counter() - t0
    context.close()
    return took


def cli_run(scenario: Path, paths: int, out: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [*HASHTIDE, "run", str(scenario), "--paths", str(paths), "--out", str(out)],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO,
    )  # fmt: skip
    return time.perf_counter() - t0


def _median(values: list[float]) -> str:
    low, high = min(values), max(values)
    return f"{statistics.median(values):.2f} s (range {low:.2f}–{high:.2f}, n={len(values)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--paths", type=int, default=1000)
    parser.add_argument("--response", default="elasticity")
    parser.add_argument("--market-paths", type=int, default=0,
                        help="also time a world-market run of this many paths (0: no)")  # fmt: skip
    options = parser.parse_args()
    from playwright.sync_api import sync_playwright

    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        text = (REPO / "scenarios" / "single-site-miner.yaml").read_text(encoding="utf-8")
        process, url = _start(work / "server")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                first_page(browser, url)  # the server's first request warms nothing else
                loads = [first_page(browser, url) for _ in range(options.loads)]
                print(f"first page interactive: {_median(loads)}")
                figures["first_page_s"] = statistics.median(loads)
                cases = [(options.response, options.paths)]
                if options.market_paths:
                    cases.append(("market", options.market_paths))
                for response, paths in cases:
                    scenario = work / f"single-site-{response}.yaml"
                    scenario.write_text(
                        text.replace("response: market", f"response: {response}"),
                        encoding="utf-8",
                    )
                    page_s, cli_s = [], []
                    for i in range(options.runs):
                        page_s.append(page_run(browser, url, response, paths))
                        cli_s.append(cli_run(scenario, paths, work / f"cli-{response}-{i}"))
                    extra = [a - b for a, b in zip(page_s, cli_s, strict=True)]
                    name = f"single-site-miner, {response}, {paths:,} paths"
                    print(
                        f"{name}: page {_median(page_s)}; CLI {_median(cli_s)}; "
                        f"page - CLI per round: median {statistics.median(extra):+.2f} s"
                    )
                    figures[f"{response}_{paths}"] = {
                        "page_s": statistics.median(page_s),
                        "cli_s": statistics.median(cli_s),
                        "page_minus_cli_s": statistics.median(extra),
                    }
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=20)
    figures["cpus"] = os.cpu_count()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
