"""Many worlds: fixed-size chunks, one seed per chunk, any executor, resumable output.

The worlds of a run are cut into chunks of ``chunk_size`` (fixed per run, recorded in the summary);
chunk *k* is seeded with ``SeedSequence(seed, spawn_key=(k,))`` (what ``SeedSequence(seed).spawn``
gives its *k*-th child), so a run's numbers depend only on the scenario, seed, run count and chunk
size — never on how many processes, or which machines, ran it. Chunks go to any
:class:`concurrent.futures.Executor`: none (in this process), a local process pool, or a Dask
client's executor; there is one way of running a chunk and several places to run it.

With a parts folder (``rundir`` says where), each finished chunk is written at once (its worlds'
rows, :mod:`simulator.engine.worlds`, then a JSON file with its tally, its chunk index, the run it
belongs to and the rows file's SHA-256, each written atomically), so memory stays flat as
``runs`` grows and an interrupted run can be resumed: only the missing chunks are run again, a
damaged or foreign part is recomputed (with a warning) rather than merged, and the final files are
identical to those of an uninterrupted run.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import gc
import hashlib
import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simulator import storage
from simulator.engine import worlds
from simulator.engine.chunks import DEFAULT_CHUNK, Chunk, chunk_seed, plan
from simulator.engine.documents import Part, check_doc
from simulator.engine.executors import map_chunks
from simulator.engine.sketch import from_sparse
from simulator.engine.tally import Tally
from simulator.errors import UserError, printable
from simulator.model.agents import PartyAgent
from simulator.model.campaign import run_campaign
from simulator.model.model import NegotiationModel
from simulator.scenario.schema import ParamSlot, Scenario


def simulate_chunk(
    scenario: Scenario,
    seed: int,
    chunk: Chunk,
    *,
    quantiles: Mapping[str, np.ndarray] | None = None,
    agents: Mapping[str, type[PartyAgent]] | None = None,
    crn_period: int | None = None,
    slots: Mapping[str, ParamSlot] | None = None,
) -> dict[str, np.ndarray]:
    """Run one chunk of worlds and return its records (one array per column).

    ``slots``: the scenario's ``parameter_slots()``, when the caller walked them once for all its
    chunks (walking the scenario costs a few milliseconds a chunk).
    """
    if scenario.campaign is not None:
        return run_campaign(
            scenario,
            worlds=chunk.size,
            rng=chunk_seed(seed, chunk.index),
            quantiles=quantiles,
            agents=agents,
            crn_period=crn_period,
        )
    model = NegotiationModel(
        scenario,
        worlds=chunk.size,
        rng=chunk_seed(seed, chunk.index),
        quantiles=quantiles,
        agents=agents,
        crn_period=crn_period,
        slots=slots,
    )
    records = model.run().records()
    # Mesa's model, its agents and its event list refer to one another, so a finished model is
    # freed only by the cycle collector, and chunks' models piled up between full collections
    # (+330 MiB at 10^6 worlds). Collecting the young generations now is cheap and frees it.
    del model
    gc.collect(1)
    return records


def part_files(parts: Path, index: int) -> tuple[Path, Path]:
    """The rows (Arrow IPC, :mod:`simulator.engine.worlds`) and JSON files of chunk ``index``."""
    return parts / f"chunk-{index:06d}{worlds.PART_SUFFIX}", parts / f"chunk-{index:06d}.json"


def run_id(scenario: Scenario, runs: int, seed: int, chunk_size: int) -> str:
    """What identifies a run's parts: its scenario, size, seed and chunk size."""
    return hashlib.sha256(f"{scenario.sha256()}:{runs}:{seed}:{chunk_size}".encode()).hexdigest()[:32]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _run_chunk(
    scenario: Scenario,
    seed: int,
    chunk: Chunk,
    parts: Path | None,
    agents: Mapping[str, type[PartyAgent]] | None,
    run: str = "",
    slots: Mapping[str, ParamSlot] | None = None,
) -> tuple[int, Tally]:
    """Worker task: simulate a chunk, write its part files (if any), return its tally."""
    rec = simulate_chunk(scenario, seed, chunk, agents=agents, slots=slots)
    tally = Tally.of(scenario, rec)
    if parts is not None:
        rows_file, json_file = part_files(parts, chunk.index)
        digest = worlds.write_part(rows_file, worlds.table(scenario, rec, chunk.start, chunk.index))
        doc = {
            "run": run,
            "chunk": chunk.index,
            "size": chunk.size,
            "rows_sha256": digest,
            "tally": tally.to_doc(),
        }
        # The JSON is written last: its presence marks the chunk as done.
        storage.write_text(json_file, json.dumps(doc, sort_keys=True))
    return chunk.index, tally


