"""Scoring a run's forecasts against what happened: Brier and log scores, and reliability.

``OBSERVED.yaml`` maps event keys (those of the run's ``summary.json``) to 1 (it happened) or 0
(it did not). Each event's forecast ``p`` is scored with the Brier score ``(p - o)**2`` and the log
score ``-ln(p if o == 1 else 1 - p)`` (``p`` clipped to [1e-6, 1 - 1e-6] so a confident miss costs
a large but finite amount); lower is better for both. The reference is the no-skill forecast
``p = 0.5`` (Brier 0.25, log score ln 2), and the Brier skill score is ``1 - Brier / 0.25``.

Example:
    >>> card = score_run(Path("runs/istanbul"), load_observed(Path("observed.yaml"), keys))  # doctest: +SKIP
    >>> card.brier  # doctest: +SKIP
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from simulator.engine.rundir import read_summary
from simulator.errors import Problem, ScenarioError, UserError
from simulator.scenario.sources import SeedLibrary
from simulator.scenario.yamlsafe import load_yaml

REFERENCE_BRIER = 0.25
REFERENCE_LOG = math.log(2)
CLIP = 1e-6
MIN_RELIABILITY_EVENTS = 8
BINS = 5


@dataclass(frozen=True)
class EventScore:
    """One scored forecast: what was observed, the forecast probability and its scores."""

    key: str
    observed: int
    p: float
    brier: float
    log_score: float


@dataclass(frozen=True)
class Observed:
    """What happened: each event's outcome (0 or 1) and the fact it records (itself by default)."""

    outcomes: dict[str, int]
    facts: dict[str, str] = field(default_factory=dict)

    def fact_of(self, key: str) -> str:
        return self.facts.get(key, key)

    def weights(self) -> dict[str, float]:
        """Each event's weight in the means: one per fact, shared by its events."""
        size: dict[str, int] = {}
        for k in self.outcomes:
            size[self.fact_of(k)] = size.get(self.fact_of(k), 0) + 1
        return {k: 1.0 / size[self.fact_of(k)] for k in self.outcomes}

    # A plain mapping's interface, so callers that read outcomes keep working.
    def __getitem__(self, key: str) -> int:
        return self.outcomes[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.outcomes)

    def __len__(self) -> int:
        return len(self.outcomes)

    def items(self) -> Any:
        return self.outcomes.items()


@dataclass(frozen=True)
class Reference:
    """A reference forecast: its name and the probability it gives each event."""

    name: str
    p: dict[str, float]


