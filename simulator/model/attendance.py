"""Attendance as a logit quantal-response equilibrium of the attendance game, per world.

Who comes, and at what level, is a game: each party's utility of a level depends on the levels of
the parties it watches (its counterpart, a watcher, the parties its commitments name). Settling it
by best responses in the order the parties spoke let that order pick among several equilibria
(issue #19). Here every world plays the game's logit quantal-response equilibrium (McKelvey &
Palfrey 1995): each party chooses level ``L`` with probability ``∝ exp(EU(L) / λ)``, ``EU`` its
expected utility of ``L`` given the others' probabilities, ``λ`` = ``protocol.choice_noise``; no
order enters.

**Commitments fix who knows what.** A commitment conditioned on another party's level ("I come if
Putin comes") can only be kept if that level is known when it falls due. So the parties named in
any commitment's condition (the *pivots*) choose first, anticipating the others' answers, and every
other party chooses knowing the pivots' levels: an agent quantal-response equilibrium of that
two-stage game (McKelvey & Palfrey 1998). Concretely, for each combination ``x`` of the pivots'
levels, the other parties play the logit QRE of the game left given ``x`` (their promises and
``only_if`` constraints evaluated at ``x``); each pivot's expected utility of ``L`` is its utility
with its level at ``L``, the other pivots at their equilibrium probabilities, and the others
answering as they would. Pivots' ``only_if`` constraints on one another are kept in expectation: a
level the condition may bar is worth what the pivot would then fall back to (its best allowed
level below).

**Solving it.** Parties whose utilities do not depend on each other in a cycle are solved exactly
in one pass, in the order their dependencies allow (a party watching only the pivots answers each
``x`` directly); a cycle (two parties each watching the other, with no commitment between them) is
solved by damped fixed-point iteration ``p ← p + α (logit(EU(p) / λ) − p)`` (``α`` starting at 1
and halved in a world whenever its largest change did not shrink) from the parties' public
initial signals (``attendance.initial``), which so select among several equilibria,
for at most ``ITERATIONS`` steps, stopping once no probability moves by more than ``TOLERANCE`` in
any world. Everything is vectorised over the batch of worlds.

**Drawing the levels.** Each pivot draws its level from its equilibrium probabilities, then each
other party from its answer to the pivots' drawn levels, by :meth:`PartyAgent.choose_level` (the
Gumbel-max form of the logit choice) with the stream ``attendance:<party>:1``, so common random
numbers hold across scenarios.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from simulator.model.agents import N_LEVELS, PartyAgent

#: Steps allowed for a cycle of mutually watching parties. Measured on the shipped scenarios (the
#: US-Iran pair is the only cycle): every world settles within 20 steps; the cap leaves room for
#: slow, damped cycles, and a batch stops as soon as every world has settled, so it costs nothing
#: where the game settles.
ITERATIONS = 200
#: Each world's step starts undamped (a plain logit response, the quickest where it settles) and
#: is multiplied by DAMPING whenever that world's largest change did not shrink: two parties
#: answering each other can otherwise oscillate for ever; a smaller step removes the two-cycle.
DAMPING = 0.5
#: A world has converged when no probability moved by more than this in the last step.
TOLERANCE = 1e-6
#: Utilities of impossible levels are ``-inf``; in weighted sums over the pivots' levels (some
#: with probability 0) they are floored to this, so ``0 x -inf`` never makes a NaN.
FLOOR = -1e9
ONE_HOT = np.eye(N_LEVELS)


def rowmax(a: np.ndarray) -> np.ndarray:
    """The largest of each row's four entries, ``(worlds,)`` (column by column: numpy's reductions
    along a short last axis are an order of magnitude slower)."""
    out: np.ndarray = np.maximum(np.maximum(a[:, 0], a[:, 1]), np.maximum(a[:, 2], a[:, 3]))
    return out


def logit(u: np.ndarray, lam: np.ndarray) -> np.ndarray:
    """Logit choice probabilities ``∝ exp(u / λ)`` per row; ``-inf`` levels get 0.

    A row with no possible level (every entry ``-inf``) puts all its weight on absent.
    """
    top = rowmax(u)
    empty = np.isneginf(top)
    if empty.any():
        u = u.copy()
        u[empty, 0] = top[empty] = 0.0
    # exp(-800) is already 0 in doubles; flooring first keeps numpy off its slow path for -inf.
    z = np.exp(np.maximum((u - top[:, None]) / lam[:, None], -800.0))
    out: np.ndarray = z / (z[:, 0] + z[:, 1] + z[:, 2] + z[:, 3])[:, None]
    return out


def damped(step: np.ndarray, residual: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Per world ``(worlds, 1)``: the step of the next damped update, ``DAMPING`` times smaller
    where the largest change did not shrink (the iteration is oscillating there)."""
    out: np.ndarray = np.where((residual >= last)[:, None], step * DAMPING, step)
    return out


