"""A scenario: the organisation, the rollout policy and the behavioural parameters of one run.

Scenarios are TOML files validated against the schema below (pydantic). Every field has a
unit, a range, a default and a one-line description; the dotted names (``policy.integration``)
are the same in TOML, on the command line (``--set``), in Python (``with_overrides``) and in
output columns. A scenario has a stable hash, recorded with every output.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.errors import InputError


class Section(BaseModel):
    """A scenario section: unknown keys are errors, assignments are re-validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class RunSettings(Section):
    seed: int = Field(42, ge=0, description="Master random seed; same seed, same results.")
    weeks: int = Field(156, ge=1, le=2000, description="Length of the run [weeks]; one step = one week.")
    snapshot_every: int = Field(0, ge=0, description="Agent snapshot interval [weeks]; 0 = only at the end of the run.")


class Organisation(Section):
    employees: int = Field(500, ge=4, le=2_000_000, description="Sales reps, service staff and managers [people].")
    partners: int = Field(100, ge=0, le=2_000_000, description="Channel partners (stores, resellers) [firms].")
    sales_share: float = Field(0.45, ge=0, le=1, description="Share of non-manager staff who are sales reps [0-1].")
    span_of_control: int = Field(10, ge=2, le=200, description="Reports per manager [people].")
    departments: int = Field(4, ge=1, le=1000, description="Departments; the unit of a phased rollout [count].")
    sites: int = Field(2, ge=1, le=1000, description="Sites (locations) [count].")
    people_csv: str | None = Field(
        None, description="Import: people CSV (id,role,department,site[,manager]); replaces the generated organisation."
    )
    edges_csv: str | None = Field(
        None, description="Import: edge-list CSV (source,target[,weight]); needed with people_csv."
    )

    @model_validator(mode="after")
    def _import_needs_both_files(self) -> Organisation:
        if (self.people_csv is None) != (self.edges_csv is None):
            raise ValueError("people_csv and edges_csv must be given together")
        return self


class Network(Section):
    kind: Literal["small_world", "scale_free"] = Field(
        "small_world", description="Ties among employees: small-world teams, or one scale-free graph."
    )
    team_degree: int = Field(
        4, ge=0, le=50, description="Ring-lattice ties per person inside a team (Watts-Strogatz k)."
    )
    rewire: float = Field(0.1, ge=0, le=1, description="Watts-Strogatz rewiring probability inside a team [0-1].")
    cross_team_ties: float = Field(
        1.0, ge=0, le=50, description="Mean ties per person to other teams on the same site."
    )
    cross_site_ties: float = Field(
        0.2, ge=0, le=50, description="Mean random ties per person across the whole firm (most cross sites)."
    )
    scale_free_m: int = Field(2, ge=1, le=20, description="Barabasi-Albert attachment m (kind = scale_free).")
    partner_ties: float = Field(
        2.0, ge=0, le=50, description="Mean ties per partner to other partners (they compare terms)."
    )


class Policy(Section):
    rollout: Literal["big_bang", "phased", "pilot"] = Field(
        "big_bang", description="big_bang: all at once; phased: departments in turn; pilot: one department first."
    )
    go_live_week: int = Field(4, ge=1, le=2000, description="Week the CRM goes live (for the first department) [week].")
    phase_interval_weeks: int = Field(8, ge=1, le=500, description="Weeks between departments (phased) [weeks].")
    pilot_weeks: int = Field(12, ge=1, le=500, description="Length of the pilot before everyone else (pilot) [weeks].")
    integration: Literal["none", "partial", "full"] = Field(
        "partial", description="Integration with operational systems: none = double entry; full = one system."
    )
    training_hours: float = Field(8.0, ge=0, le=400, description="Training per person at go-live [hours].")
    sanctions: float = Field(0.0, ge=0, le=1, description="Strength of discipline for detected gaming [0-1].")
    management_style: Literal["control", "organic"] = Field(
        "control",
        description="control: enforce the designed practice; organic: legitimise useful improvisation.",
    )
    mandate: float = Field(0.6, ge=0, le=1, description="How strongly management mandates use [0-1].")


