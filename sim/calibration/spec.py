"""A calibration spec: the organisation, what was observed, what is unknown, how hard to look.

```toml
scenario = "pilot.toml"            # the organisation's scenario file, relative to this file
observed = "pilot_log.csv"         # week + weekly columns named as in timeseries.parquet

[fit]                              # the unknowns and their priors, as in sweep files
"behaviour.habit" = { uniform = [0.2, 0.6] }

[settings]                         # all optional
population = 200                   # particles per generation
generations = 6                    # ABC-SMC generations at most
simulations = 20000                # or stop once this many simulations have run
seed = 1
forecast_weeks = 32                # weeks after the last observed one (default: to the scenario's end)

[arms]                             # optional: policy changes from the last observed week on
"policy.integration" = ["partial", "full"]
[arms.push]                        # or a named arm: overrides applied together
"policy.sanctions" = 0.5
"policy.mandate" = 0.9
```

Everything is checked before anything is written, and a problem is one line naming the file,
the field and what is allowed (``InputError``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.core.errors import InputError, read_toml
from sim.core.scenario import Scenario, fields, key_problem
from sim.experiments.sweepfile import Distribution, non_finite, one_line

#: Prior kinds a fitted parameter may take: continuous ones (ABC-SMC perturbs particles with a
#: continuous kernel; a choice or whole-number prior would need another kernel).
FIT_KINDS = ("uniform", "normal", "triangular", "beta")
#: Arms change the policy from the last observed week on; the organisation and the run are fixed.
ARM_SECTION = "policy."
#: The arm that carries on as now.
CARRY_ON = "carry_on"
#: The settings of when the search stops.
STOPPING = {"generations", "simulations"}
#: The settings that act only after the fit: the forecast's length and the fit check's draws.
AFTER_THE_FIT = {"forecast_weeks", "predictive_draws"}


class Settings(BaseModel):
    """How hard the calibration looks, and how far it forecasts."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    population: int = Field(200, ge=10, le=100_000, description="Particles per generation.")
    generations: int = Field(6, ge=1, le=100, description="ABC-SMC generations at most.")
    simulations: int | None = Field(
        None, ge=1, le=100_000_000, description="Stop after the generation in which this many simulations ran."
    )
    seed: int = Field(0, ge=0, description="Every random draw of the calibration derives from it.")
    forecast_weeks: int | None = Field(
        None, ge=0, le=10_000, description="Weeks to forecast after the last observed one (default: to run.weeks)."
    )
    predictive_draws: int = Field(
        100, ge=10, le=100_000, description="Posterior draws for the fit check (each run twice)."
    )
    share_floor: float = Field(
        0.01,
        ge=1e-6,  # its inverse square weighs a difference: a smaller one floods it with infinities
        le=1,
        description="Smallest standard error of an observed share: differences below it are not weighed.",
    )


