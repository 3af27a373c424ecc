"""The talks protocol interface: one method, a registry, and the typed table and outcome it uses.

A protocol is a theory of what happens once the principals sit down. The model settles who is at
the table (:class:`Table`: the same for every protocol), hands it to the scenario's protocol, and
records the :class:`TalksOutcome` it returns. Protocols are sibling modules registered by their
``kind`` (the scenario's ``protocol.kind``), the way httpx's transports sit behind one base.

Example:
    >>> protocol = protocol_for("single_text")  # doctest: +SKIP
    >>> outcome = protocol.negotiate(model, table)  # doctest: +SKIP
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np

if TYPE_CHECKING:
    from simulator.model.model import NegotiationModel


#: How the talks ended, per world (``TalksOutcome.ended``; ``talks.end`` in the records): no talks,
#: agreed, a walk-out, the breakdown hazard, an impasse (nothing left to hope for, no walk-out), the
#: meeting's last round, or agreements all refused at ratification.
TALKS_END = ("no_talks", "agreed", "walkout", "hazard", "impasse", "deadline", "ratification")


@dataclass(frozen=True)
class Table:
    """Who sits down, per world: the same for every protocol.

    Attributes:
        held: The principals' delegations meet (any level).
        leaders: The principals' leaders meet.
        mediated: The mediator sits at the table with them.
        formats: Per format id, whether it was held (every listed party attends).
        at_table: Per party, whether it attends and shares a held format with a principal.
    """

    held: np.ndarray
    leaders: np.ndarray
    mediated: np.ndarray
    formats: dict[str, np.ndarray]
    at_table: dict[str, np.ndarray]


@dataclass
class TalksOutcome:
    """What the talks produced, per world (and issue): what every protocol returns.

    Attributes:
        agreed: ``(worlds, issues)``: the issue was agreed (and ratified).
        text: ``(worlds, issues)``: the text last on the table (NaN where no talks).
        rounds: Exchanges held.
        positions: Per principal, its final position ``(worlds, issues)``.
        walked: Per principal, whether it walked out; ``None`` for a protocol without walk-outs
            (its walk-out events are then not produced rather than filled with zeros).
        zopa: ``(worlds, issues)``: whether a text both principals prefer to no deal exists for the
            issue's group (its package, or the issue alone), red lines respected (None: not computed).
        referred: Per principal, agreements its delegation made ad referendum.
        rejected: Per principal, agreements its leader then refused to ratify.
        history: Per principal, its position after each round (for step-by-step notebooks; a
            protocol may compute it only when asked).
        played: Per world, the index of the ensemble member that played it (None: one protocol).
        ended: Per world, how the talks ended, an index into ``TALKS_END`` (None: not
            recorded by this protocol).
        agreed_round: Per world, the round in which its first surviving agreement was reached
            (0: none; None: not recorded).
    """

    agreed: np.ndarray
    text: np.ndarray
    rounds: np.ndarray
    positions: dict[str, np.ndarray]
    walked: dict[str, np.ndarray] | None
    zopa: np.ndarray | None = None
    referred: dict[str, np.ndarray] = field(default_factory=dict)
    rejected: dict[str, np.ndarray] = field(default_factory=dict)
    history: Mapping[str, list[np.ndarray]] = field(default_factory=dict)
    played: np.ndarray | None = None
    ended: np.ndarray | None = None
    agreed_round: np.ndarray | None = None


class Protocol(ABC):
    """A theory of the talks: given who sits down, what is agreed."""

    kind: ClassVar[str]
    #: Whether a principal can walk out under this protocol (else its walk-out events are not produced).
    walkouts: ClassVar[bool] = True

    @abstractmethod
    def negotiate(self, model: NegotiationModel, table: Table) -> TalksOutcome:
        """Play the talks over the model's batch of worlds (read its parties and drawn values)."""


PROTOCOLS: dict[str, type[Protocol]] = {}


def register(cls: type[Protocol]) -> type[Protocol]:
    """Class decorator: make a protocol available under its ``kind``."""
    PROTOCOLS[cls.kind] = cls
    return cls


def protocol_for(kind: str) -> Protocol:
    """A fresh protocol of ``kind`` (the scenario schema lists the kinds it accepts)."""
    from simulator.model import protocols  # noqa: F401  (importing the package registers them all)

    return PROTOCOLS[kind]()


def produces_walkouts(kinds: Iterable[str]) -> bool:
    """Whether walk-outs are defined in every world: every protocol in ``kinds`` has them."""
    from simulator.model import protocols  # noqa: F401  (importing the package registers them all)

    return all(PROTOCOLS[k].walkouts for k in kinds)
