"""Where the structure of a scenario comes from: issues, levels, formats, mediator, order.

A parameter carries its own ``source`` and ``assumption`` (and an ``as_of:`` fallback prior). The
inputs that are not numbers -- which issues are on the table, which delegation levels a party can
send, which meeting formats the host runs, who mediates, the order of the announcements -- shape a
forecast as much as any number does (without its formats, a meeting holds no mediated session at
all), so they need the same discipline: a forecast made ``--as-of D`` must not rest on a format
that only an article published after ``D`` describes.

``provenance:`` at the top of a scenario maps the dotted path of such an input to its basis::

    provenance:
      protocol.formats.trilateral:
        source: {seed: "002", quote: "trilateral meetings between Ukraine, Russia and Turkey"}
        as_of:
          value: {parties: [ukraine, russia, turkey]}
          assumption: "Direct talks hosted by Turkey were announced by 13 May (004) ..."

Before a cited seed was published the ``as_of:`` fallback's ``value`` replaces the input (no
``value``: the input stays, on the fallback's own basis; ``{absent: true, ...}`` removes it);
without a fallback the forecast is refused, exactly as for a
parameter (:mod:`simulator.scenario.asof`). Parameters are not named here: they have their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Self

from pydantic import Field, model_validator

from simulator.scenario.params import Source, Strict
from simulator.scenario.parties import Dropped, check_fallback

Loc = tuple[str | int, ...]


class Fallback(Strict):
    """The input as it stood before a source was published: its value, and why.

    Without ``value`` the input stays as written: the assumption (and any earlier source) carries
    it without the later article, which only documented something already public.
    """

    value: Any = Field(default=None, description="The input's value (as it would be written at its path).")

    @property
    def keeps(self) -> bool:
        """True when the fallback keeps the input as written (no ``value`` given)."""
        return "value" not in self.model_fields_set

    source: Source | list[Source] | None = None
    assumption: str = Field(min_length=3)


class Basis(Strict):
    """What an input that is not a parameter rests on, and what it is before its sources."""

    source: Source | list[Source] | None = None
    assumption: str | None = Field(default=None, min_length=3)
    as_of: Fallback | Dropped | None = Field(
        default=None,
        description="Used before a source was published: another value, or {absent: true} (no such input).",
    )

    @model_validator(mode="after")
    def _provenance(self) -> Self:
        check_fallback(self.as_of)
        if self.source is None and self.assumption is None:
            raise ValueError("say where this input comes from: add source or assumption")
        return self


def _has(node: Any, part: str | int) -> bool:
    """Whether ``node[part]`` names something (a mapping's key or a list's index)."""
    if isinstance(node, dict):
        return part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def split(path: str) -> Loc:
    """A dotted path as a location (list indices as ints)."""
    return tuple(int(p) if p.isdigit() else p for p in path.split("."))


def path_problems(
    provenance: dict[str, Basis], data: dict[str, Any], parameters: set[str]
) -> Iterator[tuple[Loc, str]]:
    """A problem for each provenance path that names nothing in the scenario, or names a parameter."""
    for path in provenance:
        loc = ("provenance", path)
        if path in parameters:
            yield loc, f"'{path}' is a parameter: give it its own source and as_of: fallback"
            continue
        node: Any = data
        for part in split(path):
            if _has(node, part):
                node = node[part]
            else:
                yield loc, f"'{path}' names nothing in this scenario"
                break
