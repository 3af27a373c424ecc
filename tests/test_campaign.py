"""Campaigns: meetings over calendar time, carry-over rules, dated events, figures, compare, report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from simulator.cli import main
from simulator.engine.chunks import Chunk
from simulator.engine.ensemble import simulate_chunk
from simulator.engine.tally import events_of
from simulator.model.campaign import _carry_over, run_campaign
from simulator.model.model import NegotiationModel
from simulator.scenario.load import load_scenario
from simulator.scenario.schema import Scenario

ROOT = Path(__file__).parents[1]
BASE = ROOT / "scenarios" / "istanbul_2025.yaml"
CAMPAIGN = ROOT / "scenarios" / "istanbul_2025_campaign.yaml"
CHECKPOINTS = ("2025-06-30", "2025-09-30", "2025-12-31")


@pytest.fixture(scope="module")
def campaign() -> Scenario:
    return load_scenario(CAMPAIGN)


def variant(base: Scenario, **campaign: Any) -> Scenario:
    data = base.model_dump(mode="json", exclude_none=True)
    data["campaign"].update(campaign)
    for key, value in list(data["campaign"].items()):
        if value is None:
            del data["campaign"][key]
    return Scenario.model_validate(data)


def test_a_scenario_without_campaign_is_one_meeting_as_before() -> None:
    base = load_scenario(BASE)
    assert base.campaign is None
    assert "campaign" not in base.to_yaml()
    rec = simulate_chunk(base, 0, Chunk(0, 0, 500))
    assert not any(k.startswith(("campaign.", "day.")) for k in rec)
    assert not any(".by." in k or k.startswith("meeting") for k in events_of(base, rec))


def test_the_first_meeting_of_a_campaign_is_the_single_meeting(campaign: Scenario) -> None:
    """Same streams for meeting 1: the undated events agree world by world with the baseline's."""
    base = load_scenario(BASE)
    one = simulate_chunk(base, 3, Chunk(0, 0, 800))
    many = simulate_chunk(campaign, 3, Chunk(0, 0, 800))
    for key in (
        "talks.direct",
        "agreed.ceasefire",
        "outcome",
        "level.russia",
        "threat.eu_sanctions_no_ceasefire",
    ):
        assert np.array_equal(one[key], many[key]), key


def test_dated_events_grow_with_the_date_and_counts_add_up(campaign: Scenario) -> None:
    rec = run_campaign(campaign, worlds=3000, rng=1)
    ev = events_of(campaign, rec)
    for stem in ("agreement.ceasefire", "sanctions.european_union", "meeting.2.held", "talks.direct"):
        ps = [ev[f"{stem}.by.{d}"].mean() for d in CHECKPOINTS]
        assert ps == sorted(ps), stem
    # By the first meeting's day the dated event is at least the first meeting's.
    assert (ev["agreement.ceasefire.by.2025-06-30"] >= ev["agreement.ceasefire"]).all()
    counts = sum(ev[f"meetings.count.{k}"].astype(int) for k in range(campaign.campaign.max_meetings + 1))
    assert (counts == 1).all()
    held = [ev[f"meeting.{k}.held"].mean() for k in range(1, 11)]
    assert held == sorted(held, reverse=True) and held[1] > 0.1
    outcomes = sum(ev[k].astype(int) for k in ev if k.startswith("outcome.") and k.endswith(".by.2025-12-31"))
    assert (outcomes == 1).all()
    # A world whose ceasefire was agreed holds no further meeting after that day.
    cf = rec["day.agreement.ceasefire"]
    for k in range(2, 11):
        later = rec[f"day.meeting.{k}"]
        assert not np.any(later > np.nan_to_num(cf, nan=np.inf))


def test_dated_meetings_fall_on_their_dates(campaign: Scenario) -> None:
    dated = variant(
        campaign,
        next_meeting=None,
        meetings=[{"date": "2025-05-15"}, {"date": "2025-06-01"}, {"date": "2025-07-01"}],
    )
    rec = run_campaign(dated, worlds=1000, rng=0)
    for k, day in ((1, 0), (2, 17), (3, 47)):
        d = rec[f"day.meeting.{k}"]
        ok = d[~np.isnan(d)]
        assert ok.size and np.all(ok >= day)
    assert rec["campaign.attempts"].max() == 3
    ev = events_of(dated, rec)
    assert ev["meeting.3.held.by.2025-06-30"].sum() == 0  # the third meeting is in July


