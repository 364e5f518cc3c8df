"""After the fit: the forecast, the fit check and the arms, from the posterior.

**Forecast.** Every particle of the last generation is run on, with its own seed, from week 1
to the end of the forecast: its first weeks are exactly the run that was accepted (the model's
path does not depend on where it stops), so the forecast follows on from runs that reproduced
the log, not from fresh ones. Weekly quantiles are weighted by the particles' weights.

**Arms.** Each particle is also run with each arm's policy changes from the week after the last
observed one, on the same seed: arm and carrying on share the same people, network and shocks
(common random numbers within each posterior draw), so their difference is the arm's effect
for that draw, and its spread over the posterior is the uncertainty about the effect.

**Fit check (posterior predictive).** ``predictive_draws`` parameter values are drawn from the
posterior; each is run twice on fresh seeds over the observed weeks and observed as the log is
(``y1`` and ``y2``). If the model can produce the log, the log is as far from ``y1`` as ``y2``
is: the p-value is the share of draws with ``d(y2, y1) >= d(log, y1)``. **Misfit** (the rule):
p-value below ``MISFIT_P`` (0.01), i.e. the log is farther from the calibrated model's runs than
99% of the model's own replicates. ``outside_90`` reports the share of observed cells outside
the 90% band of the ``y1`` runs, give or take half a percentage point for a rounded log (about
0.1 or less for a log the model reproduces).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.calibration.distance import ObservationModel
from sim.calibration.posterior import resample, weighted_quantile
from sim.calibration.sampler import in_order
from sim.calibration.simulate import Simulator
from sim.calibration.spec import CARRY_ON

QUANTILES = {"q05": 0.05, "q25": 0.25, "q50": 0.5, "q75": 0.75, "q95": 0.95}
#: weekly series forecast beside the observed columns: what the verdict and a reader look at
HEADLINE_SERIES = ("intended_use", "gaming", "data_quality", "trust", "roi")
#: per-run outcomes compared between arms (with success: 1 if the verdict is success)
ARM_OUTCOMES = ("intended_use_last13", "roi")
MISFIT_P = 0.01
#: how far outside the 90% band an observed share may lie and still count as inside it: half a
#: percentage point, the rounding of a log given in whole percentages (a share the model counts
#: exactly, such as who is live in a pilot, has a band of no width)
BAND_ROUNDING = 0.005
CHUNK = 8


def _forecast_chunk(
    simulator: Simulator, rows: list[tuple[dict, int]], weeks: int, arms: dict, after: int, columns: list[str]
) -> list[dict]:
    out = []
    for parameters, seed in rows:
        runs = {}
        for arm, change in {CARRY_ON: None, **arms}.items():
            frame, verdict = simulator.run_with_verdict(parameters, seed, weeks, change, after)
            runs[arm] = {
                "series": frame[columns].to_numpy(dtype=float),
                # a forecast goes on from a pilot's log of live use: it is always judged, never undetermined
                "success": float(verdict["verdict"] == "success"),
                "intended_use_last13": float(verdict["intended_use_last13"]),
                "roi": float(verdict["roi"]) if verdict["roi"] is not None else np.nan,
            }
        out.append(runs)
    return out


def forecast(
    simulator,
    particles: pd.DataFrame,
    keys: list[str],
    weeks: int,
    arms: dict,
    after: int,
    columns: list[str],
    executor=None,
    workers: int = 1,
) -> tuple[pd.DataFrame, dict]:
    """Weekly quantiles per arm and column, and the arms' outcomes (see the module)."""
    items = [({k: float(r[k]) for k in keys}, int(r["seed"])) for _, r in particles.iterrows()]
    chunks = iter([(simulator, items[i : i + CHUNK], weeks, arms, after, columns) for i in range(0, len(items), CHUNK)])
    runs = [run for part in in_order(executor, _forecast_chunk, chunks, 2 * max(workers, 1)) for run in part]
    weights = particles["weight"].to_numpy()
    rows = []
    for arm in [CARRY_ON, *arms]:
        stack = np.stack([run[arm]["series"] for run in runs])  # particle x week x column
        for j, column in enumerate(columns):
            for week in range(stack.shape[1]):
                q = weighted_quantile(stack[:, week, j], weights, list(QUANTILES.values()))
                rows.append({"week": week + 1, "column": column, "arm": arm, **dict(zip(QUANTILES, q, strict=True))})
    table = pd.DataFrame(rows)
    return table, compare_arms(runs, weights, list(arms))


