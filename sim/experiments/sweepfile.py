"""A sweep file: a base scenario, the uncertain parameters, the levers, a design, what to keep.

```toml
name = "training_vs_integration"
base = "../baseline.toml"        # a scenario file, relative to this file, or a case; default: the baseline
seed = 7
design = "lhs"                   # grid | lhs | sobol | monte_carlo | morris
samples = 200                    # points (sobol: base samples N; morris: trajectories; grid: unused)
replications = 2                 # runs per point
keep_series = false              # also keep weekly series of the main outcomes

[set]                            # fixed overrides of the base
"run.weeks" = 104

[uncertainties]                  # sampled by the design
"policy.commitment" = { uniform = [0.2, 1.0] }
"org.legacy_systems" = { integers = [1, 10] }
"policy.integration" = { choice = ["none", "partial", "full"] }

[levers]                         # policy options, crossed with every sampled point
"policy.training_hours" = [0, 8, 24]
```
Distributions: ``uniform = [low, high]``, ``integers = [low, high]`` (inclusive), ``normal =
[mean, sd]``, ``triangular = [low, mode, high]``, ``beta = [a, b, low, high]``, ``choice =
[values...]`` (equally likely), and for grids ``levels = [values...]``.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, ValidationError, model_validator

from sim.core.errors import InputError, read_toml
from sim.core.scenario import Scenario, cases, fields, key_problem

#: What a field of a type allows, said as in every other crmsim error (pydantic's error types).
ALLOWED_OF_TYPE = {
    "int_type": "allowed: a whole number",
    "bool_type": "allowed: true or false",
    "string_type": "allowed: text in quotes",
    "float_type": "allowed: a number",
    "float_parsing": "allowed: a number",
    "int_parsing": "allowed: a whole number",
    "model_type": "allowed: a distribution, e.g. { uniform = [low, high] }",
    "dict_type": "allowed: a table of KEY = value",
    "list_type": "allowed: a list of values, e.g. [0, 8, 24]",
}

#: The widest normal distribution: a wider one draws nothing a scenario field takes but its
#: bounds, and its variance overflows (pyABC's perturbation kernel squares it).
MAX_SD = 1e100

DISTRIBUTIONS = ("uniform", "integers", "normal", "triangular", "beta", "choice", "levels")


def non_finite(value: Any, where: str = "") -> tuple[str, float] | None:
    """The dotted field and value of the first infinite or NaN number in a TOML document, or None."""
    if isinstance(value, float):
        return None if math.isfinite(value) else (where, value)
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((f"[{i}]", inner) for i, inner in enumerate(value))
    else:
        return None
    for key, inner in items:
        inner_where = f"{where}{key}" if str(key).startswith("[") else f"{where}.{key}" if where else str(key)
        found = non_finite(inner, inner_where)
        if found:
            return found
    return None


#: How each distribution is written, for errors.
DISTRIBUTION_FORMS = {
    "uniform": "[low, high]",
    "integers": "[low, high]",
    "normal": "[mean, sd]",
    "triangular": "[low, mode, high]",
    "beta": "[a, b, low, high]",
    "choice": "[values...]",
    "levels": "[values...]",
}


def one_line(first: dict, model: type[BaseModel], distributions: str = "uncertainties") -> tuple[str | None, str]:
    """The field and the message of pydantic's first error, said as every crmsim error is.

    ``distributions`` names the table whose entries are distributions (a sweep's uncertainties,
    a calibration's fitted priors)."""
    loc = [str(p) for p in first["loc"]]
    field = ".".join(loc) or None
    kind, got = first["type"], first.get("input")
    in_distributions = loc[:1] == [distributions]
    distribution = next((p for p in loc[2:3] if p in DISTRIBUTIONS), None) if in_distributions else None
    if distribution and kind in ("missing", "too_short", "too_long", "tuple_type", "list_type"):
        form = DISTRIBUTION_FORMS[distribution]
        return ".".join(loc[:3]), f"got {got!r}; allowed: {distribution} = {form}"
    if kind == "extra_forbidden":
        allowed = DISTRIBUTIONS if in_distributions else tuple(model.model_fields)
        return field, "unknown key; allowed: " + ", ".join(allowed)
    if kind == "literal_error":
        return field, f"got {got!r}; allowed: {first['ctx']['expected']}"
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = first["ctx"].get("ge", first["ctx"].get("le"))
        return field, f"got {got!r}; allowed: {'>=' if kind == 'greater_than_equal' else '<='} {bound}"
    message = first["msg"].removeprefix("Value error, ")
    if got is not None and not isinstance(got, dict):
        return field, f"got {got!r}; {ALLOWED_OF_TYPE.get(kind, message)}"
    return field, message


class Distribution(BaseModel):
    """Exactly one of the distribution kinds, with its parameters."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    # strict numbers: a sweep file says what it means, and "0.2" is not a number
    uniform: tuple[StrictFloat, StrictFloat] | None = None
    integers: tuple[StrictInt, StrictInt] | None = None
    normal: tuple[StrictFloat, StrictFloat] | None = None
    triangular: tuple[StrictFloat, StrictFloat, StrictFloat] | None = None
    beta: tuple[StrictFloat, StrictFloat, StrictFloat, StrictFloat] | None = None
    choice: list[Any] | None = None
    levels: list[Any] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Distribution:
        given = [k for k in DISTRIBUTIONS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(DISTRIBUTIONS)}")
        kind = given[0]
        params = getattr(self, kind)
        if kind in ("uniform", "integers") and not params[0] < params[1]:
            raise ValueError(f"{kind}: low must be below high")
        if kind == "normal" and params[1] <= 0:
            raise ValueError("normal: sd must be positive")
        if kind == "normal" and params[1] > MAX_SD:  # its square (a kernel's covariance) would overflow
            raise ValueError(f"normal: sd must be at most {MAX_SD:g}")
        if kind == "triangular" and not (params[0] <= params[1] <= params[2] and params[0] < params[2]):
            raise ValueError("triangular: need low <= mode <= high and low below high")
        if kind == "beta" and not (params[0] > 0 and params[1] > 0 and params[2] < params[3]):
            raise ValueError("beta: need a, b > 0 and low < high")
        if kind in ("choice", "levels") and not params:
            raise ValueError(f"{kind}: give at least one value")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in DISTRIBUTIONS if getattr(self, k) is not None)

    @property
    def params(self):
        return getattr(self, self.kind)

    def extremes(self) -> list[Any]:
        """Values at the edges of the distribution, to validate against the scenario schema."""
        p = self.params
        if self.kind in ("choice", "levels"):
            return list(p)
        if self.kind == "normal":
            return [p[0]]
        if self.kind == "beta":
            return [p[2], p[3]]
        return [p[0], p[-1]]


class SweepFile(BaseModel):
    """A validated sweep file."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    # strict: a sweep file says what it means; "12" is not a number of samples, "yes" not true
    name: str = Field("sweep", strict=True, description="A short name for the sweep.")
    description: str = Field("", strict=True)
    base: str | None = Field(
        None,
        strict=True,
        description="Scenario file, relative to the sweep file, or a shipped case's name; default: the baseline.",
    )
    seed: int = Field(
        0, ge=0, strict=True, description="Sweep seed: every run's seed derives from it and the run's index."
    )
    design: Literal["grid", "lhs", "sobol", "monte_carlo", "morris"] = "monte_carlo"
    samples: int = Field(
        100, ge=1, le=10_000_000, strict=True, description="Points to draw (sobol: base samples; morris: trajectories)."
    )
    replications: int = Field(1, ge=1, le=100_000, strict=True, description="Runs per point.")
    grid_levels: int = Field(3, ge=2, le=100, strict=True, description="grid: levels per continuous parameter.")
    second_order: bool = Field(False, strict=True, description="sobol: also draw what second-order indices need.")
    morris_levels: int = Field(4, ge=2, le=50, strict=True, description="morris: levels of the grid.")
    keep_series: bool = Field(
        False, strict=True, description="Keep the weekly series of the main outcomes of every run."
    )
    common_random_numbers: bool = Field(
        False,
        strict=True,
        description="Seed runs by replication, not by run: every point sees the same shocks (less noise "
        "in sensitivity indices).",
    )
    set: dict[str, Any] = Field(default_factory=dict, description="Fixed overrides of the base scenario.")
    uncertainties: dict[str, Distribution] = Field(default_factory=dict)
    levers: dict[str, list[Any]] = Field(default_factory=dict)

    _path: Path | None = None

    @classmethod
    def load(cls, path: str | Path) -> SweepFile:
        """Read and validate a sweep file; errors name the file and the field."""
        path = Path(path)
        data = read_toml(path, "sweep file")
        where = non_finite(data)
        if where is not None:  # TOML has inf and nan, and 1e309 reads as inf: none is a value to run
            field, value = where
            raise InputError(str(path), field, f"got {value}; allowed: finite numbers")
        try:
            sweep = cls.model_validate(data)
        except ValidationError as exc:
            field, message = one_line(exc.errors()[0], cls)
            raise InputError(str(path), field, message) from None
        sweep._path = path.absolute()
        sweep._check_against_scenario(str(path))
        return sweep

    def base_scenario(self) -> Scenario:
        """The base scenario with the fixed overrides applied."""
        if self.base is None:
            scenario = Scenario.default()
        else:
            base = Path(self.base)
            if not base.is_absolute() and self._path is not None:
                base = self._path.parent / base
            if not base.is_file() and self.base in cases():  # a file of the case's name wins
                scenario = Scenario.case(self.base)
            elif not base.exists():
                raise InputError(
                    self._source(),
                    "base",
                    f"no such scenario file or case: {self.base!r} (a file is found beside the sweep file); "
                    f"cases: {', '.join(cases())}",
                )
            else:
                scenario = Scenario.load(base)
        if not self.set:
            return scenario
        settings = dict(self.set)
        for key in ("org.people_csv", "org.edges_csv"):  # a file the sweep names is found beside it
            if isinstance(settings.get(key), str) and self._path is not None:
                settings[key] = str(self._path.parent / settings[key])
        return scenario.with_overrides(settings, source=f"{self._source()}: set")

    @property
    def parameters(self) -> list[str]:
        """The varied parameters: uncertainties first, then levers."""
        return [*self.uncertainties, *self.levers]

    @property
    def hash(self) -> str:
        """Stable hash of the sweep and its base scenario: what a results folder belongs to."""
        content = {
            "sweep": self.model_dump(mode="json", exclude={"name", "description"}),
            "base": self.base_scenario().resolved(),
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]

    def _source(self) -> str:
        return str(self._path) if self._path else "<sweep>"

    def _check_against_scenario(self, source: str) -> None:
        known = fields()
        base = self.base_scenario()
        for section, entries in (("set", self.set), ("uncertainties", self.uncertainties), ("levers", self.levers)):
            for key in entries:
                if key not in known:
                    raise InputError(source, f"{section}.{key}", key_problem(key) or "not a scenario key")
                if key == "run.seed":
                    raise InputError(
                        source, f"{section}.{key}", "every run's seed derives from the sweep's seed; set seed = N"
                    )
        for key in self.uncertainties.keys() & self.levers.keys():
            raise InputError(source, f"levers.{key}", "also an uncertainty; allowed: each key in one of the two")
        if self.design == "grid":
            for key, dist in self.uncertainties.items():
                if dist.kind in ("normal", "beta", "triangular"):
                    raise InputError(
                        source,
                        f"uncertainties.{key}",
                        f"a grid needs uniform, integers, choice or levels, not {dist.kind}",
                    )
        elif self.design in ("sobol", "morris"):
            for key, dist in self.uncertainties.items():
                if dist.kind == "levels":
                    raise InputError(source, f"uncertainties.{key}", f"levels are for grids; {self.design} samples")
        if self.design == "sobol" and self.samples & (self.samples - 1):
            raise InputError(source, "samples", f"got {self.samples}; a sobol design needs a power of 2 (e.g. 64, 128)")
        if self.design in ("sobol", "morris") and not self.uncertainties:
            raise InputError(source, "uncertainties", f"a {self.design} design needs at least one uncertainty")
        # every edge value must make a valid scenario
        for key, dist in self.uncertainties.items():
            for value in dist.extremes():
                base.with_overrides({key: value}, source=f"{source}: uncertainties.{key}")
        for key, values in self.levers.items():
            if not values:
                raise InputError(source, f"levers.{key}", "give at least one value")
            for value in values:
                base.with_overrides({key: value}, source=f"{source}: levers.{key}")
