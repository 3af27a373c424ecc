"""Strict reader of the DEU III tab-separated extract (``benchmarks/data/deu3/README.md``).

Layout: line 1 the quoted column names, line 2 a capability per actor (only in the position
columns), then one contested issue per line. Every value keeps the line it came from, so that a
number used elsewhere can be cited as ``{dataset: deu3, record: <issue id>, field: <column>}`` and
checked against the file with :func:`check_dataset_source`. All problems of a file are collected
and raised together as one :class:`~simulator.errors.ScenarioError` (``path:line:col: message``;
the column is the 1-based character position of the field in the line).

Fields are separated by tabs; a field may be wrapped in double quotes (a doubled quote inside is
one quote). Quoted fields never contain tabs in this format, so lines are split on tabs directly.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NamedTuple

import numpy as np

from simulator.errors import Problem, ScenarioError
from simulator.inputs import MAX_TABLE_BYTES, read_text, strict_float, why_not_a_number

DATASET = "deu3"
#: ``record`` to cite for a capability, which lives on line 2 rather than on an issue's line.
CAPABILITY_RECORD = "capabilities"
#: The columns before the actors' position columns, in order.
LEADING_COLUMNS = (
    "prnrnmc", "isnrnmc", "prnr", "prname", "isnr", "type", "council", "proc", "counvte",
    "proccde", "issues", "intro", "finact",
)  # fmt: skip
#: The two actors that are not member states.
INSTITUTIONS = ("com", "ep")
PROCEDURES = ("COD", "CNS")

Procedure = Literal["COD", "CNS"]
VotingRule = Literal["QMV", "Unan"]


@dataclass(frozen=True, slots=True)
class Deu3Actor:
    """One actor on one issue: position and salience on 0-100 (None when empty), capability."""

    actor: str
    position: float | None
    salience: float | None
    capability: float | None


@dataclass(frozen=True, slots=True)
class Deu3Issue:
    """One contested issue (one data line); ``line`` is its 1-based line number in the file."""

    line: int
    proposal: str
    proposal_name: str
    issue: str
    type: str
    council: str
    procedure: Procedure
    voting_rule: VotingRule
    actors: tuple[Deu3Actor, ...]
    reference_point: float | None
    outcome: float | None

    @property
    def has_outcome(self) -> bool:
        """False for the issues the extract keeps without an outcome: score them never."""
        return self.outcome is not None

    def actor(self, code: str) -> Deu3Actor:
        """The entry of actor ``code`` (``com``, ``ep``, ``de``, ...); KeyError when unknown."""
        for entry in self.actors:
            if entry.actor == code:
                return entry
        raise KeyError(code)


@dataclass(frozen=True, slots=True)
class Deu3Dataset:
    """A whole file: its columns, actors, capabilities (line 2) and issues, plus its raw lines."""

    path: str
    columns: tuple[str, ...]
    actors: tuple[str, ...]
    capabilities: tuple[float | None, ...]
    issues: tuple[Deu3Issue, ...]
    lines: tuple[str, ...] = field(repr=False)

    @property
    def member_states(self) -> tuple[str, ...]:
        """The actors other than the Commission and the Parliament."""
        return tuple(a for a in self.actors if a not in INSTITUTIONS)

    def with_outcome(self) -> tuple[Deu3Issue, ...]:
        """The issues that can be scored (the others are kept, flagged by ``has_outcome``)."""
        return tuple(i for i in self.issues if i.has_outcome)

    @property
    def n_without_outcome(self) -> int:
        """How many issues have no outcome, for a caller to report what it skipped."""
        return sum(not i.has_outcome for i in self.issues)

    def issue(self, issue_id: str) -> Deu3Issue:
        """The issue with dataset id ``issue_id`` (``d00032i1``); KeyError when absent."""
        for item in self.issues:
            if item.issue == issue_id:
                return item
        raise KeyError(issue_id)


class Deu3Arrays(NamedTuple):
    """Issues as arrays for vectorised models; NaN where the file has no value.

    ``positions`` and ``saliences`` are (issues, actors); ``capabilities`` is (actors,);
    ``member`` marks the member-state columns.
    """

    issues: tuple[str, ...]
    proposals: tuple[str, ...]
    actors: tuple[str, ...]
    member: np.ndarray
    positions: np.ndarray
    saliences: np.ndarray
    capabilities: np.ndarray
    reference_point: np.ndarray
    outcome: np.ndarray


def to_arrays(dataset: Deu3Dataset, issues: Sequence[Deu3Issue] | None = None) -> Deu3Arrays:
    """Stack ``issues`` (default: all of the dataset's) into :class:`Deu3Arrays`."""
    chosen = dataset.issues if issues is None else tuple(issues)

    def num(value: float | None) -> float:
        return math.nan if value is None else value

    shape = (len(chosen), len(dataset.actors))
    return Deu3Arrays(
        issues=tuple(i.issue for i in chosen),
        proposals=tuple(i.proposal for i in chosen),
        actors=dataset.actors,
        member=np.array([a not in INSTITUTIONS for a in dataset.actors], dtype=bool),
        positions=np.array([[num(a.position) for a in i.actors] for i in chosen], float).reshape(shape),
        saliences=np.array([[num(a.salience) for a in i.actors] for i in chosen], float).reshape(shape),
        capabilities=np.array([num(c) for c in dataset.capabilities], float),
        reference_point=np.array([num(i.reference_point) for i in chosen], float),
        outcome=np.array([num(i.outcome) for i in chosen], float),
    )


def read_deu3(path: str | Path, *, root: Path | None = None, limit: int = MAX_TABLE_BYTES) -> Deu3Dataset:
    """Read a DEU-format file; raise one ScenarioError listing every problem found.

    The file is read by :func:`simulator.inputs.read_text`: a regular file of at most ``limit``
    bytes, inside ``root`` when given.
    """
    text = read_text(path, what="DEU table", limit=limit, root=root)
    return parse_deu3(text, str(path))


def issue_key(issue_id: str) -> str:
    """The scenario id of a DEU issue (ids must be lower-case: ``n0062Bi1`` becomes ``n0062bi1``).

    The reader refuses two issues with one key (``D00032I1`` and ``d00032i1``): one would be lost.
    """
    key = re.sub(r"[^a-z0-9_]+", "_", issue_id.lower())
    return key if re.match(r"[a-z]", key) else "i_" + key


#: A proposal id names its scenario file (``<prnr>.yaml``): nothing that could leave the folder.
_PROPOSAL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}", re.ASCII)
#: Characters no field may hold (C0 but tab, DEL, C1, line separators): they would reach the
#: scenario files and the terminal.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


