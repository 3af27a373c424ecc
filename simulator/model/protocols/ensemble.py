"""A model average: each world plays one member protocol, drawn by weight.

``protocol: {kind: ensemble, members: {single_text: 1, expected_utility: 1, nash: 1, compromise:
1}}`` makes each world play one theory of the talks, member *m* with probability ``w_m / sum w``.
The draw comes from its own named stream (``protocol:ensemble``), and every member plays the whole
batch on its own named streams before each world keeps its member's result: so a world that
plays ``single_text`` under the ensemble is the very world a pure ``single_text`` run with the same
seed plays (common random numbers stay paired). Parties look ahead to the protocol their world
will play (each member's ``expected_gain``), so attendance is paired too.

Example:
    >>> outcome = protocol_for("ensemble").negotiate(model, table)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulator.model.protocols.base import (
    PROTOCOLS,
    Protocol,
    Table,
    TalksOutcome,
    protocol_for,
    register,
)

if TYPE_CHECKING:
    from simulator.model.model import NegotiationModel

STREAM = "protocol:ensemble"


def assignment(weights: dict[str, float], u: np.ndarray) -> np.ndarray:
    """Index of the member each world plays, from uniform draws ``u`` (members in ``weights`` order)."""
    w = np.array(list(weights.values()), dtype=np.float64)
    cum = np.cumsum(w) / w.sum()
    return np.minimum(np.searchsorted(cum, u, side="right"), len(w) - 1).astype(np.int8)


@register
class Ensemble(Protocol):
    """Each world plays one member of ``protocol.members``, drawn by weight (see the module docstring)."""

    kind = "ensemble"

    def negotiate(self, model: NegotiationModel, table: Table) -> TalksOutcome:
        kinds = list(model.spec.protocol.weights)
        played = self.played(model)
        outs = [protocol_for(k).negotiate(model, table) for k in kinds]
        n, k = outs[0].agreed.shape

        def pick(get: object, shape: tuple[int, ...], fill: object) -> np.ndarray:
            out = np.full(shape, fill)
            for m, o in enumerate(outs):
                value = get(o)  # type: ignore[operator]
                if value is not None:
                    rows = played == m
                    out[rows] = value[rows]
            return out

        principals = model.spec.principals
        walked = None
        if any(PROTOCOLS[kind].walkouts for kind in kinds):
            walked = {p: pick(lambda o, p=p: (o.walked or {}).get(p), (n,), False) for p in principals}
        return TalksOutcome(
            agreed=pick(lambda o: o.agreed, (n, k), False),
            text=pick(lambda o: o.text, (n, k), np.nan),
            rounds=pick(lambda o: o.rounds, (n,), 0).astype(np.int8),
            positions={p: pick(lambda o, p=p: o.positions[p], (n, k), np.nan) for p in principals},
            walked=walked,
            referred={p: pick(lambda o, p=p: o.referred.get(p), (n,), False) for p in principals},
            rejected={p: pick(lambda o, p=p: o.rejected.get(p), (n,), False) for p in principals},
            played=played,
        )

    def expected_gain(self, model: NegotiationModel) -> dict[str, np.ndarray]:
        """Each world's look-ahead is that of the member it will play."""
        played = self.played(model)
        gain = {p: np.zeros(model.worlds) for p in model.spec.principals}
        for m, kind in enumerate(model.spec.protocol.weights):
            estimate = getattr(protocol_for(kind), "expected_gain", None)
            if estimate is None:
                continue
            rows = played == m
            for pid, g in estimate(model).items():
                gain[pid] = np.where(rows, g, gain.get(pid, np.zeros(model.worlds)))
        return gain

    @staticmethod
    def played(model: NegotiationModel) -> np.ndarray:
        """The member index each world plays (the same on every call)."""
        return assignment(model.spec.protocol.weights, model.streams.uniform(STREAM, model.worlds))
