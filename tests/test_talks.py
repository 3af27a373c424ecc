"""The single-text talks procedure: hand-computed rounds and per-world monotonicity."""

import numpy as np
import pytest

from simulator.model.protocols.sides import Rules, Side, aspiration, groups_of
from simulator.model.protocols.single_text import bargain


def streams(seed: int = 0):
    cache: dict[str, np.ndarray] = {}

    def uniform(name: str, n: int) -> np.ndarray:
        if name not in cache:
            cache[name] = np.random.default_rng([seed, abs(hash(name)) % 2**32]).uniform(size=n)
        return cache[name]

    return uniform


def side(pid, ideal, red, sal, n=1, e=1.0, b=0.3, power=1.0, mandate=1.0) -> Side:
    def col(v):
        return np.broadcast_to(np.asarray(v, dtype=float), (n, len(ideal))).copy()

    def one(v):
        return np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy()

    return Side(pid, col(ideal), col(red), col(sal), col(e), one(b), one(power), one(mandate))


def rules(k=1, rounds=6, deadline=None, separable=None, hazard=0.0, margin=0.1, noise=0.05) -> Rules:
    sep = np.zeros(k, dtype=bool) if separable is None else np.asarray(separable)
    return Rules(rounds, deadline or rounds, sep, np.asarray(margin), np.asarray(hazard), np.asarray(noise))


def test_symmetric_issue_agrees_at_the_middle_in_the_round_hand_computed() -> None:
    # a(t) = 0.3 + 0.7 (1 - t/6) <= 0.5 first at t = 5 (t >= 30/7 = 4.29).
    a, b = side("a", [0.0], [1.0], [1.0]), side("b", [1.0], [0.0], [1.0])
    r = bargain((a, b), np.array([True]), np.array([True]), rules(), streams())
    assert r.agreed.tolist() == [[True]]
    assert r.text[0, 0] == pytest.approx(0.5)
    assert r.rounds.tolist() == [5]
    assert r.zopa.tolist() == [[True]]


def test_aspiration_falls_from_one_to_the_reservation_value_by_the_deadline() -> None:
    s = side("a", [0.0], [1.0], [1.0], b=0.4)
    e = np.array([2.0])
    assert aspiration(s, 0, 4, e)[0] == pytest.approx(1.0)
    assert aspiration(s, 1, 4, e)[0] == pytest.approx(0.4 + 0.6 * (1 - 0.25**0.5))
    assert aspiration(s, 4, 4, e)[0] == pytest.approx(0.4)
    assert aspiration(s, 9, 4, e)[0] == pytest.approx(0.4)


def test_no_zone_of_agreement_ends_the_talks_after_one_exchange() -> None:
    a = side("a", [0.0], [1.0], [1.0], b=0.6)
    b = side("b", [1.0], [0.0], [1.0], b=0.6)
    r = bargain((a, b), np.array([True]), np.array([True]), rules(margin=0.05), streams())
    assert r.agreed.tolist() == [[False]]
    assert r.rounds.tolist() == [1]
    assert r.zopa.tolist() == [[False]]
    # The text (0.5) is worth 0.5 to each, below 0.6 - 0.05: both walk out.
    assert r.walked["a"].tolist() == [True] and r.walked["b"].tolist() == [True]


def test_talks_not_held_produce_nothing() -> None:
    a, b = side("a", [0.0], [1.0], [1.0]), side("b", [1.0], [0.0], [1.0])
    r = bargain((a, b), np.array([False]), np.array([True]), rules(), streams())
    assert r.agreed.tolist() == [[False]] and r.rounds.tolist() == [0]
    assert np.isnan(r.text).all()


def test_separable_issue_can_be_agreed_alone() -> None:
    # Red lines never overlap on issue 0; issue 1 (separable, low stakes) has a zone.
    a = side("a", [0.0, 0.0], [0.2, 1.0], [1.0, 0.2])
    b = side("b", [1.0, 1.0], [0.8, 0.0], [1.0, 0.2])
    r = bargain((a, b), np.array([True]), np.array([True]), rules(k=2, separable=[False, True]), streams())
    assert r.agreed.tolist() == [[False, True]]
    assert groups_of(np.array([False, True]))[1].tolist() == [1]


