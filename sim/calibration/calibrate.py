"""``crmsim calibrate``: fit a scenario to a pilot's log, forecast the rest, compare the arms.

The steps, each in its own module: read and check the spec and the log (``spec``, ``observed``);
fit the unknowns by ABC-SMC (``smc``, with the seeded ``sampler``); summarise the posterior
(``posterior``); run the particles on for the forecast and the arms, and check the fit
(``predictive``); write the folder (``folder``). Everything is checked before the folder is
touched; an interrupted calibration is resumed by the same command.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

import sim
from sim.calibration import posterior, predictive, smc
from sim.calibration.distance import ObservationModel
from sim.calibration.executors import open_executor
from sim.calibration.folder import KIND, REPORT, CalibrationFolder
from sim.calibration.observed import ObservedLog, check_before_go_live, read_observed
from sim.calibration.simulate import Simulator
from sim.calibration.spec import CalibrationSpec
from sim.core.errors import InputError
from sim.experiments import processes
from sim.experiments.store import FolderInUse, FolderLock
from sim.io.provenance import provenance


def prepare(spec_path: str | Path) -> tuple[CalibrationSpec, ObservedLog, Simulator, ObservationModel, int]:
    """The checked spec, its log, the simulator, the observation model and the forecast horizon."""
    spec = CalibrationSpec.load(spec_path)
    scenario = spec.base_scenario()
    log = read_observed(spec.path_of(spec.observed), scenario.run.weeks, spec.source)
    if not scenario.changes and "policy.go_live_week" not in spec.fit:  # else the go-live may move: the fit judges
        check_before_go_live(log, scenario.policy.go_live_week, str(spec.path_of(spec.observed)))
    forecast_weeks = spec.settings.forecast_weeks
    horizon = log.last_week + forecast_weeks if forecast_weeks is not None else scenario.run.weeks
    observation = ObservationModel(
        weeks=log.weeks,
        columns=tuple(log.cells["column"]),
        observed=log.values,
        counts=log.counts,
        floor=spec.settings.share_floor,
    )
    return spec, log, Simulator(scenario.resolved()), observation, max(horizon, log.last_week)


def calibrate(
    spec_path: str | Path,
    out: str | Path,
    *,
    workers: int = 1,
    dask: str | None = None,
    wait: bool = False,
    progress: bool = False,
    figures: Callable[[Path], list[str]] | None = None,
    report: Callable[[Path], object] | None = None,
    fit_from: str | Path | None = None,
) -> dict:
    """Run (or resume) a calibration into ``out``; returns the content of ``calibration.json``.

    ``fit_from`` is a complete calibration folder of the same fit (the same scenario, log, priors
    and search; other arms or forecast settings): its posterior is taken instead of fitting again,
    and the forecast, the arms and the fit check are made from it, as a fit here would have made
    them (the fit is seeded: the same spec fits to the same posterior). ``figures`` draws the
    folder's figures; ``report``, when the folder holds a report, makes it anew for the results.
    """
    processes.check_workers(workers, dask)
    spec, log, simulator, observation, horizon = prepare(spec_path)
    calibration_hash = spec.content_hash(log.digest)
    fit_hash = spec.fit_hash(log.digest)
    settings = spec.settings
    stopping = {"generations": settings.generations, "simulations": settings.simulations}
    earlier_fit = fitted_in(Path(fit_from), fit_hash, stopping) if fit_from is not None else None
    # the workers or cluster first: a cluster out of reach is refused before the folder is touched
    with open_executor(workers, dask) as executor, CalibrationFolder(out) as folder:
        earlier = folder.open(calibration_hash, wait=wait)
        manifest = {
            "kind": KIND,
            "hash": calibration_hash,
            "crmsim": sim.__version__,
            "spec": str(spec.source),
            "status": "running",
            "stopping": stopping,
            "fit_hash": fit_hash,
            "fit_from": str(Path(fit_from).absolute()) if fit_from is not None else None,
            "provenance": provenance(),
        }
        done = folder.finished(earlier, manifest["stopping"])
        if done is not None:  # the same calibration, complete: nothing to run again
            return done
        folder.check_outputs_unchanged()
        folder.write_json("manifest.json", manifest)
        try:
            result = (
                earlier_fit
                if earlier_fit is not None
                else smc.fit(
                    folder.history,
                    spec.fit,
                    smc.LogModel(simulator, observation, log.last_week),
                    population=settings.population,
                    generations=settings.generations,
                    simulations=settings.simulations,
                    seed=settings.seed,
                    executor=executor,
                    workers=workers,
                    progress=progress,
                )
            )
            keys = list(spec.fit)
            columns = list(dict.fromkeys([*log.columns, *predictive.HEADLINE_SERIES]))
            table, arms = predictive.forecast(
                simulator,
                result.particles,
                keys,
                horizon,
                spec.arm_overrides(),
                log.last_week,
                columns,
                executor,
                workers,
            )
            check = predictive.fit_check(
                simulator,
                observation,
                result.particles,
                keys,
                log.last_week,
                settings.predictive_draws,
                settings.seed,
                executor,
                workers,
            )
        except KeyboardInterrupt:  # its finished generations are kept; the manifest says it stopped
            folder.write_json("manifest.json", {**manifest, "status": "interrupted"})
            raise
        summary = {
            "name": spec.name,
            "description": spec.description,
            "hash": calibration_hash,
            "fit_hash": fit_hash,
            "fit_from": manifest["fit_from"],
            "method": {
                "name": "ABC-SMC",
                "library": f"pyabc {smc.pyabc.__version__}",
                "tolerance": f"quantile {smc.QUANTILE} of the previous generation's distances",
                "kernel": "multivariate normal, fitted to the previous generation",
                "distance": "root mean square of (simulated - observed) / standard error over observed cells; "
                "standard error sqrt(p(1-p)/n + floor^2)",
                "noise": "binomial draws of n people where COLUMN_n is given; else the whole organisation's share",
                "sampler": "evaluations numbered and seeded from the seed, accepted in order (same results on any "
                "number of workers)",
            },
            "settings": settings.model_dump(),
            "simulations": result.simulations,
            "generations": result.generations.to_dict(orient="records"),
            "effective_sample_size": posterior.effective_sample_size(result.particles["weight"]),
            "observed": {
                "file": str(spec.path_of(spec.observed)),
                "columns": log.columns,
                "cells": int(len(log.cells)),
                "first_week": int(log.cells["week"].min()),
                "last_week": log.last_week,
            },
            "forecast": {"weeks": horizon, "from_week": log.last_week + 1, "columns": columns},
            "parameters": posterior.summarise(result.particles, spec.fit),
            "identified_rule": f"contraction >= {posterior.IDENTIFIED_CONTRACTION}",
            "fit": check,
            "arms": arms,
            "scenario": simulator.scenario.get("name"),
            "crmsim": sim.__version__,
        }
        summary = _finite(summary)
        folder.write_parquet("posterior.parquet", result.particles)
        folder.write_parquet("forecast.parquet", table)
        folder.write_parquet("observed.parquet", log.cells)
        folder.write_json("calibration.json", summary)
        if figures is not None:
            figures(folder.root)
        folder.write_json("manifest.json", {**manifest, "status": "complete", "simulations": result.simulations})
        if report is not None and (folder.root / REPORT).is_file():  # an earlier results' report: made anew
            report(folder.root)
    return summary


def fitted_in(folder: Path, fit_hash: str, stopping: dict) -> smc.FitResult:
    """The fit of a complete calibration folder, checked to be the fit this spec asks for; read
    under the folder's lock, so a calibration going on there meanwhile is not read half-way (a
    folder that cannot be locked, e.g. read-only, is read as it is). Only a calibration's own
    folder is locked: nothing is written into any other."""
    manifest = CalibrationFolder(folder).read_manifest()
    if manifest is None or manifest.get("kind") != KIND:
        raise InputError(str(folder), None, "not a calibration folder; allowed: a folder written by crmsim calibrate")
    lock: FolderLock | None = FolderLock(folder)
    try:
        lock.acquire(wait=False)
    except FolderInUse:
        message = "is in use by a calibration; run this command again when it is done"
        raise InputError(str(folder), None, message) from None
    except InputError:
        lock = None
    try:
        return _fitted_in(folder, fit_hash, stopping)
    finally:
        if lock is not None:
            lock.release()


def _fitted_in(folder: Path, fit_hash: str, stopping: dict) -> smc.FitResult:
    where = str(folder)
    manifest = CalibrationFolder(folder).read_manifest() or {}
    if manifest.get("status") != "complete":
        raise InputError(where, None, f"its calibration is {manifest.get('status')}, not complete; finish it first")
    try:
        summary = json.loads((folder / "calibration.json").read_text(encoding="utf-8"))
        particles = pd.read_parquet(folder / "posterior.parquet")
    except (OSError, ValueError) as exc:
        raise InputError(where, None, f"its posterior cannot be read ({exc}); calibrate again") from None
    if "fit_hash" not in summary:
        raise InputError(where, None, "written by a crmsim that did not record its fit; calibrate again")
    if summary["fit_hash"] != fit_hash or manifest.get("stopping") != stopping:
        raise InputError(
            where,
            None,
            "holds another fit: the scenario, the log, [fit] or the settings other than forecast_weeks and "
            "predictive_draws differ; allowed: a calibration that differs from this one only in its arms and those",
        )
    generations = pd.DataFrame(summary["generations"], columns=["t", "epsilon", "samples", "particles"])
    return smc.FitResult(particles=particles, generations=generations, simulations=int(summary["simulations"]))


def _finite(value):
    """NaN and infinity as null: calibration.json is strict JSON."""
    if isinstance(value, float | np.floating):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, pd.Timestamp):
        return str(value)
    return value
