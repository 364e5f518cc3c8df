"""The engine: run an experiment's runs on local processes or a Dask cluster, streaming results to disk.

One engine serves ``replicate``, ``compare`` and ``sweep``. It skips runs already in the
store (resume), keeps only a small window of runs in flight and a small buffer of results in
memory (memory stays flat however many runs), retries runs whose worker died, and records a
run that raises as failed, with its error, without stopping the others. Results do not depend
on the backend or the number of workers: each run's seed is fixed by the plan.

On SIGINT or SIGTERM (``stopping.Stop``) it keeps the runs that had finished, stops every worker
it started and writes what it holds before letting the stop go on: a stopped experiment loses
only the runs that were still running, and the same command runs them again.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa

from sim.core.errors import InputError
from sim.experiments.stopping import Stop, StopSignals, ignore_interrupts
from sim.experiments.store import OUTCOMES, SERIES, RunStore

MAX_ATTEMPTS = 3  # a run whose worker dies is tried this many times in all
FLUSH_ROWS = 64
FLUSH_SECONDS = 10.0


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


def execute(task: Task) -> tuple[dict, pd.DataFrame | None]:
    """Run one task (in a worker): its row of outcomes, and its weekly series if asked for."""
    from sim.core.scenario import Scenario
    from sim.io.runner import run

    row = {
        "run": task.run,
        "seed": task.seed,
        "arm": task.arm,
        "point": task.point,
        "replication": task.replication,
        **task.overrides,
    }
    try:
        overrides = {**task.overrides, "run.seed": task.seed}
        scenario = Scenario.from_dict(task.scenario, f"run {task.run}").with_overrides(overrides, f"run {task.run}")
        result = run(scenario, agents=False)
    except Exception as exc:  # a failed run is a result too: recorded, and the experiment goes on
        return {
            **row,
            **dict.fromkeys(OUTCOMES),
            "verdict": None,
            "status": "failed",
            "error": f"{type(exc).__name__}: {exc}",
        }, None
    outcomes = result.summary["outcomes"]
    row.update({name: outcomes.get(name) for name in OUTCOMES})
    row.update(verdict=result.summary["verdict"], status="ok", error=None)
    series = None
    if task.keep_series:
        series = result.timeseries[["week", *SERIES]].copy()
        series.insert(0, "run", task.run)
        series.insert(1, "arm", task.arm)
        series.insert(2, "replication", task.replication)  # pairs arms week by week
    return row, series


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


def failed_row(task: Task, error: str) -> dict:
    return {
        "run": task.run,
        "seed": task.seed,
        "arm": task.arm,
        "point": task.point,
        "replication": task.replication,
        **task.overrides,
        **dict.fromkeys(OUTCOMES),
        "verdict": None,
        "status": "failed",
        "error": error,
    }


def run_tasks(
    tasks: Iterator[Task],
    total: int,
    store: RunStore,
    schema: pa.Schema,
    *,
    workers: int = 1,
    dask: str | None = None,
    progress: bool = False,
    function=execute,
    signals: StopSignals | None = None,
) -> dict:
    """Run every task not yet in the store; return counts and timings.

    ``function`` runs one task in a worker (``execute``; tests pass others to simulate crashes).
    Whatever ends the runs early (a ``Stop``, an error), the finished runs are written first.
    """
    from tqdm.auto import tqdm

    done = store.done()
    todo = (task for task in tasks if task.run not in done)
    writer = Writer(store, schema, signals)
    started = time.time()
    with tqdm(total=total, initial=len(done), unit="run", disable=not progress, smoothing=0.05) as bar:
        try:
            if dask:
                _run_dask(todo, writer, bar, dask, workers, function)
            elif workers <= 1:
                for task in todo:
                    result = function(task)
                    with writer.signals.held():
                        writer.add(*result)
                        bar.update(1)
            else:
                _run_local(todo, writer, bar, workers, function)
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
    }


def _run_local(todo: Iterator[Task], writer: Writer, bar, workers: int, function) -> None:
    """Local processes. If a worker dies, the pool is rebuilt and the runs it had in flight are
    retried; a run caught in a dying pool MAX_ATTEMPTS - 1 times gets its last try alone, so
    only the run that kills its worker is recorded as failed, never its neighbours."""
    pending: deque[Task] = deque()
    suspects: deque[Task] = deque()
    attempts: dict[int, int] = {}
    window = 4 * workers
    context = multiprocessing.get_context("spawn")
    source = iter(todo)
    exhausted = False
    while True:
        while suspects:
            result = _run_alone(suspects[0], function, context)
            with writer.signals.held():
                suspects.popleft()
                writer.add(*result)
                bar.update(1)
        in_flight: dict = {}
        with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=start_worker) as pool:
            try:
                while True:
                    while len(in_flight) < window:
                        if pending:
                            task = pending.popleft()
                        elif not exhausted:
                            task = next(source, None)
                            if task is None:
                                exhausted = True
                                break
                        else:
                            break
                        try:
                            in_flight[pool.submit(function, task)] = task
                        except BrokenProcessPool:
                            pending.appendleft(task)
                            raise
                    if not in_flight:
                        return
                    finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                    for future in finished:
                        with writer.signals.held():
                            result = future.result()  # raises BrokenProcessPool if its worker died
                            del in_flight[future]
                            writer.add(*result)
                            bar.update(1)
            except BrokenProcessPool:
                for task in in_flight.values():
                    attempts[task.run] = attempts.get(task.run, 1) + 1
                    (suspects if attempts[task.run] >= MAX_ATTEMPTS else pending).append(task)
            except Stop:
                _keep_finished(in_flight, writer, bar)
                stop_pool(pool)
                raise


def start_worker() -> None:
    """Set up a local worker process. Ctrl-C is left to the main process, which stops the workers
    itself; and tqdm (a run's progress bar) gets a thread lock instead of a semaphore shared across
    processes, which a worker stopped mid-run would leave registered (a warning at exit)."""
    from tqdm import tqdm

    ignore_interrupts()
    tqdm.set_lock(threading.RLock())


def _keep_finished(in_flight: dict, writer: Writer, bar) -> None:
    """On a stop: the runs that finished while the main process waited are kept, not run again."""
    for future, _task in list(in_flight.items()):
        if future.done() and not future.cancelled() and future.exception() is None:
            del in_flight[future]
            writer.add(*future.result())
            bar.update(1)


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a pool's workers now and wait for them, so that none outlives crmsim.

    ``shutdown`` alone would wait for the runs in flight to finish (minutes, for a big
    organisation); their runs are dropped instead and run again on resume.
    """
    processes = list((getattr(pool, "_processes", None) or {}).values())  # public only from Python 3.14
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join()


def _run_alone(task: Task, function, context) -> tuple[dict, pd.DataFrame | None]:
    """The last try of a run: in a worker of its own, so a crash is surely its own."""
    with ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=start_worker) as solo:
        try:
            return solo.submit(function, task).result()
        except BrokenProcessPool:
            return failed_row(task, f"worker died {MAX_ATTEMPTS} times"), None
        except Stop:
            stop_pool(solo)
            raise


def _run_dask(todo: Iterator[Task], writer: Writer, bar, address: str, workers: int, function) -> None:
    """A Dask distributed scheduler: ``local`` starts a LocalCluster of ``workers`` processes."""
    with dask_client(address, workers) as client:
        from distributed import as_completed  # importable: dask_client needed it too

        window = 4 * max(len(client.scheduler_info().get("workers", {})), 1)
        source = iter(todo)
        tasks = {}

        def submit(task: Task):
            future = client.submit(function, task, pure=False, retries=MAX_ATTEMPTS - 1)
            tasks[future.key] = task
            return future

        running = as_completed([submit(t) for _, t in zip(range(window), source, strict=False)])
        for future in running:
            with writer.signals.held():
                task = tasks.pop(future.key)
                try:
                    writer.add(*future.result())
                except Exception as exc:  # the worker died MAX_ATTEMPTS times (KilledWorker) or the cluster failed it
                    writer.add(failed_row(task, f"{type(exc).__name__}: {exc}"), None)
                bar.update(1)
            future.release()
            following = next(source, None)
            if following is not None:
                running.add(submit(following))


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
