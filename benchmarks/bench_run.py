"""Benchmark: how fast crmsim runs, and what its array-at-once design buys over per-agent Mesa code.

What it measures (every figure is the median of ``--repeats`` runs, 3 by default):

1. ``CRMRollout`` with the default scenario at 1,000, 10,000 and 100,000 employees
   (partners = employees / 5) over 156 weeks:
   - build time: model construction, including one Mesa Agent per person;
   - stepping time: ``model.step()`` until ``model.running`` is False (recording included);
   - agent-steps per second: people x weeks / stepping time, counting employees + partners,
     and the employee-only figure;
   - peak memory: ``ru_maxrss`` of a fresh child process that built and ran that one size
     (every run is its own subprocess, so no size inherits another's peak);
   - total wall time (build + 156 weeks) for the largest size.
2. The same decision rule written the "per-agent Mesa way": a small ``mesa.Model`` whose
   agents each have a scalar-Python ``step()`` reading their neighbours through lists of
   neighbour ids (from the same ``org.adjacency`` CSR matrix), scheduled with
   ``model.agents.shuffle_do("step")``. It starts from a real ``CRMRollout`` (same
   organisation, traits, parameters and random stream), so it differs only in how the rule
   runs. It is run for fewer weeks (``--per-agent-weeks``, 20 by default) and compared with
   ``CRMRollout`` on agent-steps per second. As a check that the work is the same, its
   choices after those weeks are compared with ``CRMRollout``'s. It does not record weekly
   aggregates (``CRMRollout`` does), which favours the per-agent version slightly.

Targets (from the performance brief):
- >= 3 million agent-steps/s at 10,000 employees;
- 100,000 employees x 156 weeks (build + run) in < 20 s and < 2 GiB peak memory;
- >= 10x the agent-steps/s of the per-agent version.

Usage (from the repository root):
    python benchmarks/bench_run.py                       # full run, a few minutes
    python benchmarks/bench_run.py --sizes 1000 --repeats 1 --per-agent-sizes 1000
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import mesa  # noqa: E402
import numpy as np  # noqa: E402

from sim import CRMRollout, Scenario  # noqa: E402
from sim.agents import GAMING_EFFORT_SHARE  # noqa: E402
from sim.mechanisms.social_influence import PUSH_BY_MANAGER_BEHAVIOUR  # noqa: E402
from sim.state import GAME, GO_AROUND, IGNORE, LEGACY, SELF_SERVE, USE, Role  # noqa: E402

MIB = 1024 * 1024
TARGET_RATE_10K = 3e6
TARGET_WALL_S = 20.0
TARGET_PEAK_BYTES = 2 * 1024 * MIB
TARGET_SPEEDUP = 10.0


def scenario_for(employees: int, weeks: int) -> Scenario:
    return Scenario.default().with_overrides(
        {"org.employees": employees, "org.partners": employees // 5, "run.weeks": weeks}
    )


def peak_rss_bytes() -> int:
    """This process's peak resident set size (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


# --- the per-agent Mesa version of the same rule -----------------------------------------


class Constants:
    """The scenario's numbers a person's rule needs, read once from the real model."""

    def __init__(self, model: CRMRollout):
        sc = model.scenario
        w, pol = sc.behaviour, sc.policy
        self.b = w.choice_sensitivity
        self.w_usefulness, self.w_effort, self.w_social = w.usefulness, w.effort, w.social
        self.w_pressure, self.w_habit, self.w_sanction = w.pressure, w.habit, w.sanction
        self.halflife = w.experience_halflife_weeks
        self.habit_keep = 1.0 - w.habit_decay
        self.mandate = pol.mandate
        self.sanction_risk = pol.sanctions
        self.workaround = model.workaround
        self.integration_gap = model.integration_gap
        self.training_gain = 1.0 - 0.5 ** (pol.training_hours / sc.learning.training_half_hours)
        self.learn_rate, self.forget_rate = sc.learning.learn_rate, sc.learning.forget_rate
        self.skill_reduction = sc.learning.skill_effort_reduction
        self.gaming_quality = sc.data.gaming_entry_quality
        self.adjustment_rate = sc.data.adjustment_rate
        self.trust_lag = sc.data.trust_lag_weeks
        # a boss's push by last week's choice; index -1 (LEGACY) is the last entry, no push
        self.push = PUSH_BY_MANAGER_BEHAVIOUR.tolist()


