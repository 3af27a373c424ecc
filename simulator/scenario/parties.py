"""The parties of a scenario: positions on issues, attendance terms, commitments and signals.

Split from :mod:`simulator.scenario.schema` (which re-exports every name) so that each module of
the schema reads in one sitting: here is everything about one party.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, field_validator, model_validator

from simulator.scenario.levels import LEVELS, Level, Role
from simulator.scenario.params import (
    Exponent,
    Multiplier,
    Reactance,
    Source,
    Strict,
    Unit,
)

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=40)]


class Position(Strict):
    """A party's stance on one issue.

    ``ideal`` is what it asks for, ``red_line`` the farthest point it will ever accept (it may lie
    on either side of the ideal), ``salience`` how much it cares, ``concession`` how it concedes
    over the rounds (exponent e: below 1 holds out to the end, above 1 concedes early).

    Under the ``offers`` protocol a red line is soft when it states an ``audience_cost``: a deal
    beyond it costs its leader that much at home (Fearon 1994), so a deal past it is made only
    when it is worth it. Without one, or with ``hard: true``, the line is hard (an infinite cost).
    """

    ideal: Unit
    red_line: Unit
    salience: Unit
    concession: Exponent
    audience_cost: Unit | None = Field(
        default=None,
        description="Cost to the leader of a deal beyond the red line (offers protocol); none: hard.",
    )
    hard: bool = Field(
        default=False, description="The red line is never crossed (an infinite audience cost)."
    )

    @property
    def soft(self) -> bool:
        """Whether crossing the red line has a finite price (an audience cost and not ``hard``)."""
        return self.audience_cost is not None and not self.hard


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


def check_fallback(fallback: Strict | None) -> None:
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
        check_fallback(self.as_of)
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
        check_fallback(self.as_of)
        if self.source is None and self.assumption is None:
            raise ValueError("say where this signal comes from: add source or assumption")
        return self


class Mandate(Strict):
    """Share of the way from ideal to red line that a delegation of each level may concede."""

    leader: Unit
    minister: Unit
    official: Unit


#: The attendance terms that weigh the party's level against its counterpart's: required when a
#: ``counterpart`` is named, and doing nothing (so not asked for) when none is.
COUNTERPART_TERMS = ("legitimacy_cost", "protocol_cost", "empty_chair_cost")


class Attendance(Strict):
    """What drives a party's choice of delegation level (terms in utility units, 0..1).

    Every party needs ``initial``, ``talks_value`` and ``leader_cost``; the three terms of
    :data:`COUNTERPART_TERMS` compare its level with its ``counterpart``'s and are needed only
    when it has one (a mediator usually has none).
    """

    levels: list[Level] = Field(default_factory=lambda: list(LEVELS))
    initial: Initial
    counterpart: Id | None = Field(
        default=None, description="The party whose delegation level this party measures itself by."
    )
    talks_value: Unit = Field(description="Value of attending with a full (leader's) mandate.")
    leader_cost: Unit = Field(description="Schedule and opportunity cost of the leader going.")
    legitimacy_cost: Unit | None = Field(
        default=None, description="Cost of one's leader sitting with the counterpart's (with a counterpart)."
    )
    protocol_cost: Unit | None = Field(
        default=None, description="Cost of outranking the counterpart by three levels (with a counterpart)."
    )
    empty_chair_cost: Unit | None = Field(
        default=None,
        description=(
            "Cost of being outranked by (or absent against) the counterpart by three levels "
            "(with a counterpart)."
        ),
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
    war_cost: Unit | None = Field(
        default=None,
        description="Share of the value of going on that each round of war costs (offers protocol); none: 0.",
    )
    mandate: Mandate | None = Field(default=None, description="Overrides protocol.mandate.")
