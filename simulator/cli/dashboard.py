"""``negsim dashboard``: start the browser app and print its address."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add_command(sub: Any) -> None:
    """Add ``negsim dashboard`` to the CLI's subparsers."""
    from simulator.cli.options import scenario_arg

    p = sub.add_parser(
        "dashboard",
        help="a local web app: scenario, forecast, what-ifs, drivers, over time",
        description=(
            "Start the dashboard (a local web app) and print its address. It listens on 127.0.0.1 "
            "and a free port unless --host/--port say otherwise; another interface than loopback "
            "makes the page reachable from other machines, so it is printed as a warning. Stop it "
            "with Ctrl-C."
        ),
    )
    p.add_argument(
        "scenario",
        type=scenario_arg,
        nargs="?",
        metavar="SCENARIO",
        help="the scenario to open first (a file or a shipped name; default: the baseline); "
        "files typed in the page must lie in its folder tree or among the shipped scenarios",
    )
    p.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    p.set_defaults(func=cmd_dashboard)


def cmd_dashboard(args: argparse.Namespace) -> int:
    """Run ``negsim dashboard`` until interrupted."""
    import importlib.util

    from simulator.errors import UserError, printable

    # Found, not imported: Solara reads its settings (telemetry off) from the environment that
    # serve() sets up before the first import.
    if importlib.util.find_spec("solara") is None:
        raise UserError("the dashboard needs its extra: pip install 'negsim[dashboard]'")
    from simulator.dashboard.server import LOOPBACK, bind, serve, url_of

    if not 0 <= args.port <= 65535:
        raise UserError(f"--port must be 0..65535, got {args.port}")
    scenario: Path | None = args.scenario
    if scenario is not None:
        from simulator.scenario.load import load_scenario

        load_scenario(scenario)  # a bad file is refused here, with its located messages
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        raise UserError(
            printable(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
        ) from None
    if args.host not in LOOPBACK:
        print(
            printable(
                f"negsim: warning: listening on {args.host}, not loopback: anyone who can reach "
                "this machine can open the dashboard and run simulations"
            ),
            file=sys.stderr,
        )
    print(f"negsim dashboard: {url_of(sock)}  (Ctrl-C to stop)", flush=True)
    serve(sock, scenario)
    return 0
