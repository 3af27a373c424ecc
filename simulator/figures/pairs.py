"""Two parameters at once: an event's rate over a grid of bins, colour-coded (a 2-D binned mean).

One-at-a-time scatters hide what two conditions do together, and a 0–100% axis flattens a rare
event (an agreement at 0–6% is a flat line at the bottom). Here x and y are two parameters, each
bin of the plane is coloured by the event's mean over the points (sweep rows) or worlds (a run's
draws) that fall in it, and both the axes and the colour scale are the data's own: the axes span
the values drawn, the colours the lowest to the highest bin rate.

Used by ``negsim sweep --sample lhs`` (``figures/sweep_pairs.png``), ``negsim discover`` (the
box's two first parameters, the box drawn on top: ``figures/discovery_pair.png``) and the Python
API (``results.plot.pair(x, y, event)``).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import PercentFormatter

from simulator.figures.common import pct, settled, styled, wrap_to

#: Bins per axis, at most; fewer when there are few points (about MIN_PER_BIN in each bin).
MAX_BINS = 12
#: Up to this many bins per axis, each bin's rate is also written in it.
ANNOTATE_BINS = 6
#: A bin holding fewer points than this is left blank (grey): its mean would be noise.
MIN_PER_BIN = 3
#: The same for a run's worlds, where each point is a yes or a no, not a rate.
MIN_WORLDS_PER_BIN = 20


@dataclass(frozen=True)
class Panel:
    """One panel: ``value`` (a rate in [0, 1]) at points ``(x, y)``, with the axes' labels."""

    x: np.ndarray
    y: np.ndarray
    value: np.ndarray
    xlabel: str
    ylabel: str
    title: str
    #: The colour bar's label (what the bin mean is a rate of).
    colour_label: str = "rate (bin mean)"
    #: Limits to draw as a rectangle ``(x_low, x_high, y_low, y_high)`` (a discovery box).
    box: tuple[float, float, float, float] | None = None
    #: A bin with fewer points than this is left blank; what a point is, in words.
    min_count: int = MIN_PER_BIN
    unit: str = "points"


def bins_for(n: int, min_count: int = MIN_PER_BIN) -> int:
    """Bins per axis for ``n`` points: about ``4 * min_count`` points a bin, 3 to ``MAX_BINS``."""
    return int(np.clip(np.sqrt(n / (4 * min_count)), 3, MAX_BINS))


