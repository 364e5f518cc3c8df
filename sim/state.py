"""Everyone's state as arrays: one row per person, employees and partners alike.

Rows are ordered by role (sales reps, service staff, managers, partners), so each role is a
contiguous slice and a role's decision rule runs on views, never on copies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np


class Role(IntEnum):
    SALES = 0
    SERVICE = 1
    MANAGER = 2
    PARTNER = 3


ROLE_NAMES = {Role.SALES: "sales", Role.SERVICE: "service", Role.MANAGER: "manager", Role.PARTNER: "partner"}

#: Before go-live everyone is on the legacy process.
LEGACY = -1

#: Options of an employee and of a partner, in the order of the columns of their utilities.
EMPLOYEE_OPTIONS = ("use", "game", "ignore")
PARTNER_OPTIONS = ("self_serve", "go_around", "disengage")
USE, GAME, IGNORE = 0, 1, 2
SELF_SERVE, GO_AROUND, DISENGAGE = 0, 1, 2


@dataclass
class State:
    """Per-person state. Traits are drawn once with the organisation; the rest evolves weekly."""

    n: int
    # what people do
    behaviour: np.ndarray = field(init=False)  # int8: option index, or LEGACY before go-live
    live: np.ndarray = field(init=False)  # bool: the CRM is live for this person
    go_live_week: np.ndarray = field(init=False)  # int32: week this person's CRM goes live
    # what people have and feel
    skill: np.ndarray = field(init=False)  # [0-1] competence with the CRM
    habit: np.ndarray = field(init=False)  # [0-1] pull of the legacy process
    trust: np.ndarray = field(init=False)  # [0-1] belief that the CRM's data are right
    perceived_usefulness: np.ndarray = field(init=False)
    effort: np.ndarray = field(init=False)
    tenure_weeks: np.ndarray = field(init=False)  # int32: weeks in the organisation
    weeks_live: np.ndarray = field(init=False)  # int32: experience with the live CRM
    # personal traits
    attitude: np.ndarray = field(init=False)  # liking for the CRM, added to "use"
    integrity: np.ndarray = field(init=False)  # reluctance to game, subtracted from "game"
    # the last decision, kept for explain()
    # option-major (3, n): row k holds option k for everyone, so per-option arithmetic is contiguous
    utilities: np.ndarray = field(init=False)
    probabilities: np.ndarray = field(init=False)
    neighbour_shares: np.ndarray = field(init=False)  # shares of each option among live neighbours

    def __post_init__(self) -> None:
        n = self.n
        self.behaviour = np.full(n, LEGACY, dtype=np.int8)
        self.live = np.zeros(n, dtype=bool)
        self.go_live_week = np.zeros(n, dtype=np.int32)
        for name in ("skill", "habit", "trust", "perceived_usefulness", "effort", "attitude", "integrity"):
            setattr(self, name, np.zeros(n))
        self.habit[:] = 1.0
        self.tenure_weeks = np.zeros(n, dtype=np.int32)
        self.weeks_live = np.zeros(n, dtype=np.int32)
        self.utilities = np.zeros((3, n))
        self.probabilities = np.zeros((3, n))
        self.neighbour_shares = np.zeros((3, n))
