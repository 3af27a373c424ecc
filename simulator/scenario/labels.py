"""Event keys in words (``attend.russia`` -> ``Russia attends``), for reports, tables and figures."""

from __future__ import annotations

from simulator.scenario.schema import Scenario

OUTCOME_LABELS = {
    "no_talks": "no talks are held",
    "collapse": "the talks collapse",
    "continue": "talks continue, nothing agreed",
    "partial_agreement": "a partial agreement",
    "agreement": "a full agreement",
}


def event_label(scenario: Scenario, key: str) -> str:
    """A readable label for an event key; the key itself when it has no known form."""
    head, _, rest = key.partition(".")

    def name(pid: str) -> str:
        return scenario.parties[pid].name if pid in scenario.parties else pid

    if head == "attend":
        return f"{name(rest)} attends"
    if head == "level":
        pid, _, level = rest.rpartition(".")
        if level == "absent":
            return f"{name(pid)} stays away"
        return f"{name(pid)} sends its leader" if level == "leader" else f"{name(pid)} sends: {level}"
    if head == "agreement":
        if rest == "any":
            return "anything is agreed"
        return f"{scenario.issues[rest].name} agreed" if rest in scenario.issues else key
    if head == "sanctions":
        return f"{name(rest)} imposes new sanctions"
    if head == "walkout":
        return f"{name(rest)} walks out"
    if head == "threat":
        return f"threat carried out: {rest.replace('_', ' ')}"
    if head == "format":
        return f"talks in the {rest.replace('_', ' ')} format"
    if head == "outcome":
        return OUTCOME_LABELS.get(rest, key)
    phrases = {
        "talks.direct": "direct talks are held",
        "talks.leaders": "the leaders meet",
        "talks.mediated": "the talks are mediated",
    }
    return phrases.get(key, key)
