"""Named random streams: one seed, many independent generators, addressed by name.

Every random draw in a batch of worlds comes from a stream named after what it is for
(``param:parties.russia.attendance.legitimacy_cost``, ``attendance:russia:1``, ``threat:eu``).
Streams are derived from the batch's :class:`numpy.random.SeedSequence` and a stable hash of the
name, so adding a parameter or a party to a scenario does not shift anyone else's draws: world *i*
of two scenarios run with the same seed sees the same random numbers wherever they share a name
(common random numbers, which make scenario comparisons precise).
"""

from __future__ import annotations

import hashlib

import numpy as np


def as_seed_sequence(
    rng: int | np.random.SeedSequence | np.random.Generator | None,
) -> np.random.SeedSequence:
    """Turn what a user may pass as ``rng`` into a SeedSequence (a Generator is drawn from once)."""
    if isinstance(rng, np.random.SeedSequence):
        return rng
    if isinstance(rng, np.random.Generator):
        return np.random.SeedSequence(int(rng.integers(2**63)))
    return np.random.SeedSequence(rng)


def _key(name: str) -> tuple[int, int]:
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return (int.from_bytes(digest[:4], "little"), int.from_bytes(digest[4:], "little"))


class Streams:
    """Independent generators for one batch of worlds, one per name.

    Example:
        >>> s = Streams(np.random.SeedSequence(7))
        >>> bool(s.get("a").random() == Streams(np.random.SeedSequence(7)).get("a").random())
        True
    """

    def __init__(self, seed: np.random.SeedSequence, period: int | None = None) -> None:
        self.seed = seed
        #: With a period P, world i draws what world i mod P draws: blocks of P worlds share their
        #: random numbers (common random numbers across sensitivity sample rows).
        self.period = period

    def _draw(self, name: str, shape: int | tuple[int, ...], how: str) -> np.ndarray:
        dims = (shape,) if isinstance(shape, int) else tuple(shape)
        gen = self.get(name)
        p = self.period
        if p is None or not dims or dims[0] % p:
            return np.asarray(getattr(gen, how)(dims))
        block = getattr(gen, how)((p, *dims[1:]))
        return np.tile(block, (dims[0] // p, *([1] * (len(dims) - 1))))

    def get(self, name: str) -> np.random.Generator:
        """The generator for ``name`` (a fresh one each call, always starting at the same state)."""
        ss = np.random.SeedSequence(self.seed.entropy, spawn_key=(*self.seed.spawn_key, *_key(name)))
        return np.random.default_rng(ss)

    def uniform(self, name: str, shape: int | tuple[int, ...]) -> np.ndarray:
        """Uniform draws in [0, 1) from the stream ``name``."""
        return self._draw(name, shape, "random")

    def normal(self, name: str, shape: int | tuple[int, ...]) -> np.ndarray:
        """Standard normal draws from the stream ``name`` (shared factors)."""
        return self._draw(name, shape, "standard_normal")

    def gumbel(self, name: str, shape: int | tuple[int, ...]) -> np.ndarray:
        """Standard Gumbel draws (for logit choice) from the stream ``name``."""
        return gumbel_of(self._draw(name, shape, "random"))


def gumbel_of(u: np.ndarray) -> np.ndarray:
    """Standard Gumbel values ``-log(-log(u))`` of uniforms ``u`` (clipped away from 0 and 1).

    Computed in one array, in place: the same numbers as the expression without its three
    temporaries (measured: 1.6 ms instead of 2.6 ms for 10,000 worlds x 4 levels).
    """
    out: np.ndarray = np.clip(u, 1e-12, 1 - 1e-12)
    np.log(out, out=out)
    np.negative(out, out=out)
    np.log(out, out=out)
    np.negative(out, out=out)
    return out
