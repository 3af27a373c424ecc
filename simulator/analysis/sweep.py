"""Parameter sweeps: a full ensemble at every point of a grid or a Latin hypercube.

Each point is the scenario with ``--set KEY=VALUE`` for the swept parameters, validated by the
loader like any override (every point is validated before any is run). Every point uses the same
seed, so the points share their random numbers (common random numbers): a parameter the model
ignores gives exactly the same probabilities everywhere, and a curve over a parameter is smooth
instead of jittering with sampling noise.

Points run concurrently on the shared executor (a few threads in this process submit their
point's chunks; only that point's scenario is sent with each chunk), and each point's chunks are
merged in chunk order, so the numbers are those of ``negsim run`` on the same scenario, seed, run
count and chunk size, on any number of workers.

Example:
    >>> ranges = [parse_param("threats.x.credibility=0:1:5")]  # doctest: +SKIP
    >>> result = run_sweep(load_points(path, [], ranges, grid_points(ranges)), runs=1000)  # doctest: +SKIP
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from scipy.stats import qmc

from simulator import storage
from simulator._version import __version__
from simulator.analysis.events import event_keys
from simulator.defaults import LHS_EXAMPLE, SWEEP_EXAMPLE
from simulator.engine.chunks import DEFAULT_CHUNK, estimate
from simulator.engine.ensemble import run_ensemble
from simulator.engine.tally import Tally, summary_dict
from simulator.engine.variant import Agents
from simulator.errors import ScenarioError, UserError
from simulator.scenario import events as ke
from simulator.scenario.load import load_scenario
from simulator.scenario.paths import type_at
from simulator.scenario.schema import Scenario

#: The events every sweep plots (beside the headline issue's agreement and any sanctions).
DEFAULT_EVENTS = (ke.TALKS_DIRECT.key(), ke.TALKS_LEADERS.key(), ke.AGREEMENT_ANY.key())
MAX_PANELS = 4
#: Most points a sweep may have (each holds its events in memory and one row of sweep.parquet).
MAX_POINTS = 100_000
SWEEP_FILE = "sweep.parquet"
_SET = re.compile(r"--set\[(\d+)\]")


@dataclass(frozen=True)
class ParamRange:
    """One swept parameter: its dotted path, range and (for a grid) number of steps."""

    key: str
    low: float
    high: float
    steps: int | None
    text: str
    integer: bool = False

    def values(self) -> list[float]:
        """The grid values (evenly spaced, both ends included; whole-number settings rounded)."""
        assert self.steps is not None
        grid = np.linspace(self.low, self.high, self.steps)
        if self.integer:
            return [int(v) for v in np.unique(np.round(grid))]
        return [float(v) for v in grid]


def parse_param(text: str, *, lhs: bool = False) -> ParamRange:
    """Parse ``KEY=LOW:HIGH:STEPS`` (a grid) or, with ``lhs``, ``KEY=LOW:HIGH`` (a range).

    Raises:
        UserError: For bad syntax, LOW >= HIGH, STEPS < 2, or the wrong form for the sample.
    """
    form = "KEY=LOW:HIGH" if lhs else "KEY=LOW:HIGH:STEPS"
    where = f"--param '{text}'"
    key, sep, spec = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise UserError(f"{where}: expected {form} (e.g. {LHS_EXAMPLE if lhs else SWEEP_EXAMPLE})")
    parts = spec.split(":")
    if len(parts) not in (2, 3):
        raise UserError(f"{where}: expected {form}, with ':' between the numbers")
    if lhs and len(parts) == 3:
        raise UserError(
            f"{where}: --sample lhs takes ranges KEY=LOW:HIGH (no STEPS); do not mix grid and lhs"
        )
    if not lhs and len(parts) == 2:
        raise UserError(
            f"{where}: a grid needs STEPS ({form}); for a Latin hypercube over ranges use --sample lhs --n N"
        )
    try:
        low, high = float(parts[0]), float(parts[1])
    except ValueError:
        raise UserError(f"{where}: LOW and HIGH must be numbers, got '{parts[0]}' and '{parts[1]}'") from None
    if not (math.isfinite(low) and math.isfinite(high)):
        raise UserError(f"{where}: LOW and HIGH must be finite numbers")
    if low >= high:
        raise UserError(f"{where}: LOW must be below HIGH (got {parts[0]} and {parts[1]})")
    steps = None
    if not lhs:
        try:
            steps = int(parts[2])
        except ValueError:
            raise UserError(f"{where}: STEPS must be a whole number, got '{parts[2]}'") from None
        if steps < 2:
            raise UserError(f"{where}: STEPS must be at least 2, got {steps}")
    integer = type_at(Scenario, key.split(".")) is int
    return ParamRange(key, low, high, steps, text, integer)


def parse_params(texts: Sequence[str], *, lhs: bool) -> list[ParamRange]:
    """Parse every ``--param`` and check they make a valid grid or Latin hypercube."""
    if not texts:
        raise UserError(f"give at least one --param (e.g. --param {SWEEP_EXAMPLE})")
    ranges = [parse_param(t, lhs=lhs) for t in texts]
    keys = [r.key for r in ranges]
    dup = next((k for k in keys if keys.count(k) > 1), None)
    if dup:
        raise UserError(f"--param: '{dup}' is given more than once")
    if not lhs and len(ranges) > 2:
        raise UserError(
            f"a grid takes one or two --param (got {len(ranges)}); "
            "for more parameters use --sample lhs --n N with KEY=LOW:HIGH ranges"
        )
    if not lhs:
        check_points(math.prod(r.steps or 1 for r in ranges))
    return ranges


def check_points(points: int, runs: int | None = None) -> None:
    """Refuse, before any grid is built, a sweep of more than :data:`MAX_POINTS` points."""
    if points > MAX_POINTS:
        worlds = f"; {estimate(points * runs)}" if runs else ""
        raise UserError(
            f"too large: a sweep of {points:,} points (at most {MAX_POINTS:,}){worlds}; "
            "use fewer STEPS or a smaller --n"
        )


def grid_points(ranges: Sequence[ParamRange]) -> list[tuple[float, ...]]:
    """Every combination of the grid values (the first parameter varies slowest)."""
    return list(product(*(r.values() for r in ranges)))


def lhs_points(ranges: Sequence[ParamRange], n: int, seed: int) -> list[tuple[float, ...]]:
    """``n`` points of a Latin hypercube over the ranges (seeded, so reproducible)."""
    unit = qmc.LatinHypercube(d=len(ranges), seed=seed).random(n)
    scaled = qmc.scale(unit, [r.low for r in ranges], [r.high for r in ranges])
    return [tuple(_cast(r, v) for r, v in zip(ranges, row, strict=True)) for row in scaled]


def _cast(r: ParamRange, v: float) -> float:
    # Whole-number settings (protocol.rounds, ...) are rounded so the loader accepts them.
    return int(np.rint(v)) if r.integer else float(v)


def load_points(
    path: Path,
    overrides: Sequence[str],
    ranges: Sequence[ParamRange],
    points: Sequence[tuple[float, ...]],
    *,
    allow_outside: bool = False,
) -> list[Scenario]:
    """The scenario at every point, all validated before any is run.

    Raises:
        ScenarioError: With every distinct problem, located at the ``--param`` that caused it.
    """
    load_scenario(
        path, overrides, allow_outside=allow_outside
    )  # the base (with its sources checked) must be valid first
    scenarios: list[Scenario] = []
    problems: dict[str, str] = {}  # each distinct problem once, reported at its first point
    for point in points:
        sets = [f"{r.key}={v!r}" for r, v in zip(ranges, point, strict=True)]
        try:
            scenarios.append(
                load_scenario(path, [*overrides, *sets], check_sources=False, allow_outside=allow_outside)
            )
        except ScenarioError as exc:
            for p in exc.problems:
                problems.setdefault(str(p), _relocate(str(p), len(overrides), ranges, point))
    if problems:
        raise UserError("\n".join(problems.values()))
    return scenarios


def _relocate(problem: str, n_sets: int, ranges: Sequence[ParamRange], point: tuple[float, ...]) -> str:
    """Report a problem of a point's override at the ``--param`` it came from."""
    match = _SET.match(problem)
    if not match or int(match.group(1)) <= n_sets:
        return problem
    i = int(match.group(1)) - n_sets - 1
    r = ranges[i]
    return f"--param[{i + 1}]{problem[match.end() :]} (at {r.key}={point[i]:g}; --param {r.text})"