def read_part(parts: Path, chunk: Chunk, run: str) -> Tally | None:
    """The tally of a finished chunk, or None (with a warning) when its files fail their checks."""
    rows_file, json_file = part_files(parts, chunk.index)
    problem = None
    try:
        data = json.loads(json_file.read_text(encoding="utf-8"))
        part = check_doc(data, Part, "damaged")
        if part.chunk != chunk.index or part.size != chunk.size or part.run != run:
            problem = "it belongs to another chunk or another run"
        elif part.tally.n != chunk.size:
            problem = "its tally does not count the chunk's worlds"
        elif not rows_file.is_file() or _sha256(rows_file) != part.rows_sha256:
            problem = "its rows file is missing or fails its checksum"
        sketches = {k: from_sparse(v) for k, v in part.tally.sketches.items()}
    except (OSError, ValueError, UserError, RecursionError) as exc:
        problem = f"it cannot be read ({exc})"
    if problem is not None:
        print(
            printable(f"negsim: warning: {json_file.name}: {problem}; recomputing chunk {chunk.index}"),
            file=sys.stderr,
        )
        for f in (json_file, rows_file):
            f.unlink(missing_ok=True)
        return None
    t = part.tally
    return Tally(n=t.n, counts=dict(t.counts), sums=dict(t.sums), ns=dict(t.ns), sketches=sketches)


@dataclass
class EnsembleResult:
    """The merged tally of a run and how it was cut into chunks."""

    tally: Tally
    seed: int
    chunk_size: int
    chunks: int


def run_ensemble(
    scenario: Scenario,
    *,
    runs: int,
    seed: int = 0,
    parts: Path | None = None,
    executor: cf.Executor | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    agents: Mapping[str, type[PartyAgent]] | None = None,
    progress: Callable[[int], None] | None = None,
) -> EnsembleResult:
    """Run ``runs`` worlds of ``scenario`` and merge their tallies in chunk order.

    Args:
        scenario: The scenario to play.
        runs: Number of worlds.
        seed: Root seed; chunk k uses :func:`chunk_seed` ``(seed, k)``.
        parts: Folder for resumable part files (a run folder's, see ``rundir``); None keeps
            everything in memory (tallies only).
        executor: Where chunks run (None: this process).
        chunk_size: Worlds per chunk (part of what makes a run reproducible).
        agents: Optional agent class per party id (must be importable by worker processes).
        progress: Called with the number of worlds each time a chunk finishes.

    Example:
        >>> result = run_ensemble(scenario, runs=10_000, seed=0)  # doctest: +SKIP
        >>> result.tally.counts["talks.direct"] / result.tally.n  # doctest: +SKIP
    """
    chunks = plan(runs, chunk_size)
    run = run_id(scenario, runs, seed, chunk_size)
    done: dict[int, Tally] = {}
    if parts is not None:
        parts.mkdir(parents=True, exist_ok=True)
        for c in chunks:
            if part_files(parts, c.index)[1].exists():
                tally = read_part(parts, c, run)
                if tally is not None:
                    done[c.index] = tally
    slots = scenario.parameter_slots()
    task = functools.partial(_run_chunk, scenario, seed, parts=parts, agents=agents, run=run, slots=slots)
    tally = map_chunks(
        task, chunks, merge=Tally.merge, initial=Tally(), executor=executor, done=done, progress=progress
    )
    return EnsembleResult(tally, seed, chunk_size, len(chunks))


def merge_parts(parts: Path, chunks: int, dest: Path) -> None:
    """Write the chunks' rows, in order, into the worlds file ``dest`` (atomically)."""
    worlds.merge_parts([part_files(parts, k)[0] for k in range(chunks)], dest)
