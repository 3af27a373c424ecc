"""Proper scores for forecasts of a continuous outcome on 0-100 (the DEU benchmark's scale).

A forecast per issue is an ensemble of samples (one per simulated world), a set of quantiles, or a
point. The per-model block of ``benchmark.json`` (:func:`score_samples`, :func:`score_quantiles`,
:func:`score_point`) holds:

- ``mae``: mean absolute error of the forecast's median; ``median_ae``: its median;
- ``crps``: mean continuous ranked probability score (equal to the absolute error for a point);
- ``within10``: share of issues whose median is within 10 points of the outcome (inclusive);
- ``coverage50/80/90``: share of outcomes inside the central 50/80/90% interval (inclusive, since
  outcomes sit on a coarse grid and forecasts may put mass on a point);
- ``n``: issues scored (those with an outcome and a forecast).

Issues with a NaN outcome or a NaN forecast are left out of every score, and ``n`` says how many
remained. :func:`kfold_by_proposal` splits issues for cross-validation without letting the issues
of one proposal (which share actors and bargaining) leak between training and testing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

__all__ = [
    "BLOCK_KEYS",
    "INTERVALS",
    "central_interval",
    "coverage",
    "crps_ensemble",
    "crps_point",
    "crps_quantiles",
    "kfold_by_proposal",
    "pit",
    "score_point",
    "score_quantiles",
    "score_samples",
]

#: Keys of a model's block in ``benchmark.json``, in order.
BLOCK_KEYS = ("mae", "median_ae", "crps", "within10", "coverage50", "coverage80", "coverage90", "n")
#: Central interval probabilities reported as coverage.
INTERVALS = (0.5, 0.8, 0.9)

Block = dict[str, float | int | None]


def crps_point(forecast: np.ndarray, outcome: np.ndarray) -> np.ndarray:
    """CRPS of a point forecast (a point mass): the absolute error ``|x - y|``."""
    out: np.ndarray = np.abs(np.asarray(forecast, float) - np.asarray(outcome, float))
    return out


def crps_ensemble(samples: np.ndarray, outcome: np.ndarray) -> np.ndarray:
    """Per-issue CRPS of an ensemble, ``E|X - y| - 0.5 E|X - X'|`` over the empirical distribution.

    ``samples`` is (issues, m), ``outcome`` (issues,). The pairwise term is computed from the sorted
    samples, ``E|X - X'| = 2 / m^2 * sum_i (2i - m - 1) x_(i)``, so the cost is O(m log m) per issue
    rather than O(m^2). Example: samples [0, 10] and y = 5 give 5 - 0.5 * 5 = 2.5.
    """
    x = np.sort(np.atleast_2d(np.asarray(samples, float)), axis=1)
    y = np.asarray(outcome, float).reshape(-1)
    m = x.shape[1]
    first = np.mean(np.abs(x - y[:, None]), axis=1)
    coef = 2.0 * np.arange(1, m + 1) - m - 1
    pairwise = 2.0 / m**2 * (x @ coef)
    out: np.ndarray = first - 0.5 * pairwise
    return out


def crps_quantiles(quantiles: np.ndarray, levels: Sequence[float], outcome: np.ndarray) -> np.ndarray:
    """Approximate per-issue CRPS from quantiles: twice the mean pinball loss over the levels.

    CRPS equals ``2 * integral of the pinball loss over levels in (0, 1)``; a few levels give a
    coarse quadrature (exact for a point forecast with levels symmetric about 0.5). Prefer
    :func:`crps_ensemble` when samples are at hand. ``quantiles`` is (issues, levels).
    """
    q = np.atleast_2d(np.asarray(quantiles, float))
    tau = np.asarray(levels, float)[None, :]
    diff = np.asarray(outcome, float).reshape(-1, 1) - q
    loss = np.maximum(tau * diff, (tau - 1.0) * diff)
    out: np.ndarray = 2.0 * loss.mean(axis=1)
    return out


def central_interval(samples: np.ndarray, probability: float) -> tuple[np.ndarray, np.ndarray]:
    """Per issue, the central ``probability`` interval of the samples (linear-interpolated quantiles)."""
    x = np.atleast_2d(np.asarray(samples, float))
    tail = round((1.0 - probability) / 2.0, 12)  # 0.1, not 0.09999999999999998, for p = 0.8
    lo, hi = np.quantile(x, [tail, 1.0 - tail], axis=1)
    return lo, hi


def coverage(lower: np.ndarray, upper: np.ndarray, outcome: np.ndarray) -> float:
    """Share of outcomes inside ``[lower, upper]`` (bounds included)."""
    y = np.asarray(outcome, float)
    return float(np.mean((y >= lower) & (y <= upper)))


def pit(samples: np.ndarray, outcome: np.ndarray, seed: int = 0) -> np.ndarray:
    """Randomised probability integral transform of each outcome under its ensemble.

    ``F(y-) + U * (F(y) - F(y-))`` with U uniform (seeded), so that ties and point masses (an
    ensemble that often lands exactly on the outcome) still give uniform PIT values when the
    forecast is calibrated. A histogram far from flat shows bias (sloped) or over/under-confidence.
    """
    x = np.atleast_2d(np.asarray(samples, float))
    y = np.asarray(outcome, float).reshape(-1, 1)
    below = np.mean(x < y, axis=1)
    at_or_below = np.mean(x <= y, axis=1)
    u = np.random.default_rng(seed).uniform(size=len(below))
    return below + u * (at_or_below - below)


def _block(abs_err: np.ndarray, crps: np.ndarray, covered: Mapping[float, np.ndarray]) -> Block:
    n = int(abs_err.size)
    if n == 0:
        return dict.fromkeys(BLOCK_KEYS[:-1], None) | {"n": 0}
    block: Block = {
        "mae": float(np.mean(abs_err)),
        "median_ae": float(np.median(abs_err)),
        "crps": float(np.mean(crps)),
        "within10": float(np.mean(abs_err <= 10.0)),
    }
    for p in INTERVALS:
        block[f"coverage{round(p * 100)}"] = float(np.mean(covered[p]))
    block["n"] = n
    return block


def _ragged(samples: np.ndarray | Sequence[np.ndarray]) -> list[np.ndarray]:
    if isinstance(samples, np.ndarray) and samples.ndim == 2:
        return list(samples)
    return [np.asarray(s, float).reshape(-1) for s in samples]


def score_samples(samples: np.ndarray | Sequence[np.ndarray], outcome: np.ndarray) -> Block:
    """The ``benchmark.json`` block of an ensemble forecast: one sample array per issue.

    ``samples`` is (issues, m) or a sequence of 1-D arrays (lengths may differ). An issue is
    skipped when its outcome is NaN or it has no finite sample; NaN samples are dropped.
    """
    y_all = np.asarray(outcome, float).reshape(-1)
    rows = _ragged(samples)
    if len(rows) != len(y_all):
        raise ValueError(f"{len(rows)} sample arrays for {len(y_all)} outcomes")
    abs_err, crps = [], []
    covered: dict[float, list[bool]] = {p: [] for p in INTERVALS}
    for row, y in zip(rows, y_all, strict=True):
        x = row[np.isfinite(row)]
        if x.size == 0 or np.isnan(y):
            continue
        abs_err.append(abs(float(np.median(x)) - y))
        crps.append(float(crps_ensemble(x[None, :], np.array([y]))[0]))
        for p in INTERVALS:
            lo, hi = central_interval(x[None, :], p)
            covered[p].append(bool(lo[0] <= y <= hi[0]))
    return _block(np.array(abs_err), np.array(crps), {p: np.array(c, bool) for p, c in covered.items()})


def score_point(forecast: np.ndarray, outcome: np.ndarray) -> Block:
    """The block of a point forecast: CRPS = MAE, and coverage the share of exact hits.

    A point forecast is a point mass, so every central interval is the point itself; its coverage
    is reported for completeness and is meaningful only beside probabilistic models.
    """
    x = np.asarray(forecast, float).reshape(-1)
    y = np.asarray(outcome, float).reshape(-1)
    keep = np.isfinite(x) & np.isfinite(y)
    err = np.abs(x[keep] - y[keep])
    return _block(err, err, dict.fromkeys(INTERVALS, err == 0))


def score_quantiles(quantiles: Mapping[float, np.ndarray], outcome: np.ndarray) -> Block:
    """The block of a forecast given as quantiles per issue (``{0.05: array, ..., 0.95: array}``).

    Needs the median (0.5) and both ends of each central interval (0.25/0.75, 0.1/0.9,
    0.05/0.95); CRPS is the pinball approximation of :func:`crps_quantiles` over all levels given.
    """
    levels = sorted(quantiles)
    needed = {0.5} | {round((1 - p) / 2, 10) for p in INTERVALS} | {round((1 + p) / 2, 10) for p in INTERVALS}
    have = {round(level, 10) for level in levels}
    if missing := sorted(needed - have):
        raise ValueError(f"quantiles missing for levels {missing}")
    q = np.column_stack([np.asarray(quantiles[level], float).reshape(-1) for level in levels])
    y = np.asarray(outcome, float).reshape(-1)
    keep = np.all(np.isfinite(q), axis=1) & np.isfinite(y)
    q, y = q[keep], y[keep]
    col = {round(level, 10): i for i, level in enumerate(levels)}
    err = np.abs(q[:, col[0.5]] - y)
    covered = {}
    for p in INTERVALS:
        lo, hi = q[:, col[round((1 - p) / 2, 10)]], q[:, col[round((1 + p) / 2, 10)]]
        covered[p] = (y >= lo) & (y <= hi)
    return _block(err, crps_quantiles(q, levels, y), covered)


def kfold_by_proposal(
    proposals: Sequence[str], k: int = 5, seed: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """K folds of issue indices, every proposal's issues in the same fold: ``[(train, test), ...]``.

    Proposals are shuffled with ``seed`` and dealt to the folds in turn, so folds differ in size
    by at most one proposal. Fit a parameter on ``train``, score it on ``test``, and report the
    pooled test scores: issues of one proposal are not independent, so splitting them would leak.
    """
    unique = sorted(set(proposals))
    if not 2 <= k <= len(unique):
        raise ValueError(f"k must be between 2 and the number of proposals ({len(unique)}), got {k}")
    order = np.random.default_rng(seed).permutation(len(unique))
    fold_of = {unique[j]: i % k for i, j in enumerate(order)}
    labels = np.array([fold_of[p] for p in proposals])
    everything = np.arange(len(labels))
    return [(everything[labels != f], everything[labels == f]) for f in range(k)]
