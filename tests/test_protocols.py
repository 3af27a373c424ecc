"""The expected-utility, Nash, compromise and ensemble protocols: hand-computed cases, the rule,
the model average's weighting and pairing, and the events each protocol reports."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from simulator.cli.app import main
from simulator.engine.tally import Tally, events_of, summary_dict, wilson
from simulator.errors import ScenarioError
from simulator.model.model import NegotiationModel
from simulator.model.protocols.base import RunCache, Table
from simulator.model.protocols.compromise import Compromise, weighted_mean
from simulator.model.protocols.ensemble import assignment
from simulator.model.protocols.eum_protocol import ExpectedUtility
from simulator.model.protocols.expected_utility import run_eum
from simulator.model.protocols.nash import Nash
from simulator.model.rules import accepts, unanimity
from simulator.scenario.load import load_scenario

ROOT = Path(__file__).parents[1]
ISTANBUL = ROOT / "scenarios" / "istanbul_2025.yaml"
EC = ROOT / "benchmarks" / "data" / "eum_ec_emissions" / "actors.csv"
MEMBERS = "protocol.members={single_text: 1, expected_utility: 1, nash: 1, compromise: 1}"


def _party(ideal, red_line, salience, reservation, capability):
    one = np.ones((1, len(ideal)))
    return SimpleNamespace(
        ideal=np.array(ideal, dtype=float) * one,
        red_line=np.array(red_line, dtype=float) * one,
        salience=np.array(salience, dtype=float) * one,
        reservation_value=lambda: np.array([reservation], dtype=float),
        power=lambda: np.array([capability], dtype=float),
    )


def _model(parties, principals=("a", "b"), agreement="issue_by_issue", k=1):
    spec = SimpleNamespace(
        principals=list(principals), protocol=SimpleNamespace(agreement=agreement, rounds=6), issues={}
    )
    return SimpleNamespace(
        parties=parties, spec=spec, issue_ids=[f"i{j}" for j in range(k)], worlds=1, cache=RunCache()
    )


def _table(held=True):
    h = np.array([held])
    return Table(held=h, leaders=h, mediated=h, formats={}, at_table={})


def test_rules_accept_within_red_lines_and_reservation_and_need_everyone():
    text = np.array([[0.45, 0.7]])
    # ideal 0, red line 0.5, B = 0.5: 0.45 is inside and worth 0.55; 0.7 is past the red line
    a = accepts(
        text,
        np.array([[0.0, 0.0]]),
        np.array([[0.5, 0.5]]),
        np.ones((1, 2)),
        np.array([0.5]),
        [np.array([0]), np.array([1])],
    )
    assert a.tolist() == [[True, False]]
    # worth 0.55 < B = 0.6: refused
    b = accepts(
        text,
        np.array([[0.0, 0.0]]),
        np.array([[1.0, 1.0]]),
        np.ones((1, 2)),
        np.array([0.6]),
        [np.array([0]), np.array([1])],
    )
    assert b.tolist() == [[False, False]]
    assert unanimity([a, np.ones((1, 2), dtype=bool)]).tolist() == [[True, False]]
    assert unanimity([a, b]).tolist() == [[False, False]]


def test_compromise_is_the_weighted_mean_and_the_rule_decides():
    # weights c*s = 1, 0.5, 2: mean (0*1 + 1*0.5 + 0.5*2) / 3.5 = 3/7
    parties = {
        "a": _party([0.0], [0.5], [1.0], 0.5, 1.0),
        "b": _party([1.0], [0.4], [0.5], 0.3, 1.0),
        "m": _party([0.5], [0.5], [1.0], 0.0, 2.0),
    }
    out = Compromise().negotiate(_model(parties), _table())
    assert out.text[0, 0] == pytest.approx(3 / 7)
    assert out.agreed.tolist() == [[True]] and out.walked is None
    parties["b"] = _party([1.0], [0.4], [0.5], 0.5, 1.0)  # 3/7 now worth 0.43 < 0.5 to b
    assert not Compromise().negotiate(_model(parties), _table()).agreed[0, 0]
    assert not Compromise().negotiate(_model(parties), _table(held=False)).agreed[0, 0]


def test_nash_splits_the_surplus_by_capability():
    # u_a = 1 - y, u_b = y, d = 0.2 each: equal powers -> 0.5; powers 1:3 -> u_a - 0.2 = 0.6/4
    parties = {"a": _party([0.0], [1.0], [1.0], 0.2, 1.0), "b": _party([1.0], [0.0], [1.0], 0.2, 1.0)}
    assert Nash().negotiate(_model(parties), _table()).text[0, 0] == pytest.approx(0.5)
    parties["b"] = _party([1.0], [0.0], [1.0], 0.2, 3.0)
    out = Nash().negotiate(_model(parties), _table())
    assert out.text[0, 0] == pytest.approx(0.65) and out.agreed[0, 0]
    parties["a"] = _party([0.0], [0.6], [1.0], 0.2, 1.0)  # 0.65 is past a's red line
    assert not Nash().negotiate(_model(parties), _table()).agreed[0, 0]
    parties["a"] = _party([0.0], [1.0], [1.0], 0.6, 1.0)  # d_a + d_b = 0.8 + ... no zone: 0.6 + 0.5 > 1
    parties["b"] = _party([1.0], [0.0], [1.0], 0.5, 1.0)
    out = Nash().negotiate(_model(parties), _table())
    assert np.isnan(out.text[0, 0]) and not out.agreed[0, 0]


def test_expected_utility_forecast_is_the_weighted_mean_after_the_rounds():
    parties = {
        "a": _party([0.0], [1.0], [0.9], 0.0, 1.0),
        "b": _party([1.0], [0.0], [0.6], 0.0, 0.5),
        "m": _party([0.4], [0.4], [0.8], 0.0, 2.0),
    }
    x, c, s = np.array([[0.0, 1.0, 0.4]]), np.array([1.0, 0.5, 2.0]), np.array([[0.9, 0.6, 0.8]])
    final = run_eum(x, c, s, 6, low=0.0, high=1.0).positions[-1]
    out = ExpectedUtility().negotiate(_model(parties), _table())
    assert out.text[0, 0] == pytest.approx(weighted_mean(final, c, s)[0])
    assert out.positions["a"][0, 0] == pytest.approx(final[0, 0]) and out.agreed[0, 0]


def test_schema_validates_members():
    with pytest.raises(ScenarioError, match="greater than 0"):
        load_scenario(ISTANBUL, ["protocol.kind=ensemble", "protocol.members={nash: 0}"])
    with pytest.raises(ScenarioError, match="members"):
        load_scenario(ISTANBUL, ["protocol.members={nash: 1}"])
    default = load_scenario(ISTANBUL, ["protocol.kind=ensemble"]).protocol.weights
    assert default == dict.fromkeys(["single_text", "expected_utility", "nash", "compromise"], 1.0)


def test_assignment_follows_the_weights():
    played = assignment({"a": 1.0, "b": 3.0}, np.random.default_rng(0).random(40_000))
    lo, hi = wilson(int((played == 1).sum()), played.size)
    assert lo <= 0.75 <= hi


@pytest.mark.slow
def test_ensemble_shares_pairing_and_events():
    worlds, seed = 4000, 11
    ens = load_scenario(ISTANBUL, ["protocol.kind=ensemble", MEMBERS])
    rec = NegotiationModel(ens, worlds=worlds, rng=seed).run().records()
    pure = (
        NegotiationModel(load_scenario(ISTANBUL, ["protocol.kind=single_text"]), worlds=worlds, rng=seed)
        .run()
        .records()
    )
    for m in range(4):
        lo, hi = wilson(int((rec["protocol"] == m).sum()), worlds)
        assert lo <= 0.25 <= hi
    st = rec["protocol"] == 0  # single_text
    for key in ("level.russia", "agreed.ceasefire", "walkout.ukraine", "outcome", "text.ceasefire"):
        np.testing.assert_array_equal(rec[key][st], pure[key][st])
    tally = Tally.of(ens, rec)
    doc = summary_dict(tally, scenario=ens, scenario_path="x", seed=seed, chunk_size=worlds, version="t")
    by = doc["stats"]["by_protocol"]
    assert set(by) == {"single_text", "expected_utility", "nash", "compromise"}
    assert "walkout.ukraine" in by["single_text"]["events"]
    assert "walkout.ukraine" not in by["nash"]["events"] and "outcome.collapse" not in by["nash"]["events"]
    # Yes/no events come from the process member (single_text, with walk-outs) in every world.
    assert "walkout.ukraine" in doc["events"]
    assert sum(v["runs"] for v in by.values()) == worlds
    assert Tally.from_json(tally.to_json()).groups["nash"].counts == tally.groups["nash"].counts


def test_a_protocol_without_walkouts_produces_no_walkout_events():
    sc = load_scenario(ISTANBUL, ["protocol.kind=compromise"])
    rec = NegotiationModel(sc, worlds=200, rng=3).run().records()
    ev = events_of(sc, rec)
    assert not any(k.startswith("walkout.") for k in ev) and "outcome.collapse" not in ev
    assert sum(ev[k].sum() for k in ev if k.startswith("outcome.")) == 200


def test_benchmark_eum_command(tmp_path, capsys):
    out = tmp_path / "eum.json"
    assert main(["benchmark", "eum", str(EC), "--rounds", "3", "--json", str(out)]) == 0
    rounds = json.loads(out.read_text())["rounds"]
    assert [r["round"] for r in rounds] == [0, 1, 2, 3] and "Belgium" in rounds[0]["positions"]
    bad = tmp_path / "bad.csv"
    bad.write_text("actor,c,x,s\nA,1,0.2,0.5\nB,oops,0.4,0.5\n")
    assert main(["benchmark", "eum", str(bad)]) == 2
    assert f"{bad}:3:2:" in capsys.readouterr().err


@pytest.mark.slow
def test_an_ensemble_run_writes_its_figures_and_reads_its_summary_back(tmp_path: Path) -> None:
    from simulator.api import start_run
    from simulator.engine.rundir import read_summary
    from tests.conftest import two_party

    scenario = two_party("protocol.kind=ensemble")
    result = start_run(scenario, tmp_path / "run", runs=400, seed=0, chunk_size=200, figures=True)
    assert result.figure_error is None
    assert (tmp_path / "run" / "figures" / "protocols.png").is_file()
    by_protocol = read_summary(tmp_path / "run")["stats"]["by_protocol"]
    assert set(by_protocol) == {"single_text", "expected_utility", "nash", "compromise"}


def test_a_forecast_only_member_contributes_no_yes_no_events():
    """Whether vs where (#20): compromise, Nash and the EUM say where a settlement lands; in a model
    average the yes/no events of their worlds come from a process member, and their own groups in
    stats.by_protocol hold no agreement or outcome events."""
    from simulator.model.protocols.ensemble import Ensemble

    worlds, seed = 2000, 5
    ens = load_scenario(ISTANBUL, ["protocol.kind=ensemble", MEMBERS])
    model = NegotiationModel(ens, worlds=worlds, rng=seed)
    played = Ensemble.played(model)
    whether = Ensemble.whether(model, played)
    assert (whether == 0).all()  # single_text, the only process member, decides every world
    assert (played != 0).sum() > worlds // 2  # ... though most worlds play a forecast-only member
    rec = model.run().records()
    tally = Tally.of(ens, rec)
    doc = summary_dict(tally, scenario=ens, scenario_path="x", seed=seed, chunk_size=worlds, version="t")
    by = doc["stats"]["by_protocol"]
    assert set(by) == {"single_text", "expected_utility", "nash", "compromise"}  # every member kept
    for kind in ("expected_utility", "nash", "compromise"):
        assert not any(k.startswith(("agreement.", "outcome.")) for k in by[kind]["events"]), kind
        assert "attend.russia" in by[kind]["events"]
    assert "agreement.ceasefire" in by["single_text"]["events"]
    # The average's agreement is no longer the single text's divided by four: in the worlds each
    # forecast-only member played, agreements happen as often as in single_text's own worlds.
    agreed = rec["agreed.ceasefire"].astype(bool)
    own = agreed[rec["protocol"] == 0].mean()
    borrowed = agreed[rec["protocol"] != 0].mean()
    lo, hi = wilson(int(agreed[rec["protocol"] != 0].sum()), int((rec["protocol"] != 0).sum()))
    assert own > 0 and lo <= own + 0.02 and hi >= own - 0.02, (own, borrowed)
    # Where: the text of a compromise world is the compromise text, not the single text's.
    comp = rec["protocol"] == 3
    held = comp & rec["talks.direct"].astype(bool)
    assert not np.allclose(rec["text.ceasefire"][held], rec["text.ceasefire"][rec["protocol"] == 0].mean())


def test_an_absent_party_pulls_no_text():
    parties = {
        "a": _party([0.0], [1.0], [1.0], 0.0, 1.0),
        "b": _party([1.0], [0.0], [1.0], 0.0, 1.0),
        "third": _party([1.0], [1.0], [1.0], 0.0, 2.0),
    }
    model = _model(parties)
    h = np.array([True])
    at = {"a": h, "b": h}
    away = Table(held=h, leaders=h, mediated=h, formats={}, at_table={**at, "third": np.array([False])})
    there = Table(held=h, leaders=h, mediated=h, formats={}, at_table={**at, "third": h})
    assert Compromise.forecast(model, away)[0, 0] == pytest.approx(0.5)  # the principals alone
    assert Compromise.forecast(model, there)[0, 0] == pytest.approx(0.75)  # (0 + 1 + 2) / 4
    assert (
        ExpectedUtility.forecast(model, away)[0][0, 0]
        != ExpectedUtility.forecast(_model(parties), there)[0][0, 0]
    )
    # A party whose only open level is 'absent' (the European side in the baseline) never pulls it.
    istanbul = NegotiationModel(load_scenario(ISTANBUL, ["protocol.kind=compromise"]), worlds=50, rng=1)
    from simulator.model.protocols.settle import with_position

    assert "european_union" not in with_position(istanbul, 0)
    assert "turkey" in with_position(istanbul, 0)
