"""negsim: a diplomatic-negotiation scenario simulator built on Mesa.

The public API that notebooks and scripts use is re-exported here (``__all__``); everything else
is internal and may change. Names are imported on first use (PEP 562), so that ``negsim --help``
and ``negsim validate`` do not pay for Mesa, SciPy, matplotlib or pyarrow.

Example:
    >>> from simulator import run, load_scenario, NegotiationModel
    >>> results = run("istanbul_2025", runs=1000, seed=0)  # a shipped scenario, by name  # doctest: +SKIP
    >>> results.summary["events"]["talks.direct"]["p"]  # doctest: +SKIP
    >>> model = NegotiationModel(load_scenario("istanbul_2025"), worlds=1, rng=0)  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from simulator._version import __version__

if TYPE_CHECKING:
    from simulator.analysis.compare import compare_scenarios
    from simulator.analysis.discovery import DiscoveryResult, discover, discover_worlds
    from simulator.analysis.sensitivity import SensitivityResult, run_sensitivity
    from simulator.analysis.sweep import SweepResult, sweep
    from simulator.api import Plots, Results, RunOutput, open_run, run, start_run
    from simulator.engine.ensemble import run_ensemble
    from simulator.engine.tally import Tally, events_of, wilson
    from simulator.errors import Problem, ScenarioError, UserError
    from simulator.model.agents import PartyAgent
    from simulator.model.model import NegotiationModel
    from simulator.scenario.events import OUTCOMES, Outcome
    from simulator.scenario.load import load_scenario
    from simulator.scenario.params import Param, Source
    from simulator.scenario.schema import LEVELS, Level, Scenario

# Every public name and the module it comes from.
_EXPORTS: dict[str, str] = {
    "Plots": "simulator.api",
    "Results": "simulator.api",
    "open_run": "simulator.api",
    "compare_scenarios": "simulator.analysis.compare",
    "DiscoveryResult": "simulator.analysis.discovery",
    "discover": "simulator.analysis.discovery",
    "discover_worlds": "simulator.analysis.discovery",
    "SensitivityResult": "simulator.analysis.sensitivity",
    "run_sensitivity": "simulator.analysis.sensitivity",
    "SweepResult": "simulator.analysis.sweep",
    "sweep": "simulator.analysis.sweep",
    "run_ensemble": "simulator.engine.ensemble",
    "RunOutput": "simulator.api",
    "run": "simulator.api",
    "start_run": "simulator.api",
    "Tally": "simulator.engine.tally",
    "events_of": "simulator.engine.tally",
    "wilson": "simulator.engine.tally",
    "Problem": "simulator.errors",
    "ScenarioError": "simulator.errors",
    "UserError": "simulator.errors",
    "PartyAgent": "simulator.model.agents",
    "OUTCOMES": "simulator.scenario.events",
    "Outcome": "simulator.scenario.events",
    "NegotiationModel": "simulator.model.model",
    "load_scenario": "simulator.scenario.load",
    "Param": "simulator.scenario.params",
    "Source": "simulator.scenario.params",
    "LEVELS": "simulator.scenario.schema",
    "Level": "simulator.scenario.schema",
    "Scenario": "simulator.scenario.schema",
}

__all__ = [
    "LEVELS",
    "OUTCOMES",
    "DiscoveryResult",
    "Level",
    "NegotiationModel",
    "Outcome",
    "Param",
    "PartyAgent",
    "Plots",
    "Problem",
    "Results",
    "RunOutput",
    "Scenario",
    "ScenarioError",
    "SensitivityResult",
    "Source",
    "SweepResult",
    "Tally",
    "UserError",
    "__version__",
    "compare_scenarios",
    "discover",
    "discover_worlds",
    "events_of",
    "load_scenario",
    "open_run",
    "run",
    "run_ensemble",
    "run_sensitivity",
    "start_run",
    "sweep",
    "wilson",
]


def __getattr__(name: str) -> Any:
    """Import a public name on first use and keep it (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'simulator' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
