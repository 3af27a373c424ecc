"""Figures of a finished run, drawn from its output files only (never from the model).

:func:`run_figures` reads ``summary.json``, ``worlds.parquet`` and ``scenario.resolved.yaml`` in a
run's output folder and writes five PNGs into ``figures/``: delegation levels, key events,
outcomes, final positions against red lines, and threats carried out. Figures are drawn on
:class:`matplotlib.figure.Figure` objects with the Agg canvas, so no global pyplot state is touched.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from simulator.storage import atomic_path

DPI = 150
MAX_SAMPLE = 200_000
LEVELS = ("absent", "official", "minister", "leader")
LEVEL_COLOURS = ("#d0d0d0", *(colormaps["Blues"](x) for x in (0.45, 0.7, 0.95)))
ROLES = {"mediator": "mediator", "third_party": "third party"}
OUTCOME_LABELS = {
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
CATEGORY_COLOURS = {
    "Attendance": "#4c72b0",
    "Talks": "#8172b2",
    "Agreement": "#55a868",
    "Sanctions": "#c44e52",
    "Walkout": "#dd8452",
}


def run_figures(out: Path) -> list[Path]:
    """Write the figures of the finished run in ``out`` to ``out/figures/``.

    Args:
        out: A run's output folder holding ``summary.json``, ``worlds.parquet`` and
            ``scenario.resolved.yaml``.

    Returns:
        The paths of the PNG files written, in a fixed order.
    """
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    scenario = yaml.safe_load((out / "scenario.resolved.yaml").read_text(encoding="utf-8"))
    folder = out / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    drawers = {
        "levels": _levels,
        "events": _events,
        "outcomes": _outcomes,
        "positions": lambda s, sc: _positions(s, sc, out / "worlds.parquet"),
        "threats": _threats,
    }
    paths = []
    for name, draw in drawers.items():
        fig = draw(summary, scenario)
        path = folder / f"{name}.png"
        FigureCanvasAgg(fig)
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png", dpi=DPI)
        paths.append(path)
    return paths


def _title(summary: dict[str, Any], what: str) -> str:
    """Figure title: scenario name, what is shown and the number of worlds."""
    return f"{summary['scenario']['name']}: {what} ({summary['runs']:,} worlds)"


def _name(scenario: dict[str, Any], pid: str) -> str:
    """A party's display name."""
    return str(scenario["parties"].get(pid, {}).get("name", pid))


def _pct(p: float) -> str:
    """A probability as a short percentage that never rounds a rare event to 0% or 100%."""
    if 0 < p < 0.01:
        return "<1%"
    if 0.99 < p < 1:
        return ">99%"
    return f"{p:.0%}"


