"""DEU III proposals as negsim scenarios: one scenario per proposal, every number cited and checked.

Why scenarios and not just arrays: the benchmark then measures the same format users write, and
``negsim validate`` proves every imported number against the file (``source: {dataset: deu3,
record: <issue>, field: <column>, scale: 100}``: the cell holds the value x 100 because scenario
positions live on 0..1). Parties are the Commission, the Parliament and the member states with a
position on at least one issue of the proposal; capabilities come from line 2 (divided by the
largest, cited with that scale); the rule from ``counvte`` and ``proc``; reversion from ``rp``.

What the data does not record is stated as an assumption: everyone attends as an official (no
attendance drama in EU legislation), red lines sit at the far end of the scale (acceptance is
decided by the voting rule against the reversion point), concession is linear.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from simulator.scenario.importers.deu3 import CAPABILITY_RECORD, DATASET, Deu3Dataset, Deu3Issue
from simulator.scenario.yamlsafe import dump_yaml

ATTENDS = "DEU records legislative bargaining, not summits: everyone attends, as an official."
NO_RED_LINE = (
    "DEU records no red line: it is put at the far end of the scale, and whether a text is adopted "
    "is decided by the voting rule against the reversion point."
)
NICE = (
    "Council QMV with the Nice-Treaty weights (255 of 345, a majority of the states), scaled to the "
    "states with a position; see docs/model.md, Decision rules."
)
LISBON = (
    "Council QMV by double majority (Art. 16(4) TEU: 55% of the states, 65% of the population, "
    "blocking minority of four), over the states with a position; see docs/model.md."
)


#: Display names of the DEU actor codes (the file's column suffixes).
ACTOR_NAMES = {
    "com": "European Commission", "ep": "European Parliament", "at": "Austria", "be": "Belgium",
    "bu": "Bulgaria", "cr": "Croatia", "cy": "Cyprus", "cz": "Czechia", "dk": "Denmark",
    "ee": "Estonia", "fi": "Finland", "fr": "France", "de": "Germany", "el": "Greece",
    "hu": "Hungary", "ie": "Ireland", "it": "Italy", "lv": "Latvia", "lt": "Lithuania",
    "lu": "Luxembourg", "mt": "Malta", "nl": "Netherlands", "pl": "Poland", "pt": "Portugal",
    "ro": "Romania", "si": "Slovenia", "sk": "Slovakia", "es": "Spain", "se": "Sweden",
    "uk": "United Kingdom",
}  # fmt: skip


def issue_key(issue_id: str) -> str:
    """The scenario id of a DEU issue (ids must be lower-case: ``n0062Bi1`` becomes ``n0062bi1``)."""
    key = re.sub(r"[^a-z0-9_]+", "_", issue_id.lower())
    return key if re.match(r"[a-z]", key) else "i_" + key


def _fixed(value: float, assumption: str) -> dict[str, Any]:
    return {"value": value, "assumption": assumption}


def _cited(value: float, record: str, field: str, scale: float = 100.0) -> dict[str, Any]:
    src: dict[str, Any] = {"dataset": DATASET, "record": record, "field": field}
    if scale != 1.0:
        src["scale"] = scale
    return {"value": value / scale, "source": src}


def year_of(issue: Deu3Issue, dataset: Deu3Dataset) -> int | None:
    """The year of the final act (else of introduction) from the garbled date columns, if any."""
    line = dataset.lines[issue.line - 1].split("\t")
    for name in ("finact", "intro"):
        text = line[dataset.columns.index(name)].strip('"')
        if m := re.fullmatch(r"(\d{4})-\d\d-\d\d", text):
            return int(m.group(1))
        if m := re.fullmatch(r"\d\d-\d\d-(\d\d)", text):
            yy = int(m.group(1))
            return 1900 + yy if yy > 50 else 2000 + yy
    return None


def proposal_scenario(dataset: Deu3Dataset, issues: list[Deu3Issue], dataset_path: str) -> dict[str, Any]:
    """The scenario (as plain data, ready for YAML) of one proposal's ``issues``."""
    # Import here: the model's rule helpers are pure data, but the scenario layer must not import
    # the model package at module level (layers: model above scenario).
    from simulator.scenario.importers.eu_rules import council_rule

    first = issues[0]
    caps = {a: c for a, c in zip(dataset.actors, dataset.capabilities, strict=True) if c is not None}
    scale_cap = max(caps.values())
    present = [a for a in dataset.actors if any(i.actor(a).position is not None for i in issues)]
    full = [a for a in present if all(i.actor(a).position is not None for i in issues)]
    principals: list[str] = [a for a in ("com", "ep") if a in full]
    for a in sorted(full, key=lambda a: -caps.get(a, 0.0)):
        if len(principals) >= 2:
            break
        if a not in principals:
            principals.append(a)
    parties: dict[str, Any] = {}
    for actor in present:
        party: dict[str, Any] = {
            "name": ACTOR_NAMES.get(actor, actor),
            "leader": "its delegation" if actor not in ("com", "ep") else "its negotiators",
            "role": "principal" if actor in principals else "third_party",
            "capability": _cited(caps[actor], CAPABILITY_RECORD, "p" + actor, scale_cap),
            "attendance": {
                "levels": ["absent", "official"],
                "initial": {"level": "official", "assumption": ATTENDS},
                "talks_value": _fixed(1.0, ATTENDS),
                "leader_cost": _fixed(0.0, ATTENDS),
                "legitimacy_cost": _fixed(0.0, ATTENDS),
                "protocol_cost": _fixed(0.0, ATTENDS),
                "empty_chair_cost": _fixed(0.0, ATTENDS),
            },
            "positions": {},
        }
        for issue in issues:
            entry = issue.actor(actor)
            if entry.position is None:
                continue
            ideal = _cited(entry.position, issue.issue, "p" + actor)
            salience = (
                _cited(entry.salience, issue.issue, "s" + actor)
                if entry.salience is not None
                else _fixed(0.0, "DEU records no salience for this actor on this issue.")
            )
            party["positions"][issue_key(issue.issue)] = {
                "ideal": ideal,
                "red_line": _fixed(0.0 if entry.position >= 50 else 1.0, NO_RED_LINE),
                "salience": salience,
                "concession": _fixed(1.0, "DEU records no bargaining style: linear concession."),
            }
        if actor in principals:
            party["outside_option"] = _fixed(0.0, "No deal: the reversion point holds; valued at 0.")
            party["reactance"] = _fixed(1.0, "No threats in EU legislation.")
        parties[actor] = party
    states = [a for a in present if a not in ("com", "ep")]
    bodies: dict[str, Any] = {}
    if states:
        vote, params = council_rule(states, first.voting_rule, year_of(first, dataset))
        why = (
            "Council unanimity (counvte: Unan)."
            if vote == "unanimity"
            else NICE
            if "weights" in params
            else LISBON
        )
        bodies["council"] = {
            "members": states,
            "vote": vote,
            **params,
            "source": {"dataset": DATASET, "record": first.issue, "field": "counvte"},
            "assumption": why,
        }
    if first.procedure == "COD" and "ep" in present:
        bodies["parliament"] = {
            "members": ["ep"],
            "vote": "simple_majority",
            "source": {"dataset": DATASET, "record": first.issue, "field": "proc"},
            "assumption": "Co-decision: the Parliament must adopt too (its plenary majority, as one actor).",
        }
    issues_out: dict[str, Any] = {}
    for issue in issues:
        item: dict[str, Any] = {
            "name": f"{issue.proposal_name} ({issue.issue})",
            "low": "0 on the DEU III scale of this issue",
            "high": "100 on the DEU III scale of this issue",
        }
        if issue.reference_point is not None:
            item["reversion"] = _cited(issue.reference_point, issue.issue, "rp")
        issues_out[issue_key(issue.issue)] = item
    return {
        "name": f"DEU III {first.proposal}: {first.proposal_name}",
        "description": f"Imported from {Path(dataset.path).name} ({len(issues)} issues).",
        "datasets": {DATASET: dataset_path},
        "issues": issues_out,
        "parties": parties,
        "protocol": {
            "announcement_order": list(parties),
            "announcement_rounds": 1,
            "choice_noise": _fixed(
                0.1, "Attendance is not in question (see attendance); the noise is immaterial."
            ),
            "rounds": 6,
            "mandate": {
                k: _fixed(1.0, "Officials carry the full mandate in Council working parties.")
                for k in ("leader", "minister", "official")
            },
            "walkaway_margin": _fixed(0.0, "Nobody walks out of EU legislation."),
            "rule": {
                "kind": "bodies",
                "bodies": bodies,
                **({"agenda_setter": "com"} if "com" in present else {}),
            }
            if bodies
            else {"kind": "unanimity_of_principals"},
        },
    }


def proposals(dataset: Deu3Dataset) -> dict[str, list[Deu3Issue]]:
    """The dataset's issues grouped by proposal id, in file order."""
    out: dict[str, list[Deu3Issue]] = {}
    for issue in dataset.issues:
        out.setdefault(issue.proposal, []).append(issue)
    return out


def write_scenarios(dataset: Deu3Dataset, out: Path) -> list[Path]:
    """Write one ``<proposal>.yaml`` per proposal into ``out``; the dataset path is made relative."""
    out.mkdir(parents=True, exist_ok=True)
    rel = os.path.relpath(Path(dataset.path).resolve(), out.resolve())
    written = []
    for proposal, issues in proposals(dataset).items():
        path = out / f"{proposal}.yaml"
        path.write_text(dump_yaml(proposal_scenario(dataset, issues, rel)), encoding="utf-8")
        written.append(path)
    return written
