"""The dashboard's speed (issue #23): time to first chart after start, and a 20,000-world what-if.

Prints:
- time from starting ``negsim dashboard`` to the Scenario page's chart drawn in a real browser
  (Debian's chromium through Playwright, headless);
- a 20,000-world what-if through the page's API (``session.whatif``, what the What if tab runs),
  wall and CPU time, median of 5 after one warm-up (the unchanged scenario's worlds are then
  cached, as in the page), with the load average (the machine is shared: wall time under load
  is CPU time stretched by the other processes);
- the same what-if end to end in the browser, from the click to the table on screen.

Run from the repository root: ``python benchmarks/bench_dashboard.py`` (about a minute).
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
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


def api_whatif() -> None:
    from simulator.dashboard import session

    path = ROOT / "scenarios" / "istanbul_2025.yaml"
    session.whatif(path, ["protocol.rounds=2"], runs=20_000, seed=0)  # warm-up: imports, cache
    walls, cpus = [], []
    for i in range(5):
        t, c = time.perf_counter(), time.process_time()
        session.whatif(path, [f"parties.russia.attendance.legitimacy_cost={0.1 * i:g}"], runs=20_000, seed=0)
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    print(
        f"20,000-world what-if (API): wall {statistics.median(walls):.2f} s, CPU "
        f"{statistics.median(cpus):.2f} s (median of 5), load average {os.getloadavg()[0]:.1f}"
    )


def browser() -> None:
    from playwright.sync_api import sync_playwright

    t0 = time.perf_counter()
    code = "import sys; from simulator.cli import main; sys.exit(main())"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "dashboard"], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        url = re.search(r"http://\S+/", proc.stdout.readline())[0]  # type: ignore[index]
        with sync_playwright() as pw:
            b = pw.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            pg = b.new_page()
            pg.set_default_timeout(300_000)
            while True:
                try:
                    pg.goto(url, timeout=300_000)
                    break
                except Exception:
                    time.sleep(0.2)
            pg.get_by_test_id("picture").wait_for()
            print(
                f"time to first chart after start: {time.perf_counter() - t0:.1f} s "
                f"(load average {os.getloadavg()[0]:.1f})"
            )
            pg.get_by_role("tab", name="What if").click()
            times = []
            for v in ("0", "0.2", "0.4"):
                for name, text in (
                    ("whatif-path", "parties.russia.attendance.legitimacy_cost"),
                    ("whatif-value", v),
                ):
                    pg.locator(f".{name} input").fill(text)
                    pg.locator(f".{name} input").press("Enter")
                t = time.perf_counter()
                pg.get_by_role("button", name="Apply and compare").click()
                pg.get_by_test_id("whatif-command").filter(has_text=f"legitimacy_cost={v} ").wait_for()
                times.append(time.perf_counter() - t)
            print(
                "20,000-world what-if in the browser, click to table: "
                + ", ".join(f"{x:.1f} s" for x in times)
                + " (the first one plays the unchanged scenario too)"
            )
            b.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    browser()
    api_whatif()
