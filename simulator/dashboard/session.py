"""What a dashboard page asks for, answered through the public API (no Solara here).

Every function takes plain values and returns documents the CLI also writes (``summary.json``,
``comparison.json``, ``sensitivity.json``, ``timeline.json``), so the page shows exactly what
``negsim run``/``compare``/``sensitivity``/``timeline`` would print for the same seed and worlds,
and :func:`compare_command` names the command that reproduces a what-if.

Files a user types are confined like ``extends:``: a regular ``.yaml``/``.yml`` file inside one of
the dashboard's folders (the shipped scenarios, the folder tree of the scenario it was started
with, and the working folder it was started in), so nothing typed reads a file elsewhere.

Example:
    >>> opened = open_scenario("istanbul_2025", roots=allowed_roots(None))  # doctest: +SKIP
    >>> doc = whatif(opened.path, ["protocol.rounds=2"], runs=20_000, seed=0)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import shlex
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.errors import ScenarioError, UserError, printable
from simulator.scenario.load import load_scenario
from simulator.scenario.schema import Scenario
from simulator.scenario.shipped import find_scenario, shipped_root, shipped_scenarios

#: Worlds of a what-if by default: the size the issue's speed target names.
WHATIF_WORLDS = 20_000
#: Largest run a page accepts (a bigger one belongs on the command line, with --workers).
MAX_WORLDS = 2_000_000
LEVEL_CHOICES = ("absent", "official", "minister", "leader")


class Cancelled(Exception):
    """A newer request (or the Cancel button) stopped this one between two chunks."""


def ticker(cancel: threading.Event | None, report: Callable[[int], None] | None) -> Callable[[int], None]:
    """A ``progress`` callback for the API that reports worlds done and stops when cancelled."""

    def tick(worlds: int) -> None:
        if cancel is not None and cancel.is_set():
            raise Cancelled
        if report is not None:
            report(worlds)

    return tick


# --- opening scenarios ---------------------------------------------------------------------------


def allowed_roots(start: Path | None) -> list[Path]:
    """The folders a typed path may point into: the shipped scenarios' and the start folder's."""
    roots = []
    shipped = shipped_root()
    if shipped is not None:
        roots.append((shipped / "scenarios").resolve())
    if start is not None:
        from simulator.scenario.load import _tree

        roots.append(_tree(start).resolve())
    roots.append(Path.cwd().resolve())
    return list(dict.fromkeys(roots))


def resolve_typed(text: str, roots: Sequence[Path]) -> Path:
    """A scenario the user typed (shipped name or path) as a file inside ``roots``.

    Raises:
        UserError: Not a ``.yaml`` file, missing, or outside every allowed folder.
    """
    text = text.strip()
    if not text or "\x00" in text:
        raise UserError("type a shipped scenario's name or the path of a .yaml file")
    path = find_scenario(text)
    if not path.is_absolute():
        candidates = [path, *(r / path for r in roots)]
        path = next((c for c in candidates if c.is_file()), path)
    try:
        real = path.resolve()
    except (OSError, RuntimeError) as exc:
        raise UserError(printable(f"{text}: cannot open ({exc})")) from None
    if real.suffix not in (".yaml", ".yml"):
        raise UserError(printable(f"{text}: a scenario is a .yaml or .yml file"))
    if not any(real.is_relative_to(r) for r in roots):
        where = ", ".join(str(r) for r in roots)
        raise UserError(printable(f"{text}: outside the dashboard's folders ({where})"))
    if not real.is_file():
        raise UserError(printable(f"{text}: no such scenario file"))
    return path


@dataclass
class Opened:
    """A scenario loaded for a page: the file and the validated scenario."""

    path: Path
    scenario: Scenario


def open_scenario(text: str, roots: Sequence[Path], overrides: Sequence[str] = ()) -> Opened:
    """Load a typed scenario as ``negsim validate`` would (raises ``ScenarioError``/``UserError``)."""
    path = resolve_typed(text, roots)
    return Opened(path, load_scenario(path, overrides))


def shipped_names() -> list[str]:
    """The shipped scenarios' names, baseline first."""
    return list(shipped_scenarios())


