"""Issue #9, item 4: every example in the README and in the help texts runs (with few worlds).

Examples are taken from the shipped baseline; one that names a parameter or a file that does not
exist fails here before a newcomer meets it.
"""

from __future__ import annotations

import glob
import re
import shlex
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.defaults import LHS_EXAMPLE, SWEEP_EXAMPLE

ROOT = Path(__file__).parents[1]
RUNS = "150"


def readme_commands() -> list[list[str]]:
    """Every ``negsim ...`` command in the README's bash blocks (continuations joined)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```(?:bash|sh)\n(.*?)```", text, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" #", 1)[0].strip()
            if line.startswith(("negsim ", ".venv/bin/negsim")) or line.endswith(".venv/bin/negsim run"):
                line = line[line.index("negsim ") :] if "negsim " in line else "negsim run"
                commands.append(shlex.split(line)[1:])
    return commands


def small(argv: list[str], runs_dir: Path) -> list[str]:
    """``argv`` made quick: few worlds, small samples, and an output folder of its own."""
    args = list(argv)
    cmd = args[0]
    if "--runs" in args:
        args[args.index("--runs") + 1] = RUNS
    elif cmd in ("run", "compare", "sweep") and "--resume" not in args:
        args += ["--runs", RUNS]
    if cmd == "sweep" and "--n" in args:
        args[args.index("--n") + 1] = "4"
    if cmd == "sensitivity":
        args += ["--n", "4", "--replicates", "2"]
    if cmd == "run" and "--out" not in args and "--resume" not in args:
        args += ["--out", str(runs_dir / f"run{len(list(runs_dir.glob('run*')))}")]
    args = [a.replace("runs/<run>", str(runs_dir / "run0")) for a in args]
    return [g for a in args for g in (sorted(glob.glob(a)) if "*" in a else [a])]  # as a shell would


@pytest.mark.slow
def test_every_readme_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    (tmp_path / "seeds").symlink_to(ROOT / "seeds")
    (tmp_path / "benchmarks").symlink_to(ROOT / "benchmarks")
    (tmp_path / "runs").mkdir()
    (tmp_path / "observed.yaml").write_text("talks.direct: 1\n", encoding="utf-8")
    commands = readme_commands()
    assert len(commands) >= 10, commands
    for argv in commands:
        if argv[0] == "dashboard":  # a server that runs until stopped: started and driven in
            continue  # tests/test_dashboard_browser.py, on the same command line
        if "--resume" in argv:  # resume the first run instead of the README's made-up folder
            argv = ["run", "--resume", str(tmp_path / "runs" / "run0"), "--no-figures"]
        args = small(argv, tmp_path / "runs")
        if argv[0] == "discover":  # a rare event needs enough worlds to be discovered (30 at least)
            big = tmp_path / "runs" / "for-discovery"
            if not big.exists():
                assert main(["run", "--runs", "4000", "--no-figures", "--out", str(big)]) == 0
            args[1] = str(big)
        assert main(args) == 0, f"README example failed: negsim {shlex.join(argv)}"


@pytest.mark.slow
@pytest.mark.parametrize("param", [SWEEP_EXAMPLE, LHS_EXAMPLE])
def test_the_sweep_help_examples_run(param: str, tmp_path: Path) -> None:
    sample = ["--sample", "lhs", "--n", "3"] if param == LHS_EXAMPLE else []
    args = ["sweep", "istanbul_2025", "--param", param, *sample, "--runs", "100", "--out", str(tmp_path)]
    assert main(args) == 0


def test_help_texts_name_only_existing_parameters(capsys: pytest.CaptureFixture[str]) -> None:
    """Every dotted parameter path in any --help text exists in the shipped baseline."""
    from simulator.scenario.load import load_scenario

    slots = set(load_scenario(ROOT / "scenarios" / "istanbul_2025.yaml").parameter_slots())
    found = []
    for cmd in ("run", "validate", "explain", "compare", "sweep", "sensitivity", "score", "report"):
        assert main([cmd, "--help"]) == 0
        text = " ".join(capsys.readouterr().out.split())
        found += re.findall(r"\b((?:parties|threats|pressures|protocol)\.[\w.]*\w)", text)
    assert found
    for key in found:
        assert key in slots, key


def test_no_param_message_suggests_a_parameter_that_exists(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sweep", "istanbul_2025", "--runs", "10"]) == 2
    err = capsys.readouterr().err
    assert SWEEP_EXAMPLE in err
