"""Hostile and random input never crashes ``negsim``: exit 0, or exit 2 with located problems.

Whatever a scenario file holds (random text, random bytes, a real file with lines deleted and
characters changed, a billion-laughs alias bomb, ten thousand open brackets, numbers too big for a
float) and whatever ``--set`` says, ``negsim validate`` and ``negsim explain`` either accept it or
print one ``path:line:col: message`` line per problem and exit 2: never a traceback, never a hang,
never a non-finite number accepted as a parameter value.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from simulator.cli import main

HERE = Path(__file__).parent
TWO_PARTY = HERE / "data" / "two_party.yaml"
BASE = TWO_PARTY.read_text(encoding="utf-8")
PROBLEM_LINE = re.compile(r"^.+:\d+:\d+: \S.*$")
# One line of the real file holding a parameter value (beta's capability), to put odd values in.
CAPABILITY = "    capability: {value: 0.5, assumption: test}\n"

FUZZ = settings(
    max_examples=120,
    deadline=None,  # the first call imports and warms up the loader
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
)

BILLION_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]" for i in range(8)]
    + ["name: *i"]
)
HUGE_INT = "9" * 5000
NESTED_FLOW = "[" * 10_000
NESTED_MAPS = "{a: " * 10_000
NESTED_BLOCK = "".join(" " * i + "a:\n" for i in range(2_000))
NESTED_LISTS = "".join(" " * i + "-\n" for i in range(2_000))


def call(argv: list[str]) -> tuple[int, str, str]:
    """``negsim ARGV`` in this process: its exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def assert_clean(code: int, err: str) -> list[str]:
    """Exit 0, or exit 2 with only located problem lines on stderr; returns those lines."""
    assert "Traceback" not in err
    if code == 0:
        return []
    assert code == 2, err
    lines = err.splitlines()
    assert lines, "exit 2 without saying why"
    for line in lines:
        assert PROBLEM_LINE.match(line), f"not a path:line:col: message line: {line!r}"
    return lines


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder beside which the scenario's seeds are, as in tests/data."""
    d = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(HERE / "data" / "seeds", d / "seeds")
    return d


@contextlib.contextmanager
def scenario_file(folder: Path, content: str | bytes) -> Iterator[Path]:
    path = folder / "scenario.yaml"
    if isinstance(content, str):
        content = content.encode("utf-8", errors="surrogatepass")
    path.write_bytes(content)
    try:
        yield path
    finally:
        path.unlink()


def validate(folder: Path, content: str | bytes) -> tuple[int, list[str]]:
    with scenario_file(folder, content) as path:
        code, out, err = call(["validate", str(path)])
    lines = assert_clean(code, err)
    if code == 0:
        assert out == "1 scenario file valid\n"
    return code, lines


# --- scenario files -------------------------------------------------------------------------------


@pytest.mark.slow
@FUZZ
@given(text=st.text(st.characters(codec="utf-8"), max_size=400))
@example(text="")
@example(text=NESTED_FLOW)
@example(text=NESTED_MAPS)
@example(text=NESTED_BLOCK)
@example(text=NESTED_LISTS)
@example(text=BILLION_LAUGHS)
@example(text=f"name: {HUGE_INT}")
@example(text="name: 1e999")
@example(text="? |\n  multi\n  line key\n: 1\n")
@example(text="\ufeffname: x")
@example(text="name: x\n---\nname: y\n")
@example(text="!!python/object/apply:os.system ['true']")
def test_any_text_validates_cleanly(folder: Path, text: str) -> None:
    validate(folder, text)


@pytest.mark.slow
@FUZZ
@given(data=st.binary(max_size=400))
@example(data=b"\xff\xfe\x00\x00garbage")
@example(data=b"name: \xc3\x28")  # an invalid UTF-8 sequence
@example(data=b"\x00" * 64)
@example(data=bytes(range(256)))
def test_any_bytes_validate_cleanly(folder: Path, data: bytes) -> None:
    validate(folder, data)


@pytest.mark.parametrize(
    "content",
    [
        NESTED_FLOW,
        NESTED_BLOCK,
        BILLION_LAUGHS,
        f"name: {HUGE_INT}",
        "!!python/object/apply:os.system ['true']",
        b"name: \xc3\x28",
        bytes(range(256)),
    ],
)
def test_hostile_files_validate_cleanly(folder: Path, content: str | bytes) -> None:
    """The fast lane's share of the fuzzing above: the hand-picked hostile files only."""
    code, _ = validate(folder, content)
    assert code == 2


# Characters that change YAML structure, plus any character at all.
YAML_CHARS = st.sampled_from([*":-[]{},#&*!|>'\"% \t\n.0123456789eE", "", "  "]) | st.characters()


@st.composite
def mutated_scenario(draw: st.DrawFn) -> str:
    """The real test scenario with a few lines deleted or repeated and a few characters changed."""
    lines = BASE.splitlines(keepends=True)
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        if draw(st.booleans()):
            del lines[i]
        else:
            lines.insert(i, lines[i])
    chars = list("".join(lines))
    for _ in range(draw(st.integers(0, 6))):
        i = draw(st.integers(0, len(chars) - 1))
        chars[i] = draw(YAML_CHARS)
    return "".join(chars)


