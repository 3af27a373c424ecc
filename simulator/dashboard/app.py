"""The dashboard page (Solara): Scenario, Forecast, What if, Drivers, Over time, Downloads.

State lives in the component (Solara keeps one per browser tab), so two tabs never share it. Long
work runs in ``solara.use_thread`` off the UI thread: a new request cancels the one still running
(between two chunks) and waits for it, so results never mix; the Cancel button does the same. A
user mistake shows as the CLI prints it and the last good result stays on screen.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import threading
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any, cast

import solara
import solara.lab

from simulator.dashboard import charts, session
from simulator.engine.rundir import RESOLVED
from simulator.errors import UserError
from simulator.scenario import events as ke
from simulator.scenario.levels import Level

log = logging.getLogger("negsim.dashboard")
_NONE: Any = None  # an empty state whose later values have other types
_nonce = itertools.count(1)
_START_ENV, _TMP_ENV = "NEGSIM_DASHBOARD_SCENARIO", "NEGSIM_DASHBOARD_TMP"


def _start() -> Path | None:
    text = os.environ.get(_START_ENV)
    return Path(text) if text else None


def _tmp() -> Path:
    import tempfile

    root = Path(os.environ.get(_TMP_ENV) or tempfile.gettempdir())
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="tab-", dir=root))


def _parse_int(text: str, what: str) -> int:
    try:
        return int(text.replace(",", "").replace("_", "").strip())
    except ValueError:
        raise UserError(f"{what}: give a whole number (got {text!r})") from None


def _guarded(
    work: Callable[[threading.Event, Callable[[int], None]], Any], on_progress: Callable[[int], None]
) -> Callable[[threading.Event], tuple[str, Any]]:
    """A ``use_thread`` callback: the work's result tagged ok / error / cancelled, never raising."""

    def run(cancel: threading.Event) -> tuple[str, Any]:
        done = [0]

        def report(worlds: int) -> None:
            done[0] += worlds
            on_progress(done[0])

        try:
            return "ok", work(cancel, report)
        except session.Cancelled:
            return "cancelled", None
        except UserError as exc:
            return "error", session.message(exc)
        except Exception as exc:  # a bug: logged with its traceback, the page keeps going
            log.exception("dashboard job failed")
            return "error", f"internal error (a bug, please report it): {type(exc).__name__}: {exc}"

    return run


def use_job(request: Any, work: Callable[..., Any]) -> tuple[Any, str | None, str, int, Callable[[], None]]:
    """Run ``work(request, cancel, report)`` off the UI thread whenever ``request`` changes.

    Returns the last good value, the latest error (or None), the state word, the worlds done, and
    a cancel function.
    """
    progress, set_progress = solara.use_state(0)
    last = solara.use_ref(None)

    def callback(cancel: threading.Event) -> tuple[str, Any] | None:
        if request is None:
            return None
        set_progress(0)
        return _guarded(lambda c, r: work(request, c, r), set_progress)(cancel)

    result = solara.use_thread(callback, dependencies=[request], intrusive_cancel=False)
    error = None
    state = "idle"
    if result.state in (solara.ResultState.STARTING, solara.ResultState.WAITING, solara.ResultState.RUNNING):
        state = "running"
    elif result.value is not None and request is not None:
        tag, value = result.value
        if tag == "ok":
            last.current = value
            state = "done"
        elif tag == "error":
            error, state = value, "error"
        else:
            state = "cancelled"
    if result.state == solara.ResultState.CANCELLED:
        state = "cancelled"
    return last.current, error, state, progress, result.cancel


def Pre(text: str, test_id: str = "pre") -> None:
    solara.HTML(
        tag="pre",
        unsafe_innerHTML=escape(text),
        attributes={"data-testid": test_id},
        style="white-space: pre-wrap; font-size: 13px",
    )


