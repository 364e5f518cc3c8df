"""Training and learning by use: skill lowers effort; habit pulls back to the legacy process.

Training at go-live closes part of the skill gap, with diminishing returns to hours; every
week of use closes a further share of it, every week away from the CRM loses a little.
Habit (UTAUT2, Venkatesh et al. 2012) is the pull of the legacy process: full at go-live,
fading each week a person works in the CRM, kept alive by working around it. Seed 001:
"A smart CRM system requires a smart user"; seed 004: benefits "evaporating due to
turnover, inefficiencies".

References
----------
.. [1] Lasser, E., & Mandel, Z. (n.d.). Problems and challenges in the effective
   implementation of CRM systems. Web article. Seed 001.
.. [2] Whitehead, J. (n.d.). Case study #1: The elusive CRM culture. Web article, part 1 of a
   3-part series. Seed 004.
.. [3] Venkatesh, V., Thong, J. Y. L., & Xu, X. (2012). Consumer acceptance and use of
   information technology: Extending the unified theory of acceptance and use of technology.
   MIS Quarterly, 36(1), 157-178.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core.state import GAME, GO_AROUND, IGNORE, SELF_SERVE, USE

if TYPE_CHECKING:
    from sim.core.scenario import Scenario
    from sim.core.state import State
    from sim.core.world import World


def trained_skill(skill: np.ndarray, hours: float, half_hours: float) -> np.ndarray:
    """Skill after ``hours`` of training: each ``half_hours`` closes half of the remaining gap."""
    return skill + (1.0 - skill) * (1.0 - 0.5 ** (hours / half_hours))


def learn_by_use(skill: np.ndarray, using: np.ndarray, learn_rate: float, forget_rate: np.ndarray | float) -> None:
    """Users close ``learn_rate`` of their skill gap; the others lose ``forget_rate`` of their skill."""
    skill += np.where(using, learn_rate * (1.0 - skill), -forget_rate * skill)


def fade_habit(habit: np.ndarray, on_legacy_path: np.ndarray, decay: float) -> None:
    """The legacy habit fades for those off the legacy path this week: in the CRM, or (a partner)
    disengaged, no longer ordering the old way either."""
    np.multiply(habit, 1.0 - decay, out=habit, where=~on_legacy_path)


def learn_and_unlearn(sc: Scenario, world: World, state: State) -> None:
    """Skill grows with use and fades without; the legacy habit fades with use."""
    live, partner, b = state.live, world.is_partner, state.routine
    in_crm = live & np.where(partner, b == SELF_SERVE, (b == USE) | (b == GAME))
    on_legacy_path = ~live | np.where(partner, b == GO_AROUND, b == IGNORE)
    learn_by_use(state.skill, in_crm, sc.learning.learn_rate, live * sc.learning.forget_rate)
    fade_habit(state.habit, on_legacy_path, sc.behaviour.habit_decay)
