"""Decision rules: whether a party accepts a text, and whether the parties' acceptances adopt it.

Every protocol reports agreement through these, so the events mean the same under every protocol.
A principal *accepts* a text on a group of issues (one issue under ``issue_by_issue``, the
non-separable issues as a package otherwise) when no issue of it lies beyond its red line and the
group is worth at least its reservation value ``B`` to it, its utility being the salience-weighted
mean of ``1 - |x - ideal|`` over the group's issues. Issues a principal has no position on do not
bind it. The scenario's rule then combines the acceptances: by default :func:`unanimity` of the
principals; with ``protocol.rule: {kind: bodies}`` every body votes by its own rule
(:func:`decide`): :func:`simple_majority`, :func:`qualified_majority` (Nice weights),
:func:`double_majority` (Lisbon), all bodies for co-decision (:func:`all_bodies`).

Every vote takes ``accepts``, a boolean array ``(..., n)`` (one column per member, any leading batch
axes such as worlds) and returns ``(...)``. When a text is not adopted the issue's reversion point
holds (:func:`adopted_or_reversion`). :func:`agenda_setter` is the one-dimensional setter model
(Romer and Rosenthal 1978; for the EU, Tsebelis 1994, Steunenberg 1994): the setter drafts the text
nearest its ideal that the rule adopts against the reversion point. Sources for the numbers
(Nice-Treaty weights, the Lisbon double majority): ``docs/model.md``, section 5.

Example:
    >>> agreed = unanimity([accepts(text, a.ideal, a.red_line, a.salience, a.reservation_value(), groups)
    ...                     for a in principals])  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from simulator.scenario.importers.eu_rules import (
    DOUBLE_MAJORITY,
    NICE_THRESHOLD,
    NICE_WEIGHTS,
    POPULATION_2015,
)
from simulator.scenario.rules import Body, DecisionRule

#: Tolerance for "at least its reservation value" and "not beyond its red line".
TOL = 1e-9


def accepts(
    text: np.ndarray,
    ideal: np.ndarray,
    red_line: np.ndarray,
    salience: np.ndarray,
    reservation: np.ndarray,
    groups: Sequence[np.ndarray],
) -> np.ndarray:
    """Whether one principal accepts ``text`` on each issue, ``(worlds, issues)``.

    Args:
        text: The outcome, ``(worlds, issues)`` (NaN: nothing on the table, never accepted).
        ideal: Its ideal points (NaN where it has no position), ``(worlds, issues)``.
        red_line: Its red lines, ``(worlds, issues)``.
        salience: Its saliences, ``(worlds, issues)``.
        reservation: Its reservation value ``B``, ``(worlds,)``.
        groups: Issue indices accepted or refused together.

    Returns:
        ``(worlds, issues)``: the same answer on every issue of a group.
    """
    has = ~np.isnan(ideal)
    toward = np.sign(np.nan_to_num(red_line - ideal))
    beyond = has & ((text - red_line) * toward > TOL)  # past the red line, seen from the ideal
    utility = 1.0 - np.abs(text - ideal)
    out = np.zeros(text.shape, dtype=bool)
    for g in groups:
        sal = np.where(has[:, g], salience[:, g], 0.0)
        total = sal.sum(axis=1)
        u = np.where(total > 0, np.nansum(sal * utility[:, g], axis=1) / np.maximum(total, TOL), 1.0)
        ok = ~np.isnan(text[:, g]).any(axis=1) & ~beyond[:, g].any(axis=1) & (u >= reservation - TOL)
        out[:, g] = ok[:, None]
    return out


def unanimity(accepts: Sequence[np.ndarray]) -> np.ndarray:
    """Agreed where every principal accepts (the elementwise AND of their acceptances)."""
    out: np.ndarray = np.logical_and.reduce(list(accepts))
    return out


BoolArray = NDArray[np.bool_]
Array = NDArray[np.float64]
#: A rule as a callable: acceptance ``(..., n)`` -> adopted ``(...)``.
Rule = Callable[[BoolArray], BoolArray]


def _bool(accepts: ArrayLike) -> BoolArray:
    return np.asarray(accepts, dtype=bool)


def simple_majority(accepts: ArrayLike) -> BoolArray:
    """More than half of the members accept (one member: it accepts)."""
    a = _bool(accepts)
    return np.asarray(2 * a.sum(axis=-1) > a.shape[-1])


def qualified_majority(
    accepts: ArrayLike,
    weights: ArrayLike,
    threshold: float,
    *,
    count_threshold: float | None = None,
    population: ArrayLike | None = None,
    population_threshold: float | None = None,
) -> BoolArray:
    """Weighted vote: the accepting weight reaches ``threshold`` (a share of the total weight).

    Optional second (and third) criteria, all of which must hold: the accepting members reach
    ``count_threshold`` of the members (Nice: a majority of the states) and the accepting
    ``population`` reaches ``population_threshold`` of the total (Nice: 62% on request). Shares
    are of the members listed, so a body of the states present on an issue scales the treaty's
    thresholds to them.
    """
    a = _bool(accepts)
    w = np.broadcast_to(np.asarray(weights, float), a.shape)
    ok = (w * a).sum(axis=-1) >= threshold * w.sum(axis=-1) - 1e-9
    if count_threshold is not None:
        ok &= a.sum(axis=-1) >= count_threshold * a.shape[-1] - 1e-9
    if population is not None and population_threshold is not None:
        p = np.broadcast_to(np.asarray(population, float), a.shape)
        ok &= (p * a).sum(axis=-1) >= population_threshold * p.sum(axis=-1) - 1e-9
    return np.asarray(ok)


def double_majority(
    accepts: ArrayLike,
    population: ArrayLike,
    states_share: float = DOUBLE_MAJORITY[0],
    population_share: float = DOUBLE_MAJORITY[1],
    blocking_minority: int | None = DOUBLE_MAJORITY[2],
) -> BoolArray:
    """Lisbon QMV: 55% of the states representing 65% of the population, or no blocking minority.

    A text fails on population only if at least ``blocking_minority`` states reject it (Art.
    238(3)(a) TFEU: otherwise the qualified majority is deemed attained).
    """
    a = _bool(accepts)
    p = np.broadcast_to(np.asarray(population, float), a.shape)
    states = a.sum(axis=-1) >= states_share * a.shape[-1] - 1e-9
    people = (p * a).sum(axis=-1) >= population_share * p.sum(axis=-1) - 1e-9
    if blocking_minority is not None:
        people |= (~a).sum(axis=-1) < blocking_minority
    return np.asarray(states & people)


def all_bodies(*decisions: ArrayLike) -> BoolArray:
    """Co-decision: every body (Council by its rule, Parliament by simple majority) adopts."""
    out = np.asarray(decisions[0], bool)
    for d in decisions[1:]:
        out = out & np.asarray(d, bool)
    return np.asarray(out)


def accepts_over_reversion(ideals: ArrayLike, text: ArrayLike, reversion: ArrayLike) -> BoolArray:
    """Each party accepts a text at least as close to its ideal as the reversion point.

    ``ideals`` is ``(..., n)``; ``text`` and ``reversion`` are ``(...)``. With no reversion point
    (NaN) every party accepts: nothing worse than the status quo is known.
    """
    x = np.asarray(ideals, float)
    t = np.asarray(text, float)[..., None]
    q = np.asarray(reversion, float)[..., None]
    ok = np.abs(x - t) <= np.abs(x - q) + 1e-9
    return np.asarray(ok | np.isnan(q) | np.isnan(x))


def adopted_or_reversion(adopted: ArrayLike, text: ArrayLike, reversion: ArrayLike) -> Array:
    """The outcome: the text where adopted, else the reversion point (the text when it has none)."""
    q = np.asarray(reversion, float)
    t = np.asarray(text, float)
    return np.where(np.asarray(adopted, bool) | np.isnan(q), t, q)


def agenda_setter(setter: ArrayLike, ideals: ArrayLike, reversion: ArrayLike, rule: Rule) -> Array:
    """The text an agenda setter drafts on one dimension: nearest its ideal among adoptable texts.

    Voter *i* prefers a text ``t`` to the reversion ``q`` when ``|x_i - t| <= |x_i - q|``: the
    interval between ``q`` and ``2 x_i - q``. The adoptable set is a union of such intervals, so
    its ends lie among ``{q} U {2 x_i - q}``; the setter's best text is its ideal if adoptable,
    else the adoptable candidate nearest it. Batched: ``setter`` ``(...)``, ``ideals`` ``(..., n)``,
    ``reversion`` ``(...)``; with no reversion point (NaN) the setter gets its ideal.
    """
    s = np.asarray(setter, float)
    x = np.asarray(ideals, float)
    q = np.asarray(reversion, float)
    q_b = np.broadcast_to(q, s.shape)
    candidates = np.concatenate([s[..., None], q_b[..., None], 2 * x - q_b[..., None]], axis=-1)
    lo, hi = (
        np.nanmin(np.concatenate([x, q_b[..., None], s[..., None]], -1), -1),
        np.nanmax(np.concatenate([x, q_b[..., None], s[..., None]], -1), -1),
    )
    candidates = np.clip(candidates, lo[..., None], hi[..., None])
    m = candidates.shape[-1]
    ok = np.empty(candidates.shape, bool)
    for j in range(m):
        ok[..., j] = rule(accepts_over_reversion(x, candidates[..., j], q_b))
    dist = np.where(ok, np.abs(candidates - s[..., None]), np.inf)
    best = np.take_along_axis(candidates, np.argmin(dist, axis=-1)[..., None], axis=-1)[..., 0]
    best = np.where(np.isfinite(dist.min(axis=-1)), best, q_b)
    return np.asarray(np.where(np.isnan(q_b), s, best))


def redraft(
    text: ArrayLike,
    ideals: ArrayLike,
    reversion: ArrayLike,
    rule: DecisionRule,
    actors: list[str],
    principals: list[str],
) -> Array:
    """The agenda setter's draft: ``text`` moved into the set ``rule`` adopts against the reversion.

    A text the rule would reject becomes the adoptable text nearest it (:func:`agenda_setter`
    with the text as the setter's ideal); an adoptable text is kept, and so is every text where
    there is no reversion point (NaN) or no text (NaN). ``text`` and ``reversion`` are ``(...)``,
    ``ideals`` ``(..., n)`` over ``actors``. The model's talks and the DEU forecast both call this.
    """
    t = np.asarray(text, float)
    q = np.broadcast_to(np.asarray(reversion, float), t.shape)
    x = np.asarray(ideals, float)
    rows = np.isfinite(t) & np.isfinite(q)
    if not rows.any():
        return t.copy()

    def rule_fn(accepts: BoolArray) -> BoolArray:
        return decide(rule, {a: accepts[..., j] for j, a in enumerate(actors)}, principals)

    out = t.copy()
    out[rows] = agenda_setter(t[rows], x[rows], q[rows], rule_fn)
    return out


__all__ = [
    "DOUBLE_MAJORITY",
    "NICE_THRESHOLD",
    "NICE_WEIGHTS",
    "POPULATION_2015",
    "TOL",
    "accepts",
    "accepts_over_reversion",
    "adopted_or_reversion",
    "agenda_setter",
    "all_bodies",
    "body_adopts",
    "decide",
    "double_majority",
    "qualified_majority",
    "redraft",
    "simple_majority",
    "unanimity",
]


def body_adopts(body: Body, accepts: dict[str, BoolArray]) -> BoolArray:
    """Whether one scenario ``Body`` adopts, given each member's acceptance ``(...)``.

    A member missing from ``accepts`` (no position on the issue) abstains as an acceptance:
    the DEU data lists no position for states that did not contest an issue.
    """
    shape = np.shape(next(iter(accepts.values()))) if accepts else ()
    cols = np.stack([np.broadcast_to(accepts.get(m, np.ones(shape, bool)), shape) for m in body.members], -1)
    if body.vote == "unanimity":
        return np.asarray(cols.all(axis=-1))
    if body.vote == "simple_majority":
        return simple_majority(cols)
    if body.weights is None:
        assert body.population is not None and body.population_threshold is not None
        pop = np.array([body.population[m] for m in body.members])
        share = body.count_threshold if body.count_threshold is not None else 0.0
        return double_majority(cols, pop, share, body.population_threshold, body.blocking_minority)
    weights = np.array([body.weights[m] for m in body.members])
    pop_arr = None if body.population is None else np.array([body.population[m] for m in body.members])
    assert body.threshold is not None
    return qualified_majority(
        cols,
        weights,
        body.threshold,
        count_threshold=body.count_threshold,
        population=pop_arr,
        population_threshold=body.population_threshold,
    )


def decide(rule: DecisionRule, accepts: dict[str, BoolArray], principals: list[str]) -> BoolArray:
    """Whether a text is adopted under a scenario's rule: every body by its own vote.

    With the default rule (``unanimity_of_principals``) every principal must accept: the
    behaviour of the talks before rules existed.
    """
    if rule.kind == "unanimity_of_principals":
        return all_bodies(*[accepts[p] for p in principals])
    return all_bodies(*[body_adopts(b, accepts) for b in rule.bodies.values()])
