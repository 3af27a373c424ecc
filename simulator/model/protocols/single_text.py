"""The single-text talks between two principals, over a batch of worlds (pure arrays in, arrays out).

The rules (formulas and reasons in ``docs/model.md``, section "Talks"):

1. **Reservation values.** Principal ``i`` values a package as the salience-weighted mean of its
   per-issue utilities ``1 - |x - ideal|`` and never accepts less than its reservation value
   ``B_i`` (its outside option after believed threats), nor anything beyond a red line.
2. **Time.** Its aspiration falls from 1 (its ideal) to ``B_i`` by the deadline round ``D``:
   ``a_i(t) = B_i + (1 - B_i) * (1 - min(1, t/D) ** (1/e_i))``, ``e_i`` its concession exponent
   (above 1 concedes early, below 1 holds out). The meeting lasts ``rounds`` exchanges.
3. **Texts.** Issues are negotiated in groups: the non-separable issues as one package, each
   separable issue on its own (every issue on its own under ``issue_by_issue``). A mediator
   tables the package that maximises the capability-weighted Nash product of the surpluses over
   the current aspirations (it searches the whole logrolling frontier); without one, every issue
   is split in one proportion (no trade across issues is found). A group is agreed when its text
   gives both principals at least their aspirations. The mediator's set of texts contains the
   unmediated one, so a mediator can only help.
4. **Walking away.** A principal walks away only when no text reachable before the meeting ends
   gives both at least their reservation values and the text on the table is worth less than
   its reservation value by more than the walk-away margin. Besides, each round the talks break
   down with probability ``hazard`` (an incident, a leak); the side with less to gain walks.
5. **Ratification.** A delegation may agree *ad referendum* beyond its mandate ``m``: a text worth
   less to it than ``B + (1 - B)(1 - m)`` goes to its leader, who ratifies with probability
   ``1 / (1 + exp(-(U - B) / noise))``. A leader at the table has ``m = 1``: more authority can
   therefore never lower agreement.

The parts it is built from (sides, rules, zones, aspirations, the text on the table) are in
``sides``.

Example:
    >>> result = bargain((ukraine, russia), held, mediated, rules, uniform)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from simulator.model.bargaining import EPS, package_utility
from simulator.model.protocols.base import Problem, Table, TalksOutcome, TalksProtocol, register
from simulator.model.protocols.sides import (
    PositionHistory,
    Rules,
    Side,
    Uniform,
    Zones,
    aspiration,
    open_utility,
    position_at,
    tabled_text,
)

if TYPE_CHECKING:
    from simulator.model.model import NegotiationModel
    from simulator.scenario.schema import Scenario


def bargain(
    sides: tuple[Side, Side],
    held: np.ndarray,
    mediated: np.ndarray,
    rules: Rules,
    uniform: Uniform,
    prepared: Zones | None = None,
) -> TalksOutcome:
    """Play the talks in every world where ``held``; see the module docstring for the rules."""
    s1, s2 = sides
    n, k = s1.ideal.shape
    prep = prepared or Zones.build(sides, rules.separable)
    groups, zones, exps = prep.groups, prep.zones, prep.exps
    w1, w2 = s1.power, s2.power
    # Reachable at the reservation values (the zone of agreement), and before the meeting ends.
    zopa_groups = [ok for _, ok in prep.at_reservation]
    reachable = []
    for j, z in enumerate(zones):
        if rules.rounds >= rules.deadline:  # aspirations are at the reservation values by then
            at_b = prep.at_reservation[j]
            reachable.append(tabled_text(z, mediated, s1.reservation, s2.reservation, w1, w2, at_b)[1])
            continue
        a1 = aspiration(s1, rules.rounds, rules.deadline, exps[j][0])
        a2 = aspiration(s2, rules.rounds, rules.deadline, exps[j][1])
        reachable.append(tabled_text(z, mediated, a1, a2, w1, w2)[1])
    agreed_g = np.zeros((n, len(groups)), dtype=bool)
    # Where a group can never be agreed in this meeting, the text on the table is the mediator's
    # (or the plain split's) at the reservation values from the first round to the last: only the
    # groups still within reach are searched again each round.
    text = np.full((n, k), np.nan)
    for j, g in enumerate(groups):
        fixed, _ = tabled_text(
            zones[j], mediated, s1.reservation, s2.reservation, w1, w2, prep.at_reservation[j]
        )
        text[:, g] = np.where(held[:, None] & ~reachable[j][:, None], fixed, np.nan)
    active = held.copy()
    rounds_held = np.zeros(n, dtype=np.int8)
    walked = {s.party_id: np.zeros(n, dtype=bool) for s in sides}
    margin = np.broadcast_to(rules.walkaway_margin, (n,))
    hazard = np.broadcast_to(rules.hazard, (n,))
    for t in range(1, rules.rounds + 1):
        rows = np.flatnonzero(active)  # work on the worlds still talking only
        if rows.size == 0:
            continue
        rounds_held[rows] = t
        med = mediated[rows]
        for j, (g, z) in enumerate(zip(groups, zones, strict=True)):
            open_ = ~agreed_g[rows, j] & reachable[j][rows]
            sub = rows[open_]
            if sub.size == 0:
                continue
            a1 = aspiration(s1, t, rules.deadline, exps[j][0])[sub]
            a2 = aspiration(s2, t, rules.deadline, exps[j][1])[sub]
            tabled, ok = tabled_text(z.take(sub), med[open_], a1, a2, w1[sub], w2[sub])
            text[np.ix_(sub, g)] = tabled
            agreed_g[sub, j] = ok
        done = agreed_g[rows].all(axis=1)
        hope = np.zeros(rows.size, dtype=bool)
        for j in range(len(groups)):
            hope |= ~agreed_g[rows, j] & reachable[j][rows]
        sub_text, sub_agreed = text[rows], agreed_g[rows]
        gain1, gain2 = (
            open_utility(s, rows, sub_text, sub_agreed, groups) - s.reservation[rows] for s in sides
        )
        hopeless = ~done & ~hope
        left1 = hopeless & (gain1 < -margin[rows])
        left2 = hopeless & (gain2 < -margin[rows])
        # A breakdown is laid at the door of the side with less to gain from the open text.
        broke = ~done & (uniform(f"talks:hazard:{t}", n)[rows] < hazard[rows])
        first = gain1 <= gain2
        walked[s1.party_id][rows] |= left1 | (broke & first)
        walked[s2.party_id][rows] |= left2 | (broke & ~first)
        # Agreed, nothing more to gain (with or without a walk-out), or broken down: the talks end.
        active[rows] = ~done & hope & ~broke
    referred, rejected = _ratify(sides, text, agreed_g, groups, rules, uniform)
    agreed = np.zeros((n, k), dtype=bool)
    for j, g in enumerate(groups):
        agreed[:, g] = agreed_g[:, j, None]
    zopa = np.zeros((n, k), dtype=bool)
    for j, g in enumerate(groups):
        zopa[:, g] = zopa_groups[j][:, None]
    final = {
        s.party_id: np.where(agreed, text, position_at(s, rounds_held[:, None], rules.deadline))
        for s in sides
    }
    history = PositionHistory(sides, int(rounds_held.max(initial=0)), rules.deadline)
    return TalksOutcome(agreed, text, rounds_held, final, walked, zopa, referred, rejected, history)


# --- rules --------------------------------------------------------------------------------------


def _ratify(
    sides: tuple[Side, Side],
    text: np.ndarray,
    agreed_g: np.ndarray,
    groups: list[np.ndarray],
    rules: Rules,
    uniform: Uniform,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Agreements beyond a delegation's mandate go to its leader; rejected groups are undone."""
    n = text.shape[0]
    referred = {s.party_id: np.zeros(n, dtype=bool) for s in sides}
    rejected = {s.party_id: np.zeros(n, dtype=bool) for s in sides}
    for j, g in enumerate(groups):
        for s in sides:
            u = package_utility(text[:, g], s.ideal[:, g], s.salience[:, g])
            floor = s.reservation + (1.0 - s.reservation) * (1.0 - s.mandate)
            beyond = agreed_g[:, j] & (u < floor - EPS)
            surplus = (u - s.reservation) / np.maximum(rules.ratification_noise, EPS)
            p = 1.0 / (1.0 + np.exp(-np.clip(surplus, -50, 50)))
            no = beyond & (uniform(f"talks:ratify:{s.party_id}:{j}", n) >= p)
            referred[s.party_id] |= beyond
            rejected[s.party_id] |= no
            agreed_g[:, j] &= ~no
    return referred, rejected