def test_carry_over_rules(campaign: Scenario) -> None:
    n = 2000
    model = NegotiationModel(campaign, worlds=n, rng=5).run()
    rec = model.records()
    vals = {k: np.array(v, dtype=float) for k, v in model.values.items()}
    before = {k: v.copy() for k, v in vals.items()}
    idx = np.arange(n)
    _carry_over(campaign, model, rec, vals, idx)
    held = rec["talks.direct"]
    # Concessions made stay made: the next meeting starts from the last positions.
    pos = rec["position.russia.territory"]
    agreed = rec["agreed.territory"]
    rows = held & ~agreed
    ideal0 = before["parties.russia.positions.territory.ideal"]
    red0 = before["parties.russia.positions.territory.red_line"]
    side = np.sign(red0 - ideal0)
    short = np.where((red0 - pos) * side <= 1e-3, red0 - side * 1e-3, pos)  # never past its red line
    assert np.allclose(vals["parties.russia.positions.territory.ideal"][rows], short[rows])
    assert ((red0 - vals["parties.russia.positions.territory.ideal"]) * side > 0)[rows].all()
    assert np.array_equal(
        vals["parties.russia.positions.territory.ideal"][~held],
        before["parties.russia.positions.territory.ideal"][~held],
    )
    # Agreed issues stay agreed: ideal and red line become the agreed text.
    cf = rec["agreed.ceasefire"]
    assert cf.any()
    for pid in ("ukraine", "russia"):
        for field in ("ideal", "red_line"):
            assert np.allclose(
                vals[f"parties.{pid}.positions.ceasefire.{field}"][cf], rec["text.ceasefire"][cf]
            )
    # A threat carried out is spent and moves the target's outside option by -(1 - reactance) x
    # severity (Russia's reactance above 1: the blow stiffens it), its red lines with it.
    tid = "eu_sanctions_no_ceasefire"
    done = rec[f"threat.{tid}"]
    assert done.any()
    assert (vals[f"threats.{tid}.credibility"][done] == 0).all()
    react = before["parties.russia.reactance"]
    expected = before["parties.russia.outside_option"].copy()
    red = before["parties.russia.positions.nato_neutrality.red_line"].copy()
    ideal = vals["parties.russia.positions.nato_neutrality.ideal"]  # after rule 1
    for t in campaign.threats:
        if campaign.threats[t].against == "russia":
            now = np.clip(
                expected - np.where(rec[f"threat.{t}"], (1 - react) * before[f"threats.{t}.severity"], 0.0),
                0,
                1,
            )
            red = np.clip(red + (ideal - red) * (now - expected), 0, 1)  # toward the ideal as no deal gains
            expected = now
    assert np.allclose(vals["parties.russia.outside_option"], expected)
    agreed_nato = rec["agreed.nato_neutrality"]
    assert np.allclose(
        vals["parties.russia.positions.nato_neutrality.red_line"][~agreed_nato], red[~agreed_nato]
    )
    moved = ~agreed_nato & (np.abs(red - before["parties.russia.positions.nato_neutrality.red_line"]) > 1e-6)
    assert moved.any()
    # Triggered but not carried out: credibility x the stated factor.
    spared = model.triggers()[tid] & ~done
    assert spared.any()
    keep = before["campaign.carry.unfulfilled_credibility"]
    assert np.allclose(
        vals[f"threats.{tid}.credibility"][spared], (before[f"threats.{tid}.credibility"] * keep)[spared]
    )
    assert np.allclose(
        vals[f"threats.{tid}.credibility"][~triggers_any(model, tid)],
        before[f"threats.{tid}.credibility"][~triggers_any(model, tid)],
    )


def triggers_any(model: NegotiationModel, tid: str) -> np.ndarray:
    return model.triggers()[tid]


def test_a_collapse_lowers_the_value_of_attending(campaign: Scenario) -> None:
    n = 2000
    model = NegotiationModel(campaign, worlds=n, rng=2).run()
    rec = model.records()
    vals = {k: np.array(v, dtype=float) for k, v in model.values.items()}
    before = vals["parties.russia.attendance.talks_value"].copy()
    _carry_over(campaign, model, rec, vals, np.arange(n))
    collapsed = rec["outcome"] == 1
    factor = vals["campaign.carry.collapse_talks_value"]
    after = vals["parties.russia.attendance.talks_value"]
    assert np.allclose(after[collapsed], (before * factor)[collapsed])
    assert np.array_equal(after[~collapsed], before[~collapsed])


