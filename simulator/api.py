"""The Python API a notebook or script uses: run a scenario, get its results as an object.

The engine (:mod:`simulator.engine.rundir`) writes a run's numbers and never imports what draws
them; this module joins the two: it hands the run folder the figures as its ``on_finished`` hook
and names the figure files an ``overwrite`` removes. ``negsim run``, notebooks and scripts call
it. :func:`run` returns a :class:`Results` (a :class:`~simulator.engine.rundir.RunOutput` that
also reads its folder on demand): ``.summary`` is the ``summary.json`` document, ``.worlds`` a
pandas DataFrame with levels and outcomes as named categories, ``.events`` one row per event, and
``.plot.<figure>()`` draws one of the run's figures. :func:`open_run` does the same for a folder
an earlier run (or ``negsim run``) wrote.

Example:
    >>> from simulator import run
    >>> results = run("istanbul_2025", runs=500, seed=0, figures=False)
    >>> results.summary["runs"]
    500
    >>> results.worlds["level.russia"].cat.categories.tolist()
    ['absent', 'official', 'minister', 'leader']
    >>> results.p("talks.direct") == results.summary["events"]["talks.direct"]["p"]
    True
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.engine import rundir
from simulator.engine.rundir import WORLDS, RunOutput, read_summary
from simulator.errors import UserError
from simulator.figures.names import FIGURE_FILES, FOLDER
from simulator.scenario.load import load_scenario
from simulator.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["Plots", "Results", "RunOutput", "draw", "open_run", "resume", "run", "start_run"]


def draw(out: Path) -> list[Path]:
    """Draw the figures of the finished run in ``out`` into ``out/figures/``; the paths written."""
    from simulator.figures.run import run_figures  # matplotlib only when figures are drawn

    return run_figures(out)


class Plots:
    """The figures of one run, each drawn on demand as a matplotlib ``Figure``.

    ``results.plot.levels()`` (delegation levels), ``.events()`` (key events), ``.outcomes()``,
    ``.agreement()`` (where the chance of agreement went, under ``offers``), ``.positions()``
    (final positions against red lines) and ``.threats()``; a model average also
    has ``.protocols()``, a campaign ``.campaign()`` and ``.meetings()``. In a notebook the figure
    shows itself; ``fig.savefig(path)`` writes it.
    """

    def __init__(self, out: Path) -> None:
        self._out = out

    def __call__(self, name: str) -> Figure:
        """The figure called ``name`` (``results.plot("levels")`` = ``results.plot.levels()``)."""
        from simulator.figures.run import run_figure

        return run_figure(self._out, name)

    def levels(self) -> Figure:
        """Which delegation level each party sends, as shares of worlds."""
        return self("levels")

    def events(self) -> Figure:
        """The key events' probabilities with their 95% intervals."""
        return self("events")

    def outcomes(self) -> Figure:
        """How the talks end, as shares of worlds."""
        return self("outcomes")

    def agreement(self) -> Figure:
        """Where the chance of agreement went: the zone at the start, the losses, the round of the deals."""
        return self("agreement")

    def positions(self) -> Figure:
        """The principals' final positions on each issue against their red lines."""
        return self("positions")

    def threats(self) -> Figure:
        """How often each threat is carried out."""
        return self("threats")

    def protocols(self) -> Figure:
        """A model average's members side by side (only for a run with more than one protocol)."""
        return self("protocols")

    def campaign(self) -> Figure:
        """A campaign's key events against the date (only for a campaign)."""
        return self("campaign")

    def meetings(self) -> Figure:
        """A campaign's meetings held (only for a campaign)."""
        return self("meetings")

    def pair(self, x: str, y: str, event: str) -> Figure:
        """Two drawn parameters (``--set`` paths) against each other, each bin coloured by the
        share of its worlds where ``event`` happens; axes and colours scaled to the data.

        Example:
            >>> results.plot.pair("parties.russia.outside_option",
            ...                   "parties.russia.positions.ceasefire.red_line",
            ...                   "agreement.ceasefire")  # doctest: +SKIP
        """
        from simulator.figures.pairs import run_pair_figure

        return run_pair_figure(self._out, x, y, event)


