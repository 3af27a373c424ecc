"""Throughput of a campaign in one process: worlds per second for a 10-meeting campaign.

Run from the repository root::

    python benchmarks/bench_campaign.py            # 10^5 worlds per case (about half a minute)
    python benchmarks/bench_campaign.py --quick    # 2x10^4 worlds, to check it works

Cases: the shipped ``istanbul_2025_campaign.yaml`` (meetings drawn from a hazard), and the same
scenario with ten dated meetings two weeks apart (every world still in the campaign holds all ten:
the worst case), each under ``offers`` (the default protocol; a fifth of the worlds, being the
slower) and under ``single_text`` (``--set protocol.kind=single_text``). ``run_ensemble``
without an output folder (the model and the tallies), chunks of 10,000 worlds, after a warm-up
chunk; wall-clock and CPU time (worlds per CPU-second: what a free core gives), with the load
average before and after. Target (issues #15, #19): at least 20,000 worlds/s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from pathlib import Path

import numpy as np

from simulator.engine.ensemble import run_ensemble
from simulator.scenario.load import load_scenario
from simulator.scenario.schema import Scenario

ROOT = Path(__file__).parents[1]
CAMPAIGN = ROOT / "scenarios" / "istanbul_2025_campaign.yaml"


def ten_dated_meetings(base: Scenario) -> Scenario:
    """The campaign with ten dated meetings, two weeks apart from its start."""
    data = base.model_dump(mode="json", exclude_none=True)
    start = dt.date.fromisoformat(data["campaign"]["start"])
    data["campaign"].pop("next_meeting")
    data["campaign"]["meetings"] = [
        {"date": (start + dt.timedelta(weeks=2 * k)).isoformat()} for k in range(10)
    ]
    data["campaign"]["max_meetings"] = 10
    return Scenario.model_validate(data)


def measure(scenario: Scenario, worlds: int) -> tuple[float, float, float]:
    """Worlds per second (wall, CPU) and the mean number of meetings held."""
    run_ensemble(scenario, runs=min(10_000, worlds), seed=99)  # warm-up
    t, c = time.perf_counter(), time.process_time()
    result = run_ensemble(scenario, runs=worlds, seed=0)
    wall, cpu = worlds / (time.perf_counter() - t), worlds / (time.process_time() - c)
    counts = result.tally.counts
    mean = sum(k * counts.get(f"meetings.count.{k}", 0) for k in range(11)) / result.tally.n
    return wall, cpu, mean


def with_protocol(scenario: Scenario, kind: str) -> Scenario:
    data = scenario.model_dump(mode="json", exclude_none=True)
    data["protocol"]["kind"] = kind
    return Scenario.model_validate(data)


def load_note(when: str) -> str:
    return f"load average {when}: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    worlds = 20_000 if ap.parse_args().quick else 100_000
    base = load_scenario(CAMPAIGN)
    print(load_note("before"))
    print(f"{'case':<48} {'worlds':>8} {'worlds/s':>10} {'per CPU-s':>10} {'meetings (mean)':>16}")
    cases = []
    for kind, n in (("offers", worlds // 5), ("single_text", worlds)):
        hazard = with_protocol(base, kind)
        cases.append((f"istanbul_2025_campaign (hazard), {kind}", hazard, n))
        cases.append((f"ten dated meetings, {kind}", ten_dated_meetings(hazard), n))
    for name, sc, n in cases:
        wall, cpu, mean = measure(sc, n)
        print(f"{name:<48} {n:>8,} {wall:>10,.0f} {cpu:>10,.0f} {mean:>16.2f}", flush=True)
    print(load_note("after"))
    np.seterr(all="ignore")


if __name__ == "__main__":
    main()
