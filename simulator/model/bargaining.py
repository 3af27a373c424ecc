"""Two principals bargaining over a package of issues: the zone of agreement and the Nash text.

Each principal ``i`` values a package ``x`` (one point per issue on the 0..1 scale) as the
salience-weighted mean of its per-issue utilities ``1 - |x_k - ideal_ik|``, so a package is worth 1
at its ideal on every issue. It accepts nothing beyond its red lines. Between the two ideals, every
issue trades party 1's utility against party 2's at a fixed rate, so the best packages (the Pareto
frontier) concede first on the issues that matter least to the conceding side relative to the
other (logrolling). Written over arrays of worlds so one world and a million run the same code.

Coordinates: on issue ``k``, ``z_k`` is the distance moved from party 1's ideal toward party 2's
(``0 <= z_k <= d_k = |ideal_2k - ideal_1k|``), clipped to what both red lines allow. Then

    U1 = 1 - sum_k a_k z_k            U2 = 1 - sum_k b_k (d_k - z_k)

with ``a``, ``b`` the principals' saliences normalised to sum to 1. Both are linear in ``z``, so
the frontier is a concave chain of ``K + 1`` vertices, found by sorting issues on ``b_k / a_k``.

Two searches use it:
- :meth:`Zone.nash`: the point of the frontier that maximises the asymmetric Nash product
  ``(U1 - D1)^w1 (U2 - D2)^w2`` (closed form on each segment), the text a mediator tables;
- :meth:`Zone.split_line`: without a mediator, each issue is split in the same proportion (no
  trade across issues is found), the text that two sides conceding in step can reach.

Example:
    >>> zone = Zone.build(ideal1, sal1, red1, ideal2, sal2, red2)  # doctest: +SKIP
    >>> text, ok = zone.nash(d1, d2, w1, w2)  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

EPS = 1e-9


def acceptable_box(ideal: np.ndarray, red_line: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What a party accepts per issue, ``(low, high)``: everything short of its red line.

    A red line above the ideal allows ``[0, red_line]``, below it ``[red_line, 1]``; a red line at
    the ideal allows only the ideal. No position (NaN) allows everything.
    """
    direction = np.sign(red_line - ideal)
    lo = np.where(direction < 0, red_line, np.where(direction > 0, 0.0, ideal))
    hi = np.where(direction > 0, red_line, np.where(direction < 0, 1.0, ideal))
    none = np.isnan(ideal)
    return np.where(none, 0.0, lo), np.where(none, 1.0, hi)


def package_utility(x: np.ndarray, ideal: np.ndarray, salience: np.ndarray) -> np.ndarray:
    """Salience-weighted mean utility of packages ``x`` ``(worlds, issues)``: 1 at the ideal."""
    u = 1.0 - np.abs(x - ideal)
    w = np.where(np.isnan(ideal), 0.0, salience)
    out: np.ndarray = np.nansum(w * u, axis=-1) / np.maximum(w.sum(axis=-1), EPS)
    return out


