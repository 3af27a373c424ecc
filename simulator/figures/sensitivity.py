"""The figures of ``negsim sensitivity``: one bar chart of the ranked indices per event."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from simulator.analysis.sensitivity import (
    SensitivityResult,
)
from simulator.figures.common import save_png
from simulator.scenario.schema import Scenario

TOP = 12


def short_label(path: str) -> str:
    """A readable parameter label: ``russia · attendance.legitimacy_cost``."""
    head, _, rest = path.partition(".")
    if head in ("parties", "threats", "pressures"):
        owner, _, name = rest.partition(".")
        kind = {"parties": "", "threats": "threat ", "pressures": "pressure "}[head]
        return f"{kind}{owner} · {name}"
    return f"{head} · {rest}" if rest else path


def event_phrase(scenario: Scenario, key: str) -> str:
    """An event key in words, for figure titles (``attend.russia`` -> ``Russia attends``)."""
    head, _, rest = key.partition(".")

    def name(pid: str) -> str:
        return scenario.parties[pid].name if pid in scenario.parties else pid

    if head == "attend":
        return f"{name(rest)} attends"
    if head == "level":
        pid, _, level = rest.rpartition(".")
        return f"{name(pid)} sends its leader" if level == "leader" else f"{name(pid)} sends: {level}"
    if head == "agreement":
        return "anything is agreed" if rest == "any" else f"{scenario.issues[rest].name} agreed"
    if head == "sanctions":
        return f"{name(rest)} imposes new sanctions"
    phrases = {"talks.direct": "direct talks are held", "talks.leaders": "the leaders meet"}
    return phrases.get(key, key)


def figure(result: SensitivityResult, scenario: Scenario, event: str) -> Figure:
    """Ranked horizontal bars of the top parameters' indices for one event, with intervals."""
    ranked = result.ranked(event)[:TOP]
    labels = [textwrap.shorten(short_label(p), 56, placeholder="…") for p, _ in ranked]
    y = np.arange(len(ranked))
    fig = Figure(figsize=(9.5, 2.4 + 0.42 * len(ranked)), layout="constrained")
    ax = fig.add_subplot()
    noise = result.noise[event]
    if result.design.method == "sobol":
        h = 0.38
        for k, colour, text in (
            ("ST", "#2b6ca3", "total effect ST (alone and through interactions)"),
            ("S1", "#9ecae1", "first-order effect S1 (alone)"),
        ):
            v = np.array([d[k] or 0.0 for _, d in ranked])
            err = np.array([d[f"{k}_conf"] or 0.0 for _, d in ranked])
            off = -h / 2 if k == "ST" else h / 2
            ax.barh(y + off, v, height=h, color=colour, label=text)
            ax.errorbar(v, y + off, xerr=err, fmt="none", ecolor="black", capsize=3, lw=1)
        ax.errorbar([], [], xerr=[], fmt="none", ecolor="black", capsize=3, label="95% bootstrap interval")
        floor = noise.get("share")
        ax.set_xlabel("Sobol index: share of the variance of P(event) due to the parameter")
        method = f"Sobol indices, N={result.design.n}"
    else:
        v = np.array([d["mu_star"] or 0.0 for _, d in ranked])
        err = np.array([d["mu_star_conf"] or 0.0 for _, d in ranked])
        ax.barh(y, v, height=0.6, color="#2b6ca3", label="mu*: mean absolute effect")
        ax.errorbar(v, y, xerr=err, fmt="none", ecolor="black", capsize=3, lw=1, label="95% interval of mu*")
        sigma = np.array([d["sigma"] or 0.0 for _, d in ranked])
        ax.plot(sigma, y, "D", color="#e6550d", ms=5, label="sigma: spread of effects (interactions)")
        floor = noise.get("mu_star_floor")
        ax.set_xlabel("change in P(event) when the parameter moves across its distribution (quantile 0 → 1)")
        method = f"Morris screening, {result.design.n} trajectories"
    if floor:
        what = "ST" if result.design.method == "sobol" else "mu*"
        ax.axvline(floor, color="grey", ls="--", lw=1, label=f"replicate-noise level (added to every {what})")
    ax.set_yticks(y, labels)
    ax.set_ylim(len(ranked) - 0.5, -0.5)
    ax.set_xlim(left=min(0.0, ax.get_xlim()[0]))
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    title = f"{scenario.name}: what drives P({event_phrase(scenario, event)})  [{event}]"
    fig.suptitle(textwrap.fill(title, 90))
    sub = (
        f"{method}; the {len(ranked)} most influential of {len(result.design.parameters)} uncertain "
        f"parameters; {result.design.rows:,} parameter sets × {result.replicates} worlds = "
        f"{result.worlds:,} worlds"
    )
    ax.set_title(textwrap.fill(sub, 95), fontsize=9)
    handles, names = ax.get_legend_handles_labels()
    rank = ("total", "mu*", "first", "sigma", "95%", "replicate")
    order = sorted(range(len(names)), key=lambda i: [names[i].startswith(r) for r in rank].index(True))
    fig.legend(
        [handles[i] for i in order],
        [names[i] for i in order],
        loc="outside lower center",
        ncols=2,
        frameon=False,
        fontsize=9,
    )
    return fig


def write_figures(result: SensitivityResult, scenario: Scenario, out: Path) -> list[Path]:
    """Write ``figures/sensitivity_<event>.png`` for every analysed event into ``out``."""
    return [
        save_png(figure(result, scenario, event), out / "figures" / f"sensitivity_{event}.png")
        for event in result.indices
    ]
