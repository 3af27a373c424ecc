"""Report sections for the folders given after the run: a comparison, another run, a sensitivity
analysis or a sweep."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from simulator.engine.documents import Comparison, Sensitivity, read_raw
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
    """(section title, body) for a further folder, by what it holds."""
    parts: list[str] = []
    kinds: list[str] = []
    if (d / "comparison.json").is_file():
        kinds.append("comparison")
        parts.append(_comparison(read_raw(d / "comparison.json", Comparison, "comparison.json")[1]))
    if (d / "summary.json").is_file():
        kinds.append("run")
        parts.append(_other_run(run, read_run(d)))
    if (d / "sensitivity.json").is_file():
        kinds.append("sensitivity")
        parts.append(_sensitivity(read_raw(d / "sensitivity.json", Sensitivity, "sensitivity.json")[1]))
    if (d / "sweep.parquet").is_file():
        kinds.append("sweep")
        parts.append(_sweep(d / "sweep.parquet"))
    if not kinds:
        raise UserError(
            f"{d}: holds none of comparison.json, summary.json, sensitivity.json, sweep.parquet "
            "(give folders written by negsim compare, run, sensitivity or sweep)"
        )
    if kinds != ["run"]:
        parts.append(figure_block(png_files(d), "No figures in this folder."))
    title = {"comparison": "Comparison", "run": "Another run", "sensitivity": "Sensitivity"}
    return f"{' + '.join(title.get(k, k.capitalize()) for k in kinds)}: {d.name}", "".join(parts)


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
