"""crmsim: an agent-based simulation of how CRM rollouts succeed, drift and fail.

from sim import Scenario, CRMRollout, run
result = run(Scenario.default().with_overrides({"policy.integration": "full"}))
result.timeseries, result.agents, result.summary
"""

__version__ = "0.1.0"

from sim.model import CRMRollout  # noqa: E402
from sim.runner import Result, run  # noqa: E402
from sim.scenario import Scenario  # noqa: E402

__all__ = ["Scenario", "CRMRollout", "Result", "run", "__version__"]
