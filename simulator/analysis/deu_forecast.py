"""negsim's forecast of a DEU issue: a distribution over simulated worlds.

Why a mixture: DEU outcomes are lumpy. About 60% of them sit exactly on some actor's position
(often the Commission's, a large state's, or an end of the scale), the rest in between. A point
model (the compromise mean) cannot express that, and its intervals are empty. Per world we:

1. draw how much each actor really weighs: capability x salience times a lognormal factor
   (``salience_sd``): interview-coded saliences are noisy;
2. draft a text: with probability ``p_compromise`` the text of the world's member protocol under
   those weights plus Gaussian noise (``compromise_sd``, bargaining that is not modelled),
   otherwise the position of one actor who "wins" the issue, drawn with probability proportional
   to its weight to the power ``winner_power``. The member is drawn per world by the ensemble's
   weights (:func:`simulator.model.protocols.ensemble.assignment`, from the last uniform draws, so
   every member sees the same worlds): ``compromise``, ``expected_utility`` or ``nash``, each the
   core its protocol calls (:mod:`simulator.analysis.deu_members`); the weights are fitted by
   CRPS (``benchmarks/fit_ensemble_weights.py``, ``fitted/ensemble_weights_v1.json``);
3. if ``use_rule``, the decision rule of the proposal (Council QMV with Nice weights or the
   double majority, unanimity, co-decision with the Parliament) decides: a text the rule would
   reject against the reversion point is redrafted by the agenda setter into the nearest
   adoptable one; voters' ideals are the coded positions plus noise (``position_sd``);

The forecast's median is scored for MAE, its samples for CRPS and coverage. The parameters are
fitted on the training half only, by cross-validation by proposal (``benchmarks/fit_deu3.py``),
and stored in ``simulator/analysis/fitted/deu3_v2.json`` with how they were fitted (``deu3_v1.json``:
the same fit for the compromise core alone, before the members were mixed).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from importlib import resources

import numpy as np
from numpy.typing import NDArray

from simulator.analysis.deu_baselines import salience_weights
from simulator.analysis.deu_members import (
    MEMBERS,
    adoptable,
    compromise_outcome,
    eum_outcome,
    eum_positions,
    nash_outcome,
)
from simulator.model.protocols.ensemble import assignment
from simulator.scenario.importers.deu3 import Deu3Dataset, Deu3Issue
from simulator.scenario.importers.deu3_scenarios import proposal_scenario, proposals
from simulator.scenario.rules import DecisionRule
from simulator.scenario.schema import Scenario

Array = NDArray[np.float64]
FITTED = "deu3_v2.json"
#: The fitted ensemble weights over :data:`~simulator.analysis.deu_members.MEMBERS`.
FITTED_WEIGHTS = "ensemble_weights_v1.json"
#: Quantile levels written to predictions.csv.
LEVELS = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)


@dataclass(frozen=True)
class ForecastParams:
    """The forecast's parameters (see the module docstring for what each does)."""

    p_compromise: float = 0.55
    winner_power: float = 0.5
    salience_sd: float = 0.3
    compromise_sd: float = 12.0
    position_sd: float = 10.0
    use_rule: bool = True
    spread: float = 1.0


def load_params(name: str = FITTED) -> ForecastParams:
    """The fitted parameters shipped with the package (``simulator/analysis/fitted/``)."""
    text = resources.files("simulator.analysis").joinpath("fitted", name).read_text(encoding="utf-8")
    return ForecastParams(**json.loads(text)["params"])


def fitted_record(name: str = FITTED_WEIGHTS) -> dict[str, object]:
    """The fitted ensemble-weights file shipped with the package, as stored."""
    text = resources.files("simulator.analysis").joinpath("fitted", name).read_text(encoding="utf-8")
    record: dict[str, object] = json.loads(text)
    return record


def load_weights(name: str = FITTED_WEIGHTS) -> dict[str, float]:
    """The fitted member weights over :data:`MEMBERS` (they sum to 1; zero weights kept)."""
    weights = fitted_record(name)["weights"]
    assert isinstance(weights, dict)
    return {m: float(weights.get(m, 0.0)) for m in MEMBERS}


@dataclass(frozen=True)
class IssueInput:
    """What one issue's forecast needs: positions, weights, reversion, and the proposal's rule."""

    issue: str
    actors: list[str]
    positions: Array
    weights: Array
    reversion: float
    rule: DecisionRule
    principals: list[str]
    eum_final: Array


COMPROMISE_ONLY = {"compromise": 1.0}


def issue_inputs(dataset: Deu3Dataset, issues: list[Deu3Issue] | None = None) -> list[IssueInput]:
    """Import each proposal in memory (as a validated scenario) and gather its issues' inputs.

    The rule comes from the imported scenario, so the benchmark uses the same rule a user would
    read in ``negsim import``'s YAML.
    """
    wanted = None if issues is None else {i.issue for i in issues}
    out: list[IssueInput] = []
    for group in proposals(dataset).values():
        chosen = [i for i in group if wanted is None or i.issue in wanted]
        if not chosen:
            continue
        scenario = Scenario.model_validate(proposal_scenario(dataset, group, dataset.path))
        rule, principals = scenario.protocol.rule, scenario.principals
        for issue in chosen:
            codes = [a.actor for a in issue.actors if a.position is not None]
            x = np.array([issue.actor(a).position for a in codes], float)
            s = np.array([issue.actor(a).salience or 0.0 for a in codes], float)
            c = np.array([issue.actor(a).capability or 0.0 for a in codes], float)
            w = salience_weights(x[None], s[None], c)[0]
            rp = np.nan if issue.reference_point is None else issue.reference_point
            final = eum_positions(x, np.nan_to_num(c), np.nan_to_num(s) / 100.0)
            out.append(IssueInput(issue.issue, codes, x, w, float(rp), rule, principals, final))
    return out


