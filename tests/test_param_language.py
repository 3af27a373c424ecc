"""Issue #9, item 3: one language for parameters. ``explain`` prints every parameter's full dotted
path and its value in forms ``--set`` takes back; a wrong value type says what was expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.cli import main
from simulator.scenario.explain import entries
from simulator.scenario.load import load_scenario

ROOT = Path(__file__).parents[1]
BASELINE = ROOT / "scenarios" / "istanbul_2025.yaml"
TWO_PARTY = ROOT / "tests" / "data" / "two_party.yaml"


# The baseline has ~150 parameters, each reloaded (about 100 s): the fast lane takes the test scenario.
@pytest.mark.parametrize(
    "path", [TWO_PARTY, pytest.param(BASELINE, marks=pytest.mark.slow)], ids=["two_party", "baseline"]
)
def test_explain_prints_full_paths_that_set_takes_back(path: Path) -> None:
    scenario = load_scenario(path)
    slots = scenario.parameter_slots()
    explained = {e.path: e.value for _, items in entries(scenario) for e in items}
    assert set(slots) <= set(explained)  # every parameter, under its full path
    for path_ in slots:
        again = load_scenario(path, [f"{path_}={explained[path_]}"], check_sources=False)
        assert again.parameter_slots()[path_].param.describe() == explained[path_], path_


def test_explain_text_shows_the_full_path(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(BASELINE)]) == 0
    out = capsys.readouterr().out
    assert "  parties.russia.attendance.leader_cost = " in out
    assert "\n  attendance.leader_cost = " not in out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("triangular(0.3,0.5,0.7)", {"triangular": (0.3, 0.5, 0.7)}),
        ("uniform(0.1, 0.4)", {"uniform": (0.1, 0.4)}),
        ("beta(a=2, b=5) on [0, 0.5]", {"beta": {"a": 2.0, "b": 5.0, "low": 0.0, "high": 0.5}}),
        ("normal(mean=0.3, sd=0.1), truncated", {"normal": {"mean": 0.3, "sd": 0.1}}),
        ("0.25", {"value": 0.25}),
    ],
)
def test_set_takes_the_forms_explain_prints(text: str, expected: dict[str, object]) -> None:
    s = load_scenario(BASELINE, [f"parties.russia.attendance.leader_cost={text}"], check_sources=False)
    param = s.parameter_slots()["parties.russia.attendance.leader_cost"].param
    dumped = param.model_dump(exclude_none=True)
    for key, value in expected.items():
        assert dumped[key] == value


@pytest.mark.parametrize("bad", ["abc", "[1, 2]", "true", "triangular(a, b)"])
def test_a_wrong_type_says_what_was_expected(bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["explain", str(BASELINE), "--set", f"parties.russia.attendance.leader_cost={bad}"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "expected a number or a distribution, e.g. 0.4, uniform(" in err
    assert "valid dictionary" not in err
