"""negsim: a diplomatic-negotiation scenario simulator built on Mesa.

The public API that notebooks and scripts use is re-exported here (``__all__``); everything else
is internal and may change.

Example:
    >>> from simulator import load_scenario, NegotiationModel
    >>> scenario = load_scenario("scenarios/istanbul_2025.yaml")  # doctest: +SKIP
    >>> model = NegotiationModel(scenario, worlds=1000, rng=0).run()  # doctest: +SKIP
"""

__version__ = "0.1.0"

from simulator.agents import PartyAgent
from simulator.compare import compare_scenarios
from simulator.ensemble import run_ensemble
from simulator.errors import Problem, ScenarioError, UserError
from simulator.loading import load_scenario
from simulator.model import OUTCOMES, NegotiationModel
from simulator.params import Param, Source
from simulator.results import Tally, events_of, wilson
from simulator.runner import RunOutput, start_run
from simulator.scenario import LEVELS, Level, Scenario

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
    "Source",
    "Tally",
    "UserError",
    "__version__",
    "compare_scenarios",
    "events_of",
    "load_scenario",
    "run_ensemble",
    "start_run",
    "wilson",
]
