"""Ensembles: chunk plan and seeds, mergeable tallies, the run folder's contract, a golden summary."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from simulator.api import start_run
from simulator.engine.chunks import chunk_seed, plan
from simulator.engine.ensemble import run_ensemble, simulate_chunk
from simulator.engine.tally import Tally, wilson
from simulator.scenario.load import load_scenario
from simulator.scenario.schema import LEVELS
from tests.conftest import ROOT, two_party

GOLDEN = Path(__file__).parent / "golden" / "istanbul_2025_seed0_n4000.json"
BASELINE = ROOT / "scenarios" / "istanbul_2025.yaml"


def test_plan_covers_every_world_once():
    chunks = plan(25_001, 10_000)
    assert [(c.start, c.size) for c in chunks] == [(0, 10_000), (10_000, 10_000), (20_000, 5_001)]
    assert [c.index for c in chunks] == [0, 1, 2]


def test_chunk_seed_is_the_spawned_child():
    child = np.random.SeedSequence(5).spawn(4)[3]
    assert chunk_seed(5, 3).generate_state(4).tolist() == child.generate_state(4).tolist()


def test_tally_merge_equals_tally_of_the_union(scenario):
    a = simulate_chunk(scenario, 1, plan(2000, 1000)[0])
    b = simulate_chunk(scenario, 1, plan(2000, 1000)[1])
    both = {k: np.concatenate([a[k], b[k]]) for k in a}
    merged = Tally.of(scenario, a).merge(Tally.of(scenario, b))
    whole = Tally.of(scenario, both)
    assert merged.n == whole.n == 2000
    assert merged.counts == whole.counts
    assert merged.sketches.keys() == whole.sketches.keys()
    assert all(np.array_equal(merged.sketches[k], whole.sketches[k]) for k in whole.sketches)
    assert Tally.from_json(merged.to_json()) == merged


def test_the_same_seed_and_chunk_size_give_the_same_worlds():
    """A run is fixed by its seed and chunk size (chunk k draws from the seed's k-th child, which is
    why summary.json records the chunk size); another seed gives other worlds."""
    s = two_party()
    small = run_ensemble(s, runs=3000, seed=4, chunk_size=1000).tally
    again = run_ensemble(s, runs=3000, seed=4, chunk_size=1000).tally
    other_seed = run_ensemble(s, runs=3000, seed=5, chunk_size=1000).tally
    assert small.counts == again.counts
    assert small.counts != other_seed.counts


def test_wilson_interval_brackets_the_share():
    lo, hi = wilson(30, 100)
    assert lo < 0.3 < hi
    assert wilson(0, 50)[0] == 0.0 and wilson(50, 50)[1] == 1.0


def test_run_folder_follows_the_contract(tmp_path):
    out = tmp_path / "run"
    start_run(two_party(), out, runs=2500, seed=3, chunk_size=1000, figures=False)
    assert sorted(p.name for p in out.iterdir()) == [
        "scenario.resolved.yaml",
        "summary.json",
        "worlds.parquet",
    ]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["runs"] == 2500 and summary["seed"] == 3
    assert len(summary["scenario"]["sha256"]) == 64
    ev = summary["events"]
    s = two_party()
    required = ["talks.direct", "talks.leaders", "agreement.any"]
    required += [f"attend.{p}" for p in s.parties] + [f"sanctions.{p}" for p in s.parties]
    required += [f"agreement.{i}" for i in s.issues]
    assert all(k in ev for k in required)
    for pid in s.parties:
        assert sum(ev[f"level.{pid}.{lv.value}"]["p"] for lv in LEVELS) == pytest.approx(1.0, abs=1e-5)
    outcomes = [v["p"] for k, v in ev.items() if k.startswith("outcome.")]
    assert sum(outcomes) == pytest.approx(1.0, abs=1e-5)
    for v in ev.values():
        assert 0 <= v["ci95"][0] <= v["p"] <= v["ci95"][1] <= 1
    table = pq.read_table(out / "worlds.parquet")
    assert table.num_rows == 2500
    assert table.column("world").to_pylist() == list(range(2500))
    assert set(table.column("level.alpha").to_pylist()) <= {lv.value for lv in LEVELS}
    resolved = load_scenario(out / "scenario.resolved.yaml")  # loads, quotes and all
    assert resolved.sha256() == summary["scenario"]["sha256"]


def test_golden_summary_of_the_baseline(tmp_path):
    """A small seeded run of the baseline; refresh on purpose with NEGSIM_REFRESH_GOLDEN=1."""
    out = tmp_path / "golden"
    summary = start_run(load_scenario(BASELINE), out, runs=4000, seed=0, figures=False).summary
    events = {k: v["p"] for k, v in summary["events"].items()}
    if os.environ.get("NEGSIM_REFRESH_GOLDEN"):
        GOLDEN.write_text(json.dumps(events, indent=1, sort_keys=True) + "\n")
    assert events == json.loads(GOLDEN.read_text())
