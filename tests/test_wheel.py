"""Issue #25, item 1: the wheel and the sdist work on their own, outside the checkout.

``python -m build`` makes the sdist and, from it, the wheel (so the sdist is proved to build). The
wheel is installed into a fresh virtual environment in a temporary folder and negsim is used
there as a newcomer would: ``negsim run`` (the baseline), ``negsim run whatif_putin_attends``,
``negsim new`` then ``validate``, ``load_scenario('istanbul_2025')`` in Python, a notebook, and
``negsim dashboard --help`` once that command exists.

Installing every dependency afresh would download or unpack ~1 GB for each run of the tests, so
by default the fresh environment borrows the dependencies already installed in this test
environment (a ``.pth`` file naming a folder of links to them, negsim's own files left out) and the
wheel is installed with ``--no-deps``; ``pip check`` then proves the borrowed set satisfies what
the wheel declares. Set ``NEGSIM_WHEEL_FULL_INSTALL=1`` to install the wheel with its dependencies
from the package index instead, pinned by ``requirements.lock``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
pytestmark = pytest.mark.slow

# What of this environment's site-packages belongs to the negsim under test (never borrowed).
_OWN = ("negsim", "__editable__", "_negsim", "simulator")


def _run(args: list[str], cwd: Path, timeout: float = 600, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False, env=env
    )
    assert done.returncode == 0, f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sdist and the wheel ``python -m build`` makes (the wheel built from the sdist)."""
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)], cwd=out)
    [sdist] = out.glob("negsim-*.tar.gz")
    [wheel] = out.glob("negsim-*.whl")
    return {"sdist": sdist, "wheel": wheel}


def _env_without_checkout() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if ".venv" not in p)
    return env


