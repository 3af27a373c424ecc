"""Decision rules in the scenario format: voting bodies, their votes, and the agenda setter.

Kept apart from :mod:`simulator.scenario.schema` so that the schema stays readable; the model
applies these with :mod:`simulator.model.rules`. Sources for the EU numbers: ``docs/model.md``.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from simulator.scenario.params import Source, Strict

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=40)]

Share = Annotated[float, Field(gt=0.0, le=1.0, strict=True)]
#: A voting weight or a population: a number (never a boolean or a string), bounded so sums stay finite.
Weight = Annotated[float, Field(gt=0.0, le=1e12, strict=True, allow_inf_nan=False)]


class Body(Strict):
    """One decision-making body and how it votes (a Council, a Parliament, the principals).

    ``vote``: ``unanimity`` (every member accepts), ``simple_majority`` (more than half), or
    ``qualified_majority``: the accepting ``weights`` reach ``threshold`` of the total, and
    optionally the accepting members reach ``count_threshold`` of the members and the accepting
    ``population`` reaches ``population_threshold`` of it (a population criterion alone, with
    ``blocking_minority``, is the Lisbon double majority). Sources in ``docs/model.md``.
    """

    members: list[Id] = Field(min_length=1)
    vote: Literal["unanimity", "simple_majority", "qualified_majority"]
    weights: dict[Id, Weight] | None = None
    threshold: Share | None = None
    count_threshold: Share | None = None
    population: dict[Id, Weight] | None = None
    population_threshold: Share | None = None
    blocking_minority: int | None = Field(default=None, ge=1)
    source: Source | list[Source] | None = None
    assumption: str | None = Field(default=None, min_length=3)

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.source is None and self.assumption is None:
            raise ValueError("say where this voting rule comes from: add source or assumption")
        if self.vote == "qualified_majority":
            if self.weights is None and self.population is None:
                raise ValueError("a qualified majority needs weights or population")
            if self.weights is not None and self.threshold is None:
                raise ValueError("weights need a threshold (a share of the total weight)")
            if self.population is not None and self.population_threshold is None:
                raise ValueError("population needs a population_threshold")
        for name in ("weights", "population"):
            table = getattr(self, name)
            if table is not None and sorted(table) != sorted(self.members):
                raise ValueError(f"{name} must give a number for every member and only members")
        return self


class DecisionRule(Strict):
    """Who must accept an issue's text for it to be adopted; otherwise its reversion point holds.

    ``unanimity_of_principals`` (the default) is the behaviour of the talks without a rule. With
    ``bodies``, every body must adopt by its own vote (co-decision: the Council by its rule and the
    Parliament by simple majority); ``agenda_setter`` drafts the first text (the Commission).
    """

    kind: Literal["unanimity_of_principals", "bodies"] = "unanimity_of_principals"
    bodies: dict[Id, Body] = Field(default_factory=dict)
    agenda_setter: Id | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.kind == "bodies" and not self.bodies:
            raise ValueError("kind 'bodies' needs at least one body")
        if self.kind == "unanimity_of_principals" and self.bodies:
            raise ValueError("bodies are given: set kind: bodies")
        return self


__all__ = ["Body", "DecisionRule"]
