"""What the browser tests share: Debian's Chromium driven by Playwright, and a crmsim server.

Needs Debian's chromium (`make test` installs it as root). Without it a browser test is skipped
locally, never under CI (CI=true), where it must run.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
ASSETS = Path(__file__).resolve().parents[2] / ".solara-assets"


def require_browser():
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append("Debian's chromium (apt-get install chromium, as root; `make test` does it)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("playwright (pip install -e '.[dev]')")
    if missing:
        message = "the browser test needs " + " and ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(message + " -- under CI it must run")
        pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args: list[str], log_path: Path, env: dict | None = None, path: str = "/") -> subprocess.Popen:
    """Start ``crmsim ARGS`` and wait until it answers at ``path``; a server that stops fails the test."""
    env = {**os.environ, "CRMSIM_ASSETS": str(ASSETS), **(env or {})}
    log = open(log_path, "w")  # noqa: SIM115 (closed with the server)
    server = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", *args], stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
    )
    server.log = log
    port = args[args.index("--port") + 1]
    deadline = time.time() + 180
    while time.time() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    stop(server)
    pytest.fail("the server did not start:\n" + log_path.read_text()[-3000:])


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, 9)
    server.wait()
    server.log.close()
