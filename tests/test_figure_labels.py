"""The sweep and timeline figures name parameters and events in the scenario's words
(``simulator.scenario.labels``), not by their dotted paths alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from matplotlib.figure import Figure

from simulator.analysis.sweep import ParamRange, SweepResult
from simulator.cli import main
from simulator.figures.sweep import pairs_figure, sweep_figure
from simulator.figures.timeline import timeline_figure
from simulator.scenario.load import load_scenario
from simulator.scenario.schema import Scenario

TWO_PARTY = Path(__file__).parent / "data" / "two_party.yaml"
X = "parties.alpha.positions.ceasefire.red_line"
Y = "parties.beta.outside_option"
EVENT = "agreement.ceasefire"


def table(xs: list[float], ys: list[float]) -> pa.Table:
    p = np.linspace(0.1, 0.9, len(xs))
    return pa.table({X: xs, Y: ys, EVENT: p, f"ci95_lo:{EVENT}": p - 0.05, f"ci95_hi:{EVENT}": p + 0.05})


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(TWO_PARTY, check_sources=False)


def test_the_two_parameter_heat_map_names_its_axes_in_words(scenario: Scenario) -> None:
    ranges = [ParamRange(X, 0.3, 0.5, 2, "x"), ParamRange(Y, 0.2, 0.4, 2, "y")]
    fig = sweep_figure(
        table([0.3, 0.3, 0.5, 0.5], [0.2, 0.4, 0.2, 0.4]),
        ranges,
        [EVENT],
        name="t",
        runs=10,
        lhs=False,
        scenario=scenario,
    )
    ax = fig.axes[0]
    assert ax.get_xlabel() == f"Alpha: Ceasefire red line\n({X})"
    assert ax.get_ylabel().startswith("Beta: outside option")
    assert ax.get_title() == "Ceasefire agreed"
    # Without the scenario the paths stay (a SweepResult read back on its own has no names).
    bare = sweep_figure(
        table([0.3, 0.3, 0.5, 0.5], [0.2, 0.4, 0.2, 0.4]), ranges, [EVENT], name="t", runs=10, lhs=False
    )
    assert bare.axes[0].get_xlabel() == X


def test_the_lhs_views_name_their_axes_in_words(scenario: Scenario) -> None:
    rng = np.random.default_rng(0)
    xs, ys = list(rng.uniform(0.3, 0.5, 40)), list(rng.uniform(0.2, 0.4, 40))
    ranges = (ParamRange(X, 0.3, 0.5, None, "x"), ParamRange(Y, 0.2, 0.4, None, "y"))
    result = SweepResult(table(xs, ys), ranges, tuple(zip(xs, ys, strict=True)), (EVENT,), "t", 10, True)
    pair = pairs_figure(result, [EVENT], scenario)
    assert pair is not None
    assert pair.axes[0].get_xlabel().startswith("Alpha: Ceasefire red line")
    assert "Beta: outside option" in pair.axes[0].get_ylabel()
    scatter = sweep_figure(result.table, ranges, [EVENT], name="t", runs=10, lhs=True, scenario=scenario)
    assert scatter.axes[0].get_xlabel().startswith("Alpha: Ceasefire red line")


def test_the_timeline_legend_names_events_in_words(scenario: Scenario) -> None:
    rows = [{"p": 0.2, "ci95": [0.1, 0.3]}, {"p": 0.4, "ci95": [0.3, 0.5]}]
    keys = [EVENT, "attend.alpha"]
    doc = {
        "scenario": {"name": "Two-party test"},
        "runs": 100,
        "dates": ["2025-05-01", "2025-05-02"],
        "key_events": keys,
        "events": dict.fromkeys(keys, rows),
    }
    labels = [ln.get_label() for ln in timeline_figure(doc, scenario=scenario).axes[0].get_lines()]
    assert labels == ["Ceasefire agreed", "Alpha attends"]


@pytest.mark.slow
def test_negsim_sweep_draws_its_axes_in_words(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[Figure] = []
    original = Figure.savefig

    def keep(self: Figure, *args: object, **kwargs: object) -> None:
        drawn.append(self)
        original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Figure, "savefig", keep)
    args = ["sweep", str(TWO_PARTY), "--param", f"{X}=0.3:0.5:2", "--param", f"{Y}=0.2:0.4:2"]
    assert main([*args, "--runs", "20", "--workers", "1", "--out", str(tmp_path / "s")]) == 0
    assert drawn and drawn[0].axes[0].get_xlabel() == f"Alpha: Ceasefire red line\n({X})"
