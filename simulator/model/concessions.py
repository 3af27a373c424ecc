"""What a campaign remembers of each meeting's public positions: concession lines, and the gap.

A principal that offered a package at a meeting has said in public how far it would go. Fearon
(1994): a leader who backs down from a public stand pays an audience cost. So at the next meeting
a package asking for more than it offered costs it ``w_k * c_back`` on each such issue
(``packages.going_back_cost``): the concession is not a ratchet (an infinite cost, the rule before
``campaign.carry.going_back_cost`` existed, kept for scenarios that do not state it and for
protocols that cannot price it), and what the principal wants (its ideal) has not changed.

- :class:`ConcessionLines` keeps, per principal and issue, its line (the furthest public offer
  toward the other side; it only moves that way) and its stance (its latest public position),
  from which the gap between the sides is read;
- :func:`binding`: whether a campaign prices the lines (else the ratchet moves the ideals).

Formulas and tests: ``docs/model.md``, section "Campaigns", rules 1 and 1b.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulator import plugins
from simulator.model.bargaining import EPS
from simulator.scenario import events as ke

if TYPE_CHECKING:
    from simulator.model.model import NegotiationModel
    from simulator.scenario.schema import Scenario


def binding(scenario: Scenario) -> bool:
    """Whether the campaign prices going back on a concession: it states ``carry.going_back_cost``
    and its protocol has ``concession_lines``. Otherwise concessions ratchet (the ideal moves)."""
    camp = scenario.campaign
    if camp is None or camp.carry.going_back_cost is None:
        return False
    return bool(getattr(plugins.protocol_class(scenario.protocol.kind), "concession_lines", False))


class ConcessionLines:
    """Each principal's concession lines and public stance per world and issue, over a campaign.

    ``line``: NaN where the principal has made no public concession on the issue; else its furthest
    public offer toward the other side, ``side`` the direction it moved (``sign(line - ideal)``).
    ``stance``: its latest public position (its last serious offer; else where it stood before).
    """

    def __init__(self, scenario: Scenario, n: int) -> None:
        self.principals = list(scenario.principals)
        self.issues = list(scenario.issues)
        shape = (n, len(self.issues))
        self.line = {pid: np.full(shape, np.nan) for pid in self.principals}
        self.side = {pid: np.zeros(shape) for pid in self.principals}
        self.stance = {pid: np.full(shape, np.nan) for pid in self.principals}

    def start(self, model: NegotiationModel) -> None:
        """Before the first meeting every principal stands at its ideal (all worlds)."""
        for pid in self.principals:
            self.stance[pid][:] = model.parties[pid].ideal

    def after(
        self, model: NegotiationModel, idx: np.ndarray, rec: dict[str, np.ndarray], agreed: np.ndarray
    ) -> None:
        """Read meeting ``model`` (worlds ``idx``): each principal's position where it moved off its
        ideal (by more than EPS) is its new stance, and its new line where it lies further toward
        the other side than the old one. ``agreed`` ``(len(idx), issues)``: the issues agreed so far
        (they carry no line: never renegotiated) stand at the text."""
        held = rec[ke.TALKS_DIRECT.key()]
        for pid in self.principals:
            ideal = model.parties[pid].ideal
            pos = np.stack([rec[ke.POSITION.key(pid, iid)] for iid in self.issues], axis=1)
            made = held[:, None] & ~np.isnan(pos) & ~np.isnan(ideal) & (np.abs(pos - ideal) > EPS)
            old, side = self.line[pid][idx], self.side[pid][idx]
            further = np.isnan(old) | ((pos - np.nan_to_num(old)) * side > EPS)
            moved = made & further
            line = np.where(moved, pos, old)
            side = np.where(moved & np.isnan(old), np.sign(pos - ideal), side)
            stance = np.where(made, pos, self.stance[pid][idx])
            self.line[pid][idx] = np.where(agreed, np.nan, line)
            self.side[pid][idx] = np.where(agreed, 0.0, side)
            self.stance[pid][idx] = np.where(agreed & ~np.isnan(pos), pos, stance)

    def gap(self, idx: np.ndarray) -> np.ndarray:
        """The mean distance between the two principals' stances over the issues both hold."""
        a, b = (self.stance[pid][idx] for pid in self.principals[:2])
        d = np.abs(a - b)
        both = ~np.isnan(d)
        return np.asarray(np.where(both, d, 0.0).sum(axis=1) / np.maximum(both.sum(axis=1), 1))

    def before(self, idx: np.ndarray, cost: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """The lines and the going-back cost each principal brings to a meeting over worlds ``idx``."""
        return {pid: (self.line[pid][idx], cost) for pid in self.principals}
