"""``negsim benchmark``: ``eum`` runs the expected-utility model on an actor table, round by round;
``deu3`` forecasts every issue of a DEU-format file and scores negsim and the baselines (issues
without an outcome are skipped, and counted)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

from simulator.cli.options import progress_bar


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
    _add_deu3(models)


def _add_deu3(models: Any) -> None:
    """``negsim benchmark deu3``: forecast every DEU issue, score negsim and the baselines."""
    from simulator.cli.options import add_format_option, positive_int, seed_int

    b = models.add_parser("deu3", help="forecast every DEU issue, score negsim and the baselines")
    b.add_argument("file", type=Path, help="a DEU-format tab-separated file")
    b.add_argument("--out", type=Path, required=True, help="output folder (predictions.csv, ...)")
    b.add_argument("--runs", type=positive_int, default=1000, help="worlds per issue (default 1000)")
    b.add_argument("--seed", type=seed_int, default=0, help="random seed (default 0)")
    b.add_argument("--workers", type=positive_int, default=1, help="processes (default 1; at most the cores)")
    b.add_argument("--no-figures", action="store_true", help="skip the figures")
    b.add_argument("--overwrite", action="store_true", help="replace an earlier benchmark in --out")
    add_format_option(b)
    b.set_defaults(func=cmd_benchmark_deu3)


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


#: Memory a benchmark holds per world and actor while an issue is forecast (about ten float64
#: arrays of worlds x actors), and per world and issue for the samples kept for scoring.
BYTES_PER_WORLD_ACTOR = 10 * 8
BYTES_PER_SAMPLE = 8


def check_benchmark_size(dataset: Any, runs: int, workers: int) -> None:
    """Refuse (exit 2, with the estimate) a benchmark whose arrays cannot fit in memory."""
    from simulator.engine.chunks import SECONDS_PER_WORLD
    from simulator.sizes import Need, check

    issues = dataset.with_outcome()
    actors = max((sum(a.position is not None for a in i.actors) for i in issues), default=0)
    per_issue = runs * actors * BYTES_PER_WORLD_ACTOR
    kept = runs * len(issues) * BYTES_PER_SAMPLE
    what = f"--runs {runs:,} for {len(issues)} issues of up to {actors} actors"
    check(
        Need(
            what,
            memory=per_issue * workers + kept,
            seconds=runs * len(issues) * SECONDS_PER_WORLD,
            cores=workers,
        ),
        "ask for fewer --runs",
    )


def cmd_benchmark_deu3(args: argparse.Namespace) -> int:
    from simulator.engine.rundir import check_out
    from simulator.storage import OutputFolder

    check_out(args.out)
    with OutputFolder(args.out, command="benchmark", overwrite=args.overwrite) as folder:
        return _benchmark_deu3(args, folder)


def _benchmark_deu3(args: argparse.Namespace, folder: Any) -> int:
    from simulator import storage
    from simulator.analysis.deu_benchmark import run_benchmark
    from simulator.analysis.deu_paired import REPS
    from simulator.cli.importer import read_dataset
    from simulator.engine.executors import worker_count
    from simulator.errors import UserError
    from simulator.scenario.importers.deu3_scenarios import validated_proposals

    if args.runs < 10:
        raise UserError("--runs must be at least 10")
    dataset = read_dataset(args.file)
    validated_proposals(dataset, dataset.path)  # each proposal must make a valid scenario
    n = len(dataset.with_outcome())
    workers = worker_count(args.workers, -(-n // 10))
    check_benchmark_size(dataset, args.runs, workers)
    if dataset.n_without_outcome:
        print(f"skipped {dataset.n_without_outcome} issues without an outcome", file=sys.stderr)
    with progress_bar(n, "deu3") as tick:
        result = run_benchmark(dataset, worlds=args.runs, seed=args.seed, workers=workers, progress=tick)
    out: Path = args.out
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=result.columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: _cell(v) for k, v in row.items()} for row in result.rows)
    storage.write_text(out / "predictions.csv", buf.getvalue())
    # benchmark.json is exactly {model: block} (contracts.md); how it was run goes to run.json.
    storage.write_text(out / "benchmark.json", json_text(result.blocks))
    run = {
        "file": str(args.file),
        "runs": args.runs,
        "seed": args.seed,
        "scored": len(result.rows),
        "skipped_without_outcome": result.skipped,
        "params": result.params,
        "noise_baselines_sd_per_fold": result.noise_sd,
    }
    storage.write_text(out / "run.json", json_text(run))
    paired = {
        "about": (
            "negsim minus each baseline, mean over the issues both score, 95% interval from "
            f"{REPS} bootstrap resamples of proposals (below 0: negsim better). The +noise baselines "
            "are cross-validated (spread fitted on the other folds, 5 folds by proposal); negsim "
            "runs on its shipped fit, which was fitted on benchmarks/data/deu3/train.tsv (in-sample "
            "on that file, out-of-sample on any other)."
        ),
        "comparisons": result.paired,
    }
    storage.write_text(out / "paired.json", json_text(paired))
    if not args.no_figures and result.rows:
        import numpy as np

        from simulator.figures.deu3 import write_deu3_figures

        comp = np.array([np.nan if r["compromise"] is None else r["compromise"] for r in result.rows], float)
        write_deu3_figures(
            out / "figures", result.samples, result.outcome, result.pit, result.voting, comp, result.paired
        )
    print(f"{len(result.rows)} issues scored; {out / 'benchmark.json'}")
    print(f"{'model':<22}{'MAE':>7}{'CRPS':>7}{'cov80':>7}{'n':>5}")
    for name, b in result.blocks.items():
        cov = "-" if b["coverage80"] is None else f"{float(b['coverage80']):.2f}"
        mae = "-" if b["mae"] is None else f"{float(b['mae']):.1f}"
        crps = "-" if b["crps"] is None else f"{float(b['crps']):.1f}"
        print(f"{name:<22}{mae:>7}{crps:>7}{cov:>7}{b['n']!s:>5}")
    if result.paired:
        print(
            "\nnegsim minus each baseline, paired by issue "
            "(95% interval, bootstrap by proposal; < 0: negsim better)"
        )
        print(f"{'baseline':<22}{'MAE diff':>9}  {'95% interval':<18}{'CRPS diff':>10}  {'95% interval':<18}")
        for name, p in result.paired.items():
            cells = ""
            for metric in ("mae", "crps"):
                d, (lo, hi) = p[metric]["diff"], p[metric]["ci95"]
                cells += (
                    "        -                    "
                    if d is None
                    else f"{d:>+9.2f}  [{lo:+.2f}, {hi:+.2f}]".ljust(29)
                )
            print(f"{name:<22}{cells}")
        print(
            "(the +noise baselines are cross-validated; negsim's fit is in-sample on train.tsv) "
            f"{out / 'paired.json'}"
        )
    return 0


def _cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula (``=HYPERLINK(...``):
    text starting with ``= + - @``, a tab or a carriage return gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def json_text(doc: Any) -> str:
    """``doc`` as JSON text; NaN or infinity (invalid JSON) is a bug here, never written."""
    return json.dumps(doc, indent=2, allow_nan=False) + "\n"
