"""``negsim report``: one self-contained HTML page of a run and of the analyses beside it.

The page needs nothing but itself: figures are embedded as ``data:`` URIs, the style sheet is
inline, there is no script and no link to anything outside the page. It shows the scenario (name,
description, as-of date, fingerprint), the run (seed, worlds, version), every event with its 95%
interval, the concession statistics, every figure of the run, where every parameter comes from
(the same entries as ``negsim explain``), and, for each further folder: a comparison
(``comparison.json``), another run (``summary.json``), a sensitivity analysis
(``sensitivity.json``) or a sweep (``sweep.parquet``). All text is HTML-escaped.

Example:
    >>> write_report(Path("runs/baseline"), [Path("runs/sens")], Path("report.html"))  # doctest: +SKIP
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.errors import UserError
from simulator.numbers import pct
from simulator.scenario.explain import entries
from simulator.scenario.labels import event_label
from simulator.scenario.load import load_scenario
from simulator.scenario.schema import LEVELS, Scenario
from simulator.scenario.sources import seed_index

RESOLVED = "scenario.resolved.yaml"
#: The run figures in reading order (others follow alphabetically).
FIGURE_ORDER = ("levels", "events", "outcomes", "positions", "threats")
#: Event groups of the outcome tables: heading, key prefixes.
GROUPS = (
    ("Talks", ("talks.", "format.")),
    ("Agreements", ("agreement.",)),
    ("Sanctions and threats carried out", ("sanctions.", "threat.")),
    ("Walkouts", ("walkout.",)),
    ("Outcomes (mutually exclusive)", ("outcome.",)),
)
SWEEP_ROWS = 60
SWEEP_EVENTS = 6

CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222;
       max-width: 1100px; margin: 0 auto; padding: 0 1.5em 3em; }
header { border-bottom: 2px solid #2b6ca3; margin-bottom: 1em; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
h3 { margin-top: 1.4em; }
nav ul { display: flex; flex-wrap: wrap; gap: 0.3em 1.4em; padding: 0; list-style: none; }
nav a { color: #2b6ca3; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.15em 1em; }
dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 14px; }
th, td { padding: 0.25em 0.7em; border-bottom: 1px solid #e2e2e2; text-align: left;
         vertical-align: top; }
th { background: #f1f4f8; } tbody tr:nth-child(even) { background: #fafafa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.ci { color: #777; font-size: 12px; }
.sig { color: #b2182b; font-weight: 600; }
code { font-size: 13px; }
figure { margin: 1.2em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 13px; }
p.src { margin: 0.1em 0; } p.src q { font-style: italic; }
p.assume { margin: 0.1em 0; color: #555; }
.seed { font-family: monospace; color: #2b6ca3; }
footer { margin-top: 3em; color: #777; font-size: 13px; }
"""


class Html(str):
    """Markup that is already safe to insert (built from escaped parts)."""


def esc(value: object) -> str:
    """Text made safe for HTML (``Html`` passes through unchanged)."""
    return value if isinstance(value, Html) else html.escape(str(value))


@dataclass
class Run:
    """A finished run's folder: its summary and the scenario exactly as run."""

    path: Path
    summary: dict[str, Any]
    scenario: Scenario


def read_run(path: Path) -> Run:
    """Read a run folder, or raise a :class:`UserError` saying what is wrong with it."""
    if not path.is_dir():
        raise UserError(f"{path}: no such folder (give the output folder of `negsim run`)")
    if not (path / "summary.json").is_file():
        other = [f for f in ("comparison.json", "sensitivity.json", "sweep.parquet") if (path / f).is_file()]
        hint = f"; it holds {other[0]}: give it after a run folder" if other else ""
        raise UserError(f"{path}: not a run folder (no summary.json{hint})")
    summary = _read_json(path / "summary.json")
    if not isinstance(summary.get("events"), dict):
        raise UserError(f"{path / 'summary.json'}: not a run summary (no 'events')")
    if not (path / RESOLVED).is_file():
        raise UserError(f"{path}: {RESOLVED} is missing, so the scenario as run is unknown")
    return Run(path, summary, load_scenario(path / RESOLVED, check_sources=False))


def _read_json(file: Path) -> dict[str, Any]:
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{file}: not valid JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise UserError(f"{file}: expected a JSON object")
    return doc


