"""Tests for simulator.scenario.load: located problems, ``--set``, ``extends:``, quotes, round trips.

Broken scenarios are derived from ``tests/data/two_party.yaml`` by one text substitution and written
to ``tmp_path`` next to a copy of its ``seeds/`` folder, so each case changes exactly one thing and
the expected ``line:col`` can be read off the file.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from simulator.errors import Problem, ScenarioError
from simulator.scenario.load import load_scenario
from simulator.scenario.paths import SET_ASSUMPTION
from simulator.scenario.schema import Scenario

HERE = Path(__file__).parent
DATA = HERE / "data"
TWO_PARTY = DATA / "two_party.yaml"
BASE = TWO_PARTY.read_text(encoding="utf-8")
REPO = Path(__file__).parents[1]
# Observed-outcome files (*.observed.yaml) are not scenarios: tests/test_score.py checks them.
SHIPPED = sorted(p for p in (REPO / "scenarios").glob("*.yaml") if not p.name.endswith(".observed.yaml"))

# A quote that really is in tests/data/seeds/001_test.txt.
QUOTE_001 = "we will not respond to threats"
# One line of two_party.yaml, rewritten by many cases (line 14: alpha's capability).
ALPHA_CAPABILITY = "capability: {value: 0.5, assumption: test}"


def sub(old: str, new: str, text: str = BASE) -> str:
    """``text`` with the single occurrence of ``old`` replaced by ``new``.

    ``ALPHA_CAPABILITY`` also occurs for beta; only alpha's (the first, line 14) is replaced.
    """
    expected = 2 if old == ALPHA_CAPABILITY else 1
    assert text.count(old) == expected, f"expected {expected} of {old!r} in the base scenario"
    assert old != ALPHA_CAPABILITY or text[: text.index(old)].count("\n") == 13
    return text.replace(old, new, 1)


def write(folder: Path, files: dict[str, str]) -> None:
    """Write ``files`` (name -> text) into ``folder`` next to a copy of the test seeds."""
    if not (folder / "seeds").exists():
        shutil.copytree(DATA / "seeds", folder / "seeds")
    for name, text in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def problems_of(path: Path, overrides: list[str] | None = None) -> list[Problem]:
    """Load a scenario that must fail; return its problems."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides=overrides or [])
    assert info.value.problems, "a ScenarioError must carry at least one problem"
    return info.value.problems


def located(problems: list[Problem]) -> list[tuple[str, int, int, str]]:
    """Problems as ``(file name, line, col, message)`` for readable assertions."""
    return [(Path(p.path).name, p.line, p.col, p.message) for p in problems]


def find(problems: list[Problem], message: str) -> Problem:
    """The one problem whose message contains ``message``."""
    hits = [p for p in problems if message in p.message]
    assert len(hits) == 1, f"expected one problem containing {message!r}, got {located(problems)}"
    return hits[0]


def test_base_scenario_is_valid() -> None:
    """Every broken case below starts from this file, so it must itself load."""
    scenario = load_scenario(TWO_PARTY)
    assert list(scenario.parties) == ["alpha", "beta", "host", "patron"]
    assert scenario.principals == ["alpha", "beta"]
    assert scenario.seeds_dir == (DATA / "seeds").resolve()


# --- the table of broken scenarios ----------------------------------------------------------------


@dataclass(frozen=True)
class Broken:
    """A broken scenario: the file to load, and the problem expected at ``file:line:col``."""

    id: str
    text: str
    line: int
    col: int
    message: str
    count: int = 1  # how many problems the file produces in all
    file: str = "s.yaml"  # where the problem is reported
    extra: dict[str, str] = field(default_factory=dict)  # other files (for extends:)


