"""Tests for simulator.figures.run: the figures of a finished run are written from its files."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.image import imread

from simulator.api import start_run
from simulator.errors import UserError
from simulator.figures import run as plots
from simulator.figures.run import run_figure, run_figures
from simulator.scenario.load import load_scenario

SCENARIO = Path(__file__).parent / "data" / "two_party.yaml"
NAMES = ("levels", "events", "outcomes", "agreement", "positions", "threats")
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


def test_agreement_funnel_reads_the_zone_paths(run_dir: Path) -> None:
    """The funnel's bars are the summary's zone paths: held, the zone, each loss, and the deals."""
    summary = json.loads((run_dir / "summary.json").read_text())
    ev = {k: v["p"] for k, v in summary["events"].items()}
    fig = run_figure(run_dir, "agreement")
    funnel = fig.axes[0]
    widths = [bar.get_width() for bar in funnel.patches]
    held = 1 - ev["zone_path.no_talks"]
    zone = held - ev["zone_path.no_zone"]
    losses = [ev[f"zone_path.{e}"] for e in ("ratification", "hazard", "walkout", "deadline", "impasse")]
    assert widths == pytest.approx([held, zone, *losses, ev["agreement.any"]])
    assert zone - sum(losses) == pytest.approx(ev["agreement.any"])  # the funnel adds up
    labels = [t.get_text() for t in funnel.get_yticklabels()]
    assert labels[0] == "talks held" and labels[-1] == "agreed"
    # The rounds panel: shares of the agreements, adding up to 1.
    shares = [bar.get_height() for bar in fig.axes[1].patches]
    assert sum(shares) == pytest.approx(1.0)


@pytest.mark.slow
def test_no_agreement_funnel_where_the_protocol_records_no_paths(tmp_path: Path) -> None:
    out = make_run(tmp_path / "st", ["protocol.kind=single_text"], runs=300)
    paths = run_figures(out)
    assert out / "figures" / "agreement.png" not in paths
    with pytest.raises(UserError, match="no figure 'agreement' for this run: this run's talks protocol"):
        run_figure(out, "agreement")


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
    # Copy the run and drop the threats from its resolved scenario: no threats panel is drawn.
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
    # No threats, no threats panel: an empty panel would read as a forecast of nothing.
    assert not (out / "figures" / "threats.png").exists()
    assert len(paths) == len(NAMES) - 1
    with pytest.raises(UserError, match="no figure 'threats' for this run: this scenario has no threats"):
        run_figure(out, "threats")


def _texts(fig: object) -> list[str]:
    """Every text drawn on a figure (axes texts, tick labels, legend entries and titles)."""
    from matplotlib.text import Text

    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]  # type: ignore[attr-defined]


def test_certain_by_construction_is_drawn_as_a_fact(tmp_path: Path) -> None:
    # Beta may only stay away: its absence is a fact of the scenario, not a forecast.
    out = make_run(tmp_path / "run", NO_TALKS, runs=300)
    levels = " ".join(_texts(run_figure(out, "levels")))
    assert "absent, certain by construction" in levels
    events = run_figure(out, "events")
    words = _texts(events)
    assert "0%, certain by construction" in words
    # Its row carries no 95% whiskers: only the uncertain rows are error bars.
    from matplotlib.container import ErrorbarContainer

    bars = [
        c for c in events.axes[0].containers if isinstance(c, ErrorbarContainer) and len(c[0].get_xdata())
    ]
    rows = [t for t in events.axes[0].get_yticklabels() if t.get_text()]
    assert 0 < len(bars) < len(rows)


def test_levels_figure_skipped_when_every_level_is_settled(run_dir: Path) -> None:
    summary = json.loads((run_dir / "summary.json").read_text())
    scenario = load_scenario(run_dir / "scenario.resolved.yaml", check_sources=False)
    assert plots.no_subject("levels", summary, scenario) is None
    # Every party sends one level in every world (as in a DEU III proposal): nothing to show.
    for pid in scenario.parties:
        for level in ("absent", "official", "minister", "leader"):
            count = summary["runs"] if level == "official" else 0
            summary["events"][f"level.{pid}.{level}"] = {"p": count / summary["runs"], "count": count}
    assert plots.no_subject("levels", summary, scenario) == (
        "every party's delegation level is the same in every world"
    )


def test_long_party_labels_do_not_run_into_the_next_row(tmp_path: Path) -> None:
    """A long official name wraps to three lines and its role adds a fourth: each row is as tall
    as its label needs (the trade scenario's mediator once overlapped the observer below it)."""
    trade = Path(__file__).parent / "data" / "three_party_trade.yaml"
    out = tmp_path / "trade"
    start_run(load_scenario(trade), out, runs=300, seed=0, figures=False)
    fig = run_figure(out, "levels")
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in fig.axes[0].get_yticklabels()]
    assert max(b.height for b in boxes) > 1.9 * min(b.height for b in boxes)  # four lines against two
    for upper, lower in itertools.pairwise(boxes):  # top to bottom (y grows upward)
        assert lower.y1 <= upper.y0 + 0.5, (upper, lower)
