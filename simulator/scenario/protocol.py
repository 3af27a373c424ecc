"""How a scenario's meeting runs (the protocol) and the shared factors its parameters load on.

Split from :mod:`simulator.scenario.schema` (which re-exports every name).
"""

from __future__ import annotations

from typing import Annotated, Literal, Self, get_args

from pydantic import Field, field_validator, model_validator

from simulator.scenario.fitted import fitted_members
from simulator.scenario.params import Noise, Source, Strict, Unit
from simulator.scenario.parties import Dropped, Id, Mandate, _check_fallback
from simulator.scenario.rules import DecisionRule


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
    # Strict (a boolean or a string is never a number) and bounded (weights of 1e308 would
    # overflow their sum, and every world would play one member).
    members: (
        dict[ProtocolKind, Annotated[float, Field(gt=0, le=1e12, strict=True, allow_inf_nan=False)]] | None
    ) = None
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
