"""The timeline figure: how key forecasts moved from one ``--as-of`` date to the next."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.figure import Figure

from simulator.figures.common import percent_axis, styled
from simulator.scenario.labels import event_label

if TYPE_CHECKING:
    from simulator.scenario.schema import Scenario

COLOURS = ("#1a9850", "#4c72b0", "#c44e52", "#dd8452", "#8172b2", "#937860", "#64b5cd", "#8c8c8c")
#: Past eight lines the colours repeat with another dash and marker, so no line is dropped.
STYLES = (("-", "o"), ("--", "s"), (":", "^"), ("-.", "D"))


@styled
def timeline_figure(
    doc: dict[str, Any], keys: list[str] | None = None, scenario: Scenario | None = None
) -> Figure:
    """One line per key event over the as-of dates, with its Wilson 95% interval.

    With the ``scenario`` the legend names each event in words (its party and issue names: ``Russia
    attends``); without it, by its key (``attend.russia``).
    """
    keys = keys or list(doc["key_events"])
    dates = doc["dates"]
    x = np.arange(len(dates))
    fig = Figure(figsize=(11, 5.2), layout="constrained")
    ax = fig.add_subplot()
    for i, key in enumerate(keys):
        rows = doc["events"][key]
        p = np.array([r["p"] for r in rows])
        lo = np.array([r["ci95"][0] for r in rows])
        hi = np.array([r["ci95"][1] for r in rows])
        colour = COLOURS[i % len(COLOURS)]
        ls, marker = STYLES[(i // len(COLOURS)) % len(STYLES)]
        label = key if scenario is None else event_label(scenario, key)
        ax.plot(x, p, ls=ls, marker=marker, color=colour, label=label)
        ax.fill_between(x, lo, hi, color=colour, alpha=0.2, linewidth=0)
    sources = doc.get("sources") or [[] for _ in dates]
    ticks = [
        d.replace("T", "\n") + ("\nnew: " + ", ".join(f"[{s}]" for s in new) if new else "\nno new source")
        for d, new in zip(dates, sources, strict=True)
    ]
    ax.set_xticks(x, ticks, fontsize=8)
    ax.set_xlabel(
        "forecast made as of (UTC): only sources published by then "
        "(new: seeds published since the date before)"
    )
    percent_axis(ax)
    ax.set_ylabel("probability")
    ax.set_title(
        f"{doc['scenario']['name']}\nhow the forecasts moved as news arrived ({doc['runs']:,} worlds each)"
    )
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return fig
