"""``negsim sensitivity``: parse, call ``run_sensitivity``, write, print."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from simulator.defaults import DEFAULT_REPLICATES, METHODS


def add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``negsim sensitivity`` to the CLI's subcommands."""
    from simulator.cli.options import add_engine_options, add_format_option, positive_int, scenario_arg

    p = sub.add_parser(
        "sensitivity",
        help="which uncertain parameters drive each key event (Sobol or Morris)",
        description=(
            "Global sensitivity analysis over the scenario's uncertain parameters (SALib), in "
            "quantile space so it covers exactly the stated uncertainty. Each sample row is played "
            "as --replicates worlds. Writes OUT/sensitivity.json and OUT/figures/sensitivity_<event>.png "
            "and prints which parameters drive each event."
        ),
    )
    p.add_argument(
        "scenario",
        type=scenario_arg,
        metavar="SCENARIO",
        help="a scenario file, or the name of a shipped one (e.g. whatif_putin_attends)",
    )
    p.add_argument("--method", choices=METHODS, required=True, help="sobol (indices) or morris (screening)")
    p.add_argument("--events", nargs="+", metavar="E", help="event keys to analyse (default: key events)")
    p.add_argument(
        "--n",
        type=positive_int,
        default=None,
        help="base sample size: Sobol N, a power of 2 (default 512); Morris trajectories (default 64)",
    )
    p.add_argument(
        "--replicates",
        type=positive_int,
        default=DEFAULT_REPLICATES,
        help=f"worlds per sample row (default {DEFAULT_REPLICATES})",
    )
    p.add_argument(
        "--crn",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="common random numbers (the default): every sample row plays the same --replicates "
        "worlds, so rows differ only by their parameters and the noise floor drops; --no-crn gives "
        "each row its own worlds",
    )
    add_engine_options(p)
    p.add_argument("--out", type=Path, required=True, help="output folder")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier analysis in --out")
    add_format_option(p)
    p.set_defaults(func=cmd_sensitivity)


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Run ``negsim sensitivity``: the output folder is held (and an earlier analysis' files
    removed with ``--overwrite``) for the whole command."""
    from simulator.storage import OutputFolder

    refuse_early(args.out, "sensitivity.json", args.overwrite, "an analysis")
    with OutputFolder(args.out, command="sensitivity", overwrite=args.overwrite):
        return _sensitivity(args)


def refuse_early(out: Path, name: str, overwrite: bool, what: str) -> None:
    """Refuse a bad ``--out`` or an earlier result before anything is loaded or locked."""
    from simulator.engine.rundir import check_out, refuse_to_overwrite

    check_out(out)
    refuse_to_overwrite(out / name, overwrite, what)


def _sensitivity(args: argparse.Namespace) -> int:
    from simulator.analysis.design import SamplingWarning, prepare, rows_per_chunk
    from simulator.analysis.sensitivity import run_sensitivity, write_outputs
    from simulator.cli.options import executor_for, progress_bar
    from simulator.figures.sensitivity import write_figures
    from simulator.scenario.load import load_scenario

    scenario = load_scenario(args.scenario, args.overrides, allow_outside=args.allow_outside)
    with warnings.catch_warnings(record=True) as said:  # every check is run_sensitivity's own
        warnings.simplefilter("always", SamplingWarning)
        design, events = prepare(
            scenario,
            method=args.method,
            n=args.n,
            replicates=args.replicates,
            seed=args.seed,
            events=args.events,
        )
    for w in said:
        print(f"note: {w.message}", file=sys.stderr)
    print(design.announce(args.replicates))
    print(f"events: {', '.join(events)}")
    chunks = -(-design.rows // rows_per_chunk(args.replicates))
    with (
        executor_for(args, chunks) as ex,
        progress_bar(design.rows * args.replicates, "sensitivity") as tick,
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore", SamplingWarning)  # already said above
        result = run_sensitivity(
            scenario,
            method=args.method,
            n=design.n,
            replicates=args.replicates,
            seed=args.seed,
            events=events,
            executor=ex,
            progress=tick,
            crn=args.crn,
        )
    write_outputs(result, scenario, args.out)
    figures = write_figures(result, scenario, args.out)
    print()
    for event, why in result.skipped.items():
        print(f"note: skipped {event}: {why}")
    for sentence in result.drivers().values():
        print(sentence)
    print(f"\nwrote {args.out}/sensitivity.json and {len(figures)} figures in {args.out}/figures/")
    return 0