def _short(text: str, width: int = 24) -> str:
    """Shorten ``text`` to ``width`` characters with an ellipsis."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _interval_chart(
    ax: Axes,
    labels: Sequence[str],
    events: Sequence[dict[str, Any]],
    colours: Sequence[Any],
    bars: bool = False,
) -> None:
    """Horizontal points (or bars) with 95% intervals, one row per event, top to bottom."""
    y = np.arange(len(labels))
    p = np.array([e["p"] for e in events], dtype=float)
    lo = np.array([e["ci95"][0] for e in events], dtype=float)
    hi = np.array([e["ci95"][1] for e in events], dtype=float)
    err = np.vstack([np.clip(p - lo, 0, None), np.clip(hi - p, 0, None)])
    if bars:
        ax.barh(y, p, color=colours, height=0.6)
        ax.errorbar(
            p, y, xerr=err, fmt="none", ecolor="black", capsize=4, lw=1.2, label="95% interval"
        )
    else:
        for yi, pi, e, c in zip(y, p, err.T, colours, strict=True):
            ax.errorbar(pi, yi, xerr=e[:, None], fmt="o", color=c, ms=6, capsize=4, lw=1.6)
    for yi, pi in zip(y, p, strict=True):
        ax.text(1.015, yi, _pct(pi), transform=ax.get_yaxis_transform(), va="center", fontsize=9)
    ax.set_yticks(y, labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.set_xlim(0, 1)
    ax.set_xticks(np.linspace(0, 1, 6), [f"{x:.0%}" for x in np.linspace(0, 1, 6)])
    ax.set_xlabel("probability (share of worlds)")
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)


def _levels(summary: dict[str, Any], scenario: dict[str, Any]) -> Figure:
    """Stacked bars of the delegation level each party sent."""
    parties = list(scenario["parties"])
    fig = Figure(figsize=(9, 1.6 + 0.55 * len(parties)), layout="constrained")
    ax = fig.add_subplot()
    labels = []
    for pid in parties:
        role = ROLES.get(scenario["parties"][pid].get("role", ""))
        labels.append(_name(scenario, pid) + (f"\n({role})" if role else ""))
    left = np.zeros(len(parties))
    for level, colour in zip(LEVELS, LEVEL_COLOURS, strict=True):
        share = (
            np.array(
                [summary["events"].get(f"level.{pid}.{level}", {"p": 0.0})["p"] for pid in parties]
            )
            * 100
        )
        ax.barh(
            labels,
            share,
            left=left,
            color=colour,
            label=level,
            height=0.65,
            edgecolor="white",
            linewidth=0.8,
        )
        dark = level in ("minister", "leader")
        for i, s in enumerate(share):
            if s >= 6:
                ax.text(
                    left[i] + s / 2,
                    i,
                    f"{s:.0f}%",
                    ha="center",
                    va="center",
                    fontsize=9,
                    color="white" if dark else "black",
                )
        left += share
    ax.set_xlim(0, 100)
    ax.set_ylim(len(parties) - 0.5, -0.5)
    ax.set_xlabel("share of worlds (%)")
    ax.set_title(_title(summary, "delegation level sent"))
    fig.legend(title="delegation level", loc="outside lower center", ncols=4, frameon=False)
    return fig


def _events(summary: dict[str, Any], scenario: dict[str, Any]) -> Figure:
    """Key events (attendance, talks, agreements, sanctions, walkouts) with 95% intervals."""
    ev, parties = summary["events"], scenario["parties"]
    by = {
        t["by"]
        for t in (scenario.get("threats") or {}).values()
        if t.get("action", "sanctions") == "sanctions"
    }
    rows: list[tuple[str, str, str]] = [
        (f"attend.{p}", f"{_name(scenario, p)} attends", "Attendance") for p in parties
    ]
    rows += [
        ("talks.direct", "Direct talks held", "Talks"),
        ("talks.leaders", "Leaders meet", "Talks"),
    ]
    rows += [
        (f"agreement.{i}", f"Agreement: {iss.get('name', i)}", "Agreement")
        for i, iss in scenario["issues"].items()
    ]
    rows += [("agreement.any", "Agreement on any issue", "Agreement")]
    rows += [
        (f"sanctions.{p}", f"Sanctions by {_name(scenario, p)}", "Sanctions")
        for p in parties
        if p in by
    ]
    rows += [
        (f"walkout.{p}", f"{_name(scenario, p)} walks out", "Walkout")
        for p, d in parties.items()
        if d.get("role") == "principal"
    ]
    rows = [r for r in rows if r[0] in ev]
    fig = Figure(figsize=(9, 1.8 + 0.34 * len(rows)), layout="constrained")
    ax = fig.add_subplot()
    _interval_chart(
        ax, [r[1] for r in rows], [ev[r[0]] for r in rows], [CATEGORY_COLOURS[r[2]] for r in rows]
    )
    ax.set_title(_title(summary, "key events with 95% intervals"))
    for cat in dict.fromkeys(r[2] for r in rows):
        ax.errorbar([], [], xerr=[], fmt="o", color=CATEGORY_COLOURS[cat], capsize=4, label=cat)
    fig.legend(
        loc="outside lower center",
        ncols=5,
        frameon=False,
        title="point = share of worlds, whiskers = 95% interval",
    )
    return fig


def _outcomes(summary: dict[str, Any], scenario: dict[str, Any]) -> Figure:
    """The mutually exclusive outcome categories as bars with 95% intervals."""
    keys = [k for k in OUTCOME_LABELS if f"outcome.{k}" in summary["events"]]
    fig = Figure(figsize=(9, 3.6), layout="constrained")
    ax = fig.add_subplot()
    _interval_chart(
        ax,
        [OUTCOME_LABELS[k][0] for k in keys],
        [summary["events"][f"outcome.{k}"] for k in keys],
        [OUTCOME_LABELS[k][1] for k in keys],
        bars=True,
    )
    ax.set_title(_title(summary, "how the talks end"))
    ax.legend(loc="lower right", fontsize=9)
    return fig


def _threats(summary: dict[str, Any], scenario: dict[str, Any]) -> Figure:
    """Probability that each threat was carried out, with 95% intervals."""
    threats = {
        t: d
        for t, d in (scenario.get("threats") or {}).items()
        if f"threat.{t}" in summary["events"]
    }
    labels = []
    for d in threats.values():
        what = d.get("description") or TRIGGERS.get(d.get("trigger", ""), d.get("trigger", ""))
        text = f"{_name(scenario, d['by'])} → {_name(scenario, d['against'])}: {what}"
        labels.append(textwrap.fill(text, 45))
    lines = sum(label.count("\n") + 1 for label in labels)
    fig = Figure(figsize=(9, 2.2 + 0.3 * max(lines, 2)), layout="constrained")
    ax = fig.add_subplot()
    ax.set_title(_title(summary, "threats carried out"))
    if not threats:
        ax.text(
            0.5,
            0.5,
            "This scenario has no threats.",
            ha="center",
            va="center",
            transform=ax.transAxes,
            fontsize=12,
        )
        ax.set_axis_off()
        return fig
    _interval_chart(
        ax,
        labels,
        [summary["events"][f"threat.{t}"] for t in threats],
        ["#c44e52"] * len(threats),
        bars=True,
    )
    ax.legend(loc="lower right", fontsize=9)
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


def _red_line(spec: dict[str, Any], drawn: np.ndarray | None) -> tuple[float, float]:
    """A red line's fixed value (lo == hi), or its 5–95% range (drawn values, else support)."""
    if "value" in spec:
        return float(spec["value"]), float(spec["value"])
    if drawn is not None and np.isfinite(drawn).any():
        lo, hi = np.nanquantile(drawn, [0.05, 0.95])
        return float(lo), float(hi)
    if "uniform" in spec or "triangular" in spec:
        bounds = spec.get("uniform") or spec["triangular"]
        return float(bounds[0]), float(bounds[-1])
    if "beta" in spec:
        return float(spec["beta"]["low"]), float(spec["beta"]["high"])
    mean, sd = float(spec["normal"]["mean"]), float(spec["normal"]["sd"])
    return max(0.0, mean - 1.645 * sd), min(1.0, mean + 1.645 * sd)