def test_campaign_block_is_validated(campaign: Scenario) -> None:
    with pytest.raises(ValueError, match="either meetings"):
        variant(campaign, meetings=[{"date": "2025-05-15"}])
    with pytest.raises(ValueError, match="checkpoint"):
        variant(campaign, checkpoints=["2026-06-30"])
    with pytest.raises(ValueError, match="unknown party"):
        variant(
            campaign,
            drift={
                "atlantis": {
                    "trend": {"value": 0, "assumption": "x" * 3},
                    "sd": {"value": 0, "assumption": "x" * 3},
                }
            },
        )


@pytest.mark.slow
def test_run_writes_dated_events_and_campaign_figures(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["run", str(CAMPAIGN), "--runs", "1500", "--seed", "0", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    for d in CHECKPOINTS:
        assert f"agreement.ceasefire.by.{d}" in summary["events"]
        assert f"sanctions.european_union.by.{d}" in summary["events"]
        assert f"talks.direct.by.{d}" in summary["events"]
    assert "outcome.continue.by.2025-12-31" in summary["events"]
    assert "agreement.ceasefire" in summary["events"] and "meeting.1.held" in summary["events"]
    for name in ("campaign", "meetings"):
        assert (out / "figures" / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Dated observed events are scored like any other.
    observed = tmp_path / "observed.yaml"
    observed.write_text('"meeting.2.held.by.2025-06-30": 1\n"agreement.ceasefire.by.2025-06-30": 0\n')
    assert main(["score", str(out), str(observed), "--json"]) == 0
    # A report of the campaign run.
    assert main(["report", str(out), "--out", str(tmp_path / "r.html")]) == 0
    assert "agreement.ceasefire.by.2025-06-30" in (tmp_path / "r.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_campaign_compare_is_paired(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    args = ["compare", str(CAMPAIGN), str(CAMPAIGN), "--runs", "800", "--seed", "0", "--out", str(out)]
    assert main(args) == 0
    doc = json.loads((out / "comparison.json").read_text())
    e = doc["events"]["agreement.ceasefire.by.2025-12-31"]
    assert e["diff"] == 0.0 and e["ci95"] == [0.0, 0.0]


def test_outside_options_drift_by_the_stated_formula(campaign: Scenario) -> None:
    import numpy.random as npr

    from simulator.model.campaign import MeetingStreams, _drift

    n = 500
    model = NegotiationModel(campaign, worlds=n, rng=4)
    vals = {k: np.array(v, dtype=float) for k, v in model.values.items()}
    before = vals["parties.ukraine.outside_option"].copy()
    rows = np.arange(0, n, 2)
    weeks = np.full(rows.size, 4.0)
    seed = npr.SeedSequence(4)
    _drift(campaign, seed, 1, vals, rows, n, weeks)
    z = MeetingStreams(seed, 1, rows, n).normal("campaign:drift:ukraine", rows.size)
    trend, sd = vals["campaign.drift.ukraine.trend"][rows], vals["campaign.drift.ukraine.sd"][rows]
    expected = np.clip(before[rows] + trend * 4.0 + sd * 2.0 * z, 0, 1)
    assert np.allclose(vals["parties.ukraine.outside_option"][rows], expected)
    others = np.setdiff1d(np.arange(n), rows)
    assert np.array_equal(vals["parties.ukraine.outside_option"][others], before[others])
    # Its red lines move with it: toward the ideal by the share the outside option rose.
    d = expected - before[rows]
    red0 = model.values["parties.ukraine.positions.territory.red_line"][rows]
    ideal = model.values["parties.ukraine.positions.territory.ideal"][rows]
    assert np.allclose(
        vals["parties.ukraine.positions.territory.red_line"][rows], np.clip(red0 + (ideal - red0) * d, 0, 1)
    )
    assert (d < 0).any()  # the trend is against Kyiv: its lines soften in some worlds


@pytest.mark.slow
def test_switching_off_drift_moves_the_dated_ceasefire(campaign: Scenario) -> None:
    # The shipped campaign, changed only in the drift (trend and noise 0 for every drifting party),
    # same seed: the dated ceasefire must change significantly (paired, 95% interval excludes 0).
    still = [f"campaign.drift.{pid}.{f}=0" for pid in campaign.campaign.drift for f in ("trend", "sd")]
    n = 20_000
    base = run_campaign(campaign, worlds=n, rng=3)
    flat = run_campaign(load_scenario(CAMPAIGN, still), worlds=n, rng=3)
    by = campaign.campaign.horizon_day
    a = base["day.agreement.ceasefire"] <= by
    b = flat["day.agreement.ceasefire"] <= by
    diff = b.astype(float) - a.astype(float)
    half = 1.96 * diff.std(ddof=1) / np.sqrt(n)
    assert abs(diff.mean()) > half, f"drift off moved the ceasefire by {diff.mean():+.4f} +- {half:.4f}"


def test_an_empty_chair_costs_more_next_time(campaign: Scenario) -> None:
    n = 3000
    model = NegotiationModel(campaign, worlds=n, rng=8).run()
    rec = model.records()
    vals = {k: np.array(v, dtype=float) for k, v in model.values.items()}
    path = "parties.russia.attendance.empty_chair_cost"
    before = vals[path].copy()
    _carry_over(campaign, model, rec, vals, np.arange(n))
    empty = (rec["level.russia"] == 0) & (rec["level.ukraine"] > 0)
    assert empty.any()
    chair = vals["campaign.carry.empty_chair"]
    assert np.allclose(vals[path][empty], np.clip(before * chair, 0, 1)[empty])
    assert np.array_equal(vals[path][~empty], before[~empty])


def test_worlds_draw_the_same_numbers_whichever_others_still_play() -> None:
    from simulator.model.campaign import MeetingStreams

    seed = np.random.SeedSequence(1)
    full = MeetingStreams(seed, 2, np.arange(10), 10).uniform("x", 10)
    part = MeetingStreams(seed, 2, np.array([3, 7]), 10).uniform("x", 2)
    assert np.array_equal(full[[3, 7]], part)


@pytest.mark.slow
def test_a_campaign_run_is_chunked_and_resumable(campaign: Scenario, tmp_path: Path) -> None:
    from simulator.engine.ensemble import part_files, run_ensemble

    parts = tmp_path / "parts"
    whole = run_ensemble(campaign, runs=900, seed=2, chunk_size=300, parts=parts)
    for f in part_files(parts, 1):
        f.unlink()  # as if interrupted before chunk 1 finished
    resumed = run_ensemble(campaign, runs=900, seed=2, chunk_size=300, parts=parts)
    assert resumed.tally.to_json() == whole.tally.to_json()
    assert whole.tally.counts["meeting.1.held"] > 0


def test_what_was_learnt_at_one_meeting_is_carried_to_the_next(campaign: Scenario) -> None:
    from simulator.model.campaign import Learnt

    n = 3000
    first = NegotiationModel(campaign, worlds=n, rng=8).run()
    assert first.talks is not None and set(first.talks.learnt) == {"ukraine", "russia"}
    memory = Learnt(campaign, n)
    idx = np.arange(n)
    held = first.records()["talks.direct"]
    memory.after(first, idx, held)
    lo, hi = first.talks.learnt["ukraine"]  # what Kyiv learnt of Moscow's reservation value
    assert (lo[held] > -1e-6).any()  # some rejections ruled types out
    # Moscow's outside option moves by 0.1 in half the worlds before the next meeting.
    vals = {k: np.array(v, dtype=float) for k, v in first.values.items()}
    moved = np.arange(n) % 2 == 0
    vals["parties.russia.outside_option"][moved] = np.clip(
        vals["parties.russia.outside_option"][moved] + 0.1, 0, 1
    )
    nxt = NegotiationModel(campaign, worlds=n, rng=8, values=vals)
    brought = memory.before(nxt, idx)
    d = np.abs(nxt.outside_option("russia") - first.outside_option("russia"))
    assert np.allclose(brought["ukraine"][0][held], lo[held] - d[held])
    assert np.allclose(brought["ukraine"][1][held], hi[held] + d[held])
    assert (d[moved] > 0.05).any() and np.allclose(d[~moved], 0)
    # Where no talks were held nothing was learnt: the whole prior.
    assert np.isneginf(brought["ukraine"][0][~held]).all()


def test_knowing_the_other_side_brings_agreement_sooner() -> None:
    # The shipped baseline, once as played and once with each side's belief collapsed on the
    # other's true reservation value (what a campaign's earlier meetings could teach at most).
    scenario = load_scenario(BASE)
    base = NegotiationModel(scenario, worlds=6000, rng=3).run().records()
    model = NegotiationModel(scenario, worlds=6000, rng=3)
    ua, ru = model.outside_option("ukraine"), model.outside_option("russia")
    model.learnt = {"ukraine": (ru - 1e-3, ru), "russia": (ua - 1e-3, ua)}
    known = model.run().records()
    first = base["talks.agreed_round"] == 1
    assert (known["talks.agreed_round"] == 1).mean() > first.mean()
