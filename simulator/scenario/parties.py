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
