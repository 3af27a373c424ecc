"""Bueno de Mesquita's expected-utility model (EUM), batched over worlds, one issue at a time.

This module is the numerical core (:func:`run_eum` and its parts); the protocol that feeds it from
the model, :class:`~simulator.model.protocols.eum_protocol.ExpectedUtility`, is in ``eum_protocol``.

The model follows the reconstruction by Scholz, Calbert and Smith (2011), "Unravelling Bueno De
Mesquita's group decision model", *Journal of Theoretical Politics* 23(4), of Bueno de Mesquita
(1994), "Political forecasting: an expected utility method". Every array has a leading worlds axis
``W``; ``n`` is the number of actors. Positions are scaled to ``0..1`` by the position range
(``x' = (x - low) / (high - low)``) and scaled back on output.

One round, for every world at once:

1. **Risk exponents.** With every exponent at 1, actor *i*'s danger is the sum of the others'
   expected utilities of challenging it, ``D_i = sum_j E[U_ji]``. Its risk attitude is
   ``R_i = (2 D_i - max D - min D) / (max D - min D)`` (0 when all dangers are equal) and its risk
   exponent ``r_i = (1 - R_i / 3) / (1 + R_i / 3)``, in ``[1/2, 2]``; recomputed every round from
   the current positions (Scholz et al. recompute it each round; an actor's security changes as
   positions move).
2. **Probability of winning.** Voter *k* casts ``v_k(i, j) = c_k s_k (|x_k - x_j|^r_k -
   |x_k - x_i|^r_k)`` for *i* against *j*; ``P_ij = sum_k max(0, v_k(i, j)) / N`` with
   ``N = sum_k sum_a sum_b |v_k(a, b)|`` over every ordered pair of actors — the normalisation of
   Scholz et al.'s code (not the pairwise ``P_ij + P_ji = 1``): it is the one that reproduces the
   reconstruction's round-1 figures on the EC emission-standards example; ``P_ij = 0`` when
   ``x_i = x_j``.
3. **Expected utility of challenging**, from the perspective of actor *p* (its exponent ``r_p``),
   with ``d = |x_i - x_j|``: ``U_s = 2 - 4 (0.5 - 0.5 d)^r``, ``U_f = 2 - 4 (0.5 + 0.5 d)^r``,
   ``U_sq = 2 - 4 (0.5)^r``, ``U_b / U_w = 2 - 4 (0.5 -/+ 0.25 (|x_i - mu| + d))^r`` (``mu`` the
   capability x salience weighted median), and
   ``E[U_ij] = s_j (P_ij U_s + (1 - P_ij) U_f) + (1 - s_j) U_s - (Q U_sq + (1 - Q)(T U_b + (1 - T) U_w))``.
4. **Offers**, as actor *i* sees its dyad with *j* (``a = E^i[U_ij]``, ``b = E^i[U_ji]``):
   conflict lost when ``b > a > 0`` (move to ``x_j``); compromise when ``b > 0 > a`` and
   ``b > |a|`` (move to ``x_i + (x_j - x_i) |a / b|``); capitulation when ``b > 0 > a`` and
   ``b <= |a|`` (move to ``x_j``). Published replications test capitulation as ``b < |b|``,
   which never holds; we use the complement of the compromise test, which is continuous with it
   (the compromise move tends to the full move as ``|a| -> b``). It never triggers on the EC
   example, so the two readings agree there.
5. **Choice.** Each actor takes at most one offer: a lost conflict before a compromise before a
   capitulation (Scholz et al.'s order). Among conflicts or capitulations, the one requiring the
   smallest move; among compromises, by default Scholz et al.'s code's rule (the smallest
   EU-weighted position ``(|a| x_i + b x_j) / (|a| + b)``), the reconstruction whose published run
   we reproduce; ``compromise_choice="smallest_move"`` takes the compromise requiring the smallest
   move instead (what the paper's prose describes). Ties go to the actor listed first.
   All actors move simultaneously.

Rounds repeat ``rounds`` times; a world whose positions no longer change is at a fixed point (the
model is deterministic) and keeps its positions; computation stops early once every world is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]

NO_OFFER, CONFLICT, COMPROMISE, CAPITULATION = 0, 1, 2, 3
_BLOCK = 512  # worlds per block in :func:`run_eum` (arrays of n x n x block stay in cache)


@dataclass(frozen=True)
class EUMRound:
    """One round's outcome, on the 0..1 scale (arrays over worlds ``W`` and actors ``n``).

    Attributes:
        positions: New positions, ``(W, n)``.
        risk: Risk exponents ``r_i`` used in the round, ``(W, n)``.
        offer_type: Offer each actor took (``NO_OFFER``, ``CONFLICT``, ``COMPROMISE``,
            ``CAPITULATION``), ``(W, n)``.
        partner: Index of the actor whose offer it took, -1 for none, ``(W, n)``.
    """

    positions: Array
    risk: Array
    offer_type: NDArray[np.int8]
    partner: NDArray[np.int64]


@dataclass(frozen=True)
class EUMResult:
    """A run over ``R`` rounds, positions on the caller's scale.

    Attributes:
        positions: ``(R + 1, W, n)``: round 0 (the input) to round ``R``.
        settled: Round after which each world's positions stopped changing, -1 if they never did.
    """

    positions: Array
    settled: NDArray[np.int64]


def _as_worlds(a: ArrayLike, shape: tuple[int, int], name: str) -> Array:
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.shape[-1] != shape[1] or arr.shape[0] not in (1, shape[0]) or arr.ndim != 2:
        raise ValueError(f"{name} has shape {arr.shape}; expected ({shape[1]},) or {shape}")
    return np.broadcast_to(arr, shape)


def win_probabilities(x: Array, weights: Array, risk: Array | None = None) -> Array:
    """Probability ``P[w, i, j]`` that actor *i* wins a challenge against *j* (Scholz normalisation).

    Args:
        x: Positions on the 0..1 scale, ``(W, n)``.
        weights: Capability x salience ``c_k s_k``, ``(W, n)``.
        risk: Voters' risk exponents ``r_k``, ``(W, n)``; ``None`` for all ones.

    Returns:
        ``(W, n, n)``: ``sum_k max(0, v_k(i, j)) / sum_{k,a,b} |v_k(a, b)|`` (0 when the
        denominator is 0, i.e. all positions equal).
    """
    xt = np.ascontiguousarray(x.T)
    risk_t = None if risk is None else np.ascontiguousarray(risk.T)
    p = _win_t(_dist_t(xt), np.ascontiguousarray(weights.T), risk_t)
    return np.ascontiguousarray(p.transpose(2, 0, 1))


def _dist_t(xt: Array) -> Array:
    """``dist[i, j, w] = |x_i - x_j|`` from worlds-last positions ``(n, W)``."""
    return np.abs(xt[:, None, :] - xt[None, :, :])


def _win_t(dist: Array, wt: Array, risk_t: Array | None) -> Array:
    """:func:`win_probabilities` on worlds-last arrays: ``dist (n, n, W)``, ``wt``, ``risk_t (n, W)``."""
    # Worlds last: every slice below is a contiguous block, several times faster than worlds first.
    if risk_t is not None:
        dist = dist ** risk_t[None, :, :]  # dist[b, k, w] = |x_k - x_b| ** r_k
    n, w_count = wt.shape
    pull = np.einsum("bkw,kw->bw", dist, wt)  # sum_k c_k s_k d_kb
    out = np.zeros((n, n, w_count))
    for a in range(n - 1):
        votes = dist[a + 1 :] - dist[a]  # votes[m, k, w] = v_k(a, b) for b = a + 1 + m
        np.maximum(votes, 0.0, out=votes)
        votes *= wt
        out[a, a + 1 :] = votes.sum(axis=1)
        # v_k(b, a) = -v_k(a, b), so P_ba = P_ab - sum_k c_k s_k (d_kb - d_ka)
        out[a + 1 :, a] = np.maximum(out[a, a + 1 :] - (pull[a + 1 :] - pull[a]), 0.0)
    # the sum over ordered pairs of |v| counts each pair's positive part once in each order
    total = 2.0 * out.sum(axis=(0, 1))
    np.divide(out, total, out=out, where=total > 0)
    out[:, :, total <= 0] = 0.0
    return out


def _utility(base: Array, r: Array) -> Array:
    return 2.0 - 4.0 * np.maximum(base, 0.0) ** r


def _outcome_utilities(dist: Array, risk: Array) -> tuple[Array, Array, Array]:
    """``U_s``, ``U_f`` and ``U_sq`` (the last shaped like ``risk``)."""
    if np.all(risk == 1.0):  # r = 1: the power is the identity
        return 2.0 * dist, -2.0 * dist, np.zeros_like(risk)
    return (
        _utility(0.5 - 0.5 * dist, risk),
        _utility(0.5 + 0.5 * dist, risk),
        _utility(np.full_like(risk, 0.5), risk),
    )


def challenge_utility(
    dist: Array,
    p_win: Array,
    target_salience: Array,
    risk: Array,
    q: float = 1.0,
    t: float = 1.0,
    challenger_to_median: Array | float = 0.0,
) -> Array:
    """Expected utility ``E[U_ij]`` of a challenge (elementwise, broadcasting).

    Args:
        dist: ``|x_i - x_j|`` on the 0..1 scale.
        p_win: Probability ``P_ij`` that the challenger wins.
        target_salience: ``s_j``, the chance that the target resists.
        risk: Risk exponent of the actor whose perspective is taken.
        q: Probability that the status quo holds if there is no challenge.
        t: Probability that, if it does not, the outcome moves in the challenger's favour.
        challenger_to_median: ``|x_i - mu|`` (used only when ``q < 1``).

    Returns:
        ``s_j (P U_s + (1 - P) U_f) + (1 - s_j) U_s - (Q U_sq + (1 - Q)(T U_b + (1 - T) U_w))``.
    """
    risk = np.asarray(risk, dtype=np.float64)
    u_s, u_f, u_sq = _outcome_utilities(np.asarray(dist, dtype=np.float64), risk)
    return _expected(u_s, u_f, u_sq, dist, p_win, target_salience, risk, q, t, challenger_to_median)


def _expected(
    u_s: Array,
    u_f: Array,
    u_sq: Array,
    dist: Array,
    p_win: Array,
    target_salience: Array,
    risk: Array,
    q: float,
    t: float,
    challenger_to_median: Array | float,
) -> Array:
    status_quo = _status_quo(u_sq, dist, risk, q, t, challenger_to_median)
    return u_s - target_salience * (1.0 - p_win) * (u_s - u_f) - status_quo


def _status_quo(u_sq: Array, dist: Array, risk: Array, q: float, t: float, to_median: Array | float) -> Array:
    """``Q U_sq + (1 - Q)(T U_b + (1 - T) U_w)``."""
    if q >= 1.0:
        return u_sq
    spread = 0.25 * (to_median + dist)
    return q * u_sq + (1.0 - q) * (
        t * _utility(0.5 - spread, risk) + (1.0 - t) * _utility(0.5 + spread, risk)
    )


def risk_exponents(x: Array, weights: Array, salience: Array, q: float = 1.0, t: float = 1.0) -> Array:
    """Risk exponents ``r_i = (1 - R_i/3) / (1 + R_i/3)`` from the security of each position, ``(W, n)``."""
    xt, wt = np.ascontiguousarray(x.T), np.ascontiguousarray(weights.T)
    to_median = _to_median_t(xt, wt, q)
    return _risk_t(_dist_t(xt), wt, np.ascontiguousarray(salience.T), q, t, to_median).T


def _to_median_t(xt: Array, wt: Array, q: float) -> Array:
    """``|x_i - mu|`` worlds-last; only the status quo's lottery (``Q < 1``) uses it."""
    if q >= 1.0:
        return np.zeros_like(xt)
    return np.abs(xt - weighted_median_rows(xt.T, wt.T)[None, :])


