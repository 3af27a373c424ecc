"""The figures of ``negsim sensitivity``: one bar chart of the ranked indices per event."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from simulator.analysis.sensitivity import (
    SensitivityResult,
)
from simulator.figures.common import save_png, styled, wrap_to
from simulator.scenario.labels import event_label
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
    return event_label(scenario, key)


@styled
def figure(result: SensitivityResult, scenario: Scenario, event: str) -> Figure:
    """Ranked horizontal bars of the parameters whose index clears the noise floor, with intervals.

    Only what clears the floor is drawn; when nothing does, the figure says so in words. A Sobol
    index is a share of variance: bars stop at 1 and an estimate above 1 is labelled as error."""
    sobol = result.design.method == "sobol"
    clear = result.clear(event)
    shown = clear[:TOP]
    floor = result.floor(event)
    share = result.noise[event].get("share")
    n_params = len(result.design.parameters)
    fig = Figure(figsize=(9.5, 2.6 + 0.42 * max(len(shown), 3)), layout="constrained")
    ax = fig.add_subplot()
    title = f"{scenario.name}: what drives P({event_phrase(scenario, event)})  [{event}]"
    fig.suptitle(wrap_to(fig, title, 12))
    method = (
        f"Sobol indices, N={result.design.n}"
        if sobol
        else f"Morris screening, {result.design.n} trajectories"
    )
    crn = ", common random numbers" if result.crn else ""
    work = (
        f"{result.design.rows:,} parameter sets × {result.replicates} worlds{crn} = {result.worlds:,} worlds"
    )
    if not shown:
        ax.set_axis_off()
        noise = f" (replicate noise is {share:.0%} of its variance)" if share else ""
        ax.text(
            0.5,
            0.5,
            wrap_to(
                fig,
                f"No parameter clears the noise floor{noise}: none of the {n_params} uncertain "
                "parameters can be told apart from chance at this sample size. Raise --replicates or "
                "--n, or add --crn.",
                11,
                0.85,
            ),
            ha="center",
            va="center",
            fontsize=11,
            transform=ax.transAxes,
        )
        ax.set_title(wrap_to(fig, f"{method}; {work}", 9), fontsize=9)
        return fig
    labels = [textwrap.shorten(short_label(p), 56, placeholder="…") for p, _ in shown]
    y = np.arange(len(shown))
    if sobol:
        h = 0.38
        for k, colour, text in (
            ("ST", "#2b6ca3", "total effect ST (alone and through interactions)"),
            ("S1", "#9ecae1", "first-order effect S1 (alone)"),
        ):
            v = np.array([d[k] or 0.0 for _, d in shown])
            err = np.array([d[f"{k}_conf"] or 0.0 for _, d in shown])
            off = -h / 2 if k == "ST" else h / 2
            ax.barh(y + off, np.clip(v, 0, 1), height=h, color=colour, label=text)
            ax.errorbar(np.clip(v, 0, 1), y + off, xerr=err, fmt="none", ecolor="black", capsize=3, lw=1)
            for yi, vi in zip(y + off, v, strict=True):
                if vi > 1:
                    ax.text(
                        0.98,
                        yi,
                        f"estimated {vi:.2f} (>1: sampling error)",
                        ha="right",
                        va="center",
                        fontsize=8,
                        color="white",
                    )
        ax.errorbar([], [], xerr=[], fmt="none", ecolor="black", capsize=3, label="95% bootstrap interval")
        ax.set_xlim(0, 1.05)
        xlabel = "Sobol index: share of the variance of P(event) due to the parameter (at most 1)"
    else:
        v = np.array([d["mu_star"] or 0.0 for _, d in shown])
        err = np.array([d["mu_star_conf"] or 0.0 for _, d in shown])
        ax.barh(y, v, height=0.6, color="#2b6ca3", label="mu*: mean absolute effect")
        ax.errorbar(v, y, xerr=err, fmt="none", ecolor="black", capsize=3, lw=1, label="95% interval of mu*")
        sigma = np.array([d["sigma"] or 0.0 for _, d in shown])
        ax.plot(sigma, y, "D", color="#e6550d", ms=5, label="sigma: spread of effects (interactions)")
        ax.set_xlim(left=min(0.0, ax.get_xlim()[0]))
        xlabel = "change in P(event) when the parameter moves across its distribution (quantile 0 → 1)"
    if floor:
        what = "ST" if sobol else "mu*"
        ax.axvline(floor, color="grey", ls="--", lw=1, label=f"noise floor (in every {what})")
    # Wrapped to half the figure: the axes sit right of long labels, and their text is centred on them.
    ax.set_xlabel(wrap_to(fig, xlabel, 10, 0.5))
    ax.set_yticks(y, labels)
    ax.set_ylim(len(shown) - 0.5, -0.5)
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    sub = (
        f"{method}; the {len(shown)} of {n_params} uncertain parameters that clear the noise floor"
        f"{'' if len(shown) == len(clear) else f' (of {len(clear)} that do)'}; {work}"
    )
    ax.set_title(wrap_to(fig, sub, 9, 0.5), fontsize=9)
    handles, names = ax.get_legend_handles_labels()
    rank = ("total", "mu*", "first", "sigma", "95%", "noise")
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
