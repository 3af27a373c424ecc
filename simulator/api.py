"""The one-call public API: run a scenario, then draw its figures.

The engine (:mod:`simulator.engine.rundir`) writes a run's numbers and never imports what draws
them; this module joins the two: it hands the run folder the figures as its ``on_finished`` hook
and names the figure files an ``overwrite`` removes. ``negsim run``, notebooks and scripts call
it; ``simulator.start_run`` is this module's :func:`start_run`.

Example:
    >>> from simulator import load_scenario
    >>> from simulator.api import run
    >>> output = run(load_scenario("scenarios/istanbul_2025.yaml"), "runs/demo", runs=2000)  # doctest: +SKIP
    >>> output.summary["events"]["talks.direct"]["p"], output.figures  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simulator.engine import rundir
from simulator.engine.rundir import RunOutput
from simulator.figures.names import FIGURE_FILES
from simulator.scenario.schema import Scenario

__all__ = ["RunOutput", "draw", "resume", "run", "start_run"]


def draw(out: Path) -> list[Path]:
    """Draw the figures of the finished run in ``out`` into ``out/figures/``; the paths written."""
    from simulator.figures.run import run_figures  # matplotlib only when figures are drawn

    return run_figures(out)


def run(
    scenario: Scenario,
    out: str | Path,
    *,
    runs: int = 10_000,
    seed: int = 0,
    figures: bool = True,
    **options: Any,
) -> RunOutput:
    """Run ``scenario`` into the fresh folder ``out``, then draw its figures (unless ``figures``
    is False). ``options`` go to :func:`simulator.engine.rundir.start_run` (``executor``,
    ``chunk_size``, ``overwrite``, ``agents``, ``progress``)."""
    hook = draw if figures else None
    return rundir.start_run(
        scenario, Path(out), runs=runs, seed=seed, on_finished=hook, outputs=FIGURE_FILES, **options
    )


def start_run(
    scenario: Scenario, out: Path, *, runs: int, seed: int, figures: bool = True, **options: Any
) -> RunOutput:
    """:func:`run` under its earlier name (``runs`` and ``seed`` required), kept for scripts."""
    return run(scenario, out, runs=runs, seed=seed, figures=figures, **options)


def resume(out: str | Path, *, figures: bool | None = None, **options: Any) -> RunOutput:
    """Finish the interrupted run in ``out``; ``figures`` None draws them if the run was started
    with them. ``options`` go to :func:`simulator.engine.rundir.resume_run`."""
    out = Path(out)
    wanted = rundir.started_with_hook(out) if figures is None else figures
    hook = draw if wanted else None
    return rundir.resume_run(out, on_finished=hook, outputs=FIGURE_FILES, **options)
