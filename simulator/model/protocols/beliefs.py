"""What a principal in the offers protocol believes about the other's reservation value.

The common prior (the scenario's stated distribution of the other's reservation value) truncated
by what it has learnt: a rejected offer rules out the types that would have accepted it
(Fudenberg & Tirole 1983, Cramton 1984); a mediator's information narrows it toward the truth
(Kydd 2003). Rules, formulas and tests: ``docs/model.md`` section "Offers".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.model.bargaining import EPS

#: Resolution of a tabulated prior CDF on [0, 1] (reservation values lie in [0, 1]).
CDF_POINTS = 1001
_CDF_GRID = np.linspace(0.0, 1.0, CDF_POINTS)


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
        spread = mass > 1e-9
        # np.clip(margin, lo, hi) (lo <= hi), as two passes of maximum and minimum: a clip with
        # bounds per row is slower than both. They may keep the other sign of a zero, which the
        # CDF does not see.
        inside = np.maximum(margin, lo)
        np.minimum(inside, hi, out=inside)
        # In place over (rows, points): the same numbers as the formula, without its temporaries.
        p = self.cdf(inside)
        np.subtract(p, f_lo, out=p)
        with np.errstate(divide="ignore", invalid="ignore"):
            np.divide(p, np.where(spread, mass, 1.0), out=p)
        np.clip(p, 0.0, 1.0, out=p)
        if spread.all():  # the usual case: no belief has collapsed to a point
            return np.asarray(p)
        point = (margin >= lo - EPS).astype(float)
        return np.where(spread, p, point)

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
