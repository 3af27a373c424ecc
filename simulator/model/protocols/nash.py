"""The (generalised, asymmetric) Nash bargaining solution between principals, batched over worlds.

Principal *i* has an ideal package ``a_i`` in ``[0, 1]^m`` and saliences ``s_ik`` (normalised to
sum to 1 over the issues), so its utility for a package ``y`` is the salience-weighted linear
loss ``u_i(y) = sum_k s_ik (1 - |y_k - a_ik|)`` in ``[0, 1]``. With disagreement values ``d_i``
and bargaining powers ``w_i`` (capabilities), the solution maximises the Nash product
``prod_i (u_i - d_i)^{w_i}`` over the packages with ``u_i > d_i`` for all *i* (Nash 1950; Kalai
1977 for the asymmetric form). When no package gives every principal more than ``d_i`` there is
no zone of agreement: ``exists`` is False and the package is NaN.

**Two principals, any number of issues (closed form).** Only packages with every ``y_k`` between
the two ideals are Pareto-efficient. Write ``y_k = a_1k + t_k (a_2k - a_1k)``; conceding issue *k*
fully costs principal 1 ``c_k = s_1k |a_2k - a_1k|`` and gains principal 2
``g_k = s_2k |a_2k - a_1k|``. The Pareto frontier is the fractional-knapsack path: issues are
conceded in decreasing order of ``g_k / c_k`` (free ones, ``c_k = 0``, first), so it is concave and
piecewise linear with one edge per issue, and at most one issue is split. On the edge of issue
*q*, with ``u_1 = A - tau c_q`` and ``u_2 = B + tau g_q``, the Nash product is maximised at
``tau* = (w_2 g_q (A - d_1) - w_1 c_q (B - d_2)) / ((w_1 + w_2) c_q g_q)``, clipped to
``[0, 1]``; the product being log-concave along the frontier, the best of the edges' optima is the
solution. On one issue this is the familiar split of the surplus by weights:
``u_i - d_i = w_i / (w_1 + w_2) (u_1 + u_2 - d_1 - d_2)`` where that point lies between the ideals.

**Any number of principals, one issue (numerical).** ``sum_i w_i log(u_i(y) - d_i)`` is concave on
the interval where every ``u_i > d_i``; its maximiser is found by bisection on the sign of the
(super)derivative ``sum_i w_i sign(a_i - y) / (u_i(y) - d_i)``, to machine precision (64 steps).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from simulator.model.protocols.base import Table, register
from simulator.model.protocols.settle import ForecastProtocol, agreement_groups

if TYPE_CHECKING:
    from simulator.model.model import NegotiationModel

Array = NDArray[np.float64]
_STEPS = 64


@dataclass(frozen=True)
class NashResult:
    """The agreed package per world.

    Attributes:
        package: ``(W, m)`` agreed positions in ``[0, 1]``; NaN where no agreement exists.
        utilities: ``(W, n)`` each principal's utility for the package (NaN without agreement).
        exists: ``(W,)`` whether some package gives every principal more than its ``d_i``.
    """

    package: Array
    utilities: Array
    exists: NDArray[np.bool_]


def utilities(package: ArrayLike, ideals: ArrayLike, salience: ArrayLike) -> Array:
    """Salience-weighted linear utility ``u_i(y) = sum_k s_ik (1 - |y_k - a_ik|) / sum_k s_ik``.

    Args:
        package: ``(W, m)``.
        ideals: ``(W, n, m)``.
        salience: Broadcastable to ``ideals``, non-negative, each principal's total positive.

    Returns:
        ``(W, n)``.
    """
    y = np.asarray(package, dtype=np.float64)
    a = np.asarray(ideals, dtype=np.float64)
    s = np.broadcast_to(np.asarray(salience, dtype=np.float64), a.shape)
    return (s * (1.0 - np.abs(y[:, None, :] - a))).sum(axis=2) / s.sum(axis=2)


def nash_bargaining(
    ideals: ArrayLike, salience: ArrayLike, disagreement: ArrayLike, power: ArrayLike
) -> NashResult:
    """Asymmetric Nash bargaining solution ``argmax prod_i (u_i - d_i)^{w_i}``, batched.

    Args:
        ideals: ``(W, n, m)`` ideal packages in ``[0, 1]`` (``(W, n)`` for one issue).
        salience: Broadcastable to ``ideals``; non-negative, each principal's total positive.
        disagreement: ``(n,)`` or ``(W, n)`` disagreement (reservation) utilities ``d_i``.
        power: ``(n,)`` or ``(W, n)`` positive bargaining powers ``w_i`` (capabilities).

    Returns:
        The package, the principals' utilities and whether a zone of agreement exists.

    Raises:
        ValueError: On bad shapes or values, or for three or more principals on several issues
            (neither closed form applies; use one issue at a time).
    """
    a = np.asarray(ideals, dtype=np.float64)
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3 or a.shape[1] < 2 or a.shape[2] < 1:
        raise ValueError(f"ideals has shape {a.shape}; expected (worlds, principals>=2, issues)")
    w_count, n, m = a.shape
    sal = np.asarray(salience, dtype=np.float64)
    if sal.ndim == 2 and a.shape[2] == 1 and sal.shape == a.shape[:2]:
        sal = sal[:, :, None]
    s = np.broadcast_to(sal, a.shape)
    d = np.broadcast_to(np.asarray(disagreement, dtype=np.float64), (w_count, n))
    w = np.broadcast_to(np.asarray(power, dtype=np.float64), (w_count, n))
    if np.any((a < 0) | (a > 1)) or np.any(s < 0) or np.any(s.sum(axis=2) <= 0) or np.any(w <= 0):
        raise ValueError("ideals must lie in [0, 1], saliences be >= 0 (some > 0) and powers > 0")
    s = s / s.sum(axis=2, keepdims=True)
    if n == 2:
        package, exists = _two_principals(a, s, d, w)
    elif m == 1:
        package, exists = _one_issue(a[:, :, 0], d, w)
    else:
        raise ValueError("three or more principals on several issues: bargain one issue at a time")
    u = utilities(np.nan_to_num(package), a, s)
    return NashResult(package=package, utilities=np.where(exists[:, None], u, np.nan), exists=exists)


def _two_principals(a: Array, s: Array, d: Array, w: Array) -> tuple[Array, NDArray[np.bool_]]:
    """Closed form on the piecewise-linear Pareto frontier (see the module docstring)."""
    w_count, _, m = a.shape
    gap = np.abs(a[:, 1] - a[:, 0])
    cost, gain = s[:, 0] * gap, s[:, 1] * gap
    free = (cost == 0) & (gain > 0)
    trade = (cost > 0) & (gain > 0)
    ratio = np.where(trade, gain / np.where(trade, cost, 1.0), -np.inf)
    order = np.argsort(-ratio, axis=1, kind="stable")
    c = np.take_along_axis(np.where(trade, cost, 0.0), order, axis=1)
    g = np.take_along_axis(np.where(trade, gain, 0.0), order, axis=1)
    u2_start = 1.0 - np.where(free, 0.0, gain).sum(axis=1)
    start_a = 1.0 - (np.cumsum(c, axis=1) - c)  # principal 1's utility at each edge's start
    start_b = u2_start[:, None] + (np.cumsum(g, axis=1) - g)
    slack_a, slack_b = start_a - d[:, :1], start_b - d[:, 1:]
    w1, w2 = w[:, :1], w[:, 1:]
    edge = (c > 0) & (g > 0)
    denom = np.where(edge, (w1 + w2) * c * g, 1.0)
    tau = np.where(edge, np.clip((w2 * g * slack_a - w1 * c * slack_b) / denom, 0.0, 1.0), 0.0)
    end_a, end_b = slack_a - tau * c, slack_b + tau * g
    ok = (end_a > 0) & (end_b > 0)
    value = np.full(end_a.shape, -np.inf)
    value[ok] = (w1 * np.log(np.where(ok, end_a, 1.0)) + w2 * np.log(np.where(ok, end_b, 1.0)))[ok]
    best = np.argmax(value, axis=1)
    rows = np.arange(w_count)
    exists = np.isfinite(value[rows, best])
    rank = np.arange(m)[None, :]
    t_sorted = np.where(rank < best[:, None], 1.0, 0.0)
    t_sorted[rows, best] = tau[rows, best]
    t_sorted = np.where(edge, t_sorted, 0.0)
    t = np.empty_like(t_sorted)
    np.put_along_axis(t, order, t_sorted, axis=1)
    t = np.where(free, 1.0, t)
    package = a[:, 0] + t * (a[:, 1] - a[:, 0])
    return np.where(exists[:, None], package, np.nan), exists


def _one_issue(a: Array, d: Array, w: Array) -> tuple[Array, NDArray[np.bool_]]:
    """Bisection on the derivative of the log Nash product over the feasible interval."""
    reach = 1.0 - d  # u_i > d_i  <=>  |y - a_i| < 1 - d_i
    lo_open, hi_open = (a - reach).max(axis=1), (a + reach).min(axis=1)
    exists = (reach.min(axis=1) > 0) & (lo_open < hi_open) & (lo_open < 1.0) & (hi_open > 0.0)
    lo, hi = np.maximum(lo_open, 0.0), np.minimum(hi_open, 1.0)
    lo, hi = np.where(exists, lo, 0.0), np.where(exists, hi, 1.0)
    for _ in range(_STEPS):
        mid = 0.5 * (lo + hi)
        slack = 1.0 - np.abs(mid[:, None] - a) - d
        slope = (w * np.sign(a - mid[:, None]) / np.where(slack > 0, slack, np.inf)).sum(axis=1)
        up = slope > 0
        lo, hi = np.where(up, mid, lo), np.where(up, hi, mid)
    y = 0.5 * (lo + hi)
    return np.where(exists, y, np.nan)[:, None], exists


@register
class Nash(ForecastProtocol):
    """The Nash solution between the principals as a protocol (no rounds, no walk-outs).

    Reservation values are the disagreement point and capabilities the bargaining powers; with two
    principals the scenario's groups of issues are bargained as packages (closed form), with more
    each issue on its own. No agreement where no package beats every reservation value; the
    scenario's rule then checks red lines.
    """

    kind = "nash"

    @staticmethod
    def forecast(model: NegotiationModel, table: Table | None = None) -> Array:
        """The Nash package per world and issue, ``(worlds, issues)`` (NaN: no zone of agreement)."""
        sides = [model.parties[p] for p in model.spec.principals]
        k = len(model.issue_ids)
        groups = agreement_groups(model) if len(sides) == 2 else [np.array([j]) for j in range(k)]
        d = np.stack([np.broadcast_to(a.reservation_value(), (model.worlds,)) for a in sides], axis=1)
        w = np.stack([np.broadcast_to(a.power(), (model.worlds,)) for a in sides], axis=1)
        text = np.full((model.worlds, k), np.nan)
        for g in groups:
            ideals = np.stack([a.ideal[:, g] for a in sides], axis=1)  # (W, n, m)
            has = ~np.isnan(ideals)
            cols = g[has.any(axis=(0, 1))]  # issues some principal has a position on
            if cols.size == 0:
                continue
            keep = has.any(axis=(0, 1))
            ideals, has = ideals[:, :, keep], has[:, :, keep]
            # A principal without a position on an issue does not care where it lands.
            fill = np.nanmean(ideals, axis=1, keepdims=True)
            sal = np.stack([a.salience[:, cols] for a in sides], axis=1)
            sal = np.where(has, sal, 0.0) + 1e-12
            res = nash_bargaining(np.where(has, ideals, fill), sal, d, np.maximum(w, 1e-12))
            text[:, cols] = res.package
        return text
