"""``negsim sensitivity``: which uncertain parameters drive each key event (Sobol or Morris, via SALib).

The analysis works in quantile space. The SALib problem has one variable per uncertain parameter of
the scenario, each on [0, 1]; a sample row is a vector of quantiles, which the model maps through
each parameter's own distribution (inverse CDF), exactly as it does with random draws. So the
analysis covers the scenario's stated uncertainty and nothing else: a parameter the scenario fixes
is not varied, and a narrow distribution counts for as little as it should.

The model has noise inside a world (choice noise, whether a threat is carried out), so each sample
row is played as ``replicates`` worlds and the output for that row is the event's share over them.
That noise adds to every parameter's total index (and to Morris's mu*) about the share of the
output's variance it makes up; it is estimated from the replicates, recorded as ``noise`` in
``sensitivity.json`` and drawn as a dashed line in the figures, so a reader can tell an effect from
the noise floor. More replicates lower the floor.

Rows run in chunks through :func:`simulator.engine.executors.map_chunks` (chunk *k* holds a fixed number of
rows and is seeded like chunk *k* of a run), so the numbers depend on the scenario, method, N,
replicates and seed, never on the number of workers or the backend.

The sample design, the checks before a run and the playing of the rows are in
``design``; this module analyses the output and writes ``sensitivity.json``.

Example:
    >>> result = run_sensitivity(scenario, method="sobol", n=64)  # doctest: +SKIP
    >>> result.drivers()["talks.direct"]  # doctest: +SKIP
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from simulator._version import __version__
from simulator.analysis.design import (
    MORRIS_LEVELS,
    Design,
    evaluate,
    prepare,
    rows_per_chunk,
)
from simulator.analysis.rank_stability import RESAMPLES, STABLE_SHARE, TOP_K, stability, stable
from simulator.defaults import DEFAULT_REPLICATES, Method
from simulator.engine.variant import Agents
from simulator.scenario.schema import Scenario
from simulator.storage import write_text

#: A parameter whose Sobol total index exceeds the replicate noise by this much is named as a driver.
DRIVER_SHARE = 0.2
#: Smallest Morris mu* (change in probability across the parameter's distribution) named as a driver.
MORRIS_EFFECT = 0.05
MAX_DRIVERS = 3


@dataclass
class SensitivityResult:
    """Indices per event and parameter, with what was run and what was skipped."""

    design: Design
    replicates: int
    indices: dict[str, dict[str, dict[str, float | None]]]
    noise: dict[str, dict[str, float | None]]
    skipped: dict[str, str] = field(default_factory=dict)
    crn: bool = False
    #: Per event and parameter, how stable its rank is (:mod:`~simulator.analysis.rank_stability`).
    stability: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    @property
    def worlds(self) -> int:
        """Total number of worlds played."""
        return self.design.rows * self.replicates

    def ranked(self, event: str) -> list[tuple[str, dict[str, float | None]]]:
        """The event's parameters, most influential first (by ST, or by mu* for Morris)."""
        key = "ST" if self.design.method == "sobol" else "mu_star"
        return sorted(self.indices[event].items(), key=lambda kv: -(kv[1][key] or 0.0))

    def floor(self, event: str) -> float:
        """The event's noise floor: what replicate noise adds to every ST (Sobol) or mu* (Morris)."""
        noise = self.noise[event]
        key = "share" if self.design.method == "sobol" else "mu_star_floor"
        return float(noise.get(key) or 0.0)

    def clear(self, event: str) -> list[tuple[str, dict[str, float | None]]]:
        """The ranked parameters whose index clears the noise floor (interval and all)."""
        key = "ST" if self.design.method == "sobol" else "mu_star"
        floor = self.floor(event)
        return [(p, v) for p, v in self.ranked(event) if (v[key] or 0.0) - (v[f"{key}_conf"] or 0.0) > floor]

    def drivers(self) -> dict[str, str]:
        """One sentence per analysed event naming the parameters that drive it."""
        return {event: self._sentence(event) for event in self.indices}

    def _sentence(self, event: str) -> str:
        # A parameter is named when it is large and clearly above the replicate noise, which adds
        # about the noise share to every ST (and the mu* floor to every mu*), relevant or not:
        # its index must exceed the noise by DRIVER_SHARE and its interval must clear the noise.
        ranked = self.ranked(event)
        noise = self.noise[event]
        scored: list[tuple[str, float, bool]] = []
        if self.design.method == "sobol":
            floor = noise.get("share") or 0.0
            for p, v in ranked:
                st, conf = v["ST"] or 0.0, v["ST_conf"] or 0.0
                scored.append((p, st, st - floor >= DRIVER_SHARE and st - conf > floor))

            def unit(s: float) -> str:
                # ST is a share of variance: an estimate above 1 is sampling error, read as "all".
                text = f"ST {s:.2f}" if s <= 1 else f"ST ≈1, estimated {s:.2f}"
                return text + (f", {max(0.0, s - floor):.2f} above the noise floor" if floor >= 0.05 else "")

        else:
            # mu* is an absolute effect (change in probability across the parameter's distribution):
            # named when it is at least MORRIS_EFFECT, half the largest, and clear of the noise.
            floor = noise.get("mu_star_floor") or 0.0
            largest = max((v["mu_star"] or 0.0) for _, v in ranked)
            for p, v in ranked:
                mu, conf = v["mu_star"] or 0.0, v["mu_star_conf"] or 0.0
                scored.append((p, mu, mu >= max(MORRIS_EFFECT, largest / 2) and mu - conf > floor))

            def unit(s: float) -> str:
                return f"mu* {s:.2f}"

        large = [(p, s) for p, s, named in scored if named][:MAX_DRIVERS]
        # Named only when its rank holds across bootstrap resamples of the sample (issue #22).
        ranks = self.stability.get(event, {})
        big = [(p, s) for p, s in large if stable(ranks.get(p))]
        shaky = [(p, s) for p, s in large if not stable(ranks.get(p))]
        share = noise.get("share") or 0.0
        if big:
            names = [f"{p} ({unit(s)})" for p, s in big]
            listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
            text = f"{event} is driven mostly by {listed}."
        elif shaky:
            p, s = shaky[0]
            n = self.design.n
            text = f"{event}: the largest index is {p} ({unit(s)}), but no driver is stable at N={n}."
        elif share >= 0.5:
            return (
                f"{event}: no parameter stands out above the replicate noise ({share:.0%} of its "
                "variance; raise --replicates (or N) to see more)."
            )
        else:
            top, s, _ = scored[0]
            text = f"{event}: no single parameter dominates (the largest is {top}, {unit(s)})."
            entry = ranks.get(top)
            if entry is not None:  # its index is uncertain; its place in the ranking may not be
                held = "stable" if stable(entry) else "not stable"
                text += (
                    f" Its rank is {held} at N={self.design.n}: in the top {TOP_K} in "
                    f"{entry['top_k']:.0%} of {RESAMPLES} bootstrap resamples."
                )
        if shaky:
            text += " " + self._shaky(event, shaky)
        if share >= 0.1:
            text += f" Replicate noise is {share:.0%} of its variance (a floor under every index)."
        if self.design.method == "sobol" and any((v["ST"] or 0.0) > 1 for _, v in ranked[:MAX_DRIVERS]):
            text += " A Sobol index estimated above 1 is sampling error: read it as all of the variance."
        return text

    def _shaky(self, event: str, shaky: list[tuple[str, float]]) -> str:
        """The words for large indices whose rank is not stable at this N."""
        parts = [
            f"{p} is in the top {TOP_K} in only {self.stability[event][p]['top_k']:.0%}" for p, _ in shaky
        ]
        return (
            f"Not named as stable: {'; '.join(parts)} of {RESAMPLES} bootstrap resamples "
            f"(stable: at least {STABLE_SHARE:.0%}); raise N to settle the ranking."
        )

    def to_dict(self, scenario: Scenario) -> dict[str, Any]:
        """The ``sensitivity.json`` document (``docs/output-format.md``), with extra context keys."""
        return {
            "method": self.design.method,
            "worlds": self.worlds,
            "events": self.indices,
            "parameters": list(self.design.parameters),
            "rows": self.design.rows,
            "replicates": self.replicates,
            "seed": self.design.seed,
            "n": self.design.n,
            "chunk_rows": rows_per_chunk(self.replicates),
            "scenario": {
                "name": scenario.name,
                "path": str(scenario.path or ""),
                "sha256": scenario.sha256(),
            },
            "drivers": self.drivers(),
            "noise": self.noise,
            "crn": self.crn,
            "stability": self.stability,
            "rank_bootstrap": {"resamples": RESAMPLES, "top_k": TOP_K, "stable_share": STABLE_SHARE},
            "skipped": self.skipped,
            "negsim_version": __version__,
        }


