"""Readers of external datasets (DEU III, ...) into typed, line-located records.

Importers depend on nothing in the simulator except :mod:`simulator.errors`, so that a malformed
file is reported like a malformed scenario: ``path:line:col: message`` and exit code 2.
"""
