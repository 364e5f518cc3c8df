"""Double systems and role conflict: service reps as tech support, asked to upsell, in two systems.

Seed 002: "the service reps now had to juggle logging, recording, and responding to technical
and logistics concerns while also responding to prompts for enquiries and upselling from the
CRM system ... customer service reps now had to deal with two data entry and knowledge
management systems ... Customer service had traditionally helped solve customer problems
first and promoted cross-selling and upselling second." Marketing and customer service, "which
had previously enjoyed cordial relations — hated each other with a passion". Seed 001: double
entry where the CRM is not connected to the operational systems.

Upsell prompts (``policy.upsell_prompts``) add workload to proper use for service staff and a
role-conflict cost (selling is not their job). The conflict index between marketing and
service moves towards the friction of the week: the share of service staff live, times the
load they carry (prompts and a second system) plus the share of service staff who refuse the
designed process (marketing sees its campaigns ignored).

References
----------
.. [1] Lasser, E., & Mandel, Z. (n.d.). Problems and challenges in the effective
   implementation of CRM systems. Web article. Seed 001.
.. [2] Anonymous (n.d.). IT's hardest puzzle. CIO Australia. The Global Giant telecoms
   case. Seed 002.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core.state import IGNORE

if TYPE_CHECKING:
    from sim.core.scenario import Scenario
    from sim.core.state import State, Stocks
    from sim.core.world import World


def upsell_load(upsell_prompts: bool, prompt_workload: float) -> float:
    """Extra work per proper use for a service rep when the CRM prompts them to sell."""
    return prompt_workload if upsell_prompts else 0.0


def friction(
    service_live: np.ndarray,
    upsell_prompts: bool,
    integration_gap: np.ndarray,
    service_refusing: np.ndarray,
    prompt_friction: float,
    double_entry_friction: float,
    refusal_friction: float,
) -> np.ndarray:
    """This week's marketing-service friction, 0-1, per organisation.

    Three sources, each weighted by how much friction it makes when all service staff are
    live: the load of upsell prompts, the load of a second system (the integration gap), and
    service staff refusing the designed process (marketing sees its campaigns ignored).
    """
    load = prompt_friction * float(upsell_prompts) + double_entry_friction * integration_gap
    return np.minimum(1.0, service_live * (load + refusal_friction * service_refusing))


def update_conflict(conflict: np.ndarray, friction_now: np.ndarray, rate: float) -> np.ndarray:
    """Conflict builds up and cools down slowly."""
    return conflict + rate * (friction_now - conflict)


def marketing_service_conflict(sc: Scenario, world: World, state: State, stocks: Stocks) -> None:
    """The conflict index moves towards this week's friction between marketing and service."""
    service, blocks = world.is_service, world.blocks  # each organisation's service staff
    n = world.service_staff_of
    service_live = blocks.mean(state.live.astype(float), service, count=n)
    refusing = blocks.mean((state.routine == IGNORE).astype(float), service, count=n)
    rc = sc.role_conflict
    now = friction(
        service_live,
        sc.policy.upsell_prompts,
        stocks.integration_gap,
        refusing,
        rc.prompt_friction,
        rc.double_entry_friction,
        rc.refusal_friction,
    )
    stocks.conflict = update_conflict(stocks.conflict, now, rc.conflict_rate)
