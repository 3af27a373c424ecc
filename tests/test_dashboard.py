"""The dashboard's logic without a browser: confinement, controls, the what-if against
``negsim compare``, cancellation, the reproducing command, the charts and the command line."""

from __future__ import annotations

import json
import shlex
import sys
import threading
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.cli.app import build_parser
from simulator.dashboard import charts, session
from simulator.errors import ScenarioError, UserError
from simulator.scenario.load import load_scenario

ROOT = Path(__file__).parents[1]
BASELINE = ROOT / "scenarios" / "istanbul_2025.yaml"
TWO = Path(__file__).parent / "data" / "two_party.yaml"


@pytest.fixture
def roots(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    monkeypatch.chdir(ROOT / "tests")
    return session.allowed_roots(None)


@pytest.mark.parametrize(
    "typed",
    ["/etc/passwd", "../../../../etc/hosts.yaml", "/etc/fstab.yaml", "../pyproject.toml", "", "a\x00b.yaml"],
)
def test_typed_paths_outside_the_folders_are_refused(roots: list[Path], typed: str) -> None:
    with pytest.raises(UserError):
        session.resolve_typed(typed, roots)


def test_shipped_names_and_files_inside_are_opened(roots: list[Path]) -> None:
    assert session.open_scenario("istanbul_2025", roots).scenario.name.startswith("Istanbul")
    assert session.open_scenario("data/two_party.yaml", roots).scenario.name == "Two-party test"


def test_a_broken_file_reports_its_line_and_column(roots: list[Path], tmp_path: Path) -> None:
    bad = ROOT / "tests" / "data" / "two_party.yaml"
    with pytest.raises(ScenarioError) as exc:
        session.open_scenario(str(bad), roots, ["parties.alpha.capability=2"])
    assert session.message(exc.value).startswith("--set[1]:1:")


@pytest.mark.slow
def test_controls_cover_every_parameter_with_a_range_and_set_takes_them_back() -> None:
    scenario = load_scenario(TWO)
    controls = session.controls(scenario)
    paths = {c.set_path() for c in controls}
    assert set(scenario.parameter_slots()) <= paths
    levels = [c for c in controls if c.choices]
    assert {c.set_path() for c in levels} == {
        f"parties.{p}.attendance.initial.level" for p in scenario.parties
    }
    for c in controls:
        if not c.choices:
            assert c.low <= c.high
        again = load_scenario(TWO, [f"{c.set_path()}={c.value}"])
        assert again.sha256() != "" and c.sources == [] and c.assumption == "test"


@pytest.mark.slow
def test_whatif_is_negsim_compare_and_its_command_reproduces_it(tmp_path: Path) -> None:
    sets = ["parties.beta.attendance.legitimacy_cost=0.4"]
    doc = session.whatif(TWO, sets, runs=2000, seed=3)
    cmd = session.compare_command(TWO, sets, runs=2000, seed=3)
    argv = shlex.split(cmd)[1:]
    out = tmp_path / "cmp"
    argv[argv.index("--out") + 1] = str(out)
    assert main([*argv, "--workers", "1"]) == 0
    cli = json.loads((out / "comparison.json").read_text())
    assert cli["events"] == doc["events"]
    again = session.whatif(TWO, sets, runs=2000, seed=3)  # A's worlds from the cache this time
    assert again["events"] == doc["events"] and again["counts"] == doc["counts"]
    assert any(e["significant"] for e in doc["events"].values())


def test_a_cancelled_request_stops_between_chunks() -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(session.Cancelled):
        session.whatif(TWO, [], runs=2000, seed=0, cancel=cancel)


@pytest.mark.parametrize("runs", [0, 99, -5, 10**9, True])
def test_world_counts_out_of_range_are_refused(runs: int) -> None:
    with pytest.raises(UserError, match="worlds"):
        session.check_worlds(runs)


def test_charts_escape_labels_and_carry_hover_titles() -> None:
    svg = charts.probabilities([("<script>alert(1)</script>", 0.25, 0.2, 0.3)])
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt;: 25.0% (95% interval 20.0–30.0%)</title>" in svg
    doc = {"events": {"x": {"a": 0.1, "b": 0.3, "diff": 0.2, "ci95": [0.15, 0.25], "significant": True}}}
    assert "+20.0 points" in charts.differences(doc, ["x"], {}) and "significant" in charts.differences(
        doc, ["x"], {}
    )


def test_dated_series_reads_a_campaign_summary() -> None:
    summary = {
        "events": {
            "agreement.ceasefire.by.2025-06-30": {"p": 0.2, "ci95": [0.1, 0.3]},
            "agreement.ceasefire.by.2025-05-31": {"p": 0.1, "ci95": [0.05, 0.15]},
            "talks.direct": {"p": 0.9, "ci95": [0.8, 0.95]},
        }
    }
    assert session.dated_series(summary) == {
        "agreement.ceasefire": [("2025-05-31", 0.1, 0.05, 0.15), ("2025-06-30", 0.2, 0.1, 0.3)]
    }


def test_the_command_is_registered_with_its_options() -> None:
    args = build_parser().parse_args(["dashboard", "--port", "0"])
    assert args.command == "dashboard" and args.host == "127.0.0.1" and args.scenario is None


def test_bad_port_and_bad_scenario_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["dashboard", "--port", "70000"]) == 2
    assert "--port" in capsys.readouterr().err
    # Solara is first imported by the server, after it has switched Solara's telemetry off.
    assert "solara" not in sys.modules
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nissues: 3\n")
    assert main(["dashboard", str(bad)]) == 2
    assert f"{bad}:" in capsys.readouterr().err


