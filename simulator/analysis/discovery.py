"""Scenario discovery: under which combinations of the drawn parameters does an event happen?

Sobol and Morris say how much of an event's variance each parameter explains; they do not say
which *conditions* produce it. Scenario discovery does (Bryant and Lempert 2010): it looks for a
box, a few parameters each limited to an interval, inside which the event is much more common than
in all worlds. Every world of a run has its parameter draws and its outcome in ``worlds.parquet``,
so the data is already there.

Two rule-induction methods from EMA Workbench, run over the worlds' drawn parameters:

- **PRIM** (Friedman and Fisher 1999, ``ema_workbench.analysis.prim.Prim``): starting from the
  whole sample it peels off, one step at a time, the slice (``PEEL_ALPHA`` of the box's worlds at
  one end of one parameter) whose removal raises the event's share inside the box most, then
  pastes back what helps. Each step is a point of the *peeling trajectory*: coverage (the share of
  all event worlds still inside) against density (the event's share inside the box). We choose the
  first box as dense, within sampling error, as the densest one that still holds ``MIN_COVERAGE``
  of the event's worlds (:func:`choose_step`), then drop every limit whose
  quasi-p-value (Bryant and Lempert's one-sided binomial test, computed as EMA does) exceeds
  ``MAX_QP``: a limit that chance alone could have produced is not a condition.
- **CART** (``ema_workbench.analysis.cart.CART``, scikit-learn's decision tree with leaves of at
  least ``MASS_MIN`` of the worlds): the leaf where the event is densest, as a second view.

Limits are reported under each parameter's ``--set`` path and its label in the scenario's own
words, against the range the scenario states, so a box reads as a what-if.

A rare event needs enough worlds: below ``MIN_EVENT_WORLDS`` worlds where it happens (or where it
does not) discovery is refused; below ``ADVISED_EVENT_WORLDS`` it runs with a warning saying how
many worlds to run.

Example:
    >>> result = discover(Path("runs/istanbul"), "agreement.ceasefire")  # doctest: +SKIP
    >>> print(result.sentence())  # doctest: +SKIP
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from simulator._version import __version__
from simulator.defaults import DISCOVERY_MIN_COVERAGE, DISCOVERY_MIN_EVENT_WORLDS
from simulator.engine.rundir import WORLDS, read_scenario, read_summary
from simulator.engine.tally import events_of
from simulator.errors import UserError, printable
from simulator.numbers import pct
from simulator.scenario.events import LEVEL_COLUMN, LEVELS, OUTCOME_COLUMN, OUTCOMES, PARAM
from simulator.scenario.labels import event_label, param_label
from simulator.storage import write_text

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from simulator.scenario.schema import Scenario

DiscoveryMethod = Literal["prim", "cart"]
METHODS: tuple[DiscoveryMethod, ...] = ("prim", "cart")
DISCOVERY_FILE = "discovery.json"

#: Fewer worlds than this where the event happens (or where it does not): discovery is refused.
#: PRIM's last peels hold a few dozen event worlds; below that a box is a description of noise.
MIN_EVENT_WORLDS = DISCOVERY_MIN_EVENT_WORLDS
#: Fewer than this: discovery runs, with a warning. With 100 event worlds a box of coverage 0.5 has
#: 50 of them, so its density is known to about +-14% of itself (one binomial standard error).
ADVISED_EVENT_WORLDS = 100
#: The chosen PRIM box holds at least this share of the event's worlds: a box that explains half
#: the cases is a condition; one that explains 10% is an anecdote (Bryant and Lempert 2010 pick by
#: eye on the same trade-off; :func:`choose_step` makes the pick repeatable).
MIN_COVERAGE = DISCOVERY_MIN_COVERAGE
#: A limit whose quasi-p-value exceeds this is dropped (EMA Workbench's convention).
MAX_QP = 0.05
#: EMA Workbench's defaults: peel or paste 5% of the box's worlds per step; no box under 5% of all.
PEEL_ALPHA = 0.05
PASTE_ALPHA = 0.05
MASS_MIN = 0.05
#: Worlds read from a run (the first ones; worlds are independent draws). PRIM's cost grows with
#: worlds x parameters x steps; 100,000 worlds take about a minute on one core.
MAX_WORLDS = 100_000


@dataclass(frozen=True)
class Limit:
    """One parameter's limits in a box, against the range it takes across the worlds."""

    path: str
    label: str
    low: float
    high: float
    range: tuple[float, float]
    qp: tuple[float | None, float | None] = (None, None)

    def text(self, digits: int = 3) -> str:
        """``label in [low, high]`` (a one-sided limit reads ``label >= low`` or ``label <= high``)."""
        lo, hi = _num(self.low, digits), _num(self.high, digits)
        if self.low <= self.range[0]:
            return f"{self.label} ≤ {hi}"
        if self.high >= self.range[1]:
            return f"{self.label} ≥ {lo}"
        return f"{self.label} in [{lo}, {hi}]"

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "label": self.label,
            "low": self.low,
            "high": self.high,
            "range": list(self.range),
            "qp": list(self.qp),
        }


