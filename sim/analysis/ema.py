"""crmsim as an EMA Workbench model: explore, discover scenarios and search policies with EMA's tools.

```python
from ema_workbench import perform_experiments
from sim.analysis.ema import ema_model

model = ema_model({"org.employees": 200, "run.weeks": 104})
experiments, outcomes = perform_experiments(model, scenarios=100, policies=4)
```

Uncertainties and levers are dotted scenario keys (as in scenario files and ``--set``), or EMA
parameters passed through as they are. For a key, the parameter comes from the scenario
schema: a float with both bounds -> ``RealParameter`` over them, an int with both bounds ->
``IntegerParameter``, a choice (``Literal``) -> ``CategoricalParameter`` of its values, a
boolean -> ``BooleanParameter``. Keys without both bounds (costs, for instance) need an EMA
parameter with the range you mean, e.g. ``RealParameter("costs__wage_per_hour", 0.02, 0.08)``;
so does any key whose full schema range is wider than you want to explore.

Seeds: every experiment runs on the same seed, the base scenario's ``run.seed`` (common random
numbers: two experiments differ only by their parameters, not by chance). For stochastic
spread, either add ``"run.seed"`` to the uncertainties (an ``IntegerParameter`` over
0..2**31-1: every experiment on its own seed), or pass ``replications=n`` for an EMA
``ReplicatorModel`` that runs each experiment on ``n`` seeds derived from ``run.seed`` (the
named outcomes are then means over the replications; pass your own EMA outcomes, e.g.
``ArrayOutcome("roi")``, to keep every replication).

Outcomes are ``ScalarOutcome`` s named as the recorded outcomes of an experiment
(``sim.core.outcomes.OUTCOMES``), plus ``success`` (1 if the run's verdict is success,
0 if failure, NaN if the run ended before the CRM went live). The model function is a
module-level class, so EMA's ``MultiprocessingEvaluator`` can send it to worker processes.

Names: EMA's names must be Python identifiers (a dotted name is deprecated in EMA 3.0 and
refused after it), so a parameter is named by its key with each dot as a double underscore
(``policy__commitment``, the column of EMA's experiments table) and carries the dotted key as
its ``variable_name``, which EMA passes to the model. A parameter of your own may be named
either way: ``RealParameter("costs__wage_per_hour", 0.02, 0.08)`` sets ``costs.wage_per_hour``.

EMA Workbench is optional (``pip install crmsim[analysis]``).
"""

from __future__ import annotations

import math
import typing
import warnings
from pathlib import Path
from typing import Any

from sim.core import outcomes as registry
from sim.core.errors import InputError
from sim.core.scenario import Scenario, fields
from sim.core.scenario import bounds as schema_bounds
from sim.io.output import plain

#: Uncertainties of the default model: key -> (low, high), narrower than the schema's ranges.
DEFAULT_UNCERTAINTIES = {
    "policy.commitment": (0.2, 1.0),
    "behaviour.habit": (0.1, 1.0),
    "data.manager_benefit_share": (0.4, 0.95),
    "org.legacy_systems": (1, 10),
}
#: Levers of the default model: key -> (low, high), or None for all values of a choice.
DEFAULT_LEVERS = {
    "policy.integration": None,
    "policy.training_hours": (0.0, 40.0),
    "policy.sanctions": (0.0, 1.0),
}
#: Outcomes: everything an experiment records, and success (1/0, NaN when not judged), as the registry names them.
ALL_OUTCOMES = (*registry.OUTCOMES, registry.SUCCESS.name)
SEED_KEY = "run.seed"
MAX_SEED = 2**31 - 1


def ema_name(key: str) -> str:
    """EMA's name for a dotted scenario key: a Python identifier, each dot a double underscore."""
    return key.replace(".", "__")


def scenario_key(name: str) -> str:
    """The dotted scenario key an EMA name stands for (a dotted name is the key itself)."""
    return name.replace("__", ".")


def _ema():
    """The EMA Workbench, imported without its warnings about optional parts."""
    import logging

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            previous = logging.root.manager.disable
            logging.disable(logging.WARNING)
            try:
                import ema_workbench
            finally:
                logging.disable(previous)
    except ImportError:
        raise ImportError("sim.analysis.ema needs the EMA Workbench: pip install 'crmsim[analysis]'") from None
    return ema_workbench


