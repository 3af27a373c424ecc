"""Fit the model average's member weights on the DEU training half by CRPS, cross-validated by proposal.

Run from the repository root (well under a minute)::

    python benchmarks/fit_ensemble_weights.py   # writes simulator/analysis/fitted/ensemble_weights_v1.json

The members are the multi-actor protocols' cores (``simulator.analysis.deu_members.MEMBERS``),
each under the fitted noise of ``deu3_v2.json`` (``benchmarks/fit_deu3.py --ensemble``) on common
random numbers (the same seed per issue for every member). The weights minimise the mean CRPS of the
mixture on the training issues, exactly (``simulator.analysis.ensemble_weights``). Five folds by
proposal (``kfold_by_proposal``, seed 0): weights fitted on four folds forecast the fifth; the
pooled held-out forecasts give the cross-validated scores, beside equal weights and every member
alone (no fitted weight, so the same in and out of sample). The shipped weights are the fit on the
whole training half. The held-out half of DEU III is never read.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from simulator.analysis.ensemble_weights import fit_deu3_weights

ROOT = Path(__file__).parents[1]
TRAIN = Path(__file__).parent / "data" / "deu3" / "train.tsv"
OUT = ROOT / "simulator" / "analysis" / "fitted" / "ensemble_weights_v1.json"


def main() -> int:
    record = fit_deu3_weights(TRAIN, label="benchmarks/data/deu3/train.tsv")
    OUT.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    keys = (
        "weights",
        "shrinkage",
        "crps_fit_unshrunk",
        "cv_weights_per_fold",
        "cv_shrinkage_per_fold",
        "crps_exact",
    )
    print(json.dumps({k: record[k] for k in keys}))
    for name, block in record["scores"].items():  # type: ignore[union-attr]
        print(f"{name:18s} " + " ".join(f"{k}={v:.3f}" for k, v in block.items() if k != "n"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
