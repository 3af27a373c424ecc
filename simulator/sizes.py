"""The one place that turns a size into an estimate and refuses what will not fit.

Why: a command asked for ``--runs 1e12``, ``--rounds 10^12`` or ``--replicates 10^8`` used to
allocate until the machine ran out (a ``MemoryError`` traceback, or the kernel killing everything
on it). Each command now states what it would need (:class:`Need`: memory held at once, disk
written, time on its cores) and :func:`check` refuses, before anything is allocated, what the
machine cannot hold, saying the size and the estimate. Time alone never refuses: a long run the
machine can hold is the user's choice, and the estimate is printed so it is an informed one.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from simulator.errors import UserError, printable

#: The share of the available memory a command may plan to use (the rest is the interpreter,
#: the libraries, other processes and the estimates' own error).
MEMORY_SHARE = 0.6
#: Used when the available memory cannot be read (a platform without /proc/meminfo or sysconf).
FALLBACK_MEMORY = 4 * 2**30


def available_memory() -> int:
    """Bytes of memory available to a new allocation now (Linux ``MemAvailable``, else physical)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (OSError, ValueError, AttributeError):
        return FALLBACK_MEMORY


def gib(n: float) -> str:
    """A byte count in words (``1.5 GiB``, ``3 PiB``, ``120 MiB``)."""
    if n >= 2**50:
        return f"{n / 2**50:,.0f} PiB"
    if n >= 2**30:
        return f"{n / 2**30:,.1f} GiB"
    return f"{n / 2**20:,.0f} MiB"


def span(seconds: float) -> str:
    """A duration in words (``3 hours``, ``12 seconds``)."""
    for unit, size in (("years", 365 * 86400), ("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= size:
            return f"{seconds / size:,.0f} {unit}"
    return f"{seconds:.0f} seconds"


@dataclass(frozen=True)
class Need:
    """What a command would need: ``memory`` bytes held at once, ``disk`` bytes written under
    ``disk_at``, ``seconds`` of work on ``cores`` cores. ``what`` names the size in the user's words
    (``"--rounds 1,000,000,000,000 for 5 actors"``)."""

    what: str
    memory: float = 0.0
    disk: float = 0.0
    disk_at: Path | None = None
    seconds: float = 0.0
    cores: int = 1

    def describe(self) -> str:
        """The estimate in words."""
        parts = []
        if self.seconds:
            parts.append(f"about {span(self.seconds / max(1, self.cores))} on {max(1, self.cores)} cores")
        if self.memory:
            parts.append(f"{gib(self.memory)} of memory")
        if self.disk:
            parts.append(f"{gib(self.disk)} of disk")
        return f"{self.what}: " + (", ".join(parts) if parts else "no estimate")


def check(need: Need, hint: str = "ask for less") -> None:
    """Refuse ``need`` (a UserError: exit 2, one line) when memory or disk cannot hold it."""
    memory = available_memory()
    if need.memory > MEMORY_SHARE * memory:
        raise UserError(
            printable(f"too large: {need.describe()}, but {gib(memory)} of memory is available; {hint}")
        )
    if need.disk and need.disk_at is not None:
        probe = need.disk_at
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        try:
            free = shutil.disk_usage(probe).free
        except OSError:
            return
        if need.disk > free:
            raise UserError(
                printable(f"too large: {need.describe()}, but {probe} has {gib(free)} free; {hint}")
            )