def run_sensitivity(
    scenario: Scenario,
    *,
    method: Method,
    n: int | None = None,
    replicates: int = DEFAULT_REPLICATES,
    seed: int = 0,
    events: Sequence[str] | None = None,
    executor: cf.Executor | None = None,
    progress: Callable[[int], None] | None = None,
    agents: Agents = None,
    crn: bool = True,
) -> SensitivityResult:
    """Sample the scenario's uncertain parameters, play every row and analyse each event.

    Args:
        scenario: The scenario; its uncertain parameters are the ones varied.
        method: ``"sobol"`` (variance-based; N should be a power of 2) or ``"morris"`` (screening,
            N trajectories).
        n: Base sample size (default 512 for Sobol, 64 for Morris).
        replicates: Worlds per sample row (the event's share over them is the row's output).
        seed: Seeds the sample, the worlds and the bootstrap intervals.
        events: Event keys to analyse (default :func:`default_events`).
        executor: Where chunks run (None: this process).
        progress: Called with the number of worlds each time a chunk finishes.
        agents: The model variant's agent classes (None: ``PartyAgent`` for every party).
        crn: Common random numbers across sample rows: every row plays the same ``replicates``
            worlds, so rows differ only by their parameters and the noise floor drops. The floor
            is then estimated from the least influential parameter (the binomial estimate used
            otherwise assumes independent rows).

    Raises:
        UserError: No uncertain parameters, an unknown method or event, or a bad size.
    """
    design, events = prepare(
        scenario, method=method, n=n, replicates=replicates, seed=seed, events=events, agents=agents
    )
    y = evaluate(
        scenario,
        design,
        events,
        replicates=replicates,
        executor=executor,
        progress=progress,
        agents=agents,
        crn=crn,
    )
    x = design.sample()
    indices, noise, skipped, ranks = {}, {}, {}, {}
    for j, event in enumerate(events):
        col = y[:, j]
        if np.ptp(col) == 0:
            skipped[event] = f"its share is {col[0]:.0%} in every sample row (no variance to explain)"
            continue
        indices[event] = _analyse(design, x, col)
        noise[event] = _noise_crn(design, indices[event]) if crn else _noise(design, col, replicates)
        ranks[event] = stability(design, x, col)
    return SensitivityResult(design, replicates, indices, noise, skipped, crn=crn, stability=ranks)


