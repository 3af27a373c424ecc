"""``negsim run``: run a scenario over many worlds into a run folder (or finish one with
``--resume``), then print the key probabilities."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from simulator.cli.options import (
    add_format_option,
    add_run_options,
    default_chunk,
    executor_for,
    given,
    progress_bar,
    scenario_arg,
)
from simulator.errors import UserError

DEFAULT_SCENARIO = "istanbul_2025"  # the shipped baseline (simulator/scenario/shipped.py)


def _shipped_names() -> list[str]:
    """The shipped scenarios' names, read from the ``scenarios/`` folder (not the observed-outcome
    files beside them, ``<scenario>.observed.yaml``: ``shipped.is_companion``)."""
    from simulator.scenario.shipped import shipped_scenarios

    return list(shipped_scenarios())


def add_command(sub: Any) -> None:
    """Add this command to the CLI's subcommands."""
    r = sub.add_parser(
        "run",
        help="run a scenario over many worlds",
        description=(
            "Run a scenario over many worlds and write summary.json, worlds.parquet, "
            "scenario.resolved.yaml and figures/ to the output folder. With no SCENARIO, runs the "
            f"shipped baseline ({DEFAULT_SCENARIO}), from any folder. SCENARIO may name a shipped "
            f"scenario: {', '.join(_shipped_names())}."
        ),
    )
    r.add_argument(
        "scenario",
        type=scenario_arg,
        nargs="?",
        metavar="SCENARIO",
        help="a scenario file, or the name of a shipped one (e.g. whatif_putin_attends)",
    )
    add_run_options(r)
    r.add_argument("--out", type=Path, help="output folder (default: runs/<scenario>-<time>)")
    r.add_argument("--overwrite", action="store_true", help="replace an existing output folder")
    r.add_argument(
        "--resume",
        type=Path,
        metavar="OUT",
        help="finish an interrupted run in OUT (runs only the missing chunks)",
    )
    r.add_argument("--no-figures", action="store_true", help="skip the figures")
    add_format_option(r)
    r.add_argument(
        "--as-of",
        metavar="DATE",
        help=(
            "forecast as of DATE (YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC): only sources published by then "
            "(default: the cut-off the scenario declares, if any)"
        ),
    )
    r.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    from simulator.api import resume, start_run
    from simulator.engine.chunks import check_size
    from simulator.engine.rundir import check_out, new_folder
    from simulator.scenario.load import load_scenario

    if args.resume is not None:
        conflicts = [
            name
            for name, value in (
                ("a SCENARIO", args.scenario),
                ("--runs", args.runs),
                ("--seed", args.seed),
                ("--set", args.overrides),
                ("--out", args.out),
                ("--overwrite", args.overwrite),
                ("--chunk-size", args.chunk_size),
                ("--allow-outside", args.allow_outside),
                ("--as-of", args.as_of),
            )
            if given(value)
        ]
        if conflicts:
            raise UserError(
                f"--resume finishes the run exactly as it started, so it takes no {', '.join(conflicts)} "
                "(start a new run for other settings)"
            )
        if not args.resume.is_dir():
            raise UserError(f"--resume {args.resume}: no such folder")
        args.out_dir_for_resume = args.resume
        figures = False if args.no_figures else None
        with executor_for(args, chunks=args.workers or 1_000) as ex, progress_bar(None, "resuming") as tick:
            result = resume(args.resume, executor=ex, progress=tick, figures=figures)
    else:
        from simulator.scenario.shipped import baseline

        path = args.scenario or baseline()
        if args.out is not None:
            check_out(args.out)
        scenario = load_scenario(path, args.overrides, allow_outside=args.allow_outside, as_of=args.as_of)
        if scenario.as_of:
            why = "--as-of" if args.as_of is not None else "the scenario's cut-off; --as-of to change"
            print(
                f"forecast as of {scenario.as_of} UTC ({why}): sources published later are not used",
                file=sys.stderr,
            )
        chunk = args.chunk_size or default_chunk()
        check_size(args.runs, chunk, workers=args.workers or 1, disk=args.out or Path("runs"))
        out = args.out or new_folder(Path("runs"), path.stem)
        args.out_dir_for_resume = out
        with (
            executor_for(args, chunks=-(-args.runs // chunk)) as ex,
            progress_bar(args.runs, f"{path.stem}") as tick,
        ):
            result = start_run(
                scenario,
                out,
                runs=args.runs,
                seed=args.seed,
                executor=ex,
                chunk_size=chunk,
                overwrite=args.overwrite,
                progress=tick,
                figures=not args.no_figures,
            )
    print(key_table(result.summary, [] if args.resume is not None else args.overrides))
    figures_note = ", figures/" if result.figures else ""
    print(f"\nwrote {result.out}/: summary.json, worlds.parquet, scenario.resolved.yaml{figures_note}")
    if result.figure_error:
        print(f"(no figures: {result.figure_error}; the numbers above are written)")
    return 0


def key_table(summary: dict[str, Any], overrides: Sequence[str] = ()) -> str:
    """A short terminal table of the key probabilities of a run (its header echoes any --set)."""
    from simulator.numbers import pct
    from simulator.scenario import events as ke

    ev = summary["events"]
    lines = [f"{summary['scenario']['name']} — {summary['runs']:,} worlds, seed {summary['seed']}"]
    lines += [f"  --set {o}" for o in overrides]
    lines += [
        "",
        f"{'party':<16}{'absent':>9}{'official':>10}{'minister':>10}{'leader':>9}",
    ]
    parties = [m["party"] for k in ev if (m := ke.ATTEND.matches(k))]
    for pid in parties:
        cells = "".join(
            f"{pct(ev[ke.LEVEL.key(pid, lv)]['p'], 0):>{w}}"
            for lv, w in (("absent", 9), ("official", 10), ("minister", 10), ("leader", 9))
        )
        lines.append(f"{pid:<16}{cells}")
    lines.append("")
    keys = [ke.TALKS_DIRECT.key(), ke.TALKS_LEADERS.key()]
    keys += ke.select(ev, *ke.AGREEMENTS)
    keys += [k for k in ke.select(ev, ke.SANCTIONS) if ev[k]["p"] > 0]
    keys += ke.select(ev, ke.OUTCOME)
    for k in keys:
        lo, hi = ev[k]["ci95"]
        lines.append(f"{k:<34}{pct(ev[k]['p']):>6}  (95% CI {pct(lo)}–{pct(hi)})")
    lines += funnel_lines(ev)
    return "\n".join(lines)


def funnel_lines(ev: dict[str, Any]) -> list[str]:
    """Where the chance of agreement went, in two lines (runs whose protocol records ``zone_path.*``).

    The zone of agreement at the start, each loss from it that happened, and the agreements; then
    the share of the agreements made in the first round. Empty for protocols without paths.
    """
    from simulator.numbers import pct
    from simulator.scenario import events as ke

    if ke.ZONE_PATH.key("agreed") not in ev:
        return []

    def p(end: str) -> float:
        return float(ev[ke.ZONE_PATH.key(end)]["p"])

    zone = 1.0 - p("no_talks") - p("no_zone")
    lost = [f"{end} −{pct(p(end))}" for end in ke.TALKS_ENDS[2:] if p(end) > 0]
    line = f"zone of agreement at the start {pct(zone)}"
    line += f"; lost: {', '.join(lost)}" if lost else "; nothing lost from it"
    line += f"; agreed {pct(p('agreed'))}"
    out = ["", line + "  (zone_path.*)"]
    first = ev.get(ke.ROUNDS_TO_AGREEMENT.key(1))
    if first is not None and p("agreed") > 0:
        out.append(
            f"of the agreements, {pct(first['p'] / p('agreed'))} came in round 1  (rounds_to_agreement.*)"
        )
    return out
