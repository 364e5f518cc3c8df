"""ABC-SMC with pyABC: priors from the spec, the log as summary statistics, a resumable history.

pyABC keeps every generation in an SQLite database (``abc.db`` in the output folder), written
when the generation is complete. A calibration stopped in any way (even ``kill -9``) loses at
most the generation it was running; the same command loads the history and goes on from the last
complete generation, with the same seeds, so it ends where an uninterrupted calibration ends.

Tolerances follow pyABC's quantile rule: generation 0 accepts every prior draw, and each later
generation's tolerance is the median distance of the previous one's particles. The perturbation
kernel is pyABC's multivariate normal, fitted to the previous generation.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyabc

from sim.calibration.distance import ObservationModel
from sim.calibration.sampler import OrderedSampler
from sim.calibration.simulate import Simulator
from sim.experiments.sweepfile import Distribution

#: pyABC's quantile of the previous generation's distances that becomes the next tolerance
QUANTILE = 0.5


def prior_rv(dist: Distribution) -> pyabc.RV:
    """A prior of the spec as the scipy distribution pyABC samples and weighs with."""
    p = dist.params
    if dist.kind == "uniform":
        return pyabc.RV("uniform", p[0], p[1] - p[0])
    if dist.kind == "normal":
        return pyabc.RV("norm", p[0], p[1])
    if dist.kind == "triangular":
        low, mode, high = p
        return pyabc.RV("triang", (mode - low) / (high - low), loc=low, scale=high - low)
    if dist.kind == "beta":
        return pyabc.RV("beta", p[0], p[1], loc=p[2], scale=p[3] - p[2])
    raise ValueError(f"no continuous prior for {dist.kind}")


class QuantileTolerance(pyabc.QuantileEpsilon):
    """pyABC's quantile tolerance, infinite for generation 0 (every prior draw is accepted, no draws
    are spent on a calibration sample), and, when a calibration goes on from a stored generation,
    the quantile of that generation's distances, as it would have been without the stop."""

    def __init__(self):
        super().__init__(initial_epsilon=np.inf, alpha=QUANTILE, weighted=False)

    def initialize(self, t, get_weighted_distances, get_all_records, max_nr_populations, acceptor_config):
        if t > 0:
            self._update(t, get_weighted_distances())


@dataclass
class LogModel:
    """pyABC's model: simulate the observed weeks and observe them as the log does.

    Its summary statistics are the observed cells (``y``) and the run's seed, so that an accepted
    particle can be run on to the end of the forecast exactly as it was simulated.
    """

    simulator: Simulator
    observation: ObservationModel
    weeks: int  # the last observed week

    def __call__(self, parameters) -> dict:
        seed = int(np.random.randint(0, 2**31 - 1))  # from the evaluation's seed (sampler)
        frame = self.simulator.run(dict(parameters), seed, self.weeks)
        shares = self.observation.cells_of(frame)
        return {"y": self.observation.observe(shares, seed), "seed": np.array([seed])}


@dataclass
class LogDistance:
    """pyABC's distance: the observation model's standardised distance (``sim.calibration.distance``)."""

    observation: ObservationModel

    def __call__(self, simulated: dict, observed: dict) -> float:
        return self.observation.distance(simulated["y"], observed["y"])


@dataclass
class FitResult:
    particles: pd.DataFrame  # the last generation: one row per particle, the fitted keys, weight, seed, distance
    generations: pd.DataFrame  # per generation: t, epsilon, samples (evaluations), particles
    simulations: int


def fit(
    db: Path,
    priors: dict[str, Distribution],
    model: LogModel,
    *,
    population: int,
    generations: int,
    simulations: int | None,
    seed: int,
    executor=None,
    workers: int = 1,
    progress: bool = False,
) -> FitResult:
    """Run (or go on with) ABC-SMC into ``db``, and read back its last generation."""
    logging.getLogger("ABC").setLevel(logging.INFO if progress else logging.WARNING)
    sampler = OrderedSampler(seed, executor, workers)
    abc = pyabc.ABCSMC(
        model,
        pyabc.Distribution(**{key: prior_rv(dist) for key, dist in priors.items()}),
        LogDistance(model.observation),
        population_size=population,
        sampler=sampler,
        eps=QuantileTolerance(),
    )
    url = f"sqlite:///{db}"
    observed = {"y": model.observation.observed, "seed": np.array([-1])}
    history = abc.load(url, 1) if db.exists() and _has_run(url) else abc.new(url, observed)
    remaining = generations - (history.max_t + 1)
    spent = history.total_nr_simulations
    budget_left = simulations is None or spent < simulations
    if remaining > 0 and budget_left:
        with warnings.catch_warnings():  # pyABC compares the first tolerance (infinite) with none: inf - inf
            warnings.filterwarnings("ignore", "invalid value encountered in scalar subtract", RuntimeWarning)
            history = abc.run(
                max_nr_populations=remaining,
                max_total_nr_simulations=simulations if simulations is not None else np.inf,
            )
    return read_history(history, list(priors))


def _has_run(url: str) -> bool:
    try:
        return pyabc.History(url).n_populations > 0
    except Exception:  # an empty or half-created database: start it again
        return False


def read_history(history: pyabc.History, keys: list[str]) -> FitResult:
    t = history.max_t
    population = history.get_population(t=t)
    rows = [
        {
            **{key: float(particle.parameter[key]) for key in keys},
            "weight": float(particle.weight),
            "seed": int(np.asarray(particle.sum_stat["seed"]).ravel()[0]),
            "distance": float(particle.distance),
        }
        for particle in population.particles
    ]
    particles = pd.DataFrame(rows).sort_values("seed", kind="stable").reset_index(drop=True)
    particles["weight"] /= particles["weight"].sum()
    table = history.get_all_populations()
    table = table[table["t"] >= 0][["t", "epsilon", "samples", "particles"]].reset_index(drop=True)
    return FitResult(particles=particles, generations=table, simulations=int(history.total_nr_simulations))
