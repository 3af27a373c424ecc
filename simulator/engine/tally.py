"""From a batch's records to events, mergeable tallies, ``summary.json`` and Parquet rows.

A chunk of worlds is reduced to a :class:`Tally` (event counts, sums and histograms) that merges by
addition, so the summary of a million worlds is built without ever holding them all, and merging
tallies in chunk order gives the same numbers whatever process ran which chunk.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from simulator.model.records import OUTCOMES
from simulator.scenario.schema import LEVELS, Scenario

#: Histogram bins on [0, 1] for continuous statistics (quantiles come from these).
BINS = 200
QUANTILES = (0.05, 0.5, 0.95)
Z95 = 1.959963984540054


def events_of(scenario: Scenario, rec: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Boolean event arrays (one per ``summary.json`` event key) from a batch's records."""
    ev: dict[str, np.ndarray] = {}
    for pid in scenario.parties:
        level = rec[f"level.{pid}"]
        ev[f"attend.{pid}"] = level > 0
        for lv in LEVELS:
            ev[f"level.{pid}.{lv.value}"] = level == lv.rank
    for key in ("talks.direct", "talks.leaders", "talks.mediated"):
        ev[key] = rec[key]
    for fid in scenario.protocol.formats:
        ev[f"format.{fid}"] = rec[f"format.{fid}"]
    agreed = [rec[f"agreed.{iid}"] for iid in scenario.issues]
    for iid, a in zip(scenario.issues, agreed, strict=True):
        ev[f"agreement.{iid}"] = a
    ev["agreement.any"] = np.logical_or.reduce(agreed)
    for pid in scenario.parties:
        carried = [
            rec[f"threat.{tid}"]
            for tid, t in scenario.threats.items()
            if t.by == pid and t.action == "sanctions"
        ]
        ev[f"sanctions.{pid}"] = (
            np.logical_or.reduce(carried) if carried else np.zeros(len(rec["outcome"]), dtype=bool)
        )
    for tid in scenario.threats:
        ev[f"threat.{tid}"] = rec[f"threat.{tid}"]
    for pid in scenario.principals:
        ev[f"walkout.{pid}"] = rec[f"walkout.{pid}"]
    for i, name in enumerate(OUTCOMES):
        ev[f"outcome.{name}"] = rec["outcome"] == i
    return ev


