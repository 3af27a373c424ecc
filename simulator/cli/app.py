"""The ``negsim`` command line: the entry point, its exit codes, and the one list of commands.

Exit codes (README, "Exit codes"): 0 success; 2 bad input, with ``path:line:col: message`` lines and
no traceback; 130 interrupted (finished chunks are kept; ``--resume`` completes the run); 1
anything else.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from simulator._version import __version__
from simulator.errors import ScenarioError, UserError, printable


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``negsim`` command; returns the exit code."""
    args: argparse.Namespace | None = None
    try:
        # The handlers come first: Ctrl-C or SIGTERM at any moment (even while the parser and the
        # engine are imported) ends in the one clean exit 130 below.
        with _signals_as_interrupt():
            parser = build_parser()
            try:
                args = parser.parse_args(argv)
            except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
                return int(exc.code or 0)
            with _figures_as(getattr(args, "figure_format", None)):
                return int(args.func(args) or 0)
    except UserError as exc:
        print(printable(str(exc)) if not isinstance(exc, ScenarioError) else str(exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        out = getattr(args, "out_dir_for_resume", None)
        hint = f"; finished chunks are kept: resume with `negsim run --resume {out}`" if out else ""
        print(printable(f"negsim: interrupted{hint}"), file=sys.stderr)
        return 130
    except OSError as exc:
        from simulator.engine.rundir import has_manifest

        out = getattr(args, "out_dir_for_resume", None)
        hint = ""
        if out is not None and has_manifest(Path(out)):
            hint = f"; finished chunks are kept: fix that, then resume with `negsim run --resume {out}`"
        print(printable(f"negsim: cannot write output: {exc}{hint}"), file=sys.stderr)
        return 1


@contextlib.contextmanager
def _signals_as_interrupt() -> Iterator[None]:
    """While a command runs, SIGINT and SIGTERM (``kill``, a batch scheduler) stop it as Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield  # handlers can only be installed from the main thread
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


@contextlib.contextmanager
def _figures_as(fmt: str | None) -> Iterator[None]:
    """The figures a command writes are ``fmt`` files (its ``--format``); matplotlib is imported
    only when a format other than the default PNG was asked for."""
    if fmt is None or fmt == "png":
        yield
        return
    from simulator.figures.common import figure_format

    with figure_format(fmt):  # type: ignore[arg-type]
        yield


#: Every command, in ``negsim --help`` order: each is the module ``simulator.cli.<name>`` with an
#: ``add_command(subparsers)`` (one line here registers a new command).
COMMANDS = (
    "validate",
    "explain",
    "run",
    "report",
    "sensitivity",
    "compare",
    "sweep",
    "score",
    "benchmark",
    "importer",
    "timeline",
    "discover",
    "new",
    "dashboard",
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    p = argparse.ArgumentParser(
        prog="negsim",
        description="Diplomatic-negotiation scenario simulator: who shows up, who concedes, "
        "what comes out, and what would change that.",
    )
    p.add_argument("--version", action="version", version=f"negsim {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"simulator.cli.{name}").add_command(sub)
    return p


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
