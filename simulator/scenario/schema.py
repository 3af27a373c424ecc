"""The scenario schema: parties, issues, positions, attendance, threats, pressures and protocol.

A scenario is a strict pydantic v2 record (unknown keys are errors, numbers have ranges, ids are
checked for references) built from YAML by :mod:`simulator.scenario.load`. Collections that users address
by name (``parties``, ``issues``, ``threats``, ``pressures``, ``formats``) are mappings keyed by
id, so a what-if file (``extends:``) or ``--set parties.russia.attendance.legitimacy_cost=0.3``
can name exactly what it changes.

See ``docs/scenario-format.md`` for the format with a worked example, and ``docs/model.md`` for
what each parameter does in the model.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Literal, Self, get_args

from pydantic import Field, PrivateAttr, ValidationInfo, field_validator, model_validator

from simulator.scenario.campaign import Campaign
from simulator.scenario.fitted import fitted_members
from simulator.scenario.levels import LEVELS, Level, Role
from simulator.scenario.params import (
    Exponent,
    Multiplier,
    Noise,
    Param,
    Reactance,
    Source,
    Strict,
    Unit,
)
from simulator.scenario.rules import DecisionRule
from simulator.scenario.slots import ParamSlot, slots_of
from simulator.scenario.yamlsafe import dump_yaml

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=40)]


class Issue(Strict):
    """One negotiated dimension on a 0..1 scale, with both ends described in words."""

    name: str
    low: str = Field(description="What 0 means.")
    high: str = Field(description="What 1 means.")
    separable: bool = Field(
        default=False,
        description=(
            "Agreed on its own, outside the package (a humanitarian step, a next meeting): "
            "what makes a partial agreement possible under agreement: package."
        ),
    )
    reversion: Unit | None = Field(
        default=None,
        description="The policy that holds without agreement (reversion point, 0..1).",
    )


class Position(Strict):
    """A party's stance on one issue.

    ``ideal`` is what it asks for, ``red_line`` the farthest point it will ever accept (it may lie
    on either side of the ideal), ``salience`` how much it cares, ``concession`` how it concedes
    over the rounds (exponent e: below 1 holds out to the end, above 1 concedes early).
    """

    ideal: Unit
    red_line: Unit
    salience: Unit
    concession: Exponent


class Condition(Strict):
    """``party`` sends a delegation at ``level`` or higher."""

    party: Id
    level: Level = Level.leader


class Dropped(Strict):
    """An ``as_of:`` fallback that removes its entry: ``{absent: true, assumption: ...}``.

    Used by a commitment not yet made, or a shared factor not yet known, before its sources.
    """

    absent: Literal[True]
    assumption: str = Field(min_length=3)


def _check_fallback(fallback: Strict | None) -> None:
    """A fallback states its assumption and has no fallback of its own (as a Param's)."""
    if fallback is None or isinstance(fallback, Dropped):
        return
    if getattr(fallback, "assumption", None) is None or getattr(fallback, "as_of", None) is not None:
        raise ValueError("as_of: a fallback states its assumption (and has no as_of of its own)")


class Commitment(Strict):
    """A public conditional commitment about one's own attendance.

    ``only_if``: the party will not send ``level`` (or higher) unless ``condition`` holds — a hard
    constraint ("I will only attend if Putin is there"). ``promise``: the party said it will send
    ``level`` when ``condition`` holds (or always, without one); sending less then costs it
    ``audience_cost``.
    """

    kind: Literal["only_if", "promise"]
    level: Level
    condition: Condition | None = None
    audience_cost: Unit | None = None
    source: Source | list[Source] | None = None
    assumption: str | None = None
    as_of: Commitment | Dropped | None = Field(
        default=None,
        description="Used before a source was published: a replacement, or {absent: true} (not yet made).",
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        _check_fallback(self.as_of)
        if self.level == Level.absent:
            raise ValueError("a commitment is about attending: level cannot be 'absent'")
        if self.kind == "only_if" and self.condition is None:
            raise ValueError("an only_if commitment needs a condition")
        if self.kind == "promise" and self.audience_cost is None:
            raise ValueError("a promise needs an audience_cost (what breaking it costs)")
        if self.kind == "only_if" and self.audience_cost is not None:
            raise ValueError("audience_cost applies to promises; only_if is a hard constraint")
        if self.source is None and self.assumption is None:
            raise ValueError("say where this commitment comes from: add source or assumption")
        return self


class Watcher(Strict):
    """Who watches for the empty chair: the cost grows with ``party``'s level of presence."""

    party: Id
    weight: Multiplier


class Initial(Strict):
    """The level a party had signalled at the start of the timeline, with its evidence."""

    level: Level
    source: Source | list[Source] | None = None
    assumption: str | None = None
    as_of: Initial | None = Field(
        default=None, description="The signal used instead before one of its sources was published."
    )

    @model_validator(mode="after")
    def _provenance(self) -> Self:
        _check_fallback(self.as_of)
        if self.source is None and self.assumption is None:
            raise ValueError("say where this signal comes from: add source or assumption")
        return self


class Mandate(Strict):
    """Share of the way from ideal to red line that a delegation of each level may concede."""

    leader: Unit
    minister: Unit
    official: Unit


class Attendance(Strict):
    """What drives a party's choice of delegation level (terms in utility units, 0..1)."""

    levels: list[Level] = Field(default_factory=lambda: list(LEVELS))
    initial: Initial
    counterpart: Id | None = Field(
        default=None, description="The party whose delegation level this party measures itself by."
    )
    talks_value: Unit = Field(description="Value of attending with a full (leader's) mandate.")
    leader_cost: Unit = Field(description="Schedule and opportunity cost of the leader going.")
    legitimacy_cost: Unit = Field(description="Cost of one's leader sitting with the counterpart's.")
    protocol_cost: Unit = Field(description="Cost of outranking the counterpart by three levels.")
    empty_chair_cost: Unit = Field(
        description="Cost of being outranked by (or absent against) the counterpart by three levels."
    )
    watcher: Watcher | None = None
    commitments: list[Commitment] = Field(default_factory=list)

    @field_validator("levels")
    @classmethod
    def _levels(cls, v: list[Level]) -> list[Level]:
        if Level.absent not in v:
            raise ValueError("'absent' must be among the levels (a party can always stay away)")
        if len(set(v)) != len(v):
            raise ValueError("levels are listed twice")
        return v


class Party(Strict):
    """One party to the negotiation: who it is, how it decides to attend, what it wants."""

    name: str
    leader: str
    role: Role
    capability: Unit
    attendance: Attendance
    positions: dict[Id, Position] = Field(default_factory=dict)
    outside_option: Unit | None = Field(
        default=None,
        description="Value of no deal (continued war), on the scale of a deal's value.",
    )
    reactance: Reactance | None = None
    mandate: Mandate | None = Field(default=None, description="Overrides protocol.mandate.")


class Threat(Strict):
    """A public threat: ``by`` does ``action`` to ``against`` if ``trigger`` happens."""

    by: Id
    against: Id
    action: Literal["sanctions", "other"] = "sanctions"
    trigger: Literal["no_ceasefire", "no_agreement", "absent", "walkout"]
    description: str = ""
    credibility: Unit = Field(description="Probability of carrying it out once triggered.")
    believed: Unit | None = Field(
        default=None, description="How credible the target finds it (default: credibility)."
    )
    severity: Unit = Field(description="How much it hurts the target, on the scale of a deal's value.")


class Pressure(Strict):
    """Pressure on a party to attend (any level), from a party or an outside actor."""

    by: str = Field(min_length=1, description="A party id or the name of an outside actor.")
    on: Id
    strength: Unit


class Format(Strict):
    """A meeting format: held when every listed party attends."""

    parties: list[Id] = Field(min_length=2)


#: The talks protocols a scenario can name (``simulator.model.protocols``); ``ensemble`` mixes them.
ProtocolKind = Literal["single_text", "expected_utility", "nash", "compromise"]


class Protocol(Strict):
    """How attendance is settled and how the talks run.

    ``kind`` names the talks procedure (``simulator.model.protocols``); ``rounds`` is how many
    exchanges the meeting allows and ``deadline`` the round by which each side's aspiration has
    fallen to its reservation value (default: the last round). ``walkout_hazard`` is the chance
    per round that the talks break down for reasons outside the model (an incident, a leak).
    ``kind: ensemble`` is a model average: each world plays one of ``members``, drawn with
    probability proportional to its weight (equal weights when ``members`` is left out: an
    assumption). ``members`` may also name fitted weights (``deu3_v1``: fitted on DEU III,
    ``simulator.scenario.fitted``), read when the scenario is validated.
    """

    kind: ProtocolKind | Literal["ensemble"] = "single_text"
    members: dict[ProtocolKind, Annotated[float, Field(gt=0, allow_inf_nan=False)]] | None = None
    announcement_order: list[Id]
    announcement_rounds: int = Field(default=3, ge=1, le=20, strict=True)
    choice_noise: Noise
    rounds: int = Field(default=6, ge=1, le=50, strict=True)
    deadline: int | None = Field(default=None, ge=1, le=50, strict=True)
    mediator: Id | None = None
    agreement: Literal["package", "issue_by_issue"] = "issue_by_issue"
    formats: dict[Id, Format] = Field(default_factory=dict)
    mandate: Mandate
    walkaway_margin: Unit
    walkout_hazard: Unit | None = None
    rule: DecisionRule = Field(default_factory=DecisionRule)

    @field_validator("members", mode="before")
    @classmethod
    def _fitted_members(cls, value: object) -> object:
        return fitted_members(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _members_only_for_ensemble(self) -> Self:
        if self.members is not None and self.kind != "ensemble":
            raise ValueError(f"'members' is for kind: ensemble (kind is {self.kind!r})")
        if self.members is not None and not self.members:
            raise ValueError("an ensemble needs at least one member")
        return self

    @property
    def weights(self) -> dict[str, float]:
        """The ensemble's members and weights (equal weights over every protocol if none given)."""
        if self.kind != "ensemble":
            return {self.kind: 1.0}
        members = self.members or dict.fromkeys(get_args(ProtocolKind), 1.0)
        return {str(k): float(v) for k, v in members.items()}

    @property
    def last_round_of_concessions(self) -> int:
        """The deadline round (the last round when no deadline is given)."""
        return self.deadline or self.rounds


class Factor(Strict):
    """A shared influence on several uncertain parameters (a Gaussian copula; marginals are kept).

    ``loadings`` maps a parameter's dotted path to its loading in [-1, 1]: two parameters with
    loadings ``l1`` and ``l2`` have normal-score correlation ``l1 * l2``; a negative loading moves
    the parameter against the factor.
    """

    description: str = ""
    loadings: dict[str, Annotated[float, Field(ge=-1.0, le=1.0, strict=True)]] = Field(min_length=1)
    source: Source | list[Source] | None = None
    assumption: str | None = Field(default=None, min_length=3)
    as_of: Factor | Dropped | None = Field(
        default=None,
        description="Used before a source was published: other loadings, or {absent: true} (no factor).",
    )

    @model_validator(mode="after")
    def _provenance(self) -> Self:
        _check_fallback(self.as_of)
        if self.source is None and self.assumption is None:
            raise ValueError("say why these parameters move together: add source or assumption")
        return self


class Scenario(Strict):
    """A whole scenario: who negotiates over what, and how. Load it with ``load_scenario``."""

    name: str
    description: str = ""
    as_of: str = Field(default="", description="The date the forecast is made as of.")
    seeds: str = Field(default="../seeds", description="Folder of seed articles, relative to file.")
    issues: dict[Id, Issue] = Field(min_length=1)
    parties: dict[Id, Party] = Field(min_length=2)
    threats: dict[Id, Threat] = Field(default_factory=dict)
    pressures: dict[Id, Pressure] = Field(default_factory=dict)
    factors: dict[Id, Factor] = Field(default_factory=dict)
    datasets: dict[Id, str] = Field(
        default_factory=dict, description="Dataset files cited by sources, by id, relative to the file."
    )
    protocol: Protocol
    campaign: Campaign | None = Field(
        default=None, description="Meetings over calendar time (absent: one meeting)."
    )

    # Where the scenario was loaded from (set by the loader; None for scenarios built in Python).
    _path: Path | None = PrivateAttr(default=None)
    _seeds_dir: Path | None = PrivateAttr(default=None)

    @property
    def path(self) -> Path | None:
        """The file this scenario was loaded from, if any."""
        return self._path

    @property
    def seeds_dir(self) -> Path | None:
        """The folder of seed articles its sources were checked against, if loaded from a file."""
        return self._seeds_dir

    def to_yaml(self) -> str:
        """The scenario as YAML, exactly as it runs (after ``extends:`` and ``--set``)."""
        return dump_yaml(self.model_dump(mode="json", exclude_none=True))

    def sha256(self) -> str:
        """A fingerprint of what the scenario simulates (its YAML, less where the seeds live).

        The seeds folder is left out: it moves when a run folder's resolved copy is written, and
        it changes no number.
        """
        data = self.model_dump(mode="json", exclude_none=True, exclude={"seeds"})
        return hashlib.sha256(dump_yaml(data).encode()).hexdigest()

    @model_validator(mode="after")
    def _references(self, info: ValidationInfo) -> Self:
        # The loader defers this check so it can place each problem at its own line and column.
        if not (info.context or {}).get("defer_references"):
            problems = [f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in self.reference_problems()]
            if problems:
                raise ValueError("; ".join(problems))
        return self

    def reference_problems(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        """Yield ``(location, message)`` for every id that refers to nothing, and similar."""
        parties, issues = set(self.parties), set(self.issues)
        known = ", ".join(sorted(parties))

        def ref(pid: str | None, *loc: str | int) -> Iterator[tuple[tuple[str | int, ...], str]]:
            if pid is not None and pid not in parties:
                yield loc, f"unknown party '{pid}' (parties: {known})"

        for pid, p in self.parties.items():
            a = p.attendance
            at = ("parties", pid, "attendance")
            yield from ref(a.counterpart, *at, "counterpart")
            if a.watcher:
                yield from ref(a.watcher.party, *at, "watcher", "party")
            if a.initial.level not in a.levels:
                yield (*at, "initial", "level"), f"level '{a.initial.level}' is not in levels"
            for i, c in enumerate(a.commitments):
                if c.condition:
                    yield from ref(c.condition.party, *at, "commitments", i, "condition", "party")
            for iid in p.positions:
                if iid not in issues:
                    yield (
                        ("parties", pid, "positions", iid),
                        (f"unknown issue '{iid}' (issues: {', '.join(sorted(issues))})"),
                    )
            if p.role == Role.principal:
                missing = sorted(issues - set(p.positions))
                if missing:
                    yield (
                        ("parties", pid, "positions"),
                        (f"a principal needs a position on every issue; missing: {', '.join(missing)}"),
                    )
                for name in ("outside_option", "reactance"):
                    if getattr(p, name) is None:
                        yield ("parties", pid), f"a principal needs '{name}'"
        for tid, t in self.threats.items():
            yield from ref(t.by, "threats", tid, "by")
            yield from ref(t.against, "threats", tid, "against")
        for qid, q in self.pressures.items():
            yield from ref(q.on, "pressures", qid, "on")
        pr = self.protocol
        for i, pid in enumerate(pr.announcement_order):
            yield from ref(pid, "protocol", "announcement_order", i)
        order = pr.announcement_order
        if sorted(order) != sorted(parties) and set(order) <= parties:
            yield (
                ("protocol", "announcement_order"),
                (f"must list every party exactly once (parties: {known})"),
            )
        yield from ref(pr.mediator, "protocol", "mediator")
        for fid, f in pr.formats.items():
            for i, pid in enumerate(f.parties):
                yield from ref(pid, "protocol", "formats", fid, "parties", i)
        for bid, body in pr.rule.bodies.items():
            for i, pid in enumerate(body.members):
                yield from ref(pid, "protocol", "rule", "bodies", bid, "members", i)
        yield from ref(pr.rule.agenda_setter, "protocol", "rule", "agenda_setter")
        if len(self.principals) < 2:
            yield ("parties",), "at least two parties need role 'principal'"
        elif len(self.principals) > 2 and pr.kind == "single_text":
            yield ("parties",), "the single_text talks take exactly two principals"
        if self.campaign is not None:
            for pid in self.campaign.drift:
                yield from ref(pid, "campaign", "drift", pid)
                if pid in parties and self.parties[pid].outside_option is None:
                    yield ("campaign", "drift", pid), f"'{pid}' has no outside_option to drift"
        yield from self._factor_problems()

    def _factor_problems(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        uncertain = self.uncertain_parameters()
        squares: dict[str, float] = {}
        for fid, f in self.factors.items():
            for path, weight in f.loadings.items():
                # A loading on a fixed parameter (say one fixed with --set) has nothing to move.
                if path not in uncertain and path not in self.parameter_slots():
                    yield ("factors", fid, "loadings", path), f"'{path}' is no parameter of this scenario"
                squares[path] = squares.get(path, 0.0) + weight * weight
        for path, total in squares.items():
            if total > 1.0 + 1e-9:
                yield ("factors",), f"the squared loadings of '{path}' sum to {total:.2f}; at most 1"

    @property
    def principals(self) -> list[str]:
        """Ids of the principal parties, in file order."""
        return [pid for pid, p in self.parties.items() if p.role == Role.principal]

    def mandate_of(self, party: str) -> Mandate:
        """The party's own mandate if it has one, otherwise the protocol's."""
        return self.parties[party].mandate or self.protocol.mandate

    def parameters(self) -> dict[str, Param]:
        """Every Param in the scenario by dotted path, in file order."""
        return {path: slot.param for path, slot in self.parameter_slots().items()}

    def parameter_slots(self) -> dict[str, ParamSlot]:
        """Every Param with its dotted path and allowed range, in file order."""
        return {slot.path: slot for slot in slots_of(self, "", (-math.inf, math.inf))}

    def uncertain_parameters(self) -> dict[str, ParamSlot]:
        """The parameters drawn per world (the ones sensitivity analysis varies)."""
        return {k: s for k, s in self.parameter_slots().items() if s.param.uncertain}
