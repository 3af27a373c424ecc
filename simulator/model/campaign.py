"""A campaign: a scenario's meeting followed by further meetings over calendar time.

Every world of a batch has its own calendar. The first meeting is the scenario's meeting, played by
:class:`~simulator.model.model.NegotiationModel` exactly as a single run plays it (same streams,
same records). Then, meeting after meeting, the worlds whose campaign goes on (the headline issue not yet
agreed, another meeting scheduled before the horizon) play the next one: a ``NegotiationModel`` over just
those worlds, with the parameters carried over from the last meeting (the rules, with formulas, are
in ``docs/model.md``, "Campaigns") and its own named random streams (each name gets ``:m<k>``;
draws are made for the whole batch and indexed, so world *i* sees the same numbers whichever other
worlds are still playing: common random numbers hold across scenarios).

Records: the first meeting's columns under their usual names (so every single-meeting event keeps
its meaning), plus ``campaign.*`` columns: the number of meetings held and attempted, the outcome
at the horizon, and ``day.*`` columns: the day (from ``campaign.start``) of each first event, NaN
when it never happened.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from simulator.model.agents import PartyAgent
from simulator.model.bargaining import EPS
from simulator.model.concessions import ConcessionLines, binding
from simulator.model.model import NegotiationModel
from simulator.randomness import Streams, as_seed_sequence, gumbel_of
from simulator.scenario import events as ke
from simulator.scenario.events import Outcome
from simulator.scenario.schema import Scenario

#: Campaign outcome categories at the horizon, mutually exclusive (the same as one meeting's).
CAMPAIGN_OUTCOMES = ke.OUTCOMES
#: How close to its red line a carried-over position may come (a position on the line would make
#: the line's side undefined).
RED_LINE_GAP = 1e-3
#: How a meeting went, for the chance of the next (``meeting_went``): not held, a walk-out (the
#: talks collapsed), held with no progress and no walk-out, progress (an issue agreed or the gap
#: between the sides' public positions narrowed).
NOT_HELD, COLLAPSED, IMPASSE, PROGRESS = 0, 1, 2, 3


class MeetingStreams(Streams):
    """The streams of meeting ``k`` of a campaign over a subset ``index`` of ``total`` worlds.

    Each name gets the suffix ``:m<k>``; draws are made for all ``total`` worlds and the rows of
    ``index`` returned, so a world's draws do not depend on which other worlds still play.
    """

    def __init__(
        self, seed: np.random.SeedSequence, k: int, index: np.ndarray, total: int, period: int | None = None
    ) -> None:
        super().__init__(seed, period)
        self.suffix = f":m{k}"
        self.index = index
        self.total = total
        self.everyone = index.size == total and bool(np.all(index == np.arange(total)))

    def _full(self, shape: int | tuple[int, ...]) -> tuple[int, ...]:
        rest = () if isinstance(shape, int) else tuple(shape[1:])
        return (self.total, *rest)

    def uniform(self, name: str, shape: int | tuple[int, ...]) -> np.ndarray:
        drawn = self._draw(name + self.suffix, self._full(shape), "random")
        return drawn if self.everyone else drawn[self.index]

    def normal(self, name: str, shape: int | tuple[int, ...]) -> np.ndarray:
        drawn = self._draw(name + self.suffix, self._full(shape), "standard_normal")
        return drawn if self.everyone else drawn[self.index]

    def gumbel(self, name: str, shape: int | tuple[int, ...]) -> np.ndarray:
        return gumbel_of(self.uniform(name, shape))


def run_campaign(
    scenario: Scenario,
    *,
    worlds: int,
    rng: int | np.random.SeedSequence | np.random.Generator | None = None,
    quantiles: Mapping[str, np.ndarray] | None = None,
    agents: Mapping[str, type[PartyAgent]] | None = None,
    crn_period: int | None = None,
) -> dict[str, np.ndarray]:
    """Play the scenario's campaign in ``worlds`` worlds; returns their records (see module doc).

    ``crn_period`` P: world i sees the random numbers of world i mod P at every meeting (as
    :class:`~simulator.model.model.NegotiationModel` does for one meeting).
    """
    camp = scenario.campaign
    if camp is None:
        raise ValueError(f"scenario '{scenario.name}' has no campaign")
    seed = as_seed_sequence(rng)
    n = int(worlds)
    slots = scenario.parameter_slots()  # walked once, not once per meeting
    first = NegotiationModel(
        scenario, worlds=n, rng=seed, quantiles=quantiles, agents=agents, slots=slots, crn_period=crn_period
    ).run()
    rec = first.records()
    vals = {k: np.array(v, dtype=float) for k, v in first.values.items()}
    issues = list(scenario.issues)
    horizon = camp.horizon_day
    sanctioners = {t.by for t in scenario.threats.values() if t.action == "sanctions"}
    due = _Deadlines(scenario, seed, n, vals, crn_period)

    day = np.full(n, float(camp.day(camp.meetings[0].date)) if camp.meetings else 0.0)
    nan = np.full(n, np.nan)
    first_agreed = {iid: nan.copy() for iid in issues}
    first_sanction = {pid: nan.copy() for pid in sanctioners}
    first_threat = {tid: nan.copy() for tid in scenario.threats}
    held_days: list[np.ndarray] = []
    held_count = np.zeros(n, dtype=np.int16)
    attempts = np.zeros(n, dtype=np.int16)
    agreed = {iid: np.zeros(n, dtype=bool) for iid in issues}
    last_outcome = np.zeros(n, dtype=np.int8)
    ever_held = np.zeros(n, dtype=bool)
    active = np.arange(n)
    model = first
    meeting_rec = rec
    beliefs = Learnt(scenario, n)
    lines = ConcessionLines(scenario, n)
    lines.start(first)
    ratchet = not binding(scenario)
    k = 1
    while True:
        idx = active
        beliefs.after(model, idx, meeting_rec[ke.TALKS_DIRECT.key()])
        gap_before = lines.gap(idx)
        newly = np.zeros(idx.size, dtype=bool)
        # --- what meeting k left behind, in the worlds that played it ---
        held = meeting_rec[ke.TALKS_DIRECT.key()]
        attempts[idx] += 1
        held_count[idx] += held
        ever_held[idx] |= held
        while len(held_days) < int(held_count.max()):
            held_days.append(nan.copy())
        for j in np.unique(held_count[idx][held]):
            rows = idx[held & (held_count[idx] == j)]
            held_days[j - 1][rows] = day[rows]
        out = meeting_rec[ke.OUTCOME_COLUMN.key()]
        last_outcome[idx] = np.where(held | ~ever_held[idx], out, last_outcome[idx])
        for iid in issues:
            now = meeting_rec[ke.AGREED.key(iid)]
            new = now & ~agreed[iid][idx]
            newly |= new
            first_agreed[iid][idx[new]] = day[idx[new]]
            agreed[iid][idx] |= now
        for tid, t in scenario.threats.items():
            done = meeting_rec[ke.THREAT.key(tid)]
            rows = idx[done & np.isnan(first_threat[tid][idx])]
            first_threat[tid][rows] = day[rows]
            if t.action == "sanctions":
                f = first_sanction[t.by]
                rows = idx[done & np.isnan(f[idx])]
                f[rows] = day[rows]
        lines.after(model, idx, meeting_rec, np.stack([agreed[i][idx] for i in issues], axis=1))
        _carry_over(scenario, model, meeting_rec, vals, idx, ratchet=ratchet)
        # --- who meets again, and when ---
        ended = agreed[ke.headline_issue(scenario)][idx].copy()  # the headline issue settles it
        ended |= np.logical_and.reduce([agreed[i][idx] for i in issues])
        went = meeting_went(meeting_rec, newly, gap_before, lines.gap(idx))
        nxt = _next_day(scenario, seed, k, idx, n, went, day[idx], vals, crn_period)
        go = ~ended & (nxt <= horizon) & (k < camp.max_meetings)
        # Deadlines falling before the next meeting (or, where the campaign stops here, by the
        # horizon) come due now, in the worlds where nothing has been agreed yet.
        nothing = ~np.logical_or.reduce([agreed[i][idx] for i in issues])
        due.come(idx, np.where(go, nxt, float(horizon)), nothing, first_threat, first_sanction)
        active = idx[go]
        if active.size == 0:
            break
        _drift(scenario, seed, k, vals, active, n, (nxt[go] - day[active]) / 7.0, crn_period)
        day[active] = nxt[go]
        k += 1
        streams = MeetingStreams(seed, k, active, n, crn_period)
        everyone = active.size == n  # no copies when every world still plays (read-only for the model)
        values = dict(vals) if everyone else {p: v[active] for p, v in vals.items()}
        model = NegotiationModel(
            scenario, worlds=active.size, rng=seed, agents=agents, values=values, streams=streams, slots=slots
        )
        model.learnt = beliefs.before(model, active)
        if not ratchet:
            model.concessions = lines.before(active, vals["campaign.carry.going_back_cost"][active])
        model.run()
        meeting_rec = model.records()

    outcome = np.where(
        np.logical_and.reduce([agreed[i] for i in issues]),
        Outcome.AGREEMENT,
        np.where(np.logical_or.reduce([agreed[i] for i in issues]), Outcome.PARTIAL_AGREEMENT, last_outcome),
    ).astype(np.int8)
    rec[ke.CAMPAIGN_MEETINGS.key()] = held_count
    rec[ke.CAMPAIGN_ATTEMPTS.key()] = attempts
    rec[ke.CAMPAIGN_OUTCOME.key()] = outcome
    for iid in issues:
        rec[ke.DAY_AGREEMENT.key(iid)] = first_agreed[iid]
    for pid in sorted(sanctioners):
        rec[ke.DAY_SANCTIONS.key(pid)] = first_sanction[pid]
    for tid in scenario.threats:
        rec[ke.DAY_THREAT.key(tid)] = first_threat[tid]
    if issues:
        rec[ke.DAY_AGREEMENT_ANY.key()] = np.fmin.reduce([first_agreed[i] for i in issues])
    for did, days in due.day.items():
        rec[ke.CAMPAIGN_DEADLINE.key(did)] = days
    for j in range(camp.max_meetings):
        rec[ke.DAY_MEETING.key(j + 1)] = held_days[j] if j < len(held_days) else nan.copy()
    return rec


class Learnt:
    """What each principal has learnt of the other's reservation value, carried between meetings.

    After a meeting, each principal's belief bounds ``(lo, hi]`` (from a protocol that has beliefs,
    ``TalksOutcome.learnt``) are kept for the worlds that held it: a type ruled out stays ruled out.
    Before the next meeting they widen by how far the other's reservation value has moved since
    (drift, threats carried out or spent), so that knowledge of the old value does not rule out
    the new one: ``lo - |dB|, hi + |dB|``.
    """

    def __init__(self, scenario: Scenario, n: int) -> None:
        self.principals = list(scenario.principals)
        self.lo = {pid: np.full(n, -np.inf) for pid in self.principals}
        self.hi = {pid: np.full(n, np.inf) for pid in self.principals}
        self.reservation = {pid: np.full(n, np.nan) for pid in self.principals}

    def after(self, model: NegotiationModel, idx: np.ndarray, held: np.ndarray) -> None:
        """Keep what meeting ``model`` (worlds ``idx``; ``held``: where its talks were held) taught."""
        talks = model.talks
        learnt = talks.learnt if talks is not None else {}
        for pid in self.principals:
            self.reservation[pid][idx] = model.outside_option(pid)
            if pid in learnt:
                lo, hi = learnt[pid]
                rows = idx[held]
                self.lo[pid][rows] = lo[held]
                self.hi[pid][rows] = hi[held]

    def before(self, model: NegotiationModel, idx: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """The bounds each principal brings to meeting ``model`` (over the worlds ``idx``)."""
        out = {}
        for i, pid in enumerate(self.principals[:2]):
            other = self.principals[1 - i]
            moved = np.abs(model.outside_option(other) - self.reservation[other][idx])
            moved = np.nan_to_num(moved, nan=np.inf)
            out[pid] = (self.lo[pid][idx] - moved, self.hi[pid][idx] + moved)
        return out


class _Deadlines:
    """The campaign's deadlines in every world: the day each falls, and whether it has come."""

    def __init__(
        self,
        scenario: Scenario,
        seed: np.random.SeedSequence,
        n: int,
        vals: dict[str, np.ndarray],
        crn_period: int | None = None,
    ) -> None:
        camp = scenario.campaign
        assert camp is not None
        self.scenario = scenario
        self.vals = vals
        # A deadline before the start comes due after the first meeting (the forecast is made before it).
        self.day = {
            did: np.maximum(d.days(camp.start, vals[f"campaign.deadlines.{did}.position"]), 0.0)
            for did, d in camp.deadlines.items()
        }
        self.pending = {did: np.ones(n, dtype=bool) for did in self.day}
        streams = Streams(seed, crn_period)  # world i draws as world i mod P, like the meetings
        self.u = {
            (did, tid): streams.uniform(f"campaign:deadline:{did}:{tid}", n)
            for did, d in camp.deadlines.items()
            for tid in d.threats
        }

    def come(
        self,
        idx: np.ndarray,
        until: np.ndarray,
        nothing_agreed: np.ndarray,
        first_threat: dict[str, np.ndarray],
        first_sanction: dict[str, np.ndarray],
    ) -> None:
        """Deadlines of the worlds ``idx`` that fall on or before ``until`` (per world) come due:
        where nothing is agreed, each listed threat not yet spent is carried out with its
        credibility (docs/model.md, "Campaigns")."""
        camp = self.scenario.campaign
        assert camp is not None
        vals = self.vals
        for did, deadline in camp.deadlines.items():
            days = self.day[did][idx]
            now = self.pending[did][idx] & (days <= until)
            if not now.any():
                continue
            self.pending[did][idx[now]] = False
            fire = now & nothing_agreed
            keep = vals["campaign.carry.unfulfilled_credibility"][idx]
            for tid in deadline.threats:
                t = self.scenario.threats[tid]
                cred = vals[f"threats.{tid}.credibility"][idx]
                done = fire & (self.u[did, tid][idx] < cred)
                spared = fire & ~done
                rows = idx[done]
                first = first_threat[tid]
                first[rows] = np.fmin(first[rows], days[done])
                if t.action == "sanctions":
                    f = first_sanction[t.by]
                    f[rows] = np.fmin(f[rows], days[done])
                _threat_spent(self.scenario, vals, tid, idx, done, spared, keep)


