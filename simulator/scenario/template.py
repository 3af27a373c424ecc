"""A new scenario to fill in (``negsim new``): minimal, valid, and honest about what is a guess.

The template names the parties and issues it is given and writes every field their roles need
(and no more: a mediator gets no positions, outside option or counterpart costs), each number a
neutral placeholder whose ``assumption`` starts with :data:`PLACEHOLDER`. The file validates and
runs at once; ``negsim validate`` lists every placeholder still there (:mod:`.placeholders`), and
the user replaces each with a source quoted from an article in ``seeds/`` or a reasoned assumption.
Which field each role needs is in ``docs/scenario-format.md``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from simulator.errors import UserError

#: How a placeholder assumption starts (``negsim validate`` looks for it).
PLACEHOLDER = "TODO"
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def _q(text: str) -> str:
    """``text`` as a double-quoted YAML scalar."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _todo(what: str) -> str:
    return _q(f"{PLACEHOLDER}: {what}")


def _param(value: float, what: str, indent: int) -> str:
    pad = " " * indent
    return f"\n{pad}value: {value}\n{pad}assumption: {_todo(what)}"


def _title(pid: str) -> str:
    return pid.replace("_", " ").title()


def check_ids(kind: str, ids: Sequence[str]) -> None:
    """Refuse ids the schema would refuse (lower-case snake case) and repeats, in one line."""
    for i in ids:
        if not _ID.match(i) or len(i) > 40:
            raise UserError(
                f"{kind}: '{i}' is not an id (lower-case letters, digits and _, starting with a letter)"
            )
    if len(set(ids)) != len(ids):
        raise UserError(f"{kind}: an id is given twice ({', '.join(ids)})")


def scenario_template(
    name: str,
    *,
    parties: Sequence[str] = ("party_a", "party_b"),
    mediator: str | None = None,
    third_parties: Sequence[str] = (),
    issues: Sequence[str] = ("issue_1",),
    seeds: str = "seeds",
) -> str:
    """The YAML text of a new scenario called ``name``.

    Args:
        name: The scenario's title (shown in every output).
        parties: The principals (at least two): they meet, concede and agree.
        mediator: An optional mediator, who tables texts and needs no positions.
        third_parties: Optional parties that attend (or not) without negotiating.
        issues: The negotiated issues, each on a 0..1 scale.
        seeds: The folder of seed articles, relative to the scenario file.

    Raises:
        UserError: An id that is not lower-case snake case, a repeat, or fewer than two parties.
    """
    everyone = [*parties, *([mediator] if mediator else []), *third_parties]
    check_ids("--parties/--mediator/--third-parties", everyone)
    check_ids("--issues", list(issues))
    if len(parties) < 2:
        raise UserError("--parties: a negotiation needs at least two principal parties")
    if not issues:
        raise UserError("--issues: name at least one issue")
    # Offers and responses (the default) take two principals; the Nash bargaining solution any number.
    kind = "offers" if len(parties) == 2 else "nash"
    out: list[str] = [
        f"# {name}: a new negsim scenario (`negsim new`).",
        "#",
        f"# Every number below is a placeholder whose assumption starts with {PLACEHOLDER}: replace each",
        '# with a source (an article saved as seeds/NNN_name.txt, cited as {seed: "NNN", quote: "..."})',
        "# or with your reasoning. `negsim validate` lists the placeholders still here; the format is",
        "# in docs/scenario-format.md (which fields each role needs).",
        f"name: {_q(name)}",
        f"description: {_todo('what is negotiated, where and when')}",
        f"seeds: {_q(seeds)}",
        "",
        "issues:",
    ]
    for iid in issues:
        out += [
            f"  {iid}:",
            f"    name: {_q(_title(iid))}",
            f"    low: {_todo('what 0 means on this issue')}",
            f"    high: {_todo('what 1 means on this issue')}",
        ]
    out += ["", "parties:"]
    for k, pid in enumerate(parties):
        counterpart = parties[1] if k == 0 else parties[0]
        ideal, red_line = (0.2, 0.7) if k % 2 == 0 else (0.8, 0.3)
        out += _party(pid, "principal", counterpart)
        out += [f"    outside_option:{_param(0.3, 'value of no deal, on the scale of a deal', 6)}"]
        out += [f"    reactance:{_param(0.0, 'how much threats harden it (0: not at all)', 6)}"]
        out += ["    positions:"]
        for iid in issues:
            out += [
                f"      {iid}:",
                f"        ideal:{_param(ideal, 'what it asks for', 10)}",
                f"        red_line:{_param(red_line, 'the farthest it will go', 10)}",
                f"        salience:{_param(0.5, 'how much it cares about this issue', 10)}",
                f"        concession:{_param(1.0, 'how fast it concedes (1: steadily)', 10)}",
            ]
    if mediator:
        out += _party(mediator, "mediator", None)
    for pid in third_parties:
        out += _party(pid, "third_party", None)
    out += [
        "",
        "protocol:",
        f"  kind: {kind}",
        f"  choice_noise:{_param(0.1, 'randomness in attendance choices', 4)}",
    ]
    if mediator:
        out += [f"  mediator: {mediator}"]
    out += [
        "  mandate:",
        f"    leader:{_param(1.0, 'how far a leader may concede', 6)}",
        f"    minister:{_param(0.5, 'how far a minister may concede', 6)}",
        f"    official:{_param(0.25, 'how far an official may concede', 6)}",
        f"  walkaway_margin:{_param(0.1, 'how much worse than no deal a text must be to walk out', 4)}",
        "",
    ]
    return "\n".join(out)


def _party(pid: str, role: str, counterpart: str | None) -> list[str]:
    lines = [
        f"  {pid}:",
        f"    name: {_q(_title(pid))}",
        f"    leader: {_todo('who leads it')}",
        f"    role: {role}",
        f"    capability:{_param(0.5, 'its weight in a mediated text', 6)}",
        "    attendance:",
        "      initial:",
        "        level: minister",
        f"        assumption: {_todo('the level it had signalled at the start')}",
        f"      talks_value:{_param(0.5, 'what attending with a full mandate is worth to it', 8)}",
        f"      leader_cost:{_param(0.2, 'what sending its leader costs it', 8)}",
    ]
    if counterpart is not None:  # the counterpart terms: only for a party measuring itself by another
        lines += [
            f"      counterpart: {counterpart}",
            f"      legitimacy_cost:{_param(0.0, 'cost of its leader sitting with the counterpart', 8)}",
            f"      protocol_cost:{_param(0.1, 'cost of outranking the counterpart', 8)}",
            f"      empty_chair_cost:{_param(0.1, 'cost of being outranked by the counterpart', 8)}",
        ]
    return lines


SEEDS_README = """\
# Seed articles

Save each article this scenario cites here as plain text, one file per article, named
`NNN_short_name.txt` (`000_reuters_talks.txt`). Cite it from the scenario as

    source: {seed: "000", quote: "words copied exactly from the article"}

`negsim validate` checks that every quote occurs in its article (whitespace and curly quotes
aside). An optional `index.yaml` here can record each article's outlet and publication time (see
the shipped seeds/index.yaml), which `negsim run --as-of` uses.
"""