def _risk_t(dist: Array, wt: Array, st: Array, q: float, t: float, to_median: Array) -> Array:
    """:func:`risk_exponents` on worlds-last arrays ``(n, W)`` (``dist`` is ``(n, n, W)``)."""
    p = _win_t(dist, wt, None)
    eu = challenge_utility(dist, p, st[None, :, :], np.ones(1), q, t, to_median[:, None, :])
    n = dist.shape[0]
    eu[np.arange(n), np.arange(n)] = 0.0
    danger = eu.sum(axis=0)  # D_i = sum_j E[U_ji]
    hi, lo = danger.max(axis=0), danger.min(axis=0)
    span = hi - lo
    attitude = np.divide(2.0 * danger - hi - lo, span, out=np.zeros_like(danger), where=span > 0)
    return (1.0 - attitude / 3.0) / (1.0 + attitude / 3.0)


def weighted_median_rows(x: Array, weights: Array) -> Array:
    """Lower weighted median of each row: the smallest ``x`` whose cumulative weight reaches half."""
    order = np.argsort(x, axis=1, kind="stable")
    xs = np.take_along_axis(x, order, axis=1)
    cum = np.cumsum(np.take_along_axis(weights, order, axis=1), axis=1)
    half = 0.5 * cum[:, -1:] * (1.0 - 1e-12)
    idx = np.argmax(cum >= half, axis=1)
    return xs[np.arange(len(x)), idx]


