"""The sensitivity analysis's design and its evaluation: what is sampled, the checks made before
anything runs, and playing every sample row through the chunked engine.

Separate from ``sensitivity``, which turns the output matrix into indices, noise floors and driver
sentences: this half knows SALib only as a sampler, and its worker task (:func:`_evaluate_chunk`)
is what the worker processes import. Rows run in chunks through
:func:`simulator.engine.executors.map_chunks` (chunk *k* holds a fixed number of rows and is seeded
like chunk *k* of a run), so the numbers depend on the scenario, method, N, replicates and seed,
never on the number of workers or the backend.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import operator
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.analysis.events import check_events, default_events, event_keys
from simulator.defaults import DEFAULT_N, DEFAULT_REPLICATES, METHODS, Method
from simulator.engine.chunks import DEFAULT_CHUNK, Chunk, check_size, plan
from simulator.engine.ensemble import simulate_chunk
from simulator.engine.executors import map_chunks
from simulator.engine.tally import events_of
from simulator.engine.variant import Agents
from simulator.errors import UserError
from simulator.scenario.schema import Scenario

MORRIS_LEVELS = 4


class SamplingWarning(UserWarning):
    """The sample size is not what the method's guarantees assume (Sobol': a power of 2)."""


@dataclass(frozen=True)
class Design:
    """What is sampled: the method, the parameters (dotted paths), the base size N and the seed."""

    method: Method
    parameters: tuple[str, ...]
    n: int
    seed: int

    @property
    def problem(self) -> dict[str, Any]:
        """The SALib problem: one variable per parameter, a quantile on [0, 1]."""
        d = len(self.parameters)
        return {"num_vars": d, "names": list(self.parameters), "bounds": [[0.0, 1.0]] * d}

    @property
    def rows(self) -> int:
        """Number of sample rows: N(D+2) for Sobol (no second order), N(D+1) for Morris."""
        d = len(self.parameters)
        return self.n * (d + 2 if self.method == "sobol" else d + 1)

    def sample(self) -> np.ndarray:
        """The sample matrix (rows x parameters) of quantiles; identical in every process."""
        return _sample(self)

    def announce(self, replicates: int) -> str:
        """One line saying how much work this is, printed before it starts."""
        name = "Sobol" if self.method == "sobol" else "Morris"
        size = f"N={self.n}" if self.method == "sobol" else f"{self.n} trajectories"
        return (
            f"{name}, {len(self.parameters)} parameters, {size}: {self.rows:,} rows × "
            f"{replicates} replicates = {self.rows * replicates:,} worlds"
        )


@functools.lru_cache(maxsize=4)
def _sample(design: Design) -> np.ndarray:
    # Cached and deterministic, so worker processes rebuild the same matrix from the (small)
    # design instead of receiving the whole matrix with every chunk.
    if design.method == "sobol":
        from SALib.sample import sobol

        with warnings.catch_warnings():
            # scipy's own power-of-2 warning; ours (SamplingWarning) is raised in run_sensitivity.
            warnings.filterwarnings("ignore", message=".*balance properties of Sobol", category=UserWarning)
            out: np.ndarray = sobol.sample(
                design.problem, design.n, calc_second_order=False, seed=design.seed
            )
            return out
    from SALib.sample import morris

    levels: np.ndarray = morris.sample(design.problem, design.n, num_levels=MORRIS_LEVELS, seed=design.seed)
    return levels


def is_power_of_two(n: int) -> bool:
    """True for 1, 2, 4, 8, ..."""
    return n > 0 and n & (n - 1) == 0


def rows_per_chunk(replicates: int) -> int:
    """Sample rows per chunk: about :data:`DEFAULT_CHUNK` worlds (fixed, so results reproduce)."""
    return max(1, DEFAULT_CHUNK // replicates)


def _evaluate_chunk(
    scenario: Scenario,
    design: Design,
    events: tuple[str, ...],
    replicates: int,
    chunk: Chunk,
    agents: Agents = None,
    crn: bool = False,
) -> tuple[int, list[np.ndarray]]:
    """Worker task: play the chunk's rows, ``replicates`` worlds each; each event's share per row.

    With ``crn``, every row (in every chunk) plays the same ``replicates`` worlds: only the
    parameters differ between rows, so the replicate noise largely cancels in the indices."""
    x = design.sample()[chunk.start : chunk.start + chunk.size]
    quantiles = {name: np.repeat(x[:, j], replicates) for j, name in enumerate(design.parameters)}
    worlds = Chunk(0 if crn else chunk.index, chunk.start * replicates, chunk.size * replicates)
    rec = simulate_chunk(
        scenario,
        design.seed,
        worlds,
        quantiles=quantiles,
        agents=agents,
        crn_period=replicates if crn else None,
    )
    ev = events_of(scenario, rec)
    y = np.column_stack([ev[e].reshape(chunk.size, replicates).mean(axis=1) for e in events])
    return chunk.index, [y]


def evaluate(
    scenario: Scenario,
    design: Design,
    events: Sequence[str],
    *,
    replicates: int,
    executor: cf.Executor | None = None,
    progress: Callable[[int], None] | None = None,
    agents: Agents = None,
    crn: bool = False,
) -> np.ndarray:
    """The output matrix Y (rows x events): each event's share of ``replicates`` worlds per row."""
    chunks = plan(design.rows, rows_per_chunk(replicates))
    task = functools.partial(
        _evaluate_chunk, scenario, design, tuple(events), replicates, agents=agents, crn=crn
    )
    tick = (lambda rows: progress(rows * replicates)) if progress else None
    initial: list[np.ndarray] = []
    parts = map_chunks(task, chunks, merge=operator.add, initial=initial, executor=executor, progress=tick)
    return np.concatenate(parts)


def prepare(
    scenario: Scenario,
    *,
    method: Method,
    n: int | None = None,
    replicates: int = DEFAULT_REPLICATES,
    seed: int = 0,
    events: Sequence[str] | None = None,
    agents: Agents = None,
) -> tuple[Design, list[str]]:
    """Every check of an analysis, before anything runs: the design and the events it will use.

    Raises :class:`UserError` for a bad method, size, event or a scenario with nothing uncertain,
    and warns (:class:`SamplingWarning`) when a Sobol N is not a power of 2."""
    if method not in METHODS:
        raise UserError(f"unknown method '{method}' (methods: {', '.join(METHODS)})")
    params = tuple(scenario.uncertain_parameters())
    if not params:
        raise UserError(f"{scenario.name}: no uncertain parameters, so nothing to analyse")
    n = DEFAULT_N[method] if n is None else n
    if n < 2 or replicates < 1:
        raise UserError("need N >= 2 and replicates >= 1")
    if method == "sobol" and not is_power_of_two(n):
        warnings.warn(
            f"Sobol' sequences keep their balance properties only when N is a power of 2 (got {n}; "
            f"try {1 << n.bit_length()})",
            SamplingWarning,
            stacklevel=2,
        )
    chosen = check_events(events, event_keys(scenario)) if events is not None else default_events(scenario)
    design = Design(method, params, n, seed)
    # A row of more than a chunk's worlds is one chunk on its own: check it as what it is.
    per_chunk = rows_per_chunk(replicates) * replicates
    check_size(design.rows * replicates, per_chunk, chunk_worlds=per_chunk)
    return design, chosen
