"""From a batch's records to events, mergeable tallies and ``summary.json``.

A chunk of worlds is reduced to a :class:`Tally` (event counts, sums and quantile sketches,
:mod:`simulator.engine.sketch`) that merges by addition, so the summary of a million worlds is
built without ever holding them all, and merging tallies in chunk order gives the same numbers
whatever process ran which chunk.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulator.engine import sketch
from simulator.engine.documents import ChunkSeed, Event, Member, ScenarioRef, Stat, Summary
from simulator.model.protocols.base import is_forecast_only, produces_walkouts
from simulator.scenario import events as ke
from simulator.scenario.schema import LEVELS, Scenario

QUANTILES = (0.05, 0.5, 0.95)
Z95 = 1.959963984540054


def reports_walkouts(scenario: Scenario) -> bool:
    """Whether a run reports walk-outs: in a model average the yes/no outcome comes from the
    process members when there are any (the one rule :func:`events_of` and the catalogue share)."""
    kinds = list(scenario.protocol.weights)
    process = [k for k in kinds if not is_forecast_only(k)]
    return produces_walkouts(process or kinds)


def events_of(
    scenario: Scenario, rec: dict[str, np.ndarray], *, walkouts: bool | None = None
) -> dict[str, np.ndarray]:
    """Boolean event arrays (one per ``summary.json`` event key) from a batch's records.

    ``walkout.*`` and ``outcome.collapse`` are produced only where walking out is part of the
    protocol (``walkouts``; default: every protocol the scenario plays has walk-outs), never
    filled with zeros. The keys are exactly :func:`simulator.scenario.events.event_keys`.
    """
    if walkouts is None:
        walkouts = reports_walkouts(scenario)
    ev: dict[str, np.ndarray] = {}
    for pid in scenario.parties:
        level = rec[ke.LEVEL_COLUMN.key(pid)]
        ev[ke.ATTEND.key(pid)] = level > 0
        for lv in LEVELS:
            ev[ke.LEVEL.key(pid, lv.value)] = level == lv.rank
    for fam in (ke.TALKS_DIRECT, ke.TALKS_LEADERS, ke.TALKS_MEDIATED):
        ev[fam.key()] = rec[fam.key()]
    for fid in scenario.protocol.formats:
        ev[ke.FORMAT.key(fid)] = rec[ke.FORMAT.key(fid)]
    agreed = [rec[ke.AGREED.key(iid)] for iid in scenario.issues]
    for iid, a in zip(scenario.issues, agreed, strict=True):
        ev[ke.AGREEMENT.key(iid)] = a
    ev[ke.AGREEMENT_ANY.key()] = np.logical_or.reduce(agreed)
    n = len(rec[ke.OUTCOME_COLUMN.key()])
    for pid in scenario.parties:
        carried = [
            rec[ke.THREAT.key(tid)]
            for tid, t in scenario.threats.items()
            if t.by == pid and t.action == "sanctions"
        ]
        ev[ke.SANCTIONS.key(pid)] = np.logical_or.reduce(carried) if carried else np.zeros(n, dtype=bool)
    for tid in scenario.threats:
        ev[ke.THREAT.key(tid)] = rec[ke.THREAT.key(tid)]
    if walkouts:
        for pid in scenario.principals:
            ev[ke.WALKOUT.key(pid)] = rec[ke.WALKOUT.key(pid)]
    for o in ke.outcomes(walkouts):
        ev[ke.OUTCOME.key(o.key)] = rec[ke.OUTCOME_COLUMN.key()] == o
    if ke.TALKS_END.key() in rec:
        ev.update(
            path_events(rec, ev[ke.AGREEMENT_ANY.key()], scenario.protocol.rounds, list(scenario.issues))
        )
    if scenario.campaign is not None:
        ev.update(campaign_events(scenario, rec, walkouts=walkouts))
    return ev


def path_events(
    rec: dict[str, np.ndarray], agreed: np.ndarray, rounds: int, issues: list[str] | None = None
) -> dict[str, np.ndarray]:
    """Where each world's chance of agreement went, and the round agreement came in.

    ``agreement_path.<end>``: every world is on exactly one path (no talks, agreed, or the talks
    ended without agreement by a walk-out, the hazard, an impasse, the last round, or at
    ratification), so the parts add up to 1 and ``agreed`` is ``agreement.any``. An agreement the
    decision rule then fails to adopt counts as lost at ratification.
    ``rounds_to_agreement.<r>``: agreement reached in round ``r``; these add up to ``agreement.any``.
    ``zone_path.<end>`` (where the records hold the zone per issue of ``issues``): the same paths
    split by the zone of agreement at the start: no talks, talks with no zone on any issue, and
    the talks held with a zone by how they ended; these add up to 1 too, so the chance of agreement
    reads as a funnel: the zone, less what was lost to each end.
    """
    end, held = rec[ke.TALKS_END.key()], rec[ke.TALKS_DIRECT.key()]
    lost = held & ~agreed
    code = {name: i for i, name in enumerate(ke.TALKS_ENDS)}
    ev = {ke.AGREEMENT_PATH.key("no_talks"): ~held, ke.AGREEMENT_PATH.key("agreed"): agreed}
    for name in ("walkout", "hazard", "impasse", "deadline"):
        ev[ke.AGREEMENT_PATH.key(name)] = lost & (end == code[name])
    refused = (end == code["ratification"]) | (end == code["agreed"])
    ev[ke.AGREEMENT_PATH.key("ratification")] = lost & refused
    at = rec[ke.AGREED_ROUND.key()]
    for r in range(1, rounds + 1):
        ev[ke.ROUNDS_TO_AGREEMENT.key(r)] = agreed & (at == r)
    zones = [rec[ke.ZOPA_ISSUE.key(iid)] for iid in issues or () if ke.ZOPA_ISSUE.key(iid) in rec]
    if zones:
        zone = np.logical_or.reduce(zones).astype(bool)
        ev[ke.ZONE_PATH.key("no_talks")] = ~held
        ev[ke.ZONE_PATH.key("no_zone")] = held & ~zone
        for name in ke.TALKS_ENDS[1:]:
            ev[ke.ZONE_PATH.key(name)] = ev[ke.AGREEMENT_PATH.key(name)] & zone
    return ev


def campaign_events(
    scenario: Scenario, rec: dict[str, np.ndarray], *, walkouts: bool = True
) -> dict[str, np.ndarray]:
    """A campaign's events: ``meeting.<n>.held``, ``meetings.count.<k>``, and per checkpoint
    ``agreement.<issue>.by.<date>``, ``talks.direct.by.<date>``, ``sanctions.<party>.by.<date>``,
    ``threat.<id>.by.<date>`` (carried out at a meeting or at a deadline),
    ``meeting.<n>.held.by.<date>``; ``outcome.<category>.by.<horizon>``.

    A dated event happened by a date when its first day (``day.*``, days from ``campaign.start``)
    is at most that date's day.
    """
    camp = scenario.campaign
    assert camp is not None
    ev: dict[str, np.ndarray] = {}
    count = rec[ke.CAMPAIGN_MEETINGS.key()]
    for k in range(1, camp.max_meetings + 1):
        ev[ke.MEETING_HELD.key(k)] = count >= k
    for k in range(camp.max_meetings + 1):
        ev[ke.MEETINGS_COUNT.key(k)] = count == k
    n = len(count)

    def by(key: str, limit: int) -> np.ndarray:
        d = rec.get(key)
        return np.zeros(n, dtype=bool) if d is None else np.nan_to_num(d, nan=np.inf) <= limit

    for c in camp.checkpoints:
        day, tag = camp.day(c), c.isoformat()
        agreed = []
        for iid in scenario.issues:
            a = by(ke.DAY_AGREEMENT.key(iid), day)
            agreed.append(a)
            ev[ke.by_date(ke.AGREEMENT.key(iid), tag)] = a
        ev[ke.by_date(ke.AGREEMENT_ANY.key(), tag)] = np.logical_or.reduce(agreed)
        ev[ke.by_date(ke.TALKS_DIRECT.key(), tag)] = by(ke.DAY_MEETING.key(1), day)
        for pid in scenario.parties:
            ev[ke.by_date(ke.SANCTIONS.key(pid), tag)] = by(ke.DAY_SANCTIONS.key(pid), day)
        for tid in scenario.threats:
            ev[ke.by_date(ke.THREAT.key(tid), tag)] = by(ke.DAY_THREAT.key(tid), day)
        for k in ke.DATED_MEETINGS:
            if k <= camp.max_meetings:
                ev[ke.by_date(ke.MEETING_HELD.key(k), tag)] = by(ke.DAY_MEETING.key(k), day)
    tag = camp.horizon.isoformat()
    for o in ke.outcomes(walkouts):
        ev[ke.by_date(ke.OUTCOME.key(o.key), tag)] = rec[ke.CAMPAIGN_OUTCOME.key()] == o
    return ev


#: Events that say WHETHER the talks settle (and what follows from it): a forecast-only member of a
#: model average has none of its own (they come from a process member, see protocols/ensemble.py).
YES_NO = tuple(f.prefix() for f in (*ke.AGREEMENTS, ke.OUTCOME, ke.WALKOUT, ke.SANCTIONS, ke.THREAT))


def by_protocol(scenario: Scenario, rec: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
    """An ensemble's events per member, over the worlds that played it (empty for one protocol).

    Every member is kept. A forecast-only member's yes/no events are left out when a process
    member supplied them (its worlds' agreements are that member's, not its own).
    """
    member = rec.get(ke.PROTOCOL_COLUMN.key())
    if member is None:
        return {}
    kinds = list(scenario.protocol.weights)
    borrowed = not all(is_forecast_only(k) for k in kinds)
    out = {}
    for m, kind in enumerate(kinds):
        rows = member == m
        sub = {k: v[rows] for k, v in rec.items()}
        ev = events_of(scenario, sub, walkouts=produces_walkouts([kind]))
        if borrowed and is_forecast_only(kind):
            ev = {k: v for k, v in ev.items() if not k.startswith(YES_NO)}
        out[kind] = ev
    return out


def stats_of(scenario: Scenario, rec: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Continuous per-world quantities summarised by mean and quantiles (NaN = not applicable)."""
    held = rec[ke.TALKS_DIRECT.key()]
    rounds = np.where(held, rec[ke.ROUNDS.key()] / scenario.protocol.rounds, np.nan)
    st: dict[str, np.ndarray] = {ke.ROUNDS.key(): rounds}
    for pid in scenario.principals:
        for iid in scenario.issues:
            for fam in (ke.CONCESSION, ke.POSITION):
                st[fam.key(pid, iid)] = rec[fam.key(pid, iid)]
    for iid in scenario.issues:
        st[ke.TEXT.key(iid)] = rec[ke.TEXT.key(iid)]
    if ke.ZOPA.key() in rec:  # the share of worlds with a zone of agreement (a protocol may not compute it)
        st[ke.ZOPA.key()] = rec[ke.ZOPA.key()].astype(float)
        for iid in scenario.issues:
            st[ke.ZOPA_ISSUE.key(iid)] = rec[ke.ZOPA_ISSUE.key(iid)].astype(float)
    return st


