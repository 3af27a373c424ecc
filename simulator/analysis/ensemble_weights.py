"""Fitting the model average's member weights by a proper score (CRPS), cross-validated by proposal.

The ensemble (``protocol.kind: ensemble``) forecasts with the mixture ``F = sum_m w_m F_m`` of its
members' predictive distributions. Its CRPS on an outcome ``y`` is quadratic in the weights::

    CRPS(F, y) = E_F|X - y| - 0.5 E_FxF|X - X'| = sum_m w_m a_m - 0.5 sum_{m,l} w_m w_l B_ml,

with ``a_m = E|X_m - y|`` and ``B_ml = E|X_m - X_l|`` (independent draws, computed exactly from the
members' samples in O(s log s)). ``B`` is conditionally negative definite (the energy distance is
non-negative), so the mean CRPS over issues is convex on the simplex: :func:`fit_simplex` finds
its exact minimum by solving the stationarity conditions on every face (a handful of members: at
most ``2^M - 1`` small linear systems). Deterministic: no optimiser, no random start.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from simulator.analysis.deu_forecast import (
    FITTED,
    ForecastParams,
    IssueInput,
    fitted_record,
    forecast,
    issue_inputs,
    issue_seed,
    load_params,
    member_samples,
)
from simulator.analysis.deu_members import EUM_ROUNDS, MEMBERS
from simulator.analysis.forecast_scores import kfold_by_proposal, score_samples
from simulator.scenario.importers.deu3 import read_deu3

Array = NDArray[np.float64]

__all__ = [
    "SHRINKAGE",
    "crps_terms",
    "cv_weights",
    "fit_deu3_weights",
    "fit_shrunk",
    "fit_simplex",
    "mean_abs_diff",
    "mixture_crps",
    "shrunk",
]


def mean_abs_diff(x: Array, y: Array) -> float:
    """``E|X - Y|`` over every pair of samples of ``x`` and ``y`` (sorting, O(s log s))."""
    ys = np.sort(np.asarray(y, float))
    cum = np.concatenate([[0.0], np.cumsum(ys)])
    xv = np.asarray(x, float)
    k = np.searchsorted(ys, xv, side="right")
    below = xv * k - cum[k]
    above = (cum[-1] - cum[k]) - xv * (ys.size - k)
    return float((below + above).sum() / (xv.size * ys.size))


def crps_terms(samples: Mapping[str, Array], outcome: float, members: Sequence[str]) -> tuple[Array, Array]:
    """``a`` (M,) and ``B`` (M, M) of one issue from each member's samples (see the module docstring)."""
    xs = [np.asarray(samples[m], float) for m in members]
    a = np.array([float(np.mean(np.abs(x - outcome))) for x in xs])
    b = np.zeros((len(xs), len(xs)))
    for i, j in itertools.combinations_with_replacement(range(len(xs)), 2):
        b[i, j] = b[j, i] = mean_abs_diff(xs[i], xs[j])
    return a, b


def mixture_crps(weights: Array, a: Array, b: Array) -> Array:
    """CRPS of the mixture with ``weights`` given the terms (``a`` (..., M), ``b`` (..., M, M))."""
    w = np.asarray(weights, float)
    return np.asarray(a @ w - 0.5 * np.einsum("...ij,i,j->...", b, w, w))


def fit_simplex(a: Array, b: Array, tol: float = 1e-12) -> Array:
    """Weights on the simplex minimising ``a.w - 0.5 w'Bw`` (mean terms over issues), exactly.

    For every face (subset of members) the stationary point of the objective under
    ``sum w = 1`` solves a small KKT system (least squares when it is singular); feasible ones
    (all weights >= 0) are compared and the lowest wins, ties going to the smaller face listed
    first (vertices first, in member order). Convexity makes this the global minimum.
    """
    m = a.size
    best_w, best_f = np.eye(m)[0], np.inf
    for size in range(1, m + 1):
        for face in itertools.combinations(range(m), size):
            idx = np.array(face)
            k = idx.size
            kkt = np.zeros((k + 1, k + 1))
            kkt[:k, :k] = -b[np.ix_(idx, idx)]
            kkt[:k, k] = 1.0
            kkt[k, :k] = 1.0
            rhs = np.concatenate([-a[idx], [1.0]])
            sol = np.linalg.lstsq(kkt, rhs, rcond=None)[0][:k]
            if np.any(sol < -1e-10) or abs(sol.sum() - 1.0) > 1e-8:
                continue
            w = np.zeros(m)
            w[idx] = np.clip(sol, 0.0, None)
            w /= w.sum()
            f = float(mixture_crps(w, a, b))
            if f < best_f - tol:
                best_w, best_f = w, f
    out: NDArray[np.float64] = best_w
    return out


