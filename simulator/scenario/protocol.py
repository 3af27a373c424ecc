"""How a scenario's meeting runs (the protocol) and the shared factors its parameters load on.

Split from :mod:`simulator.scenario.schema` (which re-exports every name).
"""

from __future__ import annotations

import difflib
from typing import Annotated, Literal, Self

from pydantic import Field, field_validator, model_validator

from simulator import plugins
from simulator.scenario.fitted import fitted_members
from simulator.scenario.params import Noise, Source, Strict, Unit
from simulator.scenario.parties import Dropped, Id, Mandate, check_fallback
from simulator.scenario.rules import DecisionRule


class Format(Strict):
    """A meeting format: held when every listed party attends."""

    parties: list[Id] = Field(min_length=2)


#: The talks process a scenario plays when it names none (see ``Protocol``).
DEFAULT_KIND = "offers"
#: A talks protocol's ``kind``: any registered protocol (:mod:`simulator.plugins`), checked on load.
ProtocolKind = str
#: The members of ``kind: ensemble`` without ``members``: stated here, so registering a new
#: protocol never changes what an existing scenario averages over (an assumption: equal weights).
DEFAULT_MEMBERS: dict[str, float] = {
    "single_text": 1.0,
    "expected_utility": 1.0,
    "nash": 1.0,
    "compromise": 1.0,
}


def _known_kind(kind: str) -> str:
    """``kind`` if a protocol is registered under it; else a message naming the known kinds."""
    known = plugins.kinds()
    if kind not in known:
        close = difflib.get_close_matches(kind, known, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise ValueError(f"unknown protocol kind '{kind}'{hint} (known: {', '.join(known)})")
    return kind


class Mediation(Strict):
    """What the mediator does at the table (``offers`` protocol), each a parameter with its reason.

    ``information``: the share by which it narrows each principal's belief about the other's
    reservation value toward the truth (its credibility net of its bias; Kydd 2003).
    ``formulation``: the chance each round that it tables its own text (the package it judges most
    likely to be accepted by both). ``leverage``: what its guarantees or side payments add to each
    principal's value of a deal (Beardsley 2008). A role left out is not played.
    """

    information: Unit | None = None
    formulation: Unit | None = None
    leverage: Unit | None = None


class Protocol(Strict):
    """How attendance is settled and how the talks run.

    ``kind`` names the talks procedure (``simulator.model.protocols``); ``rounds`` is how many
    exchanges the meeting allows and ``deadline`` the round by which each side's aspiration has
    fallen to its reservation value (default: the last round). ``walkout_hazard`` is the chance
    per round that the talks break down for reasons outside the model (an incident, a leak).
    ``kind`` defaults to ``offers`` (offers and responses under private values between two
    principals, ``simulator.model.protocols.offers``); ``single_text`` (the mediated single-text
    procedure, the default until stage three) stays for comparison; more than two principals need
    ``nash`` or ``compromise``. ``mediation`` gives the mediator's roles.
    ``kind: ensemble`` is a model average: each world plays one of ``members``, drawn with
    probability proportional to its weight (equal weights when ``members`` is left out: an
    assumption). ``members`` may also name fitted weights (``deu3_v1``: fitted on DEU III,
    ``simulator.scenario.fitted``), read when the scenario is validated.
    """

    kind: ProtocolKind = DEFAULT_KIND
    # Strict (a boolean or a string is never a number) and bounded (weights of 1e308 would
    # overflow their sum, and every world would play one member).
    members: (
        dict[ProtocolKind, Annotated[float, Field(gt=0, le=1e12, strict=True, allow_inf_nan=False)]] | None
    ) = None
    # Retired: attendance is an equilibrium (docs/model.md §3.4), in which no order of announcements
    # moves anything. Still read so older scenarios load; `negsim validate` warns where a file sets
    # them (simulator/scenario/retired.py).
    announcement_order: list[Id] | None = None
    announcement_rounds: int | None = Field(default=None, ge=1, le=20, strict=True)
    choice_noise: Noise
    rounds: int = Field(default=6, ge=1, le=50, strict=True)
    deadline: int | None = Field(default=None, ge=1, le=50, strict=True)
    mediator: Id | None = None
    mediation: Mediation = Field(default_factory=Mediation)
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

    @field_validator("kind")
    @classmethod
    def _registered_kind(cls, value: str) -> str:
        return _known_kind(value)

    @field_validator("members")
    @classmethod
    def _registered_members(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        for kind in value or {}:
            _known_kind(kind)
        return value

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
        members = self.members or DEFAULT_MEMBERS
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
        check_fallback(self.as_of)
        if self.source is None and self.assumption is None:
            raise ValueError("say why these parameters move together: add source or assumption")
        return self
