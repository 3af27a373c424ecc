"""The two-parameter view (:mod:`simulator.figures.pairs`): binned rates, data-scaled colours."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.collections import QuadMesh

from simulator.api import start_run
from simulator.errors import UserError
from simulator.figures import pairs
from simulator.scenario.load import load_scenario

TWO_PARTY = Path(__file__).parent / "data" / "two_party.yaml"


def test_binned_mean_recovers_a_quadrant() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0, 1, 4000), rng.uniform(0, 1, 4000)
    x[:2], y[:2] = (0.0, 1.0), (0.0, 1.0)  # the data span [0, 1], so the middle edge is 0.5
    value = ((x > 0.5) & (y > 0.5)).astype(float)
    xe, ye, mean, counts = pairs.binned_mean(x, y, value, bins=4)
    assert (xe[0], xe[-1], ye[0], ye[-1]) == (0.0, 1.0, 0.0, 1.0)  # the data's span
    assert mean.shape == (4, 4) and counts.sum() == 4000
    # Rows are y bins, columns x bins: the upper right quadrant is all yes, the rest all no.
    np.testing.assert_array_equal(mean[2:, 2:], 1.0)
    assert np.nanmax(mean[:2, :]) == 0.0 and np.nanmax(mean[:, :2]) == 0.0


def test_sparse_bins_are_left_blank() -> None:
    x = np.array([0.0, 0.0, 0.0, 1.0])
    y = np.array([0.0, 0.0, 0.0, 1.0])
    _, _, mean, counts = pairs.binned_mean(x, y, np.ones(4), bins=3, min_count=3)
    assert mean[0, 0] == 1.0 and counts[-1, -1] == 1 and np.isnan(mean[-1, -1])


def test_colours_span_the_data_not_zero_to_one() -> None:
    # A rare event (0-6%) must not be flattened onto a 0-100% scale.
    rng = np.random.default_rng(1)
    x, y = rng.uniform(0.3, 0.8, 200), rng.uniform(0.02, 0.3, 200)
    rate = 0.06 * (0.8 - x) / 0.5
    fig = pairs.pairs_figure([pairs.Panel(x, y, rate, "x", "y", "rare")], "title")
    (mesh,) = [c for c in fig.axes[0].collections if isinstance(c, QuadMesh)]
    assert 0.0 <= mesh.norm.vmin < 0.01 and 0.04 < mesh.norm.vmax <= 0.06
    assert fig.axes[0].get_xlim() == pytest.approx((x.min(), x.max()))


def test_run_pair_figure_and_its_errors(tmp_path: Path) -> None:
    out = tmp_path / "run"
    start_run(load_scenario(TWO_PARTY), out, runs=600, seed=0, figures=False)
    x, y = "parties.beta.outside_option", "parties.beta.attendance.talks_value"
    fig = pairs.run_pair_figure(out, x, y, "agreement.any", box=(0.2, 0.3, 0.3, 0.5))
    labels = fig.axes[0].get_xlabel() + fig.axes[0].get_ylabel()
    assert x in labels and y in labels  # the --set paths, under the labels in words
    assert any(p.get_ls() == "--" for p in fig.axes[0].patches)  # the box outlined
    with pytest.raises(UserError, match=r"'parties\.alpha\.capability' is not a parameter this run drew"):
        pairs.run_pair_figure(out, "parties.alpha.capability", y, "agreement.any")
    with pytest.raises(UserError, match="not an event of this run"):
        pairs.run_pair_figure(out, x, y, "agreement.nothing")
