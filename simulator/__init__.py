"""negsim: a diplomatic-negotiation scenario simulator built on Mesa.

The public API that notebooks and scripts use is re-exported here (``__all__``); everything else
is internal and may change.

Example:
    >>> from simulator import load_scenario, NegotiationModel
    >>> scenario = load_scenario("scenarios/istanbul_2025.yaml")  # doctest: +SKIP
    >>> model = NegotiationModel(scenario, worlds=1000, rng=0).run()  # doctest: +SKIP
"""

import os as _os
import sys as _sys

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
from simulator.analysis.compare import compare_scenarios
from simulator.analysis.sensitivity import SensitivityResult, run_sensitivity
from simulator.analysis.sweep import SweepResult, sweep
from simulator.engine.ensemble import run_ensemble
from simulator.engine.rundir import RunOutput, start_run
from simulator.engine.tally import Tally, events_of, wilson
from simulator.errors import Problem, ScenarioError, UserError
from simulator.model.agents import PartyAgent
from simulator.model.model import OUTCOMES, NegotiationModel
from simulator.scenario.load import load_scenario
from simulator.scenario.params import Param, Source
from simulator.scenario.schema import LEVELS, Level, Scenario

__all__ = [
    "LEVELS",
    "OUTCOMES",
    "Level",
    "NegotiationModel",
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
    "run_ensemble",
    "run_sensitivity",
    "start_run",
    "sweep",
    "wilson",
]
