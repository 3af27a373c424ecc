"""The scenarios shipped with negsim (the baseline and its what-ifs) and the seed articles.

The repository's ``scenarios/`` and ``seeds/`` folders are the source of truth. A wheel carries
copies of them in ``simulator/_shipped/`` (``pyproject.toml``'s hatch ``force-include``); an editable
install or a source checkout reads the repository's folders directly. Either way ``negsim run``
works from any folder, and a scenario can be named instead of given as a path
(``negsim run whatif_putin_attends``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

BASELINE = "istanbul_2025"


def shipped_root() -> Path | None:
    """The folder holding ``scenarios/`` and ``seeds/`` (None if this install has neither)."""
    packaged = Path(str(resources.files("simulator") / "_shipped"))
    if (packaged / "scenarios").is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2]  # the repository (editable install)
    if (checkout / "scenarios" / f"{BASELINE}.yaml").is_file():
        return checkout
    return None


def is_companion(path: Path) -> bool:
    """Whether a file in ``scenarios/`` is a companion of a scenario rather than a scenario.

    The rule: a scenario is ``<name>.yaml`` with no dot in ``<name>``; ``<scenario>.<kind>.yaml``
    belongs to ``<scenario>`` (``istanbul_2025.observed.yaml``: what happened at the talks, for
    ``negsim score``). A companion is no forecast to run, so no listing offers it as one.
    """
    return "." in path.name.removesuffix(".yaml")


def shipped_scenarios() -> dict[str, Path]:
    """Every shipped scenario by name (its file name without ``.yaml``), baseline first.

    Companion files (:func:`is_companion`, e.g. ``istanbul_2025.observed.yaml``) are not scenarios
    and are left out.
    """
    root = shipped_root()
    if root is None:
        return {}
    found = {p.stem: p for p in sorted((root / "scenarios").glob("*.yaml")) if not is_companion(p)}
    return dict(sorted(found.items(), key=lambda kv: kv[0] != BASELINE))


def baseline() -> Path:
    """The shipped baseline scenario file (the repository's path when run from the repository)."""
    local = Path("scenarios") / f"{BASELINE}.yaml"
    if local.is_file() and local.resolve() == shipped_scenarios().get(BASELINE, local).resolve():
        return local  # shorter to print, same file
    return shipped_scenarios().get(BASELINE, local)


def find_scenario(text: str) -> Path:
    """A scenario argument as a path: an existing file, else a shipped scenario of that name.

    Returns ``Path(text)`` unchanged when neither exists (loading it then reports the problem).
    """
    path = Path(text)
    if path.exists() or "/" in text or "\\" in text:
        return path
    return shipped_scenarios().get(path.name.removesuffix(".yaml"), path)
