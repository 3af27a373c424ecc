"""The seams a maintainer extends: the event catalogue, the open protocol registry, the run
folder's ``on_finished`` hook, and settings that are either honoured or refused."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from simulator import plugins
from simulator.analysis.events import default_events, event_keys
from simulator.api import run
from simulator.engine.chunks import Chunk
from simulator.engine.documents import Manifest, Stat, Summary, to_json
from simulator.engine.ensemble import simulate_chunk
from simulator.engine.rundir import read_manifest, start_run, write_manifest
from simulator.engine.tally import events_of
from simulator.errors import ScenarioError
from simulator.model.model import NegotiationModel
from simulator.model.protocols.base import Problem, Table, TalksOutcome, TalksProtocol, register
from simulator.scenario import events as ke
from simulator.scenario.load import load_scenario
from simulator.scenario.protocol import DEFAULT_MEMBERS
from simulator.scenario.schema import Scenario
from tests.conftest import ROOT, TWO_PARTY, two_party

BASELINE = ROOT / "scenarios" / "istanbul_2025.yaml"
CAMPAIGN = ROOT / "scenarios" / "istanbul_2025_campaign.yaml"


# --- the event catalogue -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "overrides"),
    [
        (BASELINE, []),
        (CAMPAIGN, []),
        (TWO_PARTY, ["protocol.kind=expected_utility"]),
        (TWO_PARTY, ["protocol.kind=ensemble", "protocol.members={nash: 1, single_text: 1}"]),
    ],
)
def test_the_catalogue_lists_exactly_the_events_a_run_reports(path: Path, overrides: list[str]) -> None:
    scenario = load_scenario(path, overrides)
    rec = simulate_chunk(scenario, 0, Chunk(0, 0, 3))
    assert event_keys(scenario) == list(events_of(scenario, rec))


def test_every_key_parses_back_to_its_family_and_parts() -> None:
    assert ke.parse("level.russia.leader") == ke.Parsed(ke.LEVEL, {"party": "russia", "level": "leader"})
    assert ke.parse("agreement.any").family is ke.AGREEMENT_ANY  # a fixed key wins over a pattern
    dated = ke.parse("agreement.ceasefire.by.2025-06-30")
    assert dated is not None and dated.family is ke.AGREEMENT and dated.date == "2025-06-30"
    assert ke.parse("level.russia") is None  # a record column, not an event
    assert ke.parse("level.russia", ke.Kind).family is ke.LEVEL_COLUMN  # type: ignore[union-attr]
    assert ke.parse("param.parties.a.positions.x.ideal", [ke.Kind.RECORD]).parts == {  # type: ignore[union-attr]
        "path": "parties.a.positions.x.ideal"
    }
    for key in event_keys(load_scenario(CAMPAIGN)):
        assert ke.parse(key) is not None, key


def test_outcomes_are_an_enum_in_the_recorded_order() -> None:
    assert [o.value for o in ke.Outcome] == list(range(5))
    assert ke.OUTCOMES == ("no_talks", "collapse", "continue", "partial_agreement", "agreement")
    rec = NegotiationModel(two_party(), worlds=200, rng=1).run().records()
    agreed = rec["agreed.ceasefire"] & rec["agreed.border"]
    assert np.all((rec["outcome"] == ke.Outcome.AGREEMENT) == (agreed & rec["talks.direct"]))


def test_labels_come_from_the_catalogue() -> None:
    names = {"russia": "Russia", "ceasefire": "Ceasefire"}
    assert ke.label("attend.russia", names) == "Russia attends"
    assert ke.label("level.russia.absent", names) == "Russia stays away"
    assert ke.label("agreement.ceasefire.by.2025-06-30", names) == "Ceasefire agreed by 2025-06-30"
    assert ke.label("outcome.collapse") == "the talks collapse"
    assert ke.label("nonsense") is None


#: Literals that look like a catalogue key but are not one: a matplotlib setting, and ordinary
#: words that are also a record column's name (a scenario's ``protocol`` section, the DEU
#: dataset's ``outcome`` column, the expected-utility model's ``rounds``).
NOT_KEYS = {"text.parse_math", "protocol", "outcome", "rounds"}


def _literals(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Every string literal outside docstrings, f-strings with ``{}`` for each replacement field."""
    docs = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    inside_f: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            inside_f.update(id(v) for v in node.values)
            yield node.lineno, "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        elif (
            isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs | inside_f
        ):
            yield node.lineno, node.value


