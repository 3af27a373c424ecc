"""Talks protocols: one module per theory of bargaining, each registered under its ``kind``.

``base`` holds the interface; importing this package imports every module in it, and each
protocol module registers its class with ``@register`` (so a new protocol is one new module here,
or a package with a ``negsim.protocols`` entry point: :mod:`simulator.plugins`). The numerical
cores of the expected-utility model, the Nash solution and the compromise model live beside them
(``expected_utility``, ``nash``, ``compromise``); the expected-utility protocol itself is
``eum_protocol``. The default protocol is ``offers`` (offers and responses under private values, built from
``packages``, ``beliefs`` and ``moves``); ``single_text`` stays for comparison.
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