def Md(text: str) -> None:
    """A little Markdown (headings, **bold**, `code`, line breaks) as HTML; callers escape the text.

    Solara's own Markdown loads KaTeX from its CDN folder for math, which this page never needs.
    """
    html = re.sub(r"`([^`]*)`", r"<code>\1</code>", text)
    html = re.sub(r"\*\*([^*]*)\*\*", r"<b>\1</b>", html)
    m = re.match(r"(#{2,4}) (.*)", html, re.S)
    if m:
        html = f"<h{len(m[1]) + 1}>{m[2]}</h{len(m[1]) + 1}>"
    solara.HTML(tag="div", unsafe_innerHTML=html.replace("\n\n", "<br>"), style="margin: 6px 0")


def Download(doc: dict[str, Any], name: str) -> None:
    """The document on screen, as the CLI would write it."""
    data = (json.dumps(doc, indent=2) + "\n").encode()
    solara.FileDownload(data, filename=name, label=f"Download {name}", mime_type="application/json")


def Svg(svg: str) -> None:
    solara.HTML(tag="div", unsafe_innerHTML=svg, style="overflow-x: auto")


def Status(state: str, done: int, total: int, cancel: Callable[[], None], what: str) -> None:
    if state == "running":
        with solara.Row():
            solara.ProgressLinear(value=100 * done / total if total and done else True)
            solara.Button("Cancel", on_click=cancel, color="warning")
        solara.Text(f"{what}: {done:,} of {total:,} worlds")
    elif state == "cancelled":
        solara.Warning(f"{what}: cancelled; the last result stays on screen")


@solara.component
def Page() -> None:
    tmp = solara.use_memo(_tmp, [])
    roots = solara.use_memo(lambda: session.allowed_roots(_start()), [])
    first = str(_start()) if _start() else session.shipped_names()[0] if session.shipped_names() else ""
    text, set_text = solara.use_state(first)
    opened_state = solara.use_state(_NONE)
    opened, set_opened = opened_state
    open_error, set_open_error = solara.use_state(_NONE)

    def do_open(value: str) -> None:
        set_text(value)
        try:
            set_opened(session.open_scenario(value, roots))
            set_open_error(None)
        except UserError as exc:
            set_open_error(session.message(exc))

    solara.use_memo(lambda: do_open(first) if first else None, [])

    solara.Title("negsim dashboard")
    with solara.Column(style="padding: 12px; max-width: 1100px"):
        with solara.Row():
            solara.Select(
                "Shipped scenario",
                value=cast(Any, text if text in session.shipped_names() else None),
                values=session.shipped_names(),
                on_value=lambda v: do_open(v) if v else None,
            )
            solara.InputText(
                "…or a scenario file (path)", value=text, on_value=do_open, classes=["scenario-path"]
            )
        if open_error:
            solara.Error(label="")
            Pre(open_error, "open-error")
        if opened is None:
            solara.Info("Pick a shipped scenario or type the path of a scenario file.")
            return
        with solara.lab.Tabs():
            with solara.lab.Tab("Scenario"):
                ScenarioPage(opened)
            with solara.lab.Tab("Forecast"):
                ForecastPage(opened, tmp)
            with solara.lab.Tab("What if"):
                WhatIfPage(opened)
            with solara.lab.Tab("Drivers"):
                DriversPage(opened, roots)
                DiscoveryPanel(opened, tmp)
            with solara.lab.Tab("Over time"):
                OverTimePage(opened, tmp)
            with solara.lab.Tab("Downloads"):
                DownloadsPage(opened, tmp)


# --- Scenario ------------------------------------------------------------------------------------


