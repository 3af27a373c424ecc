"""Bootstrap intervals on sensitivity ranks (:mod:`simulator.analysis.rank_stability`)."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.analysis.design import MORRIS_LEVELS, Design
from simulator.analysis.rank_stability import (
    STABLE_SHARE,
    bootstrap_indices,
    ranks,
    stability,
    statistic_per_unit,
)
from simulator.analysis.sensitivity import SensitivityResult

PARAMS = ("big", "middle", "tiny", "none")


def model(x: np.ndarray) -> np.ndarray:
    """A known ranking: big > middle > tiny > none (which does nothing)."""
    return 4 * x[:, 0] + 1.5 * x[:, 1] + 0.2 * x[:, 2]


@pytest.mark.parametrize("method", ["sobol", "morris"])
def test_a_clear_ranking_is_stable_and_matches_salib(method: str) -> None:
    design = Design(method, PARAMS, 256 if method == "sobol" else 64, seed=3)  # type: ignore[arg-type]
    x = design.sample()
    y = model(x)
    # On the whole sample (no resampling) the unit terms give SALib's own point estimates.
    terms, scale = statistic_per_unit(design, x, y)
    if method == "sobol":
        from SALib.analyze import sobol

        point = terms.mean(axis=0) / scale.reshape(-1).var()
        expected = sobol.analyze(design.problem, y, calc_second_order=False, seed=1)["ST"]
    else:
        from SALib.analyze import morris

        point = terms.mean(axis=0)
        expected = morris.analyze(design.problem, x, y, num_levels=MORRIS_LEVELS, seed=1)["mu_star"]
    np.testing.assert_allclose(point, expected, rtol=1e-9, atol=1e-12)
    ranked = stability(design, x, y)
    assert [ranked[p]["rank"] for p in PARAMS[:2]] == [1.0, 2.0]
    assert ranked["big"]["rank_ci95"] == [1.0, 1.0] and ranked["big"]["top_k"] == 1.0
    assert ranked["none"]["rank"] == 4.0


def test_two_equal_drivers_swap_ranks_in_resamples() -> None:
    # Equal effects: each is first in about half the resamples, so a rank interval spans 1-2.
    design = Design("sobol", PARAMS, 64, seed=0)  # type: ignore[arg-type]
    x = design.sample()
    y = x[:, 0] + x[:, 1] + np.random.default_rng(0).normal(0, 0.05, len(x))
    boot = bootstrap_indices(design, x, y, resamples=300)
    first = (ranks(boot)[:, 0] == 1).mean()
    assert 0.2 < first < 0.8
    assert stability(design, x, y)["big"]["rank_ci95"] == [1.0, 2.0]


def test_unstable_driver_is_not_named() -> None:
    design = Design("sobol", PARAMS, 64, seed=0)  # type: ignore[arg-type]
    entry = {"S1": 0.5, "S1_conf": 0.01, "ST": 0.6, "ST_conf": 0.02}
    small = {"S1": 0.0, "S1_conf": 0.0, "ST": 0.0, "ST_conf": 0.0}
    indices = {"e": {"big": entry, "middle": small, "tiny": small, "none": small}}
    noise = {"e": {"variance": None, "share": 0.0}}
    shaky = {"big": {"rank": 1.0, "rank_ci95": [1.0, 4.0], "top_k": STABLE_SHARE - 0.2}}
    result = SensitivityResult(design, 10, indices, noise, stability={"e": shaky})
    sentence = result.drivers()["e"]
    assert "driven mostly by" not in sentence and "no driver is stable at N=64" in sentence
    assert "big is in the top 3 in only 70%" in sentence
    steady = {"big": {"rank": 1.0, "rank_ci95": [1.0, 1.0], "top_k": 1.0}}
    assert (
        "driven mostly by big"
        in SensitivityResult(design, 10, indices, noise, stability={"e": steady}).drivers()["e"]
    )


def test_an_uncertain_index_with_a_stable_rank_is_said_so() -> None:
    # ST's interval is too wide to name a driver, but its place at the top holds across resamples.
    design = Design("sobol", PARAMS, 128, seed=0)  # type: ignore[arg-type]
    wide = {"S1": 0.5, "S1_conf": 0.9, "ST": 0.6, "ST_conf": 0.9}
    small = {"S1": 0.0, "S1_conf": 0.0, "ST": 0.0, "ST_conf": 0.0}
    indices = {"e": {"big": wide, "middle": small, "tiny": small, "none": small}}
    noise = {"e": {"variance": None, "share": 0.0}}
    steady = {"e": {"big": {"rank": 1.0, "rank_ci95": [1.0, 2.0], "top_k": 0.99}}}
    sentence = SensitivityResult(design, 10, indices, noise, stability=steady).drivers()["e"]
    assert "no single parameter dominates (the largest is big" in sentence
    assert "Its rank is stable at N=128: in the top 3 in 99% of 200 bootstrap resamples." in sentence
