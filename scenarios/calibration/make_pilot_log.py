"""Make the SYNTHETIC pilot log of the calibration example: crmsim itself, with known values.

    python scenarios/calibration/make_pilot_log.py

Runs ``pilot.toml`` with the values in ``TRUTH`` and seed ``SEED``, keeps weeks 1-20 as a CRM
would log them (use and gaming shares of the whole organisation every week, and the share of
complete records from an audit of ``AUDITED`` records every other week) and writes
``synthetic_pilot_log.csv`` (the log) and ``synthetic_pilot_truth.csv`` (the whole run, to check the forecast).
The log is synthetic: it shows that a calibration recovers what it was made from.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.calibration.simulate import Simulator
from sim.core.scenario import Scenario

HERE = Path(__file__).resolve().parent
TRUTH = {"behaviour.habit": 0.25, "behaviour.social": 0.5, "data.initial_quality": 0.35}
SEED = 2024
OBSERVED_WEEKS = 20
AUDITED = 80  # records checked for completeness in each audit


def main() -> None:
    scenario = Scenario.load(HERE / "pilot.toml")
    frame = Simulator(scenario.resolved()).run(TRUTH, SEED, scenario.run.weeks)
    frame.to_csv(HERE / "synthetic_pilot_truth.csv", index=False, float_format="%.6g")
    log = frame.loc[frame["week"] <= OBSERVED_WEEKS, ["week", "intended_use_sales", "intended_use_service", "gaming"]]
    log = log.copy()
    audit = np.random.default_rng(SEED).binomial(AUDITED, frame["data_quality"].clip(0, 1)) / AUDITED
    audited = log["week"] % 2 == 0
    log["data_quality"] = np.where(audited, audit[: len(log)], np.nan)
    log["data_quality_n"] = np.where(audited, AUDITED, np.nan)
    log.to_csv(HERE / "synthetic_pilot_log.csv", index=False, float_format="%.6g")


if __name__ == "__main__":
    main()
