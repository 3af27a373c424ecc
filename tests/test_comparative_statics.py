"""Comparative statics: tests of the theory, each a paired comparison with a 95% interval.

Both scenarios of a pair run the same worlds (same seed: common random numbers), so the per-world
difference of an event isolates the change. Each test asserts the sign the theory predicts with an
interval that excludes zero (or, for "no effect", an interval inside a small band around zero).

The talks tests use a variant of the two-party test scenario in which both principals always
attend (so attendance does not confound the talks), and both sides' red lines and outside options
are uncertain, so that a zone of agreement exists in some worlds and not in others.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulator.model.model import NegotiationModel
from tests.conftest import two_party

WORLDS = 20_000
LEADER = 3

#: Always at the table, at the level given by ``LEVEL``; red lines and outside options uncertain.
TALKS = (
    "parties.alpha.attendance.levels=[absent, minister]",
    "parties.beta.attendance.levels=[absent, minister]",
    "parties.alpha.attendance.initial.level=minister",
    "parties.beta.attendance.initial.level=minister",
    "parties.alpha.positions.ceasefire.red_line={uniform: [0.2, 0.7], assumption: test}",
    "parties.beta.positions.ceasefire.red_line={uniform: [0.3, 0.8], assumption: test}",
    "parties.alpha.positions.border.red_line={uniform: [0.3, 0.8], assumption: test}",
    "parties.beta.positions.border.red_line={uniform: [0.2, 0.7], assumption: test}",
    "parties.alpha.outside_option={uniform: [0.1, 0.5], assumption: test}",
    "protocol.walkout_hazard=0.02",
    "protocol.rounds=4",
    "protocol.deadline=6",
)


def records(*overrides: str, seed: int = 1) -> dict[str, np.ndarray]:
    return NegotiationModel(two_party(*overrides), worlds=WORLDS, rng=seed).run().records()


def paired(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Mean of ``b - a`` over the worlds and its 95% interval (normal, paired)."""
    d = b.astype(float) - a.astype(float)
    half = 1.96 * d.std(ddof=1) / np.sqrt(d.size)
    return float(d.mean()), float(d.mean() - half), float(d.mean() + half)


def agreed(rec: dict[str, np.ndarray]) -> np.ndarray:
    return rec["agreed.ceasefire"] | rec["agreed.border"]


def assert_raises(base: tuple[str, ...], change: tuple[str, ...], event=agreed) -> None:
    diff, lo, hi = paired(event(records(*base)), event(records(*base, *change)))
    assert lo > 0, f"expected a rise: {diff:+.4f} [{lo:+.4f}, {hi:+.4f}]"


def assert_lowers(base: tuple[str, ...], change: tuple[str, ...], event=agreed) -> None:
    diff, lo, hi = paired(event(records(*base)), event(records(*base, *change)))
    assert hi < 0, f"expected a fall: {diff:+.4f} [{lo:+.4f}, {hi:+.4f}]"


# --- time ---------------------------------------------------------------------------------------


def test_faster_concession_raises_agreement() -> None:
    faster = tuple(
        f"parties.{p}.positions.{i}.concession=3.0"
        for p in ("alpha", "beta")
        for i in ("ceasefire", "border")
    )
    assert_raises(TALKS, faster)


def test_more_rounds_before_the_deadline_raise_agreement() -> None:
    assert_raises(TALKS, ("protocol.rounds=6",))


def test_an_earlier_deadline_raises_agreement_within_the_meeting() -> None:
    assert_raises(TALKS, ("protocol.deadline=4",))


def test_a_walkout_hazard_lowers_agreement() -> None:
    assert_lowers(TALKS, ("protocol.walkout_hazard=0.2",))


# --- authority and mediation ----------------------------------------------------------------------


def test_more_authority_raises_agreement() -> None:
    assert_raises((*TALKS, "protocol.mandate.minister=0.2"), ("protocol.mandate.minister=0.9",))


def test_removing_the_mediator_lowers_agreement_and_never_raises_it() -> None:
    # A mediator's help is the trade across issues it finds: the issues form one package here, and
    # the sides weigh them differently (alpha the ceasefire, beta the border).
    package = (*TALKS, "protocol.agreement=package", "parties.beta.positions.border.salience=0.9")
    with_host = records(*package)
    without = records(
        *package, "parties.host.attendance.levels=[absent]", "parties.host.attendance.initial.level=absent"
    )
    assert without["talks.mediated"].sum() == 0 and with_host["talks.mediated"].mean() > 0.9
    both = with_host["talks.mediated"]  # worlds where the host did mediate in the first run
    diff, lo, hi = paired(agreed(with_host)[both], agreed(without)[both])
    assert hi < 0, f"{diff:+.4f} [{lo:+.4f}, {hi:+.4f}]"
    # World by world the mediator can lose a deal only at ratification (its text may leave a leader
    # less surplus than the plain split would): never at the table. tests/test_talks.py checks the
    # table world by world without ratification.
    at_table = ~(with_host["ratification.beta.rejected"] | with_host["ratification.alpha.rejected"])
    assert not np.any((agreed(without) & ~agreed(with_host))[both & at_table])


