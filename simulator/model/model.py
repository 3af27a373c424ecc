"""The negotiation model: one Mesa model simulating a batch of independent worlds at once.

A world plays out in three phases, one per :meth:`NegotiationModel.step`:

1. **attendance** — parties announce intended delegation levels in the scenario's timeline order,
   each best-responding (with logit noise) to the others' latest announcements, for a few rounds;
   public ``only_if`` commitments are then enforced on the final choices;
2. **talks** — if the principals meet, a number of rounds in which principals concede toward their
   (mandate-limited) red lines, the mediator tables a single text, and parties accept issues or
   walk away;
3. **aftermath** — threats are carried out with their credibility if triggered; the outcome is
   classified.

Each party is a :class:`~simulator.agents.PartyAgent` whose state is numpy arrays over the batch;
``worlds=1`` is a single story to step through in a notebook. Mesa's ``Model.scenario`` name is
taken by Mesa's own experiment record, so the negotiation scenario lives in :attr:`spec`.

Example:
    >>> scenario = load_scenario("scenarios/istanbul_2025.yaml")  # doctest: +SKIP
    >>> model = NegotiationModel(scenario, worlds=1, rng=42)  # doctest: +SKIP
    >>> model.step()  # attendance  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import mesa
import numpy as np

from simulator.model.agents import EPS, LEADER, PartyAgent
from simulator.randomness import Streams, as_seed_sequence
from simulator.scenario.params import Param
from simulator.scenario.schema import LEVELS, Scenario

PHASES = ("attendance", "talks", "aftermath")
#: Outcome categories, mutually exclusive, in order of how far the talks got.
OUTCOMES = ("no_talks", "collapse", "continue", "partial_agreement", "agreement")
TALKS_TRIGGERS = ("no_ceasefire", "no_agreement", "walkout")


class NegotiationModel(mesa.Model):
    """A batch of ``worlds`` independent plays of one scenario.

    Args:
        scenario: A validated scenario (see :func:`simulator.load_scenario`).
        worlds: How many worlds to simulate at once.
        rng: Seed (int), SeedSequence or Generator; all randomness flows from it.
        quantiles: Optional quantiles in (0, 1) per uncertain parameter path, arrays of length
            ``worlds``; used instead of random draws (sensitivity analysis supplies these).
        agents: Optional agent class per party id, to change a party's decision rules.

    Attributes:
        spec: The scenario being played.
        parties: The party agents by id.
        phase: Index of the next phase to run (0 attendance, 1 talks, 2 aftermath, 3 done).
    """

    def __init__(
        self,
        scenario: Scenario,
        *,
        worlds: int = 1,
        rng: int | np.random.SeedSequence | np.random.Generator | None = None,
        quantiles: Mapping[str, np.ndarray] | None = None,
        agents: Mapping[str, type[PartyAgent]] | None = None,
    ) -> None:
        seed = as_seed_sequence(rng)
        super().__init__(rng=np.random.default_rng(seed))
        self.spec = scenario
        self.worlds = int(worlds)
        self.streams = Streams(seed)
        self.issue_ids = list(scenario.issues)
        self.slots = scenario.parameter_slots()
        self.values = self._draw_values(quantiles or {})
        self._outside: dict[str, np.ndarray] = {}
        self.phase = 0
        classes = dict(agents or {})
        self.parties: dict[str, PartyAgent] = {
            pid: classes.get(pid, PartyAgent)(self, pid, spec) for pid, spec in scenario.parties.items()
        }
        self._init_records()

    # --- public API ---------------------------------------------------------------------------

    def step(self) -> None:
        """Run the next phase (attendance, then talks, then aftermath)."""
        if self.phase >= len(PHASES):
            self.running = False
            return
        getattr(self, f"_{PHASES[self.phase]}")()
        self.phase += 1
        self.running = self.phase < len(PHASES)

    def run(self) -> NegotiationModel:
        """Run every remaining phase; returns the model so ``NegotiationModel(...).run()`` reads."""
        while self.phase < len(PHASES):
            self.step()
        return self

    def value(self, path: str) -> np.ndarray:
        """The per-world values of the parameter at dotted ``path``."""
        return self.values[path]

    def pressure_on(self, party: str) -> np.ndarray:
        """Total strength of the pressures urging ``party`` to attend, per world."""
        total = np.zeros(self.worlds)
        for qid, q in self.spec.pressures.items():
            if q.on == party:
                total += self.value(f"pressures.{qid}.strength")
        return total

    def threat_pressure(self, party: str, triggers: Iterable[str]) -> np.ndarray:
        """How much believed threats against ``party`` with these triggers weigh on it, per world.

        Each counts ``(1 - reactance) * believed * severity``: reactance 0 lets a threat work
        fully, 1 cancels it, above 1 it backfires ("will not respond to threats").
        """
        triggers = tuple(triggers)
        reactance = self._reactance(party)
        total = np.zeros(self.worlds)
        for tid, t in self.spec.threats.items():
            if t.against == party and t.trigger in triggers:
                believed = self.value(f"threats.{tid}.{'believed' if t.believed else 'credibility'}")
                total += believed * self.value(f"threats.{tid}.severity")
        return (1.0 - reactance) * total

    def _reactance(self, party: str) -> np.ndarray:
        path = f"parties.{party}.reactance"
        return self.values[path] if path in self.values else np.zeros(self.worlds)

    def outside_option(self, party: str) -> np.ndarray:
        """Value of no deal for ``party`` after believed threats, in [0, 1], per world."""
        if party not in self._outside:  # parameters are fixed once drawn: compute once per batch
            base = self.value(f"parties.{party}.outside_option")
            self._outside[party] = np.clip(base - self.threat_pressure(party, TALKS_TRIGGERS), 0.0, 1.0)
        return self._outside[party]

    def records(self) -> dict[str, np.ndarray]:
        """What each world recorded, as columns (one array per column, one row per world)."""
        return dict(self._records)

    # --- phase 1: attendance ------------------------------------------------------------------

    def _attendance(self) -> None:
        order = self.spec.protocol.announcement_order
        for rnd in range(1, self.spec.protocol.announcement_rounds + 1):
            self._announce(order, rnd)
        self._choose_levels()

    def _announce(self, order: list[str], rnd: int) -> None:
        """One round of announcements: each party in turn best-responds to the latest ones."""
        for pid in order:
            agent = self.parties[pid]
            noise = self.streams.gumbel(f"attendance:{pid}:{rnd}", (self.worlds, len(LEVELS)))
            agent.announced = agent.choose_level(self._announced(), noise)
            agent.announcements.append(agent.announced)

    def _choose_levels(self) -> None:
        """Final levels: the last announcements, with ``only_if`` commitments enforced.

        A party whose condition fails drops to its best allowed level below; as that can undo
        another's condition, this repeats until nothing changes (each pass only lowers levels).
        """
        levels = self._announced()
        for _ in range(len(self.parties) + 1):
            changed = False
            for pid, agent in self.parties.items():
                ok = agent.allowed(levels)
                bad = ~ok[np.arange(self.worlds), levels[pid]]
                if bad.any():
                    u = agent.attendance_utility(levels)
                    below = np.arange(len(LEVELS))[None, :] <= levels[pid][:, None]
                    u = np.where(ok & below, u, -np.inf)
                    levels[pid] = np.where(bad, np.argmax(u, axis=1), levels[pid]).astype(np.int8)
                    changed = True
            if not changed:
                break
        for pid, agent in self.parties.items():
            agent.level = levels[pid]
            self._records[f"level.{pid}"] = levels[pid]

    def _announced(self) -> dict[str, np.ndarray]:
        return {pid: a.announced.copy() for pid, a in self.parties.items()}

    # --- phase 2: talks -----------------------------------------------------------------------

    def _talks(self) -> None:
        spec, n = self.spec, self.worlds
        principals = [self.parties[p] for p in spec.principals]
        attends = {pid: a.level > 0 for pid, a in self.parties.items()}
        held = np.logical_and.reduce([attends[p.party_id] for p in principals])
        leaders = np.logical_and.reduce([p.level == LEADER for p in principals])
        formats = {
            fid: np.logical_and.reduce([attends[p] for p in f.parties])
            for fid, f in spec.protocol.formats.items()
        }
        at_table = self._at_table(formats, attends)
        mediator = spec.protocol.mediator
        mediated = held & (at_table[mediator] if mediator else np.zeros(n, dtype=bool))
        agreed = np.zeros((n, len(self.issue_ids)), dtype=bool)
        text = np.full((n, len(self.issue_ids)), np.nan)
        active = held.copy()
        rounds_held = np.zeros(n, dtype=np.int8)
        rounds = spec.protocol.rounds
        weights = self._text_weights(at_table)
        for t in range(1, rounds + 1):
            if not active.any():
                break
            rounds_held[active] = t
            self._concede(principals, t, rounds, active, agreed)
            new_text = self._table_text(weights, mediated, principals, t, rounds)
            text = np.where(active[:, None] & ~agreed, new_text, text)
            self._respond(principals, text, t, rounds, mediated, active, agreed)
            done = agreed.all(axis=1) if spec.protocol.agreement == "issue_by_issue" else agreed.any(axis=1)
            walked = np.zeros(n, dtype=bool)
            for p in principals:
                w = active & ~done & p.walks_away(text)
                p.walked_away |= w
                walked |= w
            active &= ~done & ~walked
        self._record_talks(held, leaders, mediated, formats, rounds_held, agreed, text, principals)

    def _at_table(
        self, formats: dict[str, np.ndarray], attends: dict[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        """Per party and world: attending and sharing a held format with a principal.

        Principals are at the table whenever they attend; others only through a format.
        """
        principals = set(self.spec.principals)
        table = {pid: attends[pid] & (pid in principals) for pid in self.parties}
        for fid, f in self.spec.protocol.formats.items():
            if principals & set(f.parties):
                for pid in f.parties:
                    table[pid] = table[pid] | formats[fid]
        return table

    def _concede(
        self,
        principals: list[PartyAgent],
        t: int,
        rounds: int,
        active: np.ndarray,
        agreed: np.ndarray,
    ) -> None:
        """Principals move toward their limits; positions on agreed issues stay put."""
        for p in principals:
            move = active[:, None] & ~agreed
            p.position = np.where(move, p.concede(t, rounds), p.position)
            p.history.append(p.position.copy())

    def _table_text(
        self,
        weights: dict[str, np.ndarray],
        mediated: np.ndarray,
        principals: list[PartyAgent],
        t: int,
        rounds: int,
    ) -> np.ndarray:
        """The text on the table per world and issue.

        Mediated: the capability x salience weighted mean of the positions of everyone at the
        table (the expected-utility forecasting family's weighted mean), moved to the nearest
        text every principal would accept now, when one exists — a mediator looks for the zone
        of agreement rather than tabling what one side must refuse. Unmediated: the plain mean of
        the principals' positions.
        """
        num = np.zeros((self.worlds, len(self.issue_ids)))
        den = np.zeros_like(num)
        for pid, w in weights.items():
            num += w * np.nan_to_num(self.parties[pid].position)
            den += w
        plain = np.mean([p.position for p in principals], axis=0)
        weighted = np.where(den > EPS, num / np.maximum(den, EPS), plain)
        ranges = [p.acceptable_range(t, rounds) for p in principals]
        lo = np.max([r[0] for r in ranges], axis=0)
        hi = np.min([r[1] for r in ranges], axis=0)
        weighted = np.where(lo <= hi, np.clip(weighted, lo, hi), weighted)
        return np.where(mediated[:, None], weighted, plain)

    def _text_weights(self, at_table: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Each party's pull on the text per world and issue: capability x salience, if at the table."""
        weights = {}
        for pid, agent in self.parties.items():
            w = self.value(f"parties.{pid}.capability")[:, None] * agent.salience
            weights[pid] = np.where(at_table[pid][:, None] & ~np.isnan(agent.ideal), w, 0.0)
        return weights

    def _respond(
        self,
        principals: list[PartyAgent],
        text: np.ndarray,
        t: int,
        rounds: int,
        mediated: np.ndarray,
        active: np.ndarray,
        agreed: np.ndarray,
    ) -> None:
        """Principals accept or reject the text; agreed issues are locked (in place)."""
        accept = np.logical_and.reduce([p.accepts(text, t, rounds, mediated) for p in principals])
        accept &= active[:, None]
        if self.spec.protocol.agreement == "package":
            accept = np.repeat(accept.all(axis=1, keepdims=True), accept.shape[1], axis=1)
        agreed |= accept

    # --- phase 3: aftermath -------------------------------------------------------------------

    def _aftermath(self) -> None:
        self._carry_out_threats()
        r = self._records
        agreed = np.stack([r[f"agreed.{i}"] for i in self.issue_ids], axis=1)
        walked = np.logical_or.reduce([r[f"walkout.{p}"] for p in self.spec.principals])
        outcome = np.select(
            [~r["talks.direct"], agreed.all(axis=1), agreed.any(axis=1), walked],
            [0, 4, 3, 1],
            default=2,
        ).astype(np.int8)
        r["outcome"] = outcome

    def _carry_out_threats(self) -> None:
        """Each triggered threat is carried out with probability equal to its credibility."""
        r = self._records
        agreed_any = np.logical_or.reduce([r[f"agreed.{i}"] for i in self.issue_ids])
        ceasefire = r.get("agreed.ceasefire")
        if ceasefire is None:  # a scenario without a ceasefire issue: any agreement counts
            ceasefire = agreed_any
        for tid, t in self.spec.threats.items():
            trigger = {
                "no_ceasefire": ~ceasefire,
                "no_agreement": ~agreed_any,
                "absent": self.parties[t.against].level == 0,
                "walkout": self.parties[t.against].walked_away,
            }[t.trigger]
            u = self.streams.uniform(f"threat:{tid}", self.worlds)
            r[f"threat.{tid}"] = trigger & (u < self.value(f"threats.{tid}.credibility"))

    # --- set-up and records -------------------------------------------------------------------

    def _draw_values(self, quantiles: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        values: dict[str, np.ndarray] = {}
        for path, slot in self.slots.items():
            p: Param = slot.param
            if not p.uncertain:
                # A read-only view: fixed values cost no memory or time per world.
                values[path] = np.broadcast_to(float(p.value), (self.worlds,))  # type: ignore[arg-type]
                continue
            q = quantiles.get(path)
            if q is None:
                q = self.streams.uniform(f"param:{path}", self.worlds)
            values[path] = p.ppf(np.clip(q, 1e-9, 1 - 1e-9), slot.low, slot.high)
        return values

    def _init_records(self) -> None:
        self._records: dict[str, np.ndarray] = {}
        for path, slot in self.slots.items():
            if slot.param.uncertain:
                self._records[f"param.{path}"] = self.values[path]

    def _record_talks(
        self,
        held: np.ndarray,
        leaders: np.ndarray,
        mediated: np.ndarray,
        formats: dict[str, np.ndarray],
        rounds_held: np.ndarray,
        agreed: np.ndarray,
        text: np.ndarray,
        principals: list[PartyAgent],
    ) -> None:
        r = self._records
        r["talks.direct"] = held
        r["talks.leaders"] = leaders
        r["talks.mediated"] = mediated
        r["rounds"] = rounds_held
        for fid, f in formats.items():
            r[f"format.{fid}"] = f
        for k, iid in enumerate(self.issue_ids):
            r[f"agreed.{iid}"] = agreed[:, k]
            r[f"text.{iid}"] = np.where(held, text[:, k], np.nan)
        for p in principals:
            r[f"walkout.{p.party_id}"] = p.walked_away.copy()
            direction = np.sign(p.red_line - p.ideal)
            final = np.where(agreed, text, p.position)
            moved = np.maximum(0.0, (final - p.ideal) * direction)
            for k, iid in enumerate(self.issue_ids):
                r[f"position.{p.party_id}.{iid}"] = np.where(held, final[:, k], np.nan)
                r[f"concession.{p.party_id}.{iid}"] = np.where(held, moved[:, k], np.nan)
