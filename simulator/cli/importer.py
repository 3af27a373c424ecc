"""``negsim import``: scenarios from a dataset (the DEU III format: one scenario per proposal).

The file is read with the strict reader (:func:`read_dataset`, which ``negsim benchmark deu3``
shares), so a malformed row stops the command with exit 2 and ``file:line:col: message`` (no
traceback). Another format is one more subparser here and an importer in
``simulator/scenario/importers/``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_command(sub: Any) -> None:
    """Add ``negsim import`` (with its ``deu3`` format) to the CLI's subcommands."""
    imp = sub.add_parser("import", help="import scenarios from a dataset", description=__doc__)
    isub = imp.add_subparsers(dest="format", required=True)
    d = isub.add_parser("deu3", help="one scenario YAML per proposal of a DEU-format .tsv")
    d.add_argument("file", type=Path, help="a DEU-format tab-separated file")
    d.add_argument("--out", type=Path, required=True, help="folder for the scenario files")
    d.add_argument("--overwrite", action="store_true", help="replace an earlier import in --out")
    d.set_defaults(func=cmd_import_deu3)


def read_dataset(path: Path) -> Any:
    """The DEU-format file at ``path``, read strictly by the one reader of user files
    (:mod:`simulator.inputs`: a regular file of at most 5 MB; a ScenarioError otherwise)."""
    from simulator.scenario.importers.deu3 import read_deu3

    return read_deu3(path)


def cmd_import_deu3(args: argparse.Namespace) -> int:
    import sys

    from simulator.scenario.importers.deu3_scenarios import import_need, write_scenarios

    dataset = read_dataset(args.file)
    need = import_need(dataset, args.out)
    if need.seconds > 30:
        print(f"importing {need.describe()}", file=sys.stderr, flush=True)
    written = write_scenarios(dataset, args.out, overwrite=args.overwrite)
    print(f"{len(written)} scenarios written to {args.out} ({len(dataset.issues)} issues)")
    return 0
