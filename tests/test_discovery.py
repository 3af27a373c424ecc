"""Scenario discovery (issue #22): PRIM finds a known box; CART's view; the run-folder path.

The known-answer test builds a synthetic run: five parameters drawn uniformly on [0, 1], an event
that happens with probability 0.9 inside the box ``a in [0.2, 0.6], b in [0.5, 0.9]`` and 0.03
outside it (the noise). PRIM must recover both limits of both parameters within ``TOLERANCE`` and
leave the three irrelevant parameters unrestricted.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from simulator.analysis.discovery import (
    MIN_EVENT_WORLDS,
    Step,
    choose_step,
    discover_worlds,
    write_discovery,
)
from simulator.errors import UserError

#: How far (on a parameter range of 1) a recovered limit may sit from the true one. PRIM peels
#: 5% of the box per step, so a limit lands within one peel (about 0.05 of the range at the box's
#: size) of the truth; the noise moves it a little further.
TOLERANCE = 0.06
TRUE_BOX = {"a": (0.2, 0.6), "b": (0.5, 0.9)}


def synthetic(seed: int, n: int = 4000) -> tuple[dict[str, np.ndarray], np.ndarray]:
    rng = np.random.default_rng(seed)
    params = {name: rng.uniform(0, 1, n) for name in "abcde"}
    inside = np.logical_and.reduce(
        [(params[k] >= lo) & (params[k] <= hi) for k, (lo, hi) in TRUE_BOX.items()]
    )
    happened = rng.uniform(0, 1, n) < np.where(inside, 0.9, 0.03)
    return params, happened


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_prim_recovers_a_known_box(seed: int) -> None:
    params, happened = synthetic(seed)
    result = discover_worlds(params, happened, event="synthetic", ranges={k: (0.0, 1.0) for k in params})
    limits = {lim.path: lim for lim in result.box.limits}
    assert set(limits) == {"a", "b"}, result.sentence()  # c, d, e left unrestricted
    for key, (lo, hi) in TRUE_BOX.items():
        assert abs(limits[key].low - lo) <= TOLERANCE, (key, limits[key])
        assert abs(limits[key].high - hi) <= TOLERANCE, (key, limits[key])
    # As dense as the truth (0.9 inside), holding at least the minimum coverage asked for (PRIM
    # trades coverage for density along its trajectory, so the box may sit a little inside the truth).
    assert result.box.density > 0.85
    assert result.box.coverage >= 0.5
    # CART, the second view, limits the same two parameters.
    assert result.other is not None and {lim.path for lim in result.other.limits} <= {"a", "b"}
    assert "a in [" in result.sentence() and "b in [" in result.sentence()


def test_choose_step_stops_before_chasing_noise() -> None:
    steps = [
        Step(1.0, 0.1, 1.0, 0),
        Step(0.95, 0.5, 0.19, 2),
        Step(0.90, 0.51, 0.18, 2),  # no denser than the step before, within its sampling error
        Step(0.40, 0.9, 0.04, 2),  # densest, but below the minimum coverage
    ]
    assert choose_step(steps, worlds=2000, min_coverage=0.5) == 1


def test_too_few_event_worlds_is_refused_with_how_many_to_run() -> None:
    rng = np.random.default_rng(0)
    params = {"a": rng.uniform(0, 1, 1000)}
    happened = np.zeros(1000, dtype=bool)
    happened[: MIN_EVENT_WORLDS - 1] = True
    with pytest.raises(UserError, match=r"only 29 of 1,000 worlds.*--runs"):
        discover_worlds(params, happened, event="rare")


@pytest.mark.slow
def test_a_rare_event_runs_with_a_warning_saying_how_many_worlds_to_run() -> None:
    params, happened = synthetic(4, n=1000)
    happened[np.flatnonzero(happened)[60:]] = False  # 60 worlds where it happens
    result = discover_worlds(params, happened, event="rare")
    assert result.warning is not None and "about 2,000 worlds" in result.warning  # 100 / 6%, rounded up


@pytest.mark.slow
def test_discovery_json_is_written_and_reads_back(tmp_path: Path) -> None:
    params, happened = synthetic(3, n=2000)
    result = discover_worlds(params, happened, event="synthetic", labels={"a": "Alpha's a"})
    path = write_discovery(result, tmp_path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["event"] == "synthetic" and doc["method"] == "prim"
    assert {lim["path"] for lim in doc["box"]["limits"]} == {"a", "b"}
    assert doc["box"]["limits"][0]["label"] == "Alpha's a"
    assert doc["other"]["method"] == "cart"
    assert 0 <= doc["chosen"] < len(doc["trajectory"])
    assert doc["whatif"][0].startswith("a=uniform(")


@pytest.fixture(scope="module")
def baseline_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from simulator.cli import main

    out = tmp_path_factory.mktemp("discover") / "run"
    args = ["run", "istanbul_2025", "--runs", "3000", "--workers", "1", "--no-figures", "--out", str(out)]
    assert main(args) == 0
    return out


@pytest.mark.slow
def test_negsim_discover_on_the_baseline(
    baseline_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from simulator.cli import main

    out = tmp_path / "disc"
    args = ["discover", str(baseline_run), "--event", "agreement.ceasefire", "--out", str(out)]
    assert main([*args, "--format", "svg"]) == 0
    printed = capsys.readouterr()
    assert "agreement.ceasefire happens in" in printed.out and "--set 'parties." in printed.out
    doc = json.loads((out / "discovery.json").read_text(encoding="utf-8"))
    assert doc["scenario"]["path"].endswith("istanbul_2025.yaml")
    assert all(
        lim["path"].startswith(("parties.", "threats.", "protocol.", "pressures."))
        for lim in doc["box"]["limits"]
    )
    assert doc["box"]["density"] > doc["base_rate"]
    # A box of two parameters or more is also drawn on the plane of its two first.
    pair = ["discovery_pair.svg"] if len(doc["box"]["limits"]) >= 2 else []
    assert sorted(p.name for p in (out / "figures").iterdir()) == sorted(
        ["discovery_box.svg", "discovery_trajectory.svg", *pair]
    )
    # A second discovery into the same folder is refused unless --overwrite.
    assert main(args) == 2
    assert main([*args, "--overwrite"]) == 0


@pytest.mark.slow
@pytest.mark.parametrize("case", ["rare", "misspelt"])
def test_negsim_discover_refuses_bad_events(
    baseline_run: Path, tmp_path: Path, case: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from simulator.cli import main

    summary = json.loads((baseline_run / "summary.json").read_text(encoding="utf-8"))
    runs = summary["runs"]
    # The run's rarest event (whichever it is as the model changes) is below the minimum.
    rare = min(
        summary["events"],
        key=lambda k: min(summary["events"][k]["count"], runs - summary["events"][k]["count"]),
    )
    assert min(summary["events"][rare]["count"], runs - summary["events"][rare]["count"]) < MIN_EVENT_WORLDS
    event, message = (
        (rare, "discovery needs at least") if case == "rare" else ("agreement.cesefire", "did you mean")
    )
    assert main(["discover", str(baseline_run), "--event", event, "--out", str(tmp_path / "d")]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "d" / "discovery.json").exists()
