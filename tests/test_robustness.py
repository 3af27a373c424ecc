"""A run survives what happens to real runs: kill -9, SIGTERM, Ctrl-C, a full disk, a bad --out.

The promise (``simulator/storage.py``, ``simulator/runner.py``): nothing half-written ever appears
under a final name; finished chunks are kept; ``negsim run --resume OUT`` completes an interrupted
run to files identical to those of an uninterrupted one; the numbers never depend on the number of
workers. These tests start real ``negsim`` processes and really kill them.
"""

from __future__ import annotations

import errno
import gc
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from simulator import storage
from simulator.cli import main
from simulator.engine.tally import Tally
from simulator.engine.worlds import PART_SUFFIX, read_part

HERE = Path(__file__).parent
TWO_PARTY = HERE / "data" / "two_party.yaml"
NEGSIM = Path(sys.executable).with_name("negsim")
FINAL = {"summary.json", "worlds.parquet", "scenario.resolved.yaml"}

# Runs long enough to be stopped part-way through (40 chunks each; about 20 ms and 50 ms a chunk
# on one core, after the 2-3 s it takes negsim to start), and a short one for in-process tests.
LONG = ["--runs", "40000", "--chunk-size", "1000"]
SIGNALLED = ["--runs", "100000", "--chunk-size", "2500"]
SHORT = ["--runs", "8000", "--chunk-size", "1000"]
CHUNKS = 40

pytestmark = pytest.mark.slow


def run_args(out: Path, size: list[str], *extra: str) -> list[str]:
    return ["run", str(TWO_PARTY), *size, "--no-figures", "--out", str(out), *extra]


def start(out: Path, size: list[str], workers: int) -> subprocess.Popen[str]:
    """Start a real ``negsim run`` in its own session (so its process group can be signalled)."""
    cmd = [str(NEGSIM), *run_args(out, size, "--workers", str(workers))]
    return subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )


def parts_done(out: Path) -> int:
    return len(list((out / ".negsim" / "parts").glob("chunk-*.json")))


def wait_for_parts(proc: subprocess.Popen[str], out: Path, n: int, timeout: float = 60) -> None:
    """Wait until at least ``n`` chunks are finished (and the run is still going)."""
    end = time.monotonic() + timeout
    while parts_done(out) < n:
        assert proc.poll() is None, f"negsim stopped early: {proc.communicate()}"
        assert time.monotonic() < end, "negsim wrote no chunks in time"
        time.sleep(0.005)


def finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    """Wait for the process to exit (a hang is a failure) and return its code and stderr."""
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("negsim did not stop after the signal")
    return proc.returncode, err


def same_table(a: pa.Table, b: pa.Table) -> bool:
    """``Table.equals``, except that NaN equals NaN (worlds without talks have NaN positions)."""
    if not a.schema.equals(b.schema) or a.num_rows != b.num_rows:
        return False
    for name in a.column_names:
        x, y = a[name].combine_chunks(), b[name].combine_chunks()
        if pa.types.is_floating(x.type):
            x_np, y_np = x.to_numpy(zero_copy_only=False), y.to_numpy(zero_copy_only=False)
            if not np.array_equal(x_np, y_np, equal_nan=True):
                return False
        elif not x.equals(y):
            return False
    return True


def assert_same_run(got: Path, expected: Path) -> None:
    """Byte-identical summary and equal worlds tables; nothing else left in the folder."""
    assert (got / "summary.json").read_bytes() == (expected / "summary.json").read_bytes()
    assert same_table(pq.read_table(got / "worlds.parquet"), pq.read_table(expected / "worlds.parquet"))
    assert {p.name for p in got.iterdir()} == FINAL


def assert_only_complete_files(out: Path, resolved: bytes, chunk_size: int) -> int:
    """After a crash: final names hold complete files, parts are whole; returns parts finished."""
    for f in out.rglob("*"):
        rel = f.relative_to(out)
        if f.is_dir() or rel.parts[0] == ".negsim" or (f.name.startswith(".") and f.name.endswith(".tmp")):
            continue
        assert rel.as_posix() == "scenario.resolved.yaml", f"unexpected file after the crash: {rel}"
    assert (out / "scenario.resolved.yaml").read_bytes() == resolved
    assert not (out / "summary.json").exists()
    assert not (out / "worlds.parquet").exists()
    parts = out / ".negsim" / "parts"
    done = sorted(parts.glob("chunk-*.json"))
    for tally_file in done:
        assert Tally.from_json(tally_file.read_text()).n == chunk_size
        # The tally is written after the worlds: a finished chunk always has its whole rows part.
        assert read_part(tally_file.with_suffix(PART_SUFFIX)).num_rows == chunk_size
    return len(done)


