"""Tests for simulator.figures.run: the figures of a finished run are written from its files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from matplotlib.image import imread

from simulator.api import start_run
from simulator.figures import run as plots
from simulator.figures.run import run_figures
from simulator.scenario.load import load_scenario

SCENARIO = Path(__file__).parent / "data" / "two_party.yaml"
NAMES = ("levels", "events", "outcomes", "positions", "threats")
NO_TALKS = ["parties.beta.attendance.levels=[absent]", "parties.beta.attendance.initial.level=absent"]


def make_run(out: Path, overrides: list[str] | None = None, runs: int = 2000) -> Path:
    """Run the two-party scenario into ``out`` without figures and return ``out``."""
    start_run(load_scenario(SCENARIO, overrides or []), out, runs=runs, seed=0, figures=False)
    return out


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished 2,000-world run of the two-party scenario (no figures yet)."""
    return make_run(tmp_path_factory.mktemp("plots") / "run")


def check_png(path: Path, min_width: int = 600) -> None:
    """``path`` is a PNG of a reasonable size."""
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    height, width = imread(path).shape[:2]
    assert width >= min_width and height >= 300


@pytest.mark.slow
def test_run_figures_writes_every_figure(run_dir: Path) -> None:
    paths = run_figures(run_dir)
    assert paths == [run_dir / "figures" / f"{name}.png" for name in NAMES]
    for path in paths:
        check_png(path)
    # Written atomically: no temporary files are left beside the figures.
    assert sorted(p.name for p in (run_dir / "figures").iterdir()) == sorted(p.name for p in paths)


@pytest.mark.slow
def test_run_figures_twice_replaces_the_figures(run_dir: Path) -> None:
    first = run_figures(run_dir)
    stamps = [p.stat().st_mtime_ns for p in first]
    second = run_figures(run_dir)
    assert first == second
    assert all(p.stat().st_mtime_ns >= t for p, t in zip(second, stamps, strict=True))


def test_sample_reads_evenly_spaced_rows_across_row_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "w.parquet"
    pq.write_table(pa.table({"world": np.arange(10_000)}), path, row_group_size=777)
    monkeypatch.setattr(plots, "MAX_SAMPLE", 1000)
    world = plots._sample(path, ["world", "missing"])["world"]
    assert len(world) == 1000
    assert set(np.diff(world)) == {10}


@pytest.mark.slow
def test_positions_written_when_no_world_held_talks(tmp_path: Path) -> None:
    out = make_run(tmp_path / "run", NO_TALKS, runs=300)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["events"]["talks.direct"]["count"] == 0
    paths = run_figures(out)
    assert out / "figures" / "positions.png" in paths
    for path in paths:
        check_png(path)


@pytest.mark.slow
def test_scenario_without_threats(run_dir: Path, tmp_path: Path) -> None:
    # Copy the run and drop the threats from its resolved scenario: threats.png says so in text.
    out = tmp_path / "copy"
    out.mkdir()
    for name in ("summary.json", "worlds.parquet", "scenario.resolved.yaml"):
        (out / name).write_bytes((run_dir / name).read_bytes())
    data = yaml.safe_load((out / "scenario.resolved.yaml").read_text())
    data["threats"] = {}
    (out / "scenario.resolved.yaml").write_text(yaml.safe_dump(data))
    # The summary must name the scenario beside it (readers check it): as if run without threats.
    summary = json.loads((out / "summary.json").read_text())
    summary["scenario"]["sha256"] = load_scenario(
        out / "scenario.resolved.yaml", check_sources=False
    ).sha256()
    (out / "summary.json").write_text(json.dumps(summary))
    paths = run_figures(out)
    check_png(out / "figures" / "threats.png")
    assert len(paths) == len(NAMES)