def eum_round(
    x: Array,
    capabilities: Array,
    salience: Array,
    q: float = 1.0,
    t: float = 1.0,
    compromise_choice: Literal["scholz", "smallest_move"] = "scholz",
) -> EUMRound:
    """One simultaneous round of challenges and moves on the 0..1 scale (see the module docstring).

    Args:
        x: Positions, ``(W, n)``, in ``[0, 1]``.
        capabilities: ``(W, n)``.
        salience: ``(W, n)``, in ``[0, 1]``.
        q: Probability that the status quo holds (1 in Scholz et al.'s runs).
        t: Probability of a favourable change when it does not.
        compromise_choice: Rule among several compromise offers.

    Returns:
        The new positions, the risk exponents used, and the offer each actor took.
    """
    xt = np.ascontiguousarray(x.T)
    wt = np.ascontiguousarray((capabilities * salience).T)
    new, r, kind, partner = _round_t(xt, wt, np.ascontiguousarray(salience.T), q, t, compromise_choice)
    return EUMRound(
        positions=new.T.copy(), risk=r.T.copy(), offer_type=kind.T.copy(), partner=partner.T.copy()
    )


def _round_t(
    xt: Array, wt: Array, st: Array, q: float, t: float, compromise_choice: str
) -> tuple[Array, Array, NDArray[np.int8], NDArray[np.int64]]:
    """:func:`eum_round` on worlds-last arrays ``(n, W)``: pairs are ``[i, j, w]`` throughout."""
    if compromise_choice not in ("scholz", "smallest_move"):
        raise ValueError(f"unknown compromise_choice {compromise_choice!r}")
    n, w_count = xt.shape
    dist = _dist_t(xt)
    to_median = _to_median_t(xt, wt, q)
    r = _risk_t(dist, wt, st, q, t, to_median)
    p = _win_t(dist, wt, r)
    r_own = r[:, None, :]  # actor i's perspective on row i
    u_s, u_f, u_sq = _outcome_utilities(dist, r_own)  # shared by both directions of a dyad
    diff = u_s - u_f
    # a[i, j] = E^i[U_ij]; b[i, j] = E^i[U_ji]
    # the same order of operations as :func:`challenge_utility`: near-ties must break the same way
    sq_a = _status_quo(u_sq, dist, r_own, q, t, to_median[:, None, :])
    sq_b = sq_a if q >= 1.0 else _status_quo(u_sq, dist, r_own, q, t, to_median[None, :, :])
    a = u_s - st[None, :, :] * (1.0 - p) * diff - sq_a
    b = u_s - st[:, None, :] * (1.0 - p.transpose(1, 0, 2)) * diff - sq_b
    distinct = dist > 0
    conflict = distinct & (b > a) & (a > 0)
    yielding = distinct & (b > 0) & (a < 0)
    compromise = yielding & (b > -a)
    capitulation = yielding & ~compromise

    new = xt.copy()
    kind = np.zeros((n, w_count), dtype=np.int8)
    partner = np.full((n, w_count), -1, dtype=np.int64)
    undecided = np.ones((n, w_count), dtype=bool)
    for code, mask in ((CONFLICT, conflict), (COMPROMISE, compromise), (CAPITULATION, capitulation)):
        take = undecided & mask.any(axis=1)
        if not take.any():
            continue
        key = dist
        if code == COMPROMISE:
            share = np.divide(-a, b, out=np.zeros_like(a), where=mask)  # fraction of the way to x_j
            if compromise_choice == "scholz":
                key = (-a * xt[:, None, :] + b * xt[None, :, :]) / np.where(mask, b - a, 1.0)
            else:
                key = dist * share
        best = np.argmin(np.where(mask, key, np.inf), axis=1)
        chosen = np.take_along_axis(xt, best, axis=0)  # a full move lands exactly on x_j
        if code == COMPROMISE:
            chosen = xt + (chosen - xt) * np.take_along_axis(share, best[:, None, :], axis=1)[:, 0, :]
        new = np.where(take, chosen, new)
        kind[take] = code
        partner[take] = best[take]
        undecided &= ~take
    return np.clip(new, 0.0, 1.0), r, kind, partner


