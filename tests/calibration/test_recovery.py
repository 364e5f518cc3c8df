"""Recovery: calibrated on logs crmsim made from known values, the 90% intervals hold the truth.

Five synthetic logs of the small pilot (90 employees, 18 of 36 weeks observed), true values drawn
from the prior; a small calibration of each (40 particles, 3 generations). Tolerance: of the
(log, identified parameter) pairs, at least 75% hold the true value in their 90% credible
interval. With calibrated 90% intervals and 5 to 10 pairs the chance of fewer is below 8%; the
seeds are fixed, so the test gives the same answer every time. (docs/calibration.md measures
coverage on 20 larger logs.) The migrated data's quality is read almost directly from the
data-quality column, so at least one identified parameter per log is expected.
"""

from __future__ import annotations

import numpy as np
from calibration_helpers import SCENARIO, synthetic_log, write_spec

from sim.calibration.calibrate import calibrate

PRIORS = {"behaviour.habit": (0.1, 0.8), "data.initial_quality": (0.2, 0.6)}
FIT = "\n".join(f'"{key}" = {{ uniform = [{lo}, {hi}] }}' for key, (lo, hi) in PRIORS.items())
LOGS = 5


def test_true_values_fall_in_the_90_percent_intervals(tmp_path_factory):
    rng = np.random.default_rng(2024)
    held = []
    for index in range(LOGS):
        folder = tmp_path_factory.mktemp(f"log{index}")
        (folder / "pilot.toml").write_text(SCENARIO, encoding="utf-8")
        truth = {key: float(rng.uniform(lo, hi)) for key, (lo, hi) in PRIORS.items()}
        synthetic_log(folder, truth, seed=100 + index, columns=("intended_use", "gaming", "data_quality"))
        spec = write_spec(folder, FIT, f"population = 40\ngenerations = 3\npredictive_draws = 10\nseed = {index}")
        summary = calibrate(spec, folder / "out")
        for key, entry in summary["parameters"].items():
            if entry["identified"]:
                held.append(entry["ci90"][0] <= truth[key] <= entry["ci90"][1])
        assert summary["parameters"]["data.initial_quality"]["identified"], index
    assert len(held) >= LOGS
    assert np.mean(held) >= 0.75, held