def message(exc: Exception) -> str:
    """A user mistake as the CLI prints it (``path:line:col: message`` lines)."""
    return str(exc) if isinstance(exc, ScenarioError) else printable(str(exc))


# --- the Scenario page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Control:
    """One parameter as a control: its ``--set`` path, value text, range and provenance."""

    path: str
    value: str
    low: float
    high: float
    uncertain: bool
    sources: list[str]
    assumption: str | None
    choices: tuple[str, ...] = ()  # a select (delegation levels) instead of a number

    @property
    def slider(self) -> bool:
        """A number with a finite range gets a slider."""
        return not self.choices and math.isfinite(self.low) and math.isfinite(self.high)

    def set_path(self) -> str:
        """The path ``--set`` takes (``...initial.level`` for an initial signal)."""
        return f"{self.path}.level" if self.choices else self.path


def controls(scenario: Scenario) -> list[Control]:
    """Every parameter and initial signal of the scenario, in ``negsim explain``'s order."""
    from simulator.scenario.explain import entries

    slots = scenario.parameter_slots()
    lib = _library(scenario)
    out = []
    for _, items in entries(scenario):
        for e in items:
            cites = [_cite(s, lib) for s in e.sources]
            if e.path in slots:
                slot = slots[e.path]
                lo, hi = slot.low, slot.high
                if not (math.isfinite(lo) and math.isfinite(hi)):
                    s_lo, s_hi = slot.param.support()
                    lo, hi = (lo if math.isfinite(lo) else s_lo), (hi if math.isfinite(hi) else s_hi)
                out.append(Control(e.path, e.value, lo, hi, slot.param.uncertain, cites, e.assumption))
            elif e.path.endswith(".attendance.initial"):
                out.append(Control(e.path, e.value, 0, 0, False, cites, e.assumption, choices=LEVEL_CHOICES))
    return out


def _library(scenario: Scenario) -> dict[str, Any]:
    from simulator.scenario.sources import seed_index

    if scenario.seeds_dir is None:
        return {}
    try:
        return {info.stem: info for info in seed_index(scenario.seeds_dir)}
    except (OSError, UserError):
        return {}


def _cite(source: Any, lib: dict[str, Any]) -> str:
    if source.is_dataset or source.seed is None or source.quote is None:
        return str(source.cite())
    info = next((v for k, v in lib.items() if k == source.seed or k.startswith(f"{source.seed}_")), None)
    quote = " ".join(source.quote.split())
    if info is None:
        return f'[{source.seed}] "{quote}"'
    return f'"{quote}" — {info.headline}, {info.outlet}, {info.date}'


def picture(scenario: Scenario) -> list[dict[str, Any]]:
    """Per issue, each principal's ideal and red line (means of their distributions) for the chart."""
    rows = []
    for iid, issue in scenario.issues.items():
        marks = []
        for party in scenario.parties.values():
            pos = party.positions.get(iid) if party.positions else None
            if pos is None:
                continue
            marks.append(
                {"party": party.name, "ideal": pos.ideal.mean(0, 1), "red_line": pos.red_line.mean(0, 1)}
            )
        rows.append({"issue": iid, "name": issue.name, "low": issue.low, "high": issue.high, "marks": marks})
    return rows


# --- runs ----------------------------------------------------------------------------------------


def check_worlds(runs: int) -> int:
    """A world count a page accepts (raises ``UserError`` with the limits)."""
    if isinstance(runs, bool) or not isinstance(runs, int) or not 100 <= runs <= MAX_WORLDS:
        raise UserError(f"worlds: give a whole number from 100 to {MAX_WORLDS:,} (got {runs})")
    return runs


