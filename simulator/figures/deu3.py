"""Figures of the DEU benchmark: is the forecast accurate, and are its intervals honest?

Four small PNGs, each answering one question: predicted vs actual (accuracy, with the 80%
intervals), the PIT histogram (flat when calibrated; U-shaped when overconfident, hump-shaped when
underconfident), coverage vs nominal (on the diagonal when calibrated) and the absolute errors by
voting rule and procedure (where the model does worse).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from simulator.figures.common import save_png


def write_deu3_figures(
    out: Path,
    samples: Sequence[np.ndarray],
    outcome: np.ndarray,
    pit_values: np.ndarray,
    voting: Sequence[str],
    compromise: np.ndarray,
) -> list[Path]:
    """Write the four figures into ``out`` and return their paths."""
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
    for shift, e, name in ((-0.2, err, "negsim"), (0.2, cerr, "compromise")):
        means = [float(np.nanmean(e[[v == g for v in voting]])) for g in groups]
        ax.bar(xs + shift, means, width=0.4, label=name)
    counts = [sum(v == g for v in voting) for g in groups]
    ax.set_xticks(xs, [f"{g}\n(n={c})" for g, c in zip(groups, counts, strict=True)])
    ax.set(ylabel="mean absolute error", title="Errors by voting rule / procedure")
    ax.legend(fontsize=7)
    fig.tight_layout()
    paths.append(save_png(fig, out / "errors_by_rule.png"))
    return paths
