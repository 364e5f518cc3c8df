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


def go_live_weeks(org: Organisation, policy: Policy) -> np.ndarray:
    """The week each person's CRM goes live."""
    dept_week = np.full(org.departments, policy.go_live_week, dtype=np.int32)
    if policy.rollout == "phased":
        dept_week += policy.phase_interval_weeks * np.arange(org.departments, dtype=np.int32)
    elif policy.rollout == "pilot":
        dept_week[1:] += policy.pilot_weeks
    weeks = dept_week[org.department]
    partners = org.role == Role.PARTNER
    weeks[partners] = weeks[org.manager[partners]]
    return weeks
