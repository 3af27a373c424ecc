"""Where the chance of agreement went: the zone at the start, what was lost from it, and when deals came.

Drawn for a run whose protocol records how its talks ended (``offers``, the default): the
``zone_path.*`` events read as a funnel (talks held, a zone of agreement at the start, less what
was lost from it at ratification, to the breakdown hazard, to walk-outs, at the last round or in an
impasse, leaves the agreements), and ``rounds_to_agreement.*`` as the distribution of the round in
which the agreements came. Both come from ``summary.json`` only. Why a funnel: a reader asking "why
so little agreement?" needs to see whether the zone was missing or was there and lost, and to what.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from simulator.numbers import pct
from simulator.scenario import events as ke

#: The losses from the zone, in the order drawn (largest first in a typical run), with their words.
LOSSES = {
    "ratification": "lost at ratification\n(a leader refused the deal)",
    "hazard": "lost to the breakdown hazard",
    "walkout": "lost to a walk-out",
    "deadline": "lost at the last round",
    "impasse": "lost in an impasse",
}
ZONE_COLOUR, LOSS_COLOUR, AGREED_COLOUR, GREY = "#8172b2", "#c44e52", "#1a9850", "#bbbbbb"


def has_funnel(summary: dict[str, Any]) -> bool:
    """Whether the run recorded the zone paths (``zone_path.*``: the ``offers`` protocol)."""
    return ke.ZONE_PATH.key("agreed") in summary["events"]


def agreement_figure(summary: dict[str, Any], title: str) -> Figure:
    """The funnel from the zone of agreement to the agreements, and the round they came in."""
    ev = summary["events"]

    def p(key: str) -> float:
        return float(ev[key]["p"]) if key in ev else 0.0

    held = 1.0 - p(ke.ZONE_PATH.key("no_talks"))
    zone = held - p(ke.ZONE_PATH.key("no_zone"))
    agreed = p(ke.ZONE_PATH.key("agreed"))
    fig = Figure(figsize=(11, 4.2), layout="constrained")
    ax, rounds_ax = fig.subplots(1, 2, width_ratios=[1.6, 1.0])
    rows: list[tuple[str, float, float, str]] = [  # label, start, width, colour
        ("talks held", 0.0, held, GREY),
        ("a zone of agreement at the start\n(some package worth no deal to both)", 0.0, zone, ZONE_COLOUR),
    ]
    level = zone
    for end, words in LOSSES.items():
        lost = p(ke.ZONE_PATH.key(end))
        rows.append((words, level - lost, lost, LOSS_COLOUR))
        level -= lost
    rows.append(("agreed", 0.0, agreed, AGREED_COLOUR))
    y = np.arange(len(rows))
    for yi, (_, start, width, colour) in zip(y, rows, strict=True):
        ax.barh(yi, width, left=start, color=colour, height=0.6)
        x = start + width
        words = pct(width) if colour != LOSS_COLOUR else (f"−{pct(width)}" if width > 0 else "none")
        ax.text(x + 0.01, yi, words, va="center", fontsize=9)
    for yi in y[2:-1]:  # a thin line carries the running total from one step to the next
        ax.plot([rows[yi][1]] * 2, [yi - 1 + 0.3, yi - 0.3], color="#666666", lw=0.8)
    ax.set_yticks(y, [r[0] for r in rows], fontsize=9)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    top = max(held, 1e-9)
    ax.set_xlim(0, min(1.0, top * 1.18 + 0.02))
    ax.set_xlabel("share of worlds")
    ax.xaxis.set_major_formatter(lambda v, _pos: f"{v:.0%}")
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    ax.set_title("from the zone of agreement to a deal", fontsize=10)
    _rounds(rounds_ax, ev, agreed)
    fig.suptitle(title)
    return fig


def _rounds(ax: Any, ev: dict[str, Any], agreed: float) -> None:
    """The round the agreements came in, as shares of the worlds that agreed."""
    keys = sorted(ke.select(ev, ke.ROUNDS_TO_AGREEMENT, dated=False), key=lambda k: int(k.rsplit(".", 1)[1]))
    rounds = [int(k.rsplit(".", 1)[1]) for k in keys]
    share = np.array([ev[k]["p"] for k in keys], dtype=float) / agreed if agreed > 0 else np.zeros(len(keys))
    ax.bar(rounds, share, color=AGREED_COLOUR, width=0.6)
    for r, s in zip(rounds, share, strict=True):
        ax.text(r, s + 0.02, pct(s), ha="center", fontsize=9)
    ax.set_xticks(rounds)
    ax.set_ylim(0, 1.12)
    ax.yaxis.set_major_formatter(lambda v, _pos: f"{v:.0%}")
    ax.set_xlabel("round of the meeting")
    ax.set_ylabel("share of the agreements")
    ax.set_title("when the agreements came" if agreed > 0 else "no agreement in any world", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
