"""Issue #25, item 2: the Python API a notebook user expects.

Shipped scenarios load by name from any folder; :func:`simulator.run` returns results with
``.summary`` (the very ``summary.json``), ``.worlds`` (named categories, not codes), ``.events`` and
``.plot.<figure>()``; one world stepped through tells its story by name.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

import simulator
from simulator import NegotiationModel, Results, UserError, load_scenario, open_run, run
from simulator.figures.names import RUN_FIGURES

LEVEL_NAMES = ["absent", "official", "minister", "leader"]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Results:
    return run("istanbul_2025", tmp_path_factory.mktemp("api") / "run", runs=400, seed=3, figures=False)


def test_a_shipped_scenario_loads_by_name_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    scenario = load_scenario("istanbul_2025")
    assert {"russia", "ukraine"} <= set(scenario.parties)
    assert scenario.path is not None and scenario.path.is_file()
    assert load_scenario("whatif_putin_attends").name.startswith("What-if")


def test_a_wrong_name_is_one_clear_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UserError) as info:
        load_scenario("whatif_putin")
    assert "did you mean 'whatif_putin_attends'?" in str(info.value)
    assert "\n" not in str(info.value)


def test_summary_is_the_summary_json_document(results: Results) -> None:
    on_disk = json.loads((results.out / "summary.json").read_text(encoding="utf-8"))
    assert results.summary == on_disk
    assert results.summary["runs"] == 400 and results.summary["seed"] == 3
    assert results.p("talks.direct") == on_disk["events"]["talks.direct"]["p"]
    with pytest.raises(KeyError, match=r"did you mean 'talks\.direct'"):
        results.p("talks.dirct")


def test_worlds_has_named_categories(results: Results) -> None:
    worlds = results.worlds
    assert isinstance(worlds, pd.DataFrame) and len(worlds) == 400
    level = worlds["level.russia"]
    assert isinstance(level.dtype, pd.CategoricalDtype)
    assert level.cat.categories.tolist() == LEVEL_NAMES
    assert set(level.unique()) <= set(LEVEL_NAMES)
    assert worlds["outcome"].cat.categories.tolist() == list(simulator.OUTCOMES)
    # The share of worlds with Russia's leader there is the summary's probability.
    assert (level == "leader").mean() == pytest.approx(results.p("level.russia.leader"))


def test_events_table(results: Results) -> None:
    events = results.events
    assert list(events.columns) == ["p", "lo", "hi", "count"]
    row = events.loc["talks.direct"]
    assert row["lo"] <= row["p"] <= row["hi"]
    assert len(events) == len(results.summary["events"])


@pytest.mark.slow
def test_plot_draws_each_figure_without_writing(results: Results) -> None:
    for name in RUN_FIGURES:
        fig = getattr(results.plot, name)()
        assert isinstance(fig, Figure) and fig.axes, name
    assert not (results.out / "figures").exists()  # drawn on demand, nothing written
    with pytest.raises(UserError, match="no figure 'campaign'"):
        results.plot.campaign()


def test_open_run_reads_a_folder_back(results: Results) -> None:
    again = open_run(results.out)
    assert again.summary == results.summary
    assert again.worlds.equals(results.worlds)
    assert again.scenario.sha256() == results.summary["scenario"]["sha256"]


def test_run_into_a_temporary_folder_with_overrides() -> None:
    path = "parties.russia.attendance.legitimacy_cost=0"
    done = run("istanbul_2025", runs=200, seed=1, figures=False, overrides=[path])
    assert done.out.is_dir() and (done.out / "worlds.parquet").is_file()
    assert done.scenario.parameters()["parties.russia.attendance.legitimacy_cost"].value == 0


def test_one_world_step_by_step_gives_names() -> None:
    model = NegotiationModel(load_scenario("istanbul_2025"), worlds=1, rng=7)
    start = model.world()
    assert start["phase"] is None
    assert start["announced.russia"] in LEVEL_NAMES
    model.step()
    after = model.world()
    assert after["phase"] == "attendance"
    assert after["level.russia"] in LEVEL_NAMES
    model.run()
    end = model.world()
    assert end["outcome"] in simulator.OUTCOMES
    assert isinstance(end["talks.direct"], bool)
    assert not any(k.startswith("param.") for k in end)
    assert any(k.startswith("param.") for k in model.world(params=True))
    with pytest.raises(IndexError):
        model.world(1)
