"""The literature's baseline forecasts of DEU outcomes, one point forecast per issue.

A model that simulates the negotiation is only worth its cost if it beats these. All functions take
arrays of shape (issues, actors) with NaN for an actor without a position (see
:class:`~simulator.scenario.importers.deu3.Deu3Arrays`) and return one forecast per issue on the 0-100 scale,
NaN where a baseline has nothing to say (no reference point, no Commission position, ...).

Weights: an actor's weight is its capability (line 2 of the file) times its salience, the product
used by the compromise model (Achen 2006; Thomson et al. 2006). An empty salience counts as 0, so
an actor with a position but no recorded salience does not pull the forecast. With this reading
the compromise model reproduces the README's figures on ``train.tsv``: MAE 24.59, median absolute
error 21.446 over the 182 issues with an outcome. The README's "median 21.5" is met exactly
when the forecasts are rounded to whole points first (``compromise(..., decimals=0)``: MAE 24.56,
median 21.50); unrounded, 21.446 shows as 21.4. The unrounded forecast is the baseline.
"""

from __future__ import annotations

import numpy as np

from simulator.scenario.importers.deu3 import Deu3Arrays

__all__ = [
    "BASELINES",
    "all_baselines",
    "commission",
    "compromise",
    "median_state",
    "reference_point",
    "salience_weights",
    "weighted_median",
]

#: The baselines :func:`all_baselines` returns, in the order tables show them.
BASELINES = (
    "compromise",
    "weighted_median",
    "median_state",
    "median_state_capability",
    "commission",
    "reference_point",
)


def salience_weights(positions: np.ndarray, saliences: np.ndarray, capabilities: np.ndarray) -> np.ndarray:
    """Capability x salience per (issue, actor); 0 where the actor has no position or salience."""
    weights = np.nan_to_num(np.asarray(capabilities, float), nan=0.0) * np.nan_to_num(saliences, nan=0.0)
    return np.where(np.isnan(positions), 0.0, weights)


def compromise(
    positions: np.ndarray, saliences: np.ndarray, capabilities: np.ndarray, decimals: int | None = None
) -> np.ndarray:
    """The compromise model: the capability x salience weighted mean of the actors' positions.

    NaN for an issue where no actor with a position has a positive weight. ``decimals`` rounds
    the forecasts (0: whole points, the reading that gives the README's median error of 21.5).
    """
    weights = salience_weights(positions, saliences, capabilities)
    total = weights.sum(axis=1)
    weighted = (weights * np.nan_to_num(positions, nan=0.0)).sum(axis=1)
    out = np.full(total.shape, np.nan)
    np.divide(weighted, total, out=out, where=total > 0)
    return out if decimals is None else np.round(out, decimals)


def weighted_median(positions: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per issue, the weighted median of the positions (the median voter on a weighted line).

    The lower weighted median: the smallest position whose cumulative weight reaches half the
    total. Actors without a position or with weight 0 are left out; NaN when none is left.
    Vectorised: each row is sorted once (missing positions sort last with weight 0).
    """
    positions = np.asarray(positions, float)
    w = np.where(np.isnan(positions), 0.0, np.nan_to_num(np.asarray(weights, float), nan=0.0))
    w = np.broadcast_to(w, positions.shape)
    keyed = np.where(w > 0, positions, np.inf)
    order = np.argsort(keyed, axis=1, kind="stable")
    sorted_x = np.take_along_axis(keyed, order, axis=1)
    cum = np.cumsum(np.take_along_axis(w, order, axis=1), axis=1)
    total = cum[:, -1:] if cum.shape[1] else np.zeros((positions.shape[0], 1))
    # Tolerance so that a cumulative weight equal to half the total up to rounding counts as reaching it.
    reached = cum >= total / 2 - 1e-12 * np.maximum(total, 1.0)
    idx = np.argmax(reached, axis=1)
    result = sorted_x[np.arange(positions.shape[0]), idx] if cum.shape[1] else np.full(len(positions), np.inf)
    return np.where((total[:, 0] > 0) & np.isfinite(result), result, np.nan)


def median_state(
    positions: np.ndarray, member: np.ndarray, capabilities: np.ndarray | None = None
) -> np.ndarray:
    """The median of the member states' positions (the Council's pivot), per issue.

    Unweighted by default (each state one voice). With ``capabilities``, the capability-weighted
    (lower) median instead, a rough stand-in for qualified-majority voting weights.
    """
    states = np.asarray(positions, float)[:, np.asarray(member, bool)]
    if capabilities is not None:
        caps = np.asarray(capabilities, float)[np.asarray(member, bool)]
        return weighted_median(states, np.broadcast_to(caps, states.shape))
    if states.shape[1] == 0:
        return np.full(len(states), np.nan)
    # Sort with NaN last, then average the one or two middle values of the non-missing ones.
    count = np.sum(~np.isnan(states), axis=1)
    ordered = np.sort(states, axis=1)
    rows = np.arange(len(states))
    middle = (ordered[rows, np.maximum(count - 1, 0) // 2] + ordered[rows, count // 2 % states.shape[1]]) / 2
    return np.where(count > 0, middle, np.nan)


def commission(positions: np.ndarray, actors: tuple[str, ...]) -> np.ndarray:
    """The Commission's position: the proposal it tabled (NaN where it has none)."""
    return np.asarray(positions, float)[:, actors.index("com")].copy()


def reference_point(reference: np.ndarray) -> np.ndarray:
    """The reference point (the policy without a law): the forecast that nothing changes."""
    return np.asarray(reference, float).copy()


def all_baselines(data: Deu3Arrays) -> dict[str, np.ndarray]:
    """Every baseline of :data:`BASELINES` for the issues in ``data``, keyed by name."""
    weights = salience_weights(data.positions, data.saliences, data.capabilities)
    return {
        "compromise": compromise(data.positions, data.saliences, data.capabilities),
        "weighted_median": weighted_median(data.positions, weights),
        "median_state": median_state(data.positions, data.member),
        "median_state_capability": median_state(data.positions, data.member, data.capabilities),
        "commission": commission(data.positions, data.actors),
        "reference_point": reference_point(data.reference_point),
    }
