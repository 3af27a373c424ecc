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


RUNS = Path(__file__).parents[1] / "runs"


def _runs() -> set[str]:
    return {p.name for p in RUNS.iterdir()} if RUNS.is_dir() else set()


@pytest.fixture(scope="session", autouse=True)
def nothing_left_in_the_checkouts_runs() -> object:
    """A command without ``--out`` writes ``runs/<name>-<time>/`` in the working folder: a test must
    give ``--out`` under ``tmp_path`` or change folder first, never leave one in the checkout."""
    before = _runs()
    yield
    left = sorted(_runs() - before)
    assert not left, f"tests left run folders in {RUNS}: {', '.join(left)}"
