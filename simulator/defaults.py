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
