"""Tests of how negsim is packaged: dependencies, public API, console script."""

from __future__ import annotations

import ast
import importlib.metadata
import subprocess
import sys
import tomllib
import types
from pathlib import Path

import pytest
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
    for name in simulator.__all__:
        getattr(simulator, name)  # names are imported on first use
    public = {
        name
        for name, value in vars(simulator).items()
        if (not name.startswith("_") or name == "__version__")
        and not isinstance(value, types.ModuleType)
        and name not in {"annotations", "importlib", "TYPE_CHECKING", "Any"}
    }
    assert set(simulator.__all__) == public


def test_all_matches_the_lazy_exports_and_the_type_checking_imports() -> None:
    """``__all__`` = the lazily imported names + ``__version__``, and the same names are imported
    under ``if TYPE_CHECKING:`` for type checkers and editors."""
    exports = simulator._EXPORTS  # type: ignore[attr-defined]
    assert set(simulator.__all__) == {*exports, "__version__"}
    tree = ast.parse(INIT.read_text(encoding="utf-8"))
    typed: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom)
                typed.update({a.name: str(imp.module) for a in imp.names})
    assert typed == exports


def test_importing_the_cli_loads_no_heavy_library() -> None:
    """``negsim --help``, ``--version``, ``validate`` and ``explain`` must start fast: importing
    the CLI (and building its parser) loads neither Mesa, matplotlib, pyarrow, SciPy nor pandas."""
    code = (
        "import sys, simulator.cli.app as a; a.build_parser(); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'mesa', 'matplotlib', 'pyarrow', 'scipy', 'pandas', 'SALib'}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.slow
def test_a_run_without_figures_never_loads_matplotlib() -> None:
    """``negsim run --no-figures`` imports the API, which names the figures' files: naming them
    must not load matplotlib (a second and a half of start-up on a busy machine)."""
    code = (
        "import sys, simulator.api, simulator.cli.run; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'matplotlib'}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.slow
def test_validate_and_explain_load_no_heavy_library() -> None:
    # validate samples the prior for its zone-of-agreement warning (that loads the model) unless
    # told not to: checking the file alone stays light.
    code = (
        "import sys, io, contextlib\n"
        "from simulator.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['validate', {str(REPO / 'scenarios/istanbul_2025.yaml')!r},"
        " '--no-prior-check']) == 0\n"
        f"    assert main(['explain', {str(REPO / 'scenarios/istanbul_2025.yaml')!r}]) == 0\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'mesa', 'matplotlib', 'pyarrow', 'pandas'}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


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


def test_the_lock_pins_every_dependency_of_every_extra() -> None:
    """``pip install -c requirements.lock 'negsim[any,extras]'`` is pinned whatever the extras."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    lock = {
        canonicalize_name(line.split("==")[0]): line.split("==")[1]
        for line in (REPO / "requirements.lock").read_text(encoding="utf-8").splitlines()
        if "==" in line and not line.startswith("#")
    }
    project = PYPROJECT["project"]
    extras = project["optional-dependencies"].values()
    wanted = [*project["dependencies"], *(r for extra in extras for r in extra)]
    for text in wanted:
        req = Requirement(text)
        if canonicalize_name(req.name) == "negsim":
            continue  # an extra naming another extra
        name = canonicalize_name(req.name)
        assert name in lock, f"{req.name} is not pinned in requirements.lock (run bash .ci/lock)"
        assert Version(lock[name]) in req.specifier, f"{req.name}=={lock[name]} does not satisfy {text}"
    assert {"dask", "notebooks", "docs", "dev"} <= set(project["optional-dependencies"])


def test_no_setup_py_the_build_backend_ships_the_data() -> None:
    assert not (REPO / "setup.py").exists()
    hatch = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert hatch == {"scenarios": "simulator/_shipped/scenarios", "seeds": "simulator/_shipped/seeds"}
