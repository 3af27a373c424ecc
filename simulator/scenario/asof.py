"""Forecasting as of a date: only parameters whose sources were all published by then.

``seeds/index.yaml`` gives each seed a ``published`` date-time (UTC; a judgement from what each
text itself says, see its ``written`` note). A forecast made ``--as-of D`` uses a parameter as
written only when every seed it quotes was published at or before ``D``; otherwise it uses the
parameter's ``as_of:`` fallback prior (an assumption, whose own quotes must be published by ``D``),
or the scenario is refused with a ``path:line:col`` problem naming the parameter and the late
source. ``D`` is ``YYYY-MM-DD`` (the end of that day, 23:59) or ``YYYY-MM-DDTHH:MM``.

The fallback keeps the parameter's path, so its draws come from the same named stream: forecasts
at several dates share common random numbers.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from simulator.errors import Problem, UserError, printable
from simulator.scenario.schema import Scenario
from simulator.scenario.sources import SeedLibrary
from simulator.scenario.yamlsafe import load_yaml

Loc = tuple[str | int, ...]
INDEX = "index.yaml"


def parse_when(text: str) -> dt.datetime:
    """``YYYY-MM-DD`` (end of that day) or ``YYYY-MM-DDTHH:MM`` (UTC) as a naive UTC datetime."""
    try:
        if "T" in text:
            when = dt.datetime.fromisoformat(text)
            if when.tzinfo is not None:
                when = when.astimezone(dt.UTC).replace(tzinfo=None)
            return when
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(23, 59))
    except ValueError:
        raise UserError(printable(f"--as-of: '{text}' is not YYYY-MM-DD or YYYY-MM-DDTHH:MM")) from None


def published_dates(seeds_dir: Path) -> dict[str, dt.datetime]:
    """Each seed's ``published`` date-time from ``seeds/index.yaml``, by seed file stem."""
    index = seeds_dir / INDEX
    if not index.is_file():
        raise UserError(printable(f"{index}: --as-of needs the seeds' index with a published date per seed"))
    entries = load_yaml(index).data
    out: dict[str, dt.datetime] = {}
    for e in entries if isinstance(entries, list) else []:
        if isinstance(e, dict) and "published" in e and "file" in e:
            out[Path(str(e["file"])).stem] = parse_when(str(e["published"]))
    return out


def late_sources(
    param: Any, library: SeedLibrary, published: dict[str, dt.datetime], when: dt.datetime
) -> list[str]:
    """The seeds ``param`` quotes that were published after ``when`` (or have no published date)."""
    late = []
    for src in param.sources:
        if src.seed is None:
            continue
        seed = library.find(src.seed)
        stem = seed.id if seed is not None else src.seed
        date = published.get(stem)
        if date is None or date > when:
            shown = "no published date" if date is None else f"published {date.isoformat(timespec='minutes')}"
            late.append(f"seed {src.seed} ({shown})")
    return sorted(set(late))


def as_of_data(
    scenario: Scenario,
    data: dict[str, Any],
    seeds_dir: Path,
    text: str,
    problem: Callable[[Loc, str], Problem],
) -> tuple[dict[str, Any], list[Problem]]:
    """The scenario data as forecast at ``text``: late parameters replaced by their fallbacks."""
    when = parse_when(text)
    published = published_dates(seeds_dir)
    library = SeedLibrary(seeds_dir)
    out = copy.deepcopy(data)
    problems: list[Problem] = []
    stamp = when.isoformat(timespec="minutes")
    for path, param in scenario.parameters().items():
        late = late_sources(param, library, published, when)
        if not late:
            continue
        loc: Loc = tuple(int(p) if p.isdigit() else p for p in path.split("."))
        if param.as_of is None:
            problems.append(
                problem(
                    loc,
                    f"{path} cites {', '.join(late)}, after --as-of {stamp}; "
                    "give it an as_of: fallback prior (an assumption) or forecast at a later date",
                )
            )
            continue
        still = late_sources(param.as_of, library, published, when)
        if still:
            problems.append(problem((*loc, "as_of"), f"{path}: its as_of fallback cites {', '.join(still)}"))
            continue
        node: Any = out
        for part in loc[:-1]:
            node = node[part]
        node[loc[-1]] = param.as_of.model_dump(mode="json", exclude_none=True)
    out["as_of"] = stamp
    return out, problems


def late_entries(scenario: Scenario, seeds_dir: Path, text: str) -> list[str]:
    """Sourced entries that are not parameters (initial signals, commitments, factors) citing seeds
    published after ``text``: they are used as written (no fallback yet), so a caller warns."""
    when = parse_when(text)
    published = published_dates(seeds_dir)
    library = SeedLibrary(seeds_dir)
    found: list[tuple[str, Any]] = []
    for pid, party in scenario.parties.items():
        at = f"parties.{pid}.attendance"
        found.append((f"{at}.initial", party.attendance.initial))
        found += [(f"{at}.commitments.{i}", c) for i, c in enumerate(party.attendance.commitments)]
    found += [(f"factors.{fid}", f) for fid, f in scenario.factors.items()]
    out = []
    for path, entry in found:
        src = entry.source if isinstance(entry.source, list) else ([entry.source] if entry.source else [])
        late = late_sources(_Cited(src), library, published, when)
        if late:
            out.append(f"{path} ({', '.join(late)})")
    return out


class _Cited:
    """Anything with sources, seen as a parameter's ``sources``."""

    def __init__(self, sources: list[Any]) -> None:
        self.sources = sources
