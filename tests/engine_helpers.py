"""Task functions for engine tests; importable by spawned worker processes."""

from __future__ import annotations

import os
import time
from pathlib import Path

from sim.experiments.engine import execute, execute_batch


def die_once_on_run_3(task):
    """Kill the worker the first time run 3 is attempted (a marker file remembers), else run it."""
    marker = Path(os.environ["CRMSIM_TEST_MARKER"])
    if task.run == 3 and not marker.exists():
        marker.write_text("died")
        os._exit(1)
    return execute(task)


def always_die_on_run_2(task):
    if task.run == 2:
        os._exit(1)
    return execute(task)


def interrupt_at_run_3(task):
    """Ctrl-C to this very process as run 3 starts: runs 0 to 2 are finished but not yet written."""
    if task.run == 3:
        import signal

        os.kill(os.getpid(), signal.SIGINT)
    return execute(task)


def loaded_modules(names):
    """Which of ``names`` a worker has imported (it imports none of them to answer)."""
    import sys

    return {name for name in names if name in sys.modules}


def batch_on_a_cluster_that_grows(batch):
    """Run a batch on a Dask worker and note which worker ran it (a file per batch under the
    CRMSIM_TEST_MARKER folder); the first batch waits until a second worker has joined."""
    from distributed import get_client, get_worker

    folder = Path(os.environ["CRMSIM_TEST_MARKER"])
    if batch[0].run == 0:
        (folder / "started").write_text("")
        deadline = time.monotonic() + 120
        while len(get_client().nthreads()) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    (folder / f"batch-{batch[0].run}").write_text(get_worker().address)
    return execute_batch(batch)
