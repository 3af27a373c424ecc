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
