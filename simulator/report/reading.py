"""Reading the folders a report is made of: a run (summary, resolved scenario) and JSON files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.errors import UserError
from simulator.scenario.load import load_scenario
from simulator.scenario.schema import Scenario

RESOLVED = "scenario.resolved.yaml"


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
    if not (path / "summary.json").is_file():
        other = [f for f in ("comparison.json", "sensitivity.json", "sweep.parquet") if (path / f).is_file()]
        hint = f"; it holds {other[0]}: give it after a run folder" if other else ""
        raise UserError(f"{path}: not a run folder (no summary.json{hint})")
    summary = _read_json(path / "summary.json")
    if not isinstance(summary.get("events"), dict):
        raise UserError(f"{path / 'summary.json'}: not a run summary (no 'events')")
    if not (path / RESOLVED).is_file():
        raise UserError(f"{path}: {RESOLVED} is missing, so the scenario as run is unknown")
    return Run(path, summary, load_scenario(path / RESOLVED, check_sources=False))


def _read_json(file: Path) -> dict[str, Any]:
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{file}: not valid JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise UserError(f"{file}: expected a JSON object")
    return doc