@solara.component
def ScenarioPage(opened: session.Opened) -> None:
    s = opened.scenario
    Md(f"## {escape(s.name)}")
    Md(f"{escape(s.description or '')}\n\nFile: `{escape(str(opened.path))}`")
    parties = ", ".join(f"{p.name} ({pid}, {p.role.value})" for pid, p in s.parties.items())
    Md(f"**Parties:** {escape(parties)}")
    if s.threats:
        Md(
            "**Threats:** "
            + escape("; ".join(f"{tid}: {t.by} against {t.against}" for tid, t in s.threats.items()))
        )
    Md("### Issues: ideals (dots) and red lines (bars)")
    Svg(charts.positions(session.picture(s)))
    Md("### Every parameter, its `--set` path, distribution and source")
    rows = []
    for c in session.controls(s):
        why = "<br>".join(escape(x) for x in c.sources)
        if c.assumption:
            why += ("<br>" if why else "") + "<i>assumption:</i> " + escape(" ".join(c.assumption.split()))
        rows.append(
            f"<tr><td><code>{escape(c.set_path())}</code></td><td>{escape(c.value)}</td><td>{why}</td></tr>"
        )
    solara.HTML(
        tag="table",
        unsafe_innerHTML="<tr><th>--set path</th><th>value</th><th>source or assumption</th></tr>"
        + "".join(rows),
        attributes={"data-testid": "parameters"},
        style="border-collapse: collapse; font-size: 13px",
    )


# --- Forecast ------------------------------------------------------------------------------------


def _labels(scenario: Any, keys: Any) -> dict[str, str]:
    from simulator.scenario.labels import event_label

    return {k: event_label(scenario, k) for k in keys}


#: The forecast page's key events (with ``level.<party>.leader``); sanctions and threats only when
#: they happen in some world.
KEY_FAMILIES = (ke.ATTEND, *ke.TALKS, *ke.AGREEMENTS, ke.SANCTIONS, ke.OUTCOME, ke.THREAT)


def key_rows(scenario: Any, summary: dict[str, Any]) -> list[tuple[str, float, float, float]]:
    """The forecast's key events (undated), labelled, as chart rows."""
    events = summary["events"]
    keys = []
    for k, e in events.items():
        parsed = ke.parse(k)
        if parsed is None or parsed.date is not None:
            continue
        family, leader = parsed.family, parsed.parts.get("level") == Level.leader
        if not (family in KEY_FAMILIES or (family is ke.LEVEL and leader)):
            continue
        if family in (ke.SANCTIONS, ke.THREAT) and e["p"] == 0:
            continue
        keys.append(k)
    labels = _labels(scenario, keys)
    return [(f"{labels[k]} [{k}]", events[k]["p"], *events[k]["ci95"]) for k in keys]


@solara.component
def ForecastPage(opened: session.Opened, tmp: Path) -> None:
    runs_text, set_runs = solara.use_state("10000")
    seed_text, set_seed = solara.use_state("0")
    request, set_request = solara.use_state(_NONE)
    input_error, set_input_error = solara.use_state(_NONE)

    def work(req: Any, cancel: threading.Event, report: Callable[[int], None]) -> session.Forecast:
        _, scenario, runs, seed, out = req
        return session.forecast(scenario, out, runs=runs, seed=seed, cancel=cancel, report=report)

    value, error, state, done, cancel = use_job(request, work)

    def start() -> None:
        try:
            runs = session.check_worlds(_parse_int(runs_text, "worlds"))
            seed = session.check_seed(_parse_int(seed_text, "seed"))
        except UserError as exc:
            set_input_error(session.message(exc))
            return
        set_input_error(None)
        n = next(_nonce)
        set_request((n, opened.scenario, runs, seed, tmp / f"forecast-{n}"))

    with solara.Row():
        solara.InputText("Worlds", value=runs_text, on_value=set_runs, classes=["forecast-worlds"])
        solara.InputText("Seed", value=seed_text, on_value=set_seed, classes=["forecast-seed"])
        solara.Button("Run forecast", on_click=start, color="primary")
    for msg in (input_error, error):
        if msg:
            Pre(msg, "forecast-error")
    Status(state, done, request[2] if request else 0, cancel, "Forecast")
    if value is None or value.summary["scenario"]["sha256"] != opened.scenario.sha256():
        solara.Info("Run a forecast: key probabilities with 95% intervals, levels, outcomes, positions.")
        return
    summary = value.summary
    Md(
        f"**{summary['runs']:,} worlds, seed {summary['seed']}** — "
        f"`negsim run {escape(session.command_argument(opened.path))} --runs {summary['runs']} "
        f"--seed {summary['seed']}`"
    )
    Md("### Key probabilities (hover a bar: value and 95% interval)")
    Svg(charts.probabilities(key_rows(opened.scenario, summary), "forecast-chart"))
    zopa = summary.get("stats", {}).get(ke.ZOPA.key())
    if isinstance(zopa, dict) and "mean" in zopa:
        Md(f"A zone of agreement on every issue exists in {100 * zopa['mean']:.1f}% of worlds.")
    for fig in value.figures:
        if fig.suffix == ".png" and fig.is_file():
            Md(f"#### {escape(fig.stem.replace('_', ' '))}")
            solara.Image(fig.read_bytes(), width="760px")


