"""The model average's weights: the exact CRPS fit, the fit on the DEU slice, the stored file, scenarios."""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path

import numpy as np
import pytest

from simulator.analysis.deu_forecast import (
    fitted_record,
    issue_inputs,
    issue_samples,
    issue_seed,
    load_params,
    load_weights,
    member_samples,
)
from simulator.analysis.deu_members import MEMBERS
from simulator.analysis.ensemble_weights import (
    crps_terms,
    fit_deu3_weights,
    fit_simplex,
    mean_abs_diff,
    mixture_crps,
)
from simulator.analysis.forecast_scores import crps_ensemble, kfold_by_proposal
from simulator.errors import ScenarioError
from simulator.model.model import NegotiationModel
from simulator.scenario.importers.deu3 import read_deu3
from tests.conftest import ROOT, two_party

SLICE = Path(__file__).parent / "data" / "deu3_slice.tsv"


def test_mean_abs_diff_matches_every_pair():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=37), rng.normal(size=23)
    assert mean_abs_diff(x, y) == pytest.approx(np.abs(x[:, None] - y[None, :]).mean())


def test_mixture_crps_is_the_crps_of_the_pooled_samples():
    rng = np.random.default_rng(2)
    samples = {m: rng.normal(10 * k, 5, size=200) for k, m in enumerate(MEMBERS)}
    a, b = crps_terms(samples, 7.0, MEMBERS)
    pooled = np.concatenate([samples[m] for m in MEMBERS])  # equal sizes: equal weights
    assert mixture_crps(np.full(3, 1 / 3), a, b) == pytest.approx(
        crps_ensemble(pooled[None], np.array([7.0]))[0]
    )


def test_fit_simplex_is_the_minimum_of_a_fine_grid():
    rng = np.random.default_rng(3)
    for _ in range(5):
        samples = [
            {m: rng.normal(rng.normal(0, 8), rng.uniform(1, 9), 100) for m in MEMBERS} for _ in range(6)
        ]
        terms = [crps_terms(s, 0.0, MEMBERS) for s in samples]
        a, b = np.mean([t[0] for t in terms], axis=0), np.mean([t[1] for t in terms], axis=0)
        w = fit_simplex(a, b)
        assert w.sum() == pytest.approx(1.0) and np.all(w >= 0)
        grid = [
            np.array([i, j, 100 - i - j]) / 100
            for i, j in itertools.product(range(101), repeat=2)
            if i + j <= 100
        ]
        assert mixture_crps(w, a, b) <= min(float(mixture_crps(g, a, b)) for g in grid) + 1e-9


@pytest.mark.slow
def test_fit_on_slice_is_deterministic_sums_to_one_and_beats_equal_on_training_folds():
    dataset = read_deu3(SLICE)
    issues = list(dataset.with_outcome())
    items = issue_inputs(dataset, issues)
    y = [i.outcome for i in issues]
    params = load_params()
    terms = [
        crps_terms(member_samples(it, params, 200, issue_seed(0, it.issue))[0], t, MEMBERS)
        for it, t in zip(items, y, strict=True)
    ]
    a, b = np.array([t[0] for t in terms]), np.array([t[1] for t in terms])
    equal = np.full(len(MEMBERS), 1 / len(MEMBERS))
    for train, _ in kfold_by_proposal([i.proposal for i in issues], k=3, seed=0):
        w = fit_simplex(a[train].mean(axis=0), b[train].mean(axis=0))
        assert w.sum() == pytest.approx(1.0)
        assert (
            mixture_crps(w, a[train], b[train]).mean()
            <= mixture_crps(equal, a[train], b[train]).mean() + 1e-12
        )
    first = fit_deu3_weights(SLICE, worlds=200, k=3)
    again = fit_deu3_weights(SLICE, worlds=200, k=3)
    assert first == again
    assert sum(first["weights"].values()) == pytest.approx(1.0)
    assert first["data_sha256"] == hashlib.sha256(SLICE.read_bytes()).hexdigest()
    assert set(first["scores"]) == {"fitted_cv", "equal", *MEMBERS, "fitted_in_sample"}


def test_stored_weights_load_and_say_how_they_were_fitted():
    weights = load_weights()
    assert set(weights) == set(MEMBERS) and sum(weights.values()) == pytest.approx(1.0)
    record = fitted_record()
    train = ROOT / "benchmarks" / "data" / "deu3" / "train.tsv"
    assert record["data_sha256"] == hashlib.sha256(train.read_bytes()).hexdigest()
    assert record["weights"]["single_text"] == 0.0
    for key in ("folds", "seed", "worlds", "method", "scores", "cv_weights_per_fold"):
        assert key in record


def test_one_member_forecast_is_that_members_samples():
    dataset = read_deu3(SLICE)
    item = issue_inputs(dataset, list(dataset.with_outcome()))[0]
    params = load_params()
    samples, _ = member_samples(item, params, 100, 5)
    for m in MEMBERS:
        np.testing.assert_array_equal(issue_samples(item, params, 100, 5, {m: 1.0}), samples[m])


def test_scenario_with_fitted_members_runs():
    scenario = two_party("protocol.kind=ensemble", "protocol.members=deu3_v1")
    assert scenario.protocol.weights == {m: v for m, v in load_weights().items() if v > 0}
    rec = NegotiationModel(scenario, worlds=300, rng=4).run().records()
    assert set(np.unique(rec["protocol"])) <= set(range(len(scenario.protocol.weights)))
    with pytest.raises(ScenarioError, match="unknown fitted weights"):
        two_party("protocol.kind=ensemble", "protocol.members=nope_v9")
