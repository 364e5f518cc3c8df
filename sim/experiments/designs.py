"""Designs: where in parameter space to run. Sampling in the unit cube with scipy.stats.qmc, then
each parameter's distribution maps its column to values (inverse CDF).

- ``monte_carlo``: independent uniform draws;
- ``lhs``: a Latin hypercube;
- ``sobol``: Saltelli's scheme on a scrambled Sobol' sequence, in the row layout that SALib's
  Sobol analysis expects (N (D + 2) rows, or N (2D + 2) with second-order indices);
- ``morris``: Morris trajectories (drawn by SALib; needs the ``analysis`` extra);
- ``grid``: every combination of levels.
Levers are crossed with every point.

scipy.stats is imported by the designs and distributions that need it, not with the module:
its import takes one to two seconds, which a replication or a comparison (no design) would
otherwise wait for on every command.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from sim.core.errors import InputError
from sim.core.scenario import bounds, fields
from sim.experiments.sweepfile import Distribution, SweepFile


def unit_samples(sweep: SweepFile) -> np.ndarray:
    """(points, uncertainties) samples in [0, 1), before mapping to distributions."""
    d, n, seed = len(sweep.uncertainties), sweep.samples, sweep.seed
    if d == 0:
        return np.zeros((1, 0))
    if sweep.design == "monte_carlo":
        return np.random.default_rng(seed).random((n, d))
    if sweep.design == "lhs":
        from scipy.stats import qmc

        return qmc.LatinHypercube(d=d, seed=seed).random(n)
    if sweep.design == "sobol":
        return saltelli(d, n, sweep.second_order, seed)
    if sweep.design == "morris":
        try:
            from SALib.sample import morris  # optional: the analysis extra
        except ImportError:
            raise InputError("design", "morris", "needs SALib: pip install 'crmsim[analysis]'") from None

        problem = {"num_vars": d, "names": list(sweep.uncertainties), "bounds": [[0.0, 1.0]] * d}
        return morris.sample(problem, n, num_levels=sweep.morris_levels, seed=seed)
    raise ValueError(sweep.design)


def saltelli(d: int, n: int, second_order: bool, seed: int) -> np.ndarray:
    """Saltelli's cross-sampling of a scrambled Sobol' sequence, rows grouped per base sample:
    A, AB_1..AB_d, [BA_1..BA_d], B (the layout of SALib.sample.sobol)."""
    from scipy.stats import qmc

    base = qmc.Sobol(d=2 * d, scramble=True, seed=seed).random(n)
    a, b = base[:, :d], base[:, d:]
    blocks = [a]
    for k in range(d):
        ab = a.copy()
        ab[:, k] = b[:, k]
        blocks.append(ab)
    if second_order:
        for k in range(d):
            ba = b.copy()
            ba[:, k] = a[:, k]
            blocks.append(ba)
    blocks.append(b)
    return np.stack(blocks, axis=1).reshape(-1, d)


def to_values(dist: Distribution, u: np.ndarray) -> list:
    """Map unit-cube samples of one parameter to its values."""
    p = dist.params
    u = np.clip(u, 0.0, np.nextafter(1.0, 0.0))
    if dist.kind == "uniform":
        return (p[0] + u * (p[1] - p[0])).tolist()
    if dist.kind == "integers":
        return (p[0] + np.floor(u * (p[1] - p[0] + 1))).astype(int).tolist()
    if dist.kind in ("normal", "triangular", "beta"):
        return _inverse_cdf(dist.kind, p, u).tolist()
    values = dist.params  # choice / levels
    return [values[i] for i in np.floor(u * len(values)).astype(int)]


def _inverse_cdf(kind: str, p: list, u: np.ndarray) -> np.ndarray:
    """A continuous distribution's values at the quantiles ``u`` (scipy.stats)."""
    from scipy import stats

    if kind == "normal":
        return stats.norm.ppf(np.clip(u, 1e-12, 1 - 1e-12), loc=p[0], scale=p[1])
    if kind == "triangular":
        low, mode, high = p
        c = (mode - low) / (high - low) if high > low else 0.5
        return stats.triang.ppf(u, c, loc=low, scale=high - low)
    return stats.beta.ppf(u, p[0], p[1], loc=p[2], scale=p[3] - p[2])


