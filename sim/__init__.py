"""crmsim: an agent-based simulation of how CRM rollouts succeed, drift and fail.

from sim import Scenario

from sim import CRMRollout

from sim import run
result = run(Scenario.default().with_overrides({"policy.integration": "full"}))
result.timeseries, result.agents, result.summary
"""

__version__ = "0.1.0"

from sim.core.model import CRMRollout  # noqa: E402
from sim.core.scenario import Scenario  # noqa: E402
from sim.io.runner import Result, run  # noqa: E402

__all__ = ["Scenario", "CRMRollout", "Result", "run", "__version__"]
