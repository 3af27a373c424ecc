"""The event catalogue: every key a run writes, declared once.

A run's model records columns (``level.russia``, ``agreed.ceasefire``, ``param.<path>``, ...), its
tally turns them into yes/no events (``attend.russia``, ``agreement.ceasefire``, ...) and
statistics (``concession.russia.territory``, ``zopa``, ...), and the figures, labels, report,
sweep and timeline read those keys back. Each kind of key is one :class:`Family` here: its key
pattern, its label in words, which scenario elements it ranges over, and whether it is a yes/no
event, a statistic or only a record column. Code builds keys with :meth:`Family.key` and takes
them apart with :func:`parse`, so no other module spells a key out by hand, and
:func:`event_keys` lists a scenario's events from the scenario alone (nothing is simulated to
learn them).

The families live in the scenario layer, the bottom one, because every layer above reads keys
(the labels beside the schema, the model's records, the engine's tallies, the figures).

Example:
    >>> AGREEMENT.key("ceasefire")
    'agreement.ceasefire'
    >>> parse("level.russia.leader").family is LEVEL
    True
    >>> Outcome.PARTIAL_AGREEMENT.key
    'partial_agreement'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING

from simulator.scenario.levels import LEVELS as LEVEL_ENUMS

if TYPE_CHECKING:
    from simulator.scenario.schema import Scenario

#: Delegation levels, lowest first (a ``level.<party>`` column holds the index).
LEVELS: tuple[str, ...] = tuple(lv.value for lv in LEVEL_ENUMS)


class Outcome(IntEnum):
    """How the talks end (the ``outcome`` column holds the value); mutually exclusive."""

    NO_TALKS = 0
    COLLAPSE = 1
    CONTINUE = 2
    PARTIAL_AGREEMENT = 3
    AGREEMENT = 4

    @property
    def key(self) -> str:
        """The name in event keys (``outcome.<key>``) and in ``worlds.parquet``."""
        return self.name.lower()


#: The outcome names in :class:`Outcome` order.
OUTCOMES: tuple[str, ...] = tuple(o.key for o in Outcome)

#: How each outcome reads in a sentence.
OUTCOME_LABELS = {
    Outcome.NO_TALKS.key: "no talks are held",
    Outcome.COLLAPSE.key: "the talks collapse",
    Outcome.CONTINUE.key: "talks continue, nothing agreed",
    Outcome.PARTIAL_AGREEMENT.key: "a partial agreement",
    Outcome.AGREEMENT.key: "a full agreement",
}


class Kind(StrEnum):
    """What a key is: a yes/no event, a statistic (mean and quantiles), or a record column only."""

    EVENT = "event"
    STATISTIC = "statistic"
    RECORD = "record"


#: Placeholders a pattern may hold, and what each ranges over. ``path`` may contain dots.
OVER = {
    "party": "the scenario's parties",
    "principal": "the principal parties",
    "level": "the delegation levels (absent, official, minister, leader)",
    "issue": "the scenario's issues",
    "threat": "the scenario's threats",
    "format": "the protocol's meeting formats",
    "outcome": "the outcome categories",
    "meeting": "a campaign's meetings, from 1",
    "count": "a number of meetings, from 0",
    "path": "a parameter's dotted path",
    "end": "how held talks ended (the names in TALKS_ENDS)",
    "zone_end": "no talks, no zone of agreement, or how talks held with a zone ended (ZONE_ENDS)",
    "round": "a round of the meeting, from 1",
    "deadline": "a campaign's deadlines",
}

#: How the talks ended, per world (the ``talks.end`` column holds the index; ``offers`` protocol):
#: no talks, agreed, a walk-out, the breakdown hazard, an impasse (nothing left to hope for, no
#: walk-out), the meeting's last round, or every agreement refused at ratification.
TALKS_ENDS: tuple[str, ...] = (
    "no_talks",
    "agreed",
    "walkout",
    "hazard",
    "impasse",
    "deadline",
    "ratification",
)
#: The same paths split by the zone of agreement at the start (``zone_path.*``): no talks; talks
#: held with no package worth no deal to both anywhere on the agenda (the mediator's leverage
#: included); or, where there was one, how the talks ended. Under ``offers`` no deal is made
#: outside the zone, so ``zone_path.agreed`` is ``agreement.any``.
ZONE_ENDS: tuple[str, ...] = ("no_talks", "no_zone", *TALKS_ENDS[1:])
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Family:
    """One kind of key: its pattern (``attend.{party}``), label, domain and kind.

    Attributes:
        pattern: The key with ``{placeholder}`` parts (see :data:`OVER`).
        label: The key in words, with the same placeholders (parties and issues by name).
        kind: Event, statistic or record column.
        recorded: The model records a column under the same key (events it copies as they are).
        dated: In a campaign, the event is also reported by each checkpoint date
            (``<key>.by.<YYYY-MM-DD>``).
    """

    pattern: str
    label: str
    kind: Kind
    recorded: bool = False
    dated: bool = False

    @property
    def over(self) -> tuple[str, ...]:
        """The placeholders, in order: what the family ranges over."""
        return tuple(_PLACEHOLDER.findall(self.pattern))

    @property
    def head(self) -> str:
        """The first dotted part (``attend``), which groups keys in tables and reports."""
        return self.pattern.split(".", 1)[0]

    def key(self, *parts: object) -> str:
        """The key for these parts, in :attr:`over` order: ``LEVEL.key("russia", "leader")``."""
        names = self.over
        if len(parts) != len(names):
            raise TypeError(f"{self.pattern} takes {len(names)} parts, got {len(parts)}")
        return self.pattern.format(**{n: str(p) for n, p in zip(names, parts, strict=True)})

    def prefix(self) -> str:
        """The fixed start of every key of the family (``agreement.``), for column filters."""
        return self.pattern.split("{", 1)[0]

    def matches(self, key: str) -> dict[str, str] | None:
        """The parts of ``key`` if it belongs to this family, else None."""
        m = _regex(self.pattern).fullmatch(key)
        return None if m is None else m.groupdict()


def _regex(pattern: str) -> re.Pattern[str]:
    out, pos = "", 0
    for m in _PLACEHOLDER.finditer(pattern):
        out += re.escape(pattern[pos : m.start()])
        out += f"(?P<{m.group(1)}>.+)" if m.group(1) == "path" else f"(?P<{m.group(1)}>[^.]+)"
        pos = m.end()
    return re.compile(out + re.escape(pattern[pos:]))


E, S, R = Kind.EVENT, Kind.STATISTIC, Kind.RECORD

# --- events (summary.json "events": share of worlds with a Wilson interval) ----------------------
ATTEND = Family("attend.{party}", "{party} attends", E)
LEVEL = Family("level.{party}.{level}", "{party} sends: {level}", E)
TALKS_DIRECT = Family("talks.direct", "direct talks are held", E, recorded=True, dated=True)
TALKS_LEADERS = Family("talks.leaders", "the leaders meet", E, recorded=True)
TALKS_MEDIATED = Family("talks.mediated", "the talks are mediated", E, recorded=True)
FORMAT = Family("format.{format}", "talks in the {format} format", E, recorded=True)
AGREEMENT_ANY = Family("agreement.any", "anything is agreed", E, dated=True)
AGREEMENT = Family("agreement.{issue}", "{issue} agreed", E, dated=True)
SANCTIONS = Family("sanctions.{party}", "new sanctions by {party}", E, dated=True)
THREAT = Family("threat.{threat}", "threat carried out: {threat}", E, recorded=True, dated=True)
WALKOUT = Family("walkout.{principal}", "{principal} walks out", E, recorded=True)
OUTCOME = Family("outcome.{outcome}", "{outcome}", E)
AGREEMENT_PATH = Family("agreement_path.{end}", "the chance of agreement ends: {end}", E)
ROUNDS_TO_AGREEMENT = Family("rounds_to_agreement.{round}", "agreement comes in round {round}", E)
ZONE_PATH = Family("zone_path.{zone_end}", "from the zone of agreement at the start: {zone_end}", E)
MEETING_HELD = Family("meeting.{meeting}.held", "meeting {meeting} is held", E, dated=True)
MEETINGS_COUNT = Family("meetings.count.{count}", "{count} meetings are held", E)

# --- statistics (summary.json "stats": mean and quantiles over the worlds where they apply) -------
ROUNDS = Family("rounds", "rounds held (share of the allowed rounds)", S, recorded=True)
CONCESSION = Family(
    "concession.{principal}.{issue}", "how far {principal} moved on {issue}", S, recorded=True
)
POSITION = Family("position.{principal}.{issue}", "{principal}'s final position on {issue}", S, recorded=True)
TEXT = Family("text.{issue}", "the text on {issue} last on the table", S, recorded=True)
ZOPA = Family("zopa", "a zone of agreement exists on every issue", S, recorded=True)
ZOPA_ISSUE = Family("zopa.{issue}", "a zone of agreement exists on {issue}", S, recorded=True)
BY_PROTOCOL = Family("by_protocol", "each ensemble member's events", S)

# --- record columns only (worlds.parquet) ---------------------------------------------------------
LEVEL_COLUMN = Family("level.{party}", "the level {party} sent", R)
AGREED = Family("agreed.{issue}", "{issue} agreed at this meeting", R)
PARAM = Family("param.{path}", "the drawn value of {path}", R)
OUTCOME_COLUMN = Family("outcome", "how the talks end", R)
PROTOCOL_COLUMN = Family("protocol", "the ensemble member played", R)
REFERRED = Family("ratification.{principal}.referred", "{principal}'s delegation agreed ad referendum", R)
REJECTED = Family("ratification.{principal}.rejected", "{principal}'s leader refused to ratify", R)
TALKS_END = Family("talks.end", "how the talks ended (an index into TALKS_ENDS)", R)
AGREED_ROUND = Family("talks.agreed_round", "the round of the first surviving agreement (0: none)", R)
CAMPAIGN_MEETINGS = Family("campaign.meetings", "meetings held", R)
CAMPAIGN_ATTEMPTS = Family("campaign.attempts", "meetings attempted", R)
CAMPAIGN_OUTCOME = Family("campaign.outcome", "how the campaign stands at its horizon", R)
DAY_AGREEMENT = Family("day.agreement.{issue}", "{issue} first agreed", R)
DAY_SANCTIONS = Family("day.sanctions.{party}", "the day of the first new sanctions by {party}", R)
DAY_MEETING = Family("day.meeting.{meeting}", "meeting {meeting} held", R)
DAY_THREAT = Family("day.threat.{threat}", "{threat} first carried out (at a meeting or a deadline)", R)
DAY_AGREEMENT_ANY = Family("day.agreement.any", "anything first agreed", R)
CAMPAIGN_DEADLINE = Family("campaign.deadline.{deadline}", "the day {deadline} falls", R)

#: Every family, events in ``summary.json`` reading order first (the order :func:`sort_key` uses).
FAMILIES: tuple[Family, ...] = (
    ATTEND,
    LEVEL,
    MEETING_HELD,
    MEETINGS_COUNT,
    TALKS_DIRECT,
    TALKS_LEADERS,
    TALKS_MEDIATED,
    FORMAT,
    AGREEMENT_ANY,
    AGREEMENT,
    SANCTIONS,
    THREAT,
    WALKOUT,
    OUTCOME,
    AGREEMENT_PATH,
    ROUNDS_TO_AGREEMENT,
    ZONE_PATH,
    ROUNDS,
    CONCESSION,
    POSITION,
    TEXT,
    ZOPA,
    ZOPA_ISSUE,
    BY_PROTOCOL,
    LEVEL_COLUMN,
    AGREED,
    PARAM,
    OUTCOME_COLUMN,
    PROTOCOL_COLUMN,
    REFERRED,
    REJECTED,
    TALKS_END,
    AGREED_ROUND,
    CAMPAIGN_MEETINGS,
    CAMPAIGN_ATTEMPTS,
    CAMPAIGN_OUTCOME,
    DAY_AGREEMENT,
    DAY_SANCTIONS,
    DAY_MEETING,
    DAY_THREAT,
    DAY_AGREEMENT_ANY,
    CAMPAIGN_DEADLINE,
)
#: Event keys in a campaign by a date: ``<event>.by.<YYYY-MM-DD>``.
DATED = re.compile(r"(?P<event>.+)\.by\.(?P<date>\d{4}-\d{2}-\d{2})")


def by_date(key: str, date: str) -> str:
    """The dated form of an event key: ``agreement.ceasefire.by.2025-06-30``."""
    return f"{key}.by.{date}"


@dataclass(frozen=True)
class Parsed:
    """A key taken apart: its family, its parts by placeholder, and its date (dated events)."""

    family: Family
    parts: dict[str, str]
    date: str | None = None


def parse(key: str, kinds: Iterable[Kind] = (E,)) -> Parsed | None:
    """The family and parts of ``key`` among families of ``kinds`` (events by default), or None.

    Fixed keys win over patterns (``agreement.any`` is not the issue ``any``), so an id that
    shadows a fixed key cannot be told apart: the schema's id pattern makes that unlikely.
    """
    wanted = set(kinds)
    date = None
    m = DATED.fullmatch(key)
    if m and E in wanted:
        key, date = m.group("event"), m.group("date")
    families = [f for f in FAMILIES if f.kind in wanted]
    for f in sorted(families, key=lambda f: bool(f.over)):  # fixed keys first
        parts = f.matches(key)
        if parts is not None and (date is None or f.dated or f is OUTCOME):
            return Parsed(f, parts, date)
    return None


def headline_issue(scenario: Scenario) -> str:
    """The issue whose agreement ends a campaign and whose absence triggers ``no_ceasefire`` threats.

    ``scenario.headline_issue`` when set, else the first issue (in the shipped Istanbul scenarios
    that is ``ceasefire``). Generic code asks this instead of naming an issue.
    """
    return scenario.headline_issue or next(iter(scenario.issues))


def sanctioners(scenario: Scenario) -> list[str]:
    """Parties that threaten sanctions, in party order."""
    by = {t.by for t in scenario.threats.values() if t.action == "sanctions"}
    return [pid for pid in scenario.parties if pid in by]


#: Meetings whose ``meeting.<n>.held.by.<date>`` is reported at each checkpoint.
DATED_MEETINGS = (2, 3)


def event_keys(scenario: Scenario, *, walkouts: bool) -> list[str]:
    """Every event key a run of ``scenario`` reports, in the order the tally builds them.

    ``walkouts``: whether every protocol the scenario plays has walk-outs (else ``walkout.*`` and
    ``outcome.collapse`` are not produced rather than filled with zeros).
    """
    keys: list[str] = []
    for pid in scenario.parties:
        keys.append(ATTEND.key(pid))
        keys += [LEVEL.key(pid, lv) for lv in LEVELS]
    keys += [TALKS_DIRECT.key(), TALKS_LEADERS.key(), TALKS_MEDIATED.key()]
    keys += [FORMAT.key(fid) for fid in scenario.protocol.formats]
    keys += [AGREEMENT.key(iid) for iid in scenario.issues]
    keys.append(AGREEMENT_ANY.key())
    keys += [SANCTIONS.key(pid) for pid in scenario.parties]
    keys += [THREAT.key(tid) for tid in scenario.threats]
    if walkouts:
        keys += [WALKOUT.key(pid) for pid in scenario.principals]
    keys += [OUTCOME.key(o.key) for o in outcomes(walkouts)]
    if decomposes(scenario):
        keys += [AGREEMENT_PATH.key(end) for end in TALKS_ENDS]
        keys += [ROUNDS_TO_AGREEMENT.key(r) for r in range(1, scenario.protocol.rounds + 1)]
        keys += [ZONE_PATH.key(end) for end in ZONE_ENDS]
    camp = scenario.campaign
    if camp is not None:
        keys += [MEETING_HELD.key(k) for k in range(1, camp.max_meetings + 1)]
        keys += [MEETINGS_COUNT.key(k) for k in range(camp.max_meetings + 1)]
        for c in camp.checkpoints:
            tag = c.isoformat()
            keys += [by_date(AGREEMENT.key(iid), tag) for iid in scenario.issues]
            keys.append(by_date(AGREEMENT_ANY.key(), tag))
            keys.append(by_date(TALKS_DIRECT.key(), tag))
            keys += [by_date(SANCTIONS.key(pid), tag) for pid in scenario.parties]
            keys += [by_date(THREAT.key(tid), tag) for tid in scenario.threats]
            keys += [by_date(MEETING_HELD.key(k), tag) for k in DATED_MEETINGS if k <= camp.max_meetings]
        keys += [by_date(OUTCOME.key(o.key), camp.horizon.isoformat()) for o in outcomes(walkouts)]
    return keys


def decomposes(scenario: Scenario) -> bool:
    """Whether the scenario's protocol records how the talks ended (``agreement_path.*`` events)."""
    from simulator import plugins

    return bool(getattr(plugins.protocol_class(scenario.protocol.kind), "records_paths", False))


