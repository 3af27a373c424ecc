"""Tests for simulator.analysis.score: Brier and log scores of a run's forecasts against what happened."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from simulator.analysis.score import score_event
from simulator.cli import main

FORECASTS = {"talks.direct": 0.8, "talks.leaders": 0.3, "agreement.any": 0.0, "sanctions.eu": 0.0}


def make_run(folder: Path, forecasts: dict[str, float], name: str = "Test scenario") -> Path:
    """A minimal run folder: just a summary.json with these event probabilities."""
    folder.mkdir(parents=True, exist_ok=True)
    events = {k: {"p": p, "ci95": [max(0.0, p - 0.01), min(1.0, p + 0.01)]} for k, p in forecasts.items()}
    summary = {"scenario": {"name": name, "path": "x.yaml", "sha256": "0"}, "runs": 100, "events": events}
    (folder / "summary.json").write_text(json.dumps(summary))
    return folder


def observed(folder: Path, text: str) -> Path:
    path = folder / "observed.yaml"
    path.write_text(text)
    return path


def score_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main(["score", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_scores_equal_hand_computed_values(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = make_run(tmp_path / "run", FORECASTS)
    obs = observed(tmp_path, "talks.direct: 1\ntalks.leaders: 1\nagreement.any: 0\nsanctions.eu: 1\n")
    doc = score_json(capsys, str(run), str(obs))
    ev = doc["events"]
    assert ev["talks.direct"] == {
        "observed": 1,
        "p": 0.8,
        "brier": pytest.approx(0.04),
        "log_score": pytest.approx(-math.log(0.8)),
    }
    assert ev["talks.leaders"]["brier"] == pytest.approx(0.49)
    assert ev["talks.leaders"]["log_score"] == pytest.approx(-math.log(0.3))
    # p = 0 for something that did not happen: perfect, up to the clip at 1e-6.
    assert ev["agreement.any"]["brier"] == 0.0
    assert ev["agreement.any"]["log_score"] == pytest.approx(-math.log(1 - 1e-6))
    # p = 0 for something that happened: the worst Brier, and a log score capped by the clip.
    assert ev["sanctions.eu"]["brier"] == 1.0
    assert ev["sanctions.eu"]["log_score"] == pytest.approx(-math.log(1e-6))
    assert doc["brier"] == pytest.approx((0.04 + 0.49 + 0 + 1) / 4)
    logs = [-math.log(0.8), -math.log(0.3), -math.log(1 - 1e-6), -math.log(1e-6)]
    assert doc["log_score"] == pytest.approx(sum(logs) / 4)


def test_json_has_exactly_the_contract_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = make_run(tmp_path / "run", FORECASTS)
    doc = score_json(capsys, str(run), str(observed(tmp_path, "talks.direct: 1\n")))
    # The contract's keys, plus the skill, the facts, the weights and the base-rate reference.
    assert set(doc) == {
        "brier",
        "log_score",
        "reference_brier",
        "reference_log_score",
        "events",
        "skill",
        "facts",
        "weights",
        "base_rate_reference",
    }
    assert doc["reference_brier"] == 0.25
    assert doc["reference_log_score"] == pytest.approx(math.log(2))
    assert set(doc["events"]) == {"talks.direct"}
    assert set(doc["events"]["talks.direct"]) == {"observed", "p", "brier", "log_score"}


def test_no_skill_forecast_scores_the_reference() -> None:
    for o in (0, 1):
        e = score_event("x", 0.5, o)
        assert (e.brier, e.log_score) == (0.25, pytest.approx(math.log(2)))


def test_table_reports_means_reference_and_skill(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = make_run(tmp_path / "run", FORECASTS)
    obs = observed(tmp_path, "talks.direct: 1\ntalks.leaders: 0\n")
    assert main(["score", str(run), str(obs)]) == 0
    out = capsys.readouterr().out
    brier = (0.04 + 0.09) / 2
    assert f"{brier:.3f}" in out and f"{1 - brier / 0.25:.3f}" in out
    assert "Lower is better" in out and "0.693" in out
    assert "no reliability figure" in out and not (run / "figures").exists()


def test_against_scores_a_second_run_side_by_side(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = make_run(tmp_path / "run", FORECASTS)
    other = make_run(tmp_path / "other", {**FORECASTS, "talks.direct": 0.5})
    obs = observed(tmp_path, "talks.direct: 1\n")
    doc = score_json(capsys, str(run), str(obs), "--against", str(other))
    assert doc["brier"] == pytest.approx(0.04)
    assert doc["against"]["brier"] == 0.25
    assert doc["against"]["events"]["talks.direct"]["p"] == 0.5
    assert main(["score", str(run), str(obs), "--against", str(other)]) == 0
    assert "|" in capsys.readouterr().out


def test_unknown_event_exits_2_with_the_closest_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = make_run(tmp_path / "run", FORECASTS)
    obs = observed(tmp_path, "talks.direct: 1\ntalks.leader: 0\n")
    assert main(["score", str(run), str(obs)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{obs}:2:1: unknown event 'talks.leader'; did you mean 'talks.leaders'")
    assert str(run / "summary.json") in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("text", "where", "shown"),
    [
        ("talks.direct: 1\nagreement.any: 2\n", ":2:16:", "got 2"),
        ("talks.direct: yes\n", ":1:15:", "got 'yes'"),
        ("talks.direct: true\n", ":1:15:", "got true"),
        ("talks.direct: 0.5\n", ":1:15:", "got 0.5"),
        ("talks.direct:\n  - 1\n", ":2:5:", "got [1]"),
    ],
)
def test_a_value_other_than_0_or_1_exits_2_with_its_position(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, where: str, shown: str
) -> None:
    run = make_run(tmp_path / "run", FORECASTS)
    obs = observed(tmp_path, text)
    assert main(["score", str(run), str(obs)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{obs}{where}") and shown in err and "expected 0" in err


def test_bad_files_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = make_run(tmp_path / "run", FORECASTS)
    assert main(["score", str(tmp_path / "missing"), str(observed(tmp_path, "talks.direct: 1\n"))]) == 2
    assert "no summary.json" in capsys.readouterr().err
    assert main(["score", str(run), str(observed(tmp_path, "- talks.direct\n"))]) == 2
    assert "expected a mapping" in capsys.readouterr().err
    assert main(["score", str(run), str(observed(tmp_path, "talks.direct: [1\n"))]) == 2
    assert "invalid YAML" in capsys.readouterr().err


def test_reliability_figure_with_eight_events(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    forecasts = {f"attend.p{i}": p for i, p in enumerate([0.05, 0.1, 0.3, 0.45, 0.6, 0.7, 0.9, 0.95])}
    run = make_run(tmp_path / "run", forecasts)
    obs = observed(tmp_path, "".join(f"attend.p{i}: {int(i >= 4)}\n" for i in range(8)))
    assert main(["score", str(run), str(obs)]) == 0
    png = run / "figures" / "reliability.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote {png}" in capsys.readouterr().out
    # With --json the path goes to stderr so stdout stays pure JSON.
    assert main(["score", str(run), str(obs), "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["events"]["attend.p0"]["observed"] == 0
    assert str(png) in captured.err


def test_help_says_lower_is_better(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "LOWER IS BETTER" in out and "reliability.png" in out


def test_against_writes_the_figure_to_out_not_into_a_run(tmp_path: Path) -> None:
    """Issue #9 item 7: a figure of two runs must not land in (and be reported with) the first."""
    keys = [f"level.p{i}.leader" for i in range(10)]
    run = make_run(tmp_path / "run", {k: i / 10 for i, k in enumerate(keys)})
    other = make_run(tmp_path / "other", {k: 0.5 for k in keys})
    obs = observed(tmp_path, "".join(f"{k}: {i % 2}\n" for i, k in enumerate(keys)))
    out = tmp_path / "both.png"
    assert main(["score", str(run), str(obs), "--against", str(other), "--out", str(out)]) == 0
    assert out.is_file()
    assert not (run / "figures").exists() and not (other / "figures").exists()
    assert main(["score", str(run), str(obs)]) == 0  # one run: its own figures/ folder
    assert (run / "figures" / "reliability.png").is_file()