@dataclass(frozen=True)
class Box:
    """A box (its restricted parameters only) with the scenario-discovery statistics."""

    method: DiscoveryMethod
    limits: tuple[Limit, ...]
    coverage: float  # share of all event worlds that fall inside
    density: float  # share of the box's worlds where the event happens
    mass: float  # share of all worlds inside
    worlds: int
    event_worlds: int

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "coverage": self.coverage,
            "density": self.density,
            "mass": self.mass,
            "worlds": self.worlds,
            "event_worlds": self.event_worlds,
            "limits": [lim.to_json() for lim in self.limits],
        }


@dataclass(frozen=True)
class Step:
    """One box on PRIM's peeling (and pasting) trajectory."""

    coverage: float
    density: float
    mass: float
    restricted: int


@dataclass
class DiscoveryResult:
    """What :func:`discover` found for one event: the chosen box, CART's view, the trajectory."""

    event: str
    label: str
    method: DiscoveryMethod
    worlds: int
    event_worlds: int
    box: Box
    other: Box | None = None
    trajectory: list[Step] = field(default_factory=list)
    chosen: int | None = None  # index of the chosen box on the trajectory (PRIM)
    labels: dict[str, str] = field(default_factory=dict)  # every analysed parameter: path -> label
    warning: str | None = None
    scenario: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, float] = field(default_factory=dict)

    @property
    def base_rate(self) -> float:
        """The event's share over all worlds analysed."""
        return self.event_worlds / self.worlds

    def sentence(self, box: Box | None = None) -> str:
        """The box in one sentence: density, coverage, mass and each limit in the scenario's words."""
        b = box or self.box
        if not b.limits:
            return (
                f"{self.event} ({self.label}) happens in {pct(self.base_rate)} of worlds, and no "
                "combination of the drawn parameters makes it markedly more likely: it depends on "
                "the noise inside a world more than on the scenario's uncertain parameters."
            )
        limits = "; ".join(lim.text() for lim in b.limits)
        return (
            f"{self.event} happens in {pct(b.density)} of worlds inside this box "
            f"(against {pct(self.base_rate)} in all), which holds {pct(b.coverage)} of all worlds "
            f"where it happens and {pct(b.mass)} of all worlds: {limits}."
        )

    def whatif(self, box: Box | None = None) -> list[str]:
        """``--set`` values that turn the box into a what-if: each limited parameter drawn
        uniformly inside its limits (a sketch: the scenario's own distribution shapes are lost)."""
        b = box or self.box
        return [f"{lim.path}=uniform({_num(lim.low, 3)}, {_num(lim.high, 3)})" for lim in b.limits]

    def to_json(self) -> dict[str, Any]:
        return {
            "negsim_version": __version__,
            "scenario": self.scenario,
            "event": self.event,
            "label": self.label,
            "method": self.method,
            "worlds": self.worlds,
            "event_worlds": self.event_worlds,
            "base_rate": self.base_rate,
            "box": self.box.to_json(),
            "sentence": self.sentence(),
            "whatif": self.whatif(),
            "other": None if self.other is None else self.other.to_json(),
            "trajectory": [
                {"coverage": s.coverage, "density": s.density, "mass": s.mass, "restricted": s.restricted}
                for s in self.trajectory
            ],
            "chosen": self.chosen,
            "parameters": self.labels,
            "settings": self.settings,
            "warning": self.warning,
        }


