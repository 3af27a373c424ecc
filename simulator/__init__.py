"""negsim: a diplomatic-negotiation scenario simulator built on Mesa.

The public API that notebooks and scripts use is re-exported here (``__all__``); everything else
is internal and may change.

Example:
    >>> from simulator import load_scenario, NegotiationModel
    >>> scenario = load_scenario("scenarios/istanbul_2025.yaml")  # doctest: +SKIP
    >>> model = NegotiationModel(scenario, worlds=1000, rng=0).run()  # doctest: +SKIP
"""

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