@pytest.mark.slow
@settings(FUZZ, max_examples=250)
@given(text=mutated_scenario())
@example(text=BASE)
@example(text=BASE.replace("      legitimacy_cost: {value: 0.0, assumption: test}\n", "", 1))
def test_mutated_real_scenario_validates_cleanly(folder: Path, text: str) -> None:
    code, _ = validate(folder, text)
    if text == BASE:
        assert code == 0


@pytest.mark.parametrize(
    "value",
    [
        "{value: .nan, assumption: test}",
        "{value: .NaN, assumption: test}",
        "{value: .inf, assumption: test}",
        "{value: -.inf, assumption: test}",
        "{value: 1e999, assumption: test}",
        "{uniform: [0.2, .inf], assumption: test}",
        "{uniform: [.nan, 0.4], assumption: test}",
        "{triangular: [0.0, .nan, 0.4], assumption: test}",
        f"{{value: {HUGE_INT}, assumption: test}}",
        f"{{value: {HUGE_INT}.5, assumption: test}}",  # a float literal that overflows to inf
    ],
)
def test_non_finite_and_huge_parameter_values_are_rejected(folder: Path, value: str) -> None:
    assert BASE.count(CAPABILITY) == 2  # alpha's and beta's
    code, lines = validate(folder, BASE.replace(CAPABILITY, f"    capability: {value}\n"))
    assert code == 2
    assert any(":14:" in line or ":40:" in line for line in lines), lines  # at the value's line


# --- --set overrides --------------------------------------------------------------------------------

KEY_PARTS = st.sampled_from(
    [
        *["parties", "alpha", "beta", "host", "patron", "nobody", "issues", "ceasefire", "border"],
        *["capability", "outside_option", "reactance", "attendance", "talks_value", "legitimacy_cost"],
        *["initial", "level", "leader", "commitments", "positions", "ideal", "red_line", "name"],
        *["threats", "patron_sanctions", "credibility", "protocol", "rounds", "announcement_order"],
        *["formats", "main", "mandate", "value", "uniform", "triangular", "assumption", "source"],
        *["seed", "quote", "0", "1", "99", "-1"],
    ]
) | st.text(max_size=8)
VALUES = st.sampled_from(
    [
        "0.5",
        "1",
        "0",
        "-1",
        "2",
        "1e999",
        "-1e999",
        ".nan",
        ".inf",
        "-.inf",
        "true",
        "null",
        "~",
        "[]",
        "{}",
        "[1, 2]",
        "{uniform: [0, 1]}",
        "{value: .nan, assumption: x}",
        "leader",
        "'quoted'",
        '"unterminated',
        "{a: [",
        "&a 1",
        "*a",
        "!!str 1",
        HUGE_INT,
        NESTED_FLOW,
        BILLION_LAUGHS,
        "a: b",
        "- 1\n- 2",
        "\x00",
        "\udcff",
    ]
) | st.text(max_size=40)


@st.composite
def override(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 4)) == 0:
        return draw(st.text(max_size=60))  # anything at all
    key = ".".join(draw(st.lists(KEY_PARTS, min_size=1, max_size=7)))
    return f"{key}{draw(st.sampled_from(['=', '=', ' = ', '==', '']))}{draw(VALUES)}"


def explain(*overrides: str) -> tuple[int, str, list[str]]:
    # `--set=TEXT` keeps argparse from reading a TEXT that starts with '-' as an option.
    code, out, err = call(["explain", str(TWO_PARTY), *(f"--set={o}" for o in overrides)])
    return code, out, assert_clean(code, err)


@pytest.mark.slow
@FUZZ
@given(overrides=st.lists(override(), min_size=1, max_size=3))
@example(overrides=["parties.beta.capability=.nan"])
@example(overrides=["protocol.rounds=1e999"])
@example(overrides=[f"protocol.rounds={HUGE_INT}"])
@example(overrides=[f"parties.beta.capability={NESTED_FLOW}"])
@example(overrides=[f"name={BILLION_LAUGHS}"])
@example(overrides=["parties.beta.attendance.talks_value={uniform: [0.3, .inf], assumption: x}"])
@example(overrides=["parties.alpha.positions.ceasefire.red_line=0.7\nname: injected"])
@example(overrides=["parties.beta.capability=0.5", "parties.beta.capability=0.6"])
@example(overrides=["\udcff=1"])
@example(overrides=["="])
@example(overrides=["protocol.announcement_order.99=alpha"])
@example(overrides=["protocol.announcement_order.-1=alpha"])
@example(overrides=["protocol.formats.main.parties.0.x=1"])
def test_any_override_explains_cleanly(overrides: list[str]) -> None:
    code, out, _ = explain(*overrides)
    if code == 0:
        assert "== Protocol" in out


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", "1e999", "-1e999", HUGE_INT])
@pytest.mark.parametrize("key", ["parties.beta.capability", "parties.beta.attendance.talks_value"])
def test_override_with_a_non_finite_or_huge_number_is_rejected(key: str, value: str) -> None:
    code, _, lines = explain(f"{key}={value}")
    assert code == 2
    assert len(lines) >= 1


def test_an_accepted_override_is_explained() -> None:
    code, out, lines = explain("parties.beta.capability=0.25")
    assert (code, lines) == (0, [])
    assert "0.25" in out
