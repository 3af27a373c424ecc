"""The compromise model: the capability x salience weighted mean of positions, per issue, batched.

The literature's baseline forecast (e.g. van den Bos 1991; Achen 2006, "Institutional realism and
bargaining models", in Thomson et al. (eds), *The European Union Decides*): the outcome on issue
*k* is ``sum_i c_i s_ik x_ik / sum_i c_i s_ik``. The weighted median (the position a
capability x salience weighted majority cannot move) is the other classic baseline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from simulator.model.protocols.base import Table, register
from simulator.model.protocols.settle import ForecastProtocol, weights_on, with_position

if TYPE_CHECKING:
    from simulator.model.model import NegotiationModel

Array = NDArray[np.float64]


def _weights(positions: Array, capabilities: ArrayLike, salience: ArrayLike) -> Array:
    cap = np.asarray(capabilities, dtype=np.float64)
    sal = np.asarray(salience, dtype=np.float64)
    if positions.ndim == 3 and cap.ndim in (1, 2):
        cap = cap[..., None]  # (n,) or (W, n) against (W, n, issues)
    weights = np.broadcast_to(cap * sal, positions.shape)
    if np.any(weights < 0):
        raise ValueError("capabilities and saliences must be >= 0")
    return weights


def weighted_mean(positions: ArrayLike, capabilities: ArrayLike, salience: ArrayLike) -> Array:
    """Compromise outcome ``sum_i c_i s_i x_i / sum_i c_i s_i`` over the actors axis.

    Args:
        positions: ``(W, n)`` for one issue or ``(W, n, issues)``.
        capabilities: ``(n,)`` or ``(W, n)``.
        salience: Broadcastable to ``positions``.

    Returns:
        ``(W,)`` or ``(W, issues)``; NaN where every weight is 0.
    """
    x = np.asarray(positions, dtype=np.float64)
    w = _weights(x, capabilities, salience)
    total = w.sum(axis=1)
    out = np.full(total.shape, np.nan)
    np.divide((w * x).sum(axis=1), total, out=out, where=total > 0)
    return out


def weighted_median(positions: ArrayLike, capabilities: ArrayLike, salience: ArrayLike) -> Array:
    """Lower weighted median over the actors axis.

    The smallest position whose cumulative capability x salience weight (actors sorted by
    position) reaches half the total (to a relative 1e-12, so that exact halves count).

    Args:
        positions: ``(W, n)`` for one issue or ``(W, n, issues)``.
        capabilities: ``(n,)`` or ``(W, n)``.
        salience: Broadcastable to ``positions``.

    Returns:
        ``(W,)`` or ``(W, issues)``; NaN where every weight is 0.
    """
    x = np.asarray(positions, dtype=np.float64)
    w = _weights(x, capabilities, salience)
    order = np.argsort(x, axis=1, kind="stable")
    xs = np.take_along_axis(x, order, axis=1)
    cum = np.cumsum(np.take_along_axis(w, order, axis=1), axis=1)
    total = cum[:, -1:]
    idx = np.argmax(cum >= 0.5 * total * (1.0 - 1e-12), axis=1)
    out = np.take_along_axis(xs, idx[:, None], axis=1)[:, 0]
    return np.where(total[:, 0] > 0, out, np.nan)


@register
class Compromise(ForecastProtocol):
    """The weighted mean as a protocol: every party with a position on an issue pulls the outcome.

    Agreement where the principals meet and the scenario's rule accepts the mean; no walk-outs.
    """

    kind = "compromise"

    @staticmethod
    def forecast(model: NegotiationModel, table: Table | None = None) -> Array:
        """The capability x salience weighted mean per world and issue, ``(worlds, issues)``, of
        the parties at the table (of every party that can attend, without one)."""
        text = np.full((model.worlds, len(model.issue_ids)), np.nan)
        for k in range(len(model.issue_ids)):
            pids = with_position(model, k)
            if pids:
                text[:, k] = weighted_mean(*weights_on(model, pids, k, table))
        return text
