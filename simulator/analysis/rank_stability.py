"""How stable a sensitivity analysis's ranking of drivers is: bootstrap intervals on the ranks.

The driver ranking changes with N (issue #22: at N=512 one red line ranked first, at N=128
another), and the indices' own intervals do not say how often the *order* holds. So the sample is
resampled: Sobol's N base rows (each with its D+2 rows: A, the D mixed rows AB_j, and B) or
Morris's N trajectories (each D+1 rows), with replacement, ``RESAMPLES`` times; each resample's
total index (Jansen's estimator, the one SALib uses) or mu* is computed and the parameters ranked.
Per parameter: the median rank, the 95% interval of its rank, and the share of resamples in which it
is among the top ``TOP_K``. A driver is *stable* when that share is at least ``STABLE_SHARE``; the
summary names only stable drivers and says so when a large index is not stable at this N.

Example:
    >>> stability(design, design.sample(), y)["parties.russia.outside_option"]  # doctest: +SKIP
    {'rank': 1.0, 'rank_ci95': [1.0, 2.0], 'top_k': 0.99}
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from simulator.analysis.design import Design

#: Bootstrap resamples of the sample's base rows (Sobol) or trajectories (Morris).
RESAMPLES = 200
#: "Top drivers": a parameter's rank is counted as in the top this many.
TOP_K = 3
#: A driver is stable when it is in the top ``TOP_K`` in at least this share of the resamples.
STABLE_SHARE = 0.9


def statistic_per_unit(design: Design, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What each resampling unit (a Sobol base row, a Morris trajectory) contributes, per parameter.

    Returns ``(terms, scale)``: for Sobol, ``terms[i, j] = (A_i - AB_ij)^2 / 2`` and ``scale[i] =
    (A_i, B_i)`` (the variance is of the resampled A and B together); for Morris, ``terms[i, j] =
    |elementary effect of parameter j on trajectory i|`` and ``scale`` empty.
    """
    d = len(design.parameters)
    y = np.asarray(y, dtype=float)
    if design.method == "sobol":
        step = d + 2
        a, b = y[0::step], y[step - 1 :: step]
        ab = np.stack([y[j + 1 :: step] for j in range(d)], axis=1)
        return 0.5 * (a[:, None] - ab) ** 2, np.stack([a, b], axis=1)
    n = len(y) // (d + 1)
    xs = np.asarray(x, dtype=float)[: n * (d + 1)].reshape(n, d + 1, d)
    dx = np.diff(xs, axis=1)  # (n, d steps, d parameters): each step moves one parameter
    moved = np.abs(dx).argmax(axis=2)  # (n, d): which parameter each step moved
    dy = np.diff(y[: n * (d + 1)].reshape(n, d + 1), axis=1)
    step_dx = np.take_along_axis(dx, moved[:, :, None], axis=2)[:, :, 0]
    effects = np.zeros((n, d))
    np.put_along_axis(effects, moved, np.abs(dy / np.where(step_dx == 0, np.nan, step_dx)), axis=1)
    return np.nan_to_num(effects), np.empty((n, 0))


def bootstrap_indices(
    design: Design, x: np.ndarray, y: np.ndarray, resamples: int = RESAMPLES, seed: int = 0
) -> np.ndarray:
    """``(resamples, parameters)``: the total index (Sobol) or mu* (Morris) of each resample."""
    terms, scale = statistic_per_unit(design, x, y)
    n = terms.shape[0]
    rng = np.random.default_rng(np.random.SeedSequence([seed, 2]))
    idx = rng.integers(0, n, size=(resamples, n))
    means = terms[idx].mean(axis=1)  # (resamples, parameters)
    if design.method != "sobol":
        return means
    var = scale[idx].reshape(resamples, -1).var(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nan_to_num(means / var[:, None])


def ranks(values: np.ndarray) -> np.ndarray:
    """Rank 1 = largest, along the last axis (ties broken by order)."""
    return (-values).argsort(axis=-1, kind="stable").argsort(axis=-1, kind="stable") + 1


def stability(
    design: Design,
    x: np.ndarray,
    y: np.ndarray,
    *,
    resamples: int = RESAMPLES,
    k: int = TOP_K,
    seed: int | None = None,
) -> dict[str, dict[str, float | list[float]]]:
    """Per parameter: median rank, 95% interval of the rank and share of resamples in the top ``k``."""
    boot = bootstrap_indices(design, x, y, resamples, design.seed if seed is None else seed)
    r = ranks(boot)
    # Ranks are whole numbers: quantiles that are ranks some resample took, not interpolations.
    lo, mid, hi = np.quantile(r, [0.025, 0.5, 0.975], axis=0, method="inverted_cdf")
    top = (r <= k).mean(axis=0)
    return {
        p: {
            "rank": float(mid[j]),
            "rank_ci95": [float(lo[j]), float(hi[j])],
            "top_k": round(float(top[j]), 4),
        }
        for j, p in enumerate(design.parameters)
    }


def stable(entry: dict[str, float | list[float]] | None) -> bool:
    """Whether a parameter's rank is stable (unknown, as in an older sensitivity.json: yes)."""
    if entry is None:
        return True
    share = entry["top_k"]
    return isinstance(share, float | int) and share >= STABLE_SHARE