def point_events(scenario: Scenario, tally: Tally) -> dict[str, dict[str, Any]]:
    """A point's events as ``summary.json`` has them (``p``, Wilson ``ci95``), in summary order."""
    doc = summary_dict(
        tally, scenario=scenario, scenario_path="", seed=0, chunk_size=DEFAULT_CHUNK, version=__version__
    )
    events: dict[str, dict[str, Any]] = doc["events"]
    return events


def run_sweep(
    scenarios: Sequence[Scenario],
    *,
    runs: int,
    seed: int = 0,
    executor: cf.Executor | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    concurrency: int = 1,
    done: Callable[[int], None] | None = None,
    agents: Agents = None,
) -> list[Tally]:
    """A full ensemble at every point, all with the same seed; one merged tally per point.

    Args:
        scenarios: The scenario at each point.
        runs: Worlds per point.
        seed: Root seed, the same at every point (common random numbers).
        executor: Where chunks run (None: this process, one point after another).
        chunk_size: Worlds per chunk.
        concurrency: Points in flight at once when there is an executor.
        done: Called with 1 each time a point finishes.
        agents: The model variant's agent classes (None: ``PartyAgent`` for every party).
    """

    def one(s: Scenario) -> Tally:
        return run_ensemble(
            s, runs=runs, seed=seed, executor=executor, chunk_size=chunk_size, agents=agents
        ).tally

    if executor is None or concurrency <= 1:
        tallies = []
        for s in scenarios:
            tallies.append(one(s))
            if done:
                done(1)
        return tallies
    results: dict[int, Tally] = {}
    pool = cf.ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="sweep")
    try:
        futures = {pool.submit(one, s): i for i, s in enumerate(scenarios)}
        for fut in cf.as_completed(futures):
            results[futures[fut]] = fut.result()
            if done:
                done(1)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return [results[i] for i in range(len(scenarios))]


