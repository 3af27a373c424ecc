"""negsim: a diplomatic-negotiation scenario simulator built on Mesa.

The public API that notebooks and scripts use is re-exported here (``__all__``); everything else
is internal and may change. Names are imported on first use (PEP 562), so that ``negsim --help``
and ``negsim validate`` do not pay for Mesa, SciPy, matplotlib or pyarrow.

Example:
    >>> from simulator import load_scenario, NegotiationModel
    >>> scenario = load_scenario("scenarios/istanbul_2025.yaml")  # doctest: +SKIP
    >>> model = NegotiationModel(scenario, worlds=1000, rng=0).run()  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import os as _os
import sys as _sys
from typing import TYPE_CHECKING, Any

if _sys.argv and _os.path.basename(_sys.argv[0]) == "negsim":  # pragma: no cover - the console script
    # Before the 1-2 s of imports below: Ctrl-C or SIGTERM now ends negsim quietly with 130 (its
    # main() installs the handlers that keep finished chunks once a command is running).
    import signal as _signal

    def _early_exit(signum: int, frame: object) -> None:
        _os.write(2, b"negsim: interrupted\n")
        _os._exit(130)

    _signal.signal(_signal.SIGINT, _early_exit)
    _signal.signal(_signal.SIGTERM, _early_exit)

from simulator._version import __version__

if TYPE_CHECKING:
    from simulator.analysis.compare import compare_scenarios
    from simulator.analysis.sensitivity import SensitivityResult, run_sensitivity
    from simulator.analysis.sweep import SweepResult, sweep
    from simulator.api import RunOutput, run, start_run
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
    "compare_scenarios": "simulator.analysis.compare",
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
    "Level",
    "NegotiationModel",
    "Outcome",
    "Param",
    "PartyAgent",
    "Problem",
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
    "events_of",
    "load_scenario",
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
