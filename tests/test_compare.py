"""Tests for simulator.analysis.compare: paired comparisons of two scenarios on common random numbers."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from simulator.analysis.compare import PairedTally, compare_scenarios, comparison_dict, paired_diff
from simulator.cli import main
from simulator.engine.executors import local_executor
from simulator.model.agents import PartyAgent
from simulator.scenario.load import load_scenario
from tests.conftest import two_party

DATA = Path(__file__).parent / "data"
TWO_PARTY = DATA / "two_party.yaml"
NO_SANCTIONS = DATA / "whatif_compare_no_patron_sanctions.yaml"
SMALL = ["--runs", "1200", "--chunk-size", "300", "--workers", "1"]  # 4 chunks, in this process


def test_paired_interval_matches_hand_computation() -> None:
    # 10 worlds: A happens in 5, B in 7; 1 world A-only, 3 worlds B-only.
    e = paired_diff("x", n=10, count_a=5, count_b=7, n10=1, n01=3)
    var = 4 / 10 - 0.2**2  # (n01 + n10)/n - diff^2 = 0.36
    half = 1.959963984540054 * math.sqrt(var / 10)
    assert (e.a, e.b) == (0.5, 0.7)
    assert e.diff == pytest.approx(0.2)
    assert (e.lo, e.hi) == (pytest.approx(0.2 - half), pytest.approx(0.2 + half))
    assert not e.significant  # 0.2 - 0.372 < 0
    # Every world discordant in the same direction: certain, so a zero-width interval at 1.
    sure = paired_diff("y", n=50, count_a=0, count_b=50, n10=0, n01=50)
    assert (sure.lo, sure.diff, sure.hi, sure.significant) == (1.0, 1.0, 1.0, True)


def test_paired_tally_counts_a_missing_event_as_never() -> None:
    a = {"x": np.array([True, True, False, False]), "only_a": np.array([True, False, True, False])}
    b = {"x": np.array([True, False, True, False]), "only_b": np.array([True, True, True, False])}
    t = PairedTally.of(a, b, 4)
    assert list(t.a) == ["x", "only_a", "only_b"]
    assert (t.a["x"], t.b["x"], t.n10["x"], t.n01["x"]) == (2, 2, 1, 1)
    assert (t.a["only_a"], t.b["only_a"], t.n10["only_a"], t.n01["only_a"]) == (2, 0, 2, 0)
    assert (t.a["only_b"], t.b["only_b"], t.n10["only_b"], t.n01["only_b"]) == (0, 3, 0, 3)
    both = t.merge(t)
    assert (both.n, both.a["x"], both.n01["only_b"]) == (8, 4, 6)


def test_a_scenario_compared_with_itself_differs_by_exactly_zero() -> None:
    s = load_scenario(TWO_PARTY)
    result = compare_scenarios(s, s, runs=1500, seed=3, chunk_size=500)
    events = result.events()
    assert len(events) > 30
    for e in events.values():
        assert (e.diff, e.lo, e.hi, e.significant) == (0.0, 0.0, 0.0, False)
    info = {"name": s.name, "path": str(TWO_PARTY), "sha256": s.sha256()}
    doc = comparison_dict(result, info, info)
    assert all(v["ci95"] == [0.0, 0.0] and v["diff"] == 0.0 for v in doc["events"].values())
    # Some events are neither certain nor impossible, so the zero is not trivial.
    assert any(0 < v["a"] < 1 for v in doc["events"].values())


@pytest.mark.slow
def test_what_if_without_sanctions_gives_a_significant_drop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cmp"
    apart = "parties.beta.positions.ceasefire.red_line=0.3"  # no ceasefire: the threat always fires
    what_if = ["--set", apart, "--set-b", apart, "--set-b", "threats.patron_sanctions.credibility=0"]
    assert main(["compare", str(TWO_PARTY), str(TWO_PARTY), *what_if, *SMALL, "--out", str(out)]) == 0
    doc = json.loads((out / "comparison.json").read_text())
    # The contract's shape: events with exactly these keys, plus a, b, runs and seed.
    assert {"events", "a", "b", "runs", "seed"} <= set(doc)
    assert (doc["runs"], doc["seed"]) == (1200, 0)
    assert set(doc["a"]) >= {"name", "path", "sha256"} and doc["a"]["sha256"] != doc["b"]["sha256"]
    for entry in doc["events"].values():
        assert set(entry) == {"a", "b", "diff", "ci95", "significant"}
        lo, hi = entry["ci95"]
        assert lo <= entry["diff"] <= hi
    sanctions = doc["events"]["sanctions.patron"]
    assert sanctions["a"] > 0.1 and sanctions["b"] == 0.0
    assert sanctions["diff"] == pytest.approx(-sanctions["a"], abs=1e-6)
    assert sanctions["significant"] and sanctions["ci95"][1] < 0
    png = out / "figures" / "comparison.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    printed = capsys.readouterr().out
    row = next(line for line in printed.splitlines() if line.startswith("sanctions.patron"))
    assert row.rstrip().endswith("*")
    assert "threats.patron_sanctions.credibility=0" in printed


def test_results_are_identical_on_one_and_two_workers() -> None:
    single = ["protocol.kind=single_text"]  # the rule tests of the single-text procedure's threats
    a, b = load_scenario(TWO_PARTY, single), load_scenario(NO_SANCTIONS, single)
    here = compare_scenarios(a, b, runs=1000, seed=1, chunk_size=250)
    pool = local_executor(2)
    assert pool is not None
    with pool:
        there = compare_scenarios(a, b, runs=1000, seed=1, chunk_size=250, executor=pool)
    assert here.tally == there.tally
    assert here.events()["sanctions.patron"].significant


def test_bad_override_exits_2_naming_the_valid_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["compare", str(TWO_PARTY), str(TWO_PARTY), "--set-b", "threats.patron_sanctions.credibilty=0"]
    assert main([*argv, *SMALL, "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "did you mean 'credibility'" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_refuses_to_overwrite_a_comparison(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "compare",
        str(TWO_PARTY),
        str(TWO_PARTY),
        "--runs",
        "100",
        "--workers",
        "1",
        "--out",
        str(tmp_path),
    ]
    assert main(argv) == 0
    assert main(argv) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert main([*argv, "--overwrite"]) == 0


def test_help_says_set_applies_to_both(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "comparison.json" in out and "BOTH scenarios" in out and "--set-b" in out


class _AlwaysLeaderAlpha(PartyAgent):
    """A changed rule: alpha always sends its leader."""

    def choose_level(self, announced, noise):
        return np.full(self.model.worlds, 3, dtype=np.int8)


def test_a_changed_rule_can_be_compared_on_common_random_numbers():
    s = two_party()
    result = compare_scenarios(s, s, runs=3000, seed=2, agents_b={"alpha": _AlwaysLeaderAlpha})
    events = result.events()
    assert events["level.alpha.leader"].b == 1.0
    assert events["level.alpha.leader"].diff > 0 and events["level.alpha.leader"].significant
    same = compare_scenarios(s, s, runs=3000, seed=2).events()
    assert all(e.diff == 0 for e in same.values())


def test_the_terminal_table_stars_only_differences_big_enough_to_matter() -> None:
    """Issue #22: a 0.1-point difference can be real over many paired worlds, but it earns no star;
    the table says the rule (interval excludes 0 and at least SMALL_POINTS points)."""
    from simulator.cli.compare import comparison_table
    from simulator.figures.compare import SMALL_POINTS

    def event(a: float, b: float, lo: float, hi: float) -> dict[str, object]:
        return {"a": a, "b": b, "diff": b - a, "ci95": [lo, hi], "significant": lo > 0 or hi < 0}

    side = {"name": "X", "path": "x.yaml", "overrides": []}
    doc = {
        "a": side,
        "b": side,
        "runs": 100_000,
        "seed": 0,
        "events": {
            "talks.direct": event(0.500, 0.530, 0.025, 0.035),  # 3 points: starred
            "talks.leaders": event(0.070, 0.071, 0.0005, 0.0015),  # 0.1 point, real: not starred
            "agreement.any": event(0.030, 0.031, -0.002, 0.004),  # not significant
        },
    }
    rows = {line.split()[0]: line for line in comparison_table(doc).splitlines() if line.strip()}
    assert rows["talks.direct"].endswith(" *")
    assert rows["talks.leaders"].endswith("(s)") and "*" not in rows["talks.leaders"]
    assert not rows["agreement.any"].endswith(("*", "(s)"))
    assert f"at least {SMALL_POINTS:g} pt" in comparison_table(doc)
