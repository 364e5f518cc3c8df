"""Benchmark: how fast crmsim runs, where its week's time goes, and what arrays buy over per-agent Mesa code.

Every figure is the median of ``--repeats`` runs (3 by default), each run in a fresh subprocess,
so that each run's peak memory is its own.

1. The full model. ``CRMRollout`` with the default scenario at 1,000, 10,000 and 100,000
   employees (partners = employees / 5) over 156 weeks:
   - build time: model construction, including one Mesa Agent per person;
   - stepping time: ``model.step()`` until ``model.running`` is False;
   - agent-steps per second: people x weeks / stepping time, counting employees + partners,
     and the employee-only figure;
   - peak memory: ``ru_maxrss`` of the child process that built and ran that one size;
   - where the week's time goes: each phase of ``CRMRollout.PHASES`` (planned changes, policy, perceive,
     decide, consequences, record) is wrapped on the model instance, the hook the model offers
     for this, so the real ``step`` is what is timed; "other" is stepping time outside the
     phases (Mesa's step wrapper, the loop, the timers themselves: microseconds a week);
   - the arithmetic floor (``benchmarks/floor.py``), timed in the same process on the same
     network after the model's run: the barest numpy logit choice, in agent-steps/s, and
     crmsim's week as a multiple of the floor's week, a figure of the code, not the machine.

2. The weekly decision rule, done both ways on identical state. A ``CRMRollout`` (1,000 and
   10,000 employees by default) is stepped past go-live (``--warmup-weeks``, 8), then run for
   ``--decision-weeks`` (20) more weeks with its ``decide`` phase wrapped. Each week, on the
   state as it is just before the real decision, the wrapper
   - times the per-agent Mesa way: a ``mesa.Model`` with one ``mesa.Agent`` per person,
     scheduled with ``model.agents.do("step")``; each agent computes its own cues in scalar
     Python from the model's state (copied to Python lists, untimed) and its neighbours' rows
     and tie weights (the same CSR ties), including the routine it carries into the week and
     what may make it reconsider (going live, training, its manager or colleagues switching,
     discipline, partners asking, a change in the data); then, as ``Person.decide`` does
     (``sim/core/agents.py``), its role's utility terms (``weigh``), its dissatisfaction, the
     inertia of its routine, its chance of reconsidering (``triggers``), the logit choice from
     the choice draw the model is about to use for that person, and keeps its routine or takes
     that choice by the reconsider draw; every coefficient comes from the scenario;
   - times the real ``decide``; the vectorised cost of a week's decision is that plus the
     ``perceive`` phase, which computes the cues the per-agent code computes itself;
   - compares (untimed) every live person's routine after the decision, utilities (with
     inertia) and chance of reconsidering with the model's (agreement in person-weeks, max
     |utility difference|, max |difference in the chance|), and every cue with the model's
     ``Perception``.
   Agent-steps per second is people x weeks / the summed time of that way's decisions.
   Checks that guard the comparison against future mechanisms: cues of ``Perception``, utility
   terms of each role's ``weigh`` and triggers of its ``triggers`` that the per-agent code does
   not know are named, as are cues whose values differ and phases that ``step`` did not call
   once a week.

3. `crmsim run` end to end at ``--cli-employees`` (100,000 by default; 0 skips it), as a user
   runs it: a fresh process from start-up to its written tables, events and figures; wall time
   and the process's peak memory (``ru_maxrss``), the median of ``--repeats`` runs; and where
   that time goes: a process that only imports, the same run with ``--no-plots``, and the
   figures as the difference (the three interleaved, repeat by repeat).

4. Targets:
   - >= 3 million agent-steps/s at 10,000 employees with every mechanism on (section 1), and
     >= 5 million for sweeps at the speed of the arithmetic;
   - 100,000 employees x 156 weeks (build + run) in < 20 s and < 2 GiB peak memory (section 1);
   - >= 10x the agent-steps/s of the per-agent version (the decision rule, section 2);
   - `crmsim run` at 100,000 employees in < 10 s and < 1 GiB as a whole process (section 3).

Usage (from the repository root):
    python benchmarks/bench_run.py                       # full run, a few minutes
    python benchmarks/bench_run.py --sizes 1000 --repeats 1 --decision-sizes 1000
    python benchmarks/bench_run.py --sizes --decision-sizes 2000 --scenario scenarios/cases/city_council.toml
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import fields
from pathlib import Path
from typing import ClassVar

REPO = Path(__file__).resolve().parents[1]
for folder in (REPO, REPO / "benchmarks"):  # crmsim, and the floor beside this script (also when loaded by a test)
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import mesa  # noqa: E402
import numpy as np  # noqa: E402
from floor import floor_week_seconds  # noqa: E402

from sim import CRMRollout, Scenario  # noqa: E402
from sim.core.agents import ROLE_CLASSES  # noqa: E402
from sim.core.mechanisms import governance, performance, social_influence, turnover  # noqa: E402
from sim.core.perception import Perception  # noqa: E402
from sim.core.policies import workaround_ease  # noqa: E402
from sim.core.state import GAME, GO_AROUND, IGNORE, LEGACY, USE, Role  # noqa: E402

MIB = 1024 * 1024
TARGET_RATE_10K = 3e6  # micro-decisions that add up: with every mechanism on
TARGET_RATE_10K_ARITHMETIC = 5e6  # sweeps of small organisations at the speed of the arithmetic
TARGET_WALL_S = 20.0
TARGET_PEAK_BYTES = 2 * 1024 * MIB
TARGET_CLI_S = 10.0  # `crmsim run` at 100,000 employees as a whole process: start-up to written outputs
TARGET_CLI_PEAK_BYTES = 1024 * MIB
TARGET_SPEEDUP = 10.0
CUE_TOLERANCE = 1e-9  # a cue that differs by more than this is named in the report


def scenario_for(employees: int, weeks: int, base: str | None = None) -> Scenario:
    scenario = Scenario.load(base) if base else Scenario.default()
    return scenario.with_overrides(
        {"org.employees": employees, "org.partners": employees // 5, "run.weeks": weeks}, source="benchmark"
    )


def peak_rss_bytes() -> int:
    """This process's peak resident set size (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def time_phases(model: CRMRollout) -> dict[str, list[float]]:
    """Wrap each phase of the week on this model instance; the seconds of every call, by phase.

    ``step`` calls its phases as methods of the instance, so the wrappers time the real week.
    """
    spent: dict[str, list[float]] = {name: [] for name in CRMRollout.PHASES}
    for name in CRMRollout.PHASES:
        real = getattr(model, name)

        def timed(*args, _real=real, _spent=spent[name]):
            started = time.perf_counter()
            out = _real(*args)
            _spent.append(time.perf_counter() - started)
            return out

        setattr(model, name, timed)
    return spent