def reference(tmp_path_factory: pytest.TempPathFactory, size: list[str]) -> Path:
    """The same command, uninterrupted (in this process: the numbers are the same)."""
    out = tmp_path_factory.mktemp("reference") / "run"
    assert main(run_args(out, size, "--workers", "1")) == 0
    return out


@pytest.fixture(scope="module")
def long_reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return reference(tmp_path_factory, LONG)


@pytest.fixture(scope="module")
def signalled_reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return reference(tmp_path_factory, SIGNALLED)


@pytest.fixture(scope="module")
def short_reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return reference(tmp_path_factory, SHORT)


# --- crashes and signals --------------------------------------------------------------------------


def test_kill_9_then_resume_gives_the_uninterrupted_files(tmp_path: Path, long_reference: Path) -> None:
    out = tmp_path / "killed"
    proc = start(out, LONG, workers=1)
    wait_for_parts(proc, out, 3)
    os.kill(proc.pid, signal.SIGKILL)
    code, _ = finish(proc)
    assert code == -signal.SIGKILL

    resolved = (long_reference / "scenario.resolved.yaml").read_bytes()
    done = assert_only_complete_files(out, resolved, chunk_size=1000)
    assert 3 <= done < CHUNKS

    resumed = subprocess.run(
        [str(NEGSIM), "run", "--resume", str(out), "--no-figures", "--workers", "1"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert_same_run(out, long_reference)


@pytest.mark.parametrize(
    ("sig", "workers", "whole_group"),
    [
        (signal.SIGTERM, 1, False),  # `kill PID`, or a batch scheduler ending the job
        (signal.SIGTERM, 2, False),  # only the main process is told; its pool must still shut down
        (signal.SIGINT, 2, True),  # Ctrl-C in a terminal: the pool's processes get it too
    ],
    ids=["sigterm", "sigterm-pool", "ctrl-c-pool"],
)
def test_signal_exits_130_keeps_chunks_and_resumes(
    tmp_path: Path, signalled_reference: Path, sig: signal.Signals, workers: int, whole_group: bool
) -> None:
    out = tmp_path / "stopped"
    proc = start(out, SIGNALLED, workers=workers)
    wait_for_parts(proc, out, 5)
    if whole_group:
        os.killpg(proc.pid, sig)
    else:
        os.kill(proc.pid, sig)
    code, err = finish(proc)

    assert code == 130, err
    assert f"negsim run --resume {out}" in err
    assert "Traceback" not in err
    resolved = (signalled_reference / "scenario.resolved.yaml").read_bytes()
    done = assert_only_complete_files(out, resolved, chunk_size=2500)
    assert 5 <= done < CHUNKS

    assert main(["run", "--resume", str(out), "--no-figures", "--workers", "1"]) == 0
    assert_same_run(out, signalled_reference)


def test_results_do_not_depend_on_the_number_of_workers(tmp_path: Path, short_reference: Path) -> None:
    out = tmp_path / "two-workers"
    assert main(run_args(out, SHORT, "--workers", "2")) == 0
    assert_same_run(out, short_reference)


# --- failing writes ---------------------------------------------------------------------------------


def test_full_disk_fails_cleanly_and_resume_finishes(
    tmp_path: Path,
    short_reference: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    real_write_bytes = storage.write_bytes
    written: list[int] = []

    def write_bytes_until_full(where: Path, data: bytes) -> None:
        if len(written) == 3:
            with storage.atomic_path(where) as tmp:
                tmp.write_bytes(data[:9])  # the disk fills up part-way through the file
                raise OSError(errno.ENOSPC, "No space left on device")
        written.append(len(data))
        real_write_bytes(where, data)

    monkeypatch.setattr(storage, "write_bytes", write_bytes_until_full)
    out = tmp_path / "full"
    code = main(run_args(out, SHORT, "--workers", "1"))
    err = capsys.readouterr().err

    assert code == 1
    assert "No space left on device" in err
    assert "Traceback" not in err
    assert f"negsim run --resume {out}" in err
    parts = out / ".negsim" / "parts"
    assert sorted(p.name for p in parts.iterdir()) == [
        f"chunk-{k:06d}{ext}" for k in range(3) for ext in (PART_SUFFIX, ".json")
    ]  # the torn temporary file is gone
    assert not (out / "summary.json").exists()

    monkeypatch.undo()
    assert main(["run", "--resume", str(out), "--no-figures", "--workers", "1"]) == 0
    assert_same_run(out, short_reference)


def can_write_in(folder: Path) -> bool:
    probe = folder / "probe"
    try:
        probe.write_text("x")
    except PermissionError:
        return False
    probe.unlink()
    return True


def without_override() -> list[str]:
    """A command prefix under which root, too, obeys file permissions (or skip the test)."""
    setpriv = shutil.which("setpriv")
    drop = [setpriv, "--bounding-set=-dac_override"] if setpriv else []
    if not drop or subprocess.run([*drop, "true"], capture_output=True, check=False).returncode != 0:
        pytest.skip("running as root, and cannot drop root's right to write anywhere (setpriv)")
    return drop


def test_read_only_output_folder_is_a_clear_error(tmp_path: Path) -> None:
    out = tmp_path / "read-only"
    out.mkdir()
    out.chmod(0o555)
    try:
        prefix = without_override() if can_write_in(out) else []
        done = subprocess.run(
            [*prefix, str(NEGSIM), *run_args(out, SHORT, "--workers", "1")],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        out.chmod(0o755)
    assert done.returncode == 1
    assert "Permission denied" in done.stderr
    assert str(out) in done.stderr
    assert "Traceback" not in done.stderr
    assert list(out.iterdir()) == []


def test_output_folder_under_a_file_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Works as root too (unlike a read-only folder): no one can create a folder inside a file.
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    code = main(run_args(blocker / "out", SHORT, "--workers", "1"))
    err = capsys.readouterr().err
    assert code == 1
    assert "Not a directory" in err
    assert str(blocker) in err
    assert "Traceback" not in err
    assert blocker.read_text() == "not a folder\n"


# --- an output folder that already holds a run ------------------------------------------------------


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_out_holding_an_earlier_run_is_refused_then_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "earlier"
    small = ["--runs", "2000", "--chunk-size", "1000", "--workers", "1"]
    assert main(["run", str(TWO_PARTY), *small, "--seed", "1", "--out", str(out)]) == 0  # with figures
    assert list((out / "figures").glob("*.png"))
    before = snapshot(out)
    capsys.readouterr()

    assert main(run_args(out, small, "--seed", "2")) == 2
    err = capsys.readouterr().err
    assert "already holds files" in err
    assert "--overwrite" in err
    assert "Traceback" not in err
    assert snapshot(out) == before

    assert main(run_args(out, small, "--seed", "2", "--overwrite")) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 2
    fresh = tmp_path / "fresh"
    assert main(run_args(fresh, small, "--seed", "2")) == 0
    assert_same_run(out, fresh)  # also: the earlier run's figures are gone (this run has none)


def test_out_holding_an_interrupted_run_suggests_resume(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "interrupted"
    tallies: list[str] = []
    real_write_bytes = Path.write_bytes  # storage writes every file as bytes, atomically

    def ctrl_c_on_second_tally(self: Path, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.name.startswith(".chunk-") and ".json." in self.name:  # a chunk's tally (temp name)
            tallies.append(self.name)
            if len(tallies) == 2:
                raise KeyboardInterrupt
        return real_write_bytes(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_bytes", ctrl_c_on_second_tally)
    assert main(run_args(out, SHORT, "--workers", "1")) == 130
    monkeypatch.undo()
    assert parts_done(out) == 1
    before = snapshot(out)
    capsys.readouterr()

    assert main(run_args(out, SHORT, "--workers", "1")) == 2
    err = capsys.readouterr().err
    assert "--resume" in err
    assert snapshot(out) == before


# --- memory -----------------------------------------------------------------------------------------


def test_each_chunk_frees_its_model_so_memory_stays_flat() -> None:
    # Mesa's model and agents refer to one another; unless each chunk's model is collected when
    # the chunk ends, models pile up until a full collection (+330 MiB at a million worlds).
    from simulator.engine.ensemble import run_ensemble
    from simulator.model.model import NegotiationModel
    from simulator.scenario.load import load_scenario

    scenario = load_scenario(TWO_PARTY)
    gc.collect()
    result = run_ensemble(scenario, runs=5_000, chunk_size=1_000)
    assert result.tally.n == 5_000
    assert [o for o in gc.get_objects() if isinstance(o, NegotiationModel)] == []