def pivots_of(parties: Mapping[str, PartyAgent]) -> tuple[str, ...]:
    """The parties named in a commitment's condition, in the scenario's party order."""
    named = {
        cm.condition.party
        for agent in parties.values()
        for cm in agent.spec.attendance.commitments
        if cm.condition is not None
    }
    return tuple(pid for pid in parties if pid in named)


def components(parties: Mapping[str, PartyAgent], members: list[str]) -> list[list[str]]:
    """The members grouped into strongly connected parts of the watch graph, dependencies first.

    A part of one party that does not watch itself is solved in one step; a larger part (parties
    watching each other in a cycle) needs the damped iteration.
    """
    inside = set(members)
    edges = {pid: sorted(parties[pid].watches & inside) for pid in members}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan: parts come out after the parts they depend on
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                part.append(w)
                if w == v:
                    break
            out.append(sorted(part, key=members.index))

    for v in members:
        if v not in index:
            visit(v)
    return out


@dataclass
class Equilibrium:
    """The attendance equilibrium of a batch of worlds.

    Attributes:
        pivots: The parties named in commitments' conditions (they choose first).
        combos: Every combination of the pivots' levels, ``(X, len(pivots))`` ranks (one empty
            combination when there are no pivots); ``X = 4 ** len(pivots)``.
        utility: Per party, expected utility of each level: for a pivot ``(worlds, 4)``; for the
            others ``(X, worlds, 4)``, one slice per combination of the pivots' levels.
        probability: Per party, the equilibrium probability of each level, shaped as ``utility``.
        value: Per pivot, ``(X, worlds)``: its utility when the pivots' levels are the combination
            (the others answering it); what its fall-back level is chosen by.
        iterations: The most damped steps any cycle took (0 when there was none).
        residual: Per world, the largest change of a probability in the last damped step.
    """

    pivots: tuple[str, ...]
    combos: np.ndarray
    utility: dict[str, np.ndarray] = field(default_factory=dict)
    probability: dict[str, np.ndarray] = field(default_factory=dict)
    value: dict[str, np.ndarray] = field(default_factory=dict)
    iterations: int = 0
    residual: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def converged(self) -> np.ndarray:
        """Per world, whether every cycle's iteration settled within ``TOLERANCE``."""
        out: np.ndarray = self.residual <= TOLERANCE
        return out

    def combo_index(self, levels: Mapping[str, np.ndarray], worlds: int) -> np.ndarray:
        """Per world, the row of :attr:`combos` the pivots' ``levels`` (ranks) make."""
        flat = np.zeros(worlds, dtype=np.intp)
        for k in self.pivots:
            flat = flat * N_LEVELS + levels[k].astype(np.intp)
        return flat