# --- section 2: the weekly decision rule, the per-agent Mesa way --------------------------


class PersonAgent(mesa.Agent):
    """One person: ``step()`` is their weekly decision, in scalar Python.

    Static things (role parameters, neighbour lists, manager) are the agent's own attributes;
    what evolves is read from the model's per-person lists (a snapshot of ``CRMRollout.state``).
    ``see`` (cues by ``Perception`` field; only those the role uses), ``utilities`` (terms plus
    the inertia of the routine), ``probabilities``, ``reconsider_probability`` and ``choice``
    (the routine kept or chosen) are kept, as ``CRMRollout.decide`` keeps them.
    """

    #: utility terms per option, as named in the role's ``weigh`` (checked against it)
    TERMS: ClassVar[dict[str, tuple[str, ...]]] = {}
    #: what may make a person of the role reconsider, as named in the role's ``triggers`` (checked)
    TRIGGERS: ClassVar[tuple[str, ...]] = (
        "went_live",
        "new_hire",
        "training",
        "manager_changed",
        "disciplined",
        "colleagues_switched",
        "data_changed",
    )
    legacy_option = IGNORE  # the option that carries on the old process
    prompt_load = 0.0

    def __init__(self, model: PerAgentDecisions, row: int, source: CRMRollout, served: list[int]):
        super().__init__(model)
        org, sc, world = source.org, source.settings, source.world
        role = Role(int(org.role[row]))
        self.row = row
        self.manager = int(org.manager[row])  # -1 if none; a partner's is its sales rep
        self.within = _ties(world.ties_within, row)
        self.across = _ties(world.ties_across, row) if world.ties_across is not None else []
        self.colleagues = _ties(org.adjacency, row)  # all ties, whatever the subculture
        self.tie_weight = sum(w for _, w in self.colleagues)
        self.served = served  # rows of the partners this person serves (sales reps)
        r = source.role_settings[role]
        self.base_usefulness, self.base_effort = r.base_usefulness, r.base_effort
        self.role_double_entry, self.role_gaming_gain = r.double_entry, r.gaming_gain
        self.oversight_aversion, self.present_bias = r.oversight_aversion, r.present_bias
        share = sc.data.manager_benefit_share
        returned = sc.policy.value_returned * share  # reports and leads handed back to staff and partners
        self.benefit_share = share if role == Role.MANAGER else 1.0 - share + returned
        self.see: dict = {}
        self.utilities = self.probabilities = (0.0, 0.0, 0.0)
        self.reconsider_probability = 0.0
        self.choice = LEGACY

    def step(self) -> None:
        m, row = self.model, self.row
        self.see = see = self.perceive(m)
        u = self.weigh(see, m)
        current = see["routine"]
        triggers = self.triggers(see, m)
        # dissatisfaction: the best other option against the current one, before inertia
        dissatisfaction = 0.0
        if current != LEGACY:
            gap = max(u[k] for k in range(3) if k != current) - u[current]
            dissatisfaction = _logistic((gap - m.dissatisfaction_margin) / m.dissatisfaction_scale)
        triggers["dissatisfied"] = m.rt_dissatisfied * see["colleagues_using"] * dissatisfaction
        # inertia: status quo plus the habit of a practised CRM routine (the old process has ``habit``)
        if current != LEGACY:
            strength = 0.0 if current == self.legacy_option else see["routine_strength"]
            u[current] = u[current] + (m.status_quo + m.routine_habit * strength)
        u0, u1, u2 = self.utilities = tuple(u)
        # multinomial logit, and the first option whose cumulative probability exceeds the choice draw
        b = m.choice_sensitivity
        top = max(u0, u1, u2)
        e0, e1, e2 = math.exp(b * (u0 - top)), math.exp(b * (u1 - top)), math.exp(b * (u2 - top))
        total = e0 + e1 + e2
        p0, p1 = e0 / total, e1 / total
        self.probabilities = (p0, p1, e2 / total)
        draw = m.choice_draws[row]
        chosen = (draw > p0) + (draw > p0 + p1)
        # the base rate and each trigger as independent chances of reconsidering
        keep = 1.0 - m.base_rate
        for chance in triggers.values():
            keep *= 1.0 - min(max(chance, 0.0), 1.0)
        chance = 1.0 - keep
        self.reconsider_probability = chance if current != LEGACY else 0.0
        reconsidered = current != LEGACY and m.reconsider_draws[row] < chance
        self.choice = chosen if reconsidered else current

    def triggers(self, see: dict, m: PerAgentDecisions) -> dict[str, float]:
        """``Person.triggers``: chances (0-1) that this week's events make one reconsider."""
        return {
            "went_live": see["going_live"] * (1.0 if see["champion"] > 0 else m.rt_went_live),
            "new_hire": see["new_hire"],
            "training": m.rt_training * see["training"],
            "manager_changed": m.rt_manager_changed * see["manager_changed"],
            "disciplined": m.rt_disciplined * see["disciplined"],
            "colleagues_switched": m.rt_colleagues * see["colleagues_switched"],
            "data_changed": m.rt_data_changed * see["data_changed"],
        }

    def common_cues(self, m: PerAgentDecisions, mandate: float) -> dict:
        """Cues every role has: experience, neighbours, usefulness, effort, habit, attitude, routine."""
        row, b = self.row, m.routine
        live = m.live[row]
        experience = 1.0 / (1.0 + m.weeks_live[row] / m.halflife)
        # visibility-weighted counts of engaged neighbours' last choices; LEGACY (-1) lands in the 4th slot
        counts = [0.0, 0.0, 0.0, 0.0]
        for j, w in self.within:
            counts[b[j] if m.engaged[j] else LEGACY] += w * m.visibility_of(j)
        if self.across:
            far = [0.0, 0.0, 0.0, 0.0]
            for j, w in self.across:
                far[b[j] if m.engaged[j] else LEGACY] += w * m.visibility_of(j)
            weight = m.across_weight
            counts = [counts[k] + weight * far[k] for k in range(4)]
        total = counts[0] + counts[1] + counts[2]
        shares = (counts[0] / total, counts[1] / total, counts[2] / total) if total > 0.0 else (0.0, 0.0, 0.0)
        data_value = self.benefit_share * m.trust[row] * (1.0 - self.present_bias)
        legitimised = m.legitimised_value if m.improvising[row] else 0.0
        interface = self.base_effort * (1.0 - m.skill_reduction * m.skill[row])
        # colleagues who switched last week (complex contagion) and who use the CRM as designed
        switched = using = 0.0
        for j, w in self.colleagues:
            visibility = m.visibility_of(j)
            switched += w * (visibility if m.switched(j) else 0.0)
            using += w * (visibility if b[j] == 0 else 0.0)
        powered = switched**m.contagion_steepness
        going_live = live and b[row] == LEGACY
        trust_moved = min(max(abs(m.trust[row] - m.trust_anchor[row]) / m.data_change_scale, 0.0), 1.0)
        return {
            "usefulness": m.system_fit * self.base_usefulness + data_value + legitimised,
            "effort": interface * m.slowness * m.busy + self.prompt_load,
            "effort_weight": experience,
            "social_weight": mandate + (1.0 - mandate) * experience,
            "shares": shares,
            "habit": m.habit[row],
            "attitude": m.attitude[row],
            "routine": self.legacy_option if going_live else b[row],
            "routine_strength": m.routine_strength[row],
            "going_live": 1.0 if going_live else 0.0,
            "champion": 1.0 if m.champion[row] else 0.0,
            "new_hire": 1.0 if live and m.just_hired[row] else 0.0,
            "training": min(max(m.trained[row] / m.full_training_hours, 0.0), 1.0),
            "disciplined": 1.0 if m.disciplined[row] else 0.0,
            "colleagues_switched": powered / (powered + m.contagion_threshold**m.contagion_steepness),
            "colleagues_using": using / self.tie_weight if self.tie_weight > 0 else 0.0,
            "data_changed": trust_moved if live else 0.0,
        }


