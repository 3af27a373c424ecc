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
