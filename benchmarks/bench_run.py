"""Benchmark: how fast crmsim runs, and what its array-at-once design buys over per-agent Mesa code.

Every figure is the median of ``--repeats`` runs (3 by default), each run in a fresh subprocess.

1. The full model. ``CRMRollout`` with the default scenario at 1,000, 10,000 and 100,000
   employees (partners = employees / 5) over 156 weeks:
   - build time: model construction, including one Mesa Agent per person;
   - stepping time: ``model.step()`` until ``model.running`` is False: policy, perception,
     decision, every consequence (mechanism), recording;
   - agent-steps per second: people x weeks / stepping time, counting employees + partners,
     and the employee-only figure;
   - peak memory: ``ru_maxrss`` of the child process that built and ran that one size;
   - total wall time (build + 156 weeks) for the largest size.

2. The weekly decision rule, done both ways on identical state. A real ``CRMRollout``
   (default scenario, 1,000 and 10,000 employees by default) is stepped past go-live
   (``--warmup-weeks``, 8), then run for ``--decision-weeks`` (20) more weeks with a copy of
   ``CRMRollout.step``'s body, so that each week, on the state as it is before the decision:
   - the per-agent Mesa way is timed: a ``mesa.Model`` with one ``mesa.Agent`` per person,
     scheduled with ``model.agents.do("step")``; each agent computes its own cues in scalar
     Python from the model's state (copied to Python lists, untimed) and lists of its
     neighbours' rows and tie weights (from the same CSR adjacency), then its role's utilities
     with the terms of the role's ``weigh`` in ``sim/agents.py``, the logit probabilities and
     a choice from the uniform draw the model uses for that person that week;
   - the vectorised way is timed: ``perceive(model, week)`` + ``model.decide(see)``, which is
     what one week's decision costs in the model;
   - untimed: the week's policy before, and consequences, recording and the rest of the week
     after; then the per-agent choices are compared with the model's for every live person
     (agreement in person-weeks, max |utility difference|), and every cue with the model's
     ``Perception``.
   Agent-steps per second is people x weeks / the summed time of that way's decisions.
   Checks that guard the comparison against future mechanisms: cues of ``Perception`` and
   utility terms of each role's ``weigh`` that the per-agent code does not know are named, as
   are cues whose values differ; and the copied week is checked against ``model.step()``
   (a second model stepped the ordinary way must reach the identical state).

3. Targets (from the performance brief):
   - >= 3 million agent-steps/s at 10,000 employees (the full model, section 1);
   - 100,000 employees x 156 weeks (build + run) in < 20 s and < 2 GiB peak memory;
   - >= 10x the agent-steps/s of the per-agent version (the decision rule, section 2).

Usage (from the repository root):
    python benchmarks/bench_run.py                       # full run, a few minutes
    python benchmarks/bench_run.py --sizes 1000 --repeats 1 --decision-sizes 1000
    python benchmarks/bench_run.py --sizes --decision-sizes 2000 --scenario scenarios/cases/city_council.toml
"""

from __future__ import annotations

import argparse
import ast
import inspect
import json
import math
import resource
import statistics
import subprocess
import sys
import textwrap
import time
from dataclasses import fields
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import mesa  # noqa: E402
import numpy as np  # noqa: E402

from sim import CRMRollout, Scenario  # noqa: E402
from sim.core.agents import GAMING_EFFORT_SHARE, ROLE_CLASSES  # noqa: E402
from sim.core.mechanisms import governance, performance, turnover  # noqa: E402
from sim.core.mechanisms.social_influence import PUSH_BY_MANAGER_BEHAVIOUR  # noqa: E402
from sim.core.perception import Perception, perceive  # noqa: E402
from sim.core.policies import WORKAROUND  # noqa: E402
from sim.core.state import GAME, GO_AROUND, LEGACY, USE, Role  # noqa: E402

MIB = 1024 * 1024
TARGET_RATE_10K = 3e6
TARGET_WALL_S = 20.0
TARGET_PEAK_BYTES = 2 * 1024 * MIB
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


# --- section 2: the weekly decision rule, the per-agent Mesa way --------------------------

