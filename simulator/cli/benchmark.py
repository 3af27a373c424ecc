"""``negsim benchmark eum``: run the expected-utility model on an actor table, round by round."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``negsim benchmark`` (with its ``eum`` model) to the CLI's subcommands."""
    p = sub.add_parser(
        "benchmark",
        help="run a bargaining model on a published benchmark table",
        description="Run a bargaining model's numerical core on a benchmark input.",
    )
    models = p.add_subparsers(dest="model", required=True, metavar="MODEL")
    e = models.add_parser(
        "eum",
        help="Bueno de Mesquita's expected-utility model on an actor table (actor,c,x,s)",
        description=(
            "Run the expected-utility model (Scholz, Calbert and Smith 2011) on a CSV actor table "
            "with the header actor,c,x,s and report, for rounds 0..R, the capability x salience "
            "weighted mean and median and every actor's position."
        ),
    )
    e.add_argument("actors", type=Path, metavar="ACTORS.csv")
    e.add_argument("--rounds", type=_rounds, default=10, help="rounds to run (default 10)")
    e.add_argument("--json", type=Path, default=None, metavar="OUT.json", help="also write the result here")
    e.add_argument(
        "--overwrite", action="store_true", help="replace --json even if it is not an earlier result"
    )
    e.set_defaults(func=cmd_benchmark_eum)
    from simulator.cli.deu3 import add_benchmark

    add_benchmark(models)


def _rounds(text: str) -> int:
    """An argparse type: a whole number of rounds, 0 or more (``1e3`` allowed)."""
    from simulator.cli.options import positive_int

    return 0 if text.strip() in ("0", "+0", "-0") else positive_int(text)


def cmd_benchmark_eum(args: argparse.Namespace) -> int:
    """Run ``negsim benchmark eum``; print the rounds as JSON unless ``--json`` is given."""
    from simulator.analysis.eum_benchmark import eum_benchmark

    if args.rounds < 0:
        print("negsim: --rounds must be >= 0", file=sys.stderr)
        return 2
    result = eum_benchmark(args.actors, args.rounds, args.json, overwrite=args.overwrite)
    if args.json is None:
        print(json.dumps(result, indent=2, allow_nan=False))
    else:
        last = result["rounds"][-1]
        print(
            f"round {last['round']}: weighted mean {last['weighted_mean']:.4g}, "
            f"weighted median {last['weighted_median']:.4g}; wrote {args.json}"
        )
    return 0
