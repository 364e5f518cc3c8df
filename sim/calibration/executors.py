"""Where the calibration's simulations run: this process, local worker processes, or Dask.

Every simulation's seed is fixed before it is sent (``sim.calibration.sampler``), so the
results are the same wherever they run.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager

from sim.experiments import processes
from sim.experiments.engine import dask_client


@contextmanager
def open_executor(workers: int = 1, dask: str | None = None) -> Iterator[Executor | None]:
    """None (run here) for one worker; a process pool; or a Dask client's executor (``local``: a LocalCluster)."""
    if dask:
        yield from _dask(dask, workers)
        return
    if workers <= 1:
        yield None
        return
    pool = processes.pool(workers)
    try:
        yield pool
    except BaseException:
        processes.stop(pool)
        raise
    pool.shutdown(wait=True)


def _dask(address: str, workers: int) -> Iterator[Executor]:
    with dask_client(address, workers) as client:
        yield client.get_executor(pure=False)
