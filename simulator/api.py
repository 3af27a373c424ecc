"""The Python API a notebook or script uses: run a scenario, get its results as an object.

The command line writes a run folder (``summary.json``, ``worlds.parquet``, figures); this module
does the same run and hands back a :class:`Results` that reads that folder on demand:
``.summary`` is the ``summary.json`` document, ``.worlds`` a pandas DataFrame with levels and
outcomes as named categories, ``.events`` one row per event, and ``.plot.<figure>()`` draws one
of the run's figures. :func:`open_run` does the same for a folder an earlier run (or ``negsim
run``) wrote.

Example:
    >>> from simulator import run
    >>> results = run("istanbul_2025", runs=500, seed=0)
    >>> results.summary["runs"]
    500
    >>> results.worlds["level.russia"].cat.categories.tolist()
    ['absent', 'official', 'minister', 'leader']
    >>> round(results.p("talks.direct"), 2) == round(results.summary["events"]["talks.direct"]["p"], 2)
    True
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.engine.rundir import FIGURES, RESOLVED, SUMMARY, WORLDS, read_summary, start_run
from simulator.errors import UserError
from simulator.scenario.load import load_scenario
from simulator.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure


class Plots:
    """The figures of one run, each drawn on demand as a matplotlib ``Figure``.

    ``results.plot.levels()`` (delegation levels), ``.events()`` (key events), ``.outcomes()``,
    ``.positions()`` (final positions against red lines) and ``.threats()``; a model average also
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


class Results:
    """A finished run, read from its output folder on demand.

    Attributes:
        out: The run's output folder (a temporary one unless ``out=`` was given to :func:`run`).
        summary: The ``summary.json`` document, as a dict (format: ``docs/output-format.md``).
        plot: The run's figures: ``results.plot.levels()`` and the rest (see :class:`Plots`).
    """

    def __init__(self, out: Path, summary: dict[str, Any] | None = None) -> None:
        self.out = Path(out)
        self.summary: dict[str, Any] = summary if summary is not None else read_summary(self.out)
        self.plot = Plots(self.out)

    def __repr__(self) -> str:
        name = self.summary["scenario"]["name"]
        return (
            f"<Results {name!r}: {self.summary['runs']:,} worlds, seed {self.summary['seed']}, in {self.out}>"
        )

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
        """The scenario exactly as run (``scenario.resolved.yaml``)."""
        return load_scenario(self.out / RESOLVED, check_sources=False)

    @property
    def figures(self) -> list[Path]:
        """The PNG files already drawn into the run's ``figures/`` folder."""
        return sorted((self.out / FIGURES).glob("*.png"))


def run(
    scenario: str | Path | Scenario = "istanbul_2025",
    *,
    runs: int = 10_000,
    seed: int = 0,
    overrides: Sequence[str] = (),
    out: str | Path | None = None,
    workers: int = 1,
    figures: bool = False,
    as_of: str | None = None,
    overwrite: bool = False,
) -> Results:
    """Run a scenario's ensemble (as ``negsim run`` does) and return its :class:`Results`.

    Args:
        scenario: A shipped scenario's name, a scenario file, or a loaded :class:`Scenario`.
        runs: How many worlds.
        seed: The root seed: the same scenario, seed and runs give the same numbers.
        overrides: ``KEY=VALUE`` strings, as ``--set`` (only with a name or a file).
        out: The output folder; by default a new temporary folder (``results.out`` says which).
        workers: Local worker processes (1: run in this process, the usual choice in a notebook).
        figures: Also write the PNG figures into ``out/figures/`` (``results.plot`` draws any
            figure on demand either way).
        as_of: Forecast as of this date, as ``--as-of`` (only with a name or a file).
        overwrite: Replace an earlier run in ``out``.

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
    folder = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix="negsim-run-"))
    from simulator.engine.executors import local_executor

    executor = local_executor(workers)
    try:
        done = start_run(
            loaded,
            folder,
            runs=runs,
            seed=seed,
            executor=executor,
            figures=figures,
            overwrite=overwrite or out is None,
        )
    finally:
        if executor is not None:
            executor.shutdown()
    return Results(done.out, done.summary)


def open_run(folder: str | Path) -> Results:
    """The :class:`Results` of a run folder written earlier (by :func:`run` or ``negsim run``)."""
    path = Path(folder)
    if not (path / SUMMARY).is_file():
        read_summary(path)  # raises the usual one-line message
    return Results(path)
