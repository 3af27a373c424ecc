"""A model average: each world plays one member protocol, drawn by weight.

``protocol: {kind: ensemble, members: {single_text: 1, expected_utility: 1, nash: 1, compromise:
1}}`` makes each world play one theory of the talks, member *m* with probability ``w_m / sum w``.
The draw comes from its own named stream (``protocol:ensemble``), and every member plays the whole
batch on its own named streams before each world keeps its member's result: so a world that
plays ``single_text`` under the ensemble is the very world a pure ``single_text`` run with the same
seed plays (common random numbers stay paired). Parties look ahead to the protocol their world
will play (each member's ``expected_gain``), so attendance is paired too.

Whether and where are different questions. A forecast-only member (compromise, Nash, the EUM:
``Protocol.forecast_only``) says where a settlement lands, not whether one happens: under its
own rule check it would give no agreement by construction wherever its text misses a red line, and
the average's yes/no events would be the process members' figures diluted by its weight. So in a
world drawn for a forecast-only member the yes/no outcome (agreed, walk-outs, rounds, final
positions) comes from a process member, drawn by the process members' weights on its own stream
(``protocol:ensemble:whether``), and the member contributes only its text. With no process member
among the members, each member settles its own text as before.

Example:
    >>> outcome = protocol_for("ensemble").negotiate(model, table)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

import numpy as np

from simulator.model.protocols.base import (
    Problem,
    Table,
    TalksOutcome,
    TalksProtocol,
    is_forecast_only,
    produces_walkouts,
    protocol_for,
    register,
)

if TYPE_CHECKING:
    from simulator.model.model import NegotiationModel
    from simulator.scenario.schema import Scenario

STREAM = "protocol:ensemble"
WHETHER = "protocol:ensemble:whether"


def assignment(weights: dict[str, float], u: np.ndarray) -> np.ndarray:
    """Index of the member each world plays, from uniform draws ``u`` (members in ``weights`` order)."""
    w = np.array(list(weights.values()), dtype=np.float64)
    cum = np.cumsum(w) / w.sum()
    return np.minimum(np.searchsorted(cum, u, side="right"), len(w) - 1).astype(np.int8)


@register
class Ensemble(TalksProtocol):
    """Each world plays one member of ``protocol.members``, drawn by weight (see the module docstring)."""

    kind = "ensemble"

    @classmethod
    def check(cls, scenario: Scenario) -> Iterator[Problem]:
        """Every member's limits, said once each (a member may not itself be an ensemble)."""
        seen: set[str] = set()
        for kind in scenario.protocol.weights:
            if kind == cls.kind:
                yield ("protocol", "members", kind), "an ensemble cannot be a member of itself"
                continue
            for loc, msg in protocol_for(kind).check(scenario):
                if msg not in seen:
                    seen.add(msg)
                    yield loc, f"{msg} (ensemble member '{kind}')"

    def negotiate(self, model: NegotiationModel, table: Table) -> TalksOutcome:
        kinds = list(model.spec.protocol.weights)
        played = self.played(model)
        whether = self.whether(model, played)
        outs = [protocol_for(k).negotiate(model, table) for k in kinds]
        n, k = outs[0].agreed.shape

        def pick(get: object, shape: tuple[int, ...], fill: object, by: np.ndarray = whether) -> np.ndarray:
            out = np.full(shape, fill)
            for m, o in enumerate(outs):
                value = get(o)  # type: ignore[operator]
                if value is not None:
                    rows = by == m
                    out[rows] = value[rows]
            return out

        principals = model.spec.principals
        walked = None
        if any(produces_walkouts([kinds[m]]) for m in np.unique(whether)):
            walked = {p: pick(lambda o, p=p: (o.walked or {}).get(p), (n,), False) for p in principals}
        zopa = None
        if any(o.zopa is not None for o in outs):  # NaN-free: False where a member defines none
            zopa = pick(lambda o: o.zopa, (n, k), False).astype(bool)
        return TalksOutcome(
            agreed=pick(lambda o: o.agreed, (n, k), False),
            text=pick(lambda o: o.text, (n, k), np.nan, by=played),
            rounds=pick(lambda o: o.rounds, (n,), 0).astype(np.int8),
            positions={p: pick(lambda o, p=p: o.positions[p], (n, k), np.nan) for p in principals},
            walked=walked,
            referred={p: pick(lambda o, p=p: o.referred.get(p), (n,), False) for p in principals},
            rejected={p: pick(lambda o, p=p: o.rejected.get(p), (n,), False) for p in principals},
            zopa=zopa,
            history=_History(outs, played),
            played=played,
        )

    @staticmethod
    def whether(model: NegotiationModel, played: np.ndarray) -> np.ndarray:
        """The member whose process decides each world's yes/no outcome: the member played, or
        where that one is forecast-only, a process member drawn by the process members' weights."""
        weights = model.spec.protocol.weights
        process = [(m, kind, w) for m, (kind, w) in enumerate(weights.items()) if not is_forecast_only(kind)]
        if not process or len(process) == len(weights):
            return played
        index = np.array([m for m, _, _ in process], dtype=np.int8)
        drawn = index[
            assignment({kind: w for _, kind, w in process}, model.streams.uniform(WHETHER, model.worlds))
        ]
        return np.where(np.isin(played, index), played, drawn).astype(np.int8)

    def expected_gain(self, model: NegotiationModel) -> dict[str, np.ndarray]:
        """Each world's look-ahead is that of the member it will play."""
        played = self.played(model)
        gain = {p: np.zeros(model.worlds) for p in model.spec.principals}
        for m, kind in enumerate(model.spec.protocol.weights):
            rows = played == m
            for pid, g in protocol_for(kind).expected_gain(model).items():
                gain[pid] = np.where(rows, g, gain.get(pid, np.zeros(model.worlds)))
        return gain

    @staticmethod
    def played(model: NegotiationModel) -> np.ndarray:
        """The member index each world plays (the same on every call)."""
        return assignment(model.spec.protocol.weights, model.streams.uniform(STREAM, model.worlds))


class _History(Mapping[str, list[np.ndarray]]):
    """Each principal's position after each round, from the member each world played; computed
    only when asked (as the members' own histories are); a world whose member stopped earlier
    keeps its last position."""

    def __init__(self, outs: list[TalksOutcome], played: np.ndarray) -> None:
        self._outs, self._played = outs, played

    def __getitem__(self, pid: str) -> list[np.ndarray]:
        per_member = [list(o.history.get(pid, [])) for o in self._outs]
        rounds = max((len(h) for h in per_member), default=0)
        if rounds == 0:
            raise KeyError(pid)
        shape = next(h[0].shape for h in per_member if h)
        out = []
        for r in range(rounds):
            at = np.full(shape, np.nan)
            for m, h in enumerate(per_member):
                if h:
                    rows = self._played == m
                    at[rows] = h[min(r, len(h) - 1)][rows]
            out.append(at)
        return out

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(p for o in self._outs for p in o.history))

    def __len__(self) -> int:
        return len(list(iter(self)))
