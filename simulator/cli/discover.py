"""``negsim discover``: parse, call ``analysis.discovery.discover``, write, print."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.analysis.discovery import Box, DiscoveryResult


def box_table(result: DiscoveryResult, box: Box) -> str:
    """The box's limits, one parameter per line, by ``--set`` path, against the stated range."""
    lines = [
        f"{box.method.upper()}: coverage {box.coverage:.3f}, density {box.density:.3f}, "
        f"mass {box.mass:.3f} ({box.event_worlds:,} of {box.worlds:,} worlds inside)"
    ]
    if not box.limits:
        lines.append("  no parameter limited")
    width = max((len(lim.path) for lim in box.limits), default=0)
    for lim in box.limits:
        lines.append(
            f"  {lim.path:<{width}}  [{lim.low:.3g}, {lim.high:.3g}]"
            f"  of [{lim.range[0]:.3g}, {lim.range[1]:.3g}]  {lim.label}"
        )
    return "\n".join(lines)


def add_command(sub: Any) -> None:
    """Add ``negsim discover`` to the CLI's subparsers."""
    from simulator.cli.options import add_format_option
    from simulator.defaults import DISCOVERY_MIN_COVERAGE as MIN_COVERAGE
    from simulator.defaults import DISCOVERY_MIN_EVENT_WORLDS as MIN_EVENT_WORLDS

    p = sub.add_parser(
        "discover",
        help="which combinations of parameters make an event happen (PRIM, CART)",
        description=(
            "Scenario discovery over a finished run: find a box of the drawn parameters (each "
            "limited to an interval) inside which EVENT is much more common than in all worlds. "
            "PRIM (EMA Workbench) peels the sample down and picks the densest box that still holds "
            f"{MIN_COVERAGE:.0%} of the worlds where the event happens (--min-coverage), keeping only "
            "limits that pass Bryant and Lempert's quasi-p test; CART (scikit-learn) gives a second "
            "view. Prints each box's limits by --set path with its coverage, density and mass, and "
            "writes discovery.json and figures/ into --out. Refused when the event happens (or "
            f"fails to) in fewer than {MIN_EVENT_WORLDS} worlds."
        ),
    )
    p.add_argument("run", type=Path, metavar="RUN_DIR", help="the output folder of a `negsim run`")
    p.add_argument("--event", required=True, metavar="KEY", help="an event key, e.g. agreement.ceasefire")
    p.add_argument(
        "--method",
        choices=("prim", "cart"),
        default="prim",
        help="the box to report first (default prim; the other method is the second view)",
    )
    p.add_argument(
        "--min-coverage",
        type=float,
        default=MIN_COVERAGE,
        metavar="SHARE",
        help=f"PRIM's chosen box holds at least this share of the event's worlds (default {MIN_COVERAGE})",
    )
    p.add_argument("--out", type=Path, help="output folder (default: runs/discover-<run>-<event>-<time>)")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier discovery in --out")
    add_format_option(p)
    p.set_defaults(func=cmd_discover)


def cmd_discover(args: argparse.Namespace) -> int:
    """Run ``negsim discover``."""
    from simulator.analysis.discovery import DISCOVERY_FILE, discover, write_discovery
    from simulator.engine.rundir import new_folder
    from simulator.errors import UserError
    from simulator.figures.discovery import write_figures
    from simulator.storage import OutputFolder

    if not args.run.is_dir():
        raise UserError(f"{args.run}: no such folder; give the output folder of a finished `negsim run`")
    with contextlib.ExitStack() as stack:
        # A given --out is claimed before the (slow) analysis: an earlier discovery there is refused
        # at once without --overwrite, and removed with it, figures and all.
        if args.out is not None:
            stack.enter_context(OutputFolder(args.out, command="discover", overwrite=args.overwrite))
        print(f"discover: {args.event} over the worlds of {args.run} (PRIM and CART)", flush=True)
        result = discover(args.run, args.event, method=args.method, min_coverage=args.min_coverage)
        if result.warning:
            print(f"warning: {result.warning}", file=sys.stderr)
        out = args.out or new_folder(Path("runs"), f"discover-{args.run.name}-{args.event}")
        if args.out is None:
            stack.enter_context(OutputFolder(out, command="discover", fresh=True))
        write_discovery(result, out)
        figures = write_figures(result, out)
    print(f"\n{result.sentence()}\n")
    print(box_table(result, result.box))
    if result.other is not None:
        print("\nsecond view, " + box_table(result, result.other))
    if result.box.limits:
        scenario = result.scenario.get("path") or "SCENARIO"
        sets = " ".join(f"--set '{s}'" for s in result.whatif())
        print("\nas a what-if (each limited parameter drawn uniformly inside the box):")
        print(f"  negsim run {scenario} {sets}")
    names = ", ".join(str(p.relative_to(out)) for p in figures)
    print(f"\nwrote {out}/: {DISCOVERY_FILE}, {names}")
    return 0
