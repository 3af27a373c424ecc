"""Reading the folders a report is made of: a run (summary, resolved scenario) and JSON files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.engine.rundir import SUMMARY, read_scenario, read_summary
from simulator.errors import UserError, printable
from simulator.scenario.schema import Scenario


@dataclass
class Run:
    """A finished run's folder: its summary and the scenario exactly as run."""

    path: Path
    summary: dict[str, Any]
    scenario: Scenario


def read_run(path: Path) -> Run:
    """Read a run folder, or raise a :class:`UserError` saying what is wrong with it."""
    if not path.is_dir():
        raise UserError(f"{path}: no such folder (give the output folder of `negsim run`)")
    if not (path / SUMMARY).is_file():
        other = [f for f in ("comparison.json", "sensitivity.json", "sweep.parquet") if (path / f).is_file()]
        hint = f"; it holds {other[0]}: give it after a run folder" if other else ""
        raise UserError(printable(f"{path}: not a run folder (no summary.json{hint})"))
    summary = read_summary(path, check_scenario=False)
    scenario = read_scenario(path, (summary.get("scenario") or {}).get("sha256"))
    return Run(path, summary, scenario)
