"""Where the calibration's simulations run: this process, local worker processes, or Dask.

Every simulation's seed is fixed before it is sent (``sim.calibration.sampler``), so the
results are the same wherever they run.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager

from sim.core.errors import InputError
from sim.experiments.engine import start_worker, stop_pool


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
    except (OSError, ValueError, TypeError) as exc:
        if cluster is not None:
            cluster.close()
        raise InputError("--dask", address, f"cannot reach a Dask scheduler: {str(exc).splitlines()[0]}") from None
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
