"""Report sections for the folders given after the run: a comparison, another run, a sensitivity
analysis or a sweep."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from simulator.engine.documents import Comparison, Discovery, Sensitivity, read_raw
from simulator.errors import UserError
from simulator.report.blocks import (
    Html,
    count_text,
    esc,
    figure_block,
    html_table,
    num_text,
    p_ci,
    pct_text,
    png_files,
)
from simulator.report.reading import Run, read_run

SWEEP_ROWS = 60


SWEEP_EVENTS = 6


def folder_section(run: Run, d: Path) -> tuple[str, str]:
    """(section title, body) for a further folder, by what it holds; the title says what that is
    (the scenarios compared, the event discovered, ...), not the folder's name."""
    parts: list[str] = []
    titles: list[str] = []
    if (d / "comparison.json").is_file():
        doc = read_raw(d / "comparison.json", Comparison, "comparison.json")[1]
        a, b = (doc.get(side) or {} for side in ("a", "b"))
        titles.append(f"Comparison: {a.get('name', 'A')} against {b.get('name', 'B')}")
        parts.append(_comparison(doc))
    if (d / "summary.json").is_file():
        other = read_run(d)
        titles.append(f"Another run: {other.scenario.name}")
        parts.append(_other_run(run, other))
    if (d / "sensitivity.json").is_file():
        doc = read_raw(d / "sensitivity.json", Sensitivity, "sensitivity.json")[1]
        titles.append(f"What drives the events ({str(doc.get('method', '')).capitalize()} sensitivity)")
        parts.append(_sensitivity(doc))
    if (d / "sweep.parquet").is_file():
        titles.append("Parameter sweep")
        parts.append(_sweep(d / "sweep.parquet"))
    if (d / "discovery.json").is_file():
        found = read_raw(d / "discovery.json", Discovery, "discovery.json")[0]
        titles.append(f"Where it happens: {found.label or found.event} (scenario discovery)")
        parts.append(_discovery(found))
    if not titles:
        raise UserError(
            f"{d}: holds none of comparison.json, summary.json, sensitivity.json, sweep.parquet, "
            "discovery.json (give folders written by negsim compare, run, sensitivity, sweep or discover)"
        )
    if not (len(titles) == 1 and (d / "summary.json").is_file()):
        parts.append(figure_block(png_files(d), "No figures in this folder."))
    return " + ".join(titles), "".join(parts)


def _discovery(doc: Discovery) -> str:
    """The chosen box in a sentence and a table of its limits by ``--set`` path, then CART's view."""
    name = doc.scenario.get("name", "")
    intro = (
        f"<p>Scenario discovery over the {count_text(doc.worlds)} worlds of <b>{esc(name)}</b>: where "
        f"does <code>{esc(doc.event)}</code> ({esc(doc.label)}) happen? It happens in "
        f"{count_text(doc.event_worlds)} worlds ({pct_text(doc.base_rate)}). PRIM peels the worlds "
        "down to a box of parameter limits in which it is much more common; CART's densest leaf is "
        "the second view. Coverage: the share of the worlds where it happens that lie in the box; "
        "density: the share of the box's worlds where it happens; mass: the box's share of all "
        "worlds.</p>"
        f"<p><b>{esc(doc.sentence)}</b></p>"
    )
    if doc.warning:
        intro += f"<p class='note'>{esc(doc.warning)}</p>"
    out = intro
    for box in (doc.box, doc.other):
        if box is None:
            continue
        rows = [
            [
                esc(lim.label),
                Html(f"<code>{esc(lim.path)}</code>"),
                f"{lim.low:.3g} – {lim.high:.3g}",
                f"{lim.range[0]:.3g} – {lim.range[1]:.3g}",
            ]
            for lim in box.limits
        ]
        out += (
            f"<h3>{esc(box.method.upper())}: density {pct_text(box.density)}, coverage "
            f"{pct_text(box.coverage)}, mass {pct_text(box.mass)}</h3>"
        )
        out += (
            html_table(["Parameter", "--set path", "box", "stated range"], rows, range(2, 4))
            if rows
            else ("<p>No parameter limited.</p>")
        )
    if doc.whatif:
        sets = " ".join(f"--set '{w}'" for w in doc.whatif)
        scenario = doc.scenario.get("path") or "SCENARIO"
        out += f"<p>As a what-if: <code>negsim run {esc(scenario)} {esc(sets)}</code></p>"
    return out


