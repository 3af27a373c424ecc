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


def test_the_baseline_runs_at_its_declared_cut_off() -> None:
    # The shipped baseline says it is a forecast as of the eve of the talks, and is one: loaded
    # without a date it runs at its declared cut-off, every late input on its fallback.
    eve = load_scenario(BASE)
    assert eve.as_of == "2025-05-14T20:00"
    assert eve == load_scenario(BASE, as_of="2025-05-14T20:00")
    # Russia's open levels and initial signal before the Kremlin's list (001, 22:00).
    russia = eve.parties["russia"].attendance
    assert russia.levels == ["absent", "official", "minister", "leader"]
    assert russia.initial.level == "minister"
    # Zelensky's "only if Putin is there" (003, 21:00) not yet said.
    assert [c.kind for c in eve.parties["ukraine"].attendance.commitments] == ["promise"]
    # After every seed: the inputs as written.
    late = load_scenario(BASE, as_of="2025-05-17")
    assert late.parties["russia"].attendance.levels == ["absent", "official", "leader"]
    assert late.parties["russia"].attendance.initial.level == "official"


def test_a_late_source_without_fallback_is_refused_at_its_line(what_if: Callable[[str], Path]) -> None:
    path = what_if(LATE_PRESSURE)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, as_of="2025-05-14T20:00")
    text = str(info.value)
    first = text.splitlines()[0]
    file, line, col, message = first.split(":", 3)
    assert file.endswith(path.name) and int(line) > 0 and int(col) > 0
    assert "pressures.late.strength cites seed 001" in message
    assert "after --as-of 2025-05-14T20:00" in message
    # The scenario's declared cut-off applies without --as-of.
    with pytest.raises(ScenarioError, match="after --as-of 2025-05-14T20:00"):
        load_scenario(path)


def test_the_cli_refuses_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], what_if: Callable[[str], Path]
) -> None:
    path = what_if(LATE_PRESSURE)
    code = main(["run", str(path), "--runs", "100", "--out", str(tmp_path / "r")])
    assert code == 2
    assert "cites seed" in capsys.readouterr().err
    assert not (tmp_path / "r" / "summary.json").exists()


def test_fallbacks_replace_late_parameters_and_nothing_else() -> None:
    now = load_scenario(CAMPAIGN, as_of="2025-05-17")
    eve = load_scenario(CAMPAIGN)
    after = load_scenario(CAMPAIGN, as_of="2025-05-16T18:00")
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


@pytest.mark.slow
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
LATE_PRESSURE = (
    f"pressures:\n  late:\n    by: lula\n    on: russia\n    strength: {{value: 0.1, source: {LATE}}}\n"
)


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


@pytest.mark.slow
def test_the_campaign_runs_early_without_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r"
    assert main(["run", str(CAMPAIGN), "--as-of", EARLY, "--runs", "200", "--out", str(out)]) == 0
    assert "warning" not in capsys.readouterr().err
    early = load_scenario(CAMPAIGN, as_of=EARLY)
    # Before the Kremlin's list and Zelensky's condition: no level named, no only_if for Kyiv.
    assert early.parties["russia"].attendance.initial.level == "minister"
    assert [c.kind for c in early.parties["ukraine"].attendance.commitments] == ["promise"]
    assert [c.kind for c in early.parties["united_states"].attendance.commitments] == ["only_if", "promise"]


# Inputs that are not numbers (formats, levels, issues, mediator, order) fall under the cut-off
# through the scenario's provenance: table.
FORMAT = "protocol.formats.extra"


def test_a_late_structural_input_is_refused_without_fallback(what_if: Callable[[str], Path]) -> None:
    path = what_if(
        "protocol:\n  formats:\n    extra: {parties: [ukraine, turkey]}\n"
        f"provenance:\n  {FORMAT}:\n    source: {LATE}\n"
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, as_of=EARLY)
    line = next(x for x in str(info.value).splitlines() if FORMAT in x)
    assert f"{FORMAT} (input) cites seed 001" in line and line.split(":", 1)[0].endswith(path.name)
    assert "extra" in load_scenario(path, as_of="2025-05-14T22:00").protocol.formats


