"""Fair baselines for the DEU benchmark and a paired test of negsim against each.

Why: a probabilistic forecast's CRPS set against a point baseline's (whose CRPS is its absolute
error) flatters the forecast, since any spread at all lowers the CRPS of a point. The fair rivals
are the point baselines made probabilistic the cheapest way: ``compromise + noise`` and ``weighted
median + noise``, the point plus Gaussian noise of one spread ``sd`` (clipped to the 0-100 scale),
``sd`` fitted by CRPS on the training folds of a k-fold split by proposal and scored on the held-out
fold (so each of their scores is cross-validated).

And why paired: the issues are the same for every model, so the question is the mean difference
of their losses issue by issue. Issues of one proposal are not independent (they share actors and
a procedure), so the bootstrap resamples proposals, with replacement, and takes the 2.5% and 97.5%
points of the mean difference (negsim minus the baseline: below 0, negsim is better).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from simulator.analysis.forecast_scores import crps_ensemble, kfold_by_proposal

Array = NDArray[np.float64]

#: The spreads tried for a noise baseline (points on the 0-100 scale).
SD_GRID = tuple(float(s) for s in range(1, 101))
#: Bootstrap resamples of proposals.
REPS = 2000


def _noisy(point: Array, sd: float, z: Array) -> Array:
    """``point`` plus ``sd`` times the common normal draws ``z``, clipped to 0-100, ``(issues, worlds)``."""
    return np.clip(point[:, None] + sd * z[None, :], 0.0, 100.0)


def noise_baseline(
    point: Array, outcome: Array, proposals: Sequence[str], *, k: int = 5, seed: int = 0, worlds: int = 400
) -> tuple[Array, list[float]]:
    """Cross-validated samples ``(issues, worlds)`` of ``point + noise`` and the spread of each fold.

    Issues where the point is NaN get NaN samples (a baseline with nothing to say is not scored).
    """
    point = np.asarray(point, float)
    y = np.asarray(outcome, float)
    z = np.random.default_rng(seed).standard_normal(worlds)
    ok = np.isfinite(point) & np.isfinite(y)
    # Every spread's CRPS on every issue once (the folds only choose among them).
    crps = np.full((len(SD_GRID), y.size), np.nan)
    for g, sd in enumerate(SD_GRID):
        crps[g, ok] = crps_ensemble(_noisy(point[ok], sd, z), y[ok])
    samples = np.full((y.size, worlds), np.nan)
    sds = []
    folds = kfold_by_proposal(list(proposals), k=min(k, len(set(proposals))), seed=seed)
    for train, test in folds:
        rows = train[ok[train]]
        best = int(np.argmin(np.nanmean(crps[:, rows], axis=1))) if rows.size else 0
        sds.append(SD_GRID[best])
        t = test[ok[test]]
        samples[t] = _noisy(point[t], SD_GRID[best], z)
    return samples, sds


def paired_bootstrap(
    loss_a: Array, loss_b: Array, proposals: Sequence[str], *, reps: int = REPS, seed: int = 0
) -> dict[str, Any]:
    """Mean of ``loss_a - loss_b`` over the issues both score, with a 95% interval by resampling
    proposals (issues of a proposal stay together). ``better``: which side the interval excludes 0 for."""
    a, b = np.asarray(loss_a, float), np.asarray(loss_b, float)
    ok = np.isfinite(a) & np.isfinite(b)
    props = np.asarray(list(proposals))[ok]
    d = (a - b)[ok]
    if d.size == 0:
        return {"diff": None, "ci95": [None, None], "n": 0, "proposals": 0, "better": None}
    unique, inverse = np.unique(props, return_inverse=True)
    sums = np.bincount(inverse, weights=d, minlength=unique.size)
    counts = np.bincount(inverse, minlength=unique.size).astype(float)
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, unique.size, size=(reps, unique.size))
    boot = sums[pick].sum(axis=1) / counts[pick].sum(axis=1)
    lo, hi = (float(v) for v in np.quantile(boot, [0.025, 0.975]))
    better = "a" if hi < 0 else "b" if lo > 0 else None
    return {
        "diff": round(float(d.mean()), 4),
        "ci95": [round(lo, 4), round(hi, 4)],
        "n": int(d.size),
        "proposals": int(unique.size),
        "better": better,
    }


def paired_table(
    negsim_median: Array,
    negsim_crps: Array,
    rivals: Mapping[str, tuple[Array, Array]],
    outcome: Array,
    proposals: Sequence[str],
    *,
    seed: int = 0,
) -> dict[str, dict[str, Any]]:
    """negsim against each rival (its point or median, and its per-issue CRPS): paired MAE and CRPS."""
    y = np.asarray(outcome, float)
    mine_ae = np.abs(np.asarray(negsim_median, float) - y)
    out = {}
    for name, (point, crps) in rivals.items():
        out[name] = {
            "mae": paired_bootstrap(mine_ae, np.abs(np.asarray(point, float) - y), proposals, seed=seed),
            "crps": paired_bootstrap(
                np.asarray(negsim_crps, float), np.asarray(crps, float), proposals, seed=seed
            ),
        }
    return out
