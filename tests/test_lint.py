"""Static checks run with the tests, so the README's one test command runs every check."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
BIN = Path(sys.executable).parent


def _run(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


@pytest.mark.slow  # a whole-package static check: the full suite (.ci/run) runs it
def test_ruff_finds_nothing():
    result = _run(str(BIN / "ruff"), "check", "simulator", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow  # a whole-package static check: the full suite (.ci/run) runs it
def test_mypy_finds_nothing_in_the_package():
    result = _run(sys.executable, "-m", "mypy", "--no-incremental", "--cache-dir=/dev/null")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow  # a whole-package static check: the full suite (.ci/run) runs it
def test_import_contracts_are_kept():
    """Layers (cli -> report/figures -> analysis -> engine -> model -> scenario), argparse, cycles."""
    result = _run(str(BIN / "lint-imports"), "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_nothing_imports_the_package_init():
    """``simulator/__init__.py`` is the public API for users; modules import the module they need."""
    import ast

    offenders = []
    for path in (ROOT / "simulator").rglob("*.py"):
        if path.name == "__init__.py" and path.parent.name == "simulator":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "simulator" and node.level == 0:
                names = [a.name for a in node.names if not (ROOT / "simulator" / f"{a.name}.py").is_file()]
                offenders += [f"{path}: from simulator import {n}" for n in names]
            elif isinstance(node, ast.Import) and any(a.name == "simulator" for a in node.names):
                offenders.append(f"{path}: import simulator")
    assert offenders == []


@pytest.mark.slow
def test_the_engine_does_not_load_matplotlib():
    code = "import sys, simulator.engine.ensemble; print('matplotlib' in sys.modules)"
    assert _run(sys.executable, "-c", code).stdout.strip() == "False"