class PerAgentPerson(mesa.Agent):
    """One person with their own state; ``step()`` is the whole week for them, in scalar Python."""

    def __init__(self, model: PerAgentRollout, row: int, source: CRMRollout):
        super().__init__(model)
        org, state, params = source.org, source.state, source.role_parameters
        self.row = row
        self.role = int(org.role[row])
        self.department = int(org.department[row])
        self.manager = int(org.manager[row])  # a partner's sales rep; -1 for managers
        lo, hi = org.adjacency.indptr[row], org.adjacency.indptr[row + 1]
        self.ties = list(zip(org.adjacency.indices[lo:hi].tolist(), org.adjacency.data[lo:hi].tolist(), strict=True))
        # the role's parameters and the person's traits
        self.base_usefulness = float(params.base_usefulness[row])
        self.base_effort = float(params.base_effort[row])
        self.double_entry = float(params.double_entry[row]) * model.c.integration_gap
        self.gaming_gain = float(params.gaming_gain[row])
        self.benefit_share = float(source.benefit_share[row])
        self.attitude = float(state.attitude[row])
        self.integrity = float(state.integrity[row])
        self.go_live_week = int(state.go_live_week[row])
        # what evolves
        self.behaviour = int(state.behaviour[row])
        self.live = bool(state.live[row])
        self.skill = float(state.skill[row])
        self.habit = float(state.habit[row])
        self.trust = float(state.trust[row])
        self.tenure_weeks = int(state.tenure_weeks[row])
        self.weeks_live = int(state.weeks_live[row])
        # the last decision, kept as CRMRollout keeps it for explain()
        self.utilities = self.probabilities = self.shares = (0.0, 0.0, 0.0)
        self.perceived_usefulness = self.effort = 0.0

    def start_week(self, week: int, c: Constants) -> None:
        """Trust catches up with last week's department data quality; the CRM may go live."""
        if self.live:
            self.trust += (self.model.data_quality[self.department] - self.trust) / c.trust_lag
        if not self.live and self.go_live_week == week:
            self.live = True
            self.skill += (1.0 - self.skill) * c.training_gain

    def neighbour_shares(self, seen: list[int]) -> tuple[float, float, float]:
        """Weighted shares of each option among live neighbours, from last week's choices."""
        counts = [0.0, 0.0, 0.0, 0.0]  # use, game, ignore, and LEGACY (index -1) last
        for j, weight in self.ties:
            counts[seen[j]] += weight
        total = counts[0] + counts[1] + counts[2]
        if total > 0:
            return counts[0] / total, counts[1] / total, counts[2] / total
        return 0.0, 0.0, 0.0

    def choose(self, u0: float, u1: float, u2: float, c: Constants) -> int:
        """Multinomial logit with this person's one uniform draw for the week."""
        top = max(u0, u1, u2)
        p0, p1, p2 = math.exp(c.b * (u0 - top)), math.exp(c.b * (u1 - top)), math.exp(c.b * (u2 - top))
        total = p0 + p1 + p2
        p0, p1, p2 = p0 / total, p1 / total, p2 / total
        self.utilities, self.probabilities = (u0, u1, u2), (p0, p1, p2)
        draw = self.model.draws[self.row]
        choice = (draw > p0) + (draw > p0 + p1)
        return choice if self.live else LEGACY

    def learn(self, in_crm: bool, on_legacy_path: bool, c: Constants) -> None:
        if in_crm:
            self.skill += c.learn_rate * (1.0 - self.skill)
        elif self.live:
            self.skill -= c.forget_rate * self.skill
        if not on_legacy_path:
            self.habit *= c.habit_keep
        self.tenure_weeks += 1
        self.weeks_live += self.live


