"""The figures of ``negsim sweep``: lines (one parameter), heat maps (two), scatter panels (LHS),
and for a Latin hypercube a two-parameter view coloured by each event's rate in bins."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from simulator.analysis.sweep import (
    MAX_PANELS,
    ParamRange,
    SweepResult,
    column,
)
from simulator.figures import pairs
from simulator.figures.common import pct, percent_axis, save_png, styled, wrap_to
from simulator.scenario.labels import event_label, param_label

if TYPE_CHECKING:
    from simulator.scenario.schema import Scenario


def axis_label(path: str, scenario: Scenario | None) -> str:
    """A swept parameter in words with its ``--set`` path below in brackets (the path alone
    without the scenario): ``Russia: Ceasefire red line`` over
    ``(parties.russia.positions.ceasefire.red_line)``, as the pairs figure of a run labels them."""
    return path if scenario is None else f"{param_label(scenario, path)}\n({path})"


def _event(key: str, scenario: Scenario | None) -> str:
    return key if scenario is None else event_label(scenario, key)


@styled
def sweep_figure(
    table: pa.Table,
    ranges: Sequence[ParamRange],
    events: Sequence[str],
    *,
    name: str,
    runs: int,
    lhs: bool,
    scenario: Scenario | None = None,
) -> Figure:
    """A line plot (one parameter), heat maps (two) or scatter panels (Latin hypercube).

    With the swept ``scenario`` the axes name the parameters and events in words (its party and
    issue names), each parameter's path beneath; without it, by their paths and keys.
    """
    how = f"{runs:,} worlds per point, the same random numbers at every point"
    if lhs:
        what = f"Latin hypercube of {table.num_rows} points over {len(ranges)} parameters"
        return _scatter(table, ranges, events, f"{name}: key events over a {what}\n{how}", scenario)
    words = [r.key if scenario is None else param_label(scenario, r.key) for r in ranges]
    if len(ranges) == 1:
        title = f"{name}: key events as {words[0]} varies\n{how}"
        return _lines(table, ranges[0], events, title, scenario)
    return _heatmaps(table, ranges, events, f"{name}: key events over {' × '.join(words)}\n{how}", scenario)


def _lines(
    table: pa.Table, r: ParamRange, events: Sequence[str], title: str, scenario: Scenario | None = None
) -> Figure:
    fig = Figure(figsize=(9, 6.2), layout="constrained")
    ax = fig.add_subplot()
    x = column(table, r.key)
    # Distinct dashes and markers keep events that coincide (often: equal probabilities) visible.
    styles = [("-", "o", 7), ("--", "s", 6), (":", "^", 5), ("-.", "D", 4), ((0, (5, 1)), "v", 4)]
    for i, k in enumerate(events):
        ls, marker, ms = styles[i % len(styles)]
        # Wrapped to a legend column's width: an event in words can be longer than its key.
        label = wrap_to(fig, _event(k, scenario), 10, 0.3)
        line = ax.plot(x, column(table, k), ls=ls, marker=marker, ms=ms, mfc="none", lw=1.8, label=label)[0]
        lo, hi = column(table, f"ci95_lo:{k}"), column(table, f"ci95_hi:{k}")
        ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.2, lw=0)
    ax.fill_between([], [], [], color="grey", alpha=0.2, lw=0, label="95% interval")
    percent_axis(ax)
    ax.set_xlabel(axis_label(r.key, scenario))
    ax.set_ylabel("probability (share of worlds)")
    ax.grid(alpha=0.3)
    fig.suptitle(wrap_to(fig, title, 12))
    fig.legend(
        loc="outside lower center", ncols=3, frameon=False, title="event (lines that coincide overlap)"
    )
    return fig


def _heatmaps(
    table: pa.Table,
    ranges: Sequence[ParamRange],
    events: Sequence[str],
    title: str,
    scenario: Scenario | None = None,
) -> Figure:
    rx, ry = ranges
    xs, ys = rx.values(), ry.values()
    shown = list(events)[:MAX_PANELS]
    cols = min(2, len(shown))
    rows = -(-len(shown) // cols)
    fig = Figure(figsize=(5.2 * cols + 1.2, 4.4 * rows + 0.8), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    mesh = None
    annotate = len(xs) <= 8 and len(ys) <= 8
    for ax, k in zip(axes, shown, strict=False):
        # Rows of the table run over x (slowest) then y, so reshape to (x, y) and transpose.
        z = column(table, k).reshape(len(xs), len(ys)).T
        mesh = ax.pcolormesh(_edges(xs), _edges(ys), z, vmin=0, vmax=1, cmap="viridis")
        if annotate:
            for (j, i), v in np.ndenumerate(z):
                ax.text(
                    xs[i],
                    ys[j],
                    pct(v),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if v < 0.6 else "black",
                )
        if len(xs) <= 12 and len(ys) <= 12:
            ax.set_xticks(xs, [f"{v:g}" for v in xs])
            ax.set_yticks(ys, [f"{v:g}" for v in ys])
        ax.set_title(wrap_to(fig, _event(k, scenario), 11, 0.9 / cols), fontsize=11)
        ax.set_xlabel(axis_label(rx.key, scenario))
        ax.set_ylabel(axis_label(ry.key, scenario))
    for ax in axes[len(shown) :]:
        ax.set_axis_off()
    if mesh is not None:
        bar = fig.colorbar(mesh, ax=list(axes[: len(shown)]), shrink=0.9)
        bar.set_label("probability")
    fig.suptitle(wrap_to(fig, title, 12))
    return fig


def _edges(values: Sequence[float]) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    if v.size == 1:
        return np.array([v[0] - 0.5, v[0] + 0.5])
    mid = (v[1:] + v[:-1]) / 2
    return np.concatenate([[2 * v[0] - mid[0]], mid, [2 * v[-1] - mid[-1]]])


def _scatter(
    table: pa.Table,
    ranges: Sequence[ParamRange],
    events: Sequence[str],
    title: str,
    scenario: Scenario | None = None,
) -> Figure:
    shown, params = list(events)[:MAX_PANELS], list(ranges)[:MAX_PANELS]
    fig = Figure(figsize=(max(8.0, 3.6 * len(params) + 1.2), 2.8 * len(shown) + 1.6), layout="constrained")
    axes = fig.subplots(len(shown), len(params), squeeze=False, sharey="row")
    for i, k in enumerate(shown):
        y = column(table, k)
        lo, hi = column(table, f"ci95_lo:{k}"), column(table, f"ci95_hi:{k}")
        for j, r in enumerate(params):
            ax = axes[i, j]
            x = column(table, r.key)
            ax.errorbar(x, y, yerr=[y - lo, hi - y], fmt="none", ecolor=f"C{i}", alpha=0.35, lw=1)
            ax.scatter(x, y, s=14, alpha=0.8, color=f"C{i}")
            # Scaled to the data: a 0-6% agreement signal on a 0-100% axis is a flat line.
            top, bottom = float(np.nanmax(hi)), float(np.nanmin(lo))
            pad = max(0.005, 0.05 * (top - bottom))
            ax.set_ylim(max(-0.01, bottom - pad), min(1.01, top + pad))
            ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1 if top - bottom < 0.1 else 0))
            ax.grid(alpha=0.3)
            if i == len(shown) - 1:
                ax.set_xlabel(wrap_to(fig, axis_label(r.key, scenario), 10, 0.9 / len(params)), fontsize=10)
            if j == 0:
                ax.set_ylabel(f"P({k})", fontsize=10)
    fig.suptitle(wrap_to(fig, title + "; bars: 95% interval of each point", 12))
    return fig


@styled
def pairs_figure(
    result: SweepResult, events: Sequence[str], scenario: Scenario | None = None
) -> Figure | None:
    """A Latin hypercube's two first parameters against each other, each point's event rate
    colour-coded in bins (:mod:`simulator.figures.pairs`); ``None`` for a grid or one parameter
    (a grid of two is already drawn as heat maps)."""
    if not result.lhs or len(result.ranges) < 2:
        return None
    rx, ry = result.ranges[0], result.ranges[1]
    x, y = column(result.table, rx.key), column(result.table, ry.key)
    panels = [
        pairs.Panel(
            x,
            y,
            column(result.table, k),
            axis_label(rx.key, scenario),
            axis_label(ry.key, scenario),
            _event(k, scenario),
            colour_label=f"P({k}), bin mean",
        )
        for k in list(events)[:MAX_PANELS]
    ]
    n = result.table.num_rows
    wx, wy = (r.key if scenario is None else param_label(scenario, r.key) for r in (rx, ry))
    title = (
        f"{result.name}: key events over {wx} × {wy}\n{n} Latin-hypercube points in "
        f"{pairs.bins_for(n)} × {pairs.bins_for(n)} bins, {result.runs:,} worlds each; colours span "
        "each panel's own range"
    )
    return pairs.pairs_figure(panels, title)


def write_figures(
    result: SweepResult, out: Path, events: Sequence[str], scenario: Scenario | None = None
) -> list[Path]:
    """Write ``figures/sweep.png`` of ``events`` into ``out`` (atomically), and for a Latin
    hypercube of two or more parameters ``figures/sweep_pairs.png``; with the base ``scenario``
    their axes name parameters and events in words."""
    fig = sweep_figure(
        result.table,
        result.ranges,
        events,
        name=result.name,
        runs=result.runs,
        lhs=result.lhs,
        scenario=scenario,
    )
    paths = [save_png(fig, out / "figures" / "sweep.png")]
    pair = pairs_figure(result, events, scenario)
    if pair is not None:
        paths.append(save_png(pair, out / "figures" / "sweep_pairs.png"))
    return paths