def outcomes(walkouts: bool) -> list[Outcome]:
    """The outcome categories a run reports (``collapse`` only where walk-outs exist)."""
    return [o for o in Outcome if walkouts or o is not Outcome.COLLAPSE]


def sort_key(key: str, rank: Mapping[str, int]) -> tuple[int, int, str]:
    """Reading order of ``summary.json``: by family, then ``rank`` (the scenario's order of parties,
    issues and threats), then level and outcome order."""
    head, _, rest = key.partition(".")
    subject = rest.split(".", 1)[0]
    parsed = parse(key)
    if parsed is not None and parsed.family is LEVEL and parsed.date is None:
        rest = f"{parsed.parts['party']}.{LEVELS.index(parsed.parts['level'])}"
    elif head == OUTCOME.head and rest in OUTCOMES:
        rest = str(OUTCOMES.index(rest))
    kind = _HEAD_ORDER.index(head) if head in _HEAD_ORDER else 99
    return (kind, rank.get(subject, -1), rest)


_HEAD_ORDER = tuple(
    dict.fromkeys(f.head for f in FAMILIES if f.kind is E)
)  # attend, level, meeting, meetings, talks, format, agreement, sanctions, threat, walkout, outcome


def summary_order(keys: Iterable[str], scenario: Scenario) -> list[str]:
    """``keys`` in ``summary.json`` reading order for ``scenario``."""
    rank = {name: i for i, name in enumerate([*scenario.parties, *scenario.issues, *scenario.threats])}
    return sorted(keys, key=lambda k: sort_key(k, rank))