def _comparison(doc: dict[str, Any]) -> str:
    a, b = doc.get("a") or {}, doc.get("b") or {}
    intro = (
        f"<p>A = <b>{esc(a.get('name', 'A'))}</b> ({esc(a.get('path', ''))}); "
        f"B = <b>{esc(b.get('name', 'B'))}</b> ({esc(b.get('path', ''))}); "
        f"{count_text(doc.get('runs'))} paired worlds, seed {esc(doc.get('seed', '?'))}. "
        "The difference is B − A in percentage points with its 95% interval; "
        "<span class='sig'>significant</span> when the interval excludes 0.</p>"
    )
    rows = []
    for k, e in (doc.get("events") or {}).items():
        lo, hi = e.get("ci95", [0.0, 0.0])
        sig = Html("<span class='sig'>yes</span>") if e.get("significant") else "no"
        rows.append(
            [
                Html(f"<code>{esc(k)}</code>"),
                pct_text(e.get("a")),
                pct_text(e.get("b")),
                f"{100 * e.get('diff', 0.0):+.1f} pt",
                f"[{100 * lo:+.1f}, {100 * hi:+.1f}]",
                sig,
            ]
        )
    return intro + html_table(["Event", "A", "B", "B − A", "95% CI (pt)", "significant"], rows, range(1, 6))


def _other_run(first: Run, other: Run) -> str:
    e1, e2 = first.summary["events"], other.summary["events"]
    intro = (
        f"<p>First run: <b>{esc(first.scenario.name)}</b> ({count_text(first.summary.get('runs'))} worlds). "
        f"This run: <b>{esc(other.scenario.name)}</b> ({count_text(other.summary.get('runs'))} worlds, "
        f"seed {esc(other.summary.get('seed', '?'))}). The runs are independent; for a paired "
        "difference with an interval use <code>negsim compare</code>.</p>"
    )
    rows = []
    for k in dict.fromkeys([*e1, *e2]):
        p1, p2 = (e1.get(k) or {}).get("p"), (e2.get(k) or {}).get("p")
        diff = f"{100 * (p2 - p1):+.1f} pt" if p1 is not None and p2 is not None else "—"
        rows.append([Html(f"<code>{esc(k)}</code>"), p_ci(e1.get(k)), p_ci(e2.get(k)), diff])
    heads = ["Event", f"first run: {first.scenario.name}", f"this run: {other.scenario.name}", "difference"]
    return intro + html_table(heads, rows, numeric=range(1, 4))


def _sensitivity(doc: dict[str, Any]) -> str:
    method = str(doc.get("method", "?"))
    name = (doc.get("scenario") or {}).get("name", "")
    intro = (
        f"<p>{esc(method.capitalize())} analysis of <b>{esc(name)}</b> over "
        f"{len(doc.get('parameters') or [])} uncertain parameters: {count_text(doc.get('rows'))} parameter "
        f"sets × {esc(doc.get('replicates', '?'))} worlds = {count_text(doc.get('worlds'))} "
        f"worlds, seed {esc(doc.get('seed', '?'))}.</p>"
    )
    drivers = "".join(f"<li>{esc(s)}</li>" for s in (doc.get("drivers") or {}).values())
    skipped = "".join(
        f"<li><code>{esc(k)}</code>: {esc(why)}</li>" for k, why in (doc.get("skipped") or {}).items()
    )
    out = intro + (f"<h3>What drives each event</h3><ul>{drivers}</ul>" if drivers else "")
    return out + (f"<h3>Not analysed</h3><ul>{skipped}</ul>" if skipped else "")


def _sweep(path: Path) -> str:
    import numpy as np
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise UserError(f"{path}: cannot read it as Parquet ({exc})") from None
    try:
        meta = json.loads((table.schema.metadata or {}).get(b"negsim", b"{}"))
    except (ValueError, RecursionError):
        raise UserError(f"{path}: damaged negsim metadata") from None
    if not isinstance(meta, dict):
        raise UserError(f"{path}: damaged negsim metadata")
    params = [p["key"] for p in meta.get("params", []) if p.get("key") in table.column_names]
    events = [c for c in table.column_names if c not in params and not c.startswith("ci95_")]
    if not params:  # no metadata: parameter columns are dotted paths into the scenario
        params = [c for c in events if c.startswith(("parties.", "threats.", "pressures.", "protocol."))]
        events = [c for c in events if c not in params]
    spread = {k: float(np.ptp(table.column(k).to_numpy())) if table.num_rows else 0.0 for k in events}
    shown = [k for k in events if k in sorted(events, key=lambda k: -spread[k])[:SWEEP_EVENTS]]
    intro = (
        f"<p>Sweep of <b>{esc((meta.get('scenario') or {}).get('name', ''))}</b>: {table.num_rows} points, "
        f"{count_text(meta.get('runs'))} worlds each, seed {esc(meta.get('seed', '?'))}. The table shows "
        f"the {len(shown)} events that vary most across the points (all {len(events)} are in the "
        "Parquet file).</p>"
    )
    data = table.select(params + shown).to_pylist()[:SWEEP_ROWS]
    rows = [[num_text(r[p]) for p in params] + [pct_text(r[k]) for k in shown] for r in data]
    more = (
        f"<p>… {table.num_rows - SWEEP_ROWS} more rows in the file.</p>"
        if table.num_rows > SWEEP_ROWS
        else ""
    )
    heads = [*params, *shown]
    return intro + html_table(heads, rows, numeric=range(len(heads))) + more