def meeting_went(
    rec: dict[str, np.ndarray], newly_agreed: np.ndarray, gap_before: np.ndarray, gap_after: np.ndarray
) -> np.ndarray:
    """How each world's meeting went (``NOT_HELD``, ``COLLAPSED``, ``IMPASSE``, ``PROGRESS``).

    A walk-out (``outcome`` collapse) is a collapse; else a held meeting that agreed an issue not
    agreed before, or narrowed the mean gap between the sides' public positions (by more than
    EPS), made progress; any other held meeting is an impasse.
    """
    held = rec[ke.TALKS_DIRECT.key()]
    collapsed = rec[ke.OUTCOME_COLUMN.key()] == Outcome.COLLAPSE
    progress = newly_agreed | (gap_after < gap_before - EPS)
    went = np.select([~held, collapsed, progress], [NOT_HELD, COLLAPSED, PROGRESS], default=IMPASSE)
    return np.asarray(went, dtype=np.int8)


def next_probability(went: np.ndarray, values: Mapping[str, np.ndarray]) -> np.ndarray:
    """The chance of another meeting after one that went ``went``: ``min(1, p x factor)``, the
    factor ``after_collapse``, ``after_progress`` or ``after_impasse`` (1 where not stated, and
    after a meeting not held)."""
    p = values["campaign.next_meeting.probability"]
    one = np.ones_like(p)
    factor = np.select(
        [went == COLLAPSED, went == PROGRESS, went == IMPASSE],
        [
            values["campaign.next_meeting.after_collapse"],
            values.get("campaign.next_meeting.after_progress", one),
            values.get("campaign.next_meeting.after_impasse", one),
        ],
        default=1.0,
    )
    return np.asarray(np.minimum(p * factor, 1.0))


