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

import argparse
import difflib
import json
import math
import sys
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from simulator import storage
from simulator.errors import Problem, ScenarioError, UserError
from simulator.scenario.yamlsafe import load_yaml

REFERENCE_BRIER = 0.25
REFERENCE_LOG = math.log(2)
CLIP = 1e-6
MIN_RELIABILITY_EVENTS = 8
BINS = 5
DPI = 150


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


def read_summary(run: Path) -> dict[str, Any]:
    """A run's ``summary.json`` (a clear error if ``run`` is not a finished run's folder)."""
    path = run / "summary.json"
    if not path.is_file():
        raise UserError(f"{run}: no summary.json here; give the output folder of a finished `negsim run`")
    try:
        summary: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not a valid summary.json ({exc})") from None
    if not isinstance(summary.get("events"), dict):
        raise UserError(f"{path}: no 'events' in this summary.json")
    return summary


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


def score_text(card: ScoreCard, other: ScoreCard | None, observed_path: Path) -> str:
    """A terminal table: per event the forecast and its scores, then the means and references."""
    lines = [f"{card.name} ({card.run}) scored against {observed_path}"]
    if other is not None:
        lines.append(f"against: {other.name} ({other.run})")
    lines.append("Brier = (p − observed)²; log = −ln(p of what happened). Lower is better for both.")
    lines.append("")
    head = f"{'event':<32}{'obs':>4}{'p':>8}{'Brier':>8}{'log':>8}"
    if other is not None:
        names = [textwrap.shorten(c.run.name, 24, placeholder="…") for c in (card, other)]
        lines.append(f"{'':<36}{names[0]:^24}   |{names[1]:^24}")
        head += f"   |{'p':>8}{'Brier':>8}{'log':>8}"
    lines.append(head)
    for k, e in card.events.items():
        row = f"{k:<32}{e.observed:>4}{e.p:>8.3f}{e.brier:>8.3f}{e.log_score:>8.3f}"
        if other is not None:
            o = other.events[k]
            row += f"   |{o.p:>8.3f}{o.brier:>8.3f}{o.log_score:>8.3f}"
        lines.append(row)
    lines.append("")
    n = len(card.events)
    label = f"mean over {n} event{'s' if n != 1 else ''}"
    mean = f"{label:<36}{'':>8}{card.brier:>8.3f}{card.log_score:>8.3f}"
    ref = f"{'no-skill reference (p = 0.5)':<36}{'':>8}{REFERENCE_BRIER:>8.3f}{REFERENCE_LOG:>8.3f}"
    skill = f"{'Brier skill score (1 − Brier/0.25)':<36}{'':>8}{card.skill:>8.3f}"
    if other is not None:
        mean += f"   |{'':>8}{other.brier:>8.3f}{other.log_score:>8.3f}"
        ref += f"   |{'':>8}{REFERENCE_BRIER:>8.3f}{REFERENCE_LOG:>8.3f}"
        skill += f"{'':>8}   |{'':>8}{other.skill:>8.3f}"
    lines += [mean, ref, skill, "(skill: 1 = perfect, 0 = no better than 50/50, below 0 = worse)"]
    return "\n".join(lines)