class EmployeeAgent(PersonAgent):
    """Use, game or ignore: the terms of ``Employee.weigh``."""

    TERMS = {
        "use": ("usefulness", "effort", "double_entry", "colleagues", "manager", "attitude"),
        "game": ("effort", "double_entry", "colleagues", "manager", "private_gain", "expected_sanction", "integrity"),
        "ignore": ("habit", "colleagues", "workaround", "withdrawal", "tension"),
    }

    def perceive(self, m: PerAgentDecisions) -> dict:
        row = self.row
        see = self.common_cues(m, m.mandate)
        see["double_entry"] = self.role_double_entry * m.integration_gap
        self.from_above(see, m)
        see["workaround"] = m.workaround
        see["gaming_gain"] = self.role_gaming_gain + m.goal_gain
        see["withdrawal"] = m.withdrawal_weight * (1.0 - m.morale[row])
        see["tension"] = m.tension_weight * m.tension[row]
        see["integrity"] = m.integrity[row]
        return see

    def from_above(self, see: dict, m: PerAgentDecisions) -> None:
        """Staff: their manager pushes as much as the manager uses the CRM, and sees what they enter."""
        if self.manager < 0:
            see["pressure"] = see["sanction_risk"] = see["manager_changed"] = 0.0
            return
        boss = m.routine[self.manager]
        see["manager_changed"] = 1.0 if m.switched(self.manager) else 0.0
        see["pressure"] = m.push * (m.mandate * m.push_by_boss[boss])
        watching = boss == USE or boss == GAME  # a manager in the CRM can see what is entered
        see["sanction_risk"] = m.detection * m.sanctions if watching else 0.0

    def weigh(self, see: dict, m: PerAgentDecisions) -> list[float]:
        effort = m.w_effort * see["effort_weight"] * see["effort"]
        double_entry = m.w_effort * see["double_entry"]
        colleagues = m.w_social * see["social_weight"]
        manager = m.w_pressure * see["pressure"]
        s_use, s_game, s_ignore = see["shares"]
        gaming_share = m.gaming_effort_share
        u_use = (
            m.w_usefulness * see["usefulness"] - effort - double_entry + colleagues * s_use + manager + see["attitude"]
        )
        u_game = (
            -gaming_share * effort
            - gaming_share * double_entry
            + colleagues * s_game
            + manager
            + see["gaming_gain"]
            - m.w_sanction * see["sanction_risk"]
            - see["integrity"]
        )
        u_ignore = (
            m.w_habit * see["habit"] + colleagues * s_ignore + see["workaround"] + see["withdrawal"] + see["tension"]
        )
        return [u_use, u_game, u_ignore]


class SalesRepAgent(EmployeeAgent):
    """``SalesRep.weigh``: partners asking for better terms, and hiding leads, add to gaming."""

    TERMS = {**EmployeeAgent.TERMS, "game": (*EmployeeAgent.TERMS["game"], "partner_terms", "hiding_leads")}
    TRIGGERS = (*EmployeeAgent.TRIGGERS, "partner_requests")

    def perceive(self, m: PerAgentDecisions) -> dict:
        see = super().perceive(m)
        asked = sum(1.0 for p in self.served if m.routine[p] == GO_AROUND)
        see["partner_requests"] = asked * (1.0 / len(self.served)) if self.served else 0.0
        see["partner_pull"] = m.rep_gain_per_request * see["partner_requests"]
        see["lead_hiding"] = self.oversight_aversion * (m.visibility_without_push + see["pressure"])
        return see

    def weigh(self, see: dict, m: PerAgentDecisions) -> list[float]:
        u = super().weigh(see, m)
        u[1] = u[1] + see["partner_pull"] + see["lead_hiding"]
        return u

    def triggers(self, see: dict, m: PerAgentDecisions) -> dict[str, float]:
        """``SalesRep.triggers``: partners coming to ask for better terms make a rep think again."""
        triggers = super().triggers(see, m)
        triggers["partner_requests"] = m.rt_partner_requests * see["partner_requests"]
        return triggers


