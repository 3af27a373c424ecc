"""Tests for simulator.analysis.sweep: grids and Latin hypercubes of ensembles on common random numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from simulator.analysis.sweep import grid_points, load_points, parse_param, parse_params, run_sweep
from simulator.cli import main
from simulator.engine.ensemble import run_ensemble
from simulator.engine.executors import local_executor
from simulator.errors import UserError
from simulator.scenario.load import load_scenario

DATA = Path(__file__).parent / "data"
TWO_PARTY = DATA / "two_party.yaml"
CREDIBILITY = "threats.patron_sanctions.credibility"
# Red lines apart on the ceasefire: the no_ceasefire threat always fires, credibility decides.
FAST = ["--runs", "600", "--workers", "1", "--set", "parties.beta.positions.ceasefire.red_line=0.3"]


def sweep(tmp_path: Path, *args: str) -> tuple[int, Path]:
    """Run ``negsim sweep`` on the two-party scenario into ``tmp_path/out``."""
    out = tmp_path / "out"
    return main(["sweep", str(TWO_PARTY), *args, *FAST, "--out", str(out)]), out


def event_columns(names: list[str], first: int) -> list[str]:
    return [c for c in names[first:] if not c.startswith("ci95_")]


def test_a_parameter_the_model_ignores_gives_identical_points(tmp_path: Path) -> None:
    # The host is a mediator without positions: its capability weighs nothing. With the same
    # seed at every point (common random numbers) every probability is exactly the same.
    code, out = sweep(tmp_path, "--param", "parties.host.capability=0:1:3")
    assert code == 0
    table = pq.read_table(out / "sweep.parquet")
    assert table.column_names[0] == "parties.host.capability"
    assert table.column(0).to_pylist() == [0.0, 0.5, 1.0]
    events = event_columns(table.column_names, 1)
    assert "talks.direct" in events and "sanctions.patron" in events
    for name in events:
        values = table.column(name).to_pylist()
        assert values == [values[0]] * 3, name
    assert any(0 < table.column(name)[0].as_py() < 1 for name in events)


@pytest.mark.slow
def test_credibility_sweep_raises_sanctions_from_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = sweep(tmp_path, "--param", f"{CREDIBILITY}=0:1:3")
    assert code == 0
    table = pq.read_table(out / "sweep.parquet")
    p = table.column("sanctions.patron").to_pylist()
    assert p[0] == 0.0 and p[0] < p[1] < p[2]
    # Columns: the parameter, then every event probability, then (only) the intervals.
    names = table.column_names
    first_ci = next(i for i, c in enumerate(names) if c.startswith("ci95_"))
    assert names[0] == CREDIBILITY
    assert all("." in c and not c.startswith("ci95_") for c in names[1:first_ci])
    assert all(c.startswith(("ci95_lo:", "ci95_hi:")) for c in names[first_ci:])
    assert len(names[first_ci:]) == 2 * (first_ci - 1)
    lo, hi = table.column("ci95_lo:sanctions.patron").to_pylist(), table.column("ci95_hi:sanctions.patron")
    assert all(a <= b <= c for a, b, c in zip(lo, p, hi.to_pylist(), strict=True))
    assert (out / "figures" / "sweep.png").read_bytes()[:4] == b"\x89PNG"
    printed = capsys.readouterr().out
    assert "3 points × 600 worlds" in printed and "sanctions.patron" in printed


def test_two_parameters_make_a_grid_with_heat_maps(tmp_path: Path) -> None:
    code, out = sweep(
        tmp_path,
        "--param",
        f"{CREDIBILITY}=0:1:2",
        "--param",
        "protocol.rounds=2:6:3",
        "--events",
        "sanctions.patron",
        "talks.direct",
    )
    assert code == 0
    table = pq.read_table(out / "sweep.parquet")
    assert table.column_names[:3] == [CREDIBILITY, "protocol.rounds", "attend.alpha"]
    # The first parameter varies slowest; whole-number settings stay whole numbers.
    assert table.column(CREDIBILITY).to_pylist() == [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]
    assert table.column("protocol.rounds").to_pylist() == [2, 4, 6, 2, 4, 6]
    assert (out / "figures" / "sweep.png").exists()


@pytest.mark.slow
def test_latin_hypercube_covers_every_stratum(tmp_path: Path) -> None:
    code, out = sweep(
        tmp_path,
        "--sample",
        "lhs",
        "--n",
        "5",
        "--param",
        f"{CREDIBILITY}=0:1",
        "--param",
        "parties.beta.capability=0.2:0.7",
    )
    assert code == 0
    table = pq.read_table(out / "sweep.parquet")
    assert table.num_rows == 5
    cred = np.array(table.column(CREDIBILITY).to_pylist())
    cap = np.array(table.column("parties.beta.capability").to_pylist())
    # One point in each fifth of each range.
    assert sorted(np.floor(cred * 5).astype(int)) == [0, 1, 2, 3, 4]
    assert sorted(np.floor((cap - 0.2) / 0.1).astype(int)) == [0, 1, 2, 3, 4]
    assert (out / "figures" / "sweep.png").exists()
    assert (out / "figures" / "sweep_pairs.png").exists()  # the two parameters at once


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--param", "credibility"], "expected KEY=LOW:HIGH:STEPS"),
        (["--param", f"{CREDIBILITY}=0-1-3"], "':'"),
        (["--param", f"{CREDIBILITY}=0:1"], "needs STEPS"),
        (["--param", f"{CREDIBILITY}=1:0:3"], "LOW must be below HIGH"),
        (["--param", f"{CREDIBILITY}=0.5:0.5:3"], "LOW must be below HIGH"),
        (["--param", f"{CREDIBILITY}=0:1:1"], "at least 2"),
        (["--param", f"{CREDIBILITY}=0:1:2.5"], "whole number"),
        (["--param", f"{CREDIBILITY}=zero:1:3"], "must be numbers"),
        (["--sample", "lhs", "--param", f"{CREDIBILITY}=0:1:3"], "do not mix grid and lhs"),
        (["--param", f"{CREDIBILITY}=0:1:3", "--n", "5"], "--n is for --sample lhs"),
        (["--param", f"{CREDIBILITY}=0:1:2", "--param", f"{CREDIBILITY}=0:1:2"], "more than once"),
        (
            [f"--param={k}=0:1:2" for k in (CREDIBILITY, "parties.beta.capability", "protocol.rounds")],
            "one or two --param",
        ),
        ([], "at least one --param"),
    ],
)
def test_bad_param_syntax_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out = sweep(tmp_path, *args)
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err
    assert not out.exists()


def test_bad_key_exits_2_naming_the_valid_choices(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = sweep(tmp_path, "--param", "threats.patron_sanction.credibility=0:1:3")
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("--param[1]:1:9:")
    assert "did you mean 'patron_sanctions'" in err and "(valid: patron_sanctions)" in err
    assert err.count("\n") == 1  # reported once, not once per point
    assert not out.exists()


def test_an_out_of_range_point_stops_the_sweep_before_it_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = sweep(tmp_path, "--param", f"{CREDIBILITY}=0:2:3")
    err = capsys.readouterr().err
    assert code == 2
    assert "values must lie in [0, 1] (got 2" in err and f"at {CREDIBILITY}=2" in err
    assert not out.exists()


def test_unknown_event_exits_2_with_a_suggestion(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = sweep(tmp_path, "--param", f"{CREDIBILITY}=0:1:2", "--events", "sanctions.patrn")
    assert code == 2
    assert "did you mean 'sanctions.patron'" in capsys.readouterr().err


def test_parse_param_reads_ranges() -> None:
    r = parse_param(f"{CREDIBILITY}=0.1:0.9:5")
    assert (r.key, r.low, r.high, r.steps, r.integer) == (CREDIBILITY, 0.1, 0.9, 5, False)
    assert r.values() == pytest.approx([0.1, 0.3, 0.5, 0.7, 0.9])
    assert parse_param("protocol.rounds=2:8:4").values() == [2, 4, 6, 8]
    assert parse_param(f"{CREDIBILITY}=0:1", lhs=True).steps is None
    with pytest.raises(UserError, match="one or two"):
        parse_params([f"a.b{i}=0:1:2" for i in range(3)], lhs=False)


@pytest.mark.slow
def test_points_run_concurrently_give_the_same_tallies() -> None:
    ranges = [parse_param(f"{CREDIBILITY}=0:1:3")]
    scenarios = load_points(TWO_PARTY, [], ranges, grid_points(ranges))
    here = run_sweep(scenarios, runs=800, seed=2, chunk_size=400)
    pool = local_executor(2)
    assert pool is not None
    with pool:
        there = run_sweep(scenarios, runs=800, seed=2, chunk_size=400, executor=pool, concurrency=3)
    assert here == there
    # And each point is exactly the ensemble `negsim run` would give at that value.
    alone = run_ensemble(load_scenario(TWO_PARTY, [f"{CREDIBILITY}=0.5"]), runs=800, seed=2, chunk_size=400)
    assert here[1] == alone.tally
