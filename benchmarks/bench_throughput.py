"""Throughput of one process: worlds per second and peak memory, against Mesa's ``batch_run``.

Run from the repository root::

    python benchmarks/bench_throughput.py            # the full benchmark (about two minutes)
    python benchmarks/bench_throughput.py --quick    # 10x fewer worlds, to check it works

Each measurement runs in a fresh Python process, so its peak memory (the kernel's high-water mark
of resident memory, ``VmHWM``) is its own; import time and the first (warm-up) chunk are not
timed. Measured:

* the model and tallies only: ``run_ensemble`` without an output folder, at 10^5 and 10^6 worlds;
* the full write path of ``negsim run --no-figures --workers 1`` (chunk parts, ``worlds.parquet``,
  ``summary.json``) at 10^5 worlds;
* the same model run one world per Mesa model through ``mesa.batch_run`` (the way Mesa users
  usually run ensembles), over a few thousand worlds.

Targets (``product.md``): at least 100,000 worlds/s in one process; at least 100x the one world
per model ``batch_run``; a million worlds in under 1 GiB of peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import mesa

from simulator.model.model import NegotiationModel
from simulator.scenario.events import OUTCOMES
from simulator.scenario.load import load_scenario
from simulator.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "istanbul_2025.yaml"
FALLBACK = ROOT / "tests" / "data" / "two_party.yaml"
MIB = 1024 * 1024


# --- measuring in a fresh process -------------------------------------------------------------------


def peak_rss_mib() -> float:
    """This process's peak resident memory so far (VmHWM on Linux, ru_maxrss elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024 / MIB
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / MIB


