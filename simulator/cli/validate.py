"""``negsim validate``: schema, references and every quote checked, then the prior's zone of
agreement (a warning, not a failure)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from simulator.cli.options import add_scenario_options, scenario_arg
from simulator.errors import ScenarioError

#: An observed-outcomes file beside a scenario (``<scenario>.observed.yaml``): validated as one.
OBSERVED_SUFFIX = ".observed.yaml"


def add_command(sub: Any) -> None:
    """Add this command to the CLI's subcommands."""
    v = sub.add_parser(
        "validate",
        help="check scenario files",
        description=(
            "Check scenario files: schema, references, and every quoted source against its article. "
            "A file named *.observed.yaml is checked as observed outcomes (0 or 1 per event, quotes "
            "checked). Prints one path:line:col: message line per problem and exits 2 if there are any."
        ),
    )
    v.add_argument(
        "paths", nargs="+", type=scenario_arg, metavar="PATH", help="scenario files or shipped names"
    )
    add_scenario_options(v)
    v.add_argument(
        "--no-prior-check",
        action="store_true",
        help="skip sampling the prior for the zone-of-agreement warning (loads the model: ~1 s)",
    )
    v.set_defaults(func=cmd_validate)


def cmd_validate(args: argparse.Namespace) -> int:
    from simulator.scenario.load import load_scenario

    problems: list[str] = []
    loaded = []
    for path in args.paths:
        try:
            if str(path).endswith(OBSERVED_SUFFIX):  # what happened, beside its scenario: quotes checked
                from simulator.analysis.score import load_observed

                load_observed(path, None, path)
                continue
            loaded.append((path, load_scenario(path, allow_outside=args.allow_outside)))
        except ScenarioError as exc:
            problems.extend(str(p) for p in exc.problems)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 2
    from simulator.scenario.placeholders import placeholders
    from simulator.scenario.retired import retired_keys

    for path, _ in loaded:  # set, but no longer used: a warning each, with the reason
        old = retired_keys(path)
        if old:
            print("\n".join(str(p) for p in old), file=sys.stderr)
    for path, _ in loaded:  # a warning each (``negsim new``'s TODOs): the file is valid, not finished
        todo = placeholders(path)
        if todo:
            print("\n".join(str(p) for p in todo), file=sys.stderr)
            many = "s" if len(todo) != 1 else ""
            print(f"{path}: {len(todo)} placeholder{many} still to replace", file=sys.stderr)
    n = len(args.paths)
    if args.no_prior_check:
        print(f"{n} scenario file{'s' if n != 1 else ''} valid")
        return 0
    from simulator.analysis.zone import zone_report

    for path, scenario in loaded:  # a warning, not a failure: the file itself is valid
        report = zone_report(scenario)
        if report is not None and report.warning:
            print(f"{path}: {report.warning}", file=sys.stderr)
    print(f"{n} scenario file{'s' if n != 1 else ''} valid")
    return 0
