"""Decision rules, checked against hand-computed cases (Nice weights, double majority, co-decision)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simulator.model.rules import (
    NICE_WEIGHTS,
    POPULATION_2015,
    accepts_over_reversion,
    adopted_or_reversion,
    agenda_setter,
    all_bodies,
    decide,
    double_majority,
    qualified_majority,
    simple_majority,
)
from simulator.scenario.rules import Body, DecisionRule

SLICE = Path(__file__).parent / "data" / "deu3_slice.tsv"
EU27 = [s for s in NICE_WEIGHTS if s != "cr"]  # the EU-27 of 2007-2013: 345 votes


def test_nice_weights_total_345_for_eu27() -> None:
    assert sum(NICE_WEIGHTS[s] for s in EU27) == 345


def test_qmv_nice_threshold_255_of_345_by_hand() -> None:
    w = np.array([NICE_WEIGHTS[s] for s in EU27], float)
    # Everyone but DE, FR, IT (87 votes) accepts: 258 >= 255, and 24 of 27 states: adopted.
    accepts = np.array([s not in ("de", "fr", "it") for s in EU27])
    assert qualified_majority(accepts, w, 255 / 345, count_threshold=0.5)
    # Add UK to the rejecters: 229 < 255, blocked although 23 states accept.
    accepts2 = np.array([s not in ("de", "fr", "it", "uk") for s in EU27])
    assert not qualified_majority(accepts2, w, 255 / 345, count_threshold=0.5)
    # The six largest accept (170 votes): weight short and only 6 of 27 states.
    big = np.array([s in ("de", "fr", "it", "uk", "es", "pl") for s in EU27])
    assert not qualified_majority(big, w, 255 / 345, count_threshold=0.5)


def test_qmv_count_criterion_binds() -> None:
    # Two members with 9 and 1 votes, threshold 0.7: the big one alone has the weight but not 60% of members.
    w = np.array([9.0, 1.0])
    assert qualified_majority([True, False], w, 0.7)
    assert not qualified_majority([True, False], w, 0.7, count_threshold=0.6)


def test_double_majority_by_hand() -> None:
    states = list(POPULATION_2015)  # 28 states
    pop = np.array([POPULATION_2015[s] for s in states])
    # DE, FR, UK, IT reject: 24 of 28 states accept (86% >= 55%); population 63.8% < 65%, and four
    # states reject (a blocking minority): not adopted.
    rejecters = {"de", "fr", "uk", "it"}
    accepts = np.array([s not in rejecters for s in states])
    share = pop[accepts].sum() / pop.sum()
    assert share < 0.65
    assert not double_majority(accepts, pop)
    # Only three large states reject: the population criterion fails, but three are no blocking minority.
    accepts3 = np.array([s not in {"de", "fr", "uk"} for s in states])
    assert pop[accepts3].sum() / pop.sum() < 0.65
    assert double_majority(accepts3, pop)
    # 15 smallest states accept: 54% of states (< 55%): not adopted.
    order = np.argsort(pop)
    small = np.zeros(len(states), bool)
    small[order[:15]] = True
    assert 15 / 28 < 0.55 and not double_majority(small, pop)


def test_simple_majority_and_codecision() -> None:
    assert simple_majority([True, True, False])
    assert not simple_majority([True, False])
    council = np.array([True, False, True])
    parliament = np.array([True, True, False])
    assert list(all_bodies(council, parliament)) == [True, False, False]


def test_reversion_holds_without_agreement() -> None:
    out = adopted_or_reversion([True, False, False], [40.0, 40.0, 40.0], [10.0, 10.0, np.nan])
    assert list(out) == [40.0, 10.0, 40.0]
    acc = accepts_over_reversion(np.array([[0.0, 50.0, 100.0]]), np.array([40.0]), np.array([0.0]))
    assert acc.tolist() == [[False, True, True]]


def test_agenda_setter_by_hand() -> None:
    # Three voters at 20, 50, 80; reversion 0; simple majority. The pivot (50) accepts texts up to 100,
    # so a setter at 90 gets 90; a setter at 100 gets 100 (50 is indifferent between 100 and 0).
    ideals = np.array([20.0, 50.0, 80.0])
    assert agenda_setter(np.array(90.0), ideals, np.array(0.0), simple_majority) == pytest.approx(90.0)
    # Reversion at 70: voters at 80 and 50 both prefer anything in [30, 70] to 70... the median voter
    # (50) accepts [30, 70]; a setter at 10 gets 30.
    assert agenda_setter(np.array(10.0), ideals, np.array(70.0), simple_majority) == pytest.approx(30.0)

    # Under unanimity the voter at 80 accepts only [70, 90]: a setter at 10 gets the reversion's 70.
    def unanimous(a: np.ndarray) -> np.ndarray:
        return np.asarray(a.all(axis=-1))

    assert agenda_setter(np.array(10.0), ideals, np.array(70.0), unanimous) == pytest.approx(70.0)
    # No reversion point: the setter gets its ideal.
    assert agenda_setter(np.array(10.0), ideals, np.array(np.nan), unanimous) == pytest.approx(10.0)


def test_decide_with_scenario_rule() -> None:
    council = Body(
        members=["a", "b", "c"],
        vote="qualified_majority",
        weights={"a": 5, "b": 3, "c": 2},
        threshold=0.7,
        assumption="test",
    )
    parliament = Body(members=["ep"], vote="simple_majority", assumption="test")
    rule = DecisionRule(kind="bodies", bodies={"council": council, "parliament": parliament})
    yes, no = np.array([True]), np.array([False])
    assert decide(rule, {"a": yes, "b": no, "c": yes, "ep": yes}, [])[0]  # 7 of 10
    assert not decide(rule, {"a": no, "b": yes, "c": yes, "ep": yes}, [])[0]  # 5 of 10
    assert not decide(rule, {"a": yes, "b": yes, "c": yes, "ep": no}, [])[0]  # Parliament rejects
    default = DecisionRule()
    assert not decide(default, {"x": yes, "y": no}, ["x", "y"])[0]


def test_body_needs_weights_for_every_member() -> None:
    with pytest.raises(ValueError, match="every member"):
        Body(
            members=["a", "b"], vote="qualified_majority", weights={"a": 1}, threshold=0.5, assumption="test"
        )


def test_model_applies_the_scenario_rule(tmp_path: Path) -> None:
    """An imported DEU scenario runs through the model; its Council rule can block a text (with no
    agenda setter to redraft it)."""
    from simulator.cli import main
    from simulator.model.model import NegotiationModel
    from simulator.scenario.load import load_scenario

    assert main(["import", "deu3", str(SLICE), "--out", str(tmp_path)]) == 0
    scenario = load_scenario(tmp_path / "d00060.yaml")
    rule = scenario.protocol.rule.model_copy(update={"agenda_setter": None})
    scenario = scenario.model_copy(update={"protocol": scenario.protocol.model_copy(update={"rule": rule})})
    ruled = NegotiationModel(scenario, worlds=64, rng=1).run()
    plain_spec = scenario.model_copy(
        update={"protocol": scenario.protocol.model_copy(update={"rule": DecisionRule()})}
    )
    plain = NegotiationModel(plain_spec, worlds=64, rng=1).run()
    a, b = ruled.records()["agreed.d00060i2"], plain.records()["agreed.d00060i2"]
    assert not np.any(a & ~b)  # the rule only ever removes agreements
    assert a.sum() < b.sum()


def test_the_agenda_setter_drafts_the_text_the_bodies_vote_on(tmp_path: Path) -> None:
    """``protocol.rule.agenda_setter`` is read by the model: a text the rule would reject is
    redrafted into the nearest adoptable one (the DEU forecast's path), so no agreement is lost."""
    from simulator.cli import main
    from simulator.model.model import NegotiationModel
    from simulator.scenario.load import load_scenario

    assert main(["import", "deu3", str(SLICE), "--out", str(tmp_path)]) == 0
    scenario = load_scenario(tmp_path / "d00060.yaml")
    assert scenario.protocol.rule.agenda_setter is not None
    rule = scenario.protocol.rule.model_copy(update={"agenda_setter": None})
    plain_spec = scenario.model_copy(update={"protocol": scenario.protocol.model_copy(update={"rule": rule})})
    drafted = NegotiationModel(scenario, worlds=64, rng=1).run().records()
    plain = NegotiationModel(plain_spec, worlds=64, rng=1).run().records()
    issues = list(scenario.issues)
    a = np.stack([drafted[f"agreed.{i}"] for i in issues])
    b = np.stack([plain[f"agreed.{i}"] for i in issues])
    assert not np.any(b & ~a)  # the setter only ever saves a text the rule would have rejected
    assert a.sum() > b.sum()
    moved = np.stack([drafted[f"text.{i}"] != plain[f"text.{i}"] for i in issues]) & a & ~b
    assert moved.any()
