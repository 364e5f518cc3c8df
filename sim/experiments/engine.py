"""The engine: run an experiment's runs on local processes or a Dask cluster, streaming results to disk.

One engine serves ``replicate``, ``compare`` and ``sweep``. It skips runs already in the
store (resume), keeps only a small window of runs in flight and a small buffer of results in
memory (memory stays flat however many runs), retries runs whose worker died, and records a
run that raises as failed, with its error, without stopping the others; the next command on
the folder runs the failed runs again. Results do not depend on the backend, the number of
workers or the batches: each run's seed is fixed by the plan.

A worker gets its runs in batches: consecutive runs of the same scenario and parameters, which
differ only in their seed, run together as one array program (``sim.io.runner.run_batch``),
much faster per run than one at a time.

On SIGINT or SIGTERM (``stopping.Stop``) it keeps the runs that had finished, stops every worker
it started and writes what it holds before letting the stop go on: a stopped experiment loses
only the runs that were still running, and the same command runs them again.
"""

from __future__ import annotations

import itertools
import math
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa

from sim.core.errors import InputError
from sim.experiments import processes
from sim.experiments.stopping import Stop, StopSignals
from sim.experiments.store import OUTCOMES, SERIES, RunStore

if TYPE_CHECKING:
    from sim.core.scenario import Scenario
    from sim.io.runner import Result

MAX_ATTEMPTS = 3  # a run whose worker dies is tried this many times in all
FLUSH_ROWS = 64
FLUSH_SECONDS = 10.0
BATCH_PEOPLE = 64_000  # people (employees and partners) of all the runs in one batch, at most
BATCHES_PER_WORKER = 2  # at least, where there are enough runs (runs_per_batch)
TAIL_RUNS = 8  # the last batches shrink to this many runs at least: a batch of 8 small organisations
# costs about a quarter of its runs alone (benchmarks/bench_batch.py)
CLUSTER_CUT = 8  # a Dask cluster's batches are cut for this many workers at least: more may join
OPEN_BATCHES = 256  # batches of different kinds of run filled side by side (arms, points of a sweep)


@dataclass(frozen=True)
class Task:
    """One run: where it sits in the experiment, its seed, its scenario and its varied parameters."""

    run: int
    seed: int
    scenario: dict  # the resolved base scenario of its arm
    overrides: dict = field(default_factory=dict)  # the varied parameters
    arm: str | None = None
    point: int = 0
    replication: int = 0
    keep_series: bool = False


#: Runs handed to a worker together: same scenario and parameters, differing only in seed and ids.
Batch = Sequence[Task]

#: What a worker returns for a run: its row of outcomes, and its weekly series if asked for.
Finished = tuple[dict, pd.DataFrame | None]


def execute(task: Task) -> Finished:
    """Run one task (in a worker): its row of outcomes, and its weekly series if asked for."""
    from sim.io.runner import run

    try:
        scenario = varied_scenario(task).with_overrides({"run.seed": task.seed}, f"run {task.run}")
        result = run(scenario, agents=False)
    except Exception as exc:  # a failed run is a result too: recorded, and the experiment goes on
        return failed_row(task, f"{type(exc).__name__}: {exc}"), None
    return finished_run(task, result)


def execute_batch(batch: Batch) -> list[Finished]:
    """Run a batch of tasks (in a worker) together: each one's row and series, in the batch's order.

    If the batch raises, each of its tasks is run alone: a run that raises is then recorded as
    failed on its own, and its neighbours in the batch are not lost with it.
    """
    from sim.io.runner import run_batch

    if len(batch) == 1:  # nothing to share; and a failing run is not run twice
        return [execute(batch[0])]
    try:
        results = run_batch(varied_scenario(batch[0]), [task.seed for task in batch])
        return [finished_run(task, result) for task, result in zip(batch, results, strict=True)]
    except Exception:
        return [execute(task) for task in batch]


