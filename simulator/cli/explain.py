"""``negsim explain``: every parameter with its ``--set`` path, value and source or assumption."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from simulator.cli.options import add_scenario_options, scenario_arg


def add_command(sub: Any) -> None:
    """Add this command to the CLI's subcommands."""
    e = sub.add_parser(
        "explain",
        help="every parameter with its value and source",
        description="Print every parameter with its value and its source quote "
        "(seed id and quote) or its stated assumption.",
    )
    e.add_argument(
        "scenario",
        type=scenario_arg,
        metavar="SCENARIO",
        help="a scenario file, or the name of a shipped one (e.g. whatif_putin_attends)",
    )
    e.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    add_scenario_options(e)
    e.set_defaults(func=cmd_explain)


def cmd_explain(args: argparse.Namespace) -> int:
    from simulator.scenario.explain import explain_text
    from simulator.scenario.load import load_scenario

    sys.stdout.write(
        explain_text(load_scenario(args.scenario, args.overrides, allow_outside=args.allow_outside))
    )
    return 0