class ServiceRepAgent(EmployeeAgent):
    """``ServiceRep.weigh``: upsell prompts make proper use a conflict with the role."""

    TERMS = {**EmployeeAgent.TERMS, "use": (*EmployeeAgent.TERMS["use"], "role_conflict")}

    def __init__(self, model: PerAgentDecisions, row: int, source: CRMRollout, served: list[int]):
        super().__init__(model, row, source, served)
        sc = source.settings
        prompted = bool(sc.policy.upsell_prompts)
        self.prompt_load = sc.role_conflict.prompt_workload if prompted else 0.0
        self.role_conflict_cost = sc.role_conflict.role_conflict if prompted else 0.0

    def perceive(self, m: PerAgentDecisions) -> dict:
        see = super().perceive(m)
        see["role_conflict"] = self.role_conflict_cost
        return see

    def weigh(self, see: dict, m: PerAgentDecisions) -> list[float]:
        u = super().weigh(see, m)
        u[0] -= see["role_conflict"]
        return u


class ManagerAgent(EmployeeAgent):
    """``Manager.weigh``: senior management pushes; hiding one's own leads adds to gaming."""

    TERMS = {**EmployeeAgent.TERMS, "game": (*EmployeeAgent.TERMS["game"], "hiding_leads")}

    def perceive(self, m: PerAgentDecisions) -> dict:
        see = super().perceive(m)
        see["lead_hiding"] = self.oversight_aversion * (m.visibility_without_push + see["pressure"])
        return see

    def from_above(self, see: dict, m: PerAgentDecisions) -> None:
        """Senior management pushes as hard as it is committed; no one above looks at a manager's records."""
        see["pressure"] = m.push * m.mandate
        see["sanction_risk"] = see["manager_changed"] = 0.0

    def weigh(self, see: dict, m: PerAgentDecisions) -> list[float]:
        u = super().weigh(see, m)
        u[1] += see["lead_hiding"]
        return u


class PartnerAgent(PersonAgent):
    """Self-serve, go around through the rep, or disengage: the terms of ``ChannelPartner.weigh``."""

    TERMS = {
        "self_serve": ("usefulness", "effort", "peers", "attitude"),
        "go_around": ("better_terms", "habit", "peers"),
        "disengage": ("peers",),
    }
    legacy_option = GO_AROUND  # ordering through the rep

    def perceive(self, m: PerAgentDecisions) -> dict:
        see = self.common_cues(m, 0.0)  # no mandate over partners
        see["manager_changed"] = 0.0  # a partner's rep is not its manager
        see["gaming_gain"] = self.role_gaming_gain
        see["route_value"] = m.route_belief[self.row] / m.bent_discount if m.bent_discount > 0 else 0.0
        return see

    def weigh(self, see: dict, m: PerAgentDecisions) -> list[float]:
        peers = m.w_social * see["social_weight"]
        s_self, s_around, s_disengage = see["shares"]
        u_self = (
            m.w_usefulness * see["usefulness"]
            - m.w_effort * see["effort_weight"] * see["effort"]
            + peers * s_self
            + see["attitude"]
        )
        u_around = see["gaming_gain"] * see["route_value"] + m.w_habit * see["habit"] + peers * s_around
        return [u_self, u_around, peers * s_disengage]


AGENT_CLASSES: dict[Role, type[PersonAgent]] = {
    Role.SALES: SalesRepAgent,
    Role.SERVICE: ServiceRepAgent,
    Role.MANAGER: ManagerAgent,
    Role.PARTNER: PartnerAgent,
}


def _logistic(x: float) -> float:
    """1 / (1 + e^-x), and 0 where e^-x overflows, as the model's arrays give it."""
    try:
        return 1.0 / (1.0 + math.exp(-x))
    except OverflowError:
        return 0.0


def _ties(matrix, row: int) -> list[tuple[int, float]]:
    """A person's neighbours and tie weights, in the order of their rows. The networks are symmetric,
    so a person's column (the model keeps the weekly networks by column) lists them as their row does."""
    lo, hi = matrix.indptr[row], matrix.indptr[row + 1]
    return list(zip(matrix.indices[lo:hi].tolist(), matrix.data[lo:hi].tolist(), strict=True))


