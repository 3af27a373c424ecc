"""Tests for simulator.scenario.yamlsafe: strict, safe YAML loading with located errors."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from simulator.errors import ScenarioError
from simulator.scenario import yamlsafe
from simulator.scenario.yamlsafe import MAX_BYTES, MAX_DEPTH, load_yaml, parse_yaml

PARSERS = [yaml.SafeLoader] + ([yaml.CSafeLoader] if hasattr(yaml, "CSafeLoader") else [])


@pytest.fixture(params=PARSERS, ids=lambda parser: parser.__name__)
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[type]:
    """Run a test with both the libyaml parser and the pure-Python fallback."""
    monkeypatch.setattr(yamlsafe, "_PARSER", request.param)
    yield request.param


def problem_of(text: str | bytes) -> tuple[int, int, str]:
    """Parse text that must fail; return the single problem's line, col and message."""
    with pytest.raises(ScenarioError) as info:
        parse_yaml(text, "s.yaml")
    [problem] = info.value.problems
    assert problem.path == "s.yaml"
    return problem.line, problem.col, problem.message


BILLION_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi", strict=True)]
)

BROKEN = [
    # (id, text, line, col, message substring)
    ("flow-unclosed-key", "a: {b: 1\nc: 2", 2, 2, "invalid YAML"),
    ("mapping-in-value", "a: b: c\n", 1, 5, "mapping values are not allowed"),
    ("unclosed-quote", "a: 'x\n", 2, 1, "unexpected end of stream"),
    ("tab-indent", "a:\n\tb: 1\n", 2, 1, "invalid YAML"),
    ("anchor", "a: &x 1\nb: 2\n", 1, 4, "anchors and aliases are not allowed"),
    ("alias", "a: 1\nb: *x\n", 2, 4, "anchors and aliases are not allowed"),
    ("anchor-on-key", "&k a: 1\n", 1, 1, "anchors and aliases are not allowed"),
    ("merge-key", "base: {a: 1}\nx:\n  <<: {a: 2}\n", 3, 3, "anchors and aliases are not allowed"),
    ("billion-laughs", BILLION_LAUGHS, 1, 4, "can make a small file expand enormously"),
    ("python-tag", "a: !!python/object/apply:os.system ['ls']\n", 1, 4, "tags are not allowed"),
    ("local-tag", "- 1\n- !foo bar\n", 2, 3, "tags are not allowed"),
    ("str-tag-on-key", "!!str 1: x\n", 1, 1, "tags are not allowed"),
    ("non-specific-tag", "a: ! 1\n", 1, 4, "tags are not allowed"),
    ("duplicate", "a: 1\nb: 2\na: 3\n", 3, 1, "duplicate key 'a' (first defined at line 1)"),
    ("duplicate-nested", "p:\n  x: 1\n  y: 2\n  x: 3\n", 4, 3, "duplicate key 'x' (first"),
    ("duplicate-quoted", "no: 1\n'no': 2\n", 2, 1, "duplicate key 'no' (first defined at line 1)"),
    ("duplicate-flow", "{a: 1, a: 2}", 1, 8, "duplicate key 'a'"),
    ("list-key", "? [a, b]\n: 1\n", 1, 3, "a mapping key must be a single value"),
    ("mapping-key", "{{a: 1}: 2}", 1, 2, "a mapping key must be a single value"),
    ("two-documents", "a: 1\n---\nb: 2\n", 2, 1, "only one YAML document"),
    ("two-explicit-docs", "---\na: 1\n...\n---\nb: 2\n", 4, 1, "only one YAML document"),
    ("too-deep", "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), 1, 65, "nesting is too deep"),
    ("too-deep-block", "".join(f"{'  ' * i}k{i}:\n" for i in range(70)), 65, 129, "too deep"),
    ("huge-int", "n: " + "9" * 101 + "\n", 1, 4, "number is too large"),
    ("huge-int-zeros", "n: " + "0" * 5000 + "\n", 1, 4, "number is too large"),
    ("nul-char", "a: x\x00y\n", 1, 5, "character YAML does not allow (U+0000)"),
    ("control-char", "a: 1\nbé: \x07\n", 2, 5, "U+0007"),
    ("bad-utf8", b"a: 1\nb: caf\xe9\n", 2, 7, "not valid UTF-8 text (byte 0xe9 at offset 11)"),
    ("bad-utf8-col-chars", "é: ".encode() + b"\xff", 1, 4, "byte 0xff at offset 4"),
    ("too-large-bytes", b"#" * (MAX_BYTES + 1), 0, 0, "file is too large (1000001 bytes;"),
]


@pytest.mark.parametrize(
    ("text", "line", "col", "message"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_broken_input_is_located(parser: type, text: str | bytes, line: int, col: int, message: str) -> None:
    got_line, got_col, got_message = problem_of(text)
    assert message in got_message
    assert (got_line, got_col) == (line, col)


def test_syntax_error_uses_problem_mark() -> None:
    line, col, message = problem_of("a:\n  - 1\n  b: 2\n")
    assert message.startswith("invalid YAML: ")
    assert (line, col) == (3, 3)


def test_alias_bomb_fails_instantly(parser: type) -> None:
    start = time.perf_counter()
    with pytest.raises(ScenarioError, match="anchors and aliases"):
        parse_yaml(BILLION_LAUGHS, "bomb.yaml")
    assert time.perf_counter() - start < 0.5


def test_very_deep_nesting_is_a_depth_error_not_recursion(parser: type) -> None:
    """Refused with a located message whichever check fires first.

    negsim's own limit fires at level MAX_DEPTH + 1 when the parser hands over events one by one;
    libyaml 0.2.6 (PyYAML 6.0.4) scans ahead and stops at its own depth limit first. Either is a
    clean, located refusal; what must never happen is a RecursionError or a traceback.
    """
    text = "[" * 10_000 + "]" * 10_000
    line, col, message = problem_of(text)
    assert line == 1
    if message.startswith("nesting is too deep"):
        assert message == f"nesting is too deep (more than {MAX_DEPTH} levels)"
        assert col == MAX_DEPTH + 1
    else:
        assert message.startswith("invalid YAML:")
        assert "nesting depth" in message


def test_max_depth_itself_is_allowed(parser: type) -> None:
    doc = parse_yaml("[" * MAX_DEPTH + "]" * MAX_DEPTH, "s.yaml")
    depth, node = 0, doc.data
    while isinstance(node, list):
        depth, node = depth + 1, node[0] if node else None
    assert depth == MAX_DEPTH


def test_yaml_1_1_words_stay_strings(parser: type) -> None:
    doc = parse_yaml("no: yes\non: off\ny: n\nparties: [no, on, off, yes, Yes, NO]\n", "s.yaml")
    assert doc.data == {
        "no": "yes",
        "on": "off",
        "y": "n",
        "parties": ["no", "on", "off", "yes", "Yes", "NO"],
    }


def test_keys_are_always_strings(parser: type) -> None:
    doc = parse_yaml("1: a\ntrue: b\nnull: c\n1.5: d\n~: e\n", "s.yaml")
    assert list(doc.data) == ["1", "true", "null", "1.5", "~"]


@pytest.mark.parametrize(
    ("plain", "expected"),
    [
        ("true", True),
        ("True", True),
        ("FALSE", False),
        ("null", None),
        ("Null", None),
        ("~", None),
        ("", None),
        ("007", 7),
        ("-12", -12),
        ("+3", 3),
        ("0o17", 15),
        ("0x1F", 31),
        ("1.5", 1.5),
        ("-.5", -0.5),
        ("1.", 1.0),
        ("2e3", 2000.0),
        ("1E-2", 0.01),
        (".inf", math.inf),
        ("-.Inf", -math.inf),
        ("1_000", "1_000"),
        ("0b101", "0b101"),
        ("2025-05-14", "2025-05-14"),
        ("1:30", "1:30"),
        ("yes", "yes"),
        ("tRue", "tRue"),
        ("0x", "0x"),
        ("1e", "1e"),
        ("+0o7", "+0o7"),
        ("hello world", "hello world"),
    ],
)
def test_plain_scalars_follow_yaml_1_2_core_schema(parser: type, plain: str, expected: object) -> None:
    value = parse_yaml(f"v: {plain}\n", "s.yaml").data["v"]
    assert value == expected
    assert type(value) is type(expected)


def test_nan_is_kept_as_float() -> None:
    value = parse_yaml("v: .NaN\n", "s.yaml").data["v"]
    assert isinstance(value, float)
    assert math.isnan(value)


@pytest.mark.parametrize(
    "text", ["v: '1'", 'v: "true"', "v: 'null'", "v: ''", "v: |\n  007\n", "v: >\n  no\n"]
)
def test_quoted_and_block_scalars_are_strings(parser: type, text: str) -> None:
    value = parse_yaml(text, "s.yaml").data["v"]
    assert isinstance(value, str)


def test_key_order_is_preserved(parser: type) -> None:
    doc = parse_yaml("z: 1\na: 2\nm: 3\n", "s.yaml")
    assert list(doc.data) == ["z", "a", "m"]


def test_positions_of_nested_keys_and_list_items(parser: type) -> None:
    text = "scenario:\n  parties:\n    - id: no\n      power: 3\n    - plain\n  rounds: 5\n"
    doc = parse_yaml(text, "s.yaml")
    assert doc.data == {"scenario": {"parties": [{"id": "no", "power": 3}, "plain"], "rounds": 5}}
    assert doc.position(()) == (1, 1)
    assert doc.position(("scenario",)) == (1, 1)
    assert doc.position(("scenario", "parties")) == (2, 3)
    assert doc.position(("scenario", "parties", 0)) == (3, 7)
    assert doc.position(("scenario", "parties", 0, "power")) == (4, 7)
    assert doc.position(["scenario", "parties", 1]) == (5, 7)
    assert doc.position(("scenario", "rounds")) == (6, 3)


def test_position_of_key_points_at_key_not_value(parser: type) -> None:
    doc = parse_yaml("a:\n\n    value\n", "s.yaml")
    assert doc.data == {"a": "value"}
    assert doc.position(("a",)) == (1, 1)


def test_position_of_missing_node_falls_back_to_nearest_ancestor(parser: type) -> None:
    doc = parse_yaml("top: 1\nparent:\n  child: 2\nitems: [a, b]\n", "s.yaml")
    assert doc.position(("parent", "missing")) == doc.position(("parent",)) == (2, 1)
    assert doc.position(("parent", "missing", "deeper", 3)) == (2, 1)
    assert doc.position(("items", 7)) == (4, 1)
    assert doc.position(("nowhere",)) == (1, 1)


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n", "---\n...\n", b""])
def test_empty_input_gives_none(parser: type, text: str | bytes) -> None:
    doc = parse_yaml(text, "s.yaml")
    assert doc.data is None
    assert doc.position(("anything",)) == doc.position(())


def test_load_yaml_reads_file_and_uses_display_name(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text("name: Talks\nparties:\n  - no\n", encoding="utf-8")
    doc = load_yaml(path)
    assert doc.path == str(path)
    assert doc.data == {"name": "Talks", "parties": ["no"]}
    assert load_yaml(str(path), display="s.yaml").path == "s.yaml"


def test_load_yaml_errors_carry_display_name(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("a: 1\na: 2\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_yaml(path, display="shown.yaml")
    assert str(info.value) == "shown.yaml:2:1: duplicate key 'a' (first defined at line 1)"


def test_load_yaml_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_bytes(b"")
    assert load_yaml(path).data is None


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.yaml", "cannot read file: No such file or directory"),
        (lambda d: d, "cannot read file: not a regular file"),
    ],
    ids=["missing", "directory"],
)
def test_load_yaml_unreadable(tmp_path: Path, make: Callable[[Path], Path], message: str) -> None:
    path = make(tmp_path)
    with pytest.raises(ScenarioError) as info:
        load_yaml(path, display="x.yaml")
    assert str(info.value) == f"x.yaml:0:0: {message}"


def test_load_yaml_too_large(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a: 1\n" + b"#" * MAX_BYTES)
    with pytest.raises(ScenarioError) as info:
        load_yaml(path, display="big.yaml")
    expected = f"big.yaml:0:0: file is too large ({MAX_BYTES + 5} bytes; the limit is 1000000)"
    assert str(info.value) == expected


def test_load_yaml_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "garbage.yaml"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(ScenarioError) as info:
        load_yaml(path, display="g.yaml")
    [problem] = info.value.problems
    assert problem.message == "file is not valid UTF-8 text (byte 0x80 at offset 128)"
    # Bytes 0..127 contain \n (10) and no other line feed before offset 128.
    assert (problem.line, problem.col) == (2, 128 - 11 + 1)


def test_load_yaml_valid_utf8_with_control_bytes(tmp_path: Path) -> None:
    path = tmp_path / "ctrl.yaml"
    path.write_bytes(b"\x00\x01\x02\x03")
    with pytest.raises(ScenarioError, match=r"^ctrl\.yaml:1:1: .*U\+0000"):
        load_yaml(path, display="ctrl.yaml")


@pytest.mark.slow
def test_many_entries_parse_with_positions(parser: type) -> None:
    lines = [f"k{i}: {{name: party{i}, power: {i}, flag: no}}" for i in range(5_000)]
    text = "\n".join(lines)
    assert len(text.encode()) < MAX_BYTES
    doc = parse_yaml(text, "s.yaml")
    assert len(doc.data) == 5_000
    assert doc.data["k4999"] == {"name": "party4999", "power": 4999, "flag": "no"}
    assert doc.position(("k4999", "power")) == (5_000, 26)
