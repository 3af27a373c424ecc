"""Figures of the DEU benchmark: is the forecast accurate, and are its intervals honest?

Small PNGs, each answering one question: predicted vs actual per issue (accuracy, with the 80%
intervals), the PIT histogram (flat when calibrated; U-shaped when overconfident, hump-shaped when
underconfident), coverage vs nominal (on the diagonal when calibrated), the absolute errors by
voting rule and procedure with 95% intervals (where the model does worse, and whether that is more
than noise), and, given the paired comparison, negsim's difference from each baseline with its 95%
interval (is it better at all?). Nothing here is Istanbul-shaped: no attendance, no threats.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from simulator.figures.common import save_png, styled


@styled
def write_deu3_figures(
    out: Path,
    samples: Sequence[np.ndarray],
    outcome: np.ndarray,
    pit_values: np.ndarray,
    voting: Sequence[str],
    compromise: np.ndarray,
    paired: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Path]:
    """Write the figures into ``out`` and return their paths (``paired.png`` only with ``paired``)."""
    y = np.asarray(outcome, float)
    med = np.array([np.median(s) for s in samples])
    lo = np.array([np.quantile(s, 0.1) for s in samples])
    hi = np.array([np.quantile(s, 0.9) for s in samples])
    paths = []

    fig = Figure(figsize=(4.5, 4.5))
    ax = fig.subplots()
    ax.errorbar(
        y, med, yerr=[med - lo, hi - med], fmt="o", ms=3, alpha=0.5, lw=0.6, label="negsim median, 80%"
    )
    ax.plot(y, compromise, "x", ms=3, color="grey", alpha=0.7, label="compromise")
    ax.plot([0, 100], [0, 100], "k--", lw=0.8)
    ax.set(xlabel="actual outcome", ylabel="forecast", title="Predicted vs actual")
    ax.legend(fontsize=7)
    fig.tight_layout()
    paths.append(save_png(fig, out / "predicted_vs_actual.png"))

    fig = Figure(figsize=(4.5, 3.2))
    ax = fig.subplots()
    ax.hist(pit_values, bins=10, range=(0, 1), edgecolor="white")
    ax.axhline(len(pit_values) / 10, color="k", ls="--", lw=0.8)
    ax.set(xlabel="PIT", ylabel="issues", title="PIT histogram (flat = calibrated)")
    fig.tight_layout()
    paths.append(save_png(fig, out / "pit_histogram.png"))

    nominal = np.linspace(0.1, 0.9, 9)
    observed = []
    for p in nominal:
        a = np.array([np.quantile(s, (1 - p) / 2) for s in samples])
        b = np.array([np.quantile(s, (1 + p) / 2) for s in samples])
        observed.append(float(np.mean((y >= a) & (y <= b))))
    fig = Figure(figsize=(4.0, 4.0))
    ax = fig.subplots()
    ax.plot(nominal, observed, "o-")
    ax.plot([0, 1], [0, 1], "k--", lw=0.8)
    ax.set(xlabel="nominal coverage", ylabel="observed coverage", title="Coverage of central intervals")
    fig.tight_layout()
    paths.append(save_png(fig, out / "coverage.png"))

    groups = sorted(set(voting))
    err = np.abs(med - y)
    cerr = np.abs(np.asarray(compromise, float) - y)
    fig = Figure(figsize=(5.0, 3.2))
    ax = fig.subplots()
    xs = np.arange(len(groups))
    rng = np.random.default_rng(0)
    for shift, e, name in ((-0.2, err, "negsim"), (0.2, cerr, "compromise")):
        means, lows, highs = [], [], []
        for g in groups:
            sub = e[[v == g for v in voting]]
            sub = sub[np.isfinite(sub)]
            m = float(np.mean(sub)) if sub.size else np.nan
            boot = (
                sub[rng.integers(0, sub.size, (1000, sub.size))].mean(axis=1)
                if sub.size
                else np.array([np.nan])
            )
            means.append(m)
            lows.append(m - float(np.quantile(boot, 0.025)))
            highs.append(float(np.quantile(boot, 0.975)) - m)
        ax.bar(xs + shift, means, width=0.4, label=name, yerr=[lows, highs], capsize=2, error_kw={"lw": 0.7})
    counts = [sum(v == g for v in voting) for g in groups]
    ax.set_xticks(xs, [f"{g}\n(n={c})" for g, c in zip(groups, counts, strict=True)])
    ax.set(ylabel="mean absolute error (95% interval)", title="Errors by voting rule / procedure")
    ax.legend(fontsize=7)
    fig.tight_layout()
    paths.append(save_png(fig, out / "errors_by_rule.png"))
    if paired:
        paths.append(_paired_figure(out, paired))
    return paths


def _paired_figure(out: Path, paired: Mapping[str, Mapping[str, Any]]) -> Path:
    """negsim minus each baseline (MAE and CRPS), paired by issue, with bootstrap 95% intervals."""
    names = [n for n in paired if paired[n]["mae"]["diff"] is not None]
    # Constrained layout, and the axis labels on two lines: two panels side by side leave each
    # half the width, where the one-line label ran past the canvas.
    fig = Figure(figsize=(7.5, 0.45 * len(names) + 1.8), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    ys = np.arange(len(names))
    for ax, metric in zip(axes, ("mae", "crps"), strict=True):
        d = np.array([paired[n][metric]["diff"] for n in names], float)
        lo = np.array([paired[n][metric]["ci95"][0] for n in names], float)
        hi = np.array([paired[n][metric]["ci95"][1] for n in names], float)
        ax.errorbar(d, ys, xerr=[d - lo, hi - d], fmt="o", ms=4, capsize=3)
        ax.axvline(0, color="k", lw=0.8, ls="--")
        ax.set(xlabel=f"negsim − baseline, {metric.upper()}\n(< 0: negsim better)")
    axes[0].set_yticks(ys, names)
    axes[0].invert_yaxis()
    fig.suptitle("Paired by issue, 95% intervals by resampling proposals", fontsize=9)
    return save_png(fig, out / "paired.png")
