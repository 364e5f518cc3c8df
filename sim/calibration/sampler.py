"""A pyABC sampler whose generations do not depend on the number of workers or the backend.

pyABC's parallel samplers accept whichever particles finish first, so two runs with the same
seed differ. This one numbers the evaluations of a generation 0, 1, 2...; evaluation ``i`` of
generation ``t`` seeds NumPy's global generator (which pyABC draws from to pick and perturb a
particle) from ``(seed, t, i)``; and the results are taken in the order of their numbers until
the population is full. The accepted particles, and the count of evaluations, are then the same
on one process, on local worker processes and on Dask: a calibration is reproducible to the bit
from its seed. The price is the evaluations still in flight when the population fills, which
are thrown away (at most a window of chunks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, wait

import cloudpickle
import numpy as np
from pyabc.sampler import Sampler

#: evaluations per task sent to a worker: enough to outweigh sending pyABC's sampling function
CHUNK = 4


def evaluation_seed(seed: int, t: int, index: int) -> int:
    """The seed of evaluation ``index`` of generation ``t`` (t = -1 is pyABC's calibration sample)."""
    return int(np.random.SeedSequence([seed, t + 1, index]).generate_state(1, dtype=np.uint32)[0])


def run_seeded(function: Callable, seeds: list[int]) -> list:
    """Call ``function`` once per seed with NumPy's global generator seeded; the caller's state is kept."""
    state = np.random.get_state()
    try:
        out = []
        for seed in seeds:
            np.random.seed(seed)
            out.append(function())
        return out
    finally:
        np.random.set_state(state)


_cached: tuple[bytes, Callable] | None = None


def run_pickled(payload: bytes, seeds: list[int]) -> list:
    """In a worker: unpickle pyABC's sampling function (once per generation) and run a chunk."""
    global _cached
    if _cached is None or _cached[0] != payload:
        _cached = (payload, cloudpickle.loads(payload))
    return run_seeded(_cached[1], seeds)


def in_order(executor: Executor | None, function: Callable, chunks: Iterator[tuple], window: int) -> Iterator:
    """Results of ``function(*chunk)`` for each chunk, in the chunks' order, computed ``window`` at a time.

    Closing the generator early cancels what has not started (the rest is left to finish unseen).
    """
    if executor is None:
        for chunk in chunks:
            yield function(*chunk)
        return
    pending: dict[int, object] = {}
    results: dict[int, object] = {}
    submitted = delivered = 0
    exhausted = False
    try:
        while True:
            while not exhausted and len(pending) + len(results) < window:  # a slow chunk holds the rest back
                chunk = next(chunks, None)
                if chunk is None:
                    exhausted = True
                    break
                pending[submitted] = executor.submit(function, *chunk)
                submitted += 1
            if delivered in pending:
                future = pending[delivered]
                if not future.done():
                    wait(list(pending.values()), return_when=FIRST_COMPLETED)
                for number in [n for n, f in pending.items() if f.done()]:
                    results[number] = pending.pop(number).result()
            if delivered in results:
                yield results.pop(delivered)
                delivered += 1
            elif exhausted and not pending:
                return
    finally:
        for future in pending.values():
            future.cancel()


class OrderedSampler(Sampler):
    """pyABC sampler: evaluations numbered and seeded, accepted in their order (see the module)."""

    def __init__(self, seed: int, executor: Executor | None = None, workers: int = 1):
        super().__init__()
        self.seed, self.executor, self.workers = seed, executor, workers

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None):
        sample = self._create_empty_sample()
        if self.executor is None:
            function, first = run_seeded, simulate_one
        else:
            function, first = run_pickled, cloudpickle.dumps(simulate_one)

        def chunks() -> Iterator[tuple]:
            index = 0
            while True:
                yield first, [evaluation_seed(self.seed, t, i) for i in range(index, index + CHUNK)]
                index += CHUNK

        evaluated = 0
        results = in_order(self.executor, function, chunks(), window=2 * max(self.workers, 1))
        try:
            for particles in results:
                for particle in particles:
                    if sample.n_accepted >= n or evaluated >= max_eval:
                        break
                    sample.append(particle)
                    evaluated += 1
                if sample.n_accepted >= n or evaluated >= max_eval:
                    break
        finally:
            results.close()
        self.nr_evaluations_ = evaluated
        if sample.n_accepted < n:
            sample.ok = False
        return sample
