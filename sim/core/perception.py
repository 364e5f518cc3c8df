"""What each person sees at the start of a week, computed for everyone at once from last week's state.

A ``Perception`` is the input of every role's decision rule: one array per cue, one row per
person (shares: one row per option). ``rows(slice)`` gives a role's (or one person's) part
without copying.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from sim.core import policies
from sim.core.mechanisms import (
    channel,
    drift,
    effort,
    governance,
    oversight,
    performance,
    routine,
    sanctions,
    social_influence,
    turnover,
)
from sim.core.state import LEGACY


@dataclass
class Perception:
    usefulness: np.ndarray  # performance expectancy of proper use
    effort: np.ndarray  # interface effort of proper entry this week
    double_entry: np.ndarray  # time spent keeping a second system up to date
    effort_weight: np.ndarray  # how much interface effort still weighs, given experience
    social_weight: np.ndarray  # how much neighbours still weigh, given mandate and experience
    shares: np.ndarray  # (3, n) shares of each option among engaged neighbours (who have weighed the CRM)
    pressure: np.ndarray  # push from one's manager (from senior management for managers)
    habit: np.ndarray  # pull of the legacy process
    workaround: np.ndarray  # how easy the job is done around the CRM
    sanction_risk: np.ndarray  # expected discipline for gaming
    gaming_gain: np.ndarray  # private gain from quick, selective entry (role's, plus a data-volume goal)
    lead_hiding: np.ndarray  # sales reps and managers: gain from keeping the pipeline out of sight
    role_conflict: np.ndarray  # service staff: cost of being made to sell
    withdrawal: np.ndarray  # lost morale after discipline
    tension: np.ndarray  # friction with another subculture
    partner_pull: np.ndarray  # sales reps: what bending terms is worth, given how many partners ask
    route_value: np.ndarray  # partners: what going around is believed to pay (0-1 of the bent discount)
    attitude: np.ndarray
    integrity: np.ndarray
    # the routine and what may make a person reconsider it (sim/core/mechanisms/routine.py)
    routine: np.ndarray  # this week's way of working if kept: last week's, or the old process at go-live
    routine_strength: np.ndarray  # its practised habit [0-1]
    going_live: np.ndarray  # 1 in the week the CRM goes live for the person
    champion: np.ndarray  # 1 for a key user
    new_hire: np.ndarray  # 1 in a new hire's first week
    training: np.ndarray  # this week's training as a share of a full one
    manager_changed: np.ndarray  # 1 if one's manager changed their way of working last week
    disciplined: np.ndarray  # 1 if disciplined last week
    colleagues_switched: np.ndarray  # pull of colleagues who switched last week [0-1]
    partner_requests: np.ndarray  # sales reps: share of their partners who came asking last week
    data_changed: np.ndarray  # how visibly the data one works with changed [0-1]
    colleagues_using: np.ndarray  # tie-weighted share of all one's colleagues who use the CRM as designed

    def rows(self, rows: slice) -> Perception:
        return Perception(**{name: getattr(self, name)[..., rows] for name in _CUES})

    def __len__(self) -> int:
        return len(self.usefulness)


_CUES = tuple(f.name for f in fields(Perception))


def perceive(model, week: int) -> Perception:
    """Everyone's cues from last week's state (synchronous update: no one sees this week's choices)."""
    org, state, stocks, sc, world = model.org, model.state, model.stocks, model.settings, model.world
    policy, behaviour, params = sc.policy, sc.behaviour, world.role
    is_partner, is_manager = world.is_partner, world.is_manager
    own = world.blocks.per_person  # each person reads the stocks of their own organisation

    experience = effort.experience_weight(state.weeks_live, behaviour.experience_halflife_weeks)
    mandate = world.mandated  # the mandate where it applies: employees, not partners

    # Managers push their reports when they use the CRM themselves; senior management pushes
    # managers, as hard as it is committed; a data-collection goal pushes for volume.
    push = own(governance.push_from_above(stocks.commitment, stocks.goal, sc.governance.data_collection_push))
    pressure = push * social_influence.manager_pressure(
        org.manager, state.routine, policy.mandate, behaviour.gaming_manager_push
    )
    pressure[is_manager] = push[is_manager] * policy.mandate
    pressure[is_partner] = 0.0

    manager_sees = sanctions.manager_sees(org.manager, state.routine, world.is_staff)
    requests = channel.partner_requests(world, state, org.manager)

    # the routine carried into this week, who changed theirs last week, and how visible each is
    rt = sc.routine
    carried = world.carried_over
    current = np.where(state.live & (state.routine == LEGACY), carried, state.routine).astype(np.int8)
    changed = routine.switched(state.routine, state.previous_routine, carried)
    visibility = np.where(state.champion, sc.champions.visibility, 1.0)
    # colleagues who merely carry on the old process have shown no choice about the CRM yet
    engaged = np.where(state.engaged, state.routine, LEGACY).astype(np.int8)

    slowness = own(performance.slowness_effort(stocks.system_performance, sc.performance.effort_per_slowness))
    busy = 1.0 + sc.calendar.busy_effort * turnover.is_busy(week, sc.org.busy_weeks)
    interface = effort.interface_effort(params.base_effort, state.skill, sc.learning.skill_effort_reduction)
    interface = interface * slowness * busy + world.prompt_load

    data_value = oversight.discounted_data_value(world.benefit_share * state.trust, params.present_bias)
    usefulness = (
        own(stocks.system_fit) * params.base_usefulness
        + data_value
        + drift.legitimised_value(state.improvising, policy.management_style, sc.drift.legitimised_value)
    )
    volume_gain = np.where(
        stocks.goal == "data_collection",
        governance.data_collection_gain(stocks.commitment, sc.governance.data_collection_gaming_gain),
        0.0,
    )
    gaming_gain = params.gaming_gain + own(volume_gain) * ~is_partner

    return Perception(
        usefulness=usefulness,
        effort=interface,
        double_entry=effort.double_entry(params.double_entry, own(stocks.integration_gap)),
        effort_weight=experience,
        social_weight=mandate + (1.0 - mandate) * experience,
        shares=social_influence.neighbour_shares(
            world.ties_within, engaged, world.ties_across, 1.0 - own(stocks.culture_distance), visibility
        ),
        pressure=pressure,
        habit=state.habit.copy(),  # consequences change it in place; explain() needs this week's
        workaround=own(policies.workaround_ease(policy.integration, stocks.integration_gap)),
        sanction_risk=sanctions.expected_sanction(manager_sees, sc.sanctions.detection, policy.sanctions),
        gaming_gain=gaming_gain,
        lead_hiding=oversight.lead_hiding_gain(
            params.oversight_aversion, pressure, sc.oversight.visibility_without_push
        ),
        role_conflict=world.role_conflict_cost,
        withdrawal=sc.sanctions.withdrawal * (1.0 - state.morale),
        tension=sc.culture.tension_weight * state.tension,
        partner_pull=sc.channel.rep_gain_per_request * requests,
        route_value=channel.route_value(sc, world, state),
        attitude=state.attitude.copy(),
        integrity=state.integrity.copy(),
        routine=current,
        routine_strength=state.routine_strength.copy(),
        going_live=(state.live & (state.routine == LEGACY)).astype(float),
        champion=state.champion.astype(float),
        new_hire=(state.live & state.just_hired).astype(float),
        training=routine.training_push(state.trained, rt.full_training_hours),
        manager_changed=(world.is_staff & changed[org.manager]).astype(float),
        disciplined=state.disciplined.astype(float),
        colleagues_switched=routine.colleagues_switched(
            world.ties, changed * visibility, rt.contagion_threshold, rt.contagion_steepness
        ),
        partner_requests=requests,
        colleagues_using=social_influence.share_using(world.ties, state.routine, world.tie_weight, visibility),
        data_changed=np.where(
            state.live, routine.data_change(state.trust, state.trust_anchor, rt.data_change_scale), 0.0
        ),
    )
