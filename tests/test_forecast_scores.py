"""Proper scores for continuous forecasts, checked on cases small enough to compute by hand."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from simulator.analysis.forecast_scores import (
    BLOCK_KEYS,
    central_interval,
    coverage,
    crps_ensemble,
    crps_point,
    crps_quantiles,
    kfold_by_proposal,
    pit,
    score_point,
    score_quantiles,
    score_samples,
)


def _crps_brute(x: np.ndarray, y: float) -> float:
    pairs = np.abs(np.subtract.outer(x, x))
    return float(np.mean(np.abs(x - y)) - 0.5 * np.mean(pairs))


def test_crps_by_hand() -> None:
    assert crps_ensemble(np.array([[0.0, 10.0]]), np.array([5.0]))[0] == pytest.approx(2.5)
    assert crps_ensemble(np.array([[7.0, 7.0, 7.0]]), np.array([3.0]))[0] == pytest.approx(4.0)
    assert crps_point(np.array([30.0, 80.0]), np.array([50.0, 50.0])).tolist() == [20.0, 30.0]


def test_crps_sorting_form_matches_the_pairwise_definition() -> None:
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 100, size=(5, 37))
    y = rng.uniform(0, 100, size=5)
    fast = crps_ensemble(x, y)
    assert fast == pytest.approx([_crps_brute(row, yi) for row, yi in zip(x, y, strict=True)])


def test_crps_quantiles_of_a_point_is_the_absolute_error() -> None:
    levels = [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95]
    q = np.full((1, len(levels)), 40.0)
    assert crps_quantiles(q, levels, np.array([55.0]))[0] == pytest.approx(15.0)


def test_coverage_and_intervals() -> None:
    samples = np.tile(np.arange(101.0), (3, 1))
    lo, hi = central_interval(samples, 0.8)
    assert lo.tolist() == [10.0] * 3 and hi.tolist() == [90.0] * 3
    assert coverage(lo, hi, np.array([10.0, 50.0, 95.0])) == pytest.approx(2 / 3)


def test_pit_is_uniform_for_a_calibrated_forecast() -> None:
    rng = np.random.default_rng(0)
    n, m = 4000, 400
    centre = rng.uniform(20, 80, size=n)
    samples = centre[:, None] + rng.normal(0, 10, size=(n, m))
    outcome = centre + rng.normal(0, 10, size=n)
    values = pit(samples, outcome, seed=1)
    counts, _ = np.histogram(values, bins=10, range=(0, 1))
    assert counts.min() > 0.8 * n / 10 and counts.max() < 1.2 * n / 10


def test_randomised_pit_spreads_point_masses_and_is_seeded() -> None:
    samples = np.full((2000, 5), 50.0)
    values = pit(samples, np.full(2000, 50.0), seed=7)
    assert 0.45 < values.mean() < 0.55 and values.min() >= 0 and values.max() <= 1
    assert np.array_equal(values, pit(samples, np.full(2000, 50.0), seed=7))


def test_block_from_samples_by_hand() -> None:
    samples = [np.array([0.0, 10.0]), np.array([40.0, 60.0, 50.0]), np.array([np.nan])]
    block = score_samples(samples, np.array([5.0, 80.0, 10.0]))
    assert tuple(block) == BLOCK_KEYS and block["n"] == 2
    assert block["mae"] == pytest.approx((0 + 30) / 2)
    crps2 = _crps_brute(np.array([40.0, 60.0, 50.0]), 80.0)
    assert block["crps"] == pytest.approx((2.5 + crps2) / 2)
    assert block["within10"] == 0.5 and block["coverage90"] == 0.5


def test_point_and_quantile_blocks_agree_on_a_point_forecast() -> None:
    forecast = np.array([20.0, 50.0, np.nan, 70.0])
    outcome = np.array([25.0, 50.0, 10.0, 100.0])
    point = score_point(forecast, outcome)
    assert point["n"] == 3 and point["crps"] == point["mae"] == pytest.approx(35 / 3)
    assert point["coverage50"] == pytest.approx(1 / 3) and point["within10"] == pytest.approx(2 / 3)
    levels = [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95]
    quant = score_quantiles(dict.fromkeys(levels, forecast), outcome)
    assert quant == pytest.approx(point)
    with pytest.raises(ValueError, match="missing"):
        score_quantiles({0.5: forecast}, outcome)


def test_cross_validation_keeps_proposals_whole() -> None:
    proposals = [f"p{i // 3}" for i in range(40)] + ["q"] * 5
    folds = kfold_by_proposal(proposals, k=4, seed=2)
    assert len(folds) == 4
    tests = [set(test.tolist()) for _, test in folds]
    assert set().union(*tests) == set(range(len(proposals)))
    for a, b in itertools.combinations(tests, 2):
        assert not a & b
    for train, test in folds:
        assert not {proposals[i] for i in train} & {proposals[i] for i in test}
    again = kfold_by_proposal(proposals, k=4, seed=2)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, again, strict=True))
    with pytest.raises(ValueError):
        kfold_by_proposal(["a", "b"], k=3)