class PerAgentEmployee(PerAgentPerson):
    """A sales rep, service rep or manager: use, game or ignore (the terms of ``Employee.weigh``)."""

    def __init__(self, model: PerAgentRollout, row: int, source: CRMRollout):
        super().__init__(model, row, source)
        self.is_sales = self.role == Role.SALES
        self.is_manager = self.role == Role.MANAGER
        self.served_partners = model.served_partners.get(row, [])

    def step(self) -> None:
        m, c = self.model, self.model.c
        seen = m.seen
        self.start_week(m.steps, c)

        # perceive
        experience = 1.0 / (1.0 + self.weeks_live / c.halflife)
        social_weight = c.mandate + (1.0 - c.mandate) * experience
        s_use, s_game, s_ignore = self.shares = self.neighbour_shares(seen)
        if self.is_manager:
            pressure = c.mandate  # senior management pushes managers
        else:
            pressure = c.mandate * c.push[seen[self.manager]]
        usefulness = self.base_usefulness + self.benefit_share * self.trust
        effort = self.base_effort * (1.0 - c.skill_reduction * self.skill)
        if self.is_sales and self.served_partners:
            asked = sum(1.0 for p in self.served_partners if seen[p] == GO_AROUND)
            private_gain = self.gaming_gain * (1.0 + asked / len(self.served_partners))
        else:
            private_gain = self.gaming_gain

        # weigh: the terms of Employee.weigh
        effort_term = c.w_effort * experience * effort
        double_entry_term = c.w_effort * self.double_entry
        social = c.w_social * social_weight
        manager = c.w_pressure * pressure
        u_use = c.w_usefulness * usefulness - effort_term - double_entry_term + social * s_use + manager + self.attitude
        u_game = (
            -GAMING_EFFORT_SHARE * effort_term
            - GAMING_EFFORT_SHARE * double_entry_term
            + social * s_game
            + manager
            + private_gain
            - c.w_sanction * c.sanction_risk
            - self.integrity
        )
        u_ignore = c.w_habit * self.habit + social * s_ignore + c.workaround

        # decide, then the consequences
        self.behaviour = b = self.choose(u_use, u_game, u_ignore, c)
        self.perceived_usefulness, self.effort = usefulness, effort + self.double_entry
        live = self.live
        self.learn(live and (b == USE or b == GAME), not live or b == IGNORE, c)
        if live:  # this week's entry into the department's data
            m.entries[self.department] += 1
            m.entry_quality[self.department] += 1.0 if b == USE else c.gaming_quality if b == GAME else 0.0


class PerAgentPartner(PerAgentPerson):
    """A channel partner: self-serve, go around via its rep, or disengage (``ChannelPartner.weigh``)."""

    def step(self) -> None:
        m, c = self.model, self.model.c
        seen = m.seen
        self.start_week(m.steps, c)

        experience = 1.0 / (1.0 + self.weeks_live / c.halflife)
        s_self, s_around, s_disengage = self.shares = self.neighbour_shares(seen)
        usefulness = self.base_usefulness + self.benefit_share * self.trust
        effort = self.base_effort * (1.0 - c.skill_reduction * self.skill)
        rep_bends = 1.0 if seen[self.manager] == GAME else 0.0

        peers = c.w_social * experience  # partners have no mandate: social weight = experience
        u_self = c.w_usefulness * usefulness - c.w_effort * experience * effort + peers * s_self + self.attitude
        u_around = self.gaming_gain * rep_bends + c.w_habit * self.habit + peers * s_around
        u_disengage = peers * s_disengage

        self.behaviour = b = self.choose(u_self, u_around, u_disengage, c)
        self.perceived_usefulness, self.effort = usefulness, effort + self.double_entry
        live = self.live
        self.learn(live and b == SELF_SERVE, not live or b == GO_AROUND, c)