def binned_mean(
    x: np.ndarray, y: np.ndarray, value: np.ndarray, bins: int, min_count: int = MIN_PER_BIN
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The mean of ``value`` in each of ``bins`` × ``bins`` equal bins spanning the data.

    Returns the x edges, y edges, the means (shape ``(bins_y, bins_x)``, NaN where a bin holds
    fewer than ``min_count`` points) and the counts.
    """
    x, y, value = (np.asarray(a, dtype=float) for a in (x, y, value))
    keep = np.isfinite(x) & np.isfinite(y) & np.isfinite(value)
    x, y, value = x[keep], y[keep], value[keep]
    xe = _edges(x, bins)
    ye = _edges(y, bins)
    counts, _, _ = np.histogram2d(x, y, bins=[xe, ye])
    sums, _, _ = np.histogram2d(x, y, bins=[xe, ye], weights=value)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(counts >= min_count, sums / np.maximum(counts, 1), np.nan)
    return xe, ye, mean.T, counts.T


def _edges(v: np.ndarray, bins: int) -> np.ndarray:
    lo, hi = (float(v.min()), float(v.max())) if v.size else (0.0, 1.0)
    if hi <= lo:  # one value: a bin of width 1 around it
        lo, hi = lo - 0.5, hi + 0.5
    return np.linspace(lo, hi, bins + 1)


@styled
def pairs_figure(panels: Sequence[Panel], title: str) -> Figure:
    """The panels side by side (two a row), each with its own colour bar scaled to its bins."""
    cols = min(2, len(panels))
    rows = -(-len(panels) // cols)
    fig = Figure(figsize=(5.6 * cols + 0.6, 4.6 * rows + 1.0), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, panel in zip(axes, panels, strict=False):
        _draw(fig, ax, panel)
    for ax in axes[len(panels) :]:
        ax.set_axis_off()
    fig.suptitle(wrap_to(fig, title, 11), fontsize=11)
    return fig


def _draw(fig: Figure, ax: Axes, panel: Panel) -> None:
    xe, ye, mean, _ = binned_mean(
        panel.x, panel.y, panel.value, bins_for(len(panel.x), panel.min_count), panel.min_count
    )
    finite = mean[np.isfinite(mean)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if hi - lo < 1e-9:
        lo, hi = max(0.0, lo - 0.005), min(1.0, hi + 0.005)
    ax.set_facecolor("#e6e6e6")  # bins with too few points show as grey
    mesh = ax.pcolormesh(xe, ye, np.ma.masked_invalid(mean), cmap="viridis", vmin=lo, vmax=hi)
    fmt = PercentFormatter(1.0, decimals=_decimals(hi - lo))
    bar = fig.colorbar(mesh, ax=ax, shrink=0.9, format=fmt)
    bar.set_label(wrap_to(fig, panel.colour_label, 9, 0.4), fontsize=9)
    if panel.box is not None:  # said in the title: "dashed red: the box"
        x0, x1, y0, y1 = panel.box
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="#d62728", lw=2.2, ls="--"))
    if mean.shape[0] <= ANNOTATE_BINS:  # few bins: each one's rate in words as well
        cmap, norm = mesh.get_cmap(), mesh.norm
        for (j, i), v in np.ndenumerate(mean):
            if np.isfinite(v):
                light = sum(cmap(norm(v))[:3]) > 1.8
                cx, cy = (xe[i] + xe[i + 1]) / 2, (ye[j] + ye[j + 1]) / 2
                ax.text(
                    cx, cy, pct(v), ha="center", va="center", fontsize=8, color="black" if light else "white"
                )
    ax.set_xlim(xe[0], xe[-1])
    ax.set_ylim(ye[0], ye[-1])
    width = 0.8 / min(2, _columns(fig))
    xlabel = wrap_to(fig, panel.xlabel, 9, width)
    blank = int(np.isnan(mean).sum())
    if blank:  # said under the axis, where it cannot sit on a dark bin
        xlabel += (
            f"\ngrey: {blank} bin{'s' if blank != 1 else ''} with fewer than {panel.min_count} {panel.unit}"
        )
    ax.set_xlabel(xlabel, fontsize=9)
    # The y label runs up the panel: wrapped to the panel's height, not the figure's width.
    chars = max(20, int(fig.get_figheight() * 72 * 0.8 / max(1, len(fig.axes) // 4 + 1) / (0.56 * 9)))
    ax.set_ylabel("\n".join(textwrap.fill(line, chars) for line in panel.ylabel.split("\n")), fontsize=9)
    ax.set_title(wrap_to(fig, panel.title, 10, width), fontsize=10)


def _columns(fig: Figure) -> int:
    """Panels in a row of ``fig`` (its width says: one or two)."""
    return 2 if fig.get_figwidth() > 8 else 1


def _decimals(span: float) -> int:
    """Decimals of the colour bar's percentages: enough to tell a 0–6% scale's steps apart."""
    return 0 if span >= 0.2 else 1 if span >= 0.02 else 2


@styled
def run_pair_figure(
    run: Path,
    x: str,
    y: str,
    event: str,
    box: tuple[float, float, float, float] | None = None,
) -> Figure:
    """Two drawn parameters of a finished run against each other, each bin coloured by the share
    of its worlds where ``event`` happened.

    Args:
        run: A ``negsim run`` output folder.
        x, y: Two parameters' ``--set`` paths (parameters drawn from a distribution).
        event: An event key of the run (``agreement.ceasefire``).
        box: Limits to outline, ``(x_low, x_high, y_low, y_high)`` (a discovery box).

    Raises:
        UserError: ``x`` or ``y`` is not a parameter the run drew, or ``event`` not an event of it.
    """
    from simulator.analysis.discovery import run_worlds
    from simulator.errors import UserError
    from simulator.scenario.labels import event_label, param_label

    scenario, params, happened = run_worlds(run, event)
    drawn = sorted(p for p, v in params.items() if np.ptp(v) > 0)
    for path in (x, y):
        if path not in drawn:
            import difflib

            close = difflib.get_close_matches(path, drawn, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f" (drawn: {', '.join(drawn[:8])}, ...)"
            raise UserError(f"'{path}' is not a parameter this run drew from a distribution{hint}")
    n = len(happened)
    label = event_label(scenario, event)
    panel = Panel(
        params[x],
        params[y],
        happened.astype(float),
        f"{param_label(scenario, x)}\n({x})",
        f"{param_label(scenario, y)}\n({y})",
        label + ("; dashed red: the discovery box" if box is not None else ""),
        colour_label=f"share of worlds where {event} happens (bin mean)",
        box=box,
        min_count=MIN_WORLDS_PER_BIN,
        unit="worlds",
    )
    bins = bins_for(n, MIN_WORLDS_PER_BIN)
    title = (
        f"{scenario.name}\n{label} over two parameters: {n:,} worlds in {bins} × {bins} bins; "
        f"colours span the bins' own range (over all worlds: {pct(float(happened.mean()))})"
    )
    return settled(pairs_figure([panel], title))  # drawn once in the style: a notebook shows it later
