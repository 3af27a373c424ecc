"""Event keys in words (``attend.russia`` -> ``Russia attends``), for reports, tables and figures.

The words for each kind of key live with the key's pattern in :mod:`simulator.scenario.events`;
this module only supplies the scenario's names for its parties and issues.
"""

from __future__ import annotations

from simulator.scenario import events as ke
from simulator.scenario.events import OUTCOME_LABELS
from simulator.scenario.schema import Scenario

__all__ = ["OUTCOME_LABELS", "event_label"]


def event_label(scenario: Scenario, key: str) -> str:
    """A readable label for an event key; the key itself when it has no known form."""
    names = {pid: p.name for pid, p in scenario.parties.items()}
    names |= {iid: i.name for iid, i in scenario.issues.items()}
    parsed = ke.parse(key)
    if parsed is not None and parsed.family is ke.AGREEMENT and parsed.parts["issue"] not in scenario.issues:
        return key
    return ke.label(key, names) or key
