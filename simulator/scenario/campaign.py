"""The optional ``campaign:`` block of a scenario: meetings over calendar time.

A scenario without it is one meeting (as it always was). With it, the scenario's meeting is the
first of a campaign that runs from ``start`` to ``horizon``: further meetings are dated
(``meetings``) or drawn from a hazard (``next_meeting``), and what one meeting leaves behind
(concessions, agreed issues, threats carried out or not, a collapse, an empty chair) carries over
into the next by the rules in ``docs/model.md`` (section "Campaigns"). Every rate and factor here
is a :class:`~simulator.scenario.params.Param`, drawn per world like any other parameter.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Self

import numpy as np
from pydantic import BeforeValidator, Field, model_validator

from simulator.scenario.params import Multiplier, Param, Strict, Unit, ranged
from simulator.scenario.parties import Id

#: A weekly drift of a value on the unit interval (trend), per week.
Trend = Annotated[Param, ranged(-0.1, 0.1)]
#: The spread of a weekly drift (standard deviation per sqrt(week)).
Spread = Annotated[Param, ranged(0.0, 0.2)]
#: A span in weeks.
Weeks = Annotated[Param, ranged(0.5, 52.0)]


def _day(value: object) -> object:
    """A date is written ``YYYY-MM-DD``: a number (``1747353600``, a Unix time) is refused."""
    if isinstance(value, dt.date) or (isinstance(value, str) and _DAY.fullmatch(value.strip())):
        return value
    raise ValueError("a date is written YYYY-MM-DD (in quotes or not)")


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
#: A calendar day as written in a scenario.
Day = Annotated[dt.date, BeforeValidator(_day)]

#: Most meetings (held or not) one campaign may schedule.
MAX_MEETINGS = 30


class Meeting(Strict):
    """A meeting fixed in the calendar."""

    date: Day


class NextMeeting(Strict):
    """Another round within ``within_weeks`` weeks (uniformly), with ``probability`` times a factor
    for how the last meeting went: ``after_collapse`` after a walk-out, ``after_progress`` after a
    meeting that agreed an issue or narrowed the gap between the sides' public positions,
    ``after_impasse`` after one held with neither (the product capped at 1). The last two are
    optional: absent, the factor is 1 (the rule before they existed)."""

    within_weeks: Weeks
    probability: Unit
    after_collapse: Unit
    after_progress: Multiplier | None = Field(
        default=None, description="After a meeting that made progress, the probability x this (capped at 1)."
    )
    after_impasse: Unit | None = Field(
        default=None,
        description="After a meeting held with no progress and no walk-out, the probability x this.",
    )


class Drift(Strict):
    """How a party's outside option moves per week between meetings: trend + noise."""

    trend: Trend
    sd: Spread


class Carry(Strict):
    """What one meeting leaves to the next (formulas in docs/model.md, "Campaigns")."""

    unfulfilled_credibility: Unit = Field(
        description="A threat triggered but not carried out keeps this share of its credibility."
    )
    collapse_talks_value: Unit = Field(
        description="After a collapse, every party's value of attending is multiplied by this."
    )
    empty_chair: Multiplier = Field(
        description="A party that stayed away while its counterpart came: its empty-chair cost x this."
    )
    going_back_cost: Unit | None = Field(
        default=None,
        description=(
            "The audience cost (on an issue's own scale) of a deal asking more than the principal"
            " publicly offered at an earlier meeting; absent: a concession is never taken back (the ratchet)."
        ),
    )


class Deadline(Strict):
    """A date by which threats fall due, known only to lie between ``earliest`` and ``latest``.

    Each world draws where in that span it falls (``position``: 0 the earliest date, 1 the latest;
    a two-reading uncertainty such as "two months from the letter or from the first round" is a
    U-shaped beta). Where nothing has been agreed by that day, each threat in ``threats`` that has
    not been carried out yet is carried out with its credibility then; one not carried out is a
    bluff called and loses credibility as a spared threat does. A deadline that falls before
    ``campaign.start`` (or before the first meeting) comes due right after the first meeting.
    """

    description: str = ""
    earliest: dt.date
    latest: dt.date
    position: Unit = Field(description="Where the deadline falls between earliest (0) and latest (1).")
    threats: list[Id] = Field(min_length=1, description="Threats that fall due at the deadline.")

    @model_validator(mode="after")
    def _span(self) -> Self:
        if self.latest < self.earliest:
            raise ValueError("latest must not come before earliest")
        return self

    def days(self, start: dt.date, position: np.ndarray) -> np.ndarray:
        """The deadline's day from ``start`` per world, for the drawn positions."""
        span = (self.latest - self.earliest).days
        day: np.ndarray = (self.earliest - start).days + np.rint(np.clip(position, 0.0, 1.0) * span)
        return day


class Campaign(Strict):
    """Meetings from ``start`` to ``horizon``; forecasts reported at each checkpoint."""

    start: Day
    horizon: Day
    checkpoints: list[Day] = Field(min_length=1)
    meetings: list[Meeting] | None = Field(
        default=None, description="Dated meetings (the first is the scenario's meeting)."
    )
    next_meeting: NextMeeting | None = None
    max_meetings: int = Field(default=10, ge=1, le=MAX_MEETINGS, strict=True)
    drift: dict[str, Drift] = Field(default_factory=dict, description="Outside-option drift per party id.")
    carry: Carry
    deadlines: dict[Id, Deadline] = Field(
        default_factory=dict, description="Dates (possibly uncertain) at which threats fall due."
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.horizon <= self.start:
            raise ValueError("horizon must come after start")
        if (self.meetings is None) == (self.next_meeting is None):
            raise ValueError("give either meetings (dated) or next_meeting (a hazard), not both or neither")
        for c in self.checkpoints:
            if not self.start <= c <= self.horizon:
                raise ValueError(f"checkpoint {c} is not between start and horizon")
        if self.checkpoints != sorted(set(self.checkpoints)):
            raise ValueError("checkpoints must be distinct and in date order")
        if self.meetings is not None:
            days = [m.date for m in self.meetings]
            if not days or days != sorted(set(days)) or days[0] < self.start or days[-1] > self.horizon:
                raise ValueError("meetings must be distinct, in date order, between start and horizon")
            if len(days) > self.max_meetings:
                raise ValueError(f"{len(days)} meetings but max_meetings is {self.max_meetings}")
        return self

    def day(self, d: dt.date) -> int:
        """Days from ``start`` to ``d``."""
        return (d - self.start).days

    @property
    def horizon_day(self) -> int:
        """Days from ``start`` to ``horizon``."""
        return self.day(self.horizon)
