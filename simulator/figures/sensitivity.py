"""The figures of ``negsim sensitivity``: one bar chart of the ranked indices per event."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from simulator.analysis.rank_stability import RESAMPLES, STABLE_SHARE, TOP_K
from simulator.analysis.sensitivity import (
    SensitivityResult,
)
from simulator.figures.common import save_png, styled, wrap_to
from simulator.scenario.labels import event_label, param_label
from simulator.scenario.schema import Scenario

TOP = 12


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
    labels = [textwrap.shorten(param_label(scenario, p), 56, placeholder="…") for p, _ in shown]
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


#: Parameters shown per event in the stability figure (by median bootstrap rank).
STABILITY_TOP = 6


@styled
def stability_figure(result: SensitivityResult, scenario: Scenario) -> Figure:
    """How often each leading parameter is among the top drivers across bootstrap resamples.

    One panel per event: the parameters with the best median rank, a bar for the share of
    resamples in which each is in the top ``TOP_K``, its median rank and 95% rank interval in
    words, and the ``STABLE_SHARE`` line a driver must reach to be named in the summary."""
    events = [e for e in result.indices if e in result.stability]
    rows = [min(STABILITY_TOP, len(result.stability[e])) for e in events]
    fig = Figure(figsize=(9.5, 1.6 + sum(0.34 * r + 0.75 for r in rows)), layout="constrained")
    axes = fig.subplots(len(events), 1, squeeze=False, height_ratios=[r + 1.5 for r in rows])[:, 0]
    for ax, event, n in zip(axes, events, rows, strict=True):
        ranked = sorted(result.stability[event].items(), key=lambda kv: (kv[1]["rank"], -kv[1]["top_k"]))[:n]
        share = np.array([float(v["top_k"]) for _, v in ranked])
        y = np.arange(n)
        colours = ["#2b6ca3" if s >= STABLE_SHARE else "#bdbdbd" for s in share]
        ax.barh(y, share, height=0.6, color=colours)
        for yi, (_, v), si in zip(y, ranked, share, strict=True):
            lo, hi = v["rank_ci95"]
            words = f"rank {v['rank']:g} (95%: {lo:g}–{hi:g})"
            ax.text(1.02, yi, words, va="center", fontsize=8, transform=ax.get_yaxis_transform())
            if si > 0.08:
                ax.text(si - 0.01, yi, f"{si:.0%}", va="center", ha="right", fontsize=8, color="white")
        ax.axvline(STABLE_SHARE, color="black", ls="--", lw=1)
        ax.set_yticks(
            y,
            [textwrap.shorten(param_label(scenario, p), 48, placeholder="…") for p, _ in ranked],
            fontsize=8,
        )
        ax.set_ylim(n - 0.5, -0.5)
        ax.set_xlim(0, 1)
        ax.set_xticks(np.linspace(0, 1, 6), [f"{t:.0%}" for t in np.linspace(0, 1, 6)], fontsize=8)
        ax.set_title(wrap_to(fig, f"P({event_phrase(scenario, event)})  [{event}]", 9, 0.6), fontsize=9)
        ax.grid(axis="x", alpha=0.3)
        ax.set_axisbelow(True)
    axes[-1].set_xlabel(
        f"share of {RESAMPLES} bootstrap resamples in which the parameter is in the top {TOP_K}"
    )
    method = (
        f"Sobol N={result.design.n}"
        if result.design.method == "sobol"
        else f"Morris, {result.design.n} trajectories"
    )
    title = (
        f"{scenario.name}: how stable the ranking of drivers is ({method})\nblue: stable (in the top "
        f"{TOP_K} in at least {STABLE_SHARE:.0%} of resamples, dashed line); the summary names "
        "no other parameter as a driver"
    )
    fig.suptitle(wrap_to(fig, title, 11), fontsize=11)
    return fig


def write_figures(result: SensitivityResult, scenario: Scenario, out: Path) -> list[Path]:
    """Write ``figures/sensitivity_<event>.png`` for every analysed event into ``out``, and
    ``figures/sensitivity_stability.png`` (how stable each event's ranking of drivers is)."""
    paths = [
        save_png(figure(result, scenario, event), out / "figures" / f"sensitivity_{event}.png")
        for event in result.indices
    ]
    if any(e in result.stability for e in result.indices):
        paths.append(
            save_png(stability_figure(result, scenario), out / "figures" / "sensitivity_stability.png")
        )
    return paths
