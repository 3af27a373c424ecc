"""Throughput of the bargaining protocols' numerical cores, in worlds per second (one process).

Run from the repository root::

    python benchmarks/bench_protocols.py            # 20,000 EUM worlds, 10^6 for the others
    python benchmarks/bench_protocols.py --quick    # 10x fewer worlds, to check it works

Measured: the expected-utility model (10 actors, one issue, 10 rounds), the Nash bargaining
solution (two principals, three issues) and the compromise model (10 actors, three issues).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from simulator.model.protocols.compromise import weighted_mean
from simulator.model.protocols.expected_utility import run_eum
from simulator.model.protocols.nash import nash_bargaining


def _rate(worlds: int, run: Callable[[], object]) -> float:
    run()  # warm-up
    start = time.perf_counter()
    run()
    return worlds / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10x fewer worlds")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    rng = np.random.default_rng(0)

    n_eum = 20_000 // scale
    x, s, c = rng.uniform(size=(n_eum, 10)), rng.uniform(size=(n_eum, 10)), rng.uniform(size=10)
    eum = _rate(n_eum, lambda: run_eum(x, c, s, 10, low=0.0, high=1.0))
    print(f"EUM (10 actors, 1 issue, 10 rounds): {eum:12,.0f} worlds/s  ({n_eum:,} worlds)")

    n = 1_000_000 // scale
    a, sal = rng.uniform(size=(n, 2, 3)), rng.uniform(size=(n, 2, 3))
    d, w = rng.uniform(0.0, 0.6, size=(n, 2)), rng.uniform(0.2, 2.0, size=(n, 2))
    nash = _rate(n, lambda: nash_bargaining(a, sal, d, w))
    print(f"Nash (2 principals, 3 issues):       {nash:12,.0f} worlds/s  ({n:,} worlds)")

    pos, sal10 = rng.uniform(size=(n, 10, 3)), rng.uniform(size=(n, 10, 3))
    comp = _rate(n, lambda: weighted_mean(pos, rng.uniform(size=10), sal10))
    print(f"Compromise (10 actors, 3 issues):    {comp:12,.0f} worlds/s  ({n:,} worlds)")


if __name__ == "__main__":
    main()
