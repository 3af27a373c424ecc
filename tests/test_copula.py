"""Shared factors (simulator.model.copula): marginals kept exactly, correlation as loaded."""

import numpy as np
from scipy.stats import kstest, spearmanr

from simulator.model.copula import correlate


def normal(seed: int = 0):
    def draw(name: str, n: int) -> np.ndarray:
        return np.random.default_rng([seed, sum(map(ord, name))]).standard_normal(n)

    return draw


def test_loaded_quantiles_stay_uniform_and_correlate_as_loaded() -> None:
    n = 200_000
    rng = np.random.default_rng(1)
    q = {"a": rng.uniform(size=n), "b": rng.uniform(size=n), "c": rng.uniform(size=n)}
    out = correlate(q, {"climate": {"a": 0.8, "b": 0.6}, "other": {"c": -0.5}}, normal())
    for path in "abc":
        assert kstest(out[path], "uniform").pvalue > 0.01
    rho_ab = spearmanr(out["a"], out["b"])[0]
    # normal-score correlation 0.8 * 0.6 = 0.48; Spearman's rho = (6/pi) asin(r/2) = 0.464
    assert abs(rho_ab - 6 / np.pi * np.arcsin(0.48 / 2)) < 0.01
    assert abs(spearmanr(out["a"], out["c"])[0]) < 0.01


def test_a_negative_loading_moves_the_parameter_against_the_factor() -> None:
    n = 50_000
    rng = np.random.default_rng(2)
    q = {"a": rng.uniform(size=n), "b": rng.uniform(size=n)}
    out = correlate(q, {"f": {"a": 0.7, "b": -0.7}}, normal())
    assert spearmanr(out["a"], out["b"])[0] < -0.4


def test_no_loadings_change_nothing() -> None:
    q = {"a": np.array([0.1, 0.9])}
    assert correlate(q, {}, normal())["a"] is q["a"]
    assert correlate(q, {"f": {"zzz": 0.5}}, normal())["a"] is q["a"]


def test_factor_loadings_are_checked_where_they_are_written() -> None:
    import pytest

    from simulator.errors import ScenarioError
    from tests.conftest import two_party

    with pytest.raises(ScenarioError, match="no parameter of this scenario"):
        two_party("factors={f: {assumption: test, loadings: {parties.beta.nonsense: 0.5}}}")
    with pytest.raises(ScenarioError, match=r"squared loadings .* sum to 1\.25"):
        two_party(
            "factors={f: {assumption: test, loadings: {parties.beta.outside_option: 0.5}}, "
            "g: {assumption: test, loadings: {parties.beta.outside_option: -1.0}}}"
        )
    with pytest.raises(ScenarioError, match="say why"):
        two_party("factors={f: {loadings: {parties.beta.outside_option: 0.5}}}")
    # A loading on a parameter that is fixed (here by an override) simply has nothing to move.
    s = two_party(
        "factors={f: {assumption: test, loadings: {parties.beta.outside_option: 0.5}}}",
        "parties.beta.outside_option=0.3",
    )
    assert "f" in s.factors


def test_a_factor_correlates_the_model_draws_and_keeps_their_ranges() -> None:
    from simulator.model.model import NegotiationModel
    from tests.conftest import two_party

    s = two_party(
        "parties.beta.attendance.talks_value={uniform: [0.3, 0.7], assumption: test}",
        "factors={f: {assumption: test, loadings: "
        "{parties.beta.outside_option: 0.9, parties.beta.attendance.talks_value: 0.9}}}",
    )
    m = NegotiationModel(s, worlds=20_000, rng=3)
    a, b = m.value("parties.beta.outside_option"), m.value("parties.beta.attendance.talks_value")
    assert spearmanr(a, b)[0] > 0.7
    assert a.min() >= 0.2 and a.max() <= 0.4 and b.min() >= 0.3 and b.max() <= 0.7
    plain = NegotiationModel(two_party(), worlds=20_000, rng=3).value("parties.beta.outside_option")
    assert kstest((a - 0.2) / 0.2, "uniform").pvalue > 0.001 and abs(plain.mean() - a.mean()) < 0.01
