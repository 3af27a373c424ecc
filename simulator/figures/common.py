"""What every figure shares: the resolution, the atomic writer (PNG, SVG or PDF) and the labels.

The file format is chosen once per command (``--format png|svg|pdf``) with :func:`figure_format`;
every writer goes through :func:`save_figure`, which swaps the suffix, so no drawing code needs to
know the format.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from simulator.figures import names
from simulator.storage import atomic_path

DPI = 150
FigureFormat = Literal["png", "svg", "pdf"]
FORMATS: tuple[FigureFormat, ...] = ("png", "svg", "pdf")
assert FORMATS == names.FORMATS
_FORMAT: contextvars.ContextVar[FigureFormat] = contextvars.ContextVar("figure_format", default="png")


@contextlib.contextmanager
def figure_format(fmt: FigureFormat) -> Iterator[None]:
    """Within the block, :func:`save_figure` writes ``fmt`` files (the CLI's ``--format``)."""
    token = _FORMAT.set(fmt)
    try:
        yield
    finally:
        _FORMAT.reset(token)


def save_figure(fig: Figure, path: Path) -> Path:
    """Save ``fig`` at ``path`` atomically (creating its folder), without pyplot state, in the
    format :func:`figure_format` chose (``path``'s suffix is replaced to match); returns the path."""
    fmt = _FORMAT.get()
    path = path.with_suffix(f".{fmt}")
    FigureCanvasAgg(fig)
    with atomic_path(path) as tmp:
        # SVG and PDF keep text as text; metadata without a date keeps the files reproducible.
        meta: dict[str, None] = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt, {})
        fig.savefig(tmp, format=fmt, dpi=DPI, metadata=meta)
    return path


#: The name the figure modules used before ``--format``; the format follows :func:`figure_format`.
save_png = save_figure


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
