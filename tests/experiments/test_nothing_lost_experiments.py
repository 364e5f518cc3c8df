"""Experiments lose nothing: one process per results folder, no duplicated or orphan rows after a
crash, finished runs saved on Ctrl-C and SIGTERM with no process left behind, bad arguments
refused before the folder is touched, damaged parts set aside and run again, strict JSON."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from functools import partial
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim import Scenario
from sim.cli import main
from sim.core.errors import InputError, Interrupted
from sim.experiments import engine
from sim.experiments import plan as plan_module
from sim.experiments import store as store_module
from sim.experiments.plan import MAX_RUNS, execute_plan, plan_manifest, replicate_plan
from sim.experiments.store import LOCK_NAME, RunStore

TINY = {"org.employees": 40, "org.partners": 8, "run.weeks": 8}
TINY_ARGS = ["--set", "org.employees=40", "--set", "org.partners=8", "--set", "run.weeks=8"]
TINY_SET = '[set]\n"org.employees" = 40\n"org.partners" = 8\n"run.weeks" = 8\n'


def tiny_plan(n: int = 6):
    return replicate_plan(Scenario.default().with_overrides(TINY), n)


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def same_results(folder: Path, reference: Path) -> None:
    """Runs and series equal, row for row, and no run twice."""
    got, expected = RunStore(folder), RunStore(reference)
    assert not got.read_runs()["run"].duplicated().any()
    pd.testing.assert_frame_equal(got.read_runs(), expected.read_runs())
    pd.testing.assert_frame_equal(got.read_series(), expected.read_series())


@pytest.fixture
def small_parts(monkeypatch):
    """Parts of two runs each, so that an experiment of a few runs has several parts."""
    monkeypatch.setattr(engine, "FLUSH_ROWS", 2)


@pytest.fixture
def whole(tmp_path_factory):
    """An uninterrupted experiment of tiny_plan(6), to compare against."""
    folder = tmp_path_factory.mktemp("whole") / "out"
    execute_plan(tiny_plan(6), folder)
    return folder


# --- one process per folder ------------------------------------------------------------------


def test_a_second_process_on_a_locked_folder_is_refused_naming_the_holder(tmp_path, capsys):
    out = tmp_path / "out"
    plan = tiny_plan(2)
    holder = RunStore(out)
    holder.open(plan.hash)
    holder.write_manifest({**plan_manifest(plan), "status": "running"})
    try:
        code = main(["replicate", *TINY_ARGS, "-n", "2", "--workers", "1", "--quiet", "--out", str(out)])
    finally:
        holder.close()
    assert code == 2
    assert f"in use by crmsim process {os.getpid()}" in one_line(capsys.readouterr().err)
    assert not list((out / "runs").glob("part-*"))  # the refused process ran nothing


def test_a_report_asking_whether_a_folder_is_in_use_does_not_refuse_a_command(tmp_path):
    """``in_use`` holds a shared lock for an instant; a command starting then is not refused."""
    import fcntl

    from sim.experiments.store import LOCK_NAME, FolderLock, in_use

    out = tmp_path / "out"
    out.mkdir()
    (out / LOCK_NAME).touch()
    assert not in_use(out)
    probe = os.open(out / LOCK_NAME, os.O_RDONLY)
    fcntl.flock(probe, fcntl.LOCK_SH | fcntl.LOCK_NB)  # as in_use holds it, here for 20 ms
    threading.Timer(0.02, os.close, args=(probe,)).start()
    lock = FolderLock(out)
    lock.acquire(wait=False)
    try:
        assert in_use(out)
    finally:
        lock.release()
    assert not in_use(out)


def test_with_wait_a_second_process_waits_for_the_holder_then_resumes(tmp_path, capsys):
    out = tmp_path / "out"
    plan = tiny_plan(2)
    holder = RunStore(out)
    holder.open(plan.hash)
    threading.Timer(1.0, holder.close).start()
    execute_plan(plan, out, wait=True)
    assert f"waiting for process {os.getpid()}" in capsys.readouterr().err
    assert RunStore(out).read_manifest()["status"] == "complete"


def test_two_identical_sweeps_at_once_end_with_exactly_the_planned_runs(tmp_path):
    sweep = tmp_path / "s.toml"
    sweep.write_text(
        'samples = 300\nseed = 4\n[set]\n"org.employees" = 40\n"org.partners" = 8\n"run.weeks" = 30\n'
        '[uncertainties]\n"policy.commitment" = { uniform = [0.2, 1.0] }\n'
    )
    out = tmp_path / "out"
    # long enough for time-based flushes, and two workers each: without a lock the two processes
    # would cut their parts differently, and rows of the same run would land in two parts
    command = [sys.executable, "-m", "sim.cli", "sweep", str(sweep), "--out", str(out), "--workers", "2", "--quiet"]
    processes = [subprocess.Popen(command, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in processes]
    assert {code for code, _ in results} <= {0, 2} and 0 in [code for code, _ in results]
    for code, err in results:
        if code == 2:
            assert "in use by crmsim process" in one_line(err)
    runs = RunStore(out).read_runs()
    assert sorted(runs["run"]) == list(range(300))
    assert len(pd.read_parquet(out / "runs")) == 300  # not merely deduplicated on reading
    manifest = RunStore(out).read_manifest()
    assert manifest["status"] == "complete" and manifest["finished_runs"] == 300


# --- a crash between the series part and the runs part ------------------------------------------


class Crash(BaseException):
    """The process dying: no handler of crmsim's catches it (as none runs after kill -9)."""


