"""Build step: copy the repository's scenarios/ and seeds/ into the package (simulator/_shipped/).

The folders stay where they are (they are the source of truth); a wheel carries identical copies,
so ``negsim run`` works from any folder (see simulator/scenario/shipped.py). Everything else is
configured in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
SHIPPED = ("scenarios", "seeds")


class BuildPyWithScenarios(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the repository's folders directly
        for folder in SHIPPED:
            target = Path(self.build_lib) / "simulator" / "_shipped" / folder
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(HERE / folder, target, ignore=shutil.ignore_patterns(".*", "__pycache__"))


setup(cmdclass={"build_py": BuildPyWithScenarios})
