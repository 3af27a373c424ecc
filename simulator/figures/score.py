"""The figure of ``negsim score``: each event's forecast against what happened.

A run scores the events of one negotiation: a single case, whose events are correlated (the same
talks decide them all). Binning them into a reliability curve gives bins of one or two events that
say nothing about calibration, so the figure is a dot chart instead: one row per event, the
forecast probability of each run as a dot with its 95% interval, and what happened as a mark at 0%
or 100%, the gap between them being what the Brier score squares. (A reliability curve needs many
cases: :func:`reliability_figure` draws one for those.)"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from simulator.analysis.score import (
    BINS,
    ScoreCard,
)
from simulator.engine.tally import wilson
from simulator.figures import names
from simulator.figures.common import save_png, styled


@styled
def reliability_figure(cards: Sequence[ScoreCard], observed_path: Path) -> Figure:
    """Forecast probability (binned) against the observed frequency, per run."""
    fig = Figure(figsize=(7, 7.4), layout="constrained")
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color="black", lw=1, ls="--", label="perfect reliability")
    edges = np.linspace(0, 1, BINS + 1)
    for i, card in enumerate(cards):
        p = np.array([e.p for e in card.events.values()])
        o = np.array([e.observed for e in card.events.values()])
        which = np.clip(np.digitize(p, edges[1:-1]), 0, BINS - 1)
        xs, ys, ns = [], [], []
        for b in range(BINS):
            sel = which == b
            if sel.any():
                xs.append(p[sel].mean())
                ys.append(o[sel].mean())
                ns.append(int(sel.sum()))
        colour = f"C{i}"
        ax.plot(xs, ys, color=colour, lw=1, alpha=0.6)
        label = textwrap.fill(f"{card.name} ({card.run.name}): mean Brier {card.brier:.3f}", 70)
        # Every bin gets its Wilson 95% interval: a bin of 1-5 events says little, and shows it.
        bounds = np.array([wilson(round(y * n), n) for y, n in zip(ys, ns, strict=True)]).reshape(-1, 2)
        yerr = np.clip(np.vstack([np.array(ys) - bounds[:, 0], bounds[:, 1] - np.array(ys)]), 0, None)
        ax.errorbar(xs, ys, yerr=yerr, fmt="none", ecolor=colour, alpha=0.5, capsize=3, lw=1)
        ax.scatter(xs, ys, s=[40 + 25 * n for n in ns], color=colour, alpha=0.7, zorder=3)
        ax.plot([], [], "o", color=colour, label=label)
        # Counts on opposite sides for the two runs, so their labels never sit on one another.
        offset = (9, -12) if i == 0 else (-9, 6)
        for x, y, n in zip(xs, ys, ns, strict=True):
            ax.annotate(
                f"n={n}",
                (x, y),
                xytext=offset,
                textcoords="offset points",
                fontsize=8,
                color=colour,
                ha="left" if i == 0 else "right",
            )
    ticks = np.linspace(0, 1, 6)
    ax.set_xticks(ticks, [f"{t:.0%}" for t in ticks])
    ax.set_yticks(ticks, [f"{t:.0%}" for t in ticks])
    ax.set_xlim(-0.03, 1.03)
    ax.set_ylim(-0.03, 1.03)
    ax.set_aspect("equal")
    ax.grid(alpha=0.3)
    ax.set_xlabel(f"forecast probability (mean within each of {BINS} bins)")
    ax.set_ylabel("observed frequency (share of those events that happened)")
    n = len(cards[0].events)
    title = textwrap.fill(f"{cards[0].name}: reliability of {n} forecasts", 70)
    fig.suptitle(f"{title}\nagainst what happened ({observed_path.name})")
    note = "point = one bin of forecasts; its size and n = events in the bin; bar = 95% interval"
    fig.legend(loc="outside lower center", fontsize=8, title=note, title_fontsize=8, frameon=False)
    return fig


@styled
def forecast_figure(cards: Sequence[ScoreCard], observed_path: Path) -> Figure:
    """One row per event: each run's forecast (dot, 95% interval) and what happened (0% or 100%)."""
    keys = sorted(cards[0].events, key=lambda k: (-cards[0].events[k].observed, cards[0].events[k].p))
    fig = Figure(figsize=(8.5, 2.6 + 0.34 * len(keys)), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(keys))
    observed = np.array([cards[0].events[k].observed for k in keys], dtype=float)
    ax.scatter(observed, y, marker="s", s=70, color="black", zorder=4, label="what happened (0% or 100%)")
    offsets = np.linspace(-0.18, 0.18, len(cards)) if len(cards) > 1 else np.zeros(1)
    for i, card in enumerate(cards):
        p = np.array([card.events[k].p if k in card.events else np.nan for k in keys])
        runs = _runs(card)
        if runs:
            bounds = np.array([wilson(round(v * runs), runs) if np.isfinite(v) else (v, v) for v in p])
            err = np.clip(np.vstack([p - bounds[:, 0], bounds[:, 1] - p]), 0, None)
            ax.errorbar(p, y + offsets[i], xerr=err, fmt="none", ecolor=f"C{i}", capsize=2, lw=1)
        label = textwrap.fill(f"{card.name} ({card.run.name}): mean Brier {card.brier:.3f}", 60)
        ax.scatter(p, y + offsets[i], s=36, color=f"C{i}", zorder=5, label=label)
        for row, (v, o) in enumerate(zip(p, observed, strict=True)):
            if np.isfinite(v):  # the miss the Brier score squares
                ax.plot([v, o], [row + offsets[i]] * 2, color=f"C{i}", lw=0.8, alpha=0.35, zorder=1)
    ax.set_yticks(y, _row_labels(cards[0], keys), fontsize=8.5)
    ax.set_ylim(len(keys) - 0.5, -0.5)
    ticks = np.linspace(0, 1, 6)
    ax.set_xticks(ticks, [f"{t:.0%}" for t in ticks])
    ax.set_xlim(-0.04, 1.04)
    ax.grid(axis="x", alpha=0.3)
    ax.set_xlabel("forecast probability (dot; bar: 95% interval) against what happened (square)")
    n = len(keys)
    title = textwrap.fill(f"{cards[0].name}: {n} forecasts of one negotiation", 70)
    fig.suptitle(f"{title}\nagainst what happened ({observed_path.name})", fontsize=11)
    fig.legend(loc="outside lower center", fontsize=8, frameon=False)
    return fig


