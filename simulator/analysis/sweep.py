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

import argparse
import concurrent.futures as cf
import difflib
import json
import math
import os
import re
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from scipy.stats import qmc

from simulator import storage
from simulator._version import __version__
from simulator.engine.ensemble import DEFAULT_CHUNK, Chunk, run_ensemble, simulate_chunk
from simulator.engine.tally import Tally, summary_dict
from simulator.errors import ScenarioError, UserError
from simulator.scenario.load import load_scenario, type_at
from simulator.scenario.schema import Scenario

DPI = 150
MAX_PANELS = 4
DEFAULT_EVENTS = ("talks.direct", "talks.leaders", "agreement.any", "agreement.ceasefire")
EXAMPLE = "threats.patron_sanctions.credibility=0:1:5"
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
        raise UserError(f"{where}: expected {form} (e.g. {EXAMPLE if not lhs else EXAMPLE[:-2]})")
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
        raise UserError(f"give at least one --param (e.g. --param {EXAMPLE})")
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
    return ranges


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
) -> list[Scenario]:
    """The scenario at every point, all validated before any is run.

    Raises:
        ScenarioError: With every distinct problem, located at the ``--param`` that caused it.
    """
    load_scenario(path, overrides)  # the base (with its sources checked) must be valid first
    scenarios: list[Scenario] = []
    problems: dict[str, str] = {}  # each distinct problem once, reported at its first point
    for point in points:
        sets = [f"{r.key}={v!r}" for r, v in zip(ranges, point, strict=True)]
        try:
            scenarios.append(load_scenario(path, [*overrides, *sets], check_sources=False))
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
    doc = summary_dict(tally, scenario=scenario, scenario_path="", seed=0, chunk_size=0, version=__version__)
    events: dict[str, dict[str, Any]] = doc["events"]
    return events


def event_keys(scenario: Scenario) -> list[str]:
    """The scenario's event keys, in summary order (from a one-world run)."""
    return list(point_events(scenario, Tally.of(scenario, simulate_chunk(scenario, 0, Chunk(0, 0, 1)))))


