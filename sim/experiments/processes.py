"""Local worker processes: how they start (early, loading the model) and how they stop.

A worker needs the model loaded: Mesa, numpy, scipy, pandas, pydantic and crmsim's own modules,
one to two seconds of imports. A worker started with the first batch imports them only after
the command has imported what it needs and planned. So, on 2 workers, a replicate waited for
both, one after the other, before its first run; on 1 worker it runs in the command's own
process and waits for the command's imports only. The 2-worker speed-up lost that time.

So a command that will run local workers starts them as soon as it has read its input
(``start``). They load the model on the other cores while the command plans, and the engine
takes them when it has runs to hand out (``pool``). Each worker loads the model as it starts
(``start_worker``), whoever started it. Workers are spawned, fresh processes, so they run the
code and see the environment as they are when they start. A command that ends before it uses
its workers, refused or stopped, stops them (``stop_unused``).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor

from sim.core.errors import InputError
from sim.experiments.stopping import ignore_interrupts

#: Workers started with the command and not yet taken by the engine: (how many, their pool).
_started: tuple[int, ProcessPoolExecutor] | None = None


def check_workers(workers, dask: str | None = None) -> None:
    """Local worker processes: at least one, and not so many that they exhaust the machine.

    Checked before any worker starts: a thousand workers would load a thousand models first.
    """
    if dask and dask != "local":
        return  # the cluster's own workers run the runs
    most = max_workers()
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= most:
        raise InputError("--workers", None, f"got {workers!r}; allowed: 1 to {most} (4 per core, at least 64)")


def max_workers() -> int:
    return max(64, 4 * (os.cpu_count() or 1))


def start(workers: int) -> None:
    """Start ``workers`` local workers now, if there are several, for the engine to take later."""
    global _started
    check_workers(workers)
    if workers <= 1 or _started is not None:
        return
    started = new_pool(workers)
    for _ in range(workers):  # a pool starts a process per task while none is idle
        started.submit(os.getpid)
    _started = (workers, started)


def pool(workers: int) -> ProcessPoolExecutor:
    """``workers`` local workers: those the command started, if it started as many, else new ones."""
    global _started
    started, _started = _started, None
    if started is not None and started[0] == workers:
        return started[1]
    if started is not None:
        stop(started[1])
    return new_pool(workers)


def new_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` spawned processes, each loading the model as it starts."""
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=start_worker)


def start_worker() -> None:
    """Set up a local worker process. Ctrl-C is left to the main process, which stops the workers
    itself; tqdm (a run's progress bar) gets a thread lock instead of a semaphore shared across
    processes, which a worker stopped mid-run would leave registered (a warning at exit); the
    worker ends when the command's process ends, however it ends (``end_with_parent``); and the
    model is loaded before the first run comes."""
    from tqdm import tqdm

    ignore_interrupts()
    tqdm.set_lock(threading.RLock())
    end_with_parent()
    import sim.io.runner  # noqa: F401


def end_with_parent() -> None:
    """End this worker as soon as the process that started it is gone.

    A command killed outright (``kill -9``, the machine's out-of-memory killer) cannot stop its
    workers; without this they would finish their runs for nobody, holding cores for minutes.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()  # returns when the parent's end of the sentinel pipe closes: it has ended
        os._exit(1)

    threading.Thread(target=watch, name="end-with-parent", daemon=True).start()


def stop_unused() -> None:
    """Stop the workers the command started if it ends without having used them (refused input)."""
    global _started
    started, _started = _started, None
    if started is not None:
        stop(started[1])


def stop(pool: ProcessPoolExecutor) -> None:
    """Stop a pool's workers now and wait for them, so that none outlives crmsim.

    ``shutdown`` alone would wait for the runs in flight to finish (minutes, for a big
    organisation); their runs are dropped instead and run again on resume.
    """
    running = list((getattr(pool, "_processes", None) or {}).values())  # public only from Python 3.14
    pool.shutdown(wait=False, cancel_futures=True)
    for process in running:
        if process.is_alive():
            process.terminate()
    for process in running:
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join()
