"""The parties: one Mesa agent per party, its state a set of numpy arrays over a batch of worlds.

Each decision a party makes is one method, written once over arrays of shape ``(worlds,)`` or
``(worlds, levels)`` / ``(worlds, issues)``, so one world and a million worlds run the same code.
To change how a party decides, subclass :class:`PartyAgent` and override one method (for example
:meth:`PartyAgent.attendance_utility`) and pass the class to ``NegotiationModel(agents=...)``.

The rules and their formulas are documented in ``docs/model.md`` (section "Details").
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING

import mesa
import numpy as np

from simulator.scenario.schema import LEVELS, Level, Party, Role

if TYPE_CHECKING:
    from simulator.model.model import NegotiationModel

N_LEVELS = len(LEVELS)
RANKS = np.arange(N_LEVELS)
LEADER = Level.leader.rank
EPS = 1e-9
#: ``OUTRANKING[c, r] = max(0, r - c) / 3`` for an attending level r (0 when absent): how far level r
#: outranks a counterpart at c, in thirds of the scale. ``OUTRANKED[c, r] = max(0, c - r) / 3``.
OUTRANKING = np.maximum(0.0, RANKS[None, :] - RANKS[:, None]) / 3.0
OUTRANKED = np.maximum(0.0, RANKS[:, None] - RANKS[None, :]) / 3.0
_ONE_HOT = np.eye(N_LEVELS)


def level_distribution(levels: np.ndarray) -> np.ndarray:
    """Probabilities of each level: ranks ``(worlds,)`` become one-hot rows, rows pass through."""
    if levels.ndim == 1:
        out: np.ndarray = _ONE_HOT[levels]
        return out
    return levels


class PartyAgent(mesa.Agent):  # type: ignore[misc]  # Mesa ships no type hints
    """One party to the negotiation, over a batch of worlds.

    Attributes:
        party_id: The scenario's id for the party (``"russia"``).
        spec: The party's scenario record.
        announced: Rank of the level it signals, per world (0 absent .. 3 leader): its initial
            public signal, then the level it chose at the attendance equilibrium.
        announcements: Its initial signal, then (after the attendance phase) the level it chose.
        level: Rank of the level it finally sent, per world (set by the attendance phase; below
            ``announced`` only where an ``only_if`` condition failed).
        position: Its current position per world and issue, ``(worlds, issues)``; NaN where it
            has no position on the issue.
        history: Its positions after each talks round (a list of ``(worlds, issues)`` arrays).
        walked_away: Whether it walked away from the talks, per world.
    """

    model: NegotiationModel

    def __init__(self, model: NegotiationModel, party_id: str, spec: Party) -> None:
        super().__init__(model)
        self.party_id = party_id
        self.spec = spec
        n, k = model.worlds, len(model.issue_ids)
        self.announced = np.full(n, spec.attendance.initial.level.rank, dtype=np.int8)
        self.announcements: list[np.ndarray] = [self.announced]
        self.level = self.announced.copy()
        self.position = np.full((n, k), np.nan)
        self.walked_away = np.zeros(n, dtype=bool)
        self.last_noise = np.zeros((n, N_LEVELS))
        self._init_positions()

    @property
    def history(self) -> list[np.ndarray]:
        """Its positions after each talks round (``(worlds, issues)`` arrays; empty before the talks)."""
        talks = self.model.talks
        if talks is None or self.party_id not in talks.history:
            return []
        return talks.history[self.party_id]

    # --- parameters -------------------------------------------------------------------------

    def param(self, name: str) -> np.ndarray:
        """This party's parameter ``name`` (dotted, below ``parties.<id>``) over the worlds."""
        return self.model.value(f"parties.{self.party_id}.{name}")

    @property
    def is_principal(self) -> bool:
        """Principals must meet for talks to happen; only they accept, concede and walk away."""
        return self.spec.role == Role.principal

    def mandate(self, rank: np.ndarray) -> np.ndarray:
        """Share of the way to its red line a delegation of level ``rank`` may concede."""
        rank = np.asarray(rank, dtype=np.intp)
        return np.take_along_axis(self.mandate_table, rank[..., None], axis=-1)[..., 0]

    @functools.cached_property
    def mandate_table(self) -> np.ndarray:
        """Mandate per world and level rank, ``(worlds, 4)``; 0 for absent."""
        prefix = f"parties.{self.party_id}" if self.spec.mandate else "protocol"
        levels = ("official", "minister", "leader")
        columns = [np.zeros(self.model.worlds)] + [
            self.model.value(f"{prefix}.mandate.{lv}") for lv in levels
        ]
        return np.stack(columns, axis=1)

    # --- phase 1: attendance ----------------------------------------------------------------

    @functools.cached_property
    def watches(self) -> set[str]:
        """The parties whose levels enter its attendance utility (its best response depends on them)."""
        a = self.spec.attendance
        out: set[str] = set()
        if a.counterpart is not None:
            out.add(a.counterpart)
        if a.watcher is not None:
            out.add(a.watcher.party)
        out.update(c.condition.party for c in a.commitments if c.condition is not None)
        return out

    def attendance_utility(self, others: Mapping[str, np.ndarray]) -> np.ndarray:
        """Utility of each level given the others' levels, shape ``(worlds, 4)``.

        ``others`` gives each watched party's level as ranks ``(worlds,)`` or as probabilities of
        each level ``(worlds, 4)`` (or ``(1, 4)``, the same in every world): then each term is its
        expectation over those levels, parties independent (the attendance equilibrium,
        :mod:`simulator.model.attendance`, evaluates it so). Levels closed to the party, or barred
        by an ``only_if`` commitment whose condition may fail, get ``-inf``.
        """
        a = self.spec.attendance
        u = self._own_utility.copy()
        if a.counterpart is not None:
            c = level_distribution(others[a.counterpart])
            u[:, LEADER] -= self.param("attendance.legitimacy_cost") * c[:, LEADER]
            # Outranking the counterpart (only when attending) and sending less than it, in thirds
            # of the three-level scale: expectations of max(0, r - c) / 3 and max(0, c - r) / 3.
            u -= self.param("attendance.protocol_cost")[:, None] * (c @ OUTRANKING)
            shortfall = c @ OUTRANKED
            if a.watcher is not None:
                weight = self.param("attendance.watcher.weight")[:, None]
                if a.watcher.party == a.counterpart:  # the same party: the expectation of a product
                    shortfall = (c * (1.0 + weight * RANKS / 3.0)) @ OUTRANKED
                else:
                    w = level_distribution(others[a.watcher.party])
                    shortfall = shortfall * (1.0 + weight * (w @ RANKS)[:, None] / 3.0)
            u -= self.param("attendance.empty_chair_cost")[:, None] * shortfall
            # Look-ahead: a deal is worth its expected surplus, to the extent the delegation can
            # close it, and only if the counterpart comes at all.
            u += self._deal_term * (1.0 - c[:, :1])
        for i, cm in enumerate(a.commitments):
            if cm.kind != "promise":
                continue
            holds = self.condition_probability(cm.condition, others)
            broken = holds[:, None] * (cm.level.rank > RANKS)
            u -= self.param(f"attendance.commitments.{i}.audience_cost")[:, None] * broken
        u[~np.broadcast_to(self.allowed(others), u.shape)] = -np.inf
        return u

    @functools.cached_property
    def _own_utility(self) -> np.ndarray:
        """The terms of the utility that do not depend on anyone else's level (fixed per batch).

        What a delegation is worth (talks value x mandate), the leader's schedule cost, the
        pressures urging attendance, and the threats that punish absence.
        """
        u = self.param("attendance.talks_value")[:, None] * self.mandate_table
        u[:, LEADER] -= self.param("attendance.leader_cost")
        u[:, 1:] += self.model.pressure_on(self.party_id)[:, None]
        u[:, 0] -= self.model.threat_pressure(self.party_id, ("absent",))
        out: np.ndarray = u
        return out

    @functools.cached_property
    def _deal_term(self) -> np.ndarray:
        """Expected surplus of a deal x the delegation's mandate, ``(worlds, 4)``; 0 if not a principal."""
        if not self.is_principal:
            return np.zeros((self.model.worlds, N_LEVELS))
        out: np.ndarray = self.model.expected_gain(self.party_id)[:, None] * self.mandate_table
        return out

    def allowed(self, others: Mapping[str, np.ndarray]) -> np.ndarray:
        """Which levels the party may choose, ``(worlds, 4)``: open and not barred by ``only_if``.

        A level an ``only_if`` bars is allowed only where its condition surely holds (with ranks:
        where it holds).
        """
        ok = np.zeros((self.model.worlds, N_LEVELS), dtype=bool)
        for lv in self.spec.attendance.levels:
            ok[:, lv.rank] = True
        for cm in self.spec.attendance.commitments:
            if cm.kind == "only_if":
                unmet = self.condition_probability(cm.condition, others) < 1.0 - EPS
                ok[:, cm.level.rank :] &= ~unmet[:, None]
        return ok

    def choose_level(self, utility: np.ndarray, noise: np.ndarray) -> np.ndarray:
        """The level it sends: the highest expected utility plus Gumbel noise (a logit choice).

        Args:
            utility: Expected utility of each level ``(worlds, 4)`` at the attendance equilibrium
                (:mod:`simulator.model.attendance`), or any utility of each level.
            noise: Standard Gumbel draws ``(worlds, 4)``, scaled here by ``protocol.choice_noise``,
                so the level is drawn with ``P(L) ∝ exp(utility(L) / λ)``.
        """
        scale = self.model.value("protocol.choice_noise")[:, None]
        return np.argmax(utility + scale * noise, axis=1).astype(np.int8)

    def condition_probability(self, cond: object, others: Mapping[str, np.ndarray]) -> np.ndarray:
        """Probability per world that a commitment's condition holds (1 when there is none)."""
        if cond is None:
            return np.ones(self.model.worlds)
        d = level_distribution(others[cond.party])  # type: ignore[attr-defined]
        lowest: int = cond.level.rank  # type: ignore[attr-defined]
        held = d[:, lowest:].sum(axis=1)
        out: np.ndarray = np.broadcast_to(held, (self.model.worlds,))
        return out

    def condition_holds(self, cond: object, others: Mapping[str, np.ndarray]) -> np.ndarray:
        """Whether a commitment's condition surely holds, per world (True when there is none)."""
        out: np.ndarray = self.condition_probability(cond, others) >= 1.0 - EPS
        return out

    # --- phase 2: talks ---------------------------------------------------------------------

    def _init_positions(self) -> None:
        # Positions are fixed per batch; cache them as (worlds, issues) arrays for the rounds loop.
        self.ideal = self.issue_array("ideal")
        self.red_line = self.issue_array("red_line")
        self.salience = self.issue_array("salience")
        self.concession = self.issue_array("concession")
        self.direction = np.sign(self.red_line - self.ideal)  # toward the red line: +1, -1 or 0
        self.position = self.ideal.copy()

    def issue_array(self, field: str) -> np.ndarray:
        """A position field (``ideal``, ``red_line``, ``salience``, ``concession``), ``(worlds, issues)``.

        Issues the party has no position on are NaN (salience 0).
        """
        out = np.full((self.model.worlds, len(self.model.issue_ids)), np.nan)
        for k, iid in enumerate(self.model.issue_ids):
            if iid in self.spec.positions:
                out[:, k] = self.param(f"positions.{iid}.{field}")
        if field == "salience":
            out = np.nan_to_num(out, nan=0.0)
        return out

    def reservation_value(self) -> np.ndarray:
        """The least a deal must be worth to it: its outside option after believed threats."""
        return self.model.outside_option(self.party_id)

    def authority(self) -> np.ndarray:
        """Its delegation's mandate: the share of the way to no deal it may go without referring back."""
        return self.mandate(self.level)

    def power(self) -> np.ndarray:
        """Its bargaining power at the table: its capability."""
        return self.param("capability")