def label(key: str, names: Mapping[str, str] | None = None) -> str | None:
    """A readable label for an event key (parties and issues by ``names``), or None if unknown."""
    parsed = parse(key)
    if parsed is None:
        return None
    names = names or {}
    f, parts = parsed.family, {k: names.get(v, v) for k, v in parsed.parts.items()}
    if f is LEVEL:
        level = parsed.parts["level"]
        text = {"absent": "{party} stays away", "leader": "{party} sends its leader"}.get(level, f.label)
        text = text.format(**parts)
    elif f is OUTCOME:
        text = OUTCOME_LABELS.get(parsed.parts["outcome"], key)
    elif f is THREAT or f is FORMAT:
        text = f.label.format(**{k: v.replace("_", " ") for k, v in parsed.parts.items()})
    else:
        text = f.label.format(**parts)
    return text if parsed.date is None else f"{text} by {parsed.date}"


#: The talks events (``talks.direct``, ``talks.leaders``, ``talks.mediated``).
TALKS = (TALKS_DIRECT, TALKS_LEADERS, TALKS_MEDIATED)
#: Agreement events (``agreement.<issue>`` and ``agreement.any``).
AGREEMENTS = (AGREEMENT, AGREEMENT_ANY)


def select(keys: Iterable[str], *families: Family, dated: bool = True) -> list[str]:
    """The keys (in order) that belong to any of ``families``; their dated forms too unless
    ``dated`` is False."""
    out = []
    for k in keys:
        p = parse(k, {f.kind for f in families})
        if p is not None and p.family in families and (dated or p.date is None):
            out.append(k)
    return out
