"""Nash bargaining between principals and the compromise (weighted mean / median) baselines."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from simulator.model.protocols.compromise import weighted_mean, weighted_median
from simulator.model.protocols.nash import nash_bargaining


def test_one_issue_two_principals_split_the_surplus_by_power():
    # Ideals 0 and 1: u1 + u2 = 1 on the frontier; surplus 1 - 0.2 - 0.1 = 0.7; u1 = 0.2 + 0.7 / 4.
    result = nash_bargaining(np.array([[0.0, 1.0]]), 1.0, [0.2, 0.1], [1.0, 3.0])
    assert result.exists.tolist() == [True]
    assert result.utilities[0] == pytest.approx([0.375, 0.625])
    assert result.package[0] == pytest.approx([0.625])


def test_no_zone_of_agreement():
    result = nash_bargaining(np.array([[0.0, 1.0], [0.0, 1.0]]), 1.0, [[0.6, 0.5], [0.5, 0.4]], [1.0, 1.0])
    assert result.exists.tolist() == [False, True]
    assert np.isnan(result.package[0]).all()
    assert result.package[1] == pytest.approx([0.45])


def test_two_issues_logroll_at_a_vertex():
    # Principal 1 cares about issue 0, principal 2 about issue 1: each gets its own issue.
    ideals = np.array([[[0.0, 0.0], [1.0, 1.0]]])
    salience = np.array([[[0.9, 0.1], [0.1, 0.9]]])
    result = nash_bargaining(ideals, salience, [0.0, 0.0], [1.0, 1.0])
    assert result.package[0] == pytest.approx([0.0, 1.0])
    assert result.utilities[0] == pytest.approx([0.9, 0.9])


def _grid_best(a, s, d, w, points=41):
    grid = np.array(list(itertools.product(np.linspace(0, 1, points), repeat=a.shape[1])))
    s = s / s.sum(axis=1, keepdims=True)
    u = (s[None] * (1 - np.abs(grid[:, None, :] - a[None]))).sum(axis=2)
    ok = (u > d).all(axis=1)
    return np.where(ok, (w * np.log(np.where(ok[:, None], u - d, 1.0))).sum(axis=1), -np.inf).max()


@pytest.mark.slow
def test_closed_form_beats_a_grid_for_two_principals_and_three_issues():
    rng = np.random.default_rng(0)
    a, s = rng.uniform(size=(60, 2, 3)), rng.uniform(size=(60, 2, 3))
    d, w = rng.uniform(0.0, 0.8, size=(60, 2)), rng.uniform(0.2, 2.0, size=(60, 2))
    result = nash_bargaining(a, s, d, w)
    for i in range(60):
        best = _grid_best(a[i], s[i], d[i], w[i])
        if not result.exists[i]:
            assert best == -np.inf
            continue
        mine = (w[i] * np.log(result.utilities[i] - d[i])).sum()
        assert mine >= best - 1e-9


def test_one_issue_many_principals_beats_a_grid_and_batches():
    rng = np.random.default_rng(1)
    a, d, w = (
        rng.uniform(size=(50, 4)),
        rng.uniform(0.0, 0.5, size=(50, 4)),
        rng.uniform(0.2, 2, size=(50, 4)),
    )
    result = nash_bargaining(a, 1.0, d, w)
    for i in range(50):
        best = _grid_best(a[i][:, None], np.ones((4, 1)), d[i], w[i], points=2001)
        if result.exists[i]:
            assert (w[i] * np.log(result.utilities[i] - d[i])).sum() >= best - 1e-9
        else:
            assert best == -np.inf
    again = nash_bargaining(np.tile(a[:1], (5, 1)), 1.0, np.tile(d[:1], (5, 1)), w[0])
    np.testing.assert_array_equal(again.package, np.tile(result.package[:1], (5, 1)))


def test_weighted_mean_and_median():
    x = np.array([[4.0, 7.0, 10.0], [0.0, 1.0, 1.0]])
    c, s = np.array([1.0, 1.0, 2.0]), np.array([[1.0, 1.0, 0.5], [1.0, 1.0, 0.0]])
    assert weighted_mean(x, c, s) == pytest.approx([7.0, 0.5])
    assert weighted_median(x, c, s).tolist() == [7.0, 0.0]
    issues = np.stack([x, x], axis=2)
    assert weighted_mean(issues, c, np.stack([s, s], axis=2)).shape == (2, 2)
