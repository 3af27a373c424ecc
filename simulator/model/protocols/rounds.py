"""What the offers protocol did in one round, for a reader who wants to follow it step by step.

The protocol plays every world of a batch at once (arrays over worlds), so the moves of one world
are spread over many arrays inside :func:`~simulator.model.protocols.offers.bargain`. Rather than
copying that loop into a notebook (and letting the copy drift from the model), ``bargain`` hands
an optional ``trace`` callback one :class:`OfferRound` per round and issue group: the proposer,
the mediator's text, the offer, the answer and each side's belief before and after. Copies only:
a trace can read, never change, what the talks do, and without one nothing is recorded.

Example:
    >>> model = NegotiationModel(load_scenario("istanbul_2025"), worlds=300, rng=0)  # doctest: +SKIP
    >>> steps: list[OfferRound] = []
    >>> model.protocol.trace = steps.append  # doctest: +SKIP
    >>> model.run()  # doctest: +SKIP
    >>> steps[0].offer_in(17)  # the package index offered in world 17's first round  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: A belief about the other side's reservation value, per world: the bounds ``(lo, hi]`` of the
#: types not ruled out.
Bounds = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class OfferRound:
    """One round of one issue group, over the worlds where the group was still open (``rows``).

    Every array has one entry per row (a world index of the batch). Package indices point along
    the group's contract curve (``Group.x``, ``Group.value``); ``-1`` means none.

    Attributes:
        round: The round, from 1.
        group: The issue group's index (``Offers.prepare(model)[1]``).
        sides: The two principals' ids, in the protocol's order (the first proposes in odd rounds).
        proposer: The index (0 or 1) into ``sides`` of this round's proposer.
        rows: The worlds (batch indices) where the group was open this round.
        hope: Per side, ``e_i``: the best expected surplus of its own offer under its belief.
        going_on: Per side, ``c_i``: what going on after a rejection is worth to it over no deal.
        believed: Per side, its belief about the OTHER's reservation value at the round's start.
        mediator: The package the mediator tabled (-1: it tabled none this round).
        mediator_agreed: Both sides accepted the mediator's package.
        offer: The proposer's serious offer (-1: none; it restated its position, or the mediator's
            text was agreed first, or neither side could hope for anything).
        accepted: The responder accepted the offer.
        learnt: Per side, its belief after the round (a rejection raises the proposer's ``lo``).
        hopeless: Neither side could hope for any package of the group: the group closed.
    """

    round: int
    group: int
    sides: tuple[str, str]
    proposer: int
    rows: np.ndarray
    hope: tuple[np.ndarray, np.ndarray]
    going_on: tuple[np.ndarray, np.ndarray]
    believed: tuple[Bounds, Bounds]
    mediator: np.ndarray
    mediator_agreed: np.ndarray
    offer: np.ndarray
    accepted: np.ndarray
    learnt: tuple[Bounds, Bounds]
    hopeless: np.ndarray

    def at(self, world: int) -> int | None:
        """The position of ``world`` in :attr:`rows` (None: the group was not open there)."""
        hit = np.flatnonzero(self.rows == world)
        return int(hit[0]) if hit.size else None

    def offer_in(self, world: int) -> int:
        """The package the proposer offered in ``world`` (-1: none, or the group was not open)."""
        i = self.at(world)
        return -1 if i is None else int(self.offer[i])


#: What ``bargain`` calls once per round and open issue group when tracing.
Trace = Callable[[OfferRound], None]

__all__ = ["Bounds", "OfferRound", "Trace"]
