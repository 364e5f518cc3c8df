"""What each person sees at the start of a week, computed for everyone at once from last week's state.

A ``Perception`` is the input of every role's decision rule: one array per cue, one row per
person. ``rows(slice)`` gives a role's (or one person's) part without copying.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from sim.mechanisms import data_quality, effort, social_influence
from sim.state import GAME, GO_AROUND, Role


@dataclass
class Perception:
    usefulness: np.ndarray  # performance expectancy of proper use
    effort: np.ndarray  # interface effort of proper entry this week
    double_entry: np.ndarray  # time spent keeping a second system up to date
    effort_weight: np.ndarray  # how much interface effort still weighs, given experience
    social_weight: np.ndarray  # how much neighbours still weigh, given mandate and experience
    shares: np.ndarray  # (3, n) shares of each option among live neighbours
    pressure: np.ndarray  # push from one's manager (from senior management for managers)
    habit: np.ndarray  # pull of the legacy process
    workaround: np.ndarray  # how easy the job is done around the CRM
    sanction_risk: np.ndarray  # expected discipline for gaming
    partner_requests: np.ndarray  # sales reps: share of their partners asking for better terms
    rep_bends: np.ndarray  # partners: 1 if their sales rep bent terms last week
    attitude: np.ndarray
    integrity: np.ndarray

    def rows(self, rows: slice) -> Perception:
        return Perception(**{f.name: getattr(self, f.name)[..., rows] for f in fields(self)})

    def __len__(self) -> int:
        return len(self.usefulness)


def perceive(model) -> Perception:
    """Everyone's cues from last week's state (synchronous update: no one sees this week's choices)."""
    org, state, sc = model.org, model.state, model.scenario
    policy, behaviour = sc.policy, sc.behaviour
    role_params = model.role_parameters  # per-person arrays of the role's parameters

    experience = effort.experience_weight(state.weeks_live, behaviour.experience_halflife_weeks)
    mandate = np.where(org.role == Role.PARTNER, 0.0, policy.mandate)

    pressure = social_influence.manager_pressure(org.manager, state.behaviour, policy.mandate)
    managers = org.role == Role.MANAGER
    pressure[managers] = policy.mandate  # senior management pushes managers
    pressure[org.role == Role.PARTNER] = 0.0  # partners have no manager in the firm

    n = org.n
    partner_rows = np.flatnonzero(org.role == Role.PARTNER)
    their_rep = org.manager[partner_rows]
    asked = np.bincount(their_rep, weights=state.behaviour[partner_rows] == GO_AROUND, minlength=n)
    served = np.bincount(their_rep, minlength=n)
    partner_requests = np.divide(asked, served, out=np.zeros(n), where=served > 0)
    rep_bends = np.zeros(n)
    rep_bends[partner_rows] = state.behaviour[their_rep] == GAME

    return Perception(
        usefulness=data_quality.usefulness(role_params.base_usefulness, model.benefit_share, state.trust),
        effort=effort.interface_effort(role_params.base_effort, state.skill, sc.learning.skill_effort_reduction),
        double_entry=effort.double_entry(role_params.double_entry, model.integration_gap),
        effort_weight=experience,
        social_weight=mandate + (1.0 - mandate) * experience,
        shares=social_influence.neighbour_shares(org.adjacency, state.behaviour),
        pressure=pressure,
        habit=state.habit.copy(),  # consequences change it in place; explain() needs this week's
        workaround=np.full(n, model.workaround),
        sanction_risk=np.full(n, policy.sanctions),
        partner_requests=partner_requests,
        rep_bends=rep_bends,
        attitude=state.attitude,
        integrity=state.integrity,
    )