@dataclass
class Tally:
    """Mergeable counts of a set of worlds: event counts, and sums and quantile sketches of statistics
    (``sketches``: bucket counts of :mod:`simulator.engine.sketch`)."""

    n: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    sums: dict[str, float] = field(default_factory=dict)
    ns: dict[str, int] = field(default_factory=dict)
    sketches: dict[str, np.ndarray] = field(default_factory=dict)
    groups: dict[str, Tally] = field(default_factory=dict)

    @classmethod
    def of(cls, scenario: Scenario, rec: dict[str, np.ndarray]) -> Tally:
        """Tally one batch of worlds (and, for an ensemble, each member's worlds as a group)."""
        t = cls(n=len(rec[ke.OUTCOME_COLUMN.key()]))
        t.counts = {k: int(v.sum()) for k, v in events_of(scenario, rec).items()}
        for kind, ev in by_protocol(scenario, rec).items():
            member = rec[ke.PROTOCOL_COLUMN.key()]
            played = int(np.sum(member == list(scenario.protocol.weights).index(kind)))
            t.groups[kind] = cls(n=played, counts={k: int(v.sum()) for k, v in ev.items()})
        for k, v in stats_of(scenario, rec).items():
            ok = v[~np.isnan(v)]
            t.sums[k] = float(ok.sum())
            t.ns[k] = int(ok.size)
            t.sketches[k] = sketch.sketch(ok)
        return t

    def __eq__(self, other: object) -> bool:
        """Equal counts, sums and sketches (sketches are arrays: compared element by element)."""
        if not isinstance(other, Tally):
            return NotImplemented
        return (
            (self.n, self.counts, self.sums, self.ns, self.groups)
            == (other.n, other.counts, other.sums, other.ns, other.groups)
            and self.sketches.keys() == other.sketches.keys()
            and all(np.array_equal(v, other.sketches[k]) for k, v in self.sketches.items())
        )

    __hash__ = None  # type: ignore[assignment]  # mutable, like the dataclass it replaces

    def merge(self, other: Tally) -> Tally:
        """The tally of both sets of worlds (merge in a fixed order for bit-identical sums)."""
        out = Tally(n=self.n + other.n)
        for k in set(self.counts) | set(other.counts):
            out.counts[k] = self.counts.get(k, 0) + other.counts.get(k, 0)
        for k in set(self.sums) | set(other.sums):
            out.sums[k] = self.sums.get(k, 0.0) + other.sums.get(k, 0.0)
            out.ns[k] = self.ns.get(k, 0) + other.ns.get(k, 0)
            # A statistic only one side has counts nothing on the other (sums and sketches share keys).
            empty = sketch.empty()
            out.sketches[k] = self.sketches.get(k, empty) + other.sketches.get(k, empty)
        for k in sorted(set(self.groups) | set(other.groups)):
            out.groups[k] = self.groups.get(k, Tally()).merge(other.groups.get(k, Tally()))
        return out

    def to_doc(self) -> dict[str, Any]:
        """The tally as plain JSON types (what :meth:`to_json` writes; a part file embeds it)."""
        return {
            "n": self.n,
            "counts": self.counts,
            "sums": self.sums,
            "ns": self.ns,
            "sketches": {k: sketch.to_sparse(v) for k, v in self.sketches.items()},
            "groups": {k: g.to_doc() for k, g in self.groups.items()},
        }

    def to_json(self) -> str:
        """Exact JSON (floats round-trip) for a chunk's tally file."""
        return json.dumps(self.to_doc(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Tally:
        """Read a tally written by :meth:`to_json` (or a chunk's part file, which holds one)."""
        d = json.loads(text)
        d = d.get("tally", d)  # a part file holds its tally beside its chunk index and checksum
        groups = {k: cls.from_json(json.dumps(g)) for k, g in d.get("groups", {}).items()}
        sketches = {k: sketch.from_sparse(v) for k, v in d["sketches"].items()}
        return cls(n=d["n"], counts=d["counts"], sums=d["sums"], ns=d["ns"], sketches=sketches, groups=groups)


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


def summary_doc(
    tally: Tally,
    *,
    scenario: Scenario,
    scenario_path: str,
    seed: int,
    chunk_size: int,
    version: str,
    chunks: Sequence[ChunkSeed] | None = None,
) -> Summary:
    """The ``summary.json`` document (``docs/output-format.md``): events with Wilson intervals,
    stats, and (for a run folder) how each chunk was seeded; serialise it with
    :func:`~simulator.engine.documents.to_json`."""
    stats: dict[str, Stat | dict[str, Member]] = {}
    for key in sorted(tally.sums):
        n = tally.ns[key]
        # within 0.5% + 1e-6 of the worlds' own quantile (engine/sketch.py)
        q = {_quantile_name(x): _finite(sketch.quantile(tally.sketches[key], x)) for x in QUANTILES}
        stats[key] = Stat(n=n, mean=round(tally.sums[key] / n, 6) if n else None, **q)
    if tally.groups:
        weights = scenario.protocol.weights
        total = sum(weights.values())
        stats[ke.BY_PROTOCOL.key()] = {
            kind: Member(
                weight=round(weights[kind] / total, 6),
                runs=g.n,
                share=round(g.n / tally.n, 6) if tally.n else 0.0,
                events=_events(g, scenario),
            )
            for kind, g in tally.groups.items()
        }
    doc = Summary(
        negsim_version=version,
        scenario=ScenarioRef(name=scenario.name, path=scenario_path, sha256=scenario.sha256()),
        seed=seed,
        runs=tally.n,
        chunk_size=chunk_size,
        events=_events(tally, scenario),
        stats=stats,
    )
    if chunks is not None:
        doc.chunks = list(chunks)  # assigned, so it counts as set and is written
    return doc


def summary_dict(
    tally: Tally,
    *,
    scenario: Scenario,
    scenario_path: str,
    seed: int,
    chunk_size: int,
    version: str,
) -> dict[str, Any]:
    """:func:`summary_doc` as the plain dict ``summary.json`` parses to (for in-memory readers)."""
    doc = summary_doc(
        tally,
        scenario=scenario,
        scenario_path=scenario_path,
        seed=seed,
        chunk_size=chunk_size,
        version=version,
    )
    out: dict[str, Any] = doc.model_dump(mode="json", exclude_unset=True)
    return out


def _quantile_name(q: float) -> str:
    """``stats`` names the q-quantile ``qNN`` (``q05``, ``q50``, ``q95``)."""
    return f"q{int(q * 100):02d}"


def _finite(v: float) -> float | None:
    return None if math.isnan(v) else round(v, 6)


def _events(tally: Tally, scenario: Scenario) -> dict[str, Event]:
    """Each event's probability with its Wilson 95% interval and count, in reading order."""
    events = {}
    for key in ke.summary_order(tally.counts, scenario):
        k = tally.counts[key]
        lo, hi = wilson(k, tally.n)
        events[key] = Event(
            p=round(k / tally.n, 6) if tally.n else 0.0, ci95=(round(lo, 6), round(hi, 6)), count=k
        )
    return events
