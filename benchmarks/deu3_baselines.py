"""The DEU III baselines' scores: the table of ``docs/validation.md``.

Run from the repository root::

    python benchmarks/deu3_baselines.py                          # the training half
    python benchmarks/deu3_baselines.py FILE.tsv --json OUT.json # another DEU-format file

Reads the file with the strict reader, keeps the issues with an outcome (and says how many it
skipped), forecasts each with every baseline of ``simulator.analysis.deu_baselines`` and scores it
as a point forecast (CRPS = absolute error), plus the compromise
forecasts rounded to whole points (the reading that reproduces the README's 24.6 / 21.5).
A baseline without a forecast for an issue (no
reference point, no Commission position) is scored on the issues it covers, which ``n`` shows.
Also prints the compromise model's 5-fold cross-validated scores by proposal, as a check that the
folds are usable: the compromise model has no fitted parameter, so they pool to the same MAE.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from simulator.analysis.deu_baselines import BASELINES, all_baselines, compromise
from simulator.analysis.forecast_scores import kfold_by_proposal, score_point
from simulator.errors import ScenarioError
from simulator.scenario.importers.deu3 import read_deu3, to_arrays

DEFAULT = Path(__file__).parent / "data" / "deu3" / "train.tsv"


def baseline_table(path: Path) -> tuple[dict[str, dict[str, float | int | None]], int, int]:
    """Score every baseline on the issues of ``path`` with an outcome: (blocks, scored, skipped)."""
    dataset = read_deu3(path)
    arrays = to_arrays(dataset, dataset.with_outcome())
    forecasts = all_baselines(arrays)
    blocks = {name: score_point(forecasts[name], arrays.outcome) for name in BASELINES}
    # The README's figures (MAE 24.6, median 21.5) match the compromise forecasts rounded to whole points.
    whole = compromise(arrays.positions, arrays.saliences, arrays.capabilities, decimals=0)
    blocks["compromise_whole_points"] = score_point(whole, arrays.outcome)
    return blocks, len(arrays.issues), dataset.n_without_outcome


def _fmt(value: float | int | None, digits: int = 1) -> str:
    if value is None:
        return "-"
    return str(value) if isinstance(value, int) else f"{value:.{digits}f}"


def main(argv: list[str] | None = None) -> int:
    """Print the table (Markdown); with ``--json``, also write the blocks as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT, help="a DEU-format .tsv")
    parser.add_argument("--json", type=Path, help="also write the per-model blocks here")
    args = parser.parse_args(argv)
    try:
        blocks, scored, skipped = baseline_table(args.file)
    except ScenarioError as error:
        print(error, file=sys.stderr)
        return 2
    print(f"{args.file}: {scored} issues with an outcome ({skipped} without one skipped)\n")
    print("| baseline | MAE | median AE | within 10 | CRPS | n |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, b in blocks.items():
        within = None if b["within10"] is None else 100 * float(b["within10"])
        row = [
            _fmt(b["mae"], 2),
            _fmt(b["median_ae"], 2),
            _fmt(within, 0) + " %",
            _fmt(b["crps"], 2),
            _fmt(b["n"]),
        ]
        print(f"| {name} | " + " | ".join(row) + " |")
    dataset = read_deu3(args.file)
    issues = dataset.with_outcome()
    errors = []
    for _, test in kfold_by_proposal([i.proposal for i in issues], k=5, seed=0):
        fold = to_arrays(dataset, [issues[i] for i in test])
        errors.append(np.abs(all_baselines(fold)["compromise"] - fold.outcome))
    pooled = np.concatenate(errors)
    print(f"\ncompromise, 5 folds by proposal (seed 0): pooled MAE {np.mean(pooled):.1f} over {pooled.size}")
    if args.json:
        args.json.write_text(json.dumps(blocks, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
