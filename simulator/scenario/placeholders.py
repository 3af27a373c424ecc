"""Placeholders still in a scenario: the ``TODO`` text ``negsim new`` writes for the user to replace.

A placeholder is any string value that starts with ``TODO`` (an ``assumption``, a party's
``leader``, an issue's ``low``/``high``). The scenario is valid with them (it runs), so ``negsim
validate`` reports them as located warnings, not errors: a finished scenario has none.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from simulator.errors import Problem
from simulator.scenario.template import PLACEHOLDER
from simulator.scenario.yamlsafe import load_yaml


def placeholders(path: Path) -> list[Problem]:
    """One located warning per placeholder written in the file ``path`` (not in files it extends)."""
    doc = load_yaml(path, display=str(path))
    found = []
    for loc, text in _strings(doc.data, ()):
        if text.lstrip().upper().startswith(PLACEHOLDER):
            line, col = doc.position(loc)
            where = ".".join(str(k) for k in loc)
            found.append(
                Problem(
                    str(path), line, col, f"warning: placeholder still to replace: {where}: {text.strip()}"
                )
            )
    return found


def _strings(node: Any, loc: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(node, str):
        yield loc, node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from _strings(v, (*loc, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _strings(v, (*loc, i))
