"""Money and the verdict: what the rollout costs, what it brings, and whether it succeeded.

Costs: implementation (one-off, at go-live) and licences per live user; training hours and
double-entry hours at a wage; margin leaked through bent terms (seed 002); compensation
promised to complaining partners (seed 002); hiring and onboarding leavers' replacements
(seeds 001, 004). Benefits: productivity of people who use the CRM as designed, and extra
sales, both in proportion to the quality of the data they work with: "A working CRM system
that is not being used is useless" (seed 001). The verdict at the end of a run compares the
outcome with criteria a scenario sets (default: intended use at or above 60% of live
employees and a return on investment at or above 0).
"""

from __future__ import annotations

from dataclasses import dataclass


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
    def roi(self) -> float:
        return (self.benefits - self.costs) / self.costs if self.costs > 0 else 0.0

    @property
    def benefits_realised(self) -> float:
        return self.benefits / self.planned_benefits if self.planned_benefits > 0 else 0.0


def verdict(intended_use: float, roi: float, min_intended_use: float, min_roi: float) -> str:
    """``success`` when both criteria are met, ``failure`` otherwise."""
    return "success" if intended_use >= min_intended_use and roi >= min_roi else "failure"
