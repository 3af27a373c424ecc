"""Which events an analysis looks at: every event key of a scenario, the key events, and checking
``--events`` (shared by ``sweep`` and ``sensitivity``; written once, here).

The keys come from the event catalogue (:mod:`simulator.scenario.events`), read off the scenario:
nothing is simulated to learn them.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from simulator.errors import UserError
from simulator.model.protocols.base import is_forecast_only, produces_walkouts
from simulator.scenario import events as ke
from simulator.scenario.schema import Scenario


def event_keys(scenario: Scenario) -> list[str]:
    """Every event key the scenario produces, in the order the tally builds them."""
    # As the tally decides (engine/tally.py: events_of): in a model average the yes/no outcome
    # comes from the process members when there are any.
    kinds = list(scenario.protocol.weights)
    process = [k for k in kinds if not is_forecast_only(k)]
    return ke.event_keys(scenario, walkouts=produces_walkouts(process or kinds))


def default_events(scenario: Scenario) -> list[str]:
    """The key events: talks, principals' attendance and leaders, agreements, sanctions."""
    keys = [ke.TALKS_DIRECT.key(), ke.TALKS_LEADERS.key()]
    keys += [ke.ATTEND.key(pid) for pid in scenario.principals]
    keys += [ke.LEVEL.key(pid, "leader") for pid in scenario.principals]
    keys += [ke.AGREEMENT_ANY.key(), ke.AGREEMENT.key(ke.headline_issue(scenario))]
    keys += [ke.SANCTIONS.key(pid) for pid in ke.sanctioners(scenario)]
    return keys


def check_events(events: Sequence[str], valid: Sequence[str]) -> list[str]:
    """The requested events, in order and without repeats; an unknown key is a :class:`UserError`
    naming the closest valid keys."""
    for e in events:
        if e not in valid:
            close = difflib.get_close_matches(e, valid, n=3, cutoff=0.5)
            hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
            raise UserError(f"--events: unknown event '{e}'{hint} (valid: {', '.join(valid)})")
    return list(dict.fromkeys(events))