def _row_labels(card: ScoreCard, keys: Sequence[str]) -> list[str]:
    """Each event in words from the run's scenario (``Russia attends``), the key where the
    scenario cannot be read or has no words for it (the terminal table lists the keys)."""
    from simulator.engine.rundir import read_scenario, read_summary
    from simulator.errors import UserError
    from simulator.scenario.labels import event_label

    try:
        scenario = read_scenario(card.run, (read_summary(card.run).get("scenario") or {}).get("sha256"))
    except (UserError, OSError, ValueError):
        return list(keys)
    words = [event_label(scenario, k) for k in keys]
    return [textwrap.fill(w[:1].upper() + w[1:], 48) for w in words]


def _runs(card: ScoreCard) -> int:
    """The run's number of worlds, for the forecasts' intervals (0 when unknown)."""
    import json

    try:
        runs = json.loads((card.run / "summary.json").read_text(encoding="utf-8")).get("runs", 0)
    except (OSError, ValueError):
        return 0
    return runs if isinstance(runs, int) and not isinstance(runs, bool) and runs > 0 else 0


def write_reliability(cards: Sequence[ScoreCard], observed_path: Path, out: Path | None = None) -> Path:
    """Write the forecast-against-outcome figure to ``out`` (atomically); by default, for a single run, into
    that run's ``figures/reliability.png``. Several runs need ``out``: a figure comparing runs is
    no one run's, and must not appear in that run's report."""
    if out is None:
        if len(cards) > 1:
            raise ValueError("a reliability figure of several runs needs an output path")
        out = cards[0].run / names.png(names.RELIABILITY)
    return save_png(forecast_figure(cards, observed_path), out)
