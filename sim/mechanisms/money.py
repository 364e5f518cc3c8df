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
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: why a verdict is undetermined: the only way the criteria cannot be judged
UNDETERMINED_REASON = (
    "the costs or benefits are not finite numbers (settings too large to calculate with), "
    "so the return on investment cannot be computed"
)


@dataclass
class Ledger:
    """Running totals (money units); weekly flows go to the time series."""

    costs: float = 0.0
    benefits: float = 0.0
    planned_benefits: float = 0.0

    def book(self, cost: float, benefit: float, planned: float) -> None:
        self.costs += cost
        self.benefits += benefit
        self.planned_benefits += planned

    @property
    def computable(self) -> bool:
        """False once a cost or benefit has stopped being a finite number: no return can be stated."""
        return math.isfinite(self.costs) and math.isfinite(self.benefits)

    @property
    def roi(self) -> float:
        """Return on investment; NaN (not 0.0) when the money cannot be computed."""
        if not self.computable:
            return math.nan
        return (self.benefits - self.costs) / self.costs if self.costs > 0 else 0.0

    @property
    def benefits_realised(self) -> float:
        return self.benefits / self.planned_benefits if self.planned_benefits > 0 else 0.0


def verdict(intended_use: float, roi: float, min_intended_use: float, min_roi: float) -> str:
    """``success`` when both criteria are met, ``failure`` otherwise, ``undetermined`` when a figure
    is not a number (a comparison with NaN is false, which would read as a failure or, worse, pass)."""
    if not (math.isfinite(intended_use) and math.isfinite(roi)):
        return "undetermined"
    return "success" if intended_use >= min_intended_use and roi >= min_roi else "failure"
