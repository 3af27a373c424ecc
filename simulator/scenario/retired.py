"""Keys a scenario may still carry that no longer change anything: ``negsim validate`` says so.

A retired key stays readable so that older scenario files load, but a setting that is accepted
and ignored misleads whoever wrote it; each one here gets a located warning with the reason.
"""

from __future__ import annotations

from pathlib import Path

from simulator.errors import Problem
from simulator.scenario.yamlsafe import load_yaml

#: Retired key paths and why they no longer matter.
RETIRED: dict[tuple[str, ...], str] = {
    ("protocol", "announcement_order"): (
        "attendance is an equilibrium in which no order of announcements moves anything "
        "(docs/model.md, section 3.4); remove it"
    ),
    ("protocol", "announcement_rounds"): (
        "attendance is an equilibrium, not rounds of announcements (docs/model.md, section 3.4); remove it"
    ),
}


def retired_keys(path: Path) -> list[Problem]:
    """One located warning per retired key set in the file ``path`` (not in files it extends)."""
    doc = load_yaml(path, display=str(path))
    found = []
    for loc, why in RETIRED.items():
        node = doc.data
        for key in loc:
            node = node.get(key) if isinstance(node, dict) else None
        if node is not None:
            line, col = doc.position(loc)
            found.append(
                Problem(str(path), line, col, f"warning: {'.'.join(loc)} no longer changes anything: {why}")
            )
    return found
