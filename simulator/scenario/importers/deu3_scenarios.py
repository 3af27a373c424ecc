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

from simulator.scenario.importers.deu3 import (
    CAPABILITY_RECORD,
    DATASET,
    Deu3Dataset,
    Deu3Issue,
    issue_key,
)
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


#: Rough YAML bytes of one party, and of one of its positions, in an imported scenario (measured
#: on the DEU III training half: 1.9 kB and 0.75 kB); used to refuse a proposal too large for
#: ``negsim validate`` before spending minutes writing it.
PARTY_BYTES = 2_000
POSITION_BYTES = 800
#: About how fast scenarios are built, checked and written as YAML (bytes per second, one core).
YAML_BYTES_PER_SECOND = 200_000


def estimated_bytes(dataset: Deu3Dataset, issues: list[Deu3Issue]) -> int:
    """About how many bytes the scenario of ``issues`` takes as YAML (before it is built)."""
    cells = sum(1 for i in issues for a in i.actors if a.position is not None)
    return PARTY_BYTES * len(dataset.actors) + POSITION_BYTES * cells


def validated_proposals(dataset: Deu3Dataset, dataset_path: str) -> dict[str, dict[str, Any]]:
    """Every proposal's scenario as plain data, by proposal id, each one validated as a scenario.

    A proposal that cannot be one (fewer than two principals, a scenario far over ``negsim
    validate``'s size limit) is a ``file:line:col`` problem at its first line; all are raised
    together as one ScenarioError.
    """
    from pydantic import ValidationError

    from simulator.errors import Problem, ScenarioError
    from simulator.scenario.schema import Scenario
    from simulator.scenario.yamlsafe import MAX_BYTES

    out: dict[str, dict[str, Any]] = {}
    problems: list[Problem] = []
    for proposal, issues in proposals(dataset).items():
        where = (dataset.path, issues[0].line, 1)
        size = estimated_bytes(dataset, issues)
        if size > 2 * MAX_BYTES:
            problems.append(
                Problem(
                    *where,
                    f"proposal {proposal!r}: its scenario would be about {size:,} bytes, over "
                    f"the {MAX_BYTES:,} a scenario may have ({len(issues)} issues)",
                )
            )
            continue
        data = proposal_scenario(dataset, issues, dataset_path)
        try:
            Scenario.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(x) for x in err["loc"])
            message = f"{loc}: {err['msg']}" if loc else str(err["msg"])
            problems.append(Problem(*where, f"proposal {proposal!r} cannot be a scenario: {message}"))
            continue
        out[proposal] = data
    if problems:
        raise ScenarioError(problems)
    return out


def import_need(dataset: Deu3Dataset, out: Path) -> Any:
    """What importing ``dataset`` into ``out`` needs (:class:`simulator.sizes.Need`): the YAML is
    built in memory before anything is written (all or nothing), then written under ``out``."""
    from simulator.sizes import Need

    groups = proposals(dataset)
    total = sum(estimated_bytes(dataset, issues) for issues in groups.values())
    return Need(
        f"{len(groups):,} proposals ({len(dataset.issues):,} issues) as scenarios",
        memory=3 * total,
        disk=total,
        disk_at=out,
        seconds=total / YAML_BYTES_PER_SECOND,
    )


def build_scenarios(dataset: Deu3Dataset, dataset_path: str) -> dict[str, str]:
    """Every proposal's scenario as YAML text, by file name (``<prnr>.yaml``), each one checked:
    it must validate (:func:`validated_proposals`) and fit ``negsim validate``'s size limit. A
    proposal that would not is a ``file:line:col`` problem at its first line (nothing is written).
    """
    from simulator.errors import Problem, ScenarioError
    from simulator.scenario.yamlsafe import MAX_BYTES

    texts: dict[str, str] = {}
    problems: list[Problem] = []
    groups = proposals(dataset)
    for proposal, data in validated_proposals(dataset, dataset_path).items():
        text = dump_yaml(data)
        size = len(text.encode("utf-8"))
        if size > MAX_BYTES:
            problems.append(
                Problem(
                    dataset.path,
                    groups[proposal][0].line,
                    1,
                    f"proposal {proposal!r}: its scenario is {size:,} bytes, over the "
                    f"{MAX_BYTES:,} a scenario may have ({len(groups[proposal])} issues)",
                )
            )
            continue
        texts[f"{proposal}.yaml"] = text
    if problems:
        raise ScenarioError(problems)
    return texts


def write_scenarios(dataset: Deu3Dataset, out: Path, *, overwrite: bool = False) -> list[Path]:
    """Write one ``<proposal>.yaml`` per proposal into ``out``; the dataset path is made relative.

    Every file goes through :class:`simulator.storage.OutputFolder`: only under ``out``, never over
    a file negsim did not write, an earlier import replaced only with ``overwrite``. When the
    dataset lies outside the scenarios' folder tree (where ``negsim validate`` reads datasets
    without ``--allow-outside``), a copy is written beside them and cited instead.
    """
    from simulator.sizes import check
    from simulator.storage import OutputFolder, write_text

    out = Path(out)
    check(import_need(dataset, out), "import fewer proposals at a time")
    tree = out.resolve().parent  # the folder of out/<x>.yaml and of its default ../seeds
    source = Path(dataset.path).resolve()
    copy = None if source.is_relative_to(tree) else Path(dataset.path).name
    rel = copy if copy is not None else os.path.relpath(source, out.resolve())
    texts = build_scenarios(dataset, rel)
    if copy is not None and f"{copy}" in texts:
        copy = f"data-{copy}"
        texts = build_scenarios(dataset, copy)
    with OutputFolder(out, command="import", overwrite=overwrite) as folder:
        names = ([copy] if copy is not None else []) + list(texts)
        folder.reserve(names)  # every name checked before anything is written
        if copy is not None:
            write_text(folder.path(copy), "\n".join(dataset.lines) + "\n")
        for name, text in texts.items():
            write_text(folder.path(name), text)
        return [p for p in folder.written() if p.suffix == ".yaml"]
