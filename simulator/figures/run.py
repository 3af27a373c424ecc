"""Figures of a finished run, drawn from its output files only (never from the model).

:func:`run_figures` reads ``summary.json``, ``worlds.parquet`` and ``scenario.resolved.yaml`` in a
run's output folder and writes up to six PNGs into ``figures/``: delegation levels, key events,
outcomes, where the chance of agreement went (``offers``), final positions against red lines, and
threats carried out. The resolved scenario is
loaded once, as the typed :class:`~simulator.scenario.schema.Scenario` the run played, so a red
line's range comes from the parameter's own distribution code. Figures are drawn on
:class:`matplotlib.figure.Figure` objects with the Agg canvas, in negsim's style
(:func:`~simulator.figures.common.styled`), so no global pyplot state or rcParams are touched.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simulator.engine.rundir import WORLDS, read_scenario, read_summary
from simulator.errors import UserError
from simulator.figures import names
from simulator.figures.agreement import agreement_figure, has_funnel
from simulator.figures.campaign import campaign_figures
from simulator.figures.common import save_png, settled, styled, wrap_to
from simulator.figures.protocols import protocols_figure
from simulator.numbers import pct
from simulator.scenario import events as ke
from simulator.scenario.events import LEVELS, OUTCOMES
from simulator.scenario.levels import Role
from simulator.scenario.params import Param
from simulator.scenario.schema import Scenario

DPI = 150
MAX_SAMPLE = 200_000  # rows of worlds.parquet read for histograms, evenly spaced
LEVEL_COLOURS = ("#d0d0d0", *(colormaps["Blues"](x) for x in (0.45, 0.7, 0.95)))
ROLES = {Role.mediator: "mediator", Role.third_party: "third party"}
#: How each outcome of :data:`OUTCOMES` is labelled and coloured.
OUTCOME_STYLE = {
    "no_talks": ("No talks", "#b2182b"),
    "collapse": ("Talks collapse", "#ef8a62"),
    "continue": ("Talks continue, nothing agreed", "#999999"),
    "partial_agreement": ("Partial agreement", "#91cf60"),
    "agreement": ("Full agreement", "#1a9850"),
}
TRIGGERS = {
    "no_ceasefire": "if no ceasefire is agreed",
    "no_agreement": "if nothing is agreed",
    "absent": "if it stays away",
    "walkout": "if it walks out",
}
CATEGORIES = {
    "Attendance": "#4c72b0",
    "Talks": "#8172b2",
    "Agreement": "#55a868",
    "Sanctions": "#c44e52",
    "Walkout": "#dd8452",
}
CENTRED: dict[str, Any] = {"ha": "center", "va": "center"}


@styled
def run_figures(out: Path) -> list[Path]:
    """Write the figures of the finished run in ``out`` to ``out/figures/``.

    Args:
        out: A run's output folder holding ``summary.json``, ``worlds.parquet`` and
            ``scenario.resolved.yaml``.

    Returns:
        The paths of the figure files written: levels, events, outcomes, positions, threats (each
        only when the scenario has its subject, see :func:`no_subject`; and protocols, for an
        ensemble run).
    """
    summary, scenario = _read(out)
    figures = {
        name: draw(summary, scenario, out / WORLDS)
        for name, draw in _DRAWERS.items()
        if no_subject(name, summary, scenario) is None
    }
    if ke.BY_PROTOCOL.key() in summary.get("stats", {}):  # a model average: its members side by side
        figures[names.PROTOCOLS] = protocols_figure(summary)
    if scenario.campaign is not None:  # a campaign: key events against the date, meetings held
        figures.update(campaign_figures(summary, scenario, out / WORLDS))
    paths = []
    for name, fig in figures.items():
        paths.append(save_png(fig, out / names.png(name)))
    return paths


@styled
def run_figure(out: Path, name: str) -> Figure:
    """One figure of the finished run in ``out``, drawn but not saved (the Python API's ``.plot``).

    Args:
        out: A run's output folder (as for :func:`run_figures`).
        name: One of :data:`~simulator.figures.names.RUN_FIGURES`, ``protocols`` for a model
            average, ``campaign`` or ``meetings`` for a campaign.

    Raises:
        UserError: ``name`` is not a figure this run has.
    """
    summary, scenario = _read(out)
    if name in _DRAWERS:
        why = no_subject(name, summary, scenario)
        if why is not None:
            raise UserError(f"no figure '{name}' for this run: {why}")
        return settled(_DRAWERS[name](summary, scenario, out / WORLDS))
    if name == names.PROTOCOLS and ke.BY_PROTOCOL.key() in summary.get("stats", {}):
        return settled(protocols_figure(summary))
    if scenario.campaign is not None:
        extra = campaign_figures(summary, scenario, out / WORLDS)
        if name in extra:
            return settled(extra[name])
    raise UserError(f"no figure '{name}' for this run (figures: {', '.join(names.RUN_FIGURES)})")


def _read(out: Path) -> tuple[dict[str, Any], Scenario]:
    """The run's summary and the scenario it played, each read once (the scenario checked against
    the fingerprint the summary recorded)."""
    summary = read_summary(out, check_scenario=False)
    return summary, read_scenario(out, (summary.get("scenario") or {}).get("sha256"))


def no_subject(name: str, summary: dict[str, Any], scenario: Scenario) -> str | None:
    """Why the run figure ``name`` has nothing to show for this run (``None`` when it has).

    A panel is drawn only where the scenario has its subject: no threats figure for a scenario
    without threats, no delegation-level figure when every party's level is settled (by
    construction, or the same in every world: a DEU III proposal, where everyone attends as an
    official). An empty or all-certain panel would read as a forecast of something the scenario
    never put in question.
    """
    if name == names.AGREEMENT and not has_funnel(summary):
        return "this run's talks protocol does not record how its talks ended (offers does)"
    if name == names.THREATS and not any(ke.THREAT.key(t) in summary["events"] for t in scenario.threats):
        return "this scenario has no threats"
    settled_levels = [_level_certainty(summary, scenario, pid) for pid in scenario.parties]
    if name == names.LEVELS and all(c is not None for c in settled_levels):
        return "every party's delegation level is the same in every world"
    return None


def _allowed_levels(scenario: Scenario, pid: str) -> list[str]:
    """The delegation levels party ``pid`` may choose (``attendance.levels``)."""
    return [str(level) for level in scenario.parties[pid].attendance.levels]


def _level_certainty(summary: dict[str, Any], scenario: Scenario, pid: str) -> tuple[str, str] | None:
    """``(level, why)`` when party ``pid`` sends one level in every world, else ``None``.

    ``why`` is ``"certain by construction"`` when that is the only level the scenario allows it,
    or ``"in every world"`` when other levels were open but none was ever chosen.
    """
    allowed = _allowed_levels(scenario, pid)
    if len(allowed) == 1:
        return allowed[0], "certain by construction"
    runs = summary["runs"]
    for level in LEVELS:
        e = summary["events"].get(ke.LEVEL.key(pid, level))
        if e is not None and e.get("count", round(e["p"] * runs)) == runs:
            return str(level), "in every world"
    return None


def _certainty(summary: dict[str, Any], scenario: Scenario, key: str) -> str | None:
    """How event ``key`` is certain, if it is: ``"certain by construction"`` (a party whose only
    level is ``absent`` never attends), ``"in every world"`` or ``"in no world"``; else ``None``.

    A certain event is drawn as a fact (a plain mark and these words), not as a forecast with a
    95% interval: the interval of an event that never varied only measures the number of worlds.
    """
    m = ke.ATTEND.matches(key)
    if m and m["party"] in scenario.parties and _allowed_levels(scenario, m["party"]) == ["absent"]:
        return "certain by construction"
    e = summary["events"][key]
    count = e.get("count", round(e["p"] * summary["runs"]))
    if count == summary["runs"]:
        return "in every world"
    if count == 0:
        return "in no world"
    return None


def _title(summary: dict[str, Any], what: str) -> str:
    """Figure title: scenario name, what is shown and the number of worlds."""
    # Two lines: the scenario name can be long, and what is shown must stay readable.
    return f"{summary['scenario']['name']}\n{what} ({summary['runs']:,} worlds)"


def _name(scenario: Scenario, pid: str, width: int = 0) -> str:
    """A party's display name, wrapped to ``width`` characters if given."""
    party = scenario.parties.get(pid)
    name = party.name if party is not None else pid
    return textwrap.fill(name, width) if width else name


