"""Talks where bargaining decides: offers and responses between two principals with private values.

The rules (formulas, reasons and tests in ``docs/model.md``, section "Offers"):

1. **Private values, common prior.** Each principal knows its own reservation value ``B`` (its
   outside option after believed threats), audience costs and patience; about the other's
   reservation value it holds the scenario's own stated distribution (the common prior, drawn once
   from the scenario with its shared factors), which it narrows as it learns.
2. **Packages.** Per issue group (the whole package, or each issue on its own under
   ``issue_by_issue``) the packages are ``GRID`` points along the contract curve between the
   ideals, so a deal can trade a low-salience issue for a high-salience one.
3. **Soft red lines.** A package beyond a red line costs the leader its audience cost (``hard``:
   infinite). The other side knows the line and its cost: an audience cost is public, which is
   what makes a red line credible (Fearon 1994); what it does not know is the reservation value.
   At a campaign's later meetings a package asking more than the principal publicly offered
   before costs it the going-back cost the same way (``model.concessions``; ``packages.py``).
4. **Offers and responses.** The principals propose in turn (the first principal in odd rounds).
   The proposer picks the package maximising ``P(accept) (V - B) + (1 - P(accept)) c``; the
   responder accepts a package worth at least ``B + c``, where ``c = delta (1 - h) a e`` is what
   going on is worth (``delta = 1 - war_cost``, ``h`` the breakdown hazard, ``e`` the surplus it
   hopes for, the best expected surplus of its own offer, and ``a`` the share of it its role next
   round brings by backward induction to the deadline, Rubinstein 1982; 0 in the last round). A
   rejection rules out the responder types that would have accepted.
5. **Time.** The meeting ends at ``min(rounds, deadline)``; each round the talks break down with
   probability ``h`` (the side with less to hope for walks); when neither side can hope for any
   package on any open group, the talks end (a side walks out when the middle of the contract
   curve, red lines aside, is worth less to it than no deal by more than the walk-away margin).
6. **Mediator.** Where it sits at the table its roles (``protocol.mediation``) apply: information
   narrows both beliefs toward the truth; formulation tables, with the given chance each round,
   the package most likely to be accepted by both; leverage adds its value to every deal.
7. **Mandate.** A delegation may offer and accept on its own only packages worth at least
   ``B + (1 - B)(1 - m)`` to it; below that it deals ad referendum, and its leader ratifies with
   ``1 / (1 + exp(-(V - delta B)/noise))`` (refusing means a round more of war before anything
   else is signed), a chance the proposing delegation weighs its offers by.

Example:
    >>> outcome = Offers().negotiate(model, table)  # doctest: +SKIP
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from simulator.model.bargaining import EPS
from simulator.model.protocols.base import Problem, Table, TalksOutcome, TalksProtocol, register
from simulator.model.protocols.beliefs import Belief
from simulator.model.protocols.moves import (
    accepts,
    best_offer,
    expected_surplus,
    going_on,
    mandate_floor,
    proposer_shares,
    ratification_risk,
    ratify_probability,
)
from simulator.model.protocols.packages import contract_curve, package_value, within_hard_lines
from simulator.model.protocols.rounds import Bounds, OfferRound, Trace
from simulator.model.protocols.sides import Uniform, groups_of
from simulator.model.values import TALKS_TRIGGERS, draw_values, threat_pressure
from simulator.randomness import Streams
from simulator.scenario.events import TALKS_ENDS

if TYPE_CHECKING:
    from collections.abc import Iterator

    from simulator.model.model import NegotiationModel
    from simulator.scenario.schema import Scenario

END = {name: i for i, name in enumerate(TALKS_ENDS)}
#: Worlds drawn from the scenario to tabulate the common prior (fixed: a property of the scenario).
PRIOR_WORLDS = 4096
PRIOR_SEED = 20250514


@dataclass(frozen=True)
class Principal:
    """One principal as the offers protocol sees it: arrays over worlds (and issues)."""

    party_id: str
    ideal: np.ndarray
    salience: np.ndarray
    red_line: np.ndarray
    audience: np.ndarray  # (worlds, issues): the cost of crossing each red line (inf: hard)
    reservation: np.ndarray
    patience: np.ndarray
    prior: np.ndarray  # a sample of its reservation value under the common prior
    # A campaign's concession lines (worlds, issues; NaN: none) and the cost of going back on
    # them (worlds,): None outside a campaign, or under the ratchet.
    line: np.ndarray | None = None
    back: np.ndarray | None = None


@dataclass(frozen=True)
class Group:
    """One issue group's packages and their values (fixed once the batch is drawn)."""

    issues: np.ndarray
    x: np.ndarray  # (worlds, GRID, group issues)
    value: tuple[np.ndarray, np.ndarray]  # each principal's own value (worlds, GRID)
    middle: tuple[np.ndarray, np.ndarray]  # each one's utility of the middle package, red lines aside
    share: tuple[np.ndarray, np.ndarray]  # the group's share of each principal's salience

    @classmethod
    def build(cls, g: np.ndarray, p1: Principal, p2: Principal) -> Group:
        e1, e2 = within_hard_lines(
            p1.ideal[:, g],
            p1.red_line[:, g],
            p1.audience[:, g],
            p2.ideal[:, g],
            p2.red_line[:, g],
            p2.audience[:, g],
        )
        x = contract_curve(e1, p1.salience[:, g], e2, p2.salience[:, g])
        share = tuple(
            p.salience[:, g].sum(axis=1) / np.maximum(p.salience.sum(axis=1), EPS) for p in (p1, p2)
        )
        value = tuple(
            package_value(
                x,
                p.ideal[:, g],
                p.salience[:, g],
                p.red_line[:, g],
                p.audience[:, g],
                None if p.line is None else p.line[:, g],
                p.back,
            )
            for p in (p1, p2)
        )
        # The walk-out test reads the utility of the middle of the curve between the true ideals
        # (not the one drawn inside the hard lines), before red-line costs: a hard line makes a
        # package worth -inf to agree to, not a reason to walk out of talks that are close.
        mid = contract_curve(p1.ideal[:, g], p1.salience[:, g], p2.ideal[:, g], p2.salience[:, g], points=3)[
            :, 1:2
        ]
        middle = tuple(
            package_value(
                mid, p.ideal[:, g], p.salience[:, g], p.red_line[:, g], np.zeros_like(p.audience[:, g])
            )[:, 0]
            for p in (p1, p2)
        )
        return cls(g, x, (value[0], value[1]), (middle[0], middle[1]), (share[0], share[1]))

    def zone(self, b1: np.ndarray, b2: np.ndarray) -> np.ndarray:
        """Whether some package is worth at least no deal to both (audience costs included)."""
        return ((self.value[0] >= b1[:, None] - EPS) & (self.value[1] >= b2[:, None] - EPS)).any(axis=1)


