"""The offers protocol's rules on hand-computed cases: packages, values, beliefs, offers, responses.

Each number below is worked out by hand in the comment beside it (docs/model.md, section "Offers").
"""

from __future__ import annotations

import numpy as np
import pytest

from simulator.model.model import NegotiationModel
from simulator.model.protocols.beliefs import Belief
from simulator.model.protocols.moves import (
    accepts,
    best_offer,
    going_on,
    mandate_floor,
    proposer_shares,
    ratify_probability,
)
from simulator.model.protocols.packages import GRID, contract_curve, package_value
from simulator.scenario.load import ScenarioError, load_scenario
from tests.conftest import two_party


def one(*values: float) -> np.ndarray:
    return np.array([values], dtype=float)


def test_the_contract_curve_of_one_issue_runs_evenly_between_the_ideals() -> None:
    x = contract_curve(one(1.0), one(1.0), one(0.1), one(1.0))
    assert x.shape == (1, GRID, 1)
    # Evenly spaced in party 1's utility 1 - |x - 1|: from 1 down to 0.1, the middle at 0.55.
    assert x[0, 0, 0] == pytest.approx(1.0)
    assert x[0, GRID // 2, 0] == pytest.approx(0.55)
    assert x[0, -1, 0] == pytest.approx(0.1)


def test_the_contract_curve_trades_the_cheap_issue_first() -> None:
    # Party 1 (ideals 1, 1) cares 0.8 / 0.2, party 2 (ideals 0, 0) 0.2 / 0.8. Party 1 concedes the
    # second issue first (it costs it 0.2 per unit and gives party 2 0.8): U1 vertices 1, 0.8, 0.
    # Halfway (U1 = 0.5): the second issue fully conceded (x2 = 0), the first moved
    # (0.8 - 0.5) / 0.8 = 0.375 of the way (x1 = 0.625).
    x = contract_curve(one(1.0, 1.0), one(0.8, 0.2), one(0.0, 0.0), one(0.2, 0.8))
    assert x[0, GRID // 2] == pytest.approx([0.625, 0.0])
    assert x[0, 0] == pytest.approx([1.0, 1.0])
    assert x[0, -1] == pytest.approx([0.0, 0.0])


def test_a_package_beyond_a_red_line_costs_the_audience_cost() -> None:
    x = np.array([[[0.5], [0.7]]])  # two packages of one issue
    v = package_value(x, one(1.0), one(1.0), one(0.65), one(0.15))
    # 0.5 lies beyond the red line 0.65 (below it, away from the ideal 1): 0.5 - 0.15 = 0.35;
    # 0.7 is short of it: 0.7.
    assert v[0] == pytest.approx([0.35, 0.7])
    hard = package_value(x, one(1.0), one(1.0), one(0.65), one(np.inf))
    assert hard[0, 0] == -np.inf and hard[0, 1] == pytest.approx(0.7)


def test_a_rejection_rules_out_the_types_that_would_have_accepted() -> None:
    belief = Belief.prior(np.linspace(0.0, 1.0, 10_001), worlds=1)  # uniform prior on [0, 1]
    assert belief.p_accept(np.array([[0.4]]))[0, 0] == pytest.approx(0.4, abs=1e-3)
    belief.rule_out(np.array([0]), np.array([0.4]))  # rejected at 0.4: the reservation is above 0.4
    # P(B <= 0.7 | B > 0.4) = 0.3 / 0.6 = 0.5; nothing at or below 0.4 is accepted any more.
    assert belief.p_accept(np.array([[0.7]]))[0, 0] == pytest.approx(0.5, abs=1e-3)
    assert belief.p_accept(np.array([[0.35]]))[0, 0] == pytest.approx(0.0, abs=1e-9)
    # A mediator's information halves the prior mass left, (0.4, 1], around the truth 0.5: the
    # uniform prior's mass 0.1 below and 0.5 above become 0.05 and 0.25: (0.45, 0.75].
    belief.narrow(np.array([0]), np.array([0.5]), np.array([0.5]))
    assert (belief.lo[0], belief.hi[0]) == pytest.approx((0.45, 0.75), abs=1e-3)


def test_the_proposer_maximises_expected_surplus_over_going_on() -> None:
    p = one(0.0, 0.5, 1.0)
    v = one(1.0, 0.8, 0.5)
    allowed = np.ones((1, 3), dtype=bool)
    # B = 0.3, going on worth 0: P (V - B) = 0, 0.25, 0.2 -> the middle package, gain 0.25.
    best, gain = best_offer(p, v, np.array([0.3]), np.array([0.0]), allowed)
    assert best[0] == 1 and gain[0] == pytest.approx(0.25)
    # Going on worth 0.3: c + P (V - B - c) = 0.3, 0.4, 0.2 -> still the middle, gain 0.4.
    best, gain = best_offer(p, v, np.array([0.3]), np.array([0.3]), allowed)
    assert best[0] == 1 and gain[0] == pytest.approx(0.4)
    # A mandate that allows only the first package: the proposer offers it (a sure rejection).
    best, _ = best_offer(p, v, np.array([0.3]), np.array([0.0]), np.array([[True, False, False]]))
    assert best[0] == 0


def test_the_responder_accepts_what_beats_going_on() -> None:
    assert accepts(np.array([0.5]), np.array([0.3]), np.array([0.2]))[0]
    assert not accepts(np.array([0.5]), np.array([0.3]), np.array([0.25]))[0]


def test_going_on_is_discounted_by_patience_hazard_and_the_share_of_the_next_role() -> None:
    # 0.95 * (1 - 0.02) * 1 * 0.2 = 0.1862; with no share next round (after the last), 0.
    c = going_on(np.array([0.95]), np.array([0.02]), np.array([0.2]), np.array([1.0]))
    assert c[0] == pytest.approx(0.1862)
    assert going_on(np.array([0.95]), np.array([0.02]), np.array([0.2]), np.array([0.0]))[0] == 0.0


def test_proposer_shares_by_backward_induction() -> None:
    # delta 0.9 both, no hazard: a(0) = 1, a(1) = 1 - 0.9 = 0.1, a(2) = 1 - 0.9 * 0.1 = 0.91.
    a1, _ = proposer_shares(np.array([0.9]), np.array([0.9]), np.array([0.0]), 3)
    assert a1[0] == pytest.approx([1.0, 0.1, 0.91])
    # A more patient responder (0.95) takes more: a1(1) = 1 - 0.95 = 0.05.
    a1, _ = proposer_shares(np.array([0.9]), np.array([0.95]), np.array([0.0]), 2)
    assert a1[0, 1] == pytest.approx(0.05)


def test_mandate_floor_and_ratification() -> None:
    # B + (1 - B)(1 - m) = 0.4 + 0.6 * 0.75 = 0.85.
    assert mandate_floor(np.array([0.4]), np.array([0.25]))[0] == pytest.approx(0.85)
    assert ratify_probability(np.array([0.5]), np.array([0.5]), np.array([0.1]))[0] == pytest.approx(0.5)
    assert ratify_probability(np.array([0.7]), np.array([0.5]), np.array([0.1]))[0] == pytest.approx(
        1 / (1 + np.exp(-2.0))
    )


@pytest.mark.slow
def test_the_decomposition_of_agreement_adds_up() -> None:
    from simulator.engine.tally import events_of

    scenario = load_scenario("scenarios/istanbul_2025.yaml", ["protocol.kind=offers"])
    rec = NegotiationModel(scenario, worlds=3000, rng=3).run().records()
    ev = events_of(scenario, rec)
    parts = [v for k, v in ev.items() if k.startswith("agreement_path.")]
    assert len(parts) == 7
    assert np.all(np.sum(parts, axis=0) == 1)  # every world on exactly one path
    assert np.array_equal(ev["agreement_path.agreed"], ev["agreement.any"])
    rounds = [v for k, v in ev.items() if k.startswith("rounds_to_agreement.")]
    assert np.array_equal(np.logical_or.reduce(rounds), ev["agreement.any"])
    assert np.sum(rounds) == ev["agreement.any"].sum()
    # The funnel from the zone at the start: every world on one path again, and no deal is made
    # outside the zone (the mediator's leverage counted in it).
    zone = {k: v for k, v in ev.items() if k.startswith("zone_path.")}
    assert len(zone) == 8
    assert np.all(np.sum(list(zone.values()), axis=0) == 1)
    assert np.array_equal(zone["zone_path.agreed"], ev["agreement.any"])
    assert zone["zone_path.no_zone"].any() and zone["zone_path.agreed"].any()
    in_zone = sum(v for k, v in zone.items() if k not in ("zone_path.no_talks", "zone_path.no_zone"))
    assert np.array_equal(
        in_zone.astype(bool),
        ev["talks.direct"] & np.logical_or.reduce([rec[f"zopa.{i}"] for i in scenario.issues]),
    )


def test_validate_refuses_a_red_line_across_the_ideal() -> None:
    with pytest.raises(ScenarioError) as err:
        load_scenario("scenarios/istanbul_2025.yaml", ["parties.russia.positions.ceasefire.ideal=0.5"])
    text = str(err.value)
    assert "reaches across the ideal" in text
    assert "istanbul_2025.yaml:" in text  # named at its place in the file


def test_offers_is_the_default_and_single_text_stays_selectable() -> None:
    # A scenario that names no protocol plays offers; the single text stays for comparison.
    from simulator import plugins

    assert two_party().protocol.kind == "offers"
    assert {"offers", "single_text"} <= set(plugins.kinds())
    assert (
        load_scenario("scenarios/istanbul_2025.yaml", ["protocol.kind=single_text"]).protocol.kind
        == "single_text"
    )


def test_no_offer_is_made_past_the_proposers_own_hard_red_line() -> None:
    # Hard lines (US and Iranian enrichment): every package past one is worth -inf to its side.
    # A proposer offers nothing it would not want accepted, so no side's last offer lies past
    # its own hard line, and a deal past one never reaches ratification.
    scenario = load_scenario("scenarios/iran_2025.yaml")
    model = NegotiationModel(scenario, worlds=3000, rng=2).run()
    rec = model.records()
    held = rec["talks.direct"]
    assert held.mean() > 0.9
    for pid in ("united_states", "iran"):
        ideal = model.values[f"parties.{pid}.positions.enrichment.ideal"]
        red = model.values[f"parties.{pid}.positions.enrichment.red_line"]
        pos = rec[f"position.{pid}.enrichment"]
        past = (pos - red) * np.sign(red - ideal) > 1e-9
        assert not past[held].any(), f"{pid} offered past its hard red line in {past[held].sum()} worlds"
    # Every text tabled (agreed, or refused at ratification) lies within both hard lines.
    text = rec["text.enrichment"]
    tabled = held & ~np.isnan(text)
    us_red = model.values["parties.united_states.positions.enrichment.red_line"]
    iran_red = model.values["parties.iran.positions.enrichment.red_line"]
    signed = (
        rec["agreed.enrichment"]
        | rec["ratification.iran.rejected"]
        | rec["ratification.united_states.rejected"]
    )
    assert signed.any()
    inside = (text <= us_red + 1e-9) & (text >= iran_red - 1e-9)
    assert inside[signed & tabled].all()


def test_the_curve_runs_inside_the_hard_red_lines_where_they_leave_room() -> None:
    from simulator.model.protocols.packages import within_hard_lines

    inf = np.inf
    # Issue 1: side 1 (ideal 0) caps at 0.6 hard; side 2 (ideal 1) floors at 0.45 hard: room
    # [0.45, 0.6], so the ideals move to 0.45 and 0.6. Issue 2: side 1's line is soft (cost 0.2):
    # only side 2's hard floor 0.3 binds, so side 1's ideal 0 moves to 0.3 and side 2's stays.
    # Issue 3: hard lines apart (cap 0.2, floor 0.7): nothing signable, the ideals stay.
    e1, e2 = within_hard_lines(
        one(0.0, 0.0, 0.0), one(0.6, 0.5, 0.2), one(inf, 0.2, inf),
        one(1.0, 1.0, 1.0), one(0.45, 0.3, 0.7), one(inf, inf, inf),
    )  # fmt: skip
    assert np.allclose(e1, [[0.45, 0.3, 0.0]])
    assert np.allclose(e2, [[0.6, 1.0, 1.0]])


def test_walking_out_is_judged_between_the_true_ideals_not_inside_the_hard_lines() -> None:
    # One issue, ideals 0 and 1, hard lines at 0.6 (cap) and 0.45 (floor): the offers run inside
    # [0.45, 0.6], but whether a side walks out is judged at the middle between the true ideals,
    # 0.5, worth 0.5 to each (red lines aside). Judged inside the hard lines instead, the side
    # whose ideal is far from the room left walked out of most meetings on the baseline.
    from simulator.model.protocols.offers import Group, Principal

    def side(pid: str, ideal: float, red: float) -> Principal:
        return Principal(
            pid,
            one(ideal),
            one(1.0),
            one(red),
            one(np.inf),
            np.array([0.3]),
            np.array([0.95]),
            np.array([0.3]),
        )

    grp = Group.build(np.array([0]), side("a", 0.0, 0.6), side("b", 1.0, 0.45))
    assert grp.x.min() >= 0.45 - 1e-9 and grp.x.max() <= 0.6 + 1e-9
    assert np.allclose(grp.middle[0], 0.5) and np.allclose(grp.middle[1], 0.5)