class PerAgentDecisions(mesa.Model):
    """The week's decision the classic Mesa way: every agent decides for itself (``agents.do``).

    Built over a real ``CRMRollout``: same organisation, network, scenario. ``load`` copies the
    model's per-person state into Python lists (untimed: a per-agent model would hold it in its
    agents); ``step`` sets the week's organisation-wide numbers and lets every agent step.
    """

    STATE = ("routine", "live", "weeks_live", "trust", "skill", "habit", "attitude", "integrity")
    STATE += ("morale", "tension", "improvising", "route_belief")
    STATE += ("previous_routine", "routine_strength", "engaged", "champion", "just_hired", "trained")
    STATE += ("trust_anchor", "disciplined")

    def __init__(self, source: CRMRollout):
        super().__init__(rng=source.settings.run.seed)
        self.source = source
        sc = source.settings
        w, pol = sc.behaviour, sc.policy
        self.choice_sensitivity = w.choice_sensitivity
        self.w_usefulness, self.w_effort, self.w_social = w.usefulness, w.effort, w.social
        self.w_pressure, self.w_habit, self.w_sanction = w.pressure, w.habit, w.sanction
        self.halflife, self.gaming_effort_share = w.experience_halflife_weeks, w.gaming_effort_share
        # a boss's push by their last choice; LEGACY (-1) reads the last entry
        self.push_by_boss = social_influence.push_by_manager_behaviour(w.gaming_manager_push).tolist()
        self.mandate = pol.mandate
        self.detection, self.sanctions = sc.sanctions.detection, pol.sanctions
        self.skill_reduction = sc.learning.skill_effort_reduction
        self.legitimised_value = sc.drift.legitimised_value if pol.management_style == "organic" else 0.0
        self.visibility_without_push = sc.oversight.visibility_without_push
        self.withdrawal_weight, self.tension_weight = sc.sanctions.withdrawal, sc.culture.tension_weight
        self.rep_gain_per_request, self.bent_discount = sc.channel.rep_gain_per_request, sc.channel.bent_discount
        rt = sc.routine
        self.base_rate, self.status_quo, self.routine_habit = rt.base_rate, rt.status_quo, rt.habit
        self.rt_went_live, self.rt_training, self.rt_manager_changed = rt.went_live, rt.training, rt.manager_changed
        self.rt_disciplined, self.rt_colleagues, self.rt_data_changed = rt.disciplined, rt.colleagues, rt.data_changed
        self.rt_partner_requests, self.rt_dissatisfied = rt.partner_requests, rt.dissatisfied
        self.dissatisfaction_margin, self.dissatisfaction_scale = rt.dissatisfaction_margin, rt.dissatisfaction_scale
        self.contagion_threshold, self.contagion_steepness = rt.contagion_threshold, rt.contagion_steepness
        self.full_training_hours, self.data_change_scale = rt.full_training_hours, rt.data_change_scale
        self.champion_visibility = sc.champions.visibility
        org = source.org
        served: dict[int, list[int]] = {}
        for p in np.flatnonzero(org.role == Role.PARTNER).tolist():
            served.setdefault(int(org.manager[p]), []).append(p)
        self.people = [
            AGENT_CLASSES[Role(r)](self, row, source, served.get(row, [])) for row, r in enumerate(org.role.tolist())
        ]
        self.week, self.reconsider_draws, self.choice_draws = 0, [], []

    def load(self, week: int, draws: np.ndarray) -> None:
        """This week's number, the (2, n) draws ("reconsider?", the choice), and the state before
        the decision, as Python values."""
        st = self.source.state
        self.week = week
        self.reconsider_draws, self.choice_draws = draws[0].tolist(), draws[1].tolist()
        for name in self.STATE:
            setattr(self, name, getattr(st, name).tolist())

    def visibility_of(self, row: int) -> float:
        """How much a person's way of working counts for their colleagues: more for a champion."""
        return self.champion_visibility if self.champion[row] else 1.0

    def switched(self, row: int) -> bool:
        """Whether a person changed their way of working last week; going live and carrying on
        the old process is no change, going live and taking up the CRM is."""
        now, before = self.routine[row], self.previous_routine[row]
        carried = self.people[row].legacy_option
        return now != LEGACY and now != before and not (before == LEGACY and now == carried)

    def step(self) -> None:
        sc, stocks = self.source.settings, self.source.stocks
        gov = sc.governance
        # the organisation's stocks (one organisation: the first value of each)
        commitment, goal = float(stocks.commitment[0]), str(stocks.goal[0])
        self.system_fit, self.integration_gap = float(stocks.system_fit[0]), float(stocks.integration_gap[0])
        # full integration is the way in only as far as its interfaces are built and kept up
        self.workaround = float(workaround_ease(sc.policy.integration, stocks.integration_gap[:1])[0])
        self.across_weight = 1.0 - float(stocks.culture_distance[0])
        performance_now = float(stocks.system_performance[0])
        self.slowness = performance.slowness_effort(performance_now, sc.performance.effort_per_slowness)
        self.busy = 1.0 + sc.calendar.busy_effort * turnover.is_busy(self.week, sc.org.busy_weeks)
        self.push = float(governance.push_from_above(commitment, goal, gov.data_collection_push))
        collecting = goal == "data_collection"
        self.goal_gain = (
            governance.data_collection_gain(commitment, gov.data_collection_gaming_gain) if collecting else 0.0
        )
        self.agents.do("step")


# --- section 2: the measurement --------------------------------------------------------------


def model_terms(model: CRMRollout, see: Perception) -> dict[str, dict[str, tuple[str, ...]]]:
    """The utility terms each role's ``weigh`` returns today, by option, and its ``triggers``."""
    out = {}
    for role, cls in ROLE_CLASSES.items():
        rows = model.org.role_slice(role)
        if rows.start < rows.stop:
            one = see.rows(slice(rows.start, rows.start + 1))
            terms = cls.weigh(one, model.settings.behaviour, model.role_settings[role])
            out[role.name] = {option: tuple(terms[option]) for option in cls.options}
            out[role.name]["triggers"] = tuple(cls.triggers(one, model.settings.routine))
    return out


def compare_week(model: CRMRollout, per_agent: PerAgentDecisions, see: Perception, tally: dict) -> None:
    """Every live person's choice and utilities, and every cue, per-agent against the model's decision."""
    st, people = model.state, per_agent.people
    choice = np.array([p.choice for p in people], dtype=np.int64)
    same = (choice == st.routine) & st.live
    tally["agree"] += int(same.sum())
    tally["live_person_weeks"] += int(st.live.sum())
    u = np.array([p.utilities for p in people]).T
    p = np.array([p.probabilities for p in people]).T
    model_p = model.choice_probabilities()
    chance = np.array([p.reconsider_probability for p in people])
    tally["max_utility_diff"] = max(tally["max_utility_diff"], float(np.abs(u - st.utilities).max()))
    tally["max_probability_diff"] = max(tally["max_probability_diff"], float(np.abs(p - model_p).max()))
    tally["max_reconsider_diff"] = max(
        tally["max_reconsider_diff"], float(np.abs(chance - st.reconsider_probability).max())
    )
    for row in np.flatnonzero(st.live & ~same)[: max(0, 5 - len(tally["examples"]))].tolist():
        tally["examples"].append(
            f"week {model.steps} row {row} ({Role(int(model.org.role[row])).name}): per-agent {choice[row]}, "
            f"model {st.routine[row]} (kept {st.previous_routine[row]}), "
            f"reconsider draw {per_agent.reconsider_draws[row]:.17g}, "
            f"P(reconsider) per-agent {chance[row]!r}, model {st.reconsider_probability[row]!r}, "
            f"choice draw {per_agent.choice_draws[row]:.17g}, "
            f"P per-agent {list(people[row].probabilities)}, P model {model_p[:, row].tolist()}"
        )
    sees = [q.see for q in people]
    tally["cues_computed"].update(set().union(*sees))
    for f in fields(Perception):
        theirs = np.asarray(getattr(see, f.name), dtype=float)
        blank = (np.nan,) * 3 if theirs.ndim == 2 else np.nan
        mine = np.array([s.get(f.name, blank) for s in sees], dtype=float).T
        computed = ~np.isnan(mine)
        if computed.any():
            d = float(np.abs(mine - np.broadcast_to(theirs, mine.shape))[computed].max())
            if not d <= CUE_TOLERANCE:
                tally["cue_diff"][f.name] = max(tally["cue_diff"].get(f.name, 0.0), d)
    if not tally["terms"]:
        tally["terms"] = model_terms(model, see)


