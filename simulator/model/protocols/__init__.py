"""Talks protocols: one module per theory of bargaining, each registered under its ``kind``.

``base`` holds the interface and the registry; importing this package registers every protocol.
The numerical cores of the expected-utility model, the Nash solution and the compromise model
live beside them (``expected_utility``, ``nash``, ``compromise``).
"""

from simulator.model.protocols import (  # noqa: F401  (each import registers a protocol)
    compromise,
    ensemble,
    expected_utility,
    nash,
    single_text,
)