def varied_scenario(task: Task) -> Scenario:
    """The task's scenario with its varied parameters: what the runs of a batch share."""
    from sim.core.scenario import Scenario

    source = f"run {task.run}"
    return Scenario.from_dict(task.scenario, source).with_overrides(task.overrides, source)


def finished_run(task: Task, result: Result) -> Finished:
    """A run's row of outcomes, and its weekly series if the task keeps them."""
    outcomes = result.summary["outcomes"]
    row = {
        **run_ids(task),
        **{name: outcomes.get(name) for name in OUTCOMES},
        "verdict": result.summary["verdict"],
        "status": "ok",
        "error": None,
    }
    series = None
    if task.keep_series:
        series = result.timeseries[["week", *SERIES]].copy()
        series.insert(0, "run", task.run)
        series.insert(1, "arm", task.arm)
        series.insert(2, "replication", task.replication)  # pairs arms week by week
    return row, series


def run_ids(task: Task) -> dict:
    """Where a run sits in the experiment, and its varied parameters: the first columns of its row."""
    return {
        "run": task.run,
        "seed": task.seed,
        "arm": task.arm,
        "point": task.point,
        "replication": task.replication,
        **task.overrides,
    }


def failed_row(task: Task, error: str) -> dict:
    """The row of a run that raised or whose worker died: no outcomes, and why."""
    return {**run_ids(task), **dict.fromkeys(OUTCOMES), "verdict": None, "status": "failed", "error": error}


def batches(
    tasks: Iterable[Task],
    batch_people: int = BATCH_PEOPLE,
    *,
    runs: int | None = None,
    workers: int | Callable[[], int] = 1,
) -> Iterator[list[Task]]:
    """The tasks in batches of the same scenario and parameters, as many as ``batch_size`` allows.

    With several ``workers`` and the number of ``runs`` the tasks hold, a batch is also cut at
    ``runs_per_batch`` of the runs not yet batched when it opens (guided self-scheduling): the
    first batches are big, the last ones small (not under ``TAIL_RUNS``, or a first batch's
    size), so that every worker gets several and they all finish together, none waiting idle
    while another runs a big last batch. ``workers`` may be a count asked anew as each batch
    opens (a cluster whose workers join while the runs go): the batches are then cut for more
    than one worker even while there is one.

    Runs are numbered replication-major, so the arms of a comparison and the points of a sweep
    alternate: up to ``OPEN_BATCHES`` batches are filled side by side (a sweep of 100 points x 40
    seeds still runs each point's seeds together), and when yet another kind of run comes the
    oldest is handed on. Lazy: it holds those few unfinished batches at most, so however long the
    stream of tasks, only the batches in flight are in memory.
    """
    count = workers if callable(workers) else lambda: workers
    tapered = runs is not None and (callable(workers) or workers > 1)
    floor = min(TAIL_RUNS, runs_per_batch(runs, count())) if tapered else 1
    open_batches: list[tuple[list[Task], int]] = []  # each open batch, and the most runs it may hold
    taken = 0  # tasks taken from the stream
    for task in tasks:
        opened = next((o for o in open_batches if same_but_seed(o[0][0], task)), None)
        if opened is None:
            if len(open_batches) == OPEN_BATCHES:
                yield open_batches.pop(0)[0]
            most = batch_size(task, batch_people)
            if tapered:
                most = min(most, max(floor, runs_per_batch(runs - taken, count())))
            opened = ([], most)
            open_batches.append(opened)
        batch, most = opened
        batch.append(task)
        taken += 1
        if len(batch) >= most:
            open_batches.remove(opened)
            yield batch
    yield from (batch for batch, _ in open_batches)


def runs_per_batch(runs: int, workers: int) -> int:
    """At most this many runs in a batch, so that each of ``workers`` gets at least
    ``BATCHES_PER_WORKER`` batches of the ``runs`` to do: none waits idle while another finishes
    a big last batch, and a cluster's many workers all get work."""
    return max(1, math.ceil(runs / (BATCHES_PER_WORKER * max(workers, 1))))


