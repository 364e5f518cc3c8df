"""The data-quality loop: entries make the data, the data make trust, trust makes usefulness.

Seed 001: a client database "that contains low quality data or with data that is missing
altogether"; "those who feed the data into the CRM system are not the ones who benefit from
the data"; "those who could benefit from the data are not using it often enough ... the
result of a lack of awareness of its existence or of a lack of faith in its quality".

Each department's data quality moves each week towards the quality of that week's entries:
an honest, complete entry counts 1, a gamed one ``gaming_entry_quality``, a person who
ignores the CRM enters nothing (0). Trust follows the data quality a person sees with a lag.
Usefulness is the role's own use of the CRM plus its share of the value of trusted data:
most of that value goes to managers (``manager_benefit_share``), not to those who enter it.
That the beneficiaries are managers is the model's assumption: the seed says who does not
benefit from the data, not who does.

References
----------
.. [1] Lasser, E., & Mandel, Z. (n.d.). Problems and challenges in the effective
   implementation of CRM systems. Web article. Seed 001.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core.state import GAME, USE

if TYPE_CHECKING:
    from sim.core.scenario import Scenario
    from sim.core.state import State, Stocks
    from sim.core.world import World


def entry_quality(
    department: np.ndarray, behaviour: np.ndarray, entering: np.ndarray, departments: int, gaming_quality: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per department: the mean quality of this week's entries, and how many people entered."""
    quality_of = np.zeros(3)  # of an entry, by what its author does: ignoring the CRM enters nothing
    quality_of[USE], quality_of[GAME] = 1.0, gaming_quality
    d = department[entering]
    quality = quality_of[behaviour[entering]]
    n = np.bincount(d, minlength=departments)
    total = np.bincount(d, weights=quality, minlength=departments)
    return np.divide(total, n, out=np.zeros(departments), where=n > 0), n


def update_data_quality(quality: np.ndarray, target: np.ndarray, n_entering: np.ndarray, rate: float) -> None:
    """Departments where people work in the CRM move towards their entry quality."""
    quality += np.where(n_entering > 0, rate * (target - quality), 0.0)


def follow_with_lag(trust: np.ndarray, seen_quality: np.ndarray, who: np.ndarray, lag_weeks: float) -> None:
    """Trust moves 1/lag of the way to the data quality a person sees, each week."""
    np.add(trust, (seen_quality - trust) / lag_weeks, out=trust, where=who)


def update_data(sc: Scenario, world: World, state: State, stocks: Stocks, department: np.ndarray) -> None:
    """Entries move each department's data quality; trust follows the data a person sees."""
    entering = state.live & ~world.is_partner
    target, n_entering = entry_quality(
        department, state.routine, entering, len(stocks.data_quality), sc.data.gaming_entry_quality
    )
    update_data_quality(stocks.data_quality, target, n_entering, sc.data.adjustment_rate)
    seen = stocks.data_quality[world.data_department]
    follow_with_lag(state.trust, seen, state.live, sc.data.trust_lag_weeks)