def sweep_table(
    ranges: Sequence[ParamRange],
    points: Sequence[tuple[float, ...]],
    events: Sequence[dict[str, dict[str, Any]]],
    keys: Sequence[str],
    metadata: dict[str, Any],
) -> pa.Table:
    """One row per point: parameter values, event probabilities, then their 95% intervals."""
    cols: dict[str, Any] = {}
    for i, r in enumerate(ranges):
        values = [p[i] for p in points]
        cols[r.key] = pa.array(values, type=pa.int64() if r.integer else pa.float64())
    for k in keys:
        cols[k] = pa.array([e.get(k, {"p": 0.0})["p"] for e in events], type=pa.float64())
    for bound, j in (("lo", 0), ("hi", 1)):
        for k in keys:
            cis = [e.get(k, {"ci95": [0.0, 0.0]})["ci95"][j] for e in events]
            cols[f"ci95_{bound}:{k}"] = pa.array(cis, type=pa.float64())
    table = pa.table(cols)
    return table.replace_schema_metadata({"negsim": json.dumps(metadata)})


def plotted_events(
    table: pa.Table, keys: Sequence[str], limit: int | None = None, headline: str | None = None
) -> list[str]:
    """The key events (with the ``headline`` issue's agreement), plus the sanctions events that
    happen at some point.

    With ``limit``, only that many: the ones that vary most across the points, in their order.
    """
    wanted = [*DEFAULT_EVENTS, *([ke.AGREEMENT.key(headline)] if headline else [])]
    chosen = [k for k in wanted if k in keys]
    sanctions = ke.select(keys, ke.SANCTIONS)
    chosen += [k for k in sanctions if max(table.column(k).to_pylist()) > 0]
    if limit is not None and len(chosen) > limit:
        spread = {k: float(np.ptp(column(table, k))) for k in chosen}
        keep = set(sorted(chosen, key=lambda k: -spread[k])[:limit])
        chosen = [k for k in chosen if k in keep]
    return chosen


def column(table: pa.Table, name: str) -> np.ndarray:
    """A column of a sweep table as floats."""
    return np.asarray(table.column(name).to_pylist(), dtype=float)