class CRMFunction:
    """The model function EMA calls: keyword arguments are scenario keys (dotted, or EMA names); returns outcomes."""

    def __init__(self, base: Scenario, outcomes: list[str]):
        self.base = base
        self.outcomes = list(outcomes)

    def __call__(self, **params: Any) -> dict[str, float]:
        from sim.io.runner import run

        overrides = {scenario_key(name): plain(_category_value(value)) for name, value in params.items()}
        scenario = self.base.with_overrides(overrides, source="ema") if overrides else self.base
        result = run(scenario, agents=False)
        recorded = result.summary["outcomes"]
        out = {}
        for name in self.outcomes:
            if name == registry.SUCCESS.name:
                out[name] = registry.success(result.summary["verdict"])
            else:
                value = recorded.get(name)
                out[name] = math.nan if value is None else float(value)
        return out


def mean_over_replications(values) -> float:
    """An outcome of a ReplicatorModel: the mean over the replications that have a value."""
    present = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    return sum(present) / len(present) if present else math.nan


def _category_value(value: Any) -> Any:
    """The value an EMA category stands for (anything else as it is): the scenario schema takes the value."""
    return getattr(value, "value", value) if type(value).__name__ == "Category" else value


def _base(base: Scenario | str | Path | dict | None) -> Scenario:
    if base is None:
        return Scenario.default()
    if isinstance(base, Scenario):
        return base
    if isinstance(base, dict):  # overrides of the default scenario
        return Scenario.default().with_overrides(base, source="ema_model(base=...)")
    return Scenario.load(base)


def _range(key: str) -> tuple[float | None, float | None]:
    """The closed range a key's schema allows (None where it has no bound): EMA samples from
    closed ranges, so a strict bound becomes the nearest number inside it."""
    limits = schema_bounds(key)
    low = math.nextafter(float(limits["gt"]), math.inf) if "gt" in limits else limits.get("ge")
    high = math.nextafter(float(limits["lt"]), -math.inf) if "lt" in limits else limits.get("le")
    return low, high


def parameter(key: str, bounds: tuple | None = None):
    """The EMA parameter of a dotted scenario key, from the schema (``bounds`` narrows a number's
    range), named ``ema_name(key)``."""
    ema = _ema()
    known = fields()
    name = ema_name(key)
    if key == SEED_KEY and bounds is None:
        return ema.IntegerParameter(name, 0, MAX_SEED, variable_name=key)
    if key not in known:
        raise ValueError(f"{key!r} is not a scenario key; `crmsim keys` lists them")
    info = known[key]
    annotation = info.annotation
    if typing.get_origin(annotation) is typing.Literal:
        return ema.CategoricalParameter(name, list(typing.get_args(annotation)), variable_name=key)
    if annotation is bool:
        return ema.BooleanParameter(name, variable_name=key)
    if annotation in (int, float):
        low, high = bounds if bounds is not None else _range(key)
        if low is None or high is None:
            kind = "IntegerParameter" if annotation is int else "RealParameter"
            raise ValueError(
                f"{key!r} has no {'lower' if low is None else 'upper'} bound in the schema; pass an EMA parameter "
                f"with the range to explore, e.g. {kind}({name!r}, low, high)"
            )
        if annotation is int:
            return ema.IntegerParameter(name, int(low), int(high), variable_name=key)
        return ema.RealParameter(name, float(low), float(high), variable_name=key)
    text = str(annotation) if len(str(annotation)) <= 30 else getattr(typing.get_origin(annotation), "__name__", "?")
    raise ValueError(
        f"{key!r} ({text}) cannot be made an EMA parameter from the schema; pass an EMA parameter "
        "(e.g. CategoricalParameter with the values to explore)"
    )