@pytest.fixture(scope="module")
def venv(dist: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment, outside the checkout, with the wheel installed."""
    home = tmp_path_factory.mktemp("elsewhere")
    env_dir = home / "venv"
    _run([sys.executable, "-m", "venv", str(env_dir)], cwd=home)
    python = env_dir / "bin" / "python"
    env = _env_without_checkout()
    if os.environ.get("NEGSIM_WHEEL_FULL_INSTALL") == "1":
        lock = ROOT / "requirements.lock"
        _run(
            [str(python), "-m", "pip", "install", "-q", "-c", str(lock), str(dist["wheel"]) + "[notebooks]"],
            cwd=home,
            timeout=1800,
            env=env,
        )
    else:
        borrowed = home / "borrowed"
        borrowed.mkdir()
        here = Path(sysconfig.get_paths()["purelib"])
        for entry in here.iterdir():
            if not entry.name.startswith(_OWN) and entry.suffix != ".pth":
                (borrowed / entry.name).symlink_to(entry)
        site = Path(
            _run(
                [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                cwd=home,
                env=env,
            ).strip()
        )
        (site / "negsim-borrowed-deps.pth").write_text(f"{borrowed}\n", encoding="utf-8")
        _run(
            [str(python), "-m", "pip", "install", "-q", "--no-index", "--no-deps", str(dist["wheel"])],
            cwd=home,
            env=env,
        )
        _run([str(python), "-m", "pip", "check"], cwd=home, env=env)
    return env_dir


def test_the_sdist_holds_what_a_build_needs(dist: dict[str, Path]) -> None:
    with tarfile.open(dist["sdist"]) as tf:
        names = {n.split("/", 1)[1] for n in tf.getnames() if "/" in n}
    for needed in (
        "pyproject.toml",
        "README.md",
        "simulator/__init__.py",
        "scenarios/istanbul_2025.yaml",
        "seeds/index.yaml",
        "requirements.lock",
        "tests/test_wheel.py",
    ):
        assert needed in names, needed
    assert not any(
        n.startswith("simulator/_shipped") or "__pycache__" in n or n.startswith(".venv") for n in names
    )


def test_the_wheel_ships_copies_identical_to_the_repository(dist: dict[str, Path]) -> None:
    """The wheel carries simulator/_shipped/{scenarios,seeds}, byte for byte the repository's."""
    with zipfile.ZipFile(dist["wheel"]) as zf:
        names = zf.namelist()
        shipped = {n: zf.read(n) for n in names if n.startswith("simulator/_shipped/")}
    expected = {
        f"simulator/_shipped/{p.relative_to(ROOT).as_posix()}": p.read_bytes()
        for folder in ("scenarios", "seeds")
        for p in (ROOT / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert shipped.keys() == expected.keys()
    for name, data in expected.items():
        assert shipped[name] == data, name
    assert "simulator/py.typed" in names
    assert any(n.startswith("simulator/analysis/fitted/") and n.endswith(".json") for n in names)
    assert not any(n.startswith(("tests/", "scenarios/", "seeds/")) for n in names)


def test_the_installed_wheel_runs_outside_the_checkout(venv: Path, tmp_path: Path) -> None:
    env = _env_without_checkout()
    negsim = str(venv / "bin" / "negsim")
    python = str(venv / "bin" / "python")
    where = _run([python, "-c", "import simulator; print(simulator.__file__)"], cwd=tmp_path, env=env)
    assert Path(where.strip()).is_relative_to(venv), where  # the wheel's copy, not the checkout

    _run([negsim, "run", "--runs", "2000", "--workers", "1", "--out", "base"], cwd=tmp_path, env=env)
    summary = json.loads((tmp_path / "base" / "summary.json").read_text(encoding="utf-8"))
    assert summary["runs"] == 2000
    assert Path(summary["scenario"]["path"]).is_relative_to(venv)
    assert (tmp_path / "base" / "figures" / "outcomes.png").is_file()

    _run(
        [
            negsim,
            "run",
            "whatif_putin_attends",
            "--runs",
            "2000",
            "--workers",
            "1",
            "--no-figures",
            "--out",
            "putin",
        ],
        cwd=tmp_path,
        env=env,
    )
    putin = json.loads((tmp_path / "putin" / "summary.json").read_text(encoding="utf-8"))
    assert putin["events"]["level.russia.leader"]["p"] > summary["events"]["level.russia.leader"]["p"]

    code = "from simulator import load_scenario\ns = load_scenario('istanbul_2025')\nprint(sorted(s.parties))"
    out = _run([python, "-c", code], cwd=tmp_path, env=env)
    assert "russia" in out and "ukraine" in out

    commands = _run([negsim, "--help"], cwd=tmp_path, env=env)
    if "dashboard" in commands:  # once the dashboard has landed
        assert "usage" in _run([negsim, "dashboard", "--help"], cwd=tmp_path, env=env)


def test_a_notebook_runs_from_a_folder_outside_the_checkout(venv: Path, tmp_path: Path) -> None:
    """The quickstart notebook, copied to an empty folder, runs in a kernel of the fresh venv."""
    nb = tmp_path / "01_quickstart.ipynb"
    nb.write_bytes((ROOT / "notebooks" / "01_quickstart.ipynb").read_bytes())
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    kernel = {
        "argv": [str(venv / "bin" / "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "negsim wheel",
        "language": "python",
    }
    (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")
    env = _env_without_checkout()
    env.update(
        JUPYTER_PATH=str(tmp_path / "jupyter"),
        JUPYTER_PLATFORM_DIRS="1",
        IPYTHONDIR=str(tmp_path / "ipython"),
        NEGSIM_WORLDS="300",
    )
    code = (
        "import sys, nbformat\n"
        "from nbclient import NotebookClient\n"
        "nb = nbformat.read(sys.argv[1], as_version=4)\n"
        "NotebookClient(nb, kernel_name='python3', timeout=180,"
        " resources={'metadata': {'path': sys.argv[2]}}).execute()\n"
        "print(sum(len(c.get('outputs', [])) for c in nb.cells))"
    )
    out = _run([str(venv / "bin" / "python"), "-c", code, str(nb), str(tmp_path)], cwd=tmp_path, env=env)
    assert int(out.strip()) > 5
