"""The scenario schema: parties, issues, positions, attendance, threats, pressures and protocol.

A scenario is a strict pydantic v2 record (unknown keys are errors, numbers have ranges, ids are
checked for references) built from YAML by :mod:`simulator.scenario.load`. Collections that users address
by name (``parties``, ``issues``, ``threats``, ``pressures``, ``formats``) are mappings keyed by
id, so a what-if file (``extends:``) or ``--set parties.russia.attendance.legitimacy_cost=0.3``
can name exactly what it changes.

See ``docs/scenario-format.md`` for the format with a worked example, and ``docs/model.md`` for
what each parameter does in the model.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, PrivateAttr, ValidationInfo, field_validator, model_validator

from simulator import plugins
from simulator.scenario.campaign import Campaign
from simulator.scenario.levels import LEVELS, Level, Role
from simulator.scenario.params import (
    Param,
    Strict,
    Unit,
)
from simulator.scenario.parties import (
    COUNTERPART_TERMS,
    ID_PATTERN,
    Attendance,
    Commitment,
    Condition,
    Dropped,
    Id,
    Initial,
    Mandate,
    Party,
    Position,
    Watcher,
)
from simulator.scenario.protocol import Factor, Format, Protocol, ProtocolKind
from simulator.scenario.provenance import Basis, path_problems
from simulator.scenario.slots import ParamSlot, slots_of
from simulator.scenario.yamlsafe import dump_yaml


class Issue(Strict):
    """One negotiated dimension on a 0..1 scale, with both ends described in words."""

    name: str
    low: str = Field(description="What 0 means.")
    high: str = Field(description="What 1 means.")
    separable: bool = Field(
        default=False,
        description=(
            "Agreed on its own, outside the package (a humanitarian step, a next meeting): "
            "what makes a partial agreement possible under agreement: package."
        ),
    )
    reversion: Unit | None = Field(
        default=None,
        description="The policy that holds without agreement (reversion point, 0..1).",
    )


class Threat(Strict):
    """A public threat: ``by`` does ``action`` to ``against`` if ``trigger`` happens."""

    by: Id
    against: Id
    action: Literal["sanctions", "other"] = "sanctions"
    trigger: Literal["no_ceasefire", "no_agreement", "absent", "walkout"]
    description: str = ""
    credibility: Unit = Field(description="Probability of carrying it out once triggered.")
    believed: Unit | None = Field(
        default=None, description="How credible the target finds it (default: credibility)."
    )
    severity: Unit = Field(description="How much it hurts the target, on the scale of a deal's value.")


class Pressure(Strict):
    """Pressure on a party to attend (any level), from a party or an outside actor."""

    by: str = Field(min_length=1, description="A party id or the name of an outside actor.")
    on: Id
    strength: Unit


class Scenario(Strict):
    """A whole scenario: who negotiates over what, and how. Load it with ``load_scenario``."""

    name: str
    description: str = ""
    as_of: str = Field(
        default="",
        description=(
            "The forecast's information cut-off (YYYY-MM-DD[THH:MM], UTC): inputs citing seeds "
            "published later use their as_of: fallbacks. Commands use it unless --as-of says otherwise."
        ),
    )
    cut_off_applied: Literal[True] | None = Field(
        default=None,
        description=(
            "Written by the loader once the as_of cut-off has been applied (a run's resolved copy): "
            "loading it again does not apply the cut-off twice."
        ),
    )
    seeds: str = Field(default="../seeds", description="Folder of seed articles, relative to file.")
    issues: dict[Id, Issue] = Field(min_length=1)
    headline_issue: Id | None = Field(
        default=None,
        description=(
            "The issue whose agreement ends a campaign and whose absence triggers 'no_ceasefire' "
            "threats (default: the first issue)."
        ),
    )
    parties: dict[Id, Party] = Field(min_length=2)
    threats: dict[Id, Threat] = Field(default_factory=dict)
    pressures: dict[Id, Pressure] = Field(default_factory=dict)
    factors: dict[Id, Factor] = Field(default_factory=dict)
    datasets: dict[Id, str] = Field(
        default_factory=dict, description="Dataset files cited by sources, by id, relative to the file."
    )
    protocol: Protocol
    provenance: dict[str, Basis] = Field(
        default_factory=dict,
        description="What inputs that are not parameters (issues, levels, formats, ...) rest on, by path.",
    )
    campaign: Campaign | None = Field(
        default=None, description="Meetings over calendar time (absent: one meeting)."
    )

    @field_validator("as_of")
    @classmethod
    def _when(cls, v: str) -> str:
        if v:
            import datetime as dt

            try:
                dt.datetime.fromisoformat(v) if "T" in v else dt.date.fromisoformat(v)
            except ValueError:
                raise ValueError(f"'{v}' is not YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC)") from None
        return v

    # Where the scenario was loaded from (set by the loader; None for scenarios built in Python).
    _path: Path | None = PrivateAttr(default=None)
    _seeds_dir: Path | None = PrivateAttr(default=None)

    @property
    def path(self) -> Path | None:
        """The file this scenario was loaded from, if any."""
        return self._path

    @property
    def seeds_dir(self) -> Path | None:
        """The folder of seed articles its sources were checked against, if loaded from a file."""
        return self._seeds_dir

    def to_yaml(self) -> str:
        """The scenario as YAML, exactly as it runs (after ``extends:`` and ``--set``)."""
        return dump_yaml(self.model_dump(mode="json", exclude_none=True))

    def sha256(self) -> str:
        """A fingerprint of what the scenario simulates (its YAML, less where the seeds live).

        The seeds folder is left out: it moves when a run folder's resolved copy is written, and
        it changes no number.
        """
        data = self.model_dump(mode="json", exclude_none=True, exclude={"seeds"})
        return hashlib.sha256(dump_yaml(data).encode()).hexdigest()

    @model_validator(mode="after")
    def _references(self, info: ValidationInfo) -> Self:
        # The loader defers this check so it can place each problem at its own line and column.
        if not (info.context or {}).get("defer_references"):
            problems = [f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in self.reference_problems()]
            if problems:
                raise ValueError("; ".join(problems))
        return self

    def reference_problems(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        """Yield ``(location, message)`` for every id that refers to nothing, and similar."""
        parties, issues = set(self.parties), set(self.issues)
        known = ", ".join(sorted(parties))

        def ref(pid: str | None, *loc: str | int) -> Iterator[tuple[tuple[str | int, ...], str]]:
            if pid is not None and pid not in parties:
                yield loc, f"unknown party '{pid}' (parties: {known})"

        for pid, p in self.parties.items():
            a = p.attendance
            at = ("parties", pid, "attendance")
            yield from ref(a.counterpart, *at, "counterpart")
            if a.counterpart is not None:
                missing_terms = [n for n in COUNTERPART_TERMS if getattr(a, n) is None]
                if missing_terms:
                    yield at, f"a party with a counterpart needs {', '.join(repr(n) for n in missing_terms)}"
            if a.watcher:
                yield from ref(a.watcher.party, *at, "watcher", "party")
            if a.initial.level not in a.levels:
                yield (*at, "initial", "level"), f"level '{a.initial.level}' is not in levels"
            for i, c in enumerate(a.commitments):
                if c.condition:
                    yield from ref(c.condition.party, *at, "commitments", i, "condition", "party")
            for iid in p.positions:
                if iid not in issues:
                    yield (
                        ("parties", pid, "positions", iid),
                        (f"unknown issue '{iid}' (issues: {', '.join(sorted(issues))})"),
                    )
            if p.role == Role.principal:
                missing = sorted(issues - set(p.positions))
                if missing:
                    yield (
                        ("parties", pid, "positions"),
                        (f"a principal needs a position on every issue; missing: {', '.join(missing)}"),
                    )
                for name in ("outside_option", "reactance"):
                    if getattr(p, name) is None:
                        yield ("parties", pid), f"a principal needs '{name}'"
        if self.headline_issue is not None and self.headline_issue not in issues:
            yield (
                ("headline_issue",),
                f"unknown issue '{self.headline_issue}' (issues: {', '.join(sorted(issues))})",
            )
        for tid, t in self.threats.items():
            yield from ref(t.by, "threats", tid, "by")
            yield from ref(t.against, "threats", tid, "against")
        for qid, q in self.pressures.items():
            yield from ref(q.on, "pressures", qid, "on")
        pr = self.protocol
        order = pr.announcement_order or []
        for i, pid in enumerate(order):
            yield from ref(pid, "protocol", "announcement_order", i)
        if order and sorted(order) != sorted(parties) and set(order) <= parties:
            yield (
                ("protocol", "announcement_order"),
                (f"must list every party exactly once (parties: {known})"),
            )
        yield from ref(pr.mediator, "protocol", "mediator")
        for fid, f in pr.formats.items():
            for i, pid in enumerate(f.parties):
                yield from ref(pid, "protocol", "formats", fid, "parties", i)
        for bid, body in pr.rule.bodies.items():
            for i, pid in enumerate(body.members):
                yield from ref(pid, "protocol", "rule", "bodies", bid, "members", i)
        yield from ref(pr.rule.agenda_setter, "protocol", "rule", "agenda_setter")
        if len(self.principals) < 2:
            yield ("parties",), "at least two parties need role 'principal'"
        else:  # each protocol's own limits (an ensemble: its members')
            yield from plugins.protocol_class(pr.kind).check(self)
        yield from self._red_line_problems()
        if self.campaign is not None:
            for pid in self.campaign.drift:
                yield from ref(pid, "campaign", "drift", pid)
                if pid in parties and self.parties[pid].outside_option is None:
                    yield ("campaign", "drift", pid), f"'{pid}' has no outside_option to drift"
            for did, d in self.campaign.deadlines.items():
                for i, tid in enumerate(d.threats):
                    if tid not in self.threats:
                        yield (
                            ("campaign", "deadlines", did, "threats", i),
                            f"unknown threat '{tid}' (threats: {', '.join(sorted(self.threats)) or 'none'})",
                        )
        yield from self._factor_problems()
        data = self.model_dump(mode="json", exclude_none=True, exclude={"provenance"})
        yield from path_problems(self.provenance, data, set(self.parameter_slots()))

    def _red_line_problems(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        """A principal's red line must lie on one side of its ideal.

        A red line whose range reaches across the ideal's would flip, world by world, which side
        the principal accepts (``ideal=0.5`` with a red line drawn from 0.2 to 0.7). (A red line
        on the far side from the other principal is allowed: it accepts every move toward it.)
        """
        for pid in self.principals:
            for iid, pos in self.parties[pid].positions.items():
                (ilo, ihi), (rlo, rhi) = _range(pos.ideal), _range(pos.red_line)
                at = ("parties", pid, "positions", iid, "red_line")
                if rlo < ihi - 1e-12 and rhi > ilo + 1e-12:
                    yield (
                        at,
                        (
                            f"red line range [{rlo:g}, {rhi:g}] reaches across the ideal's "
                            f"[{ilo:g}, {ihi:g}]: it must lie on one side of the ideal"
                        ),
                    )

    def _factor_problems(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        uncertain = self.uncertain_parameters()
        squares: dict[str, float] = {}
        for fid, f in self.factors.items():
            for path, weight in f.loadings.items():
                # A loading on a fixed parameter (say one fixed with --set) has nothing to move.
                if path not in uncertain and path not in self.parameter_slots():
                    yield ("factors", fid, "loadings", path), f"'{path}' is no parameter of this scenario"
                squares[path] = squares.get(path, 0.0) + weight * weight
        for path, total in squares.items():
            if total > 1.0 + 1e-9:
                yield ("factors",), f"the squared loadings of '{path}' sum to {total:.2f}; at most 1"

    @property
    def principals(self) -> list[str]:
        """Ids of the principal parties, in file order."""
        return [pid for pid, p in self.parties.items() if p.role == Role.principal]

    def mandate_of(self, party: str) -> Mandate:
        """The party's own mandate if it has one, otherwise the protocol's."""
        return self.parties[party].mandate or self.protocol.mandate

    def parameters(self) -> dict[str, Param]:
        """Every Param in the scenario by dotted path, in file order."""
        return {path: slot.param for path, slot in self.parameter_slots().items()}

    def parameter_slots(self) -> dict[str, ParamSlot]:
        """Every Param with its dotted path and allowed range, in file order."""
        return {slot.path: slot for slot in slots_of(self, "", (-math.inf, math.inf))}

    def uncertain_parameters(self) -> dict[str, ParamSlot]:
        """The parameters drawn per world (the ones sensitivity analysis varies)."""
        return {k: s for k, s in self.parameter_slots().items() if s.param.uncertain}


def _range(p: Param) -> tuple[float, float]:
    """Where a unit-scale parameter's values lie: its support, or its 0.1%..99.9% range if unbounded."""
    lo, hi = p.support()
    if math.isinf(lo) or math.isinf(hi):
        import numpy as np  # here, not at the top: `negsim validate` stays light

        lo, hi = (float(v) for v in p.ppf(np.array([0.001, 0.999]), 0.0, 1.0))
    return lo, hi


#: The schema's one namespace: its own classes and every name it re-exports.
__all__ = [
    "COUNTERPART_TERMS",
    "ID_PATTERN",
    "LEVELS",
    "Attendance",
    "Commitment",
    "Condition",
    "Dropped",
    "Factor",
    "Format",
    "Id",
    "Initial",
    "Issue",
    "Level",
    "Mandate",
    "ParamSlot",
    "Party",
    "Position",
    "Pressure",
    "Protocol",
    "ProtocolKind",
    "Role",
    "Scenario",
    "Threat",
    "Watcher",
]