def reliability_figure(cards: Sequence[ScoreCard], observed_path: Path) -> Figure:
    """Forecast probability (binned) against the observed frequency, per run."""
    fig = Figure(figsize=(7, 7.4), layout="constrained")
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color="black", lw=1, ls="--", label="perfect reliability")
    edges = np.linspace(0, 1, BINS + 1)
    for i, card in enumerate(cards):
        p = np.array([e.p for e in card.events.values()])
        o = np.array([e.observed for e in card.events.values()])
        which = np.clip(np.digitize(p, edges[1:-1]), 0, BINS - 1)
        xs, ys, ns = [], [], []
        for b in range(BINS):
            sel = which == b
            if sel.any():
                xs.append(p[sel].mean())
                ys.append(o[sel].mean())
                ns.append(int(sel.sum()))
        colour = f"C{i}"
        ax.plot(xs, ys, color=colour, lw=1, alpha=0.6)
        label = textwrap.shorten(f"{card.name} ({card.run.name}): mean Brier {card.brier:.3f}", 90)
        ax.scatter(xs, ys, s=[40 + 25 * n for n in ns], color=colour, alpha=0.7, zorder=3)
        ax.plot([], [], "o", color=colour, label=label)
        for x, y, n in zip(xs, ys, ns, strict=True):
            ax.annotate(f"{n}", (x, y), xytext=(8, -10), textcoords="offset points", fontsize=8)
    ticks = np.linspace(0, 1, 6)
    ax.set_xticks(ticks, [f"{t:.0%}" for t in ticks])
    ax.set_yticks(ticks, [f"{t:.0%}" for t in ticks])
    ax.set_xlim(-0.03, 1.03)
    ax.set_ylim(-0.03, 1.03)
    ax.set_aspect("equal")
    ax.grid(alpha=0.3)
    ax.set_xlabel(f"forecast probability (mean within each of {BINS} bins)")
    ax.set_ylabel("observed frequency (share of those events that happened)")
    n = len(cards[0].events)
    title = textwrap.fill(f"{cards[0].name}: reliability of {n} forecasts", 70)
    fig.suptitle(f"{title}\nagainst what happened ({observed_path.name})")
    note = "point = one bin of forecasts; its size and number = events in the bin"
    fig.legend(loc="outside lower center", fontsize=8, title=note, title_fontsize=8, frameon=False)
    return fig


def write_reliability(cards: Sequence[ScoreCard], observed_path: Path) -> Path:
    """Write ``figures/reliability.png`` into the first run's folder (atomically)."""
    fig = reliability_figure(cards, observed_path)
    FigureCanvasAgg(fig)
    path = cards[0].run / "figures" / "reliability.png"
    with storage.atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=DPI)
    return path


# --- the command --------------------------------------------------------------------------------


def add_command(sub: Any) -> None:
    """Add ``negsim score`` to the CLI's subparsers."""
    p = sub.add_parser(
        "score",
        help="score a run's forecasts against what happened",
        description=(
            "Score the event probabilities of a finished run (RUN_DIR/summary.json) against "
            "OBSERVED.yaml, which maps event keys to 1 (happened) or 0 (did not), e.g. "
            "'talks.direct: 1'. Per event and on average: the Brier score (p − o)² and the log "
            "score −ln(p if o = 1 else 1 − p), p clipped to [1e-6, 1 − 1e-6]; LOWER IS BETTER for "
            "both. The no-skill reference (p = 0.5) scores Brier 0.25 and log ln 2 ≈ 0.693; the "
            "Brier skill score is 1 − Brier/0.25. With 8 or more scored events, writes "
            "RUN_DIR/figures/reliability.png (forecast vs observed frequency)."
        ),
    )
    p.add_argument("run", type=Path, metavar="RUN_DIR", help="output folder of `negsim run`")
    p.add_argument("observed", type=Path, metavar="OBSERVED.yaml", help="event keys mapped to 0 or 1")
    p.add_argument("--json", action="store_true", help="print the scores as JSON only")
    p.add_argument(
        "--against",
        type=Path,
        metavar="RUN_DIR2",
        help="also score a second run (e.g. a what-if) on the same events, side by side",
    )
    p.set_defaults(func=cmd_score)


def cmd_score(args: argparse.Namespace) -> int:
    """Run ``negsim score``."""
    summary = read_summary(args.run)
    observed = load_observed(args.observed, list(summary["events"]), args.run / "summary.json")
    card = score_run(args.run, observed, summary)
    other = score_run(args.against, observed) if args.against is not None else None
    figure = None
    if len(card.events) >= MIN_RELIABILITY_EVENTS:
        figure = write_reliability([card, *([other] if other else [])], args.observed)
    if args.json:
        doc = card.to_dict()
        if other is not None:
            doc["against"] = {"run": str(other.run), **other.to_dict()}
        print(json.dumps(doc, indent=2))
        if figure is not None:
            print(f"wrote {figure}", file=sys.stderr)
        return 0
    print(score_text(card, other, args.observed))
    if figure is not None:
        print(f"\nwrote {figure} (reliability: forecast probability against observed frequency)")
    else:
        n = len(card.events)
        print(f"\n(no reliability figure: it needs at least {MIN_RELIABILITY_EVENTS} scored events, got {n})")
    return 0