def test_a_crash_between_the_series_part_and_the_runs_part_resumes_to_the_uninterrupted_result(
    tmp_path, monkeypatch, small_parts, whole
):
    write = store_module._atomic_parquet
    written = []

    def crash_before_second_runs_part(table, path):
        if path.parent.name == "runs" and len(written) == 1:
            raise Crash
        write(table, path)
        if path.parent.name == "runs":
            written.append(path)

    monkeypatch.setattr(store_module, "_atomic_parquet", crash_before_second_runs_part)
    out = tmp_path / "out"
    with pytest.raises(Crash):
        execute_plan(tiny_plan(6), out)
    assert len(list((out / "series").glob("part-*"))) == 2  # the second series part got written
    assert len(list((out / "runs").glob("part-*"))) == 1  # its runs part did not
    monkeypatch.setattr(store_module, "_atomic_parquet", write)
    monkeypatch.setattr(engine, "FLUSH_ROWS", 64)  # the resume cuts parts elsewhere (as time-based flushes do)
    execute_plan(tiny_plan(6), out)
    same_results(out, whole)
    series = pd.read_parquet(out / "series")  # every row once on disk, not merely on reading
    assert not series.duplicated(["run", "week"]).any()
    assert {p.name for p in (out / "series").glob("part-*")} == {p.name for p in (out / "runs").glob("part-*")}


def test_duplicate_rows_on_disk_are_read_once_and_counted_once(tmp_path, small_parts):
    out = tmp_path / "out"
    execute_plan(tiny_plan(4), out)
    part = sorted((out / "runs").glob("part-*"))[0]
    (out / "runs" / "part-99999999-99999999-2-0.parquet").write_bytes(part.read_bytes())
    store = RunStore(out)
    assert list(store.read_runs()["run"]) == [0, 1, 2, 3]
    assert store.status_counts() == {"ok": 4}


# --- Ctrl-C and SIGTERM --------------------------------------------------------------------------


