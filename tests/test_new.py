"""Issue #25, item 3: ``negsim new`` writes a scenario that validates and runs at once, for every
role; ``validate`` lists its placeholders; a party needs only the fields its role uses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.errors import ScenarioError
from simulator.scenario.load import load_scenario
from simulator.scenario.yamlsafe import load_yaml

ROLES = {
    "two_principals": ["--parties", "north,south"],
    "with_mediator": ["--parties", "north,south", "--mediator", "broker", "--issues", "border,trade"],
    "with_third_party": ["--parties", "north,south", "--third-parties", "observer"],
    "three_principals": ["--parties", "usa,china,eu", "--issues", "tariffs,chips"],
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(ROLES))
def test_a_new_scenario_validates_and_runs(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new", name, "--dir", str(tmp_path), *ROLES[name]]) == 0
    path = tmp_path / f"{name}.yaml"
    assert path.is_file()
    assert (tmp_path / "seeds" / "README.md").is_file()
    capsys.readouterr()
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    todo = [line for line in err.splitlines() if "placeholder still to replace" in line]
    assert todo, err
    assert all(line.startswith(f"{path}:") for line in todo)  # path:line:col: each one located
    assert f"{len(todo)} placeholders still to replace" in err
    out = tmp_path / "run"
    assert main(["run", str(path), "--runs", "200", "--workers", "1", "--no-figures", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["runs"] == 200
    parties = load_yaml(path).data["parties"]
    for pid in ROLES[name][1].split(","):
        assert f"attend.{pid}" in summary["events"]
        assert parties[pid]["role"] == "principal"


def test_a_mediator_gets_only_the_fields_its_role_needs(tmp_path: Path) -> None:
    assert main(["new", "m", "--dir", str(tmp_path), *ROLES["with_mediator"]]) == 0
    data = load_yaml(tmp_path / "m.yaml").data
    broker = data["parties"]["broker"]
    assert broker["role"] == "mediator"
    assert "positions" not in broker and "outside_option" not in broker
    assert set(broker["attendance"]) == {"initial", "talks_value", "leader_cost"}
    assert data["protocol"]["mediator"] == "broker"
    north = data["parties"]["north"]["attendance"]
    assert {"counterpart", "legitimacy_cost", "protocol_cost", "empty_chair_cost"} <= set(north)
    scenario = load_scenario(tmp_path / "m.yaml")
    assert scenario.parties["broker"].attendance.legitimacy_cost is None


def test_a_counterpart_needs_its_three_terms(tmp_path: Path) -> None:
    assert main(["new", "c", "--dir", str(tmp_path)]) == 0
    path = tmp_path / "c.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("      protocol_cost:")
    end = text.index("      empty_chair_cost:")
    path.write_text(text[:start] + text[end:], encoding="utf-8")  # party_a loses protocol_cost
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    [problem] = info.value.problems
    assert "a party with a counterpart needs 'protocol_cost'" in problem.message
    assert problem.line > 1


def test_new_refuses_to_overwrite_and_bad_ids(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "x", "--dir", str(tmp_path)]) == 0
    capsys.readouterr()
    assert main(["new", "x", "--dir", str(tmp_path)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["new", "y", "--dir", str(tmp_path), "--parties", "North,south"]) == 2
    err = capsys.readouterr().err
    assert "'North' is not an id" in err and "Traceback" not in err
    assert main(["new", "z", "--dir", str(tmp_path), "--parties", "solo"]) == 2
    assert "at least two" in capsys.readouterr().err
    assert not (tmp_path / "y.yaml").exists() and not (tmp_path / "z.yaml").exists()


def test_a_finished_scenario_has_no_placeholder_warning(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "istanbul_2025", "--no-prior-check"]) == 0
    assert "placeholder" not in capsys.readouterr().err
