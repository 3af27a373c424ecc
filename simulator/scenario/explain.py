"""``negsim explain``: every parameter with its value and where it came from.

Used by the CLI (plain text) and the HTML report, so provenance is shown the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from simulator.scenario.params import Param, Source
from simulator.scenario.schema import Commitment, Initial, Scenario
from simulator.scenario.sources import SeedLibrary, seed_index


@dataclass(frozen=True)
class Entry:
    """One explained item: its full dotted path (exactly as ``--set`` takes it), its value as text
    (in a form ``--set`` also takes), its sources and assumption."""

    path: str
    value: str
    sources: list[Source]
    assumption: str | None


def _sources_of(obj: Param | Commitment | Initial) -> list[Source]:
    s = obj.source
    return [] if s is None else (s if isinstance(s, list) else [s])


def entries(scenario: Scenario) -> Iterator[tuple[str, list[Entry]]]:
    """Group every parameter, initial signal and commitment under a heading (party, threats...)."""
    slots = scenario.parameter_slots()
    for pid, party in scenario.parties.items():
        prefix = f"parties.{pid}."
        items: list[Entry] = []
        init = party.attendance.initial
        initial = Entry(f"{prefix}attendance.initial", init.level.value, _sources_of(init), init.assumption)
        items.append(initial)
        for i, c in enumerate(party.attendance.commitments):
            cond = f" if {c.condition.party} at {c.condition.level.value}+" if c.condition else ""
            items.append(
                Entry(
                    f"{prefix}attendance.commitments.{i}",
                    f"{c.kind} {c.level.value}{cond}",
                    _sources_of(c),
                    c.assumption,
                )
            )
        for path, slot in slots.items():
            if path.startswith(prefix):
                p = slot.param
                items.append(Entry(path, p.describe(), p.sources, p.assumption))
        heading = f"{party.name} ({pid}) — {party.leader} — {party.role.value}"
        yield heading, items
    for section in ("threats", "pressures", "protocol", "campaign"):
        items = [
            Entry(path, s.param.describe(), s.param.sources, s.param.assumption)
            for path, s in slots.items()
            if path.startswith(section + ".")
        ]
        if items:
            yield section.capitalize(), items


def explain_text(scenario: Scenario) -> str:
    """The full text of ``negsim explain``."""
    lib = SeedLibrary(scenario.seeds_dir) if scenario.seeds_dir else None
    lines = [f"{scenario.name}" + (f"  ({scenario.path})" if scenario.path else "")]
    if scenario.as_of:
        lines.append(f"Forecast as of: {scenario.as_of}")
    lines += ["", "== Issues (0..1)"]
    for iid, issue in scenario.issues.items():
        lines += [f"  {iid}: {issue.name}", f"      0 = {issue.low}", f"      1 = {issue.high}"]
    for heading, items in entries(scenario):
        lines += ["", f"== {heading}"]
        for e in items:
            lines.append(f"  {e.path} = {e.value}")
            for s in e.sources:
                if s.is_dataset or s.seed is None or s.quote is None:
                    lines.append(f"      source {s.cite()}")
                    continue
                seed = lib.find(s.seed) if lib else None
                sid = seed.id if seed else s.seed
                lines.append(f'      source [{sid}]: "{" ".join(s.quote.split())}"')
            if e.assumption:
                lines.append(f"      assumption: {' '.join(e.assumption.split())}")
    seeds = seed_index(scenario.seeds_dir) if scenario.seeds_dir else []
    if seeds:
        lines += ["", "== Sources (the seed articles quoted above)"]
        for info in seeds:
            lines.append(f"  [{info.stem}] {info.headline}")
            lines.append(f"      {info.outlet}; written {info.date}")
    return "\n".join(lines) + "\n"