@dataclass(frozen=True)
class SweepResult:
    """A finished sweep: the table of ``sweep.parquet`` and what it was made from.

    Attributes:
        table: One row per point: parameter values, event probabilities, then their 95% intervals.
        ranges: The swept parameters.
        points: The parameter values at each point.
        keys: Every event key, in summary order.
        name: The base scenario's name.
        runs: Worlds per point.
        lhs: Whether the points are a Latin hypercube (else a grid).
    """

    table: pa.Table
    ranges: tuple[ParamRange, ...]
    points: tuple[tuple[float, ...], ...]
    keys: tuple[str, ...]
    name: str
    runs: int
    lhs: bool
    headline: str | None = None

    def default_events(self) -> list[str]:
        """The events worth plotting: all for one grid parameter, else the most varying few."""
        limit = None if len(self.ranges) == 1 and not self.lhs else MAX_PANELS
        return plotted_events(self.table, self.keys, limit, self.headline)


def sweep(
    path: Path,
    params: Sequence[str],
    *,
    sample: str = "grid",
    n: int | None = None,
    overrides: Sequence[str] = (),
    runs: int = 2000,
    seed: int = 0,
    executor: cf.Executor | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    concurrency: int = 1,
    done: Callable[[int], None] | None = None,
    agents: Agents = None,
    allow_outside: bool = False,
) -> SweepResult:
    """Run the scenario at ``path`` over a grid or Latin hypercube of ``params``; one call.

    Example:
        >>> result = sweep(Path("scenarios/istanbul_2025.yaml"), ["protocol.rounds=1:5:5"])  # doctest: +SKIP

    Args:
        path: The scenario file.
        params: ``KEY=LOW:HIGH:STEPS`` (grid) or ``KEY=LOW:HIGH`` (``sample="lhs"``), as ``--param``.
        sample: ``"grid"`` or ``"lhs"``.
        n: Points of a Latin hypercube (default 200); only with ``sample="lhs"``.
        overrides: ``--set`` overrides applied at every point.
        runs: Worlds per point, as for ``run_sweep``.
        seed: The root seed, the same at every point (common random numbers).
        executor: Where chunks run (None: this process), as for ``run_sweep``.
        chunk_size: Worlds per chunk, as for ``run_sweep``.
        concurrency: Points in flight at once when there is an executor.
        done: Called with 1 each time a point finishes.
        agents: The model variant's agent classes (None: ``PartyAgent`` for every party).

    Raises:
        UserError: A bad ``--param`` or a point the scenario does not accept.
    """
    lhs = sample == "lhs"
    if n is not None and not lhs:
        raise UserError("--n is for --sample lhs; a grid's size comes from the STEPS of each --param")
    ranges = parse_params(params, lhs=lhs)
    points = lhs_points(ranges, n or 200, seed) if lhs else grid_points(ranges)
    scenarios = load_points(path, overrides, ranges, points, allow_outside=allow_outside)
    keys = event_keys(scenarios[0])
    tallies = run_sweep(
        scenarios,
        runs=runs,
        seed=seed,
        executor=executor,
        chunk_size=chunk_size,
        concurrency=concurrency,
        done=done,
        agents=agents,
    )
    base = scenarios[0]
    metadata = {
        "negsim_version": __version__,
        "scenario": {"name": base.name, "path": str(path)},
        "overrides": list(overrides),
        "sample": sample,
        "params": [{"key": r.key, "low": r.low, "high": r.high, "steps": r.steps} for r in ranges],
        "runs": runs,
        "seed": seed,
        "chunk_size": chunk_size,
    }
    events_at = [point_events(s, t) for s, t in zip(scenarios, tallies, strict=True)]
    table = sweep_table(ranges, points, events_at, keys, metadata)
    headline = ke.headline_issue(base)
    return SweepResult(table, tuple(ranges), tuple(points), tuple(keys), base.name, runs, lhs, headline)


def write_sweep(result: SweepResult, out: Path) -> Path:
    """Write ``sweep.parquet`` into ``out`` (atomically)."""
    out.mkdir(parents=True, exist_ok=True)
    with storage.atomic_path(out / SWEEP_FILE) as tmp:
        pq.write_table(result.table, tmp)
    return out / SWEEP_FILE
