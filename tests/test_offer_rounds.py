"""The offers protocol's round-by-round trace (``protocols/rounds.py``): it changes nothing the
model produces, and what it reports agrees with what the model recorded (notebook 06 reads it)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simulator import NegotiationModel, load_scenario
from simulator.model.protocols.offers import Offers
from simulator.model.protocols.rounds import OfferRound
from simulator.scenario.events import TALKS_ENDS

ROOT = Path(__file__).parents[1]
WORLDS = 300


@pytest.fixture(scope="module")
def traced() -> tuple[NegotiationModel, dict[str, np.ndarray], list[OfferRound]]:
    model = NegotiationModel(load_scenario(ROOT / "scenarios" / "istanbul_2025.yaml"), worlds=WORLDS, rng=0)
    assert isinstance(model.protocol, Offers)
    steps: list[OfferRound] = []
    model.protocol.trace = steps.append
    return model, model.run().records(), steps


def test_a_trace_changes_nothing_the_model_produces(
    traced: tuple[NegotiationModel, dict[str, np.ndarray], list[OfferRound]],
) -> None:
    model, with_trace, steps = traced
    plain = NegotiationModel(model.spec, worlds=WORLDS, rng=0).run().records()
    assert steps and plain.keys() == with_trace.keys()
    for key, values in plain.items():
        assert np.array_equal(values, with_trace[key], equal_nan=True), key


def test_the_trace_agrees_with_the_records(
    traced: tuple[NegotiationModel, dict[str, np.ndarray], list[OfferRound]],
) -> None:
    model, rec, steps = traced
    held = np.flatnonzero(rec["talks.direct"])
    # The last round traced in a world is the last round held there.
    last = np.zeros(WORLDS, dtype=int)
    for s in steps:
        last[s.rows] = np.maximum(last[s.rows], s.round)
        assert s.sides == tuple(model.spec.principals)
        assert s.proposer == (0 if s.round % 2 else 1)  # the first principal proposes in odd rounds
    assert np.array_equal(last[held], rec["rounds"][held])
    assert not last[rec["talks.direct"] == 0].any()  # no talks, no rounds
    # Every world that agreed has, in its round of agreement, an accepted offer or mediator's text.
    agreed = np.flatnonzero(rec["talks.end"] == TALKS_ENDS.index("agreed"))
    assert agreed.size
    for w in agreed:
        r = int(rec["talks.agreed_round"][w])
        hits = [s for s in steps if s.round == r and s.at(w) is not None]
        assert any(s.accepted[s.at(w)] or s.mediator_agreed[s.at(w)] for s in hits), w  # type: ignore[index]


def test_a_rejection_raises_what_the_proposer_believes_and_nothing_else_moves(
    traced: tuple[NegotiationModel, dict[str, np.ndarray], list[OfferRound]],
) -> None:
    _, _, steps = traced
    raised = 0
    for s in steps:
        rejected = (s.offer >= 0) & ~s.accepted
        p, q = s.proposer, 1 - s.proposer
        (lo0, hi0), (lo1, hi1) = s.believed[p], s.learnt[p]
        assert np.all(lo1 >= lo0) and np.array_equal(hi0, hi1) and np.all(lo1 <= hi1)
        assert np.array_equal(lo1[~rejected], lo0[~rejected])  # learning only from a rejection
        raised += int((lo1 > lo0).sum())
        assert all(np.array_equal(a, b) for a, b in zip(s.believed[q], s.learnt[q], strict=True))
        assert not (s.accepted & (s.offer < 0)).any()  # only a tabled offer is accepted
        assert not (s.offer[s.hopeless] >= 0).any()  # a closed group gets no offer
    assert raised > 0


def test_offer_in_reads_one_world() -> None:
    step = OfferRound(
        1,
        0,
        ("a", "b"),
        0,
        np.array([3, 7]),
        (np.zeros(2), np.zeros(2)),
        (np.zeros(2), np.zeros(2)),
        ((np.zeros(2), np.ones(2)), (np.zeros(2), np.ones(2))),
        np.array([-1, 4]),
        np.array([False, False]),
        np.array([12, -1]),
        np.array([True, False]),
        ((np.zeros(2), np.ones(2)), (np.zeros(2), np.ones(2))),
        np.array([False, False]),
    )
    assert step.at(7) == 1 and step.at(5) is None
    assert step.offer_in(3) == 12 and step.offer_in(7) == -1 and step.offer_in(5) == -1