#: How far inside an open bound a draw past it is set: near enough to be the bound, far enough that
#: the mechanisms dividing by the value stay finite.
INSIDE_AN_OPEN_BOUND = 1e-9


def fit_to_field(key: str, values: list, clipped: dict[str, int] | None = None) -> list:
    """Sampled numbers made valid for their scenario field: whole numbers for an integer field,
    clipped to the field's bounds (a normal's tails, say); ``clipped`` counts, per key, the values
    that lay outside them."""
    info = fields()[key]
    limits = bounds(key)
    whole = info.annotation in (int, int | None)
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | float):
            out.append(v)
            continue
        fitted = v
        if "ge" in limits:
            fitted = max(fitted, limits["ge"])
        if "le" in limits:
            fitted = min(fitted, limits["le"])
        # an open bound (> 0, say) takes a value just inside it (a whole number: the next one)
        if "gt" in limits and (round(fitted) if whole else fitted) <= limits["gt"]:
            fitted = limits["gt"] + (1 if whole else INSIDE_AN_OPEN_BOUND)
        if "lt" in limits and (round(fitted) if whole else fitted) >= limits["lt"]:
            fitted = limits["lt"] - (1 if whole else INSIDE_AN_OPEN_BOUND)
        if clipped is not None and fitted != v:
            clipped[key] = clipped.get(key, 0) + 1
        out.append(int(round(fitted)) if whole else float(fitted))
    return out


def count(sweep: SweepFile) -> int:
    """How many points ``points(sweep)`` has, without drawing them: a sweep too big to run is
    refused before its points fill the memory."""
    d, n = len(sweep.uncertainties), sweep.samples
    if sweep.design == "grid":
        sampled = math.prod(len(axis) for axis in _grid_axes(sweep))
    elif d == 0:
        sampled = 1
    elif sweep.design == "sobol":
        sampled = n * (2 * d + 2 if sweep.second_order else d + 2)
    elif sweep.design == "morris":
        sampled = n * (d + 1)
    else:
        sampled = n
    return sampled * math.prod(len(values) for values in sweep.levers.values())


def _grid_axes(sweep: SweepFile) -> list[list]:
    """A grid's levels, one list per uncertainty."""
    axes = []
    for key, dist in sweep.uncertainties.items():
        if dist.kind in ("choice", "levels"):
            axes.append(list(dist.params))
        elif dist.kind == "integers":
            lo, hi = dist.params
            axes.append(sorted({int(round(v)) for v in np.linspace(lo, hi, min(sweep.grid_levels, hi - lo + 1))}))
        else:
            axes.append(fit_to_field(key, np.linspace(*dist.params, sweep.grid_levels).tolist()))
    return axes


def points(sweep: SweepFile, clipped: dict[str, int] | None = None) -> pd.DataFrame:
    """Every point of the sweep, one row each, a column per dotted key: levers crossed with the design.

    Built column by column, so a sweep of many points stays a compact table in memory. ``clipped``
    counts, per key, the drawn values that lay outside their field's range and were set to its bound."""
    if sweep.design == "grid":
        axes = _grid_axes(sweep)
        sampled = pd.DataFrame(list(itertools.product(*axes)), columns=list(sweep.uncertainties))
    else:
        u = unit_samples(sweep)
        columns = {
            key: fit_to_field(key, to_values(dist, u[:, j]), clipped)
            for j, (key, dist) in enumerate(sweep.uncertainties.items())
        }
        sampled = pd.DataFrame(columns) if columns else pd.DataFrame(index=[0])
    levers = pd.DataFrame(list(itertools.product(*sweep.levers.values())), columns=list(sweep.levers))
    if sweep.levers:  # lever-major: each lever combination is a complete design
        sampled = levers.merge(sampled, how="cross")
    return sampled[sweep.parameters] if sweep.parameters else sampled
