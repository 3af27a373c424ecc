"""The offers protocol's shortcuts give the same numbers as the formulas they replace, bit for bit.

Issue #19 made the offers protocol faster without changing any result: the contract curve and
package values computed in place, one-issue sums without NumPy's reduction, the common prior
drawn once per scenario, the history built only when asked, masks applied only where they mask
something. Each test here sets a shortcut against the plain formula (or the state it replaces).
"""

from __future__ import annotations

import numpy as np

from simulator.model.bargaining import EPS, Zone
from simulator.model.model import NegotiationModel
from simulator.model.protocols import offers
from simulator.model.protocols.moves import best_offer, expected_surplus
from simulator.model.protocols.packages import _issue_sum, contract_curve
from tests.conftest import two_party


def bits(a: np.ndarray) -> np.ndarray:
    """The bit patterns of a float array (so -0.0 and 0.0, or two NaNs, are told apart)."""
    return np.ascontiguousarray(a, dtype=float).view(np.int64)


def curve_by_the_formula(
    ideal1: np.ndarray, sal1: np.ndarray, ideal2: np.ndarray, sal2: np.ndarray, points: int
) -> np.ndarray:
    """The contract curve as written before issue #19 (nested ``np.where``, ``nan_to_num``)."""
    open1 = np.where(np.isnan(ideal2), ideal1, ideal2)
    open2 = np.where(np.isnan(ideal1), ideal2, ideal1)
    zone = Zone.build(ideal1, sal1, open1, ideal2, sal2, open2)
    u1 = zone.u1
    f = np.linspace(0.0, 1.0, points)
    target = u1[:, :1] - f[None, :] * (u1[:, :1] - u1[:, -1:])
    seg = (u1[:, 1:-1][:, None, :] >= target[..., None] - EPS).sum(axis=-1)
    hi = np.take_along_axis(u1, seg, axis=1)
    lo = np.take_along_axis(u1, seg + 1, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.clip(np.nan_to_num((hi - target) / (hi - lo), nan=0.0, posinf=0.0, neginf=0.0), 0.0, 1.0)
    t = np.where(np.abs(hi - lo) > EPS, t, f[None, :])
    rank, j, tt = zone.rank[:, None, :], seg[..., None], t[..., None]
    zlo, zhi = zone.zlo[:, None, :], zone.zhi[:, None, :]
    z = np.where(rank < j, zhi, np.where(rank == j, zlo + tt * (zhi - zlo), zlo))
    return np.asarray(zone.start[:, None, :] + zone.step[:, None, :] * z)


def test_the_contract_curve_in_place_is_the_formula_bit_for_bit() -> None:
    # Random worlds of 1 to 6 issues, with missing ideals, equal ideals and zero saliences.
    rng = np.random.default_rng(19)
    for trial in range(120):
        n, k = int(rng.integers(1, 40)), int(rng.integers(1, 7))
        ideal1, ideal2 = rng.random((n, k)), rng.random((n, k))
        ideal1[rng.random((n, k)) < 0.1] = np.nan
        ideal2[rng.random((n, k)) < 0.1] = np.nan
        if trial % 4 == 0:
            ideal2 = ideal1.copy()
        sal1, sal2 = rng.random((n, k)), rng.random((n, k))
        sal1[rng.random((n, k)) < 0.1] = 0.0
        points = int(rng.choice([3, 41]))
        with np.errstate(all="ignore"):
            want = curve_by_the_formula(ideal1, sal1, ideal2, sal2, points)
            got = contract_curve(ideal1, sal1, ideal2, sal2, points=points)
        assert got.shape == want.shape
        assert np.array_equal(bits(got), bits(want)), f"trial {trial}: {n} worlds, {k} issues"


def test_a_one_issue_sum_is_numpys_sum_bit_for_bit() -> None:
    # NumPy's sum turns -0.0 into 0.0 and keeps nan and inf; so must the shortcut.
    a = np.array([[[-0.0], [0.0], [np.nan], [-np.inf], [np.inf], [0.25], [-5e-324]]])
    assert np.array_equal(bits(_issue_sum(a)), bits(a.sum(axis=-1)))
    b = np.random.default_rng(1).normal(size=(50, 41, 3))
    assert np.array_equal(bits(_issue_sum(b)), bits(b.sum(axis=-1)))  # several issues: NumPy's own


def test_masks_are_applied_only_where_they_mask_the_same_numbers() -> None:
    rng = np.random.default_rng(2)
    p, surplus = rng.random((30, 41)), rng.normal(size=(30, 41))
    every = np.ones((30, 41), dtype=bool)
    assert np.array_equal(bits(expected_surplus(p, surplus)), bits(expected_surplus(p, surplus, every)))
    surplus[3, 5] = -np.inf  # a hard red line: -inf however unlikely acceptance is
    assert expected_surplus(p, surplus)[3, 5] == -np.inf
    value, b, c = rng.random((30, 41)), rng.random(30) * 0.5, rng.random(30) * 0.1
    best, gain = best_offer(p, value, b, c)
    best_all, gain_all = best_offer(p, value, b, c, every)
    assert np.array_equal(best, best_all) and np.array_equal(bits(gain), bits(gain_all))


def test_the_common_prior_is_drawn_once_per_scenario_and_shared_read_only() -> None:
    scenario = two_party()
    first = NegotiationModel(scenario, worlds=20, rng=1)
    second = NegotiationModel(scenario, worlds=30, rng=2)
    prior = offers._prior_reservations(first)
    assert offers._prior_reservations(second) is prior  # the same scenario: not drawn again
    fresh = offers._draw_prior(second)
    assert prior.keys() == fresh.keys()
    for pid in prior:
        assert np.array_equal(bits(prior[pid]), bits(fresh[pid]))
        assert not prior[pid].flags.writeable
    other = two_party("protocol.rounds=4")  # another scenario object: its own prior
    assert offers._prior_reservations(NegotiationModel(other, worlds=5, rng=1)) is not prior


def test_the_history_built_when_asked_ends_where_the_talks_end() -> None:
    # Each round's state is kept and its positions built on demand; after the last round they
    # are the final positions, wherever no leader refused the deal (a refusal undoes it after).
    model = NegotiationModel(two_party(), worlds=400, rng=3).run()
    talks = model.talks
    assert talks is not None
    kept = ~np.logical_or.reduce([v for v in talks.rejected.values()])
    for pid in talks.positions:
        history = model.parties[pid].history
        assert len(history) == int(talks.rounds.max()) > 1
        assert np.array_equal(history[-1][kept], talks.positions[pid][kept], equal_nan=True)
        assert history[0] is not history[-1] and history[0].shape == talks.positions[pid].shape