# --- What if -------------------------------------------------------------------------------------


@solara.component
def WhatIfPage(opened: session.Opened) -> None:
    controls = solara.use_memo(lambda: session.controls(opened.scenario), [opened])
    by_path = {c.set_path(): c for c in controls}
    chosen, set_chosen = solara.use_state(controls[0].set_path() if controls else None)
    value_text, set_value_text = solara.use_state(controls[0].value if controls else "")
    overrides, set_overrides = solara.use_state(cast(list[str], []))
    runs_text, set_runs = solara.use_state(str(session.WHATIF_WORLDS))
    seed_text, set_seed = solara.use_state("0")
    request, set_request = solara.use_state(_NONE)
    input_error, set_input_error = solara.use_state(_NONE)

    def work(req: Any, cancel: threading.Event, report: Callable[[int], None]) -> dict[str, Any]:
        _, path, sets, runs, seed = req
        return session.whatif(path, list(sets), runs=runs, seed=seed, cancel=cancel, report=report)

    doc, error, state, done, cancel = use_job(request, work)

    def submit(sets: list[str]) -> None:
        """Check the change as ``negsim compare --set-b`` would, then run it (or keep the last)."""
        try:
            runs = session.check_worlds(_parse_int(runs_text, "worlds"))
            seed = session.check_seed(_parse_int(seed_text, "seed"))
            labels = [f"--set-b[{i}]" for i in range(1, len(sets) + 1)]
            from simulator.scenario.load import load_scenario

            load_scenario(opened.path, sets, labels=labels)
        except UserError as exc:
            set_input_error(session.message(exc))
            return
        set_input_error(None)
        set_overrides(sets)
        set_request((next(_nonce), opened.path, tuple(sets), runs, seed))

    def apply() -> None:
        if chosen is None:
            return
        kept = [o for o in overrides if o.partition("=")[0] != chosen]
        submit([*kept, f"{chosen}={value_text}"])

    def pick(path: str) -> None:
        set_chosen(path)
        set_value_text(by_path[path].value if path in by_path else value_text)

    control = by_path.get(chosen) if chosen else None
    with solara.Row():
        solara.Select(
            "Parameter (--set path)",
            value=cast(Any, chosen if chosen in by_path else None),
            values=list(by_path),
            on_value=pick,
        )
        solara.InputText(
            "…or type its --set path", value=chosen or "", on_value=pick, classes=["whatif-path"]
        )
    if control is not None:
        Md(
            f"Scenario value: `{escape(control.value)}` — "
            + escape("; ".join(control.sources) or (control.assumption or ""))
        )
        with solara.Row():
            if control.choices:
                solara.Select(
                    "Level",
                    value=cast(Any, value_text if value_text in control.choices else None),
                    values=list(control.choices),
                    on_value=set_value_text,
                )
            elif control.slider:
                current = _float_or(value_text, (control.low + control.high) / 2)
                solara.SliderFloat(
                    "",
                    value=min(max(current, control.low), control.high),
                    min=control.low,
                    max=control.high,
                    step=(control.high - control.low) / 100,
                    on_value=lambda v: set_value_text(f"{v:g}"),
                )
            solara.InputText(
                "Value (a number or a distribution: uniform(a, b), triangular(a, m, b), …)",
                value=value_text,
                on_value=set_value_text,
                continuous_update=True,
                classes=["whatif-value"],
            )
    with solara.Row():
        solara.Button("Apply and compare", on_click=apply, color="primary")
        solara.Button("Reset", on_click=lambda: (set_overrides([]), set_input_error(None), set_request(None)))
        solara.InputText("Worlds", value=runs_text, on_value=set_runs, classes=["whatif-worlds"])
        solara.InputText("Seed", value=seed_text, on_value=set_seed, classes=["whatif-seed"])
    if input_error:
        solara.Error(label="Not applied; the last result stays on screen:")
        Pre(input_error, "whatif-error")
    if error:
        Pre(error, "whatif-error")
    if overrides:
        Md("**Changes (B):** " + ", ".join(f"`{escape(o)}`" for o in overrides))
    Status(state, done, request[3] if request else 0, cancel, "What-if")
    if doc is None or request is None:
        solara.Info(
            "Pick a parameter, give it a value and apply: the unchanged scenario (A) and the "
            "changed one (B) are played on the same worlds."
        )
        return
    runs, seed = doc["runs"], doc["seed"]
    cmd = session.compare_command(opened.path, doc["b"]["overrides"], runs=runs, seed=seed)
    Md("Reproduce it:")
    Pre(cmd, "whatif-command")
    keys = session.key_events(doc)
    labels = _labels(opened.scenario, keys)
    lines = [f"{'event':<34}{'A':>8}{'B':>8}{'B − A':>10}   95% CI (points)"]
    for k in keys:
        e = doc["events"][k]
        lo, hi = e["ci95"]
        mark = " *" if e["significant"] else ""
        lines.append(
            f"{k:<34}{e['a']:>8.1%}{e['b']:>8.1%}{100 * e['diff']:>+8.1f}pt   "
            f"[{100 * lo:+.1f}, {100 * hi:+.1f}]{mark}"
        )
    lines.append("* the 95% interval of the difference excludes 0 (significant)")
    Md(f"### B − A on {runs:,} common worlds, seed {seed} (hover: exact values)")
    Svg(charts.differences(doc, keys, {k: f"{labels[k]} [{k}]" for k in keys}, "whatif-chart"))
    Pre("\n".join(lines), "whatif-table")
    Download(doc, "comparison.json")


