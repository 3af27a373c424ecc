"""Tests of how negsim is packaged: dependencies, public API, console script."""

from __future__ import annotations

import ast
import importlib.metadata
import subprocess
import sys
import tomllib
import types
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.version import Version

import simulator

REPO = Path(__file__).parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
INIT = Path(simulator.__file__)


def test_mesa_is_3_5_or_later_but_not_4() -> None:
    import mesa

    version = Version(mesa.__version__)
    assert Version("3.5") <= version < Version("4")
    assert Version(importlib.metadata.version("mesa")) == version


def test_networkx_imports() -> None:
    # Mesa 3.5.1 imports networkx without declaring it; pyproject asks for mesa[network].
    import networkx

    assert callable(networkx.Graph)
    assert any(d.replace(" ", "").startswith("mesa[network]") for d in PYPROJECT["project"]["dependencies"])


def test_all_names_exist_and_are_unique() -> None:
    assert len(simulator.__all__) == len(set(simulator.__all__))
    for name in simulator.__all__:
        assert hasattr(simulator, name), name


def test_all_lists_every_public_attribute() -> None:
    """Like httpx's test: every public, non-module attribute of the package is exported."""
    public = {
        name
        for name, value in vars(simulator).items()
        if (not name.startswith("_") or name == "__version__") and not isinstance(value, types.ModuleType)
    }
    assert set(simulator.__all__) == public


def test_all_matches_the_names_bound_in_init() -> None:
    """Every public name that ``simulator/__init__.py`` binds at top level is in ``__all__``."""
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    bound: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            bound.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.Assign):
            bound.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            bound.add(node.target.id)
    public = {n for n in bound if not n.startswith("_") or n == "__version__"} - {"annotations"}
    assert set(simulator.__all__) == public


def test_pyproject_declares_console_script_and_python() -> None:
    project = PYPROJECT["project"]
    assert project["scripts"]["negsim"] == "simulator.cli:main"
    spec = SpecifierSet(project["requires-python"])
    assert "3.12" in spec
    assert "3.11.9" not in spec
    assert project["version"] == simulator.__version__


def test_installed_metadata_matches() -> None:
    assert importlib.metadata.version("negsim") == simulator.__version__
    [entry] = [ep for ep in importlib.metadata.entry_points(group="console_scripts") if ep.name == "negsim"]
    assert entry.value == "simulator.cli:main"


def test_negsim_console_script_runs() -> None:
    script = Path(sys.executable).parent / "negsim"
    assert script.is_file(), f"no console script at {script}"
    done = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"negsim {simulator.__version__}"