def discover(
    run: Path,
    event: str,
    *,
    method: DiscoveryMethod = "prim",
    min_coverage: float = MIN_COVERAGE,
) -> DiscoveryResult:
    """Find the box of drawn parameters in which ``event`` happens, from a finished run's folder.

    Args:
        run: A ``negsim run`` output folder (``summary.json``, ``worlds.parquet``,
            ``scenario.resolved.yaml``).
        event: An event key of the run (``agreement.ceasefire``).
        method: ``prim`` (the chosen box; CART as the second view) or ``cart`` (the other way round).
        min_coverage: The chosen PRIM box holds at least this share of the event's worlds.

    Raises:
        UserError: not a run folder, an unknown event, no uncertain parameters, or too few worlds
            where the event happens (or does not).

    Example:
        >>> discover(Path("runs/istanbul"), "agreement.ceasefire").sentence()  # doctest: +SKIP
    """
    summary = read_summary(run)
    scenario, params, happened = run_worlds(run, event, summary)
    ranges = {p: s.param.support() for p, s in scenario.parameter_slots().items() if p in params}
    result = discover_worlds(
        params,
        happened,
        event=event,
        label=event_label(scenario, event),
        labels={p: param_label(scenario, p) for p in params},
        ranges=ranges,
        method=method,
        min_coverage=min_coverage,
    )
    ref = summary.get("scenario") or {}
    result.scenario = {
        "name": scenario.name,
        "path": ref.get("path"),
        "run": str(run),
        "sha256": ref.get("sha256"),
    }
    return result


def run_worlds(
    run: Path, event: str, summary: Mapping[str, Any] | None = None
) -> tuple[Scenario, dict[str, np.ndarray], np.ndarray]:
    """A finished run's scenario, every drawn parameter by ``--set`` path (one value per world)
    and whether ``event`` happened in each world (at most ``MAX_WORLDS`` worlds, the first).

    Shared by :func:`discover` and the two-parameter figure of a run
    (:func:`simulator.figures.pairs.run_pair_figure`).
    """
    summary = summary if summary is not None else read_summary(run)
    scenario = read_scenario(run, summary.get("scenario", {}).get("sha256"))
    table = _read_worlds(run)
    happened = _event_column(scenario, table, event)
    params = {
        parts["path"]: np.asarray(table.column(col).to_numpy(), dtype=np.float64)
        for col in table.column_names
        if (parts := PARAM.matches(col)) is not None
    }
    return scenario, params, happened


