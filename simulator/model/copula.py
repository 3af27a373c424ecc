"""Shared factors: uncertain parameters that move together, with every marginal kept as stated.

A scenario may declare factors (a "deal climate", "whether threats work") with loadings on named
parameters. Each world draws one standard normal value per factor; a loaded parameter's quantile
``q`` (from its own stream) becomes

    q' = Phi(sum_f l_f F_f + sqrt(1 - sum_f l_f^2) * Phi^-1(q))

a Gaussian copula: ``q'`` is still uniform, so the parameter keeps exactly the distribution the
scenario states, while two parameters loaded on one factor have normal-score correlation
``l_1 * l_2``. A negative loading makes the parameter move against the factor.

Example:
    >>> mixed = correlate({"a": qa, "b": qb}, {"climate": {"a": 0.7, "b": -0.7}}, normals)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from scipy.special import ndtr, ndtri

#: ``normal(name, n)``: standard normal draws from the stream ``name``.
Normal = Callable[[str, int], np.ndarray]

_CLIP = 1e-12


def correlate(
    quantiles: Mapping[str, np.ndarray],
    loadings: Mapping[str, Mapping[str, float]],
    normal: Normal,
) -> dict[str, np.ndarray]:
    """Mix the factors into the loaded parameters' quantiles (others are returned unchanged).

    Args:
        quantiles: Per parameter path, its uniform quantiles over the worlds.
        loadings: Per factor name, the loading of each parameter path on it (in [-1, 1]; a
            parameter's squared loadings sum to at most 1, which the schema checks).
        normal: Where each factor's standard normal draws come from, by name ``factor:<name>``.
    """
    out = dict(quantiles)
    by_param: dict[str, list[tuple[str, float]]] = {}
    for factor, loads in loadings.items():
        for path, weight in loads.items():
            if path in quantiles:
                by_param.setdefault(path, []).append((factor, float(weight)))
    if not by_param:
        return out
    n = len(next(iter(quantiles.values())))
    drawn = {f: normal(f"factor:{f}", n) for f in loadings}
    for path, pairs in by_param.items():
        shared = sum(w * drawn[f] for f, w in pairs)
        own = np.sqrt(max(0.0, 1.0 - sum(w * w for _, w in pairs)))
        z = ndtri(np.clip(quantiles[path], _CLIP, 1 - _CLIP))
        out[path] = ndtr(shared + own * z)
    return out
