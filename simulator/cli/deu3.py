"""``negsim import deu3`` and ``negsim benchmark deu3``: the DEU III data as scenarios and as a test.

Both read the file with the strict reader, so a malformed row stops them with exit 2 and
``file:line:col: message`` (no traceback). ``benchmark`` skips issues without an outcome and says
how many.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

from simulator.cli.options import progress_bar


def add_command(sub: Any) -> None:
    """Add ``negsim import`` (with its ``deu3`` format) to the CLI's subcommands."""
    imp = sub.add_parser("import", help="import scenarios from a dataset", description=__doc__)
    isub = imp.add_subparsers(dest="format", required=True)
    d = isub.add_parser("deu3", help="one scenario YAML per proposal of a DEU-format .tsv")
    d.add_argument("file", type=Path, help="a DEU-format tab-separated file")
    d.add_argument("--out", type=Path, required=True, help="folder for the scenario files")
    d.set_defaults(func=cmd_import_deu3)


def add_benchmark(models: Any) -> None:
    """Add ``deu3`` to ``negsim benchmark``'s models (``simulator.cli.benchmark``)."""
    b = models.add_parser("deu3", help="forecast every DEU issue, score negsim and the baselines")
    b.add_argument("file", type=Path, help="a DEU-format tab-separated file")
    b.add_argument("--out", type=Path, required=True, help="output folder (predictions.csv, ...)")
    b.add_argument("--runs", type=int, default=1000, help="worlds per issue (default 1000)")
    b.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    b.add_argument("--workers", type=int, default=1, help="processes (default 1)")
    b.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    b.set_defaults(func=cmd_benchmark_deu3)


def _read(path: Path) -> Any:
    from simulator.errors import ScenarioError, UserError
    from simulator.scenario.importers.deu3 import read_deu3

    if not path.is_file():
        raise UserError(f"{path}: no such file")
    try:
        return read_deu3(path)
    except ScenarioError:
        raise
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read: {exc}") from None


def cmd_import_deu3(args: argparse.Namespace) -> int:
    from simulator.scenario.importers.deu3_scenarios import write_scenarios

    dataset = _read(args.file)
    written = write_scenarios(dataset, args.out)
    print(f"{len(written)} scenarios written to {args.out} ({len(dataset.issues)} issues)")
    return 0


def cmd_benchmark_deu3(args: argparse.Namespace) -> int:
    from simulator.analysis.deu_benchmark import run_benchmark
    from simulator.analysis.deu_paired import REPS
    from simulator.errors import UserError

    if args.runs < 10 or args.workers < 1:
        raise UserError("--runs must be at least 10 and --workers at least 1")
    dataset = _read(args.file)
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
    # benchmark.json is exactly {model: block} (contracts.md); how it was run goes to run.json.
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