def discover_worlds(
    params: Mapping[str, np.ndarray],
    happened: np.ndarray,
    *,
    event: str,
    label: str | None = None,
    labels: Mapping[str, str] | None = None,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    method: DiscoveryMethod = "prim",
    min_coverage: float = MIN_COVERAGE,
) -> DiscoveryResult:
    """Scenario discovery on arrays: one row per world, parameters by path, the event as booleans.

    Parameters that take one value in every world are left out (nothing to restrict). ``ranges``
    gives each parameter's stated range (default: the range of its draws).
    """
    import pandas as pd

    if method not in METHODS:
        raise UserError(f"--method {method!r}: choose prim or cart")
    if not 0 < min_coverage <= 1:
        raise UserError(f"--min-coverage {min_coverage}: give a share in (0, 1]")
    y = np.asarray(happened, dtype=bool)
    n = len(y)
    k = int(y.sum())
    warning = _check_counts(event, k, n)
    varying = {p: np.asarray(v, dtype=np.float64) for p, v in params.items() if np.ptp(v) > 0}
    if not varying:
        raise UserError(
            f"{event}: the run has no uncertain parameters (every parameter is fixed), so there is "
            "nothing to discover"
        )
    x = pd.DataFrame(varying)
    labels = {p: (labels or {}).get(p, p) for p in varying}
    data_range = {p: (float(v.min()), float(v.max())) for p, v in varying.items()}
    stated = {p: _widest((ranges or {}).get(p), data_range[p]) for p in varying}

    prim_lims, trajectory, chosen = _prim(x, y, min_coverage)
    prim = _box("prim", x, y, prim_lims, data_range, stated, labels)
    cart = _box("cart", x, y, _cart(x, y), data_range, stated, labels)
    box, other = (prim, cart) if method == "prim" else (cart, prim)
    return DiscoveryResult(
        event=event,
        label=label or event,
        method=method,
        worlds=n,
        event_worlds=k,
        box=box,
        other=other,
        trajectory=trajectory,
        chosen=chosen,
        labels=dict(labels),
        warning=warning,
        settings={
            "peel_alpha": PEEL_ALPHA,
            "paste_alpha": PASTE_ALPHA,
            "mass_min": MASS_MIN,
            "min_coverage": min_coverage,
            "max_qp": MAX_QP,
        },
    )


def write_discovery(result: DiscoveryResult, out: Path) -> Path:
    """Write ``out/discovery.json`` atomically; returns its path."""
    import json

    path = out / DISCOVERY_FILE
    write_text(path, json.dumps(result.to_json(), indent=2, allow_nan=False) + "\n")
    return path


# --- the two methods ----------------------------------------------------------------------------


