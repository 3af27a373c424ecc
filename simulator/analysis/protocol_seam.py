"""The seam between the DEU forecast and the bargaining cores: one place to repoint later.

The forecast in :mod:`simulator.analysis.deu_forecast` needs, per world, a compromise outcome,
an expected-utility outcome and the decision rule. Today it calls the pure cores in
``simulator.model.protocols`` and ``simulator.model.rules`` directly, through these few functions.
When the model's ``compromise`` / ``expected_utility`` / ``ensemble`` protocols land, point these
functions at them (``protocol.kind``) and the benchmark measures the model's own protocols.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from simulator.model.protocols.compromise import weighted_mean
from simulator.model.protocols.expected_utility import run_eum
from simulator.model.rules import accepts_over_reversion, agenda_setter, decide
from simulator.scenario.rules import DecisionRule

Array = NDArray[np.float64]


def compromise_outcome(positions: Array, weights: Array) -> Array:
    """Per world, the weighted mean of the positions ``(W, n)`` with weights ``(W, n)``."""
    return weighted_mean(positions, np.ones(positions.shape[1]), weights)


def eum_outcome(positions: Array, capabilities: Array, salience: Array, rounds: int) -> Array:
    """Per world, the capability x salience weighted mean after ``rounds`` EUM rounds (0..100)."""
    result = run_eum(positions, capabilities, salience, rounds, low=0.0, high=100.0)
    final = result.positions[-1]
    return weighted_mean(final, capabilities, salience)


def adoptable(
    text: Array, ideals: Array, reversion: float, rule: DecisionRule, actors: list[str], principals: list[str]
) -> Array:
    """The text moved into the set the rule adopts against the reversion point (per world).

    The agenda setter redrafts: a text the rule would reject becomes the adoptable text nearest
    it (:func:`simulator.model.rules.agenda_setter` with the drafted text as the setter's ideal);
    an adoptable text is kept. With no reversion point every text is adoptable.
    """
    if np.isnan(reversion):
        return text

    def rule_fn(accepts: NDArray[np.bool_]) -> NDArray[np.bool_]:
        return decide(rule, {a: accepts[..., j] for j, a in enumerate(actors)}, principals)

    q = np.full(text.shape, reversion)
    return agenda_setter(text, ideals, q, rule_fn)


__all__ = ["accepts_over_reversion", "adoptable", "compromise_outcome", "eum_outcome"]
