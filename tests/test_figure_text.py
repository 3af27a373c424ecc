"""Issue #9: no text of any figure negsim writes runs outside the canvas.

Every PNG goes through ``Figure.savefig``; the test wraps it to keep each figure, then draws it
and compares every visible text artist's window extent with the figure's bounding box.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from simulator.cli import main

ROOT = Path(__file__).parents[1]
TWO_PARTY = Path(__file__).parent / "data" / "two_party.yaml"
#: A user-style scenario (long official names, an observer that may only stay away, no threats).
TRADE = Path(__file__).parent / "data" / "three_party_trade.yaml"
#: The DEU III slice the importer tests use (copied into the project, with its provenance there).
DEU_SLICE = Path(__file__).parent / "data" / "deu3_slice.tsv"
SLACK = 1.0  # pixels


def text_outside(fig: Figure) -> list[str]:
    """The texts drawn on ``fig`` that run outside its canvas (tick labels outside the axes' view
    are never drawn, so only texts that are drawn are checked)."""
    drawn: list[Text] = []
    original = Text.draw

    def record(self: Text, renderer: object) -> None:
        original(self, renderer)  # type: ignore[arg-type]
        if self.get_visible() and self.get_text().strip():
            drawn.append(self)

    Text.draw = record  # type: ignore[method-assign]
    try:
        fig.canvas.draw()
    finally:
        Text.draw = original  # type: ignore[method-assign]
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    box = fig.bbox
    bad = []
    for t in drawn:
        bb = t.get_window_extent(renderer)
        if (
            bb.x0 < box.x0 - SLACK
            or bb.y0 < box.y0 - SLACK
            or bb.x1 > box.x1 + SLACK
            or bb.y1 > box.y1 + SLACK
        ):
            bad.append(f"{t.get_text()[:60]!r} at {bb.bounds} outside {box.bounds}")
    return bad


@pytest.fixture
def written(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Figure]]:
    figures: list[tuple[str, Figure]] = []
    original = Figure.savefig

    def keep(self: Figure, fname: object, *args: object, **kwargs: object) -> None:
        figures.append((str(fname), self))
        original(self, fname, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Figure, "savefig", keep)
    return figures


def check(figures: list[tuple[str, Figure]], expected: int) -> None:
    assert len(figures) >= expected
    problems = {name: bad for name, fig in figures if (bad := text_outside(fig))}
    assert not problems, "\n".join(f"{n}: {b}" for n, b in problems.items())


@pytest.mark.slow
@pytest.mark.parametrize(
    ("scenario", "figures"),
    [(str(TWO_PARTY), 6), ("istanbul_2025", 6), (str(TRADE), 5)],  # the trade talks have no threats
)
def test_run_figures(scenario: str, figures: int, tmp_path: Path, written: list[tuple[str, Figure]]) -> None:
    assert main(["run", scenario, "--runs", "2000", "--workers", "1", "--out", str(tmp_path / "r")]) == 0
    check(written, figures)
    assert len(written) == figures
    if scenario == str(TRADE):  # the two-parameter view, with the user's long names in its labels
        from simulator.figures.pairs import run_pair_figure

        x, y = "parties.northland.positions.tariffs.red_line", "parties.southland.positions.tariffs.red_line"
        fig = run_pair_figure(tmp_path / "r", x, y, "agreement.tariffs", box=(0.3, 0.5, 0.4, 0.6))
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)  # as save_figure draws it
        assert not text_outside(fig)


@pytest.mark.slow
def test_deu3_proposal_run_figures(tmp_path: Path, written: list[tuple[str, Figure]]) -> None:
    """A DEU III proposal: seventeen parties, all attending as officials in every world. No
    Istanbul-shaped panels: no threats, no delegation levels (none varies), and what is certain
    drawn as a fact."""
    assert main(["import", "deu3", str(DEU_SLICE), "--out", str(tmp_path / "scen")]) == 0
    proposal = tmp_path / "scen" / "d00032.yaml"
    out = tmp_path / "r"
    assert main(["run", str(proposal), "--runs", "500", "--workers", "1", "--out", str(out)]) == 0
    check(written, 4)
    assert sorted(p.name for p in (out / "figures").iterdir()) == [
        "agreement.png",
        "events.png",
        "outcomes.png",
        "positions.png",
    ]
    events = written[0][1]  # drawn in the order of names.RUN_FIGURES: levels skipped, events first
    labels = [t.get_text() for t in events.axes[0].get_yticklabels()]
    assert "All 17 parties attend" in labels and not any(label.endswith(" attends") for label in labels)


@pytest.mark.slow
def test_deu3_benchmark_figures(tmp_path: Path, written: list[tuple[str, Figure]]) -> None:
    args = ["benchmark", "deu3", str(DEU_SLICE), "--runs", "100", "--out", str(tmp_path / "b")]
    assert main(args) == 0
    check(written, 5)


@pytest.mark.slow
def test_comparison_figure(tmp_path: Path, written: list[tuple[str, Figure]]) -> None:
    args = ["compare", "istanbul_2025", "whatif_putin_attends", "--runs", "2000", "--out", str(tmp_path)]
    assert main([*args, "--workers", "1"]) == 0
    check(written, 1)


@pytest.mark.slow
@pytest.mark.parametrize(
    "extra",
    [
        ["--param", "parties.russia.attendance.leader_cost=0:0.6:4"],
        [
            "--param",
            "parties.russia.attendance.leader_cost=0:0.6:3",
            "--param",
            "protocol.choice_noise=0.02:0.3:3",
        ],
        [
            "--sample",
            "lhs",
            "--n",
            "8",
            "--param",
            "parties.russia.outside_option=0.3:0.8",
            "--param",
            "protocol.choice_noise=0.02:0.3",
        ],
    ],
)
def test_sweep_figures(extra: list[str], tmp_path: Path, written: list[tuple[str, Figure]]) -> None:
    assert main(["sweep", "istanbul_2025", *extra, "--runs", "200", "--out", str(tmp_path)]) == 0
    check(written, 1)


@pytest.mark.slow
@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_sensitivity_figures(method: str, tmp_path: Path, written: list[tuple[str, Figure]]) -> None:
    args = ["sensitivity", "istanbul_2025", "--method", method, "--n", "8", "--replicates", "4"]
    assert main([*args, "--out", str(tmp_path)]) == 0
    check(written, 1)


@pytest.mark.slow
def test_reliability_figures(tmp_path: Path, written: list[tuple[str, Figure]]) -> None:
    for name, seed in (("a", "0"), ("b", "1")):
        assert (
            main(
                [
                    "run",
                    str(TWO_PARTY),
                    "--runs",
                    "500",
                    "--seed",
                    seed,
                    "--no-figures",
                    "--workers",
                    "1",
                    "--out",
                    str(tmp_path / name),
                ]
            )
            == 0
        )
    observed = tmp_path / "observed.yaml"
    keys = [
        "talks.direct",
        "talks.leaders",
        "agreement.any",
        "attend.alpha",
        "attend.beta",
        "level.alpha.leader",
        "level.beta.leader",
        "level.beta.minister",
        "outcome.agreement",
        "outcome.collapse",
    ]
    observed.write_text("".join(f"{k}: {i % 2}\n" for i, k in enumerate(keys)), encoding="utf-8")
    assert main(["score", str(tmp_path / "a"), str(observed)]) == 0
    assert (
        main(
            [
                "score",
                str(tmp_path / "a"),
                str(observed),
                "--against",
                str(tmp_path / "b"),
                "--out",
                str(tmp_path / "both.png"),
            ]
        )
        == 0
    )
    check(written, 2)


def test_discovery_figures(tmp_path: Path, written: list[tuple[str, Figure]]) -> None:
    """Long labels and paths (a user's own names) stay inside both discovery figures."""
    from simulator.analysis.discovery import Box, DiscoveryResult, Limit, Step
    from simulator.figures.discovery import write_figures

    long = "parties.the_federal_republic_of_somewhere.positions.a_very_long_issue_name.red_line"
    limits = (
        Limit(
            long, "The Federal Republic of Somewhere: A very long issue name red line", 0.2, 0.5, (0.0, 1.0)
        ),
        Limit("protocol.choice_noise", "talks: choice noise", 0.03, 0.06, (0.03, 0.1)),
    )
    prim = Box("prim", limits, coverage=0.8, density=0.45, mass=0.05, worlds=500, event_worlds=225)
    cart = Box("cart", limits[:1], coverage=0.7, density=0.25, mass=0.1, worlds=1000, event_worlds=250)
    steps = [Step(1 - i * 0.01, 0.03 + i * 0.02, 1 - i * 0.05, min(i, 2)) for i in range(20)]
    result = DiscoveryResult(
        event="agreement.a_very_long_issue_name",
        label="A very long issue name agreed between every party of the scenario",
        method="prim",
        worlds=10_000,
        event_worlds=281,
        box=prim,
        other=cart,
        trajectory=steps,
        chosen=19,
        labels={lim.path: lim.label for lim in limits},
    )
    paths = write_figures(result, tmp_path)
    assert [p.name for p in paths] == ["discovery_trajectory.png", "discovery_box.png"]
    check(written, 2)