def build_report(run_dir: Path, extra: Sequence[Path] = ()) -> str:
    """The whole HTML page for the run in ``run_dir`` and the further folders ``extra``."""
    run = read_run(run_dir)
    for d in extra:
        if not d.is_dir():
            raise UserError(f"{d}: no such folder")
    extras = [_extra(run, d) for d in extra]
    s = run.scenario
    sections = [
        ("outcomes", "Outcomes", _outcomes(run)),
        ("figures", "Figures", _figures(_pngs(run.path), "No figures in this run.")),
        *[(f"extra-{i + 1}", title, body) for i, (title, body) in enumerate(extras)],
        ("parameters", "Parameters and sources", _parameters(s)),
    ]
    nav = "".join(f'<li><a href="#{sid}">{esc(title)}</a></li>' for sid, title, _ in sections)
    body = "".join(f'<section id="{sid}"><h2>{esc(t)}</h2>{b}</section>' for sid, t, b in sections)
    version = run.summary.get("negsim_version", "?")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(s.name)} — negsim report</title><style>{CSS}</style></head>"
        f"<body><header>{_header(run)}<nav><ul>{nav}</ul></nav></header>"
        f"<main>{body}</main>"
        f"<footer>Made by negsim {esc(version)} from {esc(run.path)}. Every probability is a share "
        "of simulated worlds with its 95% Wilson interval.</footer></body></html>\n"
    )


def write_report(run_dir: Path, extra: Sequence[Path], out: Path) -> Path:
    """Write the report to ``out`` (atomically) and return its path."""
    from simulator.storage import write_text

    write_text(out, build_report(run_dir, extra))
    return out


# --- the run ------------------------------------------------------------------------------------


def _header(run: Run) -> str:
    s, sm = run.scenario, run.summary
    scen = sm.get("scenario", {})
    facts = [
        ("Forecast as of", s.as_of or "not stated"),
        ("Worlds", f"{sm.get('runs', 0):,}"),
        ("Seed", sm.get("seed", "?")),
        ("negsim version", sm.get("negsim_version", "?")),
        ("Scenario file", scen.get("path") or "?"),
        ("Scenario sha256", Html(f"<code>{esc(scen.get('sha256', '?'))}</code>")),
        ("Run folder", run.path),
    ]
    dl = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts)
    desc = f"<p>{esc(s.description)}</p>" if s.description else ""
    return f"<h1>{esc(s.name)}</h1>{desc}<dl class='facts'>{dl}</dl>"


def _outcomes(run: Run) -> str:
    events: dict[str, Any] = run.summary["events"]
    s = run.scenario
    done: set[str] = set()
    parts = [
        "<p>Each probability is the share of simulated worlds in which the event happened, with its "
        "95% interval in percent in brackets.</p><h3>Who attends, at what level</h3>"
    ]
    rows = []
    for pid, party in s.parties.items():
        cells: list[object] = [f"{party.name} ({pid})"]
        for key in [f"level.{pid}.{lv.value}" for lv in LEVELS] + [f"attend.{pid}"]:
            cells.append(_p_ci(events.get(key)))
            done.add(key)
        rows.append(cells)
    heads = ["Party", *(lv.value for lv in LEVELS), "attends (any level)"]
    parts.append(_table(heads, rows, numeric=range(1, 6)))
    for title, prefixes in GROUPS:
        keys = [k for k in events if k.startswith(prefixes) and k not in done]
        if keys:
            parts.append(f"<h3>{esc(title)}</h3>" + _event_table(events, keys, s))
            done.update(keys)
    rest = [k for k in events if k not in done]
    if rest:
        parts.append("<h3>Other events</h3>" + _event_table(events, rest, s))
    parts.append(_stats(run))
    return "".join(parts)


def _event_table(events: dict[str, Any], keys: Iterable[str], s: Scenario) -> str:
    rows = [[Html(f"<code>{esc(k)}</code>"), event_label(s, k), _p_ci(events[k])] for k in keys]
    return _table(["Event", "In words", "Probability (95% CI)"], rows, numeric=[2])


def _stats(run: Run) -> str:
    stats: dict[str, Any] = run.summary.get("stats") or {}
    conc = [k for k in stats if k.startswith("concession.")]
    others = [k for k in stats if k not in conc]
    heads = ["Statistic", "worlds", "mean", "5%", "50%", "95%"]

    def rows(keys: list[str]) -> list[list[str]]:
        return [
            [Html(f"<code>{esc(k)}</code>"), f"{stats[k].get('n', 0):,}"]
            + [_num(stats[k].get(q)) for q in ("mean", "q05", "q50", "q95")]
            for k in keys
        ]

    out = ""
    if conc:
        out += (
            "<h3>Concessions</h3><p>Share of the way from its ideal to its red line that each party "
            "conceded on each issue (0 = held its ideal, 1 = reached its red line).</p>"
            + _table(heads, rows(conc), numeric=range(1, 6))
        )
    if others:
        out += (
            "<details><summary>Other statistics (positions, tabled texts, rounds)</summary>"
            + _table(heads, rows(others), numeric=range(1, 6))
            + "</details>"
        )
    return out


def _short(seed: str) -> str:
    """A seed tag's short id: ``000`` for ``000`` and ``000_84079ad1555bc8b8``."""
    return seed.split("_", 1)[0]