class _Line:
    """The fields of one line with their 1-based columns, and a problem collector."""

    def __init__(self, path: str, number: int, text: str, problems: list[Problem]) -> None:
        self.path, self.lineno, self.problems = path, number, problems
        self.raw = text.split("\t")
        self.cols: list[int] = []
        col = 1
        for raw in self.raw:
            self.cols.append(col)
            col += len(raw) + 1
        self.end = len(text) + 1
        self.values = [self._unquote(i) for i in range(len(self.raw))]

    def problem(self, index: int | None, message: str) -> None:
        col = self.end if index is None else self.cols[index]
        self.problems.append(Problem(self.path, self.lineno, col, message))

    def _unquote(self, index: int) -> str:
        raw = self.raw[index].strip()
        if _CONTROL.search(raw):
            self.problem(index, "a control character in this field (not allowed)")
            return _CONTROL.sub("", raw).strip('"')
        if not raw.startswith('"'):
            if '"' in raw:
                self.problem(index, f"stray double quote in field {raw!r}")
            return raw
        if len(raw) < 2 or not raw.endswith('"') or '"' in raw[1:-1].replace('""', ""):
            self.problem(index, f"unbalanced double quotes in field {raw!r}")
            return raw.strip('"')
        return raw[1:-1].replace('""', '"')

    def number(
        self, index: int, name: str, low: float | None = 0.0, high: float | None = 100.0
    ) -> float | None:
        """The field as a finite number in [low, high], None when empty; a problem otherwise."""
        text = self.values[index]
        if text == "":
            return None
        value = strict_float(text)
        if value is None:
            shown = f"{text!r}" if len(text) <= 24 else f"{text[:20]!r}..."
            self.problem(index, f"{name}: expected {why_not_a_number(text)}, found {shown}")
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"{low:g}-{high:g}" if high is not None else f">= {low:g}"
            self.problem(index, f"{name}: {value:g} is outside {bounds}")
            return None
        return value