# --- the protocol -------------------------------------------------------------------------------


@register
class SingleText(TalksProtocol):
    """The single-text procedure above, fed from the model's parties and drawn values.

    The per-party inputs come from :class:`~simulator.model.agents.PartyAgent` methods
    (``reservation_value``, ``authority``, ``power``), so a notebook's subclass that overrides one
    of them changes the talks too.
    """

    kind = "single_text"

    @classmethod
    def check(cls, scenario: Scenario) -> Iterator[Problem]:
        """The single text is drafted between two sides: exactly two principals."""
        if len(scenario.principals) > 2:
            yield ("parties",), "the single_text talks take exactly two principals"

    def __init__(self) -> None:
        self._zones: Zones | None = None  # one protocol instance serves one model's batch

    def negotiate(self, model: NegotiationModel, table: Table) -> TalksOutcome:
        sides, rules = self.sides(model), self.rules(model)
        return bargain(sides, table.held, table.mediated, rules, model.streams.uniform, self._prepared(model))

    def _prepared(self, model: NegotiationModel) -> Zones:
        if self._zones is None:
            self._zones = Zones.build(self.sides(model, authority=False), self.rules(model).separable)
        return self._zones

    def expected_gain(self, model: NegotiationModel) -> dict[str, np.ndarray]:
        """What each principal expects a deal to add to no deal: its surplus at the Nash text.

        The cheap look-ahead the attendance phase uses: the whole agenda's zone of agreement at the
        reservation values, with the scenario's mediator if it has one, ratification aside.
        """
        sides = self.sides(model, authority=False)
        s1, s2 = sides
        gain = {s.party_id: np.zeros(model.worlds) for s in sides}
        prep = self._prepared(model)
        for j, g in enumerate(prep.groups):
            if model.spec.protocol.mediator is not None:
                text, ok = prep.at_reservation[j]
            else:
                text, ok = prep.zones[j].split_line(s1.reservation, s2.reservation)
            share = [s.salience[:, g].sum(axis=1) / np.maximum(s.salience.sum(axis=1), EPS) for s in sides]
            for s, w in zip(sides, share, strict=True):
                u = package_utility(text, s.ideal[:, g], s.salience[:, g])
                gain[s.party_id] += np.where(ok, w * np.maximum(0.0, u - s.reservation), 0.0)
        return gain

    def zone_of_agreement(self, model: NegotiationModel, *, red_lines: bool = True) -> np.ndarray:
        """Per world and issue: whether a text both principals prefer to no deal exists for its group.

        With ``red_lines=False`` only the outside options count (every text is allowed): what
        ``negsim validate`` checks, since outside options that leave no deal worth having on any
        package make failure a matter of arithmetic rather than of anything the articles state.
        """
        sides = self.sides(model, authority=False)
        if red_lines:
            prep = self._prepared(model)
        else:
            open_ = tuple(
                Side(
                    s.party_id,
                    s.ideal,
                    np.where(s.red_line >= s.ideal, 1.0, 0.0),
                    s.salience,
                    s.concession,
                    s.reservation,
                    s.power,
                    s.mandate,
                )
                for s in sides
            )
            prep = Zones.build((open_[0], open_[1]), self.rules(model).separable)
        out = np.zeros((model.worlds, len(model.issue_ids)), dtype=bool)
        for g, (_, ok) in zip(prep.groups, prep.at_reservation, strict=True):
            out[:, g] = ok[:, None]
        return out

    @staticmethod
    def sides(model: NegotiationModel, *, authority: bool = True) -> tuple[Side, Side]:
        """The two principals as the procedure sees them."""
        out = []
        for pid in model.spec.principals:
            a = model.parties[pid]
            mandate = a.authority() if authority else np.ones(model.worlds)
            out.append(
                Side(
                    pid,
                    a.ideal,
                    a.red_line,
                    a.salience,
                    a.concession,
                    a.reservation_value(),
                    a.power(),
                    mandate,
                )
            )
        return out[0], out[1]

    @staticmethod
    def rules(model: NegotiationModel) -> Rules:
        """The procedure's settings from the scenario's protocol."""
        pr = model.spec.protocol
        k = len(model.issue_ids)
        if pr.agreement == "issue_by_issue":
            separable = np.ones(k, dtype=bool)
        else:
            separable = np.array([model.spec.issues[i].separable for i in model.issue_ids])
        hazard = model.value("protocol.walkout_hazard") if pr.walkout_hazard is not None else np.zeros(1)
        return Rules(
            rounds=pr.rounds,
            deadline=pr.last_round_of_concessions,
            separable=separable,
            walkaway_margin=model.value("protocol.walkaway_margin"),
            hazard=hazard,
            ratification_noise=model.value("protocol.choice_noise"),
        )