def test_ctrl_c_saves_the_finished_runs_and_the_manifest_and_the_same_call_resumes(tmp_path, monkeypatch, whole):
    from engine_helpers import interrupt_at_run_3

    out = tmp_path / "out"
    interrupting = partial(
        engine.run_tasks,
        function=lambda batch: [interrupt_at_run_3(task) for task in batch],
        batch_people=3 * 48,  # batches of runs 0 to 2 and 3 to 5: the first finished, the second stopped
    )
    monkeypatch.setattr(plan_module, "run_tasks", interrupting)
    with pytest.raises(Interrupted) as stopped:
        execute_plan(tiny_plan(6), out)
    assert stopped.value.signal_number == signal.SIGINT
    assert "3 of 6 runs are saved" in str(stopped.value) and "resumes" in str(stopped.value)
    assert list(RunStore(out).read_runs()["run"]) == [0, 1, 2]  # finished, not yet flushed, saved
    manifest = RunStore(out).read_manifest()
    assert manifest["status"] == "interrupted" and manifest["finished_runs"] == 3
    monkeypatch.undo()
    execute_plan(tiny_plan(6), out)
    same_results(out, whole)
    assert RunStore(out).read_manifest()["status"] == "complete"


def _process_group_is_gone(pgid: int, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_to_the_main_process_stops_every_worker_and_saves_the_finished_runs(tmp_path, signal_number):
    out = tmp_path / "out"
    # organisations of 2,000 people, so batches of 32 runs (64,000 people): many batches, and some
    # still running when the first part is written (300 runs of 48 people would be one batch)
    org = ["--set", "org.employees=1600", "--set", "org.partners=400", "--set", "run.weeks=8"]
    command = [sys.executable, "-m", "sim.cli", "replicate", *org, "-n", "300", "--workers", "2", "--quiet"]
    process = subprocess.Popen([*command, "--out", str(out)], start_new_session=True, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and not list((out / "runs").glob("part-*.parquet")):
            time.sleep(0.05)
        os.kill(process.pid, signal_number)  # to the main process only, as `kill PID` does
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 128 + signal_number
    assert "of 300 runs are saved" in one_line(err)
    assert _process_group_is_gone(process.pid), "a worker or the resource tracker outlived crmsim"
    manifest = RunStore(out).read_manifest()
    saved = RunStore(out).read_runs()
    assert manifest["status"] == "interrupted" and manifest["finished_runs"] == len(saved)
    assert 0 < len(saved) < 300 and not saved["run"].duplicated().any()


# --- arguments are checked before anything touches the disk ------------------------------------

TOO_BIG_SWEEP = f'samples = {MAX_RUNS + 1}\n[uncertainties]\n"policy.commitment" = {{ uniform = [0, 1] }}\n'
INFINITE_SD_SWEEP = '[uncertainties]\n"policy.commitment" = { normal = [0.5, inf] }\n'

BAD_STARTS = {
    "negative seed": (["replicate", "--seed", "-1"], None, "--seed"),
    "too many runs": (["replicate", "-n", "100000000"], None, "1,000,000"),
    "no workers": (["replicate", "--workers", "0"], None, "--workers"),
    "negative compare seed": (["compare", "--vary", "policy.integration=none,full", "--seed", "-2"], None, "--seed"),
    "too big a sweep": (["sweep"], TOO_BIG_SWEEP, "samples"),
    "infinite sd": (["sweep"], INFINITE_SD_SWEEP, "uncertainties.policy.commitment.normal[1]"),
}


@pytest.mark.parametrize("case", BAD_STARTS)
def test_a_refused_start_leaves_no_folder_behind(tmp_path, capsys, case):
    args, sweep_body, named = BAD_STARTS[case]
    if sweep_body is not None:
        sweep = tmp_path / "s.toml"
        sweep.write_text(sweep_body)
        args = [*args, str(sweep)]
    else:
        args = [*args, *TINY_ARGS]
    out = tmp_path / "out"
    args = [*args, "--out", str(out), "--quiet"]
    if "--workers" not in args:
        args += ["--workers", "1"]
    assert main(args) == 2
    assert named in one_line(capsys.readouterr().err)
    assert not out.exists()


@pytest.mark.parametrize(
    "field, body",
    [
        ("set.costs.wage_per_hour", '[set]\n"costs.wage_per_hour" = inf\n'),
        ("set.costs.wage_per_hour", '[set]\n"costs.wage_per_hour" = 1e309\n'),
        (
            "uncertainties.policy.commitment.beta[1]",
            '[uncertainties]\n"policy.commitment" = { beta = [2, nan, 0, 1] }\n',
        ),
        ("levers.policy.commitment[1]", '[levers]\n"policy.commitment" = [0.5, -inf]\n'),
    ],
)
def test_non_finite_numbers_in_a_sweep_file_are_refused_naming_the_field(tmp_path, field, body):
    sweep = tmp_path / "s.toml"
    sweep.write_text(body)
    with pytest.raises(InputError) as refused:
        plan_module.SweepFile.load(sweep)
    assert str(sweep) in str(refused.value) and field in str(refused.value) and "finite" in str(refused.value)


def test_a_manifest_is_strict_json_and_a_non_finite_value_is_refused_before_the_folder(tmp_path):
    out = tmp_path / "out"
    execute_plan(tiny_plan(2), out)

    def no_constants(name):
        raise AssertionError(f"{name} in the manifest")

    json.loads((out / "manifest.json").read_text(), parse_constant=no_constants)
    odd = tiny_plan(2)
    odd.extra = {"threshold": float("inf")}
    with pytest.raises(InputError, match="threshold"):
        execute_plan(odd, tmp_path / "odd")
    assert not (tmp_path / "odd").exists()


def test_an_out_that_is_a_file_is_refused_in_one_line_and_kept(tmp_path, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("mine")
    args = ["replicate", *TINY_ARGS, "-n", "2", "--workers", "1", "--quiet", "--out", str(target)]
    assert main(args) == 2
    one_line(capsys.readouterr().err)
    assert target.read_text() == "mine"


# --- a folder crmsim left without a manifest ---------------------------------------------------


def test_a_folder_left_with_empty_runs_and_series_and_no_manifest_is_resumed(tmp_path, whole):
    out = tmp_path / "out"
    for name in ("runs", "series"):
        (out / name).mkdir(parents=True)
    (out / LOCK_NAME).write_text("")
    execute_plan(tiny_plan(6), out)
    same_results(out, whole)


def test_parts_of_this_experiment_without_a_manifest_are_kept_and_resumed(tmp_path, small_parts, whole):
    out = tmp_path / "out"
    execute_plan(tiny_plan(6), out)
    (out / "manifest.json").unlink()
    execute_plan(tiny_plan(6), out)
    assert RunStore(out).read_manifest()["timings"]["ran_now"] == 0
    same_results(out, whole)


def test_parts_of_another_experiment_without_a_manifest_are_refused_and_kept(tmp_path):
    out = tmp_path / "out"
    execute_plan(tiny_plan(2), out)
    (out / "manifest.json").unlink()
    parts = sorted(p.name for p in (out / "runs").iterdir())
    with pytest.raises(InputError, match="another experiment"):
        execute_plan(tiny_plan(3), out)
    assert sorted(p.name for p in (out / "runs").iterdir()) == parts


# --- damaged parts and manifests ---------------------------------------------------------------


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


DAMAGES = {
    "truncated runs part": ("runs", _truncate),
    "empty runs part": ("runs", lambda path: path.write_bytes(b"")),
    "truncated series part": ("series", _truncate),
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_part_is_reported_set_aside_and_its_runs_run_again(tmp_path, capsys, small_parts, whole, damage):
    folder, spoil = DAMAGES[damage]
    out = tmp_path / "out"
    execute_plan(tiny_plan(6), out)
    part = sorted((out / folder).glob("part-*"))[1]
    spoil(part)
    original = part.read_bytes()
    capsys.readouterr()
    execute_plan(tiny_plan(6), out)
    line = one_line(capsys.readouterr().err)
    assert str(part) in line and "set aside" in line
    assert (part.parent / f".damaged-{part.name}").read_bytes() == original  # kept, not deleted
    assert RunStore(out).read_manifest()["timings"]["ran_now"] == 2  # the two runs of that part
    same_results(out, whole)


def test_a_damaged_manifest_is_reported_set_aside_and_the_parts_kept(tmp_path, capsys, small_parts, whole):
    out = tmp_path / "out"
    execute_plan(tiny_plan(6), out)
    (out / "manifest.json").write_text('{"experiment_hash": "abc", ')
    with pytest.raises(InputError, match="damaged"):
        RunStore(out).read_manifest()
    capsys.readouterr()
    execute_plan(tiny_plan(6), out)
    line = one_line(capsys.readouterr().err)
    assert "manifest.json" in line and "set aside" in line
    assert (out / ".damaged-manifest.json").read_text() == '{"experiment_hash": "abc", '
    assert RunStore(out).read_manifest()["timings"]["ran_now"] == 0
    same_results(out, whole)


def test_reading_a_folder_with_a_damaged_part_names_it_in_one_line(tmp_path, capsys, small_parts):
    out = tmp_path / "out"
    execute_plan(tiny_plan(6), out)
    part = sorted((out / "runs").glob("part-*"))[0]
    _truncate(part)
    capsys.readouterr()
    runs = RunStore(out).read_runs()
    assert list(runs["run"]) == [2, 3, 4, 5]
    assert str(part) in one_line(capsys.readouterr().err)


# --- provenance and identity -------------------------------------------------------------------


def test_the_manifest_records_versions_platform_command_line_and_commit(tmp_path):
    out = tmp_path / "out"
    execute_plan(tiny_plan(2), out)
    recorded = RunStore(out).read_manifest()["provenance"]
    for key in ("crmsim", "numpy", "scipy", "pandas", "pyarrow", "mesa", "platform", "command_line", "git_commit"):
        assert key in recorded
    assert recorded["numpy"] and recorded["pyarrow"]


def test_a_resume_by_another_crmsim_version_is_refused_in_one_line(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    args = ["replicate", *TINY_ARGS, "-n", "2", "--workers", "1", "--quiet", "--out", str(out)]
    assert main(args) == 0
    monkeypatch.setattr(sim, "__version__", "99.0.0")
    assert main(args) == 2
    line = one_line(capsys.readouterr().err)
    assert "99.0.0" in line and "never mix" in line


def test_a_resume_by_other_code_is_noted_and_every_earlier_session_is_kept(tmp_path, monkeypatch, capsys):
    """Runs made by another commit (or edited code, or other libraries) are kept and joined, not
    refused (the crmsim version is what refuses); the command says so in one line, and the
    manifest keeps the provenance of each earlier command that left runs, counted from the saved
    runs (a killed command's manifest still has its counts from the start)."""
    import json

    import sim.experiments.plan as plan

    out = tmp_path / "out"
    first = ["replicate", *TINY_ARGS, "-n", "2", "--workers", "1", "--quiet", "--out", str(out)]
    assert main(first) == 0
    manifest = RunStore(out).read_manifest()
    made = manifest["provenance"]
    # as a command killed with kill -9 leaves it: "running", with the counts of its start
    (out / "manifest.json").write_text(json.dumps({**manifest, "status": "running", "finished_runs": 0}))
    capsys.readouterr()
    edited = {**made, "git_commit": "0123abc", "git_code_modified": True}
    monkeypatch.setattr(plan, "provenance", lambda: edited)
    other = ["replicate", *TINY_ARGS, "--seed", "9", "-n", "2", "--workers", "1", "--quiet", "--out", str(out)]
    assert main(other) == 2  # another experiment, refused as before
    capsys.readouterr()
    assert main(first) == 0  # the same experiment, by other code: resumed, and noted
    note = one_line(capsys.readouterr().err)
    assert "other code" in note and "0123abc" in note
    manifest = RunStore(out).read_manifest()
    assert manifest["provenance"]["git_commit"] == "0123abc"
    assert [p["git_commit"] for p in manifest["earlier_provenance"]] == [made["git_commit"]]
    assert manifest["earlier_provenance"][0]["finished_runs"] == 2
    for _ in range(2):  # run again, finding nothing to run: no session added, and still the note
        assert main(first) == 0  # (the runs saved there are still the other code's)
        assert "other code" in capsys.readouterr().err
        assert RunStore(out).read_manifest()["earlier_provenance"] == manifest["earlier_provenance"]
    monkeypatch.setattr(plan, "provenance", lambda: made)  # the code that made them: nothing to note
    assert main(first) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    "manifest, own",
    [
        ("my project manifest", {"bands.csv": "MY OWN bands table", "notes.txt": "notes"}),
        ("", {"comparison.csv": "MY comparison"}),
        ('{"my": "manifest"}', {}),
        ("not json", {}),
    ],
)
def test_a_manifest_crmsim_did_not_write_is_no_way_into_the_folder(tmp_path, capsys, manifest, own):
    """A folder is a results folder by an experiment's manifest: a file of that name that is no
    experiment's (unreadable beside anything but crmsim's runs, or another JSON) is refused, and
    the folder is left exactly as it was, without even a lock file."""
    out = tmp_path / "mine"
    out.mkdir()
    (out / "manifest.json").write_text(manifest)
    for name, text in own.items():
        (out / name).write_text(text)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    code = main(["replicate", *TINY_ARGS, "-n", "2", "--workers", "1", "--quiet", "--out", str(out)])
    line = one_line(capsys.readouterr().err)
    assert code == 2 and "manifest.json" in line
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_crmsim_folder_whose_manifest_was_damaged_after_its_outputs_says_how_to_resume(tmp_path, capsys):
    """Beside bands.csv (a name a user's file can have too) a damaged manifest is not set aside:
    the line says to move it aside, and the folder is left as it was."""
    out = tmp_path / "out"
    assert main(["replicate", *TINY_ARGS, "-n", "2", "--workers", "1", "--quiet", "--out", str(out)]) == 0
    (out / "manifest.json").write_text('{"experiment_hash": ')
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    capsys.readouterr()
    assert main(["replicate", *TINY_ARGS, "-n", "2", "--workers", "1", "--quiet", "--out", str(out)]) == 2
    line = one_line(capsys.readouterr().err)
    assert "manifest.json (not readable)" in line and "move manifest.json aside" in line
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    (out / "manifest.json").rename(out / "my-damaged-manifest.json")
    for name in ("bands.csv", "bands.parquet", "bands.png", "my-damaged-manifest.json"):
        (out / name).rename(tmp_path / name)  # the user moves aside what makes the folder look foreign
    assert main(["replicate", *TINY_ARGS, "-n", "2", "--workers", "1", "--quiet", "--out", str(out)]) == 0
    assert RunStore(out).read_manifest()["timings"]["ran_now"] == 0  # resumed from the runs saved


def test_a_disk_that_fills_up_mid_experiment_keeps_what_is_saved_and_says_how_to_resume(
    tmp_path, capsys, small_parts, whole, monkeypatch
):
    out = tmp_path / "out"
    real = store_module.pq.write_table
    parts = []

    def fills_up(table, where, *args, **kwargs):
        if len(parts) == 2:  # the first series part and its runs part go in; then the disk is full
            raise OSError(28, "No space left on device")
        parts.append(where)
        real(table, where, *args, **kwargs)

    monkeypatch.setattr(store_module.pq, "write_table", fills_up)
    code = main(["replicate", *TINY_ARGS, "-n", "6", "--workers", "1", "--quiet", "--out", str(out)])
    line = one_line(capsys.readouterr().err)
    assert code == 2 and "cannot be written: No space left on device" in line, line
    assert "2 of 6 runs are saved" in line and "the same command resumes the rest" in line, line
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    monkeypatch.setattr(store_module.pq, "write_table", real)
    assert main(["replicate", *TINY_ARGS, "-n", "6", "--workers", "1", "--quiet", "--out", str(out)]) == 0
    same_results(out, whole)