def run_sweep(
    scenarios: Sequence[Scenario],
    *,
    runs: int,
    seed: int = 0,
    executor: cf.Executor | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    concurrency: int = 1,
    done: Callable[[int], None] | None = None,
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
    """

    def one(s: Scenario) -> Tally:
        return run_ensemble(s, runs=runs, seed=seed, executor=executor, chunk_size=chunk_size).tally

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


def default_events(table: pa.Table, keys: Sequence[str], limit: int | None = None) -> list[str]:
    """The key events, plus the sanctions events that happen at some point.

    With ``limit``, only that many: the ones that vary most across the points, in their order.
    """
    chosen = [k for k in DEFAULT_EVENTS if k in keys]
    chosen += [k for k in keys if k.startswith("sanctions.") and max(table.column(k).to_pylist()) > 0]
    if limit is not None and len(chosen) > limit:
        spread = {k: float(np.ptp(_col(table, k))) for k in chosen}
        keep = set(sorted(chosen, key=lambda k: -spread[k])[:limit])
        chosen = [k for k in chosen if k in keep]
    return chosen


def check_events(events: Sequence[str], keys: Sequence[str]) -> None:
    """Refuse unknown ``--events``, naming the closest valid keys."""
    for e in events:
        if e not in keys:
            close = difflib.get_close_matches(e, keys, n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise UserError(f"--events: unknown event '{e}'{hint} (valid: {', '.join(keys)})")


# --- figures ------------------------------------------------------------------------------------


def sweep_figure(
    table: pa.Table, ranges: Sequence[ParamRange], events: Sequence[str], *, name: str, runs: int, lhs: bool
) -> Figure:
    """A line plot (one parameter), heat maps (two) or scatter panels (Latin hypercube)."""
    how = f"{runs:,} worlds per point, the same random numbers at every point"
    if lhs:
        what = f"Latin hypercube of {table.num_rows} points over {len(ranges)} parameters"
        return _scatter(table, ranges, events, f"{name}: key events over a {what}\n{how}")
    if len(ranges) == 1:
        return _lines(table, ranges[0], events, f"{name}: key events as {ranges[0].key} varies\n{how}")
    keys = " × ".join(r.key for r in ranges)
    return _heatmaps(table, ranges, events, f"{name}: key events over {keys}\n{how}")


def _col(table: pa.Table, name: str) -> np.ndarray:
    return np.asarray(table.column(name).to_pylist(), dtype=float)


def _percent_axis(ax: Any, axis: str = "y") -> None:
    ticks = np.linspace(0, 1, 6)
    labels = [f"{t:.0%}" for t in ticks]
    if axis == "y":
        ax.set_ylim(-0.02, 1.02)
        ax.set_yticks(ticks, labels)
    else:
        ax.set_xlim(-0.02, 1.02)
        ax.set_xticks(ticks, labels)


def _lines(table: pa.Table, r: ParamRange, events: Sequence[str], title: str) -> Figure:
    fig = Figure(figsize=(9, 6.2), layout="constrained")
    ax = fig.add_subplot()
    x = _col(table, r.key)
    # Distinct dashes and markers keep events that coincide (often: equal probabilities) visible.
    styles = [("-", "o", 7), ("--", "s", 6), (":", "^", 5), ("-.", "D", 4), ((0, (5, 1)), "v", 4)]
    for i, k in enumerate(events):
        ls, marker, ms = styles[i % len(styles)]
        line = ax.plot(x, _col(table, k), ls=ls, marker=marker, ms=ms, mfc="none", lw=1.8, label=k)[0]
        lo, hi = _col(table, f"ci95_lo:{k}"), _col(table, f"ci95_hi:{k}")
        ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.2, lw=0)
    ax.fill_between([], [], [], color="grey", alpha=0.2, lw=0, label="95% interval")
    _percent_axis(ax)
    ax.set_xlabel(r.key)
    ax.set_ylabel("probability (share of worlds)")
    ax.grid(alpha=0.3)
    fig.suptitle(_wrap(title))
    fig.legend(
        loc="outside lower center", ncols=3, frameon=False, title="event (lines that coincide overlap)"
    )
    return fig


def _heatmaps(table: pa.Table, ranges: Sequence[ParamRange], events: Sequence[str], title: str) -> Figure:
    rx, ry = ranges
    xs, ys = rx.values(), ry.values()
    shown = list(events)[:MAX_PANELS]
    cols = min(2, len(shown))
    rows = -(-len(shown) // cols)
    fig = Figure(figsize=(5.2 * cols + 1.2, 4.4 * rows + 0.8), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    mesh = None
    annotate = len(xs) <= 8 and len(ys) <= 8
    for ax, k in zip(axes, shown, strict=False):
        # Rows of the table run over x (slowest) then y, so reshape to (x, y) and transpose.
        z = _col(table, k).reshape(len(xs), len(ys)).T
        mesh = ax.pcolormesh(_edges(xs), _edges(ys), z, vmin=0, vmax=1, cmap="viridis")
        if annotate:
            for (j, i), v in np.ndenumerate(z):
                ax.text(
                    xs[i],
                    ys[j],
                    _pct(v),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if v < 0.6 else "black",
                )
        if len(xs) <= 12 and len(ys) <= 12:
            ax.set_xticks(xs, [f"{v:g}" for v in xs])
            ax.set_yticks(ys, [f"{v:g}" for v in ys])
        ax.set_title(k)
        ax.set_xlabel(rx.key)
        ax.set_ylabel(ry.key)
    for ax in axes[len(shown) :]:
        ax.set_axis_off()
    if mesh is not None:
        bar = fig.colorbar(mesh, ax=list(axes[: len(shown)]), shrink=0.9)
        bar.set_label("probability")
    fig.suptitle(_wrap(title))
    return fig


def _wrap(title: str, width: int = 100) -> str:
    return "\n".join(textwrap.fill(line, width) for line in title.split("\n"))


def _pct(p: float) -> str:
    """A probability as a short percentage that never rounds a rare event to 0% or 100%."""
    if 0 < p < 0.01:
        return "<1%"
    return ">99%" if 0.99 < p < 1 else f"{p:.0%}"


def _edges(values: Sequence[float]) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    if v.size == 1:
        return np.array([v[0] - 0.5, v[0] + 0.5])
    mid = (v[1:] + v[:-1]) / 2
    return np.concatenate([[2 * v[0] - mid[0]], mid, [2 * v[-1] - mid[-1]]])


def _scatter(table: pa.Table, ranges: Sequence[ParamRange], events: Sequence[str], title: str) -> Figure:
    shown, params = list(events)[:MAX_PANELS], list(ranges)[:MAX_PANELS]
    fig = Figure(figsize=(3.2 * len(params) + 1, 2.6 * len(shown) + 1), layout="constrained")
    axes = fig.subplots(len(shown), len(params), squeeze=False, sharey=True)
    for i, k in enumerate(shown):
        y = _col(table, k)
        for j, r in enumerate(params):
            ax = axes[i, j]
            ax.scatter(_col(table, r.key), y, s=10, alpha=0.6, color=f"C{i}")
            _percent_axis(ax)
            ax.grid(alpha=0.3)
            if i == len(shown) - 1:
                ax.set_xlabel(r.key, fontsize=8)
            if j == 0:
                ax.set_ylabel(f"P({k})", fontsize=9)
    fig.suptitle(_wrap(title))
    return fig


def write_figure(fig: Figure, path: Path) -> Path:
    """Save ``fig`` as a PNG at ``path`` (atomically)."""
    FigureCanvasAgg(fig)
    with storage.atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=DPI)
    return path


def text_table(table: pa.Table, ranges: Sequence[ParamRange], events: Sequence[str], limit: int = 25) -> str:
    """A compact terminal table: parameter values and the chosen events' probabilities."""
    params = [r.key for r in ranges]
    short = _short_names(params)
    widths = [max(8, len(k) + 2) for k in short] + [max(9, len(e) + 2) for e in events]
    head = "".join(f"{c:>{w}}" for c, w in zip([*short, *events], widths, strict=True))
    lines = [f"{name} = {key}" for name, key in zip(short, params, strict=True) if name != key]
    lines.append(head)
    rows = table.num_rows
    data = {c: table.column(c).to_pylist() for c in [*params, *events]}
    for i in range(min(rows, limit)):
        cells = [f"{data[k][i]:>{w}.4g}" for k, w in zip(params, widths, strict=False)]
        cells += [f"{data[e][i]:>{w}.1%}" for e, w in zip(events, widths[len(params) :], strict=True)]
        lines.append("".join(cells))
    if rows > limit:
        lines.append(f"... {rows - limit} more rows in sweep.parquet")
    return "\n".join(lines)


def _short_names(keys: Sequence[str]) -> list[str]:
    """The shortest distinct tails of dotted keys (``credibility`` for ``threats.x.credibility``)."""
    for depth in range(1, max(k.count(".") for k in keys) + 2):
        tails = [".".join(k.split(".")[-depth:]) for k in keys]
        if len(set(tails)) == len(tails):
            return tails
    return list(keys)


# --- the command --------------------------------------------------------------------------------


def add_command(sub: Any) -> None:
    """Add ``negsim sweep`` to the CLI's subparsers."""
    from simulator.cli.options import add_run_options, positive_int

    p = sub.add_parser(
        "sweep",
        help="run a scenario over a grid or Latin hypercube of parameter values",
        description=(
            "Run a full ensemble at every point of a grid over one or two parameters "
            "(--param KEY=LOW:HIGH:STEPS), or of a Latin hypercube over any number of ranges "
            "(--sample lhs --n N --param KEY=LOW:HIGH ...). KEY is a dotted scenario path as --set "
            "takes it; every point is validated before any is run, and every point uses the same "
            "seed (common random numbers). Writes, into the --out folder, sweep.parquet (one row "
            "per point: the parameter values, then one column per event probability, then ci95_lo:/ci95_hi: "
            "columns) and figures/sweep.png (lines for one parameter, heat maps for two, "
            "scatter panels for a Latin hypercube)."
        ),
    )
    p.add_argument("scenario", type=Path, metavar="SCENARIO")
    p.add_argument(
        "--param",
        dest="params",
        action="append",
        default=[],
        metavar="KEY=LOW:HIGH:STEPS",
        help=f"a swept parameter (repeatable; e.g. {EXAMPLE}); KEY=LOW:HIGH with --sample lhs",
    )
    p.add_argument("--sample", choices=("grid", "lhs"), default="grid", help="grid (default) or lhs")
    p.add_argument("--n", type=positive_int, default=None, help="points of a Latin hypercube (default 200)")
    p.add_argument(
        "--events",
        nargs="+",
        default=None,
        metavar="EVENT",
        help="events to plot and print (default: talks, agreements, and sanctions that happen)",
    )
    add_run_options(p, runs=2000)
    for action in p._actions:
        if action.dest == "runs":
            action.help = "worlds per point (default 2000)"
    p.add_argument("--out", type=Path, help="output folder (default: runs/sweep-<scenario>-<time>)")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier sweep in --out")
    p.set_defaults(func=cmd_sweep)


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run ``negsim sweep``."""
    from tqdm import tqdm

    from simulator.cli.options import executor_for

    lhs = args.sample == "lhs"
    if args.n is not None and not lhs:
        raise UserError("--n is for --sample lhs; a grid's size comes from the STEPS of each --param")
    ranges = parse_params(args.params, lhs=lhs)
    points = lhs_points(ranges, args.n or 200, args.seed) if lhs else grid_points(ranges)
    scenarios = load_points(args.scenario, args.overrides, ranges, points)
    keys = event_keys(scenarios[0])
    if args.events:
        check_events(args.events, keys)
    out = args.out or Path("runs") / f"sweep-{args.scenario.stem}-{time.strftime('%Y%m%d-%H%M%S')}"
    if (out / "sweep.parquet").exists() and not args.overwrite:
        raise UserError(f"{out} already holds a sweep; choose another --out or pass --overwrite")
    chunk = args.chunk_size or DEFAULT_CHUNK
    total = len(points) * args.runs
    print(
        f"sweep: {len(points):,} points × {args.runs:,} worlds = {total:,} worlds "
        f"(seed {args.seed} at every point)",
        flush=True,
    )
    per_point = -(-args.runs // chunk)
    with (
        executor_for(args, chunks=len(points) * per_point) as ex,
        tqdm(total=len(points), unit=" points", desc="sweep", disable=not sys.stderr.isatty()) as bar,
    ):
        # Enough points in flight to keep every worker busy, no more (each sends its scenario).
        workers = args.workers or os.cpu_count() or 1
        tallies = run_sweep(
            scenarios,
            runs=args.runs,
            seed=args.seed,
            executor=ex,
            chunk_size=chunk,
            concurrency=-(-workers // per_point) + 1,
            done=bar.update,
        )
    base = scenarios[0]
    metadata = {
        "negsim_version": __version__,
        "scenario": {"name": base.name, "path": str(args.scenario)},
        "overrides": args.overrides,
        "sample": args.sample,
        "params": [{"key": r.key, "low": r.low, "high": r.high, "steps": r.steps} for r in ranges],
        "runs": args.runs,
        "seed": args.seed,
        "chunk_size": chunk,
    }
    events_at = [point_events(s, t) for s, t in zip(scenarios, tallies, strict=True)]
    table = sweep_table(ranges, points, events_at, keys, metadata)
    out.mkdir(parents=True, exist_ok=True)
    with storage.atomic_path(out / "sweep.parquet") as tmp:
        pq.write_table(table, tmp)
    limit = None if len(ranges) == 1 and not lhs else MAX_PANELS
    events = list(args.events or default_events(table, keys, limit))
    fig = sweep_figure(table, ranges, events, name=base.name, runs=args.runs, lhs=lhs)
    png = write_figure(fig, out / "figures" / "sweep.png")
    print(text_table(table, ranges, events))
    print(
        f"\nwrote {out}/: sweep.parquet ({table.num_rows} rows, {len(keys)} events), {png.relative_to(out)}"
    )
    return 0
