"""``negsim benchmark``: ``eum`` runs the expected-utility model on an actor table, round by round;
``deu3`` forecasts every issue of a DEU-format file and scores negsim and the baselines (issues
without an outcome are skipped, and counted)."""

from __future__ import annotations

import argparse
import csv
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
    e.add_argument("--rounds", type=int, default=10, help="rounds to run (default 10)")
    e.add_argument("--json", type=Path, default=None, metavar="OUT.json", help="also write the result here")
    e.set_defaults(func=cmd_benchmark_eum)
    _add_deu3(models)


def _add_deu3(models: Any) -> None:
    """``negsim benchmark deu3``: forecast every DEU issue, score negsim and the baselines."""
    b = models.add_parser("deu3", help="forecast every DEU issue, score negsim and the baselines")
    b.add_argument("file", type=Path, help="a DEU-format tab-separated file")
    b.add_argument("--out", type=Path, required=True, help="output folder (predictions.csv, ...)")
    b.add_argument("--runs", type=int, default=1000, help="worlds per issue (default 1000)")
    b.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    b.add_argument("--workers", type=int, default=1, help="processes (default 1)")
    b.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    b.set_defaults(func=cmd_benchmark_deu3)


def cmd_benchmark_eum(args: argparse.Namespace) -> int:
    """Run ``negsim benchmark eum``; print the rounds as JSON unless ``--json`` is given."""
    from simulator.analysis.eum_benchmark import eum_benchmark

    if args.rounds < 0:
        print("negsim: --rounds must be >= 0", file=sys.stderr)
        return 2
    result = eum_benchmark(args.actors, args.rounds, args.json)
    if args.json is None:
        print(json.dumps(result, indent=2))
    else:
        last = result["rounds"][-1]
        print(
            f"round {last['round']}: weighted mean {last['weighted_mean']:.4g}, "
            f"weighted median {last['weighted_median']:.4g}; wrote {args.json}"
        )
    return 0


def cmd_benchmark_deu3(args: argparse.Namespace) -> int:
    from simulator.analysis.deu_benchmark import run_benchmark
    from simulator.analysis.deu_paired import REPS
    from simulator.cli.importer import read_dataset
    from simulator.errors import UserError

    if args.runs < 10 or args.workers < 1:
        raise UserError("--runs must be at least 10 and --workers at least 1")
    dataset = read_dataset(args.file)
    n = len(dataset.with_outcome())
    if dataset.n_without_outcome:
        print(f"skipped {dataset.n_without_outcome} issues without an outcome", file=sys.stderr)
    with progress_bar(n, "deu3") as tick:
        result = run_benchmark(dataset, worlds=args.runs, seed=args.seed, workers=args.workers, progress=tick)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    with (out / "predictions.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=result.columns)
        writer.writeheader()
        writer.writerows({k: ("" if v is None else v) for k, v in row.items()} for row in result.rows)
    # benchmark.json is exactly {model: block} (docs/output-format.md); how it was run goes to run.json.
    (out / "benchmark.json").write_text(json.dumps(result.blocks, indent=2) + "\n", encoding="utf-8")
    run = {
        "file": str(args.file),
        "runs": args.runs,
        "seed": args.seed,
        "scored": len(result.rows),
        "skipped_without_outcome": result.skipped,
        "params": result.params,
        "noise_baselines_sd_per_fold": result.noise_sd,
    }
    (out / "run.json").write_text(json.dumps(run, indent=2) + "\n", encoding="utf-8")
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
    (out / "paired.json").write_text(json.dumps(paired, indent=2) + "\n", encoding="utf-8")
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
