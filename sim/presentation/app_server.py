"""Serve the dashboard: ``crmsim app [CASE] --host 127.0.0.1 --port 8765``.

The Solara server runs as a child process; crmsim stays in front of it so that Ctrl-C,
SIGTERM or a closed terminal stop the server too, never leaving it listening on its own.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

from sim.core.errors import InputError, Interrupted
from sim.core.scenario import Scenario, cases
from sim.experiments.stopping import Terminated
from sim.presentation import app_assets

#: Signals that stop the dashboard (SIGHUP: the terminal was closed).
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))
#: How long the server gets to shut down after being asked, before it is killed [seconds].
SHUTDOWN_GRACE = 10.0

#: Where the front-end files are kept unless CRMSIM_ASSETS says otherwise.
DEFAULT_ASSETS = Path(os.environ.get("CRMSIM_ASSETS", Path.home() / ".cache" / "crmsim" / "solara-assets"))


def serve(case: str | None, host: str, port: int, assets: Path | None = None) -> int:
    """Run the Solara server for the dashboard until interrupted; returns its exit code."""
    start = check_case(case)
    _check_address(host, port)
    warn_if_public(host, "open the dashboard and run simulations here")
    assets = Path(assets or DEFAULT_ASSETS)
    if not ensure_assets(assets):
        return 0
    env = solara_env(assets, {"CRMSIM_APP_CASE": start})
    print(f"crmsim dashboard for {Path(start).stem} at http://{host}:{port}/ (Ctrl-C to stop)", file=sys.stderr)
    return _serve_until_stopped(solara_command("sim.presentation.app", host, port), env)


def check_case(case: str | None) -> str:
    """The case's name, or the scenario file's absolute path; a bad one refused in one line, not on the page."""
    start = case or "global_giant_telco"
    if start not in cases():
        if not Path(start).is_file():
            looks_like_a_file = start.endswith(".toml") or "/" in start or "\\" in start
            what = "no such scenario file" if looks_like_a_file else "neither a case nor a scenario file"
            raise InputError(start, "case", f"{what}; cases: {', '.join(cases())}")
        start = str(Path(start).absolute())
        Scenario.load(start)
    return start


def warn_if_public(host: str, what: str) -> None:
    if not is_loopback(host):
        print(
            f"crmsim: warning: --host {host} is not this machine only (127.0.0.1, ::1, localhost): "
            f"anyone on the network who can reach it can {what}",
            file=sys.stderr,
        )


def ensure_assets(assets: Path) -> bool:
    """Fetch the front-end files if missing; False if Ctrl-C stopped the fetch (nothing started yet)."""
    if not app_assets.complete(assets):
        try:
            app_assets.fetch(assets)
        except Terminated:
            raise  # SIGTERM: the command says so and exits 143
        except KeyboardInterrupt:
            return False
        except Exception as exc:  # offline and no npm: the page needs the CDN then
            print(
                f"crmsim: warning: front-end files not available offline ({exc}); the page needs internet",
                file=sys.stderr,
            )
    return True


def solara_env(assets: Path, extra: dict) -> dict:
    """The Solara server's environment: offline front-end files, no telemetry, no framework badge."""
    return {
        **os.environ,
        **extra,
        "SOLARA_ASSETS_PROXY_CACHE_DIR": str(assets.absolute()),
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        "MPLBACKEND": "Agg",
        "SOLARA_THEME_LOADER": "plain",  # no "This website runs on Solara" badge over the page
        # Solara warns, for every page served over plain http on a classroom's network, that its
        # session cookie falls back to samesite=lax: right for crmsim (no iframe), and a dozen
        # twelve-line warnings fill the teacher's terminal
        "PYTHONWARNINGS": ",".join(
            w for w in (os.environ.get("PYTHONWARNINGS"), "ignore:Cookies with samesite=none require https") if w
        ),
    }


def solara_command(module: str, host: str, port: int) -> list[str]:
    return [sys.executable, "-m", "solara", "run", module, "--host", host, "--port", str(port), "--no-open",
            "--production"]  # fmt: skip


def is_loopback(host: str) -> bool:
    """True if ``host`` serves this machine only: 127.0.0.0/8, ::1 or localhost."""
    name = host.strip().strip("[]").lower().rstrip(".")
    if name == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def _check_address(host: str, port: int) -> None:
    """Refuse a port out of range, an unknown host or a taken port before starting anything.

    Otherwise the server would start, then die with a traceback or a log line about binding.
    """
    if not 1 <= port <= 65535:
        raise InputError("--port", None, f"got {port}; allowed: 1 to 65535")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (socket.gaierror, UnicodeError) as exc:
        message = f"unknown host {host!r} ({exc}); allowed: an address of this machine"
        raise InputError("--host", None, message) from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                free = _free_port(host)
                message = f"port {port} is in use on {host}; allowed: a free port" + (
                    f", e.g. --port {free}" if free else ""
                )
                raise InputError("--port", None, message) from None
            raise InputError("--host", None, f"cannot serve on {host}: {exc.strerror or exc}") from None


def _free_port(host: str) -> int | None:
    """A port free on ``host`` now, to suggest (the system's pick); None if none can be had."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.bind((host.strip("[]"), 0))
            return probe.getsockname()[1]
    except OSError:
        return None


def _serve_until_stopped(command: list[str], env: dict) -> int:
    """Run the server until it exits or crmsim is told to stop; then stop the server too.

    The server shares crmsim's process group (a terminal's Ctrl-C and a kill of the group
    reach both); a signal sent to crmsim alone is passed on here. The handlers only note the
    signal, so one arriving while the server starts is not lost: the loop sees it next.
    """
    received: list[int] = []
    previous = _catch(dict.fromkeys(STOP_SIGNALS, lambda signum, frame: received.append(signum)))
    try:
        server = subprocess.Popen(command, env=env)
        try:
            while not received:
                try:
                    return server.wait(timeout=0.2)
                except subprocess.TimeoutExpired:
                    pass
        finally:
            _stop(server, received[0] if received else signal.SIGTERM)
    finally:
        _catch(previous)
    if received[0] == signal.SIGINT:
        return 0  # Ctrl-C is the ordinary way to stop the dashboard
    raise Interrupted(received[0], f"the server was stopped ({signal.Signals(received[0]).name})")


def _catch(handlers: dict) -> dict:
    """Set a handler per signal; returns the earlier ones, so they can be put back the same way.

    Only the main thread may set handlers; elsewhere nothing is changed.
    """
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {signum: signal.signal(signum, handler) for signum, handler in handlers.items()}


def _stop(server: subprocess.Popen, signum: int) -> None:
    """Ask the server to stop with ``signum``, give it SHUTDOWN_GRACE seconds, then kill it."""
    if server.poll() is not None:
        return
    try:
        server.send_signal(signum)
        server.wait(timeout=SHUTDOWN_GRACE)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
