"""The arithmetic floor: what the barest numpy model of the same people and network costs a week.

crmsim's speed targets are absolute (agent-steps per second, runs per second), and the machines
they are measured on differ by several times in speed. This kernel gives each measurement a
yardstick from the same machine and moment: a week of the simplest decision a numpy model of
the same network can make, in about ten numpy calls. Each person sees the shares of their
neighbours' three options (one sparse product), weighs them linearly, and chooses by a logit
from one uniform draw. No routine, no trigger, no mechanism, no record.

crmsim's week divided by the floor's is how many such barest weeks crmsim's mechanisms cost:
a figure that moves with the code, not with the machine. A target above the floor's own speed
cannot be met by numpy calls at all.
"""

from __future__ import annotations

import time

import numpy as np
from scipy import sparse

#: The options' base utilities and how much the neighbours' shares count.
BASE = np.array([[0.5], [0.2], [0.0]])
SOCIAL = 2.0


def floor_week(adjacency: sparse.csr_matrix, choice: np.ndarray, draw: np.ndarray, onehot: np.ndarray) -> np.ndarray:
    """One barest week: each person's next option (0-2) from their neighbours' shares of the options
    last week (``choice``) and one uniform ``draw`` each; ``onehot`` is (people, 3) scratch."""
    for option in range(3):
        np.equal(choice, option, out=onehot[:, option], casting="unsafe")
    counts = (adjacency @ onehot).T
    shares = counts / np.maximum(counts.sum(axis=0), 1e-300)
    utility = BASE + SOCIAL * shares
    p = np.exp(utility - utility.max(axis=0))
    p /= p.sum(axis=0)
    return (draw > p[0]).astype(np.int8) + (draw > p[0] + p[1])


def floor_week_seconds(adjacency: sparse.spmatrix, weeks: int, seed: int = 0) -> float:
    """Seconds for ``weeks`` weeks of the barest logit choice over ``adjacency``'s people (the median
    week's time x weeks, so one slow week of a busy machine does not count)."""
    adjacency = sparse.csr_matrix(adjacency)
    n = adjacency.shape[0]
    rng = np.random.default_rng(seed)
    choice = rng.integers(0, 3, n)
    onehot = np.empty((n, 3))
    times = []
    for _ in range(weeks):
        started = time.perf_counter()
        choice = floor_week(adjacency, choice, rng.random(n), onehot)
        times.append(time.perf_counter() - started)
    return float(np.median(times)) * weeks
