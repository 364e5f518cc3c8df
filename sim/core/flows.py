"""The week's flows: what happened this week, in numbers and in the people it happened to.

A fresh ``Flows`` starts every week (``Flows.empty``); each number is one per organisation of
the batch (``sim/core/batch.py``), each list of people is rows of the whole batch. Each
mechanism writes its own fields in the order of the schedule (``CRMRollout.step``), and later
steps read what earlier ones wrote: the books (``money``) read the partners' orders
(``channel``), turnover counts the senior sales manager's resignation (``sanctions``). The
recorder copies the numbers into the weekly series; narration reads the rows (who bent terms,
who complained, who was disciplined, who left) to tell the week in words.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np


def _nobody() -> np.ndarray:
    return np.zeros(0, dtype=np.intp)


def _zeros() -> np.ndarray:
    """A number per organisation: one organisation, unless ``Flows.empty`` says how many."""
    return np.zeros(1)


@dataclass
class Flows:
    """This week's flows, field by field in the order the schedule writes them."""

    # routines (decide): who changed their way of working after reconsidering it
    who_switched: np.ndarray = field(default_factory=_nobody)
    # people: go-live, training (the policy phase) and hires (consequences, as people leave); money
    # units are thousands, hours are person-hours
    implementation: np.ndarray = field(default_factory=_zeros)  # one-off cost at the first go-live
    training_hours: np.ndarray = field(default_factory=_zeros)  # employees' hours of training this week
    hires: np.ndarray = field(default_factory=_zeros)  # new people hired into posts this week
    # channel (seed 002)
    units_partners: np.ndarray = field(default_factory=_zeros)  # units partners ordered
    margin_leakage: np.ndarray = field(default_factory=_zeros)  # margin given away through bent terms
    complaints: np.ndarray = field(default_factory=_zeros)  # rule-following partners who complained
    compensation_paid: np.ndarray = field(default_factory=_zeros)  # compensation promised to them
    bent_terms: np.ndarray = field(default_factory=_nobody)  # partners who got bent terms
    complained: np.ndarray = field(default_factory=_nobody)  # partners who complained
    # sanctions (seed 002)
    detected: np.ndarray = field(default_factory=_zeros)  # gamers spotted by their manager
    disciplined: np.ndarray = field(default_factory=_zeros)  # gamers disciplined
    resignations: np.ndarray = field(default_factory=_zeros)  # the senior sales manager's resignation over discipline
    who_was_disciplined: np.ndarray = field(default_factory=_nobody)
    # drift (seed 000)
    drift: np.ndarray = field(default_factory=_zeros)  # share of people in the CRM on practices outside the design
    # turnover (seeds 001, 004)
    leavers_sales: np.ndarray = field(default_factory=_zeros)
    leavers_service: np.ndarray = field(default_factory=_zeros)
    leavers: np.ndarray = field(default_factory=_zeros)  # everyone who left, resignations included
    who_left: np.ndarray = field(default_factory=_nobody)
    # money
    units: np.ndarray = field(default_factory=_zeros)  # units sold
    costs: np.ndarray = field(default_factory=_zeros)
    benefits: np.ndarray = field(default_factory=_zeros)
    cost_per_sale: np.ndarray = field(default_factory=_zeros)

    @classmethod
    def empty(cls, organisations: int) -> Flows:
        """A week in which nothing has happened yet, in each organisation."""
        flows = cls()
        for f in fields(cls):
            if f.default_factory is _zeros:
                setattr(flows, f.name, np.zeros(organisations))
        return flows
