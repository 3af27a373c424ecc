"""A batch's parameter values and the threat pressure computed from them, as plain functions.

Separate from ``model`` because drawing the values (inverse CDF from quantiles, mixed by the
scenario's Gaussian copula) and weighing believed threats are arithmetic on the scenario and the
drawn arrays, not steps of the Mesa model: :class:`~simulator.model.model.NegotiationModel` calls
them (once per batch for the draw) and keeps its methods as the public face.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import numpy as np

from simulator.model.copula import correlate
from simulator.randomness import Streams
from simulator.scenario.params import Param
from simulator.scenario.schema import ParamSlot, Scenario

#: Threat triggers that the talks can set off: these threats weigh on a principal's value of no deal.
TALKS_TRIGGERS = ("no_ceasefire", "no_agreement", "walkout")


def draw_values(
    slots: Mapping[str, ParamSlot],
    spec: Scenario,
    streams: Streams,
    worlds: int,
    quantiles: Mapping[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """Every parameter's value per world, by inverse CDF from its quantiles.

    Quantiles come from each parameter's own stream, mixed with the scenario's shared factors
    (a Gaussian copula that keeps each distribution as stated); quantiles given by the caller
    (sensitivity analysis) are used as they are.
    """
    values: dict[str, np.ndarray] = {}
    drawn = {
        path: streams.uniform(f"param:{path}", worlds)
        for path, slot in slots.items()
        if slot.param.uncertain and path not in quantiles
    }
    loadings = {fid: f.loadings for fid, f in spec.factors.items()}
    drawn = correlate(drawn, loadings, streams.normal)
    for path, slot in slots.items():
        p: Param = slot.param
        if not p.uncertain:
            # A read-only view: fixed values cost no memory or time per world.
            values[path] = np.broadcast_to(float(p.value), (worlds,))  # type: ignore[arg-type]
            continue
        q = quantiles[path] if path in quantiles else drawn[path]
        values[path] = p.ppf(np.clip(q, 1e-9, 1 - 1e-9), slot.low, slot.high)
    return values


def threat_pressure(
    spec: Scenario,
    value: Callable[[str], np.ndarray],
    reactance: np.ndarray,
    worlds: int,
    party: str,
    triggers: Iterable[str],
) -> np.ndarray:
    """How much believed threats against ``party`` with these triggers weigh on it, per world:
    ``(1 - reactance) * sum of believed * severity`` (``value`` looks a parameter up by path)."""
    triggers = tuple(triggers)
    total = np.zeros(worlds)
    for tid, t in spec.threats.items():
        if t.against == party and t.trigger in triggers:
            believed = value(f"threats.{tid}.{'believed' if t.believed else 'credibility'}")
            total += believed * value(f"threats.{tid}.severity")
    return (1.0 - reactance) * total