def random_sides(n: int, seed: int, mandate=1.0):
    rng = np.random.default_rng(seed)
    k = 3
    a = Side(
        "a",
        rng.uniform(0, 0.3, (n, k)),
        rng.uniform(0.3, 1.0, (n, k)),
        rng.uniform(0.2, 1, (n, k)),
        rng.uniform(0.3, 3, (n, k)),
        rng.uniform(0.1, 0.6, n),
        rng.uniform(0.2, 1, n),
        np.broadcast_to(mandate, (n,)).astype(float),
    )
    b = Side(
        "b",
        rng.uniform(0.7, 1, (n, k)),
        rng.uniform(0.0, 0.7, (n, k)),
        rng.uniform(0.2, 1, (n, k)),
        rng.uniform(0.3, 3, (n, k)),
        rng.uniform(0.1, 0.6, n),
        rng.uniform(0.2, 1, n),
        np.broadcast_to(mandate, (n,)).astype(float),
    )
    return a, b


def test_a_mediator_never_makes_agreement_less_likely_in_any_world() -> None:
    n = 20_000
    a, b = random_sides(n, 1)
    held = np.ones(n, dtype=bool)
    r = rules(k=3, hazard=0.05)
    med = bargain((a, b), held, np.ones(n, dtype=bool), r, streams())
    plain = bargain((a, b), held, np.zeros(n, dtype=bool), r, streams())
    assert not np.any(plain.agreed & ~med.agreed)
    assert med.agreed.mean() > plain.agreed.mean()


def test_more_authority_never_lowers_agreement_in_any_world() -> None:
    n = 20_000
    held, med = np.ones(n, dtype=bool), np.ones(n, dtype=bool)
    r = rules(k=3)
    low = bargain(random_sides(n, 2, mandate=0.2), held, med, r, streams())
    high = bargain(random_sides(n, 2, mandate=0.8), held, med, r, streams())
    assert not np.any(low.agreed & ~high.agreed)
    assert high.agreed.mean() > low.agreed.mean()
    assert low.referred["a"].any() and low.rejected["a"].any()


def test_rounds_deadline_speed_and_hazard_each_move_agreement() -> None:
    n = 20_000
    a, b = random_sides(n, 3)
    held, med = np.ones(n, dtype=bool), np.ones(n, dtype=bool)

    def share(a=a, b=b, **kw) -> float:
        return bargain((a, b), held, med, rules(k=3, **kw), streams()).agreed.all(axis=1).mean()

    base = share(rounds=4, deadline=8)
    assert share(rounds=8, deadline=8) > base  # more exchanges before the meeting ends
    assert share(rounds=4, deadline=5) > base  # an earlier deadline: faster concessions
    fast = [
        Side(s.party_id, s.ideal, s.red_line, s.salience, s.concession * 3, s.reservation, s.power, s.mandate)
        for s in (a, b)
    ]
    assert share(a=fast[0], b=fast[1], rounds=4, deadline=8) > base
    assert share(rounds=4, deadline=8, hazard=0.2) < base


def test_no_text_is_agreed_that_is_worth_less_than_no_deal_or_crosses_a_red_line() -> None:
    n = 20_000
    a, b = random_sides(n, 4)
    r = bargain((a, b), np.ones(n, dtype=bool), np.ones(n, dtype=bool), rules(k=3), streams())
    ok = r.agreed.all(axis=1)
    for s in (a, b):
        u = ((1 - np.abs(r.text - s.ideal)) * s.salience).sum(axis=1) / s.salience.sum(axis=1)
        assert np.all(u[ok] >= s.reservation[ok] - 1e-9)
        direction = np.sign(s.red_line - s.ideal)
        beyond = (r.text - s.red_line) * direction
        assert np.all(beyond[ok] <= 1e-9)