def _seed_list(s: Scenario) -> tuple[str, dict[str, str]]:
    """The list of seed articles (anchored, so each tag links to it) and a title per short id."""
    seeds = seed_index(s.seeds_dir) if s.seeds_dir else []
    if not seeds:
        return "", {}
    items = "".join(
        f'<li id="seed-{esc(x.id)}"><b>[{esc(x.id)}]</b> {esc(x.headline)} '
        f'<span class="ci">— {esc(x.outlet)}; written {esc(x.date)} ({esc(x.stem)}.txt)</span></li>'
        for x in seeds
    )
    titles = {x.id: f"{x.headline} — {x.outlet}, {x.date}" for x in seeds}
    return f"<h3>Sources: the seed articles</h3><ul>{items}</ul>", titles


def _parameters(s: Scenario) -> str:
    seed_list, titles = _seed_list(s)
    parts = [
        "<p>Every number in the scenario with its value or distribution, and where it comes from: "
        "a quote from a seed article (checked against the article when the scenario was loaded) "
        "and/or the modelling assumption behind it.</p>"
    ]
    for heading, items in entries(s):
        rows = []
        for e in items:
            prov = "".join(
                f'<p class="src"><a class="seed" href="#seed-{esc(_short(src.seed))}" '
                f'title="{esc(titles.get(_short(src.seed), ""))}">[{esc(src.seed)}]</a> '
                f"<q>{esc(' '.join(src.quote.split()))}</q></p>"
                for src in e.sources
            )
            if e.assumption:
                prov += f'<p class="assume">Assumption: {esc(" ".join(e.assumption.split()))}</p>'
            rows.append([Html(f"<code>{esc(e.path)}</code>"), e.value, Html(prov or "—")])
        parts.append(f"<h3>{esc(heading)}</h3>" + _table(["Parameter", "Value", "Source"], rows))
    parts.append(seed_list)
    return "".join(parts)


# --- further folders ----------------------------------------------------------------------------


def _extra(run: Run, d: Path) -> tuple[str, str]:
    """(section title, body) for a further folder, by what it holds."""
    parts: list[str] = []
    kinds: list[str] = []
    if (d / "comparison.json").is_file():
        kinds.append("comparison")
        parts.append(_comparison(_read_json(d / "comparison.json")))
    if (d / "summary.json").is_file():
        kinds.append("run")
        parts.append(_other_run(run, read_run(d)))
    if (d / "sensitivity.json").is_file():
        kinds.append("sensitivity")
        parts.append(_sensitivity(_read_json(d / "sensitivity.json")))
    if (d / "sweep.parquet").is_file():
        kinds.append("sweep")
        parts.append(_sweep(d / "sweep.parquet"))
    if not kinds:
        raise UserError(
            f"{d}: holds none of comparison.json, summary.json, sensitivity.json, sweep.parquet "
            "(give folders written by negsim compare, run, sensitivity or sweep)"
        )
    if kinds != ["run"]:
        parts.append(_figures(_pngs(d), "No figures in this folder."))
    title = {"comparison": "Comparison", "run": "Another run", "sensitivity": "Sensitivity"}
    return f"{' + '.join(title.get(k, k.capitalize()) for k in kinds)}: {d.name}", "".join(parts)


def _comparison(doc: dict[str, Any]) -> str:
    a, b = doc.get("a") or {}, doc.get("b") or {}
    intro = (
        f"<p>A = <b>{esc(a.get('name', 'A'))}</b> ({esc(a.get('path', ''))}); "
        f"B = <b>{esc(b.get('name', 'B'))}</b> ({esc(b.get('path', ''))}); "
        f"{_count(doc.get('runs'))} paired worlds, seed {esc(doc.get('seed', '?'))}. "
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
                _pct(e.get("a")),
                _pct(e.get("b")),
                f"{100 * e.get('diff', 0.0):+.1f} pt",
                f"[{100 * lo:+.1f}, {100 * hi:+.1f}]",
                sig,
            ]
        )
    return intro + _table(["Event", "A", "B", "B − A", "95% CI (pt)", "significant"], rows, range(1, 6))


def _other_run(first: Run, other: Run) -> str:
    e1, e2 = first.summary["events"], other.summary["events"]
    intro = (
        f"<p>First run: <b>{esc(first.scenario.name)}</b> ({_count(first.summary.get('runs'))} worlds). "
        f"This run: <b>{esc(other.scenario.name)}</b> ({_count(other.summary.get('runs'))} worlds, "
        f"seed {esc(other.summary.get('seed', '?'))}). The runs are independent; for a paired "
        "difference with an interval use <code>negsim compare</code>.</p>"
    )
    rows = []
    for k in dict.fromkeys([*e1, *e2]):
        p1, p2 = (e1.get(k) or {}).get("p"), (e2.get(k) or {}).get("p")
        diff = f"{100 * (p2 - p1):+.1f} pt" if p1 is not None and p2 is not None else "—"
        rows.append([Html(f"<code>{esc(k)}</code>"), _p_ci(e1.get(k)), _p_ci(e2.get(k)), diff])
    heads = ["Event", f"first run: {first.scenario.name}", f"this run: {other.scenario.name}", "difference"]
    return intro + _table(heads, rows, numeric=range(1, 4))


