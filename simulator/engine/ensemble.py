"""Many worlds: fixed-size chunks, one seed per chunk, any executor, resumable output.

The worlds of a run are cut into chunks of ``chunk_size`` (fixed per run, recorded in the summary);
chunk *k* is seeded with ``SeedSequence(seed, spawn_key=(k,))`` (what ``SeedSequence(seed).spawn``
gives its *k*-th child), so a run's numbers depend only on the scenario, seed, run count and chunk
size — never on how many processes, or which machines, ran it. Chunks go to any
:class:`concurrent.futures.Executor`: none (in this process), a local process pool, or a Dask
client's executor; there is one way of running a chunk and several places to run it.

With a parts folder (``rundir`` says where), each finished chunk is written at once (its worlds as
Parquet, then a JSON file with its tally, its chunk index, the run it belongs to and the Parquet
file's SHA-256, each written atomically), so memory stays flat as ``runs`` grows and an interrupted
run can be resumed: only the missing chunks are run again, a damaged or foreign part is recomputed
(with a warning) rather than merged, and the final files are identical to those of an
uninterrupted run.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import functools
import gc
import hashlib
import json
import multiprocessing
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from simulator import storage
from simulator.engine.documents import Part, check_doc
from simulator.engine.tally import Tally, worlds_table
from simulator.errors import UserError, printable
from simulator.model.agents import PartyAgent
from simulator.model.campaign import run_campaign
from simulator.model.model import NegotiationModel
from simulator.scenario.schema import Scenario

DEFAULT_CHUNK = 10_000
#: Most chunks a run may have (a plan of 10^6 chunks takes about 100 MB).
MAX_CHUNKS = 1_000_000


@dataclass(frozen=True)
class Chunk:
    """A contiguous block of worlds: chunk ``index`` holds worlds ``start .. start + size - 1``."""

    index: int
    start: int
    size: int


#: Rough cost of one world on one core, and of its row in ``worlds.parquet`` (for size checks).
SECONDS_PER_WORLD = 3e-5
BYTES_PER_WORLD = 100


def estimate(worlds: int, workers: int = 1) -> str:
    """``worlds`` worlds in words: how many, about how long, about how much disk for their rows."""

    def span(seconds: float) -> str:
        for unit, size in (("years", 365 * 86400), ("days", 86400), ("hours", 3600), ("minutes", 60)):
            if seconds >= size:
                return f"{seconds / size:,.0f} {unit}"
        return f"{seconds:.0f} seconds"

    def gib(n: float) -> str:
        return f"{n / 2**30:,.1f} GiB" if n < 2**50 else f"{n / 2**50:,.0f} PiB"

    time_ = span(worlds * SECONDS_PER_WORLD / max(1, workers))
    disk = gib(worlds * BYTES_PER_WORLD)
    return f"{worlds:,} worlds: about {time_} on {max(1, workers)} cores and {disk} of worlds.parquet"


def check_size(worlds: int, chunk_size: int, *, workers: int = 1, disk: Path | None = None) -> None:
    """Refuse, before anything is allocated, a run that cannot fit: too many chunks to plan, or
    (when its worlds are written under ``disk``) more rows than the free disk space holds."""
    chunks = -(-worlds // chunk_size)
    if chunks > MAX_CHUNKS:
        raise UserError(
            f"too large: {estimate(worlds, workers)}, in {chunks:,} chunks (at most {MAX_CHUNKS:,}); "
            "run fewer worlds"
        )
    if disk is not None:
        probe = disk
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        try:
            free = shutil.disk_usage(probe).free
        except OSError:
            return
        if worlds * BYTES_PER_WORLD > free:
            raise UserError(
                f"too large: {estimate(worlds, workers)}, but {probe} has {free / 2**30:,.1f} GiB free; "
                "run fewer worlds"
            )


def plan(runs: int, chunk_size: int = DEFAULT_CHUNK) -> list[Chunk]:
    """Cut ``runs`` worlds into chunks of ``chunk_size`` (the last one may be smaller)."""
    check_size(runs, chunk_size)
    return [Chunk(k, s, min(chunk_size, runs - s)) for k, s in enumerate(range(0, runs, chunk_size))]


def chunk_seed(seed: int, index: int) -> np.random.SeedSequence:
    """The seed of chunk ``index``: the ``index``-th child of ``SeedSequence(seed)``."""
    return np.random.SeedSequence(seed, spawn_key=(index,))


def simulate_chunk(
    scenario: Scenario,
    seed: int,
    chunk: Chunk,
    *,
    quantiles: Mapping[str, np.ndarray] | None = None,
    agents: Mapping[str, type[PartyAgent]] | None = None,
    crn_period: int | None = None,
) -> dict[str, np.ndarray]:
    """Run one chunk of worlds and return its records (one array per column)."""
    if scenario.campaign is not None:
        return run_campaign(
            scenario, worlds=chunk.size, rng=chunk_seed(seed, chunk.index), quantiles=quantiles, agents=agents
        )
    model = NegotiationModel(
        scenario,
        worlds=chunk.size,
        rng=chunk_seed(seed, chunk.index),
        quantiles=quantiles,
        agents=agents,
        crn_period=crn_period,
    )
    records = model.run().records()
    # Mesa's model, its agents and its event list refer to one another, so a finished model is
    # freed only by the cycle collector, and chunks' models piled up between full collections
    # (+330 MiB at 10^6 worlds). Collecting the young generations now is cheap and frees it.
    del model
    gc.collect(1)
    return records


def part_files(parts: Path, index: int) -> tuple[Path, Path]:
    """The Parquet and JSON files of chunk ``index`` in the parts folder ``parts``."""
    return parts / f"chunk-{index:06d}.parquet", parts / f"chunk-{index:06d}.json"


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
) -> tuple[int, Tally]:
    """Worker task: simulate a chunk, write its part files (if any), return its tally."""
    rec = simulate_chunk(scenario, seed, chunk, agents=agents)
    tally = Tally.of(scenario, rec)
    if parts is not None:
        table = worlds_table(scenario, rec, chunk.start, chunk.index)
        pq_file, json_file = part_files(parts, chunk.index)
        with storage.atomic_path(pq_file) as tmp:
            pq.write_table(table, tmp)
            digest = _sha256(tmp)
        doc = {
            "run": run,
            "chunk": chunk.index,
            "size": chunk.size,
            "parquet_sha256": digest,
            "tally": json.loads(tally.to_json()),
        }
        # The JSON is written last: its presence marks the chunk as done.
        storage.write_text(json_file, json.dumps(doc, sort_keys=True))
    return chunk.index, tally


def read_part(parts: Path, chunk: Chunk, run: str) -> Tally | None:
    """The tally of a finished chunk, or None (with a warning) when its files fail their checks."""
    pq_file, json_file = part_files(parts, chunk.index)
    problem = None
    try:
        data = json.loads(json_file.read_text(encoding="utf-8"))
        part = check_doc(data, Part, "damaged")
        if part.chunk != chunk.index or part.size != chunk.size or part.run != run:
            problem = "it belongs to another chunk or another run"
        elif part.tally.n != chunk.size:
            problem = "its tally does not count the chunk's worlds"
        elif not pq_file.is_file() or _sha256(pq_file) != part.parquet_sha256:
            problem = "its Parquet file is missing or fails its checksum"
    except (OSError, ValueError, UserError, RecursionError) as exc:
        problem = f"it cannot be read ({exc})"
    if problem is not None:
        print(
            printable(f"negsim: warning: {json_file.name}: {problem}; recomputing chunk {chunk.index}"),
            file=sys.stderr,
        )
        for f in (json_file, pq_file):
            f.unlink(missing_ok=True)
        return None
    t = part.tally
    return Tally(n=t.n, counts=dict(t.counts), sums=dict(t.sums), ns=dict(t.ns), hists=dict(t.hists))


@dataclass
class EnsembleResult:
    """The merged tally of a run and how it was cut into chunks."""

    tally: Tally
    seed: int
    chunk_size: int
    chunks: int


def local_executor(workers: int) -> cf.Executor | None:
    """A process pool of ``workers`` (None for 1: run in this process).

    The pool's processes never see Ctrl-C (the main process handles it and stops them: no
    traceback from a worker starting up), and they exit when the main process dies, even by
    ``kill -9`` (``PR_SET_PDEATHSIG`` on Linux, and a watchdog thread everywhere).
    """
    if workers <= 1:
        return None
    from multiprocessing import forkserver

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["simulator.engine.ensemble"])
    # An ignored signal stays ignored across fork and exec: the fork server (which imports for
    # 1-2 s) and every worker it forks start with SIGINT ignored, so a Ctrl-C reaches only the
    # main process (which stops the pool), never a worker's start-up as a traceback.
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main_thread else None
    try:
        forkserver.ensure_running()
    finally:
        if main_thread:
            signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)
    return cf.ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=worker_init, initargs=(os.getpid(),)
    )


def worker_init(parent: int) -> None:
    """In a pool worker: ignore Ctrl-C, and exit as soon as the main process ``parent`` is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: killed when the fork server dies
        except (OSError, AttributeError):  # pragma: no cover
            pass

    def watch() -> None:
        while True:
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # pragma: no cover - the pid was reused by another user
                os._exit(1)
            time.sleep(0.5)

    threading.Thread(target=watch, name="negsim-parent-watch", daemon=True).start()


