"""The ``negsim`` command line: parse, call the Python API, print. Nothing else imports it.

The entry point is ``simulator.cli:main``; the parser and the commands live in ``app`` and one
module per command. Importing this package changes nothing in the process: the signal handlers
are installed when ``main`` starts.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence


def _exit_quietly(signum: int, frame: object) -> None:
    os.write(2, b"negsim: interrupted\n")
    os._exit(130)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``negsim`` command; returns the exit code.

    Run as the console script, Ctrl-C or SIGTERM while the commands are still being imported ends
    negsim quietly with 130; ``app.main`` then installs the handlers that keep finished chunks.
    """
    if sys.argv and os.path.basename(sys.argv[0]) == "negsim":  # the console script, main thread
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, _exit_quietly)
    from simulator.cli.app import main as run_command

    return run_command(argv)


__all__ = ["main"]