def compare_decisions(employees: int, weeks: int, warmup: int, base: str | None = None) -> dict:
    """One run of section 2: the per-agent way and the model's, week by week, on identical state."""
    model = CRMRollout(scenario_for(employees, warmup + weeks, base))
    for _ in range(warmup):
        model.step()
    n = model.org.n
    started = time.perf_counter()
    per_agent = PerAgentDecisions(model)
    build_s = time.perf_counter() - started

    spent = time_phases(model)
    decide = model.decide  # the real decide, timed as a phase
    tally: dict = {"per_agent_s": 0.0, "load_s": 0.0, "agree": 0, "live_person_weeks": 0}
    tally |= {"max_utility_diff": 0.0, "max_probability_diff": 0.0, "max_reconsider_diff": 0.0}
    tally |= {"examples": [], "cue_diff": {}}
    tally |= {"cues_computed": set(), "terms": {}}

    def decide_both_ways(see: Perception) -> None:
        rng = np.random.default_rng()
        rng.bit_generator.state = model.decision_rng[0].bit_generator.state  # the draws decide() will make
        t0 = time.perf_counter()
        per_agent.load(model.steps, rng.random((2, n)))
        t1 = time.perf_counter()
        per_agent.step()
        t2 = time.perf_counter()
        tally["load_s"] += t1 - t0
        tally["per_agent_s"] += t2 - t1
        decide(see)
        compare_week(model, per_agent, see, tally)

    model.decide = decide_both_ways
    while model.running:
        model.step()

    cue_names = [f.name for f in fields(Perception)]
    term_mismatch = {}
    for role, options in tally.pop("terms").items():
        cls = AGENT_CLASSES.get(Role[role])
        mine = {**cls.TERMS, "triggers": cls.TRIGGERS} if cls else {}
        for option, names in options.items():
            extra = [t for t in names if t not in mine.get(option, ())]
            gone = [t for t in mine.get(option, ()) if t not in names]
            if extra or gone:
                term_mismatch[f"{role}.{option}"] = {"not per-agent": extra, "no longer in the model": gone}
    computed = tally.pop("cues_computed")
    return tally | {
        "people": n,
        "employees": model.org.employees,
        "weeks": weeks,
        "live_last_week": int(model.state.live.sum()),
        "build_s": build_s,
        "vectorised_s": sum(spent["perceive"]) + sum(spent["decide"]),
        "unknown_cues": [c for c in cue_names if c not in computed],
        "gone_cues": sorted(computed - set(cue_names)),
        "missing_roles": [r.name for r in ROLE_CLASSES if r not in AGENT_CLASSES],
        "term_mismatch": term_mismatch,
        "phases_not_weekly": {k: len(v) for k, v in spent.items() if len(v) != weeks},
    }


# --- section 1: the full model, in a fresh process ---------------------------------------------


def run_full_model(employees: int, weeks: int, base: str | None) -> dict:
    rss_after_imports = peak_rss_bytes()
    t0 = time.perf_counter()
    model = CRMRollout(scenario_for(employees, weeks, base))
    build_s = time.perf_counter() - t0
    spent = time_phases(model)
    t1, c1 = time.perf_counter(), time.process_time()
    while model.running:
        model.step()
    t2, c2 = time.perf_counter(), time.process_time()
    return {
        "floor_s": floor_week_seconds(model.org.adjacency, int(model.steps)),
        "people": model.org.n,
        "employees": model.org.employees,
        "weeks": int(model.steps),
        "build_s": build_s,
        "step_s": t2 - t1,
        "step_cpu_s": c2 - c1,
        "phases": {k: sum(v) for k, v in spent.items()},
        "phases_not_weekly": {k: len(v) for k, v in spent.items() if len(v) != model.steps},
        "peak_rss": peak_rss_bytes(),
        "rss_after_imports": rss_after_imports,
    }


def measure(kind: str, employees: int, repeats: int, extra: list[str]) -> tuple[list[dict], str]:
    """``repeats`` runs of one size, each in its own subprocess (so its peak memory is its own).

    Returns the runs and, if a run failed, the end of its error output (and the runs so far).
    """
    runs = []
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, __file__, "--child", kind, "--employees", str(employees), *extra],
            capture_output=True,
            text=True,
        )
        if out.returncode != 0:
            lines = [line for line in out.stderr.strip().splitlines() if line.strip()]
            return runs, " | ".join(lines[-3:]) or f"exit status {out.returncode}"
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return runs, ""


def median(runs: list[dict], key) -> float:
    return statistics.median(key(r) for r in runs)


# --- the report ----------------------------------------------------------------------------