@dataclass(frozen=True)
class Settings:
    """The meeting's settings and the mediator's roles, per world (or scalars)."""

    rounds: int
    deadline: int
    hazard: np.ndarray
    margin: np.ndarray
    noise: np.ndarray
    information: np.ndarray
    formulation: np.ndarray
    leverage: np.ndarray

    @property
    def last(self) -> int:
        """The last round: the meeting ends at its last round or at the deadline, whichever is first."""
        return min(self.rounds, self.deadline)


def bargain(
    sides: tuple[Principal, Principal],
    groups: list[Group],
    held: np.ndarray,
    mediated: np.ndarray,
    mandate: tuple[np.ndarray, np.ndarray],
    settings: Settings,
    uniform: Uniform,
    learnt: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
    trace: Trace | None = None,
) -> TalksOutcome:
    """Play the offers protocol in every world where ``held``; see the module docstring.

    ``learnt``: per principal, the bounds on the other's reservation value it learnt at earlier
    meetings of a campaign; its belief starts there instead of at the whole prior.
    ``trace``: called with an :class:`~simulator.model.protocols.rounds.OfferRound` (copies) for
    every round and open issue group, for notebooks that step through the talks; it changes nothing.
    """
    n = sides[0].ideal.shape[0]
    ng = len(groups)
    b = (sides[0].reservation, sides[1].reservation)
    floor = (mandate_floor(b[0], mandate[0]), mandate_floor(b[1], mandate[1]))
    delta = (sides[0].patience, sides[1].patience)
    h = np.broadcast_to(settings.hazard, (n,))
    lever = np.where(mediated, np.broadcast_to(settings.leverage, (n,)), 0.0)
    formulation = np.where(mediated, np.broadcast_to(settings.formulation, (n,)), 0.0)
    # beliefs[i]: what principal i believes about the other's reservation value.
    beliefs = (Belief.prior(sides[1].prior, n), Belief.prior(sides[0].prior, n))
    for i, side in enumerate(sides):
        if learnt and side.party_id in learnt:
            lo, hi = learnt[side.party_id]
            beliefs[i].lo[:] = np.clip(lo, -EPS, 1.0)
            beliefs[i].hi[:] = np.clip(np.maximum(hi, beliefs[i].lo), 0.0, 1.0)
    informed = np.flatnonzero(mediated)
    if informed.size:
        share = np.broadcast_to(settings.information, (n,))[informed]
        beliefs[0].narrow(informed, b[1][informed], share)
        beliefs[1].narrow(informed, b[0][informed], share)
    open_ = np.repeat(held[:, None], ng, axis=1)
    agreed = np.zeros((n, ng), dtype=bool)
    agreed_at = np.zeros((n, ng), dtype=np.int8)
    text_idx = np.full((n, ng), -1, dtype=np.intp)
    # Each side's last serious offer per group (-1: none yet; it then stands at its own ideal).
    offered = [np.full((n, ng), -1, dtype=np.intp), np.full((n, ng), -1, dtype=np.intp)]
    end = np.where(held, END["deadline"], END["no_talks"]).astype(np.int8)
    walked = {s.party_id: np.zeros(n, dtype=bool) for s in sides}
    gap = np.full((n, 2), np.inf)  # least surplus of the middle text over groups found hopeless
    active = held.copy()
    rounds_held = np.zeros(n, dtype=np.int8)
    margin = np.broadcast_to(settings.margin, (n,))
    noise = np.broadcast_to(settings.noise, (n,))
    # Per group, fixed for the meeting: values with the mediator's leverage, as seen by the other
    # side, and the chance the proposer's own leader ratifies (1 within its mandate: beyond it a
    # delegation deals only ad referendum).
    fixed = []
    for grp in groups:
        val = [grp.value[i] + lever[:, None] for i in (0, 1)]
        ratified = [
            ratify_probability(val[i], b[i][:, None], noise[:, None], delta[i][:, None]) for i in (0, 1)
        ]
        for i in (0, 1):  # in place: 1 within the mandate, the same numbers as np.where
            np.copyto(ratified[i], 1.0, where=val[i] >= floor[i][:, None] - EPS)
        fixed.append((val, ratified))
    shares = proposer_shares(delta[0], delta[1], h, settings.last)
    history = _Rounds(sides, groups)
    for t in range(1, settings.last + 1):
        rows = np.flatnonzero(active)
        if rows.size == 0:
            break
        rounds_held[rows] = t
        left = settings.last - t
        p = 0 if t % 2 else 1  # the proposer this round
        q = 1 - p
        mediator_tables = uniform(f"talks:mediator:{t}", n) < formulation
        hope = np.zeros((n, 2))
        closed_now = np.zeros(n, dtype=bool)
        for j, grp in enumerate(groups):
            r = rows[open_[rows, j]]
            if r.size == 0:
                continue
            val = [fixed[j][0][i][r] for i in (0, 1)]
            ratified = [fixed[j][1][i][r] for i in (0, 1)]
            # What each side expects of the other's leader: its ratification chance at the
            # middle of what it believes the other's reservation value to be. This and the
            # prospects below are computed afresh each round: keeping them for the worlds whose
            # belief has not moved since saves little (measured: the belief had moved in 92% of
            # these rows in the baseline, 99% under US-Iran), less than storing them costs.
            theirs = [
                ratification_risk(
                    val[1 - i], beliefs[i].median(r), mandate[1 - i][r], noise[r], delta[1 - i][r]
                )
                for i in (0, 1)
            ]
            if trace is not None:
                believed = _bounds(beliefs, r)
                tabled = np.full(r.size, -1, dtype=np.intp)
                offer = np.full(r.size, -1, dtype=np.intp)
                accepted = np.zeros(r.size, dtype=bool)
            # Each side's prospect: the best expected surplus of its own next offer.
            prospect = []
            for i in (0, 1):
                pa = beliefs[i].p_accept(val[1 - i], r)
                pa *= ratified[i]  # in place: (rows, packages) temporaries cost more than the products
                pa *= theirs[i]
                s = expected_surplus(pa, val[i] - b[i][r, None])
                prospect.append(np.maximum(s.max(axis=1), 0.0))
            if left == 0:  # the last round: nothing to go on to
                c = [np.zeros(r.size), np.zeros(r.size)]
            else:  # next round the responder proposes, and the proposer responds
                nxt = shares[q][r, left - 1]
                c = [np.zeros(r.size), np.zeros(r.size)]
                c[q] = going_on(delta[q][r], h[r], prospect[q], nxt)
                c[p] = going_on(delta[p][r], h[r], prospect[p], 1.0 - nxt)
            hope[r, 0] += prospect[0]
            hope[r, 1] += prospect[1]
            hopeless = (prospect[0] <= EPS) & (prospect[1] <= EPS)
            # The mediator's text: the package it judges most likely to be accepted by both.
            med = mediator_tables[r] & ~hopeless
            done = np.zeros(r.size, dtype=bool)
            if med.any():
                m = np.flatnonzero(med)
                rm = r[m]
                both = beliefs[1].p_accept(val[0][m] - c[0][m, None], rm) * beliefs[0].p_accept(
                    val[1][m] - c[1][m, None], rm
                )
                pick = np.argmax(both, axis=1)
                ok = np.ones(m.size, dtype=bool)
                for i in (0, 1):
                    v = np.take_along_axis(val[i][m], pick[:, None], axis=1)[:, 0]
                    ok &= accepts(v, b[i][rm], c[i][m])
                done[m] = ok
                text_idx[rm[ok], j] = pick[ok]
                if trace is not None:
                    tabled[m] = pick
            # The proposer's offer where nothing is agreed yet and there is something to hope for.
            go = ~done & ~hopeless
            if go.any():
                g = np.flatnonzero(go)
                rg = r[g]
                pa = beliefs[p].p_accept(val[q][g] - c[q][g, None], rg)
                pa *= ratified[p][g]
                pa *= theirs[p][g]
                best, _ = best_offer(pa, val[p][g], b[p][rg], c[p][g])
                # A proposer with no package worth going on to it makes no offer this round (it
                # restates its position): nothing is tabled, nothing can be accepted or learnt.
                mine = np.take_along_axis(val[p][g], best[:, None], axis=1)[:, 0]
                serious = mine - b[p][rg] - c[p][g] >= -EPS
                vq = np.take_along_axis(val[q][g], best[:, None], axis=1)[:, 0]
                yes = accepts(vq, b[q][rg], c[q][g]) & serious
                no = serious & ~yes
                beliefs[p].rule_out(rg[no], (vq - c[q][g])[no])
                text_idx[rg[serious], j] = best[serious]
                offered[p][rg[serious], j] = best[serious]
                done[g] = yes
                if trace is not None:
                    offer[g] = np.where(serious, best, -1)
                    accepted[g] = yes
            if trace is not None:
                mediated_ok = (tabled >= 0) & done & (offer < 0)
                trace(
                    OfferRound(
                        t,
                        j,
                        (sides[0].party_id, sides[1].party_id),
                        p,
                        r.copy(),
                        (prospect[0].copy(), prospect[1].copy()),
                        (c[0].copy(), c[1].copy()),
                        believed,
                        tabled,
                        mediated_ok,
                        offer,
                        accepted,
                        _bounds(beliefs, r),
                        hopeless.copy(),
                    )
                )
            agreed[r[done], j] = True
            agreed_at[r[done], j] = t
            shut = hopeless & ~done
            if shut.any():
                rs = r[shut]
                for i in (0, 1):
                    gap[rs, i] = np.minimum(gap[rs, i], grp.middle[i][rs] - b[i][rs])
                closed_now[rs] = True
            open_[r[done | shut], j] = False
        still = open_[rows].any(axis=1)
        impasse = ~still & closed_now[rows]
        if impasse.any():
            ri = rows[impasse]
            left1 = gap[ri, 0] < -margin[ri]
            left2 = gap[ri, 1] < -margin[ri]
            walked[sides[0].party_id][ri] |= left1
            walked[sides[1].party_id][ri] |= left2
            end[ri] = np.where(left1 | left2, END["walkout"], END["impasse"])
        broke = still & (uniform(f"talks:hazard:{t}", n)[rows] < h[rows])
        if broke.any():
            rb = rows[broke]
            first = hope[rb, 0] <= hope[rb, 1]  # the side with less to hope for walks
            walked[sides[0].party_id][rb] |= first
            walked[sides[1].party_id][rb] |= ~first
            end[rb] = END["hazard"]
        active[rows] = still & ~broke
        history.add(agreed, text_idx, offered)
    referred, rejected = _ratify(sides, groups, agreed, text_idx, mandate, b, lever, settings, uniform)
    out = _outcome(
        sides,
        groups,
        lever,
        held,
        agreed,
        agreed_at,
        text_idx,
        offered,
        rounds_held,
        walked,
        end,
        referred,
        rejected,
    )
    out.history = history
    out.learnt = {s.party_id: (beliefs[i].lo.copy(), beliefs[i].hi.copy()) for i, s in enumerate(sides)}
    return out


