"""A campaign's memory of how meetings went: concession lines priced by a going-back cost (not a
ratchet), and the next meeting's chance by how the last one went (docs/model.md, "Campaigns",
rules 1 and 1b and "When meetings happen")."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from simulator.model.campaign import (
    COLLAPSED,
    IMPASSE,
    NOT_HELD,
    PROGRESS,
    _carry_over,
    meeting_went,
    next_probability,
    run_campaign,
)
from simulator.model.concessions import ConcessionLines, binding
from simulator.model.model import NegotiationModel
from simulator.model.protocols.offers import Offers
from simulator.model.protocols.packages import package_value
from simulator.scenario import events as ke
from simulator.scenario.events import Outcome
from simulator.scenario.load import load_scenario
from simulator.scenario.schema import Scenario

ROOT = Path(__file__).parents[1]
CAMPAIGN = ROOT / "scenarios" / "istanbul_2025_campaign.yaml"
WORLDS = 20_000  # the paired comparisons below: the shipped campaign, one parameter changed
SEED = 3


def without(scenario: Scenario, **drop: str) -> Scenario:
    """``scenario`` with the named optional campaign keys removed (``carry=...``, ``next_meeting=...``)."""
    data = scenario.model_dump(mode="json", exclude_none=True)
    for block, key in drop.items():
        data["campaign"][block].pop(key)
    return Scenario.model_validate(data)


# --- the going-back cost in a package's value (hand-computed) -----------------------------------


def value(
    x: list[list[float]], line: list[float], back: float, ideal: list[float] | None = None
) -> np.ndarray:
    ideal_ = np.array([ideal or [0.0, 0.2]])
    sal = np.array([[3.0, 1.0]])  # weights 0.75, 0.25
    red = np.array([[0.9 if ideal is None else 0.1, 1.0]])  # never crossed by the packages below
    aud = np.array([[0.5, 0.5]])
    return package_value(np.array([x]), ideal_, sal, red, aud, np.array([line]), np.array([back]))[0]


def test_a_package_asking_more_than_the_concession_line_costs_the_going_back_cost() -> None:
    # Ideal 0 on issue 1, offered 0.4 at an earlier meeting (the line); c_back = 0.2.
    v = value([[0.2, 0.2], [0.4, 0.2], [0.4 - 1e-12, 0.2], [0.6, 0.5]], [0.4, np.nan], 0.2)
    behind = 1 - 0.75 * 0.2 - 0.75 * 0.2  # utility 0.85 less w_1 * c_back = 0.15
    at = 1 - 0.75 * 0.4  # on the line: no cost
    beyond = 1 - 0.75 * 0.6 - 0.25 * 0.3  # further toward the other side: no cost
    assert np.allclose(v, [behind, at, at, beyond])
    # The side reversed: ideal 1, line 0.6; 0.8 asks more than the line, 0.5 does not.
    v = value([[0.8, 0.2], [0.5, 0.2]], [0.6, np.nan], 0.2, ideal=[1.0, 0.2])
    assert np.allclose(v, [1 - 0.75 * 0.2 - 0.75 * 0.2, 1 - 0.75 * 0.5])
    # No line (NaN, or none passed) is exactly the value without a campaign.
    x = np.array([[[0.2, 0.3], [0.7, 0.9]]])
    args = (np.array([[0.0, 0.2]]), np.array([[3.0, 1.0]]), np.array([[0.5, 1.0]]), np.array([[0.5, 0.1]]))
    plain = package_value(x, *args)
    assert np.array_equal(plain, package_value(x, *args, np.full((1, 2), np.nan), np.array([0.9])))
    assert np.allclose(plain, [1 - 0.75 * 0.2 - 0.25 * 0.1, 1 - 0.75 * 0.7 - 0.5 * 0.75 - 0.25 * 0.7])


# --- concession lines move only toward the other side -------------------------------------------


class Meeting:
    """A stand-in for a played meeting: the principals' ideals and the records the lines read."""

    def __init__(self, scenario: Scenario, ideal: dict[str, np.ndarray]) -> None:
        self.parties = {pid: SimpleNamespace(ideal=ideal[pid]) for pid in scenario.principals}
        self.scenario = scenario

    def records(self, held: list[bool], pos: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        rec: dict[str, np.ndarray] = {ke.TALKS_DIRECT.key(): np.array(held)}
        for pid in self.scenario.principals:
            for j, iid in enumerate(self.scenario.issues):
                rec[ke.POSITION.key(pid, iid)] = np.where(held, pos[pid][:, j], np.nan)
        return rec


def test_concession_lines_move_only_toward_the_other_side() -> None:
    scenario = load_scenario(CAMPAIGN)
    k = len(scenario.issues)
    ua, ru = scenario.principals
    # World 0: Kyiv's ideal 0 on issue 0 (concedes upward); world 1: ideal 1 (concedes downward).
    ideal = {ua: np.zeros((2, k)), ru: np.ones((2, k))}
    ideal[ua][1, 0] = 1.0
    meeting = Meeting(scenario, ideal)
    lines = ConcessionLines(scenario, 2)
    idx = np.arange(2)
    none = np.zeros((2, k), dtype=bool)

    def play(w0: float, w1: float, held: tuple[bool, bool] = (True, True), agreed: Any = none) -> np.ndarray:
        pos = {ua: ideal[ua].copy(), ru: ideal[ru].copy()}
        pos[ua][:, 0] = [w0, w1]
        lines.after(meeting, idx, meeting.records(list(held), pos), agreed)  # type: ignore[arg-type]
        return lines.line[ua][:, 0].copy()

    assert np.allclose(play(0.3, 0.7), [0.3, 0.7])  # first public concessions
    assert np.allclose(play(0.2, 0.8), [0.3, 0.7])  # asking more again does not move the line back
    assert np.allclose(lines.stance[ua][:, 0], [0.2, 0.8])  # though it is where it now stands
    assert np.allclose(play(0.5, 0.6), [0.5, 0.6])  # a further concession replaces it
    assert np.allclose(play(0.0, 1.0), [0.5, 0.6])  # no offer (at the ideal): no new line
    assert np.allclose(play(0.9, 0.1, held=(False, False)), [0.5, 0.6])  # no talks: nothing moves
    assert np.isnan(lines.line[ua][:, 1:]).all()  # never moved off its ideal there: no line
    assert np.isnan(lines.line[ru]).all()
    agreed = none.copy()
    agreed[0, 0] = True
    assert np.allclose(play(0.55, 0.6, agreed=agreed), [np.nan, 0.6], equal_nan=True)  # agreed: no line
    brought = lines.before(idx, np.array([0.1, 0.2]))
    assert np.array_equal(brought[ua][0], lines.line[ua], equal_nan=True) and np.allclose(
        brought[ua][1], [0.1, 0.2]
    )


def test_the_offers_protocol_prices_the_lines_it_is_given() -> None:
    scenario = load_scenario(CAMPAIGN)
    n = 300
    plain = NegotiationModel(scenario, worlds=n, rng=2)
    (p1, _), groups = Offers().prepare(plain)
    lined = NegotiationModel(scenario, worlds=n, rng=2)
    # Kyiv publicly offered the middle of every issue; going back costs 0.5.
    line = np.where(np.isnan(p1.ideal), np.nan, 0.5)
    lined.concessions = {p1.party_id: (line, np.full(n, 0.5))}
    (q1, q2), lgroups = Offers().prepare(lined)
    assert q1.line is not None and q2.line is None
    for g, lg in zip(groups, lgroups, strict=True):
        assert np.array_equal(g.value[1], lg.value[1])  # Moscow's values unchanged
        assert (lg.value[0] <= g.value[0] + 1e-12).all()  # a cost only lowers Kyiv's
        assert (lg.value[0] < g.value[0] - 1e-6).any()


def test_the_ratchet_stays_where_going_back_is_not_priced() -> None:
    shipped = load_scenario(CAMPAIGN)
    assert binding(shipped)  # the shipped campaign states the cost, under offers
    old = without(shipped, carry="going_back_cost")
    assert not binding(old)  # an older file: concessions ratchet, as before
    assert not binding(load_scenario(CAMPAIGN, ["protocol.kind=single_text"]))  # cannot price it
    # Priced: the ideals stay where they were (what a side wants has not changed).
    n = 1500
    model = NegotiationModel(shipped, worlds=n, rng=5).run()
    rec = model.records()
    vals = {k: np.array(v, dtype=float) for k, v in model.values.items()}
    before = {k: v.copy() for k, v in vals.items()}
    _carry_over(shipped, model, rec, vals, np.arange(n), ratchet=False)
    conceded = 0
    for pid in shipped.principals:
        for iid in shipped.issues:
            path = f"parties.{pid}.positions.{iid}.ideal"
            kept = ~rec[f"agreed.{iid}"]
            assert np.array_equal(vals[path][kept], before[path][kept], equal_nan=True)
            pos = rec[f"position.{pid}.{iid}"]
            conceded += int((rec["talks.direct"] & kept & (np.abs(pos - before[path]) > 1e-6)).sum())
    assert conceded > 0  # positions moved off the ideals in some worlds: the ratchet would move those
    cf = rec["agreed.ceasefire"]  # agreed issues still stay agreed
    assert cf.any() and np.allclose(
        vals["parties.russia.positions.ceasefire.ideal"][cf], rec["text.ceasefire"][cf]
    )


# --- the next meeting's chance by how the last one went (hand-computed) --------------------------


def test_how_a_meeting_went() -> None:
    rec = {
        ke.TALKS_DIRECT.key(): np.array([False, True, True, True, True, True]),
        ke.OUTCOME_COLUMN.key(): np.array(
            [
                Outcome.NO_TALKS,
                Outcome.COLLAPSE,
                Outcome.CONTINUE,
                Outcome.CONTINUE,
                Outcome.PARTIAL_AGREEMENT,
                Outcome.PARTIAL_AGREEMENT,
            ]
        ),
    }
    newly = np.array([False, False, False, False, True, False])
    before = np.full(6, 0.5)
    after = np.array(
        [0.5, 0.2, 0.5, 0.4, 0.5, 0.5]
    )  # world 3 narrowed the gap; world 5 re-agreed an old issue
    went = meeting_went(rec, newly, before, after)
    assert went.tolist() == [NOT_HELD, COLLAPSED, IMPASSE, PROGRESS, PROGRESS, IMPASSE]


def test_next_meeting_probability_by_how_the_last_went() -> None:
    went = np.array([NOT_HELD, COLLAPSED, IMPASSE, PROGRESS, PROGRESS])
    p = np.array([0.5, 0.5, 0.5, 0.5, 0.8])
    values = {
        "campaign.next_meeting.probability": p,
        "campaign.next_meeting.after_collapse": np.full(5, 0.2),
        "campaign.next_meeting.after_progress": np.full(5, 1.5),
        "campaign.next_meeting.after_impasse": np.full(5, 0.6),
    }
    assert np.allclose(next_probability(went, values), [0.5, 0.1, 0.3, 0.75, 1.0])  # capped at 1
    # An older campaign without the two factors: only a collapse changes the chance, as before.
    old = {k: v for k, v in values.items() if not k.endswith(("after_progress", "after_impasse"))}
    assert np.allclose(next_probability(went, old), [0.5, 0.1, 0.5, 0.5, 0.8])


def test_an_older_campaign_file_still_loads_and_runs() -> None:
    old = without(load_scenario(CAMPAIGN), carry="going_back_cost", next_meeting="after_progress")
    old = without(old, next_meeting="after_impasse")
    assert not any("going_back" in p or "after_progress" in p for p in old.parameter_slots())
    rec = run_campaign(old, worlds=400, rng=1)
    assert rec["campaign.meetings"].max() >= 2


# --- the shipped campaign, one parameter changed, paired (common random numbers) -----------------


@cache
def played(*sets: str) -> dict[str, np.ndarray]:
    return run_campaign(load_scenario(CAMPAIGN, list(sets)), worlds=WORLDS, rng=SEED)


@cache
def ratchet() -> dict[str, np.ndarray]:
    return run_campaign(without(load_scenario(CAMPAIGN), carry="going_back_cost"), worlds=WORLDS, rng=SEED)


def paired(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """The mean of ``b - a`` per world and the half-width of its 95% interval."""
    d = b.astype(float) - a.astype(float)
    return float(d.mean()), float(1.96 * d.std(ddof=1) / np.sqrt(d.size))


def ceasefire_by_horizon(rec: dict[str, np.ndarray]) -> np.ndarray:
    return np.asarray(rec["day.agreement.ceasefire"] <= load_scenario(CAMPAIGN).campaign.horizon_day)


@pytest.mark.slow
def test_a_larger_going_back_cost_changes_the_dated_ceasefire() -> None:
    # Theory gives no sign: a cost of going back commits a side to its concessions (its offers do
    # not retreat: more agreement) but also takes away packages it would sign once the war has
    # moved its way (fewer). Here the second wins: the ceasefire by 31 December falls.
    diff, half = paired(
        ceasefire_by_horizon(played("campaign.carry.going_back_cost=0")),
        ceasefire_by_horizon(played("campaign.carry.going_back_cost=1")),
    )
    assert abs(diff) > half, f"going-back cost 0 -> 1 moved the ceasefire by {diff:+.5f} +- {half:.5f}"


@pytest.mark.slow
def test_a_free_going_back_is_not_the_old_ratchet() -> None:
    # Cost 0: each meeting's offers leave what a side wants where it was. The ratchet moves its
    # ideal to its last offer: it then values every package toward the other side more, the
    # zone of agreement widens meeting after meeting, and more ceasefires are signed.
    diff, half = paired(
        ceasefire_by_horizon(played("campaign.carry.going_back_cost=0")), ceasefire_by_horizon(ratchet())
    )
    assert diff > half, f"ratchet against a free going back: {diff:+.5f} +- {half:.5f}"


@pytest.mark.slow
def test_a_higher_after_progress_factor_raises_the_chance_of_meeting_2() -> None:
    base = ~np.isnan(played()["day.meeting.2"])
    more = ~np.isnan(played("campaign.next_meeting.after_progress=2")["day.meeting.2"])
    diff, half = paired(base, more)
    assert diff > half, f"after_progress 2: meeting 2 by {diff:+.5f} +- {half:.5f}"
    assert not (base & ~more).any()  # the same draws: no world loses its second meeting
