"""Packages in the offers protocol: the points a proposer chooses among, and what each is worth.

- :func:`contract_curve`: ``GRID`` packages along the contract curve between the two ideals (the
  logrolling frontier: concede first where it costs you least and gains the other most);
- :func:`package_value`: what a package is worth to a principal, its salience-weighted utility
  less the audience cost of every red line it crosses (Fearon 1994), and in a campaign the cost
  of going back on its earlier public offers (:func:`going_back_cost`).

Rules, formulas and tests: ``docs/model.md`` section "Offers".
"""

from __future__ import annotations

import numpy as np

from simulator.model.bargaining import EPS, Zone

#: Packages searched per issue group: points along the contract curve (see :func:`contract_curve`).
GRID = 41


def contract_curve(
    ideal1: np.ndarray, sal1: np.ndarray, ideal2: np.ndarray, sal2: np.ndarray, points: int = GRID
) -> np.ndarray:
    """``points`` packages ``(worlds, points, issues)`` along the contract curve, party 1's ideal first.

    With utilities linear in each issue the Pareto frontier between the ideals is a chain of
    segments, one per issue, ordered by the ratio of the two saliences (``Zone``); the points are
    spaced evenly in party 1's utility, so a package trades a low-salience issue for a high one
    where the saliences differ. Red lines are left out here: they are soft, priced by value.
    """
    open1 = np.where(np.isnan(ideal2), ideal1, ideal2)
    open2 = np.where(np.isnan(ideal1), ideal2, ideal1)
    zone = Zone.build(ideal1, sal1, open1, ideal2, sal2, open2)
    u1 = zone.u1  # (worlds, issues + 1), decreasing
    f = np.linspace(0.0, 1.0, points)
    target = u1[:, :1] - f[None, :] * (u1[:, :1] - u1[:, -1:])  # (worlds, points)
    k = u1.shape[1] - 1
    # The segment each point falls on, its ends' utilities and the fraction along it. Computed in
    # place (the same numbers as the formulas; measured: half the time of this function, which
    # is built for every issue group of every batch): with one issue (agreement issue by issue)
    # every point is on the one segment, so nothing is looked up.
    if k == 1:
        seg = np.zeros(target.shape, dtype=np.intp)
        hi, lo = u1[:, :1], u1[:, 1:]
    else:
        inner = u1[:, 1:-1]
        seg = (inner[:, None, :] >= target[..., None] - EPS).sum(axis=-1)  # (worlds, points)
        hi = np.take_along_axis(u1, seg, axis=1)
        lo = np.take_along_axis(u1, seg + 1, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        width = hi - lo
        t = np.subtract(hi, target, out=target)  # target is not read again
        np.divide(t, width, out=t)
    np.copyto(t, 0.0, where=~np.isfinite(t))  # nan and +-inf to 0, as nan_to_num(nan=0, posinf=0, neginf=0)
    np.clip(t, 0.0, 1.0, out=t)
    np.copyto(t, f[None, :], where=~(np.abs(width) > EPS))
    # Issues ranked before the point's segment are fully conceded, those after not at all.
    zlo, zhi = zone.zlo[:, None, :], zone.zhi[:, None, :]
    z = np.multiply(t[..., None], zhi - zlo)
    np.add(zlo, z, out=z)
    if k > 1:
        rank, j = zone.rank[:, None, :], seg[..., None]
        np.copyto(z, np.broadcast_to(zhi, z.shape), where=rank < j)
        np.copyto(z, np.broadcast_to(zlo, z.shape), where=rank > j)
    np.multiply(zone.step[:, None, :], z, out=z)
    np.add(zone.start[:, None, :], z, out=z)
    return np.asarray(z)


def package_value(
    x: np.ndarray,
    ideal: np.ndarray,
    salience: np.ndarray,
    red_line: np.ndarray,
    audience: np.ndarray,
    line: np.ndarray | None = None,
    back: np.ndarray | None = None,
) -> np.ndarray:
    """Value of packages ``x`` ``(worlds, points, issues)``: utility less crossed red lines' costs.

    ``V(x) = sum_k w_k (1 - |x_k - ideal_k| - c_k [x_k beyond red_line_k])``, ``w_k = s_k / sum s``:
    an audience cost ``c_k`` is on its issue's own scale (a deal on the issue alone is worth 0..1),
    so a package is worth the salience-weighted sum of its issues' values, whichever way the
    agenda is split. ``c_k`` is ``inf`` for a hard red line (the package is then worth ``-inf``).

    A campaign's concession lines (``line`` ``(worlds, issues)``, NaN where none; ``back``
    ``(worlds,)``) price going back on an earlier public offer the same way, the side reversed:
    ``- w_k c_back [x_k on the ideal's side of line_k, beyond it by more than EPS]`` (Fearon 1994:
    backing down in public costs a leader; docs/model.md, "Campaigns"). Without them the value is
    computed exactly as before.
    """
    has = ~np.isnan(ideal)
    w = np.where(has, salience, 0.0)
    total = w.sum(axis=-1)
    w = np.where(total[:, None] > EPS, w / np.maximum(total, EPS)[:, None], 0.0)[:, None, :]
    if not np.isfinite(x).all():  # a check is a pass, nan_to_num six; packages are finite but with no ideal
        x = np.nan_to_num(x)
    # In place over (worlds, points, issues), the same numbers as the formula without its temporaries.
    d = np.subtract(x, np.nan_to_num(ideal)[:, None, :])
    np.abs(d, out=d)
    np.multiply(w, d, out=d)
    util = 1.0 - _issue_sum(d)
    toward = np.where(has, np.sign(red_line - ideal), 0.0)[:, None, :]
    np.subtract(x, np.nan_to_num(red_line)[:, None, :], out=d)
    np.multiply(d, toward, out=d)
    beyond = d > EPS
    audience = np.broadcast_to(audience, ideal.shape)
    if beyond.any():
        with np.errstate(invalid="ignore"):
            cost = np.where(beyond & (w > 0), w * audience[:, None, :], 0.0)
        util = util - _issue_sum(cost)
    if line is not None and back is not None:
        util = util - going_back_cost(x, ideal, w[:, 0, :], line, back)
    return np.asarray(util)


def _issue_sum(a: np.ndarray) -> np.ndarray:
    """``a.sum(axis=-1)``, bit for bit, without NumPy's reduction over an axis of one issue.

    Agreement issue by issue makes one-issue groups, where summing over the last axis runs the
    reduction machinery once per package (5x the time of a copy); a sum of one term is the
    term plus ``0.0`` (which turns ``-0.0`` into ``0.0``, as the reduction does).
    """
    if a.shape[-1] == 1:
        return np.asarray(np.add(a[..., 0], 0.0))
    return np.asarray(a.sum(axis=-1))


def going_back_cost(
    x: np.ndarray, ideal: np.ndarray, w: np.ndarray, line: np.ndarray, back: np.ndarray
) -> np.ndarray:
    """``(worlds, points)``: ``sum_k w_k c_back`` over the issues where package ``x`` asks more than
    the concession line (lies on the ideal's side of it, by more than EPS); no line, no cost."""
    has = ~np.isnan(line) & ~np.isnan(ideal)
    if not has.any():
        return np.zeros(x.shape[:2])
    back_side = np.where(has, np.sign(np.nan_to_num(ideal) - np.nan_to_num(line)), 0.0)[:, None, :]
    behind = (x - np.nan_to_num(line)[:, None, :]) * back_side > EPS
    cost = np.where(behind, (w * np.broadcast_to(back, ideal.shape[:1])[:, None])[:, None, :], 0.0)
    return np.asarray(cost.sum(axis=-1))


def within_hard_lines(
    ideal1: np.ndarray,
    red1: np.ndarray,
    audience1: np.ndarray,
    ideal2: np.ndarray,
    red2: np.ndarray,
    audience2: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The two ideals moved into what both sides' hard red lines allow, per issue, for the curve.

    A package past a hard line is worth ``-inf`` to its side, so a proposer searching the
    unconstrained contract curve can miss the few packages both could sign: with 41 points along
    six issues, a narrow overlap of two hard lines on one issue may hold no point at all. Where
    both lines leave an interval ``[lo, hi]`` open on an issue, each ideal is clipped into it and
    the curve runs inside the hard lines; where they leave nothing (no package is signable) the
    ideals stay. Values are still taken at the true ideals (:func:`package_value`).
    """
    lo = np.zeros_like(ideal1)
    hi = np.ones_like(ideal1)
    for ideal, red, aud in ((ideal1, red1, audience1), (ideal2, red2, audience2)):
        hard = np.isinf(aud) & ~np.isnan(ideal) & ~np.isnan(red)
        above = hard & (red > ideal)  # the line caps the issue from above
        below = hard & (red < ideal)
        hi = np.where(above, np.minimum(hi, red), hi)
        lo = np.where(below, np.maximum(lo, red), lo)
    room = lo <= hi
    e1 = np.where(room & ~np.isnan(ideal1), np.clip(ideal1, lo, hi), ideal1)
    e2 = np.where(room & ~np.isnan(ideal2), np.clip(ideal2, lo, hi), ideal2)
    return e1, e2
