"""The figure of ``negsim compare``: each key event's difference B − A with its 95% interval."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from simulator.analysis.compare import (
    key_events,
)
from simulator.figures.common import pct, save_png, styled, wrap_to

SIGNIFICANT_COLOUR = "#c44e52"


PLAIN_COLOUR = "#8c8c8c"
#: A significant difference smaller than this (percentage points) is drawn hollow: real but tiny.
SMALL_POINTS = 0.5


def sets_phrase(info: dict[str, Any]) -> str:
    """`` with --set ...`` when the scenario was changed on the command line."""
    sets = info.get("overrides") or []
    return f" with {', '.join(sets)}" if sets else ""


@styled
def comparison_figure(doc: dict[str, Any], labels: dict[str, str] | None = None) -> Figure:
    """Dot-and-whisker plot of the key events' differences (B − A) with their 95% intervals.

    ``labels`` gives events in words (shown beside their keys)."""
    keys = key_events(doc)
    labels = labels or {}
    ev = [doc["events"][k] for k in keys]
    fig = Figure(figsize=(10, 2.8 + 0.42 * len(keys)), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(keys))
    diff = np.array([100 * e["diff"] for e in ev])
    ci = np.array([[100 * c for c in e["ci95"]] for e in ev]).reshape(-1, 2)
    sig = np.array([e["significant"] for e in ev], dtype=bool)
    small = sig & (np.abs(diff) < SMALL_POINTS)
    ax.axvline(0, color="black", lw=1, label="no difference")
    for mask, colour, face, label in (
        (sig & ~small, SIGNIFICANT_COLOUR, SIGNIFICANT_COLOUR, "significant (95% interval excludes 0)"),
        (small, SIGNIFICANT_COLOUR, "white", f"significant but under {SMALL_POINTS} points"),
        (~sig, PLAIN_COLOUR, PLAIN_COLOUR, "not significant"),
    ):
        if mask.any():
            err = np.clip(np.vstack([diff[mask] - ci[mask, 0], ci[mask, 1] - diff[mask]]), 0, None)
            ax.errorbar(
                diff[mask], y[mask], xerr=err, fmt="o", color=colour, mfc=face, capsize=4, label=label
            )
    for row, e in enumerate(ev):
        label = f"{pct(e['a'])} → {pct(e['b'])}"
        ax.text(1.01, row, label, transform=ax.get_yaxis_transform(), va="center")
    ax.text(1.01, 1.005, "P(A) → P(B)", transform=ax.transAxes, va="bottom", fontweight="bold")
    names = [f"{textwrap.fill(labels[k], 44)}\n[{k}]" if labels.get(k, k) != k else k for k in keys]
    ax.set_yticks(y, names, fontsize=8.5)
    ax.set_ylim(len(keys) - 0.5, -0.5)
    span = max(1.0, float(np.abs(ci).max(initial=0.0)) * 1.15)
    ax.set_xlim(-span, span)
    ax.set_xlabel("difference in probability, B − A (percentage points; whiskers: 95% interval)")
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    a, b = doc["a"], doc["b"]
    title = (
        f"A = {a['name']} ({Path(a['path']).name}{sets_phrase(a)})\n"
        f"B = {b['name']} ({Path(b['path']).name}{sets_phrase(b)})\n"
        f"B − A over {doc['runs']:,} worlds on common random numbers"
    )
    fig.suptitle(wrap_to(fig, title, 11), fontsize=11)
    fig.legend(loc="outside lower center", ncols=3, frameon=False)
    return fig


def write_figure(out: Path, doc: dict[str, Any], labels: dict[str, str] | None = None) -> Path:
    """Write ``figures/comparison.png`` into ``out`` (atomically)."""
    return save_png(comparison_figure(doc, labels), out / "figures" / "comparison.png")
