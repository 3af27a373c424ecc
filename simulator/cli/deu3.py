"""``negsim import deu3`` and ``negsim benchmark deu3``: the DEU III data as scenarios and as a test.

Both read the file with the strict reader, so a malformed row stops them with exit 2 and
``file:line:col: message`` (no traceback). ``benchmark`` skips issues without an outcome and says
how many.
"""

from __future__ import annotations

import argparse
import csv
import io
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
    d.add_argument("--overwrite", action="store_true", help="replace an earlier import in --out")
    d.set_defaults(func=cmd_import_deu3)


def add_benchmark(models: Any) -> None:
    """Add ``deu3`` to ``negsim benchmark``'s models (``simulator.cli.benchmark``)."""
    from simulator.cli.options import positive_int, seed_int

    b = models.add_parser("deu3", help="forecast every DEU issue, score negsim and the baselines")
    b.add_argument("file", type=Path, help="a DEU-format tab-separated file")
    b.add_argument("--out", type=Path, required=True, help="output folder (predictions.csv, ...)")
    b.add_argument("--runs", type=positive_int, default=1000, help="worlds per issue (default 1000)")
    b.add_argument("--seed", type=seed_int, default=0, help="random seed (default 0)")
    b.add_argument("--workers", type=positive_int, default=1, help="processes (default 1; at most the cores)")
    b.add_argument("--no-figures", action="store_true", help="skip the PNG figures")
    b.add_argument("--overwrite", action="store_true", help="replace an earlier benchmark in --out")
    b.set_defaults(func=cmd_benchmark_deu3)


def _read(path: Path) -> Any:
    from simulator.scenario.importers.deu3 import read_deu3

    return read_deu3(path)


def cmd_import_deu3(args: argparse.Namespace) -> int:
    from simulator.scenario.importers.deu3_scenarios import write_scenarios

    dataset = _read(args.file)
    written = write_scenarios(dataset, args.out, overwrite=args.overwrite)
    print(f"{len(written)} scenarios written to {args.out} ({len(dataset.issues)} issues)")
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
    from simulator.engine.executors import worker_count
    from simulator.errors import UserError
    from simulator.scenario.importers.deu3_scenarios import validated_proposals

    if args.runs < 10:
        raise UserError("--runs must be at least 10")
    dataset = _read(args.file)
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
    }
    storage.write_text(out / "run.json", json_text(run))
    if not args.no_figures and result.rows:
        import numpy as np

        from simulator.figures.deu3 import write_deu3_figures

        comp = np.array([np.nan if r["compromise"] is None else r["compromise"] for r in result.rows], float)
        write_deu3_figures(out / "figures", result.samples, result.outcome, result.pit, result.voting, comp)
    print(f"{len(result.rows)} issues scored; {out / 'benchmark.json'}")
    print(f"{'model':<18}{'MAE':>7}{'CRPS':>7}{'cov80':>7}{'n':>5}")
    for name, b in result.blocks.items():
        cov = "-" if b["coverage80"] is None else f"{float(b['coverage80']):.2f}"
        mae = "-" if b["mae"] is None else f"{float(b['mae']):.1f}"
        crps = "-" if b["crps"] is None else f"{float(b['crps']):.1f}"
        print(f"{name:<18}{mae:>7}{crps:>7}{cov:>7}{b['n']!s:>5}")
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
