"""The dashboard end to end in a real browser: Debian's chromium driven by Python playwright.

One dashboard server (``hashtide dashboard``, a subprocess) serves every test. The tests load
every page, run a scenario from the page until its charts are drawn, upload bad files and read
the errors, and download a run's files. Screenshots go to ``out/screenshots/`` (git-ignored),
or to the folder ``HASHTIDE_SCREENSHOTS`` names: ``HASHTIDE_SCREENSHOTS=docs/img`` refreshes the
ones the README shows. Small path counts keep the whole file to well under a minute of runs.

In CI (``CI`` set) these tests never skip: a missing chromium or playwright fails them.
Elsewhere they skip when /usr/bin/chromium is not installed.
"""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(os.environ.get("HASHTIDE_SCREENSHOTS") or REPO / "out" / "screenshots")
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
#: Long enough for a cold server on a busy 2-core machine; the runs here take seconds.
TIMEOUT_MS = 120_000

pytestmark = pytest.mark.slow


def _need_browser() -> None:
    in_ci = bool(os.environ.get("CI"))
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        if in_ci:
            pytest.fail("playwright is not installed (./scripts/setup.sh installs it)")
        pytest.skip("playwright is not installed")
    if not CHROMIUM.exists():
        if in_ci:
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs it (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _need_browser()
    port = _free_port()
    work = tmp_path_factory.mktemp("dashboard-work")
    log = (work / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-c", "from hashtide.cli.main import main; main()", "dashboard",
         "--port", str(port), "--scenarios", str(REPO / "scenarios"), "--work-dir", str(work)],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=REPO,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(url + "/", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.close()
                text = (work / "server.log").read_text(errors="replace")
                pytest.fail(f"the dashboard did not start:\n{text[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory, server: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")  # a fresh user-data-dir
    downloads = tmp_path_factory.mktemp("downloads")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            args=ARGS,
            headless=True,
            accept_downloads=True,
            downloads_path=str(downloads),
            viewport={"width": 1400, "height": 1000},
        )
        context.set_default_timeout(TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    page.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"dashboard-{name}.png"), full_page=True)


def _no_callback_error(page: Any) -> None:
    """Dash shows a failed callback in its error overlay only in debug mode; the server's
    500 answers are caught by the page fixture's checks on visible content instead."""
    assert page.locator(".dash-fe-error__title").count() == 0


def _choose(page: Any, dropdown: str, option: str) -> None:
    page.click(f"#{dropdown}")
    page.get_by_role("option", name=option, exact=True).click()


def test_every_page_loads(page: Any, server: str) -> None:
    checks = {
        "/": ("#state-levers input", "State program"),
        "/bans": ("#bans-table td", "Bans and replays"),
        "/hidden": ("#hidden-upload", "Hidden mining"),
        "/chain": ("#graph-chain .main-svg", "Chain"),
        "/compare": ("#compare-left", "Compare runs"),
    }
    for path, (selector, heading) in checks.items():
        page.goto(server + path)
        page.wait_for_selector(selector)
        assert page.locator("h2").first.inner_text() == heading
        _no_callback_error(page)
    # the chain page: every retarget checked agrees with Bitcoin Core's rule (chain verify)
    page.goto(server + "/chain")
    page.wait_for_selector("#graph-chain .main-svg")
    assert "All checked retargets agree" in page.locator("#chain-verify").inner_text()
    _shot(page, "chain")
    page.goto(server + "/bans")
    page.wait_for_selector("#bans-table td")
    # the three provincial bans of scenarios/china-2021-ban.yaml, as written there
    assert page.locator("#bans-table").inner_text().count("22 %") == 3


def test_state_program_run_draws_charts_and_downloads(
    page: Any, server: str, tmp_path: Path
) -> None:
    page.goto(server + "/")
    page.wait_for_selector("#state-levers input")
    _choose(page, "state-scenario", "single-site-miner")
    page.wait_for_selector("text=hydro-cooled container site")
    page.get_by_label("elasticity").check()
    page.fill("#state-paths", "20")
    page.press("#state-paths", "Enter")
    page.click("#state-run")
    page.wait_for_selector("#charts .js-plotly-plot .main-svg")
    headline = page.locator("#run-headline").inner_text()
    # the file's 3 years from 2026-07-01 and the 20 paths typed above
    assert "single-site-miner" in headline
    assert "3 years from 2026-07-01, 20 paths" in headline
    for key in ("share", "btc", "cash", "energy"):
        assert page.locator(f"#graph-{key} .main-svg").count() >= 1
    _no_callback_error(page)
    _shot(page, "state")
    with page.expect_download() as waiting:
        page.click("#download-summary-csv")
    rows = list(csv.DictReader(io.StringIO(Path(waiting.value.path()).read_text())))
    # one variant, '6 MW' in the file; the summary table on the page shows the same machines
    assert [r["variant"] for r in rows] == ["6 MW"]
    with page.expect_download() as waiting:
        page.click("#download-summary-json")
    summary = json.loads(Path(waiting.value.path()).read_text())
    assert (summary["paths"], summary["network_response"]) == (20, "elasticity")
    # the page runs what 'hashtide run' runs: the same file with the same response and paths,
    # run by the CLI, gives the same figures (same seed: the file's)
    text = (REPO / "scenarios" / "single-site-miner.yaml").read_text(encoding="utf-8")
    assert text.count("response: market") == 1
    copy = tmp_path / "single-site-miner.yaml"
    copy.write_text(text.replace("response: market", "response: elasticity"), encoding="utf-8")
    cli = subprocess.run(
        [sys.executable, "-c", "from hashtide.cli.main import main; main()", "run", str(copy),
         "--paths", "20", "--json", "--no-report"],
        capture_output=True, text=True, check=True, cwd=tmp_path,
    )  # fmt: skip
    direct = json.loads(cli.stdout)
    assert summary["variants"][0]["btc_per_year"] == direct["variants"][0]["btc_per_year"]
    with page.expect_download() as waiting:
        page.click("#download-report-html")
    assert "<html" in Path(waiting.value.path()).read_text()[:500].lower()


