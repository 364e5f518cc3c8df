"""System performance: integration with many legacy systems slows the CRM unless they are upgraded.

Seed 001: "The third problem is one of poor performance, the result of the fact that the CRM
system is connected to a large number of systems and often interacts with various
technologies, many of them legacy systems. If the transition to CRM does not include the
upgrading of the technology of legacy systems, performance is degraded."

Performance (1 = fast) falls with the number of legacy systems the CRM talks to, with how
much it talks to them (the integration level) and with the load (share of people live);
upgrading the legacy systems removes most of the penalty. A slow system raises everyone's
interface effort.

References
----------
.. [1] Lasser, E., & Mandel, Z. (n.d.). Problems and challenges in the effective
   implementation of CRM systems. Web article. Seed 001.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.core.scenario import Scenario
    from sim.core.state import Stocks
    from sim.core.world import World

INTEGRATION_LEVEL = {"none": 0.0, "partial": 0.5, "full": 1.0}


def system_performance(
    legacy_systems: int,
    integration: str,
    upgraded: bool,
    load: np.ndarray,
    penalty_per_system: float,
    upgraded_penalty_share: float,
) -> np.ndarray:
    """Responsiveness of the CRM this week, 0-1.

    Upgraded legacy systems keep only ``upgraded_penalty_share`` of the penalty: upgrading
    removes most, not all, of the cost of talking to old technology.
    """
    drag = penalty_per_system * legacy_systems * INTEGRATION_LEVEL[integration] * load
    if upgraded:
        drag *= upgraded_penalty_share
    return np.maximum(0.0, 1.0 - drag)


def slowness_effort(performance: np.ndarray, effort_per_slowness: float) -> np.ndarray:
    """Multiplier on interface effort from waiting for the system."""
    return 1.0 + effort_per_slowness * (1.0 - performance)


def load_the_system(sc: Scenario, world: World, live: np.ndarray, stocks: Stocks) -> None:
    """This week's responsiveness, under the load of everyone live."""
    stocks.system_performance = system_performance(
        sc.org.legacy_systems,
        sc.policy.integration,
        sc.policy.legacy_upgrade,
        world.blocks.mean(live.astype(float), ~world.is_partner, count=world.employees_of),  # each one's load
        sc.performance.penalty_per_system,
        sc.performance.upgraded_penalty_share,
    )