def member_samples(
    item: IssueInput, params: ForecastParams, worlds: int, seed: int, members: tuple[str, ...] = MEMBERS
) -> tuple[dict[str, Array], Array]:
    """Each member's ``worlds`` simulated outcomes of one issue (0-100), on common draws.

    Returns the samples by member and the uniform draws (drawn last) that assign worlds to members.
    """
    rng = np.random.default_rng(seed)
    x, w = item.positions, item.weights
    n = x.size
    mult = np.exp(params.salience_sd * rng.standard_normal((worlds, n)))
    ww = w[None, :] * mult
    xs = np.broadcast_to(x, (worlds, n))
    if w.sum() <= 0:
        ww = np.ones((worlds, n))
    bargaining = params.compromise_sd * rng.standard_normal(worlds)
    pw = ww**params.winner_power
    cum = np.cumsum(pw / pw.sum(axis=1, keepdims=True), axis=1)
    winner = x[np.minimum((rng.random(worlds)[:, None] > cum).sum(axis=1), n - 1)]
    drafted = rng.random(worlds) < params.p_compromise
    noise = rng.standard_normal((worlds, n))
    u = rng.random(worlds)
    cores = {
        "compromise": lambda: compromise_outcome(np.ascontiguousarray(xs), ww),
        "expected_utility": lambda: eum_outcome(item.eum_final, ww),
        "nash": lambda: nash_outcome(np.ascontiguousarray(xs), ww),
    }
    out: dict[str, Array] = {}
    for m in members:
        text = np.clip(np.where(drafted, cores[m]() + bargaining, winner), 0.0, 100.0)
        if params.use_rule and not np.isnan(item.reversion):
            ideals = np.clip(xs + params.position_sd * noise, 0.0, 100.0)
            text = adoptable(text, ideals, item.reversion, item.rule, item.actors, item.principals)
        out[m] = np.asarray(text, float)
    return out, u


def issue_samples(
    item: IssueInput,
    params: ForecastParams,
    worlds: int,
    seed: int,
    weights: dict[str, float] | None = None,
) -> Array:
    """``worlds`` simulated outcomes of one issue (0-100): each world plays one member, by weight.

    ``weights`` over :data:`MEMBERS` (default: the compromise core only); members with weight 0
    are not computed. The assignment uses the last draws, so the compromise-only forecast is
    unchanged by the members' existence.
    """
    weights = {m: v for m, v in (weights or COMPROMISE_ONLY).items() if v > 0}
    samples, u = member_samples(item, params, worlds, seed, tuple(weights))
    played = assignment(weights, u)
    stacked = np.stack([samples[m] for m in weights])
    text = stacked[played, np.arange(worlds)]
    return shrink(text, params.spread)


def shrink(samples: Array, spread: float) -> Array:
    """Samples pulled toward their median by ``spread`` (1: unchanged), a recalibration knob.

    Kept for experiments, shipped at 1: on the training half, shrinking moves the interval ends off
    the point masses where many outcomes sit exactly (0, 50, 100, an actor's position) and the 80%
    coverage collapses (0.91 at 1.0, 0.61 at 0.9). Calibration is instead part of the fit.
    """
    if spread == 1.0:
        return samples
    med = np.median(samples)
    return np.clip(med + spread * (samples - med), 0.0, 100.0)


def forecast(
    items: list[IssueInput],
    params: ForecastParams,
    worlds: int = 1000,
    seed: int = 0,
    weights: dict[str, float] | None = None,
) -> list[Array]:
    """Samples per issue; issue *k* uses seed ``(seed, k)`` so reruns and subsets agree."""
    return [issue_samples(it, params, worlds, issue_seed(seed, it.issue), weights) for it in items]


def issue_seed(seed: int, issue: str) -> int:
    """A stable per-issue seed (independent of the order issues are run in)."""
    return int(np.random.SeedSequence([seed, *issue.encode()]).generate_state(1)[0])


def quantile_table(samples: list[Array]) -> dict[str, Array]:
    """``median``, ``mean`` and ``q05``..``q95`` per issue, for predictions.csv."""
    out: dict[str, Array] = {
        "median": np.array([np.median(s) for s in samples]),
        "mean": np.array([np.mean(s) for s in samples]),
    }
    for level in LEVELS:
        if level != 0.5:
            out[f"q{round(level * 100):02d}"] = np.array([np.quantile(s, level) for s in samples])
    return out


def describe(params: ForecastParams) -> dict[str, object]:
    """The parameters as plain data (for benchmark.json and the fitted file)."""
    return asdict(params)
