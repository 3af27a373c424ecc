"""Issue #9, item 2: the baseline and its what-ifs ship with the package, so ``negsim run`` works
from any folder, and a shipped scenario can be named instead of given as a path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.scenario.shipped import find_scenario, shipped_root, shipped_scenarios

ROOT = Path(__file__).parents[1]
NEGSIM = Path(sys.executable).with_name("negsim")


def test_every_shipped_scenario_is_found_by_name() -> None:
    names = list(shipped_scenarios())
    assert names[0] == "istanbul_2025"
    assert set(names) == {p.stem for p in (ROOT / "scenarios").glob("*.yaml") if "." not in p.stem}
    for name in names:
        assert find_scenario(name).resolve() == (ROOT / "scenarios" / f"{name}.yaml").resolve()
        assert find_scenario(f"{name}.yaml").is_file()


@pytest.mark.slow
def test_negsim_run_works_from_another_folder(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(NEGSIM), "run", "--runs", "300", "--no-figures", "--workers", "1", "--out", "here"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "here" / "summary.json").read_text(encoding="utf-8"))
    assert summary["runs"] == 300
    assert "Istanbul" in summary["scenario"]["name"]


def test_a_record_of_what_happened_is_not_offered_as_a_scenario(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``istanbul_2025.observed.yaml`` records observations for ``negsim score``: no forecast to run,
    so neither the shipped list, the dashboard's list nor a near-miss hint offers it."""
    from simulator.dashboard import session
    from simulator.scenario.shipped import is_companion

    observed = ROOT / "scenarios" / "istanbul_2025.observed.yaml"
    assert observed.is_file() and is_companion(observed)
    assert not is_companion(ROOT / "scenarios" / "istanbul_2025.yaml")
    assert "istanbul_2025.observed" not in shipped_scenarios()
    assert "istanbul_2025.observed" not in session.shipped_names()
    monkeypatch.chdir(ROOT / "tests")  # no scenarios/ folder here: a bare name is looked up
    assert main(["explain", "istanbul_2025.observe"]) == 2
    err = capsys.readouterr().err
    assert "shipped: istanbul_2025" in err and "observed" not in err
    # Every name left is a scenario: it loads with parties (an observed file has none).
    from simulator.scenario.load import load_scenario

    for name in shipped_scenarios():
        assert load_scenario(name).parties, name


def test_a_scenario_can_be_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "w"
    assert main(["run", "whatif_putin_attends", "--runs", "200", "--no-figures", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["scenario"]["name"].startswith("What-if: Putin")
    assert main(["validate", "whatif_trump_attends", "istanbul_2025"]) == 0


def test_a_near_miss_name_is_suggested(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "whatif_putin"]) == 2
    err = capsys.readouterr().err
    assert "did you mean 'whatif_putin_attends'?" in err
    assert "shipped: istanbul_2025" in err


def test_a_failing_extends_says_where_it_looked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text("extends: istanbul_2025.yaml\nname: mine\n", encoding="utf-8")
    assert main(["validate", str(mine)]) == 2
    err = capsys.readouterr().err
    assert f"looked for {tmp_path.resolve() / 'istanbul_2025.yaml'}" in err


# The wheel's copies of scenarios/ and seeds/ are checked in tests/test_wheel.py.


def test_the_source_checkout_is_the_shipped_root() -> None:
    # In an editable install (this one) the package reads the repository's folders directly.
    root = shipped_root()
    assert root is not None
    assert (root / "scenarios" / "istanbul_2025.yaml").read_bytes() == (
        ROOT / "scenarios" / "istanbul_2025.yaml"
    ).read_bytes()
