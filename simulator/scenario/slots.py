"""Where every parameter sits in a scenario: its dotted path (as ``--set`` takes it) and range."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, get_args, get_origin

from simulator.scenario.params import Param, Strict, bounds_of


@dataclass(frozen=True)
class ParamSlot:
    """A parameter where it sits in a scenario: its dotted path, value and allowed range."""

    path: str
    param: Param
    low: float
    high: float


def slots_of(obj: object, prefix: str, bounds: tuple[float, float]) -> Iterator[ParamSlot]:
    if isinstance(obj, Param):
        yield ParamSlot(prefix, obj, *bounds)
    elif isinstance(obj, Strict):
        for name, info in type(obj).model_fields.items():
            if name == "as_of":  # a fallback's parameters are not the scenario's (see asof.py)
                continue
            yield from slots_of(
                getattr(obj, name),
                _join(prefix, name),
                _annotation_bounds(info.annotation, info.metadata),
            )
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from slots_of(v, _join(prefix, str(k)), bounds)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from slots_of(v, _join(prefix, str(i)), bounds)


def _annotation_bounds(annotation: object, metadata: list[object]) -> tuple[float, float]:
    """The range attached by ``ranged`` to a field, looking inside Optional and Annotated."""
    found = bounds_of(list(metadata))
    if found != (-math.inf, math.inf):
        return found
    for arg in get_args(annotation):
        if get_origin(arg) is Annotated:
            return bounds_of(list(arg.__metadata__))
        inner = _annotation_bounds(arg, [])
        if inner != (-math.inf, math.inf):
            return inner
    return (-math.inf, math.inf)


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name