CASES = [
    Broken(
        "unknown-key-suggests",
        sub("      talks_value: {value: 0.6", "      talk_value: {value: 0.6"),
        20,
        7,
        "unknown key 'talk_value'; did you mean 'talks_value'?",
        count=2,  # and the real talks_value is now missing
    ),
    Broken(
        "unknown-top-level-key",
        sub("description: Small", "descripton: Small"),
        4,
        1,
        "unknown key 'descripton'; did you mean 'description'?",
    ),
    Broken(
        "missing-required-key",
        sub("    leader: Leader A\n", ""),
        10,
        3,
        "missing required key 'leader'",
    ),
    Broken(
        "capability-out-of-range",
        sub(ALPHA_CAPABILITY, "capability: {value: 1.5, assumption: test}"),
        14,
        5,
        "capability: values must lie in [0, 1] (got 1.5)",
    ),
    Broken(
        "uniform-reversed",
        sub("uniform: [0.3, 0.7]", "uniform: [0.5, 0.2]"),
        46,
        7,
        "talks_value: uniform: [low, high] needs low < high",
    ),
    Broken(
        "triangular-mode-above-high",
        sub("triangular: [0.0, 0.2, 0.4]", "triangular: [0.0, 0.5, 0.4]"),
        48,
        7,
        "legitimacy_cost: triangular: [low, mode, high] needs low <= mode <= high",
    ),
    Broken(
        "triangular-mode-below-low",
        sub("triangular: [0.0, 0.2, 0.4]", "triangular: [0.1, 0.0, 0.4]"),
        48,
        7,
        "needs low <= mode <= high, low < high",
    ),
    Broken(
        "two-distributions",
        sub(
            "talks_value: {uniform: [0.3, 0.7], assumption: test}",
            "talks_value: {uniform: [0.3, 0.7], value: 0.5, assumption: test}",
        ),
        46,
        7,
        "give exactly one of value, uniform, triangular, beta, normal (found value, uniform)",
    ),
    Broken(
        "no-distribution",
        sub(ALPHA_CAPABILITY, "capability: {assumption: test}"),
        14,
        5,
        "capability: give exactly one of value, uniform, triangular, beta, normal (found none)",
    ),
    Broken(
        "no-source-or-assumption",
        sub(
            "talks_value: {uniform: [0.3, 0.7], assumption: test}",
            "talks_value: {uniform: [0.3, 0.7]}",
        ),
        46,
        7,
        "say where this number comes from",
    ),
    Broken(
        "unknown-counterpart",
        sub(
            "counterpart: beta\n      talks_value: {value: 0.6",
            "counterpart: gamma\n      talks_value: {value: 0.6",
        ),
        19,
        7,
        "unknown party 'gamma' (parties: alpha, beta, host, patron)",
    ),
    Broken(
        "unknown-threat-target",
        sub("against: beta", "against: gamma"),
        95,
        5,
        "unknown party 'gamma'",
    ),
    Broken(
        "unknown-format-party",
        sub("main: {parties: [alpha, beta, host]}", "main: {parties: [alpha, gamma, host]}"),
        112,
        29,
        "unknown party 'gamma'",
    ),
    Broken(
        "unknown-party-in-announcement-order",
        sub(
            "announcement_order: [beta, alpha, patron, host]",
            "announcement_order: [beta, alpha, patron, hots]",
        ),
        105,
        45,
        "unknown party 'hots'",
    ),
    Broken(
        "unknown-issue-in-positions",
        sub(
            "      border:\n        ideal: {value: 0.0",
            "      borders:\n        ideal: {value: 0.0",
        ),
        31,
        7,
        "unknown issue 'borders' (issues: border, ceasefire)",
        count=2,  # and alpha now lacks a position on 'border'
    ),
    Broken(
        "principal-missing-position",
        sub(
            "      border:\n"
            "        ideal: {value: 1.0, assumption: test}\n"
            "        red_line: {value: 0.4, assumption: test}\n"
            "        salience: {value: 0.5, assumption: test}\n"
            "        concession: {value: 1.0, assumption: test}\n",
            "",
        ),
        51,
        5,
        "a principal needs a position on every issue; missing: border",
    ),
    Broken(
        "unknown-seed",
        sub(
            ALPHA_CAPABILITY,
            f'capability: {{value: 0.5, source: {{seed: "009", quote: "{QUOTE_001}"}}}}',
        ),
        14,
        39,
        "unknown seed '009' (seeds: 001)",
    ),
    Broken(
        "quote-not-in-seed",
        sub(
            ALPHA_CAPABILITY,
            'capability: {value: 0.5, source: {seed: "001", quote: "we shall not yield to it"}}',
        ),
        14,
        52,
        "quote not found in seed '001_test'",
    ),
    Broken(
        "second-of-two-sources-not-in-seed",
        sub(
            ALPHA_CAPABILITY,
            "capability:\n"
            "      value: 0.5\n"
            "      source:\n"
            f'        - {{seed: "001", quote: "{QUOTE_001}"}}\n'
            '        - {seed: "001", quote: "we will respond to threats"}',
        ),
        18,
        25,
        "quote not found in seed '001_test': \"we will respond to threats\"",
    ),
    Broken(
        "bad-yaml-syntax",
        sub("  rounds: 6\n", "  rounds: [6\n"),
        109,
        11,
        "invalid YAML",
    ),
    Broken(
        "duplicate-key",
        sub("  rounds: 6\n", "  rounds: 6\n  rounds: 7\n"),
        109,
        3,
        "duplicate key 'rounds' (first defined at line 108)",
    ),
    Broken(
        "anchor",
        sub(ALPHA_CAPABILITY, "capability: &c {value: 0.5, assumption: test}"),
        14,
        17,
        "anchors and aliases are not allowed",
    ),
    Broken(
        "alias",
        sub(
            "    reactance: {value: 0.0, assumption: test}\n    attendance:\n      initial: {level: leader",
            "    reactance: *r\n    attendance:\n      initial: {level: leader",
        ),
        16,
        16,
        "anchors and aliases are not allowed",
    ),
    Broken(
        # YAML 1.1 would read `no` as False; the id must stay the string 'no'.
        "party-id-no-stays-a-string",
        sub(
            "counterpart: beta\n      talks_value: {value: 0.6",
            "counterpart: no\n      talks_value: {value: 0.6",
        ),
        19,
        7,
        "unknown party 'no' (parties: alpha, beta, host, patron)",
    ),
    Broken(
        "extends-missing-file",
        "extends: missing.yaml\nname: What-if\n",
        1,
        1,
        "extends: no such file 'missing.yaml'",
    ),
    Broken(
        "extends-itself",
        "name: What-if\nextends: s.yaml\n",
        2,
        1,
        "leads back to this file (a cycle)",
    ),
    Broken(
        "extends-cycle",
        "extends: other.yaml\nname: What-if\n",
        2,
        1,
        "leads back to this file (a cycle)",
        file="other.yaml",
        extra={"other.yaml": "# a cycle\nextends: s.yaml\n"},
    ),
    Broken(
        "extends-error-in-parent-reported-in-parent",
        "name: What-if\nextends: base.yaml\nas_of: '2025-05-14'\n",
        14,
        5,
        "capability: values must lie in [0, 1] (got 1.5)",
        file="base.yaml",
        extra={"base.yaml": sub(ALPHA_CAPABILITY, "capability: {value: 1.5, assumption: test}")},
    ),
    Broken(
        "extends-error-in-child-reported-in-child",
        "extends: base.yaml\n"
        "parties:\n"
        "  alpha:\n"
        "    attendance:\n"
        "      talks_value: {value: 2.0, assumption: what-if}\n",
        5,
        7,
        "talks_value: values must lie in [0, 1] (got 2)",
        extra={"base.yaml": BASE},
    ),
    Broken(
        "extends-not-a-file-name",
        "name: What-if\nextends: 3\n",
        2,
        1,
        "extends: give a file name",
    ),
    Broken("empty-file", "", 1, 1, "a scenario must be a mapping (this one is empty)"),
    Broken("comments-only", "# nothing yet\n", 1, 1, "(this one is empty)"),
    Broken("file-is-a-list", "- alpha\n- beta\n", 1, 1, "(this one is list)"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_broken_scenario_is_reported_at_line_and_column(tmp_path: Path, case: Broken) -> None:
    write(tmp_path, {"s.yaml": case.text, **case.extra})
    problems = problems_of(tmp_path / "s.yaml")
    problem = find(problems, case.message)
    assert (Path(problem.path).name, problem.line, problem.col) == (case.file, case.line, case.col)
    assert Path(problem.path).parent == tmp_path
    assert len(problems) == case.count, located(problems)
    for p in problems:
        assert "\n" not in str(p), "a problem must print as one line"


def test_party_id_no_is_not_a_bool_error(tmp_path: Path) -> None:
    text = sub(
        "counterpart: beta\n      talks_value: {value: 0.6",
        "counterpart: no\n      talks_value: {value: 0.6",
    )
    write(tmp_path, {"s.yaml": text})
    [problem] = problems_of(tmp_path / "s.yaml")
    assert "bool" not in problem.message.lower()
    assert "False" not in problem.message


def test_party_named_no_loads(tmp_path: Path) -> None:
    """A party whose id is `no` (Norway) is a normal string id everywhere it is referenced."""
    text = BASE.replace("patron", "no")
    write(tmp_path, {"s.yaml": text})
    scenario = load_scenario(tmp_path / "s.yaml")
    assert "no" in scenario.parties
    assert scenario.threats["no_sanctions"].by == "no"
    assert scenario.protocol.announcement_order == ["beta", "alpha", "no", "host"]


def test_several_problems_are_reported_together(tmp_path: Path) -> None:
    text = sub(ALPHA_CAPABILITY, "capability: {value: 1.5, assumption: test}")
    text = sub("against: beta", "against: gamma", text)  # a reference problem: reported later
    text = sub("uniform: [0.3, 0.7]", "uniform: [0.5, 0.2]", text)
    write(tmp_path, {"s.yaml": text})
    problems = problems_of(tmp_path / "s.yaml")
    # Schema problems come first (references are checked on a schema-valid scenario only).
    assert [(p.line, p.col) for p in problems] == [(14, 5), (46, 7)]


# --- --set overrides ------------------------------------------------------------------------------


def test_set_changes_a_plain_value() -> None:
    scenario = load_scenario(TWO_PARTY, overrides=["protocol.rounds=3"])
    assert scenario.protocol.rounds == 3
    assert load_scenario(TWO_PARTY).protocol.rounds == 6


def test_set_a_param_to_a_number_makes_it_fixed_and_keeps_its_source(tmp_path: Path) -> None:
    text = sub(
        ALPHA_CAPABILITY,
        f'capability: {{uniform: [0.4, 0.6], source: {{seed: "001", quote: "{QUOTE_001}"}}}}',
    )
    write(tmp_path, {"s.yaml": text})
    before = load_scenario(tmp_path / "s.yaml").parties["alpha"].capability
    assert before.uncertain
    after = load_scenario(tmp_path / "s.yaml", ["parties.alpha.capability=0.7"])
    param = after.parties["alpha"].capability
    assert param.value == 0.7
    assert param.uniform is None
    assert not param.uncertain
    assert [s.quote for s in param.sources] == [QUOTE_001]
    assert param.assumption == SET_ASSUMPTION


def test_set_a_param_with_only_an_assumption_stays_explained() -> None:
    scenario = load_scenario(TWO_PARTY, ["parties.beta.attendance.talks_value=0.45"])
    param = scenario.parties["beta"].attendance.talks_value
    assert (param.value, param.uniform, param.assumption) == (0.45, None, SET_ASSUMPTION)


def test_set_an_absent_optional_param() -> None:
    scenario = load_scenario(TWO_PARTY, ["parties.host.outside_option=0.2"])
    assert scenario.parties["host"].outside_option is not None
    assert scenario.parties["host"].outside_option.value == 0.2


def test_set_a_list_and_a_list_item() -> None:
    order = ["alpha", "beta", "host", "patron"]
    scenario = load_scenario(TWO_PARTY, ["protocol.announcement_order=[alpha, beta, host, patron]"])
    assert scenario.protocol.announcement_order == order
    scenario = load_scenario(TWO_PARTY, ["protocol.formats.main.parties.2=patron"])
    assert scenario.protocol.formats["main"].parties == ["alpha", "beta", "patron"]


def test_set_applies_on_top_of_extends(tmp_path: Path) -> None:
    write(tmp_path, {"base.yaml": BASE, "s.yaml": "extends: base.yaml\nprotocol: {rounds: 4}\n"})
    assert load_scenario(tmp_path / "s.yaml").protocol.rounds == 4
    assert load_scenario(tmp_path / "s.yaml", ["protocol.rounds=5"]).protocol.rounds == 5


BAD_SET_PATHS = [
    (
        "parties.alpha.capabilty=0.7",
        15,
        "'parties.alpha.capabilty' does not exist; did you mean 'capability'?",
    ),
    ("parties.alpah.capability=0.7", 9, "'parties.alpah' does not exist; did you mean 'alpha'?"),
    ("protocol.roundz=3", 10, "'protocol.roundz' does not exist; did you mean 'rounds'?"),
    (
        "parties.alpha.positions.peace.ideal=0.5",
        25,
        "'parties.alpha.positions.peace' does not exist (valid: ceasefire, border)",
    ),
    (
        "protocol.announcement_order.9=alpha",
        29,
        "'protocol.announcement_order.9': no item 9 (0..3)",
    ),
    ("protocol.rounds.x=1", 17, "'protocol.rounds.x' does not exist"),
]


@pytest.mark.parametrize(("override", "col", "message"), BAD_SET_PATHS, ids=[o for o, _, _ in BAD_SET_PATHS])
def test_set_path_that_does_not_exist(override: str, col: int, message: str) -> None:
    [problem] = problems_of(TWO_PARTY, [override])
    assert (problem.path, problem.line, problem.col) == ("--set[1]", 1, col)
    assert message in problem.message


BAD_SET_VALUES = [
    ("parties.alpha.capability=1.5", 26, "capability: values must lie in [0, 1] (got 1.5)"),
    ("threats.patron_sanctions.credibility=-0.1", 38, "values must lie in [0, 1] (got -0.1)"),
    ("protocol.rounds=100", 17, "rounds: Input should be less than or equal to 50"),
    ("protocol.rounds=many", 17, "rounds: Input should be a valid integer"),
    ("parties.alpha.capability=abc", 26, "takes a number or a distribution, and 'abc' is not a number"),
    ("parties.alpha.role=king", 20, "role: Input should be 'principal', 'mediator' or"),
    ("parties.alpha.attendance.counterpart=no", 38, "unknown party 'no'"),
    ("protocol.rounds=", 17, "no value given for 'protocol.rounds'"),
    ("protocol.rounds={a: 1", 1, "invalid YAML"),  # line 2 of the value: the end of the text
]


@pytest.mark.parametrize(
    ("override", "col", "message"), BAD_SET_VALUES, ids=[o for o, _, _ in BAD_SET_VALUES]
)
def test_set_value_that_does_not_fit(override: str, col: int, message: str) -> None:
    [problem] = problems_of(TWO_PARTY, [override])
    assert (problem.path, problem.col) == ("--set[1]", col)
    assert message in problem.message


@pytest.mark.parametrize("override", ["protocol.rounds", "=3", ""])
def test_set_without_key_and_equals_sign(override: str) -> None:
    [problem] = problems_of(TWO_PARTY, [override])
    assert (problem.path, problem.line, problem.col) == ("--set[1]", 1, 1)
    assert f"expected KEY=VALUE, got '{override}'" in problem.message


def test_set_problems_are_numbered_by_position() -> None:
    [problem] = problems_of(TWO_PARTY, ["protocol.rounds=3", "protocol.bogus=1"])
    assert (problem.path, problem.line, problem.col) == ("--set[2]", 1, 10)
    assert "'protocol.bogus' does not exist" in problem.message


@pytest.mark.parametrize(
    "override",
    [
        "protocol.announcement_order=[alpha, beta, host, gamma]",
        "parties.alpha.capability={value: abc, assumption: overridden}",
    ],
)
def test_set_problem_inside_a_replaced_subtree_is_reported_at_the_set(override: str) -> None:
    problems = problems_of(TWO_PARTY, [override])
    assert [p.path for p in problems] == ["--set[1]"] * len(problems), located(problems)


# --- quotes ---------------------------------------------------------------------------------------

APOSTROPHE_SEED = (
    "The envoy said the delegation won't travel to Istanbul\n\n"
    "unless the leaders meet. Officials called it \u201cpremature\u201d.\n"
)


def quoted(quote_yaml: str) -> str:
    """The base scenario with alpha's capability sourced from seed 002 by ``quote_yaml``."""
    return sub(
        ALPHA_CAPABILITY,
        f'capability:\n      value: 0.5\n      source:\n        seed: "002"\n        quote: {quote_yaml}',
    )


@pytest.mark.parametrize(
    "quote_yaml",
    [
        # a line break and a curly apostrophe against a straight one in the article
        "|-\n          the delegation won\u2019t\n          travel   to Istanbul",
        # a paragraph break in the article, a single space in the quote
        '"won\'t travel to Istanbul unless the leaders meet"',
        # straight double quotes against curly ones in the article
        "'called it \"premature\"'",
        # curly single quotes and a tab-separated run of words
        '"delegation won\u2018t travel\tto Istanbul"',
    ],
    ids=["line-break-curly-apostrophe", "paragraph-break", "straight-vs-curly", "tab"],
)
def test_quote_matching_forgives_whitespace_and_quote_style(tmp_path: Path, quote_yaml: str) -> None:
    write(tmp_path, {"s.yaml": quoted(quote_yaml), "seeds/002_apostrophe.txt": APOSTROPHE_SEED})
    scenario = load_scenario(tmp_path / "s.yaml")
    [source] = scenario.parties["alpha"].capability.sources
    assert source.seed == "002"


@pytest.mark.parametrize(
    "quote_yaml",
    [
        '"the delegation will not travel to Istanbul"',  # a paraphrase
        '"the delegation won\'t go to Istanbul"',  # one word changed
        '"the delegation wont travel to Istanbul"',  # apostrophe dropped
    ],
)
def test_quote_that_is_not_verbatim_fails(tmp_path: Path, quote_yaml: str) -> None:
    write(tmp_path, {"s.yaml": quoted(quote_yaml), "seeds/002_apostrophe.txt": APOSTROPHE_SEED})
    [problem] = problems_of(tmp_path / "s.yaml")
    assert (problem.line, problem.col) == (18, 9)
    assert "quote not found in seed '002_apostrophe'" in problem.message


def test_quote_check_can_be_switched_off(tmp_path: Path) -> None:
    text = sub(
        ALPHA_CAPABILITY,
        'capability: {value: 0.5, source: {seed: "001", quote: "not in the article"}}',
    )
    write(tmp_path, {"s.yaml": text})
    problems_of(tmp_path / "s.yaml")
    scenario = load_scenario(tmp_path / "s.yaml", check_sources=False)
    assert scenario.parties["alpha"].capability.sources[0].quote == "not in the article"


def test_blank_quote_is_not_found(tmp_path: Path) -> None:
    write(tmp_path, {"s.yaml": quoted('"            "'), "seeds/002_apostrophe.txt": APOSTROPHE_SEED})
    problems_of(tmp_path / "s.yaml")


def test_multiline_quote_not_found_prints_as_one_line(tmp_path: Path) -> None:
    text = sub(
        ALPHA_CAPABILITY,
        'capability:\n      value: 0.5\n      source:\n        seed: "001"\n'
        "        quote: |-\n          we will not\n          respond to threets",
    )
    write(tmp_path, {"s.yaml": text})
    [problem] = problems_of(tmp_path / "s.yaml")
    assert "quote not found" in problem.message
    assert "\n" not in str(problem)


# --- extends: merge -------------------------------------------------------------------------------

SOURCED_PARENT = sub(
    "talks_value: {value: 0.6, assumption: test}",
    f'talks_value: {{uniform: [0.4, 0.8], source: {{seed: "001", quote: "{QUOTE_001}"}}}}',
)


def test_what_if_replaces_distribution_and_provenance(tmp_path: Path) -> None:
    child = (
        "extends: base.yaml\n"
        "name: What-if\n"
        "parties:\n"
        "  alpha:\n"
        "    attendance:\n"
        "      talks_value: {value: 0.65, assumption: what-if judgement}\n"
    )
    write(tmp_path, {"base.yaml": SOURCED_PARENT, "s.yaml": child})
    parent = load_scenario(tmp_path / "base.yaml")
    assert parent.parties["alpha"].attendance.talks_value.uniform == (0.4, 0.8)
    scenario = load_scenario(tmp_path / "s.yaml")
    param = scenario.parties["alpha"].attendance.talks_value
    assert (param.value, param.uniform, param.source) == (0.65, None, None)
    assert param.assumption == "what-if judgement"
    # Everything the what-if does not mention comes from the parent.
    assert scenario.name == "What-if"
    assert scenario.parties["alpha"].name == "Alpha"
    assert scenario.parties["alpha"].attendance.leader_cost.value == 0.1
    assert scenario.parties["alpha"].attendance.counterpart == "beta"
    assert scenario.parameters().keys() == parent.parameters().keys()
    assert scenario.path == tmp_path / "s.yaml"


def test_what_if_distribution_only_keeps_parent_provenance(tmp_path: Path) -> None:
    child = "extends: base.yaml\nparties: {alpha: {attendance: {talks_value: {value: 0.65}}}}\n"
    write(tmp_path, {"base.yaml": SOURCED_PARENT, "s.yaml": child})
    param = load_scenario(tmp_path / "s.yaml").parties["alpha"].attendance.talks_value
    assert (param.value, param.uniform) == (0.65, None)
    assert [s.quote for s in param.sources] == [QUOTE_001]


def test_what_if_in_a_subfolder_finds_its_parent(tmp_path: Path) -> None:
    write(tmp_path, {"base.yaml": BASE, "whatif/s.yaml": "extends: ../base.yaml\nname: Sub\n"})
    scenario = load_scenario(tmp_path / "whatif" / "s.yaml")
    assert scenario.name == "Sub"
    assert scenario.parties.keys() == load_scenario(tmp_path / "base.yaml").parties.keys()


def test_what_if_in_a_subfolder_checks_parent_quotes_against_parent_seeds(tmp_path: Path) -> None:
    write(tmp_path, {"base.yaml": SOURCED_PARENT, "whatif/s.yaml": "extends: ../base.yaml\n"})
    load_scenario(tmp_path / "base.yaml")  # the parent alone is fine
    scenario = load_scenario(tmp_path / "whatif" / "s.yaml")
    assert scenario.seeds_dir == (tmp_path / "seeds").resolve()


def test_what_if_changing_party_beta_merges_with_the_parent(tmp_path: Path) -> None:
    child = (
        "extends: base.yaml\n"
        "parties:\n"
        "  beta:\n"
        "    attendance:\n"
        "      talks_value: {value: 0.65, assumption: what-if}\n"
    )
    write(tmp_path, {"base.yaml": BASE, "s.yaml": child})
    scenario = load_scenario(tmp_path / "s.yaml")
    assert scenario.parties["beta"].name == "Beta"
    assert scenario.parties["beta"].attendance.talks_value.value == 0.65


# --- round trips ----------------------------------------------------------------------------------


def assert_round_trips(scenario: Scenario) -> None:
    again = Scenario.model_validate(yaml.safe_load(scenario.to_yaml()))
    # `==` on pydantic models also compares private attributes (the loaded file's path and seeds
    # folder), which a scenario rebuilt from data does not have; compare the data itself.
    assert again.model_dump() == scenario.model_dump()
    assert again.to_yaml() == scenario.to_yaml()
    assert again.sha256() == scenario.sha256()


def test_two_party_round_trips_through_yaml() -> None:
    assert_round_trips(load_scenario(TWO_PARTY))


def test_round_trip_through_the_strict_loader(tmp_path: Path) -> None:
    """to_yaml() is what a run writes as scenario.resolved.yaml; it must load back the same."""
    scenario = load_scenario(TWO_PARTY)
    write(tmp_path, {"resolved.yaml": scenario.to_yaml()})
    again = load_scenario(tmp_path / "resolved.yaml")
    assert again.model_dump() == scenario.model_dump()


def test_round_trip_keeps_party_no_and_dates(tmp_path: Path) -> None:
    text = BASE.replace("patron", "no").replace("seeds: seeds\n", "seeds: seeds\nas_of: 2025-05-14\n")
    write(tmp_path, {"s.yaml": text})
    # as_of="": the declared cut-off is kept as a field but not applied (this folder has no index)
    scenario = load_scenario(tmp_path / "s.yaml", as_of="")
    assert scenario.as_of == "2025-05-14"
    assert_round_trips(scenario)
    write(tmp_path, {"resolved.yaml": scenario.to_yaml()})
    assert load_scenario(tmp_path / "resolved.yaml", as_of="").model_dump() == scenario.model_dump()


@pytest.mark.parametrize("text", ["1e3", "0o17"])
def test_round_trip_of_number_like_strings_through_the_strict_loader(tmp_path: Path, text: str) -> None:
    source = sub("description: Small scenario for rule tests.", f"description: '{text}'")
    write(tmp_path, {"s.yaml": source})
    scenario = load_scenario(tmp_path / "s.yaml")
    assert scenario.description == text
    write(tmp_path, {"resolved.yaml": scenario.to_yaml()})
    assert load_scenario(tmp_path / "resolved.yaml").description == text


def _shipped_ids() -> list[str]:
    return [p.name for p in SHIPPED] or ["none-shipped-yet"]


@pytest.mark.slow
@pytest.mark.parametrize("path", SHIPPED or [None], ids=_shipped_ids())
def test_shipped_scenario_round_trips(path: Path | None) -> None:
    if path is None:
        pytest.skip("scenarios/ holds no *.yaml yet")
    assert_round_trips(load_scenario(path))


@pytest.mark.parametrize("path", SHIPPED or [None], ids=_shipped_ids())
def test_shipped_scenario_validates_with_all_quotes_found(path: Path | None) -> None:
    if path is None:
        pytest.skip("scenarios/ holds no *.yaml yet")
    scenario = load_scenario(path)  # raises ScenarioError on any problem, unfound quotes included
    assert scenario.seeds_dir is not None and scenario.seeds_dir.is_dir()
    assert len(scenario.principals) >= 2
    assert scenario.parameters(), "a scenario without parameters explains nothing"