def run_eum(
    positions: ArrayLike,
    capabilities: ArrayLike,
    salience: ArrayLike,
    rounds: int,
    *,
    low: ArrayLike | None = None,
    high: ArrayLike | None = None,
    q: float = 1.0,
    t: float = 1.0,
    compromise_choice: Literal["scholz", "smallest_move"] = "scholz",
) -> EUMResult:
    """Run the EUM for ``rounds`` rounds on a batch of worlds.

    Args:
        positions: ``(W, n)`` (or ``(n,)`` for one world), on any scale.
        capabilities: ``(n,)`` or ``(W, n)``, non-negative.
        salience: ``(n,)`` or ``(W, n)``, in ``[0, 1]``.
        rounds: Number of rounds ``R >= 0``.
        low: Lower end of the position scale, scalar or ``(W,)``; default each world's minimum.
        high: Upper end, scalar or ``(W,)``; default each world's maximum (so the position range
            is ``max - min`` of the initial positions, as in Scholz et al.).
        q: Probability that the status quo holds (``Q = 1`` in the EC example).
        t: Probability of a favourable change when it does not.
        compromise_choice: ``"scholz"`` (default) or ``"smallest_move"``.

    Returns:
        Positions for rounds ``0..R`` on the input scale, and when each world settled.

    Raises:
        ValueError: On shapes that do not match, negative capabilities, saliences outside
            ``[0, 1]``, or positions outside ``[low, high]``.
    """
    x0 = np.asarray(positions, dtype=np.float64)
    x0 = x0[None, :] if x0.ndim == 1 else x0
    if x0.ndim != 2 or x0.shape[1] < 2:
        raise ValueError(f"positions has shape {x0.shape}; expected (worlds, actors>=2)")
    shape = (x0.shape[0], x0.shape[1])
    cap = _as_worlds(capabilities, shape, "capabilities")
    sal = _as_worlds(salience, shape, "salience")
    if rounds < 0 or not np.all(np.isfinite(x0)):
        raise ValueError("rounds must be >= 0 and positions finite")
    if np.any(cap < 0) or np.any((sal < 0) | (sal > 1)):
        raise ValueError("capabilities must be >= 0 and saliences in [0, 1]")
    lo = x0.min(axis=1) if low is None else np.broadcast_to(np.asarray(low, dtype=np.float64), shape[:1])
    hi = x0.max(axis=1) if high is None else np.broadcast_to(np.asarray(high, dtype=np.float64), shape[:1])
    span = np.where(hi > lo, hi - lo, 1.0)
    if np.any(x0 < lo[:, None]) or np.any(x0 > hi[:, None]):
        raise ValueError("positions must lie within [low, high]")
    x = (x0 - lo[:, None]) / span[:, None]
    history = np.empty((rounds + 1, *shape))
    history[:] = x0
    settled = np.full(shape[0], -1, dtype=np.int64)
    weights = cap * sal
    # Blocks of worlds small enough to stay in cache, worlds last; a world whose positions stop
    # changing is at a fixed point (the rounds are deterministic) and leaves the computation.
    for start in range(0, shape[0], _BLOCK):
        rows = np.arange(start, min(start + _BLOCK, shape[0]))
        xt = np.ascontiguousarray(x[rows].T)
        wt, st = np.ascontiguousarray(weights[rows].T), np.ascontiguousarray(sal[rows].T)
        for k in range(1, rounds + 1):
            new = _round_t(xt, wt, st, q, t, compromise_choice)[0]
            history[k:, rows] = lo[rows, None] + span[rows, None] * new.T
            still = np.all(new == xt, axis=0)
            settled[rows[still]] = k - 1
            keep = ~still
            rows, xt, wt, st = rows[keep], new[:, keep], wt[:, keep], st[:, keep]
            if rows.size == 0:
                break
    return EUMResult(positions=history, settled=settled)
