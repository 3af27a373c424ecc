"""Forecasting as of a date: only parameters and entries whose sources were all published by then.

``seeds/index.yaml`` gives each seed a ``published`` date-time (UTC; a judgement from what each
text itself says, see its ``written`` note). A forecast made ``--as-of D`` uses a parameter as
written only when every seed it quotes was published at or before ``D``; otherwise it uses the
parameter's ``as_of:`` fallback prior (an assumption, whose own quotes must be published by ``D``),
or the scenario is refused with a ``path:line:col`` problem naming the parameter and the late
source. Initial signals, commitments and shared factors are treated alike: one citing a later seed
uses its ``as_of:`` fallback (another signal; a replacement commitment or factor, or ``{absent:
true}`` to drop it) or is refused. So are the inputs that are not numbers -- issues, levels,
formats, mediator, announcement order -- through the scenario's ``provenance:`` table
(:mod:`simulator.scenario.provenance`). ``D`` is ``YYYY-MM-DD`` (the end of that day, 23:59) or
``YYYY-MM-DDTHH:MM``.

A source is not the only way a later article can reach a forecast: an assumption that names a
later seed ("as 002 reports ...") was written knowing it. Such an input counts as citing that seed
and needs a fallback too. (A fallback's own assumption may name a later seed to say what it does
not yet know; it is not read.)

A scenario may declare its own cut-off (``as_of:`` at the top); the loader uses it unless the
caller gives another date.

The fallback keeps the parameter's path, so its draws come from the same named stream: forecasts
at several dates share common random numbers. (A dropped commitment moves the ones after it up a
place, and so their ``audience_cost`` streams: list commitments that may be dropped last.)
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from simulator.errors import Problem, ScenarioError, UserError, printable
from simulator.scenario.params import Strict
from simulator.scenario.provenance import Fallback, split
from simulator.scenario.schema import Dropped, Scenario
from simulator.scenario.sources import SeedLibrary
from simulator.scenario.yamlsafe import load_yaml

Loc = tuple[str | int, ...]
INDEX = "index.yaml"


#: A date as negsim reads it: ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM`` (seconds and a UTC offset
#: or ``Z`` allowed), ASCII digits only. ``date.fromisoformat`` alone also takes ``20250514`` and
#: week dates, which no one means here.
_WHEN = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9]{2}:[0-9]{2}(?::[0-9]{2})?(?:Z|[+-][0-9]{2}:[0-9]{2})?)?", re.ASCII
)
#: The years a forecast date may fall in (a shifted time zone must stay a datetime).
YEARS = (1000, 9000)


def when_or_none(text: str) -> tuple[dt.datetime | None, str]:
    """``text`` as a naive UTC datetime (a date alone is the end of that day, 23:59), or None
    and the reason it is not one."""
    if not isinstance(text, str) or not _WHEN.fullmatch(text):
        return None, "is not YYYY-MM-DD or YYYY-MM-DDTHH:MM"
    try:
        if "T" in text:
            when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            if when.tzinfo is not None:
                when = when.astimezone(dt.UTC).replace(tzinfo=None)
        else:
            when = dt.datetime.combine(dt.date.fromisoformat(text), dt.time(23, 59))
    except (ValueError, OverflowError):
        return None, "is not a valid date and time"
    if not YEARS[0] <= when.year <= YEARS[1]:
        return None, f"is outside the years {YEARS[0]}-{YEARS[1]}"
    return when, ""


def parse_when(text: str, what: str = "--as-of") -> dt.datetime:
    """``YYYY-MM-DD`` (end of that day) or ``YYYY-MM-DDTHH:MM`` (UTC) as a naive UTC datetime;
    a UserError naming ``what`` otherwise."""
    when, why = when_or_none(text)
    if when is None:
        raise UserError(printable(f"{what}: '{text}' {why}"))
    return when


def published_dates(seeds_dir: Path) -> dict[str, dt.datetime]:
    """Each seed's ``published`` date-time from ``seeds/index.yaml``, by seed file stem.

    A bad date is the index's own ``path:line:col`` problem (never blamed on ``--as-of``)."""
    index = seeds_dir / INDEX
    if not index.is_file():
        raise UserError(printable(f"{index}: --as-of needs the seeds' index with a published date per seed"))
    doc = load_yaml(index)
    entries = doc.data
    out: dict[str, dt.datetime] = {}
    problems: list[Problem] = []
    for i, e in enumerate(entries if isinstance(entries, list) else []):
        if isinstance(e, dict) and "published" in e and "file" in e:
            value = e["published"]
            when, why = when_or_none(value) if isinstance(value, str) else (None, "must be a quoted date")
            if when is None:
                line, col = doc.positions.get((i, "published"), (0, 0))
                problems.append(Problem(str(index), line, col, printable(f"published: {value!r} {why}")))
                continue
            out[Path(str(e["file"])).stem] = when
    if problems:
        raise ScenarioError(problems)
    return out


