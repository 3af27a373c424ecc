"""Tests for the ``negsim`` command line, called in-process through ``simulator.cli.main``."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from simulator.cli import main

HERE = Path(__file__).parent
DATA = HERE / "data"
TWO_PARTY = DATA / "two_party.yaml"
BASE = TWO_PARTY.read_text(encoding="utf-8")
QUOTE_001 = "we will not respond to threats"  # verbatim in tests/data/seeds/001_test.txt
PROBLEM_LINE = re.compile(r"^[^:]+:\d+:\d+: .+$")
# alpha's capability (line 14); beta's is the same text, so only the first is replaced.
ALPHA_CAPABILITY = "capability: {value: 0.5, assumption: test}"


def scenario_file(folder: Path, name: str, old: str | None = None, new: str = "") -> Path:
    """Write the two-party scenario (with ``old`` replaced by ``new``) and its seeds to folder."""
    if not (folder / "seeds").exists():
        shutil.copytree(DATA / "seeds", folder / "seeds")
    text = BASE
    if old is not None:
        assert old in text
        text = text.replace(old, new, 1)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problem_lines(stderr: str) -> list[str]:
    """The lines of stderr, each of which must be a located problem."""
    lines = stderr.splitlines()
    assert lines, "expected at least one problem on stderr"
    for line in lines:
        assert PROBLEM_LINE.match(line), f"not a path:line:col: message line: {line!r}"
    assert "Traceback" not in stderr
    return lines


# --- help -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["validate", "--help"], ["explain", "--help"], ["run", "--help"], ["run", "-h"]],
)
def test_help_exits_0_and_prints_usage(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: negsim")
    if argv[0] != "--help":
        assert out.startswith(f"usage: negsim {argv[0]}")


def test_top_help_lists_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("validate", "explain", "run"):
        assert command in out


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    err = capsys.readouterr().err
    assert "usage: negsim" in err
    assert "Traceback" not in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from simulator import __version__

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"negsim {__version__}"


# --- validate -------------------------------------------------------------------------------------


def test_validate_good_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(TWO_PARTY)]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == "1 scenario file valid"
    # The test scenario keeps the retired announcement keys (other tests address them by path):
    # their warnings are the only thing said on stderr (test_seams checks them).
    said = [line for line in captured.err.splitlines() if "no longer changes anything" not in line]
    assert said == []
    assert main(["validate", str(DATA.parents[1] / "scenarios" / "istanbul_2025.yaml")]) == 0
    assert capsys.readouterr().err == ""


def test_validate_two_good_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = scenario_file(tmp_path, "other.yaml")
    assert main(["validate", str(TWO_PARTY), str(other)]) == 0
    assert capsys.readouterr().out.strip() == "2 scenario files valid"


BROKEN = [
    # (id, old, new, number of problems, message substring)
    (
        "unknown-key",
        "      talks_value: {value: 0.6",
        "      talk_value: {value: 0.6",
        2,
        "did you mean 'talks_value'",
    ),
    (
        "out-of-range",
        ALPHA_CAPABILITY,
        "capability: {value: 1.5, assumption: test}",
        1,
        "values must lie in [0, 1]",
    ),
    ("bad-yaml", "  rounds: 6\n", "  rounds: [6\n", 1, "invalid YAML"),
    ("unknown-party", "against: beta", "against: gamma", 1, "unknown party 'gamma'"),
    (
        "quote-not-found",
        ALPHA_CAPABILITY,
        'capability: {value: 0.5, source: {seed: "001", quote: "we shall yield to threats"}}',
        1,
        "quote not found",
    ),
    ("whole-file-replaced-by-a-list", BASE, "- a\n- b\n", 1, "must be a mapping"),
]


@pytest.mark.parametrize(
    ("old", "new", "count", "message"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN]
)
def test_validate_broken_file(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    old: str,
    new: str,
    count: int,
    message: str,
) -> None:
    path = scenario_file(tmp_path, "broken.yaml", old, new)
    assert main(["validate", str(path)]) == 2
    captured = capsys.readouterr()
    lines = problem_lines(captured.err)
    assert len(lines) == count
    assert all(line.startswith(f"{path}:") for line in lines)
    assert any(message in line for line in lines)
    assert "valid" not in captured.out


def test_validate_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.yaml"
    assert main(["validate", str(missing)]) == 2
    [line] = problem_lines(capsys.readouterr().err)
    assert line.startswith(f"{missing}:")
    assert "cannot read file" in line


def test_validate_reports_problems_of_every_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = scenario_file(tmp_path, "first.yaml", "against: beta", "against: gamma")
    second = scenario_file(tmp_path, "second.yaml", "  rounds: 6\n", "  rounds: 6\n  rounds: 7\n")
    assert main(["validate", str(first), str(TWO_PARTY), str(second)]) == 2
    lines = problem_lines(capsys.readouterr().err)
    assert lines == [
        f"{first}:95:5: unknown party 'gamma' (parties: alpha, beta, host, patron)",
        f"{second}:109:3: duplicate key 'rounds' (first defined at line 108)",
    ]


# --- explain --------------------------------------------------------------------------------------


def test_explain_prints_every_party_and_assumption(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(TWO_PARTY)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Two-party test")
    for heading in (
        "== Alpha (alpha) — Leader A — principal",
        "== Beta (beta) — Leader B — principal",
        "== Host (host) — Host Leader — mediator",
        "== Patron (patron) — Patron Leader — third_party",
        "== Threats",
        "== Pressures",
        "== Protocol",
    ):
        assert heading in out
    assert "  talks_value" not in out  # full paths, exactly as --set takes them ...
    assert "  parties.beta.attendance.talks_value = uniform(0.3, 0.7)" in out  # ... and distributions
    assert "assumption: test" in out


def test_explain_shows_seed_and_quote_of_a_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = scenario_file(
        tmp_path,
        "sourced.yaml",
        ALPHA_CAPABILITY,
        f'capability: {{value: 0.5, source: {{seed: "001", quote: "{QUOTE_001}"}}}}',
    )
    assert main(["explain", str(path)]) == 0
    out = capsys.readouterr().out
    alpha = out.split("== Alpha (alpha)")[1].split("== Beta")[0]
    assert "  parties.alpha.capability = 0.5\n" in alpha
    assert f'source [001_test]: "{QUOTE_001}"' in alpha


def test_explain_with_set(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(TWO_PARTY), "--set", "parties.alpha.capability=0.9"]) == 0
    out = capsys.readouterr().out
    alpha = out.split("== Alpha (alpha)")[1].split("== Beta")[0]
    assert "  parties.alpha.capability = 0.9\n      assumption: set on the command line with --set" in alpha


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("parties.alpha.capabilty=0.9", "--set[1]:1:15: 'parties.alpha.capabilty' does not exist"),
        ("parties.alpha.capability=1.5", "--set[1]:1:26: capability: values must lie in [0, 1]"),
        ("protocol.rounds", "--set[1]:1:1: expected KEY=VALUE"),
    ],
)
def test_explain_with_bad_set(capsys: pytest.CaptureFixture[str], override: str, expected: str) -> None:
    assert main(["explain", str(TWO_PARTY), "--set", override]) == 2
    captured = capsys.readouterr()
    [line] = problem_lines(captured.err)
    assert line.startswith(expected)
    assert captured.out == ""


# --- run: input errors only (they must be caught before any world runs) ---------------------------


def test_run_missing_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.yaml"
    out = tmp_path / "out"
    assert main(["run", str(missing), "--out", str(out), "--runs", "10"]) == 2
    [line] = problem_lines(capsys.readouterr().err)
    assert line.startswith(f"{missing}:")
    assert "cannot read file" in line
    assert not out.exists()


def test_run_broken_scenario(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = scenario_file(tmp_path, "broken.yaml", "against: beta", "against: gamma")
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--runs", "10"]) == 2
    [line] = problem_lines(capsys.readouterr().err)
    assert line == f"{path}:95:5: unknown party 'gamma' (parties: alpha, beta, host, patron)"
    assert not out.exists()


@pytest.mark.parametrize("runs", ["0", "-3", "many"])
def test_run_rejects_a_bad_number_of_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], runs: str
) -> None:
    out = tmp_path / "out"
    assert main(["run", str(TWO_PARTY), "--runs", runs, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--runs" in err
    assert "must be at least 1" in err or "expected a whole number" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_run_local_backend_with_address(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    argv = [
        "run",
        str(TWO_PARTY),
        "--runs",
        "10",
        "--out",
        str(out),
        "--backend",
        "local",
        "--address",
        "tcp://x:1",
    ]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.strip() == "--address needs --backend dask"
    assert not out.exists()


def test_run_unknown_backend(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(TWO_PARTY), "--backend", "spark"]) == 2
    assert "invalid choice: 'spark'" in capsys.readouterr().err


def test_the_run_table_ends_with_where_the_chance_of_agreement_went() -> None:
    from simulator.cli.run import funnel_lines

    def e(p: float) -> dict[str, object]:
        return {"p": p, "ci95": [p, p]}

    ev = {f"zone_path.{k}": e(0.0) for k in ("no_talks", "walkout", "impasse", "deadline")}
    ev |= {
        "zone_path.no_zone": e(0.8),
        "zone_path.hazard": e(0.01),
        "zone_path.ratification": e(0.04),
        "zone_path.agreed": e(0.15),
        "rounds_to_agreement.1": e(0.12),
    }
    lines = funnel_lines(ev)
    assert lines[1] == (
        "zone of agreement at the start 20.0%; lost: hazard −1.0%, ratification −4.0%; "
        "agreed 15.0%  (zone_path.*)"
    )
    assert lines[2].startswith("of the agreements, 80.0% came in round 1")
    assert funnel_lines({"agreement.any": e(0.1)}) == []  # a protocol without paths: nothing


@pytest.mark.parametrize(
    "argv",
    [
        ["compare", "istanbul_2025", "istanbul_2025", "--set-b", "no.such.path=1", "--runs", "100"],
        ["sweep", "istanbul_2025", "--param", "no.such.path=0:1:3", "--runs", "100"],
    ],
    ids=["compare", "sweep"],
)
def test_a_refused_command_leaves_no_empty_folder_in_runs(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without --out the command makes runs/<name>-<time> before its scenario is checked; refused,
    # it takes the empty folder away again (it made it; nothing of the user's is in it).
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    assert not list(tmp_path.glob("runs/*"))