def _actors_from_header(head: _Line, columns: list[str]) -> tuple[str, ...]:
    """Check the header's layout and return the actor codes of its position columns."""
    n = len(LEADING_COLUMNS)
    for i, expected in enumerate(LEADING_COLUMNS):
        if i >= len(columns) or columns[i] != expected:
            head.problem(min(i, len(columns) - 1), f"header: expected column {i + 1} to be {expected!r}")
            return ()
    rest = columns[n:]
    if len(rest) < 4 or rest[-2:] != ["rp", "out"] or len(rest) % 2:
        head.problem(n if len(columns) > n else None, "header: expected p<actor>... s<actor>... rp out")
        return ()
    half = (len(rest) - 2) // 2
    actors = tuple(c[1:] for c in rest[:half])
    for i, (p, s) in enumerate(zip(rest[:half], rest[half:-2], strict=True)):
        if not p.startswith("p") or s != "s" + p[1:] or len(p) < 2:
            head.problem(n + i, f"header: position column {p!r} needs a matching salience column")
            return ()
    if len(set(actors)) != len(actors):
        head.problem(n, "header: an actor's columns appear twice")
        return ()
    return actors


def _voting_rule(line: _Line, index: int) -> VotingRule | None:
    text = line.values[index]
    if text == "Unan":
        return "Unan"
    if text == "QMV" or (text.startswith("QMV(") and text.endswith(")") and text[4:-1].isdigit()):
        return "QMV"  # ``QMV(10)``: QMV, coded 10 in the source.
    line.problem(index, f"counvte: expected QMV, QMV(<code>) or Unan, found {text!r}")
    return None


def parse_deu3(text: str, path: str = "<deu3>") -> Deu3Dataset:
    """Parse the text of a DEU-format file (see the module docstring) named ``path`` in errors."""
    lines = text.split("\n")
    lines = [ln.removesuffix("\r") for ln in lines]
    while lines and lines[-1].strip() == "":
        lines.pop()
    problems: list[Problem] = []
    if len(lines) < 2:
        raise ScenarioError.single(path, len(lines) + 1, 1, "expected a header line and a capability line")
    head = _Line(path, 1, lines[0], problems)
    columns = head.values
    actors = _actors_from_header(head, columns)
    if not actors:
        raise ScenarioError(problems)
    width = len(columns)
    index = {c: i for i, c in enumerate(columns)}
    pos_idx = [index["p" + a] for a in actors]
    sal_idx = [index["s" + a] for a in actors]

    def parse(number: int) -> _Line | None:
        line = _Line(path, number, lines[number - 1], problems)
        if len(line.values) != width:
            where = width if len(line.values) > width else None
            line.problem(where, f"expected {width} tab-separated fields, found {len(line.values)}")
            return None
        return line

    cap_line = parse(2)
    capabilities: list[float | None] = [None] * len(actors)
    if cap_line is not None:
        for i, value in enumerate(cap_line.values):
            if value and i not in pos_idx:
                cap_line.problem(i, f"capability line: unexpected value in column {columns[i]!r}")
        capabilities = [
            cap_line.number(i, f"capability of {a}", 0.0, None) for a, i in zip(actors, pos_idx, strict=True)
        ]
        if not any(c for c in capabilities) and len(problems) == 0:
            cap_line.problem(pos_idx[0], "capability line: at least one capability must be above 0")

    issues: list[Deu3Issue] = []
    seen: dict[str, tuple[str, int]] = {}
    for number in range(3, len(lines) + 1):
        line = parse(number)
        if line is None:
            continue
        issue = _issue(line, index, actors, pos_idx, sal_idx, capabilities, seen)
        if issue is not None:
            issues.append(issue)
    if problems:
        raise ScenarioError(problems)
    return Deu3Dataset(path, tuple(columns), actors, tuple(capabilities), tuple(issues), tuple(lines))


