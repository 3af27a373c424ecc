"""Which events an analysis looks at: every event key of a scenario, the key events, and checking
``--events`` (shared by ``sweep`` and ``sensitivity``; written once, here)."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from simulator.engine.chunks import Chunk
from simulator.engine.ensemble import simulate_chunk
from simulator.engine.tally import events_of
from simulator.engine.variant import Agents
from simulator.errors import UserError
from simulator.scenario.schema import Scenario


def event_keys(scenario: Scenario, agents: Agents = None) -> list[str]:
    """Every event key the scenario produces, in ``summary.json`` order (from a one-world run)."""
    rec = simulate_chunk(scenario, 0, Chunk(0, 0, 1), agents=agents)
    return list(events_of(scenario, rec))


def default_events(scenario: Scenario) -> list[str]:
    """The key events: talks, principals' attendance and leaders, agreements, sanctions."""
    keys = ["talks.direct", "talks.leaders"]
    keys += [f"attend.{pid}" for pid in scenario.principals]
    keys += [f"level.{pid}.leader" for pid in scenario.principals]
    keys += ["agreement.any"] + (["agreement.ceasefire"] if "ceasefire" in scenario.issues else [])
    sanctioners = {t.by for t in scenario.threats.values() if t.action == "sanctions"}
    keys += [f"sanctions.{pid}" for pid in scenario.parties if pid in sanctioners]
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