def _next_day(
    scenario: Scenario,
    seed: np.random.SeedSequence,
    k: int,
    idx: np.ndarray,
    n: int,
    went: np.ndarray,
    day: np.ndarray,
    vals: dict[str, np.ndarray],
    crn_period: int | None = None,
) -> np.ndarray:
    """The day of meeting ``k + 1`` per world of ``idx`` (inf: none is scheduled); ``went``: how
    meeting ``k`` went (:func:`meeting_went`)."""
    camp = scenario.campaign
    assert camp is not None
    if camp.meetings is not None:
        if k >= len(camp.meetings):
            return np.full(idx.size, np.inf)
        return np.full(idx.size, float(camp.day(camp.meetings[k].date)))
    streams = MeetingStreams(seed, k, idx, n, crn_period)
    values = {p: v[idx] for p, v in vals.items() if p.startswith("campaign.next_meeting.")}
    p = next_probability(went, values)
    again = streams.uniform("campaign:again", idx.size) < p
    weeks = values["campaign.next_meeting.within_weeks"]
    gap = np.maximum(1.0, np.ceil(streams.uniform("campaign:gap", idx.size) * weeks * 7.0))
    return np.where(again, day + gap, np.inf)


def _carry_over(
    scenario: Scenario,
    model: NegotiationModel,
    rec: dict[str, np.ndarray],
    vals: dict[str, np.ndarray],
    idx: np.ndarray,
    *,
    ratchet: bool = True,
) -> None:
    """Carry what meeting ``model`` left in the worlds ``idx`` into ``vals`` (docs/model.md, "Campaigns").

    ``ratchet``: concessions move the ideals (rule 1, no going back); False where the campaign
    prices going back instead (:func:`~simulator.model.concessions.binding`: the ideals stay, the
    concession lines are kept by ``ConcessionLines``).
    """
    camp = scenario.campaign
    assert camp is not None
    held = rec[ke.TALKS_DIRECT.key()]
    # 1. The ratchet: the next meeting starts from this one's positions.
    # A position never carries past its own red line: that would turn the line around (the side
    # it protects would become the side it forbids), so it stops just short of it.
    for pid in scenario.principals if ratchet else ():
        for iid in scenario.issues:
            path = f"parties.{pid}.positions.{iid}.ideal"
            if path not in vals:
                continue
            pos = rec[ke.POSITION.key(pid, iid)]
            ok = held & ~np.isnan(pos)
            rows = idx[ok]
            vals[path][rows] = _short_of_red_line(
                pos[ok], vals[path][rows], vals[f"parties.{pid}.positions.{iid}.red_line"][rows]
            )
    # 2. Agreed issues stay agreed: every party's ideal and red line become the agreed text.
    for iid in scenario.issues:
        rows = rec[ke.AGREED.key(iid)] & ~np.isnan(rec[ke.TEXT.key(iid)])
        if rows.any():
            text = rec[ke.TEXT.key(iid)][rows]
            for pid, party in scenario.parties.items():
                if iid in party.positions:
                    for field in ("ideal", "red_line"):
                        vals[f"parties.{pid}.positions.{iid}.{field}"][idx[rows]] = text
    # 3. Threats: carried out -> the target's outside option falls by the severity and the threat
    # is spent; triggered but not carried out -> credibility (and belief) x the stated factor.
    triggers = model.triggers()
    keep = vals["campaign.carry.unfulfilled_credibility"][idx]
    for tid in scenario.threats:
        done = rec[ke.THREAT.key(tid)]
        spared = triggers[tid] & ~done
        _threat_spent(scenario, vals, tid, idx, done, spared, keep)
    # 4. Attendance remembers: a collapse lowers every party's value of attending; a party that
    # left its chair empty while its counterpart came pays more for doing so again.
    collapsed = rec[ke.OUTCOME_COLUMN.key()] == Outcome.COLLAPSE
    factor = vals["campaign.carry.collapse_talks_value"][idx]
    levels = {pid: rec[ke.LEVEL_COLUMN.key(pid)] for pid in scenario.parties}
    chair = vals["campaign.carry.empty_chair"][idx]
    for pid, party in scenario.parties.items():
        at = f"parties.{pid}.attendance"
        tv = vals[f"{at}.talks_value"]
        tv[idx] = np.where(collapsed, tv[idx] * factor, tv[idx])
        cp = party.attendance.counterpart
        if cp is not None:
            empty = (levels[pid] == 0) & (levels[cp] > 0)
            ec = vals[f"{at}.empty_chair_cost"]
            ec[idx] = np.where(empty, np.clip(ec[idx] * chair, 0.0, 1.0), ec[idx])


