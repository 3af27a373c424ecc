"""The talks protocol interface: one method and optional hooks, registration, the typed table and
outcome it uses, and the typed per-batch cache.

A protocol is a theory of what happens once the principals sit down. The model settles who is at
the table (:class:`Table`: the same for every protocol), hands it to the scenario's protocol, and
records the :class:`TalksOutcome` it returns. Protocols are sibling modules registered by their
``kind`` (the scenario's ``protocol.kind``) in :mod:`simulator.plugins`, the way httpx's transports
sit behind one base.

Example:
    >>> protocol = protocol_for("single_text")  # doctest: +SKIP
    >>> outcome = protocol.negotiate(model, table)  # doctest: +SKIP
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from simulator import plugins
from simulator.plugins import Problem

if TYPE_CHECKING:
    from simulator.model.model import NegotiationModel
    from simulator.scenario.schema import Scenario


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
        ended: Per world, how the talks ended, an index into ``events.TALKS_ENDS`` (None: not
            recorded by this protocol).
        agreed_round: Per world, the round in which its first surviving agreement was reached
            (0: none; None: not recorded).
        learnt: Per principal, what it learnt of the other's reservation value: the bounds
            ``(lo, hi)`` of the types it has not ruled out (empty: the protocol has no beliefs).
            A campaign carries them into the next meeting (``Beliefs.carried``).
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
    learnt: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


class TalksProtocol(ABC):
    """A theory of the talks: given who sits down, what is agreed.

    A subclass sets :attr:`kind` (the scenario's ``protocol.kind``), implements :meth:`negotiate`,
    and is registered with ``@register`` in its own module (any module in
    ``simulator/model/protocols/`` is imported when protocols are first looked up; another package
    uses the entry-point group ``negsim.protocols``, see :mod:`simulator.plugins`). The optional
    hooks below have defaults, so a protocol overrides only what it has.
    """

    kind: ClassVar[str]
    #: Whether a principal can walk out under this protocol (else its walk-out events are not produced).
    walkouts: ClassVar[bool] = True
    #: Whether the protocol only says WHERE a settlement lands, not WHETHER one happens (compromise,
    #: Nash, the EUM: no process of offers that can fail). In a model average such a member
    #: forecasts the text conditional on agreement; yes/no events come from the process members.
    forecast_only: ClassVar[bool] = False
    #: Whether its outcome says how the talks ended (``ended``, ``agreed_round``): the run then
    #: reports ``agreement_path.*`` and ``rounds_to_agreement.*``.
    records_paths: ClassVar[bool] = False
    #: Whether its principals price going back on an earlier meeting's public concessions (the
    #: model's ``concessions``, a campaign's concession lines: docs/model.md, "Campaigns"). A
    #: campaign under a protocol that does not keeps the ratchet: a concession is never taken back.
    concession_lines: ClassVar[bool] = False

    @abstractmethod
    def negotiate(self, model: NegotiationModel, table: Table) -> TalksOutcome:
        """Play the talks over the model's batch of worlds (read its parties and drawn values)."""

    def expected_gain(self, model: NegotiationModel) -> dict[str, np.ndarray]:
        """What each principal expects a deal to add to no deal, per world: the attendance phase's
        look-ahead (default: none, every party attends on its other reasons alone)."""
        return {}

    def zone_of_agreement(self, model: NegotiationModel, *, red_lines: bool = True) -> np.ndarray | None:
        """``(worlds, issues)``: whether a text both principals prefer to no deal exists (default:
        None, the protocol does not define one; ``negsim validate`` then skips the prior check)."""
        return None

    @classmethod
    def check(cls, scenario: Scenario) -> Iterator[Problem]:
        """Yield ``(location, message)`` for each limit of this protocol the scenario breaks (run at
        validation, so a run never starts on a scenario the protocol cannot play)."""
        return iter(())


#: The old name of :class:`TalksProtocol` (the schema's ``Protocol`` is the scenario's settings).
Protocol = TalksProtocol


def register[P: type[TalksProtocol]](cls: P) -> P:
    """Class decorator: make a protocol available under its ``kind`` (one line in its own module)."""
    if not (isinstance(cls, type) and issubclass(cls, TalksProtocol)):
        raise TypeError(f"{cls!r} is not a TalksProtocol subclass")
    return plugins.register(cls)


def protocol_for(kind: str) -> TalksProtocol:
    """A fresh protocol of ``kind`` (one of :func:`simulator.plugins.kinds`)."""
    cls = plugins.protocol_class(kind)
    return cls()  # type: ignore[no-any-return]


def is_forecast_only(kind: str) -> bool:
    """Whether protocol ``kind`` forecasts only where a settlement lands (see ``Protocol``)."""
    return bool(getattr(plugins.protocol_class(kind), "forecast_only", False))


def produces_walkouts(kinds: Iterable[str]) -> bool:
    """Whether walk-outs are defined in every world: every protocol in ``kinds`` has them."""
    return plugins.walkouts(kinds)


class CacheKey[T]:
    """A typed name for a value a protocol computes once per batch (see :class:`RunCache`)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"CacheKey({self.name!r})"


class RunCache:
    """Per-batch results computed once and shared by the attendance look-ahead and the talks
    (e.g. the EUM's forecast): typed by :class:`CacheKey`, so each reader gets the type it stored.

    Example:
        >>> FORECAST: CacheKey[int] = CacheKey("forecast")
        >>> cache = RunCache()
        >>> cache.get(FORECAST, lambda: 41 + 1)
        42
    """

    def __init__(self) -> None:
        self._values: dict[CacheKey[Any], Any] = {}

    def get[T](self, key: CacheKey[T], compute: Callable[[], T]) -> T:
        """The value under ``key``, computed by ``compute`` the first time."""
        if key not in self._values:
            self._values[key] = compute()
        return self._values[key]  # type: ignore[no-any-return]

    def __contains__(self, key: CacheKey[Any]) -> bool:
        return key in self._values


__all__ = [
    "CacheKey",
    "Problem",
    "Protocol",
    "RunCache",
    "Table",
    "TalksOutcome",
    "TalksProtocol",
    "produces_walkouts",
    "protocol_for",
    "register",
]