def test_no_event_key_is_spelled_out_outside_the_catalogue() -> None:
    """Keys are built and matched only through the catalogue's families: no literal in
    ``simulator/`` (docstrings aside) is a key, a family's fixed prefix (``"agreement."``) or the
    dated-key marker, outside ``simulator/scenario/events.py``."""
    prefixes = tuple(f.prefix() for f in ke.FAMILIES if f.over)
    fixed = {f.pattern for f in ke.FAMILIES if not f.over}
    offenders = []
    for path in sorted((ROOT / "simulator").rglob("*.py")):
        if path == ROOT / "simulator" / "scenario" / "events.py":
            continue
        for line, text in _literals(ast.parse(path.read_text(encoding="utf-8"))):
            looks = text.startswith(prefixes) or text in fixed or ".by." in text
            if looks and text not in NOT_KEYS:
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {text!r}")
    assert offenders == []


def test_the_key_scan_finds_a_key_spelled_out() -> None:
    """The scan above sees prefixes in tuples, keys in f-strings and the dated marker."""
    code = 'KEEP = ("attend.", "x")\nk = f"level.{pid}.leader"\nd = ".by." in k\nz = "zopa"\n'
    found = [text for _, text in _literals(ast.parse(code))]
    prefixes = tuple(f.prefix() for f in ke.FAMILIES if f.over)
    fixed = {f.pattern for f in ke.FAMILIES if not f.over}
    flagged = [t for t in found if t.startswith(prefixes) or t in fixed or ".by." in t]
    assert sorted(flagged) == [".by.", "attend.", "level.{}.leader", "zopa"]


def test_the_headline_issue_is_a_scenario_field_defaulting_to_the_first_issue() -> None:
    s = two_party()
    assert ke.headline_issue(s) == "ceasefire"
    assert ke.headline_issue(two_party("headline_issue=border")) == "border"
    assert ke.AGREEMENT.key("border") in default_events(two_party("headline_issue=border"))
    with pytest.raises(ScenarioError, match="unknown issue 'nope'"):
        two_party("headline_issue=nope")


def test_a_no_ceasefire_threat_follows_the_headline_issue() -> None:
    # patron sanctions beta "if no ceasefire": with border as the headline, the trigger reads border.
    base = NegotiationModel(two_party(), worlds=300, rng=2).run()
    moved = NegotiationModel(two_party("headline_issue=border"), worlds=300, rng=2).run()
    threats = [t for t, spec in base.spec.threats.items() if spec.trigger == "no_ceasefire"]
    assert threats
    for tid in threats:
        assert np.array_equal(base.triggers()[tid], ~base.records()["agreed.ceasefire"])
        assert np.array_equal(moved.triggers()[tid], ~moved.records()["agreed.border"])


# --- the open protocol seam ----------------------------------------------------------------------


class _SplitTheDifference(TalksProtocol):
    """A toy: the principals agree every issue at the midpoint of their ideals whenever they meet;
    it takes at most two issues (its own limit, checked at validation)."""

    kind = "toy_split"
    walkouts = False

    @classmethod
    def check(cls, scenario: Scenario) -> Iterator[Problem]:
        if len(scenario.issues) > 2:
            yield ("issues",), "toy_split takes at most two issues"

    def negotiate(self, model: NegotiationModel, table: Table) -> TalksOutcome:
        a, b = (model.parties[p] for p in model.spec.principals)
        text = (a.ideal + b.ideal) / 2
        agreed = np.repeat(table.held[:, None], len(model.issue_ids), axis=1)
        positions = {p: text.copy() for p in model.spec.principals}
        rounds = table.held.astype(np.int8)
        return TalksOutcome(agreed=agreed, text=text, rounds=rounds, positions=positions, walked=None)


@pytest.fixture
def toy() -> Iterator[type[TalksProtocol]]:
    register(_SplitTheDifference)
    yield _SplitTheDifference
    plugins.unregister(_SplitTheDifference.kind)


def test_a_protocol_registered_from_a_test_runs_end_to_end(toy: type[TalksProtocol], tmp_path: Path) -> None:
    scenario = two_party(f"protocol.kind={toy.kind}")
    out = run(scenario, tmp_path / "run", runs=300, seed=0, figures=False)
    ev = out.summary["events"]
    assert ev["agreement.any"]["count"] == ev["talks.direct"]["count"] > 0
    assert "walkout.alpha" not in ev and "outcome.collapse" not in ev  # a protocol without walk-outs
    assert ev["outcome.agreement"]["p"] == ev["talks.direct"]["p"]
    assert out.figures == []


