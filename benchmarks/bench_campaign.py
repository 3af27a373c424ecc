"""Throughput of a campaign in one process: worlds per second for a 10-meeting campaign.

Run from the repository root::

    python benchmarks/bench_campaign.py            # 10^5 worlds per case (about half a minute)
    python benchmarks/bench_campaign.py --quick    # 2x10^4 worlds, to check it works

Cases: the shipped ``istanbul_2025_campaign.yaml`` (meetings drawn from a hazard), and the same
scenario with ten dated meetings two weeks apart (every world still in the campaign holds all ten:
the worst case). ``run_ensemble`` without an output folder (the model and the tallies), chunks of
10,000 worlds, after a warm-up chunk. Target (issue #15): at least 20,000 worlds/s.
"""

from __future__ import annotations

import argparse
import datetime as dt
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


def measure(scenario: Scenario, worlds: int) -> tuple[float, float]:
    run_ensemble(scenario, runs=10_000, seed=99)  # warm-up
    t = time.perf_counter()
    result = run_ensemble(scenario, runs=worlds, seed=0)
    rate = worlds / (time.perf_counter() - t)
    counts = result.tally.counts
    mean = sum(k * counts.get(f"meetings.count.{k}", 0) for k in range(11)) / result.tally.n
    return rate, mean


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    worlds = 20_000 if ap.parse_args().quick else 100_000
    base = load_scenario(CAMPAIGN)
    print(f"{'case':<40} {'worlds/s':>10} {'meetings held (mean)':>22}")
    for name, sc in (
        ("istanbul_2025_campaign (hazard)", base),
        ("ten dated meetings", ten_dated_meetings(base)),
    ):
        rate, mean = measure(sc, worlds)
        print(f"{name:<40} {rate:>10,.0f} {mean:>22.2f}")
    np.seterr(all="ignore")


if __name__ == "__main__":
    main()