def _drift(
    scenario: Scenario,
    seed: np.random.SeedSequence,
    k: int,
    vals: dict[str, np.ndarray],
    rows: np.ndarray,
    n: int,
    weeks: np.ndarray,
    crn_period: int | None = None,
) -> None:
    """Outside options drift over ``weeks`` before meeting ``k + 1``: trend x weeks + sd x sqrt(weeks) x z."""
    camp = scenario.campaign
    assert camp is not None
    streams = MeetingStreams(seed, k, rows, n, crn_period)
    for pid in camp.drift:
        trend = vals[f"campaign.drift.{pid}.trend"][rows]
        sd = vals[f"campaign.drift.{pid}.sd"][rows]
        z = streams.normal(f"campaign:drift:{pid}", rows.size)
        shift_outside_option(scenario, vals, pid, rows, trend * weeks + sd * np.sqrt(weeks) * z)


def shift_outside_option(
    scenario: Scenario, vals: dict[str, np.ndarray], pid: str, rows: np.ndarray, change: np.ndarray
) -> None:
    """Move ``pid``'s outside option by ``change`` in the worlds ``rows``, and its red lines with it.

    A side whose war goes better (its no-deal value rises by ``d``) asks more: each red line moves
    toward its ideal by the share ``d`` of the distance between them; one whose war goes worse
    settles for less, the line moving away from the ideal by the same share (clipped to the scale).
    The change actually applied is the clipped one, so a line never moves for a bound hit.
    """
    path = f"parties.{pid}.outside_option"
    if path not in vals:
        return
    before = vals[path][rows]
    after = np.clip(before + change, 0.0, 1.0)
    vals[path][rows] = after
    d = np.clip(after - before, -1.0, 1.0)
    party = scenario.parties[pid]
    for iid in party.positions:
        red, ideal = f"parties.{pid}.positions.{iid}.red_line", f"parties.{pid}.positions.{iid}.ideal"
        if red in vals and ideal in vals:
            r, i = vals[red][rows], vals[ideal][rows]
            vals[red][rows] = np.clip(r + (i - r) * d, 0.0, 1.0)


