"""A mergeable quantile sketch with a stated error bound, for ``summary.json``'s quantiles.

Why: the summary used to report histogram-bin midpoints (bins 0.005 wide), so a concession whose
worlds said 0.0003 / 0.0028 / 0.0194 was reported as 0.0025 / 0.0025 / 0.0175, below its own mean.
A run never holds all its worlds at once (chunks are tallied and merged), so exact quantiles are
not at hand; this is the logarithmic-bucket sketch of DDSketch (Masson, Rim and Lee, "DDSketch: a
fast and fully-mergeable quantile sketch with relative-error guarantees", VLDB 2019), vectorised
with numpy for values on ``[0, 1]``:

- a value ``x`` in ``(MIN_VALUE, 1]`` falls in bucket ``k = ceil(log(x) / log(GAMMA))`` with
  ``GAMMA = (1 + ALPHA) / (1 - ALPHA)``, and bucket ``k`` reports ``2 GAMMA^k / (GAMMA + 1)``,
  which is within ``ALPHA`` (relative) of every value in ``(GAMMA^(k-1), GAMMA^k]``;
- values below ``MIN_VALUE`` (including 0) share one bucket that reports 0.

**Error bound.** The ``q``-quantile reported is within ``ALPHA * x + MIN_VALUE`` of ``x``, the
sample's value at rank ``floor(q (n - 1))`` (0-based, sorted ascending: numpy's ``method="lower"``).
With ``ALPHA = 0.005`` and ``MIN_VALUE = 1e-6``: 0.5% of the value, plus one millionth.
``tests/test_sketch.py`` checks it on skewed, atomic and merged samples.

Counts are added bucket by bucket, so merging chunks in any grouping gives the same sketch (and
the same quantiles) as sketching all the worlds at once.
"""

from __future__ import annotations

import math

import numpy as np

#: Relative accuracy of every reported quantile.
ALPHA = 0.005
GAMMA = (1 + ALPHA) / (1 - ALPHA)
_LOG_GAMMA = math.log(GAMMA)
#: Values below this count as 0 (the absolute part of the bound).
MIN_VALUE = 1e-6
#: Bucket 0 holds the values below MIN_VALUE; bucket i >= 1 holds key ``_LOWEST + i - 1``.
_LOWEST = math.ceil(math.log(MIN_VALUE) / _LOG_GAMMA)
BUCKETS = 1 - _LOWEST + 1  # the zero bucket, then keys _LOWEST..0


def sketch(values: np.ndarray) -> np.ndarray:
    """The bucket counts (length :data:`BUCKETS`) of ``values`` (finite, clipped to [0, 1])."""
    v = np.clip(np.asarray(values, dtype=float), 0.0, 1.0)
    out = np.zeros(BUCKETS, dtype=np.int64)
    small = v < MIN_VALUE
    out[0] = int(small.sum())
    big = v[~small]
    if big.size:
        keys = np.ceil(np.log(big) / _LOG_GAMMA).astype(np.int64)
        keys = np.clip(keys, _LOWEST, 0)  # rounding at the edges stays in range
        out[1:] += np.bincount(keys - _LOWEST, minlength=BUCKETS - 1)
    return out


def empty() -> np.ndarray:
    """The sketch of no values."""
    return np.zeros(BUCKETS, dtype=np.int64)


def value_of(bucket: int) -> float:
    """The value bucket ``bucket`` reports (0 for the zero bucket)."""
    if bucket == 0:
        return 0.0
    key = _LOWEST + bucket - 1
    return min(1.0, 2 * GAMMA**key / (GAMMA + 1))


def quantile(counts: np.ndarray | list[int], q: float) -> float:
    """The ``q``-quantile of a sketch (NaN when it is empty), within the module's error bound."""
    c = np.asarray(counts, dtype=np.int64)
    total = int(c.sum())
    if total == 0:
        return float("nan")
    rank = math.floor(q * (total - 1))
    bucket = int(np.searchsorted(np.cumsum(c), rank + 1))
    return value_of(bucket)


def to_sparse(counts: np.ndarray | list[int]) -> dict[str, int]:
    """The non-empty buckets, for a part file (``{"bucket": count}``)."""
    c = np.asarray(counts)
    nonzero = np.flatnonzero(c)
    return dict(zip(map(str, nonzero.tolist()), c[nonzero].tolist(), strict=True))


def from_sparse(data: dict[str, int]) -> np.ndarray:
    """The counts written by :func:`to_sparse` (a bucket outside the sketch is a ValueError)."""
    out = np.zeros(BUCKETS, dtype=np.int64)
    for key, count in data.items():
        i = int(key)
        if not 0 <= i < BUCKETS or count < 0:
            raise ValueError(f"bucket {key} is not in the sketch")
        out[i] = count
    return out
