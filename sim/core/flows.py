"""The week's flows: what happened this week, in numbers and in the people it happened to.

A fresh ``Flows`` starts every week. Each mechanism writes its own fields in the order of
the schedule (``CRMRollout.step``), and later steps read what earlier ones wrote: the books
(``money``) read the partners' orders (``channel``), turnover counts the senior sales
manager's resignation (``sanctions``). The recorder copies the numbers into the weekly
series; narration reads the rows (who bent terms, who complained, who was disciplined, who
left) to tell the week in words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def _nobody() -> np.ndarray:
    return np.zeros(0, dtype=np.intp)


@dataclass
class Flows:
    """This week's flows, field by field in the order the schedule writes them."""

    # routines (decide): who changed their way of working after reconsidering it
    who_switched: np.ndarray = field(default_factory=_nobody)
    # policy: go-live, training and hires (money units are thousands; hours are person-hours)
    implementation: float = 0.0  # one-off cost at the first go-live
    training_hours: float = 0.0  # employees' hours of training this week
    hires: float = 0.0  # new people hired into posts this week
    # channel (seed 002)
    units_partners: float = 0.0  # units partners ordered
    margin_leakage: float = 0.0  # margin given away through bent terms
    complaints: float = 0.0  # rule-following partners who complained
    compensation_paid: float = 0.0  # compensation promised to them
    bent_terms: np.ndarray = field(default_factory=_nobody)  # partners who got bent terms
    complained: np.ndarray = field(default_factory=_nobody)  # partners who complained
    # sanctions (seed 002)
    detected: float = 0.0  # gamers spotted by their manager
    disciplined: float = 0.0  # gamers disciplined
    resignations: float = 0.0  # the senior sales manager's resignation over discipline
    who_was_disciplined: np.ndarray = field(default_factory=_nobody)
    # drift (seed 000)
    drift: float = 0.0  # share of people in the CRM on practices outside the design
    # turnover (seeds 001, 004)
    leavers_sales: float = 0.0
    leavers_service: float = 0.0
    leavers: float = 0.0  # everyone who left, resignations included
    who_left: np.ndarray = field(default_factory=_nobody)
    # money
    units: float = 0.0  # units sold
    costs: float = 0.0
    benefits: float = 0.0
    cost_per_sale: float = 0.0