def _threat_spent(
    scenario: Scenario,
    vals: dict[str, np.ndarray],
    tid: str,
    idx: np.ndarray,
    done: np.ndarray,
    spared: np.ndarray,
    keep: np.ndarray,
) -> None:
    """A threat carried out (``done``) or triggered and spared (``spared``) in the worlds ``idx``.

    Carried out: the target's outside option moves by ``-(1 - reactance) x severity``, as a
    believed threat weighs on it before (``values.threat_pressure``): a target that resists threats
    (reactance above 1) is stiffened by the blow, not softened; the threat is spent. Spared: its
    credibility (and belief) is multiplied by ``campaign.carry.unfulfilled_credibility``.
    """
    t = scenario.threats[tid]
    react = vals.get(f"parties.{t.against}.reactance")
    r = react[idx] if react is not None else np.zeros(idx.size)
    sev = vals[f"threats.{tid}.severity"][idx]
    if done.any():
        shift_outside_option(scenario, vals, t.against, idx[done], (-(1.0 - r) * sev)[done])
    for path in (f"threats.{tid}.credibility", f"threats.{tid}.believed"):
        if path in vals:
            v = vals[path][idx]
            vals[path][idx] = np.where(done, 0.0, np.where(spared, v * keep, v))


def _short_of_red_line(position: np.ndarray, ideal: np.ndarray, red_line: np.ndarray) -> np.ndarray:
    """``position`` as the new ideal, held strictly on the ideal's side of the red line."""
    side = np.sign(red_line - ideal)
    crossed = (red_line - position) * side <= RED_LINE_GAP
    return np.where((side != 0) & crossed, red_line - side * RED_LINE_GAP, position)
