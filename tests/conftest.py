"""Shared fixtures: test data is found relative to this file, never the working folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.scenario.load import load_scenario
from simulator.scenario.schema import Scenario

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parents[1]
TWO_PARTY = DATA / "two_party.yaml"


def two_party(*overrides: str) -> Scenario:
    """The small test scenario, with ``--set``-style overrides."""
    return load_scenario(TWO_PARTY, list(overrides))


@pytest.fixture
def scenario() -> Scenario:
    return two_party()