def _bounds(beliefs: tuple[Belief, Belief], rows: np.ndarray) -> tuple[Bounds, Bounds]:
    """Copies of both beliefs' ``(lo, hi]`` over ``rows`` (for a trace)."""
    return (
        (beliefs[0].lo[rows].copy(), beliefs[0].hi[rows].copy()),
        (beliefs[1].lo[rows].copy(), beliefs[1].hi[rows].copy()),
    )


def _ratify(
    sides: tuple[Principal, Principal],
    groups: list[Group],
    agreed: np.ndarray,
    text_idx: np.ndarray,
    mandate: tuple[np.ndarray, np.ndarray],
    b: tuple[np.ndarray, np.ndarray],
    lever: np.ndarray,
    settings: Settings,
    uniform: Uniform,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Deals below a delegation's mandate floor go to its leader, who may refuse them (undone)."""
    n = agreed.shape[0]
    referred = {s.party_id: np.zeros(n, dtype=bool) for s in sides}
    rejected = {s.party_id: np.zeros(n, dtype=bool) for s in sides}
    for j, grp in enumerate(groups):
        idx = np.maximum(text_idx[:, j], 0)[:, None]
        for i, s in enumerate(sides):
            v = np.take_along_axis(grp.value[i], idx, axis=1)[:, 0] + lever
            beyond = agreed[:, j] & (v < mandate_floor(b[i], mandate[i]) - EPS)
            p = ratify_probability(v, b[i], np.broadcast_to(settings.noise, (n,)), sides[i].patience)
            no = beyond & (uniform(f"talks:ratify:{s.party_id}:{j}", n) >= p)
            referred[s.party_id] |= beyond
            rejected[s.party_id] |= no
            agreed[:, j] &= ~no
    return referred, rejected


def _outcome(
    sides: tuple[Principal, Principal],
    groups: list[Group],
    lever: np.ndarray,
    held: np.ndarray,
    agreed_g: np.ndarray,
    agreed_at: np.ndarray,
    text_idx: np.ndarray,
    offered: list[np.ndarray],
    rounds_held: np.ndarray,
    walked: dict[str, np.ndarray],
    end: np.ndarray,
    referred: dict[str, np.ndarray],
    rejected: dict[str, np.ndarray],
) -> TalksOutcome:
    n, k = sides[0].ideal.shape
    agreed = np.zeros((n, k), dtype=bool)
    text = np.full((n, k), np.nan)
    zopa = np.zeros((n, k), dtype=bool)
    own = _positions(sides, groups, agreed_g, text_idx, offered)
    positions = {s.party_id: own[i] for i, s in enumerate(sides)}
    # The zone at the start counts the mediator's leverage where it sits at the table (what it
    # brings makes deals worth having: Beardsley 2008), so no deal is ever made outside it.
    b = (sides[0].reservation - lever, sides[1].reservation - lever)
    for j, grp in enumerate(groups):
        g = grp.issues
        agreed[:, g] = agreed_g[:, j, None]
        tabled = np.take_along_axis(grp.x, np.maximum(text_idx[:, j], 0)[:, None, None], axis=1)[:, 0]
        text[:, g] = np.where((held & (text_idx[:, j] >= 0))[:, None], tabled, np.nan)
        zopa[:, g] = grp.zone(*b)[:, None]
    any_agreed = agreed.any(axis=1)
    any_rejected = np.logical_or.reduce(list(rejected.values()))
    code = np.where(any_agreed, END["agreed"], np.where(any_rejected & held, END["ratification"], end))
    at = np.where(agreed_g, agreed_at, np.iinfo(np.int8).max).min(axis=1)
    at = np.where(any_agreed, at, 0).astype(np.int8)
    return TalksOutcome(
        agreed,
        text,
        rounds_held,
        positions,
        walked,
        zopa,
        referred,
        rejected,
        ended=code.astype(np.int8),
        agreed_round=at,
    )


class _Rounds(Mapping[str, list[np.ndarray]]):
    """Each principal's position after each round, computed only when asked (notebooks ask).

    What is kept per round is its state (per world and group: which package is agreed or on the
    table and each side's last offer, small integer arrays), not the positions it gives: those
    are ``(worlds, issues)`` arrays built from the packages, 6% of the talks' time when built
    every round of every batch.
    """

    def __init__(self, sides: tuple[Principal, Principal], groups: list[Group]) -> None:
        self._sides, self._groups = sides, groups
        self._states: list[tuple[np.ndarray, np.ndarray, list[np.ndarray]]] = []

    def add(self, agreed: np.ndarray, text_idx: np.ndarray, offered: list[np.ndarray]) -> None:
        """Keep the state after a round (copies: the talks go on changing theirs)."""
        self._states.append((agreed.copy(), text_idx.copy(), [o.copy() for o in offered]))

    def __getitem__(self, pid: str) -> list[np.ndarray]:
        ids = [s.party_id for s in self._sides]
        if pid not in ids:
            raise KeyError(pid)
        i = ids.index(pid)
        return [_positions(self._sides, self._groups, *state)[i] for state in self._states]

    def __iter__(self) -> Iterator[str]:
        return iter(s.party_id for s in self._sides)

    def __len__(self) -> int:
        return len(self._sides)


def _positions(
    sides: tuple[Principal, Principal],
    groups: list[Group],
    agreed: np.ndarray,
    text_idx: np.ndarray,
    offered: list[np.ndarray],
) -> list[np.ndarray]:
    """Where each principal stands per issue: the text where agreed, else its last serious offer,
    else (it has made none) its own ideal."""
    out = [s.ideal.copy() for s in sides]
    for j, grp in enumerate(groups):
        g = grp.issues
        tabled = np.take_along_axis(grp.x, np.maximum(text_idx[:, j], 0)[:, None, None], axis=1)[:, 0]
        for i in (0, 1):
            own = np.take_along_axis(grp.x, np.maximum(offered[i][:, j], 0)[:, None, None], axis=1)[:, 0]
            stands = np.where((offered[i][:, j] >= 0)[:, None], own, out[i][:, g])
            out[i][:, g] = np.where(agreed[:, j, None], tabled, stands)
    return out


# --- the protocol -------------------------------------------------------------------------------


@register
class Offers(TalksProtocol):
    """The offers protocol above, fed from the model's parties, drawn values and scenario."""

    kind = "offers"
    records_paths = True
    concession_lines = True

    @classmethod
    def check(cls, scenario: Scenario) -> Iterator[Problem]:
        """Offers go back and forth between two sides: exactly two principals."""
        if len(scenario.principals) > 2:
            yield ("parties",), "the offers talks take exactly two principals"

    def __init__(self) -> None:
        self._prepared: tuple[tuple[Principal, Principal], list[Group]] | None = None
        #: Set to a callback to follow the talks round by round (:mod:`.rounds`); None: nothing kept.
        self.trace: Trace | None = None

    def negotiate(self, model: NegotiationModel, table: Table) -> TalksOutcome:
        sides, groups = self.prepare(model)
        mandate = tuple(model.parties[s.party_id].authority() for s in sides)
        return bargain(
            sides,
            groups,
            table.held,
            table.mediated,
            (mandate[0], mandate[1]),
            self.settings(model),
            model.streams.uniform,
            model.learnt,
            self.trace,
        )

    def prepare(self, model: NegotiationModel) -> tuple[tuple[Principal, Principal], list[Group]]:
        """The two principals and the issue groups' packages and values (built once per batch)."""
        if self._prepared is None:
            prior = _prior_reservations(model)
            p1, p2 = (self.principal(model, pid, prior[pid]) for pid in model.spec.principals)
            pr = model.spec.protocol
            if pr.agreement == "issue_by_issue":
                separable = np.ones(len(model.issue_ids), dtype=bool)
            else:
                separable = np.array([model.spec.issues[i].separable for i in model.issue_ids])
            groups = [Group.build(g, p1, p2) for g in groups_of(separable)]
            self._prepared = ((p1, p2), groups)
        return self._prepared

    @staticmethod
    def principal(model: NegotiationModel, pid: str, prior: np.ndarray) -> Principal:
        """One principal's values, its audience costs and how the other side prices them."""
        a = model.parties[pid]
        n, k = model.worlds, len(model.issue_ids)
        audience = np.zeros((n, k))
        for j, iid in enumerate(model.issue_ids):
            pos = a.spec.positions.get(iid)
            if pos is None:
                continue
            if pos.soft and pos.audience_cost is not None:
                path = f"parties.{pid}.positions.{iid}.audience_cost"
                audience[:, j] = model.value(path)
            else:
                audience[:, j] = np.inf
        war = model.value(f"parties.{pid}.war_cost") if a.spec.war_cost is not None else np.zeros(n)
        line, back = model.concessions.get(pid, (None, None))
        return Principal(
            pid,
            a.ideal,
            a.salience,
            a.red_line,
            audience,
            a.reservation_value(),
            1.0 - war,
            prior,
            line,
            back,
        )

    @staticmethod
    def settings(model: NegotiationModel) -> Settings:
        """The meeting's settings and the mediator's roles from the scenario's protocol."""
        pr = model.spec.protocol
        n = model.worlds
        med = pr.mediation

        def role(name: str, present: object) -> np.ndarray:
            return model.value(f"protocol.mediation.{name}") if present is not None else np.zeros(n)

        return Settings(
            rounds=pr.rounds,
            deadline=pr.last_round_of_concessions,
            hazard=model.value("protocol.walkout_hazard") if pr.walkout_hazard is not None else np.zeros(n),
            margin=model.value("protocol.walkaway_margin"),
            noise=model.value("protocol.choice_noise"),
            information=role("information", med.information),
            formulation=role("formulation", med.formulation),
            leverage=role("leverage", med.leverage),
        )

    def expected_gain(self, model: NegotiationModel) -> dict[str, np.ndarray]:
        """What each principal expects a deal to add to no deal: its surplus at the Nash package.

        The attendance phase's look-ahead: per group, the package of the contract curve that
        maximises the product of the surpluses (audience costs included), weighted by the group's
        share of the principal's salience; 0 where no package is worth it to both.
        """
        (p1, p2), groups = self.prepare(model)
        b1, b2 = p1.reservation[:, None], p2.reservation[:, None]
        gain = {p1.party_id: np.zeros(model.worlds), p2.party_id: np.zeros(model.worlds)}
        for grp in groups:
            s1, s2 = grp.value[0] - b1, grp.value[1] - b2
            ok = (s1 >= 0) & (s2 >= 0)
            with np.errstate(invalid="ignore"):
                prod = np.where(ok, s1 * s2, -1.0)
            idx = np.argmax(prod, axis=1)[:, None]
            any_ok = ok.any(axis=1)
            for s, sh, p in ((s1, grp.share[0], p1), (s2, grp.share[1], p2)):
                v = np.take_along_axis(s, idx, axis=1)[:, 0]
                gain[p.party_id] += np.where(any_ok, sh * np.maximum(v, 0.0), 0.0)
        return gain

    def zone_of_agreement(self, model: NegotiationModel, *, red_lines: bool = True) -> np.ndarray:
        """Per world and issue: whether some package of its group is worth no deal to both.

        With ``red_lines=False`` audience costs are left out (every package allowed at no cost).
        """
        (p1, p2), groups = self.prepare(model)
        out = np.zeros((model.worlds, len(model.issue_ids)), dtype=bool)
        for grp in groups:
            if red_lines:
                ok = grp.zone(p1.reservation, p2.reservation)
            else:
                g = grp.issues
                v = [
                    package_value(grp.x, p.ideal[:, g], p.salience[:, g], p.red_line[:, g], np.zeros(len(g)))
                    for p in (p1, p2)
                ]
                ok = ((v[0] >= p1.reservation[:, None]) & (v[1] >= p2.reservation[:, None])).any(axis=1)
            out[:, grp.issues] = ok[:, None]
        return out


#: The common priors of the scenarios seen last in this process: ``id(scenario)`` to a weak
#: reference to the scenario (an id is reused once its object is gone) and its priors.
_PRIORS: dict[int, tuple[weakref.ref[Scenario], dict[str, np.ndarray]]] = {}
_PRIORS_KEPT = 4


def _prior_reservations(model: NegotiationModel) -> dict[str, np.ndarray]:
    """Each principal's reservation value over ``PRIOR_WORLDS`` draws of the scenario (the common prior).

    Drawn with a fixed seed, so the prior is the same in every chunk, run and worker: it is a
    property of the scenario (its stated distributions and shared factors), not of the world.
    So it is drawn once per scenario and process, not once per batch: a campaign builds a batch
    for every meeting, and drawing 4,096 worlds of the scenario each time cost 15% of a
    campaign's time. A scenario is immutable (its records are frozen) and its parameter slots
    are its own (``Scenario.parameter_slots``), so the scenario object identifies the prior.
    """
    spec = model.spec
    kept = _PRIORS.get(id(spec))
    if kept is not None and kept[0]() is spec:
        return kept[1]
    out = _draw_prior(model)
    for a in out.values():
        a.flags.writeable = False  # shared by every batch of the scenario
    if len(_PRIORS) >= _PRIORS_KEPT:
        del _PRIORS[next(iter(_PRIORS))]
    _PRIORS[id(spec)] = (weakref.ref(spec), out)
    return out


def _draw_prior(model: NegotiationModel) -> dict[str, np.ndarray]:
    """The draws behind :func:`_prior_reservations`."""
    spec = model.spec
    streams = Streams(np.random.SeedSequence(PRIOR_SEED))
    values = draw_values(model.slots, spec, streams, PRIOR_WORLDS, {})
    out = {}
    for pid in spec.principals:
        path = f"parties.{pid}.outside_option"
        base = values[path] if path in values else np.zeros(PRIOR_WORLDS)
        react_path = f"parties.{pid}.reactance"
        react = values[react_path] if react_path in values else np.zeros(PRIOR_WORLDS)
        pressure = threat_pressure(spec, values.__getitem__, react, PRIOR_WORLDS, pid, TALKS_TRIGGERS)
        out[pid] = np.clip(base - pressure, 0.0, 1.0)
    return out
