"""The figures of ``negsim discover``: PRIM's peeling trajectory and the chosen box's limits.

- ``discovery_trajectory``: every box PRIM peeled, coverage (share of the event's worlds inside)
  against density (the event's share inside), coloured by how many parameters it limits; the
  chosen box is ringed, CART's densest leaf is a cross, and the event's share over all worlds is a
  dashed line. The density axis is scaled to the data, so a rare event's gain stays visible.
- ``discovery_box``: one row per limited parameter (by its label, with its ``--set`` path in small
  type): the range the scenario states in grey, the PRIM box's limits as a thick bar, CART's as a
  thin one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

from simulator.analysis.discovery import DiscoveryResult, Limit
from simulator.figures.common import save_figure, styled, wrap_to
from simulator.numbers import pct


def write_figures(result: DiscoveryResult, out: Path) -> list[Path]:
    """Write the trajectory (when PRIM ran) and box figures into ``out/figures/``, and, for a box
    that limits two parameters or more of a run, the two first against each other with the box
    outlined (``discovery_pair``, :func:`simulator.figures.pairs.run_pair_figure`)."""
    paths = [save_figure(box_figure(result), out / "figures" / "discovery_box.png")]
    if result.trajectory:
        paths.insert(0, save_figure(trajectory_figure(result), out / "figures" / "discovery_trajectory.png"))
    run = (result.scenario or {}).get("run")
    if run and len(result.box.limits) >= 2:
        from simulator.figures.pairs import run_pair_figure

        a, b = result.box.limits[:2]
        fig = run_pair_figure(Path(run), a.path, b.path, result.event, box=(a.low, a.high, b.low, b.high))
        paths.append(save_figure(fig, out / "figures" / "discovery_pair.png"))
    return paths


@styled
def trajectory_figure(result: DiscoveryResult) -> Figure:
    """Coverage against density along PRIM's trajectory, the chosen box ringed."""
    fig = Figure(figsize=(8.5, 5.6), layout="constrained")
    ax = fig.add_subplot()
    steps = result.trajectory
    cov = np.array([s.coverage for s in steps])
    dens = np.array([s.density for s in steps])
    res = np.array([s.restricted for s in steps])
    cmap = colormaps["viridis"]
    top = max(int(res.max()), 1)
    for r in sorted(set(res.tolist())):
        sel = res == r
        ax.scatter(
            cov[sel],
            dens[sel],
            s=22,
            color=cmap(r / top),
            label=f"{r} parameter{'s' if r != 1 else ''} limited",
        )
    ax.axhline(
        result.base_rate, color="#777777", ls="--", lw=1, label=f"in all worlds ({pct(result.base_rate)})"
    )
    if result.chosen is not None:
        c = steps[result.chosen]
        ax.scatter(
            [c.coverage],
            [c.density],
            s=160,
            facecolors="none",
            edgecolors="#c44e52",
            lw=2,
            label=f"chosen box: coverage {pct(c.coverage)}, density {pct(c.density)}",
        )
    prim = result.box if result.box.method == "prim" else result.other
    if prim is not None and result.chosen is not None:
        # The chosen box after dropping limits chance could explain (quasi-p > 0.05).
        ax.scatter(
            [prim.coverage],
            [prim.density],
            s=50,
            marker="D",
            color="#c44e52",
            label="chosen box, limits that pass the test",
        )
    cart = result.box if result.box.method == "cart" else result.other
    if cart is not None:
        ax.scatter(
            [cart.coverage],
            [cart.density],
            s=70,
            marker="x",
            color="black",
            label=f"CART's densest leaf ({pct(cart.density)})",
        )
    ys = [*dens.tolist(), result.base_rate] + ([cart.density] if cart is not None else [])
    ax.set_ylim(0, min(1.0, max(ys) * 1.12 + 0.01))
    ax.set_xlim(min(cov.min(), cart.coverage if cart else 1.0) - 0.03, 1.02)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
    ax.set_xlabel("coverage: share of the worlds where it happens that lie inside the box")
    ax.set_ylabel("density: share of the box's worlds where it happens")
    ax.grid(alpha=0.3)
    title = f"Where does it happen? {result.label}  [{result.event}]"
    fig.suptitle(wrap_to(fig, title, 12), fontsize=12)
    ax.set_title(
        f"PRIM's peeling trajectory over {result.worlds:,} worlds ({result.event_worlds:,} where it happens)",
        fontsize=9,
    )
    fig.legend(loc="outside lower center", ncols=2, fontsize=8, frameon=False)
    return fig


@styled
def box_figure(result: DiscoveryResult) -> Figure:
    """Each limited parameter's box limits against the range the scenario states."""
    boxes = [b for b in (result.box, result.other) if b is not None]
    paths: list[str] = []
    for b in boxes:
        paths += [lim.path for lim in b.limits if lim.path not in paths]
    rows = max(len(paths), 1)
    fig = Figure(figsize=(9.5, 2.4 + 0.62 * rows), layout="constrained")
    ax = fig.add_subplot()
    inside, everywhere = pct(result.box.density), pct(result.base_rate)
    title = f"{result.label}  [{result.event}]: {inside} inside the box, {everywhere} in all worlds"
    fig.suptitle(wrap_to(fig, title, 11), fontsize=11)
    if not paths:
        ax.axis("off")
        ax.text(
            0.5,
            0.5,
            wrap_to(fig, result.sentence(), 10),
            ha="center",
            va="center",
            fontsize=10,
            transform=ax.transAxes,
        )
        return fig
    styles = {"prim": ("#c44e52", 9, 0.0), "cart": ("#333333", 3, -0.28)}
    labels = []
    for i, path in enumerate(paths):
        y = rows - 1 - i
        rng: Limit | None = None
        for b in boxes:
            for lim in b.limits:
                if lim.path == path:
                    rng = lim
                    colour, width, dy = styles[b.method]
                    ax.plot([lim.low, lim.high], [y + dy] * 2, color=colour, lw=width, solid_capstyle="butt")
                    ax.text(lim.high, y + dy, f" {lim.high:.3g}", va="center", fontsize=7, color=colour)
                    ax.text(
                        lim.low, y + dy, f"{lim.low:.3g} ", va="center", ha="right", fontsize=7, color=colour
                    )
        assert rng is not None
        lo, hi = rng.range
        ax.plot([lo, hi], [y, y], color="#dddddd", lw=14, solid_capstyle="butt", zorder=0)
        labels.append(result.labels.get(path, path))
        # The --set path in small grey type under the label: what to type for a what-if.
        ax.annotate(
            path,
            (0, y),
            xycoords=ax.get_yaxis_transform(),
            xytext=(-6, -4),
            textcoords="offset points",
            ha="right",
            va="top",
            fontsize=6.5,
            color="#666666",
        )
    ax.set_yticks(range(rows - 1, -1, -1), labels, va="bottom")
    for tick in ax.get_yticklabels():
        tick.set_fontsize(9)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(-0.8, rows - 0.3)
    ax.set_xlabel("parameter value (grey: the range the scenario states)")
    ax.grid(axis="x", alpha=0.3)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    handles = [ax.plot([], [], color=styles[b.method][0], lw=styles[b.method][1] / 1.5)[0] for b in boxes]
    names = [
        f"{b.method.upper()}: {pct(b.density)} inside, "
        f"holds {pct(b.coverage)} of the cases, {pct(b.mass)} of worlds"
        for b in boxes
    ]
    fig.legend(handles, names, loc="outside lower center", ncols=1, fontsize=8, frameon=False)
    return fig