#: The cues a per-agent person computes, in this order; the model's ``Perception`` fields,
#: with the (3, n) ``shares`` as three cues.
CUES = (
    "usefulness",
    "effort",
    "double_entry",
    "effort_weight",
    "social_weight",
    "shares[0]",
    "shares[1]",
    "shares[2]",
    "pressure",
    "habit",
    "workaround",
    "sanction_risk",
    "gaming_gain",
    "lead_hiding",
    "role_conflict",
    "withdrawal",
    "tension",
    "partner_pull",
    "route_value",
    "attitude",
    "integrity",
)
(
    USEFULNESS,
    EFFORT,
    DOUBLE_ENTRY,
    EFFORT_WEIGHT,
    SOCIAL_WEIGHT,
    SHARE0,
    SHARE1,
    SHARE2,
    PRESSURE,
    HABIT,
    WORKAROUND_EASE,
    SANCTION_RISK,
    GAMING_GAIN,
    LEAD_HIDING,
    ROLE_CONFLICT,
    WITHDRAWAL,
    TENSION,
    PARTNER_PULL,
    ROUTE_VALUE,
    ATTITUDE,
    INTEGRITY,
) = range(len(CUES))

#: A boss's push by their last choice; LEGACY (-1) reads the last entry, no push.
PUSH = PUSH_BY_MANAGER_BEHAVIOUR.tolist()


class PersonAgent(mesa.Agent):
    """One person: ``step()`` is their weekly decision, in scalar Python.

    Static things (role parameters, neighbour lists, manager) are the agent's own attributes;
    what evolves is read from the model's per-person lists (a snapshot of ``CRMRollout.state``).
    ``see`` (cues, ``None`` where the role has no use for one), ``utilities``, ``probabilities``
    and ``choice`` are kept, as ``CRMRollout.decide`` keeps them for ``explain()``.
    """

    #: utility terms per option, as named in the role's ``weigh`` (checked against it)
    TERMS: dict[str, tuple[str, ...]] = {}

    def __init__(self, model: PerAgentDecisions, row: int, source: CRMRollout, served: list[int]):
        super().__init__(model)
        org, sc = source.org, source.settings
        self.row = row
        self.manager = int(org.manager[row])  # -1 if none; a partner's is its sales rep
        self.within = _ties(source.ties_within, row)
        self.across = _ties(source.ties_across, row) if source.ties_across is not None else []
        self.served = served  # rows of the partners this person serves (sales reps)
        r = source.role_settings[Role(int(org.role[row]))]
        self.base_usefulness, self.base_effort = r.base_usefulness, r.base_effort
        self.role_double_entry, self.role_gaming_gain = r.double_entry, r.gaming_gain
        self.oversight_aversion, self.present_bias = r.oversight_aversion, r.present_bias
        share = sc.data.manager_benefit_share
        self.benefit_share = share if org.role[row] == Role.MANAGER else 1.0 - share
        self.see: list = []
        self.utilities = self.probabilities = (0.0, 0.0, 0.0)
        self.choice = LEGACY

    def step(self) -> None:
        m = self.model
        self.see = see = self.perceive(m)
        u0, u1, u2 = self.utilities = self.weigh(see, m)
        # multinomial logit, and the first option whose cumulative probability exceeds the draw
        b = m.choice_sensitivity
        top = max(u0, u1, u2)
        e0, e1, e2 = math.exp(b * (u0 - top)), math.exp(b * (u1 - top)), math.exp(b * (u2 - top))
        total = e0 + e1 + e2
        p0, p1 = e0 / total, e1 / total
        self.probabilities = (p0, p1, e2 / total)
        draw = m.draws[self.row]
        self.choice = (draw > p0) + (draw > p0 + p1) if m.live[self.row] else LEGACY

    def common_cues(self, m: PerAgentDecisions, mandate: float) -> list:
        """Cues every role has: experience, neighbours, usefulness, effort, habit, attitude."""
        row = self.row
        see = [None] * len(CUES)
        b = m.behaviour
        experience = 1.0 / (1.0 + m.weeks_live[row] / m.halflife)
        see[EFFORT_WEIGHT] = experience
        see[SOCIAL_WEIGHT] = mandate + (1.0 - mandate) * experience
        # weighted counts of live neighbours' last choices; LEGACY (-1) lands in the 4th slot
        counts = [0.0, 0.0, 0.0, 0.0]
        for j, w in self.within:
            counts[b[j]] += w
        if self.across:
            far = [0.0, 0.0, 0.0, 0.0]
            for j, w in self.across:
                far[b[j]] += w
            weight = m.across_weight
            counts = [counts[k] + weight * far[k] for k in range(4)]
        total = counts[0] + counts[1] + counts[2]
        if total > 0.0:
            see[SHARE0], see[SHARE1], see[SHARE2] = counts[0] / total, counts[1] / total, counts[2] / total
        else:
            see[SHARE0] = see[SHARE1] = see[SHARE2] = 0.0
        data_value = self.benefit_share * m.trust[row] * (1.0 - self.present_bias)
        legitimised = m.legitimised_value if m.improvising[row] else 0.0
        see[USEFULNESS] = m.system_fit * self.base_usefulness + data_value + legitimised
        interface = self.base_effort * (1.0 - m.skill_reduction * m.skill[row])
        see[EFFORT] = interface * m.slowness * m.busy + self.prompt_load
        see[HABIT] = m.habit[row]
        see[ATTITUDE] = m.attitude[row]
        return see


