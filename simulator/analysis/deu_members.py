"""The seam between the DEU forecast and the model's protocol cores: the members it mixes.

The forecast in :mod:`simulator.analysis.deu_forecast` is a model average over the members that
apply to a multi-actor EU issue, each computed by the very function the model's protocol calls
(``simulator.model.protocols``), so the benchmark measures the code a scenario with
``protocol.kind: ensemble`` runs:

- ``compromise``: :func:`~simulator.model.protocols.compromise.weighted_mean` of the positions
  (``Compromise.forecast``);
- ``expected_utility``: :func:`~simulator.model.protocols.expected_utility.run_eum` for
  ``EUM_ROUNDS`` rounds on the 0..1 scale, then the weighted mean of the final positions
  (``ExpectedUtility.forecast``);
- ``nash``: :func:`~simulator.model.protocols.nash.nash_bargaining` on one issue, every actor a
  bargainer (``Nash.forecast`` with more than two principals).

What DEU cannot supply is mapped, and stated: every actor with a position takes part (DEU has no
principals/third parties split); bargaining powers and pulls are capability x salience (the
weights of the compromise baseline); Nash's disagreement utilities are 0 (DEU codes no
reservation values; the reference point, missing on a third of the issues, would make an actor
sitting on it a veto and leave most issues without a zone of agreement). ``single_text`` is a
two-principal package procedure (aspirations, deadline, walk-outs, a mediator): it has no DEU
counterpart and is not a member here (see ``docs/validation.md``).

Speed: the EUM is deterministic given its inputs, so it runs once per issue on the coded
positions, capabilities and saliences (:func:`eum_positions`); each world then averages the final
positions with its own uncertain weights (:func:`eum_outcome`). Running it per world costs ~0.2 s
per issue (40 s for the training half) for a member that gets little weight.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from simulator.model.protocols.compromise import weighted_mean
from simulator.model.protocols.expected_utility import run_eum
from simulator.model.protocols.nash import nash_bargaining
from simulator.model.rules import accepts_over_reversion, redraft
from simulator.scenario.rules import DecisionRule

Array = NDArray[np.float64]
#: The members the DEU forecast mixes (multi-actor protocols), in the order weights are stored.
MEMBERS = ("expected_utility", "nash", "compromise")
#: EUM rounds: the model's default ``protocol.rounds``.
EUM_ROUNDS = 6


def compromise_outcome(positions: Array, weights: Array) -> Array:
    """Per world, the weighted mean of the positions ``(W, n)`` with weights ``(W, n)``."""
    return weighted_mean(positions, np.ones(positions.shape[1]), weights)


def eum_positions(positions: Array, capabilities: Array, salience: Array, rounds: int = EUM_ROUNDS) -> Array:
    """The actors' positions ``(n,)`` after ``rounds`` EUM rounds (0..100; salience 0..1)."""
    if positions.size < 2:
        return positions.astype(float)
    result = run_eum(positions[None], capabilities, np.clip(salience, 0.0, 1.0), rounds, low=0.0, high=100.0)
    return np.asarray(result.positions[-1][0], float)


def eum_outcome(final: Array, weights: Array) -> Array:
    """Per world, the weighted mean of the EUM's final positions ``(n,)`` under weights ``(W, n)``."""
    return compromise_outcome(np.ascontiguousarray(np.broadcast_to(final, weights.shape)), weights)


def nash_outcome(positions: Array, weights: Array) -> Array:
    """Per world, the asymmetric Nash solution on one issue (0..100): every actor bargains.

    ``argmax sum_i w_i log(1 - |y - x_i| / 100)``: powers the weights ``(W, n)``, disagreement 0.
    """
    x = np.ascontiguousarray(positions, dtype=np.float64) / 100.0
    if x.shape[1] < 2:
        return x[:, 0] * 100.0
    power = np.maximum(weights, 1e-12)
    res = nash_bargaining(x, np.ones_like(x), np.zeros_like(x), power)
    return np.asarray(res.package[:, 0], float) * 100.0


def adoptable(
    text: Array, ideals: Array, reversion: float, rule: DecisionRule, actors: list[str], principals: list[str]
) -> Array:
    """The text moved into the set the rule adopts against the reversion point (per world).

    The agenda setter redrafts, by the model's own path (:func:`simulator.model.rules.redraft`,
    which the talks call when ``protocol.rule.agenda_setter`` is set): a text the rule would
    reject becomes the adoptable text nearest it; an adoptable text is kept. With no reversion
    point every text is adoptable.
    """
    return redraft(text, ideals, np.full(text.shape, reversion), rule, actors, principals)


__all__ = [
    "EUM_ROUNDS",
    "MEMBERS",
    "accepts_over_reversion",
    "adoptable",
    "compromise_outcome",
    "eum_outcome",
    "eum_positions",
    "nash_outcome",
]