@dataclass(repr=False)
class Results(RunOutput):
    """A finished run: where its files are and its summary, and its folder read on demand.

    Attributes:
        out: The run's output folder (a temporary one unless ``out`` was given to :func:`run`).
        summary: The ``summary.json`` document, as a dict (format: ``docs/output-format.md``).
        figures: The PNG files drawn into ``out/figures/`` (empty with ``figures=False``).
        plot: Draws any of the run's figures: ``results.plot.levels()`` and the rest (:class:`Plots`).
    """

    def __post_init__(self) -> None:
        self.out = Path(self.out)
        self.plot = Plots(self.out)

    @classmethod
    def of(cls, output: RunOutput) -> Results:
        """The results of a run the engine reported as a plain :class:`RunOutput`."""
        return cls(output.out, output.summary, list(output.figures), output.figure_error)

    def __repr__(self) -> str:
        s = self.summary
        return f"<Results {s['scenario']['name']!r}: {s['runs']:,} worlds, seed {s['seed']}, in {self.out}>"

    def p(self, key: str) -> float:
        """The probability of one event (``"talks.direct"``, ``"agreement.ceasefire"``, ...)."""
        events = self.summary["events"]
        if key not in events:
            import difflib

            close = difflib.get_close_matches(key, list(events), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise KeyError(f"no event '{key}' in this run{hint}")
        return float(events[key]["p"])

    @cached_property
    def events(self) -> pd.DataFrame:
        """One row per event key: ``p``, the Wilson 95% interval ``lo`` and ``hi``, and ``count``."""
        import pandas as pd

        rows = {
            k: {"p": e["p"], "lo": e["ci95"][0], "hi": e["ci95"][1], "count": e.get("count")}
            for k, e in self.summary["events"].items()
        }
        frame = pd.DataFrame.from_dict(rows, orient="index")
        frame.index.name = "event"
        return frame

    @cached_property
    def worlds(self) -> pd.DataFrame:
        """One row per world (``worlds.parquet``): drawn parameters, levels, flags, positions and
        outcome. Levels and the outcome are categoricals with their names (``"leader"``,
        ``"collapse"``) in their natural order, not integer codes."""
        import pandas as pd

        path = self.out / WORLDS
        if not path.is_file():
            raise UserError(f"{self.out}: no {WORLDS} here")
        return pd.read_parquet(path)

    @cached_property
    def scenario(self) -> Scenario:
        """The scenario exactly as run (``scenario.resolved.yaml``, checked against the summary)."""
        return rundir.read_scenario(self.out, self.summary["scenario"]["sha256"])


def run(
    scenario: str | Path | Scenario = "istanbul_2025",
    out: str | Path | None = None,
    *,
    runs: int = 10_000,
    seed: int = 0,
    figures: bool = True,
    overrides: Sequence[str] = (),
    as_of: str | None = None,
    workers: int = 1,
    **options: Any,
) -> Results:
    """Run a scenario's ensemble (as ``negsim run`` does), then draw its figures; its :class:`Results`.

    Args:
        scenario: A shipped scenario's name, a scenario file, or a loaded :class:`Scenario`.
        out: The output folder (fresh, or ``overwrite=True``); by default a new temporary folder
            (``results.out`` says which).
        runs: How many worlds.
        seed: The root seed: the same scenario, seed and runs give the same numbers.
        figures: Draw the PNG figures into ``out/figures/`` (``results.plot`` draws any figure on
            demand either way).
        overrides: ``KEY=VALUE`` strings, as ``--set`` (with a name or a file).
        as_of: Forecast as of this date, as ``--as-of`` (with a name or a file).
        workers: Local worker processes when no ``executor`` is given (1: this process, the usual
            choice in a notebook).
        options: Go to :func:`simulator.engine.rundir.start_run` (``executor``, ``chunk_size``,
            ``overwrite``, ``agents``, ``progress``).

    Raises:
        UserError: A bad scenario, override, seed or folder (a :class:`~simulator.ScenarioError`
            lists located problems).
    """
    if isinstance(scenario, Scenario):
        if overrides or as_of:
            raise UserError("overrides and as_of apply to a scenario name or file, not a loaded Scenario")
        loaded = scenario
    else:
        loaded = load_scenario(scenario, overrides, as_of=as_of)
    if out is None:
        out = tempfile.mkdtemp(prefix="negsim-run-")
        options["overwrite"] = True  # the empty folder just made
    hook = draw if figures else None
    if "executor" in options or workers <= 1:
        done = rundir.start_run(
            loaded, Path(out), runs=runs, seed=seed, on_finished=hook, outputs=FIGURE_FILES, **options
        )
        return Results.of(done)
    from simulator.engine.executors import local_executor

    executor = local_executor(workers)
    try:
        done = rundir.start_run(
            loaded,
            Path(out),
            runs=runs,
            seed=seed,
            on_finished=hook,
            outputs=FIGURE_FILES,
            executor=executor,
            **options,
        )
    finally:
        if executor is not None:
            executor.shutdown()
    return Results.of(done)


def start_run(
    scenario: Scenario, out: Path, *, runs: int, seed: int, figures: bool = True, **options: Any
) -> Results:
    """:func:`run` under its earlier name (``runs`` and ``seed`` required), kept for scripts."""
    return run(scenario, out, runs=runs, seed=seed, figures=figures, **options)


def resume(out: str | Path, *, figures: bool | None = None, **options: Any) -> Results:
    """Finish the interrupted run in ``out``; ``figures`` None draws them if the run was started
    with them. ``options`` go to :func:`simulator.engine.rundir.resume_run`."""
    out = Path(out)
    wanted = rundir.started_with_hook(out) if figures is None else figures
    hook = draw if wanted else None
    return Results.of(rundir.resume_run(out, on_finished=hook, outputs=FIGURE_FILES, **options))


def open_run(folder: str | Path) -> Results:
    """The :class:`Results` of a run folder written earlier (by :func:`run` or ``negsim run``)."""
    path = Path(folder)
    summary = read_summary(path)  # a one-line message if this is no finished run's folder
    drawn = sorted((path / FOLDER).glob("*.png"))
    return Results(path, summary, drawn)
