"""Rules of the model: hand-computed cases, invariants (property tests) and comparative statics."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.engine.tally import events_of
from simulator.model.agents import PartyAgent
from simulator.model.model import NegotiationModel
from simulator.scenario.events import OUTCOMES
from tests.conftest import two_party

LEADER, MINISTER, OFFICIAL, ABSENT = 3, 2, 1, 0


def ranks(**levels: int) -> dict[str, np.ndarray]:
    base = {"alpha": ABSENT, "beta": ABSENT, "host": ABSENT, "patron": ABSENT}
    base.update(levels)
    return {k: np.array([v], dtype=np.int8) for k, v in base.items()}


# --- attendance -------------------------------------------------------------------------------


def test_attendance_utility_matches_hand_computation(scenario):
    model = NegotiationModel(scenario, worlds=1, rng=0)
    u = model.parties["alpha"].attendance_utility(ranks(beta=MINISTER))[0]
    g = model.expected_gain("alpha")[0]
    # talks_value 0.6 x mandate (0, .3, .6, 1); leader_cost .1; protocol_cost .1 per 3 ranks above
    # beta (minister); empty_chair .2 per 3 ranks below beta; pressure .1 on every attending level;
    # the look-ahead: expected gain g x mandate (beta attends).
    expected = [
        0 - 0.2 * 2 / 3,
        0.6 * 0.3 - 0.2 * 1 / 3 + 0.1 + g * 0.3,
        0.6 * 0.6 + 0.1 + g * 0.6,
        0.6 - 0.1 - 0.1 * 1 / 3 + 0.1 + g,
    ]
    np.testing.assert_allclose(u, expected)


def test_expected_gain_is_the_surplus_at_the_nash_text_hand_computed():
    # Each issue: texts between .4 and .6; alpha's utility 1 - z, beta's z (z from alpha's ideal);
    # reservation values .3 and o_b - .1 (the patron's threat: credibility .5 x severity .2).
    # Equal power: z* = (.7 + B_b) / 2, so alpha's surplus is (.7 - B_b) / 2 = (.8 - o_b) / 2.
    model = NegotiationModel(two_party("protocol.kind=single_text"), worlds=50, rng=0)
    o_b = model.value("parties.beta.outside_option")
    np.testing.assert_allclose(model.expected_gain("alpha"), (0.8 - o_b) / 2)
    np.testing.assert_allclose(model.expected_gain("beta"), (0.8 - o_b) / 2)
    assert (model.expected_gain("host") == 0).all()


@pytest.mark.slow
def test_identical_ideals_raise_attendance():
    same = two_party(
        "parties.beta.positions.ceasefire.ideal=1.0",
        "parties.beta.positions.border.ideal=0.0",
        "parties.beta.positions.ceasefire.red_line=0.9",
        "parties.beta.positions.border.red_line=0.1",
    )
    base = NegotiationModel(two_party(), worlds=20_000, rng=4).run().records()
    agreeing = NegotiationModel(same, worlds=20_000, rng=4).run().records()
    assert (agreeing["level.beta"] == LEADER).mean() > (base["level.beta"] == LEADER).mean()


def test_legitimacy_cost_applies_only_when_both_leaders_sit_together():
    s = two_party("parties.alpha.attendance.legitimacy_cost=0.5")
    model = NegotiationModel(s, worlds=1, rng=0)
    agent, g = model.parties["alpha"], model.expected_gain("alpha")[0]
    with_leader = agent.attendance_utility(ranks(beta=LEADER))[0]
    with_minister = agent.attendance_utility(ranks(beta=MINISTER))[0]
    # At leader level: facing a leader costs .5 legitimacy; facing a minister costs 1/3 x .1 protocol.
    assert with_leader[LEADER] == pytest.approx(0.6 - 0.1 - 0.5 + 0.1 + g)
    assert with_minister[LEADER] == pytest.approx(0.6 - 0.1 - 0.1 / 3 + 0.1 + g)
    assert with_leader[MINISTER] == pytest.approx(with_minister[MINISTER] - 0.2 / 3)


def test_only_if_closes_levels_until_condition_holds(scenario):
    patron = NegotiationModel(scenario, worlds=1, rng=0).parties["patron"]
    assert patron.allowed(ranks(beta=MINISTER))[0].tolist() == [True, True, True, False]
    assert patron.allowed(ranks(beta=LEADER))[0].tolist() == [True, True, True, True]
    assert patron.attendance_utility(ranks(beta=MINISTER))[0, LEADER] == -np.inf


def test_promise_costs_audience_cost_when_broken():
    s = two_party(
        "parties.alpha.attendance.commitments=[{kind: promise, level: leader, "
        "condition: {party: beta, level: leader}, "
        "audience_cost: {value: 0.4, assumption: test}, assumption: test}]"
    )
    agent = NegotiationModel(s, worlds=1, rng=0).parties["alpha"]
    held = agent.attendance_utility(ranks(beta=LEADER))[0]
    base = NegotiationModel(two_party(), worlds=1, rng=0).parties["alpha"]
    free = base.attendance_utility(ranks(beta=LEADER))[0]
    np.testing.assert_allclose(held[:LEADER], free[:LEADER] - 0.4)
    assert held[LEADER] == pytest.approx(free[LEADER])


def test_without_noise_choice_is_the_best_response():
    s = two_party("protocol.choice_noise=0.001")
    agent = NegotiationModel(s, worlds=1, rng=0).parties["alpha"]
    others = ranks(beta=MINISTER)
    utility = agent.attendance_utility(others)
    best = int(np.argmax(utility[0]))
    assert agent.choose_level(utility, np.zeros((1, 4)))[0] == best


def test_threat_on_absence_raises_cost_of_staying_away():
    s = two_party(
        "threats.patron_sanctions={by: patron, against: beta, trigger: absent, "
        "credibility: {value: 1.0, assumption: test}, severity: {value: 0.5, assumption: test}}"
    )
    u = NegotiationModel(s, worlds=1, rng=0).parties["beta"].attendance_utility(ranks())[0]
    u0 = (
        NegotiationModel(two_party("threats={}"), worlds=1, rng=0)
        .parties["beta"]
        .attendance_utility(ranks())[0]
    )
    assert u[ABSENT] == pytest.approx(u0[ABSENT] - 0.5)
    np.testing.assert_allclose(u[1:], u0[1:])


# --- talks --------------------------------------------------------------------------------------


def test_positions_concede_toward_the_nearer_of_red_line_and_reservation_value():
    sure = (
        "parties.alpha.attendance.levels=[absent, leader]",
        "parties.beta.attendance.levels=[absent, leader]",
        "parties.beta.attendance.initial.level=leader",
        "parties.beta.attendance.legitimacy_cost=0",
        "protocol.choice_noise=0.001",  # both leaders surely come: the talks are what is tested
        "protocol.kind=single_text",  # the single-text procedure's concession schedule
    )
    s = two_party(
        "parties.alpha.positions.ceasefire.concession=2.0",
        "protocol.walkout_hazard=0",
        *sure,
    )
    model = NegotiationModel(s, worlds=1, rng=0).run()
    alpha = model.parties["alpha"]
    assert model.records()["rounds"][0] >= 2
    # ideal 1.0, red line 0.4 (0.6 away), reservation 0.3 (0.7 away): the red line binds.
    # Round 2 of 6 with e = 2: share (2/6)^(1/2) of the 0.6.
    assert alpha.history[1][0, 0] == pytest.approx(1.0 - (2 / 6) ** 0.5 * 0.6)
    s = two_party("parties.alpha.outside_option=0.8", *sure)  # no deal worth more: 0.2 away binds
    model = NegotiationModel(s, worlds=1, rng=0).run()
    alpha = model.parties["alpha"]
    # No zone (0.8 + the value of no deal to beta > 1): one exchange, conceding 1/6 of the 0.2 (e = 1).
    assert alpha.history[0][0, 0] == pytest.approx(1.0 - 0.2 / 6)
    assert model.records()["position.alpha.ceasefire"][0] >= 0.8 - 1e-12


def test_full_mandates_and_overlapping_zones_reach_agreement():
    s = two_party(
        "parties.beta.attendance.initial.level=leader",
        "parties.beta.attendance.levels=[absent, leader]",
        "parties.alpha.attendance.levels=[absent, leader]",
        "parties.beta.attendance.legitimacy_cost=0",
    )
    model = NegotiationModel(s, worlds=200, rng=3).run()
    rec = model.records()
    held = rec["talks.direct"]
    assert held.mean() > 0.9
    # Zones overlap (alpha accepts down to .4, beta up to .6): with a mediator, agreement follows.
    assert rec["agreed.ceasefire"][held & rec["talks.mediated"]].all()


def test_disjoint_red_lines_never_agree():
    s = two_party(
        "parties.alpha.positions.ceasefire.red_line=0.9", "parties.beta.positions.ceasefire.red_line=0.1"
    )
    rec = NegotiationModel(s, worlds=2000, rng=1).run().records()
    assert not rec["agreed.ceasefire"].any()


# --- aftermath ----------------------------------------------------------------------------------


def test_zero_credibility_threat_is_never_carried_out():
    s = two_party("threats.patron_sanctions.credibility=0")
    rec = NegotiationModel(s, worlds=5000, rng=2).run().records()
    assert not rec["threat.patron_sanctions"].any()


def test_certain_threat_is_carried_out_exactly_when_triggered():
    s = two_party("threats.patron_sanctions.credibility=1")
    rec = NegotiationModel(s, worlds=5000, rng=2).run().records()
    np.testing.assert_array_equal(rec["threat.patron_sanctions"], ~rec["agreed.ceasefire"])


def test_outcome_categories_partition_the_worlds(scenario):
    rec = NegotiationModel(scenario, worlds=3000, rng=5).run().records()
    ev = events_of(scenario, rec)
    total = sum(ev[f"outcome.{o}"].astype(int) for o in OUTCOMES)
    assert (total == 1).all()
    assert (ev["outcome.no_talks"] == ~rec["talks.direct"]).all()


# --- invariants (property tests) ----------------------------------------------------------------

unit = st.floats(0.0, 1.0, allow_nan=False)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    a_ideal=unit,
    a_red=unit,
    b_ideal=unit,
    b_red=unit,
    mandate=unit,
    e=st.floats(0.1, 5.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_positions_and_agreements_respect_red_lines_and_mandates(
    a_ideal, a_red, b_ideal, b_red, mandate, e, seed
):
    s = two_party(
        "protocol.kind=single_text",
        f"parties.alpha.positions.ceasefire.ideal={a_ideal}",
        f"parties.alpha.positions.ceasefire.red_line={a_red}",
        f"parties.alpha.positions.ceasefire.concession={e}",
        f"parties.beta.positions.ceasefire.ideal={b_ideal}",
        f"parties.beta.positions.ceasefire.red_line={b_red}",
        f"protocol.mandate.minister={mandate}",
    )
    model = NegotiationModel(s, worlds=300, rng=seed).run()
    rec = model.records()
    for pid in ("alpha", "beta"):
        agent = model.parties[pid]
        ideal, red = agent.ideal[:, 0], agent.red_line[:, 0]
        # No party concedes past its red line, nor to a position worth less than no deal.
        allowed = np.minimum(np.abs(red - ideal), 1 - agent.reservation_value())
        lo, hi = np.minimum(ideal, red), np.maximum(ideal, red)
        for pos in [h[:, 0] for h in agent.history]:  # offers stay between ideal and red line
            assert ((pos >= lo - 1e-9) & (pos <= hi + 1e-9)).all()
        # What it ends with (its offer, or the agreed text) never lies beyond its red line.
        final = rec[f"position.{pid}.ceasefire"]
        ok = ~np.isnan(final)
        direction = np.sign(red - ideal)
        assert ((final[ok] - ideal[ok]) * direction[ok] <= np.abs(red - ideal)[ok] + 1e-9).all()
        conceded = rec[f"concession.{pid}.ceasefire"]
        ok = ~np.isnan(conceded) & ~rec["agreed.ceasefire"]
        assert (conceded[ok] <= allowed[ok] + 1e-9).all()
    ev = events_of(s, rec)
    for pid in s.parties:
        shares = sum(
            ev[f"level.{pid}.{lv}"].astype(int) for lv in ("absent", "official", "minister", "leader")
        )
        assert (shares == 1).all()


# --- comparative statics ------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("cost", [0.2, 0.4, 0.8])
def test_raising_leader_cost_never_raises_leader_attendance(cost):
    base = NegotiationModel(two_party("parties.beta.attendance.leader_cost=0.1"), worlds=20000, rng=9)
    dear = NegotiationModel(two_party(f"parties.beta.attendance.leader_cost={cost}"), worlds=20000, rng=9)
    p0 = (base.run().records()["level.beta"] == LEADER).mean()
    p1 = (dear.run().records()["level.beta"] == LEADER).mean()
    assert p1 <= p0


@pytest.mark.slow
def test_lowering_pressure_never_raises_attendance():
    strong = NegotiationModel(two_party("pressures.patron_urges_alpha.strength=0.6"), worlds=20000, rng=4)
    weak = NegotiationModel(two_party("pressures.patron_urges_alpha.strength=0.0"), worlds=20000, rng=4)
    assert (weak.run().records()["level.alpha"] > 0).mean() <= (
        strong.run().records()["level.alpha"] > 0
    ).mean()


@pytest.mark.slow
def test_only_if_leader_never_comes_without_the_other_leader():
    s = two_party("parties.patron.attendance.leader_cost=0", "parties.patron.attendance.talks_value=1")
    rec = NegotiationModel(s, worlds=20000, rng=11).run().records()
    patron_leader = rec["level.patron"] == LEADER
    assert patron_leader.any()
    assert (rec["level.beta"][patron_leader] == LEADER).all()


def test_removing_red_lines_never_lowers_agreement():
    with_lines = NegotiationModel(two_party("protocol.kind=single_text"), worlds=20000, rng=6).run().records()
    s = two_party(
        "protocol.kind=single_text",
        "parties.alpha.positions.ceasefire.red_line=0",
        "parties.alpha.positions.border.red_line=1",
        "parties.beta.positions.ceasefire.red_line=1",
        "parties.beta.positions.border.red_line=0",
    )
    without = NegotiationModel(s, worlds=20000, rng=6).run().records()
    for key in ("agreed.ceasefire", "agreed.border"):
        # At the table never lower; at ratification a different text can cost a world or two.
        assert without[key].mean() >= with_lines[key].mean() - 0.001


# --- agents can be replaced ---------------------------------------------------------------------


class AlwaysLeaderAlpha(PartyAgent):
    def choose_level(self, announced, noise):
        return np.full(self.model.worlds, LEADER, dtype=np.int8)


def test_a_subclassed_agent_changes_the_rule(scenario):
    rec = NegotiationModel(scenario, worlds=500, rng=0, agents={"alpha": AlwaysLeaderAlpha}).run().records()
    assert (rec["level.alpha"] == LEADER).all()


def test_step_runs_one_phase_at_a_time(scenario):
    model = NegotiationModel(scenario, worlds=1, rng=42)
    model.step()
    assert "level.alpha" in model.records() and "talks.direct" not in model.records()
    model.step()
    assert "talks.direct" in model.records() and "outcome" not in model.records()
    model.step()
    assert model.records()["outcome"].shape == (1,)
    assert not model.running


def test_same_seed_same_worlds_different_seed_different(scenario):
    a = NegotiationModel(scenario, worlds=1000, rng=7).run().records()
    b = NegotiationModel(scenario, worlds=1000, rng=7).run().records()
    c = NegotiationModel(scenario, worlds=1000, rng=8).run().records()
    assert all(np.array_equal(a[k], b[k], equal_nan=True) for k in a)
    assert not np.array_equal(a["param.parties.beta.outside_option"], c["param.parties.beta.outside_option"])


def test_with_leaders_and_a_mediator_every_zone_of_agreement_is_agreed():
    # Leaders need no ratification, no hazard, deadline = last round: a zone means a deal.
    s = two_party(
        "parties.alpha.attendance.levels=[absent, leader]",
        "parties.beta.attendance.levels=[absent, leader]",
        "parties.beta.attendance.initial.level=leader",
        "parties.beta.attendance.legitimacy_cost=0",
        "parties.beta.outside_option={uniform: [0.2, 0.9], assumption: test}",
    )
    rec = NegotiationModel(s, worlds=4000, rng=12).run().records()
    talks = rec["talks.direct"] & rec["talks.mediated"]
    assert talks.mean() > 0.9
    assert rec["zopa"].any() and (~rec["zopa"]).any()
    both = rec["agreed.ceasefire"] & rec["agreed.border"]
    np.testing.assert_array_equal(both[talks], rec["zopa"][talks])


def test_announcements_are_the_initial_signal_then_the_level_chosen(scenario):
    model = NegotiationModel(scenario, worlds=50, rng=3)
    model.step()
    alpha = model.parties["alpha"]
    assert len(alpha.announcements) == 2
    assert (alpha.announcements[0] == 3).all()  # its initial signal: leader
    np.testing.assert_array_equal(alpha.announcements[-1], alpha.announced)
    np.testing.assert_array_equal(alpha.announced, alpha.level)  # alpha has no only_if to lower it
