"""A run on disk: the output folder of ``negsim run`` and how it is started, resumed and finished.

This module owns every file name of a run folder (the constants below). Order of writing:
``scenario.resolved.yaml`` and the manifest first (so an interrupted run knows what it was), then
one part per chunk as chunks finish, then ``summary.json``, ``worlds.parquet`` and ``figures/``;
finally the part files are removed. Every file is written atomically.

A run holds its folder for its whole life with an exclusive lock (``.negsim/lock``), so two runs
can never write to one folder; ``--overwrite`` removes the earlier results (summary first) before
anything new is written, and only files negsim wrote; every reader checks that ``summary.json``
was made from the ``scenario.resolved.yaml`` beside it.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator import storage
from simulator._version import __version__
from simulator.engine.chunks import DEFAULT_CHUNK, check_size
from simulator.engine.documents import ChunkSeed, Manifest, Summary, read_doc, read_raw, to_json
from simulator.engine.ensemble import EnsembleResult, merge_parts, run_ensemble
from simulator.engine.tally import summary_doc
from simulator.engine.variant import Agents, agents_from_spec, agents_spec
from simulator.errors import UserError, printable
from simulator.scenario.load import load_scenario
from simulator.scenario.schema import Scenario
from simulator.scenario.yamlsafe import RESOLVED_MAX_BYTES, dump_yaml, parse_yaml

#: The files of a run folder.
RESOLVED = "scenario.resolved.yaml"
SUMMARY = "summary.json"
WORLDS = "worlds.parquet"
FIGURES = "figures"
REPORT = "report.html"
WORK = ".negsim"
MANIFEST = f"{WORK}/manifest.json"
PARTS = f"{WORK}/parts"
LOCK = f"{WORK}/lock"
#: What runs once a run's numbers are written (``simulator.api`` passes the figures): given the
#: run folder, it returns the files it wrote. The engine never imports what draws them.
FinishHook = Callable[[Path], list[Path]]
#: The mark of a page written by ``negsim report`` (so a later report may replace it).
REPORT_MARK = '<meta name="generator" content="negsim">'


@dataclass
class RunOutput:
    """Where a finished run's files are, and its summary."""

    out: Path
    summary: dict[str, Any]
    figures: list[Path] = field(default_factory=list)
    figure_error: str | None = None

    @property
    def files(self) -> list[Path]:
        """What the ``on_finished`` hook wrote (the figures, when ``simulator.api`` ran it)."""
        return self.figures


def resolved_yaml(scenario: Scenario, out: Path) -> str:
    """The scenario as run, with its seeds folder made relative to the output folder."""
    data = parse_yaml(scenario.to_yaml(), RESOLVED, limit=RESOLVED_MAX_BYTES).data
    if scenario.seeds_dir is not None:
        data["seeds"] = os.path.relpath(scenario.seeds_dir, out.resolve())
    return dump_yaml(data)


def refuse_to_overwrite(path: Path, overwrite: bool, what: str = "", hint: str = "") -> None:
    """The one check before negsim replaces ``path``: refuse unless ``--overwrite`` was given."""
    if path.exists() and not overwrite:
        held = f" already holds {what}" if what else " already exists"
        raise UserError(printable(f"{path}{held}; choose another --out or pass --overwrite{hint}"))


def check_out(out: Path) -> None:
    """Refuse an output folder that cannot be one (empty name, a file, a name too long)."""
    storage.check_folder(out)


def new_folder(parent: Path, stem: str) -> Path:
    """A folder ``parent/stem-<time>`` created now, that no other command has (``-2``, ``-3``...)."""
    parent.mkdir(parents=True, exist_ok=True)
    base = f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}"
    for n in range(1, 10_000):
        folder = parent / (base if n == 1 else f"{base}-{n}")
        try:
            folder.mkdir()  # atomic: exactly one process creates it
        except FileExistsError:
            continue
        return folder
    raise UserError(f"{parent}: cannot find a free folder name for {base}")


@contextlib.contextmanager
def claim(out: Path) -> Iterator[None]:
    """Hold ``out`` for one run: an exclusive lock, held until the run ends (released on any exit,
    even ``kill -9``, by the operating system)."""
    check_out(out)
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    (out / WORK).mkdir(exist_ok=True)
    with storage.folder_lock(out):  # the lock every command's output folder uses
        try:
            yield
        finally:
            # Leave nothing of ours behind but an unfinished run's manifest and parts.
            if not has_manifest(out):
                with contextlib.suppress(OSError):
                    (out / LOCK).unlink()
                    (out / WORK).rmdir()
                    if created:
                        out.rmdir()