class Behaviour(Section):
    """Weights of the utility terms shared by every role (see docs/ODD.md, Details)."""

    choice_sensitivity: float = Field(4.0, gt=0, le=50, description="Logit scale: how deterministic choices are.")
    usefulness: float = Field(1.0, ge=0, le=10, description="Weight of perceived usefulness (performance expectancy).")
    effort: float = Field(1.0, ge=0, le=10, description="Weight of effort (effort expectancy) for a newcomer.")
    social: float = Field(0.5, ge=0, le=10, description="Weight of what network neighbours do (social influence).")
    pressure: float = Field(0.6, ge=0, le=10, description="Weight of the manager's push towards visible use.")
    habit: float = Field(0.5, ge=0, le=10, description="Weight of the legacy habit (UTAUT2) on ignoring.")
    sanction: float = Field(1.5, ge=0, le=10, description="Weight of expected discipline on gaming.")
    experience_halflife_weeks: float = Field(
        26.0, gt=0, le=1000, description="Experience at which effort and voluntary social weight halve [weeks]."
    )
    habit_decay: float = Field(
        0.05, ge=0, le=1, description="Weekly decay of the legacy habit while not ignoring [1/week]."
    )
    attitude_sd: float = Field(0.3, ge=0, le=5, description="Spread of personal attitude towards the CRM.")
    integrity_sd: float = Field(0.3, ge=0, le=5, description="Spread of personal reluctance to game.")


class RoleParameters(Section):
    """What the CRM means for one role's job."""

    base_usefulness: float = Field(0.3, ge=-5, le=5, description="Usefulness of the CRM for the job, data aside.")
    base_effort: float = Field(0.5, ge=0, le=5, description="Interface effort of proper entry for an unskilled user.")
    double_entry: float = Field(
        0.3, ge=0, le=5, description="Extra effort per unit of unintegrated work (two systems)."
    )
    gaming_gain: float = Field(0.1, ge=-5, le=5, description="Private gain from misleading or selective entry.")


class Roles(Section):
    sales: RoleParameters = RoleParameters(base_usefulness=0.3, base_effort=0.5, double_entry=0.3, gaming_gain=0.3)
    service: RoleParameters = RoleParameters(base_usefulness=0.5, base_effort=0.5, double_entry=0.8, gaming_gain=0.0)
    managers: RoleParameters = RoleParameters(base_usefulness=0.4, base_effort=0.3, double_entry=0.2, gaming_gain=0.2)
    partners: RoleParameters = RoleParameters(base_usefulness=0.4, base_effort=0.4, double_entry=0.0, gaming_gain=0.4)


class DataQuality(Section):
    initial_quality: float = Field(0.4, ge=0, le=1, description="Quality of the migrated legacy data at go-live [0-1].")
    adjustment_rate: float = Field(
        0.08, ge=0, le=1, description="Weekly pull of data quality towards entry quality [1/week]."
    )
    gaming_entry_quality: float = Field(
        0.2, ge=0, le=1, description="Quality of a gamed (misleading/selective) entry [0-1]."
    )
    trust_lag_weeks: float = Field(
        8.0, ge=1, le=500, description="Time constant of trust following data quality [weeks]."
    )
    manager_benefit_share: float = Field(
        0.7,
        ge=0,
        le=1,
        description="Share of the value of data that goes to managers, not to those who enter it [0-1].",
    )


class Learning(Section):
    training_half_hours: float = Field(
        8.0, gt=0, le=400, description="Training that closes half the skill gap [hours]."
    )
    prior_skill: float = Field(0.2, ge=0, le=1, description="Mean skill with the CRM before any training [0-1].")
    learn_rate: float = Field(
        0.04, ge=0, le=1, description="Weekly learning by use: share of the skill gap closed [1/week]."
    )
    forget_rate: float = Field(0.01, ge=0, le=1, description="Weekly loss of skill while not using [1/week].")
    skill_effort_reduction: float = Field(
        0.7, ge=0, le=1, description="Share of interface effort a full skill removes [0-1]."
    )


