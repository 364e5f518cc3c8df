"""Runs that failed run again when the same command runs again on the folder: a passing failure
heals, the finished runs are not run again nor touched, the results equal an uninterrupted
experiment's, and a crash while a part is written anew loses nothing."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

import sim.io.runner as runner
from sim import Scenario
from sim.cli import main
from sim.experiments import engine
from sim.experiments import store as store_module
from sim.experiments.plan import execute_plan, replicate_plan
from sim.experiments.store import RunStore

TINY = {"org.employees": 40, "org.partners": 5, "run.weeks": 10}
FAILING = {1, 4}  # runs made to fail, in two different parts (parts of two runs)


class Crash(Exception):
    """A crash (kill -9) at a chosen write."""


def tiny_plan(n: int = 6):
    return replicate_plan(Scenario.default().with_overrides(TINY), n)


@pytest.fixture
def small_parts(monkeypatch):
    """Parts of two runs each: the failed runs share their parts with finished ones."""
    monkeypatch.setattr(engine, "FLUSH_ROWS", 2)


@pytest.fixture(scope="module")
def whole(tmp_path_factory) -> Path:
    """The experiment run once, uninterrupted, with no failure."""
    out = tmp_path_factory.mktemp("whole") / "out"
    execute_plan(tiny_plan(), out)
    return out


def fail_runs(monkeypatch, runs: set[int], plan=None) -> None:
    """Make these runs of the plan raise in the model (as an exception in a run does), in this process."""
    plan = plan or tiny_plan()
    bad = {task.seed for task in plan.tasks() if task.run in runs}
    run, run_batch = runner.run, runner.run_batch

    def batch_failing(scenario, seeds, **options):
        if bad & set(seeds):
            raise RuntimeError("a run of the batch failed")
        return run_batch(scenario, seeds, **options)

    def run_failing(scenario, **options):
        if scenario.run.seed in bad:
            raise ValueError("the model broke on this seed")
        return run(scenario, **options)

    monkeypatch.setattr(runner, "run_batch", batch_failing)
    monkeypatch.setattr(runner, "run", run_failing)


def parts(out: Path, folder: str = "runs") -> dict[str, bytes]:
    return {part.name: part.read_bytes() for part in sorted((out / folder).glob("part-*.parquet"))}


def same_results(out: Path, reference: Path) -> None:
    """Runs and series equal row for row, read by crmsim and read as a plain Parquet dataset."""
    got, expected = RunStore(out), RunStore(reference)
    pd.testing.assert_frame_equal(got.read_runs(), expected.read_runs(), check_exact=True)
    pd.testing.assert_frame_equal(got.read_series(), expected.read_series(), check_exact=True)
    for folder, keys in (("runs", ["run"]), ("series", ["run", "week"])):
        on_disk = pd.read_parquet(out / folder).sort_values(keys, ignore_index=True)
        reference_on_disk = pd.read_parquet(reference / folder).sort_values(keys, ignore_index=True)
        assert not on_disk.duplicated(keys).any()
        pd.testing.assert_frame_equal(on_disk, reference_on_disk, check_exact=True)


def test_failed_runs_run_again_and_the_finished_runs_are_untouched(tmp_path, monkeypatch, capsys, small_parts, whole):
    out = tmp_path / "out"
    with monkeypatch.context() as failing:
        fail_runs(failing, FAILING)
        execute_plan(tiny_plan(), out)
    first = RunStore(out).read_runs().set_index("run")
    assert set(first.index[first["status"] == "failed"]) == FAILING
    assert RunStore(out).read_manifest()["failed_runs"] == 2
    first_series = RunStore(out).read_series()
    untouched = [name for name in parts(out) if name.endswith("-0.parquet")]
    assert len(untouched) == 1  # runs 2 and 3; runs 0 and 5 share a part with a failed run
    untouched_files = {folder: {n: parts(out, folder)[n] for n in untouched} for folder in ("runs", "series")}
    capsys.readouterr()

    execute_plan(tiny_plan(), out)
    assert capsys.readouterr().err.strip() == "crmsim: note: running again the 2 runs that failed last time"
    for folder, files in untouched_files.items():  # the same files, byte for byte
        assert {n: parts(out, folder)[n] for n in untouched} == files
    again = RunStore(out).read_runs().set_index("run")
    assert (again["status"] == "ok").all()
    ok = first.index[first["status"] == "ok"]
    pd.testing.assert_frame_equal(again.loc[ok], first.loc[ok], check_exact=True)  # finished rows as they were
    again_series = RunStore(out).read_series()
    pd.testing.assert_frame_equal(
        again_series[again_series["run"].isin(ok)].reset_index(drop=True), first_series, check_exact=True
    )
    same_results(out, whole)
    now = parts(out)
    manifest = RunStore(out).read_manifest()
    assert manifest["status"] == "complete" and manifest["failed_runs"] == 0 and manifest["finished_runs"] == 6
    assert not list((out / "runs").glob(".*")) and not list((out / "series").glob(".*"))  # nothing left aside

    execute_plan(tiny_plan(), out)  # complete: nothing runs again, nothing is written anew
    assert capsys.readouterr().err == ""
    assert parts(out) == now


def test_a_run_that_fails_again_stays_failed_and_the_next_command_tries_it_again(
    tmp_path, monkeypatch, capsys, small_parts, whole
):
    out = tmp_path / "out"
    with monkeypatch.context() as failing:
        fail_runs(failing, {1})
        execute_plan(tiny_plan(), out)
        before = RunStore(out).read_runs()
        capsys.readouterr()
        execute_plan(tiny_plan(), out)  # it fails again: recorded as failed again, as the first time
    assert capsys.readouterr().err.strip() == "crmsim: note: running again the run that failed last time"
    pd.testing.assert_frame_equal(RunStore(out).read_runs(), before, check_exact=True)
    manifest = RunStore(out).read_manifest()
    assert manifest["failed_runs"] == 1 and manifest["finished_runs"] == 6
    assert len(parts(out)) == 3 and not list((out / "runs").glob(".*"))
    execute_plan(tiny_plan(), out)  # the failure has passed
    same_results(out, whole)


def test_the_cli_runs_failed_runs_again_and_the_sensitivity_analysis_then_takes_the_folder(
    tmp_path, monkeypatch, capsys
):
    sweep = tmp_path / "s.toml"
    sweep.write_text(
        'design = "sobol"\nsamples = 4\nseed = 3\n[set]\n"run.weeks" = 10\n"org.employees" = 40\n'
        '"org.partners" = 5\n[uncertainties]\n"policy.commitment" = { uniform = [0.2, 1.0] }\n'
        '"policy.mandate" = { uniform = [0.2, 1.0] }\n'
    )
    out = tmp_path / "out"
    command = ["sweep", str(sweep), "--out", str(out), "--workers", "1"]
    original_run = engine.run_tasks

    def killed_worker_on_runs_3_and_9(*args, **options):
        """As a worker killed three times on runs 3 and 9 (the machine short of memory) records them."""

        def batch(tasks):
            return [
                (engine.failed_row(task, "worker died 3 times"), None) if task.run in (3, 9) else engine.execute(task)
                for task in tasks
            ]

        return original_run(*args, **{**options, "function": batch})

    with monkeypatch.context() as killing:
        import sim.experiments.plan as plan_module

        killing.setattr(plan_module, "run_tasks", killed_worker_on_runs_3_and_9)
        assert main(command) == 0
    captured = capsys.readouterr()
    assert "16 of 16 runs done (2 failed)" in captured.out
    assert captured.err.strip().endswith(  # said on stderr, --quiet or not
        "2 of 16 runs failed (run 3: worker died 3 times); the same command runs them again"
    )
    assert main(["analyze", "sensitivity", str(out), "--quiet"]) == 2
    assert "2 of 16 runs failed" in capsys.readouterr().err

    assert main(command) == 0
    captured = capsys.readouterr()
    assert captured.err.strip() == "crmsim: note: running again the 2 runs that failed last time"
    assert "16 of 16 runs done (0 failed)" in captured.out
    assert main(["analyze", "sensitivity", str(out), "--quiet"]) == 0

    whole = tmp_path / "whole"
    assert main(["sweep", str(sweep), "--out", str(whole), "--workers", "1", "--quiet"]) == 0
    same_runs = RunStore(out).read_runs(), RunStore(whole).read_runs()
    pd.testing.assert_frame_equal(*same_runs, check_exact=True)


# --- a crash while a part is written anew --------------------------------------------------------


def failed_first(tmp_path, monkeypatch) -> Path:
    out = tmp_path / "out"
    with monkeypatch.context() as failing:
        fail_runs(failing, FAILING)
        execute_plan(tiny_plan(), out)
    return out


@pytest.mark.parametrize("at", ["the new runs part", "removing the replaced part"])
def test_a_crash_while_a_part_is_written_anew_loses_nothing(tmp_path, monkeypatch, small_parts, whole, at):
    out = failed_first(tmp_path, monkeypatch)
    ok_before = RunStore(out).read_runs().query("status == 'ok'").reset_index(drop=True)
    write = store_module._atomic_parquet

    def crash(table, path):
        replacing = store_module.REPLACES_KEY in (table.schema.metadata or {})
        if at == "the new runs part" and replacing and path.parent.name == "runs":
            raise Crash
        write(table, path)
        if at == "removing the replaced part" and replacing and path.parent.name == "runs":
            raise Crash  # the new part is written whole; the part it replaces is still there

    with monkeypatch.context() as crashing:
        crashing.setattr(store_module, "_atomic_parquet", crash)
        with pytest.raises(Crash):
            execute_plan(tiny_plan(), out)
    read = RunStore(out).read_runs()  # read as it is, before any command cleans the folder
    assert not read["run"].duplicated().any()
    finished = read[read["run"].isin(ok_before["run"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(finished, ok_before, check_exact=True)  # every finished run, as it was

    execute_plan(tiny_plan(), out)
    same_results(out, whole)
    assert set(parts(out)) == set(parts(out, "series"))  # every runs part with its series part, no other


def test_a_folder_left_with_a_part_and_its_replacement_counts_each_run_once(tmp_path, monkeypatch, small_parts):
    out = failed_first(tmp_path, monkeypatch)
    write = store_module._atomic_parquet

    def crash_after_the_replacement(table, path):
        write(table, path)
        if store_module.REPLACES_KEY in (table.schema.metadata or {}) and path.parent.name == "runs":
            raise Crash

    monkeypatch.setattr(store_module, "_atomic_parquet", crash_after_the_replacement)
    with pytest.raises(Crash):
        execute_plan(tiny_plan(), out)
    store = RunStore(out)
    assert len(pd.read_parquet(out / "runs")) > 6  # both on disk, until the next command
    assert sum(store.status_counts().values()) == 6 and store.status_counts()["ok"] >= 5
    assert not store.read_series().duplicated(["run", "week"]).any()


# --- a script that starts workers from its top level ---------------------------------------------

SCRIPT = """
from sim import Scenario
from sim.experiments.plan import execute_plan, replicate_plan