@pytest.mark.slow
def test_timeline_as_of_two_dates_draws_hoverable_points() -> None:
    path = ROOT / "scenarios" / "istanbul_2025_campaign.yaml"
    doc = session.timeline(path, ["2025-05-13T20:00", "2025-05-16T20:00"], runs=500, seed=0)
    assert len(doc["dates"]) == 2 and len(doc["sources"]) == 2 and doc["key_events"]
    key = doc["key_events"][0]
    series = {key: [(d, r["p"], *r["ci95"]) for d, r in zip(doc["dates"], doc["events"][key], strict=True)]}
    svg = charts.over_time(series, {key: key})
    assert svg.count("<circle") == 2 and f"{key} by {doc['dates'][0]}:" in svg
    with pytest.raises(UserError):
        session.timeline(path, [], runs=500, seed=0)


@pytest.mark.slow
def test_discovery_on_a_forecast_folder(tmp_path: Path) -> None:
    scenario = load_scenario(TWO)
    run = session.forecast(scenario, tmp_path / "f1", runs=3000, seed=0)
    assert session.latest_forecast(tmp_path, scenario) == run.out
    assert session.latest_forecast(tmp_path, load_scenario(BASELINE)) is None
    doc = session.discovery(run.out, "talks.leaders")
    assert doc["event"] == "talks.leaders" and 0 <= doc["base_rate"] <= 1 and doc["sentence"]
    with pytest.raises(UserError):
        session.discovery(run.out, "no.such.event")


@pytest.mark.slow  # importing the Solara app alone takes several seconds
def test_the_forecast_page_keeps_its_key_events() -> None:
    from simulator.dashboard.app import key_rows

    scenario = load_scenario(Path(__file__).parent / "data" / "two_party.yaml")
    e = {"p": 0.5, "ci95": [0.4, 0.6]}
    zero = {"p": 0.0, "ci95": [0.0, 0.1]}
    events = {
        "attend.alpha": e,
        "level.alpha.leader": e,
        "level.alpha.minister": e,  # only the leader's level is a key event
        "talks.direct": e,
        "agreement.ceasefire": e,
        "agreement.any": e,
        "agreement.ceasefire.by.2025-06-30": e,  # dated: left out
        "sanctions.alpha": zero,  # never happens: left out
        "threat.t1": e,
        "outcome.agreement": e,
        "agreement_path.agreed": e,
        "walkout.alpha": e,
    }
    kept = [row[0].rsplit("[", 1)[1].rstrip("]") for row in key_rows(scenario, {"events": events})]
    assert kept == [
        "attend.alpha",
        "level.alpha.leader",
        "talks.direct",
        "agreement.ceasefire",
        "agreement.any",
        "threat.t1",
        "outcome.agreement",
    ]
