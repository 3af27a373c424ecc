"""What every figure shares: the resolution, the atomic PNG writer and the percentage labels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from simulator.storage import atomic_path

DPI = 150


def save_png(fig: Figure, path: Path) -> Path:
    """Save ``fig`` as a PNG at ``path`` atomically (creating its folder), without pyplot state."""
    FigureCanvasAgg(fig)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=DPI)
    return path


def pct(p: float) -> str:
    """A probability as a short percentage that never rounds a rare event to 0% or 100%."""
    from simulator.numbers import pct as _pct

    return _pct(p, 0)


def wrap_to(fig: Figure, text: str, fontsize: float = 10.0, share: float = 0.95) -> str:
    """``text`` wrapped so each line fits ``share`` of the figure's width at ``fontsize`` points
    (an average character is about half its font size wide; a little narrower is kept safe)."""
    import textwrap

    chars = max(20, int(fig.get_figwidth() * 72 * share / (0.56 * fontsize)))
    return "\n".join(textwrap.fill(line, chars) for line in text.split("\n"))


def percent_axis(ax: Any, axis: str = "y") -> None:
    """Label ``axis`` of ``ax`` from 0% to 100% in steps of 20%."""
    ticks = np.linspace(0, 1, 6)
    labels = [f"{t:.0%}" for t in ticks]
    if axis == "y":
        ax.set_ylim(-0.02, 1.02)
        ax.set_yticks(ticks, labels)
    else:
        ax.set_xlim(-0.02, 1.02)
        ax.set_xticks(ticks, labels)
