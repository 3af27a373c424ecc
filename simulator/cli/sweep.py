"""``negsim sweep``: parse, call ``analysis.sweep.sweep``, write, print."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.defaults import SWEEP_EXAMPLE
from simulator.errors import UserError

if TYPE_CHECKING:
    import pyarrow as pa

    from simulator.analysis.sweep import ParamRange


def text_table(table: pa.Table, ranges: Sequence[ParamRange], events: Sequence[str], limit: int = 25) -> str:
    """A compact terminal table: parameter values and the chosen events' probabilities."""
    params = [r.key for r in ranges]
    short = _short_names(params)
    widths = [max(8, len(k) + 2) for k in short] + [max(9, len(e) + 2) for e in events]
    head = "".join(f"{c:>{w}}" for c, w in zip([*short, *events], widths, strict=True))
    lines = [f"{name} = {key}" for name, key in zip(short, params, strict=True) if name != key]
    lines.append(head)
    rows = table.num_rows
    data = {c: table.column(c).to_pylist() for c in [*params, *events]}
    for i in range(min(rows, limit)):
        cells = [f"{data[k][i]:>{w}.4g}" for k, w in zip(params, widths, strict=False)]
        cells += [f"{data[e][i]:>{w}.1%}" for e, w in zip(events, widths[len(params) :], strict=True)]
        lines.append("".join(cells))
    if rows > limit:
        lines.append(f"... {rows - limit} more rows in sweep.parquet")
    return "\n".join(lines)


def _short_names(keys: Sequence[str]) -> list[str]:
    """The shortest distinct tails of dotted keys (``credibility`` for ``threats.x.credibility``)."""
    for depth in range(1, max(k.count(".") for k in keys) + 2):
        tails = [".".join(k.split(".")[-depth:]) for k in keys]
        if len(set(tails)) == len(tails):
            return tails
    return list(keys)


def add_command(sub: Any) -> None:
    """Add ``negsim sweep`` to the CLI's subparsers."""
    from simulator.cli.options import add_format_option, add_run_options, positive_int, scenario_arg

    p = sub.add_parser(
        "sweep",
        help="run a scenario over a grid or Latin hypercube of parameter values",
        description=(
            "Run a full ensemble at every point of a grid over one or two parameters "
            "(--param KEY=LOW:HIGH:STEPS), or of a Latin hypercube over any number of ranges "
            "(--sample lhs --n N --param KEY=LOW:HIGH ...). KEY is a dotted scenario path as --set "
            "takes it; every point is validated before any is run, and every point uses the same "
            "seed (common random numbers). Writes, into the --out folder, sweep.parquet (one row "
            "per point: the parameter values, then one column per event probability, then ci95_lo:/ci95_hi: "
            "columns) and figures/sweep.png (lines for one parameter, heat maps for two, "
            "scatter panels for a Latin hypercube)."
        ),
    )
    p.add_argument(
        "scenario",
        type=scenario_arg,
        metavar="SCENARIO",
        help="a scenario file, or the name of a shipped one (e.g. whatif_putin_attends)",
    )
    p.add_argument(
        "--param",
        dest="params",
        action="append",
        default=[],
        metavar="KEY=LOW:HIGH:STEPS",
        help=f"a swept parameter (repeatable; e.g. {SWEEP_EXAMPLE}); KEY=LOW:HIGH with --sample lhs",
    )
    p.add_argument("--sample", choices=("grid", "lhs"), default="grid", help="grid (default) or lhs")
    p.add_argument("--n", type=positive_int, default=None, help="points of a Latin hypercube (default 200)")
    p.add_argument(
        "--events",
        nargs="+",
        default=None,
        metavar="EVENT",
        help="events to plot and print (default: talks, agreements, and sanctions that happen)",
    )
    add_run_options(p, runs=2000)
    for action in p._actions:
        if action.dest == "runs":
            action.help = "worlds per point (default 2000)"
    p.add_argument("--out", type=Path, help="output folder (default: runs/sweep-<scenario>-<time>)")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier sweep in --out")
    add_format_option(p)
    p.set_defaults(func=cmd_sweep)


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run ``negsim sweep``."""
    from tqdm import tqdm

    from simulator.analysis.events import check_events, event_keys
    from simulator.analysis.sweep import (
        SWEEP_FILE,
        check_points,
        grid_points,
        parse_params,
        sweep,
        write_sweep,
    )
    from simulator.cli.options import executor_for
    from simulator.engine.chunks import DEFAULT_CHUNK, check_size
    from simulator.engine.rundir import check_out, new_folder, refuse_to_overwrite
    from simulator.figures.sweep import write_figures
    from simulator.scenario.load import load_scenario

    chunk = args.chunk_size or DEFAULT_CHUNK
    if args.out is not None:
        check_out(args.out)
        refuse_to_overwrite(args.out / SWEEP_FILE, args.overwrite, "a sweep")
    # Points are counted (and every --param checked) before anything runs.
    lhs = args.sample == "lhs"
    if args.n is not None and not lhs:
        raise UserError("--n is for --sample lhs; a grid's size comes from the STEPS of each --param")
    ranges = parse_params(args.params, lhs=lhs)
    if lhs:
        check_points(args.n or 200, args.runs)
    n_points = (args.n or 200) if lhs else len(grid_points(ranges))
    check_points(n_points, args.runs)
    check_size(args.runs, chunk)
    # The base scenario: its events check --events, its names label the figures' axes.
    base = load_scenario(args.scenario, args.overrides, check_sources=False, allow_outside=args.allow_outside)
    if args.events:
        check_events(args.events, event_keys(base))
    total = n_points * args.runs
    print(
        f"sweep: {n_points:,} points × {args.runs:,} worlds = {total:,} worlds "
        f"(seed {args.seed} at every point)",
        flush=True,
    )
    per_point = -(-args.runs // chunk)
    out = args.out or new_folder(Path("runs"), f"sweep-{args.scenario.stem}")
    from simulator.storage import OutputFolder

    with OutputFolder(out, command="sweep", overwrite=args.overwrite, fresh=args.out is None):
        with (
            executor_for(args, chunks=n_points * per_point) as ex,
            tqdm(total=n_points, unit=" points", desc="sweep", disable=not sys.stderr.isatty()) as bar,
        ):
            # Enough points in flight to keep every worker busy, no more (each sends its scenario).
            workers = args.workers or os.cpu_count() or 1
            result = sweep(
                args.scenario,
                args.params,
                sample=args.sample,
                n=args.n,
                overrides=args.overrides,
                runs=args.runs,
                seed=args.seed,
                executor=ex,
                chunk_size=chunk,
                concurrency=-(-workers // per_point) + 1,
                done=bar.update,
                allow_outside=args.allow_outside,
            )
        write_sweep(result, out)
        events = list(args.events or result.default_events())
        figures = write_figures(result, out, events, base)
        table = result.table
        print(text_table(table, result.ranges, events))
        print(
            f"\nwrote {out}/: sweep.parquet ({table.num_rows} rows, {len(result.keys)} events), "
            + ", ".join(str(p.relative_to(out)) for p in figures)
        )
        return 0