def same_but_seed(task: Task, other: Task) -> bool:
    """Whether two tasks run the same scenario with the same parameters (so can share a batch)."""
    return task.scenario == other.scenario and task.overrides == other.overrides


def batch_size(task: Task, batch_people: int) -> int:
    """How many runs of ``task``'s organisation fit in ``batch_people`` people (one at least).

    An organisation imported from CSV files runs alone: its size is in the files, not the scenario.
    """

    def org(key: str):
        return task.overrides.get(f"org.{key}", task.scenario["org"][key])

    if org("people_csv"):
        return 1
    return max(1, batch_people // max(1, org("employees") + org("partners")))


def row_schema(parameters: dict[str, pa.DataType]) -> pa.Schema:
    """The fixed schema of a run row: ids, the varied parameters, outcomes, verdict, status."""
    return pa.schema(
        [
            ("run", pa.int64()),
            ("seed", pa.int64()),
            ("arm", pa.string()),
            ("point", pa.int64()),
            ("replication", pa.int64()),
            *[(name, kind) for name, kind in parameters.items()],
            *[(name, pa.float64()) for name in OUTCOMES],
            ("verdict", pa.string()),
            ("status", pa.string()),
            ("error", pa.string()),
        ]
    )


def arrow_type(values: Iterable) -> pa.DataType:
    """The column type of a varied parameter, from the values it takes."""
    values = list(values)
    if all(isinstance(v, bool) for v in values):
        return pa.bool_()
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return pa.int64()
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return pa.float64()
    return pa.string()


class Writer:
    """Buffers finished runs and writes them to the store in parts (a signal waits for a part's end)."""

    def __init__(self, store: RunStore, schema: pa.Schema, signals: StopSignals | None = None):
        self.store, self.schema = store, schema
        self.signals = signals or StopSignals()
        self.rows: list[dict] = []
        self.series: list[pd.DataFrame] = []
        self.last_flush = time.monotonic()
        self.counts = {"ok": 0, "failed": 0}

    def add(self, row: dict, series: pd.DataFrame | None) -> None:
        self.rows.append(row)
        if series is not None:
            self.series.append(series)
        self.counts[row["status"]] += 1
        if len(self.rows) >= FLUSH_ROWS or time.monotonic() - self.last_flush > FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        with self.signals.held():
            self.store.write(self.rows, self.series, self.schema)
            self.rows, self.series = [], []
            self.last_flush = time.monotonic()


def run_tasks(
    tasks: Iterator[Task],
    total: int,
    store: RunStore,
    schema: pa.Schema,
    *,
    workers: int = 1,
    client=None,
    progress: bool = False,
    function=execute_batch,
    signals: StopSignals | None = None,
    batch_people: int = BATCH_PEOPLE,
) -> dict:
    """Run every task not yet in the store, in batches of at most ``batch_people`` people; return
    counts and timings.

    ``client``, a connected Dask client (``dask_client``), runs them on its cluster; else they run
    on ``workers`` local processes. ``function`` runs one batch in a worker (``execute_batch``;
    tests pass others to simulate crashes). Whatever ends the runs early (a ``Stop``, an error),
    the finished runs are written first. Runs that failed in an earlier command run again (a
    killed worker, say, may not kill it this time), and the command says so in one line.
    """
    from tqdm.auto import tqdm

    done = store.done()
    say_failed_run_again(len(store.to_run_again()))
    remaining = max(total - len(done), 1)
    pending = (task for task in tasks if task.run not in done)

    def todo(workers_at_hand: int | Callable[[], int]) -> Iterator[list[Task]]:
        """The batches, cut so that each worker gets several (one worker: as big as they come)."""
        return batches(pending, batch_people, runs=remaining, workers=workers_at_hand)

    writer = Writer(store, schema, signals)
    started = time.time()
    with tqdm(total=total, initial=len(done), unit="run", disable=not progress, smoothing=0.05) as bar:
        try:
            if client is not None:
                workers = _run_dask(todo, writer, bar, client, function)
            elif workers <= 1:
                for batch in todo(1):
                    finished = function(batch)
                    with writer.signals.held():
                        _keep(finished, writer, bar)
            else:
                _run_local(todo(workers), writer, bar, workers, function)
        except (Stop, Exception):
            writer.flush()
            raise
        writer.flush()
    seconds = time.time() - started
    ran = writer.counts["ok"] + writer.counts["failed"]
    return {
        "ran_now": ran,
        "already_done": len(done),
        "ok_now": writer.counts["ok"],
        "failed_now": writer.counts["failed"],
        "seconds": round(seconds, 3),
        "runs_per_second": round(ran / seconds, 3) if seconds > 0 and ran else None,
        "workers": workers,  # a cluster's: the most it had
    }


def say_failed_run_again(runs: int) -> None:
    """One line on stderr: the runs that failed last time are run again."""
    if runs:
        what = "the run that" if runs == 1 else f"the {runs} runs that"
        print(f"crmsim: note: running again {what} failed last time", file=sys.stderr)


def _keep(finished: list[Finished], writer: Writer, bar) -> None:
    """Hand a finished batch's runs to the writer; the progress bar counts runs, not batches."""
    for row, series in finished:
        writer.add(row, series)
    bar.update(len(finished))


def _run_local(todo: Iterator[Batch], writer: Writer, bar, workers: int, function) -> None:
    """Local processes, with at most 4 batches per worker in flight. If a worker dies, the pool is
    rebuilt and the batches it had in flight are retried whole; a batch caught in a dying pool
    MAX_ATTEMPTS - 1 times gives each of its runs its last try alone, so only the run that kills
    its worker is recorded as failed, never its neighbours.

    With nothing left to run (a finished experiment resumed), no worker is asked for: a pool
    would wait for workers still loading the model only to close them."""
    first = next(todo, None)
    if first is None:
        return
    todo = itertools.chain([first], todo)
    pending: deque[Batch] = deque()
    suspects: deque[Task] = deque()
    attempts: dict[int, int] = {}  # by the first run of a batch (a batch is always retried whole)
    window = 4 * workers
    while True:
        while suspects:
            finished = _run_alone(suspects[0], function)
            with writer.signals.held():
                suspects.popleft()
                _keep(finished, writer, bar)
        in_flight: dict = {}
        with processes.pool(workers) as pool:
            try:
                while True:
                    while len(in_flight) < window:
                        batch = pending.popleft() if pending else next(todo, None)
                        if batch is None:
                            break
                        try:
                            in_flight[pool.submit(function, batch)] = batch
                        except BrokenProcessPool:
                            pending.appendleft(batch)
                            raise
                    if not in_flight:
                        return
                    ready, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                    for future in ready:
                        with writer.signals.held():
                            finished = future.result()  # raises BrokenProcessPool if its worker died
                            del in_flight[future]
                            _keep(finished, writer, bar)
            except BrokenProcessPool:
                with writer.signals.held():
                    _keep_finished(in_flight, writer, bar)
                for batch in in_flight.values():
                    tries = attempts[batch[0].run] = attempts.get(batch[0].run, 1) + 1
                    if tries >= MAX_ATTEMPTS:
                        suspects.extend(batch)
                    else:
                        pending.append(batch)
            except Stop:
                _keep_finished(in_flight, writer, bar)
                processes.stop(pool)
                raise


def _keep_finished(in_flight: dict, writer: Writer, bar) -> None:
    """On a stop or a dead worker: the batches that finished while the main process waited are
    kept (and taken out of ``in_flight``), not run again."""
    for future in list(in_flight):
        if future.done() and not future.cancelled() and future.exception() is None:
            del in_flight[future]
            _keep(future.result(), writer, bar)


def _run_alone(task: Task, function) -> list[Finished]:
    """The last try of a run: a batch of one, in a worker of its own, so a crash is surely its own."""
    with processes.new_pool(1) as solo:
        try:
            return solo.submit(function, [task]).result()
        except BrokenProcessPool:
            return [(failed_row(task, f"worker died {MAX_ATTEMPTS} times"), None)]
        except Stop:
            processes.stop(solo)
            raise


def _run_dask(todo: Callable, writer: Writer, bar, client, function) -> int:
    """A Dask distributed cluster, through its connected client; the most workers it had.

    Its workers are counted as the runs go, not once: on a batch queue (dask-jobqueue, SLURM)
    they join while their jobs start, and there may be none yet when the runs begin. Each batch
    is cut for the workers there when it opens, and for ``CLUSTER_CUT`` at least, so that the
    batches queued at the scheduler while the first workers run are left for those who join
    (``todo(workers)``); about four batches a worker are kept in flight.

    Dask retries a batch whose worker died; a batch that killed its worker MAX_ATTEMPTS times is
    split into batches of one, so only the run at fault is recorded as failed."""
    from distributed import as_completed  # importable: dask_client needed it too

    most, now, counted_at = 1, 1, -math.inf

    def workers() -> int:
        """The workers now, asked of the scheduler at most once a second (a round trip each)."""
        nonlocal most, now, counted_at
        if time.monotonic() - counted_at >= 1.0:
            now = max(len(client.nthreads()), 1)  # every worker (scheduler_info lists at most 5 in some versions)
            most, counted_at = max(most, now), time.monotonic()
        return now

    todo = todo(lambda: max(workers(), CLUSTER_CUT))
    submitted = {}

    def submit(batch: Batch):
        future = client.submit(function, batch, pure=False, retries=MAX_ATTEMPTS - 1)
        submitted[future.key] = batch
        return future

    running = as_completed([submit(batch) for _, batch in zip(range(4 * workers()), todo, strict=False)])
    for future in running:
        with writer.signals.held():
            batch = submitted.pop(future.key)
            try:
                finished = future.result()
            except Exception as exc:  # the worker died MAX_ATTEMPTS times (KilledWorker) or the cluster failed it
                finished = []
                if len(batch) > 1:  # which of its runs is at fault: each gets tries of its own
                    for task in batch:
                        running.add(submit([task]))
                else:
                    finished = [(failed_row(batch[0], f"{type(exc).__name__}: {exc}"), None)]
            _keep(finished, writer, bar)
        future.release()
        for _, following in zip(range(4 * workers() - running.count()), todo, strict=False):
            running.add(submit(following))
    return most


@contextmanager
def interrupts_ignored_by_new_processes() -> Iterator[None]:
    """Processes started meanwhile ignore Ctrl-C, as the local workers do (``processes``): the
    terminal sends it to them too, and a LocalCluster's workers would each print a traceback
    before the command's own one line. An ignored signal stays ignored in a started process, and
    Python and asyncio leave it so; the command stops its cluster itself. (A Ctrl-C while the
    cluster starts, a few seconds, is ignored by the command too: the next one stops it.)"""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set a handler; nothing to keep from the workers then
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def dask_client(address: str, workers: int) -> Iterator:
    """A client of the Dask scheduler at ``address``; ``local`` starts a LocalCluster of ``workers``
    processes. Closed, with its cluster, on leaving; an address that cannot be reached is bad input."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError("--dask", address, "needs Dask distributed: pip install 'crmsim[cluster]'") from None
    cluster = None
    try:
        if address == "local":
            with interrupts_ignored_by_new_processes():
                cluster = LocalCluster(
                    n_workers=max(workers, 1), threads_per_worker=1, processes=True, dashboard_address=None
                )
            client = Client(cluster)
        else:
            client = Client(address, timeout=30)
    except (OSError, ValueError, TypeError) as exc:  # no scheduler there, or not an address
        if cluster is not None:
            cluster.close()
        raise InputError("--dask", address, f"cannot reach a Dask scheduler: {str(exc).splitlines()[0]}") from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
