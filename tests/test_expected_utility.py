"""Bueno de Mesquita's expected-utility model: hand-computed cases and the EC emissions example."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from simulator.analysis.eum_benchmark import eum_benchmark, read_actors
from simulator.errors import ScenarioError
from simulator.model.protocols.expected_utility import (
    COMPROMISE,
    NO_OFFER,
    eum_round,
    risk_exponents,
    run_eum,
    win_probabilities,
)

EC = Path(__file__).parents[1] / "benchmarks" / "data" / "eum_ec_emissions" / "actors.csv"


def test_ec_round_zero_and_round_one_reproduce_the_reconstruction(tmp_path):
    out = tmp_path / "eum.json"
    result = eum_benchmark(EC, rounds=1, json_out=out)
    r0, r1 = result["rounds"]
    assert r0["weighted_median"] == 7.0
    assert r0["weighted_mean"] == pytest.approx(7.38996, abs=5e-6)
    assert r1["weighted_mean"] == pytest.approx(7.4613, abs=5e-5)
    assert r1["positions"]["Belgium"] == pytest.approx(8.41593, abs=5e-6)
    assert json.loads(out.read_text()) == result


def test_belgium_compromises_with_france_in_round_one():
    names, c, x, s = read_actors(EC)
    step = eum_round((x[None, :] - 4.0) / 6.0, c[None, :], s[None, :])
    belgium = names.index("Belgium")
    assert step.offer_type[0, belgium] == COMPROMISE
    assert names[step.partner[0, belgium]] == "France"


def test_two_actors_by_hand():
    # A at 0 (c=1, s=1), B at 1 (c=1, s=0.5); votes 1 and 0.5, all ordered pairs sum to 3.
    x, c, s = np.array([[0.0, 1.0]]), np.array([[1.0, 1.0]]), np.array([[1.0, 0.5]])
    p = win_probabilities(x, c * s)
    assert p[0] == pytest.approx(np.array([[0.0, 1 / 3], [1 / 6, 0.0]]))
    # r = 1: U_s = 2, U_f = -2, U_sq = 0. E[U_AB] = 0.5 (2/3 - 4/3) + 0.5 * 2 = 2/3 > 0 and
    # E[U_BA] = 1/3 - 5/3 = -4/3 < 0, so B is the more threatened: R_B = +1 (r = 1/2), R_A = -1 (r = 2).
    assert risk_exponents(x, c * s, s)[0] == pytest.approx([2.0, 0.5])
    step = eum_round(x, c, s)
    # A (r = 2, U_sq = 1): E^A[U_AB] = -1/3 and E^A[U_BA] = -7/3, both negative: no offer.
    # B (r = 1/2, U_sq = 2 - 2 sqrt 2): E^B[U_BA] = 2 sqrt 2 - 10/3 < 0 < E^B[U_AB] = 2 sqrt 2 - 4/3,
    # and the latter is larger: B compromises by |E^B[U_BA] / E^B[U_AB]| of the way to A.
    own, other = 2 * math.sqrt(2) - 10 / 3, 2 * math.sqrt(2) - 4 / 3
    assert own < 0 < other and other > abs(own)
    assert step.offer_type[0].tolist() == [NO_OFFER, COMPROMISE]
    assert step.positions[0] == pytest.approx([0.0, 1.0 - abs(own / other)])


def test_identical_worlds_give_the_one_world_result():
    _, c, x, s = read_actors(EC)
    one = run_eum(x, c, s, 6).positions
    many = run_eum(np.tile(x, (7, 1)), c, np.tile(s, (7, 1)), 6).positions
    for w in range(7):
        np.testing.assert_array_equal(many[:, w], one[:, 0])


def test_positions_stay_in_the_range_and_random_worlds_run():
    rng = np.random.default_rng(3)
    x = rng.uniform(2.0, 5.0, size=(400, 8))
    c = rng.uniform(0.0, 1.0, size=8)
    s = rng.uniform(0.0, 1.0, size=(400, 8))
    result = run_eum(x, c, s, 10, low=2.0, high=5.0)
    assert result.positions.shape == (11, 400, 8)
    assert np.all(np.isfinite(result.positions))
    assert np.all((result.positions >= 2.0) & (result.positions <= 5.0))
    settled = result.settled >= 0
    assert np.all(result.positions[-1][settled] == result.positions[-2][settled])


def test_rejects_bad_inputs():
    with pytest.raises(ValueError, match="saliences"):
        run_eum([0.0, 1.0], [1.0, 1.0], [0.5, 1.5], 1)
    with pytest.raises(ValueError, match="capabilities has shape"):
        run_eum([0.0, 1.0], [1.0, 1.0, 1.0], [0.5, 0.5], 1)


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("name,c,x,s\n", ":1:1:", "header"),
        ("actor,c,x,s\nA,0.1,4,0.5\nB,x,5,0.5\n", ":3:2:", "c must be a number"),
        ("actor,c,x,s\nA,0.1,4,0.5\nB,0.1,5,1.5\n", ":3:4:", "salience"),
        ("actor,c,x,s\nA,0.1,4,0.5\nA,0.1,5,0.5\n", ":3:1:", "listed twice"),
        ("actor,c,x,s\nA,0.1,4\n", ":2:1:", "expected 4 fields"),
        ("actor,c,x,s\nA,0.1,4,0.5\n", ":2:1:", "at least two actors"),
    ],
)
def test_actor_table_errors_are_located(tmp_path, text, where, message):
    path = tmp_path / "actors.csv"
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        read_actors(path)
    assert f"{path}{where}" in str(info.value)
    assert message in str(info.value)
