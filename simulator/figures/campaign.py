"""Figures of a campaign run: key events' cumulative probability against the date, and meetings.

Drawn from the run's files only: the ``day.*`` columns of ``worlds.parquet`` (the day, counted from
``campaign.start``, each world first saw the event; empty when it never did) give P(event by t) for
every day t, with Wilson 95% bands; ``summary.json``'s ``meetings.count.<k>`` give the
distribution of the number of meetings held.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
from matplotlib.dates import date2num
from matplotlib.figure import Figure

from simulator.engine.tally import Z95
from simulator.figures import names as figure_names
from simulator.figures.common import pct, percent_axis, styled
from simulator.scenario import events as ke
from simulator.scenario.schema import Scenario

COLOURS = ("#1a9850", "#4c72b0", "#c44e52", "#dd8452", "#8172b2", "#937860")


def wilson_band(k: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Wilson 95% intervals for counts ``k`` out of ``n`` (vectorised)."""
    p = k / n
    z2 = Z95**2
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = Z95 * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    lo = np.where(k == 0, 0.0, np.maximum(0.0, centre - half))
    hi = np.where(k == n, 1.0, np.minimum(1.0, centre + half))
    return lo, hi


def key_columns(scenario: Scenario, names: list[str]) -> list[tuple[str, str]]:
    """The ``day.*`` columns worth a curve, with their labels (the headline issue first)."""

    def party(pid: str) -> str:
        return scenario.parties[pid].name if pid in scenario.parties else pid

    iid = ke.headline_issue(scenario)
    out = [(ke.DAY_AGREEMENT.key(iid), f"{scenario.issues[iid].name} agreed")]
    if len(scenario.issues) > 1 and scenario.protocol.agreement == "package":
        out = [(ke.DAY_AGREEMENT_ANY.key(), "A deal (the whole package) agreed")]
    if ke.DAY_MEETING.key(2) in names:
        out.append((ke.DAY_MEETING.key(2), "A second round held"))
    for name in names:
        m = ke.DAY_SANCTIONS.matches(name)
        if m:
            out.append((name, f"New sanctions by {party(m['party'])}"))
    for name in names:  # threats other than sanctions (a strike), which the lines above miss
        t = ke.DAY_THREAT.matches(name)
        threat = scenario.threats.get(t["threat"]) if t else None
        if t and (threat is None or threat.action != "sanctions"):
            by = threat.by if threat is not None else ""
            what = t["threat"].replace("_", " ")
            out.append((name, f"Threat carried out: {what} ({party(by)})"))
    return [(c, label) for c, label in out if c in names]


def cumulative(days: np.ndarray, horizon: int) -> np.ndarray:
    """How many worlds saw the event by each day 0..horizon."""
    ok = days[np.isfinite(days)]
    ok = ok[(ok >= 0) & (ok <= horizon)].astype(int)
    return np.cumsum(np.bincount(ok, minlength=horizon + 1))


@styled
def campaign_figures(summary: dict[str, Any], scenario: Scenario, worlds: Path) -> dict[str, Figure]:
    """``campaign`` (P(event by date) with 95% bands) and ``meetings`` (meetings held)."""
    camp = scenario.campaign
    if camp is None:
        return {}
    start = camp.start
    horizon = (camp.horizon - start).days
    day = (ke.DAY_AGREEMENT, ke.DAY_AGREEMENT_ANY, ke.DAY_MEETING, ke.DAY_SANCTIONS, ke.DAY_THREAT)
    names = [n for n in pq.read_schema(worlds).names if any(f.matches(n) for f in day)]
    cols = key_columns(scenario, names)
    table = pq.read_table(worlds, columns=[c for c, _ in cols])
    n = table.num_rows
    dates = np.array([start + dt.timedelta(days=d) for d in range(horizon + 1)])
    title = f"{summary['scenario']['name']}\n"

    fig = Figure(figsize=(9, 5.2), layout="constrained")
    ax = fig.add_subplot()
    for i, (col, label) in enumerate(cols):
        days = table.column(col).to_numpy(zero_copy_only=False).astype(float)
        k = cumulative(days, horizon)
        lo, hi = wilson_band(k, n)
        colour = COLOURS[i % len(COLOURS)]
        ax.step(dates, k / n, where="post", color=colour, label=f"{label} ({pct(k[-1] / n)} by horizon)")
        ax.fill_between(dates, lo, hi, step="post", color=colour, alpha=0.2, linewidth=0)
    for c in camp.checkpoints:
        at = float(date2num(c))  # type: ignore[no-untyped-call]
        ax.axvline(at, color="#999999", linestyle=":", linewidth=1)
    percent_axis(ax)
    ax.set_ylabel("probability the event has happened by the date")
    ax.set_title(title + f"key events by date, 95% bands; dotted: checkpoints ({n:,} worlds)")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.grid(axis="y", alpha=0.3)

    events = summary["events"]
    matched = ((ke.MEETINGS_COUNT.matches(k), v) for k, v in events.items())
    counts = sorted((int(m["count"]), v) for m, v in matched if m)
    fig2 = Figure(figsize=(8, 4.5), layout="constrained")
    ax2 = fig2.add_subplot()
    x = np.array([c for c, _ in counts])
    p = np.array([v["p"] for _, v in counts])
    ci = np.array([v["ci95"] for _, v in counts]).reshape(-1, 2)
    ax2.bar(x, p, color="#4c72b0", yerr=np.clip([p - ci[:, 0], ci[:, 1] - p], 0, None), capsize=3)
    for xi, pi in zip(x, p, strict=True):
        ax2.text(xi, pi + 0.01, pct(float(pi)), ha="center", va="bottom", fontsize=8)
    ax2.set_xticks(x)
    ax2.set_xlabel(f"meetings held (principals at the table) by {camp.horizon.isoformat()}")
    percent_axis(ax2)
    ax2.set_ylabel("share of worlds")
    ax2.set_title(title + f"number of meetings held, 95% intervals ({summary['runs']:,} worlds)")
    return {figure_names.CAMPAIGN: fig, figure_names.MEETINGS: fig2}
