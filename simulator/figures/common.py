"""What every figure shares: the style, the resolution, the atomic writer (PNG, SVG or PDF) and
the labels.

The file format is chosen once per command (``--format png|svg|pdf``) with :func:`figure_format`;
every writer goes through :func:`save_figure`, which swaps the suffix, so no drawing code needs to
know the format.

negsim's matplotlib settings (:func:`style`) hold only while negsim draws: every public drawing
function is wrapped in :func:`styled` and :func:`save_figure` renders inside the same context, so
importing :mod:`simulator.figures` changes nothing in a notebook's own plots.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

import matplotlib
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


def style() -> contextlib.AbstractContextManager[Any]:
    """negsim's matplotlib settings, in force within the block only.

    Every label may hold text a user wrote (scenario and party names), so math text is off:
    ``"Budget $5 vs $10"`` is drawn as written, never parsed as a formula.
    """
    return matplotlib.rc_context({"text.parse_math": False})


def styled[**P, R](draw: Callable[P, R]) -> Callable[P, R]:
    """Run ``draw`` (a function that builds or writes figures) with :func:`style` in force, and
    only then: matplotlib reads a text's settings when the text is made, so the figures keep the
    style after the function returns, while nobody else's plots see it."""

    @functools.wraps(draw)
    def inside(*args: P.args, **kwargs: P.kwargs) -> R:
        with style():
            return draw(*args, **kwargs)

    return inside


def settled(fig: Figure) -> Figure:
    """``fig`` laid out once in :func:`style`, for a figure handed to a caller who draws it later
    (a notebook): the tick labels matplotlib makes only at the first draw are made now, in the
    style (call inside a :func:`styled` function)."""
    fig.draw_without_rendering()
    return fig


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
    with atomic_path(path) as tmp, style():
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