def _float_or(text: str, default: float) -> float:
    try:
        return float(text)
    except ValueError:
        return default


# --- Drivers -------------------------------------------------------------------------------------


@solara.component
def DriversPage(opened: session.Opened, roots: list[Path]) -> None:
    n_text, set_n = solara.use_state("4")
    folder, set_folder = solara.use_state("")
    request, set_request = solara.use_state(_NONE)
    loaded, set_loaded = solara.use_state(_NONE)
    input_error, set_input_error = solara.use_state(_NONE)

    def work(req: Any, cancel: threading.Event, report: Callable[[int], None]) -> dict[str, Any]:
        _, scenario, n = req
        return session.sensitivity(scenario, n=n, seed=0, cancel=cancel, report=report)

    doc, error, state, done, cancel = use_job(request, work)
    n = _float_or(n_text, 0)
    uncertain = sum(1 for c in session.controls(opened.scenario) if c.uncertain)
    if uncertain == 0:
        solara.Info("This scenario has no uncertain parameter: nothing to rank.")
        return
    cost = session.sensitivity_cost(opened.scenario, int(n)) if n >= 1 else 0

    def start() -> None:
        try:
            k = _parse_int(n_text, "trajectories")
            if not 1 <= k <= 256:
                raise UserError(f"trajectories: give 1 to 256 (got {k})")
        except UserError as exc:
            set_input_error(session.message(exc))
            return
        set_input_error(None)
        set_loaded(None)
        set_request((next(_nonce), opened.scenario, k))

    def load(text: str) -> None:
        set_folder(text)
        try:
            set_loaded(session.read_document(text, roots, "sensitivity.json"))
            set_input_error(None)
        except UserError as exc:
            set_input_error(session.message(exc))

    Md(
        f"Morris screening of the {uncertain} uncertain parameters "
        f"(`negsim sensitivity --method morris --n N`); it plays **{cost:,} worlds**."
    )
    with solara.Row():
        solara.InputText(
            "Trajectories N", value=n_text, on_value=set_n, continuous_update=True, classes=["drivers-n"]
        )
        solara.Button("Compute", on_click=start, color="primary")
        solara.InputText("…or a run folder with sensitivity.json", value=folder, on_value=load)
    for msg in (input_error, error):
        if msg:
            Pre(msg, "drivers-error")
    Status(state, done, cost if request else 0, cancel, "Sensitivity")
    shown = loaded or doc
    if shown is None:
        return
    Download(shown, "sensitivity.json")
    drivers = shown.get("drivers", {})
    for event, indices in list(shown["events"].items())[:8]:
        measure = "mu_star" if shown.get("method") == "morris" else "ST"
        vals = sorted(((p, v.get(measure) or 0.0) for p, v in indices.items()), key=lambda t: -t[1])[:8]
        Md(f"#### {escape(event)}" + (f" — {escape(drivers[event])}" if event in drivers else ""))
        Svg(charts.measures(vals, measure, f"drivers-chart-{event}"))


