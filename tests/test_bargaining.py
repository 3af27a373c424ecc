"""Hand-computed cases for the two-principal package bargaining geometry (simulator.model.bargaining)."""

import numpy as np
import pytest

from simulator.model.bargaining import Zone, acceptable_box, package_utility


def arr(*rows: list[float]) -> np.ndarray:
    return np.array(rows, dtype=float)


def zone(i1, s1, r1, i2, s2, r2) -> Zone:
    return Zone.build(arr(i1), arr(s1), arr(r1), arr(i2), arr(s2), arr(r2))


def test_acceptable_box_is_the_side_of_the_red_line_holding_the_ideal() -> None:
    lo, hi = acceptable_box(arr([0.0, 1.0, 0.4, np.nan]), arr([0.6, 0.3, 0.4, 0.2]))
    assert lo.tolist() == [[0.0, 0.3, 0.4, 0.0]]
    assert hi.tolist() == [[0.6, 1.0, 0.4, 1.0]]


def test_symmetric_one_issue_nash_splits_the_difference() -> None:
    z = zone([0.0], [1.0], [1.0], [1.0], [1.0], [0.0])
    text, ok = z.nash(np.array([0.0]), np.array([0.0]), np.array([1.0]), np.array([1.0]))
    assert ok.tolist() == [True]
    assert text[0, 0] == pytest.approx(0.5)


def test_bargaining_power_tilts_the_text() -> None:
    # maximise U1^2 U2 with U1 + U2 = 1: U1 = 2/3, so the text is 1/3 from party 1's ideal.
    z = zone([0.0], [1.0], [1.0], [1.0], [1.0], [0.0])
    text, _ = z.nash(np.array([0.0]), np.array([0.0]), np.array([2.0]), np.array([1.0]))
    assert text[0, 0] == pytest.approx(1 / 3)


def test_disagreement_point_moves_the_text() -> None:
    # (U1 - 0.4)(U2 - 0) on U1 + U2 = 1: U1 = 0.7, text 0.3.
    z = zone([0.0], [1.0], [1.0], [1.0], [1.0], [0.0])
    text, ok = z.nash(np.array([0.4]), np.array([0.0]), np.array([1.0]), np.array([1.0]))
    assert ok[0] and text[0, 0] == pytest.approx(0.3)


def test_no_zone_when_outside_options_sum_above_one_on_a_single_issue() -> None:
    z = zone([0.0], [1.0], [1.0], [1.0], [1.0], [0.0])
    _, ok = z.nash(np.array([0.6]), np.array([0.5]), np.array([1.0]), np.array([1.0]))
    assert ok.tolist() == [False]


def test_logrolling_gives_each_side_the_issue_it_cares_about() -> None:
    # Party 1 cares about issue A (0.9 vs 0.1), party 2 about issue B: the frontier trades them.
    z = zone([0.0, 0.0], [0.9, 0.1], [1.0, 1.0], [1.0, 1.0], [0.1, 0.9], [0.0, 0.0])
    text, ok = z.nash(np.array([0.6]), np.array([0.6]), np.array([1.0]), np.array([1.0]))
    assert ok[0]
    assert text[0].tolist() == pytest.approx([0.0, 1.0])
    u1, u2 = z.utilities(text)
    assert (u1[0], u2[0]) == pytest.approx((0.9, 0.9))
    # Splitting every issue in one proportion cannot give both 0.6: 0.5 each at best.
    _, line_ok = z.split_line(np.array([0.6]), np.array([0.6]))
    assert line_ok.tolist() == [False]
    line_text, line_ok = z.split_line(np.array([0.45]), np.array([0.45]))
    assert line_ok[0] and line_text[0].tolist() == pytest.approx([0.5, 0.5])


def test_red_lines_that_do_not_overlap_leave_no_package() -> None:
    z = zone([0.0], [1.0], [0.3], [1.0], [1.0], [0.6])
    _, ok = z.nash(np.array([0.0]), np.array([0.0]), np.array([1.0]), np.array([1.0]))
    assert ok.tolist() == [False]


def test_red_lines_bound_the_text() -> None:
    # Party 2 accepts nothing below 0.7: the symmetric split (0.5) is out of reach; the text is 0.7.
    z = zone([0.0], [1.0], [1.0], [1.0], [1.0], [0.7])
    text, ok = z.nash(np.array([0.0]), np.array([0.0]), np.array([1.0]), np.array([1.0]))
    assert ok[0] and text[0, 0] == pytest.approx(0.7)


def test_a_party_without_a_position_leaves_the_issue_to_the_other() -> None:
    z = zone([0.0, np.nan], [1.0, 0.0], [1.0, np.nan], [1.0, 0.2], [1.0, 1.0], [0.0, 0.9])
    text, ok = z.nash(np.array([0.0]), np.array([0.0]), np.array([1.0]), np.array([1.0]))
    assert ok[0] and text[0, 1] == pytest.approx(0.2)


def test_nash_text_is_on_the_frontier_and_beats_both_disagreement_points() -> None:
    rng = np.random.default_rng(3)
    n, k = 2000, 4
    i1, i2 = rng.uniform(0, 0.4, (n, k)), rng.uniform(0.6, 1, (n, k))
    s1, s2 = rng.uniform(0.1, 1, (n, k)), rng.uniform(0.1, 1, (n, k))
    z = Zone.build(i1, s1, np.ones((n, k)), i2, s2, np.zeros((n, k)))
    d1, d2 = rng.uniform(0, 0.6, n), rng.uniform(0, 0.6, n)
    text, ok = z.nash(d1, d2, np.ones(n), np.ones(n))
    u1 = package_utility(text, i1, s1)
    u2 = package_utility(text, i2, s2)
    assert np.all(u1[ok] > d1[ok]) and np.all(u2[ok] > d2[ok])
    # Whatever the split line reaches, the frontier reaches too (a mediator can only help).
    _, line_ok = z.split_line(d1, d2)
    assert np.all(ok | ~line_ok)
    # No random package within the box gives both more than the Nash product's frontier point.
    x = rng.uniform(np.minimum(i1, i2), np.maximum(i1, i2))
    v1, v2 = package_utility(x, i1, s1), package_utility(x, i2, s2)
    assert np.all(~((v1 > u1 + 1e-9) & (v2 > u2 + 1e-9)))


def test_with_red_lines_apart_the_text_is_the_middle_of_the_gap() -> None:
    # Party 1 accepts nothing below 0.7, party 2 nothing above 0.3: the tabled text is 0.5.
    z = zone([1.0], [1.0], [0.7], [0.0], [1.0], [0.3])
    text, ok = z.nash(np.array([0.0]), np.array([0.0]), np.array([1.0]), np.array([1.0]))
    assert ok.tolist() == [False] and text[0, 0] == pytest.approx(0.5)
    line_text, line_ok = z.split_line(np.array([0.0]), np.array([0.0]))
    assert line_ok.tolist() == [False] and line_text[0, 0] == pytest.approx(0.5)
