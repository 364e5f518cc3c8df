"""CRMRollout: the Mesa model. Its step is the week's schedule; each consequence is a mechanism's.

policy (go-live and training, a CIO change) -> perceive (last week's state) -> decide (each
role's rule over its rows) -> consequences (partner terms, discipline, learning, data, drift,
culture, the system, turnover, money) -> record.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import mesa
import numpy as np

from sim import narration, organization, policies
from sim.agents import ROLE_CLASSES
from sim.mechanisms import (
    channel,
    culture,
    data_quality,
    drift,
    governance,
    learning,
    money,
    performance,
    role_conflict,
    sanctions,
    turnover,
)
from sim.metrics import Recorder, agent_table
from sim.perception import Perception, perceive
from sim.scenario import RoleParameters, Scenario, cases
from sim.state import (
    GAME,
    GO_AROUND,
    IGNORE,
    LEGACY,
    SELF_SERVE,
    USE,
    Role,
    State,
    Stocks,
)

#: The scenario section that parameterises each role.
ROLE_SECTION = {Role.SALES: "sales", Role.SERVICE: "service", Role.MANAGER: "managers", Role.PARTNER: "partners"}


@dataclass
class RoleArrays:
    """A role parameter spread over people, so mechanisms can read it per row."""

    base_usefulness: np.ndarray
    base_effort: np.ndarray
    double_entry: np.ndarray
    gaming_gain: np.ndarray
    oversight_aversion: np.ndarray
    present_bias: np.ndarray
    quit_weekly: np.ndarray


class CRMRollout(mesa.Model):
    """A CRM rollout in one organisation, one step per week.

    ``CRMRollout()`` runs the default scenario; ``CRMRollout(scenario, seed=7)`` a given one;
    dotted keys as keyword arguments override it, which is how Mesa's ``batch_run`` passes
    parameters: ``CRMRollout(**{"policy.integration": "full"})``.
    """

    def __init__(
        self, scenario: Scenario | str | None = None, *, seed: int | None = None, narrate: bool = False, **kwargs: Any
    ):
        if isinstance(scenario, str):  # a case's name, or a scenario file
            scenario = Scenario.case(scenario) if scenario in cases() else Scenario.load(scenario)
        scenario = scenario if scenario is not None else Scenario.default()
        if kwargs:  # dotted scenario keys (Mesa's batch_run and SolaraViz pass parameters this way)
            scenario = scenario.with_overrides(kwargs, source="CRMRollout(...)")
        if seed is not None:
            scenario = scenario.with_overrides({"run.seed": int(seed)}, source="CRMRollout(seed=...)")
        super().__init__(seed=scenario.run.seed)
        self.scenario = scenario
        sc = scenario
        # Named sub-streams: the organisation and people's traits do not depend on the policy,
        # and every week draws the same count of numbers per person, so policies share random
        # numbers. Only new hires' traits come from their own stream.
        org_seq, decision_seq, event_seq, hire_seq = np.random.SeedSequence(sc.run.seed).spawn(4)
        org_rng = np.random.default_rng(org_seq)
        self.decision_rng = np.random.default_rng(decision_seq)
        self.event_rng = np.random.default_rng(event_seq)
        self.hire_rng = np.random.default_rng(hire_seq)

        org = self.org = organization.build(sc, org_rng)
        self.state = self._initial_state(org_rng)
        self.role_settings = {role: getattr(sc.roles, section) for role, section in ROLE_SECTION.items()}
        self.role_parameters = self._spread(self.role_settings)
        self.is_partner = org.role == Role.PARTNER
        self.is_manager = org.role == Role.MANAGER
        self.is_service = org.role == Role.SERVICE
        self.is_sales = org.role == Role.SALES
        self.is_staff = self.is_sales | self.is_service
        self.partner_rows = np.flatnonzero(self.is_partner)
        self.partners_served = np.bincount(org.manager[self.partner_rows], minlength=org.n)
        self.partner_peers = org.adjacency[self.partner_rows][:, self.partner_rows].tocsr()
        # a person's team: their manager's row; a manager's, their own
        self.team = np.where(self.is_staff, org.manager, np.arange(org.n))
        self.employee_rows = slice(0, org.employees)  # rows are ordered by role, partners last
        share = sc.data.manager_benefit_share
        self.benefit_share = np.where(self.is_manager, share, 1.0 - share)
        # cues that are fixed for the run
        self.workaround_ease = np.full(org.n, policies.WORKAROUND[sc.policy.integration])
        self.mandated = np.where(self.is_partner, 0.0, sc.policy.mandate)
        self.per_partner_served = np.divide(
            1.0, self.partners_served, out=np.zeros(org.n), where=self.partners_served > 0
        )
        upsell = self.is_service & sc.policy.upsell_prompts
        self.prompt_load = self.is_service * role_conflict.upsell_load(
            sc.policy.upsell_prompts, sc.role_conflict.prompt_workload
        )
        self.role_conflict_cost = upsell * sc.role_conflict.role_conflict
        # whose data each person sees: their department's; a partner's, that of its sales rep
        self.data_department = np.where(self.is_partner, org.department[org.manager], org.department)
        # subcultures are sites; with no cultural distance, one network
        if sc.culture.distance > 0:
            self.ties_within, self.ties_across = culture.split_ties(org.adjacency, org.site)
        else:
            self.ties_within, self.ties_across = org.adjacency, None
        self.crossing = (
            culture.crossing_share(self.ties_within, self.ties_across)
            if self.ties_across is not None
            else np.zeros(org.n)
        )
        self.senior_sales_manager = _senior_sales_manager(org, self.is_sales)
        self.tie_weight = np.asarray(org.adjacency.sum(axis=1)).ravel()

        self.stocks = Stocks(
            data_quality=np.full(org.departments, sc.data.initial_quality),
            system_fit=governance.initial_fit(sc.policy.outsourced, sc.policy.in_house_expertise, sc.governance.misfit),
            culture_distance=sc.culture.distance,
            integration_gap=policies.DOUBLE_ENTRY[sc.policy.integration],
        )
        self.ledger = money.Ledger()
        self.first_go_live = int(self.state.go_live_week.min())
        self.flows: dict[str, float] = {}
        self.events: list[tuple[int, str, str]] = []
        self.narrate = narrate  # log the week's notable micro-actions in plain language (the dashboard)
        self.happened: dict[str, np.ndarray] = {}  # rows of this week's notable micro-actions
        self.last_perception: Perception | None = None

        self.people = [ROLE_CLASSES[Role(r)](self, row) for row, r in enumerate(org.role)]
        self.recorder = Recorder(sc.run.weeks, org)
        self.snapshots: list = []
        self.running = True
        # For Mesa's own tools (batch_run reads model.datacollector); our tables come from the recorder.
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _latest(name) for name in ("intended_use", "gaming", "ignoring", "data_quality")}
        )

    # --- the week ------------------------------------------------------------------------

    def step(self) -> None:
        """One week."""
        week = self.steps  # Mesa counts steps from 1
        self.apply_policy(week)
        self.last_perception = perceive(self, week)
        self.decide(self.last_perception)
        self.consequences(week)
        self.recorder.record(week, self)
        self.datacollector.collect(self)
        self._snapshot_if_due(week)
        if week >= self.scenario.run.weeks:
            self.running = False

    def apply_policy(self, week: int) -> None:
        """The CRM goes live for those whose turn it is, with training; a new CIO may shift the goal."""
        sc, state = self.scenario, self.state
        self.flows = dict.fromkeys(("training_hours", "hires", "implementation", "resignations"), 0.0)
        if sc.policy.cio_change_week == week and self.stocks.goal == "integration":
            self.stocks.goal = "data_collection"
            self.stocks.integration_gap = governance.goal_after_cio_change(
                self.stocks.integration_gap, sc.policy.commitment
            )
            self.events.append((week, "cio_change", "A new CIO shifts the goal from integration to collecting data."))
        starting = (state.go_live_week == week) & ~state.live
        if week == self.first_go_live:
            self.flows["implementation"] = sc.costs.implementation_per_employee * self.org.employees
        if starting.any():
            state.live |= starting
            self.train(starting, week)

    def train(self, who: np.ndarray, week: int) -> None:
        """Training as people start: less of it in busy weeks and for a 24/7 service that cannot stop."""
        sc, state = self.scenario, self.state
        share = turnover.training_share(
            turnover.is_busy(week, sc.org.busy_weeks),
            sc.org.around_the_clock,
            self.is_service[who],
            sc.calendar.busy_training_loss,
        )
        hours = sc.policy.training_hours * share * (0.5 + 0.5 * sc.policy.commitment)  # committed leaders fund it
        state.skill[who] = learning.trained_skill(state.skill[who], hours, sc.learning.training_half_hours)
        self.flows["training_hours"] += float(hours[~self.is_partner[who]].sum())  # partners' time is not wages

    def decide(self, see: Perception) -> None:
        """Each role's rule over all of its people; one uniform draw per person every week."""
        state, w = self.state, self.scenario.behaviour
        draw = self.decision_rng.random(self.org.n)
        for role, person_class in ROLE_CLASSES.items():
            rows = self.org.role_slice(role)
            if rows.start == rows.stop:
                continue
            u = person_class.utilities(see.rows(rows), w, self.role_settings[role])
            p = np.exp(w.choice_sensitivity * (u - u.max(axis=0)))
            p /= p.sum(axis=0)
            # the first option whose cumulative probability exceeds the draw
            choice = (draw[rows] > p[0]).astype(np.int8) + (draw[rows] > p[0] + p[1])
            state.utilities[:, rows] = u
            state.probabilities[:, rows] = p
            state.behaviour[rows] = np.where(state.live[rows], choice, LEGACY)
        state.neighbour_shares[:] = see.shares
        state.perceived_usefulness[:] = see.usefulness
        state.effort[:] = see.effort + see.double_entry

    def consequences(self, week: int) -> None:
        """What the week's choices do: to partners' terms, to gamers, to skills, data, practice and people."""
        # one draw per person per purpose every week, whatever the policy: common random numbers
        detect, complain, start, enforce, leave = self.event_rng.random((5, self.org.n))
        self.trade_with_partners(complain)
        self.discipline_gamers(detect, week)
        self.learn()
        self.update_data()
        self.drift_in_practice(start, enforce)
        self.culture_and_system(week)
        self.people_leave(leave, week)
        self.book_money()
        if self.narrate:
            self.events.extend(narration.week_events(self, week))
        state = self.state
        state.tenure_weeks += 1
        state.weeks_live += state.live

    # --- consequences, one mechanism each ------------------------------------------------

    def trade_with_partners(self, draw: np.ndarray) -> None:
        """Partners order; bent terms leak margin; rule-followers compare, complain and are compensated (002)."""
        sc, state, ch = self.scenario, self.state, self.scenario.channel
        rows = self.partner_rows
        behaviour = state.behaviour[rows]
        discount = channel.discounts(behaviour, state.behaviour[self.org.manager[rows]], ch.bent_discount)
        volume = channel.order_volume(behaviour, ch.disengaged_volume)
        state.discount[rows] = discount
        terms = state.terms_seen[rows]
        terms += (discount - terms) / ch.terms_memory_weeks
        state.terms_seen[rows] = terms
        belief = state.route_belief[rows]
        channel.learn_route_value(belief, discount, behaviour == GO_AROUND, self.partner_peers, ch.learning_rate)
        state.route_belief[rows] = belief
        complaining, gap = channel.complaints(
            terms, behaviour, self.partner_peers, ch.complaint_threshold, ch.complaint_probability, draw[rows]
        )
        self.happened["bent"] = rows[discount > 0]
        self.happened["complaints"] = rows[complaining]
        self.flows["units_partners"] = float(volume.sum())
        self.flows["margin_leakage"] = float((discount * volume).sum() * sc.costs.price)
        self.flows["complaints"] = float(complaining.sum())
        self.flows["compensation_paid"] = float(gap.sum() * sc.costs.price * ch.compensation_weeks)

    def discipline_gamers(self, draw: np.ndarray, week: int) -> None:
        """Managers who work in the CRM spot gamers; discipline breeds reactance and backlash (002)."""
        sc, state, st = self.scenario, self.state, self.stocks
        manager_sees = sanctions.manager_sees(self.org.manager, state.behaviour, self.is_staff)
        detected = sanctions.detected(state.behaviour, manager_sees, sc.sanctions.detection, draw)
        state.disciplined[:] = detected & (draw < sc.sanctions.detection * sc.policy.sanctions)
        employees = self.employee_rows
        morale = state.morale[employees]
        sanctions.reactance(
            morale,
            state.disciplined[employees],
            self.team[employees],
            sc.sanctions.morale_hit,
            sc.sanctions.spillover,
            sc.sanctions.morale_recovery,
        )
        state.morale[employees] = morale
        n_sales = max(int(self.is_sales.sum()), 1)
        st.backlash = sanctions.update_backlash(
            st.backlash, float(state.disciplined[self.is_sales].sum()) / n_sales, sc.sanctions.backlash_memory_weeks
        )
        self.happened["disciplined"] = np.flatnonzero(state.disciplined)
        self.flows["detected"] = float(detected.sum())
        self.flows["disciplined"] = float(state.disciplined.sum())
        if st.backlash > sc.sanctions.backlash_threshold and not st.senior_sales_manager_resigned:
            self.senior_sales_manager_resigns(week)

    def senior_sales_manager_resigns(self, week: int) -> None:
        """He leaves over his people being punished, taking part of the sales force's goodwill (002)."""
        head = self.senior_sales_manager
        self.stocks.senior_sales_manager_resigned = True
        self.flows["resignations"] = 1.0
        if head < 0:
            return
        loss = self.scenario.sanctions.goodwill_loss
        self.state.morale[self.is_sales] *= 1.0 - loss
        self.state.morale[self.is_sales & (self.org.manager == head)] *= 1.0 - loss
        self.hire(np.array([head]))
        self.events.append(
            (
                week,
                "resignation",
                f"The senior sales manager (person {self.person_id(head)}) resigned over the "
                "discipline of his sales force.",
            )
        )

    def learn(self) -> None:
        """Skill grows with use and fades without; the legacy habit fades with use."""
        state, sc = self.state, self.scenario
        live, partner, b = state.live, self.is_partner, state.behaviour
        in_crm = live & np.where(partner, b == SELF_SERVE, (b == USE) | (b == GAME))
        on_legacy_path = ~live | np.where(partner, b == GO_AROUND, b == IGNORE)
        learning.learn_by_use(state.skill, in_crm, sc.learning.learn_rate, np.where(live, sc.learning.forget_rate, 0.0))
        learning.fade_habit(state.habit, on_legacy_path, sc.behaviour.habit_decay)

    def update_data(self) -> None:
        """Entries move each department's data quality; trust follows the data a person sees."""
        state, sc, org = self.state, self.scenario, self.org
        entering = state.live & ~self.is_partner
        target, n_entering = data_quality.entry_quality(
            org.department, state.behaviour, entering, org.departments, sc.data.gaming_entry_quality
        )
        data_quality.update_data_quality(self.stocks.data_quality, target, n_entering, sc.data.adjustment_rate)
        seen = self.stocks.data_quality[self.data_department]
        data_quality.follow_with_lag(state.trust, seen, state.live, sc.data.trust_lag_weeks)

    def drift_in_practice(self, start: np.ndarray, enforce: np.ndarray) -> None:
        """Improvised practices appear and spread; control brings them back, organic lets them grow (000)."""
        sc, state = self.scenario, self.state
        b = state.behaviour
        in_crm = state.live & ~self.is_partner & ((b == USE) | (b == GAME))
        neighbours = self.org.adjacency @ state.improvising.astype(float)
        degree = self.tie_weight
        share = np.divide(neighbours, degree, out=np.zeros(self.org.n), where=degree > 0)
        drift.improvise(
            state.improvising, in_crm, self.stocks.system_fit, share, sc.drift.start_rate, sc.drift.spread, start
        )
        drift.enforce_design(state.improvising, sc.policy.management_style, sc.drift.enforcement, enforce)
        self.flows["drift"] = drift.drift_index(state.improvising, in_crm)

    def culture_and_system(self, week: int) -> None:
        """Culture tension and distance, system fit and performance, and the marketing-service conflict."""
        sc, state, st = self.scenario, self.state, self.stocks
        any_live = bool(state.live.any())
        if self.ties_across is not None:
            culture.update_tension(
                state.tension, st.culture_distance, self.crossing, state.live, sc.culture.tension_rate
            )
            if any_live:
                st.culture_distance = culture.shrink_distance(
                    st.culture_distance, sc.policy.culture_programme, sc.culture.programme_rate
                )
        live_share = float(state.live[self.employee_rows].mean())
        st.system_performance = performance.system_performance(
            sc.org.legacy_systems,
            sc.policy.integration,
            sc.policy.legacy_upgrade,
            live_share,
            sc.performance.penalty_per_system,
        )
        if any_live:
            rate = governance.fix_rate(
                sc.governance.fix_rate, sc.policy.commitment, sc.policy.outsourced, sc.policy.in_house_expertise
            )
            st.system_fit = governance.improve_fit(st.system_fit, rate)
        service = self.is_service
        service_live = float(state.live[service].mean()) if service.any() else 0.0
        refusing = float((state.behaviour[service] == IGNORE).mean()) if service.any() else 0.0
        friction = role_conflict.friction(service_live, sc.policy.upsell_prompts, st.integration_gap, refusing)
        st.conflict = role_conflict.update_conflict(st.conflict, friction, sc.role_conflict.conflict_rate)

    def people_leave(self, draw: np.ndarray, week: int) -> None:
        """Some people quit, the dissatisfied more; each post is filled at once by a new hire (001, 004)."""
        state, sc = self.state, self.scenario
        p = turnover.quit_probability(
            self.role_parameters.quit_weekly,
            state.morale,
            state.tension,
            state.effort,
            sc.calendar.turnover_sensitivity,
        )
        leavers = np.flatnonzero((draw < p) & ~self.is_partner)
        self.happened["leavers"] = leavers
        self.flows["leavers_sales"] = float(self.is_sales[leavers].sum())
        self.flows["leavers_service"] = float(self.is_service[leavers].sum())
        self.flows["leavers"] = float(len(leavers)) + self.flows.get("resignations", 0.0)
        if len(leavers):
            self.hire(leavers)

    def hire(self, rows: np.ndarray) -> None:
        """A new person in each post: no legacy habit, prior skill only, trained if the policy says so."""
        sc, state, rng = self.scenario, self.state, self.hire_rng
        k = len(rows)
        state.attitude[rows] = rng.normal(0.0, sc.behaviour.attitude_sd, k)
        state.integrity[rows] = rng.normal(0.0, sc.behaviour.integrity_sd, k)
        state.skill[rows] = _prior_skill(rng, sc.learning.prior_skill, k)
        state.habit[rows] = 0.0
        state.morale[rows] = 1.0
        state.tension[rows] = 0.0
        state.improvising[rows] = False
        state.tenure_weeks[rows] = 0
        state.weeks_live[rows] = 0
        state.trust[rows] = self.stocks.data_quality[self.data_department[rows]]
        self.flows["hires"] += k
        if sc.policy.new_hire_training:
            trainees = np.zeros(self.org.n, dtype=bool)
            trainees[rows] = state.live[rows]
            if trainees.any():
                self.train(trainees, self.steps)

    def book_money(self) -> None:
        """This week's costs and benefits, and the cost per unit sale (seed 002; verdict criteria)."""
        sc, state, st, f = self.scenario, self.state, self.stocks, self.flows
        c = sc.costs
        employees = ~self.is_partner
        live_emp = state.live & employees
        b = state.behaviour
        entering = live_emp & ((b == USE) | (b == GAME))
        users = live_emp & (b == USE)
        quality = st.data_quality[self.data_department]
        n_sales = int(self.is_sales.sum())
        use_sales = float(users[self.is_sales].sum()) / n_sales if n_sales else 0.0
        mean_quality = float(quality[self.employee_rows].mean())
        base_units = f["units_partners"] + c.direct_units_per_rep * n_sales
        uplift = c.sales_uplift * use_sales * mean_quality
        units = base_units * (1.0 + uplift)

        after_go_live = self.steps >= self.first_go_live
        running = (
            c.licence_per_user_week * live_emp.sum()
            + c.wage_per_hour
            * (
                f["training_hours"]
                + c.double_entry_hours * (self.role_parameters.double_entry[entering] * st.integration_gap).sum()
            )
            + f["margin_leakage"]
            + f["compensation_paid"]
            + (c.hiring_cost * f["hires"] if after_go_live else 0.0)
        )
        productivity = c.productivity_per_user_week * float((quality[users] * st.system_fit).sum())
        benefit = productivity + c.margin * c.price * base_units * uplift
        planned = (
            c.productivity_per_user_week * live_emp.sum() + c.margin * c.price * base_units * c.sales_uplift
            if after_go_live
            else 0.0
        )
        self.ledger.book(f["implementation"] + running, benefit, planned)
        f["units"] = units
        f["costs"] = f["implementation"] + running
        f["benefits"] = benefit
        # selling costs per unit: the old cost of the base units, plus what the CRM costs to run,
        # spread over the units sold (more units where sales reps use trusted data)
        f["cost_per_sale"] = (c.cost_per_unit * base_units + running) / units if units > 0 else 0.0

    # --- set-up and output helpers -------------------------------------------------------

    def person_id(self, row: int):
        """The id of the person in a row, as in the agents table (the imported id, if any)."""
        return self.org.external_id[row] if self.org.external_id is not None else row

    def verdict(self) -> dict:
        """Success or failure by the scenario's criteria, with the figures it was judged on."""
        ts = self.recorder.frame()
        use = float(ts["intended_use"].tail(13).mean())
        crit = self.scenario.verdict
        judged = {
            "verdict": money.verdict(use, self.ledger.roi, crit.min_intended_use, crit.min_roi),
            "intended_use_last13": use,
            "roi": self.ledger.roi,
            "criteria": {"min_intended_use": crit.min_intended_use, "min_roi": crit.min_roi},
        }
        if judged["verdict"] == "undetermined":
            judged["reason"] = money.UNDETERMINED_REASON
        return judged

    def _initial_state(self, rng: np.random.Generator) -> State:
        sc, org = self.scenario, self.org
        state = State(org.n)
        state.go_live_week[:] = policies.go_live_weeks(org, sc.policy)
        state.attitude[:] = rng.normal(0.0, sc.behaviour.attitude_sd, org.n)
        state.integrity[:] = rng.normal(0.0, sc.behaviour.integrity_sd, org.n)
        state.skill[:] = _prior_skill(rng, sc.learning.prior_skill, org.n)
        state.tenure_weeks[:] = rng.integers(0, 520, org.n)
        state.trust[:] = sc.data.initial_quality
        return state

    def _spread(self, settings: dict[Role, RoleParameters]) -> RoleArrays:
        table = {f.name: np.array([getattr(settings[Role(r)], f.name) for r in range(4)]) for f in fields(RoleArrays)}
        return RoleArrays(**{name: values[self.org.role] for name, values in table.items()})

    def _snapshot_if_due(self, week: int) -> None:
        every = self.scenario.run.snapshot_every
        if every and week % every == 0 and week < self.scenario.run.weeks:
            self.snapshots.append(agent_table(self))


def _senior_sales_manager(org, is_sales: np.ndarray) -> int:
    """The manager with the most sales reps: the head of sales whose backlash matters (seed 002)."""
    bosses = org.manager[is_sales]
    if len(bosses) == 0:
        return -1
    return int(np.bincount(bosses).argmax())


def _prior_skill(rng: np.random.Generator, mean: float, n: int) -> np.ndarray:
    """Skill before training: Beta-distributed around ``mean`` (computer literacy varies)."""
    if mean <= 0 or mean >= 1:
        return np.full(n, float(mean))
    return rng.beta(2.0, 2.0 * (1.0 - mean) / mean, n)


def _latest(column: str):
    """A Mesa model reporter that reads this week's value from the recorder."""
    return lambda model: float(model.recorder.columns[column][model.recorder.rows - 1])
