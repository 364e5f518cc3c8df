"""A results folder's record of what crmsim wrote: a file a user changed since is not written over.

The record's unit behaviour (``sim.io.written``), the record kept across a command killed
between writing a file and its taking the old one's place, concurrent writers, and the commands
that write into results folders: an experiment (refused before it runs) and the analyses.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error, run_cli

from sim.core.errors import InputError
from sim.io import output, whole, written


def save(path: Path, text: str) -> None:
    output.write_output(path, lambda p: Path(p).write_text(text, encoding="utf-8"), "crmsim test")


def record(folder: Path) -> dict:
    return json.loads((folder / written.RECORD_NAME).read_text())


def test_a_file_is_replaced_while_unchanged_and_refused_once_changed(tmp_path):
    table = tmp_path / "table.csv"
    save(table, "a,b\n1,2\n")
    assert record(tmp_path) == {"table.csv": [written.digest(table)]}
    save(table, "a,b\n3,4\n")  # unchanged since written: replaced
    assert table.read_text() == "a,b\n3,4\n"
    assert record(tmp_path) == {"table.csv": [written.digest(table)]}  # only what is there now
    table.write_text("a,b\n3,4\nmy own note\n")
    with pytest.raises(InputError, match="was changed after crmsim wrote it, and crmsim test would write it anew"):
        save(table, "a,b\n5,6\n")
    assert table.read_text() == "a,b\n3,4\nmy own note\n"
    table.write_text("a,b\n3,4\n")  # put back as it was written: crmsim's again
    save(table, "a,b\n5,6\n")
    assert table.read_text() == "a,b\n5,6\n"


def test_a_file_never_recorded_or_gone_is_no_change(tmp_path):
    (tmp_path / "old.csv").write_text("written by an earlier crmsim\n")
    # no record of either: judged elsewhere (by the folder, by how the file begins)
    written.check_unchanged([tmp_path / "old.csv", tmp_path / "missing.csv"], "crmsim test")
    save(tmp_path / "new.csv", "x\n")
    (tmp_path / "new.csv").unlink()
    written.check_unchanged([tmp_path / "new.csv"], "crmsim test")  # recorded, but gone: nothing to lose
    save(tmp_path / "new.csv", "y\n")
    assert (tmp_path / "new.csv").read_text() == "y\n"


def test_a_command_killed_before_the_new_file_took_the_old_ones_place_leaves_both_known(tmp_path, monkeypatch):
    table = tmp_path / "table.csv"
    save(table, "first\n")
    first = written.digest(table)

    flush = whole.fsync_file

    def killed(path):
        if path.name.endswith("table.csv"):  # the new table, recorded, not yet renamed over the old one
            raise KeyboardInterrupt
        flush(path)  # the record itself is flushed as usual

    monkeypatch.setattr(whole, "fsync_file", killed)
    with pytest.raises(KeyboardInterrupt):
        save(table, "second\n")
    monkeypatch.undo()
    assert table.read_text() == "first\n"  # the old file stays
    assert first in record(tmp_path)["table.csv"] and len(record(tmp_path)["table.csv"]) == 2
    save(table, "third\n")  # the next command finds it as written and replaces it
    assert record(tmp_path) == {"table.csv": [written.digest(table)]}


def test_a_damaged_record_is_taken_as_none(tmp_path):
    (tmp_path / written.RECORD_NAME).write_text("{not json")
    save(tmp_path / "t.csv", "x\n")
    assert record(tmp_path) == {"t.csv": [written.digest(tmp_path / "t.csv")]}


def test_writers_in_one_folder_at_once_keep_each_others_entries(tmp_path):
    names = [f"out{i}.csv" for i in range(24)]
    threads = [threading.Thread(target=save, args=(tmp_path / name, f"{name}\n")) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(record(tmp_path)) == sorted(names)  # each read-and-rewrite of the record was alone


def test_writers_of_the_same_file_at_once_leave_a_record_of_what_is_there(tmp_path):
    # each write is checked, written and recorded alone: the record ends knowing the last writer's bytes
    table = tmp_path / "comparison.md"
    threads = [threading.Thread(target=save, args=(table, f"written by {i}\n")) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert record(tmp_path) == {"comparison.md": [written.digest(table)]}
    written.check_unchanged([table], "crmsim test")  # no false refusal


def test_a_disk_without_locks_still_records(tmp_path, monkeypatch):
    import errno
    import fcntl

    def no_locks(fd, operation):
        raise OSError(errno.EBADF, "Bad file descriptor")  # as NFS answers a lock it cannot take

    monkeypatch.setattr(fcntl, "flock", no_locks)
    save(tmp_path / "t.csv", "x\n")
    assert record(tmp_path) == {"t.csv": [written.digest(tmp_path / "t.csv")]}


def test_an_experiment_refuses_before_it_runs_when_its_output_was_changed(tmp_path, capsys, monkeypatch):
    out = str(tmp_path / "r")
    args = ("replicate", "-n", "2", "--workers", "1", "--quiet", "--set", "org.employees=40", "--set", "run.weeks=8")
    assert run_cli(capsys, *args, "--out", out)[0] == 0
    assert run_cli(capsys, *args, "--out", out)[0] == 0  # unchanged outputs: written anew
    bands = Path(out) / "bands.csv"
    mine = bands.read_text() + "my note\n"
    bands.write_text(mine)
    from sim.experiments import plan

    def must_not_run(*a, **k):
        raise AssertionError("the experiment ran")

    monkeypatch.setattr(plan, "execute_plan", must_not_run)
    code, _, err = run_cli(capsys, *args, "--out", out)
    assert_one_line_error(code, err, f"{bands}: was changed after crmsim wrote it, and crmsim replicate")
    assert bands.read_text() == mine
    monkeypatch.undo()
    bands.rename(Path(out) / "my-bands.csv")  # moved aside: written anew
    code, _, err = run_cli(capsys, *args, "--out", out)
    assert code == 0, err
    assert bands.exists() and (Path(out) / "my-bands.csv").read_text() == mine


def test_outputs_written_together_are_all_new_when_a_stop_comes_between_them(tmp_path):
    """``discover`` stopped while it replaced its files left the table of one condition beside the
    text of another; a Ctrl-C or SIGTERM now waits for the set, then stops the command."""
    import os
    import signal

    import pytest

    from sim.io.whole import together, write_whole

    names = ["discovery.csv", "discovery.md", "discovery.png"]
    for name in names:
        (tmp_path / name).write_text("old")

    def terminated(number, frame):  # as a command takes SIGTERM (``terminate_as_interrupt``)
        raise KeyboardInterrupt

    for stop in (signal.SIGINT, signal.SIGTERM):
        previous = signal.signal(signal.SIGTERM, terminated)
        try:
            with pytest.raises(KeyboardInterrupt):
                with together():
                    for name in names:
                        write_whole(tmp_path / name, lambda p, text=f"new {stop}": p.write_text(text))
                        os.kill(os.getpid(), stop)  # after the first file, and the second
                assert False, "the stop waited past the block"  # noqa: B011 (never reached)
        finally:
            signal.signal(signal.SIGTERM, previous)
        assert [(tmp_path / name).read_text() for name in names] == [f"new {stop}"] * 3
