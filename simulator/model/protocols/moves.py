"""Moves in the offers protocol: the proposer's offer, the responder's answer, the clock, ratification.

- :func:`best_offer`: the package that maximises ``P(accept) * surplus + P(reject) * going on``;
- :func:`accepts`: a responder accepts a package worth at least what going on is worth to it;
- :func:`going_on` and :func:`proposer_shares`: what continuing is worth, by backward induction to
  the deadline (Rubinstein 1982, finite horizon);
- :func:`ratify_probability`, :func:`ratification_risk`, :func:`mandate_floor`: a delegation's
  mandate and its leader's ratification.

Each function is one rule of ``docs/model.md`` section "Offers", over arrays of worlds, so that a
test can check it by hand on one world.
"""

from __future__ import annotations

import numpy as np

from simulator.model.bargaining import EPS


def expected_surplus(
    p_accept: np.ndarray, surplus: np.ndarray, allowed: np.ndarray | None = None
) -> np.ndarray:
    """Each package's ``P(accept) * surplus`` (``-inf`` where not allowed), ``(rows, points)``.

    A package worth ``-inf`` to the proposer (past one of its hard red lines) scores ``-inf`` even
    when nobody would accept it: ``0 * -inf`` is not a number, and ``argmax`` would pick it.
    ``allowed=None``: every package is. Where every package is allowed and finite (most talks:
    no hard red line in reach) nothing is masked, which saves three passes over the packages.
    """
    with np.errstate(invalid="ignore"):
        score = np.asarray(np.multiply(p_accept, surplus, dtype=float))
    ok = np.isfinite(surplus)
    if allowed is not None:
        ok &= allowed
    if not ok.all():
        np.copyto(score, -np.inf, where=~ok)  # in place: the same numbers
    return score


def best_offer(
    p_accept: np.ndarray,
    value: np.ndarray,
    reservation: np.ndarray,
    going_on: np.ndarray,
    allowed: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The proposer's package index and its expected gain over no deal, per world.

    Maximises ``P(a) (V(x) - B) + (1 - P(a)) c``, i.e. ``c + P(a) (V(x) - B - c)``, over the
    packages its mandate allows (``allowed``) that are worth at least going on to it (it would
    rather a package it offers were accepted than not); ``c`` is what going on is worth to it.
    Ties (in particular packages it believes nobody would accept) go to the package it values
    most; where no package qualifies, it restates the package it values most.
    """
    surplus = value - reservation[:, None] - going_on[:, None]
    worth = surplus >= -EPS
    if allowed is not None:  # None: every package is allowed
        worth &= allowed
    score = expected_surplus(p_accept, surplus, worth)
    tie = np.where(np.isfinite(value), value, -1e9) * 1e-9
    best = np.argmax(score + tie, axis=1)
    none = ~worth.any(axis=1)
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


def ratify_probability(
    value: np.ndarray, reservation: np.ndarray, noise: np.ndarray, patience: np.ndarray | float = 1.0
) -> np.ndarray:
    """The leader's chance of ratifying a deal made ad referendum: ``1 / (1 + exp(-(V - δB) / noise))``.

    Refusing sends the sides back to fighting before anything else can be signed, so the leader
    weighs the deal against no deal a round of war later, ``δ B`` with ``δ = 1 - war_cost``: the
    discount that prices delay at the table prices a refusal too (Fearon 1995: what war costs
    widens the range of deals a side prefers to fighting).

    Computed in one array, in place (the same numbers as the formula): over ``(worlds, packages)``
    its temporaries cost more than the arithmetic (measured: 15 ms instead of 35 ms at 10,000 x 41).
    """
    z = np.asarray(np.subtract(value, np.asarray(patience) * reservation, dtype=float))  # a new array
    np.divide(z, np.maximum(noise, EPS), out=z)
    np.clip(z, -50, 50, out=z)
    np.negative(z, out=z)
    np.exp(z, out=z)
    np.add(1.0, z, out=z)
    np.divide(1.0, z, out=z)
    return z


def ratification_risk(
    value: np.ndarray,
    reservation: np.ndarray,
    mandate: np.ndarray,
    noise: np.ndarray,
    patience: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Chance a package ``(worlds, points)`` is ratified: 1 within the mandate floor, else the logit."""
    floor = mandate_floor(reservation, mandate)[:, None]
    p = ratify_probability(value, reservation[:, None], noise[:, None], np.asarray(patience)[..., None])
    np.copyto(p, 1.0, where=value >= floor - EPS)
    return p


def mandate_floor(reservation: np.ndarray, mandate: np.ndarray) -> np.ndarray:
    """The least value a delegation may offer or accept on its own: ``B + (1 - B)(1 - m)``."""
    return reservation + (1.0 - reservation) * (1.0 - mandate)