def solve(parties: Mapping[str, PartyAgent], lam: np.ndarray, worlds: int) -> Equilibrium:
    """The logit QRE of the attendance game in every world (see the module docstring)."""
    pivots = pivots_of(parties)
    combos = np.array(list(itertools.product(range(N_LEVELS), repeat=len(pivots))), dtype=np.intp)
    eq = Equilibrium(pivots, combos.reshape(len(combos), len(pivots)), residual=np.zeros(worlds))
    others = [pid for pid in parties if pid not in pivots]
    parts = components(parties, others)
    start = {pid: ONE_HOT[[a.spec.attendance.initial.level.rank]] for pid, a in parties.items()}
    # Which parties' answers vary with the pivots' levels (the others are solved once).
    varies: set[str] = set(pivots)
    for part in parts:
        if any(parties[pid].watches & varies for pid in part):
            varies.update(part)
    shape = (len(combos), worlds, N_LEVELS)
    eq.utility = {pid: np.empty(shape) for pid in others}
    eq.probability = {pid: np.empty(shape) for pid in others}
    eq.value = {k: np.empty((len(combos), worlds)) for k in pivots}
    for xi, x in enumerate(eq.combos):
        levels: dict[str, np.ndarray] = {k: ONE_HOT[[x[i]]] for i, k in enumerate(pivots)}
        for part in parts:
            if xi and not set(part) & varies:  # the same answer as for the first combination
                for pid in part:
                    eq.utility[pid][xi] = eq.utility[pid][0]
                    eq.probability[pid][xi] = levels[pid] = eq.probability[pid][0]
                continue
            for pid, u in _answer(parties, part, levels, lam, start, eq).items():
                eq.utility[pid][xi] = u
                eq.probability[pid][xi] = levels[pid]
        for i, k in enumerate(pivots):
            eq.value[k][xi] = parties[k].attendance_utility(levels)[:, x[i]]
    _pivots_choose(parties, eq, lam, start, worlds)
    return eq


def _answer(
    parties: Mapping[str, PartyAgent],
    part: list[str],
    levels: dict[str, np.ndarray],
    lam: np.ndarray,
    start: Mapping[str, np.ndarray],
    eq: Equilibrium,
) -> dict[str, np.ndarray]:
    """The logit QRE of one part of the watch graph, given ``levels`` of everyone it watches.

    Writes each member's equilibrium probabilities into ``levels``; returns each member's utility
    of each level there.
    """
    if len(part) == 1 and part[0] not in parties[part[0]].watches:  # no cycle: one step
        pid = part[0]
        u = parties[pid].attendance_utility(levels)
        levels[pid] = logit(u, lam)
        return {pid: u}
    for pid in part:
        levels[pid] = np.broadcast_to(start[pid], (lam.size, N_LEVELS)).copy()
    residual = np.full(lam.size, np.inf)
    step_size = np.ones((lam.size, 1))
    for step in range(1, ITERATIONS + 1):
        new = {pid: logit(parties[pid].attendance_utility(levels), lam) for pid in part}
        last, residual = residual, np.max([rowmax(np.abs(new[pid] - levels[pid])) for pid in part], axis=0)
        step_size = damped(step_size, residual, last)
        for pid in part:
            levels[pid] = levels[pid] + step_size * (new[pid] - levels[pid])
        eq.iterations = max(eq.iterations, step)
        if residual.max() <= TOLERANCE:
            break
    eq.residual = np.maximum(eq.residual, residual)
    return {pid: parties[pid].attendance_utility(levels) for pid in part}


