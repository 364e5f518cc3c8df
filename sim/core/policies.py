"""The strategist's levers: when the CRM goes live for whom, and what integration means.

The rollout schedule comes from the rollout policy (``policy.rollout``):
``big_bang`` puts every department live at ``go_live_week``; ``phased`` takes departments
in turn, one every ``phase_interval_weeks``; ``pilot`` starts one department and brings
the rest live ``pilot_weeks`` later. Partners go live with the sales rep who serves them.
"""

from __future__ import annotations

import numpy as np

from sim.core.organisation import Organisation
from sim.core.scenario import Policy
from sim.core.state import Role

#: Share of the work that must also be done in a second system (seed 001: "users must
#: access simultaneously other systems, resulting in double entries").
DOUBLE_ENTRY = {"none": 1.0, "partial": 0.4, "full": 0.0}

#: How easy it is to get the job done around the CRM. With partial integration the
#: operational system stays reachable directly, "circumventing the CRM and rendering its use
#: optional" (seed 001); with full integration the CRM is the way in.
WORKAROUND = {"none": 0.2, "partial": 0.3, "full": -0.2}


def workaround_ease(integration: str, integration_gap: np.ndarray) -> np.ndarray:
    """How easy the job is done around the CRM, per organisation.

    Full integration makes the CRM the way in only as far as its interfaces are built and kept
    up: where they are not, the operational systems stay reachable directly, "circumventing the
    CRM and rendering its use optional" (seed 001), as under partial integration. A full design
    whose gap has grown to partial integration's is as easy to work around as partial
    integration; the other designs are as easy as they are designed.
    """
    if integration != "full":
        return np.full(np.shape(integration_gap), WORKAROUND[integration])
    open_share = np.minimum(np.asarray(integration_gap) / DOUBLE_ENTRY["partial"], 1.0)
    return WORKAROUND["full"] + open_share * (WORKAROUND["partial"] - WORKAROUND["full"])


def go_live_weeks(org: Organisation, policy: Policy, organisations: int = 1) -> np.ndarray:
    """The week each person's CRM goes live: the first department first (in a phased rollout
    one department after another, in a pilot the first alone for the pilot's weeks). In a batch
    of ``organisations`` (each with the same departments, numbered one organisation after
    another) each one's departments follow the plan on their own."""
    departments = org.departments // organisations
    dept_week = np.full(departments, policy.go_live_week, dtype=np.int32)
    if policy.rollout == "phased":
        dept_week += policy.phase_interval_weeks * np.arange(departments, dtype=np.int32)
    elif policy.rollout == "pilot":
        dept_week[1:] += policy.pilot_weeks
    weeks = dept_week[org.department % departments]
    partners = org.role == Role.PARTNER
    weeks[partners] = weeks[org.manager[partners]]
    return weeks