plan = replicate_plan(Scenario.default().with_overrides({TINY!r}), 2)
{call}
"""


@pytest.mark.parametrize("guarded", [False, True])
def test_a_script_that_starts_workers_from_its_top_level_is_refused_in_one_line(tmp_path, guarded):
    out = tmp_path / "out"
    call = f"execute_plan(plan, {str(out)!r}, workers=2)"
    if guarded:
        call = f'if __name__ == "__main__":\n    {call}'
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(SCRIPT.format(TINY=TINY, call=call)))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    if guarded:
        assert done.returncode == 0, done.stderr
        assert (RunStore(out).read_runs()["status"] == "ok").all()
    else:
        assert done.returncode != 0 and not out.exists()  # refused before anything was written
        last = done.stderr.strip().splitlines()[-1]
        assert "script.py: line 6" in last and 'if __name__ == "__main__":' in last
        assert "worker died" not in done.stderr


def _row(run: int, status: str) -> dict:
    return {"run": run, "status": status, "x": None if status == "failed" else float(run)}


SCHEMA = pa.schema([("run", pa.int64()), ("status", pa.string()), ("x", pa.float64())])


def _two_parts_with_a_failed_run_each(folder: Path) -> RunStore:
    store = RunStore(folder)
    store.open("h")
    store.write([_row(0, "ok"), _row(1, "failed")], [], SCHEMA)
    store.write([_row(2, "ok"), _row(3, "failed")], [], SCHEMA)
    store.close()
    store = RunStore(folder)
    store.open("h")
    return store


def test_a_write_tried_again_after_it_failed_halfway_duplicates_no_run(tmp_path, monkeypatch):
    """The engine flushes its rows again when a write failed (a full disk): the parts already
    written anew are written the same, not joined by a part of their runs as if they were new."""
    store = _two_parts_with_a_failed_run_each(tmp_path / "out")
    real, writes = store_module._atomic_parquet, []

    def disk_full_at_the_second_part_written_anew(table, path):
        if store_module.REPLACES_KEY in (table.schema.metadata or {}):
            writes.append(path)
            if len(writes) == 2:
                raise OSError("No space left on device")
        real(table, path)

    monkeypatch.setattr(store_module, "_atomic_parquet", disk_full_at_the_second_part_written_anew)
    rows = [_row(4, "ok"), _row(1, "ok"), _row(3, "ok")]
    with pytest.raises(OSError):
        store.write(rows, [], SCHEMA)
    store.write(rows, [], SCHEMA)
    store.close()
    on_disk = pd.read_parquet(tmp_path / "out" / "runs")  # as a user reads it, not deduplicated
    assert sorted(on_disk["run"]) == [0, 1, 2, 3, 4] and (on_disk["status"] == "ok").all()


def test_a_reader_meanwhile_finds_the_runs_of_a_part_written_anew(tmp_path, monkeypatch):
    """A report reads a running experiment: a part it listed is gone when it reads it (replaced
    with its failed runs run again); it lists the parts again instead of losing that part's runs."""
    store = _two_parts_with_a_failed_run_each(tmp_path / "out")
    listed = store_module._parts(tmp_path / "out" / "runs")  # the reader lists the parts ...
    store.write([_row(1, "ok")], [], SCHEMA)  # ... the command replaces part 0-1 ...
    real, stale = store_module._parts, [listed]
    monkeypatch.setattr(store_module, "_parts", lambda folder: stale.pop() if stale else real(folder))
    runs = RunStore(tmp_path / "out").read_runs()  # ... and the reader reads what it had listed
    assert list(runs["run"]) == [0, 1, 2, 3] and list(runs["status"]) == ["ok", "ok", "ok", "failed"]


