"""Fair DEU baselines and the paired test (#20): noise baselines fitted out of fold, a bootstrap by
proposal that keeps a proposal's issues together, and the benchmark command printing both."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from simulator.analysis.deu_paired import noise_baseline, paired_bootstrap
from simulator.cli import main

SLICE = Path(__file__).parent / "data" / "deu3_slice.tsv"


def test_paired_bootstrap_finds_a_real_difference_and_not_a_null_one() -> None:
    rng = np.random.default_rng(0)
    props = [f"p{i // 3}" for i in range(120)]  # 40 proposals of 3 issues
    base = rng.uniform(10, 30, 120)
    better = paired_bootstrap(base - 5.0, base, props)
    assert better["diff"] == pytest.approx(-5.0) and better["ci95"][1] < 0 and better["better"] == "a"
    noise = paired_bootstrap(base + rng.normal(0, 1, 120), base, props)
    assert noise["ci95"][0] < 0 < noise["ci95"][1] and noise["better"] is None
    assert noise["proposals"] == 40 and noise["n"] == 120


def test_bootstrap_by_proposal_is_wider_than_by_issue_when_issues_cluster() -> None:
    # Each proposal's issues share one error: resampling issues would overstate the evidence.
    rng = np.random.default_rng(1)
    shared = np.repeat(rng.normal(0, 5, 20), 6)
    by_proposal = paired_bootstrap(shared, np.zeros(120), [f"p{i // 6}" for i in range(120)])
    by_issue = paired_bootstrap(shared, np.zeros(120), [f"p{i}" for i in range(120)])
    width = lambda r: r["ci95"][1] - r["ci95"][0]  # noqa: E731
    assert width(by_proposal) > 1.5 * width(by_issue)


def test_noise_baseline_fits_its_spread_out_of_fold() -> None:
    rng = np.random.default_rng(2)
    point = rng.uniform(20, 80, 60)
    y = np.clip(point + rng.normal(0, 15, 60), 0, 100)
    props = [f"p{i // 2}" for i in range(60)]
    samples, sds = noise_baseline(point, y, props, k=5, seed=0, worlds=300)
    assert samples.shape == (60, 300) and len(sds) == 5
    assert all(8 <= sd <= 25 for sd in sds)  # near the true 15, fitted on each fold's training issues
    # A point with nothing to say gets no samples.
    point[0] = np.nan
    samples, _ = noise_baseline(point, y, props, k=5, seed=0, worlds=50)
    assert np.isnan(samples[0]).all() and np.isfinite(samples[1]).all()


@pytest.mark.slow
def test_benchmark_prints_and_writes_the_paired_comparison(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b"
    assert main(["benchmark", "deu3", str(SLICE), "--out", str(out), "--runs", "100"]) == 0
    text = capsys.readouterr().out
    assert "compromise+noise" in text and "paired by issue" in text
    blocks = json.loads((out / "benchmark.json").read_text())
    assert {"compromise+noise", "weighted_median+noise"} <= set(blocks)
    paired = json.loads((out / "paired.json").read_text())["comparisons"]
    for name in ("compromise+noise", "weighted_median+noise", "compromise"):
        lo, hi = paired[name]["crps"]["ci95"]
        assert lo <= paired[name]["crps"]["diff"] <= hi
    assert (out / "figures" / "paired.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "figures" / "errors_by_rule.png").is_file()
