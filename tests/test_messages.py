"""Issue #9, item 8: small messages a newcomer meets."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.cli import main
from simulator.numbers import pct, pct_ci

ROOT = Path(__file__).parents[1]
TWO_PARTY = Path(__file__).parent / "data" / "two_party.yaml"


def test_resume_of_a_missing_folder_says_no_such_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--resume", str(tmp_path / "nope")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_run_header_echoes_the_set_overrides(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["run", str(TWO_PARTY), "--runs", "200", "--no-figures", "--out", str(tmp_path / "r")]
    assert main([*argv, "--set", "parties.alpha.capability=0.9", "--workers", "1"]) == 0
    head = capsys.readouterr().out.splitlines()[:3]
    assert "  --set parties.alpha.capability=0.9" in head


def test_a_quote_missing_only_an_accent_gets_a_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = tmp_path / "mine.yaml"
    mine.write_text(
        f"extends: {ROOT / 'scenarios' / 'istanbul_2025.yaml'}\nseeds: {ROOT / 'seeds'}\nprotocol:\n"
        "  choice_noise:\n    value: 0.1\n"
        "    source: {seed: '003', quote: 'President Recep Tayyip Erdogan in'}\n",
        encoding="utf-8",
    )
    assert main(["validate", str(mine), "--allow-outside"]) == 2
    err = capsys.readouterr().err
    assert (
        'nearest in the article (differs only in accents or case): "President Recep Tayyip Erdoğan in"' in err
    )


@pytest.mark.parametrize(
    ("p", "digits", "text"),
    [
        (0.0, 1, "0.0%"),
        (0.0004, 1, "<0.1%"),
        (0.0076, 1, "0.8%"),
        (0.5, 1, "50.0%"),
        (0.9996, 1, ">99.9%"),
        (1.0, 1, "100.0%"),
        (0.004, 0, "<1%"),
        (0.996, 0, ">99%"),
        (0.42, 0, "42%"),
    ],
)
def test_one_percentage_format(p: float, digits: int, text: str) -> None:
    assert pct(p, digits) == text


def test_an_interval_reads_the_same_way_at_both_ends() -> None:
    assert pct_ci(0.0, 0.0, 0.0076) == "0.0% (95% CI 0.0%–0.8%)"
