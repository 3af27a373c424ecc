"""A model variant (custom agent classes) survives --resume, sweep and sensitivity (issue #10)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from simulator.analysis.design import Design, evaluate
from simulator.analysis.sweep import sweep
from simulator.api import resume as resume_run
from simulator.api import start_run
from simulator.engine.variant import agents_from_spec, agents_spec
from simulator.errors import UserError
from simulator.model.agents import PartyAgent
from tests.conftest import TWO_PARTY, two_party

LEADER = 3


class AlwaysLeaderAlpha(PartyAgent):
    def choose_level(self, announced, noise):
        return np.full(self.model.worlds, LEADER, dtype=np.int8)


AGENTS = {"alpha": AlwaysLeaderAlpha}


class AlwaysMinisterAlpha(PartyAgent):
    def choose_level(self, announced, noise):
        return np.full(self.model.worlds, 2, dtype=np.int8)


MINISTER_AGENTS = {"alpha": AlwaysMinisterAlpha}


def test_spec_round_trips_to_the_same_classes() -> None:
    spec = agents_spec(AGENTS)
    assert spec == {"alpha": f"{__name__}:AlwaysLeaderAlpha"}
    assert agents_from_spec(spec) == AGENTS
    assert agents_spec(None) == {} and agents_from_spec({}) is None


def test_a_spec_naming_no_agent_class_is_a_clear_error() -> None:
    with pytest.raises(UserError, match="cannot be imported"):
        agents_from_spec({"alpha": "no_such_module:Agent"})
    with pytest.raises(UserError, match="not a PartyAgent"):
        agents_from_spec({"alpha": "pathlib:Path"})


def test_custom_agents_survive_resume(tmp_path: Path) -> None:
    out = tmp_path / "run"
    finished: list[int] = []

    def interrupt_after_one_chunk(n: int) -> None:
        finished.append(n)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        start_run(
            two_party(),
            out,
            runs=400,
            seed=0,
            chunk_size=100,
            agents=AGENTS,
            progress=interrupt_after_one_chunk,
            figures=False,
        )
    assert not (out / "summary.json").exists()
    manifest = json.loads((out / ".negsim" / "manifest.json").read_text())
    assert manifest["agents"] == agents_spec(AGENTS)
    summary = resume_run(out, figures=False).summary
    assert summary["runs"] == 400
    assert summary["events"]["level.alpha.leader"]["p"] == 1.0
    with pytest.raises(UserError, match="no interrupted run"):
        resume_run(tmp_path / "empty")


def test_resume_refuses_other_agents_than_recorded(tmp_path: Path) -> None:
    out = tmp_path / "run"

    def stop(n: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        start_run(two_party(), out, runs=200, seed=0, chunk_size=100, progress=stop, figures=False)
    with pytest.raises(UserError, match="started with agents PartyAgent"):
        resume_run(out, agents=AGENTS, figures=False)


def test_custom_agents_reach_every_sweep_point() -> None:
    result = sweep(TWO_PARTY, ["protocol.rounds=1:3:2"], runs=50, seed=1, agents=MINISTER_AGENTS)
    assert result.table.column("level.alpha.minister").to_pylist() == [1.0, 1.0]
    plain = sweep(TWO_PARTY, ["protocol.rounds=1:3:2"], runs=50, seed=1)
    assert plain.table.column("level.alpha.minister").to_pylist() != [1.0, 1.0]


def test_custom_agents_reach_every_sensitivity_row() -> None:
    scenario = two_party()
    design = Design("morris", tuple(scenario.uncertain_parameters()), 2, 0)
    y = evaluate(scenario, design, ["level.alpha.leader"], replicates=4, agents=AGENTS)
    assert y.shape == (design.rows, 1) and (y == 1.0).all()
