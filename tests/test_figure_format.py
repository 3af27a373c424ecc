"""``--format png|svg|pdf``: one option on every command that writes figures, one place that saves."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.cli.app import build_parser
from simulator.figures.names import FORMATS

TWO_PARTY = Path(__file__).parent / "data" / "two_party.yaml"
#: Every command that writes figures, as its words on the command line.
FIGURE_COMMANDS = (
    ("run",),
    ("compare",),
    ("sweep",),
    ("sensitivity",),
    ("timeline",),
    ("score",),
    ("discover",),
    ("benchmark", "deu3"),
)


def _subparser(parser: argparse.ArgumentParser, words: tuple[str, ...]) -> argparse.ArgumentParser:
    for word in words:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[word]
    return parser


@pytest.mark.parametrize("words", FIGURE_COMMANDS, ids=" ".join)
def test_every_figure_command_takes_the_one_format_option(words: tuple[str, ...]) -> None:
    parser = _subparser(build_parser(), words)
    (action,) = [a for a in parser._actions if "--format" in a.option_strings]
    assert action.dest == "figure_format"
    assert tuple(action.choices or ()) == FORMATS and action.default == "png"


def test_bad_format_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(TWO_PARTY), "--runs", "10", "--format", "gif"]) == 2
    assert "invalid choice: 'gif'" in capsys.readouterr().err


@pytest.mark.slow
def test_run_writes_svg_the_report_embeds_it_and_overwrite_removes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    base = ["run", str(TWO_PARTY), "--runs", "300", "--workers", "1", "--out", str(out)]
    assert main([*base, "--format", "svg"]) == 0
    figures = sorted(p.name for p in (out / "figures").iterdir())
    assert figures and all(name.endswith(".svg") for name in figures), figures
    assert (out / "figures" / "events.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert main(["report", str(out)]) == 0
    assert "data:image/svg+xml;base64," in (out / "report.html").read_text(encoding="utf-8")
    # A new run in PNG replaces the SVG figures: no stale figure of the old run is left.
    assert main([*base, "--overwrite"]) == 0
    figures = sorted(p.name for p in (out / "figures").iterdir())
    assert figures and all(name.endswith(".png") for name in figures), figures


def test_compare_writes_pdf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["compare", str(TWO_PARTY), str(TWO_PARTY), "--set-b", "protocol.rounds=2"]
    assert main([*args, "--runs", "200", "--workers", "1", "--out", str(tmp_path), "--format", "pdf"]) == 0
    assert (tmp_path / "figures" / "comparison.pdf").read_bytes()[:5] == b"%PDF-"
    assert not (tmp_path / "figures" / "comparison.png").exists()
    assert "figures/comparison.pdf" in capsys.readouterr().out


def test_timeline_keeps_every_line_past_eight_colours() -> None:
    """Issue #22: the timeline figure dropped key events beyond its eight colours; past eight,
    lines repeat a colour with another dash and marker, and no two lines look alike."""
    from simulator.figures.timeline import timeline_figure

    keys = [f"event.{i}" for i in range(11)]
    rows = [{"p": 0.1 * i, "ci95": [0.0, 1.0]} for i in range(2)]
    doc = {
        "scenario": {"name": "Test"},
        "runs": 100,
        "dates": ["2025-05-01", "2025-05-02"],
        "key_events": keys,
        "events": dict.fromkeys(keys, rows),
    }
    lines = timeline_figure(doc).axes[0].get_lines()
    assert [ln.get_label() for ln in lines] == keys
    looks = {(ln.get_color(), ln.get_linestyle(), ln.get_marker()) for ln in lines}
    assert len(looks) == len(keys)