def test_bad_uploads_show_the_error_and_run_nothing(page: Any, server: str) -> None:
    page.goto(server + "/")
    page.wait_for_selector("#state-levers input")
    bad = (
        (REPO / "scenarios" / "single-site-miner.yaml")
        .read_text()
        .replace("power_price:", "power_prise:")
    )
    page.set_input_files(
        "#state-upload input[type=file]",
        files=[{"name": "typo.yaml", "mimeType": "application/x-yaml", "buffer": bad.encode()}],
    )
    problem = page.locator("#state-upload-status .problem")
    problem.wait_for()
    text = problem.inner_text()
    assert "typo.yaml was not accepted" in text
    assert "did you mean 'power_price'" in text  # the CLI's own message (hashtide validate)
    assert text.count("typo.yaml") == 2  # the message names the upload, not the server's copy
    assert "uploads" not in text
    from playwright.sync_api import expect

    expect(page.locator("#state-levers")).to_contain_text("Choose or upload a scenario")
    _shot(page, "bad-upload")
    # a meter without readings: the screen's reader lists the problem, nothing is ranked
    page.goto(server + "/hidden")
    page.wait_for_selector("#hidden-upload")
    page.set_input_files(
        "#hidden-upload input[type=file]",
        files=[{"name": "empty.csv", "mimeType": "text/csv", "buffer": b"timestamp,power_kw\n"}],
    )
    problem = page.locator("#hidden-status .problem")
    problem.wait_for()
    assert "empty" in problem.inner_text()
    assert page.locator("#hidden-ranked td").count() == 0


def test_hidden_mining_screen_detail_and_classify(page: Any, server: str) -> None:
    page.goto(server + "/hidden")
    page.click("#hidden-example")
    page.wait_for_selector("#hidden-ranked td")
    first = page.locator("#hidden-ranked tbody tr").nth(1).inner_text()
    # the screen's own doctest (regulation/screening.py) ranks this injected fleet first
    assert "lab_b33_hidden_s19jpro" in first
    page.locator("#hidden-ranked input[type=radio]").first.check()
    page.wait_for_selector("#graph-meter .main-svg")
    assert "lab_b33_hidden_s19jpro" in page.locator("#hidden-detail h4").first.inner_text()
    page.click("#hidden-classify")
    page.wait_for_selector("#hidden-decisions-table td")
    assert page.locator("#hidden-decisions details").count() >= 1
    page.locator("#hidden-decisions summary").first.click()
    trail = page.locator("#hidden-decisions pre.audit").first
    trail.wait_for()
    assert "fired" in trail.inner_text()  # the rule that decided it, with its clauses
    _shot(page, "hidden")


def test_ban_replay_edit_rerun_and_compare(page: Any, server: str) -> None:
    from playwright.sync_api import expect

    page.goto(server + "/bans")
    page.wait_for_selector("#bans-table td")
    page.fill("#bans-paths", "1")
    page.click("#bans-run")
    page.wait_for_selector("#replay-scores li")
    page.wait_for_selector("#graph-difficulty .main-svg")
    assert page.locator(".js-plotly-plot").count() >= 2
    assert "Largest difficulty drop" in page.locator("#replay-scores").inner_text()
    _shot(page, "bans")
    first = page.locator("#replay-scores").inner_text()
    # edit the first ban: stop 36 % → 30 %, relocate 22 % → 28 % (shares still add to 100 %)
    for column, value in (("stop", "30 %"), ("relocate", "28 %")):
        cell = page.locator(f'#bans-table td[data-dash-column="{column}"]').first
        cell.click()
        page.keyboard.type(value)
        page.keyboard.press("Enter")
    expect(page.locator("#bans-table")).to_contain_text("30 %")
    page.click("#bans-run")
    expect(page.locator("#replay-scores")).not_to_have_text(first)
    # an edit that breaks the file's rules is refused with the scenario's own message
    cell = page.locator('#bans-table td[data-dash-column="covert"]').first
    cell.click()
    page.keyboard.type("90 %")
    page.keyboard.press("Enter")
    page.click("#bans-run")
    expect(page.locator("#bans-results .problem")).to_contain_text("events[1]")
    page.goto(server + "/compare")
    page.wait_for_selector("#compare-left-body h3")
    page.wait_for_selector("#compare-right-body h3")
    _shot(page, "compare")


def test_a_run_can_be_cancelled(page: Any, server: str) -> None:
    from playwright.sync_api import expect

    page.goto(server + "/")
    page.wait_for_selector("#state-levers input")
    # us-state-reserve (the default) on the world market: about 10 s at its 100 paths since the
    # compiled market day (a run could finish before the click), minutes at 3,000: cancelled here
    expect(page.locator("#state-scenario")).to_contain_text("us-state-reserve")
    page.fill("#state-paths", "3000")
    page.press("#state-paths", "Enter")
    page.click("#state-run")
    expect(page.locator("#state-cancel")).to_be_enabled()
    expect(page.locator("#state-run")).to_be_disabled()
    page.click("#state-cancel")
    expect(page.locator("#state-run")).to_be_enabled()
    expect(page.locator("#state-cancel")).to_be_disabled()
    page.wait_for_timeout(1000)
    assert page.locator("#run-headline").count() == 0  # nothing came back