@dataclass(frozen=True)
class Zone:
    """The packages two principals can agree on, per world (see the module docstring).

    Attributes:
        start: Party 1's ideal per world and issue (NaN ideals replaced by party 2's).
        step: +1 or -1 toward party 2's ideal (0 where the ideals coincide).
        zlo: Smallest distance from ``start`` that both red lines allow, per issue.
        zhi: Largest distance from ``start`` that both red lines allow (and at most ``d``).
        a: Party 1's normalised saliences.
        b: Party 2's normalised saliences.
        d: Distance between the ideals.
        feasible: Per world and issue, whether the red lines leave any common text.
        rank: Per world and issue, the issue's place in party 1's order of concession.
        u1: Party 1's utility at each frontier vertex ``(worlds, issues + 1)``, decreasing.
        u2: Party 2's utility at each vertex, increasing.
    """

    start: np.ndarray
    step: np.ndarray
    zlo: np.ndarray
    zhi: np.ndarray
    a: np.ndarray
    b: np.ndarray
    d: np.ndarray
    feasible: np.ndarray
    rank: np.ndarray
    u1: np.ndarray
    u2: np.ndarray

    @classmethod
    def build(
        cls,
        ideal1: np.ndarray,
        sal1: np.ndarray,
        red1: np.ndarray,
        ideal2: np.ndarray,
        sal2: np.ndarray,
        red2: np.ndarray,
    ) -> Zone:
        """The zone of two principals from their ideals, saliences and red lines ``(worlds, issues)``."""
        i1 = np.where(np.isnan(ideal1), ideal2, ideal1)
        i2 = np.where(np.isnan(ideal2), i1, ideal2)
        lo1, hi1 = acceptable_box(ideal1, red1)
        lo2, hi2 = acceptable_box(ideal2, red2)
        lo, hi = np.maximum(lo1, lo2), np.minimum(hi1, hi2)
        step = np.sign(i2 - i1)
        d = np.abs(i2 - i1)
        # Distance from i1 toward i2 of the box's ends, clipped to the segment between the ideals.
        near = np.where(step >= 0, lo - i1, i1 - hi)
        far = np.where(step >= 0, hi - i1, i1 - lo)
        zlo = np.clip(near, 0.0, d)
        zhi = np.clip(far, 0.0, d)
        feasible = (lo <= hi + EPS) & (near <= d + EPS) & (far >= -EPS)
        both_none = np.isnan(ideal1) & np.isnan(ideal2)
        feasible |= both_none
        # Red lines apart: nothing is acceptable, and the only text worth tabling is the middle of
        # the gap between them (it favours neither side; it is what a walk-out is judged against).
        gap = np.clip(np.where(step >= 0, 0.5 * (lo + hi) - i1, i1 - 0.5 * (lo + hi)), 0.0, d)
        zlo = np.where(feasible, zlo, gap)
        zhi = np.where(feasible, np.maximum(zhi, zlo), gap)
        a = _normalised(np.where(np.isnan(ideal1), 0.0, sal1))
        b = _normalised(np.where(np.isnan(ideal2), 0.0, sal2))
        # Party 1 concedes first where party 2 gains most per unit it loses.
        ratio = b / np.maximum(a, EPS)
        order = np.argsort(-ratio, axis=-1, kind="stable")
        rank = np.argsort(order, axis=-1, kind="stable")
        gain1 = np.take_along_axis(a * (zhi - zlo), order, axis=-1)
        gain2 = np.take_along_axis(b * (zhi - zlo), order, axis=-1)
        top1 = 1.0 - (a * zlo).sum(axis=-1)
        top2 = 1.0 - (b * (d - zlo)).sum(axis=-1)
        zeros = np.zeros((*top1.shape, 1))
        u1 = top1[..., None] - np.concatenate([zeros, np.cumsum(gain1, axis=-1)], axis=-1)
        u2 = top2[..., None] + np.concatenate([zeros, np.cumsum(gain2, axis=-1)], axis=-1)
        start = np.where(both_none, np.nan, i1)
        return cls(start, step, zlo, zhi, a, b, d, feasible, rank, u1, u2)

    def take(self, rows: np.ndarray) -> Zone:
        """The zone of the worlds ``rows`` only (the talks work on the worlds still talking)."""
        return Zone(*(getattr(self, f.name)[rows] for f in fields(self)))

    # --- the texts ------------------------------------------------------------------------------

    def nash(
        self, d1: np.ndarray, d2: np.ndarray, w1: np.ndarray, w2: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The frontier package maximising ``(U1 - d1)^w1 (U2 - d2)^w2``, and whether it exists.

        ``exists`` is False where no package within both red lines gives both more than their
        disagreement values (the package returned is then the frontier's best by the same product
        with the surpluses clipped at zero, which no one should accept).
        """
        u1, u2 = self.u1, self.u2
        n_seg = u1.shape[-1] - 1
        d1, d2 = np.asarray(d1)[..., None], np.asarray(d2)[..., None]
        w1, w2 = np.asarray(w1, dtype=float)[..., None], np.asarray(w2, dtype=float)[..., None]
        # Candidates: every vertex (segment j at t=0, plus the last at t=1) and each segment's optimum.
        seg_u1, seg_u2 = u1[..., :-1], u2[..., :-1]
        du1, du2 = u1[..., 1:] - seg_u1, u2[..., 1:] - seg_u2
        denom = (w1 + w2) * du1 * du2
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            t = -(w1 * du1 * (seg_u2 - d2) + w2 * du2 * (seg_u1 - d1)) / denom
        t = np.clip(np.nan_to_num(t, nan=0.0, posinf=0.0, neginf=0.0), 0.0, 1.0)
        seg = np.broadcast_to(np.arange(n_seg), t.shape)
        cand_seg = np.concatenate([seg, seg, np.full((*t.shape[:-1], 1), n_seg - 1)], axis=-1)
        cand_t = np.concatenate([np.zeros_like(t), t, np.ones((*t.shape[:-1], 1))], axis=-1)
        pick = np.take_along_axis
        cu1 = pick(seg_u1, cand_seg, -1) + cand_t * pick(du1, cand_seg, -1)
        cu2 = pick(seg_u2, cand_seg, -1) + cand_t * pick(du2, cand_seg, -1)
        s1, s2 = cu1 - d1, cu2 - d2
        ok = (s1 > EPS) & (s2 > EPS)
        with np.errstate(divide="ignore", invalid="ignore"):
            score = np.where(ok, w1 * np.log(np.maximum(s1, EPS)) + w2 * np.log(np.maximum(s2, EPS)), -np.inf)
            fallback = -(np.maximum(-s1, 0.0) + np.maximum(-s2, 0.0))
        score = np.where(ok.any(axis=-1, keepdims=True), score, fallback)
        best = np.argmax(score, axis=-1)[..., None]
        j = pick(cand_seg, best, -1)
        tt = pick(cand_t, best, -1)
        exists = ok.any(axis=-1) & self.feasible.all(axis=-1)
        return self._package_at(j, tt), exists

    def split_line(self, asp1: np.ndarray, asp2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Without a mediator: every issue split in one proportion ``lam``; the middle of what both accept.

        Returns the package and whether some ``lam`` gives party 1 at least ``asp1`` and party 2
        at least ``asp2``.
        """
        top1, top2 = self.u1[..., 0], self.u2[..., 0]
        span = self.zhi - self.zlo
        cost1 = (self.a * span).sum(axis=-1)
        gain2 = (self.b * span).sum(axis=-1)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            most = np.where(cost1 > EPS, (top1 - asp1) / cost1, np.where(top1 >= asp1 - EPS, 1.0, -1.0))
            least = np.where(gain2 > EPS, (asp2 - top2) / gain2, np.where(top2 >= asp2 - EPS, 0.0, 2.0))
        hi, lo = np.minimum(most, 1.0), np.maximum(least, 0.0)
        ok = (lo <= hi + EPS) & self.feasible.all(axis=-1)
        lam = np.clip(0.5 * (lo + hi), 0.0, 1.0)
        z = self.zlo + lam[..., None] * span
        return self._position(z), ok

    def utilities(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Both principals' package utilities of texts ``x`` (within the segment between ideals)."""
        z = np.nan_to_num(np.abs(x - np.nan_to_num(self.start)))
        return 1.0 - (self.a * z).sum(axis=-1), 1.0 - (self.b * (self.d - z)).sum(axis=-1)

    # --- helpers --------------------------------------------------------------------------------

    def _package_at(self, j: np.ndarray, t: np.ndarray) -> np.ndarray:
        """The package on frontier segment ``j`` at fraction ``t`` (issues ranked before j fully moved)."""
        r = self.rank
        z = np.where(r < j, self.zhi, np.where(r == j, self.zlo + t * (self.zhi - self.zlo), self.zlo))
        return self._position(z)

    def _position(self, z: np.ndarray) -> np.ndarray:
        out: np.ndarray = self.start + self.step * z
        return out


def _normalised(w: np.ndarray) -> np.ndarray:
    total = w.sum(axis=-1, keepdims=True)
    return np.where(total > EPS, w / np.maximum(total, EPS), 0.0)
