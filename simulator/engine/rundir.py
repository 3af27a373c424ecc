"""A run on disk: the output folder of ``negsim run`` and how it is started, resumed and finished.

Order of writing: ``scenario.resolved.yaml`` and the manifest first (so an interrupted run knows
what it was), then one part per chunk as chunks finish, then ``summary.json``, ``worlds.parquet``
and ``figures/``; finally the part files are removed. Every file is written atomically.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from simulator import storage
from simulator._version import __version__
from simulator.engine.ensemble import (
    DEFAULT_CHUNK,
    EnsembleResult,
    clean_work,
    merge_parts,
    read_manifest,
    run_ensemble,
    write_manifest,
)
from simulator.engine.tally import summary_dict
from simulator.engine.variant import Agents, agents_from_spec, agents_spec
from simulator.errors import UserError
from simulator.scenario.load import load_scenario
from simulator.scenario.schema import Scenario
from simulator.scenario.yamlsafe import dump_yaml

RESOLVED = "scenario.resolved.yaml"


@dataclass
class RunOutput:
    """Where a finished run's files are, and its summary."""

    out: Path
    summary: dict[str, Any]


def resolved_yaml(scenario: Scenario, out: Path) -> str:
    """The scenario as run, with its seeds folder made relative to the output folder."""
    data = yaml.safe_load(scenario.to_yaml())
    if scenario.seeds_dir is not None:
        data["seeds"] = os.path.relpath(scenario.seeds_dir, out.resolve())
    return dump_yaml(data)


def start_run(
    scenario: Scenario,
    out: Path,
    *,
    runs: int,
    seed: int,
    executor: cf.Executor | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    overwrite: bool = False,
    agents: Agents = None,
    progress: Callable[[int], None] | None = None,
    figures: bool = True,
) -> RunOutput:
    """Run a scenario into a fresh output folder (refusing to clobber an earlier run).

    The agent classes (``agents``) are recorded in the manifest, so ``resume_run`` plays the rest
    of the worlds with the same model variant.
    """
    if out.exists() and any(out.iterdir()) and not overwrite:
        hint = " or finish it with --resume" if read_manifest(out) else ""
        raise UserError(f"{out} already holds files; choose another --out, pass --overwrite{hint}")
    if overwrite:
        clean_work(out)
        # Else an earlier run's figures would sit beside this run's numbers (with --no-figures).
        shutil.rmtree(out / "figures", ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    storage.write_text(out / RESOLVED, resolved_yaml(scenario, out))
    manifest = {
        "negsim_version": __version__,
        "runs": runs,
        "seed": seed,
        "chunk_size": chunk_size,
        "sha256": scenario.sha256(),
        "scenario_path": str(scenario.path) if scenario.path else None,
        "seeds": scenario.seeds,
        "agents": agents_spec(agents),
    }
    write_manifest(out, manifest)
    result = run_ensemble(
        scenario,
        runs=runs,
        seed=seed,
        out=out,
        executor=executor,
        chunk_size=chunk_size,
        agents=agents,
        progress=progress,
    )
    return _finish(scenario, out, result, manifest, figures)


def resume_run(
    out: Path,
    *,
    executor: cf.Executor | None = None,
    progress: Callable[[int], None] | None = None,
    figures: bool = True,
    agents: Agents = None,
) -> RunOutput:
    """Finish an interrupted run in ``out``: only the missing chunks are run.

    The agent classes are the ones the manifest recorded; ``agents``, when given, must match them.
    """
    manifest = read_manifest(out)
    if manifest is None:
        if (out / "summary.json").exists():
            return RunOutput(out, json.loads((out / "summary.json").read_text()))
        raise UserError(f"{out}: no interrupted run to resume here")
    scenario = load_scenario(out / RESOLVED, check_sources=False)
    if "seeds" in manifest:
        # The resolved file points at the seeds from the output folder; the scenario as run (and
        # its fingerprint, which is in summary.json) kept the value its own file gave.
        scenario = scenario.model_copy(update={"seeds": manifest["seeds"]})
    if scenario.sha256() != manifest["sha256"]:
        raise UserError(f"{out / RESOLVED} changed since the run started; cannot resume it")
    scenario._path = Path(str(manifest["scenario_path"])) if manifest.get("scenario_path") else None
    recorded = manifest.get("agents") or {}
    if agents is not None and agents_spec(agents) != recorded:
        started = recorded or "PartyAgent"
        raise UserError(f"{out}: the run started with agents {started}, not {agents_spec(agents)}")
    agents = agents_from_spec(recorded)
    result = run_ensemble(
        scenario,
        runs=int(manifest["runs"]),
        seed=int(manifest["seed"]),
        out=out,
        executor=executor,
        chunk_size=int(manifest["chunk_size"]),
        agents=agents,
        progress=progress,
    )
    return _finish(scenario, out, result, manifest, figures)


def _finish(
    scenario: Scenario, out: Path, result: EnsembleResult, manifest: dict[str, Any], figures: bool
) -> RunOutput:
    summary = summary_dict(
        result.tally,
        scenario=scenario,
        scenario_path=str(manifest.get("scenario_path") or ""),
        seed=result.seed,
        chunk_size=result.chunk_size,
        version=str(manifest["negsim_version"]),
        extra={
            "chunks": [
                {"index": k, "seed_entropy": str(result.seed), "spawn_key": [k]} for k in range(result.chunks)
            ]
        },
    )
    merge_parts(out, result.chunks, out / "worlds.parquet")
    storage.write_text(out / "summary.json", json.dumps(summary, indent=2) + "\n")
    if figures:
        from simulator.figures.run import run_figures

        run_figures(out)
    clean_work(out)
    return RunOutput(out, summary)


def read_summary(run: Path) -> dict[str, Any]:
    """A run's ``summary.json`` (a clear error if ``run`` is not a finished run's folder)."""
    path = run / "summary.json"
    if not path.is_file():
        raise UserError(f"{run}: no summary.json here; give the output folder of a finished `negsim run`")
    try:
        summary: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not a valid summary.json ({exc})") from None
    if not isinstance(summary.get("events"), dict):
        raise UserError(f"{path}: no 'events' in this summary.json")
    return summary
