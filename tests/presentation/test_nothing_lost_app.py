"""The dashboard server: a warning when it serves the network, bad addresses refused in one
line, and SIGTERM or Ctrl-C to ``crmsim app`` stop every process it started."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from browser_helpers import free_port
from cli_helpers import assert_one_line_error, run_cli

import sim
from sim.presentation import app_server

#: How long the server may take to start before the signal tests are skipped [seconds].
START_WAIT = 60
#: How long the processes may take to go after a signal before the test fails [seconds].
STOP_WAIT = 30


@pytest.fixture
def no_server(monkeypatch):
    """Stand in for the Solara server: records the command instead of starting it."""
    started = []
    monkeypatch.setattr(app_server, "_serve_until_stopped", lambda command, env: started.append(command) or 0)
    return started


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.1.1", "::1", "[::1]", "localhost", "LocalHost"])
def test_loopback_hosts_serve_this_machine_only(host):
    assert app_server.is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "10.0.0.1", "example.org", ""])
def test_other_hosts_are_not_loopback(host):
    assert not app_server.is_loopback(host)


def test_serving_the_network_warns_in_one_line(capsys, assets, no_server):
    code, _, err = run_cli(capsys, "app", "--host", "0.0.0.0", "--port", str(free_port()), "--assets", str(assets))
    assert code == 0 and no_server
    warnings = [line for line in err.splitlines() if line.startswith("crmsim: warning:")]
    assert len(warnings) == 1
    assert "0.0.0.0" in warnings[0] and "anyone on the network" in warnings[0]


def test_serving_this_machine_only_does_not_warn(capsys, assets, no_server):
    code, _, err = run_cli(capsys, "app", "--host", "127.0.0.1", "--port", str(free_port()), "--assets", str(assets))
    assert code == 0 and no_server
    assert "warning" not in err


@pytest.mark.parametrize("port", ["0", "70000", "-5"])
def test_a_port_out_of_range_is_refused_in_one_line(capsys, assets, no_server, port):
    code, _, err = run_cli(capsys, "app", "--port", port, "--assets", str(assets))
    assert_one_line_error(code, err, "--port", f"got {port}", "1 to 65535")
    assert not no_server


def test_a_port_in_use_is_refused_in_one_line(capsys, assets, no_server):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, _, err = run_cli(capsys, "app", "--port", str(port), "--assets", str(assets))
    assert_one_line_error(code, err, "--port", f"port {port} is in use", "e.g. --port ")
    suggested = int(err.split("e.g. --port ")[1].split()[0])
    assert suggested != port and 1 <= suggested <= 65535  # a free port to try instead
    assert not no_server


def test_an_address_of_another_machine_is_refused_in_one_line(capsys, assets, no_server):
    code, _, err = run_cli(capsys, "app", "--host", "no-such-host.invalid", "--assets", str(assets))
    assert_one_line_error(code, err, "--host", "no-such-host.invalid")
    assert not no_server


def test_a_bad_scenario_file_is_refused_before_the_server_starts(capsys, tmp_path, assets, no_server):
    bad = tmp_path / "bad.toml"
    bad.write_text("[org]\nemployees = -3\n", encoding="utf-8")
    code, _, err = run_cli(capsys, "app", str(bad), "--port", str(free_port()), "--assets", str(assets))
    assert_one_line_error(code, err, "bad.toml", "employees")
    assert not no_server


# --- a real server, stopped by a signal ----------------------------------------------------


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def _group_gone(pgid: int) -> bool:
    """Polls (bounded) until no process of the group is left."""
    deadline = time.monotonic() + STOP_WAIT
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def dashboard(tmp_path, assets):
    """``crmsim app`` on a free port in a session of its own; yields (process, port, log path)."""
    pytest.importorskip("solara", reason="the dashboard extras are not installed")
    if not hasattr(os, "killpg"):
        pytest.skip("process groups are POSIX only")
    port = free_port()
    log_path = tmp_path / "app.log"
    with open(log_path, "w", encoding="utf-8") as log:
        app = subprocess.Popen(
            [sys.executable, "-m", "sim.cli", "app", "--port", str(port), "--assets", str(assets)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "PYTHONPATH": str(Path(sim.__file__).resolve().parents[1])},  # the code under test
        )
    try:
        deadline = time.monotonic() + START_WAIT
        while not _accepts(port):
            if app.poll() is not None or time.monotonic() > deadline:
                pytest.skip(f"the dashboard server did not start within {START_WAIT} s: {log_path.read_text()[-500:]}")
            time.sleep(0.5)
        yield app, port, log_path
    finally:
        try:  # whatever the test found, leave nothing running
            os.killpg(app.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        app.wait()


@pytest.mark.parametrize(("signum", "exit_code"), [(signal.SIGTERM, 128 + signal.SIGTERM), (signal.SIGINT, 0)])
def test_a_signal_to_crmsim_app_stops_the_server_and_every_process_it_started(dashboard, signum, exit_code):
    app, port, log_path = dashboard
    os.kill(app.pid, signum)  # to crmsim alone, as a service manager or `kill` would
    try:
        code = app.wait(timeout=STOP_WAIT)
    except subprocess.TimeoutExpired:
        pytest.fail("crmsim app did not exit after the signal")
    assert code == exit_code, log_path.read_text()[-2000:]
    assert _group_gone(app.pid), "a process crmsim started is still running"
    assert not _accepts(port)
    assert "Traceback" not in log_path.read_text()