class PerAgentRollout(mesa.Model):
    """The crmsim week, the classic Mesa way: every agent steps itself, in random order.

    Built from a real ``CRMRollout`` (same organisation, traits, parameters and random stream).
    Neighbours read last week's choices (``seen``), as in ``CRMRollout``'s synchronous update,
    so the random activation order does not change the outcome.
    """

    def __init__(self, source: CRMRollout):
        super().__init__(seed=source.scenario.run.seed)
        self.c = Constants(source)
        self.decision_rng = np.random.default_rng(np.random.SeedSequence(source.scenario.run.seed).spawn(3)[1])
        self.data_quality = source.data_quality.tolist()
        departments = source.org.departments
        self.entries, self.entry_quality = [0] * departments, [0.0] * departments
        org, partner = source.org, Role.PARTNER
        self.served_partners: dict[int, list[int]] = {}  # a sales rep's partners
        for p in np.flatnonzero(org.role == partner).tolist():
            self.served_partners.setdefault(int(org.manager[p]), []).append(p)
        self.people = [
            (PerAgentPartner if r == partner else PerAgentEmployee)(self, row, source)
            for row, r in enumerate(source.org.role.tolist())
        ]
        self.seen: list[int] = []
        self.draws: list[float] = []

    def step(self) -> None:
        self.seen = [person.behaviour for person in self.people]  # last week's choices
        self.draws = self.decision_rng.random(len(self.people)).tolist()  # one uniform per person
        departments = len(self.data_quality)
        self.entries, self.entry_quality = [0] * departments, [0.0] * departments
        self.agents.shuffle_do("step")
        rate = self.c.adjustment_rate
        for d in range(departments):
            if self.entries[d]:
                target = self.entry_quality[d] / self.entries[d]
                self.data_quality[d] += rate * (target - self.data_quality[d])


# --- one measurement, in a fresh process ---------------------------------------------------


def child_vectorised(employees: int, weeks: int) -> dict:
    rss_after_imports = peak_rss_bytes()
    t0 = time.perf_counter()
    model = CRMRollout(scenario_for(employees, weeks))
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


def child_per_agent(employees: int, weeks: int) -> dict:
    scenario = scenario_for(employees, weeks)
    t0 = time.perf_counter()
    model = PerAgentRollout(CRMRollout(scenario))
    t1, c1 = time.perf_counter(), time.process_time()
    for _ in range(weeks):
        model.step()
    t2, c2 = time.perf_counter(), time.process_time()

    # same rule? run the real model for the same weeks and compare
    reference = CRMRollout(scenario)
    for _ in range(weeks):
        reference.step()
    behaviour = np.array([p.behaviour for p in model.people])
    skill = np.array([p.skill for p in model.people])
    return {
        "people": len(model.people),
        "employees": reference.org.employees,
        "weeks": weeks,
        "build_s": t1 - t0,
        "step_s": t2 - t1,
        "step_cpu_s": c2 - c1,
        "same_choice": int(np.count_nonzero(behaviour == reference.state.behaviour)),
        "max_skill_diff": float(np.abs(skill - reference.state.skill).max()),
        "max_quality_diff": float(np.abs(np.array(model.data_quality) - reference.data_quality).max()),
    }


def measure(kind: str, employees: int, weeks: int, repeats: int) -> list[dict]:
    """``repeats`` runs of one size, each in its own subprocess (so its peak memory is its own)."""
    runs = []
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, __file__, "--child", kind, "--employees", str(employees), "--weeks", str(weeks)],
            check=True,
            capture_output=True,
            text=True,
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return runs


def median(runs: list[dict], key) -> float:
    return statistics.median(key(r) for r in runs)