class Scenario(Section):
    """A complete, validated scenario. Build with ``Scenario.load`` or ``Scenario()`` for the defaults."""

    name: str = Field("baseline", description="A short name for the scenario.")
    description: str = Field("", description="What the scenario represents.")
    run: RunSettings = RunSettings()
    org: Organisation = Organisation()
    network: Network = Network()
    policy: Policy = Policy()
    behaviour: Behaviour = Behaviour()
    roles: Roles = Roles()
    data: DataQuality = DataQuality()
    learning: Learning = Learning()

    # Where the scenario was read from: relative import paths resolve against it.
    _source: Path | None = None

    @classmethod
    def load(cls, path: str | Path) -> Scenario:
        """Read and validate a TOML scenario file; errors name the file and the field."""
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(str(path), None, "no such scenario file") from None
        except OSError as exc:
            raise InputError(str(path), None, f"cannot be read: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise InputError(str(path), None, "not a text file (TOML must be UTF-8)") from None
        except tomllib.TOMLDecodeError as exc:
            raise InputError(str(path), None, f"not valid TOML: {exc}") from None
        scenario = cls.from_dict(data, source=str(path))
        scenario._source = path.absolute()
        return scenario

    @classmethod
    def default(cls) -> Scenario:
        """The embedded default scenario (``scenarios/baseline.toml``)."""
        text = resources.files("sim").joinpath("data/baseline.toml").read_text(encoding="utf-8")
        return cls.from_dict(tomllib.loads(text), source="baseline.toml")

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "<scenario>") -> Scenario:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise _input_error(source, exc) from None

    def with_overrides(self, overrides: dict[str, Any], source: str = "--set") -> Scenario:
        """A copy with dotted keys replaced, e.g. ``{"policy.integration": "full"}``."""
        data = self.model_dump()
        for key, value in overrides.items():
            parts = key.split(".")
            _check_key(key, parts, source)
            node = data
            for part in parts[:-1]:
                node = node[part]
            node[parts[-1]] = value
        new = type(self).from_dict(data, source=source)
        new._source = self._source
        return new

    def get(self, key: str) -> Any:
        """The value of a dotted key."""
        node: Any = self
        for part in key.split("."):
            node = getattr(node, part)
        return node

    def resolved(self) -> dict[str, Any]:
        """The full scenario as plain data, every default filled in."""
        return self.model_dump(mode="json")

    @property
    def hash(self) -> str:
        """Stable hash of the resolved scenario: same content, same hash, on any machine."""
        canonical = json.dumps(self.resolved(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def resolve_path(self, relative: str) -> Path:
        """A path from the scenario, relative to the scenario file's folder."""
        path = Path(relative)
        if path.is_absolute() or self._source is None:
            return path
        return self._source.parent / path


def fields() -> dict[str, Any]:
    """Every dotted key of the schema with its field info (for docs, the CLI and sweeps)."""
    out: dict[str, Any] = {}

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, info in model.model_fields.items():
            annotation = info.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                walk(annotation, f"{prefix}{name}.")
            else:
                out[f"{prefix}{name}"] = info

    walk(Scenario, "")
    return out


def reference_rows() -> list[tuple[str, str, str, str]]:
    """(key, default, allowed values, meaning) for every key, defaults from the embedded baseline."""
    baseline = Scenario.default()
    rows = []
    for key, info in fields().items():
        default = json.dumps(baseline.get(key))
        allowed = _range_text(key).removeprefix("allowed: ")
        annotation = str(info.annotation)
        if "Literal" in annotation:
            allowed = " \\| ".join(f"`{v}`" for v in info.annotation.__args__)
        elif not allowed:
            allowed = {"<class 'str'>": "text", "<class 'bool'>": "true, false"}.get(annotation, "text or absent")
        rows.append((key, default, allowed, info.description or ""))
    return rows


def _check_key(key: str, parts: list[str], source: str) -> None:
    model: type[BaseModel] = Scenario
    for i, part in enumerate(parts):
        if part not in model.model_fields:
            allowed = ", ".join(sorted(model.model_fields))
            where = ".".join(parts[:i]) or "top level"
            raise InputError(source, key, f"unknown key; allowed under {where}: {allowed}")
        annotation = model.model_fields[part].annotation
        is_section = isinstance(annotation, type) and issubclass(annotation, BaseModel)
        last = i == len(parts) - 1
        if is_section and last:
            raise InputError(
                source, key, f"is a section; set one of its fields, e.g. {key}.{next(iter(annotation.model_fields))}"
            )
        if not is_section and not last:
            raise InputError(source, key, f"{'.'.join(parts[: i + 1])} is a value, not a section")
        if is_section:
            model = annotation


def _input_error(source: str, exc: ValidationError) -> InputError:
    """One line from pydantic's errors: the first error, and how many more there are."""
    errors = exc.errors()
    first = errors[0]
    field = ".".join(str(p) for p in first["loc"]) or None
    kind = first["type"]
    if kind == "extra_forbidden":
        message = "unknown key" + _allowed_keys_hint(first["loc"])
    elif kind == "literal_error":
        message = f"got {first['input']!r}; allowed: {first['ctx']['expected']}"
    elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        message = f"got {first['input']!r}; {_range_text(field)}"
    else:
        message = f"{first['msg']} (got {first['input']!r})" if "input" in first else first["msg"]
        if field and kind not in ("value_error",):
            rng = _range_text(field)
            if rng:
                message += f"; {rng}"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more error{'s' if len(errors) > 2 else ''})"
    return InputError(source, field, message)


def _allowed_keys_hint(loc: tuple) -> str:
    model: type[BaseModel] = Scenario
    for part in loc[:-1]:
        annotation = model.model_fields.get(str(part))
        if annotation is None:
            return ""
        model = annotation.annotation  # type: ignore[assignment]
    return "; allowed: " + ", ".join(sorted(model.model_fields))


def _range_text(field: str | None) -> str:
    info = fields().get(field or "")
    if info is None:
        return ""
    bounds = []
    for meta in info.metadata:
        for attr, symbol in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            if getattr(meta, attr, None) is not None:
                bounds.append(f"{symbol} {getattr(meta, attr)}")
    return f"allowed: {' and '.join(bounds)}" if bounds else ""