# --- outside options, ideals, red lines, threats -----------------------------------------------------


def test_a_worse_outside_option_for_alpha_raises_agreement() -> None:
    assert_raises(TALKS, ("parties.alpha.outside_option={uniform: [0.0, 0.3], assumption: test}",))


def test_a_worse_outside_option_for_beta_raises_agreement() -> None:
    assert_raises(TALKS, ("parties.beta.outside_option={uniform: [0.0, 0.2], assumption: test}",))


def test_closer_ideals_raise_agreement() -> None:
    assert_raises(
        TALKS, ("parties.alpha.positions.ceasefire.ideal=0.8", "parties.beta.positions.ceasefire.ideal=0.2")
    )


def test_overlapping_red_lines_raise_agreement() -> None:
    apart = (
        "parties.alpha.positions.ceasefire.red_line=0.7",
        "parties.beta.positions.ceasefire.red_line=0.3",
    )
    overlap = (
        "parties.alpha.positions.ceasefire.red_line=0.3",
        "parties.beta.positions.ceasefire.red_line=0.7",
    )
    _diff, lo, _ = paired(
        records(*TALKS, *apart)["agreed.ceasefire"], records(*TALKS, *overlap)["agreed.ceasefire"]
    )
    assert lo > 0.2 and records(*TALKS, *apart)["agreed.ceasefire"].sum() == 0


def test_a_more_credible_threat_against_beta_raises_agreement() -> None:
    # The patron threatens beta with sanctions if there is no ceasefire: believed, it lowers beta's
    # value of no deal, so more texts beat it.
    assert_raises(
        (*TALKS, "threats.patron_sanctions.credibility=0.0", "threats.patron_sanctions.severity=0.4"),
        ("threats.patron_sanctions.credibility=1.0",),
        event=lambda r: r["agreed.ceasefire"],
    )


def test_identical_ideals_make_agreement_about_as_likely_as_talks() -> None:
    same = (
        "parties.beta.positions.ceasefire.ideal=1.0",
        "parties.beta.positions.border.ideal=0.0",
        "parties.beta.positions.ceasefire.red_line=0.9",
        "parties.beta.positions.border.red_line=0.1",
        "protocol.walkout_hazard=0",
    )
    rec = records(*TALKS, *same)
    held = rec["talks.direct"]
    both = rec["agreed.ceasefire"] & rec["agreed.border"]
    _diff, lo, hi = paired(held, both)
    assert -0.01 < lo <= hi < 0.01 and held.mean() > 0.9


# --- attendance -----------------------------------------------------------------------------------


def test_a_higher_leader_cost_lowers_leader_attendance() -> None:
    base = ("parties.beta.attendance.leader_cost=0.05",)
    assert_lowers(
        base, ("parties.beta.attendance.leader_cost=0.5",), event=lambda r: r["level.beta"] == LEADER
    )


def test_more_choice_noise_spreads_attendance_away_from_the_best_level() -> None:
    # With almost no noise alpha always takes its best level (leader); noise sends it elsewhere.
    assert_lowers(
        ("protocol.choice_noise=0.01",),
        ("protocol.choice_noise=0.5",),
        event=lambda r: r["level.alpha"] == LEADER,
    )


@pytest.mark.parametrize("order", [["alpha", "beta", "patron", "host"], ["beta", "alpha", "host", "patron"]])
def test_announcement_order_does_not_decide_whether_a_promise_is_kept(order: list[str]) -> None:
    # Alpha promises to come as leader if beta's leader comes: kept in every world where he does,
    # whoever announced last (the final levels are settled together).
    promise = (
        "parties.alpha.attendance.commitments=[{kind: promise, level: leader, "
        "condition: {party: beta, level: leader}, audience_cost: {value: 0.6, assumption: test}, "
        "assumption: test}]",
        "parties.alpha.attendance.leader_cost=0.3",
        "parties.beta.attendance.leader_cost={uniform: [0.0, 0.6], assumption: test}",
        f"protocol.announcement_order=[{', '.join(order)}]",
    )
    rec = records(*promise)
    beta_leader = rec["level.beta"] == LEADER
    assert 0.05 < beta_leader.mean() < 0.95
    kept = (rec["level.alpha"] == LEADER)[beta_leader]
    assert kept.mean() > 0.97
