"""Batches: runs of one scenario and parameters go to a worker together (one array program), and
no result depends on it: a run's row is the same alone or in a batch, on one worker or two."""

from __future__ import annotations

import itertools
import math
import signal
import subprocess
import sys
import threading
import time

import pandas as pd
import pytest

import sim.io.runner as runner
from sim import Scenario
from sim.experiments.engine import (
    OPEN_BATCHES,
    TAIL_RUNS,
    Task,
    batches,
    execute,
    execute_batch,
    failed_row,
    interrupts_ignored_by_new_processes,
    run_tasks,
    runs_per_batch,
)
from sim.experiments.plan import replicate_plan
from sim.experiments.store import RunStore

TINY = {"org.employees": 40, "org.partners": 8, "run.weeks": 8}
PEOPLE = 40 + 8  # in one run of TINY
BASE = Scenario.default().with_overrides(TINY).resolved()


def task(run: int, overrides: dict | None = None, scenario: dict = BASE) -> Task:
    return Task(run=run, seed=run, scenario=scenario, overrides=overrides or {})


def runs_in(grouped) -> list[list[int]]:
    return [[t.run for t in batch] for batch in grouped]


def tiny_plan(n: int):
    return replicate_plan(Scenario.default().with_overrides(TINY), n)


# --- grouping --------------------------------------------------------------------------------


def test_runs_with_other_parameters_or_another_scenario_never_share_a_batch():
    low, high = {"policy.commitment": 0.3}, {"policy.commitment": 0.9}
    other_arm = {**BASE, "policy": {**BASE["policy"], "integration": "full"}}
    tasks = [task(0, low), task(1, low), task(2, high), task(3, high), task(4, high), task(5, low)]
    tasks += [task(6, low, other_arm), task(7, low, other_arm)]
    grouped = list(batches(tasks, batch_people=10**6))
    assert runs_in(grouped) == [[0, 1, 5], [2, 3, 4], [6, 7]]
    for batch in grouped:
        assert all(t.overrides == batch[0].overrides and t.scenario == batch[0].scenario for t in batch)


def test_the_alternating_arms_of_a_comparison_are_batched_each_with_its_own():
    """Runs are numbered replication-major (arm A, arm B, arm A, ...): each arm still fills its batches."""
    arm_b = {**BASE, "policy": {**BASE["policy"], "integration": "full"}}
    tasks = [task(run, scenario=BASE if run % 2 == 0 else arm_b) for run in range(12)]
    assert runs_in(batches(tasks, batch_people=3 * PEOPLE)) == [[0, 2, 4], [1, 3, 5], [6, 8, 10], [7, 9, 11]]


def test_only_a_few_kinds_of_run_are_filled_side_by_side():
    """A sweep whose every run has its own parameters holds no more than OPEN_BATCHES batches open."""
    tasks = [task(run, {"policy.commitment": run / 100}) for run in range(3 * OPEN_BATCHES)]
    grouped = batches(iter(tasks), batch_people=10**6)
    first = next(grouped)
    assert runs_in([first]) == [[0]]  # handed on when the (OPEN_BATCHES + 1)th kind came
    assert runs_in(grouped) == [[run] for run in range(1, 3 * OPEN_BATCHES)]


def test_a_batch_holds_at_most_batch_people_people():
    tasks = [task(run) for run in range(10)]
    assert runs_in(batches(tasks, batch_people=3 * PEOPLE + PEOPLE - 1)) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert runs_in(batches(tasks, batch_people=PEOPLE - 1)) == [[run] for run in range(10)]  # one at least
    bigger = [task(run, {"org.employees": 100}) for run in range(5)]  # a varied size counts: 108 people
    assert runs_in(batches(bigger, batch_people=250)) == [[0, 1], [2, 3], [4]]


def test_an_organisation_imported_from_csv_files_runs_alone():
    imported = {**BASE, "org": {**BASE["org"], "people_csv": "people.csv", "edges_csv": "edges.csv"}}
    assert runs_in(batches([task(run, scenario=imported) for run in range(3)], 10**6)) == [[0], [1], [2]]


