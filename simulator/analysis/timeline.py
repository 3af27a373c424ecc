"""Forecasts as news arrived: the same scenario run as of several dates, on common random numbers.

At each ``--as-of`` date the scenario keeps only the parameters whose sources were published by
then (the others fall back to their ``as_of:`` priors; see :mod:`simulator.scenario.asof`). Every
date is run with the same seed and chunks, and a fallback keeps its parameter's path and so its
named stream: world *i* draws the same quantiles at every date, and what moves a forecast from one
date to the next is the news, not the noise.
"""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from simulator._version import __version__
from simulator.engine.chunks import DEFAULT_CHUNK
from simulator.engine.ensemble import run_ensemble
from simulator.engine.tally import wilson
from simulator.scenario import events as ke
from simulator.scenario.load import load_scenario


def key_events(events: Sequence[str], headline: str) -> list[str]:
    """The events a timeline draws: the headline issue's agreement and sanctions (by the last
    checkpoint, if a campaign), a second round by the first checkpoint, and the first meeting's
    leaders and headline agreement (``headline``: :func:`simulator.scenario.events.headline_issue`),
    then each threat carried out by the last checkpoint (a strike is no sanction)."""
    dated: dict[str, ke.Parsed] = {}
    for e in sorted(events):
        p = ke.parse(e)
        if p is not None and p.date is not None:
            dated[e] = p
    dates = [p.date or "" for p in dated.values()]
    last, first = max(dates, default=""), min(dates, default="")
    agreed = ke.AGREEMENT.key(headline)
    keys = [e for e in dated if e == ke.by_date(agreed, last)]
    keys += [e for e, p in dated.items() if p.family is ke.SANCTIONS and p.date == last]
    keys += [e for e in dated if e == ke.by_date(ke.MEETING_HELD.key(2), first)]
    keys += [e for e in (ke.TALKS_LEADERS.key(), agreed) if e in events]
    keys += [e for e, p in dated.items() if p.family is ke.THREAT and p.date == last]
    if not dated:
        keys += ke.select(events, ke.SANCTIONS)
    return list(dict.fromkeys(keys))


def timeline(
    path: Path,
    dates: Sequence[str],
    *,
    runs: int,
    seed: int = 0,
    overrides: Sequence[str] = (),
    allow_outside: bool = False,
    executor: cf.Executor | None = None,
    chunk_size: int = DEFAULT_CHUNK,
) -> dict[str, Any]:
    """Run ``path`` as of each date; returns ``timeline.json``'s document.

    ``{"scenario", "runs", "seed", "dates": [...], "events": {KEY: [{"p", "ci95", "count"}, ...]}}``
    with one entry per date, in the order given; an event a date's run does not produce is 0.
    """
    from simulator.errors import UserError, printable
    from simulator.scenario.asof import parse_when

    whens = [parse_when(d) for d in dates]
    for i in range(1, len(dates)):
        if whens[i] <= whens[i - 1]:
            raise UserError(
                printable(
                    f"--as-of: give the dates in increasing order "
                    f"('{dates[i]}' is not after '{dates[i - 1]}')"
                )
            )
    runs_at = []
    for d in dates:
        scenario = load_scenario(path, overrides, allow_outside=allow_outside, as_of=d)
        result = run_ensemble(scenario, runs=runs, seed=seed, executor=executor, chunk_size=chunk_size)
        runs_at.append((scenario.as_of, scenario, result.tally))
    keys = sorted({k for _, _, t in runs_at for k in t.counts})
    events: dict[str, list[dict[str, Any]]] = {}
    for k in keys:
        rows = []
        for _, _, t in runs_at:
            c = t.counts.get(k, 0)
            lo, hi = wilson(c, t.n)
            rows.append({"p": round(c / t.n, 6), "ci95": [round(lo, 6), round(hi, 6)], "count": c})
        events[k] = rows
    first = runs_at[0][1]
    headline = ke.headline_issue(first)
    # Events that never happen at any date are left out, except the headline agreement: "no deal
    # at any date" is the forecast a reader looks for first.
    agreed = ke.AGREEMENT.key(headline)
    moving = [
        k
        for k in key_events(keys, headline)
        if any(r["count"] for r in events[k]) or k.startswith(agreed + ".") or k == agreed
    ]
    sources = _sources_by_date(first, [when for when, _, _ in runs_at])
    return {
        "negsim_version": __version__,
        "scenario": {"name": first.name, "path": str(path)},
        "runs": runs,
        "seed": seed,
        "chunk_size": chunk_size,
        "dates": [when for when, _, _ in runs_at],
        "key_events": moving,
        "sources": sources,
        "events": events,
    }


def _sources_by_date(scenario: Any, dates: Sequence[str]) -> list[list[str]]:
    """Per date, the seeds published by then and not by the date before (the news that arrived)."""
    from simulator.scenario.asof import parse_when, published_dates

    if scenario.seeds_dir is None:
        return [[] for _ in dates]
    published = published_dates(scenario.seeds_dir)
    out, seen = [], set()
    for d in dates:
        when = parse_when(d)
        new = sorted(stem.split("_", 1)[0] for stem, t in published.items() if t <= when and stem not in seen)
        seen |= {stem for stem, t in published.items() if t <= when}
        out.append(new)
    return out
