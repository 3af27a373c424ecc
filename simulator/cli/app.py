"""The ``negsim`` command line: validate, explain, run (and the exploration commands).

Exit codes (``contracts.md``): 0 success; 2 bad input, with ``path:line:col: message`` lines and
no traceback; 130 interrupted (finished chunks are kept; ``--resume`` completes the run); 1
anything else.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from simulator._version import __version__
from simulator.cli.options import (
    add_run_options,
    add_scenario_options,
    default_chunk,
    executor_for,
    given,
    progress_bar,
    scenario_arg,
)
from simulator.errors import ScenarioError, UserError, printable

DEFAULT_SCENARIO = "istanbul_2025"  # the shipped baseline (simulator/scenario/shipped.py)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``negsim`` command; returns the exit code."""
    args: argparse.Namespace | None = None
    try:
        # The handlers come first: Ctrl-C or SIGTERM at any moment (even while the parser and the
        # engine are imported) ends in the one clean exit 130 below.
        with _signals_as_interrupt():
            parser = build_parser()
            try:
                args = parser.parse_args(argv)
            except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
                return int(exc.code or 0)
            return int(args.func(args) or 0)
    except UserError as exc:
        print(printable(str(exc)) if not isinstance(exc, ScenarioError) else str(exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        out = getattr(args, "out_dir_for_resume", None)
        hint = f"; finished chunks are kept: resume with `negsim run --resume {out}`" if out else ""
        print(printable(f"negsim: interrupted{hint}"), file=sys.stderr)
        return 130
    except OSError as exc:
        from simulator.engine.rundir import has_manifest

        out = getattr(args, "out_dir_for_resume", None)
        hint = ""
        if out is not None and has_manifest(Path(out)):
            hint = f"; finished chunks are kept: fix that, then resume with `negsim run --resume {out}`"
        print(printable(f"negsim: cannot write output: {exc}{hint}"), file=sys.stderr)
        return 1


@contextlib.contextmanager
def _signals_as_interrupt() -> Iterator[None]:
    """While a command runs, SIGINT and SIGTERM (``kill``, a batch scheduler) stop it as Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield  # handlers can only be installed from the main thread
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    p = argparse.ArgumentParser(
        prog="negsim",
        description="Diplomatic-negotiation scenario simulator: who shows up, who concedes, "
        "what comes out, and what would change that.",
    )
    p.add_argument("--version", action="version", version=f"negsim {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    v = sub.add_parser(
        "validate",
        help="check scenario files",
        description=(
            "Check scenario files: schema, references, and every quoted source against its article. "
            "Prints one path:line:col: message line per problem and exits 2 if there are any."
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

    r = sub.add_parser(
        "run",
        help="run a scenario over many worlds",
        description=(
            "Run a scenario over many worlds and write summary.json, worlds.parquet, "
            "scenario.resolved.yaml and figures/ to the output folder. With no SCENARIO, runs the "
            f"shipped baseline ({DEFAULT_SCENARIO}), from any folder. SCENARIO may name a shipped "
            "scenario: istanbul_2025, whatif_putin_attends, whatif_trump_attends, whatif_no_eu_sanctions."
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
    r.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    r.add_argument(
        "--as-of",
        metavar="DATE",
        help="forecast as of DATE (YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC): only sources published by then",
    )
    r.set_defaults(func=cmd_run)

    # Exploration commands: each lives in its own module and adds its own subcommand here.
    from simulator.cli.report import add_command as _add_report

    _add_report(sub)
    from simulator.cli.sensitivity import add_command as _add_sensitivity

    _add_sensitivity(sub)
    from simulator.cli.compare import add_command as _add_compare

    _add_compare(sub)
    from simulator.cli.sweep import add_command as _add_sweep

    _add_sweep(sub)
    from simulator.cli.score import add_command as _add_score

    _add_score(sub)
    from simulator.cli.benchmark import add_command as _add_benchmark

    _add_benchmark(sub)
    from simulator.cli.deu3 import add_command as _add_deu3

    _add_deu3(sub)
    from simulator.cli.timeline import add_command as _add_timeline

    _add_timeline(sub)
    from simulator.cli.discover import add_command as _add_discover

    _add_discover(sub)
    return p


# --- validate and explain -----------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    from simulator.scenario.load import load_scenario

    problems: list[str] = []
    loaded = []
    for path in args.paths:
        try:
            loaded.append((path, load_scenario(path, allow_outside=args.allow_outside)))
        except ScenarioError as exc:
            problems.extend(str(p) for p in exc.problems)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 2
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


def cmd_explain(args: argparse.Namespace) -> int:
    from simulator.scenario.explain import explain_text
    from simulator.scenario.load import load_scenario

    sys.stdout.write(
        explain_text(load_scenario(args.scenario, args.overrides, allow_outside=args.allow_outside))
    )
    return 0


# --- run ----------------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    from simulator.engine.chunks import check_size
    from simulator.engine.rundir import check_out, new_folder, resume_run, start_run
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
            result = resume_run(args.resume, executor=ex, progress=tick, figures=figures)
    else:
        from simulator.scenario.shipped import baseline

        path = args.scenario or baseline()
        if args.out is not None:
            check_out(args.out)
        scenario = load_scenario(path, args.overrides, allow_outside=args.allow_outside, as_of=args.as_of)
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

    ev = summary["events"]
    lines = [f"{summary['scenario']['name']} — {summary['runs']:,} worlds, seed {summary['seed']}"]
    lines += [f"  --set {o}" for o in overrides]
    lines += [
        "",
        f"{'party':<16}{'absent':>9}{'official':>10}{'minister':>10}{'leader':>9}",
    ]
    parties = [k.split(".", 1)[1] for k in ev if k.startswith("attend.")]
    for pid in parties:
        cells = "".join(
            f"{pct(ev[f'level.{pid}.{lv}']['p'], 0):>{w}}"
            for lv, w in (("absent", 9), ("official", 10), ("minister", 10), ("leader", 9))
        )
        lines.append(f"{pid:<16}{cells}")
    lines.append("")
    keys = ["talks.direct", "talks.leaders"]
    keys += [k for k in ev if k.startswith("agreement.")]
    keys += [k for k in ev if k.startswith("sanctions.") and ev[k]["p"] > 0]
    keys += [k for k in ev if k.startswith("outcome.")]
    for k in keys:
        lo, hi = ev[k]["ci95"]
        lines.append(f"{k:<34}{pct(ev[k]['p']):>6}  (95% CI {pct(lo)}–{pct(hi)})")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