@solara.component
def DiscoveryPanel(opened: session.Opened, tmp: Path) -> None:
    """Scenario discovery on this tab's latest forecast (``negsim discover``)."""
    from simulator.scenario import events as ke

    default = ke.AGREEMENT.key(ke.headline_issue(opened.scenario))
    event, set_event = solara.use_state(default)
    request, set_request = solara.use_state(_NONE)
    input_error, set_input_error = solara.use_state(_NONE)

    def work(req: Any, cancel: threading.Event, report: Callable[[int], None]) -> dict[str, Any]:
        _, run, key = req
        return session.discovery(run, key)

    doc, error, state, _, _ = use_job(request, work)
    Md("### Scenario discovery: where does an event happen? (`negsim discover`)")
    run = session.latest_forecast(tmp, opened.scenario)
    if run is None:
        solara.Info("Run a forecast first: discovery reads its worlds (more worlds, sharper boxes).")
        return

    def start() -> None:
        set_input_error(None)
        set_request((next(_nonce), run, event))

    with solara.Row():
        solara.InputText("Event key", value=event, on_value=set_event, classes=["discover-event"])
        solara.Button("Find the box", on_click=start, color="primary")
    for msg in (input_error, error):
        if msg:
            Pre(msg, "discover-error")
    if state == "running":
        solara.ProgressLinear(True)
    if doc is None:
        return
    Pre(doc["sentence"], "discover-sentence")
    if doc["whatif"]:
        Pre("As a what-if: " + " ".join(f"--set-b {s}" for s in doc["whatif"]), "discover-whatif")
    if doc.get("warning"):
        solara.Warning(doc["warning"])
    Download(doc, "discovery.json")


# --- Over time -----------------------------------------------------------------------------------