def in_fresh_process(script: Path, spec: dict[str, Any]) -> dict[str, Any]:
    """Run ``script --child SPEC`` and return the JSON it prints last."""
    done = subprocess.run(
        [sys.executable, str(script), "--child", json.dumps(spec)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"measurement {spec} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def scenario_path() -> tuple[Path, str]:
    """The shipped baseline, or the small test scenario (with a note) if the baseline does not load."""
    from simulator.errors import UserError

    try:
        load_scenario(BASELINE)
        return BASELINE, ""
    except UserError as exc:
        first = str(exc).splitlines()[0]
        return FALLBACK, f"note: {BASELINE.name} does not load ({first}); measured {FALLBACK.name}"


# --- the measurements (run in the child) --------------------------------------------------------------


def measure_ensemble(path: str, worlds: int, chunk_size: int) -> dict[str, Any]:
    """``run_ensemble`` without an output folder: the model and the tallies only."""
    from simulator.engine.ensemble import run_ensemble

    scenario = load_scenario(path)
    run_ensemble(scenario, runs=chunk_size, seed=1, chunk_size=chunk_size)  # warm-up
    base = peak_rss_mib()
    t0, c0 = time.perf_counter(), time.process_time()
    result = run_ensemble(scenario, runs=worlds, seed=0, chunk_size=chunk_size)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert result.tally.n == worlds
    return {"seconds": seconds, "cpu": cpu, "base_mib": base, "peak_mib": peak_rss_mib()}


def measure_cli(path: str, worlds: int, chunk_size: int) -> dict[str, Any]:
    """``negsim run --no-figures --workers 1``, in this process: chunk parts, Parquet, summary."""
    from simulator.cli.app import build_parser, main
    from simulator.engine.ensemble import run_ensemble

    build_parser()  # imports every command's module: start-up time, not throughput
    run_ensemble(load_scenario(path), runs=chunk_size, seed=1, chunk_size=chunk_size)  # warm-up
    base = peak_rss_mib()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        argv = ["run", path, "--runs", str(worlds), "--chunk-size", str(chunk_size)]
        argv += ["--workers", "1", "--no-figures", "--out", str(out)]
        t0, c0 = time.perf_counter(), time.process_time()
        with open(os.devnull, "w") as devnull:
            stdout, sys.stdout = sys.stdout, devnull
            try:
                code = main(argv)
            finally:
                sys.stdout = stdout
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        assert code == 0
        size = (out / "worlds.parquet").stat().st_size
    return {
        "seconds": seconds,
        "cpu": cpu,
        "base_mib": base,
        "peak_mib": peak_rss_mib(),
        "parquet_mib": size / MIB,
    }


_SCENARIOS: dict[str, Scenario] = {}


def _outcome(model: NegotiationModel) -> str:
    return OUTCOMES[int(model.records()["outcome"][0])]


class OneWorld(NegotiationModel):
    """ONE world of a scenario per Mesa model, the way ``mesa.batch_run`` runs models.

    ``batch_run`` builds the model from keyword arguments plus ``rng``, steps it while
    ``running`` and reads its ``datacollector``. The scenario is loaded once and shared (loading
    it for every world would measure YAML parsing, not the model).
    """

    def __init__(self, scenario: str = str(BASELINE), rng: int | None = None) -> None:
        if scenario not in _SCENARIOS:
            _SCENARIOS[scenario] = load_scenario(scenario)
        super().__init__(_SCENARIOS[scenario], worlds=1, rng=rng)
        self.datacollector = mesa.DataCollector(model_reporters={"outcome": _outcome})

    def step(self) -> None:
        super().step()
        if not self.running:
            self.datacollector.collect(self)


def measure_batch_run(path: str, worlds: int) -> dict[str, Any]:
    """The same model, one world per Mesa model, through ``mesa.batch_run`` in one process."""
    params = {"scenario": path}
    mesa.batch_run(OneWorld, params, rng=[1, 2, 3], number_processes=1, display_progress=False)  # warm-up
    base = peak_rss_mib()
    t0, c0 = time.perf_counter(), time.process_time()
    rows = mesa.batch_run(
        OneWorld, params, rng=list(range(worlds)), number_processes=1, display_progress=False
    )
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert len(rows) == worlds and all(r["outcome"] for r in rows)
    return {"seconds": seconds, "cpu": cpu, "base_mib": base, "peak_mib": peak_rss_mib()}


def child(spec: dict[str, Any]) -> dict[str, Any]:
    kind = spec.pop("kind")
    return {"ensemble": measure_ensemble, "cli": measure_cli, "batch_run": measure_batch_run}[kind](**spec)


# --- the table ------------------------------------------------------------------------------------


def row(label: str, worlds: int, m: dict[str, Any], note: str = "") -> str:
    return (
        f"{label:<44}{worlds:>12,}{m['seconds']:>9.2f}{worlds / m['seconds']:>13,.0f}"
        f"{worlds / m['cpu']:>13,.0f}{m['peak_mib']:>10,.0f}{m['peak_mib'] - m['base_mib']:>7,.0f}  {note}"
    )


def header() -> str:
    return (
        f"{'measurement':<44}{'worlds':>12}{'seconds':>9}{'worlds/s':>13}{'per CPU-s':>13}"
        f"{'peak MiB':>10}{'+MiB':>7}\n" + "-" * 108
    )


def machine() -> str:
    python = platform.python_version()
    return f"{platform.node()}: {os.cpu_count()} cores, Python {python}, {time.strftime('%Y-%m-%d %H:%M')}"


def load_note(when: str) -> str:
    """The 1-minute load average: other processes using the cores make every figure worse."""
    load = os.getloadavg()[0]
    busy = " (other processes were busy: figures understate)" if load > 0.5 * (os.cpu_count() or 1) else ""
    return f"load average {when}: {load:.2f} on {os.cpu_count()} cores{busy}"


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
    chunk = 10_000
    print(f"negsim throughput — {path.relative_to(ROOT)} — {machine()}")
    print(load_note("before"))
    if note:
        print(note)
    print(
        "(per CPU-s: worlds per second of CPU time, what a free core gives; +MiB: peak memory above\n"
        " the process after imports and a warm-up chunk)\n"
    )
    print(header())
    results: dict[str, tuple[int, dict[str, Any]]] = {}
    plan = [
        ("ensemble 1e5", "run_ensemble, no output (model + tallies)", "ensemble", 100_000),
        ("ensemble 1e6", "run_ensemble, no output (model + tallies)", "ensemble", 1_000_000),
        ("cli 1e5", "negsim run --no-figures --workers 1", "cli", 100_000),
        ("batch_run", "mesa.batch_run, one world per model", "batch_run", 3_000),
    ]
    for key, label, kind, worlds in plan:
        worlds //= scale
        spec: dict[str, Any] = {"kind": kind, "path": str(path), "worlds": worlds}
        if kind != "batch_run":
            spec["chunk_size"] = min(chunk, worlds)
        m = in_fresh_process(script, spec)
        results[key] = (worlds, m)
        extra = f"worlds.parquet {m['parquet_mib']:.1f} MiB" if "parquet_mib" in m else ""
        print(row(label, worlds, m, extra), flush=True)

    def rate(key: str, clock: str = "seconds") -> float:
        worlds, m = results[key]
        return worlds / m[clock]

    big, m_big = results["ensemble 1e6"]
    wall, cpu = rate("ensemble 1e6"), rate("ensemble 1e6", "cpu")
    ratio = cpu / rate("batch_run", "cpu")
    print("\nagainst the targets (rates per CPU-second: a busy machine lowers the wall-clock rate)")
    checks = [
        (f"worlds/s in one process ({big:,} worlds): {cpu:,.0f} ({wall:,.0f} wall)", "≥ 100,000", cpu >= 1e5),
        (f"vs one world per model (mesa.batch_run): {ratio:,.0f}x", "≥ 100x", ratio >= 100),
        (
            f"peak memory for {big:,} worlds: {m_big['peak_mib']:,.0f} MiB",
            "< 1024 MiB",
            m_big["peak_mib"] < 1024,
        ),
    ]
    for text, target, ok in checks:
        print(f"  {'met ' if ok else 'MISS'}  {text:<64}  target {target}")
    print(f"\n{load_note('after')}")
    if args.quick:
        print("(--quick: 10x fewer worlds; rates are less stable)")


if __name__ == "__main__":
    main()