def late_sources(
    param: Any, library: SeedLibrary, published: dict[str, dt.datetime], when: dt.datetime
) -> list[str]:
    """The seeds ``param`` quotes that were published after ``when`` (or have no published date)."""
    late = []
    cited = [(src.seed, "") for src in param.sources if src.seed is not None]
    cited += [
        (sid, ", named in its assumption") for sid in mentioned(getattr(param, "assumption", None), library)
    ]
    for sid, how in cited:
        seed = library.find(sid)
        stem = seed.id if seed is not None else sid
        date = published.get(stem)
        if date is None or date > when:
            shown = "no published date" if date is None else f"published {date.isoformat(timespec='minutes')}"
            late.append(f"seed {sid} ({shown}{how})")
    return sorted(set(late))


_SEED_ID = re.compile(r"(?<![\w.])(\d{3})(?![\w.])")


def mentioned(text: str | None, library: SeedLibrary) -> list[str]:
    """The seed ids an assumption names (``"002"`` in "as 002 reports"), among the library's."""
    if not text:
        return []
    ids = set(library.ids())
    return sorted({m for m in _SEED_ID.findall(text) if m in ids})


def sources_in(obj: Any) -> list[Any]:
    """Every source an entry quotes: its own and its parameters' (not those of its fallbacks)."""
    out: list[Any] = []
    if isinstance(obj, Strict):
        for name in type(obj).model_fields:
            value = getattr(obj, name)
            if name == "as_of":
                continue
            if name == "source" and value is not None:
                out += value if isinstance(value, list) else [value]
            else:
                out += sources_in(value)
    elif isinstance(obj, list | tuple):
        for v in obj:
            out += sources_in(v)
    elif isinstance(obj, dict):
        for v in obj.values():
            out += sources_in(v)
    return out


def entries(scenario: Scenario) -> list[tuple[str, Loc, Any]]:
    """The sourced entries that are not parameters: initial signals, commitments, factors, and the
    provenance of the structural inputs (located at their ``provenance:`` entry)."""
    found: list[tuple[str, Loc, Any]] = []
    for pid, party in scenario.parties.items():
        at: Loc = ("parties", pid, "attendance")
        found.append(("initial signal", (*at, "initial"), party.attendance.initial))
        found += [
            ("commitment", (*at, "commitments", i), c) for i, c in enumerate(party.attendance.commitments)
        ]
    found += [("factor", ("factors", fid), f) for fid, f in scenario.factors.items()]
    found += [("input", ("provenance", path), b) for path, b in scenario.provenance.items()]
    return found