def test_each_worker_gets_several_batches():
    """Cut small enough that no worker waits idle on another's big last batch, nor a cluster's workers."""
    assert runs_per_batch(1000, 2) == 250 and runs_per_batch(1000, 50) == 10 and runs_per_batch(3, 8) == 1
    tasks = [task(run) for run in range(10)]
    assert runs_in(batches(tasks, batch_people=10**6, runs=10, workers=2)) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert runs_in(batches(tasks, batch_people=2 * PEOPLE, runs=10, workers=2)) == [
        [0, 1],
        [2, 3],
        [4, 5],
        [6, 7],
        [8, 9],
    ]
    assert runs_in(batches(tasks, batch_people=10**6, runs=10, workers=1)) == [list(range(10))]  # as big as they come


def test_batches_follow_the_workers_of_a_cluster_as_they_join():
    """On a batch queue a cluster starts with one worker and gains more: each batch is cut for
    the workers there when it opens, and for more than one even while there is one."""
    joined = iter([1, 1, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4])
    sizes = [len(b) for b in batches((task(run) for run in range(40)), 10**6, runs=40, workers=lambda: next(joined))]
    # two batches a worker for the one worker (not all 40 in one batch); then cut for four workers:
    # of the 20 runs left, 3 a batch, raised to TAIL_RUNS, the first batch's floor
    assert sizes == [20, TAIL_RUNS, TAIL_RUNS, 4]
    alone = [len(b) for b in batches((task(run) for run in range(40)), 10**6, runs=40, workers=lambda: 1)]
    assert alone == [20, 10, 8, 2]  # a cluster of one that gains none: still cut, for workers to come