def _holds_files(out: Path) -> bool:
    for f in out.iterdir():
        if f.name != WORK:
            return True
    return any(f.name != "lock" for f in (out / WORK).iterdir()) if (out / WORK).is_dir() else False


def remove_results(out: Path, outputs: Sequence[str] = ()) -> None:
    """Remove what an earlier run wrote in ``out`` (summary first; ``outputs``: what its
    ``on_finished`` steps wrote, relative to ``out``), and nothing else."""
    for name in (SUMMARY, WORLDS, REPORT):
        (out / name).unlink(missing_ok=True)
    for name in outputs:
        (out / name).unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        (out / FIGURES).rmdir()  # only if nothing of the user's is left in it
    (out / RESOLVED).unlink(missing_ok=True)
    clean_work(out)


def remove_temporary(out: Path) -> None:
    """Remove the temporary files an interrupted write left (``.NAME.XXXX.tmp``)."""
    for folder in (out, out / FIGURES, out / PARTS):
        if folder.is_dir():
            for f in folder.glob(".*.tmp"):
                with contextlib.suppress(OSError):
                    f.unlink()


def clean_work(out: Path) -> None:
    """Remove the manifest and part files (the lock stays while it is held)."""
    (out / MANIFEST).unlink(missing_ok=True)
    shutil.rmtree(out / PARTS, ignore_errors=True)


def read_manifest(out: Path) -> Manifest | None:
    """The manifest of an unfinished run in ``out`` (None when there is none)."""
    if not (out / MANIFEST).is_file():
        return None
    return read_doc(out / MANIFEST, Manifest, "run manifest")


def write_manifest(out: Path, manifest: Manifest) -> None:
    """Record what a run in ``out`` is (so ``--resume`` can finish exactly that run)."""
    storage.write_text(out / MANIFEST, to_json(manifest))


def has_manifest(out: Path) -> bool:
    """True when ``out`` holds an unfinished run (so ``--resume`` can finish it)."""
    return (out / MANIFEST).is_file()


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
    on_finished: FinishHook | None = None,
    outputs: Sequence[str] = (),
) -> RunOutput:
    """Run a scenario into a fresh output folder (refusing to clobber an earlier run).

    The agent classes (``agents``) are recorded in the manifest, so ``resume_run`` plays the rest
    of the worlds with the same model variant. ``on_finished`` runs once the numbers are written
    (its failure is reported, the numbers kept); ``outputs`` are the files, relative to ``out``,
    that such steps may have written before, removed by ``overwrite`` with the run's own. Most
    callers want :func:`simulator.api.run`, which draws the figures this way.
    """
    if seed < 0:
        raise UserError(f"--seed must be 0 or more, got {seed}")
    check_out(out)
    check_size(runs, chunk_size, disk=out)
    with claim(out):
        if _holds_files(out) and not overwrite:
            hint = " or finish it with --resume" if has_manifest(out) else ""
            raise UserError(
                printable(f"{out} already holds files; choose another --out, pass --overwrite{hint}")
            )
        if overwrite:
            # Before anything new is written: an interrupted overwrite must not leave the old
            # numbers beside the new scenario.
            remove_results(out, outputs)
        remove_temporary(out)
        storage.write_text(out / RESOLVED, resolved_yaml(scenario, out))
        manifest = Manifest(
            negsim_version=__version__,
            runs=runs,
            seed=seed,
            chunk_size=chunk_size,
            sha256=scenario.sha256(),
            scenario_path=str(scenario.path) if scenario.path else None,
            seeds=scenario.seeds,
            agents=agents_spec(agents),
            figures=on_finished is not None,  # resume_run's callers read it (simulator.api)
        )
        write_manifest(out, manifest)
        result = run_ensemble(
            scenario,
            runs=runs,
            seed=seed,
            parts=out / PARTS,
            executor=executor,
            chunk_size=chunk_size,
            agents=agents,
            progress=progress,
        )
        return _finish(scenario, out, result, manifest, on_finished)


