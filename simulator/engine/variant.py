"""The model variant: which agent class plays each party, recorded so a resumed run keeps it.

A variant travels with every chunk to the worker processes, so its classes must be importable
there (defined in a module, not in ``__main__`` of a notebook cell that workers cannot import).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

from simulator.errors import UserError
from simulator.model.agents import PartyAgent

Agents = Mapping[str, type[PartyAgent]] | None
"""An agent class per party id (parties not named use ``PartyAgent``); None for all ``PartyAgent``."""


def agents_spec(agents: Agents) -> dict[str, str]:
    """The variant as ``{party: "module:QualName"}``, the form the run manifest records."""
    return {pid: f"{cls.__module__}:{cls.__qualname__}" for pid, cls in sorted((agents or {}).items())}


def agents_from_spec(spec: Mapping[str, str] | None) -> dict[str, type[PartyAgent]] | None:
    """The agent classes a manifest names (None when it names none).

    Raises:
        UserError: A class that cannot be imported, or that is not a ``PartyAgent``.
    """
    if not spec:
        return None
    agents: dict[str, type[PartyAgent]] = {}
    for pid, ref in spec.items():
        module, _, qualname = ref.partition(":")
        try:
            obj: object = importlib.import_module(module)
            for part in qualname.split("."):
                obj = getattr(obj, part)
        except (ImportError, AttributeError) as exc:
            raise UserError(
                f"agent class {ref} for {pid} cannot be imported to resume this run ({exc})"
            ) from None
        if not (isinstance(obj, type) and issubclass(obj, PartyAgent)):
            raise UserError(f"{ref} (agent for {pid}) is not a PartyAgent subclass")
        agents[pid] = obj
    return agents
