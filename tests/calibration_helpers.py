"""A small pilot organisation, synthetic logs made by crmsim from known parameter values, and specs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibration.simulate import Simulator
from sim.core.scenario import Scenario

SCENARIO = """name = "pilot"
[run]
seed = 1
weeks = 36
[org]
employees = 90
partners = 15
"""
OBSERVED_WEEKS = 18


def synthetic_log(
    folder: Path, truth: dict, seed: int, columns=("intended_use", "gaming"), every: int = 2, n: int | None = None
) -> pd.DataFrame:
    """The observed weeks of one crmsim run with ``truth``; with ``n``, shares counted over n people."""
    scenario = Scenario.load(folder / "pilot.toml")
    frame = Simulator(scenario.resolved()).run(truth, seed, scenario.run.weeks)
    log = frame.loc[frame["week"] <= OBSERVED_WEEKS, ["week", *columns]].iloc[every - 1 :: every].copy()
    if n is not None:
        rng = np.random.default_rng(seed)
        for column in columns:
            log[column] = rng.binomial(n, log[column].clip(0, 1)) / n
            log[f"{column}_n"] = n
    log.to_csv(folder / "log.csv", index=False)
    return frame


def write_spec(folder: Path, fit: str, settings: str = "", arms: str = "", observed: str = "log.csv") -> Path:
    spec = folder / "spec.toml"
    spec.write_text(
        f'scenario = "pilot.toml"\nobserved = "{observed}"\n[fit]\n{fit}\n[settings]\n{settings}\n{arms}\n',
        encoding="utf-8",
    )
    return spec
