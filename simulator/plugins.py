"""Where talks protocols are found: one registry, filled from the built-in package and entry points.

Every layer needs to know the protocols by ``kind``: the scenario schema checks ``protocol.kind``
and each protocol's own limits (:meth:`check`), the model plays them, the tally asks which have
walk-outs. The classes live in the model layer (:mod:`simulator.model.protocols`), so this
registry sits outside the layers and finds them by module name, the way an entry point is
found: the built-in package is imported by name (each module in it registers its protocol with
``@register``), then every entry point of the group ``negsim.protocols`` is loaded, so a package
installed beside negsim adds a protocol without editing negsim::

    [project.entry-points."negsim.protocols"]
    my_kind = "my_package.my_module:MyProtocol"

An entry point may name the class (registered here if its module did not) or just the module.
A test or notebook registers a class directly with :func:`register`.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from importlib.metadata import entry_points
from typing import Any

#: The entry-point group other packages register protocols under.
GROUP = "negsim.protocols"
#: The package whose modules hold the built-in protocols (imported by name: see the module doc).
BUILTIN = "simulator.model.protocols"

#: A validation problem: where in the scenario (a key path) and what.
Problem = tuple[tuple[str | int, ...], str]


_REGISTRY: dict[str, type[Any]] = {}
_discovered = False


def register[T: type[Any]](cls: T) -> T:
    """Make ``cls`` available under its ``kind`` (a class decorator; a later class replaces one of
    the same kind, so a test can swap a protocol in)."""
    kind = getattr(cls, "kind", None)
    if not isinstance(kind, str) or not kind:
        raise TypeError(f"{cls.__name__} needs a class attribute 'kind' (a non-empty string)")
    _REGISTRY[kind] = cls
    return cls


def unregister(kind: str) -> None:
    """Remove ``kind`` (for tests that registered a toy protocol)."""
    _REGISTRY.pop(kind, None)


def protocols() -> dict[str, type[Any]]:
    """Every registered protocol class by kind (the built-ins and entry points found on first use)."""
    global _discovered
    if not _discovered:
        _discovered = True
        importlib.import_module(BUILTIN)
        for ep in entry_points(group=GROUP):
            loaded = ep.load()
            if isinstance(loaded, type) and getattr(loaded, "kind", None) not in _REGISTRY:
                register(loaded)
    return _REGISTRY


def kinds() -> list[str]:
    """The registered kinds, sorted."""
    return sorted(protocols())


def protocol_class(kind: str) -> type[Any]:
    """The class registered under ``kind`` (KeyError naming the known kinds otherwise)."""
    found = protocols()
    if kind not in found:
        raise KeyError(f"unknown protocol kind '{kind}' (known: {', '.join(sorted(found))})")
    return found[kind]


def walkouts(kinds_played: Iterable[str]) -> bool:
    """Whether every protocol in ``kinds_played`` lets a principal walk out."""
    return all(bool(protocol_class(k).walkouts) for k in kinds_played)
