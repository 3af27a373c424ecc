"""The dashboard in a real browser (Debian's chromium, driven by Playwright; issue #23).

``negsim dashboard`` is started as a user would (a subprocess on loopback and a free port) with an
imported DEU III proposal as its first scenario; the test opens every page, runs a forecast,
makes a what-if and checks its numbers against ``negsim compare`` for the same seed and worlds,
types a bad value and sees the located message (the last result staying on screen), opens a
scenario written from scratch and the campaign, and fails on a blank page or any browser console
error. Screenshots of each page go to ``tests/artifacts/dashboard/`` (git-ignored).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from simulator.cli import main

ROOT = Path(__file__).parents[1]
ARTIFACTS = Path(__file__).parent / "artifacts" / "dashboard"
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SLOW = 180_000  # ms: the machine is shared, a cold start can take a while

pytestmark = pytest.mark.slow

if not CHROMIUM.is_file() or not os.access(CHROMIUM, os.X_OK):
    if os.environ.get("CI"):
        raise RuntimeError("CI must have /usr/bin/chromium: .ci/setup installs Debian's chromium")
    pytest.skip("no /usr/bin/chromium here (bash .ci/setup installs it)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="bash .ci/setup installs playwright")


@pytest.fixture(scope="module")
def deu(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("deu") / "deu3"
    assert main(["import", "deu3", str(ROOT / "tests" / "data" / "deu3_slice.tsv"), "--out", str(out)]) == 0
    return sorted(out.glob("*.yaml"))[0]


@pytest.fixture(scope="module")
def server(deu: Path) -> Iterator[str]:
    code = "import sys; from simulator.cli import main; sys.exit(main())"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "dashboard", str(deu)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert m, f"no address printed: {line!r} {proc.stderr.read() if proc.poll() is not None else ''}"
        url = m[0]
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(url, timeout=10).read()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "the dashboard did not start"
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[Any]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        pg = context.new_page()
        pg.set_default_timeout(SLOW)
        errors: list[str] = []
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.errors = errors
        pg.goto(server, timeout=SLOW)
        pg.get_by_role("tab", name="Scenario").wait_for()
        yield pg
        browser.close()


def shot(pg: Any, name: str) -> None:
    """Screenshot the page; fail on a blank page, a server error box or a console error."""
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    body = pg.inner_text("body")
    assert len(body.strip()) > 100, f"{name}: the page is blank"
    assert "internal error" not in body and "Traceback" not in body, f"{name}: {body[:2000]}"
    assert not pg.errors, f"{name}: browser console errors: {pg.errors}"


def tab(pg: Any, name: str) -> None:
    pg.get_by_role("tab", name=name).click()


def fill(pg: Any, name: str, text: str) -> None:
    """Type into the text field the app marks with the class ``name``, then press Enter."""
    box = pg.locator(f".{name} input").filter(visible=True).first
    box.fill(text)
    box.press("Enter")


def open_scenario(pg: Any, text: str) -> None:
    fill(pg, "scenario-path", text)
    pg.get_by_role("tab", name="Scenario").click()


def test_every_page_in_a_real_browser(page: Any, deu: Path, tmp_path: Path) -> None:
    pg = page
    # Scenario (an imported DEU III proposal, opened at start): no threat panel where none exists.
    pg.get_by_test_id("parameters").wait_for()
    assert "Threats:" not in pg.inner_text("body")
    shot(pg, "1-scenario-deu3")

    # A scenario written from scratch.
    open_scenario(pg, "tests/data/two_party.yaml")
    pg.get_by_text("Two-party test").first.wait_for()
    shot(pg, "2-scenario-two-party")

    # The baseline: Forecast.
    open_scenario(pg, "istanbul_2025")
    pg.get_by_text("Istanbul").first.wait_for()
    shot(pg, "3-scenario")
    tab(pg, "Forecast")
    fill(pg, "forecast-worlds", "2000")
    pg.get_by_role("button", name="Run forecast").click()
    pg.get_by_test_id("forecast-chart").wait_for()
    assert pg.locator("[data-testid=forecast-chart] title").count() > 5  # hoverable values
    shot(pg, "4-forecast")

    # What if: Putin no longer pays for Zelensky's legitimacy; the numbers are `negsim compare`'s
    # for the same seed and worlds.
    tab(pg, "What if")
    fill(pg, "whatif-path", "parties.russia.attendance.legitimacy_cost")
    fill(pg, "whatif-value", "0")
    pg.get_by_role("button", name="Apply and compare").click()
    pg.get_by_test_id("whatif-table").wait_for()
    table = pg.get_by_test_id("whatif-table").inner_text()
    out = tmp_path / "cmp"
    path = "scenarios/istanbul_2025.yaml"
    assert (
        main(
            [
                "compare",
                str(ROOT / path),
                str(ROOT / path),
                "--set-b",
                "parties.russia.attendance.legitimacy_cost=0",
                "--runs",
                "20000",
                "--seed",
                "0",
                "--out",
                str(out),
                "--workers",
                "1",
            ]
        )
        == 0
    )
    doc = json.loads((out / "comparison.json").read_text())
    e = doc["events"]["talks.leaders"]
    row = next(line for line in table.splitlines() if line.startswith("talks.leaders"))
    assert f"{e['a']:.1%}" in row and f"{e['b']:.1%}" in row and f"{100 * e['diff']:+.1f}pt" in row
    assert e["diff"] > 0 and row.rstrip().endswith("*")  # the number moved, significantly
    assert (
        "--set-b parties.russia.attendance.legitimacy_cost=0"
        in pg.get_by_test_id("whatif-command").inner_text()
    )
    shot(pg, "5-whatif")

    # A bad value: the located message, and the last good result stays.
    fill(pg, "whatif-value", "triangular(0.9, 0.1)")
    pg.get_by_role("button", name="Apply and compare").click()
    err = pg.get_by_test_id("whatif-error")
    err.wait_for()
    assert re.search(r"--set-b\[1\]:1:\d+: ", err.inner_text()), err.inner_text()
    assert pg.get_by_test_id("whatif-table").inner_text() == table
    shot(pg, "6-whatif-bad-value")

    # Drivers, computed on request at its stated cost.
    tab(pg, "Drivers")
    fill(pg, "drivers-n", "2")
    pg.get_by_role("button", name="Compute").click()
    pg.locator("[data-testid^=drivers-chart]").first.wait_for()
    assert pg.get_by_test_id("drivers-error").count() == 0
    shot(pg, "7-drivers")

    # Downloads of what is on screen.
    tab(pg, "Downloads")
    pg.get_by_text("summary.json").first.wait_for()
    shot(pg, "8-downloads")

    # Over time: the campaign's P(event by date) with bands.
    open_scenario(pg, "istanbul_2025_campaign")
    tab(pg, "Over time")
    fill(pg, "campaign-worlds", "1000")
    pg.get_by_role("button", name="Run the campaign").click()
    pg.get_by_test_id("campaign-chart").wait_for()
    assert pg.locator("[data-testid=campaign-chart] circle title").count() > 3
    shot(pg, "9-over-time")


def test_a_second_tab_does_not_share_state(server: str, page: Any) -> None:
    open_scenario(page, "istanbul_2025_campaign")
    page.get_by_text("campaign").first.wait_for()
    other = page.context.new_page()
    other.set_default_timeout(SLOW)
    other.goto(server, timeout=SLOW)
    other.get_by_role("tab", name="What if").click()
    other.get_by_text("Pick a parameter").wait_for(timeout=SLOW)
    assert other.get_by_test_id("whatif-table").count() == 0  # the first tab's result is not here
    assert other.locator(".scenario-path input").input_value().endswith(".yaml")  # not the campaign
    assert page.locator(".scenario-path input").input_value() == "istanbul_2025_campaign"
    other.close()