class CalibrationSpec(BaseModel):
    """A validated calibration spec (see the module's docstring)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str = Field("calibration", description="A short name.")
    description: str = ""
    scenario: str = Field(description="Scenario file of the organisation, relative to the spec.")
    observed: str = Field(description="CSV of the observed weeks, relative to the spec.")
    fit: dict[str, Distribution] = Field(description="Unknown parameters and their priors.")
    settings: Settings = Field(default_factory=Settings)
    arms: dict[str, Any] = Field(default_factory=dict, description="Policy changes to compare.")

    _path: Path | None = None

    @classmethod
    def load(cls, path: str | Path) -> CalibrationSpec:
        path = Path(path)
        data = read_toml(path, "calibration spec")
        where = non_finite(data)
        if where is not None:
            raise InputError(str(path), where[0], f"got {where[1]}; allowed: finite numbers")
        try:
            spec = cls.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            field, message = one_line(first, cls, distributions="fit")
            if first["type"] == "extra_forbidden" and first["loc"][0] == "settings":
                message = "unknown key; allowed: " + ", ".join(Settings.model_fields)
            elif first["type"] == "missing" and len(first["loc"]) == 1:
                message = "missing; a spec needs scenario, observed and [fit]"
            raise InputError(str(path), field, message) from None
        spec._path = path.absolute()
        spec._check(str(path))
        return spec

    @property
    def source(self) -> str:
        return str(self._path) if self._path else "<spec>"

    def path_of(self, relative: str) -> Path:
        given = Path(relative)
        return given if given.is_absolute() or self._path is None else self._path.parent / given

    def base_scenario(self) -> Scenario:
        path = self.path_of(self.scenario)
        if not path.is_file():
            raise InputError(self.source, "scenario", f"no such file: {path}")
        # the simulator gets the scenario as data: an imported organisation must be found from anywhere
        return Scenario.load(path).with_imports_located()

    def arm_overrides(self) -> dict[str, dict[str, Any]]:
        """Each arm's overrides, named: ``KEY=VALUE`` for a list of values, the table's name otherwise."""
        arms: dict[str, dict[str, Any]] = {}
        for key, value in self.arms.items():
            named = {key: dict(value)} if isinstance(value, dict) else {f"{key}={o}": {key: o} for o in value}
            for name, overrides in named.items():
                if name in arms:  # a value listed twice, or a table named as a listed value is
                    raise InputError(self.source, f"arms.{key}", f"names the arm {name!r} twice; allowed: each once")
                arms[name] = overrides
            if not isinstance(value, dict) and len(named) < len(value):
                raise InputError(self.source, f"arms.{key}", "lists a value twice; allowed: each value once")
        return arms

    def content_hash(self, observed_digest: str) -> str:
        """What an output folder belongs to: the spec, the resolved scenario and the observed data.

        The stopping rule (generations, simulations) is left out, so that the same command with more
        generations goes on from the last generation instead of starting again.
        """
        # how long to look is not part of it: a calibration given more generations goes on
        return self._hash(observed_digest, {"name": True, "description": True, "settings": STOPPING})

    def fit_hash(self, observed_digest: str) -> str:
        """What the fit depends on: the scenario, the log, the priors, the stopping rule and the
        settings of the search, not the arms nor what is forecast after it. A calibration of the
        same fit hash may take another one's posterior (``crmsim calibrate --fit-from``)."""
        return self._hash(observed_digest, {"name": True, "description": True, "arms": True, "settings": AFTER_THE_FIT})

    def _hash(self, observed_digest: str, exclude: dict) -> str:
        content = {
            "spec": self.model_dump(mode="json", exclude=exclude),
            "scenario": self.base_scenario().resolved(),
            "observed": observed_digest,
        }
        imported = self.base_scenario().imported_files_digest()
        if imported is not None:  # an edited organisation file is another calibration
            content["imported_files"] = imported
        return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def _check(self, source: str) -> None:
        known = fields()
        base = self.base_scenario()
        if not self.fit:
            raise InputError(
                source, "fit", 'give at least one parameter to fit, e.g. "behaviour.habit" = { uniform = [0.2, 0.6] }'
            )
        for key, dist in self.fit.items():
            if key not in known:
                raise InputError(source, f"fit.{key}", key_problem(key) or "not a scenario key")
            if known[key].annotation not in (float, int, float | None, int | None):
                raise InputError(source, f"fit.{key}", "not a numeric key; allowed: keys that take a number")
            if key.startswith(("run.", "org.")):
                raise InputError(
                    source,
                    f"fit.{key}",
                    "the run and the organisation are given, not fitted; allowed: behaviour, policy and mechanism keys",
                )
            if dist.kind not in FIT_KINDS:
                raise InputError(source, f"fit.{key}", f"got {dist.kind}; allowed: {', '.join(FIT_KINDS)}")
            for value in dist.extremes():
                base.with_overrides({key: value}, source=f"{source}: fit.{key}")
        for key, value in self.arms.items():
            if not isinstance(value, list | dict) or (isinstance(value, list) and not value):
                raise InputError(source, f"arms.{key}", "give a list of values, or a table of policy overrides")
        for name, overrides in self.arm_overrides().items():
            if name == CARRY_ON:
                raise InputError(
                    source, f"arms.{name}", f"{CARRY_ON} is the arm that changes nothing; choose another name"
                )
            if not overrides:
                raise InputError(source, f"arms.{name}", "give at least one policy change")
            for key, value in overrides.items():
                if not key.startswith(ARM_SECTION) or key not in known:
                    raise InputError(source, f"arms.{name}", f"{key}: allowed: policy keys (`crmsim keys`)")
                if isinstance(value, list | dict):
                    raise InputError(source, f"arms.{name}", f"{key}: give one value")
                base.with_overrides({key: value}, source=f"{source}: arms.{name}")
