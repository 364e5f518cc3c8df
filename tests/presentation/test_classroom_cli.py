"""``crmsim classroom``: bad input refused in one line before anything starts, nothing of
anyone else's touched, and the server told where the case, the address and the folder are."""

from __future__ import annotations

import pytest
from browser_helpers import free_port
from cli_helpers import assert_one_line_error, run_cli

from sim.presentation import app_server
from sim.presentation.classroom import server as classroom_server


@pytest.fixture
def no_server(monkeypatch):
    """Stand in for the Solara server: records the command and environment instead of starting it."""
    started = []
    monkeypatch.setattr(app_server, "_serve_until_stopped", lambda command, env: started.append((command, env)) or 0)
    return started


def classroom(capsys, assets, *args):
    return run_cli(capsys, "classroom", *args, "--assets", str(assets))


def test_the_server_gets_the_case_the_address_and_the_folder(capsys, tmp_path, assets, no_server):
    port = free_port()
    code, _, err = classroom(
        capsys, assets, "call_centre_integration", "--port", str(port), "--out", str(tmp_path / "o")
    )
    assert code == 0
    ((command, env),) = no_server
    assert "sim.presentation.classroom.pages" in command
    assert env["CRMSIM_CLASSROOM_CASE"] == "call_centre_integration"
    assert env["CRMSIM_CLASSROOM_ADDRESS"] == f"http://127.0.0.1:{port}"
    assert env["CRMSIM_CLASSROOM_OUT"] == str((tmp_path / "o").absolute())
    assert f"http://127.0.0.1:{port}/teacher" in err


def test_serving_every_interface_shows_an_address_students_can_reach_and_warns(capsys, assets, no_server):
    code, _, err = classroom(capsys, assets, "--host", "0.0.0.0", "--port", str(free_port()))
    assert code == 0
    ((_, env),) = no_server
    assert "0.0.0.0" not in env["CRMSIM_CLASSROOM_ADDRESS"]
    assert [line for line in err.splitlines() if line.startswith("crmsim: warning:")]


@pytest.mark.parametrize("port", ["0", "70000"])
def test_a_port_out_of_range_is_refused_in_one_line(capsys, assets, no_server, port):
    code, _, err = classroom(capsys, assets, "--port", port)
    assert_one_line_error(code, err, "--port", f"got {port}", "1 to 65535")
    assert not no_server


def test_an_unknown_host_is_refused_in_one_line(capsys, assets, no_server):
    code, _, err = classroom(capsys, assets, "--host", "no-such-host.invalid", "--port", str(free_port()))
    assert_one_line_error(code, err, "--host", "no-such-host.invalid")
    assert not no_server


def test_an_unknown_case_is_refused_in_one_line(capsys, assets, no_server):
    code, _, err = classroom(capsys, assets, "no_such_case", "--port", str(free_port()))
    assert_one_line_error(code, err, "no_such_case", "global_giant_telco")
    assert not no_server


def test_a_mistyped_scenario_file_is_called_a_missing_file(capsys, assets, no_server):
    code, _, err = classroom(capsys, assets, "scenarios/no_such.toml", "--port", str(free_port()))
    assert_one_line_error(code, err, "scenarios/no_such.toml", "no such scenario file")
    assert not no_server


def test_a_folder_holding_someone_elses_files_is_refused_and_left_alone(capsys, tmp_path, assets, no_server):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes", encoding="utf-8")
    (out / "decisions.parquet").write_text("not a table", encoding="utf-8")
    code, _, err = classroom(capsys, assets, "--port", str(free_port()), "--out", str(out))
    assert_one_line_error(code, err, str(out), "notes.txt")
    assert not no_server
    assert sorted(p.name for p in out.iterdir()) == ["decisions.parquet", "notes.txt"]
    assert (out / "notes.txt").read_text(encoding="utf-8") == "my notes"
    assert (out / "decisions.parquet").read_text(encoding="utf-8") == "not a table"


def test_a_file_in_place_of_the_folder_is_refused(capsys, tmp_path, assets, no_server):
    out = tmp_path / "a-file"
    out.write_text("mine", encoding="utf-8")
    code, _, err = classroom(capsys, assets, "--port", str(free_port()), "--out", str(out))
    assert_one_line_error(code, err, str(out), "not a folder")
    assert out.read_text(encoding="utf-8") == "mine"


def test_the_join_address_of_an_ipv6_host_is_bracketed():
    assert classroom_server.join_address("::1", 8766) == "http://[::1]:8766"
    assert classroom_server.join_address("localhost", 8766) == "http://localhost:8766"


def test_a_second_classroom_on_the_same_folder_is_refused_while_the_first_serves(capsys, tmp_path, assets, monkeypatch):
    """Two classrooms writing one decisions file would each rewrite it with only their own rows."""
    out = str(tmp_path / "lesson")
    seen = []

    def serving(command, env):  # while the first classroom serves, a second one starts on its folder
        seen.append(run_cli(capsys, "classroom", "--port", str(free_port()), "--out", out, "--assets", str(assets)))
        return 0

    monkeypatch.setattr(app_server, "_serve_until_stopped", serving)
    code, _, err = classroom(capsys, assets, "--port", str(free_port()), "--out", out)
    assert code == 0, err
    ((second_code, _, second_err),) = seen
    first_says, refusal = second_err.strip().splitlines()  # (the first's own line is captured with it)
    assert first_says.startswith("crmsim classroom for ")
    assert_one_line_error(second_code, refusal, "lesson", "in use by another crmsim classroom")
    # the first has stopped: the folder is free again
    monkeypatch.setattr(app_server, "_serve_until_stopped", lambda command, env: 0)
    assert classroom(capsys, assets, "--port", str(free_port()), "--out", out)[0] == 0


def test_a_folder_under_a_file_is_refused_before_serving(capsys, tmp_path, assets, no_server):
    (tmp_path / "afile").write_text("mine", encoding="utf-8")
    code, _, err = classroom(capsys, assets, "--port", str(free_port()), "--out", str(tmp_path / "afile" / "sub"))
    assert_one_line_error(code, err, "cannot be made")
    assert no_server == []
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "mine"


def test_a_folder_that_cannot_be_locked_says_so_not_that_another_classroom_holds_it(
    capsys, tmp_path, assets, no_server, monkeypatch
):
    """Only a lock held by another process is 'in use'; a disk without locks (some network disks) is its own line."""
    import errno
    import fcntl

    def no_locks(fd, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    code, _, err = classroom(capsys, assets, "--port", str(free_port()), "--out", str(tmp_path / "lesson"))
    assert_one_line_error(code, err, "cannot be locked")
    assert "another crmsim classroom" not in err
    assert no_server == []
