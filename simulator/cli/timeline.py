"""``negsim timeline``: a scenario forecast as of several dates, and how its forecasts moved."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def add_command(sub: Any) -> None:
    """Add ``negsim timeline`` to the CLI's subparsers."""
    from simulator.cli.options import add_format_option, add_run_options, scenario_arg

    p = sub.add_parser(
        "timeline",
        help="forecasts as of several dates (as the news arrived)",
        description=(
            "Run SCENARIO as of each --as-of date (YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC): only "
            "parameters whose sources were published by then, the others on their as_of: fallback "
            "priors; all dates on common random numbers. Writes DIR/timeline.json and "
            "DIR/figures/timeline.png."
        ),
    )
    p.add_argument(
        "scenario",
        type=scenario_arg,
        metavar="SCENARIO",
        help="a scenario file, or the name of a shipped one (e.g. istanbul_2025_campaign)",
    )
    p.add_argument("--as-of", dest="dates", action="append", required=True, metavar="DATE")
    p.add_argument("--out", type=Path, required=True, metavar="DIR")
    p.add_argument("--overwrite", action="store_true", help="replace an existing timeline.json")
    add_run_options(p)
    add_format_option(p)
    p.set_defaults(func=cmd_timeline)


def cmd_timeline(args: argparse.Namespace) -> int:
    """Run ``negsim timeline`` (imports the engine only now: ``negsim --help`` stays light)."""
    from simulator.storage import OutputFolder

    with OutputFolder(args.out, command="timeline", overwrite=args.overwrite):
        return _timeline(args)


def _timeline(args: argparse.Namespace) -> int:
    from simulator import storage
    from simulator.analysis.timeline import timeline
    from simulator.cli.options import default_chunk, executor_for
    from simulator.engine.rundir import refuse_to_overwrite
    from simulator.figures.common import save_png
    from simulator.figures.timeline import timeline_figure

    out: Path = args.out
    refuse_to_overwrite(out / "timeline.json", args.overwrite, "a timeline")
    chunk = args.chunk_size or default_chunk()
    with executor_for(args, chunks=-(-args.runs // chunk)) as ex:
        doc = timeline(
            args.scenario,
            args.dates,
            runs=args.runs,
            seed=args.seed,
            overrides=args.overrides,
            allow_outside=args.allow_outside,
            executor=ex,
            chunk_size=chunk,
        )
    storage.write_text(out / "timeline.json", json.dumps(doc, indent=2))
    from simulator.scenario.load import load_scenario

    # The scenario's names for the legend (the same at every date: only the numbers move).
    named = load_scenario(
        args.scenario, args.overrides, allow_outside=args.allow_outside, check_sources=False
    )
    figure = save_png(timeline_figure(doc, scenario=named), out / "figures" / "timeline.png")
    width = max(len(k) for k in doc["key_events"]) if doc["key_events"] else 10
    print(f"{doc['scenario']['name']} — {doc['runs']:,} worlds per date, seed {doc['seed']}")
    print(f"{'event':<{width}}" + "".join(f"{d:>20}" for d in doc["dates"]))
    for k in doc["key_events"]:
        print(f"{k:<{width}}" + "".join(f"{r['p']:>20.1%}" for r in doc["events"][k]))
    print(f"\nwrote {out}/: timeline.json, {figure.relative_to(out)}")
    return 0
