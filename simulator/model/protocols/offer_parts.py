"""The offers protocol's parts: packages, values with soft red lines, beliefs, offers and responses.

Each function is one rule of ``docs/model.md`` section "Offers", written over arrays of worlds so
that a test can check it by hand on one world:

- :func:`contract_curve`: the packages a proposer chooses among, ``GRID`` points along the
  contract curve between the two ideals (the logrolling frontier: concede first where it costs
  you least and gains the other most);
- :func:`package_value`: what a package is worth to a principal, its salience-weighted utility
  less the audience cost of every red line it crosses (Fearon 1994);
- :class:`Belief`: what a principal believes about the other's reservation value, the common
  prior truncated by what it has learnt (a rejected offer rules out the types that would have
  accepted it; Fudenberg & Tirole 1983, Cramton 1984);
- :func:`best_offer`: the package that maximises ``P(accept) * surplus + P(reject) * going on``;
- :func:`accepts`: a responder accepts a package worth at least what going on is worth to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.model.bargaining import EPS, Zone

#: Packages searched per issue group: points along the contract curve (see :func:`contract_curve`).
GRID = 41
#: Resolution of a tabulated prior CDF on [0, 1] (reservation values lie in [0, 1]).
CDF_POINTS = 1001
_CDF_GRID = np.linspace(0.0, 1.0, CDF_POINTS)


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
    inner = u1[:, 1:-1]
    seg = (inner[:, None, :] >= target[..., None] - EPS).sum(axis=-1)  # (worlds, points)
    hi = np.take_along_axis(u1, seg, axis=1)
    lo = np.take_along_axis(u1, seg + 1, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.clip(np.nan_to_num((hi - target) / (hi - lo), nan=0.0, posinf=0.0, neginf=0.0), 0.0, 1.0)
    t = np.where(np.abs(hi - lo) > EPS, t, f[None, :])
    rank = zone.rank[:, None, :]
    j, tt = seg[..., None], t[..., None]
    zlo, zhi = zone.zlo[:, None, :], zone.zhi[:, None, :]
    z = np.where(rank < j, zhi, np.where(rank == j, zlo + tt * (zhi - zlo), zlo))
    return np.asarray(zone.start[:, None, :] + zone.step[:, None, :] * z)


def package_value(
    x: np.ndarray, ideal: np.ndarray, salience: np.ndarray, red_line: np.ndarray, audience: np.ndarray
) -> np.ndarray:
    """Value of packages ``x`` ``(worlds, points, issues)``: utility less crossed red lines' costs.

    ``V(x) = sum_k w_k (1 - |x_k - ideal_k| - c_k [x_k beyond red_line_k])``, ``w_k = s_k / sum s``:
    an audience cost ``c_k`` is on its issue's own scale (a deal on the issue alone is worth 0..1),
    so a package is worth the salience-weighted sum of its issues' values, whichever way the
    agenda is split. ``c_k`` is ``inf`` for a hard red line (the package is then worth ``-inf``).
    """
    has = ~np.isnan(ideal)
    w = np.where(has, salience, 0.0)
    total = w.sum(axis=-1)
    w = np.where(total[:, None] > EPS, w / np.maximum(total, EPS)[:, None], 0.0)[:, None, :]
    x = np.nan_to_num(x)
    util = 1.0 - (w * np.abs(x - np.nan_to_num(ideal)[:, None, :])).sum(axis=-1)
    toward = np.where(has, np.sign(red_line - ideal), 0.0)[:, None, :]
    beyond = (x - np.nan_to_num(red_line)[:, None, :]) * toward > EPS
    audience = np.broadcast_to(audience, ideal.shape)
    if not beyond.any():
        return np.asarray(util)
    with np.errstate(invalid="ignore"):
        cost = np.where(beyond & (w > 0), w * audience[:, None, :], 0.0)
    return np.asarray(util - cost.sum(axis=-1))


@dataclass
class Belief:
    """One principal's belief about the other's reservation value, per world.

    The common prior (the scenario's stated distribution of the other's reservation value,
    tabulated as a CDF on [0, 1]) restricted to ``(lo, hi]``: the types not yet ruled out.
    """

    cdf_table: np.ndarray
    lo: np.ndarray
    hi: np.ndarray

    @classmethod
    def prior(cls, sample: np.ndarray, worlds: int) -> Belief:
        """The common prior from a sample of the other's reservation value (nothing learnt yet)."""
        grid = _CDF_GRID
        s = np.sort(np.clip(sample, 0.0, 1.0))
        table = 0.5 * (np.searchsorted(s, grid, "left") + np.searchsorted(s, grid, "right")) / max(s.size, 1)
        table[0], table[-1] = 0.0, 1.0
        return cls(table, np.full(worlds, -EPS), np.full(worlds, 1.0))

    def cdf(self, v: np.ndarray) -> np.ndarray:
        """Prior probability that the reservation value is at most ``v`` (linear between grid points)."""
        return np.asarray(np.interp(v, _CDF_GRID, self.cdf_table))

    def p_accept(self, margin: np.ndarray, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """``P(reservation <= margin)`` given the belief, for ``margin`` ``(rows, points)``.

        ``margin`` is the other's value of a package less its premium for going on: the other
        accepts when its reservation value is at most that. Where the belief has collapsed to a
        point (no prior mass left), acceptance is certain at or above it and impossible below.
        """
        lo, hi = self.lo[rows][:, None], self.hi[rows][:, None]
        f_lo, f_hi = self.cdf(lo), self.cdf(hi)
        mass = f_hi - f_lo
        inside = np.clip(margin, lo, hi)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.clip((self.cdf(inside) - f_lo) / np.where(mass > 1e-9, mass, 1.0), 0.0, 1.0)
        point = (margin >= lo - EPS).astype(float)
        return np.where(mass > 1e-9, p, point)

    def quantile(self, u: np.ndarray) -> np.ndarray:
        """The prior's inverse CDF at ``u``."""
        ramp = self.cdf_table + np.arange(CDF_POINTS) * 1e-12  # strictly increasing for interp
        return np.asarray(np.interp(u, ramp, _CDF_GRID))

    def median(self, rows: np.ndarray) -> np.ndarray:
        """The middle of the types not yet ruled out (the conditional median), per world ``rows``."""
        target = 0.5 * (self.cdf(self.lo[rows]) + self.cdf(self.hi[rows]))
        return np.asarray(np.clip(self.quantile(target), self.lo[rows], self.hi[rows]))

    def rule_out(self, rows: np.ndarray, margin: np.ndarray) -> None:
        """A rejection at ``margin``: the types that would have accepted (reservation <= margin) are gone."""
        self.lo[rows] = np.maximum(self.lo[rows], np.minimum(margin, self.hi[rows]))

    def narrow(self, rows: np.ndarray, truth: np.ndarray, share: np.ndarray) -> None:
        """A mediator's information: the interval shrinks toward the true value by ``share``."""
        keep = 1.0 - np.clip(share, 0.0, 1.0)
        at = self.cdf(truth)
        f_lo, f_hi = self.cdf(self.lo[rows]), self.cdf(self.hi[rows])
        # In probability (the prior's mass), not in value: the types ruled out are the least likely.
        lo = self.quantile(at - keep * (at - f_lo))
        hi = self.quantile(at + keep * (f_hi - at))
        self.lo[rows] = np.where(keep > 0, np.minimum(lo, truth - EPS), truth - EPS)
        self.hi[rows] = np.where(keep > 0, np.maximum(hi, truth), truth)


def expected_surplus(p_accept: np.ndarray, surplus: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Each package's ``P(accept) * surplus`` (``-inf`` where not allowed), ``(rows, points)``."""
    with np.errstate(invalid="ignore"):
        return np.where(allowed, p_accept * surplus, -np.inf)


def best_offer(
    p_accept: np.ndarray,
    value: np.ndarray,
    reservation: np.ndarray,
    going_on: np.ndarray,
    allowed: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The proposer's package index and its expected gain over no deal, per world.

    Maximises ``P(a) (V(x) - B) + (1 - P(a)) c``, i.e. ``c + P(a) (V(x) - B - c)``, over the
    packages its mandate allows (``allowed``); ``c`` is what going on is worth to it. Where its
    mandate allows none, it restates the package it values most.
    """
    score = expected_surplus(p_accept, value - reservation[:, None] - going_on[:, None], allowed)
    best = np.argmax(score, axis=1)
    none = ~allowed.any(axis=1)
    best = np.where(none, np.argmax(value, axis=1), best)
    gain = going_on + np.maximum(np.take_along_axis(score, best[:, None], axis=1)[:, 0], 0.0)
    return best, np.where(none, going_on, gain)


def accepts(value: np.ndarray, reservation: np.ndarray, going_on: np.ndarray) -> np.ndarray:
    """The responder accepts a package worth at least its reservation value plus what going on is worth."""
    return np.asarray(value - reservation >= going_on - EPS)


def going_on(patience: np.ndarray, hazard: np.ndarray, prospect: np.ndarray, share: np.ndarray) -> np.ndarray:
    """What continuing after a rejection is worth over no deal: ``delta (1 - h) a e``.

    ``e`` is the surplus it hopes for (the best expected surplus of its own offer), ``delta =
    1 - war_cost`` its patience, ``h`` the chance the talks break first, and ``a`` the share of the
    surplus its role next round brings (:func:`proposer_shares`; 0 after the last round).
    """
    return np.asarray(patience * (1.0 - hazard) * np.asarray(share) * np.maximum(prospect, 0.0))


def proposer_shares(
    patience1: np.ndarray, patience2: np.ndarray, hazard: np.ndarray, last: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each principal's share of the surplus as proposer with ``k`` rounds after, ``(worlds, last)``.

    Backward induction of the alternating-offers game with a deadline (Rubinstein 1982, finite
    horizon): in the last round the proposer takes it all (``a(0) = 1``); with ``k`` rounds left
    it leaves the responder what the responder would take as proposer next round, discounted:
    ``a_i(k) = 1 - delta_j (1 - h) a_j(k - 1)``.
    """
    n = np.broadcast_shapes(np.shape(patience1), np.shape(patience2), np.shape(hazard))
    a1, a2 = np.ones((*n, max(last, 1))), np.ones((*n, max(last, 1)))
    keep = 1.0 - np.asarray(hazard)
    for k in range(1, last):
        a1[..., k] = 1.0 - patience2 * keep * a2[..., k - 1]
        a2[..., k] = 1.0 - patience1 * keep * a1[..., k - 1]
    return a1, a2


def ratify_probability(value: np.ndarray, reservation: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """The leader's chance of ratifying a deal made ad referendum: ``1 / (1 + exp(-(V - B) / noise))``."""
    z = (value - reservation) / np.maximum(noise, EPS)
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -50, 50))))


def ratification_risk(
    value: np.ndarray, reservation: np.ndarray, mandate: np.ndarray, noise: np.ndarray
) -> np.ndarray:
    """Chance a package ``(worlds, points)`` is ratified: 1 within the mandate floor, else the logit."""
    floor = mandate_floor(reservation, mandate)[:, None]
    p = ratify_probability(value, reservation[:, None], noise[:, None])
    return np.where(value >= floor - EPS, 1.0, p)


def mandate_floor(reservation: np.ndarray, mandate: np.ndarray) -> np.ndarray:
    """The least value a delegation may offer or accept on its own: ``B + (1 - B)(1 - m)``."""
    return reservation + (1.0 - reservation) * (1.0 - mandate)
