"""An ensemble run's figure: each protocol's key probabilities beside the model average's."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

from simulator.figures.common import styled
from simulator.scenario import events as ke

#: The events compared, when the run produced them (walk-outs only under protocols that have them).
KEY_FAMILIES = (ke.TALKS_DIRECT, ke.TALKS_LEADERS, *ke.AGREEMENTS, ke.SANCTIONS, ke.WALKOUT, ke.OUTCOME)


@styled
def protocols_figure(summary: dict[str, Any]) -> Figure:
    """Grouped horizontal bars: per key event, each member's probability and the average's.

    Args:
        summary: A ``summary.json`` with ``stats.by_protocol`` (an ensemble run).

    Returns:
        The figure (draw it on an Agg canvas to save it).
    """
    members: dict[str, Any] = summary["stats"][ke.BY_PROTOCOL.key()]
    series = {f"{k} ({v['share']:.0%} of worlds)": v["events"] for k, v in members.items()}
    series["model average"] = summary["events"]
    keys: list[str] = []
    for ev in [summary["events"], *(m["events"] for m in members.values())]:
        keys += [k for k in ke.select(ev, *KEY_FAMILIES) if k not in keys]
    fig = Figure(figsize=(9, 0.45 * len(keys) * (1 + 0.15 * len(series)) + 1.5))
    ax = fig.add_subplot()
    height = 0.8 / len(series)
    colours = [colormaps["tab10"](i) for i in range(len(series) - 1)] + ["black"]
    y = np.arange(len(keys))[::-1]
    for i, ((label, ev), colour) in enumerate(zip(series.items(), colours, strict=True)):
        p = np.array([ev[k]["p"] if k in ev else np.nan for k in keys])
        ci = np.array([ev[k]["ci95"] if k in ev else [np.nan, np.nan] for k in keys], dtype=float)
        pos = y + 0.4 - (i + 0.5) * height
        ax.barh(pos, np.nan_to_num(p), height=height, color=colour, label=label)
        err = np.clip(np.vstack([p - ci[:, 0], ci[:, 1] - p]), 0, None)
        ax.errorbar(p, pos, xerr=np.nan_to_num(err), fmt="none", ecolor="0.3", capsize=2, lw=0.8)
    ax.set_yticks(y, keys)
    ax.set_xlim(0, 1)
    ax.set_xlabel("probability (95% interval); a missing bar: the protocol has no such event")
    ax.set_title(f"{summary['scenario']['name']}\nProtocols and their average ({summary['runs']:,} worlds)")
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    return fig