def test_structural_fallbacks_replace_keep_or_drop(what_if: Callable[[str], Path]) -> None:
    path = what_if(
        "protocol:\n  formats:\n    extra: {parties: [ukraine, turkey]}\n"
        "provenance:\n"
        f"  protocol.formats.extra:\n    source: {LATE}\n    as_of: {{absent: true, {WHY}}}\n"
        f"  protocol.mediator:\n    source: {LATE}\n    as_of: {{{WHY}}}\n"
        f"  parties.turkey.attendance.levels:\n    source: {LATE}\n"
        f"    as_of: {{value: [absent, minister], {WHY}}}\n"
    )
    early = load_scenario(path, as_of=EARLY)
    assert "extra" not in early.protocol.formats  # dropped
    assert "provenance.formats.extra" not in early.provenance
    assert early.protocol.mediator == "turkey"  # kept, on the fallback's basis
    assert early.parties["turkey"].attendance.levels == ["absent", "minister"]  # replaced
    assert "extra" in load_scenario(path, as_of="2025-05-17").protocol.formats


def test_an_assumption_naming_a_later_seed_counts_as_citing_it(what_if: Callable[[str], Path]) -> None:
    path = what_if(
        "pressures:\n  late:\n    by: lula\n    on: russia\n"
        '    strength: {value: 0.1, assumption: "as 001 reports, Lula urged Putin to go"}\n'
    )
    with pytest.raises(
        ScenarioError, match=r"pressures.late.strength cites seed 001 \(published .*, named in"
    ):
        load_scenario(path, as_of=EARLY)
    # A number like 0.001 is no seed id.
    ok = what_if(
        "pressures:\n  late:\n    by: lula\n    on: russia\n"
        '    strength: {value: 0.1, assumption: "minor, 0.001 at least"}\n'
    )
    assert load_scenario(ok, as_of=EARLY).pressures["late"].strength.describe() == "0.1"


def test_provenance_names_an_input_of_the_scenario(what_if: Callable[[str], Path]) -> None:
    path = what_if('provenance:\n  protocol.formats.nowhere:\n    assumption: "a format never held"\n')
    with pytest.raises(ScenarioError, match=r"'protocol\.formats\.nowhere' names nothing in this scenario"):
        load_scenario(path)
    param = what_if('provenance:\n  parties.turkey.capability:\n    assumption: "a parameter"\n')
    with pytest.raises(ScenarioError, match="is a parameter"):
        load_scenario(param)


SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize(
    "path", [p for p in SHIPPED if not p.name.endswith(".observed.yaml")], ids=lambda p: p.name
)
def test_every_shipped_scenario_runs_at_its_declared_cut_off(path: Path) -> None:
    # Each declares (or inherits) a cut-off and loads at it: every input citing a seed published
    # later has a fallback. A new late quote without one makes this fail.
    scenario = load_scenario(path)
    assert scenario.as_of, f"{path.name} declares no as_of: cut-off"
    assert scenario.seeds_dir is not None
    if scenario.seeds_dir.resolve() != (ROOT / "seeds").resolve():
        # Another negotiation (the US-Iran digest, seeds/iran_2025): a forecast as of the end of
        # its digest, so every source it holds was published by the cut-off.
        assert max(published_dates(scenario.seeds_dir).values()) <= parse_when(scenario.as_of)
        return
    published = published_dates(ROOT / "seeds")
    if "posttalks" not in path.name and "iran" not in path.name:
        assert scenario.as_of == "2025-05-14T20:00"
        # Before the talks opened (15 May): an eve-of-talks forecast.
        assert parse_when(scenario.as_of) < min(published[s] for s in published if s.startswith("000"))


def test_a_set_input_stays_as_set_under_the_cut_off() -> None:
    # --set names what the user wants; the cut-off's fallback must not overwrite it.
    sets = ["parties.russia.attendance.leader_cost=0.9", "parties.russia.attendance.initial.level=official"]
    russia = load_scenario(BASE, sets).parties["russia"].attendance
    assert russia.leader_cost.describe() == "0.9"
    assert russia.initial.level == "official"
    # Unset neighbours still run on their fallbacks.
    assert load_scenario(BASE, sets[:1]).parties["russia"].attendance.initial.level == "minister"


def test_a_resolved_copy_loads_again_as_it_ran(tmp_path: Path) -> None:
    # A run's scenario.resolved.yaml is the scenario after its cut-off: loading it applies nothing
    # twice (a fallback's assumption may name the later seed it stands in for).
    eve = load_scenario(BASE)
    copy = tmp_path / "resolved.yaml"
    copy.write_text(eve.to_yaml().replace('seeds: "../seeds"', f"seeds: {ROOT / 'seeds'}"), encoding="utf-8")
    again = load_scenario(copy, check_sources=False)
    assert again.cut_off_applied and again.as_of == "2025-05-14T20:00"
    assert again.parties["russia"].attendance.initial.level == "minister"
    assert again.sha256() == eve.sha256()
