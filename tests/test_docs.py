"""Issue #25, item 4: the documentation site builds in strict mode, its examples run, and no page
points at a module that does not exist."""

from __future__ import annotations

import doctest
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

import simulator.api
from simulator import load_scenario
from simulator.cli.app import build_parser
from simulator.model.model import NegotiationModel

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs"
# Pages that describe the code as it is (CHANGELOG.md names removed modules on purpose).
PAGES = [*sorted(DOCS.glob("*.md")), ROOT / "README.md"]
FENCE = re.compile(r"```python\n(.*?)```", re.DOTALL)


@pytest.mark.slow
def test_the_site_builds_in_strict_mode(tmp_path: Path) -> None:
    """``mkdocs build --strict``: a broken link, a missing page or a bad docstring reference fails."""
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    cli = (tmp_path / "site" / "cli" / "index.html").read_text(encoding="utf-8")
    parser = build_parser()
    [sub] = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    for name in sub.choices:  # type: ignore[union-attr]
        assert f"negsim {name}</code>" in cli, name  # every command has its generated section
    api = (tmp_path / "site" / "api" / "index.html").read_text(encoding="utf-8")
    assert "as <code>negsim run</code> does" in api  # from run()'s docstring
    changelog = (tmp_path / "site" / "changelog" / "index.html").read_text(encoding="utf-8")
    assert "Unreleased" in changelog


def _examples(page: Path) -> str:
    return "\n".join(FENCE.findall(page.read_text(encoding="utf-8")))


@pytest.mark.slow
@pytest.mark.parametrize("page", ["api.md", "index.md"])
def test_the_python_examples_run(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every ```python block of the page, in order, in one namespace, in an empty folder."""
    monkeypatch.chdir(tmp_path)
    code = _examples(DOCS / page)
    assert code.strip()
    namespace: dict[str, object] = {"__name__": "__docs__"}
    exec(compile(code, str(DOCS / page), "exec"), namespace)
    assert "results" in namespace


@pytest.mark.slow
def test_the_docstring_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    globs = {"load_scenario": load_scenario, "NegotiationModel": NegotiationModel}
    tests = [*finder.find(simulator.api, globs=dict(globs))]
    tests += finder.find(NegotiationModel.world, "NegotiationModel.world", globs=dict(globs))
    examples = 0
    for test in tests:
        runner.run(test)
        examples += len(test.examples)
    assert examples >= 5
    assert runner.failures == 0


def _module_exists(dotted: str) -> bool:
    """``simulator.a.b.c``: an importable module, or a name inside the longest importable prefix."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            if not hasattr(obj, name):
                return False
            obj = getattr(obj, name)
        return True
    return False


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_module_a_page_names_exists(page: Path) -> None:
    """``simulator/x/y.py`` and ``simulator.x.y`` in a page name real files and modules (the
    scenario format once pointed at ``simulator/scenario.py``, long gone)."""
    text = page.read_text(encoding="utf-8")
    for path in set(re.findall(r"\bsimulator/[\w/]+\.py\b", text)):
        assert (ROOT / path).is_file(), f"{page.name}: {path} does not exist"
    for dotted in set(re.findall(r"`(simulator(?:\.\w+)+)", text)):
        assert _module_exists(dotted), f"{page.name}: {dotted} does not exist"


#: Every test function and test module of the suite, by name (read from the files, not imported).
_TESTS = {p.stem for p in (ROOT / "tests").glob("test_*.py")} | {
    name
    for p in (ROOT / "tests").glob("test_*.py")
    for name in re.findall(r"^def (test_\w+)", p.read_text(), re.M)
}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_test_a_page_names_exists(page: Path) -> None:
    """A rule's "Tested:" names a test that is in the suite (model.md once cited a file of
    comparative statics removed a round earlier, and a validate check that was never written)."""
    text = page.read_text(encoding="utf-8")
    missing = sorted(set(re.findall(r"`(?:tests/\w+\.py::|::)?(test_\w+)`", text)) - _TESTS)
    assert not missing, f"{page.name} names tests that do not exist: {', '.join(missing)}"