def _positions(summary: dict[str, Any], scenario: dict[str, Any], worlds: Path) -> Figure:
    """Per issue, each principal's final position over worlds with talks, with its red line."""
    issues = scenario["issues"]
    principals = [p for p, d in scenario["parties"].items() if d.get("role") == "principal"]
    red = {(p, i): f"param.parties.{p}.positions.{i}.red_line" for p in principals for i in issues}
    cols = [
        "talks.direct",
        *(f"position.{p}.{i}" for p in principals for i in issues),
        *red.values(),
    ]
    data = _sample(worlds, cols)
    held = data.get("talks.direct", np.array([], dtype=bool)).astype(bool)
    colours = {p: colormaps["tab10"](k % 10) for k, p in enumerate(principals)}
    fig = Figure(figsize=(10, 0.6 + 2.7 * len(issues)), layout="constrained")
    axes = fig.subplots(len(issues), 1, squeeze=False)[:, 0]
    fig.suptitle(_title(summary, "final positions of the principals against their red lines"))
    bins = np.linspace(0, 1, 41)
    for ax, (iid, issue) in zip(axes, issues.items(), strict=True):
        low, high = _short(str(issue.get("low", "0"))), _short(str(issue.get("high", "1")))
        ax.set_xlim(0, 1)
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1], [f"0\n{low}", "0.25", "0.5", "0.75", f"1\n{high}"])
        ax.set_xlabel(f"final position on {issue.get('name', iid)} (0–1 scale)")
        shown = False
        for p in principals:
            pos = data.get(f"position.{p}.{iid}", np.array([]))[held] if held.any() else []
            pos = np.asarray(pos, dtype=float)
            pos = pos[np.isfinite(pos)]
            if pos.size:
                shown = True
                ax.hist(
                    pos,
                    bins=bins,
                    weights=np.full(pos.size, 100 / pos.size),
                    alpha=0.45,
                    color=colours[p],
                    label=f"{_name(scenario, p)}: final position",
                    edgecolor=colours[p],
                    histtype="stepfilled",
                )
            spec = scenario["parties"][p].get("positions", {}).get(iid, {}).get("red_line")
            if spec is None:
                continue
            lo, hi = _red_line(spec, data.get(red[(p, iid)]))
            if lo == hi:
                ax.axvline(
                    lo, color=colours[p], ls="--", lw=1.8, label=f"{_name(scenario, p)}: red line"
                )
            else:
                ax.axvspan(
                    lo,
                    hi,
                    color=colours[p],
                    alpha=0.15,
                    hatch="//",
                    label=f"{_name(scenario, p)}: red line (5–95% range)",
                )
        n_held = int(summary["events"].get("talks.direct", {}).get("count", held.sum()))
        if shown:
            ax.set_title(
                f"{issue.get('name', iid)}: {n_held:,} worlds with direct talks", fontsize=10
            )
            ax.set_ylabel("share of those worlds (%)")
        else:
            ax.set_title(str(issue.get("name", iid)), fontsize=10)
            ax.text(
                0.5,
                0.5,
                "No world held direct talks: no final positions to show.",
                ha="center",
                va="center",
                transform=ax.transAxes,
                fontsize=11,
                bbox={"facecolor": "white", "edgecolor": "#999999"},
            )
            ax.set_yticks([])
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    return fig
