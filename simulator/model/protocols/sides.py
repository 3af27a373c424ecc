"""The two sides at the single-text talks: what each brings (:class:`Side`), the procedure's rules,
the issue groups and their zones, each side's aspiration and position round by round, and the
text on the table.

``single_text`` holds the procedure itself (:func:`bargain`, ratification) and the protocol
class; these are the pure pieces it is built from, each a formula of ``docs/model.md`` section
"Talks" that a notebook or test can call on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from simulator.model.bargaining import EPS, Zone

#: ``uniform(name, n)``: a named stream of uniform draws (see ``simulator.randomness.Streams``).
Uniform = Callable[[str, int], np.ndarray]


@dataclass(frozen=True)
class Side:
    """One principal over the worlds: arrays ``(worlds, issues)`` or ``(worlds,)``."""

    party_id: str
    ideal: np.ndarray
    red_line: np.ndarray
    salience: np.ndarray
    concession: np.ndarray
    reservation: np.ndarray
    power: np.ndarray
    mandate: np.ndarray


@dataclass(frozen=True)
class Rules:
    """The talks' settings: ``separable`` per issue, the rest per world (or scalars)."""

    rounds: int
    deadline: int
    separable: np.ndarray
    walkaway_margin: np.ndarray
    hazard: np.ndarray
    ratification_noise: np.ndarray


def groups_of(separable: np.ndarray) -> list[np.ndarray]:
    """Issue indices negotiated together: the non-separable ones as one package, then each separable."""
    core = np.flatnonzero(~separable)
    groups = [core] if core.size else []
    return groups + [np.array([k]) for k in np.flatnonzero(separable)]


def aspiration(side: Side, t: int, deadline: int, exponent: np.ndarray) -> np.ndarray:
    """Least utility ``side`` accepts at round ``t``: from 1 down to its reservation value."""
    share = min(1.0, t / deadline) ** (1.0 / exponent)
    return side.reservation + (1.0 - side.reservation) * (1.0 - share)


@dataclass(frozen=True)
class Zones:
    """Per issue group: its zone, each side's concession exponent, and the Nash text at no-deal values.

    Everything here is fixed once the batch's parameters are drawn, so it is built once and shared
    by the attendance look-ahead and the talks.
    """

    groups: list[np.ndarray]
    zones: list[Zone]
    exps: list[tuple[np.ndarray, np.ndarray]]
    at_reservation: list[tuple[np.ndarray, np.ndarray]]

    @classmethod
    def build(cls, sides: tuple[Side, Side], separable: np.ndarray) -> Zones:
        s1, s2 = sides
        groups = groups_of(np.asarray(separable, dtype=bool))
        zones = [Zone.build(*_cols(s1, g), *_cols(s2, g)) for g in groups]
        exps = [(_speed(s1, g), _speed(s2, g)) for g in groups]
        at_b = [z.nash(s1.reservation, s2.reservation, s1.power, s2.power) for z in zones]
        return cls(groups, zones, exps, at_b)


# --- helpers ------------------------------------------------------------------------------------


def tabled_text(
    zone: Zone,
    mediated: np.ndarray,
    a1: np.ndarray,
    a2: np.ndarray,
    w1: np.ndarray,
    w2: np.ndarray,
    nash: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The text on the table and whether both accept it: the mediator's where there is one.

    ``nash`` is the mediator's result for these aspirations when already computed.
    """
    if mediated.all():
        return nash if nash is not None else zone.nash(a1, a2, w1, w2)
    text, ok = zone.split_line(a1, a2)
    if mediated.any():
        rows = np.flatnonzero(mediated)
        if nash is not None:
            mtext, mok = nash[0][rows], nash[1][rows]
        else:
            mtext, mok = zone.take(rows).nash(a1[rows], a2[rows], w1[rows], w2[rows])
        text[rows], ok[rows] = mtext, mok
    return text, ok


def _cols(s: Side, g: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return s.ideal[:, g], s.salience[:, g], s.red_line[:, g]


def _speed(s: Side, g: np.ndarray) -> np.ndarray:
    """A side's concession exponent on a group: the salience-weighted mean of its issues'."""
    sal = np.where(np.isnan(s.ideal[:, g]), 0.0, s.salience[:, g])
    e = np.nan_to_num(s.concession[:, g], nan=1.0)
    total = sal.sum(axis=1)
    out: np.ndarray = np.where(total > EPS, (sal * e).sum(axis=1) / np.maximum(total, EPS), e.mean(axis=1))
    return out


def open_utility(
    s: Side, rows: np.ndarray, text: np.ndarray, agreed_g: np.ndarray, groups: list[np.ndarray]
) -> np.ndarray:
    """``s``'s utility of the text on the issues not yet agreed, in worlds ``rows`` (1 if none open)."""
    open_issue = np.zeros(text.shape, dtype=bool)
    for j, g in enumerate(groups):
        open_issue[:, g] = ~agreed_g[:, j, None]
    ideal = s.ideal[rows]
    sal = np.where(open_issue & ~np.isnan(ideal), s.salience[rows], 0.0)
    u = 1.0 - np.abs(np.nan_to_num(text) - np.nan_to_num(ideal))
    total = sal.sum(axis=1)
    return np.where(total > EPS, (sal * u).sum(axis=1) / np.maximum(total, EPS), 1.0)


def position_at(s: Side, t: int | np.ndarray, deadline: int) -> np.ndarray:
    """Where ``s`` stands on each issue at round ``t``: its ideal, conceding toward its limit.

    The limit is its red line, or the point worth exactly its reservation value if that is nearer:
    no party concedes to a position worth less to it than no deal.
    """
    toward = np.sign(s.red_line - s.ideal)
    reach = np.minimum(np.abs(s.red_line - s.ideal), 1.0 - s.reservation[:, None])
    share = np.minimum(1.0, np.asarray(t) / deadline) ** (1.0 / s.concession)
    out: np.ndarray = s.ideal + toward * share * reach
    return out


class PositionHistory(Mapping[str, list[np.ndarray]]):
    """Each principal's position after each round, computed only when asked (notebooks ask)."""

    def __init__(self, sides: tuple[Side, Side], rounds: int, deadline: int) -> None:
        self._sides = {s.party_id: s for s in sides}
        self._rounds, self._deadline = rounds, deadline

    def __getitem__(self, pid: str) -> list[np.ndarray]:
        side = self._sides[pid]
        return [position_at(side, t, self._deadline) for t in range(1, self._rounds + 1)]

    def __iter__(self) -> Iterator[str]:
        return iter(self._sides)

    def __len__(self) -> int:
        return len(self._sides)