def stats_of(scenario: Scenario, rec: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Continuous per-world quantities summarised by mean and quantiles (NaN = not applicable)."""
    held = rec["talks.direct"]
    st: dict[str, np.ndarray] = {"rounds": np.where(held, rec["rounds"] / scenario.protocol.rounds, np.nan)}
    for pid in scenario.principals:
        for iid in scenario.issues:
            st[f"concession.{pid}.{iid}"] = rec[f"concession.{pid}.{iid}"]
            st[f"position.{pid}.{iid}"] = rec[f"position.{pid}.{iid}"]
    for iid in scenario.issues:
        st[f"text.{iid}"] = rec[f"text.{iid}"]
    return st


@dataclass
class Tally:
    """Mergeable counts of a set of worlds: event counts, and sums and histograms of statistics."""

    n: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    sums: dict[str, float] = field(default_factory=dict)
    ns: dict[str, int] = field(default_factory=dict)
    hists: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, scenario: Scenario, rec: dict[str, np.ndarray]) -> Tally:
        """Tally one batch of worlds."""
        t = cls(n=len(rec["outcome"]))
        t.counts = {k: int(v.sum()) for k, v in events_of(scenario, rec).items()}
        for k, v in stats_of(scenario, rec).items():
            ok = v[~np.isnan(v)]
            t.sums[k] = float(ok.sum())
            t.ns[k] = int(ok.size)
            t.hists[k] = np.histogram(np.clip(ok, 0, 1), bins=BINS, range=(0, 1))[0].tolist()
        return t

    def merge(self, other: Tally) -> Tally:
        """The tally of both sets of worlds (merge in a fixed order for bit-identical sums)."""
        out = Tally(n=self.n + other.n)
        for k in set(self.counts) | set(other.counts):
            out.counts[k] = self.counts.get(k, 0) + other.counts.get(k, 0)
        for k in set(self.sums) | set(other.sums):
            out.sums[k] = self.sums.get(k, 0.0) + other.sums.get(k, 0.0)
            out.ns[k] = self.ns.get(k, 0) + other.ns.get(k, 0)
            a, b = self.hists.get(k, [0] * BINS), other.hists.get(k, [0] * BINS)
            out.hists[k] = [x + y for x, y in zip(a, b, strict=True)]
        return out

    def to_json(self) -> str:
        """Exact JSON (floats round-trip) for a chunk's tally file."""
        return json.dumps(
            {
                "n": self.n,
                "counts": self.counts,
                "sums": self.sums,
                "ns": self.ns,
                "hists": self.hists,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Tally:
        """Read a tally written by :meth:`to_json`."""
        d = json.loads(text)
        return cls(n=d["n"], counts=d["counts"], sums=d["sums"], ns=d["ns"], hists=d["hists"])


def wilson(k: int, n: int) -> tuple[float, float]:
    """Wilson score 95% interval for k successes in n trials."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    denom = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denom
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denom
    lo = 0.0 if k == 0 else max(0.0, centre - half)
    hi = 1.0 if k == n else min(1.0, centre + half)
    return (lo, hi)


def _quantile(hist: list[int], q: float) -> float:
    total = sum(hist)
    if total == 0:
        return float("nan")
    cum = np.cumsum(hist)
    i = int(np.searchsorted(cum, q * total))
    return (i + 0.5) / BINS


def summary_dict(
    tally: Tally,
    *,
    scenario: Scenario,
    scenario_path: str,
    seed: int,
    chunk_size: int,
    version: str,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``summary.json`` document (see ``contracts.md``): events with Wilson intervals, stats."""
    events = {}
    rank = {name: i for i, name in enumerate([*scenario.parties, *scenario.issues, *scenario.threats])}
    for key in sorted(tally.counts, key=lambda k: _event_order(k, rank)):
        k = tally.counts[key]
        lo, hi = wilson(k, tally.n)
        events[key] = {
            "p": round(k / tally.n, 6) if tally.n else 0.0,
            "ci95": [round(lo, 6), round(hi, 6)],
            "count": k,
        }
    stats = {}
    for key in sorted(tally.sums):
        n = tally.ns[key]
        entry: dict[str, Any] = {"n": n, "mean": round(tally.sums[key] / n, 6) if n else None}
        for q in QUANTILES:
            v = _quantile(tally.hists[key], q)
            entry[f"q{int(q * 100):02d}"] = None if math.isnan(v) else round(v, 4)
        stats[key] = entry
    doc: dict[str, Any] = {
        "negsim_version": version,
        "scenario": {"name": scenario.name, "path": scenario_path, "sha256": scenario.sha256()},
        "seed": seed,
        "runs": tally.n,
        "chunk_size": chunk_size,
        "events": events,
        "stats": stats,
    }
    doc.update(extra or {})
    return doc


_PREFIX_ORDER = (
    "attend",
    "level",
    "talks",
    "format",
    "agreement",
    "sanctions",
    "threat",
    "walkout",
    "outcome",
)


def _event_order(key: str, rank: dict[str, int]) -> tuple[int, int, str]:
    """Sort events by kind, then by the scenario's order of parties/issues/threats, then level."""
    head, _, rest = key.partition(".")
    subject = rest.split(".", 1)[0]
    if head == "level":  # levels of one party in rank order, absent first
        party, _, lv = rest.rpartition(".")
        rest = f"{party}.{[x.value for x in LEVELS].index(lv)}"
    elif head == "outcome":
        rest = str(OUTCOMES.index(rest)) if rest in OUTCOMES else rest
    kind = _PREFIX_ORDER.index(head) if head in _PREFIX_ORDER else 99
    return (kind, rank.get(subject, -1), rest)


def worlds_table(scenario: Scenario, rec: dict[str, np.ndarray], start: int, chunk: int) -> pa.Table:
    """One Parquet row per world: index, chunk, drawn parameters, levels, flags, positions, outcome."""
    n = len(rec["outcome"])
    cols: dict[str, pa.Array] = {
        "world": pa.array(np.arange(start, start + n, dtype=np.int64)),
        "chunk": pa.array(np.full(n, chunk, dtype=np.int32)),
    }
    level_names = pa.array([lv.value for lv in LEVELS])
    outcome_names = pa.array(list(OUTCOMES))
    for key, v in rec.items():
        if key.startswith("level."):
            cols[key] = pa.DictionaryArray.from_arrays(pa.array(v.astype(np.int8)), level_names)
        elif key == "outcome":
            cols[key] = pa.DictionaryArray.from_arrays(pa.array(v.astype(np.int8)), outcome_names)
        elif v.dtype == np.float64:
            cols[key] = pa.array(v.astype(np.float32))
        else:
            cols[key] = pa.array(v)
    return pa.table(cols)