@solara.component
def OverTimePage(opened: session.Opened, tmp: Path) -> None:
    s = opened.scenario
    dates_text, set_dates = solara.use_state(s.as_of or "")
    runs_text, set_runs = solara.use_state("2000")
    request, set_request = solara.use_state(_NONE)
    input_error, set_input_error = solara.use_state(_NONE)
    runs_c, set_runs_c = solara.use_state("5000")

    def work(req: Any, cancel: threading.Event, report: Callable[[int], None]) -> Any:
        kind = req[1]
        if kind == "campaign":
            out = tmp / f"campaign-{req[0]}"
            return kind, session.forecast(s, out, runs=req[2], seed=0, cancel=cancel, report=report).summary
        return kind, session.timeline(opened.path, req[2], runs=req[3], seed=0)

    value, error, state, done, cancel = use_job(request, work)

    def start_campaign() -> None:
        try:
            set_request((next(_nonce), "campaign", session.check_worlds(_parse_int(runs_c, "worlds"))))
            set_input_error(None)
        except UserError as exc:
            set_input_error(session.message(exc))

    def start_timeline() -> None:
        dates = [d.strip() for d in dates_text.replace(";", ",").split(",") if d.strip()]
        try:
            runs = session.check_worlds(_parse_int(runs_text, "worlds"))
            from simulator.scenario.asof import parse_when

            for d in dates:
                parse_when(d)
            set_request((next(_nonce), "timeline", tuple(dates), runs))
            set_input_error(None)
        except (UserError, ValueError) as exc:
            set_input_error(session.message(exc))

    if s.campaign is not None:
        Md("### Campaign: P(event by date), 95% bands")
        with solara.Row():
            solara.InputText("Worlds", value=runs_c, on_value=set_runs_c, classes=["campaign-worlds"])
            solara.Button("Run the campaign", on_click=start_campaign, color="primary")
    else:
        solara.Info("This scenario has no campaign: its forecast is one meeting (see Forecast).")
    Md("### As of dates: how the forecast moved as the news came in (`negsim timeline`)")
    with solara.Row():
        solara.InputText("Dates (comma-separated, YYYY-MM-DD[THH:MM])", value=dates_text, on_value=set_dates)
        solara.InputText("Worlds per date", value=runs_text, on_value=set_runs)
        solara.Button("Run the timeline", on_click=start_timeline)
    for msg in (input_error, error):
        if msg:
            Pre(msg, "time-error")
    Status(state, done, 0, cancel, "Over time")
    if value is None:
        return
    kind, doc = value
    if kind == "campaign":
        series = session.campaign_series(doc, s)
        Svg(charts.over_time(series, _labels(s, series), "campaign-chart"))
        return
    Download(doc, "timeline.json")
    keys = doc.get("key_events") or list(doc["events"])[:6]
    series = {
        k: [(d, r["p"], *r["ci95"]) for d, r in zip(doc["dates"], doc["events"][k], strict=True)]
        for k in keys
    }
    Svg(charts.over_time(series, _labels(s, keys), "timeline-chart"))
    news = [
        f"{d}: {', '.join(src) or 'no new seed'}"
        for d, src in zip(doc["dates"], doc.get("sources", []), strict=False)
    ]
    Pre("Seeds that came in by each date:\n" + "\n".join(news), "timeline-sources")


# --- Downloads -----------------------------------------------------------------------------------


@solara.component
def DownloadsPage(opened: session.Opened, tmp: Path) -> None:
    Md(
        "The resolved scenario (after `extends:`), and the files of the latest forecast "
        "in this tab's run folder."
    )
    solara.FileDownload(
        opened.scenario.to_yaml().encode(),
        filename=RESOLVED,
        label=RESOLVED,
        mime_type="text/yaml",
    )
    runs = sorted(tmp.glob("*/summary.json"), key=lambda p: p.stat().st_mtime)
    mine = [
        p
        for p in runs
        if json.loads(p.read_text()).get("scenario", {}).get("sha256") == opened.scenario.sha256()
    ]
    if not mine:
        solara.Info("Run a forecast to download its summary.json and figures.")
        return
    folder = mine[-1].parent
    for f in [folder / "summary.json", *sorted((folder / "figures").glob("*"))]:
        if f.is_file():
            solara.FileDownload(f.read_bytes(), filename=f.name, label=f.name)
