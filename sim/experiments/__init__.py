"""Experiments: many runs of the model, streamed to disk, on local processes or a Dask cluster.

What to run (``plan``: replications, policy arms, sweep designs), where to run it
(``engine``: local processes or Dask, resumable), and where the results go (``store``:
a Parquet dataset with one row per run, written atomically, plus a manifest).
"""