def check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise UserError(f"seed: give a whole number of 0 or more (got {seed})")
    return seed


@dataclass
class Forecast:
    """A finished forecast: its run folder, summary and figure files."""

    out: Path
    summary: dict[str, Any]
    figures: list[Path] = field(default_factory=list)


def forecast(
    scenario: Scenario,
    out: Path,
    *,
    runs: int,
    seed: int,
    cancel: threading.Event | None = None,
    report: Callable[[int], None] | None = None,
) -> Forecast:
    """``negsim run SCENARIO --runs N --seed S --out OUT``, through :func:`simulator.api.run`."""
    from simulator.api import run

    output = run(
        scenario, out, runs=check_worlds(runs), seed=check_seed(seed), progress=ticker(cancel, report)
    )
    return Forecast(output.out, output.summary, sorted(output.figures))


def whatif(
    path: Path,
    overrides_b: Sequence[str],
    *,
    runs: int,
    seed: int,
    cancel: threading.Event | None = None,
    report: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """``negsim compare P P --set-b ...`` on common random numbers: the ``comparison.json`` document.

    B's overrides are labelled ``--set-b[N]`` in messages, as ``negsim compare`` labels them.
    """
    from simulator.analysis.compare import compare_scenarios, comparison_dict

    runs, seed = check_worlds(runs), check_seed(seed)
    a = load_scenario(path)
    labels = [f"--set-b[{i}]" for i in range(1, len(overrides_b) + 1)]
    b = load_scenario(path, list(overrides_b), labels=labels)
    result = compare_scenarios(
        a, b, runs=runs, seed=seed, progress=ticker(cancel, report), reference=_reference()
    )
    info = {"name": a.name, "path": str(path), "sha256": a.sha256(), "overrides": []}
    info_b = {"name": b.name, "path": str(path), "sha256": b.sha256(), "overrides": list(overrides_b)}
    return comparison_dict(result, info, info_b)


_REFERENCE: list[Any] = []


def _reference() -> Any:
    """The unchanged scenarios' events, kept for the next what-if (a pure memo: same scenario,
    seed and chunk give the same events, so sharing it between tabs shares no state)."""
    if not _REFERENCE:
        from simulator.analysis.compare import ReferenceCache

        _REFERENCE.append(ReferenceCache())
    return _REFERENCE[0]


def compare_command(path: Path, overrides_b: Sequence[str], *, runs: int, seed: int) -> str:
    """The command line that reproduces a what-if (a shipped scenario by its name)."""
    p = shlex.quote(command_argument(path))
    sets = "".join(f" --set-b {shlex.quote(o)}" for o in overrides_b)
    return f"negsim compare {p} {p}{sets} --runs {runs} --seed {seed} --out runs/whatif"


def command_argument(path: Path) -> str:
    """How to name a scenario on the command line: its shipped name, else its path from here."""
    real = path.resolve()
    for name, shipped in shipped_scenarios().items():
        if shipped.resolve() == real:
            return name
    try:
        return str(real.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def key_events(doc: dict[str, Any]) -> list[str]:
    """The what-if's events worth a row (``negsim compare``'s table)."""
    from simulator.analysis.compare import key_events as keys

    return keys(doc)


def sensitivity(
    scenario: Scenario,
    *,
    n: int,
    seed: int,
    cancel: threading.Event | None = None,
    report: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """``negsim sensitivity --method morris --n N``: the ``sensitivity.json`` document."""
    from simulator.analysis.sensitivity import run_sensitivity

    result = run_sensitivity(scenario, method="morris", n=n, seed=seed, progress=ticker(cancel, report))
    doc: dict[str, Any] = json.loads(json.dumps(result.to_dict(scenario), default=str))
    return doc


def sensitivity_cost(scenario: Scenario, n: int) -> int:
    """Worlds a Morris analysis of ``n`` trajectories plays (stated before it starts)."""
    from simulator.defaults import DEFAULT_REPLICATES

    k = sum(1 for s in scenario.parameter_slots().values() if s.param.uncertain)
    return n * (k + 1) * DEFAULT_REPLICATES


def discovery(run: Path, event: str) -> dict[str, Any]:
    """``negsim discover RUN --event KEY``: the box of drawn parameters where ``event`` happens
    (the ``discovery.json`` document), from a forecast's run folder."""
    from simulator.analysis.discovery import discover

    event = event.strip()
    if not event:
        raise UserError("event: give an event key, e.g. agreement.ceasefire")
    doc: dict[str, Any] = discover(run, event).to_json()
    return doc


def latest_forecast(folder: Path, scenario: Scenario) -> Path | None:
    """This tab's latest finished run folder of ``scenario`` (None before its first forecast)."""
    found = []
    for summary in folder.glob("*/summary.json"):
        try:
            doc = json.loads(summary.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if doc.get("scenario", {}).get("sha256") == scenario.sha256():
            found.append(summary)
    return max(found, key=lambda p: p.stat().st_mtime).parent if found else None


def read_document(text: str, roots: Sequence[Path], name: str) -> dict[str, Any]:
    """A run folder's JSON document (``sensitivity.json``...) from a typed folder inside ``roots``."""
    folder = Path(text.strip())
    real = folder.resolve()
    if not any(real.is_relative_to(r) for r in roots) or not (real / name).is_file():
        raise UserError(printable(f"{text}: no {name} in a folder inside the dashboard's folders"))
    if (real / name).stat().st_size > 20_000_000:
        raise UserError(printable(f"{text}/{name}: too large to show"))
    try:
        doc = json.loads((real / name).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(printable(f"{text}/{name}: not a readable JSON document ({exc})")) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("events"), dict):
        raise UserError(printable(f"{text}/{name}: not a negsim {name}"))
    return doc


def dated_series(summary: dict[str, Any]) -> dict[str, list[tuple[str, float, float, float]]]:
    """A campaign summary's ``EVENT.by.DATE`` keys as series: (date, p, lo, hi), by date."""
    from simulator.scenario.events import DATED

    series: dict[str, list[tuple[str, float, float, float]]] = {}
    for key, e in summary.get("events", {}).items():
        m = DATED.fullmatch(key)
        if m and isinstance(e, dict) and "p" in e:
            lo, hi = e.get("ci95", [e["p"], e["p"]])
            series.setdefault(m["event"], []).append((m["date"], e["p"], lo, hi))
    return {k: sorted(v) for k, v in series.items() if any(p > 0 for _, p, _, _ in v)}


def campaign_series(
    summary: dict[str, Any], scenario: Scenario
) -> dict[str, list[tuple[str, float, float, float]]]:
    """The campaign chart's lines: the headline agreement, any agreement, a second meeting and
    each party's sanctions, by date (a line needs two checkpoints or more)."""
    from simulator.scenario import events as ke

    headline = ke.headline_issue(scenario)
    wanted = [ke.AGREEMENT.key(headline), ke.AGREEMENT_ANY.key(), ke.MEETING_HELD.key(2)]
    wanted += [ke.SANCTIONS.key(p) for p in ke.sanctioners(scenario)]
    series = dated_series(summary)
    return {k: series[k] for k in wanted if len(series.get(k, ())) > 1}


def timeline(path: Path, dates: Sequence[str], *, runs: int, seed: int) -> dict[str, Any]:
    """``negsim timeline PATH --as-of D1 --as-of D2 ...``: the ``timeline.json`` document."""
    from simulator.analysis.timeline import timeline as run_timeline

    if not dates:
        raise UserError("as of: give one date or more (YYYY-MM-DD or YYYY-MM-DDTHH:MM)")
    return run_timeline(path, list(dates), runs=check_worlds(runs), seed=check_seed(seed))