def cv_weights(a: Array, b: Array, folds: Sequence[tuple[Array, Array]]) -> list[Array]:
    """The weights fitted on each fold's training issues (``a`` (N, M), ``b`` (N, M, M))."""
    return [fit_simplex(a[train].mean(axis=0), b[train].mean(axis=0)) for train, _ in folds]


#: Shrinkage toward equal weights tried by :func:`fit_shrunk` (0: the CRPS fit, 1: equal weights).
SHRINKAGE = (0.0, 0.25, 0.5, 0.75, 1.0)


def shrunk(fit: Array, lam: float) -> Array:
    """``lam`` equal weights + ``(1 - lam)`` the fit."""
    return lam / fit.size + (1.0 - lam) * fit


def fit_shrunk(
    a: Array, b: Array, proposals: Sequence[str], k: int, seed: int, grid: Sequence[float] = SHRINKAGE
) -> tuple[Array, float]:
    """The CRPS fit shrunk toward equal weights by the amount that forecasts best out of fold.

    ``lam`` is picked by ``k``-fold cross-validation by proposal on these issues (exact mixture
    CRPS, pooled over the folds; ties go to more shrinkage, i.e. toward the stated assumption);
    the weights are then the fit on all of them, shrunk by ``lam``. Returns ``(weights, lam)``.
    """
    n_props = len(set(proposals))
    full = fit_simplex(a.mean(axis=0), b.mean(axis=0))
    if n_props < 2:
        return shrunk(full, 1.0), 1.0
    folds = kfold_by_proposal(list(proposals), k=min(k, n_props), seed=seed)
    fits = cv_weights(a, b, folds)
    score = np.zeros(len(grid))
    for (_, test), w in zip(folds, fits, strict=True):
        for g, lam in enumerate(grid):
            score[g] += float(np.sum(mixture_crps(shrunk(w, lam), a[test], b[test])))
    best = max(range(len(grid)), key=lambda g: (-round(float(score[g]), 9), grid[g]))
    return shrunk(full, grid[best]), float(grid[best])


def fold_noise_params(path: Path, k: int, seed: int) -> list[ForecastParams] | None:
    """The noise parameters fitted on each fold's training issues, when the stored fit used the
    same folds of the same file (``deu3_v2.json``: 5 folds by proposal, seed 0, train.tsv), else None."""
    record = fitted_record(FITTED)
    chosen = record.get("cv_chosen_per_fold")
    same_file = str(record.get("fitted_on", "")).startswith("benchmarks/data/deu3/train.tsv")
    if not isinstance(chosen, list) or len(chosen) != k or seed != 0 or not same_file:
        return None
    if path.name != "train.tsv":
        return None
    return [ForecastParams(**c) for c in chosen]


