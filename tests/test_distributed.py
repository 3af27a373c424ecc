"""Chunks on a real Dask cluster give exactly the numbers of a local run.

A module fixture starts a real scheduler and two single-threaded worker processes on loopback
(the ``dask`` command beside this Python), as a user would on a cluster; ``negsim run --backend
dask --address ...`` then runs in its own process. The output folder is on the same disk as the
workers, as it must be on a real cluster (a shared file system).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator.cli import main

HERE = Path(__file__).parent
TWO_PARTY = HERE / "data" / "two_party.yaml"
BIN = Path(sys.executable).parent
RUN = [str(TWO_PARTY), "--runs", "20000", "--chunk-size", "2000", "--no-figures"]
CHUNKS = 10

pytestmark = pytest.mark.slow


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate a process we started, then its whole session if it does not go quietly."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The address of a real Dask scheduler with two worker processes on 127.0.0.1."""
    pytest.importorskip("distributed")
    folder = tmp_path_factory.mktemp("dask")
    info = folder / "scheduler.json"
    procs: list[subprocess.Popen[bytes]] = []

    def launch(name: str, *args: str) -> None:
        with open(folder / f"{name}.log", "wb") as log:
            procs.append(
                subprocess.Popen(
                    [str(BIN / "dask"), *args], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            )

    try:
        # The scheduler serves HTTP even with --no-dashboard: keep it off the default port 8787.
        launch(
            "scheduler",
            *("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard"),
            *("--dashboard-address", "127.0.0.1:0", "--scheduler-file", str(info)),
        )
        for k in (1, 2):
            launch(
                f"worker{k}",
                *("worker", "--nworkers", "1", "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"),
                *("--scheduler-file", str(info), "--local-directory", str(folder / f"worker{k}")),
            )
        end = time.monotonic() + 120
        while not info.exists():
            assert all(p.poll() is None for p in procs), "the Dask scheduler or a worker failed to start"
            assert time.monotonic() < end, "the Dask scheduler did not start"
            time.sleep(0.1)
        address = json.loads(info.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        with client_of(address) as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for p in reversed(procs):  # workers first, so they do not wait for a lost scheduler
            stop(p)


def client_of(address: str):  # type: ignore[no-untyped-def]
    from distributed import Client

    return Client(address, timeout="30s")


def executed(address: str) -> int:
    """Tasks run so far by all the cluster's workers."""
    with client_of(address) as client:
        return sum(client.run(lambda dask_worker: dask_worker.state.executed_count).values())


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same run on one local process."""
    out = tmp_path_factory.mktemp("local") / "run"
    assert main(["run", *RUN, "--workers", "1", "--out", str(out)]) == 0
    return out


#: Dask's own log records (a heartbeat that times out on a busy machine logs a traceback) are not
#: negsim's output: silence them, so "no traceback" speaks of negsim alone. Python warnings still show.
QUIET_DASK = {"DASK_LOGGING__DISTRIBUTED": "critical", "DASK_LOGGING__TORNADO": "critical"}


def negsim_run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **QUIET_DASK}
    done = subprocess.run(
        [str(BIN / "negsim"), "run", *args], capture_output=True, text=True, check=False, env=env
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done


def test_run_on_a_dask_cluster_equals_the_local_run(tmp_path: Path, scheduler: str, local: Path) -> None:
    before = executed(scheduler)
    out = tmp_path / "cluster"
    negsim_run(*RUN, "--backend", "dask", "--address", scheduler, "--out", str(out))
    assert (out / "summary.json").read_bytes() == (local / "summary.json").read_bytes()
    assert executed(scheduler) - before == CHUNKS  # the chunks really ran on the cluster's workers


def test_run_on_a_local_dask_cluster_equals_the_local_run(tmp_path: Path, local: Path) -> None:
    pytest.importorskip("distributed")
    out = tmp_path / "local-cluster"
    done = negsim_run(*RUN, "--backend", "dask", "--workers", "2", "--out", str(out))
    assert (out / "summary.json").read_bytes() == (local / "summary.json").read_bytes()
    assert "Warning" not in done.stderr


def test_dask_backend_without_dask_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # makes the import fail
    out = tmp_path / "no-dask"
    assert main(["run", *RUN, "--backend", "dask", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "pip install 'negsim[dask]'" in err
    assert "Traceback" not in err
    assert not out.exists()


def test_address_without_dask_backend_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "no-backend"
    assert main(["run", *RUN, "--address", "tcp://127.0.0.1:8786", "--out", str(out)]) == 2
    assert "--address needs --backend dask" in capsys.readouterr().err
    assert not out.exists()
