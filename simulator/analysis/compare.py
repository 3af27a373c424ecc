"""Two scenarios on common random numbers: the paired difference of every event probability.

World *i* of scenario A and world *i* of scenario B are played with the same chunk seed, and the
model draws every random number from a stream named after what it is for, so the two worlds see
the same numbers wherever the scenarios share a name. Each chunk is simulated for A and for B in
the same task and tallied *paired*: per event, how often it happened in A, in B, and the
discordant worlds (``n10``: in A but not B; ``n01``: in B but not A). The difference
``p_b - p_a = (n01 - n10) / n`` then has the paired variance ``(n01 + n10) / n - diff**2``,
usually far smaller than that of two independent runs, so a real effect stands out from noise
with few worlds; a scenario compared with itself gives exactly 0 with the interval [0, 0].

Example:
    >>> result = compare_scenarios(a, b, runs=10_000, seed=0)  # doctest: +SKIP
    >>> result.events()["talks.direct"].diff  # doctest: +SKIP
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import json
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from simulator import storage
from simulator._version import __version__
from simulator.engine.chunks import DEFAULT_CHUNK, Chunk, plan
from simulator.engine.ensemble import simulate_chunk
from simulator.engine.executors import map_chunks
from simulator.engine.tally import Z95, events_of
from simulator.model.agents import PartyAgent
from simulator.scenario import events as ke
from simulator.scenario.schema import Scenario

KEY_FAMILIES = (ke.ATTEND, *ke.TALKS, *ke.AGREEMENTS, ke.SANCTIONS, ke.OUTCOME)


@dataclass
class PairedTally:
    """Mergeable paired counts of a set of worlds played under both scenarios.

    Attributes:
        n: Worlds (each played once under A and once under B).
        a: Per event, worlds where it happened under A.
        b: Per event, worlds where it happened under B.
        n10: Per event, worlds where it happened under A but not under B.
        n01: Per event, worlds where it happened under B but not under A.
    """

    n: int = 0
    a: dict[str, int] = field(default_factory=dict)
    b: dict[str, int] = field(default_factory=dict)
    n10: dict[str, int] = field(default_factory=dict)
    n01: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, ev_a: dict[str, np.ndarray], ev_b: dict[str, np.ndarray], n: int) -> PairedTally:
        """Tally one batch; an event one scenario lacks counts as never happening there."""
        never = np.zeros(n, dtype=bool)
        t = cls(n=n)
        for key in [*ev_a, *(k for k in ev_b if k not in ev_a)]:
            x, y = ev_a.get(key, never), ev_b.get(key, never)
            t.a[key], t.b[key] = int(x.sum()), int(y.sum())
            t.n10[key], t.n01[key] = int((x & ~y).sum()), int((~x & y).sum())
        return t

    def merge(self, other: PairedTally) -> PairedTally:
        """The tally of both sets of worlds (counts add; key order: self's, then other's new)."""
        out = PairedTally(n=self.n + other.n)
        for key in [*self.a, *(k for k in other.a if k not in self.a)]:
            for name in ("a", "b", "n10", "n01"):
                mine, theirs = getattr(self, name), getattr(other, name)
                getattr(out, name)[key] = mine.get(key, 0) + theirs.get(key, 0)
        return out


@dataclass(frozen=True)
class EventDiff:
    """One event under both scenarios: probabilities, paired difference and its 95% interval."""

    key: str
    a: float
    b: float
    diff: float
    lo: float
    hi: float

    @property
    def significant(self) -> bool:
        """Whether the 95% interval excludes 0 (a [0, 0] interval never does)."""
        return self.lo > 0 or self.hi < 0


def paired_diff(key: str, n: int, count_a: int, count_b: int, n10: int, n01: int) -> EventDiff:
    """The paired difference ``p_b - p_a`` and its normal 95% interval.

    The per-world difference ``d`` is -1, 0 or 1, so ``var(d) = (n01 + n10) / n - diff**2`` and
    the interval is ``diff ± 1.96 * sqrt(var / n)``; with no discordant world it is exactly [0, 0].
    """
    if n == 0:
        return EventDiff(key, 0.0, 0.0, 0.0, 0.0, 0.0)
    diff = (count_b - count_a) / n
    var = max(0.0, (n01 + n10) / n - diff * diff)
    half = Z95 * math.sqrt(var / n)
    return EventDiff(key, count_a / n, count_b / n, diff, max(-1.0, diff - half), min(1.0, diff + half))


@dataclass
class Comparison:
    """The merged paired tally of a comparison and how it was run."""

    tally: PairedTally
    seed: int
    chunk_size: int

    def events(self) -> dict[str, EventDiff]:
        """Every event of either scenario, in the order the model reports them."""
        t = self.tally
        return {k: paired_diff(k, t.n, t.a[k], t.b[k], t.n10[k], t.n01[k]) for k in t.a}


class ReferenceCache:
    """Scenario A's events per chunk, kept between comparisons that share A, seed and chunks.

    A what-if changes B only: with the cache, a second what-if against the same unchanged
    scenario plays B's worlds alone (A's are the same worlds, so the same events), which halves
    its time. Used in this process only (``executor=None``); the oldest chunks go first.

    Example:
        >>> cache = ReferenceCache()
        >>> compare_scenarios(a, b, runs=20_000, reference=cache)  # doctest: +SKIP
    """

    def __init__(self, max_chunks: int = 64) -> None:
        self.max_chunks = max_chunks
        self._store: OrderedDict[tuple[str, int, int, int, int], dict[str, np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()

    def events(
        self, key: tuple[str, int, int, int, int], make: Callable[[], dict[str, np.ndarray]]
    ) -> dict[str, np.ndarray]:
        """The cached events under ``key``, made (and kept) on first use."""
        with self._lock:
            if key in self._store:
                self._store.move_to_end(key)
                return self._store[key]
        value = make()
        with self._lock:
            self._store[key] = value
            while len(self._store) > self.max_chunks:
                self._store.popitem(last=False)
        return value


def _compare_chunk(
    a: Scenario,
    b: Scenario,
    seed: int,
    chunk: Chunk,
    *,
    agents_a: Mapping[str, type[PartyAgent]] | None = None,
    agents_b: Mapping[str, type[PartyAgent]] | None = None,
    reference: tuple[ReferenceCache, str] | None = None,
) -> tuple[int, PairedTally]:
    """Worker task: play one chunk under A and under B with the same seed and tally it paired."""

    def events_a() -> dict[str, np.ndarray]:
        return events_of(a, simulate_chunk(a, seed, chunk, agents=agents_a))

    if reference is None:
        ev_a = events_a()
    else:
        cache, digest = reference
        ev_a = cache.events((digest, seed, chunk.index, chunk.start, chunk.size), events_a)
    rec_b = simulate_chunk(b, seed, chunk, agents=agents_b)
    return chunk.index, PairedTally.of(ev_a, events_of(b, rec_b), chunk.size)


def compare_scenarios(
    a: Scenario,
    b: Scenario,
    *,
    runs: int,
    seed: int = 0,
    executor: cf.Executor | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    progress: Callable[[int], None] | None = None,
    agents_a: Mapping[str, type[PartyAgent]] | None = None,
    agents_b: Mapping[str, type[PartyAgent]] | None = None,
    reference: ReferenceCache | None = None,
) -> Comparison:
    """Play ``runs`` worlds of both scenarios on common random numbers and tally them paired.

    Example (a changed rule rather than a changed parameter)::

        result = compare_scenarios(s, s, runs=20_000, agents_b={"ukraine": LeaderUkraine})
        result.events()["talks.leaders"].diff

    Args:
        a: The reference scenario.
        b: The scenario compared with it (differences are ``b - a``).
        runs: Number of worlds (each played under both scenarios).
        seed: Root seed; chunk k of both scenarios uses the same chunk seed.
        executor: Where chunks run (None: this process).
        chunk_size: Worlds per chunk (part of what makes the result reproducible).
        progress: Called with a chunk's number of worlds when it finishes.
        agents_a: Optional agent class per party id for A (to compare a changed rule).
        agents_b: The same for B.
        reference: Keep A's events per chunk here for the next comparison against the same A
            (this process only: ignored with an executor or with ``agents_a``).
    """
    ref = None
    if reference is not None and executor is None and agents_a is None:
        ref = (reference, a.sha256())
    task = functools.partial(_compare_chunk, a, b, seed, agents_a=agents_a, agents_b=agents_b, reference=ref)
    tally = map_chunks(
        task,
        plan(runs, chunk_size),
        merge=PairedTally.merge,
        initial=PairedTally(),
        executor=executor,
        progress=progress,
    )
    return Comparison(tally, seed, chunk_size)


def comparison_dict(result: Comparison, a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """The ``comparison.json`` document (``docs/output-format.md``), with the raw paired counts beside it."""
    t = result.tally
    events = {
        k: {
            "a": round(e.a, 6),
            "b": round(e.b, 6),
            "diff": round(e.diff, 6),
            "ci95": [round(e.lo, 6), round(e.hi, 6)],
            "significant": e.significant,
        }
        for k, e in result.events().items()
    }
    counts = {k: {"a": t.a[k], "b": t.b[k], "n10": t.n10[k], "n01": t.n01[k]} for k in t.a}
    return {
        "negsim_version": __version__,
        "a": a,
        "b": b,
        "runs": t.n,
        "seed": result.seed,
        "chunk_size": result.chunk_size,
        "method": "paired worlds on common random numbers; ci95 = diff ± 1.96·sqrt(var/n), "
        "var = (n01 + n10)/n − diff²",
        "events": events,
        "counts": counts,
    }


def key_events(doc: dict[str, Any]) -> list[str]:
    """Events worth showing: attendance, leaders' share, talks, agreements, sanctions, outcomes,
    and in a campaign each threat carried out by each checkpoint (a strike is no sanction).

    Sanctions and threats that happen in neither scenario are left out (parties without a
    sanctions threat).
    """
    keys = []
    for k, e in doc["events"].items():
        parsed = ke.parse(k)
        if parsed is None:
            continue
        family, leader = parsed.family, parsed.parts.get("level") == "leader"
        dated_threat = family is ke.THREAT and parsed.date is not None  # a strike is no sanction
        if not (family in KEY_FAMILIES or dated_threat or (family is ke.LEVEL and leader)):
            continue
        if family in (ke.SANCTIONS, ke.THREAT) and e["a"] == 0 and e["b"] == 0:
            continue
        keys.append(k)
    return keys


def write_comparison(out: Path, doc: dict[str, Any]) -> Path:
    """Write ``comparison.json`` into ``out`` (atomically); its figure is ``figures.compare``'s."""
    out.mkdir(parents=True, exist_ok=True)
    storage.write_text(out / "comparison.json", json.dumps(doc, indent=2) + "\n")
    return out / "comparison.json"
