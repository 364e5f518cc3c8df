"""One simulated rollout for given parameter values and seed, stopped early or changed half-way.

The model's path does not depend on ``run.weeks`` (it only says when to stop), so a run cut at
the last observed week and a run to the end agree on the weeks they share: the fit simulates
only the observed weeks, and the forecast runs the accepted particles on with the same seeds.

An arm changes the policy at a given week (``CRMRollout.change_policy``): the model's settings
are replaced and the world's standing cues (mandate, value returned...) rebuilt from them; a
full integration decided then is built from then on. Common random
numbers hold: the model draws the same numbers per person and week whatever the policy, so an
arm and carrying on share every draw up to the change and the shocks after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sim.core.model import CRMRollout
from sim.core.scenario import Scenario
from sim.experiments.designs import fit_to_field


@dataclass
class Simulator:
    """Runs the calibrated scenario: ``scenario`` is its resolved dict (what workers receive)."""

    scenario: dict
    _base: Scenario | None = field(default=None, init=False, repr=False, compare=False)

    def __getstate__(self) -> dict:
        return {"scenario": self.scenario, "_base": None}

    @property
    def base(self) -> Scenario:
        if self._base is None:
            self._base = Scenario.from_dict(self.scenario, "calibration")
        return self._base

    def scenario_for(self, parameters: dict[str, float], seed: int, weeks: int) -> Scenario:
        values = {key: fit_to_field(key, [float(v)])[0] for key, v in parameters.items()}
        return self.base.with_overrides({**values, "run.seed": int(seed), "run.weeks": int(weeks)}, "calibration")

    def run(
        self,
        parameters: dict[str, float],
        seed: int,
        weeks: int,
        change: dict[str, Any] | None = None,
        change_after: int | None = None,
    ) -> pd.DataFrame:
        """The weekly series of one run; ``change`` (policy overrides) applies after week ``change_after``."""
        return self.model(parameters, seed, weeks, change, change_after).recorder.frame()

    def run_with_verdict(self, parameters, seed, weeks, change=None, change_after=None) -> tuple[pd.DataFrame, dict]:
        """The weekly series and the verdict (success or failure, with the outcomes it judged)."""
        model = self.model(parameters, seed, weeks, change, change_after)
        return model.recorder.frame(), model.verdict()

    def model(self, parameters, seed, weeks, change=None, change_after=None) -> CRMRollout:
        """The model after its last week."""
        model = CRMRollout(self.scenario_for(parameters, seed, weeks))
        while model.running:
            if change and model.steps == change_after:
                model.change_policy(change, "arm")
            model.step()
        return model
