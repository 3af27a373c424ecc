"""``negsim report``: parse, write the HTML page, print where it went."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``negsim report`` to the CLI's subcommands."""
    p = sub.add_parser(
        "report",
        help="one self-contained HTML page of a run (and of compare/sensitivity/sweep folders)",
        description=(
            "Write one self-contained HTML file (figures embedded, no external resources) for the "
            "run in RUN_DIR: scenario, every event with its 95% interval, concessions, figures and "
            "the source of every parameter. Each further folder adds a section: a comparison "
            "(negsim compare), another run (side by side), a sensitivity analysis or a sweep."
        ),
    )
    p.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="output folder of negsim run")
    p.add_argument("more", type=Path, nargs="*", metavar="MORE_DIRS", help="further output folders")
    p.add_argument("--out", type=Path, default=None, help="HTML file to write (default RUN_DIR/report.html)")
    p.add_argument(
        "--overwrite", action="store_true", help="replace --out even if it is not an earlier negsim report"
    )
    p.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    """Run ``negsim report``."""
    from simulator.report import write_report

    out = args.out or args.run_dir / "report.html"
    write_report(args.run_dir, args.more, out, overwrite=args.overwrite)
    print(f"wrote {out} ({out.stat().st_size / 1024:,.0f} KB, self-contained)")
    return 0