@dataclass(frozen=True)
class ScoreCard:
    """The scores of one run against the observed outcomes (means over facts)."""

    run: Path
    name: str
    events: dict[str, EventScore]
    weights: dict[str, float] = field(default_factory=dict)
    reference: Reference | None = None

    def _mean(self, values: dict[str, float]) -> float:
        w = np.array([self.weights.get(k, 1.0) for k in values])
        return float(np.sum(w * np.array(list(values.values()))) / np.sum(w))

    @property
    def facts(self) -> int:
        """How many facts the events record (the means' effective count)."""
        return round(sum(self.weights.get(k, 1.0) for k in self.events))

    @property
    def brier(self) -> float:
        """Mean Brier score over facts (lower is better; 0.25 is the no-skill reference)."""
        return self._mean({k: e.brier for k, e in self.events.items()})

    @property
    def log_score(self) -> float:
        """Mean log score over facts (lower is better; ln 2 is the no-skill reference)."""
        return self._mean({k: e.log_score for k, e in self.events.items()})

    @property
    def skill(self) -> float:
        """Brier skill score against the no-skill forecast: 1 is perfect, 0 no skill."""
        return 1 - self.brier / REFERENCE_BRIER

    def reference_scores(self) -> dict[str, float] | None:
        """The base-rate reference's mean Brier and log scores and the skill against it."""
        if self.reference is None:
            return None
        scored = {k: score_event(k, self.reference.p[k], e.observed) for k, e in self.events.items()}
        brier = self._mean({k: e.brier for k, e in scored.items()})
        log = self._mean({k: e.log_score for k, e in scored.items()})
        skill = 1 - self.brier / brier if brier > 0 else float("nan")
        return {"brier": brier, "log_score": log, "skill": skill, "log_skill": log - self.log_score}

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` document: mean scores, references and each event's scores."""
        doc: dict[str, Any] = {
            "brier": self.brier,
            "log_score": self.log_score,
            "reference_brier": REFERENCE_BRIER,
            "reference_log_score": REFERENCE_LOG,
            "skill": self.skill,
            "facts": self.facts,
            "events": {
                k: {"observed": e.observed, "p": e.p, "brier": e.brier, "log_score": e.log_score}
                for k, e in self.events.items()
            },
            "weights": {k: self.weights.get(k, 1.0) for k in self.events},
        }
        ref = self.reference_scores()
        if ref is not None and self.reference is not None:
            doc["base_rate_reference"] = {"name": self.reference.name, **ref, "p": self.reference.p}
        return doc


def score_event(key: str, p: float, observed: int) -> EventScore:
    """Brier and log score of forecast ``p`` for an event observed as ``observed`` (0 or 1)."""
    q = min(max(p, CLIP), 1 - CLIP)
    log_score = -math.log(q if observed == 1 else 1 - q)
    return EventScore(key, observed, p, (p - observed) ** 2, log_score)


def load_observed(path: Path, keys: Sequence[str] | None, summary_path: Path) -> Observed:
    """Read ``OBSERVED.yaml``: event keys mapped to 0 or 1 (or to ``{observed, source, fact}``),
    checked against the run's keys (``None``: not checked, as ``negsim validate`` reads it); quotes
    checked against the seeds (``seeds:``, default ``../seeds`` beside the file).

    Raises:
        ScenarioError: With a ``path:line:col: message`` problem per unknown key, bad value or
            misquote.
    """
    doc = load_yaml(path)
    name = str(path)
    if not isinstance(doc.data, dict) or not doc.data:
        raise ScenarioError.single(
            name, 1, 1, "expected a mapping of event keys to 0 or 1 (e.g. 'talks.direct: 1')"
        )
    lines = path.read_text(encoding="utf-8").splitlines()
    problems: list[Problem] = []
    observed: dict[str, int] = {}
    facts: dict[str, str] = {}
    seeds_name = doc.data.get("seeds", "../seeds")
    library: SeedLibrary | None = None
    for key, entry in doc.data.items():
        line, col = doc.position((key,))
        if key == "seeds":
            continue
        if keys is not None and key not in keys:
            close = difflib.get_close_matches(key, keys, n=3, cutoff=0.5)
            hint = f"did you mean {', '.join(repr(c) for c in close)}? " if close else ""
            where = f'the run\'s event keys are listed under "events" in {summary_path}'
            problems.append(Problem(name, line, col, f"unknown event '{key}'; {hint}({where})"))
            continue
        value = entry
        if isinstance(entry, dict) and "observed" in entry:
            value = entry["observed"]
            unknown = sorted(set(entry) - {"observed", "source", "fact"})
            if unknown:
                uline, ucol = doc.position((key, unknown[0]))
                problems.append(
                    Problem(
                        name, uline, ucol, f"'{key}': unknown key '{unknown[0]}' (observed, source, fact)"
                    )
                )
                continue
            if "fact" in entry:
                facts[key] = str(entry["fact"])
            if "source" in entry:
                library = library or SeedLibrary((path.parent / str(seeds_name)).resolve())
                problems += _check_sources(entry["source"], library, doc, name, key)
        if isinstance(value, bool) or not isinstance(value, int | float) or value not in (0, 1):
            if isinstance(entry, dict) and "observed" in entry:
                vline, vcol = doc.position((key, "observed"))
            elif isinstance(value, list | dict) and value:  # a block value: where its first item is
                vline, vcol = doc.position((key, 0 if isinstance(value, list) else next(iter(value))))
            else:
                vline, vcol = _value_position(lines, key, line, col)
            shown = json.dumps(value) if not isinstance(value, str) else repr(value)
            message = f"'{key}': expected 0 (did not happen) or 1 (happened), got {shown}"
            problems.append(Problem(name, vline, vcol, message))
            continue
        observed[key] = int(value)
    if problems:
        raise ScenarioError(problems)
    return Observed(observed, facts)


def _check_sources(sources: Any, library: SeedLibrary, doc: Any, name: str, key: str) -> list[Problem]:
    """A problem for each source of an observed event whose quote is not in its seed."""
    problems = []
    items = sources if isinstance(sources, list) else [sources]
    for i, src in enumerate(items):
        loc = (key, "source", i) if isinstance(sources, list) else (key, "source")
        line, col = doc.position(loc)
        if not isinstance(src, dict) or "seed" not in src or "quote" not in src:
            problems.append(Problem(name, line, col, f"'{key}': a source is {{seed: ID, quote: TEXT}}"))
            continue
        seed = library.find(str(src["seed"]))
        if seed is None:
            known = ", ".join(library.ids()) or f"none found in {library.folder}"
            problems.append(
                Problem(name, line, col, f"'{key}': unknown seed '{src['seed']}' (seeds: {known})")
            )
        elif not seed.contains(str(src["quote"])):
            problems.append(
                Problem(name, line, col, f"'{key}': quote not found in seed '{seed.id}': \"{src['quote']}\"")
            )
    return problems


def load_reference(text: str, keys: Sequence[str]) -> Reference:
    """A base-rate reference: one probability for every event (``0.3``) or a YAML file mapping
    event keys to probabilities (events it leaves out get the file's ``default:``, else 0.5)."""
    try:
        p = float(text)
    except ValueError:
        p = math.nan
    if not math.isnan(p):
        if not 0.0 < p < 1.0:
            raise UserError(f"--reference {text}: a base rate is a probability strictly between 0 and 1")
        return Reference(f"base rate {p:g}", dict.fromkeys(keys, p))
    path = Path(text)
    if not path.is_file():
        raise UserError(f"--reference {text}: neither a probability nor a file")
    doc = load_yaml(path)
    data = doc.data if isinstance(doc.data, dict) else None
    if data is None:
        raise ScenarioError.single(str(path), 1, 1, "expected a mapping of event keys to base rates")
    problems = []
    for k, v in data.items():
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0.0 < float(v) < 1.0:
            line, col = doc.position((k,))
            problems.append(Problem(str(path), line, col, f"'{k}': a base rate strictly between 0 and 1"))
    if problems:
        raise ScenarioError(problems)
    default = float(data.get("default", 0.5))
    return Reference(f"base rates from {path}", {k: float(data.get(k, default)) for k in keys})


def climatology(observed: Observed) -> Reference:
    """The sample climatology: the observed frequency over the scored facts, for every event.

    In-sample (it knows the outcomes' base rate), so it is a demanding reference for a forecast
    and a fair one: a forecast that cannot beat it adds nothing to knowing how often things happen.
    """
    w = observed.weights()
    rate = sum(w[k] * o for k, o in observed.items()) / sum(w.values())
    rate = min(max(rate, 0.05), 0.95)  # a reference that is never certain (its log score stays finite)
    return Reference(
        f"sample climatology (observed frequency {rate:.2f}, in-sample)", dict.fromkeys(observed, rate)
    )


def _value_position(lines: Sequence[str], key: str, line: int, col: int) -> tuple[int, int]:
    """Where the value of ``key: value`` starts (the loader records where keys start)."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    colon = text.find(":", col - 1 + len(key))
    if colon < 0 or not text[colon + 1 :].strip():
        return line, col  # the value is on a later line: point at its key
    return line, colon + 2 + len(text[colon + 1 :]) - len(text[colon + 1 :].lstrip())


def score_run(
    run: Path,
    observed: Mapping[str, int] | Observed,
    summary: dict[str, Any] | None = None,
    reference: Reference | None = None,
) -> ScoreCard:
    """Score the forecasts of the run in ``run`` against ``observed`` (and a base-rate reference)."""
    summary = summary or read_summary(run)
    events = summary["events"]
    obs = observed if isinstance(observed, Observed) else Observed(dict(observed))
    missing = [k for k in obs if k not in events]
    if missing:
        raise UserError(f"{run}/summary.json has no event {', '.join(missing)}; cannot score it")
    scored = {k: score_event(k, float(events[k]["p"]), o) for k, o in obs.items()}
    name = str(summary.get("scenario", {}).get("name", run.name))
    return ScoreCard(run, name, scored, obs.weights(), reference)