# --- the report ----------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000], help="employee counts")
    ap.add_argument("--repeats", type=int, default=3, help="runs per figure; the median is quoted")
    ap.add_argument("--weeks", type=int, default=156)
    ap.add_argument("--per-agent-sizes", type=int, nargs="*", default=[1_000, 10_000])
    ap.add_argument("--per-agent-weeks", type=int, default=20)
    ap.add_argument("--child", choices=["vectorised", "per_agent"], help=argparse.SUPPRESS)
    ap.add_argument("--employees", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child:
        run = child_vectorised if args.child == "vectorised" else child_per_agent
        print(json.dumps(run(args.employees, args.weeks)))
        return

    r = args.repeats
    print(
        f"crmsim benchmark: every figure is the median of {r} run{'s' if r > 1 else ''}, each run in a fresh subprocess"
    )
    print(
        f"mesa {mesa.__version__}, numpy {np.__version__}, python {sys.version.split()[0]}; "
        "default scenario, partners = employees / 5"
    )
    print()

    print(f"1. CRMRollout (arrays per role), {args.weeks} weeks")
    header = (
        f"{'employees':>10} {'people':>8} {'build s':>8} {'step s':>8} {'total s':>8} "
        f"{'agent-steps/s':>14} {'employee-steps/s':>17} {'peak MiB':>9} {'cpu/wall':>9}"
    )
    print(header)
    vectorised: dict[int, dict] = {}
    for n in args.sizes:
        runs = measure("vectorised", n, args.weeks, r)
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
    baseline = statistics.median(v["baseline"] for v in vectorised.values()) if vectorised else 0
    print(
        f"   agent-steps count employees + partners; peak = ru_maxrss of the child, of which "
        f"~{baseline / MIB:.0f} MiB is Python + imports;"
    )
    print("   cpu/wall = process CPU time / wall time while stepping (well below 1: the machine was busy)")
    print()

    speedups: dict[int, float] = {}
    if args.per_agent_sizes:
        print(f"2. Per-agent Mesa version of the same rule (agents.shuffle_do('step')), {args.per_agent_weeks} weeks")
        print(
            f"{'employees':>10} {'people':>8} {'build s':>8} {'step s':>8} {'agent-steps/s':>14} "
            f"{'CRMRollout/per-agent':>21} {'cpu/wall':>9} {'same choices as CRMRollout':>27}"
        )
        for n in args.per_agent_sizes:
            runs = measure("per_agent", n, args.per_agent_weeks, r)
            people = runs[0]["people"]
            step_s = median(runs, lambda x: x["step_s"])
            rate = people * args.per_agent_weeks / step_s
            ratio = f"{vectorised[n]['rate'] / rate:>20.1f}x" if n in vectorised else f"{'(size not run in 1.)':>21}"
            if n in vectorised:
                speedups[n] = vectorised[n]["rate"] / rate
            same = runs[0]["same_choice"]
            print(
                f"{n:>10,} {people:>8,} {median(runs, lambda x: x['build_s']):>8.3f} {step_s:>8.3f} "
                f"{rate / 1e6:>12.3f} M {ratio} {median(runs, lambda x: x['step_cpu_s'] / x['step_s']):>9.2f} "
                f"{same:>17,}/{people:,}",
                flush=True,
            )
            print(
                f"{'':>10}   max |skill difference| {runs[0]['max_skill_diff']:.1e}, "
                f"max |department data quality difference| {runs[0]['max_quality_diff']:.1e}"
            )
        print(
            f"   (build includes constructing the CRMRollout it starts from; ratio uses CRMRollout's "
            f"{args.weeks}-week rate)"
        )
        print()

    print("3. Targets")
    if 10_000 in vectorised:
        rate = vectorised[10_000]["rate"]
        print(
            f"   >= 3M agent-steps/s at 10,000 employees: {rate / 1e6:.2f} M "
            f"(employees only {vectorised[10_000]['employee_rate'] / 1e6:.2f} M) -> "
            f"{'met' if rate >= TARGET_RATE_10K else 'NOT met'}"
        )
    if 100_000 in vectorised:
        big = vectorised[100_000]
        print(
            f"   100,000 employees x {args.weeks} weeks < 20 s: {big['total_s']:.1f} s "
            f"(build {big['build_s']:.1f} + steps {big['step_s']:.1f}) -> "
            f"{'met' if big['total_s'] < TARGET_WALL_S else 'NOT met'}"
        )
        print(
            f"   100,000 employees peak memory < 2 GiB: {big['peak'] / MIB:.0f} MiB -> "
            f"{'met' if big['peak'] < TARGET_PEAK_BYTES else 'NOT met'}"
        )
    for n, s in speedups.items():
        print(
            f"   >= 10x the per-agent version at {n:,} employees: {s:.1f}x -> "
            f"{'met' if s >= TARGET_SPEEDUP else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
