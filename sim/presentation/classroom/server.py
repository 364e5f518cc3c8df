"""Serve a classroom: ``crmsim classroom [CASE] --host H --port P --out DIR``.

Everything a bad start would trip over is checked here first, each refused in one line: the
case, the address and port, and the output folder (new, empty or an earlier classroom's, so
nothing crmsim did not write is touched). The Solara server then runs as a child process, as
the dashboard's does, and stops with crmsim.
"""

from __future__ import annotations

import socket
import sys
from pathlib import Path

from sim.presentation import app_server
from sim.presentation.classroom import record

#: The default port: next to the dashboard's, so both can run at once.
DEFAULT_PORT = 8766


def serve(case: str | None, host: str, port: int, out: str | Path | None, assets: Path | None = None) -> int:
    start = app_server.check_case(case)
    app_server._check_address(host, port)
    folder = record.check_folder(out).absolute() if out else None
    lock = record.claim_folder(folder) if folder is not None else None  # held until the server stops
    app_server.warn_if_public(host, "join the classroom")
    assets = Path(assets or app_server.DEFAULT_ASSETS)
    if not app_server.ensure_assets(assets):
        return 0
    address = join_address(host, port)
    extra = {"CRMSIM_CLASSROOM_CASE": start, "CRMSIM_CLASSROOM_ADDRESS": address}
    if folder is not None:
        extra["CRMSIM_CLASSROOM_OUT"] = str(folder)
    print(
        f"crmsim classroom for {Path(start).stem}: the teacher opens {address}/teacher, students {address}/"
        + (f"; decisions go to {folder / record.FILE}" if folder else "")
        + " (Ctrl-C to stop)",
        file=sys.stderr,
    )
    command = app_server.solara_command("sim.presentation.classroom.pages", host, port)
    try:
        return app_server._serve_until_stopped(command, app_server.solara_env(assets, extra))
    finally:
        if lock is not None:
            lock.release()


def join_address(host: str, port: int) -> str:
    """The address students type: the host served on, or this machine's address on the network
    when serving on every interface (0.0.0.0 or ::)."""
    name = host.strip("[]")
    if name in ("0.0.0.0", "::", ""):
        name = _network_address()
    if ":" in name:
        name = f"[{name}]"
    return f"http://{name}:{port}"


def _network_address() -> str:
    """This machine's address on its network (no packet is sent: a UDP socket only picks a route)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # a documentation address: never reached
            return probe.getsockname()[0]
        except OSError:
            return socket.gethostname()