def compare_arms(runs: list[dict], weights: np.ndarray, arms: list[str]) -> dict:
    """Success probability per arm, and each arm's paired difference from carrying on."""

    def interval(values):
        keep = np.isfinite(values)
        if not keep.any():
            return None
        q = weighted_quantile(values[keep], weights[keep], [0.05, 0.5, 0.95])
        return {"median": float(q[1]), "ci90": [float(q[0]), float(q[2])]}

    out = {}
    base = {name: np.array([run[CARRY_ON][name] for run in runs]) for name in ("success", *ARM_OUTCOMES)}
    for arm in [CARRY_ON, *arms]:
        values = {name: np.array([run[arm][name] for run in runs]) for name in ("success", *ARM_OUTCOMES)}
        entry = {"success_probability": float(np.sum(weights * values["success"]))}
        for name in ARM_OUTCOMES:
            entry[name] = interval(values[name])
        if arm != CARRY_ON:
            diff = {name: values[name] - base[name] for name in ("success", *ARM_OUTCOMES)}
            entry["versus_carry_on"] = {
                "success_probability_difference": float(np.sum(weights * diff["success"])),
                **{name: interval(diff[name]) for name in ARM_OUTCOMES},
                "probability_better": float(np.sum(weights * (diff["intended_use_last13"] > 0))),
            }
        out[arm] = entry
    return out


def _check_chunk(
    simulator: Simulator, observation: ObservationModel, rows: list[tuple[dict, int, int]], weeks: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    out = []
    for parameters, seed1, seed2 in rows:
        pair = []
        for seed in (seed1, seed2):
            frame = simulator.run(parameters, seed, weeks)
            pair.append(observation.observe(observation.cells_of(frame), seed))
        out.append(tuple(pair))
    return out


def share_outside(observed: np.ndarray, runs: np.ndarray) -> float:
    """The share of observed cells outside the 90% band of the runs (runs, cells), give or take
    ``BAND_ROUNDING``."""
    low, high = np.quantile(runs, 0.05, axis=0), np.quantile(runs, 0.95, axis=0)
    return float(np.mean((observed < low - BAND_ROUNDING) | (observed > high + BAND_ROUNDING)))


def fit_check(
    simulator,
    observation: ObservationModel,
    particles: pd.DataFrame,
    keys: list[str],
    weeks: int,
    draws: int,
    seed: int,
    executor=None,
    workers: int = 1,
) -> dict:
    """The posterior predictive check (see the module): p-value, share outside the 90% band, misfit."""
    picked = resample(particles, draws, seed)
    items = [
        (
            {k: float(r[k]) for k in keys},
            int(np.random.SeedSequence([seed, 3, i]).generate_state(1)[0] % (2**31 - 1)),
            int(np.random.SeedSequence([seed, 4, i]).generate_state(1)[0] % (2**31 - 1)),
        )
        for i, (_, r) in enumerate(picked.iterrows())
    ]
    chunks = iter([(simulator, observation, items[i : i + CHUNK], weeks) for i in range(0, len(items), CHUNK)])
    pairs = [pair for part in in_order(executor, _check_chunk, chunks, 2 * max(workers, 1)) for pair in part]
    y1 = np.stack([p[0] for p in pairs])
    y2 = np.stack([p[1] for p in pairs])
    observed_distance = np.array([observation.distance(a) for a in y1])
    replicate_distance = np.array([observation.distance(b, a) for a, b in zip(y1, y2, strict=True)])
    p_value = float(np.mean(replicate_distance >= observed_distance))
    outside = share_outside(observation.observed, y1)
    return {
        "misfit": bool(p_value < MISFIT_P),
        "p_value": p_value,
        "outside_90": outside,
        "distance_observed_median": float(np.median(observed_distance)),
        "distance_replicates_median": float(np.median(replicate_distance)),
        "draws": int(draws),
        "rule": f"misfit when fewer than {MISFIT_P:.0%} of posterior predictive replicates are as far from a "
        "run as the log is (p-value < 0.01)",
    }