class EmployeeAgent(PersonAgent):
    """Use, game or ignore: the terms of ``Employee.weigh``."""

    prompt_load = 0.0
    TERMS = {
        "use": ("usefulness", "effort", "double_entry", "colleagues", "manager", "attitude"),
        "game": (
            "effort",
            "double_entry",
            "colleagues",
            "manager",
            "private_gain",
            "expected_sanction",
            "integrity",
        ),
        "ignore": ("habit", "colleagues", "workaround", "withdrawal", "tension"),
    }

    def perceive(self, m: PerAgentDecisions) -> list:
        row = self.row
        see = self.common_cues(m, m.mandate)
        see[DOUBLE_ENTRY] = self.role_double_entry * m.integration_gap
        if self.manager >= 0:  # staff: their manager pushes as much as the manager uses the CRM
            boss = m.behaviour[self.manager]
            see[PRESSURE] = m.push * (m.mandate * PUSH[boss])
            sees = boss == USE or boss == GAME  # a manager in the CRM can see what is entered
            see[SANCTION_RISK] = m.detection * m.sanctions if sees else 0.0
        else:
            see[PRESSURE] = see[SANCTION_RISK] = 0.0
        see[WORKAROUND_EASE] = m.workaround
        see[GAMING_GAIN] = self.role_gaming_gain + m.goal_gain
        see[WITHDRAWAL] = m.withdrawal_weight * (1.0 - m.morale[row])
        see[TENSION] = m.tension_weight * m.tension[row]
        see[INTEGRITY] = m.integrity[row]
        return see

    def weigh(self, see: list, m: PerAgentDecisions) -> list[float]:
        effort = m.w_effort * see[EFFORT_WEIGHT] * see[EFFORT]
        double_entry = m.w_effort * see[DOUBLE_ENTRY]
        colleagues = m.w_social * see[SOCIAL_WEIGHT]
        manager = m.w_pressure * see[PRESSURE]
        u_use = (
            m.w_usefulness * see[USEFULNESS]
            - effort
            - double_entry
            + colleagues * see[SHARE0]
            + manager
            + see[ATTITUDE]
        )
        u_game = (
            -GAMING_EFFORT_SHARE * effort
            - GAMING_EFFORT_SHARE * double_entry
            + colleagues * see[SHARE1]
            + manager
            + see[GAMING_GAIN]
            - m.w_sanction * see[SANCTION_RISK]
            - see[INTEGRITY]
        )
        u_ignore = (
            m.w_habit * see[HABIT] + colleagues * see[SHARE2] + see[WORKAROUND_EASE] + see[WITHDRAWAL] + see[TENSION]
        )
        return [u_use, u_game, u_ignore]


class SalesRepAgent(EmployeeAgent):
    """``SalesRep.weigh``: partners asking for better terms, and hiding leads, add to gaming."""

    TERMS = {**EmployeeAgent.TERMS, "game": (*EmployeeAgent.TERMS["game"], "partner_terms", "hiding_leads")}

    def perceive(self, m: PerAgentDecisions) -> list:
        see = super().perceive(m)
        if self.served:
            b = m.behaviour
            asked = sum(1.0 for p in self.served if b[p] == GO_AROUND)
            see[PARTNER_PULL] = m.rep_gain_per_request * (asked / len(self.served))
        else:
            see[PARTNER_PULL] = 0.0
        see[LEAD_HIDING] = self.oversight_aversion * (0.5 + see[PRESSURE])
        return see

    def weigh(self, see: list, m: PerAgentDecisions) -> list[float]:
        u = super().weigh(see, m)
        u[1] = u[1] + see[PARTNER_PULL] + see[LEAD_HIDING]
        return u


class ServiceRepAgent(EmployeeAgent):
    """``ServiceRep.weigh``: upsell prompts make proper use a conflict with the role."""

    TERMS = {**EmployeeAgent.TERMS, "use": (*EmployeeAgent.TERMS["use"], "role_conflict")}

    def __init__(self, model: PerAgentDecisions, row: int, source: CRMRollout, served: list[int]):
        super().__init__(model, row, source, served)
        sc = source.settings
        prompted = bool(sc.policy.upsell_prompts)
        self.prompt_load = sc.role_conflict.prompt_workload if prompted else 0.0
        self.role_conflict_cost = sc.role_conflict.role_conflict if prompted else 0.0

    def perceive(self, m: PerAgentDecisions) -> list:
        see = super().perceive(m)
        see[ROLE_CONFLICT] = self.role_conflict_cost
        return see

    def weigh(self, see: list, m: PerAgentDecisions) -> list[float]:
        u = super().weigh(see, m)
        u[0] -= see[ROLE_CONFLICT]
        return u


