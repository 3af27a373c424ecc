"""Scaling: local workers, a Dask LocalCluster, and memory from 10^5 to 10^7 worlds.

Run from the repository root::

    python benchmarks/bench_scale.py            # the full benchmark (about five minutes: 10^7 worlds)
    python benchmarks/bench_scale.py --quick    # 10x fewer worlds, to check it works

Each measurement runs in a fresh Python process (helpers shared with ``bench_throughput.py``).
Measured, on the shipped baseline scenario:

* the speed-up of 2 local worker processes over 1 on a million worlds (``run_ensemble`` with
  ``local_executor(2)``, as ``negsim run --workers 2`` does), with and without the pool's start-up;
* the overhead of a Dask LocalCluster (started the way ``negsim run --backend dask`` starts it)
  against the local pool on the same work: start-up, run, shut-down;
* peak memory at 10^5 and 10^7 worlds in one process (``run_ensemble`` without an output folder:
  memory must not grow with the number of worlds), and of the write path (``negsim run
  --no-figures --workers 1``, which writes ``worlds.parquet``) at 10^6 worlds.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import time
from pathlib import Path
from typing import Any

from bench_throughput import (
    ROOT,
    in_fresh_process,
    load_note,
    machine,
    measure_cli,
    measure_ensemble,
    peak_rss_mib,
    scenario_path,
)

CHUNK = 10_000


def descendants() -> dict[int, list[str]]:
    """The fields of ``/proc/PID/stat`` of every live descendant of this process (Linux)."""
    stats: dict[int, list[str]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            stats[int(stat.parent.name)] = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended meanwhile
    mine = {os.getpid()}
    for _ in range(4):  # children, grandchildren, ...
        mine |= {pid for pid, fields in stats.items() if int(fields[1]) in mine}
    mine.discard(os.getpid())
    return {pid: stats[pid] for pid in mine}


def cpu_seconds() -> float:
    """CPU time so far of this process and all its descendants, live or finished.

    Pool workers are forked by a forkserver, so their time reaches ``RUSAGE_CHILDREN`` only when
    the forkserver exits; live descendants are read from ``/proc`` instead.
    """
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    live = sum(int(f[11]) + int(f[12]) for f in descendants().values())  # utime + stime, in ticks
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime + live / os.sysconf("SC_CLK_TCK")


def workers_peak_mib() -> float:
    """The largest peak resident memory of any live descendant (the worker processes)."""
    peak = 0.0
    for pid in descendants():
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]) / 1024)
        except OSError:
            continue
    return peak


def _timings(
    t0: float, t1: float, t2: float, cpu: float, counts: dict[str, int], worker_peak: float
) -> dict[str, Any]:
    """One executor's figures: start-up (t0-t1), run (t1-t2), shut-down (t2-now), CPU, memory."""
    return {
        "startup": t1 - t0,
        "seconds": t2 - t1,
        "shutdown": time.perf_counter() - t2,
        "cpu": cpu,
        "counts": counts,
        "peak_mib": peak_rss_mib(),
        "worker_peak_mib": worker_peak,
    }


def measure_pool(path: str, worlds: int, chunk_size: int, workers: int) -> dict[str, Any]:
    """``run_ensemble`` on a local pool of ``workers`` processes (None for 1: this process)."""
    from simulator.engine.ensemble import run_ensemble
    from simulator.engine.executors import local_executor
    from simulator.scenario.load import load_scenario

    scenario = load_scenario(path)
    run_ensemble(scenario, runs=chunk_size, seed=1, chunk_size=chunk_size)  # warm-up in this process
    cpu0, t0 = cpu_seconds(), time.perf_counter()
    ex = local_executor(workers)
    try:
        # One chunk per worker first: starting the processes and importing negsim in each.
        run_ensemble(scenario, runs=workers * chunk_size, seed=1, chunk_size=chunk_size, executor=ex)
        t1 = time.perf_counter()
        result = run_ensemble(scenario, runs=worlds, seed=0, chunk_size=chunk_size, executor=ex)
        t2, cpu, worker_peak = time.perf_counter(), cpu_seconds() - cpu0, workers_peak_mib()
    finally:
        if ex is not None:
            ex.shutdown(wait=True)
    return _timings(t0, t1, t2, cpu, result.tally.counts, worker_peak)


def measure_dask(path: str, worlds: int, chunk_size: int, workers: int) -> dict[str, Any]:
    """The same on a Dask LocalCluster of ``workers`` single-threaded processes."""
    from simulator.cli.options import dask_executor
    from simulator.engine.ensemble import run_ensemble
    from simulator.scenario.load import load_scenario

    scenario = load_scenario(path)
    run_ensemble(scenario, runs=chunk_size, seed=1, chunk_size=chunk_size)
    cpu0, t0 = cpu_seconds(), time.perf_counter()
    with dask_executor(None, workers) as ex:
        # Import negsim on every worker (as the pool's forkserver does before forking workers), so
        # the run below measures Dask's own overhead, not a worker's first import.
        ex._client.run(importlib.import_module, "simulator.engine.ensemble")  # type: ignore[attr-defined]
        run_ensemble(scenario, runs=workers * chunk_size, seed=1, chunk_size=chunk_size, executor=ex)
        t1 = time.perf_counter()
        result = run_ensemble(scenario, runs=worlds, seed=0, chunk_size=chunk_size, executor=ex)
        t2, cpu, worker_peak = time.perf_counter(), cpu_seconds() - cpu0, workers_peak_mib()
    return _timings(t0, t1, t2, cpu, result.tally.counts, worker_peak)