def fit_deu3_weights(
    path: Path, *, worlds: int = 1000, seed: int = 0, k: int = 5, label: str | None = None
) -> dict[str, Any]:
    """Fit the member weights on the DEU file ``path``; the record stored in the fitted file.

    Each member (:data:`~simulator.analysis.deu_members.MEMBERS`) is simulated under the fitted
    noise (:data:`~simulator.analysis.deu_forecast.FITTED`) on common random numbers; the weights
    are :func:`fit_shrunk`'s on all issues; ``k`` folds by proposal (seed ``seed``) give the
    cross-validated scores of the whole procedure (fit and shrinkage nested), beside equal weights
    and every member alone.

    No leak: in each fold the members are simulated under the noise parameters fitted on that
    fold's training issues only (:func:`fold_noise_params`, the stored fit's per-fold picks on the
    same folds), not under the parameters fitted on every issue. Where the stored folds do not
    apply (another file, ``k`` or seed) the shipped parameters are used in every fold and the
    record says the cross-validated scores are optimistic.
    """
    dataset = read_deu3(path)
    issues = list(dataset.with_outcome())
    items = issue_inputs(dataset, issues)
    y = np.array([i.outcome for i in issues], float)
    params = load_params()

    def terms_under(p: ForecastParams) -> tuple[Array, Array]:
        terms = [
            crps_terms(member_samples(it, p, worlds, issue_seed(seed, it.issue))[0], t, MEMBERS)
            for it, t in zip(items, y, strict=True)
        ]
        return np.array([t[0] for t in terms]), np.array([t[1] for t in terms])

    a, b = terms_under(params)
    props = [i.proposal for i in issues]
    folds = kfold_by_proposal(props, k=k, seed=seed)
    per_fold_params = fold_noise_params(path, k, seed)
    leak_free = per_fold_params is not None
    fold_params = per_fold_params or [params] * len(folds)
    fold_terms = [terms_under(p) if p != params else (a, b) for p in fold_params]
    fitted = [
        fit_shrunk(fa[tr], fb[tr], [props[j] for j in tr], k, seed)
        for (tr, _), (fa, fb) in zip(folds, fold_terms, strict=True)
    ]
    per_fold = [w for w, _ in fitted]
    shipped, lam = fit_shrunk(a, b, props, k, seed)
    raw = fit_simplex(a.mean(axis=0), b.mean(axis=0))
    equal = np.full(len(MEMBERS), 1.0 / len(MEMBERS))

    def named(w: np.ndarray) -> dict[str, float]:
        return {m: round(float(v), 4) for m, v in zip(MEMBERS, w, strict=True)}

    # Cross-validated samples: each fold's test issues forecast with the weights of the others.
    pooled: list[np.ndarray] = [np.empty(0)] * len(items)
    exact_cv = np.empty(len(items))
    for (_, test), w, p, (fa, fb) in zip(folds, per_fold, fold_params, fold_terms, strict=True):
        for j, s in zip(test, forecast([items[j] for j in test], p, worlds, seed, named(w)), strict=True):
            pooled[j] = s
        exact_cv[test] = mixture_crps(w, fa[test], fb[test])
    scores = {
        "fitted_cv": score_samples(pooled, y),
        "equal": _scores(items, y, params, worlds, seed, named(equal)),
    }
    for m in MEMBERS:
        scores[m] = _scores(items, y, params, worlds, seed, {m: 1.0})
    scores["fitted_in_sample"] = _scores(items, y, params, worlds, seed, named(shipped))
    return {
        "version": 1,
        "name": "deu3_v1",
        "weights": {**{m: float(v) for m, v in zip(MEMBERS, shipped, strict=True)}, "single_text": 0.0},
        "shrinkage": lam,
        "crps_fit_unshrunk": named(raw),
        "members": list(MEMBERS),
        "fitted_on": f"{label or path.name} (training half only: {len(set(props))} proposals, "
        f"{len(issues)} scored issues)",
        "data_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "method": (
            "weights on the simplex minimising the mean CRPS of the mixture of the members' predictive "
            "distributions (exact, simulator.analysis.ensemble_weights.fit_simplex), shrunk toward equal "
            f"weights by the amount in {list(SHRINKAGE)} that scores best in an inner {k}-fold "
            "cross-validation by proposal (fit_shrunk; ties toward equal); each member is its "
            f"protocol core (simulator.analysis.deu_members, EUM {EUM_ROUNDS} rounds, Nash "
            f"disagreement 0) under the noise of {FITTED}, {worlds} worlds per issue, common random "
            f"numbers, seed {seed}. Cross-validation: {k} folds by proposal (kfold_by_proposal, seed "
            f"{seed}); the weights fitted (fit and shrinkage, nested) on the other folds forecast each "
            "fold, the members simulated under the noise parameters fitted on the same other folds "
            + (
                "(the stored per-fold picks of the noise fit: no leak). "
                if leak_free
                else "(not available for these folds: the shipped noise parameters, fitted on every "
                "issue, so the cross-validated scores are optimistic). "
            )
            + "Shipped: the same procedure on all training issues. single_text "
            "is a two-principal package procedure with no DEU counterpart: weight 0 (not identified)."
        ),
        "noise_params_file": FITTED,
        "folds": k,
        "seed": seed,
        "worlds": worlds,
        "cv_noise_params": "fitted per fold (no leak)"
        if leak_free
        else "shipped, fitted on every issue (leaks)",
        "cv_weights_per_fold": [named(w) for w in per_fold],
        "cv_shrinkage_per_fold": [lam_f for _, lam_f in fitted],
        "crps_exact": {
            "fitted_cv": float(exact_cv.mean()),
            "fitted_in_sample": float(mixture_crps(shipped, a, b).mean()),
            "unshrunk_fit_in_sample": float(mixture_crps(raw, a, b).mean()),
            "equal": float(mixture_crps(equal, a, b).mean()),
            **{m: float(a[:, i].mean() - 0.5 * b[:, i, i].mean()) for i, m in enumerate(MEMBERS)},
        },
        "scores": scores,
    }


def _scores(
    items: list[IssueInput],
    y: Array,
    params: ForecastParams,
    worlds: int,
    seed: int,
    weights: dict[str, float],
) -> dict[str, float | int | None]:
    return score_samples(forecast(items, params, worlds, seed, weights), y)