class ManagerAgent(EmployeeAgent):
    """``Manager.weigh``: senior management pushes; hiding one's own leads adds to gaming."""

    TERMS = {**EmployeeAgent.TERMS, "game": (*EmployeeAgent.TERMS["game"], "hiding_leads")}

    def perceive(self, m: PerAgentDecisions) -> list:
        row = self.row
        see = self.common_cues(m, m.mandate)
        see[DOUBLE_ENTRY] = self.role_double_entry * m.integration_gap
        see[PRESSURE] = m.push * m.mandate  # from senior management, as committed as it is
        see[SANCTION_RISK] = 0.0  # no one above looks at a manager's records
        see[WORKAROUND_EASE] = m.workaround
        see[GAMING_GAIN] = self.role_gaming_gain + m.goal_gain
        see[LEAD_HIDING] = self.oversight_aversion * (0.5 + see[PRESSURE])
        see[WITHDRAWAL] = m.withdrawal_weight * (1.0 - m.morale[row])
        see[TENSION] = m.tension_weight * m.tension[row]
        see[INTEGRITY] = m.integrity[row]
        return see

    def weigh(self, see: list, m: PerAgentDecisions) -> list[float]:
        u = super().weigh(see, m)
        u[1] += see[LEAD_HIDING]
        return u


class PartnerAgent(PersonAgent):
    """Self-serve, go around through the rep, or disengage: the terms of ``ChannelPartner.weigh``."""

    TERMS = {
        "self_serve": ("usefulness", "effort", "peers", "attitude"),
        "go_around": ("better_terms", "habit", "peers"),
        "disengage": ("peers",),
    }
    prompt_load = 0.0

    def perceive(self, m: PerAgentDecisions) -> list:
        see = self.common_cues(m, 0.0)  # no mandate over partners
        see[GAMING_GAIN] = self.role_gaming_gain
        see[ROUTE_VALUE] = m.route_belief[self.row] / m.bent_discount if m.bent_discount > 0 else 0.0
        return see

    def weigh(self, see: list, m: PerAgentDecisions) -> list[float]:
        peers = m.w_social * see[SOCIAL_WEIGHT]
        u_self = (
            m.w_usefulness * see[USEFULNESS]
            - m.w_effort * see[EFFORT_WEIGHT] * see[EFFORT]
            + peers * see[SHARE0]
            + see[ATTITUDE]
        )
        u_around = see[GAMING_GAIN] * see[ROUTE_VALUE] + m.w_habit * see[HABIT] + peers * see[SHARE1]
        return [u_self, u_around, peers * see[SHARE2]]


AGENT_CLASSES: dict[Role, type[PersonAgent]] = {
    Role.SALES: SalesRepAgent,
    Role.SERVICE: ServiceRepAgent,
    Role.MANAGER: ManagerAgent,
    Role.PARTNER: PartnerAgent,
}


def _ties(matrix, row: int) -> list[tuple[int, float]]:
    """A person's neighbours (rows) and tie weights, in CSR order."""
    lo, hi = matrix.indptr[row], matrix.indptr[row + 1]
    return list(zip(matrix.indices[lo:hi].tolist(), matrix.data[lo:hi].tolist(), strict=True))