def test_a_dask_worker_that_joins_during_the_runs_gets_runs_to_do(tmp_path, monkeypatch):
    """A batch queue starts a cluster's workers one by one: the one that joins after the runs
    began gets batches too (once, all the runs were one batch for the worker there at the start)."""
    distributed = pytest.importorskip("distributed")
    from engine_helpers import batch_on_a_cluster_that_grows

    marker = tmp_path / "batches"
    marker.mkdir()
    monkeypatch.setenv("CRMSIM_TEST_MARKER", str(marker))
    plan = tiny_plan(24)
    store = RunStore(tmp_path / "out")
    store.open(plan.hash)
    with (
        distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        timings = {}

        def run_on_the_cluster():
            timings.update(
                run_tasks(
                    plan.tasks(),
                    plan.total,
                    store,
                    plan.schema(),
                    client=client,
                    function=batch_on_a_cluster_that_grows,
                )
            )

        runs = threading.Thread(target=run_on_the_cluster)
        runs.start()
        deadline = time.monotonic() + 120
        while not (marker / "started").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        cluster.scale(2)  # a second job of the queue starts
        runs.join(timeout=300)
    assert len({path.read_text() for path in marker.glob("batch-*")}) == 2  # both workers ran batches
    assert timings["workers"] == 2  # counted as they came: the manifest records the most there were
    assert len(store.read_runs()) == 24 and (store.read_runs()["status"] == "ok").all()


def test_the_last_batches_are_small_so_the_workers_finish_together():
    """Guided self-scheduling: big batches first, then smaller ones, down to TAIL_RUNS."""
    sizes = [len(b) for b in batches((task(run) for run in range(1000)), 106 * PEOPLE, runs=1000, workers=2)]
    assert sum(sizes) == 1000
    assert sizes[:6] == [106] * 6  # the people a batch may hold, while many runs are left
    assert sizes == sorted(sizes, reverse=True)
    assert min(sizes[:-1]) == TAIL_RUNS and sizes[-1] <= TAIL_RUNS
    for k, size in enumerate(sizes):  # none more than a quarter (2 per worker) of the runs left when it opened
        assert size <= max(TAIL_RUNS, math.ceil((1000 - sum(sizes[:k])) / 4))


def test_batching_reads_no_further_than_the_batches_taken():
    drawn = []

    def endless():
        for run in itertools.count():
            drawn.append(run)
            yield task(run)

    first = list(itertools.islice(batches(endless(), batch_people=3 * PEOPLE), 2))
    assert runs_in(first) == [[0, 1, 2], [3, 4, 5]]
    assert len(drawn) == 6


def test_the_engine_reads_the_tasks_as_it_runs_them(tmp_path):
    drawn, read_at_each_batch = [], []

    def counted(n: int):
        for run in range(n):
            drawn.append(run)
            yield task(run)

    def not_run(batch):  # a stand-in for execute_batch: no model run needed to watch the reading
        read_at_each_batch.append(len(drawn))
        return [(failed_row(t, "not run"), None) for t in batch]

    store = RunStore(tmp_path / "out")
    store.open("x")
    run_tasks(counted(9), 9, store, tiny_plan(1).schema(), function=not_run, batch_people=3 * PEOPLE)
    assert read_at_each_batch == [3, 6, 9]
    assert list(store.read_runs()["run"]) == list(range(9))


# --- results do not depend on batches ----------------------------------------------------------


def run_plan(folder, *, batch_people: int, workers: int = 1) -> RunStore:
    plan = tiny_plan(6)
    store = RunStore(folder)
    store.open(plan.hash)
    run_tasks(plan.tasks(), plan.total, store, plan.schema(), workers=workers, batch_people=batch_people)
    return store


def same_runs(got: RunStore, expected: RunStore) -> None:
    """Rows and weekly series equal exactly, run for run."""

    def by_run(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        return frame.sort_values(keys).reset_index(drop=True)

    runs, series = ["run"], ["run", "week"]
    pd.testing.assert_frame_equal(by_run(got.read_runs(), runs), by_run(expected.read_runs(), runs), check_exact=True)
    pd.testing.assert_frame_equal(
        by_run(got.read_series(), series), by_run(expected.read_series(), series), check_exact=True
    )


def test_a_run_gives_the_same_row_alone_or_in_a_batch_on_one_worker_or_two(tmp_path, monkeypatch):
    alone = run_plan(tmp_path / "alone", batch_people=1)
    run_batch, sizes = runner.run_batch, []

    def watched(scenario, seeds):
        sizes.append(len(seeds))
        return run_batch(scenario, seeds)

    monkeypatch.setattr(runner, "run_batch", watched)
    together = run_plan(tmp_path / "together", batch_people=10**6)
    assert sizes == [6]  # all six runs in one batch
    monkeypatch.undo()
    assert (alone.read_runs()["status"] == "ok").all()
    same_runs(together, alone)
    same_runs(run_plan(tmp_path / "two", batch_people=10**6, workers=2), alone)


# --- a batch that raises --------------------------------------------------------------------------


def test_a_batch_that_raises_falls_back_to_its_runs_one_by_one_and_only_the_bad_run_fails(monkeypatch):
    tasks = list(tiny_plan(4).tasks())
    expected = pd.DataFrame([execute(t)[0] for t in tasks])
    bad_seed = tasks[1].seed
    run = runner.run

    def broken_batch(scenario, seeds):
        raise RuntimeError("the batched model failed")

    def run_failing_on_one_seed(scenario, **options):
        if scenario.run.seed == bad_seed:
            raise ValueError("this organisation breaks the model")
        return run(scenario, **options)

    monkeypatch.setattr(runner, "run_batch", broken_batch)
    monkeypatch.setattr(runner, "run", run_failing_on_one_seed)
    got = pd.DataFrame([row for row, _ in execute_batch(tasks)])
    assert list(got["status"]) == ["ok", "failed", "ok", "ok"]
    assert got.loc[1, "error"] == "ValueError: this organisation breaks the model"
    assert got.loc[1, "seed"] == bad_seed and pd.isna(got.loc[1, "roi"])
    good = [0, 2, 3]
    same = {"check_exact": True, "check_dtype": False}  # dtype: "error" holds text in got, None only in expected
    pd.testing.assert_frame_equal(got.loc[good], expected.loc[good], **same)


def test_a_local_clusters_workers_leave_ctrl_c_to_the_command():
    """The terminal sends Ctrl-C to every process of the command: a LocalCluster's workers, started
    meanwhile, ignore it (no traceback of theirs), and the command's own handler is back after."""
    before = signal.getsignal(signal.SIGINT)
    asks = [sys.executable, "-c", "import signal; print(signal.getsignal(signal.SIGINT) is signal.SIG_IGN)"]
    with interrupts_ignored_by_new_processes():
        started = subprocess.run(asks, capture_output=True, text=True, check=True)
    assert started.stdout.strip() == "True"
    assert signal.getsignal(signal.SIGINT) is before
    assert subprocess.run(asks, capture_output=True, text=True, check=True).stdout.strip() == "False"