def test_an_entry_point_registers_a_protocol(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another package's protocol arrives through the ``negsim.protocols`` entry points."""

    class EntryPoint:
        def load(self) -> type[TalksProtocol]:
            return _SplitTheDifference

    groups: list[str] = []

    def entry_points(group: str) -> list[EntryPoint]:
        groups.append(group)
        return [EntryPoint()]

    monkeypatch.setattr(plugins, "entry_points", entry_points)
    monkeypatch.setattr(plugins, "_discovered", False)
    try:
        assert _SplitTheDifference.kind in plugins.kinds()
        assert groups == [plugins.GROUP]
        assert two_party(f"protocol.kind={_SplitTheDifference.kind}").protocol.kind == "toy_split"
    finally:
        plugins.unregister(_SplitTheDifference.kind)


def test_a_registered_protocol_can_be_an_ensemble_member(toy: type[TalksProtocol]) -> None:
    scenario = two_party("protocol.kind=ensemble", f"protocol.members={{{toy.kind}: 1, single_text: 1}}")
    rec = NegotiationModel(scenario, worlds=400, rng=0).run().records()
    toy_rows = rec["protocol"] == 0
    assert np.all(rec["agreed.ceasefire"][toy_rows] == rec["talks.direct"][toy_rows])


def test_a_protocols_own_limits_are_checked_at_validation(toy: type[TalksProtocol], tmp_path: Path) -> None:
    three = tmp_path / "three.yaml"
    three.write_text(
        TWO_PARTY.read_text().replace(
            "  border: {name: Border",
            '  coast: {name: Coast, low: "a", high: "b"}\n  border: {name: Border',
        )
    )
    with pytest.raises(ScenarioError, match="toy_split takes at most two issues"):
        load_scenario(three, [f"protocol.kind={toy.kind}"], check_sources=False)


def test_an_unknown_kind_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ScenarioError, match=r"unknown protocol kind 'nsah'; did you mean 'nash'\?") as err:
        two_party("protocol.kind=nsah")
    assert "single_text" in str(err.value)


def test_the_default_ensemble_is_stated_not_every_registered_kind(toy: type[TalksProtocol]) -> None:
    weights = two_party("protocol.kind=ensemble").protocol.weights
    assert weights == DEFAULT_MEMBERS and toy.kind not in weights


def _three_principals(tmp_path: Path) -> Path:
    """The test scenario with the patron made a third principal (positions on both issues)."""
    position = (
        "{ideal: {value: 0.5, assumption: test}, red_line: {value: 0.5, assumption: test}, "
        "salience: {value: 0.5, assumption: test}, concession: {value: 0.5, assumption: test}}"
    )
    text = TWO_PARTY.read_text().replace(
        "    role: third_party\n",
        "    role: principal\n"
        "    outside_option: {value: 0.3, assumption: test}\n"
        "    reactance: {value: 0.0, assumption: test}\n"
        f"    positions:\n      ceasefire: {position}\n      border: {position}\n",
    )
    path = tmp_path / "three.yaml"
    path.write_text(text)
    return path


def test_three_principals_are_refused_where_a_member_takes_two(tmp_path: Path) -> None:
    three = _three_principals(tmp_path)
    with pytest.raises(ScenarioError, match=r"exactly two principals \(ensemble member 'single_text'\)"):
        load_scenario(three, ["protocol.kind=ensemble"], check_sources=False)
    # Without a two-principal member, the ensemble runs with three principals.
    members = "protocol.members={nash: 1, compromise: 1}"
    scenario = load_scenario(three, ["protocol.kind=ensemble", members], check_sources=False)
    rec = NegotiationModel(scenario, worlds=50, rng=0).run().records()
    assert "position.patron.border" in rec


# --- settings that do something --------------------------------------------------------------------


def test_the_ensemble_keeps_the_zone_of_agreement_and_history() -> None:
    scenario = two_party("protocol.kind=ensemble", "protocol.members={single_text: 1, nash: 1}")
    model = NegotiationModel(scenario, worlds=200, rng=0).run()
    assert "zopa" in model.records()
    st = NegotiationModel(two_party("protocol.kind=single_text"), worlds=200, rng=0).run()
    rows = model.records()["protocol"] == 0  # single_text worlds are the pure run's worlds
    assert np.array_equal(model.records()["zopa"][rows], st.records()["zopa"][rows])
    history = model.parties["alpha"].history
    assert history and np.allclose(history[-1][rows], st.parties["alpha"].history[-1][rows], equal_nan=True)


def test_crn_period_holds_in_a_campaign() -> None:
    scenario = load_scenario(CAMPAIGN)
    rec = simulate_chunk(scenario, 0, Chunk(0, 0, 40), crn_period=20)
    for key in ("campaign.meetings", "day.meeting.2", "level.russia", "outcome"):
        assert np.array_equal(rec[key][:20], rec[key][20:], equal_nan=True), key


# --- documents written as the typed models they are read as --------------------------------------


def test_summary_json_is_its_typed_document_serialised(tmp_path: Path) -> None:
    """Every key of summary.json is declared on the Summary model, in the file's order: validating
    the file and writing the model again gives the same bytes."""
    out = start_run(
        two_party("protocol.kind=ensemble", "protocol.members={nash: 1, single_text: 1}"),
        tmp_path / "r",
        runs=60,
        seed=3,
    )
    text = (out.out / "summary.json").read_text(encoding="utf-8")
    doc = Summary.model_validate_json(text)
    assert to_json(doc) + "\n" == text
    assert isinstance(doc.stats[ke.CONCESSION.key("alpha", "ceasefire")], Stat)
    assert doc.chunks is not None and doc.chunks[0].spawn_key == [0]
    assert not doc.__pydantic_extra__  # nothing written that the model does not declare