def as_of_data(
    scenario: Scenario,
    data: dict[str, Any],
    seeds_dir: Path,
    text: str,
    problem: Callable[[Loc, str], Problem],
    overridden: Sequence[tuple[str, ...]] = (),
) -> tuple[dict[str, Any], list[Problem]]:
    """The scenario data as forecast at ``text``: late parameters, initial signals, commitments,
    factors and structural inputs replaced by their fallbacks (a dropped one is removed). An input
    at or under an ``overridden`` path (a ``--set``) stays as set."""
    when = parse_when(text)
    published = published_dates(seeds_dir)
    library = SeedLibrary(seeds_dir)
    out = copy.deepcopy(data)
    problems: list[Problem] = []
    stamp = when.isoformat(timespec="minutes")

    def late(obj: Any) -> list[str]:
        return late_sources(_Cited(sources_in(obj)), library, published, when)

    def dotted(loc: Loc) -> str:
        return ".".join(str(p) for p in loc)

    def set_by_caller(loc: Loc) -> bool:
        here = tuple(map(str, loc))
        return any(here == o[: len(here)] or o == here[: len(o)] for o in overridden)

    # Entries first: a late commitment's fallback decides its audience_cost too. An entry is late by
    # its own sources (a commitment's audience_cost is a parameter, checked below).
    replaced: list[tuple[Loc, Any]] = []
    for kind, loc, entry in entries(scenario):
        own = entry.source if isinstance(entry.source, list) else [entry.source] if entry.source else []
        cited = late_sources(_Cited(own, entry.assumption), library, published, when)
        target = split(str(loc[1])) if kind == "input" else loc
        if not cited or set_by_caller(target):
            continue
        path = loc[1] if kind == "input" else dotted(loc)
        if entry.as_of is None:
            problems.append(
                problem(
                    loc,
                    f"{path} ({kind}) cites {', '.join(cited)}, after --as-of {stamp}; "
                    "give it an as_of: fallback (an assumption) or forecast at a later date",
                )
            )
            continue
        still = late(entry.as_of)
        if still:
            problems.append(problem((*loc, "as_of"), f"{path}: its as_of fallback cites {', '.join(still)}"))
            continue
        replaced.append((loc, entry.as_of))
    settled = {loc for loc, _ in replaced}

    for path, param in scenario.parameters().items():
        cited = late_sources(param, library, published, when)
        if not cited:
            continue
        loc = tuple(int(p) if p.isdigit() else p for p in path.split("."))
        if any(loc[: len(s)] == s for s in settled) or set_by_caller(loc):
            continue
        if param.as_of is None:
            problems.append(
                problem(
                    loc,
                    f"{path} cites {', '.join(cited)}, after --as-of {stamp}; "
                    "give it an as_of: fallback prior (an assumption) or forecast at a later date",
                )
            )
            continue
        still = late_sources(_Cited(param.as_of.sources), library, published, when)
        if still:
            problems.append(problem((*loc, "as_of"), f"{path}: its as_of fallback cites {', '.join(still)}"))
            continue
        _node(out, loc[:-1])[loc[-1]] = param.as_of.model_dump(mode="json", exclude_none=True)

    # Replacements in place; removals last, from the end of each list (indices stay valid). A
    # structural input's fallback replaces the input at its path, and its provenance entry becomes
    # the fallback's own (so the result, reloaded, is the same forecast).
    dropped = []
    for loc, fallback in replaced:
        if loc[0] == "provenance":
            target = split(str(loc[1]))
            if isinstance(fallback, Fallback):
                if not fallback.keeps:
                    _node(out, target[:-1])[target[-1]] = copy.deepcopy(fallback.value)
                out["provenance"][loc[1]] = fallback.model_dump(
                    mode="json", exclude_none=True, exclude={"value"}
                )
            else:
                dropped.append(target)
                del out["provenance"][loc[1]]
        elif isinstance(fallback, Dropped):
            dropped.append(loc)
        else:
            _node(out, loc[:-1])[loc[-1]] = fallback.model_dump(mode="json", exclude_none=True)
    for loc in sorted(dropped, key=_from_the_end):
        del _node(out, loc[:-1])[loc[-1]]
    out["as_of"] = stamp
    out["cut_off_applied"] = True
    return out, problems


def _from_the_end(loc: Loc) -> tuple[tuple[str, ...], int]:
    """Sort key deleting list items from the highest index down."""
    return tuple(map(str, loc[:-1])), -loc[-1] if isinstance(loc[-1], int) else 0


def _node(data: Any, loc: Loc) -> Any:
    for part in loc:
        data = data[part]
    return data


class _Cited:
    """Anything with sources (and an assumption), seen as a parameter."""

    def __init__(self, sources: list[Any], assumption: str | None = None) -> None:
        self.sources = sources
        self.assumption = assumption
