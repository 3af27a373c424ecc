"""Talks protocols: one module per theory of bargaining, each registered under its ``kind``.

``base`` holds the interface and the registry; importing this package registers every protocol.
The numerical cores of the expected-utility model, the Nash solution and the compromise model
live beside them (``expected_utility``, ``nash``, ``compromise``); the expected-utility protocol
itself is ``eum_protocol``, and the single-text procedure's parts are ``single_text_parts``. The
default protocol, ``offers`` (offers and responses under private values), is built from
``offer_parts``.
"""

from simulator.model.protocols import (  # noqa: F401  (each import registers a protocol)
    compromise,
    ensemble,
    eum_protocol,
    nash,
    offers,
    single_text,
)