def report_full_model(args, extra: list[str]) -> dict[int, dict]:
    """Section 1: one line per size, then where the week's time goes at each size."""
    print(f"1. Full model: CRMRollout.step() (arrays per role), {args.weeks} weeks")
    print(
        f"{'employees':>10} {'people':>8} {'build s':>8} {'step s':>8} {'total s':>8} "
        f"{'agent-steps/s':>14} {'employee-steps/s':>17} {'peak MiB':>9} {'cpu/wall':>9}"
    )
    rows: dict[int, dict] = {}
    for n in args.sizes:
        runs, error = measure("full", n, args.repeats, ["--weeks", str(args.weeks), *extra])
        if error:
            print(f"{n:>10,}   FAILED: {error}", flush=True)
            continue
        people, employees = runs[0]["people"], runs[0]["employees"]
        step_s = median(runs, lambda x: x["step_s"])
        row = rows[n] = {
            "people": people,
            "build_s": median(runs, lambda x: x["build_s"]),
            "step_s": step_s,
            "total_s": median(runs, lambda x: x["build_s"] + x["step_s"]),
            "rate": people * args.weeks / step_s,
            "employee_rate": employees * args.weeks / step_s,
            "peak": median(runs, lambda x: x["peak_rss"]),
            "baseline": median(runs, lambda x: x["rss_after_imports"]),
            "cpu_share": median(runs, lambda x: x["step_cpu_s"] / x["step_s"]),
            "floor_rate": people * args.weeks / median(runs, lambda x: x["floor_s"]),
            "floors": median(runs, lambda x: x["step_s"] / x["floor_s"]),
            "phases_not_weekly": runs[0]["phases_not_weekly"],
        }
        for x in runs:
            x["phases"]["other"] = x["step_s"] - sum(x["phases"].values())
        row["shares"] = {k: median(runs, lambda x, k=k: x["phases"][k] / x["step_s"]) for k in runs[0]["phases"]}
        print(
            f"{n:>10,} {people:>8,} {row['build_s']:>8.3f} {row['step_s']:>8.3f} {row['total_s']:>8.3f} "
            f"{row['rate'] / 1e6:>12.2f} M {row['employee_rate'] / 1e6:>15.2f} M {row['peak'] / MIB:>9.0f} "
            f"{row['cpu_share']:>9.2f}",
            flush=True,
        )
    if not rows:
        return rows
    baseline = statistics.median(v["baseline"] for v in rows.values())
    busy = min(v["cpu_share"] for v in rows.values()) < 0.9
    print(
        f"   agent-steps count employees + partners; peak = ru_maxrss of the child, of which "
        f"~{baseline / MIB:.0f} MiB is Python + imports;"
    )
    print(
        "   cpu/wall = process CPU time / wall time while stepping"
        + (" (below 0.9: the machine was busy, times are inflated)" if busy else " (~1: the CPU was ours)")
    )
    names = (*CRMRollout.PHASES, "other")
    print("   where the week's time goes (share of stepping time, timed through the phase methods):")
    print(f"   {'employees':>10} {'ms/week':>8} " + " ".join(f"{k[:13]:>13}" for k in names))
    for n, row in rows.items():
        shares = " ".join(f"{row['shares'][k]:>13.1%}" for k in names)
        print(f"   {n:>10,} {row['step_s'] / args.weeks * 1e3:>8.2f} {shares}")
        if row["phases_not_weekly"]:
            print(f"   WARNING phases not called once a week (calls): {row['phases_not_weekly']}")
    print(
        "   the arithmetic floor on this machine (benchmarks/floor.py: the barest numpy logit choice over the "
        "same network, ~10 calls a week):"
    )
    print(f"   {'employees':>10} {'floor agent-steps/s':>20} {'crmsim week / floor week':>25}")
    for n, row in rows.items():
        print(f"   {n:>10,} {row['floor_rate'] / 1e6:>18.2f} M {row['floors']:>24.1f}x")
    print()
    return rows


def report_decisions(args, extra: list[str]) -> dict[int, float]:
    """Section 2: both ways per size, agreement, and the guards' warnings."""
    weeks, warmup = args.decision_weeks, args.warmup_weeks
    print(
        f"2. The weekly decision rule on identical state, {weeks} weeks after {warmup} warm-up weeks: "
        "vectorised = perceive + decide phases; per-agent = Mesa agents.do('step'), scalar Python"
    )
    print(
        f"{'employees':>10} {'people':>8} {'vectorised':>13} {'per-agent':>13} {'ratio':>7} "
        f"{'same routine (live person-weeks)':>33} {'max |dU|':>9}"
    )
    print(f"{'':>10} {'':>8} {'agent-steps/s':>13} {'agent-steps/s':>13}")
    speedups: dict[int, float] = {}
    notes: list[str] = []
    for n in args.decision_sizes:
        runs, error = measure(
            "decisions", n, args.repeats, ["--decision-weeks", str(weeks), "--warmup-weeks", str(warmup), *extra]
        )
        if error:
            print(f"{n:>10,}   FAILED: {error}", flush=True)
            continue
        first, people = runs[0], runs[0]["people"]
        vec_rate = median(runs, lambda x: x["people"] * x["weeks"] / x["vectorised_s"])
        pa_rate = median(runs, lambda x: x["people"] * x["weeks"] / x["per_agent_s"])
        ratio = speedups[n] = median(runs, lambda x: x["per_agent_s"] / x["vectorised_s"])
        agree, live = first["agree"], first["live_person_weeks"]
        print(
            f"{n:>10,} {people:>8,} {vec_rate / 1e6:>11.2f} M {pa_rate / 1e6:>11.3f} M {ratio:>6.1f}x "
            f"{agree:>21,}/{live:<11,} {max(x['max_utility_diff'] for x in runs):>9.1e}",
            flush=True,
        )
        notes.append(
            f"{n:,}: live at the last week {first['live_last_week']:,}/{people:,}; per-agent build "
            f"{median(runs, lambda x: x['build_s']):.2f} s; state copy to lists (untimed) "
            f"{median(runs, lambda x: x['load_s']) / weeks * 1e3:.1f} ms/week; "
            f"max |dP| {max(x['max_probability_diff'] for x in runs):.1e}; "
            f"max |dP(reconsider)| {max(x['max_reconsider_diff'] for x in runs):.1e}"
        )
        notes += [f"   DISAGREE {ex}" for ex in first["examples"]]
        checks = [
            ("cues that differ (max |difference|)", {k: f"{v:.1e}" for k, v in first["cue_diff"].items()}),
            ("cues of Perception the per-agent code does not compute", first["unknown_cues"]),
            ("per-agent cues no longer in Perception", first["gone_cues"]),
            ("roles without a per-agent class", first["missing_roles"]),
            ("utility terms or triggers that differ from weigh() or triggers()", first["term_mismatch"]),
            ("phases not called once a week (calls)", first["phases_not_weekly"]),
        ]
        notes += [f"   WARNING {label}: {value}" for label, value in checks if value]
        if not any(value for _, value in checks):
            notes.append(
                "   checks: every cue equal, every cue, utility term and trigger known, every phase weekly -> ok"
            )
    print("   ratio = per-agent time / vectorised time for the same weeks (median of the runs' ratios);")
    print("   dU = per-agent utilities (with inertia) minus the model's, over all people and weeks of all runs")
    for note in notes:
        print(f"   {note}")
    print()
    return speedups


