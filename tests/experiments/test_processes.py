"""Local workers start with the command, load the model before their first run, and never outlive it."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time

import pytest
from cli_helpers import run_cli

from sim.experiments import processes

MODEL = {"sim.core.model", "mesa", "scipy.sparse"}


@pytest.fixture(autouse=True)
def no_workers_left():
    yield
    processes.stop_unused()
    assert multiprocessing.active_children() == []


def test_the_engine_takes_the_workers_the_command_started():
    processes.start(2)
    started = {child.pid for child in multiprocessing.active_children()}
    assert len(started) == 2  # running before the engine asks for them
    with processes.pool(2) as pool:
        pids = {pool.submit(os.getpid).result() for _ in range(20)}
    assert pids <= started


def test_a_worker_has_loaded_the_model_before_its_first_run():
    from engine_helpers import loaded_modules

    with processes.pool(2) as pool:
        assert pool.submit(loaded_modules, MODEL).result() == MODEL


def test_an_engine_wanting_other_workers_stops_the_started_ones():
    processes.start(2)
    started = {child.pid for child in multiprocessing.active_children()}
    with processes.pool(3) as pool:
        pids = {pool.submit(os.getpid).result() for _ in range(30)}
    assert not pids & started


def test_one_worker_is_this_process_and_starts_nothing():
    processes.start(1)
    assert multiprocessing.active_children() == []


def test_a_command_refused_after_its_workers_started_stops_them(capsys, tmp_path):
    # the results folder is checked when the plan runs, once the workers have started
    (tmp_path / "o").write_text("mine", encoding="utf-8")
    code, _, err = run_cli(capsys, "replicate", "-n", "2", "--workers", "2", "--out", str(tmp_path / "o"))
    assert code == 2 and "not a folder" in err
    assert multiprocessing.active_children() == []
    assert (tmp_path / "o").read_text(encoding="utf-8") == "mine"


def test_a_finished_experiment_resumed_asks_for_no_workers(capsys, tmp_path, monkeypatch):
    tiny = ["--set", "org.employees=40", "--set", "org.partners=8", "--set", "run.weeks=8", "-n", "3"]
    out = str(tmp_path / "o")
    assert run_cli(capsys, "replicate", *tiny, "--workers", "1", "--quiet", "--out", out)[0] == 0
    asked = []
    monkeypatch.setattr(processes, "pool", lambda workers: asked.append(workers))
    code, _, _ = run_cli(capsys, "replicate", *tiny, "--workers", "2", "--quiet", "--out", out)
    assert code == 0
    assert asked == []  # the workers started with the command are stopped, not waited for


def test_workers_end_with_a_command_killed_outright(tmp_path):
    """``kill -9`` gives a command no chance to stop its workers: they notice and end themselves."""
    script = (
        "import multiprocessing, sys, time\n"
        "from sim.experiments import processes\n"
        "processes.start(2)\n"
        "print(*(child.pid for child in multiprocessing.active_children()), flush=True)\n"
        "time.sleep(60)\n"
    )
    command = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        workers = [int(pid) for pid in command.stdout.readline().split()]
        time.sleep(3)  # the workers have started watching their parent
    finally:
        command.kill()
        command.wait()
    assert len(workers) == 2
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in workers)


def _alive(pid: int) -> bool:
    """Whether a process runs (a zombie, ended but not yet reaped by init, does not count)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