def resume_run(
    out: Path,
    *,
    executor: cf.Executor | None = None,
    progress: Callable[[int], None] | None = None,
    on_finished: FinishHook | None = None,
    outputs: Sequence[str] = (),
    agents: Agents = None,
) -> RunOutput:
    """Finish an interrupted run in ``out``: only the missing chunks are run.

    The agent classes are the ones the manifest recorded; ``agents``, when given, must match them.
    ``on_finished`` as for :func:`start_run`; a run already finished returns its files among
    ``outputs`` (see :func:`started_with_hook` for whether the run began with a hook).
    """
    check_out(out)
    if not out.is_dir():
        raise UserError(printable(f"{out}: no such folder, so no interrupted run to resume"))
    with claim(out):
        manifest = read_manifest(out)
        if manifest is None:
            if (out / SUMMARY).exists():
                summary = read_summary(out)
                drawn = [p for p in (out / name for name in outputs) if p.is_file()]
                return RunOutput(out, summary, drawn)
            raise UserError(printable(f"{out}: no interrupted run to resume here"))
        remove_temporary(out)
        if not (out / RESOLVED).is_file():
            raise UserError(printable(f"{out / RESOLVED} is missing; cannot resume this run"))
        scenario = load_scenario(out / RESOLVED, check_sources=False, as_of="", max_bytes=RESOLVED_MAX_BYTES)
        if manifest.seeds is not None:
            scenario = scenario.model_copy(update={"seeds": manifest.seeds})
        if scenario.sha256() != manifest.sha256:
            raise UserError(printable(f"{out / RESOLVED} changed since the run started; cannot resume it"))
        scenario._path = Path(manifest.scenario_path) if manifest.scenario_path else None
        recorded = manifest.agents or {}
        if agents is not None and agents_spec(agents) != recorded:
            started = recorded or "PartyAgent"
            raise UserError(f"{out}: the run started with agents {started}, not {agents_spec(agents)}")
        agents = agents_from_spec(recorded)
        result = run_ensemble(
            scenario,
            runs=manifest.runs,
            seed=manifest.seed,
            parts=out / PARTS,
            executor=executor,
            chunk_size=manifest.chunk_size,
            agents=agents,
            progress=progress,
        )
        return _finish(scenario, out, result, manifest, on_finished)


def started_with_hook(out: Path) -> bool:
    """Whether the interrupted run in ``out`` was started with an ``on_finished`` hook (True when
    there is no manifest to say)."""
    manifest = read_manifest(out) if out.is_dir() else None
    return manifest is None or manifest.figures


def _finish(
    scenario: Scenario,
    out: Path,
    result: EnsembleResult,
    manifest: Manifest,
    on_finished: FinishHook | None,
) -> RunOutput:
    doc = summary_doc(
        result.tally,
        scenario=scenario,
        scenario_path=manifest.scenario_path or "",
        seed=result.seed,
        chunk_size=result.chunk_size,
        version=manifest.negsim_version,
        chunks=[
            ChunkSeed(index=k, seed_entropy=str(result.seed), spawn_key=[k]) for k in range(result.chunks)
        ],
    )
    merge_parts(out / PARTS, result.chunks, out / WORLDS)
    text = to_json(doc) + "\n"
    storage.write_text(out / SUMMARY, text)
    summary: dict[str, Any] = json.loads(text)  # exactly what a reader of the file gets
    drawn: list[Path] = []
    error = None
    if on_finished is not None:
        # The numbers are written: a figure that cannot be drawn must not fail the run.
        try:
            drawn = on_finished(out)
        except MemoryError:
            raise
        except Exception as exc:  # a figure's failure is reported, the numbers are kept
            error = printable(f"{type(exc).__name__}: {exc}")
            print(
                f"negsim: warning: the figures could not be drawn ({error}); the numbers are kept",
                file=sys.stderr,
            )
    clean_work(out)
    return RunOutput(out, summary, drawn, error)


def read_summary(run: Path, *, check_scenario: bool = True) -> dict[str, Any]:
    """A run's ``summary.json``, validated (a clear error if ``run`` is not a finished run's folder).

    With ``check_scenario``, also checks that the summary was made from the
    ``scenario.resolved.yaml`` beside it (an interrupted ``--overwrite`` could leave them apart).
    """
    path = run / SUMMARY
    if not path.is_file():
        raise UserError(
            printable(f"{run}: no summary.json here; give the output folder of a finished `negsim run`")
        )
    summary, raw = read_raw(path, Summary, "summary.json")
    if check_scenario and (run / RESOLVED).exists():
        read_scenario(run, summary.scenario.sha256 if summary.scenario else None)
    return raw


def read_scenario(run: Path, sha256: str | None) -> Scenario:
    """The scenario a run folder holds, checked against the fingerprint its summary recorded."""
    if not (run / RESOLVED).is_file():
        raise UserError(printable(f"{run}: {RESOLVED} is missing, so the scenario as run is unknown"))
    scenario = load_scenario(run / RESOLVED, check_sources=False, as_of="", max_bytes=RESOLVED_MAX_BYTES)
    if scenario.sha256() != sha256:
        raise UserError(
            printable(
                f"{run}: {SUMMARY} was not made from the {RESOLVED} beside it (an interrupted "
                "--overwrite?); run the scenario again"
            )
        )
    return scenario
