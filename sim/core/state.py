"""Everyone's state as arrays: one row per person, employees and partners alike.

Rows are ordered by role (sales reps, service staff, managers, partners), so each role is a
contiguous slice and a role's decision rule runs on views, never on copies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from sim.core.vocabulary import EMPLOYEE_OPTIONS as EMPLOYEE_OPTIONS  # re-exported: agents and metrics read them here
from sim.core.vocabulary import PARTNER_OPTIONS as PARTNER_OPTIONS
from sim.core.vocabulary import ROLES


class Role(IntEnum):
    SALES = 0
    SERVICE = 1
    MANAGER = 2
    PARTNER = 3


ROLE_NAMES = dict(zip(Role, ROLES, strict=True))  # role -> its key, from the vocabulary

#: Before go-live everyone is on the legacy process.
LEGACY = -1

#: Options of an employee and of a partner (``EMPLOYEE_OPTIONS``, ``PARTNER_OPTIONS``), in the
#: order of the columns of their utilities, come from the vocabulary.
USE, GAME, IGNORE = 0, 1, 2
SELF_SERVE, GO_AROUND, DISENGAGE = 0, 1, 2


@dataclass
class State:
    """Per-person state. Traits are drawn once with the organisation; the rest evolves weekly."""

    n: int
    # what people do
    routine: np.ndarray = field(init=False)  # int8: this week's way of working (option), or LEGACY before go-live
    live: np.ndarray = field(init=False)  # bool: the CRM is live for this person
    go_live_week: np.ndarray = field(init=False)  # int32: week this person's CRM goes live
    # how people keep and change their way of working (sim/core/mechanisms/routine.py)
    previous_routine: np.ndarray = field(init=False)  # int8: the week before's way of working
    routine_strength: np.ndarray = field(init=False)  # [0-1] habit of the current routine, from practice
    weeks_in_routine: np.ndarray = field(init=False)  # int32: weeks the current routine has been kept
    reconsidered: np.ndarray = field(init=False)  # bool: weighed the options this week
    reconsider_probability: np.ndarray = field(init=False)  # this week's chance of reconsidering
    main_trigger: np.ndarray = field(init=False)  # int8: why those who reconsidered did (routine.TRIGGERS), else -1
    trained: np.ndarray = field(init=False)  # hours of training this week
    trust_anchor: np.ndarray = field(init=False)  # [0-1] the recent level of trust, against which change shows
    champion: np.ndarray = field(init=False)  # bool: a key user of their team
    just_hired: np.ndarray = field(init=False)  # bool: took up their post last week
    engaged: np.ndarray = field(init=False)  # bool: has weighed the CRM since it went live (colleagues see it)
    # what people have and feel
    skill: np.ndarray = field(init=False)  # [0-1] competence with the CRM
    habit: np.ndarray = field(init=False)  # [0-1] pull of the legacy process
    trust: np.ndarray = field(init=False)  # [0-1] belief that the CRM's data are right
    perceived_usefulness: np.ndarray = field(init=False)
    felt_effort: np.ndarray = field(init=False)  # interface effort plus double entry, as felt this week
    tenure_weeks: np.ndarray = field(init=False)  # int32: weeks in the organisation
    weeks_live: np.ndarray = field(init=False)  # int32: experience with the live CRM
    # personal traits
    attitude: np.ndarray = field(init=False)  # liking for the CRM, added to "use"
    integrity: np.ndarray = field(init=False)  # reluctance to game, subtracted from "game"
    morale: np.ndarray = field(init=False)  # [0-1] goodwill towards the system; falls with discipline
    tension: np.ndarray = field(init=False)  # [0-1] friction with colleagues of another subculture
    improvising: np.ndarray = field(init=False)  # bool: works in the CRM on a practice outside the design
    disciplined: np.ndarray = field(init=False)  # bool: disciplined for gaming this week
    discount: np.ndarray = field(init=False)  # partners: discount on this week's order [share of price]
    terms_seen: np.ndarray = field(init=False)  # partners: recent average discount
    route_belief: np.ndarray = field(init=False)  # partners: what going around is believed to pay
    # the last decision, kept for explain(): its probabilities are the logit over the utilities
    # with the choice sensitivity it was made with (``routine.choice_probabilities``)
    # option-major (3, n): row k holds option k for everyone, so per-option arithmetic is contiguous
    utilities: np.ndarray = field(init=False)
    choice_sensitivity: float = field(init=False)
    neighbour_shares: np.ndarray = field(init=False)  # shares of each option among engaged neighbours

    def __post_init__(self) -> None:
        n = self.n
        self.routine = np.full(n, LEGACY, dtype=np.int8)
        self.previous_routine = np.full(n, LEGACY, dtype=np.int8)
        self.routine_strength = np.ones(n)  # the legacy process, practised for years
        self.weeks_in_routine = np.zeros(n, dtype=np.int32)
        self.reconsidered = np.zeros(n, dtype=bool)
        self.reconsider_probability = np.zeros(n)
        self.main_trigger = np.full(n, -1, dtype=np.int8)
        self.trained = np.zeros(n)
        self.trust_anchor = np.zeros(n)
        self.champion = np.zeros(n, dtype=bool)
        self.just_hired = np.zeros(n, dtype=bool)
        self.engaged = np.zeros(n, dtype=bool)
        self.live = np.zeros(n, dtype=bool)
        self.go_live_week = np.zeros(n, dtype=np.int32)
        for name in ("skill", "habit", "trust", "perceived_usefulness", "felt_effort", "attitude", "integrity"):
            setattr(self, name, np.zeros(n))
        for name in ("morale", "tension", "discount", "terms_seen", "route_belief"):
            setattr(self, name, np.zeros(n))
        self.habit[:] = 1.0
        self.morale[:] = 1.0
        self.improvising = np.zeros(n, dtype=bool)
        self.disciplined = np.zeros(n, dtype=bool)
        self.tenure_weeks = np.zeros(n, dtype=np.int32)
        self.weeks_live = np.zeros(n, dtype=np.int32)
        self.utilities = np.zeros((3, n))
        self.choice_sensitivity = 0.0  # no decision yet: every option equally likely
        self.neighbour_shares = np.zeros((3, n))


@dataclass
class Stocks:
    """The organisation's state: what everyone's entries, choices and departures add up to.

    One value per organisation of the batch (``sim/core/batch.py``); a run alone has one.
    """

    data_quality: np.ndarray  # per department of every organisation [0-1]
    system_fit: np.ndarray  # how well the system fits the work [0-1] (seed 003)
    system_performance: np.ndarray  # responsiveness [0-1] (seed 001)
    conflict: np.ndarray  # marketing-service conflict index [0-1] (seed 002)
    backlash: np.ndarray  # sales organisation's grievance over discipline [0-1] (seed 002)
    culture_distance: np.ndarray  # between subcultures [0-1] (seed 004)
    integration_gap: np.ndarray  # share of work still done in a second system
    unbuilt_interfaces: np.ndarray  # int: interfaces of a full integration not finished yet (seeds 001, 003)
    commitment: np.ndarray  # senior management's commitment now [0-1]: starts at the policy's (seeds 000, 003)
    goal: np.ndarray  # str: the project's goal, "integration"; a new CIO may shift it to "data_collection" (003)
    senior_sales_manager_resigned: np.ndarray  # bool

    @classmethod
    def initial(
        cls,
        organisations: int,
        departments: int,
        data_quality: float,
        system_fit: float,
        culture_distance: float,
        integration_gap: float,
        commitment: float,
    ) -> Stocks:
        """Before go-live: the data as good as they start, the system as delivered, no trouble yet."""

        def each(value) -> np.ndarray:
            return np.full(organisations, value)

        return cls(
            data_quality=np.full(organisations * departments, data_quality),
            system_fit=each(system_fit),
            system_performance=each(1.0),
            conflict=each(0.0),
            backlash=each(0.0),
            culture_distance=each(culture_distance),
            integration_gap=each(integration_gap),
            unbuilt_interfaces=each(0),
            commitment=each(commitment),
            goal=np.full(organisations, "integration", dtype="<U16"),
            senior_sales_manager_resigned=each(False),
        )