def _sensitivity(doc: dict[str, Any]) -> str:
    method = str(doc.get("method", "?"))
    name = (doc.get("scenario") or {}).get("name", "")
    intro = (
        f"<p>{esc(method.capitalize())} analysis of <b>{esc(name)}</b> over "
        f"{len(doc.get('parameters') or [])} uncertain parameters: {_count(doc.get('rows'))} parameter "
        f"sets × {esc(doc.get('replicates', '?'))} worlds = {_count(doc.get('worlds'))} "
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
    meta = json.loads((table.schema.metadata or {}).get(b"negsim", b"{}"))
    params = [p["key"] for p in meta.get("params", []) if p.get("key") in table.column_names]
    events = [c for c in table.column_names if c not in params and not c.startswith("ci95_")]
    if not params:  # no metadata: parameter columns are dotted paths into the scenario
        params = [c for c in events if c.startswith(("parties.", "threats.", "pressures.", "protocol."))]
        events = [c for c in events if c not in params]
    spread = {k: float(np.ptp(table.column(k).to_numpy())) if table.num_rows else 0.0 for k in events}
    shown = [k for k in events if k in sorted(events, key=lambda k: -spread[k])[:SWEEP_EVENTS]]
    intro = (
        f"<p>Sweep of <b>{esc((meta.get('scenario') or {}).get('name', ''))}</b>: {table.num_rows} points, "
        f"{_count(meta.get('runs'))} worlds each, seed {esc(meta.get('seed', '?'))}. The table shows "
        f"the {len(shown)} events that vary most across the points (all {len(events)} are in the "
        "Parquet file).</p>"
    )
    data = table.select(params + shown).to_pylist()[:SWEEP_ROWS]
    rows = [[_num(r[p]) for p in params] + [_pct(r[k]) for k in shown] for r in data]
    more = (
        f"<p>… {table.num_rows - SWEEP_ROWS} more rows in the file.</p>"
        if table.num_rows > SWEEP_ROWS
        else ""
    )
    heads = [*params, *shown]
    return intro + _table(heads, rows, numeric=range(len(heads))) + more


# --- building blocks ----------------------------------------------------------------------------


def _pngs(d: Path) -> list[Path]:
    """Every PNG figure of a folder (``figures/`` and the folder itself), run figures in order."""
    found = sorted({*(d / "figures").glob("*.png"), *d.glob("*.png")})
    rank = {name: i for i, name in enumerate(FIGURE_ORDER)}
    return sorted(found, key=lambda p: (rank.get(p.stem, len(rank)), p.name))


def _figures(paths: Sequence[Path], empty: str) -> str:
    if not paths:
        return f"<p>{esc(empty)}</p>"
    out = []
    for p in paths:
        data = base64.b64encode(p.read_bytes()).decode("ascii")
        out.append(
            f'<figure><img src="data:image/png;base64,{data}" alt="{esc(p.stem)}">'
            f"<figcaption>{esc(p.name)}</figcaption></figure>"
        )
    return "".join(out)


def _table(heads: Sequence[object], rows: Sequence[Sequence[object]], numeric: Iterable[int] = ()) -> str:
    num = set(numeric)

    def cls(i: int) -> str:
        return ' class="num"' if i in num else ""

    head = "".join(f"<th{cls(i)}>{esc(h)}</th>" for i, h in enumerate(heads))
    body = "".join(
        "<tr>" + "".join(f"<td{cls(i)}>{esc(c)}</td>" for i, c in enumerate(r)) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _p_ci(e: dict[str, Any] | None) -> Html:
    if not e:
        return Html("—")
    lo, hi = e.get("ci95", [0.0, 0.0])
    return Html(f"{esc(_pct(e.get('p')))} <span class='ci'>(95% CI {esc(_pct(lo))}–{esc(_pct(hi))})</span>")


def _pct(p: float | None) -> str:
    return pct(p)


def _count(v: object) -> str:
    """A whole number with thousands separators (escaped text for anything else)."""
    return f"{v:,}" if isinstance(v, int) else esc(v if v is not None else "?")


def _num(v: object) -> str:
    if v is None:
        return "—"
    return f"{v:.3f}" if isinstance(v, float) else str(v)
