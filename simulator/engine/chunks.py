"""Cutting a run into chunks: the chunk plan, each chunk's seed, and the size checks made before a run.

Separate from ``ensemble`` (which runs the chunks) because the command line's size checks and the
analyses' chunk plans need only this arithmetic, not the model or the part files.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simulator.errors import UserError

DEFAULT_CHUNK = 10_000
#: Most chunks a run may have (a plan of 10^6 chunks takes about 100 MB).
MAX_CHUNKS = 1_000_000


@dataclass(frozen=True)
class Chunk:
    """A contiguous block of worlds: chunk ``index`` holds worlds ``start .. start + size - 1``."""

    index: int
    start: int
    size: int


#: Rough cost of one world on one core, of its row in ``worlds.parquet`` (about 220 bytes for the
#: baseline, benchmarks/README.md), of its row in a chunk's part file while the run is under way
#: (uncompressed, about 290 bytes; parts and the merged file are on disk together as the run
#: ends), and of its working memory while its chunk is played (peak about 250 MiB at 10,000
#: worlds a chunk: see the README).
SECONDS_PER_WORLD = 3e-5
BYTES_PER_WORLD = 250
PART_BYTES_PER_WORLD = 300
MEMORY_PER_WORLD = 20_000


def estimate(worlds: int, workers: int = 1) -> str:
    """``worlds`` worlds in words: how many, about how long, about how much disk for their rows."""
    from simulator.sizes import gib, span

    time_ = span(worlds * SECONDS_PER_WORLD / max(1, workers))
    disk = gib(worlds * BYTES_PER_WORLD)
    return f"{worlds:,} worlds: about {time_} on {max(1, workers)} cores and {disk} of worlds.parquet"


def check_size(
    worlds: int,
    chunk_size: int,
    *,
    workers: int = 1,
    disk: Path | None = None,
    chunk_worlds: int | None = None,
) -> None:
    """Refuse, before anything is allocated, a run that cannot fit: too many chunks to plan, a
    chunk (of ``chunk_worlds`` worlds, default ``chunk_size``) per worker beyond the memory, or
    (when its worlds are written under ``disk``) more rows than the free disk space holds."""
    from simulator.sizes import Need, check

    chunks = -(-worlds // chunk_size)
    if chunks > MAX_CHUNKS:
        raise UserError(
            f"too large: {estimate(worlds, workers)}, in {chunks:,} chunks (at most {MAX_CHUNKS:,}); "
            "run fewer worlds"
        )
    held = min(worlds, chunk_worlds or chunk_size) * MEMORY_PER_WORLD * max(1, min(workers, chunks))
    check(
        Need(
            f"{worlds:,} worlds in chunks of {min(worlds, chunk_worlds or chunk_size):,}",
            memory=held,
            seconds=worlds * SECONDS_PER_WORLD,
            cores=workers,
        ),
        "run fewer worlds, or smaller chunks",
    )
    if disk is not None:
        probe = disk
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        try:
            free = shutil.disk_usage(probe).free
        except OSError:
            return
        if worlds * (BYTES_PER_WORLD + PART_BYTES_PER_WORLD) > free:
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
