"""Hostile input (issue #11): terminal escapes in scenario text, seeds that are not articles."""

import os
from pathlib import Path

import pytest

from simulator.errors import Problem, ScenarioError, printable
from simulator.scenario.sources import MAX_SEED_BYTES, SeedLibrary
from simulator.scenario.yamlsafe import parse_yaml


@pytest.mark.parametrize(
    "text",
    [
        'name: "\\e[2J cleared"\n',  # ESC: clear the screen
        'name: "\\a bell"\n',
        'name: "\\e]52;c;ZXZpbA==\\a"\n',  # OSC 52: write the clipboard
        '"\\e[1Akey": 1\n',  # in a key too
        'name: "\\x9b31m"\n',  # C1 CSI
    ],
)
def test_control_characters_from_yaml_escapes_are_refused_where_written(text: str) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_yaml(text, "s.yaml")
    (problem,) = info.value.problems
    assert problem.line == 1
    assert "control character" in problem.message
    assert "\x1b" not in str(info.value) and "\x07" not in str(info.value)


def test_tab_and_newline_stay_allowed_in_strings() -> None:
    doc = parse_yaml('name: "a\\tb\\nc"\n', "s.yaml")
    assert doc.data == {"name": "a\tb\nc"}


def test_every_message_escapes_control_characters() -> None:
    shown = str(Problem("x\x1b[2J.yaml", 1, 2, "bad \x07 value \x9b1m"))
    assert shown == "x\\x1b[2J.yaml:1:2: bad \\x07 value \\x9b1m"
    assert printable("ok\ttab") == "ok\ttab"  # a tab is harmless and stays


def test_a_fifo_in_the_seeds_folder_is_refused_not_waited_on(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "x.txt")
    with pytest.raises(ScenarioError, match="not a regular file"):
        SeedLibrary(tmp_path)


def test_a_symlink_to_a_device_is_refused(tmp_path: Path) -> None:
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    with pytest.raises(ScenarioError, match="not a regular file"):
        SeedLibrary(tmp_path)


def test_a_seed_over_the_size_cap_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as f:
        f.truncate(MAX_SEED_BYTES + 1)  # sparse: no disk used
    with pytest.raises(ScenarioError, match="larger than 5 MB"):
        SeedLibrary(tmp_path)
    big.unlink()
    (tmp_path / "ok.txt").write_text("an article", encoding="utf-8")
    assert SeedLibrary(tmp_path).find("ok") is not None