def _analyse(design: Design, x: np.ndarray, y: np.ndarray) -> dict[str, dict[str, float | None]]:
    # SALib's Sobol analysis falls back to numpy's global random state when seed is 0 or None,
    # so the bootstrap is always given a nonzero seed derived from ours.
    boot = int(np.random.SeedSequence([design.seed, 1]).generate_state(1)[0]) or 1
    if design.method == "sobol":
        from SALib.analyze import sobol

        with warnings.catch_warnings():
            # Bootstrap resamples of a rare event can be constant; the noise share already says
            # how little such an event's indices mean.
            warnings.filterwarnings("ignore", message="Constant values encountered", category=UserWarning)
            si = sobol.analyze(design.problem, y, calc_second_order=False, seed=boot)
        keys: tuple[str, ...] = ("S1", "S1_conf", "ST", "ST_conf")
    else:
        from SALib.analyze import morris

        si = morris.analyze(design.problem, x, y, num_levels=MORRIS_LEVELS, seed=boot)
        keys = ("mu_star", "mu_star_conf", "sigma")
    return {name: {k: _number(si[k][i]) for k in keys} for i, name in enumerate(design.parameters)}


def _noise(design: Design, y: np.ndarray, replicates: int) -> dict[str, float | None]:
    """How much of the output's spread is replicate noise (None with a single replicate)."""
    if replicates < 2:
        return {"variance": None, "share": None}
    # Unbiased estimate of the variance of a share of R Bernoulli worlds: p(1-p)/(R-1) per row.
    var = float(np.mean(y * (1 - y)) / (replicates - 1))
    out: dict[str, float | None] = {"variance": _number(var), "share": _number(min(1.0, var / y.var()))}
    if design.method == "morris":
        # An irrelevant parameter's elementary effects are differences of two noisy rows over the
        # step Delta, so its mu* is about E|N(0, 2 var)| / Delta.
        delta = MORRIS_LEVELS / (2 * (MORRIS_LEVELS - 1))
        out["mu_star_floor"] = _number(math.sqrt(2 * var) * math.sqrt(2 / math.pi) / delta)
    return out


def _noise_crn(design: Design, indices: dict[str, dict[str, float | None]]) -> dict[str, float | None]:
    """The noise floor on common random numbers: the least influential parameter's index.

    Rows share their worlds, so replicate noise no longer adds the same amount to every index;
    the smallest index bounds what noise adds to an index of a parameter that does nothing."""
    if design.method == "sobol":
        smallest = min(max(0.0, v["ST"] or 0.0) for v in indices.values())
        return {"variance": None, "share": _number(min(1.0, smallest))}
    smallest = min((v["mu_star"] or 0.0) for v in indices.values())
    return {"variance": None, "share": None, "mu_star_floor": _number(smallest)}


def _number(v: float) -> float | None:
    v = float(v)
    return None if math.isnan(v) else round(v, 6)


# --- output -------------------------------------------------------------------------------------


def write_outputs(result: SensitivityResult, scenario: Scenario, out: Path) -> Path:
    """Write ``out/sensitivity.json``; the figures are ``figures.sensitivity.write_figures``'."""
    out.mkdir(parents=True, exist_ok=True)
    write_text(out / "sensitivity.json", json.dumps(result.to_dict(scenario), indent=2) + "\n")
    return out / "sensitivity.json"


# --- command line -------------------------------------------------------------------------------