def map_chunks[T](
    task: Callable[[Chunk], tuple[int, T]],
    chunks: Sequence[Chunk],
    *,
    merge: Callable[[T, T], T],
    initial: T,
    executor: cf.Executor | None = None,
    done: Mapping[int, T] | None = None,
    progress: Callable[[int], None] | None = None,
) -> T:
    """Run ``task`` on every chunk not in ``done`` and merge the results in chunk order.

    This is the one engine every command uses (run, compare, sweep, sensitivity): ``task`` is a
    picklable function of a chunk returning ``(chunk.index, result)``; results are merged strictly
    in chunk order, so float sums are identical however the chunks were scheduled.

    Args:
        task: What to do with one chunk (must be picklable to run on other processes).
        chunks: The chunks of the run.
        merge: Combines two results (associative; applied in chunk order).
        initial: The result of no chunks.
        executor: Where chunks run (None: this process, one after another).
        done: Results of chunks finished earlier (a resumed run), by chunk index.
        progress: Called with a chunk's number of worlds when it finishes.
    """
    finished = set(done or {})
    pending: dict[int, T] = dict(done or {})
    merged = initial
    next_index = 0
    order = [c.index for c in chunks]

    def absorb() -> None:
        nonlocal merged, next_index
        while next_index < len(order) and order[next_index] in pending:
            merged = merge(merged, pending.pop(order[next_index]))
            next_index += 1

    if progress:
        for c in chunks:
            if c.index in pending:
                progress(c.size)
    absorb()
    todo = [c for c in chunks if c.index not in finished]
    if executor is None:
        for c in todo:
            index, result = task(c)
            pending[index] = result
            absorb()
            if progress:
                progress(c.size)
        return merged
    with _interrupts_deferred():  # submitting starts the workers: let them start whole
        futures = {executor.submit(task, c): c for c in todo}
    try:
        for fut in cf.as_completed(futures):
            index, result = fut.result()
            pending[index] = result
            absorb()
            if progress:
                progress(futures[fut].size)
    except BaseException:
        for f in futures:
            f.cancel()
        raise
    return merged


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM until the block ends, then raise KeyboardInterrupt (a pool stopped
    while its workers are being forked leaves them failing, with tracebacks, once the main process
    is gone)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    sigs = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, lambda n, f: caught.append(n)) for sig in sigs}
    try:
        yield
    except Exception:
        # The same signal also reaches the fork server (one process group, as a terminal's Ctrl-C
        # does): starting a worker then fails (EOFError, a broken pool). That is the interruption.
        if caught:
            raise KeyboardInterrupt from None
        raise
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
    if caught:
        raise KeyboardInterrupt


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
    task = functools.partial(_run_chunk, scenario, seed, parts=parts, agents=agents, run=run)
    tally = map_chunks(
        task, chunks, merge=Tally.merge, initial=Tally(), executor=executor, done=done, progress=progress
    )
    return EnsembleResult(tally, seed, chunk_size, len(chunks))


def merge_parts(parts: Path, chunks: int, dest: Path) -> None:
    """Concatenate the chunk Parquet files, in order, into ``dest`` (atomically)."""
    files = [part_files(parts, k)[0] for k in range(chunks)]
    missing = [f.name for f in files if not f.exists()]
    if missing:
        raise UserError(f"{parts}: parts missing ({', '.join(missing[:3])}...); run with --resume")
    with storage.atomic_path(dest) as tmp:
        writer = None
        try:
            for f in files:
                try:
                    table = pq.read_table(f)
                except (OSError, ValueError) as exc:  # pyarrow's errors derive from these
                    raise UserError(f"{f}: damaged part ({exc}); run with --resume") from None
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema)
                writer.write_table(table)
        finally:
            if writer is not None:
                writer.close()
