"""Governance: senior commitment, a change of CIO that shifts the goal, and outsourcing.

Seed 003 (a UK City Council): failure "driven by lack of focus and commitment from the senior
management"; IT wanted to integrate the legacy systems while the business cared about
"answering calls"; "with the Change of CIO in 2001, the project became more business focus,
resulting in lack of commitment with overall integration of the system and thus become more
focus on collecting lots of data about customers". Outsourcing with "little consultation",
"lack of in-house expertise ... outsource expertise does not know how the organization
operates", "lack of communication between internal employees and external employees".

Commitment (``policy.commitment``, 0-1) scales the push managers feel from the top and the
resources for fixing the system. A change of CIO at ``policy.cio_change_week`` turns the goal
from integration to collecting customer data: integration work stops (the double-entry gap
widens) and managers push for volume, which rewards quick, incomplete entries (gaming); how
far the project is knocked off course depends on how committed senior management is.
Outsourcing (``policy.outsourced``) without in-house expertise
(``policy.in_house_expertise``) starts the system with a worse fit to the work and makes
fixes arrive slower. System fit scales the CRM's usefulness for the job.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.core.scenario import Scenario
    from sim.core.state import Stocks


def initial_fit(outsourced: bool, in_house_expertise: float, misfit: float) -> float:
    """How well the delivered system fits the work at go-live, 0-1."""
    if not outsourced:
        return 1.0 - 0.5 * misfit
    return 1.0 - misfit * (1.0 - 0.5 * in_house_expertise)


def fix_rate(base_rate: float, commitment: float, outsourced: bool, in_house_expertise: float) -> float:
    """Weekly share of the fit gap closed by fixes: committed leaders fund them; outsiders are slow."""
    speed = 0.3 + 0.7 * in_house_expertise if outsourced else 1.0
    return base_rate * commitment * speed


def improve_fit(fit: float, rate: float) -> float:
    return fit + rate * (1.0 - fit)


def goal_after_cio_change(integration_gap: float, commitment: float) -> float:
    """Integration work stops and the gap widens, unless committed senior management holds the goal."""
    return integration_gap + (1.0 - commitment) * max(0.0, ABANDONED_INTEGRATION_GAP - integration_gap)


def data_collection_gain(commitment: float) -> float:
    """The reward for quick, incomplete entries once volume is the goal; commitment keeps quality in view."""
    return DATA_COLLECTION_GAMING_GAIN * (1.0 - commitment)


#: The double-entry gap of an integration left half done.
ABANDONED_INTEGRATION_GAP = 0.8
#: After the goal shifts to collecting data, managers push for volume: more push, and a
#: reward for quick, incomplete entries.
DATA_COLLECTION_PUSH = 1.3
DATA_COLLECTION_GAMING_GAIN = 0.4


def fix_the_system(sc: Scenario, any_live: bool, stocks: Stocks) -> None:
    """Once the CRM is live, fixes close part of the fit gap, as fast as commitment and expertise allow."""
    if any_live:
        rate = fix_rate(
            sc.governance.fix_rate, sc.policy.commitment, sc.policy.outsourced, sc.policy.in_house_expertise
        )
        stocks.system_fit = improve_fit(stocks.system_fit, rate)
