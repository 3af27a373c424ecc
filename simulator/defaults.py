"""Defaults and examples the command line needs before it loads anything heavy.

``negsim --help`` builds every subcommand's parser; keeping these constants here (and not in the
analysis modules, which import Mesa, SciPy and pyarrow) keeps ``--help`` fast.
"""

from __future__ import annotations

from typing import Literal

# A parameter of the shipped baseline (scenarios/istanbul_2025.yaml), as --set and --param take it.
EXAMPLE_KEY = "parties.russia.attendance.leader_cost"
SWEEP_EXAMPLE = f"{EXAMPLE_KEY}=0:0.6:7"
LHS_EXAMPLE = f"{EXAMPLE_KEY}=0:0.6"

Method = Literal["sobol", "morris"]
METHODS: tuple[Method, ...] = ("sobol", "morris")
DEFAULT_N: dict[str, int] = {"sobol": 512, "morris": 64}
DEFAULT_REPLICATES = 16

#: ``negsim discover``: refused below this many worlds where the event happens (or fails to), and
#: PRIM's chosen box holds at least this share of the event's worlds (see analysis/discovery.py).
DISCOVERY_MIN_EVENT_WORLDS = 30
DISCOVERY_MIN_COVERAGE = 0.5