def _ema() -> tuple[Any, Any]:
    """EMA Workbench's Prim and CART, imported quietly (it warns about optional parallel backends
    on import) and only when discovery runs (the import takes a few seconds)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from ema_workbench.analysis.cart import CART
            from ema_workbench.analysis.prim import Prim
    except ImportError as exc:  # pragma: no cover - a broken install
        raise UserError(
            f"scenario discovery needs EMA Workbench ({exc}); install negsim with its dependencies"
        ) from exc
    return Prim, CART


def _prim(
    x: pd.DataFrame, y: np.ndarray, min_coverage: float
) -> tuple[dict[str, tuple[float, float]], list[Step], int]:
    """PRIM's first box: the chosen step's limits, the trajectory and the chosen step."""
    prim_cls, _ = _ema()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas deprecations inside EMA are not the user's concern
        prim = prim_cls(
            x, y.astype(np.int64), peel_alpha=PEEL_ALPHA, paste_alpha=PASTE_ALPHA, mass_min=MASS_MIN
        )
        box = prim.find_box()
    traj = box.peeling_trajectory
    steps = [
        Step(float(r.coverage), float(r.density), float(r.mass), int(r.res_dim)) for r in traj.itertuples()
    ]
    chosen = choose_step(steps, len(y), min_coverage)
    lims = box.box_lims[chosen]
    limits = {str(c): (float(lims[c].iloc[0]), float(lims[c].iloc[1])) for c in lims.columns}
    return limits, steps, chosen


def choose_step(steps: Sequence[Step], worlds: int, min_coverage: float = MIN_COVERAGE) -> int:
    """The box to report: the first step on the trajectory whose density is within one binomial
    standard error of the densest step that still holds ``min_coverage`` of the event's worlds.

    PRIM peels on as long as any peel raises the density at all, so its last boxes chase noise
    inside the true region, losing coverage for a density no better than chance; the first box
    that is as dense as the best one within its sampling error keeps the coverage."""
    candidates = [i for i, s in enumerate(steps) if s.coverage >= min_coverage - 1e-12]
    best = max(candidates, key=lambda i: (steps[i].density, -i))
    d = steps[best].density
    se = math.sqrt(d * (1 - d) / max(steps[best].mass * worlds, 1.0))
    return min(i for i in candidates if steps[i].density >= d - se)


def _cart(x: pd.DataFrame, y: np.ndarray) -> dict[str, tuple[float, float]]:
    """The CART leaf (leaves of at least ``MASS_MIN`` of the worlds) where the event is densest."""
    _, cart_cls = _ema()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cart = cart_cls(x, y.astype(np.int64), mass_min=MASS_MIN)
        cart.build_tree()
        boxes, stats = cart.boxes, cart.stats
    best = max(range(len(boxes)), key=lambda i: (stats[i]["density"], stats[i]["coverage"]))
    lims = boxes[best]
    return {str(c): (float(lims[c].iloc[0]), float(lims[c].iloc[1])) for c in lims.columns}


def _box(
    method: DiscoveryMethod,
    x: pd.DataFrame,
    y: np.ndarray,
    lims: Mapping[str, tuple[float, float]],
    data_range: Mapping[str, tuple[float, float]],
    stated: Mapping[str, tuple[float, float]],
    labels: Mapping[str, str],
) -> Box:
    """The box's limits that pass the quasi-p test, and its statistics.

    Each limited side is tested as EMA Workbench tests PRIM's (Bryant and Lempert 2010): widen that
    side alone to the whole range; if the box's event count would be unsurprising at the widened
    box's density (one-sided binomial test, p > ``MAX_QP``), the side is dropped. The same test
    applies to CART's leaf, whose splits on noise it removes just as well.
    """
    from scipy.stats import binomtest

    cols = {p: x[p].to_numpy() for p in x.columns}
    sides: dict[tuple[str, int], float] = {}
    for path in x.columns:
        lo, hi = lims.get(path, data_range[path])
        if lo > data_range[path][0]:
            sides[(path, 0)] = lo
        if hi < data_range[path][1]:
            sides[(path, 1)] = hi

    def inside(skip: tuple[str, int] | None = None) -> np.ndarray:
        mask = np.ones(len(y), dtype=bool)
        for (path, side), v in sides.items():
            if (path, side) != skip:
                mask &= cols[path] >= v if side == 0 else cols[path] <= v
        return mask

    box = inside()
    n_box, k_box = int(box.sum()), int(y[box].sum())
    qp: dict[tuple[str, int], float] = {}
    for side in sides:
        wider = inside(skip=side)
        p = float(y[wider].mean()) if wider.any() else 0.0
        qp[side] = float(binomtest(k_box, n_box, p, alternative="greater").pvalue) if n_box else 1.0
    sides = {s: v for s, v in sides.items() if qp[s] <= MAX_QP}
    box = inside()
    limits = []
    for path in x.columns:
        if (path, 0) not in sides and (path, 1) not in sides:
            continue
        s_lo, s_hi = stated[path]
        limits.append(
            Limit(
                path=path,
                label=labels[path],
                low=sides.get((path, 0), s_lo),
                high=sides.get((path, 1), s_hi),
                range=(s_lo, s_hi),
                qp=(qp.get((path, 0)), qp.get((path, 1))),
            )
        )
    n_in, k_in = int(box.sum()), int(y[box].sum())
    return Box(
        method=method,
        limits=tuple(limits),
        coverage=k_in / max(int(y.sum()), 1),
        density=k_in / max(n_in, 1),
        mass=n_in / len(y),
        worlds=n_in,
        event_worlds=k_in,
    )


# --- reading a run ------------------------------------------------------------------------------


def _check_counts(event: str, k: int, n: int) -> str | None:
    """Refuse below ``MIN_EVENT_WORLDS`` event (or non-event) worlds; a warning below the advised."""
    rare = min(k, n - k)
    if rare < MIN_EVENT_WORLDS:
        what = "happens" if k <= n - k else "fails to happen"
        need = _worlds_for(k / n if n else 0.0, MIN_EVENT_WORLDS)
        more = f"; run about {need:,} worlds (--runs {need})" if need else ""
        count = f"in only {rare} of {n:,} worlds" if rare else f"in none of the {n:,} worlds"
        raise UserError(
            f"{event} {what} {count}: discovery needs at least "
            f"{MIN_EVENT_WORLDS} (about {ADVISED_EVENT_WORLDS} for a stable box){more}"
        )
    if rare < ADVISED_EVENT_WORLDS:
        need = _worlds_for(k / n, ADVISED_EVENT_WORLDS)
        side = "" if rare == k else f" (fails to in only {rare})"
        return (
            f"{event} happens in {k} of {n:,} worlds{side}: the box's limits "
            f"are rough below {ADVISED_EVENT_WORLDS}; about {need:,} worlds would give that many"
        )
    return None


def _worlds_for(rate: float, wanted: int) -> int:
    """Worlds to run (rounded up to a thousand) for ``wanted`` worlds on the rarer side."""
    rare = min(rate, 1 - rate)
    if rare <= 0:
        return 0
    return -(-math.ceil(wanted / rare) // 1000) * 1000


def _read_worlds(run: Path) -> pa.Table:
    import pyarrow.parquet as pq

    path = run / WORLDS
    if not path.is_file():
        raise UserError(
            printable(f"{run}: no {WORLDS} here; give the output folder of a finished `negsim run`")
        )
    try:
        pf = pq.ParquetFile(path)
        rows = min(pf.metadata.num_rows, MAX_WORLDS)
        table = pf.read().slice(0, rows) if rows == pf.metadata.num_rows else _first_rows(pf, rows)
    except (OSError, ValueError) as exc:
        raise UserError(printable(f"{path}: not a readable worlds file ({exc})")) from exc
    return table


def _first_rows(pf: Any, rows: int) -> pa.Table:
    import pyarrow as pa

    batches, got = [], 0
    for batch in pf.iter_batches(batch_size=10_000):
        batches.append(batch.slice(0, rows - got))
        got += min(len(batch), rows - got)
        if got >= rows:
            break
    return pa.Table.from_batches(batches)


def _event_column(scenario: Scenario, table: pa.Table, event: str) -> np.ndarray:
    """One boolean per world: whether ``event`` happened, computed as the run's tallies do."""
    rec: dict[str, np.ndarray] = {}
    for name in table.column_names:
        col = table.column(name).combine_chunks()
        is_level = LEVEL_COLUMN.matches(name) is not None
        if is_level or OUTCOME_COLUMN.matches(name) is not None:
            order = LEVELS if is_level else OUTCOMES
            values = [str(v) for v in col.dictionary.to_pylist()]
            lookup = np.array([order.index(v) for v in values], dtype=np.int8)
            rec[name] = lookup[np.asarray(col.indices.to_numpy(zero_copy_only=False), dtype=np.int64)]
        else:
            rec[name] = col.to_numpy(zero_copy_only=False)
    try:
        events = events_of(scenario, rec)
    except KeyError as exc:
        raise UserError(printable(f"worlds.parquet lacks the column {exc} the events need")) from exc
    if event not in events:
        import difflib

        close = difflib.get_close_matches(event, list(events), n=3, cutoff=0.5)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise UserError(printable(f"--event: '{event}' is not an event of this run{hint}"))
    return np.asarray(events[event], dtype=bool)


def _widest(stated: tuple[float, float] | None, drawn: tuple[float, float]) -> tuple[float, float]:
    """The stated range of a parameter, widened to its draws (a finite interval in any case)."""
    if stated is None or not all(math.isfinite(v) for v in stated):
        return drawn
    return (min(stated[0], drawn[0]), max(stated[1], drawn[1]))


def _num(v: float, digits: int) -> str:
    return f"{v:.{digits}g}"