class PerAgentDecisions(mesa.Model):
    """The week's decision the classic Mesa way: every agent decides for itself (``agents.do``).

    Built over a real ``CRMRollout``: same organisation, network, parameters. ``load`` copies
    the model's per-person state into Python lists (untimed: a per-agent model would hold it in
    its agents); ``step`` sets the week's organisation-wide numbers and lets every agent step.
    """

    def __init__(self, source: CRMRollout):
        super().__init__(seed=source.settings.run.seed)
        self.source = source
        sc = source.settings
        w, pol = sc.behaviour, sc.policy
        self.choice_sensitivity = w.choice_sensitivity
        self.w_usefulness, self.w_effort, self.w_social = w.usefulness, w.effort, w.social
        self.w_pressure, self.w_habit, self.w_sanction = w.pressure, w.habit, w.sanction
        self.halflife = w.experience_halflife_weeks
        self.mandate = pol.mandate
        self.detection, self.sanctions = sc.sanctions.detection, pol.sanctions
        self.workaround = WORKAROUND[pol.integration]
        self.skill_reduction = sc.learning.skill_effort_reduction
        self.legitimised_value = sc.drift.legitimised_value if pol.management_style == "organic" else 0.0
        self.withdrawal_weight, self.tension_weight = sc.sanctions.withdrawal, sc.culture.tension_weight
        self.rep_gain_per_request, self.bent_discount = sc.channel.rep_gain_per_request, sc.channel.bent_discount
        org = source.org
        served: dict[int, list[int]] = {}
        for p in np.flatnonzero(org.role == Role.PARTNER).tolist():
            served.setdefault(int(org.manager[p]), []).append(p)
        self.people = [
            AGENT_CLASSES[Role(r)](self, row, source, served.get(row, [])) for row, r in enumerate(org.role.tolist())
        ]
        self.draws: list[float] = []

    def load(self, week: int, draws: np.ndarray) -> None:
        """This week's number and the state before the decision, as Python values."""
        st = self.source.state
        self.week = week
        for name in ("behaviour", "live", "weeks_live", "trust", "skill", "habit", "attitude", "integrity"):
            setattr(self, name, getattr(st, name).tolist())
        for name in ("morale", "tension", "improvising", "route_belief"):
            setattr(self, name, getattr(st, name).tolist())
        self.draws = draws.tolist()

    def step(self) -> None:
        sc, stocks = self.source.settings, self.source.stocks
        pol = sc.policy
        self.system_fit, self.integration_gap = stocks.system_fit, stocks.integration_gap
        self.across_weight = 1.0 - stocks.culture_distance
        self.slowness = performance.slowness_effort(stocks.system_performance, sc.performance.effort_per_slowness)
        self.busy = 1.0 + sc.calendar.busy_effort * turnover.is_busy(self.week, sc.org.busy_weeks)
        collecting = stocks.goal == "data_collection"
        self.push = pol.commitment * (governance.DATA_COLLECTION_PUSH if collecting else 1.0)
        self.goal_gain = governance.data_collection_gain(pol.commitment) if collecting else 0.0
        self.agents.do("step")


# --- section 2: the measurement --------------------------------------------------------------


def week_before_decision(model: CRMRollout) -> int:
    """The first part of ``CRMRollout.step``, as Mesa runs it: count the step, apply the policy."""
    model.steps += 1  # mesa.Model._wrapped_step (Mesa 3.3) increments ``steps`` and nothing else
    week = model.steps
    model.apply_policy(week)
    return week


def decide_vectorised(model: CRMRollout, week: int) -> None:
    """What one week's decision costs in the model (the middle of ``CRMRollout.step``)."""
    model.last_perception = perceive(model, week)
    model.decide(model.last_perception)


def week_after_decision(model: CRMRollout, week: int) -> None:
    """The rest of ``CRMRollout.step``."""
    model.consequences(week)
    model.recorder.record(week, model)
    model.datacollector.collect(model)
    model._snapshot_if_due(week)
    if week >= model.settings.run.weeks:
        model.running = False


#: The calls of ``CRMRollout.step`` the three functions above copy, in order.
STEP_CALLS = (
    "apply_policy",
    "perceive",
    "decide",
    "consequences",
    "record",
    "collect",
    "_snapshot_if_due",
)


def step_calls() -> tuple[str, ...]:
    """The names of the calls in ``CRMRollout.step``, in source order."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(CRMRollout.step)))
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    calls.sort(key=lambda n: (n.lineno, n.col_offset))
    names = [c.func.attr if isinstance(c.func, ast.Attribute) else getattr(c.func, "id", "?") for c in calls]
    return tuple(names)


def same_state(a: CRMRollout, b: CRMRollout) -> list[str]:
    """What differs between two models (state, stocks, recorded weeks, step count); empty if nothing."""
    out = [f.name for f in fields(a.state) if not np.array_equal(getattr(a.state, f.name), getattr(b.state, f.name))]
    out += [
        f"stocks.{f.name}"
        for f in fields(a.stocks)
        if not np.array_equal(getattr(a.stocks, f.name), getattr(b.stocks, f.name))
    ]
    out += [f"recorder.{k}" for k, v in a.recorder.columns.items() if not np.array_equal(v, b.recorder.columns[k])]
    if a.steps != b.steps:
        out.append("steps")
    return out


def model_terms(model: CRMRollout) -> dict[str, dict[str, tuple[str, ...]]]:
    """The utility terms each role's ``weigh`` returns today, by option."""
    see = model.last_perception
    out = {}
    for role, cls in ROLE_CLASSES.items():
        rows = model.org.role_slice(role)
        if rows.start == rows.stop:
            continue
        terms = cls.weigh(
            see.rows(slice(rows.start, rows.start + 1)), model.settings.behaviour, model.role_settings[role]
        )
        out[role.name] = {option: tuple(terms[option]) for option in cls.options}
    return out


