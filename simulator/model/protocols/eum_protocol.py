"""The expected-utility model as a talks protocol (``protocol.kind: expected_utility``).

Separate from ``expected_utility``, the numerical core it runs (:func:`run_eum`): the core is pure
arrays in, arrays out, and the analyses and benchmarks use it without a model; this module only
feeds it the model's parties, issue by issue, and settles its forecast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulator.model.protocols.base import CacheKey, Table, TalksOutcome, TalksProtocol, register
from simulator.model.protocols.compromise import weighted_mean
from simulator.model.protocols.expected_utility import Array, run_eum
from simulator.model.protocols.settle import gain_at, settle, weights_on, with_position

if TYPE_CHECKING:
    from simulator.model.model import NegotiationModel


#: The forecast and the principals' final positions, computed once per batch.
FORECAST: CacheKey[tuple[Array, dict[str, Array]]] = CacheKey("expected_utility.forecast")
#: The forecast among the parties at the table (the talks; FORECAST is the look-ahead's).
AT_TABLE: CacheKey[tuple[Array, dict[str, Array]]] = CacheKey("expected_utility.forecast.at_table")


@register
class ExpectedUtility(TalksProtocol):
    """The EUM as a protocol: issue by issue, every party with a position takes part (no walk-outs).

    Positions start at the ideals (scale 0..1); after ``protocol.rounds`` rounds the forecast is
    the capability x salience weighted mean of the positions, which the scenario's rule settles.
    """

    kind = "expected_utility"
    walkouts = False
    forecast_only = True

    def negotiate(self, model: NegotiationModel, table: Table) -> TalksOutcome:
        text, positions = self.forecast(model, table)
        return settle(model, table, text, positions, model.spec.protocol.rounds)

    def expected_gain(self, model: NegotiationModel) -> dict[str, np.ndarray]:
        """Each principal's surplus at the forecast, where the principals would accept it."""
        return gain_at(model, self.forecast(model)[0])

    @staticmethod
    def forecast(model: NegotiationModel, table: Table | None = None) -> tuple[Array, dict[str, Array]]:
        """The forecast ``(worlds, issues)`` and the principals' final positions, per world on its
        drawn positions and saliences; with the ``table``, among the parties at it (once per batch
        each: the look-ahead without a table, the talks with it)."""
        if table is None:
            return model.cache.get(FORECAST, lambda: ExpectedUtility._forecast(model, None))
        return model.cache.get(AT_TABLE, lambda: ExpectedUtility._forecast(model, table))

    @staticmethod
    def _forecast(model: NegotiationModel, table: Table | None) -> tuple[Array, dict[str, Array]]:
        text = np.full((model.worlds, len(model.issue_ids)), np.nan)
        positions = {p: model.parties[p].ideal.copy() for p in model.spec.principals}
        for k in range(len(model.issue_ids)):
            pids = with_position(model, k)
            if not pids:
                continue
            x, c, s = weights_on(model, pids, k, table)
            if len(pids) > 1:
                x = run_eum(x, c, s, model.spec.protocol.rounds, low=0.0, high=1.0).positions[-1]
            text[:, k] = weighted_mean(x, c, s)
            for i, pid in enumerate(pids):
                if pid in positions:
                    positions[pid][:, k] = x[:, i]
        return text, positions
