"""Event keys in words (``attend.russia`` -> ``Russia attends``), for reports, tables and figures.

The words for each kind of key live with the key's pattern in :mod:`simulator.scenario.events`;
this module only supplies the scenario's names for its parties and issues.
"""

from __future__ import annotations

from simulator.scenario import events as ke
from simulator.scenario.events import OUTCOME_LABELS
from simulator.scenario.schema import Scenario

__all__ = ["OUTCOME_LABELS", "event_label", "param_label"]


def event_label(scenario: Scenario, key: str) -> str:
    """A readable label for an event key; the key itself when it has no known form."""
    names = {pid: p.name for pid, p in scenario.parties.items()}
    names |= {iid: i.name for iid, i in scenario.issues.items()}
    parsed = ke.parse(key)
    if parsed is not None and parsed.family is ke.AGREEMENT and parsed.parts["issue"] not in scenario.issues:
        return key
    return ke.label(key, names) or key


def param_label(scenario: Scenario, path: str) -> str:
    """A parameter's ``--set`` path in words, with the scenario's own party and issue names.

    ``parties.russia.positions.ceasefire.red_line`` -> ``Russia: Ceasefire red line``;
    ``threats.eu_sanctions.credibility`` -> ``threat eu sanctions: credibility``;
    ``protocol.choice_noise`` -> ``talks: choice noise``. Figures print the path itself in small
    type beside the label, so the words only need to be readable, not unique.
    """
    parts = path.split(".")

    def words(items: list[str]) -> str:
        return " ".join(p.replace("_", " ") for p in items if p)

    head = parts[0]
    if head == "parties" and len(parts) >= 3:
        pid = parts[1]
        who = scenario.parties[pid].name if pid in scenario.parties else pid
        rest = parts[2:]
        if rest[0] == "positions" and len(rest) >= 3:
            issue = scenario.issues[rest[1]].name if rest[1] in scenario.issues else rest[1]
            return f"{who}: {issue} {words(rest[2:])}"
        if rest[0] == "attendance" and len(rest) >= 2:
            if rest[1] == "commitments" and len(rest) >= 4:
                return f"{who}: {words(rest[3:])} of commitment {rest[2]}"
            return f"{who}: {words(rest[1:])} (attendance)"
        return f"{who}: {words(rest)}"
    if head in ("threats", "pressures") and len(parts) >= 3:
        return f"{head[:-1]} {words([parts[1]])}: {words(parts[2:])}"
    if head == "protocol":
        return f"talks: {words(parts[1:])}"
    return words(parts)
