"""Issue #24, "Nothing lost, nothing leaked, round two": one regression test (or a few) per group of
the issue (the group's number is in each test's name): the importer, the benchmarks, ``datasets:``,
``--as-of`` dates, sizes, quantiles, outputs, numbers and messages."""

from __future__ import annotations

import fcntl
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simulator.cli import main

HERE = Path(__file__).parent
SLICE = HERE / "data" / "deu3_slice.tsv"
TWO_PARTY = HERE / "data" / "two_party.yaml"
SENS = HERE / "data" / "sensitivity_test.yaml"
ROOT = HERE.parent
CAMPAIGN = ROOT / "scenarios" / "istanbul_2025_campaign.yaml"
NEGSIM = Path(sys.executable).with_name("negsim")
LOCATED = re.compile(r"^[^:]+:\d+:\d+: .+$")

ACTORS = "actor,c,x,s\nA,0.5,10,0.5\nB,0.3,40,0.8\nC,0.2,70,0.3\n"


def lines() -> list[list[str]]:
    """The CI slice of DEU III as fields per line (edit a copy, write it back with :func:`tsv`)."""
    return [ln.split("\t") for ln in SLICE.read_text(encoding="utf-8").rstrip("\n").split("\n")]


def tsv(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("\n".join("\t".join(r) for r in rows) + "\n", encoding="utf-8")
    return path


def col(rows: list[list[str]], name: str) -> int:
    return rows[0].index(f'"{name}"')


def no_traceback(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


# --- 1: import writes only under --out, never over a stranger's file ---------------------------


@pytest.mark.parametrize("prnr", ['"../escaped"', '"/tmp/negsim-abs-escape"', '"a/b"', '".hidden"'])
def test_1_a_proposal_id_cannot_name_a_file_outside_out(
    tmp_path: Path, prnr: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = lines()
    rows[2][col(rows, "prnr")] = prnr
    before = tree(tmp_path)
    bad = tsv(tmp_path / "bad.tsv", rows)
    assert main(["import", "deu3", str(bad), "--out", str(tmp_path / "imp" / "sub")]) == 2
    err = no_traceback(capsys)
    assert "prnr" in err and LOCATED.match(err.splitlines()[0])
    assert tree(tmp_path) == before | {"bad.tsv"}
    assert not Path("/tmp/negsim-abs-escape.yaml").exists()


@pytest.mark.slow
def test_1_import_never_overwrites_without_overwrite_nor_a_users_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "imp"
    out.mkdir()
    (out / "d00032.yaml").write_text("mine\n")
    assert main(["import", "deu3", str(SLICE), "--out", str(out)]) == 2
    assert main(["import", "deu3", str(SLICE), "--out", str(out), "--overwrite"]) == 2
    assert (out / "d00032.yaml").read_text() == "mine\n"
    assert "did not write" in no_traceback(capsys)
    (out / "d00032.yaml").unlink()
    assert main(["import", "deu3", str(SLICE), "--out", str(out)]) == 0
    assert main(["import", "deu3", str(SLICE), "--out", str(out)]) == 2  # an earlier import
    assert main(["import", "deu3", str(SLICE), "--out", str(out), "--overwrite"]) == 0


def test_1_import_never_writes_through_a_symlink(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "imp"
    out.mkdir()
    target = tmp_path / "target.txt"
    target.write_text("untouched\n")
    (out / "d00032.yaml").symlink_to(target)
    assert main(["import", "deu3", str(SLICE), "--out", str(out), "--overwrite"]) == 2
    assert target.read_text() == "untouched\n"
    no_traceback(capsys)


def test_1_no_output_folder_writes_through_a_symlinked_folder(tmp_path: Path) -> None:
    from simulator import storage
    from simulator.errors import UserError

    out = tmp_path / "out"
    (tmp_path / "elsewhere").mkdir()
    out.mkdir()
    (out / "figures").symlink_to(tmp_path / "elsewhere")
    with storage.OutputFolder(out, command="t"):
        with pytest.raises(UserError, match="symlink"):
            storage.write_text(out / "figures" / "x.png", "x")
        with pytest.raises(RuntimeError, match="outside --out"):
            storage.write_text(tmp_path / "stray.txt", "x")
    assert not list((tmp_path / "elsewhere").iterdir())
    assert not (tmp_path / "stray.txt").exists()


# --- 2: datasets are read only inside the tree, capped, never echoed ----------------------------


@pytest.fixture
def imported(tmp_path: Path) -> Path:
    out = tmp_path / "scen"
    assert main(["import", "deu3", str(SLICE), "--out", str(out)]) == 0
    return out / "d00032.yaml"


def _point_dataset(scenario: Path, target: Path | str) -> None:
    text = scenario.read_text(encoding="utf-8")
    scenario.write_text(re.sub(r"deu3: .+", f"deu3: {target}", text, count=1), encoding="utf-8")


@pytest.mark.slow
def test_2_a_dataset_outside_the_tree_needs_allow_outside_and_is_never_echoed(
    imported: Path, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path_factory.mktemp("elsewhere") / "secret.conf"
    secret.write_text('db_password="hunter2"\tx\n\ny\n')
    _point_dataset(imported, secret)
    capsys.readouterr()
    assert main(["validate", "--no-prior-check", str(imported)]) == 2
    err = no_traceback(capsys)
    assert "--allow-outside" in err and "hunter2" not in err
    assert main(["validate", "--no-prior-check", "--allow-outside", str(imported)]) == 2
    err = no_traceback(capsys)
    assert "not a valid DEU file" in err and "hunter2" not in err and "db_password" not in err


@pytest.mark.slow
def test_2_a_cited_cell_that_is_not_a_number_is_not_echoed(
    imported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = imported.parent / "deu3_slice.tsv"  # the copy the importer wrote beside the scenarios
    text = data.read_text(encoding="utf-8").split("\n")
    fields = text[2].split("\t")
    fields[13] = '"secret-token"'  # the Commission's position on d00032i1
    text[2] = "\t".join(fields)
    data.write_text("\n".join(text), encoding="utf-8")
    capsys.readouterr()
    assert main(["validate", "--no-prior-check", str(imported)]) == 2
    err = no_traceback(capsys)
    assert "secret-token" not in err


@pytest.mark.slow
def test_2_a_huge_or_special_dataset_is_refused_at_once(
    imported: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = imported.parent / "big.tsv"
    with big.open("wb") as f:
        f.truncate(20_000_000)  # sparse: 20 MB without writing them
    _point_dataset(imported, "big.tsv")
    capsys.readouterr()
    t = time.time()
    assert main(["validate", "--no-prior-check", str(imported)]) == 2
    assert time.time() - t < 30
    assert "too large" in no_traceback(capsys)
    fifo = imported.parent / "fifo.tsv"
    os.mkfifo(fifo)
    _point_dataset(imported, "fifo.tsv")
    assert main(["validate", "--no-prior-check", str(imported)]) == 2
    assert "not a regular file" in no_traceback(capsys)


# --- 3: the DEU benchmark uses the one capped pool ------------------------------------------------


def test_3_worker_counts_are_capped_at_the_cores_and_tasks() -> None:
    from simulator.engine.executors import cores, worker_count

    assert worker_count(40) == cores()
    assert worker_count(10**9, 3) <= 3
    assert worker_count(None) == cores()
    assert worker_count(2, 1) == 1


def test_3_the_deu_benchmark_runs_on_the_shared_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    from simulator.analysis import deu_benchmark
    from simulator.engine import executors

    asked: list[tuple[int, int | None]] = []

    def fake(workers: int, tasks: int | None = None) -> None:
        asked.append((workers, tasks))
        return None  # run in this process

    monkeypatch.setattr(deu_benchmark, "local_executor", fake)
    from simulator.scenario.importers.deu3 import read_deu3

    deu_benchmark.run_benchmark(read_deu3(SLICE), worlds=20, workers=40)
    assert asked == [(40, 2)]  # 20 issues in chunks of 10
    assert executors.worker_count(40, 2) <= 2


@pytest.mark.slow
def test_3_deu_benchmark_workers_exit_when_the_parent_is_killed(tmp_path: Path) -> None:
    from tests.test_nothing_lost import _alive, _descendants

    big = tmp_path / "big.tsv"
    shutil.copy(ROOT / "benchmarks" / "data" / "deu3" / "train.tsv", big)
    cmd = [str(NEGSIM), "benchmark", "deu3", str(big), "--out", str(tmp_path / "b")]
    proc = subprocess.Popen(
        [*cmd, "--workers", "2", "--runs", "200000", "--no-figures"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    children: list[int] = []
    while len(children) < 2 and time.time() < deadline:
        time.sleep(0.5)
        children = _descendants(proc.pid)
    assert children
    time.sleep(2)
    children = _descendants(proc.pid)
    proc.kill()
    proc.wait()
    deadline = time.time() + 15
    while any(_alive(p) for p in children) and time.time() < deadline:
        time.sleep(0.2)
    assert not [p for p in children if _alive(p)]


# --- 4: the EUM reader is the one reader ---------------------------------------------------------


@pytest.mark.slow
def test_4_eum_refuses_devices_and_fifos_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "actors.csv"
    os.mkfifo(fifo)
    for path in ("/dev/zero", str(fifo)):
        done = subprocess.run(
            [str(NEGSIM), "benchmark", "eum", path], capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 2, done.stderr
        assert "not a regular file" in done.stderr and "Traceback" not in done.stderr


def test_4_eum_refuses_a_file_over_the_cap(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    big = tmp_path / "actors.csv"
    with big.open("wb") as f:
        f.truncate(50_000_000)
    assert main(["benchmark", "eum", str(big)]) == 2
    assert "too large" in no_traceback(capsys)


# --- 5: bad input is exit 2, never a traceback ----------------------------------------------------


def test_5_import_with_every_capability_0_or_a_nul_in_a_prnr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = lines()
    rows[1] = [('"0"' if c else c) for c in rows[1]]
    zero = tsv(tmp_path / "zero.tsv", rows)
    assert main(["import", "deu3", str(zero), "--out", str(tmp_path / "a")]) == 2
    assert "capability" in no_traceback(capsys)
    rows = lines()
    rows[2][col(rows, "prnr")] = '"d000\x0032"'
    nul = tsv(tmp_path / "nul.tsv", rows)
    assert main(["import", "deu3", str(nul), "--out", str(tmp_path / "b")]) == 2
    err = no_traceback(capsys)
    assert "control character" in err and "\x00" not in err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def _only(rows: list[list[str]], keep: set[str]) -> list[list[str]]:
    """The slice with every actor's position and salience emptied but those in ``keep`` (and
    without the issues on which none of them has a position)."""
    out = [list(r) for r in rows]
    for i, name in enumerate(rows[0]):
        name = name.strip('"')
        actor = name[1:]
        if i >= 13 and name[:1] in "ps" and actor and name not in ("rp", "out") and actor not in keep:
            for r in out[2:]:
                r[i] = ""
    kept = [rows[0].index(f'"p{a}"') for a in keep]
    return out[:2] + [r for r in out[2:] if any(r[i] for i in kept)]


@pytest.mark.parametrize("keep", [{"ep"}, {"de", "fr"}, {"com"}])
def test_5_benchmark_on_too_few_actors_is_exit_2_or_0(
    tmp_path: Path, keep: set[str], capsys: pytest.CaptureFixture[str]
) -> None:
    f = tsv(tmp_path / "few.tsv", _only(lines(), keep))
    code = main(["benchmark", "deu3", str(f), "--out", str(tmp_path / "o"), "--runs", "20", "--no-figures"])
    err = no_traceback(capsys)
    assert code in (0, 2), err
    if code == 2:
        assert LOCATED.match(err.splitlines()[-1]) or err.strip()


def test_5_benchmark_refuses_a_negative_seed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["benchmark", "deu3", str(SLICE), "--out", str(tmp_path / "o"), "--seed", "-1"]) == 2
    no_traceback(capsys)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "when", ["0001-01-01T00:00+01:00", "9999-12-31T23:59-01:00", "2025-13-01", "20250514"]
)
def test_5_extreme_as_of_dates_are_exit_2(
    tmp_path: Path, when: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", str(CAMPAIGN), "--as-of", when, "--runs", "100", "--out", str(tmp_path / "r")]) == 2
    assert "--as-of" in no_traceback(capsys)


def _seeds_copy(tmp_path: Path, published: str) -> Path:
    """The campaign scenario beside a copy of the seeds whose first ``published`` is replaced."""
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    shutil.copy(ROOT / "scenarios" / "istanbul_2025.yaml", tmp_path / "scenarios" / "istanbul_2025.yaml")
    index = tmp_path / "seeds" / "index.yaml"
    text = index.read_text(encoding="utf-8")
    index.write_text(
        text.replace('published: "2025-05-15T23:59"', f"published: {published}", 1), encoding="utf-8"
    )
    return index


@pytest.fixture
def campaign_copy(tmp_path: Path) -> Path:
    (tmp_path / "scenarios").mkdir()
    shutil.copy(CAMPAIGN, tmp_path / "scenarios" / CAMPAIGN.name)
    return tmp_path / "scenarios" / CAMPAIGN.name


@pytest.mark.parametrize("published", ['"0001-01-01T00:00+05:00"', '"yesterday"', "20250514"])
def test_5_11_a_bad_published_date_is_the_index_own_located_problem(
    tmp_path: Path, campaign_copy: Path, published: str, capsys: pytest.CaptureFixture[str]
) -> None:
    index = _seeds_copy(tmp_path, published)
    code = main(
        ["run", str(campaign_copy), "--as-of", "2025-05-14", "--runs", "100", "--out", str(tmp_path / "r")]
    )
    assert code == 2
    err = no_traceback(capsys).strip()
    assert err.startswith(f"{index}:") and LOCATED.match(err), err
    assert "published" in err and "--as-of" not in err


# --- 6: sizes are estimated and refused -----------------------------------------------------------


def test_6_sizes_beyond_the_machine_are_refused_with_an_estimate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    actors = tmp_path / "actors.csv"
    actors.write_text(ACTORS)
    t = time.time()
    assert main(["benchmark", "eum", str(actors), "--rounds", "1000000000000"]) == 2
    assert main(["benchmark", "deu3", str(SLICE), "--runs", "1e12", "--out", str(tmp_path / "b")]) == 2
    assert (
        main(
            [
                *["sensitivity", str(SENS), "--method", "sobol", "--n", "4"],
                *["--replicates", "100000000", "--out", str(tmp_path / "s")],
            ]
        )
        == 2
    )
    assert time.time() - t < 60
    err = no_traceback(capsys)
    assert err.count("too large") == 3 and "GiB" in err
    assert (
        not (tmp_path / "b" / "predictions.csv").exists()
        and not (tmp_path / "s" / "sensitivity.json").exists()
    )


@pytest.mark.slow
def test_6_a_proposal_too_large_for_a_scenario_is_refused_before_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = lines()
    template = rows[2]
    isnr = col(rows, "isnr")
    many = []
    for k in range(1500):
        r = list(template)
        r[isnr] = f'"d00032i{k + 1}"'
        many.append(r)
    big = tsv(tmp_path / "big.tsv", [rows[0], rows[1], *many])
    t = time.time()
    assert main(["import", "deu3", str(big), "--out", str(tmp_path / "o")]) == 2
    assert time.time() - t < 60
    err = no_traceback(capsys)
    assert "bytes" in err and LOCATED.match(err.splitlines()[-1])
    assert not (tmp_path / "o").exists()


def test_6_a_table_over_the_cap_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    big = tmp_path / "big.tsv"
    with big.open("wb") as f:
        f.truncate(100_000_000)
    assert main(["import", "deu3", str(big), "--out", str(tmp_path / "o")]) == 2
    assert "too large" in no_traceback(capsys)


# --- 7: no silent wrong answers -------------------------------------------------------------------


@pytest.mark.parametrize(
    "table",
    [
        "actor,c,x,s\nA,0,10,0.5\nB,0,40,0.8\n",
        "actor,c,x,s\nA,0.5,10,0\nB,0.3,40,0\n",
        "actor,c,x,s\nA,0.5,1e308,0.5\nB,0.3,-1e308,0.8\n",
    ],
)
def test_7_eum_never_prints_nan(tmp_path: Path, table: str, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "a.csv"
    f.write_text(table)
    assert main(["benchmark", "eum", str(f)]) == 2
    captured = capsys.readouterr()
    assert "NaN" not in captured.out and "Traceback" not in captured.err


def test_7_eum_json_is_valid_json_without_nan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "a.csv"
    f.write_text(ACTORS)
    assert main(["benchmark", "eum", str(f), "--rounds", "3"]) == 0
    doc = json.loads(capsys.readouterr().out, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert all(math.isfinite(r["weighted_mean"]) for r in doc["rounds"])


@pytest.mark.parametrize(
    ("one", "other"), [("d00032i1", "D00032I1"), ("d00032-i1", "d00032.i1"), ("d00032_i1", "d00032-i1")]
)
def test_7_issue_ids_that_become_one_key_are_refused(
    tmp_path: Path, one: str, other: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = lines()
    rows[2][col(rows, "isnr")] = f'"{one}"'
    rows[3][col(rows, "isnr")] = f'"{other}"'
    f = tsv(tmp_path / "dup.tsv", rows)
    assert main(["import", "deu3", str(f), "--out", str(tmp_path / "o")]) == 2
    assert "already on line 3" in no_traceback(capsys)


def test_7_ensemble_weights_that_overflow_their_sum_are_refused() -> None:
    from simulator.errors import ScenarioError
    from simulator.scenario.load import load_scenario

    with pytest.raises(ScenarioError):
        load_scenario(
            TWO_PARTY, ["protocol.kind=ensemble", "protocol.members={nash: 1e308, compromise: 1e308}"]
        )


# --- 8: quantiles from a sketch with a bound (also tests/test_sketch.py) ---------------------------


@pytest.mark.slow
def test_8_summary_quantiles_are_within_the_stated_bound_of_the_worlds(tmp_path: Path) -> None:
    import numpy as np
    import pyarrow.parquet as pq

    from simulator.engine.sketch import ALPHA, MIN_VALUE

    out = tmp_path / "r"
    assert (
        main(
            [
                "run",
                str(TWO_PARTY),
                "--runs",
                "3000",
                "--chunk-size",
                "700",
                "--no-figures",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    summary = json.loads((out / "summary.json").read_text())
    worlds = pq.read_table(out / "worlds.parquet")
    checked = 0
    for key, entry in summary["stats"].items():
        if key == "rounds" or key not in worlds.column_names or not entry.get("n"):
            continue
        v = worlds.column(key).to_numpy(zero_copy_only=False).astype(float)
        v = np.clip(v[~np.isnan(v)], 0, 1)
        for q in (0.05, 0.5, 0.95):
            exact = float(np.quantile(v, q, method="lower"))
            got = entry[f"q{round(q * 100):02d}"]
            # float32 in worlds.parquet and 6 decimals in the summary: a little slack on top.
            assert abs(got - exact) <= ALPHA * exact + MIN_VALUE + 1e-6 + 1e-6 * exact, (key, q, got, exact)
        assert entry["q05"] <= entry["q50"] <= entry["q95"]
        checked += 1
    assert checked >= 4


# --- 9: outputs: one writer, locked, atomic, no stale figures, no formulas -------------------------


@pytest.mark.slow
def test_9_sensitivity_overwrite_removes_the_earlier_figures(tmp_path: Path) -> None:
    out = tmp_path / "s"
    base = ["sensitivity", str(SENS), "--method", "sobol", "--n", "4", "--replicates", "8", "--workers", "1"]
    base += ["--out", str(out)]
    assert main([*base, "--events", "sanctions.patron", "talks.leaders"]) == 0
    first = {p.name for p in (out / "figures").iterdir()}
    assert main([*base, "--events", "talks.leaders", "--overwrite"]) == 0
    second = {p.name for p in (out / "figures").iterdir()}
    assert second < first and second


@pytest.mark.slow
@pytest.mark.parametrize("command", ["benchmark", "compare", "sensitivity", "import", "timeline"])
def test_9_a_second_command_into_a_held_folder_is_refused(
    tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "o"
    (out / ".negsim").mkdir(parents=True)
    fd = os.open(out / ".negsim" / "lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    argv = {
        "benchmark": ["benchmark", "deu3", str(SLICE), "--runs", "20", "--no-figures"],
        "compare": ["compare", str(TWO_PARTY), str(TWO_PARTY), "--runs", "50"],
        "sensitivity": ["sensitivity", str(SENS), "--method", "sobol", "--n", "4", "--replicates", "8"],
        "import": ["import", "deu3", str(SLICE)],
        "timeline": ["timeline", str(CAMPAIGN), "--as-of", "2025-05-17", "--runs", "50"],
    }[command]
    try:
        assert main([*argv, "--out", str(out)]) == 2
    finally:
        os.close(fd)
    assert "another negsim is writing" in no_traceback(capsys)
    assert tree(out) == {".negsim", ".negsim/lock"}


@pytest.mark.slow
def test_9_out_pointing_at_a_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    assert main(["benchmark", "deu3", str(SLICE), "--out", str(f)]) == 2
    assert main(["import", "deu3", str(SLICE), "--out", str(f)]) == 2
    assert "must be a folder" in no_traceback(capsys)
    assert f.read_text() == "x"


@pytest.mark.slow
def test_9_predictions_never_hold_a_formula(tmp_path: Path) -> None:
    import csv

    rows = lines()
    rows[2][col(rows, "isnr")] = '"=HYPERLINK(""http://x"")"'
    f = tsv(tmp_path / "f.tsv", rows)
    out = tmp_path / "b"
    assert main(["benchmark", "deu3", str(f), "--out", str(out), "--runs", "20", "--no-figures"]) == 0
    with (out / "predictions.csv").open(newline="") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "@")]
    assert any(c.startswith("'=HYPERLINK(") for c in cells)


@pytest.mark.slow
def test_9_benchmark_and_eum_outputs_are_written_atomically(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*a: object, **k: object) -> None:
        raise AssertionError("a plain write_text/open('w') of an output")

    monkeypatch.setattr(Path, "write_text", refuse)
    out = tmp_path / "b"
    assert main(["benchmark", "deu3", str(SLICE), "--out", str(out), "--runs", "20", "--no-figures"]) == 0
    assert {"predictions.csv", "benchmark.json", "run.json"} <= {p.name for p in out.iterdir()}
    actors = tmp_path / "a.csv"
    with actors.open("w") as fh:
        fh.write(ACTORS)
    assert main(["benchmark", "eum", str(actors), "--json", str(tmp_path / "e.json")]) == 0
    assert json.loads((tmp_path / "e.json").read_text())["rounds"]


def test_9_eum_json_never_replaces_a_users_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    actors = tmp_path / "a.csv"
    actors.write_text(ACTORS)
    mine = tmp_path / "notes.json"
    mine.write_text('{"mine": 1}')
    assert main(["benchmark", "eum", str(actors), "--json", str(mine)]) == 2
    assert mine.read_text() == '{"mine": 1}'
    e = tmp_path / "e.json"
    assert main(["benchmark", "eum", str(actors), "--json", str(e)]) == 0
    assert main(["benchmark", "eum", str(actors), "--json", str(e), "--rounds", "2"]) == 0  # its own
    no_traceback(capsys)


# --- 10: accepted but wrong, or refused too late -------------------------------------------------


@pytest.mark.parametrize(
    "setting",
    ['protocol.members={nash: "1"}', "protocol.members={nash: true}"],
)
def test_10_a_boolean_or_a_string_is_never_a_weight(setting: str) -> None:
    from simulator.errors import ScenarioError
    from simulator.scenario.load import load_scenario

    with pytest.raises(ScenarioError):
        load_scenario(TWO_PARTY, ["protocol.kind=ensemble", setting])


@pytest.mark.parametrize("value", [True, "1", "0.5"])
def test_10_voting_weights_are_numbers(value: object) -> None:
    from pydantic import ValidationError

    from simulator.scenario.rules import Body

    body = {"members": ["alpha"], "vote": "qualified_majority", "threshold": 0.5, "assumption": "test"}
    Body.model_validate({**body, "weights": {"alpha": 1.0}})
    with pytest.raises(ValidationError):
        Body.model_validate({**body, "weights": {"alpha": value}})


@pytest.mark.parametrize("cell", ["1_0", "\u0664\u0660", "\uff14\uff10", "nan", "inf", " 1e999"])
def test_10_numbers_in_tables_are_plain_ascii(
    tmp_path: Path, cell: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = lines()
    rows[2][col(rows, "pcom")] = cell
    f = tsv(tmp_path / "f.tsv", rows)
    assert main(["import", "deu3", str(f), "--out", str(tmp_path / "o")]) == 2
    e = tmp_path / "a.csv"
    e.write_text(f"actor,c,x,s\nA,0.5,{cell},0.5\nB,0.3,40,0.8\n", encoding="utf-8")
    assert main(["benchmark", "eum", str(e)]) == 2
    err = no_traceback(capsys)
    assert "position of com" in err and "x must be" in err


def test_10_strict_float_takes_plain_numbers_only() -> None:
    from simulator.inputs import strict_float

    assert strict_float("1.5") == 1.5 and strict_float(" -2e3 ") == -2000.0 and strict_float(".5") == 0.5
    for text in ("1_0", "\u0664", "\uff14", "nan", "inf", "0x10", "1e999", "", "+", "1.2.3"):
        assert strict_float(text) is None, text


def test_10_a_campaign_date_is_never_a_number(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(CAMPAIGN), "--set", "campaign.start=1747353600"]) == 2
    assert "YYYY-MM-DD" in no_traceback(capsys)


def test_10_an_as_of_fallback_outside_its_range_fails_validate(capsys: pytest.CaptureFixture[str]) -> None:
    setting = (
        "parties.alpha.capability={value: 0.5, assumption: test, as_of: {value: 5.0, assumption: later}}"
    )
    assert main(["explain", str(TWO_PARTY), "--set", setting]) == 2
    assert "as_of: values must lie in [0, 1]" in no_traceback(capsys)


@pytest.mark.slow
def test_10_a_resolved_scenario_larger_than_the_users_file_still_runs(tmp_path: Path) -> None:
    from simulator.scenario.yamlsafe import MAX_BYTES

    shutil.copytree(HERE / "data" / "seeds", tmp_path / "seeds")
    text = TWO_PARTY.read_text(encoding="utf-8")
    # A many-line description written with escapes grows when written back as a block scalar.
    description = '"' + "a\\n" * 280_000 + '"'
    path = tmp_path / "big.yaml"
    path.write_text(text.replace("Small scenario for rule tests.", description), encoding="utf-8")
    assert 0.8 * MAX_BYTES < path.stat().st_size < MAX_BYTES
    assert main(["validate", "--no-prior-check", str(path)]) == 0
    out = tmp_path / "r"
    assert main(["run", str(path), "--runs", "100", "--no-figures", "--out", str(out)]) == 0
    assert (out / "scenario.resolved.yaml").stat().st_size > MAX_BYTES  # what the test is about
    from simulator.engine.rundir import read_summary

    assert read_summary(out)["runs"] == 100


def test_10_import_never_writes_a_scenario_validate_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = lines()
    rows[2][col(rows, "prname")] = '"bell\x07here"'
    f = tsv(tmp_path / "f.tsv", rows)
    assert main(["import", "deu3", str(f), "--out", str(tmp_path / "o")]) == 2
    f = tsv(tmp_path / "g.tsv", _only(lines(), {"ep"}))
    assert main(["import", "deu3", str(f), "--out", str(tmp_path / "p")]) == 2
    err = no_traceback(capsys)
    assert "control character" in err and "cannot be a scenario" in err
    assert not (tmp_path / "o").exists() and not (tmp_path / "p").exists()


# --- 11: messages -----------------------------------------------------------------------------------


def test_11_a_malformed_commitment_fallback_never_suggests_its_own_key(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from simulator.scenario.load import load_scenario

    scenario = load_scenario(CAMPAIGN)
    party, index = next(
        (pid, i) for pid, p in scenario.parties.items() for i, _ in enumerate(p.attendance.commitments)
    )
    setting = f"parties.{party}.attendance.commitments.{index}.as_of={{absent: true}}"
    assert main(["explain", str(CAMPAIGN), "--set", setting]) == 2
    err = no_traceback(capsys)
    assert "assumption" in err
    assert "did you mean 'absent'" not in err and "unknown key 'absent'" not in err


def test_11_timeline_dates_out_of_order_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["timeline", str(CAMPAIGN), "--as-of", "2025-05-17", "--as-of", "2025-05-14T20:00"]
    assert main([*argv, "--runs", "50", "--out", str(tmp_path / "t")]) == 2
    assert "increasing order" in no_traceback(capsys)
    assert not (tmp_path / "t" / "timeline.json").exists()
