"""Effort: what entering data costs a person this week.

Effort expectancy (Davis 1989; UTAUT) as the interface effort of proper entry, lowered by
skill, plus double entry where the CRM is not integrated with the operational systems (seed
001: "users must access simultaneously other systems, resulting in double entries"; seed
002: service reps "now had to deal with two data entry and knowledge management systems").
The weight of interface effort in the decision falls as experience grows (UTAUT's moderation
by experience); double entry is time, and costs the same in week 100 as in week 1.

References
----------
.. [1] Lasser, E., & Mandel, Z. (n.d.). Problems and challenges in the effective
   implementation of CRM systems. Web article. Seed 001.
.. [2] Anonymous (n.d.). IT's hardest puzzle. CIO Australia. The Global Giant telecoms
   case. Seed 002.
.. [3] Davis, F. D. (1989). Perceived usefulness, perceived ease of use, and user acceptance
   of information technology. MIS Quarterly, 13(3), 319-340.
.. [4] Venkatesh, V., Morris, M. G., Davis, G. B., & Davis, F. D. (2003). User acceptance of
   information technology: Toward a unified view. MIS Quarterly, 27(3), 425-478.
"""

from __future__ import annotations

import numpy as np


def interface_effort(base_effort: np.ndarray, skill: np.ndarray, skill_reduction: float) -> np.ndarray:
    """The effort of entering data properly, lowered by skill."""
    return base_effort * (1.0 - skill_reduction * skill)


def double_entry(role_double_entry: np.ndarray, integration_gap: float) -> np.ndarray:
    """The time spent keeping a second system up to date: it does not shrink with experience."""
    return role_double_entry * integration_gap


def experience_weight(weeks_live: np.ndarray, halflife_weeks: float) -> np.ndarray:
    """How much interface effort still weighs: 1 for a newcomer, 1/2 at the half-life.

    The same weight fades colleagues' example where use is voluntary: that is the model's
    assumption, not UTAUT's finding for normative social influence (docs/ODD.md 7.6).
    """
    return 1.0 / (1.0 + weeks_live / halflife_weeks)
