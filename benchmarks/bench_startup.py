"""Start-up time and memory of the quick commands (issue #9: under 0.3 s each).

    .venv/bin/python benchmarks/bench_startup.py [--repeat 7]

Runs each command in a fresh process (the console script's interpreter, this one) and prints the
median wall time and the peak resident memory. ``--help`` and ``--version`` import only argparse
and the CLI; ``validate`` and ``explain`` add pydantic and PyYAML, never Mesa, NumPy, SciPy,
matplotlib or pyarrow.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BASELINE = str(REPO / "scenarios" / "istanbul_2025.yaml")
COMMANDS = [["--version"], ["--help"], ["validate", BASELINE], ["explain", BASELINE]]


def measure(args: list[str], repeat: int) -> tuple[float, float]:
    """Median seconds and peak MiB of ``negsim ARGS`` over ``repeat`` fresh processes."""
    times, peaks = [], []
    for _ in range(repeat):
        code = "import sys; from simulator.cli import main; sys.exit(main(sys.argv[1:]))"
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code, *args], check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
        peaks.append(max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024)
    return statistics.median(times), max(peaks)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeat", type=int, default=7)
    args = p.parse_args()
    os.chdir(REPO)
    print(f"{'command':<12}{'median s':>10}{'peak MiB':>10}")
    for cmd in COMMANDS:
        secs, mib = measure(cmd, args.repeat)
        print(f"{cmd[0]:<12}{secs:>10.3f}{mib:>10.0f}")


if __name__ == "__main__":
    main()
