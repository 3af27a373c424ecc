"""Start the dashboard: a Solara app served by uvicorn on a free loopback port.

The socket is bound here (port 0 lets the system pick a free one) before the address is printed,
so the address is never wrong and no other process can take the port in between. Solara's usage
telemetry is switched off (the page never calls out), and each start gets its own folder for the
tabs' run folders, removed when the server stops.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import tempfile
from pathlib import Path

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: a free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}/"


def serve(sock: socket.socket, scenario: Path | None) -> None:
    """Serve the dashboard on ``sock`` until interrupted (Ctrl-C or SIGTERM)."""
    tmp = Path(tempfile.mkdtemp(prefix="negsim-dashboard-"))
    os.environ["SOLARA_APP"] = "simulator.dashboard.app:Page"
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    os.environ["SOLARA_THEME_SHOW_BANNER"] = "False"
    os.environ["NEGSIM_DASHBOARD_TMP"] = str(tmp)
    if scenario is not None:
        os.environ["NEGSIM_DASHBOARD_SCENARIO"] = str(scenario.resolve())
    host, port = sock.getsockname()[:2]
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = str(host), str(port)
    import uvicorn

    config = uvicorn.Config("solara.server.starlette:app", log_level="warning", lifespan="on")
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        sys.stdout.flush()
