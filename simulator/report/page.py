"""The report page: the run's header, outcomes, figures and parameters, and the sections of the
further folders."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from simulator.engine.rundir import REPORT_MARK, refuse_to_overwrite
from simulator.errors import UserError, printable
from simulator.report.blocks import (
    CSS,
    Html,
    esc,
    figure_block,
    html_table,
    num_text,
    p_ci,
    pct_text,
    png_files,
)
from simulator.report.folders import folder_section
from simulator.report.reading import Run, read_run
from simulator.scenario import events as ke
from simulator.scenario.explain import entries
from simulator.scenario.labels import event_label
from simulator.scenario.schema import LEVELS, Scenario
from simulator.scenario.sources import seed_index

#: Event groups of the outcome tables: heading, event families.
GROUPS: tuple[tuple[str, tuple[ke.Family, ...]], ...] = (
    ("Talks", (*ke.TALKS, ke.FORMAT)),
    ("Agreements", ke.AGREEMENTS),
    ("Sanctions and threats carried out", (ke.SANCTIONS, ke.THREAT)),
    ("Walkouts", (ke.WALKOUT,)),
    ("Outcomes (mutually exclusive)", (ke.OUTCOME,)),
)


def build_report(run_dir: Path, extra: Sequence[Path] = ()) -> str:
    """The whole HTML page for the run in ``run_dir`` and the further folders ``extra``."""
    run = read_run(run_dir)
    for d in extra:
        if not d.is_dir():
            raise UserError(f"{d}: no such folder")
    extras = [folder_section(run, d) for d in extra]
    s = run.scenario
    sections = [
        ("outcomes", "Outcomes", _outcomes(run)),
        ("figures", "Figures", figure_block(png_files(run.path), "No figures in this run.")),
        *[(f"extra-{i + 1}", title, body) for i, (title, body) in enumerate(extras)],
        ("parameters", "Parameters and sources", _parameters(s)),
    ]
    nav = "".join(f'<li><a href="#{sid}">{esc(title)}</a></li>' for sid, title, _ in sections)
    body = "".join(f'<section id="{sid}"><h2>{esc(t)}</h2>{b}</section>' for sid, t, b in sections)
    version = run.summary.get("negsim_version", "?")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'{REPORT_MARK}<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(s.name)} — negsim report</title><style>{CSS}</style></head>"
        f"<body><header>{_header(run)}<nav><ul>{nav}</ul></nav></header>"
        f"<main>{body}</main>"
        f"<footer>Made by negsim {esc(version)} from {esc(run.path)}. Every probability is a share "
        "of simulated worlds with its 95% Wilson interval.</footer></body></html>\n"
    )


def write_report(run_dir: Path, extra: Sequence[Path], out: Path, *, overwrite: bool = False) -> Path:
    """Write the report to ``out`` (atomically) and return its path.

    An existing file is replaced only with ``overwrite`` or when it is an earlier negsim report.
    """
    from simulator.storage import write_text

    if str(out).strip() == "":
        raise UserError("--out: give a file name (an empty one was given)")
    if out.is_dir():
        raise UserError(printable(f"{out}: --out must be a file, and this is a folder"))
    if not overwrite and out.exists() and not is_report(out):
        refuse_to_overwrite(out, overwrite, "something that is not a negsim report")
    page = build_report(run_dir, extra)
    write_text(out, page)
    return out


def is_report(path: Path) -> bool:
    """True when ``path`` is a page written by ``negsim report``."""
    try:
        with open(path, "rb") as fh:
            return REPORT_MARK.encode() in fh.read(4096)
    except OSError:
        return False


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
        for key in [ke.LEVEL.key(pid, lv.value) for lv in LEVELS] + [ke.ATTEND.key(pid)]:
            cells.append(p_ci(events.get(key)))
            done.add(key)
        rows.append(cells)
    heads = ["Party", *(lv.value for lv in LEVELS), "attends (any level)"]
    parts.append(html_table(heads, rows, numeric=range(1, 6)))
    for title, families in GROUPS:
        keys = [k for k in ke.select(events, *families) if k not in done]
        if keys:
            parts.append(f"<h3>{esc(title)}</h3>" + _event_table(events, keys, s))
            done.update(keys)
    rest = [k for k in events if k not in done]
    if rest:
        parts.append("<h3>Other events</h3>" + _event_table(events, rest, s))
    parts.append(_stats(run))
    return "".join(parts)


def _event_table(events: dict[str, Any], keys: Iterable[str], s: Scenario) -> str:
    rows = [[Html(f"<code>{esc(k)}</code>"), event_label(s, k), p_ci(events[k])] for k in keys]
    return html_table(["Event", "In words", "Probability (95% CI)"], rows, numeric=[2])


def _stats(run: Run) -> str:
    stats: dict[str, Any] = dict(run.summary.get("stats") or {})
    stats.pop(ke.BY_PROTOCOL.key(), None)  # an ensemble's per-protocol events, not a statistic
    conc = ke.select(stats, ke.CONCESSION)
    others = [k for k in stats if k not in conc]
    heads = ["Statistic", "worlds", "mean", "5%", "50%", "95%"]

    allowed = run.scenario.protocol.rounds
    yes_no = {ke.ZOPA.key(), *ke.select(stats, ke.ZOPA_ISSUE)}

    def row(k: str) -> list[str]:
        st = stats[k]
        head: list[str] = [Html(f"<code>{esc(k)}</code>"), f"{st.get('n', 0):,}"]
        if k in yes_no:  # a yes/no per world: its share of worlds; quantiles of 0s and 1s say nothing
            return [*head, pct_text(st.get("mean")), "—", "—", "—"]
        if k == ke.ROUNDS.key():  # stored as a share of the allowed rounds; shown in rounds
            head[0] = Html(f"<code>{esc(k)}</code> (rounds held, of {allowed})")
            values = [st.get(q) for q in ("mean", "q05", "q50", "q95")]
            return [*head, *(num_text(None if v is None else float(v) * allowed) for v in values)]
        return [*head, *(num_text(st.get(q)) for q in ("mean", "q05", "q50", "q95"))]

    def rows(keys: list[str]) -> list[list[str]]:
        return [row(k) for k in keys]

    out = ""
    if conc:
        out += (
            "<h3>Concessions</h3><p>Share of the way from its ideal to its red line that each party "
            "conceded on each issue (0 = held its ideal, 1 = reached its red line).</p>"
            + html_table(heads, rows(conc), numeric=range(1, 6))
        )
    if others:
        out += (
            "<details><summary>Other statistics (positions, tabled texts, rounds; a zone of agreement "
            "as the share of worlds that have one)</summary>"
            + html_table(heads, rows(others), numeric=range(1, 6))
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
                if src.seed is not None and src.quote is not None
                else f'<p class="src"><span class="seed">{esc(src.cite())}</span></p>'
                for src in e.sources
            )
            if e.assumption:
                prov += f'<p class="assume">Assumption: {esc(" ".join(e.assumption.split()))}</p>'
            rows.append([Html(f"<code>{esc(e.path)}</code>"), e.value, Html(prov or "—")])
        parts.append(f"<h3>{esc(heading)}</h3>" + html_table(["Parameter", "Value", "Source"], rows))
    parts.append(seed_list)
    return "".join(parts)
