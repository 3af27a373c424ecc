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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from simulator.engine.rundir import read_summary
from simulator.errors import Problem, ScenarioError, UserError
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
class ScoreCard:
    """The scores of one run against the observed outcomes (means over events)."""

    run: Path
    name: str
    events: dict[str, EventScore]

    @property
    def brier(self) -> float:
        """Mean Brier score (lower is better; 0.25 is the no-skill reference)."""
        return float(np.mean([e.brier for e in self.events.values()]))

    @property
    def log_score(self) -> float:
        """Mean log score (lower is better; ln 2 is the no-skill reference)."""
        return float(np.mean([e.log_score for e in self.events.values()]))

    @property
    def skill(self) -> float:
        """Brier skill score against the no-skill forecast: 1 is perfect, 0 no skill."""
        return 1 - self.brier / REFERENCE_BRIER

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` document: mean scores, references and each event's scores."""
        return {
            "brier": self.brier,
            "log_score": self.log_score,
            "reference_brier": REFERENCE_BRIER,
            "reference_log_score": REFERENCE_LOG,
            "events": {
                k: {"observed": e.observed, "p": e.p, "brier": e.brier, "log_score": e.log_score}
                for k, e in self.events.items()
            },
        }


def score_event(key: str, p: float, observed: int) -> EventScore:
    """Brier and log score of forecast ``p`` for an event observed as ``observed`` (0 or 1)."""
    q = min(max(p, CLIP), 1 - CLIP)
    log_score = -math.log(q if observed == 1 else 1 - q)
    return EventScore(key, observed, p, (p - observed) ** 2, log_score)


def load_observed(path: Path, keys: Sequence[str], summary_path: Path) -> dict[str, int]:
    """Read ``OBSERVED.yaml``: event keys mapped to 0 or 1, checked against the run's keys.

    Raises:
        ScenarioError: With a ``path:line:col: message`` problem per unknown key or bad value.
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
    for key, value in doc.data.items():
        line, col = doc.position((key,))
        if key not in keys:
            close = difflib.get_close_matches(key, keys, n=3, cutoff=0.5)
            hint = f"did you mean {', '.join(repr(c) for c in close)}? " if close else ""
            where = f'the run\'s event keys are listed under "events" in {summary_path}'
            problems.append(Problem(name, line, col, f"unknown event '{key}'; {hint}({where})"))
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or value not in (0, 1):
            if isinstance(value, list | dict) and value:  # a block value: where its first item is
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
    return observed


def _value_position(lines: Sequence[str], key: str, line: int, col: int) -> tuple[int, int]:
    """Where the value of ``key: value`` starts (the loader records where keys start)."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    colon = text.find(":", col - 1 + len(key))
    if colon < 0 or not text[colon + 1 :].strip():
        return line, col  # the value is on a later line: point at its key
    return line, colon + 2 + len(text[colon + 1 :]) - len(text[colon + 1 :].lstrip())


def score_run(run: Path, observed: Mapping[str, int], summary: dict[str, Any] | None = None) -> ScoreCard:
    """Score the forecasts of the run in ``run`` against ``observed``."""
    summary = summary or read_summary(run)
    events = summary["events"]
    missing = [k for k in observed if k not in events]
    if missing:
        raise UserError(f"{run}/summary.json has no event {', '.join(missing)}; cannot score it")
    scored = {k: score_event(k, float(events[k]["p"]), o) for k, o in observed.items()}
    name = str(summary.get("scenario", {}).get("name", run.name))
    return ScoreCard(run, name, scored)
