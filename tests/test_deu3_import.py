"""``negsim import deu3`` and ``negsim benchmark deu3`` on the CI slice: sources checked, files, columns."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.scenario.load import load_scenario

SLICE = Path(__file__).parent / "data" / "deu3_slice.tsv"
LOCATED = re.compile(r"^[^:]+:\d+:\d+: .+$")


@pytest.fixture
def imported(tmp_path: Path) -> Path:
    out = tmp_path / "scen"
    assert main(["import", "deu3", str(SLICE), "--out", str(out)]) == 0
    return out


@pytest.mark.slow
def test_import_writes_valid_scenarios(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(imported.glob("*.yaml"))
    assert len(files) == 6
    assert main(["validate", *map(str, files)]) == 0
    s = load_scenario(files[0])
    assert set(s.datasets) == {"deu3"}
    assert s.protocol.rule.kind == "bodies"
    assert "council" in s.protocol.rule.bodies
    src = s.parties["com"].capability.sources[0]
    assert src.is_dataset and src.record == "capabilities" and src.field == "pcom"
    for party in s.parties.values():
        assert party.attendance.initial.level == "official"


@pytest.mark.slow
def test_tampered_value_fails_at_line_and_col(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = imported / "d00032.yaml"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    # The first salience of the Commission: change its value.
    idx = next(i for i, ln in enumerate(lines) if ln.strip() == "field: scom") - 4
    assert lines[idx].strip().startswith("value:")
    lines[idx] = lines[idx].split("value:")[0] + "value: 0.77"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and LOCATED.match(err[0])
    # Reported at the citation's ``field`` line (1-based: the value line + 4 + 1).
    assert f"{path}:{idx + 5}:" in err[0] and "scom" in err[0] and "file has" in err[0]


def test_unknown_dataset_and_missing_file(imported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = imported / "d00032.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"deu3: .+", "deu3: nowhere.tsv", text, count=1), encoding="utf-8")
    capsys.readouterr()
    assert main(["validate", str(path)]) == 2
    assert "no such file" in capsys.readouterr().err


@pytest.mark.slow
def test_benchmark_on_slice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bench"
    assert main(["benchmark", "deu3", str(SLICE), "--out", str(out), "--runs", "200"]) == 0
    captured = capsys.readouterr()
    with (out / "predictions.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    head = ["issue", "outcome", "median", "mean", "q05", "q10", "q25", "q75", "q90", "q95"]
    assert list(rows[0])[: len(head)] == head
    for col in ("compromise", "reference_point", "commission", "median_state"):
        assert col in rows[0]
    data = json.loads((out / "benchmark.json").read_text(encoding="utf-8"))
    keys = ["mae", "median_ae", "crps", "within10", "coverage50", "coverage80", "coverage90", "n"]
    for model in ("negsim", "compromise", "reference_point", "commission", "median_state"):
        assert list(data[model]) == keys
    assert data["negsim"]["n"] == len(rows)
    skipped = json.loads((out / "run.json").read_text(encoding="utf-8"))["skipped_without_outcome"]
    assert len(rows) + skipped == 20
    if skipped:
        assert f"skipped {skipped}" in captured.err
    for name in ("predicted_vs_actual", "pit_histogram", "coverage", "errors_by_rule"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 0


@pytest.mark.slow
def test_benchmark_is_reproducible(tmp_path: Path) -> None:
    args = ["benchmark", "deu3", str(SLICE), "--runs", "50", "--no-figures", "--out"]
    assert main([*args, str(tmp_path / "a")]) == 0
    assert main([*args, str(tmp_path / "b"), "--workers", "2"]) == 0
    a = (tmp_path / "a" / "predictions.csv").read_text()
    assert a == (tmp_path / "b" / "predictions.csv").read_text()


def test_malformed_row_exits_2_with_location(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.tsv"
    lines = SLICE.read_text(encoding="utf-8").splitlines()
    fields = lines[3].split("\t")
    fields[-1] = '"abc"'
    lines[3] = "\t".join(fields)
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for cmd in (["benchmark", "deu3"], ["import", "deu3"]):
        capsys.readouterr()
        assert main([*cmd, str(bad), "--out", str(tmp_path / "o")]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert any(line.startswith(f"{bad}:4:") for line in err)


def test_missing_file_exits_2(tmp_path: Path) -> None:
    assert main(["benchmark", "deu3", str(tmp_path / "none.tsv"), "--out", str(tmp_path)]) == 2
    assert main(["import", "deu3", str(tmp_path / "none.tsv"), "--out", str(tmp_path)]) == 2


def test_dataset_copy_next_to_scenarios(imported: Path, tmp_path: Path) -> None:
    # A dataset path is relative to the scenario file: moving both together keeps them valid.
    moved = tmp_path / "moved"
    shutil.copytree(imported, moved / "scen")
    shutil.copy(SLICE, moved / "deu3_slice.tsv")
    path = moved / "scen" / "d00032.yaml"
    text = path.read_text(encoding="utf-8")
    rel = re.search(r"deu3: (.+)", text)
    assert rel is not None
    path.write_text(text.replace(rel.group(1), "../deu3_slice.tsv"), encoding="utf-8")
    assert main(["validate", str(path)]) == 0
