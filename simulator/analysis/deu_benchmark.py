"""The DEU III benchmark: negsim's forecast and the baselines on every issue with an outcome.

``negsim benchmark deu3`` calls :func:`run_benchmark` and writes what it returns: the rows of
``predictions.csv`` (one per issue, negsim's quantiles then the baselines' points) and the blocks
of ``benchmark.json`` (one per model, :data:`~simulator.analysis.forecast_scores.BLOCK_KEYS`).
Issues without an outcome cannot be scored and are skipped (the count is returned).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulator.analysis.deu_baselines import all_baselines
from simulator.analysis.deu_forecast import (
    FITTED,
    FITTED_WEIGHTS,
    ForecastParams,
    IssueInput,
    describe,
    issue_inputs,
    issue_samples,
    load_params,
    load_weights,
    quantile_table,
)
from simulator.analysis.deu_paired import noise_baseline, paired_table
from simulator.analysis.forecast_scores import crps_ensemble, pit, score_point, score_samples
from simulator.engine.executors import local_executor
from simulator.scenario.importers.deu3 import Deu3Dataset, to_arrays

#: The baselines written beside negsim (all point forecasts: one column each).
BASELINE_COLUMNS = ("compromise", "reference_point", "commission", "median_state", "weighted_median")
#: The probabilistic baselines: a point baseline plus Gaussian noise, its spread fitted by CRPS on
#: the training folds (:mod:`simulator.analysis.deu_paired`); scored cross-validated.
NOISE_BASELINES = {"compromise+noise": "compromise", "weighted_median+noise": "weighted_median"}
QUANTILE_COLUMNS = ("median", "mean", "q05", "q10", "q25", "q75", "q90", "q95")


@dataclass
class BenchmarkResult:
    """What the benchmark produced: predictions, scores, and what the figures need."""

    columns: list[str]
    rows: list[dict[str, Any]]
    blocks: dict[str, dict[str, float | int | None]]
    skipped: int
    samples: list[np.ndarray] = field(repr=False)
    outcome: np.ndarray = field(repr=False)
    voting: list[str] = field(repr=False)
    pit: np.ndarray = field(repr=False)
    params: dict[str, object] = field(default_factory=dict)
    #: negsim against each baseline, paired by issue, bootstrapped by proposal (deu_paired).
    paired: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Each noise baseline's fitted spread per fold.
    noise_sd: dict[str, list[float]] = field(default_factory=dict)


def _chunk(
    args: tuple[list[IssueInput], ForecastParams, int, list[int], dict[str, float]],
) -> list[np.ndarray]:
    items, params, worlds, seeds, weights = args
    return [issue_samples(it, params, worlds, s, weights) for it, s in zip(items, seeds, strict=True)]


def run_benchmark(
    dataset: Deu3Dataset,
    *,
    worlds: int = 1000,
    seed: int = 0,
    workers: int = 1,
    params: ForecastParams | None = None,
    weights: dict[str, float] | None = None,
    progress: Callable[[int], None] | None = None,
) -> BenchmarkResult:
    """Forecast every issue with an outcome (``worlds`` each), score it and the baselines.

    ``params`` default to the fitted noise (``deu3_v2.json``), ``weights`` (the model average over
    ``compromise``, ``expected_utility`` and ``nash``) to the fitted ``ensemble_weights_v1.json``.
    """
    from simulator.analysis.deu_forecast import issue_seed

    params = params or load_params()
    weights = weights or load_weights()
    issues = list(dataset.with_outcome())
    items = issue_inputs(dataset, issues)
    seeds = [issue_seed(seed, it.issue) for it in items]
    samples: list[np.ndarray] = []
    size = 10
    chunks = [
        (items[i : i + size], params, worlds, seeds[i : i + size], weights)
        for i in range(0, len(items), size)
    ]
    # The one local pool (simulator.engine.executors): capped at the cores and the chunks, its
    # workers ignore Ctrl-C and die with this process, even after kill -9.
    pool = local_executor(workers, len(chunks))
    if pool is not None:
        try:
            for part in pool.map(_chunk, chunks):
                samples.extend(part)
                if progress:
                    progress(len(part))
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    else:
        for chunk in chunks:
            part = _chunk(chunk)
            samples.extend(part)
            if progress:
                progress(len(part))
    arrays = to_arrays(dataset, issues)
    y = arrays.outcome
    table = quantile_table(samples)
    base = all_baselines(arrays)
    rows = []
    for k, issue in enumerate(issues):
        row: dict[str, Any] = {"issue": issue.issue, "outcome": issue.outcome}
        row.update({c: round(float(table[c][k]), 3) for c in QUANTILE_COLUMNS})
        row.update({b: _num(base[b][k]) for b in BASELINE_COLUMNS})
        rows.append(row)
    blocks: dict[str, dict[str, float | int | None]] = {"negsim": score_samples(samples, y)}
    for name in BASELINE_COLUMNS:
        blocks[name] = score_point(base[name], y)
    props = [i.proposal for i in issues]
    rivals: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    noise_sd: dict[str, list[float]] = {}
    for name, point in NOISE_BASELINES.items():
        if len(set(props)) < 2:
            continue
        noisy, noise_sd[name] = noise_baseline(base[point], y, props, seed=seed)
        blocks[name] = score_samples(list(noisy), y)
        rivals[name] = (
            np.nanmedian(np.where(np.isfinite(noisy), noisy, np.nan), axis=1),
            _crps_rows(noisy, y),
        )
    for name in BASELINE_COLUMNS:
        rivals[name] = (base[name], np.abs(base[name] - y))
    mine = _crps_rows(samples, y)
    paired = paired_table(table["median"], mine, rivals, y, props, seed=seed) if samples else {}
    return BenchmarkResult(
        columns=["issue", "outcome", *QUANTILE_COLUMNS, *BASELINE_COLUMNS],
        rows=rows,
        blocks=blocks,
        skipped=dataset.n_without_outcome,
        samples=samples,
        outcome=y,
        voting=[f"{i.voting_rule}/{i.procedure}" for i in issues],
        pit=pit(np.array([np.asarray(s) for s in samples]), y, seed=seed) if samples else np.empty(0),
        params={"file": FITTED, **describe(params), "members_file": FITTED_WEIGHTS, "members": weights},
        paired=paired,
        noise_sd=noise_sd,
    )


def _crps_rows(samples: list[np.ndarray] | np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-issue CRPS of sample rows (NaN where a row has no finite sample)."""
    out = np.full(len(y), np.nan)
    for k, row in enumerate(samples):
        x = np.asarray(row, float)
        x = x[np.isfinite(x)]
        if x.size and np.isfinite(y[k]):
            out[k] = float(crps_ensemble(x[None, :], y[k : k + 1])[0])
    return out


def _num(value: float) -> float | None:
    return None if not np.isfinite(value) else round(float(value), 3)
