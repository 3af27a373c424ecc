"""``negsim new NAME``: write a minimal valid scenario and its ``seeds/`` folder to fill in."""

from __future__ import annotations

import argparse
from pathlib import Path


def _ids(text: str) -> list[str]:
    """An argparse type: a comma-separated list of ids (``russia,ukraine``)."""
    return [part.strip() for part in text.split(",") if part.strip()]


def add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``negsim new`` to the CLI's subcommands."""
    p = sub.add_parser(
        "new",
        help="write a new scenario to fill in (valid and runnable at once)",
        description=(
            "Write DIR/NAME.yaml, a minimal valid scenario with the parties and issues named, every "
            "number a placeholder whose assumption starts with TODO, and DIR/seeds/ for the articles "
            "it will cite. `negsim validate` lists the placeholders still to replace; the scenario "
            "runs as written."
        ),
    )
    p.add_argument("name", metavar="NAME", help="file name of the scenario (NAME.yaml) and its title")
    p.add_argument(
        "--parties",
        type=_ids,
        default=["party_a", "party_b"],
        metavar="A,B,...",
        help="the principal parties, at least two (default: party_a,party_b); more than two use the "
        "Nash bargaining protocol",
    )
    p.add_argument("--mediator", default=None, metavar="M", help="a mediator (needs no positions)")
    p.add_argument(
        "--third-parties",
        type=_ids,
        default=[],
        metavar="X,Y,...",
        help="parties that attend or not without negotiating",
    )
    p.add_argument("--issues", type=_ids, default=["issue_1"], metavar="X,Y,...", help="the issues")
    p.add_argument("--dir", type=Path, default=Path("."), help="folder to write into (default: here)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing NAME.yaml")
    p.set_defaults(func=cmd_new)


def cmd_new(args: argparse.Namespace) -> int:
    """Run ``negsim new``: refuse to overwrite, write the scenario atomically, say what is next."""
    from simulator import storage
    from simulator.errors import UserError, printable
    from simulator.scenario.template import SEEDS_README, check_ids, scenario_template

    stem = args.name.removesuffix(".yaml")
    check_ids("NAME", [stem])
    target = args.dir / f"{stem}.yaml"
    if target.exists() and not args.overwrite:
        raise UserError(
            printable(f"{target} already exists; choose another NAME or --dir, or pass --overwrite")
        )
    text = scenario_template(
        stem,
        parties=args.parties,
        mediator=args.mediator,
        third_parties=args.third_parties,
        issues=args.issues,
    )
    seeds = args.dir / "seeds"
    try:
        seeds.mkdir(parents=True, exist_ok=True)
        if not (seeds / "README.md").exists():
            storage.write_text(seeds / "README.md", SEEDS_README)
        storage.write_text(target, text)
    except OSError as exc:
        raise UserError(printable(f"cannot write {target}: {exc}")) from None
    print(f"wrote {target} and {seeds}/")
    print(f"next: replace the TODO placeholders (`negsim validate {target}` lists them),")
    print(f"then `negsim run {target}`")
    return 0
