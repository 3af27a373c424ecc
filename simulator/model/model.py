"""The negotiation model: one Mesa model simulating a batch of independent worlds at once.

A world plays out in three phases, one per :meth:`NegotiationModel.step`:

1. **attendance** — each world's levels are drawn from the logit quantal-response equilibrium of
   the attendance game (:mod:`simulator.model.attendance`): the parties named in commitments'
   conditions choose first, the others answer them; no announcement order enters;
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

from simulator.model import attendance, rules
from simulator.model.agents import LEADER, PartyAgent
from simulator.model.protocols.base import RunCache, Table, TalksOutcome, protocol_for
from simulator.model.values import TALKS_TRIGGERS, draw_values, threat_pressure
from simulator.randomness import Streams, as_seed_sequence
from simulator.scenario import events as ke
from simulator.scenario.events import Outcome
from simulator.scenario.schema import LEVELS, ParamSlot, Scenario

PHASES = ("attendance", "talks", "aftermath")


class NegotiationModel(mesa.Model):  # type: ignore[misc]  # Mesa ships no type hints
    """A batch of ``worlds`` independent plays of one scenario.

    Args:
        scenario: A validated scenario (see :func:`simulator.load_scenario`).
        worlds: How many worlds to simulate at once.
        rng: Seed (int), SeedSequence or Generator; all randomness flows from it.
        quantiles: Optional quantiles in (0, 1) per uncertain parameter path, arrays of length
            ``worlds``; used instead of random draws (sensitivity analysis supplies these).
        agents: Optional agent class per party id, to change a party's decision rules.
        crn_period: Optional P: world i then sees the random numbers of world i mod P, so blocks of
            P worlds share them (sensitivity analysis: every sample row plays the same P worlds).
        values: Optional value per parameter path (arrays of length ``worlds``), used instead of
            drawing them (a campaign's later meetings, see :mod:`simulator.model.campaign`).
        streams: Optional named streams to draw from instead of ``Streams(rng)`` (a campaign
            gives each later meeting its own).
        slots: Optional ``scenario.parameter_slots()``, when the caller has it already.

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
        crn_period: int | None = None,
        values: Mapping[str, np.ndarray] | None = None,
        streams: Streams | None = None,
        slots: Mapping[str, ParamSlot] | None = None,
        learnt: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
    ) -> None:
        seed = as_seed_sequence(rng)
        # negsim draws only from self.streams; Mesa's own rng (self.rng, self.random) is seeded from
        # the same SeedSequence, so an agent variant that uses it stays reproducible.
        super().__init__(rng=seed)
        self.spec = scenario
        self.worlds = int(worlds)
        self.streams = streams if streams is not None else Streams(seed, crn_period)
        self.issue_ids = list(scenario.issues)
        self.slots = dict(slots) if slots is not None else scenario.parameter_slots()
        # A campaign's later meetings pass every parameter's value as carried over (no draws).
        self.values = (
            dict(values)
            if values is not None
            else draw_values(self.slots, self.spec, self.streams, self.worlds, quantiles or {})
        )
        self._outside: dict[str, np.ndarray] = {}
        self._gain: dict[str, np.ndarray] | None = None
        self.protocol = protocol_for(scenario.protocol.kind)  # one instance per batch: it may cache
        self.talks: TalksOutcome | None = None
        #: The attendance game's equilibrium, once the attendance phase has run.
        self.equilibrium: attendance.Equilibrium | None = None
        #: What each principal learnt of the other at earlier meetings of a campaign: ``(lo, hi)``
        #: bounds on the other's reservation value per world (empty: nothing learnt yet).
        self.learnt: dict[str, tuple[np.ndarray, np.ndarray]] = dict(learnt or {})
        #: Per principal, its concession lines from earlier meetings of a campaign and the cost of
        #: going back on them: ``(line (worlds, issues), NaN where none; cost (worlds,))`` (empty:
        #: none; read by a protocol with ``concession_lines``).
        self.concessions: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        #: Per-batch results a protocol computes once (e.g. the EUM's forecast, before and at the talks).
        self.cache = RunCache()
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

    def world(self, index: int = 0, *, params: bool = False) -> dict[str, object]:
        """One world's story so far, by name: what a notebook stepping through one world shows.

        Returns ``phase`` (the last phase played, None before the first step), then
        ``announced.<party>`` (the level each party signals now, a name such as ``"minister"``),
        and every record written so far for world ``index`` as a plain Python value: levels
        (``level.<party>``), the ``outcome`` and the ``protocol`` played as names, flags as
        ``bool``, positions and concessions as ``float``; the drawn parameters
        (``param.<path>``) too with ``params=True`` (or one at a time: :meth:`value`).

        Example:
            >>> model = NegotiationModel(load_scenario("istanbul_2025"), worlds=1, rng=7)
            >>> model.step()
            >>> model.world()["level.russia"] in ("absent", "official", "minister", "leader")
            True
        """
        if not 0 <= index < self.worlds:
            raise IndexError(f"world {index} is not one of this model's {self.worlds} worlds")
        kinds = list(self.spec.protocol.weights)  # the ``protocol`` record indexes these
        story: dict[str, object] = {"phase": PHASES[self.phase - 1] if self.phase else None}
        for pid, agent in self.parties.items():
            story[f"announced.{pid}"] = LEVELS[int(agent.announced[index])].value
        for key, column in self._records.items():
            if key.startswith(ke.PARAM.prefix()) and not params:
                continue
            x = column[index]
            if ke.LEVEL_COLUMN.matches(key) is not None:
                story[key] = LEVELS[int(x)].value
            elif key == ke.OUTCOME_COLUMN.key():
                story[key] = Outcome(int(x)).key
            elif key == ke.PROTOCOL_COLUMN.key():
                story[key] = kinds[int(x)]
            elif column.dtype == np.bool_:
                story[key] = bool(x)
            elif np.issubdtype(column.dtype, np.integer):
                story[key] = int(x)
            else:
                story[key] = float(x)
        return story

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
        return threat_pressure(self.spec, self.value, self._reactance(party), self.worlds, party, triggers)

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
        """Levels drawn from the attendance game's logit QRE (:mod:`simulator.model.attendance`).

        No announcement order enters: the equilibrium is solved for all parties at once, the
        parties named in commitments' conditions choosing first and the others answering them.
        ``only_if`` commitments are enforced on the drawn levels (a changed ``choose_level`` may
        ignore them).
        """
        self.equilibrium = attendance.solve(self.parties, self.value("protocol.choice_noise"), self.worlds)
        shape = (self.worlds, len(LEVELS))
        noise = {pid: self.streams.gumbel(f"attendance:{pid}:1", shape) for pid in self.parties}
        chosen, levels = attendance.draw(self.parties, self.equilibrium, noise, self.worlds)
        self._enforce_only_if(levels)
        for pid, agent in self.parties.items():
            agent.announced = chosen[pid]
            agent.announcements.append(chosen[pid])
            agent.last_noise = noise[pid]
            agent.level = levels[pid]
            self._records[ke.LEVEL_COLUMN.key(pid)] = levels[pid]

    def _enforce_only_if(self, levels: dict[str, np.ndarray]) -> None:
        """Lower any level an ``only_if`` forbids to the best allowed one below, until consistent."""
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

    # --- phase 2: talks -----------------------------------------------------------------------

    def _talks(self) -> None:
        """Who sits down (the same for every protocol), then the scenario's protocol plays the talks."""
        table = self._table()
        outcome = self.protocol.negotiate(self, table)
        for pid, walked in (outcome.walked or {}).items():
            self.parties[pid].walked_away = walked
        for pid, pos in outcome.positions.items():
            self.parties[pid].position = pos
        rule = self.spec.protocol.rule
        if rule.kind != "unanimity_of_principals":
            if rule.agenda_setter is not None:  # the setter drafts the text the bodies vote on
                outcome.text = self._redrafted(outcome.text)
            outcome.agreed = outcome.agreed & self._adopted(outcome.text)
        self.talks = outcome
        self._record_talks(table, outcome)

    def _voters(self, iid: str) -> tuple[list[str], np.ndarray, np.ndarray]:
        """The parties with a position on ``iid``, their ideals ``(worlds, n)`` and the reversion."""
        rev_path = f"issues.{iid}.reversion"
        reversion = self.values[rev_path] if rev_path in self.values else np.full(self.worlds, np.nan)
        voters = [pid for pid, party in self.spec.parties.items() if iid in party.positions]
        ideals = [self.values[f"parties.{pid}.positions.{iid}.ideal"] for pid in voters]
        return voters, np.stack(ideals, axis=1), reversion

    def _redrafted(self, text: np.ndarray) -> np.ndarray:
        """``(worlds, issues)``: the agenda setter's draft of each issue's text, the adoptable text
        nearest the one the talks produced (:func:`simulator.model.rules.redraft`)."""
        out = text.copy()
        for k, iid in enumerate(self.issue_ids):
            voters, ideals, reversion = self._voters(iid)
            out[:, k] = rules.redraft(
                text[:, k], ideals, reversion, self.spec.protocol.rule, voters, self.spec.principals
            )
        return out

    def _adopted(self, text: np.ndarray) -> np.ndarray:
        """``(worlds, issues)``: whether the scenario's decision rule adopts each issue's text.

        Every party with a position votes for a text at least as close to its ideal as the
        issue's reversion point (every party accepts when the issue states none); each body of
        ``protocol.rule`` then decides by its own vote (:func:`simulator.model.rules.decide`).
        """
        out = np.ones(text.shape, dtype=bool)
        for k, iid in enumerate(self.issue_ids):
            rev_path = f"issues.{iid}.reversion"
            reversion = self.values[rev_path] if rev_path in self.values else np.full(self.worlds, np.nan)
            accepts = {}
            for pid, party in self.spec.parties.items():
                if iid in party.positions:
                    ideal = self.values[f"parties.{pid}.positions.{iid}.ideal"]
                    accepts[pid] = rules.accepts_over_reversion(ideal[:, None], text[:, k], reversion)[:, 0]
            out[:, k] = rules.decide(self.spec.protocol.rule, accepts, self.spec.principals)
        return out

    def _table(self) -> Table:
        """Whether the principals meet (and their leaders), which formats are held, who is at the table.

        Principals are at the table whenever they attend; others only through a held format that
        includes a principal. The mediator mediates when it is at the table with the principals.
        """
        spec = self.spec
        principals = [self.parties[p] for p in spec.principals]
        attends = {pid: a.level > 0 for pid, a in self.parties.items()}
        held = np.logical_and.reduce([attends[p.party_id] for p in principals])
        leaders = np.logical_and.reduce([p.level == LEADER for p in principals])
        formats = {
            fid: np.logical_and.reduce([attends[p] for p in f.parties])
            for fid, f in spec.protocol.formats.items()
        }
        names = set(spec.principals)
        at_table = {pid: attends[pid] & (pid in names) for pid in self.parties}
        for fid, f in spec.protocol.formats.items():
            if names & set(f.parties):
                for pid in f.parties:
                    at_table[pid] = at_table[pid] | formats[fid]
        mediator = spec.protocol.mediator
        mediated = held & (at_table[mediator] if mediator else np.zeros(self.worlds, dtype=bool))
        return Table(held, leaders, mediated, formats, at_table)

    def expected_gain(self, party: str) -> np.ndarray:
        """What ``party`` expects a deal to add to no deal, per world (0 for non-principals).

        The attendance phase's look-ahead; computed once per batch by the scenario's protocol.
        """
        if self._gain is None:
            self._gain = self.protocol.expected_gain(self)
        return self._gain.get(party, np.zeros(self.worlds))

    # --- phase 3: aftermath -------------------------------------------------------------------

    def _aftermath(self) -> None:
        self._carry_out_threats()
        r = self._records
        agreed = np.stack([r[ke.AGREED.key(i)] for i in self.issue_ids], axis=1)
        # A protocol without walk-outs records none: nothing then collapses.
        walked = np.logical_or.reduce(
            [r.get(ke.WALKOUT.key(p), np.zeros(self.worlds, dtype=bool)) for p in self.spec.principals]
        )
        outcome = np.select(
            [~r[ke.TALKS_DIRECT.key()], agreed.all(axis=1), agreed.any(axis=1), walked],
            [Outcome.NO_TALKS, Outcome.AGREEMENT, Outcome.PARTIAL_AGREEMENT, Outcome.COLLAPSE],
            default=Outcome.CONTINUE,
        ).astype(np.int8)
        r[ke.OUTCOME_COLUMN.key()] = outcome

    def _carry_out_threats(self) -> None:
        """Each triggered threat is carried out with probability equal to its credibility."""
        r = self._records
        for tid, trigger in self.triggers().items():
            u = self.streams.uniform(f"threat:{tid}", self.worlds)
            r[ke.THREAT.key(tid)] = trigger & (u < self.value(f"threats.{tid}.credibility"))

    def triggers(self) -> dict[str, np.ndarray]:
        """Per threat, the worlds where its trigger fired (after the talks)."""
        r = self._records
        agreed_any = np.logical_or.reduce([r[ke.AGREED.key(i)] for i in self.issue_ids])
        headline = r[ke.AGREED.key(ke.headline_issue(self.spec))]
        return {
            tid: {
                "no_ceasefire": ~headline,  # the headline issue (docs/model.md) is not agreed
                "no_agreement": ~agreed_any,
                "absent": self.parties[t.against].level == 0,
                "walkout": self.parties[t.against].walked_away,
            }[t.trigger]
            for tid, t in self.spec.threats.items()
        }

    # --- set-up and records -------------------------------------------------------------------

    def _init_records(self) -> None:
        self._records: dict[str, np.ndarray] = {}
        for path, slot in self.slots.items():
            if slot.param.uncertain:
                self._records[ke.PARAM.key(path)] = self.values[path]

    def _record_talks(self, table: Table, outcome: TalksOutcome) -> None:
        r = self._records
        held = table.held
        r[ke.TALKS_DIRECT.key()] = held
        r[ke.TALKS_LEADERS.key()] = table.leaders
        r[ke.TALKS_MEDIATED.key()] = table.mediated
        r[ke.ROUNDS.key()] = outcome.rounds
        if outcome.played is not None:
            r[ke.PROTOCOL_COLUMN.key()] = outcome.played
        if outcome.ended is not None:
            r[ke.TALKS_END.key()] = outcome.ended
        if outcome.agreed_round is not None:
            r[ke.AGREED_ROUND.key()] = outcome.agreed_round
        if outcome.zopa is not None:
            r[ke.ZOPA.key()] = outcome.zopa.all(axis=1)
            for k, iid in enumerate(self.issue_ids):
                r[ke.ZOPA_ISSUE.key(iid)] = outcome.zopa[:, k]
        for fid, f in table.formats.items():
            r[ke.FORMAT.key(fid)] = f
        for k, iid in enumerate(self.issue_ids):
            r[ke.AGREED.key(iid)] = outcome.agreed[:, k]
            r[ke.TEXT.key(iid)] = np.where(held, outcome.text[:, k], np.nan)
        for pid in self.spec.principals:
            p = self.parties[pid]
            if outcome.walked is not None:
                r[ke.WALKOUT.key(pid)] = outcome.walked[pid].copy()
            if pid in outcome.referred:
                r[ke.REFERRED.key(pid)] = outcome.referred[pid]
                r[ke.REJECTED.key(pid)] = outcome.rejected[pid]
            direction = np.sign(p.red_line - p.ideal)
            final = outcome.positions[pid]
            moved = np.maximum(0.0, (final - p.ideal) * direction)
            for k, iid in enumerate(self.issue_ids):
                r[ke.POSITION.key(pid, iid)] = np.where(held, final[:, k], np.nan)
                r[ke.CONCESSION.key(pid, iid)] = np.where(held, moved[:, k], np.nan)
