"""The ``negsim`` command line: parse, call the Python API, print. Nothing else imports it.

The entry point is ``simulator.cli:main``; the parser lives in ``app`` (not ``main``, so that the
function exported here does not shadow a submodule of the same name).
"""

from simulator.cli.app import main

__all__ = ["main"]