def child_decisions(employees: int, weeks: int, warmup: int, base: str | None) -> dict:
    """One run of section 2 (in a fresh process): both ways, week by week, on identical state."""
    scenario = scenario_for(employees, warmup + weeks, base)
    model = CRMRollout(scenario)
    for _ in range(warmup):
        model.step()
    n = model.org.n
    t0 = time.perf_counter()
    per_agent = PerAgentDecisions(model)
    build_s = time.perf_counter() - t0

    # what the per-agent code knows against what the model has today
    known = set(CUES)
    cue_names = []
    for f in fields(Perception):
        cue_names += [f"{f.name}[{k}]" for k in range(3)] if f.name == "shares" else [f.name]
    unknown_cues = [c for c in cue_names if c not in known]
    gone_cues = [c for c in CUES if c not in cue_names]
    missing_roles = [r.name for r in ROLE_CLASSES if r not in AGENT_CLASSES]

    pa_s = vec_s = load_s = 0.0
    agree = live_total = 0
    max_u = max_p = 0.0
    cue_diff: dict[str, float] = {}
    examples = []
    role_of_row = [Role(int(r)).name for r in model.org.role]
    for _ in range(weeks):
        week = week_before_decision(model)
        rng = np.random.default_rng()
        rng.bit_generator.state = model.decision_rng.bit_generator.state  # the draws decide() will make
        t0 = time.perf_counter()
        per_agent.load(week, rng.random(n))
        t1 = time.perf_counter()
        per_agent.step()  # timed: the per-agent way
        t2 = time.perf_counter()
        decide_vectorised(model, week)  # timed: the vectorised way
        t3 = time.perf_counter()
        load_s, pa_s, vec_s = load_s + (t1 - t0), pa_s + (t2 - t1), vec_s + (t3 - t2)

        # compare (untimed)
        st, see = model.state, model.last_perception
        people = per_agent.people
        choice = np.array([p.choice for p in people], dtype=np.int64)
        live = st.live
        same = (choice == st.behaviour) & live
        agree += int(same.sum())
        live_total += int(live.sum())
        u = np.array([p.utilities for p in people]).T
        p = np.array([p.probabilities for p in people]).T
        max_u = max(max_u, float(np.abs(u - st.utilities).max()))
        max_p = max(max_p, float(np.abs(p - st.probabilities).max()))
        for row in np.flatnonzero(live & ~same)[: max(0, 5 - len(examples))].tolist():
            examples.append(
                {
                    "week": week,
                    "row": row,
                    "role": role_of_row[row],
                    "per_agent": int(choice[row]),
                    "model": int(st.behaviour[row]),
                    "draw": per_agent.draws[row],
                    "p_per_agent": list(people[row].probabilities),
                    "p_model": st.probabilities[:, row].tolist(),
                }
            )
        sees = [q.see for q in people]
        for k, name in enumerate(CUES):
            field, _, option = name.partition("[")
            if not hasattr(see, field):
                continue
            theirs = getattr(see, field)
            theirs = theirs[int(option[0])] if option else theirs
            mine = np.array([s[k] if s[k] is not None else np.nan for s in sees], dtype=float)
            computed = ~np.isnan(mine)
            if computed.any():
                d = float(np.abs(mine[computed] - np.asarray(theirs, dtype=float)[computed]).max())
                if d > CUE_TOLERANCE or np.isnan(d):
                    cue_diff[name] = max(cue_diff.get(name, 0.0), d)

        week_after_decision(model, week)

    terms_now = model_terms(model)
    term_mismatch = {}
    for role, options in terms_now.items():
        mine = AGENT_CLASSES[Role[role]].TERMS if Role[role] in AGENT_CLASSES else {}
        for option, names in options.items():
            extra = [t for t in names if t not in mine.get(option, ())]
            gone = [t for t in mine.get(option, ()) if t not in names]
            if extra or gone:
                term_mismatch[f"{role}.{option}"] = {"not per-agent": extra, "no longer in weigh": gone}

    # is the copied week the model's week? a second model stepped the ordinary way must match
    reference = CRMRollout(scenario)
    for _ in range(warmup + weeks):
        reference.step()
    return {
        "people": n,
        "employees": model.org.employees,
        "weeks": weeks,
        "warmup": warmup,
        "live_last_week": int(model.state.live.sum()),
        "build_s": build_s,
        "per_agent_s": pa_s,
        "vectorised_s": vec_s,
        "load_s": load_s,
        "agree": agree,
        "live_person_weeks": live_total,
        "max_utility_diff": max_u,
        "max_probability_diff": max_p,
        "examples": examples,
        "cue_diff": cue_diff,
        "unknown_cues": unknown_cues,
        "gone_cues": gone_cues,
        "missing_roles": missing_roles,
        "term_mismatch": term_mismatch,
        "step_calls_changed": step_calls() != STEP_CALLS,
        "mirror_differs": same_state(model, reference),
    }