def child(spec: dict[str, Any]) -> dict[str, Any]:
    kind = spec.pop("kind")
    measure = {"pool": measure_pool, "dask": measure_dask, "ensemble": measure_ensemble, "cli": measure_cli}
    return measure[kind](**spec)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="10x fewer worlds (a smoke test)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return

    scale = 10 if args.quick else 1
    path, note = scenario_path()
    script = Path(__file__).resolve()
    print(f"negsim scaling — {path.relative_to(ROOT)} — {machine()}")
    print(load_note("before"))
    if note:
        print(note)

    def run(kind: str, worlds: int, **extra: Any) -> dict[str, Any]:
        spec = {"kind": kind, "path": str(path), "worlds": worlds, "chunk_size": CHUNK, **extra}
        return in_fresh_process(script, spec)

    million = 1_000_000 // scale
    print(f"\n1. workers: {million:,} worlds, chunks of {CHUNK:,} (seconds; start-up = pool + first chunks)")
    print(
        f"{'executor':<34}{'start-up':>10}{'run':>8}{'shut-down':>11}{'worlds/s':>12}{'speed-up':>10}"
        f"{'CPU s':>8}{'MiB main':>10}{'MiB worker':>12}"
    )
    print("-" * 115)
    timings: dict[str, dict[str, Any]] = {}
    for label, kind, workers in (
        ("in-process (1 worker)", "pool", 1),
        ("local pool, 2 workers", "pool", 2),
        ("Dask LocalCluster, 2 workers", "dask", 2),
    ):
        m = run(kind, million, workers=workers)
        timings[label] = m
        one = timings["in-process (1 worker)"]
        speedup = one["seconds"] / m["seconds"]
        worker = f"{m['worker_peak_mib']:,.0f}" if m["worker_peak_mib"] else "-"
        print(
            f"{label:<34}{m['startup']:>10.2f}{m['seconds']:>8.2f}{m['shutdown']:>11.2f}"
            f"{million / m['seconds']:>12,.0f}{speedup:>9.2f}x{m['cpu']:>8.1f}"
            f"{m['peak_mib']:>10,.0f}{worker:>12}",
            flush=True,
        )
    one, pool, dask = (timings[k] for k in timings)
    same = one["counts"] == pool["counts"] == dask["counts"]
    total = {k: m["startup"] + m["seconds"] + m["shutdown"] for k, m in timings.items()}
    print("  (CPU s: CPU time of all the processes from start-up to the end of the run; the same CPU")
    print("   time with less speed-up than workers means the cores were busy with other work.")
    print("   MiB: peak resident memory of the main process and of the largest worker process)")
    print(f"\n  same event counts on every executor: {'yes' if same else 'NO'}")
    t_one, t_pool, t_dask = total.values()
    print(
        f"  speed-up of 2 workers, run only: {one['seconds'] / pool['seconds']:.2f}x; "
        f"including start-up and shut-down: {t_one / t_pool:.2f}x"
    )
    print(
        f"  Dask LocalCluster against the local pool: {dask['seconds'] / pool['seconds']:.2f}x the run "
        f"time; {t_dask - t_pool:+.1f} s in all ({dask['startup'] - pool['startup']:+.1f} s start-up, "
        f"{dask['shutdown'] - pool['shutdown']:+.1f} s shut-down)"
    )

    print("\n2. peak memory (one process; +MiB is above the process after imports and a warm-up chunk)")
    print(f"{'run':<52}{'worlds':>13}{'seconds':>9}{'worlds/s':>11}{'peak MiB':>10}{'+MiB':>7}")
    print("-" * 102)
    for label, kind, worlds in (
        ("run_ensemble, no output folder", "ensemble", 100_000 // scale),
        ("run_ensemble, no output folder", "ensemble", 10_000_000 // scale),
        ("negsim run --no-figures --workers 1 (writes Parquet)", "cli", 1_000_000 // scale),
    ):
        m = run(kind, worlds)
        extra = f"  worlds.parquet {m['parquet_mib']:,.0f} MiB" if "parquet_mib" in m else ""
        print(
            f"{label:<52}{worlds:>13,}{m['seconds']:>9.1f}{worlds / m['seconds']:>11,.0f}"
            f"{m['peak_mib']:>10,.0f}{m['peak_mib'] - m['base_mib']:>7,.0f}{extra}",
            flush=True,
        )
    print(f"\n{load_note('after')}")
    if args.quick:
        print("(--quick: 10x fewer worlds; figures are less stable)")


if __name__ == "__main__":
    main()
