"""``negsim compare``: parse, call ``compare_scenarios``, write, print."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.scenario.schema import Scenario


def comparison_table(doc: dict[str, Any]) -> str:
    """A terminal table of the key events: A, B, the difference and its 95% interval."""
    from simulator.analysis.compare import key_events
    from simulator.figures.compare import SMALL_POINTS, sets_phrase

    a, b = doc["a"], doc["b"]
    lines = [
        f"A = {a['name']} ({a['path']}){sets_phrase(a)}",
        f"B = {b['name']} ({b['path']}){sets_phrase(b)}",
        f"{doc['runs']:,} worlds on common random numbers, seed {doc['seed']}",
        "",
        f"{'event':<32}{'A':>8}{'B':>8}{'B − A':>10}   {'95% CI (points)':<18}",
    ]
    for k in key_events(doc):
        e = doc["events"][k]
        lo, hi = e["ci95"]
        ci = f"[{100 * lo:+.1f}, {100 * hi:+.1f}]"
        # A star marks a difference that is both real (interval excludes 0) and big enough to
        # matter; a 0.1-point effect over 100,000 paired worlds is real but not worth a star.
        mark = " *" if e["significant"] and abs(100 * e["diff"]) >= SMALL_POINTS else ""
        mark = mark or (" (s)" if e["significant"] else "")
        lines.append(f"{k:<32}{e['a']:>8.1%}{e['b']:>8.1%}{100 * e['diff']:>+8.1f}pt   {ci:<18}{mark}")
    lines += [
        "",
        f"* the difference's 95% interval excludes 0 and it is at least {SMALL_POINTS:g} pt;",
        f"(s) the interval excludes 0 but the difference is under {SMALL_POINTS:g} pt "
        "(real, too small to matter; pt = percentage points)",
    ]
    return "\n".join(lines)


def add_command(sub: Any) -> None:
    """Add ``negsim compare`` to the CLI's subparsers."""
    from simulator.cli.options import add_format_option, add_run_options, scenario_arg

    p = sub.add_parser(
        "compare",
        help="compare two scenarios on common random numbers",
        description=(
            "Play the same worlds under scenario A and scenario B (common random numbers: world i "
            "of both uses the same random draws) and report, for every event, P(A), P(B), the "
            "difference B − A with a paired 95% interval, and whether it is significant. Writes "
            "comparison.json and figures/comparison.png into the --out folder. --set changes BOTH scenarios; "
            "--set-b changes B only, so `negsim compare X X --set-b KEY=VALUE` is a what-if."
        ),
    )
    p.add_argument("a", type=scenario_arg, metavar="A", help="reference scenario (a file or a shipped name)")
    p.add_argument(
        "b", type=scenario_arg, metavar="B", help="scenario compared with A (differences are B − A)"
    )
    add_run_options(p)
    for action in p._actions:
        if action.dest == "overrides":
            action.help = "override a value in BOTH scenarios by dotted path (repeatable)"
    p.add_argument(
        "--set-b",
        dest="overrides_b",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a value in scenario B only (repeatable; applied after --set)",
    )
    p.add_argument("--out", type=Path, help="output folder (default: runs/compare-<a>-vs-<b>-<time>)")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier comparison in --out")
    add_format_option(p)
    p.set_defaults(func=cmd_compare)


def cmd_compare(args: argparse.Namespace) -> int:
    """Run ``negsim compare``: the output folder is held for the whole command."""
    from simulator.engine.rundir import check_out, new_folder, refuse_to_overwrite
    from simulator.storage import OutputFolder

    if args.out is not None:
        check_out(args.out)
        refuse_to_overwrite(args.out / "comparison.json", args.overwrite, "a comparison")
    out = args.out or new_folder(Path("runs"), f"compare-{args.a.stem}-vs-{args.b.stem}")
    with OutputFolder(out, command="compare", overwrite=args.overwrite, fresh=args.out is None):
        return _compare(args, out)


def _compare(args: argparse.Namespace, out: Path) -> int:
    from simulator.analysis.compare import compare_scenarios, comparison_dict, write_comparison
    from simulator.cli.options import executor_for, progress_bar
    from simulator.engine.chunks import DEFAULT_CHUNK, check_size
    from simulator.figures.compare import write_figure
    from simulator.scenario.load import load_scenario

    a = load_scenario(args.a, args.overrides, allow_outside=args.allow_outside)
    labels = [f"--set[{i}]" for i in range(1, len(args.overrides) + 1)]
    labels += [f"--set-b[{i}]" for i in range(1, len(args.overrides_b) + 1)]
    b = load_scenario(
        args.b, [*args.overrides, *args.overrides_b], allow_outside=args.allow_outside, labels=labels
    )
    chunk = args.chunk_size or DEFAULT_CHUNK
    check_size(args.runs, chunk, workers=args.workers or 1)
    with (
        executor_for(args, chunks=-(-args.runs // chunk)) as ex,
        progress_bar(args.runs, f"{args.a.stem} vs {args.b.stem}") as tick,
    ):
        result = compare_scenarios(
            a, b, runs=args.runs, seed=args.seed, executor=ex, chunk_size=chunk, progress=tick
        )
    doc = comparison_dict(result, _info(a, args.a, args.overrides), _info(b, args.b, _b_sets(args)))
    write_comparison(out, doc)
    from simulator.scenario.labels import event_label

    figure = write_figure(out, doc, {k: event_label(a, k) for k in doc["events"]})
    print(comparison_table(doc))
    print(f"\nwrote {out}/: comparison.json (all {len(doc['events'])} events), {figure.relative_to(out)}")
    return 0


def _b_sets(args: argparse.Namespace) -> list[str]:
    return [*args.overrides, *args.overrides_b]


def _info(scenario: Scenario, path: Path, overrides: Sequence[str]) -> dict[str, Any]:
    return {
        "name": scenario.name,
        "path": str(path),
        "sha256": scenario.sha256(),
        "overrides": list(overrides),
    }
