"""crmsim: an agent-based simulation of how CRM rollouts succeed, drift and fail.

    from sim import CRMRollout, Scenario, run

    result = run(Scenario.default().with_overrides({"policy.integration": "full"}))
    result.timeseries, result.agents, result.summary

The four names are imported when first used, not with the package: the model brings Mesa,
pandas, scipy and pydantic, over a second of start-up, which a command that needs none of them
(``crmsim --help``, a refused argument) should not wait for, and which a command with several
workers spends starting them instead (``sim.experiments.processes``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

__all__ = ["Scenario", "CRMRollout", "Result", "run", "__version__"]

_HOMES = {
    "CRMRollout": "sim.core.model",
    "Scenario": "sim.core.scenario",
    "Result": "sim.io.runner",
    "run": "sim.io.runner",
}

if TYPE_CHECKING:
    from sim.core.model import CRMRollout
    from sim.core.scenario import Scenario
    from sim.io.runner import Result, run


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), name)
    globals()[name] = value  # imported once
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])
