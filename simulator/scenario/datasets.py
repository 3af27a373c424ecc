"""Dataset citations: every number sourced ``{dataset, record, field}`` is checked against its file.

The counterpart of the seed-quote check for numbers copied from a dataset (the DEU III file for
the imported EU scenarios). A scenario declares its dataset files under ``datasets:`` (paths
relative to the scenario file); the loader calls :func:`check_dataset_citations` with every
``source`` it found, so a mistyped number fails at the citation's ``path:line:col`` and the
message names the dataset's own ``file:line:col`` too.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from simulator.errors import Problem, ScenarioError
from simulator.scenario.importers.deu3 import Deu3Dataset, check_dataset_source, read_deu3

Loc = tuple[str | int, ...]


def check_dataset_citations(
    datasets: Mapping[str, str],
    sources: Iterable[tuple[Loc, dict[str, Any]]],
    data: Any,
    problem: Callable[[Loc, str], Problem],
    base: Path,
    root: Path | None = None,
) -> list[Problem]:
    """A problem for every dataset citation whose cell does not hold the parameter's value.

    ``datasets:`` maps a dataset id to its file, relative to the scenario's folder. A citation in
    a parameter with a fixed ``value`` must find ``value x scale`` in the cell (numbers to 1e-9);
    elsewhere (a voting body, a signal) the cell must exist and not be empty. Problems point at
    the citation's ``field`` in the YAML and quote the dataset file's own line and column.

    Dataset files are read by :mod:`simulator.inputs`: regular files of at most 5 MB, inside the
    scenario's folder tree ``root`` (None: ``--allow-outside``). Messages give a bad file's line and
    column, never its text (a path could name a secret that is not a dataset at all).
    """
    problems: list[Problem] = []
    cache: dict[str, Deu3Dataset | Problem] = {}
    for loc, source in sources:
        if "dataset" not in source:
            continue
        name = str(source.get("dataset"))
        if name not in datasets:
            known = ", ".join(datasets) or "none declared under datasets:"
            problems.append(problem((*loc, "dataset"), f"unknown dataset '{name}' ({known})"))
            continue
        if name not in cache:
            cache[name] = _read_dataset(base / datasets[name], problem(("datasets", name), ""), root)
        dataset = cache[name]
        if isinstance(dataset, Problem):
            problems.append(dataset)
            continue
        owner = _owner(data, loc)
        has_value = isinstance(owner, dict) and isinstance(owner.get("value"), int | float)
        scale = float(source.get("scale", 1.0))
        record, column = str(source.get("record")), str(source.get("field"))
        value = round(float(owner["value"]) * scale, 9) if has_value else None
        miss = check_dataset_source(dataset, record, column, value)
        if not has_value:
            # Not a fixed number: the cell only has to exist and hold something.
            if miss is None:
                message = f"{name} {record}.{column}: the cell is empty"
                problems.append(problem((*loc, "field"), message))
            elif "cited None, file has " in miss.message:
                continue
        if miss is not None:
            where = f"{miss.path}:{miss.line}:{miss.col}"
            problems.append(problem((*loc, "field"), f"{miss.message} (at {where})"))
    return problems


def _read_dataset(path: Path, at: Problem, root: Path | None) -> Deu3Dataset | Problem:
    """The dataset file, or a problem placed at its entry under ``datasets:``."""
    try:
        exists = os.path.lexists(path)
    except (OSError, ValueError):
        exists = False
    if not exists:
        return Problem(at.path, at.line, at.col, f"datasets: no such file '{path}'")
    try:
        return read_deu3(path, root=root)
    except ScenarioError as exc:
        first = exc.problems[0]
        if first.line == 0:  # not read at all: the reason names the file, not its content
            return Problem(at.path, at.line, at.col, f"datasets: {first.message} ('{path}')")
        where = f"line {first.line}, column {first.col}"
        return Problem(at.path, at.line, at.col, f"datasets: '{path}' is not a valid DEU file (at {where})")


def _owner(data: Any, loc: Loc) -> Any:
    """The mapping that holds the ``source`` at ``loc`` (a Param, a body, a signal)."""
    parts = list(loc)
    while parts and parts[-1] != "source":
        parts.pop()
    node = data
    for part in parts[:-1]:
        node = node[part]
    return node