def test_the_manifest_is_written_and_read_as_its_model(tmp_path: Path) -> None:
    manifest = Manifest(negsim_version="0", runs=5, seed=1, chunk_size=5, sha256="x", scenario_path=None)
    write_manifest(tmp_path, manifest)
    assert read_manifest(tmp_path) == manifest


def test_a_red_line_range_comes_from_its_own_distribution() -> None:
    from simulator.figures.run import _red_line
    from simulator.scenario.params import Param

    lo, hi, what = _red_line(Param(triangular=(0.2, 0.5, 0.6), assumption="a test"), None)
    expected = Param(triangular=(0.2, 0.5, 0.6), assumption="a test").ppf(np.array([0.05, 0.95]))
    assert (lo, hi) == pytest.approx(tuple(expected)) and "5–95%" in what
    assert _red_line(Param(value=0.4, assumption="a test"), None)[:2] == (0.4, 0.4)


# --- figures: negsim's matplotlib style only while negsim draws ------------------------------------


def test_importing_the_figures_changes_no_matplotlib_setting() -> None:
    code = (
        "import matplotlib, json\n"
        "before = dict(matplotlib.rcParams)\n"
        "import simulator.figures, simulator.figures.common, simulator.figures.names\n"
        "after = dict(matplotlib.rcParams)\n"
        "print(json.dumps(sorted(k for k in before if before[k] != after[k])))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"


def test_user_text_is_drawn_literally_and_the_style_ends_with_the_drawing(tmp_path: Path) -> None:
    import matplotlib
    from matplotlib.figure import Figure

    from simulator.figures.common import save_figure, styled

    @styled
    def draw() -> Figure:
        fig = Figure()
        ax = fig.add_subplot()
        ax.barh(["$\\frac{a}{"], [1.0])  # a category tick label, made only when the figure is drawn
        ax.set_title("Budget $5 vs $10")
        return fig

    assert save_figure(draw(), tmp_path / "x.png").is_file()
    assert matplotlib.rcParams["text.parse_math"] is True  # the user's own plots still parse math


# --- the command line ------------------------------------------------------------------------------


def test_more_workers_than_cores_is_said_once(capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    from simulator.cli.options import executor_for
    from simulator.engine.executors import cores

    args = argparse.Namespace(workers=cores() + 5, backend="local", address=None)
    with executor_for(args, chunks=1) as ex:
        assert ex is None  # one chunk: run here
    err = capsys.readouterr().err
    assert err.count(f"--workers {cores() + 5} is more than the {cores()} cores") == 1


def test_run_help_lists_every_shipped_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    from simulator.cli import main

    assert main(["run", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for path in (ROOT / "scenarios").glob("*.yaml"):
        if not path.name.endswith(".observed.yaml"):
            assert path.stem in text
    assert "istanbul_2025.observed" not in text


def test_the_deu_figures_are_drawn_in_the_style(tmp_path: Path) -> None:
    """The benchmark's figures (the fast lane's only call into ``figures/deu3.py``)."""
    from simulator.figures.deu3 import write_deu3_figures

    rng = np.random.default_rng(0)
    samples = [rng.uniform(0, 100, 50) for _ in range(6)]
    outcome = rng.uniform(0, 100, 6)
    paths = write_deu3_figures(
        tmp_path, samples, outcome, rng.uniform(0, 1, 6), ["qmv/cod"] * 3 + ["unan/cns"] * 3, outcome + 5
    )
    assert [p.name for p in paths] == [
        "predicted_vs_actual.png",
        "pit_histogram.png",
        "coverage.png",
        "errors_by_rule.png",
    ]


def test_validate_warns_where_a_file_sets_a_retired_key(capsys: pytest.CaptureFixture[str]) -> None:
    # Accepted but ignored misleads: the old announcement keys still load, with a located warning;
    # the shipped scenarios no longer carry them.
    from simulator.cli import main

    assert main(["validate", str(TWO_PARTY), "--no-prior-check"]) == 0
    err = capsys.readouterr().err
    assert "two_party.yaml:105:3: warning: protocol.announcement_order no longer changes anything" in err
    assert "protocol.announcement_rounds no longer changes anything" in err
    shipped = [str(ROOT / "scenarios" / f"{name}.yaml") for name in ("istanbul_2025", "iran_2025")]
    assert main(["validate", *shipped, "--no-prior-check"]) == 0
    assert "no longer changes anything" not in capsys.readouterr().err