def _parameters(items, base: Scenario) -> list:
    """Dotted keys, (key -> bounds) dicts or EMA parameters, as checked EMA parameters."""
    ema = _ema()
    if isinstance(items, dict):
        items = [parameter(key, None if bounds is None else tuple(bounds)) for key, bounds in items.items()]
    out = []
    for item in items:
        par = item if isinstance(item, ema.em_framework.parameters.Parameter) else parameter(str(item))
        _check_against_schema(par, base)
        out.append(par)
    keys = [key for p in out for key in _keys(p)]
    if len(set(keys)) != len(keys):
        raise ValueError(f"a parameter is given twice: {keys}")
    return out


def _keys(par) -> list[str]:
    """The scenario keys an EMA parameter sets."""
    return [scenario_key(name) for name in par.variable_name]


def _check_against_schema(par, base: Scenario) -> None:
    """Every edge value of a parameter must make a valid scenario (checked now, not in the middle of a run)."""
    ema = _ema()
    for name in _keys(par):
        if name not in fields():
            raise ValueError(
                f"{name!r} (of EMA parameter {par.name!r}) is not a scenario key; `crmsim keys` lists them"
            )
        if isinstance(par, ema.CategoricalParameter):
            values = [plain(c.value) for c in par.categories]
        else:
            values = [par.lower_bound, par.upper_bound]
        for value in values:
            try:
                base.with_overrides({name: plain(value)}, source=f"EMA parameter {par.name}")
            except InputError as exc:
                raise ValueError(str(exc)) from None


def ema_model(
    base: Scenario | str | Path | dict | None = None,
    uncertainties=None,
    levers=None,
    outcomes=None,
    name: str = "crmsim",
    replications: int | None = None,
):
    """crmsim as an ``ema_workbench.Model`` (or ``ReplicatorModel`` with ``replications``).

    base: a Scenario, a scenario file, a dict of overrides of the default scenario, or None
    (the default scenario). uncertainties, levers: lists of dotted keys or EMA parameters, or
    dicts of key -> (low, high) to narrow a number's range (None -> a choice's values, a
    boolean's both values); None: the defaults above; [] for none. outcomes: names from
    ``ALL_OUTCOMES`` or EMA outcomes (None: all). replications: see the module's notes on seeds.
    Raises ValueError for a key that is unknown, has no range in the schema, or whose range
    makes an invalid scenario.
    """
    ema = _ema()
    scenario = _base(base)
    uncertainties = _parameters(DEFAULT_UNCERTAINTIES if uncertainties is None else uncertainties, scenario)
    levers = _parameters(DEFAULT_LEVERS if levers is None else levers, scenario)
    clash = {k for p in uncertainties for k in _keys(p)} & {k for p in levers for k in _keys(p)}
    if clash:
        raise ValueError(f"both an uncertainty and a lever: {', '.join(sorted(clash))}")
    if replications is not None and SEED_KEY in {k for p in [*uncertainties, *levers] for k in _keys(p)}:
        raise ValueError("with replications the seeds come from the replications; drop run.seed from the parameters")
    outcome_objects, names = [], []
    for item in ALL_OUTCOMES if outcomes is None else outcomes:
        if isinstance(item, ema.em_framework.outcomes.Outcome):
            outcome_objects.append(item)
            names.extend(item.variable_name)
        elif item in ALL_OUTCOMES:
            mean = None if replications is None else mean_over_replications
            outcome_objects.append(ema.ScalarOutcome(item, function=mean))
            names.append(item)
        else:
            raise ValueError(f"unknown outcome {item!r}; allowed: {', '.join(ALL_OUTCOMES)}")
    unknown = [n for n in names if n not in ALL_OUTCOMES]
    if unknown:
        raise ValueError(f"outcomes read unknown variables {unknown}; allowed: {', '.join(ALL_OUTCOMES)}")
    function = CRMFunction(scenario, list(dict.fromkeys(names)))
    if replications is None:
        model = ema.Model(name, function=function)
    else:
        from sim.experiments.seeds import derive

        if replications < 1:
            raise ValueError("replications must be >= 1")
        model = ema.ReplicatorModel(name, function=function)
        model.replications = [{SEED_KEY: derive(scenario.run.seed, i)} for i in range(replications)]
    model.uncertainties = uncertainties
    model.levers = levers
    model.outcomes = outcome_objects
    return model
