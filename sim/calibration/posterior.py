"""What the data say about each fitted parameter: median, credible intervals, contraction, identified.

**Contraction** is ``1 - (posterior 90% interval width) / (prior 90% interval width)``: 0 when
the log taught nothing about the parameter, near 1 when it pinned it down.

**Identified** (the rule): a parameter is identified when its contraction is at least
``IDENTIFIED_CONTRACTION`` (0.3), that is, the log narrowed its 90% interval by at least 30%.
A parameter the log does not inform keeps a posterior like its prior (contraction about 0,
give or take the sampling error of a few hundred particles, about 0.05); 0.3 leaves room for
that error and for the mild narrowing a tolerance-based fit can show for an unused parameter.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.calibration.smc import prior_rv
from sim.experiments.sweepfile import Distribution

IDENTIFIED_CONTRACTION = 0.3


def weighted_quantile(values, weights, q) -> np.ndarray:
    """Quantiles of a weighted sample (the inverse of its weighted empirical distribution, midpoints)."""
    values = np.asarray(values, dtype=float)
    weights = np.asarray(weights, dtype=float)
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    cumulative = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(np.atleast_1d(q), cumulative, v)


def summarise(particles: pd.DataFrame, priors: dict[str, Distribution]) -> dict:
    """The ``parameters`` block of ``calibration.json``."""
    out = {}
    weights = particles["weight"].to_numpy()
    for key, dist in priors.items():
        q = weighted_quantile(particles[key], weights, [0.05, 0.25, 0.5, 0.75, 0.95])
        rv = prior_rv(dist)
        prior_lo, prior_hi = float(rv.ppf(0.05)), float(rv.ppf(0.95))
        contraction = 1.0 - (q[4] - q[0]) / (prior_hi - prior_lo)
        out[key] = {
            "prior": {dist.kind: list(dist.params)},
            "prior_ci90": [prior_lo, prior_hi],
            "median": float(q[2]),
            "ci50": [float(q[1]), float(q[3])],
            "ci90": [float(q[0]), float(q[4])],
            "contraction": float(contraction),
            "identified": bool(contraction >= IDENTIFIED_CONTRACTION),
        }
    return out


def effective_sample_size(weights) -> float:
    w = np.asarray(weights, dtype=float)
    return float(w.sum() ** 2 / (w**2).sum())


def resample(particles: pd.DataFrame, count: int, seed: int) -> pd.DataFrame:
    """``count`` draws from the weighted particles (systematic resampling: deterministic given the seed)."""
    weights = particles["weight"].to_numpy() / particles["weight"].sum()
    u = (np.random.default_rng([seed, 2]).random() + np.arange(count)) / count
    picks = np.minimum(np.searchsorted(np.cumsum(weights), u), len(weights) - 1)
    return particles.iloc[picks].reset_index(drop=True)