# --- section 1: the full model, in a fresh process ---------------------------------------------


def child_vectorised(employees: int, weeks: int, base: str | None) -> dict:
    rss_after_imports = peak_rss_bytes()
    t0 = time.perf_counter()
    model = CRMRollout(scenario_for(employees, weeks, base))
    t1, c1 = time.perf_counter(), time.process_time()
    while model.running:
        model.step()
    t2, c2 = time.perf_counter(), time.process_time()
    return {
        "people": model.org.n,
        "employees": model.org.employees,
        "agents": len(model.agents),
        "weeks": int(model.steps),
        "build_s": t1 - t0,
        "step_s": t2 - t1,
        "step_cpu_s": c2 - c1,
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
    ap.add_argument("--child", choices=["vectorised", "decisions"], help=argparse.SUPPRESS)
    ap.add_argument("--employees", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child == "vectorised":
        print(json.dumps(child_vectorised(args.employees, args.weeks, args.scenario)))
        return
    if args.child == "decisions":
        print(json.dumps(child_decisions(args.employees, args.decision_weeks, args.warmup_weeks, args.scenario)))
        return

    r = args.repeats
    scenario_extra = ["--scenario", args.scenario] if args.scenario else []
    print(
        f"crmsim benchmark: every figure is the median of {r} run{'s' if r > 1 else ''}, each run in a fresh subprocess"
    )
    print(
        f"mesa {mesa.__version__}, numpy {np.__version__}, python {sys.version.split()[0]}; "
        f"{'scenario ' + args.scenario if args.scenario else 'default scenario'}, partners = employees / 5"
    )
    print()

    vectorised: dict[int, dict] = {}
    if args.sizes:
        print(f"1. Full model: CRMRollout.step() (arrays per role), {args.weeks} weeks")
        print(
            f"{'employees':>10} {'people':>8} {'build s':>8} {'step s':>8} {'total s':>8} "
            f"{'agent-steps/s':>14} {'employee-steps/s':>17} {'peak MiB':>9} {'cpu/wall':>9}"
        )
    for n in args.sizes:
        runs, error = measure("vectorised", n, r, ["--weeks", str(args.weeks), *scenario_extra])
        if error:
            print(f"{n:>10,}   FAILED: {error}", flush=True)
            continue
        people, employees = runs[0]["people"], runs[0]["employees"]
        step_s = median(runs, lambda x: x["step_s"])
        row = {
            "people": people,
            "build_s": median(runs, lambda x: x["build_s"]),
            "step_s": step_s,
            "total_s": median(runs, lambda x: x["build_s"] + x["step_s"]),
            "rate": people * args.weeks / step_s,
            "employee_rate": employees * args.weeks / step_s,
            "peak": median(runs, lambda x: x["peak_rss"]),
            "baseline": median(runs, lambda x: x["rss_after_imports"]),
            "cpu_share": median(runs, lambda x: x["step_cpu_s"] / x["step_s"]),
        }
        vectorised[n] = row
        print(
            f"{n:>10,} {people:>8,} {row['build_s']:>8.3f} {row['step_s']:>8.3f} {row['total_s']:>8.3f} "
            f"{row['rate'] / 1e6:>12.2f} M {row['employee_rate'] / 1e6:>15.2f} M {row['peak'] / MIB:>9.0f} "
            f"{row['cpu_share']:>9.2f}",
            flush=True,
        )
    if vectorised:
        baseline = statistics.median(v["baseline"] for v in vectorised.values())
        busy = min(v["cpu_share"] for v in vectorised.values()) < 0.9
        print(
            f"   agent-steps count employees + partners; peak = ru_maxrss of the child, of which "
            f"~{baseline / MIB:.0f} MiB is Python + imports;"
        )
        print(
            "   cpu/wall = process CPU time / wall time while stepping"
            + (" (below 0.9: the machine was busy, times are inflated)" if busy else " (~1: the CPU was ours)")
        )
        print()

    speedups: dict[int, float] = {}
    if args.decision_sizes:
        weeks, warmup = args.decision_weeks, args.warmup_weeks
        print(
            f"2. The weekly decision rule on identical state, {weeks} weeks after {warmup} warm-up weeks: "
            "vectorised = perceive() + decide(); per-agent = Mesa agents.do('step'), scalar Python"
        )
        print(
            f"{'employees':>10} {'people':>8} {'vectorised':>13} {'per-agent':>13} {'ratio':>7} "
            f"{'same choice (live person-weeks)':>32} {'max |dU|':>9}"
        )
        print(f"{'':>10} {'':>8} {'agent-steps/s':>13} {'agent-steps/s':>13}")
        notes: list[str] = []
        for n in args.decision_sizes:
            extra = ["--decision-weeks", str(weeks), "--warmup-weeks", str(warmup), *scenario_extra]
            runs, error = measure("decisions", n, r, extra)
            if error:
                print(f"{n:>10,}   FAILED: {error}", flush=True)
                continue
            first = runs[0]
            people = first["people"]
            vec_rate = median(runs, lambda x: x["people"] * x["weeks"] / x["vectorised_s"])
            pa_rate = median(runs, lambda x: x["people"] * x["weeks"] / x["per_agent_s"])
            ratio = median(runs, lambda x: x["per_agent_s"] / x["vectorised_s"])
            speedups[n] = ratio
            agree, live = first["agree"], first["live_person_weeks"]
            max_u = max(x["max_utility_diff"] for x in runs)
            print(
                f"{n:>10,} {people:>8,} {vec_rate / 1e6:>11.2f} M {pa_rate / 1e6:>11.3f} M {ratio:>6.1f}x "
                f"{agree:>20,}/{live:<11,} {max_u:>9.1e}",
                flush=True,
            )
            notes.append(
                f"{n:,}: live at the last week {first['live_last_week']:,}/{people:,}; per-agent build "
                f"{median(runs, lambda x: x['build_s']):.2f} s; state copy to lists (untimed) "
                f"{median(runs, lambda x: x['load_s']) / weeks * 1e3:.1f} ms/week; "
                f"max |dP| {max(x['max_probability_diff'] for x in runs):.1e}"
            )
            for ex in first["examples"]:
                notes.append(
                    f"   DISAGREE week {ex['week']} row {ex['row']} ({ex['role']}): per-agent {ex['per_agent']}, "
                    f"model {ex['model']}, draw {ex['draw']:.17g}, P per-agent {ex['p_per_agent']}, "
                    f"P model {ex['p_model']}"
                )
            checks = [
                ("cues that differ (max |difference|)", {k: f"{v:.1e}" for k, v in first["cue_diff"].items()}),
                ("cues of Perception the per-agent code does not compute", first["unknown_cues"]),
                ("per-agent cues no longer in Perception", first["gone_cues"]),
                ("roles without a per-agent class", first["missing_roles"]),
                ("utility terms that differ from weigh()", first["term_mismatch"]),
                ("state where the copied week differs from model.step()", first["mirror_differs"]),
            ]
            for label, value in checks:
                if value:
                    notes.append(f"   WARNING {label}: {value}")
            if first["step_calls_changed"]:
                notes.append(
                    "   WARNING CRMRollout.step calls changed since this benchmark copied it: "
                    "check week_before_decision / decide_vectorised / week_after_decision"
                )
            if not any(v for _, v in checks) and not first["step_calls_changed"]:
                notes.append("   checks: every cue equal, every utility term known, copied week = model.step() -> ok")
        print("   ratio = per-agent time / vectorised time for the same weeks (median of the runs' ratios);")
        print("   dU = per-agent utilities minus the model's, over all people and weeks of all runs")
        for note in notes:
            print(f"   {note}")
        print()

    print("3. Targets")
    if 10_000 in vectorised:
        rate = vectorised[10_000]["rate"]
        print(
            f"   >= 3M agent-steps/s at 10,000 employees (full model): {rate / 1e6:.2f} M "
            f"(employees only {vectorised[10_000]['employee_rate'] / 1e6:.2f} M) -> "
            f"{'met' if rate >= TARGET_RATE_10K else 'NOT met'}"
        )
    if 100_000 in vectorised:
        big = vectorised[100_000]
        ok = big["total_s"] < TARGET_WALL_S and big["peak"] < TARGET_PEAK_BYTES
        print(
            f"   100k employees x {args.weeks} weeks < 20 s and < 2 GiB: {big['total_s']:.1f} s "
            f"(build {big['build_s']:.1f} + steps {big['step_s']:.1f}), peak {big['peak'] / MIB:.0f} MiB -> "
            f"{'met' if ok else 'NOT met'}"
        )
    for n, s in speedups.items():
        print(
            f"   >= 10x the per-agent version (the decision rule) at {n:,} employees: {s:.1f}x -> "
            f"{'met' if s >= TARGET_SPEEDUP else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
