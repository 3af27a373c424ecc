"""Forecasting as of a date: late sources refused or replaced by fallbacks; the timeline."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.errors import ScenarioError, UserError
from simulator.scenario.asof import parse_when, published_dates
from simulator.scenario.load import load_scenario

ROOT = Path(__file__).parents[1]
BASE = ROOT / "scenarios" / "istanbul_2025.yaml"
CAMPAIGN = ROOT / "scenarios" / "istanbul_2025_campaign.yaml"


def test_every_seed_has_a_published_date() -> None:
    published = published_dates(ROOT / "seeds")
    assert len(published) == len(list((ROOT / "seeds").glob("*.txt")))
    assert all(d.year == 2025 and d.month == 5 for d in published.values())


def test_dates_parse_as_end_of_day_or_minute() -> None:
    assert parse_when("2025-05-14").isoformat() == "2025-05-14T23:59:00"
    assert parse_when("2025-05-14T20:00").isoformat() == "2025-05-14T20:00:00"
    with pytest.raises(UserError):
        parse_when("14 May")


def test_a_late_source_without_fallback_is_refused_at_its_line() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(BASE, as_of="2025-05-14T20:00")
    text = str(info.value)
    first = text.splitlines()[0]
    path, line, col, message = first.split(":", 3)
    assert path.endswith("istanbul_2025.yaml") and int(line) > 0 and int(col) > 0
    assert "cites seed" in message and "after --as-of 2025-05-14T20:00" in message
    # The article published last (002, on 16 May) is named among the late sources.
    assert "seed 002 (published 2025-05-16T18:00)" in text


def test_the_cli_refuses_with_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["run", str(BASE), "--as-of", "2025-05-14T20:00", "--runs", "100", "--out", str(tmp_path / "r")]
    )
    assert code == 2
    assert "cites seed" in capsys.readouterr().err
    assert not (tmp_path / "r" / "summary.json").exists()


def test_fallbacks_replace_late_parameters_and_nothing_else() -> None:
    now = load_scenario(CAMPAIGN)
    eve = load_scenario(CAMPAIGN, as_of="2025-05-14T20:00")
    after = load_scenario(CAMPAIGN, as_of="2025-05-17")
    assert eve.as_of == "2025-05-14T20:00"
    # News-bearing: the Kremlin's and White House's signals were not yet published.
    assert eve.parties["russia"].attendance.leader_cost.describe() == "triangular(0, 0.2, 0.45)"
    assert now.parties["russia"].attendance.leader_cost.describe() == "triangular(0.1, 0.3, 0.45)"
    # Sourced only from 004 (13 May): unchanged.
    p = "parties.european_union.positions.ceasefire.salience"
    assert eve.parameters()[p] == now.parameters()[p]
    # After every source: the parameters as written.
    assert {k: v.describe() for k, v in after.parameters().items()} == {
        k: v.describe() for k, v in now.parameters().items()
    }


def test_run_as_of_and_timeline(tmp_path: Path) -> None:
    out = tmp_path / "tl"
    dates = ["--as-of", "2025-05-14T20:00", "--as-of", "2025-05-17"]
    assert main(["timeline", str(CAMPAIGN), *dates, "--runs", "1000", "--out", str(out)]) == 0
    doc = json.loads((out / "timeline.json").read_text())
    assert doc["dates"] == ["2025-05-14T20:00", "2025-05-17T23:59"]
    assert all(len(v) == 2 for v in doc["events"].values())
    assert "agreement.ceasefire.by.2025-12-31" in doc["key_events"]
    # Each date is annotated with the news that arrived: the seeds published since the date before.
    assert doc["sources"] == [["004"], ["000", "001", "002", "003"]]
    assert (out / "figures" / "timeline.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Common random numbers: the same run as of a date matches the timeline's entry exactly.
    run = tmp_path / "run"
    assert main(["run", str(CAMPAIGN), "--as-of", "2025-05-17", "--runs", "1000", "--out", str(run)]) == 0
    summary = json.loads((run / "summary.json").read_text())
    key = "agreement.ceasefire.by.2025-12-31"
    assert summary["events"][key]["count"] == doc["events"][key][1]["count"]


# Initial signals, commitments and factors citing a later seed: refused without a fallback, replaced
# with one. What-ifs are written next to the campaign (so its seeds and extends resolve).
EARLY = "2025-05-13T20:00"  # after seed 004 only
LATE = '{seed: "001", quote: "the Russian delegation will be led by Vladimir Medinsky"}'
IF_PUTIN = "condition: {party: russia, level: leader}"
WHY = 'assumption: "before the list"'


@pytest.fixture
def what_if(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    made: list[Path] = []

    def make(body: str) -> Path:
        made.append(ROOT / "scenarios" / f"_asof_test_{tmp_path.name}_{len(made)}.yaml")
        made[-1].write_text(f"extends: istanbul_2025_campaign.yaml\n{body}", encoding="utf-8")
        return made[-1]

    yield make
    for p in made:
        p.unlink(missing_ok=True)


def test_late_initial_commitment_and_factor_are_refused_without_fallback(
    what_if: Callable[[str], Path],
) -> None:
    path = what_if(
        "parties:\n  united_states:\n    attendance:\n"
        f"      initial: {{level: leader, source: {LATE}}}\n"
        "      commitments:\n"
        f"        - {{kind: only_if, level: leader, {IF_PUTIN}, source: {LATE}}}\n"
        "factors:\n  late_factor:\n"
        f"    source: {LATE}\n"
        "    loadings: {parties.russia.outside_option: 0.3}\n"
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, as_of=EARLY)
    lines = str(info.value).splitlines()
    for what in (
        "parties.united_states.attendance.initial (initial signal) cites seed 001",
        "parties.united_states.attendance.commitments.0 (commitment) cites seed 001",
        "factors.late_factor (factor) cites seed 001",
    ):
        line = next(x for x in lines if what in x)
        file, row, col, _ = line.split(":", 3)
        assert file.endswith(path.name) and int(row) > 1 and int(col) > 0
        assert "published 2025-05-14T22:00" in line and f"after --as-of {EARLY}" in line
    # Once the seed was published: used as written.
    later = load_scenario(path, as_of="2025-05-14T22:00")
    assert later.parties["united_states"].attendance.initial.level == "leader"
    assert "late_factor" in later.factors


def test_late_initial_commitment_and_factor_use_their_fallbacks(what_if: Callable[[str], Path]) -> None:
    path = what_if(
        "parties:\n  turkey:\n    attendance:\n"
        f"      initial: {{level: leader, source: {LATE}, as_of: {{level: official, {WHY}}}}}\n"
        "      commitments:\n"
        f"        - {{kind: only_if, level: leader, {IF_PUTIN}, source: {LATE},\n"
        f"           as_of: {{absent: true, {WHY}}}}}\n"
        f"        - {{kind: only_if, level: minister, {IF_PUTIN}, source: {LATE},\n"
        f"           as_of: {{kind: only_if, level: leader, {IF_PUTIN}, {WHY}}}}}\n"
        "factors:\n"
        "  late_factor:\n"
        f"    source: {LATE}\n"
        "    loadings: {parties.russia.outside_option: 0.3}\n"
        f"    as_of: {{absent: true, {WHY}}}\n"
        "  late_loadings:\n"
        f"    source: {LATE}\n"
        "    loadings: {parties.russia.outside_option: 0.3}\n"
        f"    as_of: {{loadings: {{parties.russia.outside_option: 0.1}}, {WHY}}}\n"
    )
    early = load_scenario(path, as_of=EARLY)
    turkey = early.parties["turkey"].attendance
    assert turkey.initial.level == "official"
    # The first commitment dropped, the second replaced.
    assert [(c.kind, c.level) for c in turkey.commitments] == [("only_if", "leader")]
    assert "late_factor" not in early.factors
    assert early.factors["late_loadings"].loadings == {"parties.russia.outside_option": 0.1}
    # A fallback's parameters are not the scenario's.
    assert not any(".as_of" in k for k in load_scenario(CAMPAIGN).parameters())


def test_a_fallback_citing_a_late_seed_is_refused(what_if: Callable[[str], Path]) -> None:
    path = what_if(
        "parties:\n  turkey:\n    attendance:\n"
        f"      initial: {{level: leader, source: {LATE},\n"
        f"                 as_of: {{level: official, source: {LATE}, {WHY}}}}}\n"
    )
    with pytest.raises(ScenarioError, match=r"initial: its as_of fallback cites seed 001"):
        load_scenario(path, as_of=EARLY)


def test_the_campaign_runs_early_without_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r"
    assert main(["run", str(CAMPAIGN), "--as-of", EARLY, "--runs", "200", "--out", str(out)]) == 0
    assert "warning" not in capsys.readouterr().err
    early = load_scenario(CAMPAIGN, as_of=EARLY)
    # Before the Kremlin's list and Zelensky's condition: Putin's proposal, no only_if for Kyiv.
    assert early.parties["russia"].attendance.initial.level == "official"
    assert [c.kind for c in early.parties["ukraine"].attendance.commitments] == ["promise"]
    assert [c.kind for c in early.parties["united_states"].attendance.commitments] == ["only_if", "promise"]
