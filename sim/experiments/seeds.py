"""Seeds of runs: derived from the experiment's seed and an index, never from the backend or order."""

from __future__ import annotations

import numpy as np


def derive(experiment_seed: int, index: int) -> int:
    """The seed of run (or replication) ``index``: the same on any machine, process or backend."""
    return int(np.random.SeedSequence([experiment_seed, index]).generate_state(1, dtype=np.uint32)[0])