def test_the_weekly_series_of_a_part_written_anew_while_they_were_read_are_all_read(tmp_path, monkeypatch):
    """The bands of a running experiment: its runs are listed while a part of them is replaced."""

    def weeks(run: int) -> pd.DataFrame:
        return pd.DataFrame({"run": [run, run], "week": [1, 2], "y": [1.0, 2.0]})

    store = RunStore(tmp_path / "out")
    store.open("h")
    store.write([_row(0, "ok"), _row(1, "failed")], [weeks(0)], SCHEMA)
    store.write([_row(2, "ok")], [weeks(2)], SCHEMA)
    store.close()
    store = RunStore(tmp_path / "out")
    store.open("h")
    listed = store_module._parts(tmp_path / "out" / "runs")  # a reader lists the runs parts ...
    store.write([_row(1, "ok")], [weeks(1)], SCHEMA)  # ... the command replaces part 0-1
    real, stale = store_module._parts, [listed]
    monkeypatch.setattr(
        store_module, "_parts", lambda folder: stale.pop() if stale and folder.name == "runs" else real(folder)
    )
    assert sorted(RunStore(tmp_path / "out").read_series()["run"].unique()) == [0, 1, 2]


def test_a_part_gone_at_every_attempt_is_named_not_passed_over_in_silence(tmp_path, monkeypatch, capsys):
    store = _two_parts_with_a_failed_run_each(tmp_path / "out")
    store.close()
    real = store_module._parts
    ghost = tmp_path / "out" / "runs" / "part-00000009-00000009-1-0.parquet"
    monkeypatch.setattr(store_module, "_parts", lambda folder: [ghost, *real(folder)])
    assert list(RunStore(tmp_path / "out").read_runs()["run"]) == [0, 1, 2, 3]  # the others all read
    assert f"{ghost}: gone each time it was to be read" in capsys.readouterr().err
