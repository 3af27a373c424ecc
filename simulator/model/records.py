"""The names of what a run records: delegation levels, outcomes, record columns and event keys.

One module knows them; the model writes records under these names, the tallies count events
under these keys, and the figures and reports read them back (``docs/output-format.md``).
"""

from __future__ import annotations

from simulator.scenario.schema import LEVELS as LEVEL_ENUMS

#: Delegation levels, lowest first (``level.<party>`` columns hold their index).
LEVELS: tuple[str, ...] = tuple(lv.value for lv in LEVEL_ENUMS)
#: How talks can end, in this order (the ``outcome`` column holds the index).
OUTCOMES: tuple[str, ...] = ("no_talks", "collapse", "continue", "partial_agreement", "agreement")


def level_column(party: str) -> str:
    """``level.<party>``: the level each world's party sent (index into :data:`LEVELS`)."""
    return f"level.{party}"


def position_column(party: str, issue: str) -> str:
    """``position.<party>.<issue>``: a principal's final position on an issue."""
    return f"position.{party}.{issue}"


def concession_column(party: str, issue: str) -> str:
    """``concession.<party>.<issue>``: how far a principal moved on an issue."""
    return f"concession.{party}.{issue}"


def param_column(path: str) -> str:
    """``param.<dotted path>``: an uncertain parameter's draw."""
    return f"param.{path}"


def attend_key(party: str) -> str:
    """Event: the party attends at any level."""
    return f"attend.{party}"


def level_key(party: str, level: str) -> str:
    """Event: the party sends exactly this level."""
    return f"level.{party}.{level}"


def outcome_key(outcome: str) -> str:
    """Event: the talks end this way (one of :data:`OUTCOMES`)."""
    return f"outcome.{outcome}"


def threat_key(threat: str) -> str:
    """Event: the threat was carried out."""
    return f"threat.{threat}"