def _issue(
    line: _Line,
    index: Mapping[str, int],
    actors: tuple[str, ...],
    pos_idx: list[int],
    sal_idx: list[int],
    capabilities: list[float | None],
    seen: dict[str, tuple[str, int]],
) -> Deu3Issue | None:
    """One data line as an issue, or None after recording its problems."""
    before = len(line.problems)
    v = line.values
    for name in ("prnr", "isnr", "type", "council"):
        if v[index[name]] == "":
            line.problem(index[name], f"{name}: missing")
    issue_id = v[index["isnr"]]
    key = issue_key(issue_id)
    if issue_id and key in seen:
        other, at = seen[key]
        same = "" if other == issue_id else f" (as {other!r}: both become the scenario id {key!r})"
        line.problem(index["isnr"], f"isnr: issue {issue_id!r} already on line {at}{same}")
    seen.setdefault(key, (issue_id, line.lineno))
    proposal = v[index["prnr"]]
    if proposal and not _PROPOSAL_ID.fullmatch(proposal):
        line.problem(
            index["prnr"], "prnr: a proposal id is 1-64 ASCII letters, digits, '_' or '-' (it names a file)"
        )
    elif proposal:
        folded = "prnr:" + proposal.lower()
        other, at = seen.setdefault(folded, (proposal, line.lineno))
        if other != proposal:
            line.problem(index["prnr"], f"prnr: {proposal!r} differs from {other!r} (line {at}) only by case")
    for name in ("prnrnmc", "isnrnmc", "proccde", "issues"):
        value = line.number(index[name], name, None, None)
        if value is not None and not value.is_integer():
            line.problem(index[name], f"{name}: expected a whole number, found {v[index[name]]!r}")
    procedure = v[index["proc"]]
    if procedure not in PROCEDURES:
        line.problem(index["proc"], f"proc: expected COD or CNS, found {procedure!r}")
    rule = _voting_rule(line, index["counvte"])
    entries = []
    for actor, p, s, cap in zip(actors, pos_idx, sal_idx, capabilities, strict=True):
        position = line.number(p, f"position of {actor}")
        salience = line.number(s, f"salience of {actor}")
        if position is not None and cap is None:
            line.problem(p, f"{actor} has a position but no capability on line 2")
        entries.append(Deu3Actor(actor, position, salience, cap))
    if all(e.position is None for e in entries) and len(line.problems) == before:
        line.problem(pos_idx[0], "no actor has a position on this issue")
    reference = line.number(index["rp"], "rp (reference point)")
    outcome = line.number(index["out"], "out (outcome)")
    if len(line.problems) > before or rule is None:
        return None
    return Deu3Issue(
        line=line.lineno,
        proposal=v[index["prnr"]],
        proposal_name=v[index["prname"]],
        issue=issue_id,
        type=v[index["type"]],
        council=v[index["council"]],
        procedure="COD" if procedure == "COD" else "CNS",
        voting_rule=rule,
        actors=tuple(entries),
        reference_point=reference,
        outcome=outcome,
    )


def check_dataset_source(
    dataset: Deu3Dataset, record_id: str, field: str, value: float | str | None
) -> Problem | None:
    """Check a cited value ``{dataset: deu3, record: record_id, field: field}`` against the file.

    ``record_id`` is an issue id (or :data:`CAPABILITY_RECORD` for line 2) and ``field`` a column
    name. The cell is re-read from the file's raw text, so a record altered after reading is
    caught too. Returns None when the cell holds ``value`` (numbers compared to 1e-9; None means
    an empty cell), else a Problem located at the cell.
    """
    if field not in dataset.columns:
        return Problem(dataset.path, 1, 0, f"deu3: no column {field!r}")
    if record_id == CAPABILITY_RECORD:
        number = 2
    else:
        try:
            number = dataset.issue(record_id).line
        except KeyError:
            return Problem(dataset.path, 0, 0, f"deu3: no record {record_id!r}")
    line = _Line(dataset.path, number, dataset.lines[number - 1], [])
    col = dataset.columns.index(field)
    if len(line.values) != len(dataset.columns) or (
        number > 2 and line.values[dataset.columns.index("isnr")] != record_id
    ):
        return Problem(dataset.path, number, 1, f"deu3: line {number} is no longer record {record_id!r}")
    found = line.values[col]
    if _same(found, value):
        return None
    # Name a number, never other text: a dataset path may point at a file that is not a dataset.
    shown = (
        "empty"
        if found == ""
        else repr(found)
        if strict_float(found) is not None and len(found) <= 24
        else "something else"
    )
    return Problem(
        dataset.path, number, line.cols[col], f"deu3 {record_id}.{field}: cited {value!r}, file has {shown}"
    )


def _same(found: str, value: float | str | None) -> bool:
    if value is None:
        return found == ""
    if isinstance(value, str):
        return found == value
    number = strict_float(found)
    return number is not None and math.isclose(number, float(value), rel_tol=0.0, abs_tol=1e-9)


def check_sources(dataset: Deu3Dataset, citations: Iterable[tuple[str, str, float | str | None]]) -> None:
    """Check many ``(record, field, value)`` citations; raise one ScenarioError for all misses."""
    problems = [p for r, f, v in citations if (p := check_dataset_source(dataset, r, f, v)) is not None]
    if problems:
        raise ScenarioError(problems)