def _fallback(values: np.ndarray, allowed: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Per world, the level a pivot sends when ``level`` is barred: its best allowed level at or
    below it by ``values`` ``(worlds, 4)``; absent when none is allowed (as ``only_if`` reads)."""
    below = np.arange(N_LEVELS)[None, :] <= level[:, None]
    out: np.ndarray = np.argmax(np.where(allowed & below, values, -np.inf), axis=1)
    return out


def _worth(values: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """``(worlds, 4)``: what choosing each level is worth to a pivot when ``allowed`` levels are
    the ones its ``only_if`` leaves it: a barred level is worth its fall-back."""
    rows = np.arange(values.shape[0])
    floored = np.maximum(values, FLOOR)
    out = np.empty_like(values)
    for level in range(N_LEVELS):
        fell = _fallback(values, allowed, np.full(rows.size, level))
        out[:, level] = np.where(allowed[:, level], floored[:, level], floored[rows, fell])
    return out


def _pivots_choose(
    parties: Mapping[str, PartyAgent],
    eq: Equilibrium,
    lam: np.ndarray,
    start: Mapping[str, np.ndarray],
    worlds: int,
) -> None:
    """Each pivot's expected utility of each level, and its logit probabilities.

    One pivot: its value of each level, the others answering. Several: each level's value is
    averaged over the other pivots' levels at their probabilities (a level an ``only_if`` may bar
    counts as the fall-back it would become), iterated with damping like a cycle.
    """
    m = len(eq.pivots)
    if m == 0:
        return
    # Per pivot and levels of the other pivots: what each of its levels is worth there.
    table: dict[str, list[tuple[dict[int, int], np.ndarray]]] = {}
    for i, k in enumerate(eq.pivots):
        by_level = eq.value[k].reshape((N_LEVELS,) * m + (worlds,))
        table[k] = []
        for rest in itertools.product(range(N_LEVELS), repeat=m - 1):
            at = _skip(rest, i)
            index = tuple(at.get(j, slice(None)) for j in range(m))
            values = np.moveaxis(by_level[index], 0, 1)  # (worlds, 4): pivot i's level varies
            fixed = {eq.pivots[j]: ONE_HOT[[r]] for j, r in at.items()}
            fixed[k] = ONE_HOT[[0]]
            allowed = np.broadcast_to(parties[k].allowed(fixed), (worlds, N_LEVELS))
            table[k].append((at, _worth(values, allowed)))
    closed = {k: ~_open(parties[k]) for k in eq.pivots}
    probs = {k: np.broadcast_to(start[k], (worlds, N_LEVELS)).copy() for k in eq.pivots}
    residual = np.full(worlds, np.inf)
    step_size = np.ones((worlds, 1))
    for step in range(1, (1 if m == 1 else ITERATIONS) + 1):
        for k in eq.pivots:
            eu = np.zeros((worlds, N_LEVELS))
            for at, worth in table[k]:
                weight = np.ones(worlds)
                for j, r in at.items():
                    weight = weight * probs[eq.pivots[j]][:, r]
                eu += weight[:, None] * worth
            eu[:, closed[k]] = -np.inf
            eq.utility[k] = eu
        new = {k: logit(eq.utility[k], lam) for k in eq.pivots}
        if m == 1:
            probs = new
            break
        last, residual = residual, np.max([rowmax(np.abs(new[k] - probs[k])) for k in eq.pivots], axis=0)
        step_size = damped(step_size, residual, last)
        probs = {k: probs[k] + step_size * (new[k] - probs[k]) for k in eq.pivots}
        eq.iterations = max(eq.iterations, step)
        if residual.max() <= TOLERANCE:
            break
    eq.probability.update(probs)
    if m > 1:
        eq.residual = np.maximum(eq.residual, residual)


def _skip(rest: tuple[int, ...], i: int) -> dict[int, int]:
    """The other pivots' levels ``rest`` keyed by their pivot index (``i`` left out)."""
    idx = [j for j in range(len(rest) + 1) if j != i]
    return dict(zip(idx, rest, strict=True))


def _open(agent: PartyAgent) -> np.ndarray:
    """Which levels the scenario opens to the party, ``(4,)``."""
    ok = np.zeros(N_LEVELS, dtype=bool)
    for lv in agent.spec.attendance.levels:
        ok[lv.rank] = True
    return ok


def draw(
    parties: Mapping[str, PartyAgent], eq: Equilibrium, noise: Mapping[str, np.ndarray], worlds: int
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Levels drawn from the equilibrium: the pivots' first, then the others' answers to them.

    Returns the level each party chose (``announced``) and the level it sent, by party id: a pivot
    whose ``only_if`` condition on another pivot fails falls back to its best allowed level below.
    """
    rows = np.arange(worlds)
    chosen = {k: parties[k].choose_level(eq.utility[k], noise[k]) for k in eq.pivots}
    sent = dict(chosen)
    for _ in range(len(eq.pivots)):  # each pass only lowers levels, so this many passes settle it
        moved = False
        for k in eq.pivots:
            ok = np.broadcast_to(parties[k].allowed(sent), (worlds, N_LEVELS))
            bad = ~ok[rows, sent[k]]
            if not bad.any():
                continue
            values = np.empty((worlds, N_LEVELS))
            for level in range(N_LEVELS):
                trial = dict(sent)
                trial[k] = np.full(worlds, level, dtype=np.int8)
                values[:, level] = eq.value[k][eq.combo_index(trial, worlds), rows]
            sent[k] = np.where(bad, _fallback(values, ok, sent[k]), sent[k]).astype(np.int8)
            moved = True
        if not moved:
            break
    where = eq.combo_index(sent, worlds)
    for pid in parties:
        if pid not in eq.pivots:
            chosen[pid] = sent[pid] = parties[pid].choose_level(eq.utility[pid][where, rows], noise[pid])
    return chosen, sent
