"""Where the calibration's simulations run: this process, local worker processes, or Dask.

Every simulation's seed is fixed before it is sent (``sim.calibration.sampler``), so the
results are the same wherever they run.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager

from sim.experiments.engine import dask_client, start_worker, stop_pool


@contextmanager
def open_executor(workers: int = 1, dask: str | None = None) -> Iterator[Executor | None]:
    """None (run here) for one worker; a process pool; or a Dask client's executor (``local``: a LocalCluster)."""
    if dask:
        yield from _dask(dask, workers)
        return
    if workers <= 1:
        yield None
        return
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=start_worker)
    try:
        yield pool
    except BaseException:
        stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def _dask(address: str, workers: int) -> Iterator[Executor]:
    with dask_client(address, workers) as client:
        yield client.get_executor(pure=False)
