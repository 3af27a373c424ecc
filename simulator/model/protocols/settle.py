"""What the outcome-forecasting protocols share: their inputs, and settling a text by the rules.

The expected-utility, Nash and compromise protocols each forecast a text (per world and issue)
without rounds of offers at the table; :func:`settle` then applies the scenario's decision rule
(``simulator.model.rules``) where the principals meet, so every protocol reports the same events.
None of them has walk-outs (``walked=None``).
"""

from __future__ import annotations

from abc import abstractmethod
from typing import TYPE_CHECKING

import numpy as np

from simulator.model.protocols.base import Table, TalksOutcome, TalksProtocol
from simulator.model.rules import accepts, unanimity

if TYPE_CHECKING:
    from simulator.model.model import NegotiationModel


def agreement_groups(model: NegotiationModel) -> list[np.ndarray]:
    """Issues accepted together: each on its own under ``issue_by_issue``, else the package rule."""
    k = len(model.issue_ids)
    if model.spec.protocol.agreement == "issue_by_issue":
        return [np.array([j]) for j in range(k)]
    separable = np.array([model.spec.issues[i].separable for i in model.issue_ids], dtype=bool)
    core = np.flatnonzero(~separable)
    return ([core] if core.size else []) + [np.array([j]) for j in np.flatnonzero(separable)]


def acceptance(model: NegotiationModel, text: np.ndarray) -> np.ndarray:
    """Where the scenario's rule (unanimity of the principals) accepts ``text``, ``(worlds, issues)``."""
    groups = agreement_groups(model)
    return unanimity(
        [
            accepts(text, a.ideal, a.red_line, a.salience, a.reservation_value(), groups)
            for a in (model.parties[p] for p in model.spec.principals)
        ]
    )


def settle(
    model: NegotiationModel,
    table: Table,
    text: np.ndarray,
    positions: dict[str, np.ndarray] | None = None,
    rounds: int = 1,
) -> TalksOutcome:
    """The outcome of forecasting ``text`` where the principals meet, agreed by the scenario's rule.

    Args:
        model: The model (its principals and their reservation values).
        table: Who meets.
        text: The forecast per world and issue, ``(worlds, issues)`` (NaN: no forecast).
        positions: Each principal's final position; default the text where agreed, else its ideal.
        rounds: Rounds the protocol ran, recorded where the principals meet.
    """
    held = table.held
    text = np.where(held[:, None], text, np.nan)
    agreed = held[:, None] & acceptance(model, text)
    if positions is None:
        positions = {p: np.where(agreed, text, model.parties[p].ideal) for p in model.spec.principals}
    return TalksOutcome(
        agreed=agreed,
        text=text,
        rounds=np.where(held, rounds, 0).astype(np.int8),
        positions=positions,
        walked=None,
    )


def gain_at(model: NegotiationModel, text: np.ndarray) -> dict[str, np.ndarray]:
    """What each principal expects a deal to add to no deal if ``text`` is the outcome.

    Per group of issues the principals would agree on, its surplus over its reservation value,
    weighted by the group's share of its salience (the look-ahead ``single_text`` uses too).
    """
    ok = acceptance(model, text)
    gain = {}
    for pid in model.spec.principals:
        a = model.parties[pid]
        b = a.reservation_value()
        total = np.maximum(a.salience.sum(axis=1), 1e-12)
        g = np.zeros(model.worlds)
        for grp in agreement_groups(model):
            sal = a.salience[:, grp]
            u = 1.0 - np.abs(text[:, grp] - a.ideal[:, grp])
            w = sal.sum(axis=1)
            mean_u = np.where(w > 0, np.nansum(sal * u, axis=1) / np.maximum(w, 1e-12), 1.0)
            g += np.where(ok[:, grp[0]], w / total * np.maximum(0.0, mean_u - b), 0.0)
        gain[pid] = g
    return gain


def with_position(model: NegotiationModel, k: int) -> list[str]:
    """The parties with a position on issue ``k`` that can ever sit at the table (principals and
    third parties alike; a party whose only open level is ``absent`` pulls no text)."""
    return [
        pid
        for pid, a in model.parties.items()
        if not np.isnan(a.ideal[:, k]).all() and can_attend(model, pid)
    ]


def can_attend(model: NegotiationModel, pid: str) -> bool:
    """Whether ``pid`` has an open level other than ``absent`` (a party built without a scenario
    entry is taken to attend)."""
    spec = getattr(model.spec, "parties", {}).get(pid)
    return spec is None or any(level != "absent" for level in spec.attendance.levels)


def weights_on(
    model: NegotiationModel, pids: list[str], k: int, table: Table | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions (ideals), capabilities and saliences of ``pids`` on issue ``k``, each ``(worlds, n)``.

    With the ``table``, a party not at it in a world has no weight there: only parties at the table
    pull a text.
    """
    x = np.stack([model.parties[p].ideal[:, k] for p in pids], axis=1)
    c = np.stack([np.broadcast_to(model.parties[p].power(), (model.worlds,)) for p in pids], axis=1)
    if table is not None:
        present = np.stack([table.at_table.get(p, np.zeros(model.worlds, bool)) for p in pids], axis=1)
        # Where nobody sits down no text is settled (settle blanks it): keep the weights finite there.
        present[~present.any(axis=1)] = True
        c = c * present
    s = np.stack([model.parties[p].salience[:, k] for p in pids], axis=1)
    return x, c, s


class ForecastProtocol(TalksProtocol):
    """A protocol that forecasts one text per world and issue, which the scenario's rule then settles.

    No rounds and no walk-outs: ``negotiate`` settles the forecast, and the attendance look-ahead is
    each principal's surplus at it (where the principals would accept it).
    """

    walkouts = False
    forecast_only = True

    @staticmethod
    @abstractmethod
    def forecast(model: NegotiationModel, table: Table | None = None) -> np.ndarray:
        """The forecast text per world and issue, ``(worlds, issues)`` (NaN: none); with the
        ``table``, pulled only by the parties at it (without: by every party that can attend)."""

    def negotiate(self, model: NegotiationModel, table: Table) -> TalksOutcome:
        return settle(model, table, self.forecast(model, table))

    def expected_gain(self, model: NegotiationModel) -> dict[str, np.ndarray]:
        """Each principal's surplus at the forecast, where the principals would accept it."""
        return gain_at(model, self.forecast(model))
