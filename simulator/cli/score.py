"""``negsim score``: parse, score the run, write the reliability figure, print."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.analysis.score import ScoreCard


def score_text(card: ScoreCard, other: ScoreCard | None, observed_path: Path) -> str:
    """A terminal table: per event the forecast and its scores, then the means and references."""
    from simulator.analysis.score import REFERENCE_BRIER, REFERENCE_LOG

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
    n, m = len(card.events), card.facts
    label = f"mean over {m} fact{'s' if m != 1 else ''}" + (f" ({n} events)" if m != n else "")
    mean = f"{label:<36}{'':>8}{card.brier:>8.3f}{card.log_score:>8.3f}"
    ref = f"{'reference p = 0.5 (no skill)':<36}{'':>8}{REFERENCE_BRIER:>8.3f}{REFERENCE_LOG:>8.3f}"
    skill = f"{'Brier skill vs p = 0.5':<36}{'':>8}{card.skill:>8.3f}"
    if other is not None:
        mean += f"   |{'':>8}{other.brier:>8.3f}{other.log_score:>8.3f}"
        ref += f"   |{'':>8}{REFERENCE_BRIER:>8.3f}{REFERENCE_LOG:>8.3f}"
        skill += f"{'':>8}   |{'':>8}{other.skill:>8.3f}"
    lines += [mean, ref, skill]
    base = card.reference_scores()
    if base is not None and card.reference is not None:
        lines.append(f"reference: {card.reference.name}")
        row = f"{'  its scores':<36}{'':>8}{base['brier']:>8.3f}{base['log_score']:>8.3f}"
        sk = f"{'Brier skill vs the base rate':<36}{'':>8}{base['skill']:>8.3f}"
        theirs = other.reference_scores() if other is not None else None
        if theirs is not None:
            row += f"   |{'':>8}{theirs['brier']:>8.3f}{theirs['log_score']:>8.3f}"
            sk += f"{'':>8}   |{'':>8}{theirs['skill']:>8.3f}"
        lines += [row, sk]
    lines.append(
        "(skill = 1 − Brier/Brier_reference: 1 = perfect, 0 = no better than the reference, below 0 = worse)"
    )
    if m != n:
        lines.append("(events naming the same fact in the observed file share one weight in the means)")
    return "\n".join(lines)


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
            "RUN_DIR/figures/reliability.png (forecast vs observed frequency); with --against, the "
            "figure of both runs goes to --out (default reliability-RUN-vs-RUN2.png here), never "
            "into either run's folder. A second reference is a base rate: --reference P (one "
            "probability for every event) or a YAML file of base rates by event; without it, the "
            "sample climatology (the observed frequency, in-sample). An event may be written "
            "{observed: 0|1, source: {seed, quote}, fact: ID}: quotes are checked, and events "
            "naming the same fact count once in the means."
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
    p.add_argument(
        "--out", type=Path, metavar="FILE", help="where to write the figure (its suffix follows --format)"
    )
    from simulator.cli.options import add_format_option

    add_format_option(p)
    p.add_argument(
        "--reference",
        metavar="P|FILE",
        help="base-rate reference: a probability for every event, or a YAML file of base rates by "
        "event (default: the sample climatology)",
    )
    p.set_defaults(func=cmd_score)


def cmd_score(args: argparse.Namespace) -> int:
    """Run ``negsim score``."""
    from simulator.analysis.score import (
        MIN_RELIABILITY_EVENTS,
        climatology,
        load_observed,
        load_reference,
        score_run,
    )
    from simulator.engine.rundir import read_summary
    from simulator.figures.score import write_reliability

    summary = read_summary(args.run)
    observed = load_observed(args.observed, list(summary["events"]), args.run / "summary.json")
    reference = load_reference(args.reference, list(observed)) if args.reference else climatology(observed)
    card = score_run(args.run, observed, summary, reference)
    other = score_run(args.against, observed, reference=reference) if args.against is not None else None
    figure = None
    if len(card.events) >= MIN_RELIABILITY_EVENTS:
        out = args.out
        if out is None and other is not None:
            out = Path(f"reliability-{args.run.resolve().name}-vs-{args.against.resolve().name}.png")
        figure = write_reliability([card, *([other] if other else [])], args.observed, out)
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
        print(f"\nwrote {figure} (each event's forecast against what happened)")
    else:
        n = len(card.events)
        print(f"\n(no reliability figure: it needs at least {MIN_RELIABILITY_EVENTS} scored events, got {n})")
    return 0
