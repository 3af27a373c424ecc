"""The zone-of-agreement check behind `negsim validate`'s warning (simulator.analysis.zone)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from simulator.analysis.zone import zone_report
from simulator.cli import main
from tests.conftest import DATA, two_party

ROOT = Path(__file__).parents[1]


def test_outside_options_that_sum_above_the_whole_leave_no_zone_and_warn() -> None:
    s = two_party("parties.alpha.outside_option=0.7", "parties.beta.outside_option=0.8")
    report = zone_report(s, worlds=500)
    assert report is not None and report.outside_options == 0.0
    assert report.warning is not None and "100% of 500 draws" in report.warning


def test_a_costly_no_deal_leaves_a_zone_and_no_warning() -> None:
    report = zone_report(two_party(), worlds=500)
    assert report is not None and report.outside_options == 1.0 and report.warning is None
    # Red lines overlap on both issues of the test scenario ([0.4, 0.6]).
    assert report.with_red_lines == {"ceasefire": 1.0, "border": 1.0}


def test_validate_prints_the_warning_and_still_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(DATA / "two_party.yaml", tmp_path)
    shutil.copytree(DATA / "seeds", tmp_path / "seeds")
    f = tmp_path / "hopeless.yaml"
    f.write_text(
        "extends: two_party.yaml\nname: hopeless\n"
        "parties:\n  alpha:\n    outside_option: {value: 0.7, assumption: test}\n"
        "  beta:\n    outside_option: {value: 0.8, assumption: test}\n",
        encoding="utf-8",
    )
    assert main(["validate", str(f)]) == 0
    err = capsys.readouterr().err
    assert "hopeless.yaml: warning:" in err and "outside options" in err


def test_the_baseline_has_a_zone_in_most_of_its_prior() -> None:
    from simulator.scenario.load import load_scenario

    report = zone_report(load_scenario(ROOT / "scenarios" / "istanbul_2025.yaml"), worlds=2000)
    assert report is not None and report.outside_options > 0.9 and report.warning is None
