"""Delegation levels and party roles: the two enumerations every layer speaks."""

from __future__ import annotations

from enum import StrEnum


class Level(StrEnum):
    """Delegation levels, lowest first: the order is the rank used by the attendance rules."""

    absent = "absent"
    official = "official"
    minister = "minister"
    leader = "leader"

    @property
    def rank(self) -> int:
        """0 for absent up to 3 for leader."""
        return LEVELS.index(self)


LEVELS: tuple[Level, ...] = (Level.absent, Level.official, Level.minister, Level.leader)


class Role(StrEnum):
    """A party's role: principals must meet for talks to happen; a mediator can table a text."""

    principal = "principal"
    mediator = "mediator"
    third_party = "third_party"
