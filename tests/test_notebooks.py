"""The notebooks: each runs top to bottom in a fresh kernel (small ensembles) and is stored clean.

Each notebook is executed with ``nbclient`` in a kernel started from this interpreter (so it
imports the ``simulator`` under test, not one installed elsewhere), with ``NEGSIM_WORLDS`` set
small, as the contract for notebooks says CI does.
"""

from __future__ import annotations

import ast
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import simulator

NOTEBOOKS = Path(__file__).parents[1] / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
WORLDS = "300"
PROBE = "import os, sys\nprint(sys.executable)\nprint(sys.prefix)\nprint(os.environ['NEGSIM_WORLDS'])"


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A ``python3`` kernel spec that runs this interpreter, found before any other one.

    The kernel spec the venv's ipykernel installs would normally be found too, but a user-level
    ``python3`` spec pointing at another Python would win over it; ``JUPYTER_PATH`` comes first.
    """
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / "python3"
    spec.mkdir(parents=True)
    kernel = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (negsim tests)",
        "language": "python",
    }
    (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(root))
        mp.setenv("JUPYTER_PLATFORM_DIRS", "1")  # the new paths, without jupyter_core's deprecation warning
        mp.setenv("IPYTHONDIR", str(root / "ipython"))  # no profile or history from the user's home
        mp.setenv("NEGSIM_WORLDS", WORLDS)
        (root / "tmp").mkdir()
        mp.setenv("TMPDIR", str(root / "tmp"))  # what the notebooks write goes to pytest's tmp
        yield


def code_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code"]


def test_the_notebooks_are_there() -> None:
    names = {p.name for p in PATHS}
    assert {
        "01_quickstart.ipynb",
        "02_tweak_an_agent.ipynb",
        "03_one_world_step_by_step.ipynb",
        "04_what_drives_it.ipynb",
        "05_explore.ipynb",
        "06_offers_step_by_step.ipynb",
    } <= names


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_notebook_is_stored_clean(path: Path) -> None:
    """Committed without outputs or execution counts, so diffs show only what was written."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    for i, cell in enumerate(code_cells(nb)):
        assert cell.outputs == [], f"{path.name}: code cell {i} has stored outputs"
        assert cell.execution_count is None, f"{path.name}: code cell {i} has an execution count"


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_notebook_reads_worlds_from_the_environment(path: Path) -> None:
    source = "\n".join(c.source for c in code_cells(nbformat.read(path, as_version=4)))
    assert 'os.environ.get("NEGSIM_WORLDS"' in source


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_notebook_uses_only_public_names(path: Path) -> None:
    """``from simulator import X`` only for X in ``__all__``; nothing private from any module."""
    for cell in code_cells(nbformat.read(path, as_version=4)):
        # IPython magics (%matplotlib inline) are not Python.
        source = "\n".join(line for line in cell.source.splitlines() if not line.startswith("%"))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("simulator"):
                for alias in node.names:
                    assert not alias.name.startswith("_"), f"{path.name}: imports {alias.name}"
                    if node.module == "simulator":
                        assert alias.name in simulator.__all__, f"{path.name}: {alias.name} not public"
                assert not any(part.startswith("_") for part in node.module.split(".")), node.module
            is_name = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            if is_name and node.value.id == "simulator":
                assert node.attr in simulator.__all__, f"{path.name}: simulator.{node.attr}"


@pytest.mark.slow
@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_notebook_runs(path: Path, kernel_env: None) -> None:
    """Runs top to bottom (any error fails), in this venv's Python, writing nothing to stderr."""
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    # Every cell takes seconds with 300 worlds; a generous limit still fails a hang quickly.
    client = NotebookClient(
        nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error
    probe = nb.cells[-1].outputs[0]["text"].split("\n")
    assert probe[:3] == [sys.executable, sys.prefix, WORLDS]
    for i, cell in enumerate(code_cells(nb)[:-1]):
        for out in cell.outputs:
            assert out.output_type != "error"
            if out.output_type == "stream":
                assert out.name == "stdout", f"{path.name}: code cell {i} wrote to stderr:\n{out.text}"