def _short(text: str, width: int = 24) -> str:
    """Shorten ``text`` to ``width`` characters with an ellipsis."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _intervals(
    ax: Axes,
    labels: list[str],
    events: list[dict[str, Any]],
    colours: list[Any],
    bars: bool,
    certain: Sequence[str | None] | None = None,
) -> None:
    """One row per event, top to bottom: bars (or points) at p with 95% interval whiskers.

    A row whose ``certain`` entry is set (see :func:`_certainty`) is a fact, not a forecast: a
    plain square mark (or a bar without whiskers) and its words instead of a percentage.
    """
    certain = list(certain) if certain is not None else [None] * len(labels)
    y = np.arange(len(labels))
    p = np.array([e["p"] for e in events], dtype=float)
    ci = np.array([e["ci95"] for e in events], dtype=float).reshape(-1, 2)
    err = np.clip(np.vstack([p - ci[:, 0], ci[:, 1] - p]), 0, None)
    fact = np.array([c is not None for c in certain], dtype=bool)
    if bars:
        ax.barh(y, p, color=colours, height=0.6)
        if (~fact).any():
            ax.errorbar(
                p[~fact],
                y[~fact],
                xerr=err[:, ~fact],
                fmt="none",
                ecolor="black",
                capsize=4,
                label="95% interval",
                clip_on=False,
            )
            ax.figure.legend(loc="outside lower right", frameon=False, fontsize=9)
    else:
        for yi, pi, e, c, f in zip(y, p, err.T, colours, fact, strict=True):
            if f:
                ax.plot(pi, yi, "s", color=c, mfc="white", mew=1.8, ms=7, clip_on=False)
            else:
                ax.errorbar(pi, yi, xerr=e[:, None], fmt="o", color=c, capsize=4, clip_on=False)
    for row, (pi, hi) in enumerate(zip(p, ci[:, 1], strict=True)):
        words = pct(pi) if certain[row] is None else f"{pi:.0%}, {certain[row]}"
        style: dict[str, Any] = {"fontstyle": "italic", "color": "#555555"} if certain[row] else {}
        if bars:  # beside the bar's interval, where the eye already is
            right, left = (hi, ci[row, 0]) if certain[row] is None else (pi, pi)
            x, ha = (right + 0.015, "left") if right < 0.7 else (left - 0.015, "right")
            colour = "black" if right < 0.7 else "white"
            style = {
                "color": colour,
                "fontweight": "bold",
                **({"fontstyle": "italic"} if certain[row] else {}),
            }
            ax.text(x, row, words, va="center", ha=ha, fontsize=9, **style)
        else:
            ax.text(1.02, row, words, transform=ax.get_yaxis_transform(), va="center", fontsize=9, **style)
    ax.set_yticks(y, labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlim(0, 1)
    ax.set_xticks(np.linspace(0, 1, 6), [f"{x:.0%}" for x in np.linspace(0, 1, 6)])
    ax.set_xlabel("probability (share of worlds)")
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)


def _levels(summary: dict[str, Any], scenario: Scenario) -> Figure:
    """Stacked horizontal bars of the delegation level each party sent."""
    parties = list(scenario.parties)
    labels = []
    for pid in parties:
        role = ROLES.get(scenario.parties[pid].role)
        labels.append(_name(scenario, pid, 22) + (f"\n({role})" if role else ""))
    # Each row as tall as its longest label needs (a long official name wraps to three lines, its
    # role adds a fourth), so no label runs into the next row's.
    lines = max((label.count("\n") + 1 for label in labels), default=1)
    fig = Figure(figsize=(9, 1.8 + max(0.6, 0.2 * lines + 0.1) * len(parties)), layout="constrained")
    ax = fig.add_subplot()
    certain = [_level_certainty(summary, scenario, pid) for pid in parties]
    left = np.zeros(len(parties))
    for level, colour in zip(LEVELS, LEVEL_COLOURS, strict=True):
        events = [summary["events"].get(ke.LEVEL.key(pid, level), {"p": 0.0}) for pid in parties]
        share = np.array([e["p"] for e in events]) * 100
        # A settled level is a fact: hatched, and said in words instead of "100%".
        hatch = ["//" if c is not None else "" for c in certain]
        ax.barh(labels, share, left=left, color=colour, label=level, height=0.65, ec="white", hatch=hatch)
        text_colour = "white" if level in ("minister", "leader") else "black"
        for i, s in enumerate(share):
            settled = certain[i]
            if settled is not None and s > 0:
                words = f"{settled[0]}, {settled[1]}"
                box = {"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5}
                ax.text(left[i] + s / 2, i, words, fontsize=9, fontstyle="italic", bbox=box, **CENTRED)
            elif s >= 6:
                ax.text(left[i] + s / 2, i, f"{s:.0f}%", color=text_colour, fontsize=9, **CENTRED)
        left += share
    ax.set_xlim(0, 100)
    ax.set_ylim(len(parties) - 0.5, -0.5)
    ax.set_xlabel("share of worlds (%)")
    fig.suptitle(_title(summary, "delegation level sent"))
    title = "delegation level"
    if any(c is not None for c in certain):
        title += "\n" + wrap_to(
            fig,
            "(hatched: a party that sends that level in every world; certain by construction when "
            "it is the only level the scenario allows it)",
            9,
            share=0.9,
        )
    fig.legend(title=title, loc="outside lower center", ncols=4, frameon=False)
    return fig


def _events(summary: dict[str, Any], scenario: Scenario) -> Figure:
    """Key events (attendance, talks, agreements, sanctions, walkouts) with 95% intervals."""
    rows = [(ke.ATTEND.key(p), f"{_name(scenario, p)} attends", "Attendance") for p in scenario.parties]
    rows += [(ke.TALKS_DIRECT.key(), "Direct talks held", "Talks")]
    rows += [(ke.TALKS_LEADERS.key(), "Leaders meet", "Talks")]
    rows += [
        (ke.AGREEMENT.key(i), f"Agreement: {issue.name}", "Agreement") for i, issue in scenario.issues.items()
    ]
    rows += [(ke.AGREEMENT_ANY.key(), "Agreement on any issue", "Agreement")]
    rows += [
        (ke.SANCTIONS.key(p), f"Sanctions by {_name(scenario, p)}", "Sanctions")
        for p in ke.sanctioners(scenario)
    ]
    rows += [(ke.WALKOUT.key(p), f"{_name(scenario, p)} walks out", "Walkout") for p in scenario.principals]
    rows = [r for r in rows if r[0] in summary["events"]]
    rows, grouped = _group_settled_attendance(summary, scenario, rows)
    labels = [textwrap.fill(r[1], 34) for r in rows]
    lines = sum(label.count("\n") + 1 for label in labels)
    fig = Figure(figsize=(9, 1.9 + 0.2 * lines + 0.15 * len(rows)), layout="constrained")
    ax = fig.add_subplot()
    events = [summary["events"][r[0]] for r in rows]
    certain = [_certainty(summary, scenario, r[0]) for r in rows]
    _intervals(ax, labels, events, [CATEGORIES[r[2]] for r in rows], bars=False, certain=certain)
    handles = [
        ax.errorbar([], [], xerr=[], fmt="o", color=CATEGORIES[cat], capsize=4, label=cat)
        for cat in dict.fromkeys(r[2] for r in rows)
    ]
    note = "point = share of worlds, whiskers = 95% interval"
    if any(certain):
        square = ax.plot([], [], "s", color="#555555", mfc="white", mew=1.8, ms=7, label="certain")[0]
        handles.append(square)  # type: ignore[arg-type]
        note += "; square = the same in every world (no interval)"
    fig.suptitle(_title(summary, "key events with 95% intervals"))
    if grouped:
        note += "\n" + wrap_to(fig, grouped, 9, share=0.9)
    fig.legend(handles=handles, loc="outside lower center", ncols=6, frameon=False, title=note)
    return fig


#: From this many parties on, those that attend in every world share one row of the events figure.
GROUP_SETTLED = 4


def _group_settled_attendance(
    summary: dict[str, Any], scenario: Scenario, rows: list[tuple[str, str, str]]
) -> tuple[list[tuple[str, str, str]], str]:
    """Rows with the parties that attend in every world folded into one row (a DEU III proposal's
    seventeen "attends, 100%" rows say one thing), and the note that names them; unchanged, with an
    empty note, when fewer than :data:`GROUP_SETTLED` parties are settled that way."""
    settled = [
        r for r in rows if r[2] == "Attendance" and _certainty(summary, scenario, r[0]) == "in every world"
    ]
    if len(settled) < GROUP_SETTLED:
        return rows, ""
    first = rows.index(settled[0])
    keep = [r for r in rows if r not in settled]
    everyone = len(settled) == sum(r[2] == "Attendance" for r in rows)
    label = f"All {len(settled)} parties attend" if everyone else f"{len(settled)} parties attend"
    keep.insert(first, (settled[0][0], label, "Attendance"))
    who = ", ".join(_name(scenario, ke.ATTEND.matches(r[0])["party"]) for r in settled)  # type: ignore[index]
    return keep, f"Attending in every world: {who}."


def _outcomes(summary: dict[str, Any], scenario: Scenario) -> Figure:
    """The mutually exclusive outcome categories as bars with 95% intervals."""
    keys = [k for k in OUTCOMES if ke.OUTCOME.key(k) in summary["events"]]
    fig = Figure(figsize=(9, 3.6), layout="constrained")
    ax = fig.add_subplot()
    events = [summary["events"][ke.OUTCOME.key(k)] for k in keys]
    labels, colours = [OUTCOME_STYLE[k][0] for k in keys], [OUTCOME_STYLE[k][1] for k in keys]
    certain = [_certainty(summary, scenario, ke.OUTCOME.key(k)) for k in keys]
    _intervals(ax, labels, events, colours, bars=True, certain=certain)
    fig.suptitle(_title(summary, "how the talks end"))
    return fig


def _threats(summary: dict[str, Any], scenario: Scenario) -> Figure:
    """Probability that each threat was carried out, with 95% intervals."""
    threats = {t: d for t, d in scenario.threats.items() if ke.THREAT.key(t) in summary["events"]}
    labels, notes = [], []
    for k, d in enumerate(threats.values(), start=1):
        trigger = TRIGGERS.get(d.trigger, d.trigger)
        action = "sanctions" if d.action == "sanctions" else "other measures"
        who = f"{_name(scenario, d.by)} → {_name(scenario, d.against)}"
        labels.append(textwrap.fill(f"[{k}] {who}: {action} {trigger}", 40))
        if d.description:  # the full story goes under the plot, not beside the bars
            notes.append(textwrap.fill(f"[{k}] {' '.join(d.description.split())}", 150))
    lines = sum(label.count("\n") + 1 for label in labels)
    note_lines = sum(n.count("\n") + 1 for n in notes)
    height = max(2.6, 1.9 + 0.2 * lines + 0.35 * len(labels) + 0.17 * note_lines)
    fig = Figure(figsize=(10, height), layout="constrained")
    ax = fig.add_subplot()
    fig.suptitle(_title(summary, "threats carried out"))
    if not threats:
        ax.text(0.5, 0.5, "This scenario has no threats.", transform=ax.transAxes, **CENTRED)
        ax.set_axis_off()
        return fig
    events = [summary["events"][ke.THREAT.key(t)] for t in threats]
    certain = [_certainty(summary, scenario, ke.THREAT.key(t)) for t in threats]
    _intervals(ax, labels, events, [CATEGORIES["Sanctions"]] * len(threats), bars=True, certain=certain)
    if notes:
        fig.supxlabel("\n".join(notes), fontsize=8, ha="left", x=0.01, color="#444444")
    return fig


def _sample(path: Path, columns: Sequence[str]) -> dict[str, np.ndarray]:
    """At most ``MAX_SAMPLE`` evenly spaced rows of ``columns``, read one row group at a time."""
    pf = pq.ParquetFile(path)
    columns = [c for c in dict.fromkeys(columns) if c in pf.schema_arrow.names]
    step = max(1, -(-pf.metadata.num_rows // MAX_SAMPLE))
    parts: dict[str, list[np.ndarray]] = {c: [] for c in columns}
    start = 0
    for g in range(pf.num_row_groups):
        table = pf.read_row_group(g, columns=columns)
        rows = table.take(pa.array(np.arange((-start) % step, table.num_rows, step)))
        for c in columns:
            parts[c].append(rows.column(c).to_numpy(zero_copy_only=False))
        start += table.num_rows
    return {c: np.concatenate(v) if v else np.array([]) for c, v in parts.items()}


def _red_line(param: Param, drawn: np.ndarray | None) -> tuple[float, float, str]:
    """A red line's value (lo == hi), or its 5–95% range: from the worlds' drawn values when the
    file has them, else from the parameter's own distribution (its inverse CDF on the unit
    range every position lives in), exactly as the model draws it."""
    if not param.uncertain:
        value = float(param.ppf(np.array([0.5]))[0])  # a fixed parameter's every quantile
        return value, value, "red line"
    if drawn is not None and np.isfinite(drawn).any():
        lo, hi = np.nanquantile(drawn, [0.05, 0.95])
        return float(lo), float(hi), "red line (5–95% range)"
    lo, hi = param.ppf(np.array([0.05, 0.95]), 0.0, 1.0)
    return float(lo), float(hi), "red line (5–95% range)"


def _positions(summary: dict[str, Any], scenario: Scenario, worlds: Path) -> Figure:
    """Per issue, each principal's final position over worlds with talks, with its red line."""
    issues = scenario.issues
    principals = scenario.principals
    red = {(p, i): ke.PARAM.key(f"parties.{p}.positions.{i}.red_line") for p in principals for i in issues}
    pos_cols = [ke.POSITION.key(p, i) for p in principals for i in issues]
    talks = ke.TALKS_DIRECT.key()
    data = _sample(worlds, [talks, *pos_cols, *red.values()])
    held = data.get(talks, np.zeros(0, dtype=bool)).astype(bool)
    n_held = int(summary["events"].get(talks, {}).get("count", held.sum()))
    colours = {p: colormaps["tab10"](k % 10) for k, p in enumerate(principals)}
    fig = Figure(figsize=(10, 1.4 + 3.4 * len(issues)), layout="constrained")
    axes = fig.subplots(len(issues), 1, squeeze=False)[:, 0]
    fig.suptitle(_title(summary, "final positions of the principals against their red lines"))
    legend: dict[str, Any] = {}
    for ax, (iid, issue) in zip(axes, issues.items(), strict=True):
        name = issue.name
        ax.set_xlim(0, 1)
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1], ["0", "0.25", "0.5", "0.75", "1"])
        # The two ends in full, wrapped under each end of the axis (never cut to "…").
        for x, end, ha in ((0, "low", "left"), (1, "high", "right")):
            words = textwrap.fill(f"{x} = {' '.join(getattr(issue, end).split())}", 60)
            ax.annotate(
                words,
                (x, 0),
                xycoords="axes fraction",
                xytext=(0, -18),
                textcoords="offset points",
                ha=ha,
                va="top",
                fontsize=8,
                color="#444444",
            )

        shown = False
        for p in principals:
            pos = data.get(ke.POSITION.key(p, iid), np.zeros(held.size))[held].astype(float)
            pos = pos[np.isfinite(pos)]
            label = _name(scenario, p, 26)
            if pos.size:
                shown = True
                weights = np.full(pos.size, 100 / pos.size)
                style: dict[str, Any] = {"color": colours[p], "ec": colours[p], "alpha": 0.45}
                ax.hist(
                    pos,
                    np.linspace(0, 1, 41),
                    weights=weights,
                    histtype="stepfilled",
                    label=f"{label}: final position",
                    **style,
                )
            position = scenario.parties[p].positions.get(iid)
            if position is not None:
                lo, hi, what = _red_line(position.red_line, data.get(red[(p, iid)]))
                mark: dict[str, Any] = {"color": colours[p], "label": f"{label}: {what}"}
                if lo == hi:
                    ax.axvline(lo, ls="--", lw=1.8, **mark)
                else:
                    ax.axvspan(lo, hi, alpha=0.15, hatch="//", **mark)
        if shown:
            ax.set_title(
                f"{name}: final positions (0–1 scale) in the {n_held:,} worlds with direct talks", fontsize=10
            )
            ax.set_ylabel("share of those worlds (%)")
        else:
            ax.set_title(str(name), fontsize=10)
            note = "No world held direct talks: no final positions to show."
            box = {"facecolor": "white", "edgecolor": "#999999"}
            ax.text(0.5, 0.5, note, transform=ax.transAxes, fontsize=11, bbox=box, **CENTRED)
            ax.set_yticks([])
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            legend.setdefault(lab, h)
    if legend:  # once for the figure: the parties and their colours are the same in every panel
        # As many columns as the longest label leaves room for: long party names never clip.
        widest = max(len(line) for lab in legend for line in lab.split("\n")) * 0.6 * 9 + 40  # points
        fig.legend(
            list(legend.values()),
            list(legend),
            loc="outside lower center",
            ncols=max(1, min(4, int(fig.get_figwidth() * 72 * 0.95 // widest))),
            fontsize=9,
            frameon=False,
        )
    return fig


#: How each of a run's figures is drawn from its summary, resolved scenario and worlds file.
_DRAWERS: dict[str, Callable[[dict[str, Any], Scenario, Path], Figure]] = {
    names.LEVELS: lambda summary, scenario, worlds: _levels(summary, scenario),
    names.EVENTS: lambda summary, scenario, worlds: _events(summary, scenario),
    names.OUTCOMES: lambda summary, scenario, worlds: _outcomes(summary, scenario),
    names.AGREEMENT: lambda summary, scenario, worlds: agreement_figure(
        summary, _title(summary, "where the chance of agreement went")
    ),
    names.POSITIONS: _positions,
    names.THREATS: lambda summary, scenario, worlds: _threats(summary, scenario),
}
assert tuple(_DRAWERS) == names.RUN_FIGURES  # drawn in the order the names module gives