def cli_end_to_end(employees: int, *options: str) -> dict:
    """Wall seconds and peak memory of `crmsim run` at ``employees`` (partners = employees / 5), as a
    user runs it: a fresh process from start-up to its written outputs (tables, events, figures).

    The run is the only child of a small launcher, so the launcher's ``RUSAGE_CHILDREN`` peak is
    the run's own."""
    with tempfile.TemporaryDirectory() as folder:
        command = [
            sys.executable,
            "-m",
            "sim.cli",
            "run",
            "--set",
            f"org.employees={employees}",
            "--set",
            f"org.partners={employees // 5}",
            "--out",
            str(Path(folder) / "run"),
            "--quiet",
            *options,
        ]
        launcher = (
            "import json, resource, subprocess, sys, time\n"
            "started = time.perf_counter()\n"
            "subprocess.run(json.loads(sys.argv[1]), check=True)\n"
            "print(json.dumps({'wall': time.perf_counter() - started,"
            " 'peak': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024}))"
        )
        done = subprocess.run(
            [sys.executable, "-c", launcher, json.dumps(command)], capture_output=True, text=True, check=True, cwd=REPO
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def import_seconds() -> float:
    """Wall seconds of a fresh process that only imports what `crmsim run` imports before its run."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import sim.cli, sim.io.runner"], check=True, cwd=REPO)
    return time.perf_counter() - started


def report_cli(employees: int, repeats: int) -> dict:
    runs, bare, imports = [], [], []
    for _ in range(repeats):  # interleaved, so that the machine's drift falls on all three alike
        runs.append(cli_end_to_end(employees))
        bare.append(cli_end_to_end(employees, "--no-plots"))
        imports.append(import_seconds())
    figures = {"wall": statistics.median(r["wall"] for r in runs), "peak": statistics.median(r["peak"] for r in runs)}
    without = statistics.median(r["wall"] for r in bare)
    started = statistics.median(imports)
    print(f"3. crmsim run at {employees:,} employees end to end (a fresh process: start-up, weeks, tables, figures)")
    print(
        f"   wall {figures['wall']:.1f} s (runs: {', '.join(f'{r["wall"]:.1f}' for r in runs)}), "
        f"peak {figures['peak'] / MIB:.0f} MiB"
    )
    print(
        f"   where it goes: start-up and imports {started:.1f} s (a process that only imports), the organisation, "
        f"its weeks and its tables {without - started:.1f} s (--no-plots: {without:.1f} s in all), the three "
        f"figures {figures['wall'] - without:.1f} s (the difference)"
    )
    print()
    return figures


def report_targets(full: dict[int, dict], speedups: dict[int, float], weeks: int, cli: dict | None = None) -> None:
    print("4. Targets")
    if 10_000 in full:
        rate, floor = full[10_000]["rate"], full[10_000]["floor_rate"]
        for target in (TARGET_RATE_10K, TARGET_RATE_10K_ARITHMETIC):
            print(
                f"   >= {target / 1e6:.0f}M agent-steps/s at 10,000 employees (full model): {rate / 1e6:.2f} M "
                f"(employees only {full[10_000]['employee_rate'] / 1e6:.2f} M; the arithmetic floor here "
                f"{floor / 1e6:.2f} M) -> {'met' if rate >= target else 'NOT met'}"
            )
    if 100_000 in full:
        big = full[100_000]
        ok = big["total_s"] < TARGET_WALL_S and big["peak"] < TARGET_PEAK_BYTES
        print(
            f"   100k employees x {weeks} weeks < 20 s and < 2 GiB: {big['total_s']:.1f} s "
            f"(build {big['build_s']:.1f} + steps {big['step_s']:.1f}), peak {big['peak'] / MIB:.0f} MiB -> "
            f"{'met' if ok else 'NOT met'}"
        )
    for n, s in speedups.items():
        print(
            f"   >= 10x the per-agent version (the decision rule) at {n:,} employees: {s:.1f}x -> "
            f"{'met' if s >= TARGET_SPEEDUP else 'NOT met'}"
        )
    if cli:
        ok = cli["wall"] < TARGET_CLI_S and cli["peak"] < TARGET_CLI_PEAK_BYTES
        print(
            f"   crmsim run at 100,000 employees < 10 s and < 1 GiB as a whole process: {cli['wall']:.1f} s, "
            f"peak {cli['peak'] / MIB:.0f} MiB -> {'met' if ok else 'NOT met'}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="*", default=[1_000, 10_000, 100_000], help="section 1: employees")
    ap.add_argument("--repeats", type=int, default=3, help="runs per figure; the median is quoted")
    ap.add_argument("--weeks", type=int, default=156, help="section 1: weeks per run")
    ap.add_argument(
        "--decision-sizes",
        "--per-agent-sizes",
        type=int,
        nargs="*",
        default=[1_000, 10_000],
        help="section 2: employees",
    )
    ap.add_argument("--decision-weeks", "--per-agent-weeks", type=int, default=20, help="section 2: timed weeks")
    ap.add_argument("--warmup-weeks", type=int, default=8, help="section 2: weeks stepped before timing (go-live)")
    ap.add_argument("--scenario", help="a scenario TOML file instead of the default scenario (both sections)")
    ap.add_argument(
        "--cli-employees", type=int, default=100_000, help="section 4: `crmsim run` end to end at this size (0: skip)"
    )
    ap.add_argument("--child", choices=["full", "decisions"], help=argparse.SUPPRESS)
    ap.add_argument("--employees", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child == "full":
        print(json.dumps(run_full_model(args.employees, args.weeks, args.scenario)))
        return
    if args.child == "decisions":
        print(json.dumps(compare_decisions(args.employees, args.decision_weeks, args.warmup_weeks, args.scenario)))
        return

    r = args.repeats
    extra = ["--scenario", args.scenario] if args.scenario else []
    print(
        f"crmsim benchmark: every figure is the median of {r} run{'s' if r > 1 else ''}, each run in a fresh subprocess"
    )
    print(
        f"mesa {mesa.__version__}, numpy {np.__version__}, python {sys.version.split()[0]}; "
        f"{'scenario ' + args.scenario if args.scenario else 'default scenario'}, partners = employees / 5"
    )
    print()
    full = report_full_model(args, extra) if args.sizes else {}
    speedups = report_decisions(args, extra) if args.decision_sizes else {}
    cli = report_cli(args.cli_employees, r) if args.cli_employees else None
    report_targets(full, speedups, args.weeks, cli if args.cli_employees == 100_000 else None)


if __name__ == "__main__":
    main()
