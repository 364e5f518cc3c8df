"""Money and the verdict: what the rollout costs, what it brings, and whether it succeeded.

Costs: implementation (one-off, at go-live) and licences per live user; training hours and
double-entry hours at a wage; margin leaked through bent terms (seed 002); compensation
promised to complaining partners (seed 002); hiring and onboarding leavers' replacements
(seeds 001, 004). Benefits: productivity of people who use the CRM as designed, and extra
sales, both in proportion to the quality of the data they work with: "A working CRM system
that is not being used is useless" (seed 001). The verdict at the end of a run compares the
outcome with criteria a scenario sets (default: intended use at or above 60% of live
employees and a return on investment at or above 0). When the money cannot be computed (a
cost or benefit that is not a finite number, from settings too large to calculate with), the
return is undefined and the verdict is "undetermined", never a success or failure by accident.

References
----------
.. [1] Lasser, E., & Mandel, Z. (n.d.). Problems and challenges in the effective
   implementation of CRM systems. Web article. Seed 001.
.. [2] Anonymous (n.d.). IT's hardest puzzle. CIO Australia. The Global Giant telecoms
   case. Seed 002.
.. [3] Whitehead, J. (n.d.). Case study #1: The elusive CRM culture. Web article, part 1 of a
   3-part series. Seed 004.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.core.state import GAME, USE

if TYPE_CHECKING:
    from sim.core.flows import Flows
    from sim.core.scenario import Scenario
    from sim.core.state import State, Stocks
    from sim.core.world import World

#: why a verdict is undetermined: the only way the criteria cannot be judged
UNDETERMINED_REASON = (
    "the costs or benefits are not finite numbers (settings too large to calculate with), "
    "so the return on investment cannot be computed"
)


@dataclass
class Ledger:
    """Running totals (money units), one per organisation of the batch; weekly flows go to the time series."""

    costs: np.ndarray
    benefits: np.ndarray
    planned_benefits: np.ndarray

    @classmethod
    def empty(cls, organisations: int) -> Ledger:
        return cls(np.zeros(organisations), np.zeros(organisations), np.zeros(organisations))

    def book(self, cost: np.ndarray, benefit: np.ndarray, planned: np.ndarray) -> None:
        self.costs += cost
        self.benefits += benefit
        self.planned_benefits += planned

    def roi(self) -> np.ndarray:
        """Return on investment per organisation; NaN (not 0.0) where the money cannot be computed."""
        computable = np.isfinite(self.costs) & np.isfinite(self.benefits)
        with np.errstate(invalid="ignore", over="ignore"):
            roi = np.divide(self.benefits - self.costs, self.costs, out=np.zeros(len(self.costs)), where=self.costs > 0)
        return np.where(computable, roi, np.nan)

    def benefits_realised(self) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return np.divide(
                self.benefits, self.planned_benefits, out=np.zeros(len(self.costs)), where=self.planned_benefits > 0
            )


def verdict(intended_use: float, roi: float, min_intended_use: float, min_roi: float) -> str:
    """``success`` when both criteria are met, ``failure`` otherwise, ``undetermined`` when a figure
    is not a number (a comparison with NaN is false, which would read as a failure or, worse, pass)."""
    if not (math.isfinite(intended_use) and math.isfinite(roi)):
        return "undetermined"
    return "success" if intended_use >= min_intended_use and roi >= min_roi else "failure"


def book_money(
    sc: Scenario,
    world: World,
    state: State,
    stocks: Stocks,
    flows: Flows,
    ledger: Ledger,
    after_go_live: np.ndarray,
) -> None:
    """This week's costs and benefits, and the cost per unit sale (seed 002; verdict criteria).

    Reads the partners' orders and the week's training, hires and resignations from ``flows``;
    books the week in ``ledger``; reports units, costs, benefits and the cost per sale. Every
    figure is per organisation (``after_go_live`` too).
    """
    c, f, blocks = sc.costs, flows, world.blocks
    employees = ~world.is_partner
    live_emp = state.live & employees
    b = state.routine
    entering = live_emp & ((b == USE) | (b == GAME))
    users = live_emp & (b == USE)
    quality = stocks.data_quality[world.data_department]
    n_sales, n_live = world.sales_reps_of, blocks.count_of(live_emp)
    use_sales = np.divide(
        blocks.count_of(users & world.is_sales), n_sales, out=np.zeros(blocks.count), where=n_sales > 0
    )
    mean_quality = blocks.mean(quality, employees, count=world.employees_of)
    base_units = f.units_partners + c.direct_units_per_rep * n_sales
    uplift = c.sales_uplift * use_sales * mean_quality
    units = base_units * (1.0 + uplift)

    double_entry = blocks.total(world.role.double_entry[entering], entering) * stocks.integration_gap
    running = (
        c.licence_per_user_week * n_live
        + c.wage_per_hour * (f.training_hours + c.double_entry_hours * double_entry)
        + f.margin_leakage
        + f.compensation_paid
        + np.where(after_go_live, c.hiring_cost * f.hires, 0.0)
    )
    productivity = c.productivity_per_user_week * blocks.total(quality[users], users) * stocks.system_fit
    benefit = productivity + c.margin * c.price * base_units * uplift
    planned = np.where(
        after_go_live,
        c.productivity_per_user_week * n_live + c.margin * c.price * base_units * c.sales_uplift,
        0.0,
    )
    ledger.book(f.implementation + running, benefit, planned)
    f.units = units
    f.costs = f.implementation + running
    f.benefits = benefit
    # selling costs per unit: the old cost of the base units, plus what the CRM costs to run,
    # spread over the units sold (more units where sales reps use trusted data)
    f.cost_per_sale = np.divide(
        c.cost_per_unit * base_units + running, units, out=np.zeros(blocks.count), where=units > 0
    )