SHIPPED_OBSERVED = Path(__file__).parents[1] / "scenarios" / "istanbul_2025.observed.yaml"


@pytest.mark.slow
def test_the_shipped_observed_file_scores_against_both_references(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from simulator.scenario.yamlsafe import load_yaml

    keys = [k for k in load_yaml(SHIPPED_OBSERVED).data if k != "seeds"]
    run = make_run(tmp_path / "run", dict.fromkeys(keys, 0.9))
    doc = score_json(capsys, str(run), str(SHIPPED_OBSERVED))
    # Ten events, six facts: the delegations meeting and Putin staying away count once each.
    assert len(doc["events"]) == 10 and doc["facts"] == 6
    assert doc["weights"]["talks.direct"] == pytest.approx(1 / 3)
    assert doc["weights"]["attend.turkey"] == 1.0
    ref = doc["base_rate_reference"]
    assert "climatology" in ref["name"]
    # The fact-weighted observed frequency, forecast for every event.
    w, o = doc["weights"], {k: e["observed"] for k, e in doc["events"].items()}
    rate = sum(w[k] * o[k] for k in o) / sum(w.values())
    assert ref["p"]["talks.leaders"] == pytest.approx(rate) and len(set(ref["p"].values())) == 1
    assert ref["skill"] == pytest.approx(1 - doc["brier"] / ref["brier"])
    # A base rate the user gives replaces the climatology.
    doc = score_json(capsys, str(run), str(SHIPPED_OBSERVED), "--reference", "0.3")
    assert doc["base_rate_reference"]["brier"] != doc["reference_brier"]
    assert set(doc["base_rate_reference"]["p"].values()) == {0.3}


def test_fact_weights_change_the_means(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = make_run(tmp_path / "run", FORECASTS)
    plain = score_json(
        capsys, str(run), str(observed(tmp_path, "talks.direct: 1\ntalks.leaders: 0\nagreement.any: 0\n"))
    )
    text = (
        "talks.direct: 1\ntalks.leaders: {observed: 0, fact: one}\nagreement.any: {observed: 0, fact: one}\n"
    )
    grouped = score_json(capsys, str(run), str(observed(tmp_path, text)))
    assert plain["brier"] == pytest.approx((0.04 + 0.09 + 0.0) / 3)
    assert grouped["brier"] == pytest.approx((0.04 + (0.09 + 0.0) / 2) / 2)


def test_a_misquoted_observed_event_exits_2_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = make_run(tmp_path / "run", FORECASTS)
    text = 'talks.direct:\n  observed: 1\n  source: {seed: "002", quote: "words no article ever printed"}\n'
    obs = observed(tmp_path, f"seeds: {Path(__file__).parents[1] / 'seeds'}\n{text}")
    assert main(["score", str(run), str(obs)]) == 2
    err = capsys.readouterr().err
    assert f"{obs}:4:" in err and "quote not found in seed" in err
    assert main(["score", str(run), str(SHIPPED_OBSERVED.with_name("nope.yaml")), "--reference", "2"]) == 2
    capsys.readouterr()
    ok = observed(tmp_path, "talks.direct: 1\n")
    assert main(["score", str(run), str(ok), "--reference", "1.5"]) == 2
    assert "strictly between 0 and 1" in capsys.readouterr().err


def test_validate_checks_an_observed_file_beside_its_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", "--no-prior-check", str(SHIPPED_OBSERVED)]) == 0
    seeds = Path(__file__).parents[1] / "seeds"
    bad = tmp_path / "x.observed.yaml"
    bad.write_text(
        f'seeds: {seeds}\ntalks.direct: {{observed: 2, source: {{seed: "002", quote: "not in it at all"}}}}\n'
    )
    assert main(["validate", "--no-prior-check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "quote not found in seed" in err and "expected 0 (did not happen) or 1" in err


def test_one_negotiation_is_drawn_as_a_dot_chart_not_a_reliability_curve(tmp_path: Path) -> None:
    """Issue #22: the events of one run are one case; the figure shows each event's forecast against
    what happened (one row per event), not bins of one or two events."""
    from simulator.analysis.score import EventScore, ScoreCard
    from simulator.figures.score import forecast_figure

    forecasts = {"talks.direct": (0.9, 1), "talks.leaders": (0.07, 0), "agreement.ceasefire": (0.03, 0)}
    events = {k: EventScore(k, o, p, (p - o) ** 2, 0.0) for k, (p, o) in forecasts.items()}
    run = make_run(tmp_path / "run", {k: p for k, (p, _) in forecasts.items()})
    fig = forecast_figure([ScoreCard(run, "Test", events)], tmp_path / "observed.yaml")
    ax = fig.axes[0]
    rows = [t.get_text() for t in ax.get_yticklabels()]
    assert rows == ["talks.direct", "agreement.ceasefire", "talks.leaders"]
    squares = ax.collections[0].get_offsets()  # what happened: at 100% for the first row, 0% after
    assert list(squares[:, 0]) == [1.0, 0.0, 0.0]


def test_dot_chart_rows_are_the_scenarios_words(tmp_path: Path) -> None:
    """A real run folder: each row says the event in the scenario's words, not its key."""
    from simulator.analysis.score import EventScore, ScoreCard
    from simulator.api import start_run
    from simulator.figures.score import forecast_figure
    from simulator.scenario.load import load_scenario

    run = tmp_path / "run"
    scenario = load_scenario(Path(__file__).parent / "data" / "two_party.yaml")
    start_run(scenario, run, runs=200, seed=0, figures=False)
    events = {k: EventScore(k, o, 0.5, 0.25, 0.0) for k, o in (("talks.direct", 1), ("attend.beta", 0))}
    fig = forecast_figure([ScoreCard(run, "Test", events)], tmp_path / "observed.yaml")
    rows = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert rows == ["Direct talks are held", "Beta attends"]
