"""Fitted ensemble weights a scenario can name: ``protocol: {kind: ensemble, members: deu3_v1}``.

A name resolves to the weights stored in a versioned package file under
``simulator/analysis/fitted/`` (written by ``benchmarks/fit_ensemble_weights.py``, with how they
were fitted). Only the file is read, as package data: the scenario layer imports nothing from
``simulator.analysis``. Members whose fitted weight is 0 are left out (a member's weight must be
positive), so a fit that gives ``single_text`` no weight makes an ensemble without it.
"""

from __future__ import annotations

import json
from importlib import resources

#: Names a scenario may give as ``protocol.members``, and the file each reads.
FITTED_MEMBERS = {"deu3_v1": "ensemble_weights_v1.json"}


def fitted_members(name: str) -> dict[str, float]:
    """The positive member weights stored under ``name`` (see :data:`FITTED_MEMBERS`).

    Raises:
        ValueError: For an unknown name (the message lists the known ones).
    """
    if name not in FITTED_MEMBERS:
        known = ", ".join(sorted(FITTED_MEMBERS))
        raise ValueError(
            f"unknown fitted weights {name!r}: give a mapping of members to weights, or one of {known}"
        )
    path = resources.files("simulator").joinpath("analysis", "fitted", FITTED_MEMBERS[name])
    weights = json.loads(path.read_text(encoding="utf-8"))["weights"]
    return {str(k): float(v) for k, v in weights.items() if float(v) > 0}
